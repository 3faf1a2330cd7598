//! Namespaces, resource quotas, claims and volumes, derived from what the
//! rest of the generator made, as the control plane would: a Namespace for
//! every namespace an object lives in (and one stuck Terminating), a claim
//! for every claim a pod mounts (StatefulSet claims, generic ephemeral
//! volumes) bound to a dynamically provisioned volume, a few static volumes
//! (local disks, one Released, one Failed), and a quota per namespace whose
//! `used` is what the quota controller would count from those pods and
//! claims (one nearly full).
//!
//! Runs after every other object exists and draws from its own random
//! stream, so the objects made before it do not change.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::ResourceQuota;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::kinds::Resource;
use crate::objects::Pod;

use super::super::builders;
use super::super::rng::Rng;
use super::super::store::{Store, key_namespace};
use super::{DAY, T0, put};

/// Deleted a while ago and stuck: a claim in it still has its finalizer.
pub(crate) const TERMINATING_NAMESPACE: &str = "legacy-apps";
/// Namespaces every cluster has, whether or not anything lives in them.
pub(crate) const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];
/// The quota kept nearly full: the first of these with pods.
const TIGHT_QUOTA_NAMESPACES: [&str; 3] = ["payments", "shop", "default"];
/// The namespace of the Ceph volume.
const CEPH_NAMESPACE: &str = "payments";
pub(crate) const QUOTA_NAME: &str = "compute-resources";
/// Static local disks waiting for a claim of their class.
pub(crate) const LOCAL_CLASS: &str = "local-storage";
/// The claim that waits for a local disk, bound and released by churn.
pub(crate) const WAITING_CLAIM: (&str, &str) = ("data", "restore-scratch");
const EBS_DRIVER: &str = "ebs.csi.aws.com";
/// What the jobs' generic ephemeral volume templates request.
const EPHEMERAL_SIZE: &str = "10Gi";

pub(crate) fn populate(store: &Store, seed: u64) {
    let mut rng = Rng::new(seed.rotate_left(29) ^ 0x0570_9A6E);
    let namespaces = namespaces(store);
    claims_of_pods(store, &mut rng);
    static_volumes(store, &mut rng, &namespaces);
    let with_pods: Vec<&String> = namespaces
        .iter()
        .filter(|ns| ns.as_str() != TERMINATING_NAMESPACE && has_pods(store, ns))
        .collect();
    let tight = TIGHT_QUOTA_NAMESPACES
        .iter()
        .find(|ns| with_pods.iter().any(|n| n == *ns));
    for ns in with_pods {
        put(store, &quota(store, ns, tight == Some(&ns.as_str())));
    }
}

/// One Namespace per namespace in use, plus the system ones and the one
/// being deleted. Returns their names.
fn namespaces(store: &Store) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = SYSTEM_NAMESPACES.iter().map(|n| n.to_string()).collect();
    for kind in Resource::ALL.iter().filter(|k| k.namespaced()) {
        for key in store.objects(*kind).keys() {
            names.insert(key_namespace(*kind, key).to_string());
        }
    }
    names.insert(WAITING_CLAIM.0.to_string());
    for (i, name) in names.iter().enumerate() {
        let system = SYSTEM_NAMESPACES.contains(&name.as_str());
        let mut b = builders::namespace(name).created(if system {
            T0 - 90 * DAY
        } else {
            T0 - 80 * DAY + i as i64 * 3600
        });
        if !system {
            b = b.label("pod-security.kubernetes.io/enforce", "baseline");
        }
        put(store, &b.build());
    }
    // Deleted an hour ago; the content controller cannot finish because a
    // claim keeps its protection finalizer.
    let deleted = T0 - 3600;
    let ns = builders::namespace(TERMINATING_NAMESPACE)
        .created(T0 - 200 * DAY)
        .deleted(deleted)
        .annotation("owner", "team-legacy")
        .phase("Terminating")
        .condition(
            "NamespaceDeletionDiscoveryFailure",
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
            deleted,
        )
        .condition(
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
            deleted,
        )
        .condition(
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
            deleted,
        )
        .condition(
            "NamespaceContentRemaining",
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: persistentvolumeclaims. has 1 resource instances",
            deleted + 5,
        )
        .condition(
            "NamespaceFinalizersRemaining",
            "True",
            "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 1 resource instances",
            deleted + 5,
        )
        .build();
    put(store, &ns);
    names.insert(TERMINATING_NAMESPACE.to_string());
    names
}

