//! The fields of a Pod that the pod families read.

use super::expose::{Exposed, Exposure, RawMap, prometheus_pairs};
use super::meta::{Condition, Meta, deserialize_map};
use super::quantity::ResourceList;
use super::strings::{Interner, Sharable, Shared};
use super::time::deserialize_timestamp;
use super::{Object, Registered, Str};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: Meta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    pub node_name: Str,
    pub priority_class_name: Str,
    pub host_network: bool,
    pub restart_policy: Str,
    pub service_account_name: Str,
    pub scheduler_name: Str,
    pub runtime_class_name: Option<Str>,
    /// The containers and tolerations of a ReplicaSet's pods are equal:
    /// one copy is kept for them all.
    pub containers: Shared<Container>,
    pub init_containers: Shared<Container>,
    pub tolerations: Shared<Toleration>,
    /// Only the volumes backed by a claim; the rest are dropped on decode.
    #[serde(deserialize_with = "deserialize_claim_volumes")]
    pub volumes: Box<[ClaimVolume]>,
    pub overhead: ResourceList,
    pub resource_claims: Box<[ResourceClaim]>,
    /// As decoded; emptied by `prune`.
    #[serde(deserialize_with = "deserialize_map")]
    pub node_selector: RawMap,
    /// `nodeselector_*` pairs, only when `kube_pod_nodeselectors` is on.
    #[serde(skip)]
    pub exposed_node_selectors: Exposed<Str>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    pub key: Str,
    pub operator: Str,
    pub value: Str,
    pub effect: Str,
    pub toleration_seconds: Option<i64>,
}

/// A PersistentVolumeClaim volume, or a generic ephemeral volume whose
/// claim Kubernetes names `<pod>-<volume>`.
#[derive(Clone, Debug, Default)]
pub struct ClaimVolume {
    pub name: Str,
    pub claim: Str,
    pub read_only: bool,
    pub ephemeral: bool,
}

fn deserialize_claim_volumes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Box<[ClaimVolume]>, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Volume {
        #[serde(default)]
        name: Str,
        persistent_volume_claim: Option<ClaimSource>,
        ephemeral: Option<IgnoredAny>,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct ClaimSource {
        claim_name: Str,
        read_only: bool,
    }
    let volumes = Option::<Vec<Volume>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(volumes
        .into_iter()
        .filter_map(|v| match (v.persistent_volume_claim, v.ephemeral) {
            (Some(pvc), _) => Some(ClaimVolume {
                name: v.name,
                claim: pvc.claim_name,
                read_only: pvc.read_only,
                ephemeral: false,
            }),
            (None, Some(_)) => Some(ClaimVolume {
                name: v.name,
                ephemeral: true,
                ..ClaimVolume::default()
            }),
            (None, None) => None,
        })
        .collect())
}

/// A Dynamic Resource Allocation claim of the pod spec.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceClaim {
    pub name: Str,
    pub resource_claim_name: Str,
    pub resource_claim_template_name: Str,
}

