//! Background changes that keep the cluster alive: containers restart,
//! pods crash and recover, pods get replaced, deployments scale (with the
//! controller catching up one tick later), nodes flap. Counts stay stable.

use crate::kinds::Resource;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, Node,
    Pod,
};
use serde::de::DeserializeOwned;

use super::builders::time;
use super::generate::put;
use super::rng::Rng;
use super::store::{Store, now_unix};

mod admission;
mod config;
mod network;
mod storage;
mod workloads;

pub(crate) struct Churner {
    rng: Rng,
    /// Deployments scaled on an earlier tick whose status has not caught up.
    pending: Vec<(String, String)>,
}

/// A random object of a kind, decoded; `None` if there is none or it is
/// one of the injected malformed objects.
fn pick<T: DeserializeOwned>(store: &Store, rng: &mut Rng, kind: Resource) -> Option<T> {
    let objects = store.objects(kind);
    if objects.is_empty() {
        return None;
    }
    let (_, obj) = objects.iter().nth(rng.below(objects.len()))?;
    serde_json::from_slice(&obj.body).ok()
}

impl Churner {
    pub(crate) fn new(seed: u64) -> Self {
        Churner {
            rng: Rng::new(seed.rotate_left(17) ^ 0xC4_0C4),
            pending: Vec::new(),
        }
    }

    pub(crate) fn tick(&mut self, store: &Store) {
        self.catch_up(store);
        for _ in 0..1 + self.rng.below(3) {
            match self.rng.below(100) {
                0..=29 => self.restart_container(store),
                30..=49 => self.crash_or_recover(store),
                50..=69 => self.replace_pod(store),
                70..=84 => self.scale_deployment(store),
                85..=92 => self.flip_node(store),
                _ => super::generate_batch::churn(store, &mut self.rng),
            }
        }
        self.workloads(store);
        storage::tick(store, &mut self.rng);
        config::tick(store, &mut self.rng);
        network::tick(store);
        admission::tick(store, &mut self.rng);
    }