fn has_pods(store: &Store, ns: &str) -> bool {
    pods_in(store, ns).next().is_some()
}

/// The pods of one namespace, decoded (store keys are `ns/name`).
fn pods_in<'a>(store: &Store, ns: &'a str) -> impl Iterator<Item = Pod> + 'a {
    let pods = store.objects(Resource::Pods);
    let prefix = format!("{ns}/");
    let found: Vec<Pod> = pods
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter_map(|(_, obj)| serde_json::from_slice(&obj.body).ok())
        .collect();
    found.into_iter()
}

/// A claim some pod mounts.
struct Wanted {
    app: String,
    /// Mounted read-only by every replica: a shared NFS volume.
    shared: bool,
    /// A generic ephemeral volume: owned by its pod.
    owner: Option<(String, String)>,
    /// The consumer is not scheduled yet: WaitForFirstConsumer keeps the
    /// claim Pending.
    unscheduled: bool,
}

/// A claim for every claim a pod mounts, each bound to a volume made for
/// it, except those whose pod is not scheduled yet.
fn claims_of_pods(store: &Store, rng: &mut Rng) {
    let mut wanted: BTreeMap<(String, String), Wanted> = BTreeMap::new();
    for obj in store.objects(Resource::Pods).values() {
        let Ok(pod) = serde_json::from_slice::<Pod>(&obj.body) else {
            continue;
        };
        let meta = &pod.metadata;
        let app = meta
            .labels()
            .iter()
            .find(|(k, _)| &**k == "app")
            .map_or("", |(_, v)| &**v)
            .to_string();
        for volume in pod.rare().volumes.iter() {
            let (claim, owner) = if volume.ephemeral {
                let claim = format!("{}-{}", meta.name, &*volume.name);
                (claim, Some((meta.name.to_string(), meta.uid.to_string())))
            } else {
                (volume.claim.to_string(), None)
            };
            let key = (meta.namespace.to_string(), claim);
            let entry = wanted.entry(key).or_insert(Wanted {
                app: app.clone(),
                shared: volume.read_only,
                owner,
                unscheduled: true,
            });
            entry.unscheduled &= pod.spec.node_name.is_empty();
        }
    }
    let mut resizing = true;
    for ((ns, name), w) in wanted {
        let uid = rng.uuid();
        let created = T0 - 30 * DAY;
        let (class, size, mode) = if w.shared {
            ("nfs-client", "1Gi", "ReadOnlyMany")
        } else if w.owner.is_some() {
            ("gp3", EPHEMERAL_SIZE, "ReadWriteOnce")
        } else {
            ("gp3", "20Gi", "ReadWriteOnce")
        };
        let mut claim = builders::persistent_volume_claim(&name)
            .in_ns(&ns)
            .uid(&uid)
            .created(created)
            .storage_class(class)
            .access_mode(mode)
            .finalizer("kubernetes.io/pvc-protection");
        if !w.app.is_empty() {
            claim = claim.label("app", &w.app);
        }
        if let Some((pod, pod_uid)) = &w.owner {
            claim = claim.owner("Pod", pod, pod_uid, true);
        }
        if w.unscheduled {
            put(store, &claim.request(size).build());
            continue;
        }
        let volume = format!("pvc-{uid}");
        let mut pv = builders::persistent_volume(&volume)
            .created(created + 5)
            .storage_class(class)
            .access_mode(mode)
            .claim(&ns, &name, &uid)
            .phase("Bound")
            .finalizer("kubernetes.io/pv-protection");
        pv = if w.shared {
            pv.nfs(
                "nfs.storage.svc.cluster.local",
                &format!("/exports/{ns}-{name}-{volume}"),
            )
        } else {
            pv.csi(
                EBS_DRIVER,
                &format!("vol-0{}", rng.hex(16)),
                &[(
                    "storage.kubernetes.io/csiProvisionerIdentity",
                    "1767225600000-8081-ebs.csi.aws.com",
                )],
            )
            .annotation("pv.kubernetes.io/provisioned-by", EBS_DRIVER)
        };
        claim = claim
            .annotation("pv.kubernetes.io/bind-completed", "yes")
            .annotation("pv.kubernetes.io/bound-by-controller", "yes")
            .annotation("volume.kubernetes.io/storage-provisioner", EBS_DRIVER);
        // The first durable claim is being expanded: the volume has grown,
        // the file system on it not yet.
        if resizing && !w.shared && w.owner.is_none() {
            resizing = false;
            claim = claim.request("40Gi").bound(&volume, size).condition(
                "FileSystemResizePending",
                "True",
                T0 - 600,
            );
            pv = pv.capacity("40Gi");
        } else {
            claim = claim.request(size).bound(&volume, size);
            pv = pv.capacity(size);
        }
        put(store, &pv.build());
        put(store, &claim.build());
    }
}

