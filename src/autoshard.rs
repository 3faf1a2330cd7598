//! Automatic sharding (`--pod`, `--pod-namespace`), as kube-state-metrics
//! does it: the exporter runs as a StatefulSet, reads its own pod, finds the
//! StatefulSet that controls it, and serves shard `<ordinal of the pod
//! name>` of `spec.replicas`. It then watches that one StatefulSet (a field
//! selector on its name), and when it is scaled every watcher lists again
//! with the new shard, so each instance serves exactly its new share.
//!
//! Failing to find the StatefulSet at start stops the exporter, as it stops
//! kube-state-metrics: serving everything, or nothing, would be wrong for
//! every other shard. Later failures only log: the last shard stays.

use crate::shard::{CurrentShard, Shard};
use crate::telemetry::Telemetry;
use crate::watch::{Backoff, error_chain};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::watcher;
use std::sync::Arc;
use tokio::sync::watch;
use tracing::{info, warn};

/// The exporter's own pod, from `--pod` and `--pod-namespace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnPod {
    pub name: String,
    pub namespace: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AutoshardError {
    #[error("--pod: cannot read pod {namespace}/{name} to find its StatefulSet: {cause}")]
    GetPod {
        namespace: String,
        name: String,
        cause: String,
    },
    #[error(
        "--pod: pod {namespace}/{name} is not controlled by a StatefulSet (no ownerReference of kind StatefulSet, apps/v1, with controller: true); automatic sharding runs kubestate as a StatefulSet"
    )]
    NoStatefulSet { namespace: String, name: String },
    #[error("--pod: cannot read StatefulSet {namespace}/{name}, the owner of the pod: {cause}")]
    GetStatefulSet {
        namespace: String,
        name: String,
        cause: String,
    },
    #[error(
        "--pod: the name of pod {pod} is not its StatefulSet's name {statefulset} followed by -<ordinal>"
    )]
    Ordinal { pod: String, statefulset: String },
}

/// The shard the watchers filter by: `--shard` of `--total-shards`, fixed,
/// or the one the pod's StatefulSet gives, followed by a task in `tasks`.
pub async fn current_shard(
    client: &kube::Client,
    own_pod: Option<&OwnPod>,
    fixed: Shard,
    telemetry: &Arc<Telemetry>,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Result<CurrentShard, AutoshardError> {
    let Some(own) = own_pod else {
        let (sender, shard) = watch::channel(fixed);
        // Kept while any watcher listens, so a fixed shard is one that
        // never changes rather than one whose channel has ended.
        tasks.spawn(async move { sender.closed().await });
        return Ok(shard);
    };
    let statefulset = own_statefulset(client, own).await?;
    let name = statefulset.metadata.name.clone().unwrap_or_default();
    let shard = shard_of(&statefulset, &own.name)?;
    info!(
        pod = %own.name,
        namespace = %own.namespace,
        statefulset = %name,
        shard = shard.ordinal,
        total_shards = shard.total,
        "automatic sharding from the StatefulSet"
    );
    telemetry.set_shard(shard);
    let (sender, current) = watch::channel(shard);
    tasks.spawn(follow(
        client.clone(),
        own.clone(),
        name,
        sender,
        telemetry.clone(),
    ));
    Ok(current)
}

/// The StatefulSet controlling the pod, as kube-state-metrics finds it:
/// the owner reference of kind StatefulSet in apps/v1 marked controller.
async fn own_statefulset(
    client: &kube::Client,
    own: &OwnPod,
) -> Result<StatefulSet, AutoshardError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &own.namespace);
    let pod = pods
        .get(&own.name)
        .await
        .map_err(|e| AutoshardError::GetPod {
            namespace: own.namespace.clone(),
            name: own.name.clone(),
            cause: api_cause(&e, "get on pods"),
        })?;
    let owner = controlling_statefulset(&pod).ok_or_else(|| AutoshardError::NoStatefulSet {
        namespace: own.namespace.clone(),
        name: own.name.clone(),
    })?;
    let statefulsets: Api<StatefulSet> = Api::namespaced(client.clone(), &own.namespace);
    statefulsets
        .get(owner)
        .await
        .map_err(|e| AutoshardError::GetStatefulSet {
            namespace: own.namespace.clone(),
            name: owner.to_owned(),
            cause: api_cause(&e, "get, list and watch on statefulsets"),
        })
}

fn controlling_statefulset(pod: &Pod) -> Option<&str> {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| {
            o.api_version == "apps/v1" && o.kind == "StatefulSet" && o.controller == Some(true)
        })
        .map(|o| o.name.as_str())
}

/// The pod's shard: its ordinal of the StatefulSet's replicas (1 when
/// unset, the API's default).
fn shard_of(statefulset: &StatefulSet, pod: &str) -> Result<Shard, AutoshardError> {
    let name = statefulset.metadata.name.as_deref().unwrap_or_default();
    let ordinal = pod
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| AutoshardError::Ordinal {
            pod: pod.to_owned(),
            statefulset: name.to_owned(),
        })?;
    let replicas = statefulset.spec.replicas;
    Ok(Shard {
        ordinal,
        total: replicas.map_or(1, |r| u32::try_from(r).unwrap_or(0)),
    })
}

