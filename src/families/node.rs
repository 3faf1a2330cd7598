//! Node families. Every series also carries `node`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, bool_value, created, deletion_timestamp, labels};
use crate::objects::{Node, ResourceList};

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
            created("kube_node_created"),
            deletion_timestamp("kube_node_deletion_timestamp"),
            labels("kube_node_labels"),
            annotations("kube_node_annotations"),
            Family::gauge(
                Experimental,
                "kube_node_role",
                "The role of a cluster node.",
                &["role"],
                |n, out| {
                    for role in n.roles.iter() {
                        out.emit(&[role], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_node_spec_pod_cidrs",
                "The pod CIDRs assigned to a node.",
                &["pod_cidr"],
                |n, out| {
                    for cidr in n.spec.pod_cidrs.iter() {
                        out.emit(&[cidr], 1.0);
                    }
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
                "kube_node_spec_taint",
                "The taint of a cluster node.",
                &["key", "value", "effect"],
                |n, out| {
                    for t in n.spec.taints.iter() {
                        out.emit(&[&t.key, &t.value, &t.effect], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_node_status_capacity",
                "The capacity for different resources of a node.",
                &["resource", "unit"],
                |n, out| quantities(&n.status.capacity, out),
            ),
            Family::gauge(
                Stable,
                "kube_node_status_allocatable",
                "The allocatable for different resources of a node that are available for scheduling.",
                &["resource", "unit"],
                |n, out| quantities(&n.status.allocatable, out),
            ),
            Family::gauge(
                Experimental,
                "kube_node_status_addresses",
                "Node address information.",
                &["type", "address"],
                |n, out| {
                    for a in n.status.addresses.iter() {
                        out.emit(&[&a.type_, &a.address], 1.0);
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
                        out.condition(&[c.type_()], c.status);
                    }
                },
            ),
        ]
    }
}

fn quantities(list: &ResourceList, out: &mut super::Series<'_>) {
    for q in list.0.iter() {
        out.emit(&[&q.resource, q.unit.label()], q.value);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, sorted};
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

    #[test]
    fn roles_come_from_node_role_labels_even_without_an_allowlist() {
        let n = node(
            r#"{"metadata":{"name":"node-a","labels":{
                "node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"true",
                "node-role.kubernetes.io/":"","kubernetes.io/hostname":"node-a"}}}"#,
        );
        assert_eq!(
            series_of(&n, "kube_node_role"),
            sorted(&[
                r#"kube_node_role{node="node-a",role="control-plane"} 1"#,
                r#"kube_node_role{node="node-a",role="etcd"} 1"#,
            ])
        );
        assert!(series_of(&n, "kube_node_labels").is_empty());
        let all = Exposure {
            labels: Allowlist::parse("nodes=[*]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&n, "kube_node_labels", &all),
            sorted(&[
                r#"kube_node_labels{node="node-a",label_kubernetes_io_hostname="node-a",label_node_role_kubernetes_io_="",label_node_role_kubernetes_io_control_plane="",label_node_role_kubernetes_io_etcd="true"} 1"#
            ])
        );
        assert!(series_of(&node(r#"{"metadata":{"name":"node-a"}}"#), "kube_node_role").is_empty());
    }

    #[test]
    fn taints_cidrs_addresses_and_capacity() {
        let n = node(
            r#"{"metadata":{"name":"node-a"},
               "spec":{"podCIDRs":["10.244.1.0/24","fd00:10:244:1::/64"],
                       "taints":[{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"},
                                 {"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},
               "status":{"capacity":{"cpu":"4","memory":"16Gi","ephemeral-storage":"100Gi","nvidia.com/gpu":"2"},
                         "addresses":[{"type":"InternalIP","address":"10.0.0.7"},{"type":"InternalIP","address":"fd00::7"},
                                      {"type":"Hostname","address":"node-a"}]}}"#,
        );
        assert_eq!(
            series_of(&n, "kube_node_spec_taint"),
            sorted(&[
                r#"kube_node_spec_taint{node="node-a",key="node.kubernetes.io/unreachable",value="",effect="NoExecute"} 1"#,
                r#"kube_node_spec_taint{node="node-a",key="dedicated",value="gpu",effect="NoSchedule"} 1"#,
            ])
        );
        assert_eq!(
            series_of(&n, "kube_node_spec_pod_cidrs"),
            sorted(&[
                r#"kube_node_spec_pod_cidrs{node="node-a",pod_cidr="10.244.1.0/24"} 1"#,
                r#"kube_node_spec_pod_cidrs{node="node-a",pod_cidr="fd00:10:244:1::/64"} 1"#,
            ])
        );
        assert_eq!(
            series_of(&n, "kube_node_status_addresses"),
            sorted(&[
                r#"kube_node_status_addresses{node="node-a",type="InternalIP",address="10.0.0.7"} 1"#,
                r#"kube_node_status_addresses{node="node-a",type="InternalIP",address="fd00::7"} 1"#,
                r#"kube_node_status_addresses{node="node-a",type="Hostname",address="node-a"} 1"#,
            ])
        );
        // 16Gi = 17179869184, 100Gi = 107374182400.
        assert_eq!(
            series_of(&n, "kube_node_status_capacity"),
            sorted(&[
                r#"kube_node_status_capacity{node="node-a",resource="cpu",unit="core"} 4"#,
                r#"kube_node_status_capacity{node="node-a",resource="memory",unit="byte"} 1.7179869184e+10"#,
                r#"kube_node_status_capacity{node="node-a",resource="ephemeral_storage",unit="byte"} 1.073741824e+11"#,
                r#"kube_node_status_capacity{node="node-a",resource="nvidia_com_gpu",unit="integer"} 2"#,
            ])
        );
        assert_eq!(
            series_of(&n, "kube_node_spec_unschedulable"),
            sorted(&[r#"kube_node_spec_unschedulable{node="node-a"} 0"#])
        );
        for family in [
            "kube_node_status_condition",
            "kube_node_created",
            "kube_node_deletion_timestamp",
        ] {
            let bare = node(r#"{"metadata":{"name":"node-a"}}"#);
            assert!(series_of(&bare, family).is_empty(), "{family}");
        }
    }
}
