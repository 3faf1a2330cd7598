//! The fields of a LimitRange that its family reads.

use super::meta::Meta;
use super::quantity::NamedQuantities;
use super::strings::null_as_default;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LimitRange {
    pub metadata: Meta,
    pub spec: LimitRangeSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LimitRangeSpec {
    #[serde(deserialize_with = "null_as_default")]
    pub limits: Box<[LimitRangeItem]>,
}

/// One item of spec.limits: quantities per resource name, at milli
/// precision.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LimitRangeItem {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub type_: Str,
    pub min: NamedQuantities,
    pub max: NamedQuantities,
    pub default: NamedQuantities,
    pub default_request: NamedQuantities,
    pub max_limit_request_ratio: NamedQuantities,
}

impl Object for LimitRange {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
