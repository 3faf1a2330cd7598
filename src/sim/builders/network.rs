//! Builders for Ingresses, IngressClasses, Endpoints, EndpointSlices,
//! NetworkPolicies, StorageClasses and VolumeAttachments, in the style of
//! the other kinds' (the metadata setters come from the parent's macros).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference,
    TypedLocalObjectReference,
};
use k8s_openapi::api::discovery::v1::{
    Endpoint, EndpointConditions, EndpointHints, EndpointPort as SlicePort, EndpointSlice, ForZone,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, IPBlock, Ingress, IngressBackend, IngressClass,
    IngressClassSpec, IngressLoadBalancerIngress, IngressLoadBalancerStatus, IngressRule,
    IngressServiceBackend, IngressSpec, IngressStatus, IngressTLS, NetworkPolicy,
    NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec, ServiceBackendPort,
};
use k8s_openapi::api::storage::v1::{
    StorageClass, VolumeAttachment, VolumeAttachmentSource, VolumeAttachmentSpec,
    VolumeAttachmentStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{OwnerReference, insert, meta, time};

/// `{key: value}` as a label selector; `None` selects everything.
fn selector(pair: Option<(&str, &str)>) -> LabelSelector {
    let mut match_labels = None;
    if let Some((k, v)) = pair {
        insert(&mut match_labels, k, v);
    }
    LabelSelector {
        match_labels,
        ..Default::default()
    }
}

// ---------------------------------------------------------------- ingresses

pub fn ingress(name: &str) -> IngressBuilder {
    IngressBuilder {
        obj: Ingress {
            metadata: meta(name),
            spec: Some(IngressSpec::default()),
            status: None,
        },
    }
}

pub struct IngressBuilder {
    obj: Ingress,
}

impl IngressBuilder {
    meta_setters!();
    namespace_setter!();

    fn spec(&mut self) -> &mut IngressSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }

    /// The rule of `host`, made on first use.
    fn paths(&mut self, host: &str) -> &mut Vec<HTTPIngressPath> {
        let rules = self.spec().rules.get_or_insert_with(Vec::new);
        let at = match rules.iter().position(|r| r.host.as_deref() == Some(host)) {
            Some(at) => at,
            None => {
                rules.push(IngressRule {
                    host: Some(host.to_string()),
                    http: Some(HTTPIngressRuleValue { paths: Vec::new() }),
                });
                rules.len() - 1
            }
        };
        &mut rules[at]
            .http
            .get_or_insert_with(|| HTTPIngressRuleValue { paths: Vec::new() })
            .paths
    }

    pub fn class(mut self, name: &str) -> Self {
        self.spec().ingress_class_name = Some(name.to_string());
        self
    }
    pub fn default_backend(mut self, service: &str, port: i32) -> Self {
        self.spec().default_backend = Some(service_backend(service, port));
        self
    }
    /// A path to a service's port by number.
    pub fn path(
        mut self,
        host: &str,
        path: &str,
        path_type: &str,
        service: &str,
        port: i32,
    ) -> Self {
        self.paths(host).push(HTTPIngressPath {
            path: Some(path.to_string()),
            path_type: path_type.to_string(),
            backend: service_backend(service, port),
        });
        self
    }
    /// A path to a custom resource (an object store bucket, ...).
    pub fn resource_path(
        mut self,
        host: &str,
        path: &str,
        path_type: &str,
        (api_group, kind, name): (&str, &str, &str),
    ) -> Self {
        self.paths(host).push(HTTPIngressPath {
            path: Some(path.to_string()),
            path_type: path_type.to_string(),
            backend: IngressBackend {
                resource: Some(TypedLocalObjectReference {
                    api_group: Some(api_group.to_string()),
                    kind: kind.to_string(),
                    name: name.to_string(),
                }),
                service: None,
            },
        });
        self
    }
    pub fn tls(mut self, hosts: &[&str], secret: &str) -> Self {
        self.spec()
            .tls
            .get_or_insert_with(Vec::new)
            .push(IngressTLS {
                hosts: Some(hosts.iter().map(|h| h.to_string()).collect()),
                secret_name: Some(secret.to_string()),
            });
        self
    }
    /// The address the ingress controller publishes.
    pub fn load_balancer_ip(mut self, ip: &str) -> Self {
        self.obj.status = Some(IngressStatus {
            load_balancer: Some(IngressLoadBalancerStatus {
                ingress: Some(vec![IngressLoadBalancerIngress {
                    ip: Some(ip.to_string()),
                    ..Default::default()
                }]),
            }),
        });
        self
    }
    pub fn build(self) -> Ingress {
        self.obj
    }
}

