//! The fields of a Pod that the pod families read.

use super::address::IpText;
use super::expose::{Exposure, RawMap, prometheus_pairs};
use super::meta::{Condition, Meta, deserialize_map};
use super::quantity::ResourceList;
use super::strings::{Interner, Sharable, Shared};
use super::time::Timestamp;
use super::{Object, Registered, Str};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::sync::LazyLock;

/// A pod as stored: what most pods have inline, the rest in `rare`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "WirePod")]
pub struct Pod {
    pub metadata: Meta,
    pub spec: PodSpec,
    pub status: PodStatus,
    /// `None` for the many pods without any of these fields, so they carry
    /// one word for them.
    rare: Option<Box<RarePodFields>>,
}

#[derive(Clone, Debug, Default)]
pub struct PodSpec {
    pub node_name: Str,
    pub priority_class_name: Str,
    pub host_network: bool,
    /// Whether `kube_pod_nodeselectors` serves this pod (set by `prune`
    /// when the family is on), so its pairs can live among the rare fields.
    node_selectors_exposed: bool,
    pub restart_policy: Str,
    pub service_account_name: Str,
    pub scheduler_name: Str,
    /// The containers and tolerations of a ReplicaSet's pods are equal:
    /// one copy is kept for them all.
    pub containers: Shared<Container>,
    pub tolerations: Shared<Toleration>,
}

#[derive(Clone, Debug, Default)]
pub struct PodStatus {
    pub phase: Str,
    pub qos_class: Str,
    pub host_ip: Str,
    pub pod_ip: IpText,
    pub pod_ips: Box<[PodIp]>,
    pub start_time: Timestamp,
    pub conditions: Box<[Condition]>,
    pub container_statuses: Box<[ContainerStatus]>,
}

/// The fields few pods set.
#[derive(Clone, Debug, Default)]
pub struct RarePodFields {
    pub runtime_class_name: Option<Str>,
    pub init_containers: Shared<Container>,
    /// Only the volumes backed by a claim; the rest are dropped on decode.
    pub volumes: Box<[ClaimVolume]>,
    pub overhead: ResourceList,
    pub resource_claims: Box<[ResourceClaim]>,
    /// As decoded, until `prune` turns it into `node_selectors`.
    node_selector: RawMap,
    /// `nodeselector_*` pairs, only when `kube_pod_nodeselectors` is on.
    node_selectors: Box<[(Str, Str)]>,
    pub reason: Str,
    pub init_container_statuses: Box<[ContainerStatus]>,
    pub resource_claim_statuses: Box<[ResourceClaimStatus]>,
}

