//! The fields of a Node that the node families read.

use super::expose::Exposure;
use super::meta::{Condition, Meta};
use super::quantity::ResourceList;
use super::{Object, Registered, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    pub metadata: Meta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
    /// From the `node-role.kubernetes.io/<role>` labels, kept by `prune`
    /// before the labels themselves go.
    #[serde(skip)]
    pub roles: Box<[Str]>,
}

const ROLE_LABEL_PREFIX: &str = "node-role.kubernetes.io/";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    pub unschedulable: bool,
    #[serde(rename = "providerID")]
    pub provider_id: Str,
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Str,
    #[serde(rename = "podCIDRs")]
    pub pod_cidrs: Box<[Str]>,
    pub taints: Box<[Taint]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Taint {
    pub key: Str,
    pub value: Str,
    pub effect: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStatus {
    pub capacity: ResourceList,
    pub allocatable: ResourceList,
    pub conditions: Box<[Condition]>,
    pub addresses: Box<[Address]>,
    pub node_info: NodeInfo,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(rename = "type")]
    pub type_: Str,
    pub address: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeInfo {
    pub kernel_version: Str,
    pub os_image: Str,
    pub container_runtime_version: Str,
    pub kubelet_version: Str,
    #[serde(rename = "systemUUID")]
    pub system_uuid: Str,
}

impl Node {
    /// The first InternalIP address (`internal_ip` on kube_node_info).
    pub fn internal_ip(&self) -> &str {
        self.status
            .addresses
            .iter()
            .find(|a| &*a.type_ == "InternalIP")
            .map_or("", |a| &a.address)
    }
}

impl Object for Node {
    fn prune(&mut self, exposure: &Exposure) {
        self.roles = self
            .metadata
            .labels()
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(ROLE_LABEL_PREFIX))
            .filter(|role| !role.is_empty())
            .map(Str::new)
            .collect();
        self.metadata.expose(Self::RESOURCE, exposure);
    }

    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
