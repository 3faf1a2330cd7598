//! The fields of a PersistentVolumeClaim that the claim families read.

use super::expose::Exposure;
use super::meta::{Condition, Meta};
use super::quantity::deserialize_bytes;
use super::{Object, Registered, Str};
use serde::Deserialize;

/// The storage class annotation that predates `spec.storageClassName`;
/// kube-state-metrics prefers it when present, even empty.
const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersistentVolumeClaim {
    pub metadata: Meta,
    pub spec: ClaimSpec,
    pub status: ClaimStatus,
    /// The class served as `storageclass`: the beta annotation, else
    /// spec.storageClassName, else empty; resolved by `prune` before the
    /// annotations go.
    #[serde(skip)]
    pub storage_class: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimSpec {
    pub storage_class_name: Str,
    pub volume_name: Str,
    pub volume_mode: Str,
    pub access_modes: Box<[Str]>,
    pub resources: ClaimResources,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClaimResources {
    pub requests: StorageRequest,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StorageRequest {
    /// Bytes; `None` when no storage is requested (no series).
    #[serde(deserialize_with = "deserialize_bytes")]
    pub storage: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClaimStatus {
    /// `Pending`, `Bound` or `Lost`; empty when absent.
    pub phase: Str,
    pub conditions: Box<[Condition]>,
}

impl Object for PersistentVolumeClaim {
    fn prune(&mut self, exposure: &Exposure) {
        self.storage_class = match self
            .metadata
            .annotations()
            .iter()
            .find(|(k, _)| &**k == BETA_STORAGE_CLASS)
        {
            Some((_, class)) => Str::new(class),
            None => self.spec.storage_class_name.clone(),
        };
        self.metadata.expose(Self::RESOURCE, exposure);
    }

    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
