//! The fields of a Lease (coordination.k8s.io/v1) that its families read.

use super::meta::Meta;
use super::strings::null_as_default;
use super::time::deserialize_timestamp;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Lease {
    pub metadata: Meta,
    pub spec: LeaseSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LeaseSpec {
    /// Empty when nobody holds the lease.
    #[serde(deserialize_with = "null_as_default")]
    pub holder_identity: Str,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub renew_time: Option<f64>,
}

impl Object for Lease {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