/// Volumes not made for a pod's claim: local disks waiting for a claim,
/// a Released and a Failed volume, a Ceph volume, the claim stuck in the
/// namespace being deleted.
fn static_volumes(store: &Store, rng: &mut Rng, namespaces: &BTreeSet<String>) {
    for (i, (path, fs, mode)) in [
        ("/mnt/disks/ssd0", Some("ext4"), "Filesystem"),
        ("/mnt/disks/ssd1", None, "Block"),
    ]
    .into_iter()
    .enumerate()
    {
        let pv = builders::persistent_volume(&format!("local-pv-{}", rng.hex(8)))
            .created(T0 - 60 * DAY + i as i64)
            .storage_class(LOCAL_CLASS)
            .capacity("368Gi")
            .access_mode("ReadWriteOnce")
            .reclaim_policy("Retain")
            .volume_mode(Some(mode))
            .local(path, fs, &format!("node-{:04}", i + 1))
            .annotation(
                "pv.kubernetes.io/provisioned-by",
                "local-volume-provisioner",
            )
            .build();
        put(store, &pv);
    }
    // Waits for one of the local disks (churn binds it).
    let (ns, name) = WAITING_CLAIM;
    let claim = builders::persistent_volume_claim(name)
        .in_ns(ns)
        .created(T0 - 2 * 3600)
        .storage_class(LOCAL_CLASS)
        .access_mode("ReadWriteOnce")
        .request("100Gi")
        .finalizer("kubernetes.io/pvc-protection")
        .build();
    put(store, &claim);
    // Its claim deleted, the data kept for someone to look at.
    let pv = builders::persistent_volume("pv-old-backups")
        .created(T0 - 400 * DAY)
        .storage_class("manual")
        .capacity("500Gi")
        .access_mode("ReadWriteOnce")
        .reclaim_policy("Retain")
        .volume_mode(None)
        .host_path("/data/backups", "DirectoryOrCreate")
        .claim("data", "backups", &rng.uuid())
        .phase("Released")
        .build();
    put(store, &pv);
    // The provisioner could not delete the disk of a deleted claim.
    let handle = format!("vol-0{}", rng.hex(16));
    let pv = builders::persistent_volume(&format!("pvc-{}", rng.uuid()))
        .created(T0 - 45 * DAY)
        .storage_class("gp3")
        .capacity("8Gi")
        .access_mode("ReadWriteOnce")
        .csi(EBS_DRIVER, &handle, &[])
        .claim("shop", "cache-redis-0", &rng.uuid())
        .phase_because(
            "Failed",
            "VolumeFailedDelete",
            &format!("rpc error: code = Internal desc = Could not delete volume ID \"{handle}\": VolumeInUse: Volume {handle} is currently attached to i-0{}", rng.hex(16)),
        )
        .build();
    put(store, &pv);
    // A Ceph RBD volume, with the attributes kube-state-metrics' opt-in
    // family reads.
    if namespaces.contains(CEPH_NAMESPACE) {
        bound_pair(
            store,
            rng,
            (CEPH_NAMESPACE, "ledger-archive"),
            "ceph-rbd",
            "200Gi",
            |pv, handle| {
                pv.csi(
                    "rbd.csi.ceph.com",
                    handle,
                    &[
                        ("clusterID", "ceph-prod"),
                        ("pool", "kube"),
                        ("imageFeatures", "layering"),
                        ("mounter", "rbd-nbd"),
                        ("mapOptions", "krbd:lock_on_read,queue_depth=1024"),
                    ],
                )
            },
            |claim| claim,
        );
    }
    // The namespace being deleted keeps a claim, itself being deleted but
    // protected while mounted; the admin deleted its volume too.
    bound_pair(
        store,
        rng,
        (TERMINATING_NAMESPACE, "cache"),
        "gp3",
        "5Gi",
        |pv, handle| pv.csi(EBS_DRIVER, handle, &[]).deleted(T0 - 1800),
        |claim| claim.deleted(T0 - 3600),
    );
}