fn service_backend(service: &str, port: i32) -> IngressBackend {
    IngressBackend {
        service: Some(IngressServiceBackend {
            name: service.to_string(),
            port: Some(ServiceBackendPort {
                number: Some(port),
                name: None,
            }),
        }),
        resource: None,
    }
}

pub fn ingress_class(name: &str, controller: &str) -> IngressClassBuilder {
    IngressClassBuilder {
        obj: IngressClass {
            metadata: meta(name),
            spec: Some(IngressClassSpec {
                controller: Some(controller.to_string()),
                parameters: None,
            }),
        },
    }
}

pub struct IngressClassBuilder {
    obj: IngressClass,
}

impl IngressClassBuilder {
    meta_setters!();

    /// The class of ingresses that name none.
    pub fn default_class(self) -> Self {
        self.annotation("ingressclass.kubernetes.io/is-default-class", "true")
    }
    pub fn build(self) -> IngressClass {
        self.obj
    }
}

// ---------------------------------------------------------------- endpoints

/// Endpoints of one subset (the endpoints controller's shape when every
/// address serves the same ports).
pub fn endpoints(name: &str) -> EndpointsBuilder {
    EndpointsBuilder {
        obj: Endpoints {
            metadata: meta(name),
            subsets: None,
        },
    }
}

pub struct EndpointsBuilder {
    obj: Endpoints,
}

impl EndpointsBuilder {
    meta_setters!();
    namespace_setter!();

    fn subset(&mut self) -> &mut EndpointSubset {
        let subsets = self.obj.subsets.get_or_insert_with(Vec::new);
        if subsets.is_empty() {
            subsets.push(EndpointSubset::default());
        }
        &mut subsets[0]
    }

    /// An address; `pod` is the target's `(name, uid)` when there is one.
    pub fn address(
        mut self,
        ip: &str,
        node: Option<&str>,
        pod: Option<(&str, &str)>,
        ready: bool,
    ) -> Self {
        let namespace = self.obj.metadata.namespace.clone();
        let address = EndpointAddress {
            ip: ip.to_string(),
            node_name: node.map(str::to_string),
            target_ref: pod.map(|(name, uid)| ObjectReference {
                kind: Some("Pod".into()),
                name: Some(name.to_string()),
                namespace,
                uid: Some(uid.to_string()),
                ..Default::default()
            }),
            hostname: None,
        };
        let subset = self.subset();
        let list = if ready {
            &mut subset.addresses
        } else {
            &mut subset.not_ready_addresses
        };
        list.get_or_insert_with(Vec::new).push(address);
        self
    }
    pub fn port(mut self, name: &str, port: i32, protocol: &str) -> Self {
        self.subset()
            .ports
            .get_or_insert_with(Vec::new)
            .push(EndpointPort {
                name: (!name.is_empty()).then(|| name.to_string()),
                port,
                protocol: Some(protocol.to_string()),
                app_protocol: None,
            });
        self
    }
    pub fn build(mut self) -> Endpoints {
        // No address at all: the controller writes no subset.
        if let Some(subsets) = &mut self.obj.subsets {
            subsets.retain(|s| s.addresses.is_some() || s.not_ready_addresses.is_some());
        }
        self.obj
    }
}

pub fn endpoint_slice(name: &str, address_type: &str) -> EndpointSliceBuilder {
    EndpointSliceBuilder {
        obj: EndpointSlice {
            metadata: meta(name),
            address_type: address_type.to_string(),
            endpoints: Some(Vec::new()),
            ports: None,
        },
    }
}

pub struct EndpointSliceBuilder {
    obj: EndpointSlice,
}

