//! VolumeAttachment families. Every series also carries
//! `volumeattachment`.

use super::Stability::Experimental;
use super::{Families, Family, bool_value, created};
use crate::objects::VolumeAttachment;

impl Families for VolumeAttachment {
    fn families() -> Vec<Family<VolumeAttachment>> {
        vec![
            // Every label, allowlisted or not, as kube-state-metrics serves
            // this kind's.
            Family::gauge(
                Experimental,
                "kube_volumeattachment_labels",
                "Kubernetes labels converted to Prometheus labels.",
                &[],
                |v, out| out.emit_pairs(&v.all_labels, 1.0),
            ),
            Family::gauge(
                Experimental,
                "kube_volumeattachment_info",
                "Information about volumeattachment.",
                &["attacher", "node"],
                |v, out| out.emit(&[&v.spec.attacher, &v.spec.node_name], 1.0),
            ),
            created("kube_volumeattachment_created").experimental(),
            Family::gauge(
                Experimental,
                "kube_volumeattachment_spec_source_persistentvolume",
                "PersistentVolume source reference.",
                &["volumename"],
                |v, out| {
                    if let Some(name) = &v.spec.source.persistent_volume_name {
                        out.emit(&[name], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_volumeattachment_status_attached",
                "Information about volumeattachment.",
                &[],
                |v, out| out.emit(&[], bool_value(v.status.attached)),
            ),
            Family::gauge(
                Experimental,
                "kube_volumeattachment_status_attachment_metadata",
                "volumeattachment metadata.",
                &[],
                |v, out| out.emit_pairs(&v.status.exposed_metadata, 1.0),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::series_of;
    use crate::objects::VolumeAttachment;

    #[test]
    fn an_attached_csi_volume() {
        let v: VolumeAttachment = serde_json::from_str(
            r#"{"metadata":{"name":"csi-0a1b","creationTimestamp":"2021-01-22T10:15:30Z",
                 "labels":{"app.kubernetes.io/managed-by":"external-attacher","teamName":"data"}},
               "spec":{"attacher":"ebs.csi.aws.com","nodeName":"node-0001",
                 "source":{"persistentVolumeName":"pvc-0a1b"}},
               "status":{"attached":true,"attachmentMetadata":{"devicePath":"/dev/xvdba","lun":"0"}}}"#,
        )
        .unwrap();
        for (family, line) in [
            (
                "kube_volumeattachment_labels",
                r#"kube_volumeattachment_labels{volumeattachment="csi-0a1b",label_app_kubernetes_io_managed_by="external-attacher",label_team_name="data"} 1"#,
            ),
            (
                "kube_volumeattachment_info",
                r#"kube_volumeattachment_info{volumeattachment="csi-0a1b",attacher="ebs.csi.aws.com",node="node-0001"} 1"#,
            ),
            (
                "kube_volumeattachment_created",
                r#"kube_volumeattachment_created{volumeattachment="csi-0a1b"} 1.61131053e+09"#,
            ),
            (
                "kube_volumeattachment_spec_source_persistentvolume",
                r#"kube_volumeattachment_spec_source_persistentvolume{volumeattachment="csi-0a1b",volumename="pvc-0a1b"} 1"#,
            ),
            (
                "kube_volumeattachment_status_attached",
                r#"kube_volumeattachment_status_attached{volumeattachment="csi-0a1b"} 1"#,
            ),
            (
                "kube_volumeattachment_status_attachment_metadata",
                r#"kube_volumeattachment_status_attachment_metadata{volumeattachment="csi-0a1b",metadata_device_path="/dev/xvdba",metadata_lun="0"} 1"#,
            ),
        ] {
            assert_eq!(series_of(&v, family), [line], "{family}");
        }
    }

    #[test]
    fn a_detached_inline_volume_still_has_its_label_and_metadata_series() {
        let v: VolumeAttachment = serde_json::from_str(
            r#"{"metadata":{"name":"csi-inline"},
               "spec":{"attacher":"x","nodeName":"n","source":{"inlineVolumeSpec":{"csi":{"driver":"x"}}}},
               "status":{"attached":false}}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&v, "kube_volumeattachment_labels"),
            [r#"kube_volumeattachment_labels{volumeattachment="csi-inline"} 1"#]
        );
        assert_eq!(
            series_of(&v, "kube_volumeattachment_status_attachment_metadata"),
            [
                r#"kube_volumeattachment_status_attachment_metadata{volumeattachment="csi-inline"} 1"#
            ]
        );
        assert_eq!(
            series_of(&v, "kube_volumeattachment_status_attached"),
            [r#"kube_volumeattachment_status_attached{volumeattachment="csi-inline"} 0"#]
        );
        assert!(series_of(&v, "kube_volumeattachment_spec_source_persistentvolume").is_empty());
        assert!(series_of(&v, "kube_volumeattachment_created").is_empty());
    }
}
