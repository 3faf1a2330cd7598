//! The workload controllers of the generated pods, made as the control
//! plane would make them: the pods come first (their ownerReferences name
//! a ReplicaSet, StatefulSet, DaemonSet or ReplicationController by name
//! and uid), then each owner is created with that uid and a status counted
//! from its pods. A Deployment's pods name its current ReplicaSet
//! (`<deployment>-<pod-template-hash>`); that ReplicaSet is owned by the
//! Deployment and joined by one or two old revisions scaled to zero.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::Deployment;
use serde::Deserialize;

use super::super::builders;
use super::super::store::{Store, key};
use super::{DAY, Gen, Owner, T0, Variant, put};
use crate::kinds::Resource;

impl Gen<'_> {
    /// The pods of a ReplicaSet made by hand, without a Deployment, and of
    /// two ReplicationControllers (one with a crash-looping pod). Returns
    /// how many pods were made.
    pub(super) fn bare_controller_pods(&mut self) -> usize {
        let mut made = 0;
        for (ns, name, kind, replicas) in [
            ("shop", "canary", "ReplicaSet", 2),
            ("default", "legacy-frontend", "ReplicationController", 3),
            ("batch", "legacy-worker", "ReplicationController", 1),
        ] {
            let mut w = self.workload(ns, name, Owner::None);
            w.owner_ref = Some((kind, name.to_string(), self.rng.uuid()));
            // The canary runs a mesh sidecar; its second pod is still
            // starting, held by the sidecar (an init container) waiting.
            w.sidecar = name == "canary";
            for r in 0..replicas {
                let variant = match (name, r) {
                    ("legacy-frontend", 2) => Variant::CrashLoop,
                    ("canary", 1) => Variant::Creating,
                    _ => Variant::Running,
                };
                let pod_name = format!("{name}-{}", self.rng.suffix(5));
                let pod = self.pod_on_next(&w, &pod_name, variant);
                put(self.store, &pod);
                made += 1;
            }
        }
        made
    }

    /// Creates the owner of every group of pods that names one of the
    /// workload controllers, with the uid the pods carry.
    pub(super) fn pod_controllers(&mut self) {
        let nodes = self.nodes.len() as i32;
        for (owner, pods) in owned_pods(self.store) {
            match owner.kind.as_str() {
                "ReplicaSet" => self.replica_sets(&owner, &pods),
                "StatefulSet" => self.stateful_set(&owner, &pods),
                "DaemonSet" => self.daemon_set(&owner, &pods, nodes),
                "ReplicationController" => self.replication_controller(&owner, &pods),
                _ => {}
            }
        }
        self.deleted_controllers();
    }

    /// A StatefulSet and a DaemonSet being deleted in the foreground: their
    /// pods are already gone, the owners wait for the garbage collector.
    fn deleted_controllers(&mut self) {
        let s = builders::stateful_set("cassandra", "cassandra")
            .in_ns("data")
            .created(T0 - 200 * DAY)
            .deleted(T0 - 90)
            .label("app", "cassandra")
            .generation(3)
            .observed_generation(3)
            .replicas(0)
            .counts(0, 0, 0);
        let revision = format!("cassandra-{}", self.rng.hex(10));
        put(self.store, &s.revisions(&revision, 0, &revision, 0).build());
        let d = builders::daemon_set("fluentd", "fluentd")
            .in_ns("kube-system")
            .created(T0 - 300 * DAY)
            .deleted(T0 - 90)
            .label("app", "fluentd")
            .generation(5)
            .observed_generation(5)
            .scheduled(0, 0, 0)
            .ready(0, 0)
            .updated(0);
        put(self.store, &d.build());
    }

    /// A Deployment's current ReplicaSet and its old revisions, or a bare
    /// ReplicaSet when no Deployment matches the name.
    fn replica_sets(&mut self, owner: &OwnerKey, pods: &PodCounts) {
        let deployment = pods.hash.as_deref().and_then(|hash| {
            let name = owner.name.strip_suffix(hash)?.strip_suffix('-')?;
            let obj = self.store.get(Resource::Deployments, &owner.ns, name)?;
            serde_json::from_slice::<Deployment>(&obj.body).ok()
        });
        let Some(d) = deployment else {
            let rs = builders::replica_set(&owner.name, &pods.app)
                .in_ns(&owner.ns)
                .uid(&owner.uid)
                .created(T0 - 3 * DAY)
                .label("app", &pods.app)
                .label("team", &pods.team)
                .generation(1)
                .image(&pods.image)
                .replicas(pods.total)
                .observed_generation(1);
            put(self.store, &pods.count_into(rs).build());
            return;
        };
        let dname = d.metadata.name.clone().unwrap_or_default();
        let duid = d.metadata.uid.clone().unwrap_or_default();
        let dcreated = d
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or(T0 - 30 * DAY, |t| t.0.as_second());
        let revision: i64 = d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            .and_then(|r| r.parse().ok())
            .unwrap_or(1);
        let replicas = d.spec.replicas.unwrap_or(pods.total);
        let rolling = d
            .status
            .as_ref()
            .and_then(|s| s.terminating_replicas)
            .is_some_and(|n| n > 0);
        let current_created = dcreated.max(T0 - 41 * 3600);
        let generation = 1 + self.rng.below(3) as i64;
        let rs = builders::replica_set(&owner.name, &dname)
            .in_ns(&owner.ns)
            .uid(&owner.uid)
            .created(current_created)
            .owner("Deployment", &dname, &duid, true)
            .label("app", &dname)
            .label("team", &pods.team)
            .template_hash(pods.hash.as_deref().unwrap_or_default())
            .annotation("deployment.kubernetes.io/revision", &revision.to_string())
            .annotation(
                "deployment.kubernetes.io/desired-replicas",
                &replicas.to_string(),
            )
            .generation(generation)
            .observed_generation(generation)
            .image(&pods.image)
            .replicas(replicas);
        put(self.store, &pods.count_into(rs).build());
        // Old revisions, newest first; the newest still has a pod
        // terminating while a rollout is in progress.
        for back in 1..=(revision - 1).min(2) {
            let hash = self.rng.suffix(10);
            let created = dcreated + (current_created - dcreated) * (3 - back) / 3;
            let old = builders::replica_set(&format!("{dname}-{hash}"), &dname)
                .in_ns(&owner.ns)
                .created(created)
                .owner("Deployment", &dname, &duid, true)
                .label("app", &dname)
                .label("team", &pods.team)
                .template_hash(&hash)
                .annotation(
                    "deployment.kubernetes.io/revision",
                    &(revision - back).to_string(),
                )
                .generation(2)
                .observed_generation(2)
                .replicas(0)
                .counts(0, 0, 0, 0)
                .terminating(i32::from(rolling && back == 1));
            put(self.store, &old.build());
        }
    }

    /// A StatefulSet; `postgres` (made even on the smallest cluster) is
    /// mid-rollout, its highest ordinal on the new revision, and sets a
    /// claim retention policy and its start ordinal.
    fn stateful_set(&mut self, owner: &OwnerKey, pods: &PodCounts) {
        let current = format!("{}-{}", owner.name, self.rng.hex(10));
        let rolling = owner.name == "postgres";
        let update = if rolling {
            format!("{}-{}", owner.name, self.rng.hex(10))
        } else {
            current.clone()
        };
        let updated = if rolling {
            1.min(pods.active)
        } else {
            pods.active
        };
        let generation = if rolling { 4 } else { 2 };
        let mut b = builders::stateful_set(&owner.name, &pods.app)
            .in_ns(&owner.ns)
            .uid(&owner.uid)
            .created(T0 - 60 * DAY)
            .label("app", &pods.app)
            .label("team", &pods.team)
            .generation(generation)
            .observed_generation(generation)
            .image(&pods.image)
            .replicas(pods.total)
            .counts(pods.active, pods.ready, pods.ready)
            .revisions(&current, pods.active - updated, &update, updated);
        if rolling {
            b = b.pvc_retention("Retain", "Delete").ordinals_start(0);
        }
        put(self.store, &b.build());
    }

    /// A DaemonSet that tolerates every taint, so every node should run
    /// one of its pods; `node-exporter` is rolling out a new template.
    fn daemon_set(&mut self, owner: &OwnerKey, pods: &PodCounts, nodes: i32) {
        let current = pods.nodes.len() as i32;
        let rolling = owner.name == "node-exporter";
        let updated = if rolling {
            current - current / 3
        } else {
            current
        };
        let generation = if rolling { 3 } else { 1 };
        let b = builders::daemon_set(&owner.name, &pods.app)
            .in_ns(&owner.ns)
            .uid(&owner.uid)
            .created(T0 - 90 * DAY)
            .label("app", &pods.app)
            .label("team", &pods.team)
            .annotation(
                "deprecated.daemonset.template.generation",
                &generation.to_string(),
            )
            .generation(generation)
            .observed_generation(generation)
            .image(&pods.image)
            .scheduled(nodes, current, 0)
            .ready(pods.ready, pods.ready)
            .updated(updated);
        put(self.store, &b.build());
    }

    fn replication_controller(&mut self, owner: &OwnerKey, pods: &PodCounts) {
        let rc = builders::replication_controller(&owner.name, &pods.app)
            .in_ns(&owner.ns)
            .uid(&owner.uid)
            .created(T0 - 400 * DAY)
            .label("app", &pods.app)
            .label("team", &pods.team)
            .generation(1)
            .observed_generation(1)
            .replicas(pods.total);
        let rc = rc.counts(pods.active, pods.active, pods.ready, pods.ready);
        put(self.store, &rc.build());
    }
}

