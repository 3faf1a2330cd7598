//! ValidatingAdmissionPolicyBinding families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `validatingadmissionpolicybinding`.

use super::Stability::Experimental;
use super::admission::{BINDING_INFO_LABELS, admission_created, binding_info};
use super::{Families, Family};
use crate::objects::ValidatingAdmissionPolicyBinding;

impl Families for ValidatingAdmissionPolicyBinding {
    fn families() -> Vec<Family<ValidatingAdmissionPolicyBinding>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_validatingadmissionpolicybinding_info",
                "Information about the ValidatingAdmissionPolicyBinding.",
                BINDING_INFO_LABELS,
                |b, out| binding_info(&b.spec, out),
            ),
            admission_created("kube_validatingadmissionpolicybinding_created"),
            Family::gauge(
                Experimental,
                "kube_validatingadmissionpolicybinding_validation_action",
                "Validation actions for the ValidatingAdmissionPolicyBinding.",
                &["action"],
                |b, out| {
                    for action in b.spec.validation_actions.iter() {
                        out.emit(&[action], 1.0);
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ValidatingAdmissionPolicyBinding;

    fn binding(json: &str) -> ValidatingAdmissionPolicyBinding {
        serde_json::from_str(json).expect("test binding decodes")
    }

    #[test]
    fn info_and_one_series_per_validation_action() {
        let b = binding(
            r#"{"metadata":{"name":"replica-limit-test","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"policyName":"replica-limit",
                       "paramRef":{"name":"replica-limit-test.example.com","namespace":"shop","parameterNotFoundAction":"Deny"},
                       "validationActions":["Deny","Audit"],
                       "matchResources":{"namespaceSelector":{"matchLabels":{"environment":"test"}}}}}"#,
        );
        assert_eq!(
            series_of(&b, "kube_validatingadmissionpolicybinding_info"),
            [
                r#"kube_validatingadmissionpolicybinding_info{namespace="",validatingadmissionpolicybinding="replica-limit-test",policy_name="replica-limit",param_name="replica-limit-test.example.com",param_namespace="shop",param_not_found_action="Deny"} 1"#
            ]
        );
        assert_eq!(
            series_of(
                &b,
                "kube_validatingadmissionpolicybinding_validation_action"
            ),
            with_identity(
                &b,
                &[
                    r#"kube_validatingadmissionpolicybinding_validation_action{action="Deny"} 1"#,
                    r#"kube_validatingadmissionpolicybinding_validation_action{action="Audit"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&b, "kube_validatingadmissionpolicybinding_created"),
            with_identity(
                &b,
                &["kube_validatingadmissionpolicybinding_created 1.7672256e+09"]
            )
        );
    }

    #[test]
    fn a_binding_without_params_or_actions() {
        // A param selector instead of a name: no param_name.
        let b = binding(
            r#"{"metadata":{"name":"audit-all"},
               "spec":{"policyName":"missing-policy","paramRef":{"selector":{"matchLabels":{"tier":"a"}}}}}"#,
        );
        assert_eq!(
            series_of(&b, "kube_validatingadmissionpolicybinding_info"),
            with_identity(
                &b,
                &[
                    r#"kube_validatingadmissionpolicybinding_info{policy_name="missing-policy",param_name="",param_namespace="",param_not_found_action=""} 1"#
                ]
            )
        );
        assert!(
            series_of(
                &b,
                "kube_validatingadmissionpolicybinding_validation_action"
            )
            .is_empty()
        );
    }
}
