//! EndpointSlice families. Every series starts with `endpointslice`, then
//! `namespace` (kube-state-metrics' order for this kind).

use super::Stability::Experimental;
use super::{Families, Family, annotations, created, labels};
use crate::objects::EndpointSlice;

/// `true`/`false` of a condition, empty when unset.
fn condition(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

impl Families for EndpointSlice {
    fn families() -> Vec<Family<EndpointSlice>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_endpointslice_info",
                "Information about endpointslice.",
                &["addresstype"],
                |s, out| out.emit(&[&s.address_type], 1.0),
            ),
            created("kube_endpointslice_created").experimental(),
            Family::gauge(
                Experimental,
                "kube_endpointslice_endpoints_hints",
                "Topology routing hints attached to endpoints",
                &["address", "for_zone"],
                // Hints name the endpoint by its first address.
                |s, out| {
                    for ep in s.endpoints.iter() {
                        let (Some(hints), Some(address)) = (&ep.hints, ep.addresses.first()) else {
                            continue;
                        };
                        for zone in hints.for_zones.iter() {
                            out.emit(&[address, &zone.name], 1.0);
                        }
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_endpointslice_endpoints",
                "Endpoints attached to the endpointslice.",
                &[
                    "ready",
                    "serving",
                    "hostname",
                    "terminating",
                    "targetref_kind",
                    "targetref_name",
                    "targetref_namespace",
                    "endpoint_nodename",
                    "endpoint_zone",
                    "address",
                ],
                |s, out| {
                    for ep in s.endpoints.iter() {
                        let c = ep.conditions;
                        let (kind, name, namespace) = ep
                            .target_ref
                            .as_ref()
                            .map_or(("", "", ""), |t| (&*t.kind, &*t.name, &*t.namespace));
                        for address in ep.addresses.iter() {
                            out.emit(
                                &[
                                    condition(c.ready),
                                    condition(c.serving),
                                    &ep.hostname,
                                    condition(c.terminating),
                                    kind,
                                    name,
                                    namespace,
                                    &ep.node_name,
                                    &ep.zone,
                                    address,
                                ],
                                1.0,
                            );
                        }
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_endpointslice_ports",
                "Ports attached to the endpointslice.",
                &["port_name", "port_protocol", "port_number"],
                |s, out| {
                    for port in s.ports.iter() {
                        out.emit(&[&port.name, &port.protocol, &port.port], 1.0);
                    }
                },
            ),
            annotations("kube_endpointslice_annotations"),
            labels("kube_endpointslice_labels").with_stability(Experimental),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted, with_identity};
    use crate::objects::EndpointSlice;

    #[test]
    fn endpoints_with_conditions_targets_and_hints() {
        let s: EndpointSlice = serde_json::from_str(
            r#"{"metadata":{"name":"web-abc12","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "addressType":"IPv4",
               "endpoints":[
                 {"addresses":["10.244.1.7"],"conditions":{"ready":true,"serving":true,"terminating":false},
                  "targetRef":{"kind":"Pod","name":"web-1","namespace":"shop","uid":"u"},
                  "nodeName":"node-a","zone":"eu-west-1a","hints":{"forZones":[{"name":"eu-west-1a"}]}},
                 {"addresses":["10.244.2.9","10.244.2.10"],"conditions":{"ready":false,"serving":true,"terminating":true},
                  "hostname":"web-2"},
                 {"addresses":[],"conditions":{},"hints":{"forZones":[{"name":"eu-west-1c"}]}}],
               "ports":[{"name":"http","protocol":"TCP","port":8080},{}]}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&s, "kube_endpointslice_endpoints"),
            sorted(&[
                r#"kube_endpointslice_endpoints{endpointslice="web-abc12",namespace="shop",ready="true",serving="true",hostname="",terminating="false",targetref_kind="Pod",targetref_name="web-1",targetref_namespace="shop",endpoint_nodename="node-a",endpoint_zone="eu-west-1a",address="10.244.1.7"} 1"#,
                r#"kube_endpointslice_endpoints{endpointslice="web-abc12",namespace="shop",ready="false",serving="true",hostname="web-2",terminating="true",targetref_kind="",targetref_name="",targetref_namespace="",endpoint_nodename="",endpoint_zone="",address="10.244.2.9"} 1"#,
                r#"kube_endpointslice_endpoints{endpointslice="web-abc12",namespace="shop",ready="false",serving="true",hostname="web-2",terminating="true",targetref_kind="",targetref_name="",targetref_namespace="",endpoint_nodename="",endpoint_zone="",address="10.244.2.10"} 1"#,
            ])
        );
        // The endpoint without addresses has hints but no address to name.
        assert_eq!(
            series_of(&s, "kube_endpointslice_endpoints_hints"),
            with_identity(
                &s,
                &[
                    r#"kube_endpointslice_endpoints_hints{address="10.244.1.7",for_zone="eu-west-1a"} 1"#
                ]
            )
        );
        assert_eq!(
            series_of(&s, "kube_endpointslice_ports"),
            with_identity(
                &s,
                &[
                    r#"kube_endpointslice_ports{port_name="http",port_protocol="TCP",port_number="8080"} 1"#,
                    r#"kube_endpointslice_ports{port_name="",port_protocol="",port_number=""} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&s, "kube_endpointslice_info"),
            [
                r#"kube_endpointslice_info{endpointslice="web-abc12",namespace="shop",addresstype="IPv4"} 1"#
            ]
        );
        assert_eq!(
            series_of(&s, "kube_endpointslice_created"),
            [
                r#"kube_endpointslice_created{endpointslice="web-abc12",namespace="shop"} 1.61131053e+09"#
            ]
        );
    }

    #[test]
    fn unset_conditions_are_empty() {
        let s: EndpointSlice = serde_json::from_str(
            r#"{"metadata":{"name":"s","namespace":"n"},"addressType":"IPv6",
               "endpoints":[{"addresses":["fd00::1"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&s, "kube_endpointslice_endpoints"),
            [
                r#"kube_endpointslice_endpoints{endpointslice="s",namespace="n",ready="",serving="",hostname="",terminating="",targetref_kind="",targetref_name="",targetref_namespace="",endpoint_nodename="",endpoint_zone="",address="fd00::1"} 1"#
            ]
        );
        assert!(series_of(&s, "kube_endpointslice_created").is_empty());
    }
}
