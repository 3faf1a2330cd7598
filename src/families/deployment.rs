//! Deployment families. Every series also carries `namespace, deployment`.

use super::Stability::Stable;
use super::{Families, Family};
use crate::objects::Deployment;

impl Families for Deployment {
    fn families() -> Vec<Family<Deployment>> {
        vec![
            Family::gauge(
                Stable,
                "kube_deployment_metadata_generation",
                "Sequence number representing a specific generation of the desired state.",
                &[],
                |d, out| out.emit(&[], d.metadata.generation.unwrap_or(0) as f64),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_spec_replicas",
                "Number of desired pods for a deployment.",
                &[],
                |d, out| {
                    if let Some(replicas) = d.spec.replicas {
                        out.emit(&[], f64::from(replicas));
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas_available",
                "The number of available replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.available_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_observed_generation",
                "The generation observed by the deployment controller.",
                &[],
                |d, out| out.emit(&[], d.status.observed_generation as f64),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Deployment;

    fn deployment(json: &str) -> Deployment {
        serde_json::from_str(json).expect("test deployment decodes")
    }

    #[test]
    fn replicas_and_generations() {
        let d = deployment(
            r#"{"metadata":{"name":"web","namespace":"shop","uid":"d-1","generation":4},
               "spec":{"replicas":3},
               "status":{"availableReplicas":2,"observedGeneration":3}}"#,
        );
        let ident = r#"namespace="shop",deployment="web""#;
        assert_eq!(
            series_of(&d, "kube_deployment_spec_replicas"),
            sorted(&[&format!("kube_deployment_spec_replicas{{{ident}}} 3")])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_status_replicas_available"),
            sorted(&[&format!(
                "kube_deployment_status_replicas_available{{{ident}}} 2"
            )])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_metadata_generation"),
            sorted(&[&format!("kube_deployment_metadata_generation{{{ident}}} 4")])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_status_observed_generation"),
            sorted(&[&format!(
                "kube_deployment_status_observed_generation{{{ident}}} 3"
            )])
        );
    }

    #[test]
    fn nil_replicas_give_no_series_but_zero_does() {
        let nil = deployment(r#"{"metadata":{"name":"web","namespace":"shop"}}"#);
        assert!(series_of(&nil, "kube_deployment_spec_replicas").is_empty());
        let zero =
            deployment(r#"{"metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":0}}"#);
        assert_eq!(
            series_of(&zero, "kube_deployment_spec_replicas"),
            sorted(&[r#"kube_deployment_spec_replicas{namespace="shop",deployment="web"} 0"#])
        );
    }
}
