//! Node families. Every series also carries `node`.

use super::Stability::Stable;
use super::{Families, Family, bool_value};
use crate::objects::Node;

impl Families for Node {
    fn families() -> Vec<Family<Node>> {
        vec![
            Family::gauge(
                Stable,
                "kube_node_info",
                "Information about a cluster node.",
                &[
                    "kernel_version",
                    "os_image",
                    "container_runtime_version",
                    "kubelet_version",
                    "kubeproxy_version",
                    "provider_id",
                    "pod_cidr",
                    "system_uuid",
                    "internal_ip",
                ],
                |n, out| {
                    let info = &n.status.node_info;
                    out.emit(
                        &[
                            &info.kernel_version,
                            &info.os_image,
                            &info.container_runtime_version,
                            &info.kubelet_version,
                            // Kubernetes deprecated the field; kube-state-metrics
                            // keeps the label with this fixed value.
                            "deprecated",
                            &n.spec.provider_id,
                            &n.spec.pod_cidr,
                            &info.system_uuid,
                            n.internal_ip(),
                        ],
                        1.0,
                    )
                },
            ),
            Family::gauge(
                Stable,
                "kube_node_spec_unschedulable",
                "Whether a node can schedule new pods.",
                &[],
                |n, out| out.emit(&[], bool_value(n.spec.unschedulable)),
            ),
            Family::gauge(
                Stable,
                "kube_node_status_allocatable",
                "The allocatable for different resources of a node that are available for scheduling.",
                &["resource", "unit"],
                |n, out| {
                    for q in n.status.allocatable.0.iter() {
                        out.emit(&[&q.resource, q.unit.label()], q.value);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_node_status_condition",
                "The condition of a cluster node.",
                &["condition", "status"],
                |n, out| {
                    for c in n.status.conditions.iter() {
                        out.condition(&[&c.type_], c.status);
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Node;

    fn node(json: &str) -> Node {
        serde_json::from_str(json).expect("test node decodes")
    }

    #[test]
    fn info_reads_node_info_and_the_internal_ip() {
        let n = node(
            r#"{"metadata":{"name":"node-a"},
               "spec":{"providerID":"aws:///eu-west-1a/i-1","podCIDR":"10.244.1.0/24"},
               "status":{"addresses":[{"type":"Hostname","address":"node-a"},{"type":"InternalIP","address":"10.0.0.7"}],
                 "nodeInfo":{"kernelVersion":"6.1.0","osImage":"Debian GNU/Linux 12 (bookworm)",
                   "containerRuntimeVersion":"containerd://1.7.2","kubeletVersion":"v1.30.1",
                   "kubeProxyVersion":"v1.30.1","systemUUID":"ec2a-1"}}}"#,
        );
        assert_eq!(
            series_of(&n, "kube_node_info"),
            sorted(&[
                r#"kube_node_info{node="node-a",kernel_version="6.1.0",os_image="Debian GNU/Linux 12 (bookworm)",container_runtime_version="containerd://1.7.2",kubelet_version="v1.30.1",kubeproxy_version="deprecated",provider_id="aws:///eu-west-1a/i-1",pod_cidr="10.244.1.0/24",system_uuid="ec2a-1",internal_ip="10.0.0.7"} 1"#
            ])
        );
    }

    #[test]
    fn conditions_give_three_series_each() {
        let n = node(
            r#"{"metadata":{"name":"node-a"},"status":{"conditions":[
                {"type":"Ready","status":"True"},{"type":"DiskPressure","status":"Unknown"}]}}"#,
        );
        assert_eq!(
            series_of(&n, "kube_node_status_condition"),
            sorted(&[
                r#"kube_node_status_condition{node="node-a",condition="Ready",status="true"} 1"#,
                r#"kube_node_status_condition{node="node-a",condition="Ready",status="false"} 0"#,
                r#"kube_node_status_condition{node="node-a",condition="Ready",status="unknown"} 0"#,
                r#"kube_node_status_condition{node="node-a",condition="DiskPressure",status="true"} 0"#,
                r#"kube_node_status_condition{node="node-a",condition="DiskPressure",status="false"} 0"#,
                r#"kube_node_status_condition{node="node-a",condition="DiskPressure",status="unknown"} 1"#,
            ])
        );
    }

    #[test]
    fn allocatable_and_unschedulable() {
        let n = node(
            r#"{"metadata":{"name":"node-a"},"spec":{"unschedulable":true},
               "status":{"allocatable":{"cpu":"3800m","memory":"16397312Ki","pods":"110","hugepages-2Mi":"0"}}}"#,
        );
        assert_eq!(
            series_of(&n, "kube_node_status_allocatable"),
            sorted(&[
                r#"kube_node_status_allocatable{node="node-a",resource="cpu",unit="core"} 3.8"#,
                r#"kube_node_status_allocatable{node="node-a",resource="memory",unit="byte"} 1.6790847488e+10"#,
                r#"kube_node_status_allocatable{node="node-a",resource="pods",unit="integer"} 110"#,
                r#"kube_node_status_allocatable{node="node-a",resource="hugepages_2Mi",unit="byte"} 0"#,
            ])
        );
        assert_eq!(
            series_of(&n, "kube_node_spec_unschedulable"),
            sorted(&[r#"kube_node_spec_unschedulable{node="node-a"} 1"#])
        );
    }
}
