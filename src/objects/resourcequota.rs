//! The fields of a ResourceQuota that the quota families read.

use super::Object;
use super::meta::Meta;
use super::quantity::NamedQuantities;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceQuota {
    pub metadata: Meta,
    pub status: ResourceQuotaStatus,
}

/// kube-state-metrics reads the status only: `hard` as the quota
/// controller enforces it, `used` as it last counted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResourceQuotaStatus {
    pub hard: NamedQuantities,
    pub used: NamedQuantities,
}

impl Object for ResourceQuota {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
