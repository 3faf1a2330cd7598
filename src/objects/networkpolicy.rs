//! The fields of a NetworkPolicy that the networkpolicy families read:
//! only how many ingress and egress rules it has.

use super::Object;
use super::cronjob::count;
use super::meta::Meta;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkPolicy {
    pub metadata: Meta,
    pub spec: NetworkPolicySpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkPolicySpec {
    #[serde(deserialize_with = "count")]
    pub ingress: u32,
    #[serde(deserialize_with = "count")]
    pub egress: u32,
}

impl Object for NetworkPolicy {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
