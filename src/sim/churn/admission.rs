//! Churn of admission control: cert-manager rotating a webhook's CA
//! bundle (a new resourceVersion), and a policy binding's rollout moving
//! between auditing and enforcing. Counts stay stable.

use k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding;

use crate::kinds::Resource;

use super::super::generate::admission::{
    AUDIT_ACTIONS, ROLLOUT_BINDING, pod_identity_webhooks, rollout_binding,
};
use super::super::generate::put;
use super::super::rng::Rng;
use super::super::store::Store;

pub(super) fn tick(store: &Store, rng: &mut Rng) {
    if rng.chance(5) {
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            rng.hex(32)
        );
        put(store, &pod_identity_webhooks(&pem));
    }
    if rng.chance(5) {
        flip_rollout(store);
    }
}

/// An auditing binding starts enforcing; an enforcing one goes back to
/// auditing (a rollback).
fn flip_rollout(store: &Store) {
    let Some(obj) = store.get(
        Resource::ValidatingAdmissionPolicyBindings,
        "",
        ROLLOUT_BINDING,
    ) else {
        return;
    };
    let Ok(binding) = serde_json::from_slice::<ValidatingAdmissionPolicyBinding>(&obj.body) else {
        return;
    };
    let enforcing = binding.spec.validation_actions.iter().any(|a| a == "Deny");
    let actions: &[&str] = if enforcing { &AUDIT_ACTIONS } else { &["Deny"] };
    put(store, &rollout_binding(actions));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::generate::admission::{ROTATED_WEBHOOKS, populate};

    fn actions(store: &Store) -> Vec<String> {
        let obj = store
            .get(
                Resource::ValidatingAdmissionPolicyBindings,
                "",
                ROLLOUT_BINDING,
            )
            .expect("the rollout binding exists");
        serde_json::from_slice::<ValidatingAdmissionPolicyBinding>(&obj.body)
            .expect("decodes")
            .spec
            .validation_actions
    }

    #[test]
    fn the_rollout_binding_alternates_between_auditing_and_enforcing() {
        let store = Store::new(1);
        populate(&store);
        let bindings = store.count(Resource::ValidatingAdmissionPolicyBindings);
        assert_eq!(actions(&store), ["Warn", "Audit"]);
        flip_rollout(&store);
        assert_eq!(actions(&store), ["Deny"]);
        flip_rollout(&store);
        assert_eq!(actions(&store), ["Warn", "Audit"]);
        assert_eq!(
            store.count(Resource::ValidatingAdmissionPolicyBindings),
            bindings
        );
    }

    #[test]
    fn a_rotated_ca_bundle_is_a_new_version_of_the_same_object() {
        let store = Store::new(1);
        populate(&store);
        let get = || {
            let obj = store
                .get(
                    Resource::MutatingWebhookConfigurations,
                    "",
                    ROTATED_WEBHOOKS,
                )
                .expect("the rotated configuration exists");
            serde_json::from_slice::<serde_json::Value>(&obj.body).expect("JSON")
        };
        let before = get();
        let mut rng = Rng::new(7);
        // A rotation every 20 ticks on average: 1000 are plenty.
        for _ in 0..1000 {
            if get()["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"] {
                break;
            }
            tick(&store, &mut rng);
        }
        let after = get();
        assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
        assert_eq!(
            after["metadata"]["creationTimestamp"],
            before["metadata"]["creationTimestamp"]
        );
        assert_ne!(
            after["webhooks"][0]["clientConfig"]["caBundle"],
            before["webhooks"][0]["clientConfig"]["caBundle"]
        );
    }
}
