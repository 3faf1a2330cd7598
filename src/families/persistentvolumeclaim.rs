//! PersistentVolumeClaim families. Every series also carries `namespace,
//! persistentvolumeclaim`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::PersistentVolumeClaim;

impl Families for PersistentVolumeClaim {
    fn families() -> Vec<Family<PersistentVolumeClaim>> {
        vec![
            labels("kube_persistentvolumeclaim_labels"),
            annotations("kube_persistentvolumeclaim_annotations"),
            Family::gauge(
                Stable,
                "kube_persistentvolumeclaim_info",
                "Information about persistent volume claim.",
                &["storageclass", "volumename", "volumemode"],
                |c, out| {
                    out.emit(
                        &[&c.storage_class, &c.spec.volume_name, &c.spec.volume_mode],
                        1.0,
                    )
                },
            ),
            Family::gauge(
                Stable,
                "kube_persistentvolumeclaim_status_phase",
                "The phase the persistent volume claim is currently in.",
                &["phase"],
                |c, out| {
                    if !c.status.phase.is_empty() {
                        out.one_hot(&["Lost", "Bound", "Pending"], &c.status.phase);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_persistentvolumeclaim_resource_requests_storage_bytes",
                "The capacity of storage requested by the persistent volume claim.",
                &[],
                |c, out| out.emit_some(c.spec.resources.requests.storage),
            ),
            Family::gauge(
                Stable,
                "kube_persistentvolumeclaim_access_mode",
                "The access mode(s) specified by the persistent volume claim.",
                &["access_mode"],
                |c, out| {
                    for mode in c.spec.access_modes.iter() {
                        out.emit(&[mode], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_persistentvolumeclaim_status_condition",
                "Information about status of different conditions of persistent volume claim.",
                &["condition", "status"],
                |c, out| out.conditions(&c.status.conditions),
            ),
            created("kube_persistentvolumeclaim_created").experimental(),
            deletion_timestamp("kube_persistentvolumeclaim_deletion_timestamp"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::PersistentVolumeClaim;

    fn claim(json: &str) -> PersistentVolumeClaim {
        serde_json::from_str(json).expect("test claim decodes")
    }

    const BOUND: &str = r#"{"metadata":{"name":"data-postgres-0","namespace":"data",
          "creationTimestamp":"2021-01-22T10:15:30Z"},
        "spec":{"storageClassName":"gp3","volumeName":"pvc-0a1b","volumeMode":"Filesystem",
          "accessModes":["ReadWriteOnce","ReadWriteOncePod"],
          "resources":{"requests":{"storage":"10Gi"}}},
        "status":{"phase":"Bound","capacity":{"storage":"10Gi"}}}"#;

    #[test]
    fn a_bound_claim() {
        let c = claim(BOUND);
        for (family, lines) in [
            (
                "kube_persistentvolumeclaim_info",
                vec![
                    r#"kube_persistentvolumeclaim_info{storageclass="gp3",volumename="pvc-0a1b",volumemode="Filesystem"} 1"#,
                ],
            ),
            (
                "kube_persistentvolumeclaim_status_phase",
                vec![
                    r#"kube_persistentvolumeclaim_status_phase{phase="Lost"} 0"#,
                    r#"kube_persistentvolumeclaim_status_phase{phase="Bound"} 1"#,
                    r#"kube_persistentvolumeclaim_status_phase{phase="Pending"} 0"#,
                ],
            ),
            (
                "kube_persistentvolumeclaim_resource_requests_storage_bytes",
                vec!["kube_persistentvolumeclaim_resource_requests_storage_bytes 1.073741824e+10"],
            ),
            (
                "kube_persistentvolumeclaim_access_mode",
                vec![
                    r#"kube_persistentvolumeclaim_access_mode{access_mode="ReadWriteOnce"} 1"#,
                    r#"kube_persistentvolumeclaim_access_mode{access_mode="ReadWriteOncePod"} 1"#,
                ],
            ),
            (
                "kube_persistentvolumeclaim_created",
                vec!["kube_persistentvolumeclaim_created 1.61131053e+09"],
            ),
        ] {
            assert_eq!(series_of(&c, family), with_identity(&c, &lines), "{family}");
        }
        assert_eq!(
            with_identity(&c, &["kube_persistentvolumeclaim_created 1"]),
            [
                r#"kube_persistentvolumeclaim_created{namespace="data",persistentvolumeclaim="data-postgres-0"} 1"#
            ]
        );
        assert!(series_of(&c, "kube_persistentvolumeclaim_deletion_timestamp").is_empty());
        assert!(series_of(&c, "kube_persistentvolumeclaim_status_condition").is_empty());
    }

    #[test]
    fn a_pending_claim_without_class_volume_or_request() {
        let c = claim(
            r#"{"metadata":{"name":"scratch","namespace":"batch","deletionTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"accessModes":["ReadWriteOnce"]},
               "status":{"phase":"Pending","conditions":[{"type":"Resizing","status":"True"}]}}"#,
        );
        assert_eq!(
            series_of(&c, "kube_persistentvolumeclaim_info"),
            with_identity(
                &c,
                &[
                    r#"kube_persistentvolumeclaim_info{storageclass="",volumename="",volumemode=""} 1"#
                ]
            )
        );
        assert_eq!(
            series_of(&c, "kube_persistentvolumeclaim_status_phase"),
            with_identity(
                &c,
                &[
                    r#"kube_persistentvolumeclaim_status_phase{phase="Lost"} 0"#,
                    r#"kube_persistentvolumeclaim_status_phase{phase="Bound"} 0"#,
                    r#"kube_persistentvolumeclaim_status_phase{phase="Pending"} 1"#,
                ]
            )
        );
        assert!(
            series_of(
                &c,
                "kube_persistentvolumeclaim_resource_requests_storage_bytes"
            )
            .is_empty()
        );
        assert_eq!(
            series_of(&c, "kube_persistentvolumeclaim_status_condition"),
            with_identity(
                &c,
                &[
                    r#"kube_persistentvolumeclaim_status_condition{condition="Resizing",status="true"} 1"#,
                    r#"kube_persistentvolumeclaim_status_condition{condition="Resizing",status="false"} 0"#,
                    r#"kube_persistentvolumeclaim_status_condition{condition="Resizing",status="unknown"} 0"#,
                ]
            )
        );
        assert_eq!(
            series_of(&c, "kube_persistentvolumeclaim_deletion_timestamp"),
            with_identity(
                &c,
                &["kube_persistentvolumeclaim_deletion_timestamp 1.61131053e+09"]
            )
        );
    }

    #[test]
    fn no_phase_no_phase_series() {
        let c = claim(r#"{"metadata":{"name":"new","namespace":"data"}}"#);
        assert!(series_of(&c, "kube_persistentvolumeclaim_status_phase").is_empty());
        assert!(series_of(&c, "kube_persistentvolumeclaim_access_mode").is_empty());
    }

    #[test]
    fn the_beta_annotation_wins_over_the_class_name_even_when_empty() {
        let annotated = claim(
            r#"{"metadata":{"name":"old","namespace":"data",
                 "annotations":{"volume.beta.kubernetes.io/storage-class":"standard"}},
               "spec":{"storageClassName":"gp3"}}"#,
        );
        assert_eq!(
            series_of(&annotated, "kube_persistentvolumeclaim_info"),
            with_identity(
                &annotated,
                &[
                    r#"kube_persistentvolumeclaim_info{storageclass="standard",volumename="",volumemode=""} 1"#
                ]
            )
        );
        let empty = claim(
            r#"{"metadata":{"name":"old","namespace":"data",
                 "annotations":{"volume.beta.kubernetes.io/storage-class":""}},
               "spec":{"storageClassName":"gp3"}}"#,
        );
        assert_eq!(
            series_of(&empty, "kube_persistentvolumeclaim_info"),
            with_identity(
                &empty,
                &[
                    r#"kube_persistentvolumeclaim_info{storageclass="",volumename="",volumemode=""} 1"#
                ]
            )
        );
    }
}