/// A claim and the volume bound to it, with extra touches on each.
fn bound_pair(
    store: &Store,
    rng: &mut Rng,
    (ns, name): (&str, &str),
    class: &str,
    size: &str,
    volume: impl FnOnce(builders::PersistentVolumeBuilder, &str) -> builders::PersistentVolumeBuilder,
    claim: impl FnOnce(builders::PersistentVolumeClaimBuilder) -> builders::PersistentVolumeClaimBuilder,
) {
    let uid = rng.uuid();
    let pv_name = format!("pvc-{uid}");
    let handle = format!("{}-{}", ns, rng.hex(12));
    let pv = builders::persistent_volume(&pv_name)
        .created(T0 - 20 * DAY)
        .storage_class(class)
        .capacity(size)
        .access_mode("ReadWriteOnce")
        .claim(ns, name, &uid)
        .phase("Bound")
        .finalizer("kubernetes.io/pv-protection");
    put(store, &volume(pv, &handle).build());
    let c = builders::persistent_volume_claim(name)
        .in_ns(ns)
        .uid(&uid)
        .created(T0 - 20 * DAY)
        .storage_class(class)
        .access_mode("ReadWriteOnce")
        .request(size)
        .bound(&pv_name, size)
        .finalizer("kubernetes.io/pvc-protection");
    put(store, &claim(c).build());
}

/// What the quota controller counts in a namespace: requests and limits of
/// the pods still holding resources (not Succeeded or Failed), their
/// number, and the claims and the storage they request.
#[derive(Default)]
struct Usage {
    pods: u64,
    cpu_requests_milli: u64,
    memory_requests: u64,
    memory_limits: u64,
    claims: u64,
    storage: u64,
}

fn usage(store: &Store, ns: &str) -> Usage {
    let mut u = Usage::default();
    for pod in pods_in(store, ns) {
        if matches!(&*pod.status.phase, "Succeeded" | "Failed") {
            continue;
        }
        u.pods += 1;
        let sum = |get: &dyn Fn(&crate::objects::pod::Container) -> f64| -> f64 {
            // Regular containers and sidecars run together; an ordinary
            // init container runs alone, so the pod needs the larger.
            let running: f64 = pod.spec.containers.iter().map(get).sum::<f64>()
                + pod
                    .rare()
                    .init_containers
                    .iter()
                    .filter(|c| &*c.restart_policy == "Always")
                    .map(get)
                    .sum::<f64>();
            let init = pod
                .rare()
                .init_containers
                .iter()
                .filter(|c| &*c.restart_policy != "Always")
                .map(get)
                .fold(0.0, f64::max);
            running.max(init)
        };
        let cpu = sum(&|c| c.resources.requests.get("cpu").unwrap_or(0.0))
            + pod.rare().overhead.get("cpu").unwrap_or(0.0);
        u.cpu_requests_milli += (cpu * 1000.0).round() as u64;
        u.memory_requests += (sum(&|c| c.resources.requests.get("memory").unwrap_or(0.0))
            + pod.rare().overhead.get("memory").unwrap_or(0.0)) as u64;
        u.memory_limits += sum(&|c| c.resources.limits.get("memory").unwrap_or(0.0)) as u64;
    }
    let claims = store.objects(Resource::PersistentVolumeClaims);
    let prefix = format!("{ns}/");
    for (_, obj) in claims
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
    {
        let Ok(claim) = serde_json::from_slice::<crate::objects::PersistentVolumeClaim>(&obj.body)
        else {
            continue;
        };
        u.claims += 1;
        u.storage += claim.spec.resources.requests.storage.unwrap_or(0.0) as u64;
    }
    u
}

