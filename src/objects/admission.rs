//! The fields of the admission kinds (admissionregistration.k8s.io/v1)
//! that their families read: webhook configurations, admission policies
//! and their bindings. Rules, match conditions, CEL expressions and
//! mutations are skipped while decoding: no family reads them.

use super::meta::{Meta, VersionedMeta};
use super::strings::null_as_default;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MutatingWebhookConfiguration {
    pub metadata: VersionedMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub webhooks: Box<[Webhook]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ValidatingWebhookConfiguration {
    pub metadata: VersionedMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub webhooks: Box<[Webhook]>,
}

/// A webhook of either configuration: its name and the Service the API
/// server calls, if it calls one (else it calls a URL, which no family
/// reads).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Webhook {
    #[serde(deserialize_with = "null_as_default")]
    pub name: Box<str>,
    pub client_config: ClientConfig,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClientConfig {
    pub service: Option<ServiceReference>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceReference {
    #[serde(deserialize_with = "null_as_default")]
    pub name: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub namespace: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ValidatingAdmissionPolicy {
    pub metadata: Meta,
    pub spec: PolicySpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MutatingAdmissionPolicy {
    pub metadata: Meta,
    pub spec: PolicySpec,
}

/// The spec fields the policies' `_info` families read; a validating
/// policy has no reinvocationPolicy, so it stays empty there.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicySpec {
    pub param_kind: Option<ParamKind>,
    #[serde(deserialize_with = "null_as_default")]
    pub failure_policy: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub reinvocation_policy: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamKind {
    #[serde(deserialize_with = "null_as_default")]
    pub api_version: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub kind: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ValidatingAdmissionPolicyBinding {
    pub metadata: Meta,
    pub spec: BindingSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MutatingAdmissionPolicyBinding {
    pub metadata: Meta,
    pub spec: BindingSpec,
}

/// The spec fields the bindings' families read; a mutating binding has no
/// validationActions, so it stays empty there.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BindingSpec {
    #[serde(deserialize_with = "null_as_default")]
    pub policy_name: Str,
    pub param_ref: Option<ParamRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub validation_actions: Box<[Str]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamRef {
    /// Empty when the binding selects its parameters by label instead.
    #[serde(deserialize_with = "null_as_default")]
    pub name: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub namespace: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub parameter_not_found_action: Str,
}

macro_rules! object {
    ($($kind:ident: $($meta:ident).+;)+) => {
        $(impl Object for $kind {
            fn meta(&self) -> &Meta {
                &self.$($meta).+
            }

            fn meta_mut(&mut self) -> &mut Meta {
                &mut self.$($meta).+
            }
        })+
    };
}

object! {
    MutatingWebhookConfiguration: metadata.meta;
    ValidatingWebhookConfiguration: metadata.meta;
    ValidatingAdmissionPolicy: metadata;
    MutatingAdmissionPolicy: metadata;
    ValidatingAdmissionPolicyBinding: metadata;
    MutatingAdmissionPolicyBinding: metadata;
}
