//! StatefulSet families. Every series also carries `namespace, statefulset`.

use super::Stability::Stable;
use super::metadata_generation;
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::StatefulSet;

impl Families for StatefulSet {
    fn families() -> Vec<Family<StatefulSet>> {
        vec![
            created("kube_statefulset_created"),
            Family::gauge(
                Stable,
                "kube_statefulset_status_replicas",
                "The number of replicas per StatefulSet.",
                &[],
                |s, out| out.emit(&[], f64::from(s.status.replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_replicas_available",
                "The number of available replicas per StatefulSet.",
                &[],
                |s, out| out.emit(&[], f64::from(s.status.available_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_replicas_current",
                "The number of current replicas per StatefulSet.",
                &[],
                |s, out| out.emit(&[], f64::from(s.status.current_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_replicas_ready",
                "The number of ready replicas per StatefulSet.",
                &[],
                |s, out| out.emit(&[], f64::from(s.status.ready_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_replicas_updated",
                "The number of updated replicas per StatefulSet.",
                &[],
                |s, out| out.emit(&[], f64::from(s.status.updated_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_observed_generation",
                "The generation observed by the StatefulSet controller.",
                &[],
                |s, out| out.emit(&[], s.status.observed_generation as f64),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_replicas",
                "Number of desired pods for a StatefulSet.",
                &[],
                |s, out| out.emit_some(s.spec.replicas.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_ordinals_start",
                "Start ordinal of the StatefulSet.",
                &[],
                |s, out| out.emit_some(s.spec.ordinals.as_ref().map(|o| f64::from(o.start))),
            ),
            metadata_generation(
                "kube_statefulset_metadata_generation",
                "Sequence number representing a specific generation of the desired state for the StatefulSet.",
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_persistentvolumeclaim_retention_policy",
                "Count of retention policy for StatefulSet template PVCs",
                &["when_deleted", "when_scaled"],
                |s, out| {
                    // No series unless at least one of the two is set.
                    if let Some(p) = &s.spec.pvc_retention_policy
                        && !(p.when_deleted.is_empty() && p.when_scaled.is_empty())
                    {
                        out.emit(&[&p.when_deleted, &p.when_scaled], 1.0);
                    }
                },
            ),
            annotations("kube_statefulset_annotations").with_stability(Stable),
            labels("kube_statefulset_labels"),
            Family::gauge(
                Stable,
                "kube_statefulset_status_current_revision",
                "Indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).",
                &["revision"],
                |s, out| out.emit(&[&s.status.current_revision], 1.0),
            ),
            Family::gauge(
                Stable,
                "kube_statefulset_status_update_revision",
                "Indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)",
                &["revision"],
                |s, out| out.emit(&[&s.status.update_revision], 1.0),
            ),
            deletion_timestamp("kube_statefulset_deletion_timestamp").with_stability(Stable),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::StatefulSet;

    fn stateful_set(json: &str) -> StatefulSet {
        serde_json::from_str(json).expect("test statefulset decodes")
    }

    /// Mid-rollout: two of three pods still on the old revision.
    fn postgres() -> StatefulSet {
        stateful_set(
            r#"{"metadata":{"name":"postgres","namespace":"data","uid":"s-1","generation":5,
                 "creationTimestamp":"2021-01-22T10:15:30Z","deletionTimestamp":"2021-01-23T00:00:00Z",
                 "labels":{"app":"postgres"},"annotations":{"team":"data"}},
               "spec":{"replicas":3,"ordinals":{"start":1},
                       "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete","whenScaled":"Retain"}},
               "status":{"replicas":3,"availableReplicas":2,"currentReplicas":2,"readyReplicas":3,
                         "updatedReplicas":1,"observedGeneration":4,
                         "currentRevision":"postgres-6b7c8d9f4","updateRevision":"postgres-7f9c5b6d8"}}"#,
        )
    }

    #[test]
    fn counts_generations_and_timestamps() {
        let s = postgres();
        for (family, value) in [
            ("kube_statefulset_created", "1.61131053e+09"),
            ("kube_statefulset_deletion_timestamp", "1.61136e+09"),
            ("kube_statefulset_status_replicas", "3"),
            ("kube_statefulset_status_replicas_available", "2"),
            ("kube_statefulset_status_replicas_current", "2"),
            ("kube_statefulset_status_replicas_ready", "3"),
            ("kube_statefulset_status_replicas_updated", "1"),
            ("kube_statefulset_status_observed_generation", "4"),
            ("kube_statefulset_replicas", "3"),
            ("kube_statefulset_ordinals_start", "1"),
            ("kube_statefulset_metadata_generation", "5"),
        ] {
            assert_eq!(
                series_of(&s, family),
                with_identity(&s, &[&format!("{family} {value}")]),
                "{family}"
            );
        }
    }

    #[test]
    fn revisions_and_retention_policy_as_labels() {
        let s = postgres();
        assert_eq!(
            series_of(&s, "kube_statefulset_status_current_revision"),
            [
                r#"kube_statefulset_status_current_revision{namespace="data",statefulset="postgres",revision="postgres-6b7c8d9f4"} 1"#
            ]
        );
        assert_eq!(
            series_of(&s, "kube_statefulset_status_update_revision"),
            [
                r#"kube_statefulset_status_update_revision{namespace="data",statefulset="postgres",revision="postgres-7f9c5b6d8"} 1"#
            ]
        );
        assert_eq!(
            series_of(
                &s,
                "kube_statefulset_persistentvolumeclaim_retention_policy"
            ),
            [
                r#"kube_statefulset_persistentvolumeclaim_retention_policy{namespace="data",statefulset="postgres",when_deleted="Delete",when_scaled="Retain"} 1"#
            ]
        );
        // One side set: the other is an empty label.
        let half = stateful_set(
            r#"{"metadata":{"name":"kafka","namespace":"data"},
               "spec":{"persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"}}}"#,
        );
        assert_eq!(
            series_of(
                &half,
                "kube_statefulset_persistentvolumeclaim_retention_policy"
            ),
            with_identity(
                &half,
                &[
                    r#"kube_statefulset_persistentvolumeclaim_retention_policy{when_deleted="",when_scaled="Delete"} 1"#
                ]
            )
        );
    }

    #[test]
    fn unset_fields_give_no_series_or_empty_revisions() {
        let bare = stateful_set(r#"{"metadata":{"name":"bare","namespace":"data"}}"#);
        for family in [
            "kube_statefulset_created",
            "kube_statefulset_deletion_timestamp",
            "kube_statefulset_replicas",
            "kube_statefulset_ordinals_start",
            "kube_statefulset_persistentvolumeclaim_retention_policy",
        ] {
            assert!(series_of(&bare, family).is_empty(), "{family}");
        }
        let empty_policy = stateful_set(
            r#"{"metadata":{"name":"bare","namespace":"data"},
               "spec":{"ordinals":{},"persistentVolumeClaimRetentionPolicy":{}}}"#,
        );
        assert!(
            series_of(
                &empty_policy,
                "kube_statefulset_persistentvolumeclaim_retention_policy"
            )
            .is_empty()
        );
        assert_eq!(
            series_of(&empty_policy, "kube_statefulset_ordinals_start"),
            with_identity(&empty_policy, &["kube_statefulset_ordinals_start 0"])
        );
        assert_eq!(
            series_of(&bare, "kube_statefulset_status_current_revision"),
            with_identity(
                &bare,
                &[r#"kube_statefulset_status_current_revision{revision=""} 1"#]
            )
        );
        assert_eq!(
            series_of(&bare, "kube_statefulset_status_replicas_available"),
            with_identity(&bare, &["kube_statefulset_status_replicas_available 0"])
        );
    }

    #[test]
    fn labels_and_annotations_only_when_allowlisted() {
        let s = postgres();
        assert!(series_of(&s, "kube_statefulset_labels").is_empty());
        assert!(series_of(&s, "kube_statefulset_annotations").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("statefulsets=[app]").expect("allowlist"),
            annotations: Allowlist::parse("statefulsets=[team]").expect("allowlist"),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&s, "kube_statefulset_labels", &exposure),
            with_identity(&s, &[r#"kube_statefulset_labels{label_app="postgres"} 1"#])
        );
        assert_eq!(
            series_exposed(&s, "kube_statefulset_annotations", &exposure),
            with_identity(
                &s,
                &[r#"kube_statefulset_annotations{annotation_team="data"} 1"#]
            )
        );
    }
}
