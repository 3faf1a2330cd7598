//! PodDisruptionBudget families (policy/v1). Every series also carries
//! `namespace, poddisruptionbudget`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::PodDisruptionBudget;

impl Families for PodDisruptionBudget {
    fn families() -> Vec<Family<PodDisruptionBudget>> {
        vec![
            annotations("kube_poddisruptionbudget_annotations"),
            // Unlike most kinds, ALPHA here.
            Family {
                stability: Experimental,
                ..labels("kube_poddisruptionbudget_labels")
            },
            created("kube_poddisruptionbudget_created"),
            Family::gauge(
                Stable,
                "kube_poddisruptionbudget_status_current_healthy",
                "Current number of healthy pods",
                &[],
                |p, out| out.emit(&[], f64::from(p.status.current_healthy)),
            ),
            Family::gauge(
                Stable,
                "kube_poddisruptionbudget_status_desired_healthy",
                "Minimum desired number of healthy pods",
                &[],
                |p, out| out.emit(&[], f64::from(p.status.desired_healthy)),
            ),
            Family::gauge(
                Stable,
                "kube_poddisruptionbudget_status_pod_disruptions_allowed",
                "Number of pod disruptions that are currently allowed",
                &[],
                |p, out| out.emit(&[], f64::from(p.status.disruptions_allowed)),
            ),
            Family::gauge(
                Stable,
                "kube_poddisruptionbudget_status_expected_pods",
                "Total number of pods counted by this disruption budget",
                &[],
                |p, out| out.emit(&[], f64::from(p.status.expected_pods)),
            ),
            Family::gauge(
                Stable,
                "kube_poddisruptionbudget_status_observed_generation",
                "Most recent generation observed when updating this PDB status",
                &[],
                |p, out| out.emit(&[], p.status.observed_generation as f64),
            ),
            deletion_timestamp("kube_poddisruptionbudget_deletion_timestamp"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::PodDisruptionBudget;

    #[test]
    fn status_counts() {
        let p: PodDisruptionBudget = serde_json::from_str(
            r#"{"metadata":{"name":"postgres","namespace":"data","deletionTimestamp":"2026-01-01T00:00:00Z"},
               "status":{"currentHealthy":2,"desiredHealthy":3,"disruptionsAllowed":0,"expectedPods":3,
                 "observedGeneration":1,"conditions":[{"type":"DisruptionAllowed","status":"False"}]}}"#,
        )
        .expect("decodes");
        assert_eq!(
            series_of(&p, "kube_poddisruptionbudget_status_current_healthy"),
            [
                r#"kube_poddisruptionbudget_status_current_healthy{namespace="data",poddisruptionbudget="postgres"} 2"#
            ]
        );
        for (family, line) in [
            (
                "kube_poddisruptionbudget_status_desired_healthy",
                "kube_poddisruptionbudget_status_desired_healthy 3",
            ),
            (
                "kube_poddisruptionbudget_status_pod_disruptions_allowed",
                "kube_poddisruptionbudget_status_pod_disruptions_allowed 0",
            ),
            (
                "kube_poddisruptionbudget_status_expected_pods",
                "kube_poddisruptionbudget_status_expected_pods 3",
            ),
            (
                "kube_poddisruptionbudget_status_observed_generation",
                "kube_poddisruptionbudget_status_observed_generation 1",
            ),
            (
                "kube_poddisruptionbudget_deletion_timestamp",
                "kube_poddisruptionbudget_deletion_timestamp 1.7672256e+09",
            ),
        ] {
            assert_eq!(
                series_of(&p, family),
                with_identity(&p, &[line]),
                "{family}"
            );
        }
        assert!(series_of(&p, "kube_poddisruptionbudget_created").is_empty());
    }

    #[test]
    fn an_empty_status_is_all_zeros() {
        let p: PodDisruptionBudget =
            serde_json::from_str(r#"{"metadata":{"name":"web","namespace":"shop"}}"#)
                .expect("decodes");
        assert_eq!(
            series_of(&p, "kube_poddisruptionbudget_status_expected_pods"),
            with_identity(&p, &["kube_poddisruptionbudget_status_expected_pods 0"])
        );
    }
}
