//! Decoding: what the API server sends, read straight into compact records.
//!
//! Each kind is a lean serde type that names only the fields some metric
//! family reads; serde skips everything else (managedFields, env, probes, …)
//! without building it. Strings that repeat across objects (namespaces,
//! node names, images, label keys) are interned, timestamps become Unix
//! seconds and quantities become numbers while decoding, so a stored pod
//! costs hundreds of bytes instead of the tens of kilobytes of a
//! k8s-openapi `Pod`.

mod expose;
mod meta;
mod quantity;
mod strings;
mod time;
mod wire;

pub mod deployment;
pub mod node;
pub mod pod;
pub mod service;

pub use deployment::Deployment;
pub use expose::{Allowlist, Exposed, Exposure, RawMap};
pub use meta::{Condition, ConditionStatus, Meta, OwnerRef, find_condition};
pub use node::Node;
pub use pod::Pod;
pub use quantity::{Quantity, ResourceList, ResourceUnit};
pub use service::Service;
pub use strings::{Str, sweep_interned};
pub use wire::{DecodeError, Wire};

use std::fmt;

/// The four kinds kubestate watches, in the order their families are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Deployments,
    Nodes,
    Pods,
    Services,
}

impl Resource {
    pub const ALL: [Resource; 4] = [
        Resource::Deployments,
        Resource::Nodes,
        Resource::Pods,
        Resource::Services,
    ];

    /// The plural name used in API paths, flags and the `resource` label.
    pub fn plural(self) -> &'static str {
        match self {
            Resource::Deployments => "deployments",
            Resource::Nodes => "nodes",
            Resource::Pods => "pods",
            Resource::Services => "services",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Resource::Deployments => "Deployment",
            Resource::Nodes => "Node",
            Resource::Pods => "Pod",
            Resource::Services => "Service",
        }
    }

    pub fn group(self) -> &'static str {
        match self {
            Resource::Deployments => "apps",
            _ => "",
        }
    }

    /// Nodes are cluster-scoped: namespace filters never apply to them.
    pub fn namespaced(self) -> bool {
        self != Resource::Nodes
    }

    pub fn from_plural(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.plural() == name)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// A decoded object of one kind: what the cache stores and families read.
pub trait Object: serde::de::DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static {
    const RESOURCE: Resource;

    fn meta(&self) -> &Meta;

    fn meta_mut(&mut self) -> &mut Meta;

    /// Drops what no enabled family reads (unlisted labels and annotations)
    /// once, before the object is stored.
    fn prune(&mut self, exposure: &Exposure) {
        self.meta_mut().expose(Self::RESOURCE, exposure);
    }

    /// The identity labels every family of this kind starts with, in order
    /// (`namespace, pod, uid` for pods; see metrics.md 1.0).
    fn identity(&self) -> Vec<(&'static str, &str)>;
}
