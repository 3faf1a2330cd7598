//! ReplicationController families. Every series also carries
//! `namespace, replicationcontroller`. kube-state-metrics has no
//! `_labels`, `_annotations` or `_deletion_timestamp` for this kind.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, created, metadata_generation, owner};
use crate::objects::ReplicationController;

impl Families for ReplicationController {
    fn families() -> Vec<Family<ReplicationController>> {
        vec![
            created("kube_replicationcontroller_created"),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_status_replicas",
                "The number of replicas per ReplicationController.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_status_fully_labeled_replicas",
                "The number of fully labeled replicas per ReplicationController.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.fully_labeled_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_status_ready_replicas",
                "The number of ready replicas per ReplicationController.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.ready_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_status_available_replicas",
                "The number of available replicas per ReplicationController.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.available_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_status_observed_generation",
                "The generation observed by the ReplicationController controller.",
                &[],
                |r, out| out.emit(&[], r.status.observed_generation as f64),
            ),
            Family::gauge(
                Stable,
                "kube_replicationcontroller_spec_replicas",
                "Number of desired pods for a ReplicationController.",
                &[],
                |r, out| out.emit_some(r.spec.replicas.map(f64::from)),
            ),
            metadata_generation(
                "kube_replicationcontroller_metadata_generation",
                "Sequence number representing a specific generation of the desired state.",
            ),
            owner(
                Experimental,
                "kube_replicationcontroller_owner",
                "Information about the ReplicationController's owner.",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ReplicationController;

    fn controller(json: &str) -> ReplicationController {
        serde_json::from_str(json).expect("test replicationcontroller decodes")
    }

    #[test]
    fn counts_and_generations() {
        let rc = controller(
            r#"{"metadata":{"name":"legacy","namespace":"shop","generation":2,
                 "creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"replicas":3},
               "status":{"replicas":3,"fullyLabeledReplicas":2,"readyReplicas":2,
                         "availableReplicas":1,"observedGeneration":2}}"#,
        );
        assert_eq!(
            series_of(&rc, "kube_replicationcontroller_spec_replicas"),
            [
                r#"kube_replicationcontroller_spec_replicas{namespace="shop",replicationcontroller="legacy"} 3"#
            ]
        );
        for (family, value) in [
            ("kube_replicationcontroller_created", "1.61131053e+09"),
            ("kube_replicationcontroller_status_replicas", "3"),
            (
                "kube_replicationcontroller_status_fully_labeled_replicas",
                "2",
            ),
            ("kube_replicationcontroller_status_ready_replicas", "2"),
            ("kube_replicationcontroller_status_available_replicas", "1"),
            ("kube_replicationcontroller_status_observed_generation", "2"),
            ("kube_replicationcontroller_metadata_generation", "2"),
        ] {
            assert_eq!(
                series_of(&rc, family),
                with_identity(&rc, &[&format!("{family} {value}")]),
                "{family}"
            );
        }
    }

    #[test]
    fn unset_replicas_and_creation_give_no_series() {
        let bare = controller(r#"{"metadata":{"name":"bare","namespace":"shop"}}"#);
        assert!(series_of(&bare, "kube_replicationcontroller_spec_replicas").is_empty());
        assert!(series_of(&bare, "kube_replicationcontroller_created").is_empty());
        assert_eq!(
            series_of(
                &bare,
                "kube_replicationcontroller_status_available_replicas"
            ),
            with_identity(
                &bare,
                &["kube_replicationcontroller_status_available_replicas 0"]
            )
        );
    }

    #[test]
    fn owner_or_one_empty_series() {
        let owned = controller(
            r#"{"metadata":{"name":"legacy","namespace":"shop","ownerReferences":[
                {"kind":"Operator","name":"legacy-op","controller":true}]}}"#,
        );
        assert_eq!(
            series_of(&owned, "kube_replicationcontroller_owner"),
            with_identity(
                &owned,
                &[
                    r#"kube_replicationcontroller_owner{owner_kind="Operator",owner_name="legacy-op",owner_is_controller="true"} 1"#
                ]
            )
        );
        let bare = controller(r#"{"metadata":{"name":"bare","namespace":"shop"}}"#);
        assert_eq!(
            series_of(&bare, "kube_replicationcontroller_owner"),
            with_identity(
                &bare,
                &[
                    r#"kube_replicationcontroller_owner{owner_kind="",owner_name="",owner_is_controller=""} 1"#
                ]
            )
        );
    }
}