/// The claim generated from a template, named in the pod status.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceClaimStatus {
    pub name: Str,
    pub resource_claim_name: Str,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: Str,
    pub image: Str,
    pub resources: Resources,
    /// `Always` on an init container marks a sidecar.
    pub restart_policy: Str,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub struct Resources {
    pub requests: ResourceList,
    pub limits: ResourceList,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    pub phase: Str,
    pub reason: Str,
    pub qos_class: Str,
    #[serde(rename = "hostIP")]
    pub host_ip: Str,
    #[serde(rename = "podIP")]
    pub pod_ip: Str,
    #[serde(rename = "podIPs")]
    pub pod_ips: Box<[PodIp]>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub start_time: Option<f64>,
    pub conditions: Box<[Condition]>,
    pub container_statuses: Box<[ContainerStatus]>,
    pub init_container_statuses: Box<[ContainerStatus]>,
    pub resource_claim_statuses: Box<[ResourceClaimStatus]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PodIp {
    pub ip: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: Str,
    pub image: Str,
    #[serde(rename = "imageID")]
    pub image_id: Str,
    #[serde(rename = "containerID")]
    pub container_id: Box<str>,
    pub ready: bool,
    pub restart_count: i64,
    pub state: ContainerState,
    pub last_state: ContainerState,
}

/// What a container is doing: one variant rather than three options, as
/// the API allows at most one of `waiting`, `running` and `terminated`
/// (it saves a quarter of a container status). An object breaking that
/// rule keeps the first of them set, in that order.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawContainerState")]
pub enum ContainerState {
    #[default]
    Unknown,
    Waiting {
        reason: Str,
    },
    Running {
        started_at: Option<f64>,
    },
    Terminated(Terminated),
}

impl ContainerState {
    pub fn waiting_reason(&self) -> Option<&Str> {
        match self {
            ContainerState::Waiting { reason } => Some(reason),
            _ => None,
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, ContainerState::Running { .. })
    }

    pub fn terminated(&self) -> Option<&Terminated> {
        match self {
            ContainerState::Terminated(terminated) => Some(terminated),
            _ => None,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawContainerState {
    waiting: Option<Waiting>,
    running: Option<Running>,
    terminated: Option<Terminated>,
}

impl From<RawContainerState> for ContainerState {
    fn from(raw: RawContainerState) -> Self {
        match raw {
            RawContainerState {
                waiting: Some(Waiting { reason }),
                ..
            } => ContainerState::Waiting { reason },
            RawContainerState {
                running: Some(Running { started_at }),
                ..
            } => ContainerState::Running { started_at },
            RawContainerState {
                terminated: Some(terminated),
                ..
            } => ContainerState::Terminated(terminated),
            _ => ContainerState::Unknown,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Waiting {
    reason: Str,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Running {
    #[serde(deserialize_with = "deserialize_timestamp")]
    started_at: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Terminated {
    pub reason: Str,
    pub exit_code: i32,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub started_at: Option<f64>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub finished_at: Option<f64>,
}

impl Sharable for Container {
    fn interner() -> &'static Interner<[Self]> {
        static CONTAINERS: Interner<[Container]> = Interner::new();
        &CONTAINERS
    }
}

impl Sharable for Toleration {
    fn interner() -> &'static Interner<[Self]> {
        static TOLERATIONS: Interner<[Toleration]> = Interner::new();
        &TOLERATIONS
    }
}

impl Pod {
    /// The owner reference marked as controller (`created_by_*` labels).
    pub fn controller(&self) -> Option<&super::OwnerRef> {
        self.metadata
            .owner_references
            .iter()
            .find(|o| o.controller == Some(true))
    }
}

impl Object for Pod {
    fn prune(&mut self, exposure: &Exposure) {
        self.metadata.expose(Self::RESOURCE, exposure);
        let spec = &mut self.spec;
        spec.exposed_node_selectors = exposure.node_selectors.then(|| {
            let pairs: Vec<(&str, &str)> = spec
                .node_selector
                .iter()
                .map(|(k, v)| (&**k, &**v))
                .collect();
            prometheus_pairs("nodeselector", &pairs, Str::new)
        });
        spec.node_selector = RawMap::default();
        // kube-state-metrics serves each distinct toleration once.
        let mut distinct: Vec<Toleration> = Vec::with_capacity(spec.tolerations.len());
        for t in spec.tolerations.iter() {
            if !distinct.contains(t) {
                distinct.push(t.clone());
            }
        }
        spec.tolerations = Shared::new(&distinct);
        for volume in spec.volumes.iter_mut().filter(|v| v.ephemeral) {
            volume.claim = Str::new(&format!("{}-{}", self.metadata.name, volume.name));
        }
    }

    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_families_read_and_skips_the_rest() {
        let pod: Pod = serde_json::from_str(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u1",
                 "managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}],
                 "ownerReferences":[{"kind":"ReplicaSet","name":"web-5d","controller":true,"uid":"x"}]},
                "spec":{"nodeName":"n1","containers":[{"name":"app","image":"nginx",
                   "env":[{"name":"A","value":"b"}],
                   "resources":{"requests":{"cpu":"250m"},"limits":{"memory":"1Gi"}}}]},
                "status":{"phase":"Running","podIP":"10.0.0.5",
                   "containerStatuses":[{"name":"app","restartCount":3,"ready":true,
                      "state":{"running":{"startedAt":"2021-01-22T10:15:30Z"}}}]}}"#,
        )
        .unwrap();
        assert_eq!(&*pod.metadata.name, "web-1");
        assert_eq!(pod.controller().map(|o| &*o.name), Some("web-5d"));
        assert_eq!(
            pod.spec.containers[0].resources.requests.get("cpu"),
            Some(0.25)
        );
        assert_eq!(&*pod.status.pod_ip, "10.0.0.5");
        let status = &pod.status.container_statuses[0];
        assert_eq!(status.restart_count, 3);
        assert!(matches!(
            status.state,
            ContainerState::Running {
                started_at: Some(1_611_310_530.0)
            }
        ));
    }
}
