//! Builders for the admission kinds: webhook configurations (webhooks
//! called through a Service or at a URL, failure policies, namespace
//! selectors), validating and mutating admission policies (parameter
//! kinds, CEL validations or mutations) and their bindings.

use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::{
    ApplyConfiguration, MatchResources, MutatingAdmissionPolicy, MutatingAdmissionPolicyBinding,
    MutatingAdmissionPolicyBindingSpec, MutatingAdmissionPolicySpec, MutatingWebhook,
    MutatingWebhookConfiguration, Mutation, NamedRuleWithOperations, ParamKind, ParamRef,
    RuleWithOperations, ServiceReference, ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding, ValidatingAdmissionPolicyBindingSpec,
    ValidatingAdmissionPolicySpec, ValidatingWebhook, ValidatingWebhookConfiguration, Validation,
    WebhookClientConfig,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use super::{insert, meta, time};

// ---------------------------------------------------------------- webhooks

/// What a mutating and a validating webhook have in common, as the
/// builders set it.
struct WebhookParts {
    name: String,
    client_config: WebhookClientConfig,
    failure_policy: String,
    rules: Vec<RuleWithOperations>,
    namespace_selector: Option<LabelSelector>,
}

impl WebhookParts {
    fn new(name: &str, client_config: WebhookClientConfig, failure_policy: &str) -> Self {
        WebhookParts {
            name: name.to_string(),
            client_config,
            failure_policy: failure_policy.to_string(),
            rules: Vec::new(),
            namespace_selector: None,
        }
    }
}

fn service_client(namespace: &str, service: &str, path: &str) -> WebhookClientConfig {
    WebhookClientConfig {
        service: Some(ServiceReference {
            name: service.to_string(),
            namespace: namespace.to_string(),
            path: Some(path.to_string()),
            port: Some(443),
        }),
        ..Default::default()
    }
}

fn url_client(url: &str) -> WebhookClientConfig {
    WebhookClientConfig {
        url: Some(url.to_string()),
        ..Default::default()
    }
}

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

/// Webhook setters shared by both configuration builders; each applies to
/// the webhook added last.
macro_rules! webhook_setters {
    () => {
        /// A webhook the API server calls through a Service.
        pub fn service_webhook(
            mut self,
            name: &str,
            service: (&str, &str),
            path: &str,
            failure_policy: &str,
        ) -> Self {
            let (namespace, service) = service;
            self.webhooks.push(WebhookParts::new(
                name,
                service_client(namespace, service, path),
                failure_policy,
            ));
            self
        }
        /// A webhook the API server calls at a URL outside the cluster.
        pub fn url_webhook(mut self, name: &str, url: &str, failure_policy: &str) -> Self {
            self.webhooks
                .push(WebhookParts::new(name, url_client(url), failure_policy));
            self
        }
        /// The last webhook intercepts these operations on these resources.
        pub fn rule(mut self, groups: &[&str], resources: &[&str], operations: &[&str]) -> Self {
            if let Some(w) = self.webhooks.last_mut() {
                w.rules.push(RuleWithOperations {
                    api_groups: strings(groups),
                    api_versions: strings(&["*"]),
                    operations: strings(operations),
                    resources: strings(resources),
                    scope: Some("*".to_string()),
                });
            }
            self
        }
        /// The CA bundle the API server trusts for the last webhook.
        pub fn ca_bundle(mut self, pem: &str) -> Self {
            if let Some(w) = self.webhooks.last_mut() {
                w.client_config.ca_bundle = Some(ByteString(pem.as_bytes().to_vec()));
            }
            self
        }
        /// The last webhook skips namespaces whose `key` label has one of
        /// `values`.
        pub fn skip_namespaces(mut self, key: &str, values: &[&str]) -> Self {
            if let Some(w) = self.webhooks.last_mut() {
                w.namespace_selector = Some(LabelSelector {
                    match_expressions: Some(vec![LabelSelectorRequirement {
                        key: key.to_string(),
                        operator: "NotIn".to_string(),
                        values: strings(values),
                    }]),
                    ..Default::default()
                });
            }
            self
        }
    };
}

/// A MutatingWebhookConfiguration without webhooks yet.
pub fn mutating_webhook_configuration(name: &str) -> MutatingWebhookConfigurationBuilder {
    MutatingWebhookConfigurationBuilder {
        obj: MutatingWebhookConfiguration {
            metadata: meta(name),
            webhooks: None,
        },
        webhooks: Vec::new(),
    }
}

pub struct MutatingWebhookConfigurationBuilder {
    obj: MutatingWebhookConfiguration,
    webhooks: Vec<WebhookParts>,
}

impl MutatingWebhookConfigurationBuilder {
    meta_setters!();
    webhook_setters!();

    pub fn build(mut self) -> MutatingWebhookConfiguration {
        self.obj.webhooks = Some(
            self.webhooks
                .into_iter()
                .map(|w| MutatingWebhook {
                    name: w.name,
                    client_config: w.client_config,
                    failure_policy: Some(w.failure_policy),
                    rules: Some(w.rules),
                    namespace_selector: w.namespace_selector,
                    admission_review_versions: vec!["v1".to_string()],
                    side_effects: "None".to_string(),
                    match_policy: Some("Equivalent".to_string()),
                    reinvocation_policy: Some("Never".to_string()),
                    timeout_seconds: Some(10),
                    ..Default::default()
                })
                .collect(),
        );
        self.obj
    }
}

/// A ValidatingWebhookConfiguration without webhooks yet.
pub fn validating_webhook_configuration(name: &str) -> ValidatingWebhookConfigurationBuilder {
    ValidatingWebhookConfigurationBuilder {
        obj: ValidatingWebhookConfiguration {
            metadata: meta(name),
            webhooks: None,
        },
        webhooks: Vec::new(),
    }
}

pub struct ValidatingWebhookConfigurationBuilder {
    obj: ValidatingWebhookConfiguration,
    webhooks: Vec<WebhookParts>,
}

impl ValidatingWebhookConfigurationBuilder {
    meta_setters!();
    webhook_setters!();

    pub fn build(mut self) -> ValidatingWebhookConfiguration {
        self.obj.webhooks = Some(
            self.webhooks
                .into_iter()
                .map(|w| ValidatingWebhook {
                    name: w.name,
                    client_config: w.client_config,
                    failure_policy: Some(w.failure_policy),
                    rules: Some(w.rules),
                    namespace_selector: w.namespace_selector,
                    admission_review_versions: vec!["v1".to_string()],
                    side_effects: "None".to_string(),
                    match_policy: Some("Equivalent".to_string()),
                    timeout_seconds: Some(10),
                    ..Default::default()
                })
                .collect(),
        );
        self.obj
    }
}

// ---------------------------------------------------------------- policies

/// Matches these operations on these resources.
fn match_constraints(groups: &[&str], resources: &[&str], operations: &[&str]) -> MatchResources {
    MatchResources {
        resource_rules: Some(vec![NamedRuleWithOperations {
            api_groups: strings(groups),
            api_versions: strings(&["*"]),
            operations: strings(operations),
            resources: strings(resources),
            ..Default::default()
        }]),
        match_policy: Some("Equivalent".to_string()),
        namespace_selector: Some(LabelSelector::default()),
        object_selector: Some(LabelSelector::default()),
        ..Default::default()
    }
}

fn param_kind(api_version: &str, kind: &str) -> Option<ParamKind> {
    Some(ParamKind {
        api_version: Some(api_version.to_string()),
        kind: Some(kind.to_string()),
    })
}

fn param_ref(name: &str, namespace: &str, not_found: &str) -> Option<ParamRef> {
    Some(ParamRef {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        parameter_not_found_action: Some(not_found.to_string()),
        ..Default::default()
    })
}

/// A ValidatingAdmissionPolicy checking `expression` on CREATE and UPDATE
/// of `resources` in `group`, failing closed (the API's default).
pub fn validating_admission_policy(
    name: &str,
    group: &str,
    resources: &[&str],
    expression: &str,
) -> ValidatingAdmissionPolicyBuilder {
    ValidatingAdmissionPolicyBuilder {
        obj: ValidatingAdmissionPolicy {
            metadata: meta(name),
            spec: Some(ValidatingAdmissionPolicySpec {
                failure_policy: Some("Fail".to_string()),
                match_constraints: Some(match_constraints(
                    &[group],
                    resources,
                    &["CREATE", "UPDATE"],
                )),
                validations: Some(vec![Validation {
                    expression: expression.to_string(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            status: None,
        },
    }
}

pub struct ValidatingAdmissionPolicyBuilder {
    obj: ValidatingAdmissionPolicy,
}

impl ValidatingAdmissionPolicyBuilder {
    meta_setters!();

    fn spec(&mut self) -> &mut ValidatingAdmissionPolicySpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    pub fn failure_policy(mut self, policy: &str) -> Self {
        self.spec().failure_policy = Some(policy.to_string());
        self
    }
    /// The kind of the objects its bindings name as parameters.
    pub fn param_kind(mut self, api_version: &str, kind: &str) -> Self {
        self.spec().param_kind = param_kind(api_version, kind);
        self
    }
    pub fn build(self) -> ValidatingAdmissionPolicy {
        self.obj
    }
}

/// A MutatingAdmissionPolicy applying `expression` (an apply
/// configuration) on CREATE of `resources` in `group`.
pub fn mutating_admission_policy(
    name: &str,
    group: &str,
    resources: &[&str],
    expression: &str,
) -> MutatingAdmissionPolicyBuilder {
    MutatingAdmissionPolicyBuilder {
        obj: MutatingAdmissionPolicy {
            metadata: meta(name),
            spec: Some(MutatingAdmissionPolicySpec {
                failure_policy: Some("Fail".to_string()),
                reinvocation_policy: Some("Never".to_string()),
                match_constraints: Some(match_constraints(&[group], resources, &["CREATE"])),
                mutations: Some(vec![Mutation {
                    patch_type: "ApplyConfiguration".to_string(),
                    apply_configuration: Some(ApplyConfiguration {
                        expression: Some(expression.to_string()),
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        },
    }
}

pub struct MutatingAdmissionPolicyBuilder {
    obj: MutatingAdmissionPolicy,
}

impl MutatingAdmissionPolicyBuilder {
    meta_setters!();

    fn spec(&mut self) -> &mut MutatingAdmissionPolicySpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    pub fn failure_policy(mut self, policy: &str) -> Self {
        self.spec().failure_policy = Some(policy.to_string());
        self
    }
    pub fn reinvocation_policy(mut self, policy: &str) -> Self {
        self.spec().reinvocation_policy = Some(policy.to_string());
        self
    }
    pub fn param_kind(mut self, api_version: &str, kind: &str) -> Self {
        self.spec().param_kind = param_kind(api_version, kind);
        self
    }
    pub fn build(self) -> MutatingAdmissionPolicy {
        self.obj
    }
}

/// A binding of `policy` (which need not exist) with the given
/// validation actions (`Deny`, `Warn`, `Audit`).
pub fn validating_admission_policy_binding(
    name: &str,
    policy: &str,
    actions: &[&str],
) -> ValidatingAdmissionPolicyBindingBuilder {
    ValidatingAdmissionPolicyBindingBuilder {
        obj: ValidatingAdmissionPolicyBinding {
            metadata: meta(name),
            spec: ValidatingAdmissionPolicyBindingSpec {
                policy_name: policy.to_string(),
                validation_actions: actions.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            },
        },
    }
}

pub struct ValidatingAdmissionPolicyBindingBuilder {
    obj: ValidatingAdmissionPolicyBinding,
}

impl ValidatingAdmissionPolicyBindingBuilder {
    meta_setters!();

    /// The parameter object, and what to do when it is missing (`Allow`,
    /// `Deny`).
    pub fn param_ref(mut self, name: &str, namespace: &str, not_found: &str) -> Self {
        self.obj.spec.param_ref = param_ref(name, namespace, not_found);
        self
    }
    /// Applies only in namespaces labelled `key=value`.
    pub fn in_namespaces_labelled(mut self, key: &str, value: &str) -> Self {
        let mut labels = None;
        insert(&mut labels, key, value);
        self.obj.spec.match_resources = Some(MatchResources {
            namespace_selector: Some(LabelSelector {
                match_labels: labels,
                ..Default::default()
            }),
            ..Default::default()
        });
        self
    }
    pub fn build(self) -> ValidatingAdmissionPolicyBinding {
        self.obj
    }
}

/// A binding of the mutating `policy`.
pub fn mutating_admission_policy_binding(
    name: &str,
    policy: &str,
) -> MutatingAdmissionPolicyBindingBuilder {
    MutatingAdmissionPolicyBindingBuilder {
        obj: MutatingAdmissionPolicyBinding {
            metadata: meta(name),
            spec: Some(MutatingAdmissionPolicyBindingSpec {
                policy_name: Some(policy.to_string()),
                ..Default::default()
            }),
        },
    }
}

pub struct MutatingAdmissionPolicyBindingBuilder {
    obj: MutatingAdmissionPolicyBinding,
}

impl MutatingAdmissionPolicyBindingBuilder {
    meta_setters!();

    pub fn param_ref(mut self, name: &str, namespace: &str, not_found: &str) -> Self {
        self.obj.spec.get_or_insert_with(Default::default).param_ref =
            param_ref(name, namespace, not_found);
        self
    }
    pub fn build(self) -> MutatingAdmissionPolicyBinding {
        self.obj
    }
}