/// Watches the one StatefulSet and publishes each new shard. A deleted
/// StatefulSet leaves the shard as it was (its pods are going too).
async fn follow(
    client: kube::Client,
    own: OwnPod,
    statefulset: String,
    current: watch::Sender<Shard>,
    telemetry: Arc<Telemetry>,
) {
    let api: Api<StatefulSet> = Api::namespaced(client, &own.namespace);
    let selector = format!("metadata.name={statefulset}");
    let mut events = watcher(api, watcher::Config::default().fields(&selector)).boxed();
    let mut backoff = Backoff::default();
    while let Some(event) = events.next().await {
        let changed = match event {
            Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => {
                backoff.reset();
                object
            }
            Ok(_) => continue,
            Err(error) => {
                let delay = backoff.next_delay();
                warn!(
                    %statefulset,
                    namespace = %own.namespace,
                    retry_in = format!("{:.1}s", delay.as_secs_f64()),
                    "watching the StatefulSet for its scale failed; the shard stays as it is: {}",
                    error_chain(&error)
                );
                tokio::time::sleep(delay).await;
                continue;
            }
        };
        match shard_of(&changed, &own.name) {
            Ok(shard) if shard != *current.borrow() => {
                info!(
                    %statefulset,
                    shard = shard.ordinal,
                    total_shards = shard.total,
                    "the StatefulSet was scaled; every kind is listed again for the new shard"
                );
                telemetry.set_shard(shard);
                current.send_replace(shard);
            }
            Ok(_) => {}
            Err(error) => warn!("{error}; the shard stays as it is"),
        }
    }
}

/// An API error in one line: the status and the API server's message, with
/// the grant a 403 asks for.
fn api_cause(error: &kube::Error, grant: &str) -> String {
    match error {
        kube::Error::Api(status) => {
            let advice = if status.code == 403 {
                format!(" (forbidden by RBAC: grant {grant} in the pod's namespace)")
            } else {
                String::new()
            };
            format!(
                "{} {}: {}{advice}",
                status.code, status.reason, status.message
            )
        }
        other => error_chain(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(owners: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "kube-state-metrics-1", "namespace": "monitoring", "ownerReferences": owners}
        }))
        .unwrap()
    }

    fn statefulset(name: &str, replicas: Option<i32>) -> StatefulSet {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "monitoring"},
            "spec": {"replicas": replicas, "selector": {}, "serviceName": name, "template": {}}
        }))
        .unwrap()
    }

    fn owner(
        api_version: &str,
        kind: &str,
        name: &str,
        controller: Option<bool>,
    ) -> serde_json::Value {
        serde_json::json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": "u", "controller": controller})
    }

    #[test]
    fn the_owner_is_the_controlling_statefulset_of_apps_v1() {
        let found = pod(serde_json::json!([
            owner("apps/v1", "StatefulSet", "not-controller", Some(false)),
            owner("apps/v1", "ReplicaSet", "a-replicaset", Some(true)),
            owner("apps/v1beta1", "StatefulSet", "old-group", Some(true)),
            owner("apps/v1", "StatefulSet", "kube-state-metrics", Some(true)),
        ]));
        assert_eq!(controlling_statefulset(&found), Some("kube-state-metrics"));
        for owners in [
            serde_json::json!([]),
            serde_json::json!([owner("apps/v1", "StatefulSet", "x", None)]),
            serde_json::json!([owner("apps/v1", "Deployment", "x", Some(true))]),
        ] {
            assert_eq!(
                controlling_statefulset(&pod(owners.clone())),
                None,
                "{owners}"
            );
        }
    }

    #[test]
    fn the_shard_is_the_pod_ordinal_of_the_replicas() {
        let sts = statefulset("kube-state-metrics", Some(3));
        let shard = |pod: &str| shard_of(&sts, pod).map(|s| (s.ordinal, s.total));
        assert_eq!(shard("kube-state-metrics-0").unwrap(), (0, 3));
        assert_eq!(shard("kube-state-metrics-2").unwrap(), (2, 3));
        // A pod left over while scaling down: it then owns nothing.
        assert_eq!(shard("kube-state-metrics-4").unwrap(), (4, 3));
        assert_eq!(
            shard_of(&statefulset("ksm", None), "ksm-0")
                .map(|s| s.total)
                .unwrap(),
            1,
            "replicas unset means 1"
        );
        for bad in [
            "kube-state-metrics",
            "kube-state-metrics-",
            "kube-state-metrics-x",
            "kube-state-metrics--1",
            "other-0",
            "kube-state-metrics0",
        ] {
            let error = shard(bad).expect_err(bad).to_string();
            assert_eq!(
                error,
                format!(
                    "--pod: the name of pod {bad} is not its StatefulSet's name kube-state-metrics followed by -<ordinal>"
                )
            );
        }
    }
}
