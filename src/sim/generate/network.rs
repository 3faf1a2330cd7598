//! Ingresses, ingress classes, network policies and storage classes made
//! once, and what controllers keep deriving from the pods: the Endpoints
//! and EndpointSlices of every service (the endpoints and endpoint slice
//! controllers) and the VolumeAttachments of the CSI volumes that
//! scheduled pods mount (the attach/detach controller).
//!
//! Runs after every other object exists and draws no random numbers, so
//! the objects made before it do not change. [`follow_pods`] runs again on
//! every churn tick, so endpoints and attachments follow pods as they
//! restart, turn ready or unready, get deleted and replaced.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Service};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kinds::Resource;

use super::super::builders;
use super::super::store::{Store, key_namespace};
use super::{DAY, T0, put};

/// The label by which the endpoint slice controller finds its slices.
const MANAGED_BY: (&str, &str) = (
    "endpointslice.kubernetes.io/managed-by",
    "endpointslice-controller.k8s.io",
);
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The annotation that turns on topology hints for a service's slices.
const TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";
/// Services given topology hints at generation.
const HINTED_SERVICES: usize = 2;
/// The endpoint slice controller's default `--max-endpoints-per-slice`.
const MAX_ENDPOINTS_PER_SLICE: usize = 100;
const INGRESS_NGINX_IP: &str = "198.51.100.10";
const INGRESS_NAMESPACE: &str = "ingress-nginx";
/// When the endpoints controllers last saw a pod of the service change.
const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";

pub(crate) fn populate(store: &Store) {
    storage_classes(store);
    ingress_classes(store);
    let services = services(store);
    ingresses(store, &services);
    network_policies(store, &services);
    hint_topology(store, &services);
    follow_pods(store, T0);
}

// ---------------------------------------------------------------- made once

/// One class per class name the volumes and claims use, shaped after the
/// provisioner that serves it; `gp3` (or else the first) is the default.
fn storage_classes(store: &Store) {
    let mut names = BTreeSet::new();
    for obj in store.objects(Resource::PersistentVolumes).values() {
        if let Ok(pv) = serde_json::from_slice::<PersistentVolume>(&obj.body) {
            names.extend(pv.spec.and_then(|s| s.storage_class_name));
        }
    }
    for obj in store.objects(Resource::PersistentVolumeClaims).values() {
        if let Ok(pvc) = serde_json::from_slice::<PersistentVolumeClaim>(&obj.body) {
            names.extend(pvc.spec.and_then(|s| s.storage_class_name));
        }
    }
    let default = if names.contains("gp3") {
        Some("gp3".to_string())
    } else {
        names.first().cloned()
    };
    for (i, name) in names.iter().enumerate() {
        let b = builders::storage_class(name, provisioner(name))
            .created(T0 - 90 * DAY + i as i64)
            .label("app.kubernetes.io/part-of", "platform-storage");
        let b = match name.as_str() {
            "gp3" => b
                .reclaim_policy("Delete")
                .binding_mode("WaitForFirstConsumer")
                .allow_expansion()
                .parameter("type", "gp3")
                .parameter("encrypted", "true"),
            "local-storage" => b.binding_mode("WaitForFirstConsumer"),
            "ceph-rbd" => b
                .reclaim_policy("Retain")
                .binding_mode("Immediate")
                .allow_expansion()
                .parameter("clusterID", "ceph-prod")
                .parameter("pool", "kube"),
            "nfs-client" => b
                .reclaim_policy("Delete")
                .parameter("archiveOnDelete", "false"),
            // Made by hand without policies: the API's defaults apply.
            _ => b,
        };
        let b = if default.as_ref() == Some(name) {
            b.default_class()
        } else {
            b
        };
        put(store, &b.build());
    }
}

fn provisioner(class: &str) -> &'static str {
    match class {
        "gp3" => "ebs.csi.aws.com",
        "ceph-rbd" => "rbd.csi.ceph.com",
        "nfs-client" => "cluster.local/nfs-subdir-external-provisioner",
        _ => "kubernetes.io/no-provisioner",
    }
}

fn ingress_classes(store: &Store) {
    let nginx = builders::ingress_class("nginx", "k8s.io/ingress-nginx")
        .created(T0 - 80 * DAY)
        .label("app.kubernetes.io/name", "ingress-nginx")
        .label("app.kubernetes.io/component", "controller")
        .default_class()
        .build();
    put(store, &nginx);
    let alb = builders::ingress_class("alb", "ingress.k8s.aws/alb")
        .created(T0 - 60 * DAY)
        .label("app.kubernetes.io/name", "aws-load-balancer-controller")
        .build();
    put(store, &alb);
}

