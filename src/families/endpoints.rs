//! Endpoints families. Every series also carries `namespace` and
//! `endpoint`.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, labels};
use crate::objects::Endpoints;

impl Families for Endpoints {
    fn families() -> Vec<Family<Endpoints>> {
        vec![
            Family::gauge(
                Stable,
                "kube_endpoint_info",
                "Information about endpoint.",
                &[],
                |_, out| out.emit(&[], 1.0),
            ),
            created("kube_endpoint_created"),
            annotations("kube_endpoint_annotations"),
            labels("kube_endpoint_labels"),
            Family::gauge(
                Stable,
                "kube_endpoint_address",
                "Information about Endpoint available and non available addresses.",
                &["port_protocol", "port_number", "port_name", "ip", "ready"],
                // Every address once per port of its subset: ready ones
                // first, then the not-ready ones.
                |e, out| {
                    for subset in e.subsets.iter() {
                        for port in subset.ports.iter() {
                            let addresses = (subset.addresses.iter().map(|ip| (ip, "true")))
                                .chain(subset.not_ready_addresses.iter().map(|ip| (ip, "false")));
                            for (ip, ready) in addresses {
                                out.emit(&[&port.protocol, &port.port, &port.name, ip, ready], 1.0);
                            }
                        }
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_endpoint_ports",
                "Information about the Endpoint ports.",
                &["port_name", "port_protocol", "port_number"],
                |e, out| {
                    for port in e.subsets.iter().flat_map(|s| s.ports.iter()) {
                        out.emit(&[&port.name, &port.protocol, &port.port], 1.0);
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::Endpoints;

    #[test]
    fn every_address_per_port_with_its_readiness() {
        let e: Endpoints = serde_json::from_str(
            r#"{"metadata":{"name":"web","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "subsets":[
                 {"addresses":[{"ip":"10.244.1.7","nodeName":"node-a","targetRef":{"kind":"Pod","name":"web-1"}},
                               {"ip":"10.244.2.9"}],
                  "notReadyAddresses":[{"ip":"10.244.3.4"}],
                  "ports":[{"name":"http","port":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}]},
                 {"notReadyAddresses":[{"ip":"10.244.4.1"}],
                  "ports":[{"port":53,"protocol":"UDP"}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&e, "kube_endpoint_address"),
            with_identity(
                &e,
                &[
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="8080",port_name="http",ip="10.244.1.7",ready="true"} 1"#,
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="8080",port_name="http",ip="10.244.2.9",ready="true"} 1"#,
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="8080",port_name="http",ip="10.244.3.4",ready="false"} 1"#,
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="9090",port_name="metrics",ip="10.244.1.7",ready="true"} 1"#,
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="9090",port_name="metrics",ip="10.244.2.9",ready="true"} 1"#,
                    r#"kube_endpoint_address{port_protocol="TCP",port_number="9090",port_name="metrics",ip="10.244.3.4",ready="false"} 1"#,
                    r#"kube_endpoint_address{port_protocol="UDP",port_number="53",port_name="",ip="10.244.4.1",ready="false"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&e, "kube_endpoint_ports"),
            with_identity(
                &e,
                &[
                    r#"kube_endpoint_ports{port_name="http",port_protocol="TCP",port_number="8080"} 1"#,
                    r#"kube_endpoint_ports{port_name="metrics",port_protocol="TCP",port_number="9090"} 1"#,
                    r#"kube_endpoint_ports{port_name="",port_protocol="UDP",port_number="53"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&e, "kube_endpoint_info"),
            [r#"kube_endpoint_info{namespace="shop",endpoint="web"} 1"#]
        );
        assert_eq!(
            series_of(&e, "kube_endpoint_created"),
            [r#"kube_endpoint_created{namespace="shop",endpoint="web"} 1.61131053e+09"#]
        );
    }

    #[test]
    fn no_subsets_no_addresses() {
        let e: Endpoints =
            serde_json::from_str(r#"{"metadata":{"name":"idle","namespace":"n"},"subsets":null}"#)
                .unwrap();
        assert!(series_of(&e, "kube_endpoint_address").is_empty());
        assert!(series_of(&e, "kube_endpoint_ports").is_empty());
        assert_eq!(series_of(&e, "kube_endpoint_info").len(), 1);
    }
}
