//! The fields of an Endpoints object that the endpoint families read.

use super::meta::Meta;
use super::strings::null_as_default;
use super::{Object, Str};
use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Endpoints {
    pub metadata: Meta,
    #[serde(deserialize_with = "null_as_default")]
    pub subsets: Box<[EndpointSubset]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EndpointSubset {
    /// The IPs of the ready addresses.
    #[serde(deserialize_with = "ips")]
    pub addresses: Box<[Box<str>]>,
    #[serde(deserialize_with = "ips")]
    pub not_ready_addresses: Box<[Box<str>]>,
    #[serde(deserialize_with = "null_as_default")]
    pub ports: Box<[EndpointPort]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndpointPort {
    pub name: Str,
    pub protocol: Str,
    /// The port number as served (`8080`), interned: few numbers repeat
    /// across the cluster.
    #[serde(deserialize_with = "port_number")]
    pub port: Str,
}

/// The `ip` of each address; hostnames, node names and target references
/// are not read.
fn ips<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<[Box<str>]>, D::Error> {
    #[derive(Deserialize)]
    struct Address {
        #[serde(default)]
        ip: Box<str>,
    }
    let addresses = Option::<Vec<Address>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(addresses.into_iter().map(|a| a.ip).collect())
}

/// An integer port number as the decimal text the families serve.
fn port_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Str, D::Error> {
    Ok(Str::new(&i32::deserialize(deserializer)?.to_string()))
}

impl Object for Endpoints {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
