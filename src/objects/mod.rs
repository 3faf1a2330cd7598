//! Decoding: what the API server sends, read straight into compact records.
//!
//! Each kind is a lean serde type that names only the fields some metric
//! family reads; serde skips everything else (managedFields, env, probes, …)
//! without building it. Strings that repeat across objects (namespaces,
//! node names, images, label keys) are interned, timestamps become Unix
//! seconds and quantities become numbers while decoding, so a stored pod
//! costs hundreds of bytes instead of the tens of kilobytes of a
//! k8s-openapi `Pod`.

mod address;
mod cron;
mod expose;
mod meta;
mod quantity;
mod strings;
mod time;
mod versioned;
mod wire;

pub mod admission;
pub mod certificatesigningrequest;
pub mod configmap;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod endpoints;
pub mod endpointslice;
pub mod horizontalpodautoscaler;
pub mod ingress;
pub mod ingressclass;
pub mod job;
pub mod lease;
pub mod limitrange;
pub mod namespace;
pub mod networkpolicy;
pub mod node;
pub mod persistentvolume;
pub mod persistentvolumeclaim;
pub mod pod;
pub mod poddisruptionbudget;
pub mod rbac;
pub mod replicaset;
pub mod replicationcontroller;
pub mod resourcequota;
pub mod secret;
pub mod service;
pub mod serviceaccount;
pub mod statefulset;
pub mod storageclass;
pub mod volumeattachment;

pub use admission::{
    MutatingAdmissionPolicy, MutatingAdmissionPolicyBinding, MutatingWebhookConfiguration,
    ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration,
};
pub use certificatesigningrequest::CertificateSigningRequest;
pub use configmap::ConfigMap;
pub use cronjob::CronJob;
pub use daemonset::DaemonSet;
pub use deployment::Deployment;
pub use endpoints::Endpoints;
pub use endpointslice::EndpointSlice;
pub use expose::{Allowlist, Exposed, Exposure, RawMap};
pub use horizontalpodautoscaler::HorizontalPodAutoscaler;
pub use ingress::Ingress;
pub use ingressclass::IngressClass;
pub use job::Job;
pub use lease::Lease;
pub use limitrange::LimitRange;
pub use meta::{Condition, ConditionStatus, Meta, OwnerRef, find_condition};
pub use namespace::Namespace;
pub use networkpolicy::NetworkPolicy;
pub use node::Node;
pub use persistentvolume::PersistentVolume;
pub use persistentvolumeclaim::PersistentVolumeClaim;
pub use pod::Pod;
pub use poddisruptionbudget::PodDisruptionBudget;
pub use quantity::{NamedQuantities, Quantity, ResourceList, ResourceUnit};
pub use rbac::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
pub use replicaset::ReplicaSet;
pub use replicationcontroller::ReplicationController;
pub use resourcequota::ResourceQuota;
pub use secret::Secret;
pub use service::Service;
pub use serviceaccount::ServiceAccount;
pub use statefulset::StatefulSet;
pub use storageclass::StorageClass;
pub use strings::{Str, sweep_interned};
pub use time::Timestamp;
pub use versioned::ResourceVersioned;
pub use volumeattachment::VolumeAttachment;
pub use wire::{DecodeError, Wire};

pub use crate::kinds::{Registered, Resource};

use std::fmt;

/// A decoded object of one kind: what the cache stores and families read.
pub trait Object:
    Registered + serde::de::DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static
{
    fn meta(&self) -> &Meta;

    fn meta_mut(&mut self) -> &mut Meta;

    /// Drops what no enabled family reads (unlisted labels and annotations)
    /// once, before the object is stored.
    fn prune(&mut self, exposure: &Exposure) {
        self.meta_mut().expose(Self::RESOURCE, exposure);
    }

    /// The value of an identity label read from the object itself rather
    /// than its metadata (a CertificateSigningRequest's `signer_name`);
    /// `None` for the name, namespace and uid.
    fn identity_label(&self, _label: &str) -> Option<&str> {
        None
    }
}