impl EndpointSliceBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    fn last(&mut self) -> Option<&mut Endpoint> {
        self.obj.endpoints.as_mut().and_then(|e| e.last_mut())
    }

    /// An endpoint with its conditions; the setters below describe the
    /// endpoint added last.
    pub fn endpoint(
        mut self,
        address: &str,
        ready: bool,
        serving: bool,
        terminating: bool,
    ) -> Self {
        self.obj
            .endpoints
            .get_or_insert_with(Vec::new)
            .push(Endpoint {
                addresses: vec![address.to_string()],
                conditions: Some(EndpointConditions {
                    ready: Some(ready),
                    serving: Some(serving),
                    terminating: Some(terminating),
                }),
                ..Default::default()
            });
        self
    }
    pub fn target_pod(mut self, name: &str, uid: &str) -> Self {
        let namespace = self.obj.metadata.namespace.clone();
        if let Some(e) = self.last() {
            e.target_ref = Some(ObjectReference {
                kind: Some("Pod".into()),
                name: Some(name.to_string()),
                namespace,
                uid: Some(uid.to_string()),
                ..Default::default()
            });
        }
        self
    }
    pub fn on_node(mut self, node: &str, zone: &str) -> Self {
        if let Some(e) = self.last() {
            e.node_name = Some(node.to_string());
            e.zone = (!zone.is_empty()).then(|| zone.to_string());
        }
        self
    }
    pub fn hostname(mut self, hostname: &str) -> Self {
        if let Some(e) = self.last() {
            e.hostname = Some(hostname.to_string());
        }
        self
    }
    /// A topology hint: serve this endpoint to clients in `zone`.
    pub fn hint(mut self, zone: &str) -> Self {
        if let Some(e) = self.last() {
            e.hints = Some(EndpointHints {
                for_zones: Some(vec![ForZone {
                    name: zone.to_string(),
                }]),
                for_nodes: None,
            });
        }
        self
    }
    pub fn port(mut self, name: &str, port: i32, protocol: &str) -> Self {
        self.obj.ports.get_or_insert_with(Vec::new).push(SlicePort {
            name: Some(name.to_string()),
            port: Some(port),
            protocol: Some(protocol.to_string()),
            app_protocol: None,
        });
        self
    }
    pub fn build(self) -> EndpointSlice {
        self.obj
    }
}

// ---------------------------------------------------------------- network policies

pub fn network_policy(name: &str) -> NetworkPolicyBuilder {
    NetworkPolicyBuilder {
        obj: NetworkPolicy {
            metadata: meta(name),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(selector(None)),
                ..Default::default()
            }),
        },
    }
}

pub struct NetworkPolicyBuilder {
    obj: NetworkPolicy,
}

impl NetworkPolicyBuilder {
    meta_setters!();
    namespace_setter!();

    fn spec(&mut self) -> &mut NetworkPolicySpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn policy_type(&mut self, type_: &str) {
        let types = self.spec().policy_types.get_or_insert_with(Vec::new);
        if !types.iter().any(|t| t == type_) {
            types.push(type_.to_string());
        }
    }

