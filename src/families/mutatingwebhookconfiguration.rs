//! MutatingWebhookConfiguration families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `mutatingwebhookconfiguration`.

use super::Stability::Experimental;
use super::admission::{CLIENTCONFIG_SERVICE_LABELS, admission_created, clientconfig_services};
use super::{Families, Family, info};
use crate::objects::MutatingWebhookConfiguration;

impl Families for MutatingWebhookConfiguration {
    fn families() -> Vec<Family<MutatingWebhookConfiguration>> {
        vec![
            info(
                Experimental,
                "kube_mutatingwebhookconfiguration_info",
                "Information about the MutatingWebhookConfiguration.",
            ),
            admission_created("kube_mutatingwebhookconfiguration_created"),
            Family::gauge(
                Experimental,
                "kube_mutatingwebhookconfiguration_metadata_resource_version",
                "Resource version representing a specific version of the MutatingWebhookConfiguration.",
                &[],
                |c, out| out.emit_some(c.metadata.resource_version),
            ),
            Family::gauge(
                Experimental,
                "kube_mutatingwebhookconfiguration_webhook_clientconfig_service",
                "Service used by the apiserver to connect to a mutating webhook.",
                CLIENTCONFIG_SERVICE_LABELS,
                |c, out| clientconfig_services(&c.webhooks, out),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::MutatingWebhookConfiguration;

    fn configuration(json: &str) -> MutatingWebhookConfiguration {
        serde_json::from_str(json).expect("test configuration decodes")
    }

    #[test]
    fn one_service_series_per_webhook_empty_for_a_url() {
        let c = configuration(
            r#"{"metadata":{"name":"istio-sidecar-injector","uid":"m-1","resourceVersion":"48213",
                            "creationTimestamp":"2026-01-01T00:00:00Z"},
               "webhooks":[
                 {"name":"namespace.sidecar-injector.istio.io","admissionReviewVersions":["v1"],
                  "clientConfig":{"service":{"name":"istiod","namespace":"istio-system","path":"/inject","port":443},
                                  "caBundle":"LS0tLS1CRUdJTg=="},
                  "failurePolicy":"Fail","sideEffects":"None"},
                 {"name":"policy.example.com","clientConfig":{"url":"https://policy.example.com/mutate"},
                  "failurePolicy":"Ignore"}]}"#,
        );
        assert_eq!(
            series_of(
                &c,
                "kube_mutatingwebhookconfiguration_webhook_clientconfig_service"
            ),
            sorted(&[
                r#"kube_mutatingwebhookconfiguration_webhook_clientconfig_service{namespace="",mutatingwebhookconfiguration="istio-sidecar-injector",webhook_name="namespace.sidecar-injector.istio.io",service_name="istiod",service_namespace="istio-system"} 1"#,
                r#"kube_mutatingwebhookconfiguration_webhook_clientconfig_service{namespace="",mutatingwebhookconfiguration="istio-sidecar-injector",webhook_name="policy.example.com",service_name="",service_namespace=""} 1"#,
            ])
        );
        assert_eq!(
            series_of(&c, "kube_mutatingwebhookconfiguration_info"),
            [
                r#"kube_mutatingwebhookconfiguration_info{namespace="",mutatingwebhookconfiguration="istio-sidecar-injector"} 1"#
            ]
        );
        assert_eq!(
            series_of(&c, "kube_mutatingwebhookconfiguration_created"),
            [
                r#"kube_mutatingwebhookconfiguration_created{namespace="",mutatingwebhookconfiguration="istio-sidecar-injector"} 1.7672256e+09"#
            ]
        );
        assert_eq!(
            series_of(
                &c,
                "kube_mutatingwebhookconfiguration_metadata_resource_version"
            ),
            [
                r#"kube_mutatingwebhookconfiguration_metadata_resource_version{namespace="",mutatingwebhookconfiguration="istio-sidecar-injector"} 48213"#
            ]
        );
    }

    #[test]
    fn no_webhooks_no_timestamp_and_an_opaque_version_give_only_info() {
        let c = configuration(
            r#"{"metadata":{"name":"empty","resourceVersion":"abcdef"},"webhooks":null}"#,
        );
        assert!(
            series_of(
                &c,
                "kube_mutatingwebhookconfiguration_webhook_clientconfig_service"
            )
            .is_empty()
        );
        assert!(series_of(&c, "kube_mutatingwebhookconfiguration_created").is_empty());
        assert!(
            series_of(
                &c,
                "kube_mutatingwebhookconfiguration_metadata_resource_version"
            )
            .is_empty()
        );
        assert_eq!(
            series_of(&c, "kube_mutatingwebhookconfiguration_info"),
            [
                r#"kube_mutatingwebhookconfiguration_info{namespace="",mutatingwebhookconfiguration="empty"} 1"#
            ]
        );
    }
}