impl RarePodFields {
    fn boxed_unless_empty(self) -> Option<Box<RarePodFields>> {
        let empty = self.runtime_class_name.is_none()
            && self.init_containers.is_empty()
            && self.volumes.is_empty()
            && self.overhead.0.is_empty()
            && self.resource_claims.is_empty()
            && self.node_selector.is_empty()
            && self.node_selectors.is_empty()
            && self.reason.is_empty()
            && self.init_container_statuses.is_empty()
            && self.resource_claim_statuses.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

static NO_RARE_FIELDS: LazyLock<RarePodFields> = LazyLock::new(RarePodFields::default);

/// A pod as the API server sends it (the fields some family reads).
#[derive(Default, Deserialize)]
#[serde(default)]
struct WirePod {
    metadata: Meta,
    spec: WirePodSpec,
    status: WirePodStatus,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WirePodSpec {
    node_name: Str,
    priority_class_name: Str,
    host_network: bool,
    restart_policy: Str,
    service_account_name: Str,
    scheduler_name: Str,
    runtime_class_name: Option<Str>,
    containers: Shared<Container>,
    init_containers: Shared<Container>,
    tolerations: Shared<Toleration>,
    #[serde(deserialize_with = "deserialize_claim_volumes")]
    volumes: Box<[ClaimVolume]>,
    overhead: ResourceList,
    resource_claims: Box<[ResourceClaim]>,
    #[serde(deserialize_with = "deserialize_map")]
    node_selector: RawMap,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WirePodStatus {
    phase: Str,
    reason: Str,
    qos_class: Str,
    #[serde(rename = "hostIP")]
    host_ip: Str,
    #[serde(rename = "podIP")]
    pod_ip: IpText,
    #[serde(rename = "podIPs")]
    pod_ips: Box<[PodIp]>,
    start_time: Timestamp,
    conditions: Box<[Condition]>,
    container_statuses: Box<[ContainerStatus]>,
    init_container_statuses: Box<[ContainerStatus]>,
    resource_claim_statuses: Box<[ResourceClaimStatus]>,
}

impl From<WirePod> for Pod {
    fn from(
        WirePod {
            metadata,
            spec,
            status,
        }: WirePod,
    ) -> Self {
        let rare = RarePodFields {
            runtime_class_name: spec.runtime_class_name,
            init_containers: spec.init_containers,
            volumes: spec.volumes,
            overhead: spec.overhead,
            resource_claims: spec.resource_claims,
            node_selector: spec.node_selector,
            node_selectors: Box::default(),
            reason: status.reason,
            init_container_statuses: status.init_container_statuses,
            resource_claim_statuses: status.resource_claim_statuses,
        };
        Pod {
            metadata,
            spec: PodSpec {
                node_name: spec.node_name,
                priority_class_name: spec.priority_class_name,
                host_network: spec.host_network,
                node_selectors_exposed: false,
                restart_policy: spec.restart_policy,
                service_account_name: spec.service_account_name,
                scheduler_name: spec.scheduler_name,
                containers: spec.containers,
                tolerations: spec.tolerations,
            },
            status: PodStatus {
                phase: status.phase,
                qos_class: status.qos_class,
                host_ip: status.host_ip,
                pod_ip: status.pod_ip,
                pod_ips: status.pod_ips,
                start_time: status.start_time,
                conditions: status.conditions,
                container_statuses: status.container_statuses,
            },
            rare: rare.boxed_unless_empty(),
        }
    }
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
#[serde(default)]
pub struct PodIp {
    pub ip: IpText,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: Str,
    pub image: Str,
    #[serde(rename = "imageID")]
    pub image_id: Str,
    #[serde(rename = "containerID")]
    pub container_id: ContainerId,
    pub ready: bool,
    /// `int32` in the API.
    pub restart_count: i32,
    pub state: ContainerState,
    /// The last state when it is `terminated`, the only one families read,
    /// boxed as most containers never restarted.
    #[serde(rename = "lastState", deserialize_with = "deserialize_last_terminated")]
    pub last_terminated: Option<Box<Terminated>>,
}

fn deserialize_last_terminated<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Box<Terminated>>, D::Error> {
    Ok(match ContainerState::deserialize(deserializer)? {
        ContainerState::Terminated(terminated) => Some(Box::new(terminated)),
        _ => None,
    })
}

/// A container's runtime id as the kubelet writes it,
/// `<runtime>://<64 hex digits>`: the prefix interned and the digits as
/// 32 bytes, 48 bytes in place of a unique 80-byte string. Any other text
/// is kept as it came, so the label always reads back exactly.
#[derive(Clone, PartialEq, Eq)]
pub enum ContainerId {
    Hex { prefix: Str, digits: [u8; 32] },
    Text(Box<str>),
}

/// The longest prefix kept apart from its digits, so that `with_text` can
/// write the whole id on the stack.
const MAX_ID_PREFIX: usize = 64;
const HEX: &[u8; 16] = b"0123456789abcdef";

impl ContainerId {
    pub fn new(text: &str) -> ContainerId {
        Self::split(text).unwrap_or_else(|| ContainerId::Text(Box::from(text)))
    }

    fn split(text: &str) -> Option<ContainerId> {
        let prefix = text.get(..text.len().checked_sub(64)?)?;
        if prefix.len() > MAX_ID_PREFIX {
            return None;
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let mut digits = [0u8; 32];
        for (byte, pair) in digits
            .iter_mut()
            .zip(text.as_bytes()[prefix.len()..].chunks(2))
        {
            *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
        }
        Some(ContainerId::Hex {
            prefix: Str::new(prefix),
            digits,
        })
    }

    /// Calls `f` with the id as text, written on the stack when it is kept
    /// split.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            ContainerId::Text(text) => f(text),
            ContainerId::Hex { prefix, digits } => {
                let mut buf = [0u8; MAX_ID_PREFIX + 64];
                buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
                let hex = &mut buf[prefix.len()..prefix.len() + 64];
                for (pair, byte) in hex.chunks_mut(2).zip(digits) {
                    pair[0] = HEX[usize::from(byte >> 4)];
                    pair[1] = HEX[usize::from(byte & 0xf)];
                }
                let len = prefix.len() + 64;
                f(std::str::from_utf8(&buf[..len]).expect("a str prefix and hex digits"))
            }
        }
    }
}

impl Default for ContainerId {
    fn default() -> Self {
        ContainerId::Text(Box::default())
    }
}

impl fmt::Debug for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_text(|text| fmt::Debug::fmt(text, f))
    }
}

impl<'de> Deserialize<'de> for ContainerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ContainerId::new(&text))
    }
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
        started_at: Timestamp,
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
    started_at: Timestamp,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Terminated {
    pub reason: Str,
    pub exit_code: i32,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
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
    /// The fields few pods set (all empty for most).
    pub fn rare(&self) -> &RarePodFields {
        self.rare.as_deref().unwrap_or(&NO_RARE_FIELDS)
    }

    /// The `nodeselector_*` pairs `kube_pod_nodeselectors` serves, `None`
    /// when the family is off.
    pub fn exposed_node_selectors(&self) -> Option<&[(Str, Str)]> {
        self.spec
            .node_selectors_exposed
            .then_some(&*self.rare().node_selectors)
    }

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
        self.spec.node_selectors_exposed = exposure.node_selectors;
        if let Some(rare) = &mut self.rare {
            let selector = std::mem::take(&mut rare.node_selector);
            if exposure.node_selectors {
                let pairs: Vec<(&str, &str)> = selector.iter().map(|(k, v)| (&**k, &**v)).collect();
                rare.node_selectors = prometheus_pairs("nodeselector", &pairs, Str::new);
            }
            for volume in rare.volumes.iter_mut().filter(|v| v.ephemeral) {
                volume.claim = Str::new(&format!("{}-{}", self.metadata.name, volume.name));
            }
        }
        self.rare = self.rare.take().and_then(|rare| rare.boxed_unless_empty());
        // kube-state-metrics serves each distinct toleration once.
        let spec = &mut self.spec;
        let mut distinct: Vec<Toleration> = Vec::with_capacity(spec.tolerations.len());
        for t in spec.tolerations.iter() {
            if !distinct.contains(t) {
                distinct.push(t.clone());
            }
        }
        spec.tolerations = Shared::new(&distinct);
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
        assert_eq!(&*pod.status.pod_ip.text(), "10.0.0.5");
        let status = &pod.status.container_statuses[0];
        assert_eq!(status.restart_count, 3);
        assert!(matches!(
            status.state,
            ContainerState::Running {
                started_at
            } if started_at.get() == Some(1_611_310_530.0)
        ));
    }

    #[test]
    fn container_ids_read_back_exactly() {
        let hex = "0123456789abcdef".repeat(4);
        for text in [
            format!("containerd://{hex}"),
            format!("cri-o://{hex}"),
            // Not 64 lowercase hex digits at the end: kept as text.
            format!("docker://{}", hex.to_uppercase()),
            format!("docker://{}", &hex[1..]),
            format!("{}://{hex}", "x".repeat(65)),
            "containerd://c1".to_string(),
            format!("é{}", &hex[1..]),
            String::new(),
        ] {
            let id = ContainerId::new(&text);
            assert_eq!(id.with_text(str::to_string), text);
        }
        assert!(matches!(
            ContainerId::new(&format!("containerd://{hex}")),
            ContainerId::Hex { .. }
        ));
        assert!(matches!(
            ContainerId::new("containerd://c1"),
            ContainerId::Text(_)
        ));
    }

    #[test]
    fn a_stored_pod_fits_a_small_allocation() {
        // The entry (identity text and record) inside its `Arc` takes
        // jemalloc's 384-byte class; 640 before the rare fields were boxed.
        assert!(size_of::<crate::cache::Entry<Pod>>() + 16 <= 384);
        assert_eq!(size_of::<Condition>(), 24);
        assert!(size_of::<ContainerStatus>() <= 160);
    }
}
