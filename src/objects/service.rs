//! The fields of a Service that the service families read.

use super::meta::Meta;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Service {
    pub metadata: Meta,
    pub spec: ServiceSpec,
    pub status: ServiceStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: Str,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Str,
    pub external_name: Str,
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: Str,
    pub external_traffic_policy: Str,
    #[serde(rename = "externalIPs")]
    pub external_ips: Box<[Str]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceStatus {
    pub load_balancer: LoadBalancerStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerStatus {
    pub ingress: Box<[LoadBalancerIngress]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerIngress {
    pub ip: Str,
    pub hostname: Str,
}

impl Object for Service {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
