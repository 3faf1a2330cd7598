//! The fields of an EndpointSlice (discovery.k8s.io/v1) that the
//! endpointslice families read.

use super::meta::Meta;
use super::strings::null_as_default;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EndpointSlice {
    pub metadata: Meta,
    pub address_type: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub endpoints: Box<[Endpoint]>,
    #[serde(deserialize_with = "null_as_default")]
    pub ports: Box<[SlicePort]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Endpoint {
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Box<[Box<str>]>,
    pub conditions: EndpointConditions,
    /// Empty when absent, as kube-state-metrics serves it.
    #[serde(deserialize_with = "null_as_default")]
    pub hostname: Box<str>,
    pub target_ref: Option<TargetRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub node_name: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub zone: Str,
    pub hints: Option<Hints>,
}

/// Each `None` when unset (served as an empty label).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndpointConditions {
    pub ready: Option<bool>,
    pub serving: Option<bool>,
    pub terminating: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetRef {
    pub kind: Str,
    pub name: Box<str>,
    pub namespace: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Hints {
    #[serde(deserialize_with = "null_as_default")]
    pub for_zones: Box<[ForZone]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForZone {
    pub name: Str,
}

/// Every field optional in the API; each absent one is served empty.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlicePort {
    #[serde(deserialize_with = "null_as_default")]
    pub name: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub protocol: Str,
    #[serde(deserialize_with = "optional_port_number")]
    pub port: Str,
}

fn optional_port_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Str, D::Error> {
    Ok(Option::<i32>::deserialize(deserializer)?
        .map(|n| Str::new(&n.to_string()))
        .unwrap_or_default())
}

impl Object for EndpointSlice {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
