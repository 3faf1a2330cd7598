//! Webhook configurations on the real API server (a webhook behind a
//! Service and one at a URL, in a mutating and a validating
//! configuration), and the admission policy kinds, which kube-apiserver
//! 1.20 does not serve at admissionregistration.k8s.io/v1: the exporter
//! logs one line for each, naming kind and version, and `/readyz` does not
//! wait for them.
//!
//! The webhooks admit nothing the tier does: they match only a resource of
//! a group no one serves, in namespaces labelled for no one, and fail
//! open, so the other scenarios never call them.

use super::support::begin;
use super::{go_g, sort};
use crate::common::{get, series};
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kubestate::kinds::Resource;
use serde_json::{Value, json};

const POLICY_KINDS: [Resource; 4] = [
    Resource::ValidatingAdmissionPolicies,
    Resource::ValidatingAdmissionPolicyBindings,
    Resource::MutatingAdmissionPolicies,
    Resource::MutatingAdmissionPolicyBindings,
];

/// A webhook that no request of the tier reaches.
fn webhook(name: &str, client_config: Value) -> Value {
    json!({
        "name": name,
        "clientConfig": client_config,
        "rules": [{"apiGroups": ["kubestate.test"], "apiVersions": ["v1"],
                   "operations": ["CREATE"], "resources": ["widgets"]}],
        "namespaceSelector": {"matchLabels": {"kubestate.test/webhooks": "never"}},
        "failurePolicy": "Ignore",
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "timeoutSeconds": 1
    })
}

fn webhooks() -> Value {
    json!([
        webhook(
            "svc.kubestate.test",
            json!({"service": {"name": "hooks", "namespace": "ks-nowhere", "path": "/admit"}}),
        ),
        webhook(
            "url.kubestate.test",
            json!({"url": "https://hooks.kubestate.test/admit"}),
        ),
    ])
}

/// Every series a configuration of `kind` (`mutating`, `validating`) gives.
fn expected(kind: &str, meta: &ObjectMeta) -> Vec<String> {
    let family = format!("kube_{kind}webhookconfiguration");
    let name = meta.name.as_deref().expect("name");
    let id = format!(r#"namespace="",{kind}webhookconfiguration="{name}""#);
    let version = meta.resource_version.as_deref().expect("resourceVersion");
    sort(vec![
        format!("{family}_info{{{id}}} 1"),
        format!(
            "{family}_created{{{id}}} {}",
            go_g(
                meta.creation_timestamp
                    .as_ref()
                    .expect("created")
                    .0
                    .as_second()
            )
        ),
        format!(
            "{family}_metadata_resource_version{{{id}}} {}",
            go_g(version.parse().expect("a numeric resourceVersion"))
        ),
        format!(
            r#"{family}_webhook_clientconfig_service{{{id},webhook_name="svc.kubestate.test",service_name="hooks",service_namespace="ks-nowhere"}} 1"#
        ),
        format!(
            r#"{family}_webhook_clientconfig_service{{{id},webhook_name="url.kubestate.test",service_name="",service_namespace=""}} 1"#
        ),
    ])
}

#[test]
fn webhook_configurations_and_the_admission_policies_1_20_lacks() {
    let Some(s) = begin("admission") else {
        return;
    };
    let tier = s.tier;
    let name = format!("ks-{}-hooks", tier.run);
    let mutating: Api<MutatingWebhookConfiguration> = Api::all(tier.admin.clone());
    let validating: Api<ValidatingWebhookConfiguration> = Api::all(tier.admin.clone());
    let m = tier.create(
        &mutating,
        json!({"metadata": {"name": name}, "webhooks": webhooks()}),
    );
    let v = tier.create(
        &validating,
        json!({"metadata": {"name": name}, "webhooks": webhooks()}),
    );

    let all: Vec<&str> = [
        Resource::MutatingWebhookConfigurations,
        Resource::ValidatingWebhookConfigurations,
    ]
    .iter()
    .chain(&POLICY_KINDS)
    .map(|k| k.plural())
    .collect();
    let exporter = tier.exporter(&[&format!("--resources={}", all.join(","))]);
    assert_eq!(
        get(&format!("{}/readyz", exporter.telemetry))
            .unwrap()
            .status,
        200
    );

    let scrape = exporter.scrape();
    for (kind, meta) in [("mutating", &m.metadata), ("validating", &v.metadata)] {
        let mut got: Vec<String> = [
            "info",
            "created",
            "metadata_resource_version",
            "webhook_clientconfig_service",
        ]
        .iter()
        .flat_map(|f| series(&scrape, &format!("kube_{kind}webhookconfiguration_{f}")))
        .filter(|l| l.contains(&format!(r#"webhookconfiguration="{name}""#)))
        .collect();
        got.sort();
        assert_eq!(got, expected(kind, meta), "{kind}");
    }

    let stderr = exporter.process.stderr();
    for kind in POLICY_KINDS {
        let skips = stderr
            .lines()
            .filter(|l| {
                l.contains(&format!(
                    "does not serve {} {};",
                    kind.api_version(),
                    kind.plural()
                ))
            })
            .count();
        if tier.serves(kind) {
            assert_eq!(skips, 0, "{kind}: {stderr}");
            eprintln!(
                "real-cluster: {kind} NOT CHECKED beyond being watched: this scenario creates no {}",
                kind.kind()
            );
        } else {
            assert_eq!(skips, 1, "{kind}: {stderr}");
            assert!(
                !scrape.contains(&format!("kube_{}_info{{", kind.kind().to_lowercase())),
                "{kind} served without being watched"
            );
        }
    }
}
