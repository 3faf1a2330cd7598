//! The cluster's admission control, as add-ons and platform teams leave
//! it: mutating and validating webhook configurations (webhooks behind a
//! Service, one called at a URL outside the cluster, failing open or
//! closed, skipping system namespaces), validating and mutating admission
//! policies with and without parameter kinds, and bindings of them with
//! parameters and validation actions, one of which binds a policy nobody
//! created (a leftover the `_info` families show: its `policy_name` has no
//! policy).
//!
//! A fixed set, independent of the cluster's size and seed: a cluster has
//! a handful of these whatever its size.

use super::super::builders;
use super::super::store::Store;
use super::{DAY, T0, put};

/// The webhook configuration whose CA bundle churn rotates.
pub(crate) const ROTATED_WEBHOOKS: &str = "pod-identity-webhook";
/// The binding churn moves between auditing and enforcing.
pub(crate) const ROLLOUT_BINDING: &str = "require-team-label";
/// The validation actions of `ROLLOUT_BINDING` while it only audits.
pub(crate) const AUDIT_ACTIONS: [&str; 2] = ["Warn", "Audit"];
/// The policy a binding names that does not exist.
const MISSING_POLICY: &str = "deny-legacy-registry";

pub(crate) fn populate(store: &Store) {
    let system = ["kube-system", "kube-node-lease"];
    let namespace_name = "kubernetes.io/metadata.name";

    put(
        store,
        &pod_identity_webhooks("-----BEGIN CERTIFICATE-----\nMIIB0\n-----END CERTIFICATE-----\n"),
    );
    put(
        store,
        &builders::mutating_webhook_configuration("vault-agent-injector-cfg")
            .created(T0 - 45 * DAY)
            .label("app.kubernetes.io/name", "vault-agent-injector")
            .service_webhook(
                "vault.hashicorp.com",
                ("data", "vault-agent-injector-svc"),
                "/mutate",
                "Ignore",
            )
            .rule(&[""], &["pods"], &["CREATE", "UPDATE"])
            .skip_namespaces(namespace_name, &system)
            .url_webhook(
                "defaults.policy.example.com",
                "https://policy.example.com/mutate",
                "Fail",
            )
            .rule(&["apps"], &["deployments"], &["CREATE"])
            .build(),
    );
    put(
        store,
        &builders::validating_webhook_configuration("ingress-nginx-admission")
            .created(T0 - 60 * DAY)
            .label("app.kubernetes.io/name", "ingress-nginx")
            .service_webhook(
                "validate.nginx.ingress.kubernetes.io",
                ("ingress-nginx", "ingress-nginx-controller-admission"),
                "/networking/v1/ingresses",
                "Fail",
            )
            .rule(
                &["networking.k8s.io"],
                &["ingresses"],
                &["CREATE", "UPDATE"],
            )
            .build(),
    );
    put(
        store,
        &builders::validating_webhook_configuration("external-audit")
            .created(T0 - 20 * DAY)
            .url_webhook(
                "audit.security.example.com",
                "https://audit.security.example.com/validate",
                "Ignore",
            )
            .rule(&["*"], &["*"], &["DELETE"])
            .skip_namespaces(namespace_name, &system)
            .build(),
    );

    put(
        store,
        &builders::validating_admission_policy(
            "replica-limit",
            "apps",
            &["deployments"],
            "object.spec.replicas <= params.maxReplicas",
        )
        .created(T0 - 30 * DAY)
        .param_kind("rules.example.com/v1", "ReplicaLimit")
        .build(),
    );
    put(
        store,
        &builders::validating_admission_policy(
            "require-team-label",
            "apps",
            &["deployments", "statefulsets"],
            "has(object.metadata.labels) && 'team' in object.metadata.labels",
        )
        .created(T0 - 10 * DAY)
        .failure_policy("Ignore")
        .build(),
    );
    put(
        store,
        &builders::validating_admission_policy_binding(
            "replica-limit-shop",
            "replica-limit",
            &["Deny"],
        )
        .created(T0 - 30 * DAY)
        .param_ref("replica-limit-shop", "shop", "Deny")
        .in_namespaces_labelled(namespace_name, "shop")
        .build(),
    );
    put(store, &rollout_binding(&AUDIT_ACTIONS));
    put(
        store,
        &builders::validating_admission_policy_binding(
            "deny-legacy-registry",
            MISSING_POLICY,
            &["Deny"],
        )
        .created(T0 - 120 * DAY)
        .build(),
    );

    put(
        store,
        &builders::mutating_admission_policy(
            "sidecar-defaults",
            "",
            &["pods"],
            "Object{spec: Object.spec{terminationGracePeriodSeconds: int(params.data.grace)}}",
        )
        .created(T0 - 15 * DAY)
        .param_kind("v1", "ConfigMap")
        .reinvocation_policy("IfNeeded")
        .build(),
    );
    put(
        store,
        &builders::mutating_admission_policy(
            "default-pull-policy",
            "",
            &["pods"],
            "Object{metadata: Object.metadata{labels: {'pull-policy': 'defaulted'}}}",
        )
        .created(T0 - 5 * DAY)
        .failure_policy("Ignore")
        .build(),
    );
    put(
        store,
        &builders::mutating_admission_policy_binding("sidecar-defaults-shop", "sidecar-defaults")
            .created(T0 - 15 * DAY)
            .param_ref("sidecar-config", "shop", "Allow")
            .build(),
    );
    put(
        store,
        &builders::mutating_admission_policy_binding("default-pull-policy", "default-pull-policy")
            .created(T0 - 5 * DAY)
            .build(),
    );
}

/// The EKS-style pod identity webhook, with the CA bundle of its serving
/// certificate (rotated by churn).
pub(crate) fn pod_identity_webhooks(
    ca_bundle: &str,
) -> k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration {
    builders::mutating_webhook_configuration(ROTATED_WEBHOOKS)
        .created(T0 - 80 * DAY)
        .annotation(
            "cert-manager.io/inject-ca-from",
            "kube-system/pod-identity-webhook",
        )
        .service_webhook(
            "pod-identity-webhook.amazonaws.com",
            ("kube-system", "pod-identity-webhook"),
            "/mutate",
            "Ignore",
        )
        .rule(&[""], &["pods"], &["CREATE"])
        .skip_namespaces("kubernetes.io/metadata.name", &["kube-system"])
        .ca_bundle(ca_bundle)
        .build()
}

/// The team-label binding, auditing (`Warn`, `Audit`) or enforcing (`Deny`).
pub(crate) fn rollout_binding(
    actions: &[&str],
) -> k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding {
    builders::validating_admission_policy_binding(ROLLOUT_BINDING, "require-team-label", actions)
        .created(T0 - 10 * DAY)
        .build()
}