/// The controller named by a pod's controller ownerReference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OwnerKey {
    pub(crate) kind: String,
    pub(crate) ns: String,
    pub(crate) name: String,
    pub(crate) uid: String,
}

/// What a controller counts of its pods.
#[derive(Debug, Default)]
pub(crate) struct PodCounts {
    /// Every pod, finished or terminating ones too.
    pub(crate) total: i32,
    /// Neither finished nor terminating: what status.replicas counts.
    pub(crate) active: i32,
    /// Active with the Ready condition True (minReadySeconds is 0, so
    /// also the available ones).
    pub(crate) ready: i32,
    pub(crate) terminating: i32,
    /// Nodes running an active pod.
    pub(crate) nodes: BTreeSet<String>,
    app: String,
    team: String,
    hash: Option<String>,
    image: String,
}

impl PodCounts {
    fn add(&mut self, pod: &PodView) {
        if self.total == 0 {
            let labels = &pod.metadata.labels;
            self.app = labels.get("app").cloned().unwrap_or_default();
            self.team = labels.get("team").cloned().unwrap_or_default();
            self.hash = labels.get("pod-template-hash").cloned();
            self.image = pod
                .spec
                .containers
                .first()
                .map(|c| c.image.clone())
                .unwrap_or_default();
        }
        self.total += 1;
        let finished = matches!(pod.status.phase.as_str(), "Succeeded" | "Failed");
        if pod.metadata.deletion_timestamp.is_some() {
            self.terminating += 1;
        } else if !finished {
            self.active += 1;
            if pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
            {
                self.ready += 1;
            }
            if !pod.spec.node_name.is_empty() {
                self.nodes.insert(pod.spec.node_name.clone());
            }
        }
    }

