//! StorageClass families. Every series also carries `storageclass`.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, labels};
use crate::objects::StorageClass;

impl Families for StorageClass {
    fn families() -> Vec<Family<StorageClass>> {
        vec![
            Family::gauge(
                Stable,
                "kube_storageclass_info",
                "Information about storageclass.",
                &["provisioner", "reclaim_policy", "volume_binding_mode"],
                |s, out| {
                    out.emit(
                        &[
                            &s.provisioner,
                            s.reclaim_policy.as_deref().unwrap_or("Delete"),
                            s.volume_binding_mode.as_deref().unwrap_or("Immediate"),
                        ],
                        1.0,
                    )
                },
            ),
            created("kube_storageclass_created"),
            annotations("kube_storageclass_annotations"),
            labels("kube_storageclass_labels"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::series_of;
    use crate::objects::StorageClass;

    #[test]
    fn info_with_and_without_policies() {
        let gp3: StorageClass = serde_json::from_str(
            r#"{"metadata":{"name":"gp3","creationTimestamp":"2021-01-22T10:15:30Z",
                 "annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
               "provisioner":"ebs.csi.aws.com","reclaimPolicy":"Retain",
               "volumeBindingMode":"WaitForFirstConsumer","parameters":{"type":"gp3"}}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&gp3, "kube_storageclass_info"),
            [
                r#"kube_storageclass_info{storageclass="gp3",provisioner="ebs.csi.aws.com",reclaim_policy="Retain",volume_binding_mode="WaitForFirstConsumer"} 1"#
            ]
        );
        assert_eq!(
            series_of(&gp3, "kube_storageclass_created"),
            [r#"kube_storageclass_created{storageclass="gp3"} 1.61131053e+09"#]
        );
        let bare: StorageClass =
            serde_json::from_str(r#"{"metadata":{"name":"nfs"},"provisioner":"example.com/nfs"}"#)
                .unwrap();
        assert_eq!(
            series_of(&bare, "kube_storageclass_info"),
            [
                r#"kube_storageclass_info{storageclass="nfs",provisioner="example.com/nfs",reclaim_policy="Delete",volume_binding_mode="Immediate"} 1"#
            ]
        );
        assert!(series_of(&bare, "kube_storageclass_created").is_empty());
    }
}
