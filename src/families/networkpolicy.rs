//! NetworkPolicy families. Every series also carries `namespace` and
//! `networkpolicy`.

use super::Stability::Experimental;
use super::{Families, Family, annotations, labels};
use crate::objects::{NetworkPolicy, Object};

/// What Go's zero `time.Time` gives as Unix seconds (year 1): served by
/// kube-state-metrics for a policy without a creationTimestamp, which it
/// never skips.
const GO_ZERO_TIME_UNIX: f64 = -62_135_596_800.0;

impl Families for NetworkPolicy {
    fn families() -> Vec<Family<NetworkPolicy>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_networkpolicy_created",
                "Unix creation timestamp of network policy",
                &[],
                |n, out| {
                    let created = n.meta().creation_timestamp.get();
                    out.emit(&[], created.unwrap_or(GO_ZERO_TIME_UNIX))
                },
            ),
            annotations("kube_networkpolicy_annotations"),
            labels("kube_networkpolicy_labels").with_stability(Experimental),
            Family::gauge(
                Experimental,
                "kube_networkpolicy_spec_ingress_rules",
                "Number of ingress rules on the networkpolicy",
                &[],
                |n, out| out.emit(&[], f64::from(n.spec.ingress)),
            ),
            Family::gauge(
                Experimental,
                "kube_networkpolicy_spec_egress_rules",
                "Number of egress rules on the networkpolicy",
                &[],
                |n, out| out.emit(&[], f64::from(n.spec.egress)),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::series_of;
    use crate::objects::NetworkPolicy;

    #[test]
    fn rules_are_counted() {
        let n: NetworkPolicy = serde_json::from_str(
            r#"{"metadata":{"name":"allow-web","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"podSelector":{"matchLabels":{"app":"web"}},"policyTypes":["Ingress","Egress"],
                 "ingress":[{"from":[{"podSelector":{}}]},{"ports":[{"port":8080}]}],
                 "egress":[{"to":[{"namespaceSelector":{}}]}]}}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&n, "kube_networkpolicy_spec_ingress_rules"),
            [
                r#"kube_networkpolicy_spec_ingress_rules{namespace="shop",networkpolicy="allow-web"} 2"#
            ]
        );
        assert_eq!(
            series_of(&n, "kube_networkpolicy_spec_egress_rules"),
            [
                r#"kube_networkpolicy_spec_egress_rules{namespace="shop",networkpolicy="allow-web"} 1"#
            ]
        );
        assert_eq!(
            series_of(&n, "kube_networkpolicy_created"),
            [
                r#"kube_networkpolicy_created{namespace="shop",networkpolicy="allow-web"} 1.61131053e+09"#
            ]
        );
    }

    #[test]
    fn a_policy_without_rules_or_creation_time() {
        let n: NetworkPolicy = serde_json::from_str(
            r#"{"metadata":{"name":"deny-all","namespace":"shop"},"spec":{"podSelector":{}}}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&n, "kube_networkpolicy_spec_ingress_rules"),
            [
                r#"kube_networkpolicy_spec_ingress_rules{namespace="shop",networkpolicy="deny-all"} 0"#
            ]
        );
        assert_eq!(
            series_of(&n, "kube_networkpolicy_spec_egress_rules"),
            [
                r#"kube_networkpolicy_spec_egress_rules{namespace="shop",networkpolicy="deny-all"} 0"#
            ]
        );
        // Go's zero time, 0001-01-01T00:00:00Z.
        assert_eq!(
            series_of(&n, "kube_networkpolicy_created"),
            [
                r#"kube_networkpolicy_created{namespace="shop",networkpolicy="deny-all"} -6.21355968e+10"#
            ]
        );
    }
}