/// The services, decoded, in store order (by namespace, then name).
fn services(store: &Store) -> Vec<Service> {
    store
        .objects(Resource::Services)
        .values()
        .filter_map(|o| serde_json::from_slice::<Service>(&o.body).ok())
        .collect()
}

fn name_of(s: &Service) -> (&str, &str) {
    (
        s.metadata.namespace.as_deref().unwrap_or_default(),
        s.metadata.name.as_deref().unwrap_or_default(),
    )
}

fn selector_of(s: &Service) -> Option<&BTreeMap<String, String>> {
    s.spec
        .as_ref()
        .and_then(|spec| spec.selector.as_ref())
        .filter(|sel| !sel.is_empty())
}

/// `ClusterIP`, `Headless`, `NodePort`, `LoadBalancer` or `ExternalName`.
fn service_type(s: &Service) -> &str {
    let spec = s.spec.as_ref();
    let type_ = spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
    let headless = spec.and_then(|s| s.cluster_ip.as_deref()) == Some("None");
    if type_ == "ClusterIP" && headless {
        "Headless"
    } else {
        type_
    }
}

fn created_of(s: &Service) -> i64 {
    s.metadata
        .creation_timestamp
        .as_ref()
        .map_or(T0, |t| t.0.as_second())
}

/// An ingress in front of the first application service of each type,
/// each exercising another shape: TLS or not, a class by name, by the
/// legacy annotation or none (the default), paths of every type, a
/// resource backend, a default backend alone.
fn ingresses(store: &Store, services: &[Service]) {
    let mut seen = BTreeSet::new();
    for s in services {
        let (ns, name) = name_of(s);
        let type_ = service_type(s);
        if ns == INGRESS_NAMESPACE || ns == "kube-system" || ns == "default" || !seen.insert(type_)
        {
            continue;
        }
        let port = s
            .spec
            .as_ref()
            .and_then(|spec| spec.ports.as_ref())
            .and_then(|p| p.first())
            .map_or(80, |p| p.port);
        let host = format!("{name}.{ns}.example.com");
        let b = builders::ingress(name)
            .in_ns(ns)
            .created(created_of(s) + 60)
            .label("app", name);
        let b = match type_ {
            "ClusterIP" => b
                .class("nginx")
                .tls(&[&host], &format!("{name}-tls"))
                .path(&host, "/", "Prefix", name, port)
                .resource_path(
                    &host,
                    "/assets",
                    "Prefix",
                    ("storage.example.com", "Bucket", &format!("{name}-assets")),
                )
                .load_balancer_ip(INGRESS_NGINX_IP),
            "Headless" => b
                .annotation("kubernetes.io/ingress.class", "nginx")
                .path(&host, "/", "ImplementationSpecific", name, port)
                .load_balancer_ip(INGRESS_NGINX_IP),
            "NodePort" => b
                .class("alb")
                .annotation("alb.ingress.kubernetes.io/scheme", "internet-facing")
                .tls(&[&host, &format!("www.{host}")], &format!("{name}-tls"))
                .path(&host, "/", "Prefix", name, port)
                .path(&host, "/healthz", "Exact", name, port),
            // No class: the default class (nginx) takes it.
            "LoadBalancer" => b
                .default_backend(name, port)
                .load_balancer_ip(INGRESS_NGINX_IP),
            _ => b
                .class("nginx")
                .path(&host, "/", "Prefix", name, port)
                .load_balancer_ip(INGRESS_NGINX_IP),
        };
        put(store, &b.build());
    }
}

