//! The fields of a StorageClass that the storageclass families read.

use super::meta::Meta;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageClass {
    pub metadata: Meta,
    pub provisioner: Str,
    /// `None` when unset: kube-state-metrics then serves `Delete`, the
    /// API's default.
    pub reclaim_policy: Option<Str>,
    /// `None` when unset: served as `Immediate`, the API's default.
    pub volume_binding_mode: Option<Str>,
}

impl Object for StorageClass {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