    /// status.replicas, fullyLabeledReplicas (every pod carries the
    /// template's labels), readyReplicas, availableReplicas and
    /// terminatingReplicas of a ReplicaSet.
    fn count_into(&self, rs: builders::ReplicaSetBuilder) -> builders::ReplicaSetBuilder {
        rs.counts(self.active, self.active, self.ready, self.ready)
            .terminating(self.terminating)
    }
}

/// The fields of a pod a controller reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PodView {
    metadata: PodMetaView,
    spec: PodSpecView,
    status: PodStatusView,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PodMetaView {
    namespace: String,
    labels: BTreeMap<String, String>,
    owner_references: Vec<OwnerView>,
    deletion_timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OwnerView {
    kind: String,
    name: String,
    uid: String,
    controller: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct PodSpecView {
    node_name: String,
    containers: Vec<ContainerView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ContainerView {
    image: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PodStatusView {
    phase: String,
    conditions: Vec<ConditionView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConditionView {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

impl PodView {
    fn controller(&self) -> Option<&OwnerView> {
        self.metadata
            .owner_references
            .iter()
            .find(|o| o.controller == Some(true))
    }
}

/// Every pod grouped by its controller.
fn owned_pods(store: &Store) -> BTreeMap<OwnerKey, PodCounts> {
    let mut groups: BTreeMap<OwnerKey, PodCounts> = BTreeMap::new();
    for obj in store.objects(Resource::Pods).values() {
        let Ok(pod) = serde_json::from_slice::<PodView>(&obj.body) else {
            continue;
        };
        let Some(owner) = pod.controller() else {
            continue;
        };
        let key = OwnerKey {
            kind: owner.kind.clone(),
            ns: pod.metadata.namespace.clone(),
            name: owner.name.clone(),
            uid: owner.uid.clone(),
        };
        groups.entry(key).or_default().add(&pod);
    }
    groups
}

/// The pods of one controller, counted now (for the churn's controllers).
pub(crate) fn pods_of(store: &Store, ns: &str, uid: &str) -> PodCounts {
    let mut counts = PodCounts::default();
    let pods = store.objects(Resource::Pods);
    let start = key(Resource::Pods, ns, "");
    for (_, obj) in pods
        .range(start.clone()..)
        .take_while(|(k, _)| k.starts_with(&start))
    {
        let Ok(pod) = serde_json::from_slice::<PodView>(&obj.body) else {
            continue;
        };
        if pod.controller().is_some_and(|o| o.uid == uid) {
            counts.add(&pod);
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::super::super::SimConfig;
    use super::super::populate;
    use super::*;
    use k8s_openapi::api::apps::v1::{DaemonSet, ReplicaSet, StatefulSet};
    use k8s_openapi::api::core::v1::ReplicationController;
    use serde::de::DeserializeOwned;

    fn all<T: DeserializeOwned>(store: &Store, kind: Resource) -> Vec<T> {
        store
            .objects(kind)
            .values()
            .map(|o| serde_json::from_slice(&o.body).expect("stored object decodes"))
            .collect()
    }

    fn cluster() -> Store {
        let store = Store::new(1);
        populate(
            &store,
            &SimConfig {
                seed: 7,
                nodes: 6,
                pods_per_node: 12,
                churn_interval: None,
            },
        );
        store
    }

    #[test]
    fn every_controller_a_pod_names_exists_with_its_uid_and_counts() {
        let store = cluster();
        let groups = owned_pods(&store);
        let mut seen = BTreeSet::new();
        for (owner, pods) in &groups {
            let kind = match owner.kind.as_str() {
                "ReplicaSet" => Resource::ReplicaSets,
                "StatefulSet" => Resource::StatefulSets,
                "DaemonSet" => Resource::DaemonSets,
                "ReplicationController" => Resource::ReplicationControllers,
                _ => continue,
            };
            seen.insert(owner.kind.clone());
            let obj = store
                .get(kind, &owner.ns, &owner.name)
                .unwrap_or_else(|| panic!("no {} {}/{}", owner.kind, owner.ns, owner.name));
            assert_eq!(&*obj.uid, owner.uid, "{owner:?}");
            let v: serde_json::Value = serde_json::from_slice(&obj.body).expect("json");
            if kind == Resource::DaemonSets {
                assert_eq!(v["status"]["numberReady"], pods.ready, "{owner:?}");
                assert_eq!(v["status"]["desiredNumberScheduled"], 6, "{owner:?}");
            } else {
                assert_eq!(v["status"]["replicas"], pods.active, "{owner:?}");
                assert_eq!(v["status"]["readyReplicas"], pods.ready, "{owner:?}");
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    #[test]
    fn deployments_own_a_current_replica_set_and_old_revisions() {
        let store = cluster();
        let sets: Vec<ReplicaSet> = all(&store, Resource::ReplicaSets);
        let deployments: Vec<Deployment> = all(&store, Resource::Deployments);
        let mut old = 0;
        for d in &deployments {
            let uid = d.metadata.uid.as_deref().expect("uid");
            let owned: Vec<&ReplicaSet> = sets
                .iter()
                .filter(|rs| {
                    rs.metadata.owner_references.iter().flatten().any(|o| {
                        o.uid == uid && o.kind == "Deployment" && o.controller == Some(true)
                    })
                })
                .collect();
            let current: Vec<_> = owned
                .iter()
                .filter(|rs| rs.spec.replicas != Some(0))
                .collect();
            assert_eq!(current.len(), 1, "{:?}", d.metadata.name);
            assert_eq!(
                current[0].spec.replicas,
                Some(
                    d.spec
                        .replicas
                        .unwrap_or(current[0].status.as_ref().map_or(0, |s| s.replicas))
                )
            );
            old += owned.len() - 1;
        }
        assert!(old > 0, "no old revisions");
        let bare = sets
            .iter()
            .filter(|rs| rs.metadata.owner_references.is_none())
            .count();
        assert_eq!(bare, 1);
    }

    #[test]
    fn a_rollout_a_retention_policy_and_ordinals_somewhere() {
        let store = cluster();
        let sets: Vec<StatefulSet> = all(&store, Resource::StatefulSets);
        assert!(sets.iter().any(|s| {
            let st = s.status.as_ref().expect("status");
            st.current_revision != st.update_revision
        }));
        assert!(
            sets.iter()
                .any(|s| s.spec.persistent_volume_claim_retention_policy.is_some())
        );
        assert!(sets.iter().any(|s| s.spec.ordinals.is_some()));
        assert!(sets.iter().any(|s| s.metadata.deletion_timestamp.is_some()));
        let daemons: Vec<DaemonSet> = all(&store, Resource::DaemonSets);
        assert_eq!(daemons.len(), 3);
        assert!(
            daemons
                .iter()
                .any(|d| d.metadata.deletion_timestamp.is_some())
        );
        let rcs: Vec<ReplicationController> = all(&store, Resource::ReplicationControllers);
        assert_eq!(rcs.len(), 2);
    }
}