/// Per application namespace, a default deny of ingress and a policy per
/// service letting the ingress controller and the service's own pods in,
/// and DNS and HTTPS (but not the metadata service) out; one namespace
/// also denies egress by default.
fn network_policies(store: &Store, services: &[Service]) {
    let mut by_ns: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
    for s in services {
        let (ns, _) = name_of(s);
        if selector_of(s).is_some() && !matches!(ns, "kube-system" | "default" | INGRESS_NAMESPACE)
        {
            by_ns.entry(ns).or_default().push(s);
        }
    }
    let created = T0 - 20 * DAY;
    for (i, (ns, services)) in by_ns.into_iter().enumerate() {
        let deny = builders::network_policy("default-deny-ingress")
            .in_ns(ns)
            .created(created)
            .isolate_ingress()
            .build();
        put(store, &deny);
        if i == 0 {
            let deny = builders::network_policy("default-deny-egress")
                .in_ns(ns)
                .created(created)
                .isolate_egress()
                .build();
            put(store, &deny);
        }
        for s in services.iter().take(2) {
            let (_, name) = name_of(s);
            let Some((key, value)) = selector_of(s).and_then(|sel| sel.iter().next()) else {
                continue;
            };
            let port = s
                .spec
                .as_ref()
                .and_then(|spec| spec.ports.as_ref())
                .and_then(|p| p.first())
                .map_or(8080, target_port);
            let policy = builders::network_policy(&format!("allow-{name}"))
                .in_ns(ns)
                .created(created + 3600)
                .label("team", ns)
                .annotation("policy.example.com/reviewed-by", "sre")
                .pods(key, value)
                .allow_from(
                    Some(("kubernetes.io/metadata.name", INGRESS_NAMESPACE)),
                    None,
                    port,
                )
                .allow_from(None, Some((key, value)), port)
                .allow_to_pods(("k8s-app", "kube-dns"), 53, "UDP")
                .allow_to_cidr("0.0.0.0/0", &["169.254.169.254/32"], 443)
                .build();
            put(store, &policy);
        }
    }
}

/// Turns on topology-aware routing for the first services whose pods are
/// spread over several zones (a user annotating them).
fn hint_topology(store: &Store, services: &[Service]) {
    let pods = pods(store);
    let zones = zones(store);
    let mut hinted = 0;
    for s in services {
        if hinted == HINTED_SERVICES {
            break;
        }
        let (ns, _) = name_of(s);
        let Some(selector) = selector_of(s) else {
            continue;
        };
        let spread: BTreeSet<&str> = pods
            .selected(ns, selector)
            .filter_map(|p| zones.get(p.spec.node_name.as_str()).map(String::as_str))
            .collect();
        if spread.len() < 2 {
            continue;
        }
        let mut s = s.clone();
        s.metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(TOPOLOGY_MODE.into(), "Auto".into());
        put(store, &s);
        hinted += 1;
    }
}

// ---------------------------------------------------------------- following the pods

