//! MutatingAdmissionPolicyBinding families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `mutatingadmissionpolicybinding`.

use super::Stability::Experimental;
use super::admission::{BINDING_INFO_LABELS, admission_created, binding_info};
use super::{Families, Family};
use crate::objects::MutatingAdmissionPolicyBinding;

impl Families for MutatingAdmissionPolicyBinding {
    fn families() -> Vec<Family<MutatingAdmissionPolicyBinding>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_mutatingadmissionpolicybinding_info",
                "Information about the MutatingAdmissionPolicyBinding.",
                BINDING_INFO_LABELS,
                |b, out| binding_info(&b.spec, out),
            ),
            admission_created("kube_mutatingadmissionpolicybinding_created"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::MutatingAdmissionPolicyBinding;

    #[test]
    fn info_names_the_policy_and_its_params() {
        let b: MutatingAdmissionPolicyBinding = serde_json::from_str(
            r#"{"metadata":{"name":"sidecar-defaults-shop","creationTimestamp":"2026-01-02T00:00:00Z"},
               "spec":{"policyName":"sidecar-defaults",
                       "paramRef":{"name":"sidecar-config","namespace":"shop","parameterNotFoundAction":"Allow"}}}"#,
        )
        .expect("test binding decodes");
        assert_eq!(
            series_of(&b, "kube_mutatingadmissionpolicybinding_info"),
            [
                r#"kube_mutatingadmissionpolicybinding_info{namespace="",mutatingadmissionpolicybinding="sidecar-defaults-shop",policy_name="sidecar-defaults",param_name="sidecar-config",param_namespace="shop",param_not_found_action="Allow"} 1"#
            ]
        );
        assert_eq!(
            series_of(&b, "kube_mutatingadmissionpolicybinding_created"),
            with_identity(
                &b,
                &["kube_mutatingadmissionpolicybinding_created 1.767312e+09"]
            )
        );
    }
}
