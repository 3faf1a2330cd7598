//! DaemonSet families. Every series also carries `namespace, daemonset`.

use super::Stability::Stable;
use super::metadata_generation;
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::DaemonSet;

impl Families for DaemonSet {
    fn families() -> Vec<Family<DaemonSet>> {
        vec![
            created("kube_daemonset_created"),
            Family::gauge(
                Stable,
                "kube_daemonset_status_current_number_scheduled",
                "The number of nodes running at least one daemon pod and are supposed to.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.current_number_scheduled)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_desired_number_scheduled",
                "The number of nodes that should be running the daemon pod.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.desired_number_scheduled)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_number_available",
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.number_available)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_number_misscheduled",
                "The number of nodes running a daemon pod but are not supposed to.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.number_misscheduled)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_number_ready",
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.number_ready)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_number_unavailable",
                "The number of nodes that should be running the daemon pod and have none of the daemon pod running and available",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.number_unavailable)),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_observed_generation",
                "The most recent generation observed by the daemon set controller.",
                &[],
                |d, out| out.emit(&[], d.status.observed_generation as f64),
            ),
            Family::gauge(
                Stable,
                "kube_daemonset_status_updated_number_scheduled",
                "The total number of nodes that are running updated daemon pod",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.updated_number_scheduled)),
            ),
            metadata_generation(
                "kube_daemonset_metadata_generation",
                "Sequence number representing a specific generation of the desired state.",
            ),
            deletion_timestamp("kube_daemonset_deletion_timestamp"),
            annotations("kube_daemonset_annotations"),
            labels("kube_daemonset_labels"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::DaemonSet;

    fn daemon_set(json: &str) -> DaemonSet {
        serde_json::from_str(json).expect("test daemonset decodes")
    }

    #[test]
    fn status_numbers_generations_and_timestamps() {
        let d = daemon_set(
            r#"{"metadata":{"name":"node-exporter","namespace":"monitoring","generation":7,
                 "creationTimestamp":"2021-01-22T10:15:30Z","deletionTimestamp":"2021-01-23T00:00:00Z"},
               "status":{"currentNumberScheduled":10,"desiredNumberScheduled":11,"numberAvailable":9,
                         "numberMisscheduled":1,"numberReady":8,"numberUnavailable":2,
                         "observedGeneration":6,"updatedNumberScheduled":5}}"#,
        );
        assert_eq!(
            series_of(&d, "kube_daemonset_status_number_ready"),
            [
                r#"kube_daemonset_status_number_ready{namespace="monitoring",daemonset="node-exporter"} 8"#
            ]
        );
        for (family, value) in [
            ("kube_daemonset_created", "1.61131053e+09"),
            ("kube_daemonset_deletion_timestamp", "1.61136e+09"),
            ("kube_daemonset_status_current_number_scheduled", "10"),
            ("kube_daemonset_status_desired_number_scheduled", "11"),
            ("kube_daemonset_status_number_available", "9"),
            ("kube_daemonset_status_number_misscheduled", "1"),
            ("kube_daemonset_status_number_unavailable", "2"),
            ("kube_daemonset_status_observed_generation", "6"),
            ("kube_daemonset_status_updated_number_scheduled", "5"),
            ("kube_daemonset_metadata_generation", "7"),
        ] {
            assert_eq!(
                series_of(&d, family),
                with_identity(&d, &[&format!("{family} {value}")]),
                "{family}"
            );
        }
    }

    #[test]
    fn an_empty_status_gives_zeros_and_no_timestamps() {
        let d = daemon_set(r#"{"metadata":{"name":"fresh","namespace":"monitoring"}}"#);
        assert!(series_of(&d, "kube_daemonset_created").is_empty());
        assert!(series_of(&d, "kube_daemonset_deletion_timestamp").is_empty());
        for family in [
            "kube_daemonset_status_desired_number_scheduled",
            "kube_daemonset_status_number_unavailable",
            "kube_daemonset_metadata_generation",
        ] {
            assert_eq!(
                series_of(&d, family),
                with_identity(&d, &[&format!("{family} 0")]),
                "{family}"
            );
        }
    }

    #[test]
    fn labels_and_annotations_only_when_allowlisted() {
        let d = daemon_set(
            r#"{"metadata":{"name":"kube-proxy","namespace":"kube-system",
                 "labels":{"k8s-app":"kube-proxy"},"annotations":{"deprecated.daemonset.template.generation":"1"}}}"#,
        );
        assert!(series_of(&d, "kube_daemonset_labels").is_empty());
        assert!(series_of(&d, "kube_daemonset_annotations").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("daemonsets=[*]").expect("allowlist"),
            annotations: Allowlist::parse("daemonsets=[*]").expect("allowlist"),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&d, "kube_daemonset_labels", &exposure),
            with_identity(
                &d,
                &[r#"kube_daemonset_labels{label_k8s_app="kube-proxy"} 1"#]
            )
        );
        assert_eq!(
            series_exposed(&d, "kube_daemonset_annotations", &exposure),
            with_identity(
                &d,
                &[
                    r#"kube_daemonset_annotations{annotation_deprecated_daemonset_template_generation="1"} 1"#
                ]
            )
        );
    }
}