/// The fields of a pod the endpoint and attach controllers read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PodView {
    metadata: PodMeta,
    spec: PodSpecView,
    status: PodStatusView,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodMeta {
    name: String,
    namespace: String,
    uid: String,
    labels: BTreeMap<String, String>,
    deletion_timestamp: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodSpecView {
    node_name: String,
    hostname: Option<String>,
    subdomain: Option<String>,
    volumes: Vec<VolumeView>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct VolumeView {
    persistent_volume_claim: Option<ClaimSource>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ClaimSource {
    claim_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PodStatusView {
    phase: String,
    #[serde(rename = "podIP")]
    pod_ip: Option<String>,
    conditions: Vec<ConditionView>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConditionView {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

impl PodView {
    fn selected_by(&self, ns: &str, selector: &BTreeMap<String, String>) -> bool {
        self.metadata.namespace == ns
            && selector
                .iter()
                .all(|(k, v)| self.metadata.labels.get(k) == Some(v))
    }
    fn ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    }
    fn terminating(&self) -> bool {
        self.metadata.deletion_timestamp.is_some()
    }
    /// Finished pods hold no endpoint and no volume.
    fn active(&self) -> bool {
        !matches!(self.status.phase.as_str(), "Succeeded" | "Failed")
    }
}

/// Every pod, indexed by namespace and label so that finding a service's
/// pods does not scan the cluster once per service.
struct Pods {
    all: Vec<PodView>,
    by_label: HashMap<(String, String, String), Vec<usize>>,
}

impl Pods {
    /// The pods a selector picks in a namespace.
    fn selected<'a>(
        &'a self,
        ns: &'a str,
        selector: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a PodView> + 'a {
        let candidates = selector
            .iter()
            .next()
            .and_then(|(k, v)| self.by_label.get(&(ns.to_string(), k.clone(), v.clone())));
        candidates
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
            .filter(move |p| p.selected_by(ns, selector))
    }
}

fn pods(store: &Store) -> Pods {
    let all: Vec<PodView> = store
        .objects(Resource::Pods)
        .values()
        .filter_map(|o| serde_json::from_slice::<PodView>(&o.body).ok())
        .collect();
    let mut by_label: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
    for (i, p) in all.iter().enumerate() {
        for (k, v) in &p.metadata.labels {
            by_label
                .entry((p.metadata.namespace.clone(), k.clone(), v.clone()))
                .or_default()
                .push(i);
        }
    }
    Pods { all, by_label }
}

/// Node name to zone.
fn zones(store: &Store) -> HashMap<String, String> {
    node_facts(store)
        .into_iter()
        .filter_map(|n| Some((n.name, n.zone?)))
        .collect()
}

struct NodeFacts {
    name: String,
    zone: Option<String>,
    internal_ip: Option<String>,
    control_plane: bool,
}

fn node_facts(store: &Store) -> Vec<NodeFacts> {
    store
        .objects(Resource::Nodes)
        .values()
        .filter_map(|o| serde_json::from_slice::<k8s_openapi::api::core::v1::Node>(&o.body).ok())
        .map(|n| {
            let labels = n.metadata.labels.unwrap_or_default();
            NodeFacts {
                name: n.metadata.name.unwrap_or_default(),
                zone: labels.get("topology.kubernetes.io/zone").cloned(),
                control_plane: labels.contains_key("node-role.kubernetes.io/control-plane"),
                internal_ip: n
                    .status
                    .and_then(|s| s.addresses)
                    .and_then(|a| a.into_iter().find(|a| a.type_ == "InternalIP"))
                    .map(|a| a.address),
            }
        })
        .collect()
}

fn target_port(p: &k8s_openapi::api::core::v1::ServicePort) -> i32 {
    match &p.target_port {
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => *n,
        _ => p.port,
    }
}

/// What the controllers want to exist, by store key.
#[derive(Default)]
struct Wanted {
    endpoints: BTreeMap<String, Value>,
    slices: BTreeMap<String, Value>,
    attachments: BTreeMap<String, Value>,
}

fn want<T: Serialize>(map: &mut BTreeMap<String, Value>, key: String, obj: &T) {
    if let Ok(value) = serde_json::to_value(obj) {
        map.insert(key, value);
    }
}

/// Brings every Endpoints, EndpointSlice and VolumeAttachment in line with
/// the pods, services and volumes as they are now: writes what changed
/// (stamped with `at`, Unix seconds, as the change's trigger time),
/// deletes what no longer should exist, leaves the rest untouched (no
/// watch event).
pub(crate) fn follow_pods(store: &Store, at: i64) {
    let pods = pods(store);
    let nodes = node_facts(store);
    let zones: HashMap<&str, &str> = nodes
        .iter()
        .filter_map(|n| Some((n.name.as_str(), n.zone.as_deref()?)))
        .collect();
    let mut wanted = Wanted::default();
    let trigger = builders::time(at).0.to_string();
    for s in services(store) {
        service_endpoints(&s, &pods, &nodes, &zones, &trigger, &mut wanted);
    }
    volume_attachments(store, &pods, &nodes, &mut wanted);
    apply(store, Resource::Endpoints, &wanted.endpoints);
    apply(store, Resource::EndpointSlices, &wanted.slices);
    apply(store, Resource::VolumeAttachments, &wanted.attachments);
}

/// The Endpoints and slices of one service: its pods with an IP (ready
/// ones as addresses, unready as not-ready addresses, terminating ones
/// only in slices), on the service's target ports. The `kubernetes`
/// service's endpoints are the control plane's API servers.
fn service_endpoints(
    s: &Service,
    pods: &Pods,
    nodes: &[NodeFacts],
    zones: &HashMap<&str, &str>,
    trigger: &str,
    wanted: &mut Wanted,
) {
    let (ns, name) = name_of(s);
    if service_type(s) == "ExternalName" {
        return;
    }
    let created = created_of(s) + 1;
    let uid = s.metadata.uid.as_deref().unwrap_or_default();
    let ports: Vec<(String, i32, String)> = s
        .spec
        .as_ref()
        .and_then(|spec| spec.ports.as_ref())
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                target_port(p),
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            )
        })
        .collect();
    let mut endpoints = builders::endpoints(name)
        .in_ns(ns)
        .created(created)
        .annotation(TRIGGER_TIME, trigger);
    for (k, v) in s.metadata.labels.iter().flatten() {
        endpoints = endpoints.label(k, v);
    }
    for (port_name, port, protocol) in &ports {
        endpoints = endpoints.port(port_name, *port, protocol);
    }
    let hinted = s
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(TOPOLOGY_MODE))
        .is_some_and(|m| m == "Auto");
    let mut members: Vec<SliceMember> = Vec::new();
    match selector_of(s) {
        Some(selector) => {
            for p in pods.selected(ns, selector).filter(|p| p.active()) {
                let Some(ip) = p.status.pod_ip.as_deref() else {
                    continue;
                };
                let node = p.spec.node_name.as_str();
                if !p.terminating() {
                    endpoints = endpoints.address(
                        ip,
                        Some(node),
                        Some((&p.metadata.name, &p.metadata.uid)),
                        p.ready(),
                    );
                }
                let headless_member =
                    service_type(s) == "Headless" && p.spec.subdomain.as_deref() == Some(name);
                members.push(SliceMember {
                    address: ip.to_string(),
                    ready: p.ready() && !p.terminating(),
                    serving: p.ready(),
                    terminating: p.terminating(),
                    pod: Some((p.metadata.name.clone(), p.metadata.uid.clone())),
                    node: Some(node.to_string()),
                    hostname: p.spec.hostname.clone().filter(|_| headless_member),
                });
            }
        }
        None if (ns, name) == ("default", "kubernetes") => {
            for n in nodes.iter().filter(|n| n.control_plane) {
                let Some(ip) = n.internal_ip.as_deref() else {
                    continue;
                };
                endpoints = endpoints.address(ip, None, None, true);
                members.push(SliceMember {
                    address: ip.to_string(),
                    ready: true,
                    serving: true,
                    terminating: false,
                    pod: None,
                    node: None,
                    hostname: None,
                });
            }
        }
        // Endpoints of a service without selector are its owner's to write.
        None => return,
    }
    want(
        &mut wanted.endpoints,
        format!("{ns}/{name}"),
        &endpoints.build(),
    );
    let chunks: Vec<&[SliceMember]> = if members.is_empty() {
        vec![&[]]
    } else {
        members.chunks(MAX_ENDPOINTS_PER_SLICE).collect()
    };
    for (i, chunk) in chunks.into_iter().enumerate() {
        let slice_name = if (ns, name) == ("default", "kubernetes") {
            name.to_string()
        } else {
            format!("{name}-{}", slice_suffix(uid, i))
        };
        let mut b = builders::endpoint_slice(&slice_name, "IPv4")
            .in_ns(ns)
            .created(created)
            .label(SERVICE_NAME_LABEL, name)
            .label(MANAGED_BY.0, MANAGED_BY.1)
            .annotation(TRIGGER_TIME, trigger)
            .owner("Service", name, uid, true);
        for (port_name, port, protocol) in &ports {
            b = b.port(port_name, *port, protocol);
        }
        for m in chunk {
            b = b.endpoint(&m.address, m.ready, m.serving, m.terminating);
            if let Some((pod, pod_uid)) = &m.pod {
                b = b.target_pod(pod, pod_uid);
            }
            if let Some(node) = &m.node {
                let zone = zones.get(node.as_str()).copied().unwrap_or_default();
                b = b.on_node(node, zone);
                if hinted && !zone.is_empty() {
                    b = b.hint(zone);
                }
            }
            if let Some(hostname) = &m.hostname {
                b = b.hostname(hostname);
            }
        }
        want(&mut wanted.slices, format!("{ns}/{slice_name}"), &b.build());
    }
}

