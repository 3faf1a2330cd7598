//! Families the admission kinds share in shape (kube-state-metrics gives
//! all of them an ALPHA `_created` with its own help, and the two webhook
//! configurations the same service family).

use super::{Family, Series, created};
use crate::objects::Object;
use crate::objects::admission::{BindingSpec, PolicySpec, Webhook};

/// `kube_<kind>_created`, ALPHA and with the admission kinds' help line.
pub fn admission_created<T: Object>(name: &'static str) -> Family<T> {
    Family {
        help: "Unix creation timestamp.",
        ..created(name).experimental()
    }
}

/// The labels of `kube_<kind>_webhook_clientconfig_service`.
pub const CLIENTCONFIG_SERVICE_LABELS: &[&str] =
    &["webhook_name", "service_name", "service_namespace"];

/// One series per webhook: the Service the API server calls, both labels
/// empty for a webhook called at a URL.
pub fn clientconfig_services(webhooks: &[Webhook], out: &mut Series<'_>) {
    for webhook in webhooks {
        let (name, namespace) = webhook
            .client_config
            .service
            .as_ref()
            .map_or(("", ""), |s| (&*s.name, &*s.namespace));
        out.emit(&[&webhook.name, name, namespace], 1.0);
    }
}

/// `param_api_version` and `param_kind` of a policy's `_info`, empty for
/// a policy without parameters.
pub fn param_kind(spec: &PolicySpec) -> (&str, &str) {
    spec.param_kind
        .as_ref()
        .map_or(("", ""), |p| (&*p.api_version, &*p.kind))
}

/// The labels of a binding's `_info`.
pub const BINDING_INFO_LABELS: &[&str] = &[
    "policy_name",
    "param_name",
    "param_namespace",
    "param_not_found_action",
];

/// A binding's `_info`: the policy it binds (named even when that policy
/// does not exist) and its parameter reference, empty without one.
pub fn binding_info(spec: &BindingSpec, out: &mut Series<'_>) {
    let (name, namespace, not_found) = spec.param_ref.as_ref().map_or(("", "", ""), |p| {
        (&*p.name, &*p.namespace, &*p.parameter_not_found_action)
    });
    out.emit(&[&spec.policy_name, name, namespace, not_found], 1.0);
}
