//! ReplicaSet families. Every series also carries `namespace, replicaset`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, created, labels, metadata_generation, owner};
use crate::objects::ReplicaSet;

impl Families for ReplicaSet {
    fn families() -> Vec<Family<ReplicaSet>> {
        vec![
            created("kube_replicaset_created"),
            Family::gauge(
                Stable,
                "kube_replicaset_status_replicas",
                "The number of replicas per ReplicaSet.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicaset_status_fully_labeled_replicas",
                "The number of fully labeled replicas per ReplicaSet.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.fully_labeled_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_replicaset_status_ready_replicas",
                "The number of ready replicas per ReplicaSet.",
                &[],
                |r, out| out.emit(&[], f64::from(r.status.ready_replicas)),
            ),
            Family::gauge(
                Experimental,
                "kube_replicaset_status_terminating_replicas",
                "The number of terminating replicas per ReplicaSet.",
                &[],
                |r, out| out.emit_some(r.status.terminating_replicas.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_replicaset_status_observed_generation",
                "The generation observed by the ReplicaSet controller.",
                &[],
                |r, out| out.emit(&[], r.status.observed_generation as f64),
            ),
            Family::gauge(
                Stable,
                "kube_replicaset_spec_replicas",
                "Number of desired pods for a ReplicaSet.",
                &[],
                |r, out| out.emit_some(r.spec.replicas.map(f64::from)),
            ),
            metadata_generation(
                "kube_replicaset_metadata_generation",
                "Sequence number representing a specific generation of the desired state.",
            ),
            owner(
                Stable,
                "kube_replicaset_owner",
                "Information about the ReplicaSet's owner.",
            ),
            annotations("kube_replicaset_annotations"),
            labels("kube_replicaset_labels"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::ReplicaSet;

    fn replica_set(json: &str) -> ReplicaSet {
        serde_json::from_str(json).expect("test replicaset decodes")
    }

    fn web() -> ReplicaSet {
        replica_set(
            r#"{"metadata":{"name":"web-5d8f9c","namespace":"shop","uid":"rs-1","generation":3,
                 "creationTimestamp":"2021-01-22T10:15:30Z",
                 "labels":{"app":"web","pod-template-hash":"5d8f9c"},
                 "annotations":{"deployment.kubernetes.io/revision":"3"},
                 "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web",
                                     "uid":"d-1","controller":true}]},
               "spec":{"replicas":4},
               "status":{"replicas":3,"fullyLabeledReplicas":3,"readyReplicas":2,
                         "availableReplicas":2,"terminatingReplicas":1,"observedGeneration":2}}"#,
        )
    }

    #[test]
    fn counts_generations_and_creation() {
        let rs = web();
        for (family, line) in [
            (
                "kube_replicaset_created",
                "kube_replicaset_created 1.61131053e+09",
            ),
            (
                "kube_replicaset_status_replicas",
                "kube_replicaset_status_replicas 3",
            ),
            (
                "kube_replicaset_status_fully_labeled_replicas",
                "kube_replicaset_status_fully_labeled_replicas 3",
            ),
            (
                "kube_replicaset_status_ready_replicas",
                "kube_replicaset_status_ready_replicas 2",
            ),
            (
                "kube_replicaset_status_terminating_replicas",
                "kube_replicaset_status_terminating_replicas 1",
            ),
            (
                "kube_replicaset_status_observed_generation",
                "kube_replicaset_status_observed_generation 2",
            ),
            (
                "kube_replicaset_spec_replicas",
                "kube_replicaset_spec_replicas 4",
            ),
            (
                "kube_replicaset_metadata_generation",
                "kube_replicaset_metadata_generation 3",
            ),
        ] {
            assert_eq!(
                series_of(&rs, family),
                with_identity(&rs, &[line]),
                "{family}"
            );
        }
        assert_eq!(
            with_identity(&rs, &["kube_replicaset_spec_replicas 4"]),
            [r#"kube_replicaset_spec_replicas{namespace="shop",replicaset="web-5d8f9c"} 4"#]
        );
    }

    #[test]
    fn unset_fields_give_zero_or_no_series() {
        let bare = replica_set(r#"{"metadata":{"name":"bare","namespace":"shop"}}"#);
        for family in [
            "kube_replicaset_created",
            "kube_replicaset_spec_replicas",
            "kube_replicaset_status_terminating_replicas",
        ] {
            assert!(series_of(&bare, family).is_empty(), "{family}");
        }
        for family in [
            "kube_replicaset_status_replicas",
            "kube_replicaset_status_fully_labeled_replicas",
            "kube_replicaset_status_ready_replicas",
            "kube_replicaset_status_observed_generation",
            "kube_replicaset_metadata_generation",
        ] {
            assert_eq!(
                series_of(&bare, family),
                with_identity(&bare, &[&format!("{family} 0")]),
                "{family}"
            );
        }
        let scaled_down = replica_set(
            r#"{"metadata":{"name":"old","namespace":"shop"},"spec":{"replicas":0},
               "status":{"terminatingReplicas":0}}"#,
        );
        assert_eq!(
            series_of(&scaled_down, "kube_replicaset_spec_replicas"),
            with_identity(&scaled_down, &["kube_replicaset_spec_replicas 0"])
        );
        assert_eq!(
            series_of(&scaled_down, "kube_replicaset_status_terminating_replicas"),
            with_identity(
                &scaled_down,
                &["kube_replicaset_status_terminating_replicas 0"]
            )
        );
    }

    #[test]
    fn owner_names_the_deployment_and_whether_it_controls() {
        let rs = web();
        assert_eq!(
            series_of(&rs, "kube_replicaset_owner"),
            with_identity(
                &rs,
                &[
                    r#"kube_replicaset_owner{owner_kind="Deployment",owner_name="web",owner_is_controller="true"} 1"#
                ]
            )
        );
        let two = replica_set(
            r#"{"metadata":{"name":"adopted","namespace":"shop","ownerReferences":[
                {"kind":"Deployment","name":"web","controller":false},{"kind":"Rollout","name":"web"}]}}"#,
        );
        assert_eq!(
            series_of(&two, "kube_replicaset_owner"),
            with_identity(
                &two,
                &[
                    r#"kube_replicaset_owner{owner_kind="Deployment",owner_name="web",owner_is_controller="false"} 1"#,
                    r#"kube_replicaset_owner{owner_kind="Rollout",owner_name="web",owner_is_controller="false"} 1"#,
                ]
            )
        );
        let bare = replica_set(r#"{"metadata":{"name":"bare","namespace":"shop"}}"#);
        assert_eq!(
            series_of(&bare, "kube_replicaset_owner"),
            with_identity(
                &bare,
                &[r#"kube_replicaset_owner{owner_kind="",owner_name="",owner_is_controller=""} 1"#]
            )
        );
    }

    #[test]
    fn labels_and_annotations_only_when_allowlisted() {
        let rs = web();
        assert!(series_of(&rs, "kube_replicaset_labels").is_empty());
        assert!(series_of(&rs, "kube_replicaset_annotations").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("replicasets=[app]").expect("allowlist"),
            annotations: Allowlist::parse("replicasets=[*]").expect("allowlist"),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&rs, "kube_replicaset_labels", &exposure),
            with_identity(&rs, &[r#"kube_replicaset_labels{label_app="web"} 1"#])
        );
        assert_eq!(
            series_exposed(&rs, "kube_replicaset_annotations", &exposure),
            with_identity(
                &rs,
                &[
                    r#"kube_replicaset_annotations{annotation_deployment_kubernetes_io_revision="3"} 1"#
                ]
            )
        );
    }
}