/// The namespace's quota with `used` counted now and `hard` set with room
/// to spare, or nearly used up when `tight`.
fn quota(store: &Store, ns: &str, tight: bool) -> ResourceQuota {
    let u = usage(store, ns);
    const GI: u64 = 1 << 30;
    let (pods, cpu_milli, memory, memory_limits, claims, storage) = if tight {
        (
            u.pods + 1,
            // used is at least 95% of it.
            (u.cpu_requests_milli * 100).div_ceil(95).max(100),
            u.memory_requests.div_ceil(GI).max(1) * GI,
            u.memory_limits.div_ceil(GI).max(1) * GI,
            u.claims + 1,
            u.storage.div_ceil(100 * GI).max(1) * 100 * GI,
        )
    } else {
        (
            (u.pods * 2).div_ceil(10).max(1) * 10,
            (u.cpu_requests_milli * 2).div_ceil(1000).max(1) * 1000,
            (u.memory_requests * 2).div_ceil(GI).max(1) * GI,
            (u.memory_limits * 2).div_ceil(GI).max(1) * GI,
            (u.claims * 2).max(10),
            (u.storage * 2).div_ceil(100 * GI).max(1) * 100 * GI,
        )
    };
    let mut b = builders::resource_quota(QUOTA_NAME)
        .in_ns(ns)
        .created(T0 - 70 * DAY)
        .hard("pods", &pods.to_string())
        .hard("requests.cpu", &cpu(cpu_milli))
        .hard("requests.memory", &bytes(memory))
        .hard("limits.memory", &bytes(memory_limits))
        .hard("count/persistentvolumeclaims", &claims.to_string())
        .hard("requests.storage", &bytes(storage));
    for (resource, qty) in u.used() {
        b = b.used(resource, &qty);
    }
    b.build()
}

/// The quota controller's pass over one quota: `used` counted again from
/// the namespace's pods and claims. False when nothing changed (the
/// controller then writes nothing).
pub(crate) fn recount(store: &Store, quota: &mut ResourceQuota) -> bool {
    let Some(ns) = quota.metadata.namespace.as_deref() else {
        return false;
    };
    let used: BTreeMap<String, Quantity> = usage(store, ns)
        .used()
        .into_iter()
        .map(|(resource, qty)| (resource.to_string(), Quantity(qty)))
        .collect();
    let status = quota.status.get_or_insert_with(Default::default);
    if status.used.as_ref() == Some(&used) {
        return false;
    }
    status.used = Some(used);
    true
}

