//! Service families. Every series also carries `namespace, service, uid`.

use super::Stability::Stable;
use super::{Families, Family};
use crate::objects::Service;

impl Families for Service {
    fn families() -> Vec<Family<Service>> {
        vec![
            Family::gauge(
                Stable,
                "kube_service_info",
                "Information about service.",
                &[
                    "cluster_ip",
                    "external_name",
                    "load_balancer_ip",
                    "external_traffic_policy",
                ],
                |s, out| {
                    out.emit(
                        &[
                            &s.spec.cluster_ip,
                            &s.spec.external_name,
                            &s.spec.load_balancer_ip,
                            &s.spec.external_traffic_policy,
                        ],
                        1.0,
                    )
                },
            ),
            Family::gauge(
                Stable,
                "kube_service_spec_type",
                "Type about service.",
                &["type"],
                |s, out| out.emit(&[&s.spec.type_], 1.0),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Service;

    #[test]
    fn info_and_type_of_a_load_balancer() {
        let s: Service = serde_json::from_str(
            r#"{"metadata":{"name":"web","namespace":"shop","uid":"s-1"},
               "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.10","loadBalancerIP":"203.0.113.9",
                       "externalTrafficPolicy":"Local"}}"#,
        )
        .unwrap();
        let ident = r#"namespace="shop",service="web",uid="s-1""#;
        assert_eq!(
            series_of(&s, "kube_service_info"),
            sorted(&[&format!(
                r#"kube_service_info{{{ident},cluster_ip="10.96.0.10",external_name="",load_balancer_ip="203.0.113.9",external_traffic_policy="Local"}} 1"#
            )])
        );
        assert_eq!(
            series_of(&s, "kube_service_spec_type"),
            sorted(&[&format!(
                r#"kube_service_spec_type{{{ident},type="LoadBalancer"}} 1"#
            )])
        );
    }
}
