//! Namespace families. Every series also carries `namespace` (the
//! namespace's own name).

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, bool_value, created, labels};
use crate::objects::Namespace;

impl Families for Namespace {
    fn families() -> Vec<Family<Namespace>> {
        vec![
            created("kube_namespace_created"),
            annotations("kube_namespace_annotations"),
            labels("kube_namespace_labels"),
            Family::gauge(
                Stable,
                "kube_namespace_status_phase",
                "kubernetes namespace status phase.",
                &["phase"],
                // Both series even without a phase (then both 0), as
                // kube-state-metrics serves them.
                |n, out| {
                    for phase in ["Active", "Terminating"] {
                        out.emit(&[phase], bool_value(&*n.status.phase == phase));
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_namespace_status_condition",
                "The condition of a namespace.",
                &["condition", "status"],
                |n, out| out.conditions(&n.status.conditions),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::Namespace;

    fn namespace(json: &str) -> Namespace {
        serde_json::from_str(json).expect("test namespace decodes")
    }

    #[test]
    fn the_identity_is_the_namespace_name() {
        let ns = namespace(
            r#"{"metadata":{"name":"shop","uid":"n-1","creationTimestamp":"2021-01-22T10:15:30Z"},
               "status":{"phase":"Active"}}"#,
        );
        assert_eq!(
            series_of(&ns, "kube_namespace_created"),
            ["kube_namespace_created{namespace=\"shop\"} 1.61131053e+09"]
        );
    }

    #[test]
    fn phase_is_one_hot_over_active_and_terminating() {
        let active = namespace(r#"{"metadata":{"name":"shop"},"status":{"phase":"Active"}}"#);
        assert_eq!(
            series_of(&active, "kube_namespace_status_phase"),
            with_identity(
                &active,
                &[
                    r#"kube_namespace_status_phase{phase="Active"} 1"#,
                    r#"kube_namespace_status_phase{phase="Terminating"} 0"#,
                ]
            )
        );
        let terminating =
            namespace(r#"{"metadata":{"name":"old"},"status":{"phase":"Terminating"}}"#);
        assert_eq!(
            series_of(&terminating, "kube_namespace_status_phase"),
            with_identity(
                &terminating,
                &[
                    r#"kube_namespace_status_phase{phase="Active"} 0"#,
                    r#"kube_namespace_status_phase{phase="Terminating"} 1"#,
                ]
            )
        );
        let none = namespace(r#"{"metadata":{"name":"new"}}"#);
        assert_eq!(
            series_of(&none, "kube_namespace_status_phase"),
            with_identity(
                &none,
                &[
                    r#"kube_namespace_status_phase{phase="Active"} 0"#,
                    r#"kube_namespace_status_phase{phase="Terminating"} 0"#,
                ]
            )
        );
        assert!(series_of(&none, "kube_namespace_created").is_empty());
    }

    #[test]
    fn deletion_conditions_are_three_series_each() {
        let ns = namespace(
            r#"{"metadata":{"name":"old","deletionTimestamp":"2021-01-22T10:15:30Z"},
               "status":{"phase":"Terminating","conditions":[
                 {"type":"NamespaceDeletionDiscoveryFailure","status":"False","reason":"ResourcesDiscovered"},
                 {"type":"NamespaceDeletionContentFailure","status":"True","reason":"ContentDeletionFailed"}]}}"#,
        );
        assert_eq!(
            series_of(&ns, "kube_namespace_status_condition"),
            with_identity(
                &ns,
                &[
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionDiscoveryFailure",status="true"} 0"#,
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionDiscoveryFailure",status="false"} 1"#,
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionDiscoveryFailure",status="unknown"} 0"#,
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionContentFailure",status="true"} 1"#,
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionContentFailure",status="false"} 0"#,
                    r#"kube_namespace_status_condition{condition="NamespaceDeletionContentFailure",status="unknown"} 0"#,
                ]
            )
        );
        let none = namespace(r#"{"metadata":{"name":"shop"},"status":{"phase":"Active"}}"#);
        assert!(series_of(&none, "kube_namespace_status_condition").is_empty());
    }

    #[test]
    fn labels_only_when_allowlisted() {
        let ns = namespace(
            r#"{"metadata":{"name":"shop","labels":{"team":"storefront","kubernetes.io/metadata.name":"shop"}}}"#,
        );
        assert!(series_of(&ns, "kube_namespace_labels").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("namespaces=[team]").expect("allowlist parses"),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&ns, "kube_namespace_labels", &exposure),
            [r#"kube_namespace_labels{namespace="shop",label_team="storefront"} 1"#]
        );
    }
}