    fn restart_container(&mut self, store: &Store) {
        let Some(mut pod) = pick::<Pod>(store, &mut self.rng, Resource::Pods) else {
            return;
        };
        let now = now_unix();
        let oom = self.rng.chance(30);
        let Some(cs) = pod
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
            .and_then(|c| c.first_mut())
        else {
            return;
        };
        let started = cs
            .state
            .as_ref()
            .and_then(|s| s.running.as_ref())
            .and_then(|r| r.started_at.clone());
        cs.restart_count += 1;
        cs.last_state = Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: if oom { 137 } else { 1 },
                reason: Some(if oom { "OOMKilled" } else { "Error" }.into()),
                started_at: started,
                finished_at: Some(time(now - 1)),
                container_id: cs.container_id.clone(),
                ..Default::default()
            }),
            ..Default::default()
        });
        cs.state = Some(running(now));
        put(store, &pod);
    }

    fn crash_or_recover(&mut self, store: &Store) {
        let Some(mut pod) = pick::<Pod>(store, &mut self.rng, Resource::Pods) else {
            return;
        };
        let now = now_unix();
        let Some(status) = pod.status.as_mut() else {
            return;
        };
        if status.phase.as_deref() != Some("Running") {
            return;
        }
        let Some(cs) = status
            .container_statuses
            .as_mut()
            .and_then(|c| c.first_mut())
        else {
            return;
        };
        let crashing = cs
            .state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"));
        if crashing {
            cs.state = Some(running(now));
            cs.ready = true;
        } else {
            cs.restart_count += 1;
            cs.last_state = Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 1,
                    reason: Some("Error".into()),
                    finished_at: Some(time(now)),
                    ..Default::default()
                }),
                ..Default::default()
            });
            cs.state = Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: Some(format!(
                        "back-off 10s restarting failed container={}",
                        cs.name
                    )),
                }),
                ..Default::default()
            });
            cs.ready = false;
        }
        let all_ready = status
            .container_statuses
            .as_ref()
            .is_some_and(|c| c.iter().all(|c| c.ready));
        for cond in status.conditions.iter_mut().flatten() {
            if cond.type_ == "Ready" || cond.type_ == "ContainersReady" {
                cond.status = if all_ready { "True" } else { "False" }.into();
                cond.reason = (!all_ready).then(|| "ContainersNotReady".into());
                cond.last_transition_time = Some(time(now));
            }
        }
        put(store, &pod);
    }

    /// Deletes a ReplicaSet-owned pod and creates its replacement (new name
    /// and uid, fresh running containers), as the controller would.
    fn replace_pod(&mut self, store: &Store) {
        let Some(mut pod) = pick::<Pod>(store, &mut self.rng, Resource::Pods) else {
            return;
        };
        let Some(prefix) = pod.metadata.generate_name.clone() else {
            return;
        };
        let (Some(ns), Some(name)) = (pod.metadata.namespace.clone(), pod.metadata.name.clone())
        else {
            return;
        };
        if store.delete(Resource::Pods, &ns, &name).is_none() {
            return;
        }
        let now = now_unix();
        pod.metadata.name = Some(format!("{prefix}{}", self.rng.suffix(5)));
        pod.metadata.uid = None;
        pod.metadata.creation_timestamp = Some(time(now));
        pod.metadata.deletion_timestamp = None;
        if let Some(status) = pod.status.as_mut() {
            status.start_time = Some(time(now));
            for cs in status.container_statuses.iter_mut().flatten() {
                cs.restart_count = 0;
                cs.last_state = Some(ContainerState::default());
                cs.ready = true;
                cs.container_id = Some(format!("containerd://{}", self.rng.hex(64)));
                cs.state = Some(running(now));
            }
            for cond in status.conditions.iter_mut().flatten() {
                cond.status = "True".into();
                cond.reason = None;
                cond.last_transition_time = Some(time(now));
            }
        }
        put(store, &pod);
    }

    fn scale_deployment(&mut self, store: &Store) {
        let Some(mut d) = pick::<Deployment>(store, &mut self.rng, Resource::Deployments) else {
            return;
        };
        let up = self.rng.chance(50);
        let spec = &mut d.spec;
        let current = spec.replicas.unwrap_or(1);
        let next = if up || current <= 1 {
            current + 1
        } else {
            current - 1
        };
        spec.replicas = Some(next);
        d.metadata.generation = Some(d.metadata.generation.unwrap_or(1) + 1);
        if let (Some(ns), Some(name)) = (d.metadata.namespace.clone(), d.metadata.name.clone()) {
            self.pending.push((ns, name));
        }
        put(store, &d);
    }

    /// The deployment controller observing last tick's scale-ups.
    fn catch_up(&mut self, store: &Store) {
        for (ns, name) in std::mem::take(&mut self.pending) {
            let Some(obj) = store.get(Resource::Deployments, &ns, &name) else {
                continue;
            };
            let Ok(mut d) = serde_json::from_slice::<Deployment>(&obj.body) else {
                continue;
            };
            let replicas = d.spec.replicas.unwrap_or(1);
            let generation = d.metadata.generation;
            let status = d.status.get_or_insert_with(Default::default);
            status.observed_generation = generation;
            status.replicas = Some(replicas);
            status.updated_replicas = Some(replicas);
            status.ready_replicas = Some(replicas);
            status.available_replicas = Some(replicas);
            status.unavailable_replicas = None;
            put(store, &d);
            self.scale_current_replica_set(store, &d);
        }
    }

    fn flip_node(&mut self, store: &Store) {
        let Some(mut node) = pick::<Node>(store, &mut self.rng, Resource::Nodes) else {
            return;
        };
        let now = now_unix();
        let Some(cond) = node
            .status
            .as_mut()
            .and_then(|s| s.conditions.as_mut())
            .and_then(|c| c.iter_mut().find(|c| c.type_ == "Ready"))
        else {
            return;
        };
        let ready = cond.status == "True";
        cond.status = if ready { "False" } else { "True" }.into();
        cond.reason = Some(
            if ready {
                "KubeletNotReady"
            } else {
                "KubeletReady"
            }
            .into(),
        );
        cond.message = Some(
            if ready {
                "PLEG is not healthy: pleg was last seen active 3m0.5s ago"
            } else {
                "kubelet is posting ready status"
            }
            .into(),
        );
        cond.last_transition_time = Some(time(now));
        cond.last_heartbeat_time = Some(time(now));
        put(store, &node);
    }
}

fn running(at: i64) -> ContainerState {
    ContainerState {
        running: Some(ContainerStateRunning {
            started_at: Some(time(at)),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::SimConfig;
    use super::super::store::key_namespace;
    use super::*;

    #[test]
    fn churn_keeps_counts_stable() {
        let store = Store::new(1);
        super::super::generate::populate(
            &store,
            &SimConfig {
                seed: 3,
                nodes: 5,
                pods_per_node: 10,
                churn_interval: None,
            },
        );
        let before: Vec<usize> = Resource::ALL.iter().map(|k| store.count(*k)).collect();
        let rv = store.current_rv();
        let mut churner = Churner::new(3);
        for _ in 0..50 {
            churner.tick(&store);
        }
        let after: Vec<usize> = Resource::ALL.iter().map(|k| store.count(*k)).collect();
        assert_eq!(before, after);
        assert!(store.current_rv() > rv + 50);
        // Every key still parses back to its namespace.
        for (k, _) in store.objects(Resource::Pods).iter() {
            assert!(!key_namespace(Resource::Pods, k).is_empty());
        }
    }
}