    /// The pods the policy applies to; all of the namespace's without it.
    pub fn pods(mut self, k: &str, v: &str) -> Self {
        self.spec().pod_selector = Some(selector(Some((k, v))));
        self
    }
    /// Ingress is denied unless a rule allows it (with no rules: all).
    pub fn isolate_ingress(mut self) -> Self {
        self.policy_type("Ingress");
        self
    }
    pub fn isolate_egress(mut self) -> Self {
        self.policy_type("Egress");
        self
    }
    /// Allows traffic to `port` from pods labelled `k=v` in namespaces
    /// labelled `ns_k=ns_v` (`None`: this namespace).
    pub fn allow_from(
        mut self,
        namespace: Option<(&str, &str)>,
        pods: Option<(&str, &str)>,
        port: i32,
    ) -> Self {
        self.policy_type("Ingress");
        let peer = NetworkPolicyPeer {
            namespace_selector: namespace.map(|ns| selector(Some(ns))),
            pod_selector: pods.map(|p| selector(Some(p))),
            ip_block: None,
        };
        self.spec()
            .ingress
            .get_or_insert_with(Vec::new)
            .push(NetworkPolicyIngressRule {
                from: Some(vec![peer]),
                ports: Some(vec![policy_port(port, "TCP")]),
            });
        self
    }
    /// Allows traffic to pods labelled `k=v` in any namespace on `port`.
    pub fn allow_to_pods(mut self, pods: (&str, &str), port: i32, protocol: &str) -> Self {
        self.policy_type("Egress");
        let peer = NetworkPolicyPeer {
            namespace_selector: Some(selector(None)),
            pod_selector: Some(selector(Some(pods))),
            ip_block: None,
        };
        self.spec()
            .egress
            .get_or_insert_with(Vec::new)
            .push(NetworkPolicyEgressRule {
                to: Some(vec![peer]),
                ports: Some(vec![policy_port(port, protocol)]),
            });
        self
    }
    /// Allows traffic to a CIDR, except some of it, on `port`.
    pub fn allow_to_cidr(mut self, cidr: &str, except: &[&str], port: i32) -> Self {
        self.policy_type("Egress");
        let peer = NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.to_string(),
                except: Some(except.iter().map(|e| e.to_string()).collect()),
            }),
            ..Default::default()
        };
        self.spec()
            .egress
            .get_or_insert_with(Vec::new)
            .push(NetworkPolicyEgressRule {
                to: Some(vec![peer]),
                ports: Some(vec![policy_port(port, "TCP")]),
            });
        self
    }
    pub fn build(self) -> NetworkPolicy {
        self.obj
    }
}

fn policy_port(port: i32, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(port)),
        protocol: Some(protocol.to_string()),
        end_port: None,
    }
}

// ---------------------------------------------------------------- storage classes, attachments

pub fn storage_class(name: &str, provisioner: &str) -> StorageClassBuilder {
    StorageClassBuilder {
        obj: StorageClass {
            metadata: meta(name),
            provisioner: provisioner.to_string(),
            ..Default::default()
        },
    }
}

pub struct StorageClassBuilder {
    obj: StorageClass,
}

impl StorageClassBuilder {
    meta_setters!();

    /// The class of claims that name none.
    pub fn default_class(self) -> Self {
        self.annotation("storageclass.kubernetes.io/is-default-class", "true")
    }
    pub fn reclaim_policy(mut self, policy: &str) -> Self {
        self.obj.reclaim_policy = Some(policy.to_string());
        self
    }
    pub fn binding_mode(mut self, mode: &str) -> Self {
        self.obj.volume_binding_mode = Some(mode.to_string());
        self
    }
    pub fn allow_expansion(mut self) -> Self {
        self.obj.allow_volume_expansion = Some(true);
        self
    }
    pub fn parameter(mut self, k: &str, v: &str) -> Self {
        insert(&mut self.obj.parameters, k, v);
        self
    }
    pub fn build(self) -> StorageClass {
        self.obj
    }
}

/// A CSI attacher's request to attach a persistent volume to a node, not
/// attached yet.
pub fn volume_attachment(
    name: &str,
    attacher: &str,
    node: &str,
    volume: &str,
) -> VolumeAttachmentBuilder {
    VolumeAttachmentBuilder {
        obj: VolumeAttachment {
            metadata: meta(name),
            spec: VolumeAttachmentSpec {
                attacher: attacher.to_string(),
                node_name: node.to_string(),
                source: VolumeAttachmentSource {
                    persistent_volume_name: Some(volume.to_string()),
                    inline_volume_spec: None,
                },
            },
            status: Some(VolumeAttachmentStatus::default()),
        },
    }
}

pub struct VolumeAttachmentBuilder {
    obj: VolumeAttachment,
}

impl VolumeAttachmentBuilder {
    meta_setters!();

    fn status(&mut self) -> &mut VolumeAttachmentStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    /// Attached, with what the driver reports about the attachment.
    pub fn attached(mut self, metadata: &[(&str, &str)]) -> Self {
        let status = self.status();
        status.attached = true;
        status.attachment_metadata = (!metadata.is_empty()).then(|| {
            metadata
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        });
        self
    }
    pub fn build(self) -> VolumeAttachment {
        self.obj
    }
}
