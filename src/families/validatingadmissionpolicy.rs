//! ValidatingAdmissionPolicy families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `validatingadmissionpolicy`.

use super::Stability::Experimental;
use super::admission::{admission_created, param_kind};
use super::{Families, Family};
use crate::objects::ValidatingAdmissionPolicy;

impl Families for ValidatingAdmissionPolicy {
    fn families() -> Vec<Family<ValidatingAdmissionPolicy>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_validatingadmissionpolicy_info",
                "Information about the ValidatingAdmissionPolicy.",
                &["param_api_version", "param_kind", "failure_policy"],
                |p, out| {
                    let (api_version, kind) = param_kind(&p.spec);
                    out.emit(&[api_version, kind, &p.spec.failure_policy], 1.0)
                },
            ),
            admission_created("kube_validatingadmissionpolicy_created"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ValidatingAdmissionPolicy;

    fn policy(json: &str) -> ValidatingAdmissionPolicy {
        serde_json::from_str(json).expect("test policy decodes")
    }

    #[test]
    fn info_names_the_param_kind_and_failure_policy() {
        let p = policy(
            r#"{"metadata":{"name":"replica-limit","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"failurePolicy":"Fail","paramKind":{"apiVersion":"rules.example.com/v1","kind":"ReplicaLimit"},
                       "matchConstraints":{"resourceRules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["CREATE","UPDATE"],"resources":["deployments"]}]},
                       "validations":[{"expression":"object.spec.replicas <= params.maxReplicas"}]}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_validatingadmissionpolicy_info"),
            [
                r#"kube_validatingadmissionpolicy_info{namespace="",validatingadmissionpolicy="replica-limit",param_api_version="rules.example.com/v1",param_kind="ReplicaLimit",failure_policy="Fail"} 1"#
            ]
        );
        assert_eq!(
            series_of(&p, "kube_validatingadmissionpolicy_created"),
            with_identity(
                &p,
                &["kube_validatingadmissionpolicy_created 1.7672256e+09"]
            )
        );
    }

    #[test]
    fn without_params_or_failure_policy_the_labels_are_empty() {
        let p = policy(r#"{"metadata":{"name":"no-latest"},"spec":{"paramKind":null}}"#);
        assert_eq!(
            series_of(&p, "kube_validatingadmissionpolicy_info"),
            with_identity(
                &p,
                &[
                    r#"kube_validatingadmissionpolicy_info{param_api_version="",param_kind="",failure_policy=""} 1"#
                ]
            )
        );
        assert!(series_of(&p, "kube_validatingadmissionpolicy_created").is_empty());
    }
}
