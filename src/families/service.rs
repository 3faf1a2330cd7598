//! Service families. Every series also carries `namespace, service, uid`.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
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
            created("kube_service_created"),
            deletion_timestamp("kube_service_deletion_timestamp"),
            Family::gauge(
                Stable,
                "kube_service_spec_type",
                "Type about service.",
                &["type"],
                |s, out| out.emit(&[&s.spec.type_], 1.0),
            ),
            Family::gauge(
                Stable,
                "kube_service_spec_external_ip",
                "Service external ips. One series for each ip",
                &["external_ip"],
                |s, out| {
                    for ip in s.spec.external_ips.iter() {
                        out.emit(&[ip], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_service_status_load_balancer_ingress",
                "Service load balancer ingress status",
                &["ip", "hostname"],
                |s, out| {
                    for ingress in s.status.load_balancer.ingress.iter() {
                        out.emit(&[&ingress.ip, &ingress.hostname], 1.0);
                    }
                },
            ),
            labels("kube_service_labels"),
            annotations("kube_service_annotations"),
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

    #[test]
    fn external_ips_and_load_balancer_ingress() {
        let s: Service = serde_json::from_str(
            r#"{"metadata":{"name":"web","namespace":"shop","uid":"s-1","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"type":"LoadBalancer","externalIPs":["198.51.100.7","2001:db8::7"]},
               "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"},{"hostname":"web.elb.example.com"}]}}}"#,
        )
        .unwrap();
        let ident = r#"namespace="shop",service="web",uid="s-1""#;
        assert_eq!(
            series_of(&s, "kube_service_spec_external_ip"),
            sorted(&[
                &format!(
                    r#"kube_service_spec_external_ip{{{ident},external_ip="198.51.100.7"}} 1"#
                ),
                &format!(r#"kube_service_spec_external_ip{{{ident},external_ip="2001:db8::7"}} 1"#),
            ])
        );
        assert_eq!(
            series_of(&s, "kube_service_status_load_balancer_ingress"),
            sorted(&[
                &format!(
                    r#"kube_service_status_load_balancer_ingress{{{ident},ip="203.0.113.9",hostname=""}} 1"#
                ),
                &format!(
                    r#"kube_service_status_load_balancer_ingress{{{ident},ip="",hostname="web.elb.example.com"}} 1"#
                ),
            ])
        );
        assert_eq!(
            series_of(&s, "kube_service_created"),
            sorted(&[&format!("kube_service_created{{{ident}}} 1.61131053e+09")])
        );
        assert!(series_of(&s, "kube_service_deletion_timestamp").is_empty());
        assert!(series_of(&s, "kube_service_labels").is_empty());
        assert!(series_of(&s, "kube_service_annotations").is_empty());
    }
}