struct SliceMember {
    address: String,
    ready: bool,
    serving: bool,
    terminating: bool,
    /// `(name, uid)` of the pod behind the address.
    pod: Option<(String, String)>,
    node: Option<String>,
    hostname: Option<String>,
}

/// Five characters that stay the same for a service's n-th slice, like
/// the random suffix the controller picks once.
fn slice_suffix(uid: &str, n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = fnv1a(format!("{uid}/{n}").as_bytes());
    (0..5)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `csi-` and 64 hex digits, as the attach/detach controller names an
/// attachment from the volume handle, driver and node.
fn attachment_name(handle: &str, driver: &str, node: &str) -> String {
    let mut name = String::from("csi-");
    for round in 0..4u8 {
        let h = fnv1a(format!("{round}{handle}{driver}{node}").as_bytes());
        name.push_str(&format!("{h:016x}"));
    }
    name
}

/// A VolumeAttachment for every CSI volume a scheduled pod mounts through
/// its claim (attached once the pod runs, still attaching before), and
/// one for the Failed volume its provisioner could not delete because it
/// is still attached.
fn volume_attachments(store: &Store, pods: &Pods, nodes: &[NodeFacts], wanted: &mut Wanted) {
    let volumes: HashMap<String, PersistentVolume> = store
        .objects(Resource::PersistentVolumes)
        .iter()
        .filter_map(|(key, o)| Some((key.clone(), serde_json::from_slice(&o.body).ok()?)))
        .collect();
    let claims: HashMap<String, String> = store
        .objects(Resource::PersistentVolumeClaims)
        .iter()
        .filter_map(|(key, o)| {
            let claim = serde_json::from_slice::<PersistentVolumeClaim>(&o.body).ok()?;
            Some((key.clone(), claim.spec?.volume_name?))
        })
        .collect();
    let csi = |volume: &str| {
        let pv = volumes.get(volume)?;
        let csi = pv.spec.as_ref()?.csi.as_ref()?;
        Some((csi.driver.clone(), csi.volume_handle.clone(), pv))
    };
    let mut attach = |volume: &str, node: &str, running: bool, created: i64| {
        let Some((driver, handle, _)) = csi(volume) else {
            return;
        };
        let name = attachment_name(&handle, &driver, node);
        let mut b = builders::volume_attachment(&name, &driver, node, volume).created(created);
        if running {
            let device = format!("/dev/xvd{}", &name[4..6]);
            b = b.attached(&[("devicePath", &device)]);
        }
        want(&mut wanted.attachments, name, &b.build());
    };
    for p in pods
        .all
        .iter()
        .filter(|p| p.active() && !p.spec.node_name.is_empty())
    {
        for v in &p.spec.volumes {
            let Some(claim) = &v.persistent_volume_claim else {
                continue;
            };
            let key = format!("{}/{}", p.metadata.namespace, claim.claim_name);
            if let Some(volume) = claims.get(&key) {
                let running = p.status.phase == "Running";
                attach(volume, &p.spec.node_name, running, T0 - 30 * DAY);
            }
        }
    }
    let worker = nodes.iter().find(|n| !n.control_plane);
    for (name, pv) in &volumes {
        let failed = pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed");
        if let (true, Some(node)) = (failed, worker) {
            attach(name, &node.name, true, T0 - 45 * DAY);
        }
    }
}

/// Writes each wanted object whose content (all but metadata) differs
/// from the stored one, and deletes the stored objects of the kind that
/// the controllers manage and no longer want (slices only with their
/// controller's label; objects that do not decode are not theirs).
fn apply(store: &Store, kind: Resource, wanted: &BTreeMap<String, Value>) {
    let stored = store.objects(kind);
    for (key, obj) in stored.iter() {
        let managed = serde_json::from_slice::<Value>(&obj.body).is_ok_and(|v| {
            kind != Resource::EndpointSlices
                || v["metadata"]["labels"][MANAGED_BY.0].as_str() == Some(MANAGED_BY.1)
        });
        if managed && !wanted.contains_key(key) {
            let ns = key_namespace(kind, key);
            let name = key.rsplit('/').next().unwrap_or(key);
            store.delete(kind, ns, name);
        }
    }
    for (key, value) in wanted {
        let unchanged = stored
            .get(key)
            .and_then(|o| serde_json::from_slice::<Value>(&o.body).ok())
            .is_some_and(|old| without_metadata(&old) == without_metadata(value));
        if !unchanged && let Err(e) = store.upsert(kind, value.clone()) {
            tracing::warn!(kind = kind.kind(), error = %e, "simulator could not store a derived object");
        }
    }
}

fn without_metadata(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("metadata");
        map.remove("kind");
        map.remove("apiVersion");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;
    use crate::sim::churn::Churner;
    use k8s_openapi::api::core::v1::{Endpoints, Pod};
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
    use k8s_openapi::api::storage::v1::{StorageClass, VolumeAttachment};
    use k8s_openapi::serde::de::DeserializeOwned;

    fn cluster(seed: u64) -> Store {
        let store = Store::new(1);
        super::super::populate(
            &store,
            &SimConfig {
                seed,
                nodes: 6,
                pods_per_node: 15,
                churn_interval: None,
            },
        );
        store
    }

    fn all<T: DeserializeOwned>(store: &Store, kind: Resource) -> Vec<T> {
        store
            .objects(kind)
            .values()
            .map(|o| serde_json::from_slice(&o.body).expect("stored objects decode"))
            .collect()
    }

    fn ns_name(
        meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    ) -> (String, String) {
        (
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        )
    }

    /// Checks every service's Endpoints and slices against its pods as
    /// they are in the store, read through k8s-openapi's types (not the
    /// controller's own view): ready, non-terminating pods are ready
    /// addresses; other live pods with an IP are not-ready addresses or,
    /// when terminating, only in slices, marked so.
    fn assert_endpoints_follow_pods(store: &Store) {
        let pods: Vec<Pod> = all(store, Resource::Pods);
        let endpoints: BTreeMap<(String, String), Endpoints> =
            all::<Endpoints>(store, Resource::Endpoints)
                .into_iter()
                .map(|e| (ns_name(&e.metadata), e))
                .collect();
        let slices: Vec<EndpointSlice> = all(store, Resource::EndpointSlices);
        let mut checked = 0;
        for s in services(store) {
            let (ns, name) = name_of(&s);
            let Some(selector) = selector_of(&s) else {
                continue;
            };
            let mut ready = BTreeSet::new();
            let mut not_ready = BTreeSet::new();
            let mut terminating = BTreeSet::new();
            for p in &pods {
                let labels = p.metadata.labels.clone().unwrap_or_default();
                let status = p.status.clone().unwrap_or_default();
                let selected = p.metadata.namespace.as_deref() == Some(ns)
                    && selector.iter().all(|(k, v)| labels.get(k) == Some(v));
                let finished = matches!(status.phase.as_deref(), Some("Succeeded" | "Failed"));
                let Some(ip) = status.pod_ip.clone().filter(|_| selected && !finished) else {
                    continue;
                };
                let is_ready = status
                    .conditions
                    .unwrap_or_default()
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True");
                if p.metadata.deletion_timestamp.is_some() {
                    terminating.insert(ip);
                } else if is_ready {
                    ready.insert(ip);
                } else {
                    not_ready.insert(ip);
                }
            }
            let ep = endpoints
                .get(&(ns.to_string(), name.to_string()))
                .unwrap_or_else(|| panic!("no endpoints for {ns}/{name}"));
            let ips = |f: fn(
                &k8s_openapi::api::core::v1::EndpointSubset,
            )
                -> Option<&Vec<k8s_openapi::api::core::v1::EndpointAddress>>|
             -> BTreeSet<String> {
                ep.subsets
                    .iter()
                    .flatten()
                    .filter_map(f)
                    .flatten()
                    .map(|a| a.ip.clone())
                    .collect()
            };
            assert_eq!(ips(|s| s.addresses.as_ref()), ready, "{ns}/{name} ready");
            assert_eq!(
                ips(|s| s.not_ready_addresses.as_ref()),
                not_ready,
                "{ns}/{name} not ready"
            );
            let mut in_slices: BTreeMap<String, (bool, bool)> = BTreeMap::new();
            for slice in slices.iter().filter(|sl| {
                sl.metadata.namespace.as_deref() == Some(ns)
                    && sl
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(SERVICE_NAME_LABEL))
                        == Some(&name.to_string())
            }) {
                for e in slice.endpoints.iter().flatten() {
                    let c = e.conditions.clone().unwrap_or_default();
                    let previous = in_slices.insert(
                        e.addresses[0].clone(),
                        (c.ready == Some(true), c.terminating == Some(true)),
                    );
                    assert!(previous.is_none(), "{ns}/{name}: {:?} twice", e.addresses);
                }
            }
            let expected: BTreeMap<String, (bool, bool)> = ready
                .iter()
                .map(|ip| (ip.clone(), (true, false)))
                .chain(not_ready.iter().map(|ip| (ip.clone(), (false, false))))
                .chain(terminating.iter().map(|ip| (ip.clone(), (false, true))))
                .collect();
            assert_eq!(in_slices, expected, "{ns}/{name} slices");
            checked += 1;
        }
        assert!(checked > 10, "only {checked} services checked");
    }

    #[test]
    fn endpoints_and_slices_follow_the_pods_through_churn() {
        let store = cluster(7);
        assert_endpoints_follow_pods(&store);
        let slices: Vec<EndpointSlice> = all(&store, Resource::EndpointSlices);
        let conditions: BTreeSet<(Option<bool>, Option<bool>, Option<bool>)> = slices
            .iter()
            .flat_map(|s| s.endpoints.iter().flatten())
            .map(|e| {
                let c = e.conditions.clone().unwrap_or_default();
                (c.ready, c.serving, c.terminating)
            })
            .collect();
        for wanted in [
            (Some(true), Some(true), Some(false)),
            (Some(false), Some(false), Some(false)),
        ] {
            assert!(
                conditions.contains(&wanted),
                "no endpoint {wanted:?}: {conditions:?}"
            );
        }
        assert!(
            slices
                .iter()
                .flat_map(|s| s.endpoints.iter().flatten())
                .any(|e| e.hints.is_some()),
            "no topology hints"
        );
        let kubernetes = store
            .get(Resource::EndpointSlices, "default", "kubernetes")
            .expect("the API server's own slice");
        assert!(String::from_utf8_lossy(&kubernetes.body).contains("6443"));

        let mut churner = Churner::new(7);
        let rv_before = store.current_rv();
        for _ in 0..60 {
            churner.tick(&store);
        }
        assert!(store.current_rv() > rv_before);
        assert_endpoints_follow_pods(&store);

        // A tick with nothing new to follow writes nothing.
        let rv = store.current_rv();
        follow_pods(&store, T0 + DAY);
        assert_eq!(store.current_rv(), rv);
    }

    #[test]
    fn the_same_seed_gives_the_same_objects() {
        let (a, b) = (cluster(11), cluster(11));
        for kind in [
            Resource::Ingresses,
            Resource::IngressClasses,
            Resource::Endpoints,
            Resource::EndpointSlices,
            Resource::NetworkPolicies,
            Resource::StorageClasses,
            Resource::VolumeAttachments,
        ] {
            let bodies = |s: &Store| -> Vec<Vec<u8>> {
                s.objects(kind).values().map(|o| o.body.to_vec()).collect()
            };
            assert!(!bodies(&a).is_empty(), "no {kind}");
            assert_eq!(bodies(&a), bodies(&b), "{kind}");
        }
    }

    #[test]
    fn classes_ingresses_policies_and_attachments() {
        let store = cluster(3);
        let classes: Vec<StorageClass> = all(&store, Resource::StorageClasses);
        let default_class = |annotations: &Option<BTreeMap<String, String>>, key: &str| {
            annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .is_some_and(|v| v == "true")
        };
        let defaults: Vec<&str> = classes
            .iter()
            .filter(|c| {
                default_class(
                    &c.metadata.annotations,
                    "storageclass.kubernetes.io/is-default-class",
                )
            })
            .filter_map(|c| c.metadata.name.as_deref())
            .collect();
        assert_eq!(defaults, ["gp3"]);
        let class_names: BTreeSet<String> = classes
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        for pv in all::<PersistentVolume>(&store, Resource::PersistentVolumes) {
            let class = pv
                .spec
                .and_then(|s| s.storage_class_name)
                .unwrap_or_default();
            assert!(class_names.contains(&class), "no storage class {class}");
        }
        for pvc in all::<PersistentVolumeClaim>(&store, Resource::PersistentVolumeClaims) {
            let class = pvc
                .spec
                .and_then(|s| s.storage_class_name)
                .unwrap_or_default();
            assert!(class_names.contains(&class), "no storage class {class}");
        }

        let ingress_classes: Vec<IngressClass> = all(&store, Resource::IngressClasses);
        assert_eq!(
            ingress_classes
                .iter()
                .filter(|c| default_class(
                    &c.metadata.annotations,
                    "ingressclass.kubernetes.io/is-default-class"
                ))
                .count(),
            1
        );
        // One ingress per service type, each pointing at its service.
        let ingresses: Vec<Ingress> = all(&store, Resource::Ingresses);
        let services: BTreeMap<(String, String), Service> = services(&store)
            .into_iter()
            .map(|s| (ns_name(&s.metadata), s))
            .collect();
        let types: BTreeSet<&str> = ingresses
            .iter()
            .map(|i| service_type(&services[&ns_name(&i.metadata)]))
            .collect();
        assert_eq!(
            types,
            [
                "ClusterIP",
                "ExternalName",
                "Headless",
                "LoadBalancer",
                "NodePort"
            ]
            .into()
        );
        let text = serde_json::to_string(&ingresses).unwrap();
        for needle in [
            "\"tls\"",
            "defaultBackend",
            "\"resource\"",
            "\"pathType\":\"Exact\"",
            "kubernetes.io/ingress.class",
        ] {
            assert!(text.contains(needle), "no ingress has {needle}");
        }

        let policies: Vec<NetworkPolicy> = all(&store, Resource::NetworkPolicies);
        let rules = |p: &NetworkPolicy| {
            let spec = p.spec.clone().unwrap_or_default();
            (
                spec.ingress.map_or(0, |r| r.len()),
                spec.egress.map_or(0, |r| r.len()),
            )
        };
        assert!(policies.iter().any(|p| rules(p) == (0, 0)));
        assert!(policies.iter().any(|p| rules(p) == (2, 2)));

        // Every attachment is of a CSI volume, on a node that exists.
        let attachments: Vec<VolumeAttachment> = all(&store, Resource::VolumeAttachments);
        assert!(
            attachments
                .iter()
                .any(|a| a.status.as_ref().is_some_and(|s| s.attached))
        );
        for a in &attachments {
            let volume = a.spec.source.persistent_volume_name.as_deref().unwrap();
            let pv: PersistentVolume = serde_json::from_slice(
                &store
                    .get(Resource::PersistentVolumes, "", volume)
                    .unwrap()
                    .body,
            )
            .unwrap();
            assert_eq!(pv.spec.unwrap().csi.unwrap().driver, a.spec.attacher);
            assert!(store.get(Resource::Nodes, "", &a.spec.node_name).is_some());
        }
    }
}
