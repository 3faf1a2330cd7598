//! MutatingAdmissionPolicy families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `mutatingadmissionpolicy`.

use super::Stability::Experimental;
use super::admission::{admission_created, param_kind};
use super::{Families, Family};
use crate::objects::MutatingAdmissionPolicy;

impl Families for MutatingAdmissionPolicy {
    fn families() -> Vec<Family<MutatingAdmissionPolicy>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_mutatingadmissionpolicy_info",
                "Information about the MutatingAdmissionPolicy.",
                &[
                    "param_api_version",
                    "param_kind",
                    "failure_policy",
                    "reinvocation_policy",
                ],
                |p, out| {
                    let (api_version, kind) = param_kind(&p.spec);
                    out.emit(
                        &[
                            api_version,
                            kind,
                            &p.spec.failure_policy,
                            &p.spec.reinvocation_policy,
                        ],
                        1.0,
                    )
                },
            ),
            admission_created("kube_mutatingadmissionpolicy_created"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::MutatingAdmissionPolicy;

    fn policy(json: &str) -> MutatingAdmissionPolicy {
        serde_json::from_str(json).expect("test policy decodes")
    }

    #[test]
    fn info_names_params_failure_and_reinvocation_policies() {
        let p = policy(
            r#"{"metadata":{"name":"sidecar-defaults","creationTimestamp":"2026-01-02T00:00:00Z"},
               "spec":{"failurePolicy":"Ignore","reinvocationPolicy":"IfNeeded",
                       "paramKind":{"apiVersion":"v1","kind":"ConfigMap"},
                       "mutations":[{"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{}"}}]}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_mutatingadmissionpolicy_info"),
            [
                r#"kube_mutatingadmissionpolicy_info{namespace="",mutatingadmissionpolicy="sidecar-defaults",param_api_version="v1",param_kind="ConfigMap",failure_policy="Ignore",reinvocation_policy="IfNeeded"} 1"#
            ]
        );
        assert_eq!(
            series_of(&p, "kube_mutatingadmissionpolicy_created"),
            with_identity(&p, &["kube_mutatingadmissionpolicy_created 1.767312e+09"])
        );
    }

    #[test]
    fn absent_fields_are_empty_labels() {
        let p = policy(r#"{"metadata":{"name":"bare"},"spec":{}}"#);
        assert_eq!(
            series_of(&p, "kube_mutatingadmissionpolicy_info"),
            with_identity(
                &p,
                &[
                    r#"kube_mutatingadmissionpolicy_info{param_api_version="",param_kind="",failure_policy="",reinvocation_policy=""} 1"#
                ]
            )
        );
    }
}