impl Usage {
    /// status.used as the quota controller writes it.
    fn used(&self) -> [(&'static str, String); 6] {
        [
            ("pods", self.pods.to_string()),
            ("requests.cpu", cpu(self.cpu_requests_milli)),
            ("requests.memory", bytes(self.memory_requests)),
            ("limits.memory", bytes(self.memory_limits)),
            ("count/persistentvolumeclaims", self.claims.to_string()),
            ("requests.storage", bytes(self.storage)),
        ]
    }
}

/// Millicores in the canonical form the API server writes (`2`, `1500m`).
fn cpu(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Bytes in canonical binary form (`8Gi`, `1536Mi`, or plain bytes).
fn bytes(n: u64) -> String {
    for (suffix, unit) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{}{suffix}", n / unit);
        }
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;
    use k8s_openapi::api::core::v1::{Namespace, PersistentVolume, PersistentVolumeClaim};

    fn cluster() -> Store {
        let store = Store::new(1);
        super::super::populate(
            &store,
            &SimConfig {
                seed: 7,
                nodes: 8,
                pods_per_node: 20,
                churn_interval: None,
            },
        );
        store
    }

    fn all<T: serde::de::DeserializeOwned>(store: &Store, kind: Resource) -> Vec<T> {
        store
            .objects(kind)
            .values()
            .map(|o| serde_json::from_slice(&o.body).expect("decodes"))
            .collect()
    }

    #[test]
    fn every_namespace_in_use_exists_and_one_is_terminating() {
        let store = cluster();
        let namespaces: Vec<Namespace> = all(&store, Resource::Namespaces);
        let names: BTreeSet<String> = namespaces
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        for kind in Resource::ALL.iter().filter(|k| k.namespaced()) {
            for key in store.objects(*kind).keys() {
                assert!(names.contains(key_namespace(*kind, key)), "{kind} {key}");
            }
        }
        let terminating: Vec<&Namespace> = namespaces
            .iter()
            .filter(|n| n.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating"))
            .collect();
        assert_eq!(terminating.len(), 1);
        assert!(terminating[0].metadata.deletion_timestamp.is_some());
    }

    #[test]
    fn every_mounted_claim_exists_and_bound_claims_and_volumes_point_at_each_other() {
        let store = cluster();
        let claims: Vec<PersistentVolumeClaim> = all(&store, Resource::PersistentVolumeClaims);
        let volumes: Vec<PersistentVolume> = all(&store, Resource::PersistentVolumes);
        for obj in store.objects(Resource::Pods).values() {
            let pod: Pod = serde_json::from_slice(&obj.body).expect("pod");
            for v in pod.rare().volumes.iter() {
                let claim = if v.ephemeral {
                    format!("{}-{}", pod.metadata.name, &*v.name)
                } else {
                    v.claim.to_string()
                };
                assert!(
                    store
                        .get(
                            Resource::PersistentVolumeClaims,
                            &pod.metadata.namespace,
                            &claim
                        )
                        .is_some(),
                    "{}/{claim}",
                    &*pod.metadata.namespace
                );
            }
        }
        let mut phases = BTreeSet::new();
        for c in &claims {
            let phase = c
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default();
            phases.insert(phase.clone());
            let spec = c.spec.as_ref().expect("spec");
            if phase != "Bound" {
                assert!(spec.volume_name.is_none());
                continue;
            }
            let volume = spec
                .volume_name
                .as_deref()
                .expect("bound claims name a volume");
            let pv = volumes
                .iter()
                .find(|v| v.metadata.name.as_deref() == Some(volume))
                .expect("the volume exists");
            let claim_ref = pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .expect("claimRef");
            assert_eq!(claim_ref.name, c.metadata.name);
            assert_eq!(claim_ref.namespace, c.metadata.namespace);
            assert_eq!(claim_ref.uid, c.metadata.uid);
        }
        assert!(
            phases.contains("Pending") && phases.contains("Bound"),
            "{phases:?}"
        );
        let volume_phases: BTreeSet<String> = volumes
            .iter()
            .filter_map(|v| v.status.as_ref().and_then(|s| s.phase.clone()))
            .collect();
        for phase in ["Available", "Bound", "Released", "Failed"] {
            assert!(volume_phases.contains(phase), "{phase}: {volume_phases:?}");
        }
    }

    #[test]
    fn quotas_count_the_pods_and_one_is_nearly_full() {
        let store = cluster();
        let quotas: Vec<crate::objects::ResourceQuota> = all(&store, Resource::ResourceQuotas);
        assert!(!quotas.is_empty());
        let mut nearly_full = 0;
        for q in &quotas {
            let ns = &*q.metadata.namespace;
            let live = pods_in(&store, ns)
                .filter(|p| !matches!(&*p.status.phase, "Succeeded" | "Failed"))
                .count();
            let get = |list: &crate::objects::NamedQuantities, name: &str| {
                list.0
                    .iter()
                    .find(|(n, _)| &**n == name)
                    .map(|(_, v)| *v)
                    .expect(name)
            };
            assert_eq!(get(&q.status.used, "pods"), live as f64, "{ns}");
            let full = ["pods", "requests.cpu", "requests.memory"]
                .iter()
                .any(|r| get(&q.status.used, r) >= 0.9 * get(&q.status.hard, r));
            nearly_full += usize::from(full);
        }
        assert_eq!(nearly_full, 1, "exactly the tight namespace");
    }

    #[test]
    fn quantities_in_canonical_form() {
        assert_eq!(cpu(2000), "2");
        assert_eq!(cpu(1500), "1500m");
        assert_eq!(bytes(8 << 30), "8Gi");
        assert_eq!(bytes(1536 << 20), "1536Mi");
        assert_eq!(bytes(1000), "1000");
        assert_eq!(bytes(0), "0");
    }
}
