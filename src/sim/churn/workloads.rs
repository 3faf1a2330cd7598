//! Churn of the workload controllers: a controller recounting its pods
//! (which the pod churn makes crash, recover and get replaced), a
//! StatefulSet scaled by one and back, and a Deployment's scale reaching
//! its current ReplicaSet.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::ReplicationController;

use super::super::generate::{pods_of, put};
use super::super::store::Store;
use super::{Churner, pick};
use crate::kinds::Resource;

impl Churner {
    /// One workload change per tick, now and then.
    pub(super) fn workloads(&mut self, store: &Store) {
        match self.rng.below(100) {
            0..=29 => self.recount(store),
            30..=39 => self.scale_stateful_set(store),
            _ => {}
        }
    }

    /// A random ReplicaSet, StatefulSet, DaemonSet or ReplicationController
    /// sets its status from its pods as they are now: ready counts follow
    /// crashes and recoveries.
    fn recount(&mut self, store: &Store) {
        match self.rng.below(4) {
            0 => {
                let Some(mut rs) = pick::<ReplicaSet>(store, &mut self.rng, Resource::ReplicaSets)
                else {
                    return;
                };
                let pods = pods_of(store, ns(&rs.metadata), uid(&rs.metadata));
                let status = rs.status.get_or_insert_with(Default::default);
                status.replicas = pods.active;
                status.fully_labeled_replicas = Some(pods.active);
                status.ready_replicas = Some(pods.ready);
                status.available_replicas = Some(pods.ready);
                status.terminating_replicas = Some(pods.terminating);
                put(store, &rs);
            }
            1 => {
                let Some(mut s) = pick::<StatefulSet>(store, &mut self.rng, Resource::StatefulSets)
                else {
                    return;
                };
                let pods = pods_of(store, ns(&s.metadata), uid(&s.metadata));
                let status = s.status.get_or_insert_with(Default::default);
                let updated = status.updated_replicas.unwrap_or(0).min(pods.active);
                status.replicas = pods.active;
                status.ready_replicas = Some(pods.ready);
                status.available_replicas = Some(pods.ready);
                if status.current_revision == status.update_revision {
                    status.current_replicas = Some(pods.active);
                    status.updated_replicas = Some(pods.active);
                } else {
                    status.current_replicas = Some(pods.active - updated);
                    status.updated_replicas = Some(updated);
                }
                put(store, &s);
            }
            2 => {
                let Some(mut d) = pick::<DaemonSet>(store, &mut self.rng, Resource::DaemonSets)
                else {
                    return;
                };
                let pods = pods_of(store, ns(&d.metadata), uid(&d.metadata));
                let status = d.status.get_or_insert_with(Default::default);
                let current = pods.nodes.len() as i32;
                status.current_number_scheduled = current;
                status.number_ready = pods.ready;
                status.number_available = Some(pods.ready);
                status.number_unavailable =
                    Some((status.desired_number_scheduled - pods.ready).max(0));
                status.updated_number_scheduled =
                    Some(status.updated_number_scheduled.unwrap_or(0).min(current));
                put(store, &d);
            }
            _ => {
                let Some(mut rc) = pick::<ReplicationController>(
                    store,
                    &mut self.rng,
                    Resource::ReplicationControllers,
                ) else {
                    return;
                };
                let pods = pods_of(store, ns(&rc.metadata), uid(&rc.metadata));
                let status = rc.status.get_or_insert_with(Default::default);
                status.replicas = pods.active;
                status.fully_labeled_replicas = Some(pods.active);
                status.ready_replicas = Some(pods.ready);
                status.available_replicas = Some(pods.ready);
                put(store, &rc);
            }
        }
    }

    /// Scales a StatefulSet up by one, or back to the pods it has: the
    /// controller has not created the extra pod yet, so status keeps
    /// counting the pods there are.
    fn scale_stateful_set(&mut self, store: &Store) {
        let Some(mut s) = pick::<StatefulSet>(store, &mut self.rng, Resource::StatefulSets) else {
            return;
        };
        let have = s.status.as_ref().map_or(0, |st| st.replicas);
        let want = s.spec.replicas.unwrap_or(1);
        s.spec.replicas = Some(if want > have { have } else { have + 1 });
        let generation = s.metadata.generation.unwrap_or(1) + 1;
        s.metadata.generation = Some(generation);
        s.status
            .get_or_insert_with(Default::default)
            .observed_generation = Some(generation);
        put(store, &s);
    }

    /// The deployment controller scaling the Deployment's current
    /// ReplicaSet (the one it owns with replicas) to its new size.
    pub(super) fn scale_current_replica_set(&mut self, store: &Store, d: &Deployment) {
        let (ns, name, duid) = (
            ns(&d.metadata),
            d.metadata.name.as_deref().unwrap_or(""),
            uid(&d.metadata),
        );
        let replicas = d.spec.replicas.unwrap_or(1);
        let prefix = super::super::store::key(Resource::ReplicaSets, ns, &format!("{name}-"));
        let sets = store.objects(Resource::ReplicaSets);
        for (_, obj) in sets
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
        {
            let Ok(mut rs) = serde_json::from_slice::<ReplicaSet>(&obj.body) else {
                continue;
            };
            let owned = rs
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == duid);
            if !owned || rs.spec.replicas.unwrap_or(0) == 0 {
                continue;
            }
            rs.spec.replicas = Some(replicas);
            let generation = rs.metadata.generation.unwrap_or(1) + 1;
            rs.metadata.generation = Some(generation);
            let annotations = rs.metadata.annotations.get_or_insert_with(Default::default);
            annotations.insert(
                "deployment.kubernetes.io/desired-replicas".into(),
                replicas.to_string(),
            );
            rs.status
                .get_or_insert_with(Default::default)
                .observed_generation = Some(generation);
            put(store, &rs);
            return;
        }
    }
}

fn ns(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("")
}

fn uid(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.uid.as_deref().unwrap_or("")
}
