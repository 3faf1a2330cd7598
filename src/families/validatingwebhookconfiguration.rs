//! ValidatingWebhookConfiguration families. Every series also carries
//! `namespace` (empty: the kind is cluster-scoped) and
//! `validatingwebhookconfiguration`.

use super::Stability::Experimental;
use super::admission::{CLIENTCONFIG_SERVICE_LABELS, admission_created, clientconfig_services};
use super::{Families, Family, info};
use crate::objects::ValidatingWebhookConfiguration;

impl Families for ValidatingWebhookConfiguration {
    fn families() -> Vec<Family<ValidatingWebhookConfiguration>> {
        vec![
            info(
                Experimental,
                "kube_validatingwebhookconfiguration_info",
                "Information about the ValidatingWebhookConfiguration.",
            ),
            admission_created("kube_validatingwebhookconfiguration_created"),
            Family::gauge(
                Experimental,
                "kube_validatingwebhookconfiguration_metadata_resource_version",
                "Resource version representing a specific version of the ValidatingWebhookConfiguration.",
                &[],
                |c, out| out.emit_some(c.metadata.resource_version),
            ),
            Family::gauge(
                Experimental,
                "kube_validatingwebhookconfiguration_webhook_clientconfig_service",
                "Service used by the apiserver to connect to a validating webhook.",
                CLIENTCONFIG_SERVICE_LABELS,
                |c, out| clientconfig_services(&c.webhooks, out),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ValidatingWebhookConfiguration;

    #[test]
    fn every_family_of_a_cert_manager_style_configuration() {
        let c: ValidatingWebhookConfiguration = serde_json::from_str(
            r#"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration",
               "metadata":{"name":"cert-manager-webhook","uid":"v-1","resourceVersion":"7",
                           "creationTimestamp":"2025-06-30T12:00:00Z","labels":{"app":"webhook"}},
               "webhooks":[
                 {"name":"webhook.cert-manager.io","clientConfig":{"service":{"name":"cert-manager-webhook","namespace":"cert-manager","path":"/validate"}},
                  "namespaceSelector":{"matchExpressions":[{"key":"cert-manager.io/disable-validation","operator":"NotIn","values":["true"]}]},
                  "rules":[{"apiGroups":["cert-manager.io"],"apiVersions":["v1"],"operations":["CREATE","UPDATE"],"resources":["*/*"]}]}]}"#,
        )
        .expect("test configuration decodes");
        assert_eq!(
            with_identity(&c, &["kube_validatingwebhookconfiguration_info 1"]),
            [
                r#"kube_validatingwebhookconfiguration_info{namespace="",validatingwebhookconfiguration="cert-manager-webhook"} 1"#
            ]
        );
        for (family, want) in [
            (
                "kube_validatingwebhookconfiguration_info",
                "kube_validatingwebhookconfiguration_info 1",
            ),
            (
                "kube_validatingwebhookconfiguration_created",
                "kube_validatingwebhookconfiguration_created 1.7512848e+09",
            ),
            (
                "kube_validatingwebhookconfiguration_metadata_resource_version",
                "kube_validatingwebhookconfiguration_metadata_resource_version 7",
            ),
            (
                "kube_validatingwebhookconfiguration_webhook_clientconfig_service",
                r#"kube_validatingwebhookconfiguration_webhook_clientconfig_service{webhook_name="webhook.cert-manager.io",service_name="cert-manager-webhook",service_namespace="cert-manager"} 1"#,
            ),
        ] {
            assert_eq!(
                series_of(&c, family),
                with_identity(&c, &[want]),
                "{family}"
            );
        }
    }
}
