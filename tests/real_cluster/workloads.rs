//! ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers on a
//! real API server: the controller-manager makes their pods (and a
//! Deployment's ReplicaSet), the test plays the kubelet by patching some
//! pods Ready, and every family of the four kinds is compared with lines
//! written from the objects created here. Only what the server assigns
//! (names of generated ReplicaSets, revision hashes, timestamps) is read
//! back.
//!
//! What Kubernetes 1.20 cannot show: `kube_replicaset_status_terminating_replicas`
//! (status.terminatingReplicas is 1.33+), `kube_statefulset_ordinals_start`
//! (spec.ordinals, 1.26+) and
//! `kube_statefulset_persistentvolumeclaim_retention_policy`
//! (spec.persistentVolumeClaimRetentionPolicy, 1.23+): the server drops
//! those fields, so the test checks that the families have no series.
//! status.availableReplicas of a StatefulSet (1.22+) is absent too, so
//! `kube_statefulset_status_replicas_available` is 0.

use crate::common::{Exporter, series};
use crate::support::{CHANGE, CONTROLLERS, Tier, begin, not_run};
use crate::{go_g, sort};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Node, Pod, ReplicationController};
use kube::api::ListParams;
use kube::{Api, Resource};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Labels, tolerations and a node selector that put a workload's pods on
/// the test's nodes (which keep admission's not-ready taint: no node
/// life-cycle controller removes it).
fn template(app: &str, ns: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {
            "nodeSelector": {"kubestate-test/pool": ns},
            "tolerations": [{"operator": "Exists"}],
            "automountServiceAccountToken": false,
            "containers": [{"name": app, "image": "nginx:1.27"}],
        },
    })
}

fn created<K: Resource>(object: &K) -> String {
    let t = object
        .meta()
        .creation_timestamp
        .as_ref()
        .expect("the server sets creationTimestamp");
    go_g(t.0.as_second())
}

/// Plays the kubelet: the pod is Running and Ready (available at once,
/// minReadySeconds being 0).
fn make_ready(tier: &Tier, pods: &Api<Pod>, name: &str) {
    tier.patch(
        pods,
        name,
        true,
        json!({"status": {"phase": "Running", "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "ContainersReady", "status": "True"},
            {"type": "Ready", "status": "True"},
        ]}}),
    );
}

/// The names of the pods labelled `app=<app>`, once there are `n` of
/// them, all bound to a node (so the scheduler is done with them).
fn bound_pods(tier: &Tier, pods: &Api<Pod>, app: &str, n: usize) -> Vec<String> {
    tier.until(&format!("{n} bound pods of {app}"), CONTROLLERS, || {
        let list = tier
            .block_on(pods.list(&ListParams::default().labels(&format!("app={app}"))))
            .ok()?;
        let names: Vec<String> = list
            .items
            .iter()
            .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_some()))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        (names.len() == n && list.items.len() == n).then_some(names)
    })
}

/// Polls the exporter until every family serves exactly the expected
/// lines for the namespace, then asserts each (for a readable failure).
fn settle(exporter: &Exporter, ns: &str, expected: &[(&str, Vec<String>)]) {
    let needle = format!("namespace=\"{ns}\"");
    let served = |scrape: &str, family: &str| -> Vec<String> {
        series(scrape, family)
            .into_iter()
            .filter(|l| l.contains(&needle))
            .collect()
    };
    let deadline = Instant::now() + CHANGE;
    loop {
        let scrape = exporter.scrape();
        let done = expected
            .iter()
            .all(|(family, want)| served(&scrape, family) == *want);
        if done || Instant::now() > deadline {
            for (family, want) in expected {
                assert_eq!(&served(&scrape, family), want, "{family}");
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn workload_controller_families_match_the_spec_on_a_real_cluster() {
    let Some(s) = begin("workloads") else {
        return;
    };
    let tier = s.tier;
    let ns = tier.namespace("wl");
    let admin = &tier.admin;
    let nodes: Api<Node> = Api::all(admin.clone());
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), &ns);
    let replica_sets: Api<ReplicaSet> = Api::namespaced(admin.clone(), &ns);
    let stateful_sets: Api<StatefulSet> = Api::namespaced(admin.clone(), &ns);
    let daemon_sets: Api<DaemonSet> = Api::namespaced(admin.clone(), &ns);
    let controllers: Api<ReplicationController> = Api::namespaced(admin.clone(), &ns);

    // Two nodes of this test's pool, with room for pods.
    for (i, suffix) in ["a", "b"].iter().enumerate() {
        let name = format!("{ns}-{suffix}");
        tier.create(
            &nodes,
            json!({"metadata": {"name": name, "labels": {"kubestate-test/pool": ns}}}),
        );
        tier.patch(
            &nodes,
            &name,
            true,
            json!({"status": {
                "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                "addresses": [{"type": "InternalIP", "address": format!("127.0.9.{}", i + 1)}],
            }}),
        );
    }

    // A Deployment's ReplicaSet (two pods, one made ready) and a bare one.
    tier.create(
        &deployments,
        json!({"metadata": {"name": "web"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                        "template": template("web", &ns)}}),
    );
    tier.create(
        &replica_sets,
        json!({"metadata": {"name": "bare", "labels": {"app": "bare"},
                            "annotations": {"team": "storefront"}},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "bare"}},
                        "template": template("bare", &ns)}}),
    );
    // A StatefulSet of two (created in parallel; one made ready) whose
    // template then changes: with OnDelete nothing is replaced, so the
    // update revision differs from the current one and no pod is updated.
    tier.create(
        &stateful_sets,
        json!({"metadata": {"name": "db", "labels": {"app": "db"},
                            "annotations": {"team": "data"}},
               "spec": {"replicas": 2, "serviceName": "db", "podManagementPolicy": "Parallel",
                        "updateStrategy": {"type": "OnDelete"},
                        "ordinals": {"start": 0},
                        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"},
                        "selector": {"matchLabels": {"app": "db"}},
                        "template": template("db", &ns)}}),
    );
    // A DaemonSet on the two pool nodes (one pod made ready).
    tier.create(
        &daemon_sets,
        json!({"metadata": {"name": "agent", "labels": {"app": "agent"},
                            "annotations": {"team": "sre"}},
               "spec": {"selector": {"matchLabels": {"app": "agent"}},
                        "template": template("agent", &ns)}}),
    );
    // Two held by a finalizer and deleted: they keep a deletionTimestamp.
    let hold = "kubestate.test/hold";
    tier.create(
        &stateful_sets,
        json!({"metadata": {"name": "doomed", "finalizers": [hold]},
               "spec": {"replicas": 0, "serviceName": "doomed",
                        "selector": {"matchLabels": {"app": "doomed-db"}},
                        "template": template("doomed-db", &ns)}}),
    );
    tier.create(
        &daemon_sets,
        json!({"metadata": {"name": "doomed", "finalizers": [hold]},
               "spec": {"selector": {"matchLabels": {"app": "doomed-agent"}},
                        "template": {"metadata": {"labels": {"app": "doomed-agent"}},
                                     "spec": {"nodeSelector": {"kubestate-test/pool": "none"},
                                              "containers": [{"name": "a", "image": "nginx:1.27"}]}}}}),
    );
    // A ReplicationController of two (one made ready).
    tier.create(
        &controllers,
        json!({"metadata": {"name": "legacy"},
               "spec": {"replicas": 2, "selector": {"app": "legacy"},
                        "template": template("legacy", &ns)}}),
    );

    let web = bound_pods(tier, &pods, "web", 2);
    make_ready(tier, &pods, &web[0]);
    bound_pods(tier, &pods, "bare", 1);
    let db = bound_pods(tier, &pods, "db", 2);
    make_ready(tier, &pods, "db-0");
    assert!(db.contains(&"db-0".to_string()), "{db:?}");
    let agent = bound_pods(tier, &pods, "agent", 2);
    make_ready(tier, &pods, &agent[0]);
    let legacy = bound_pods(tier, &pods, "legacy", 2);
    make_ready(tier, &pods, &legacy[0]);
    tier.patch(
        &stateful_sets,
        "db",
        false,
        json!({"spec": {"template": {"metadata": {"annotations": {"rollout": "2"}}}}}),
    );
    let params = kube::api::DeleteParams::default();
    tier.block_on(stateful_sets.delete("doomed", &params))
        .expect("delete statefulset");
    tier.block_on(daemon_sets.delete("doomed", &params))
        .expect("delete daemonset");

    // What the controllers made, once they have counted the ready pods.
    let web_rs = tier.until(
        "the Deployment's ReplicaSet to count a ready pod",
        CONTROLLERS,
        || {
            let list = tier
                .block_on(replica_sets.list(&ListParams::default()))
                .ok()?;
            list.items.into_iter().find(|rs| {
                rs.metadata.name.as_deref() != Some("bare")
                    && rs.status.as_ref().and_then(|s| s.ready_replicas) == Some(1)
            })
        },
    );
    let rs = web_rs.metadata.name.clone().expect("name");
    let deployment = tier.get(&deployments, "web");
    let bare = tier.get(&replica_sets, "bare");
    let sts = tier.until(
        "the StatefulSet to see its new revision",
        CONTROLLERS,
        || {
            let s = tier.get(&stateful_sets, "db");
            let st = s.status.clone()?;
            (st.observed_generation == Some(2)
                && st.ready_replicas == Some(1)
                && st.current_revision != st.update_revision)
                .then_some(s)
        },
    );
    let status = sts.status.clone().expect("status");
    let (current, update) = (
        status.current_revision.expect("currentRevision"),
        status.update_revision.expect("updateRevision"),
    );
    let ds = tier.until("the DaemonSet to count a ready pod", CONTROLLERS, || {
        let d = tier.get(&daemon_sets, "agent");
        (d.status.as_ref()?.number_ready == 1).then_some(d)
    });
    let rc = tier.until(
        "the ReplicationController to count a ready pod",
        CONTROLLERS,
        || {
            let c = tier.get(&controllers, "legacy");
            (c.status.as_ref()?.ready_replicas == Some(1)).then_some(c)
        },
    );
    let doomed_sts = tier.get(&stateful_sets, "doomed");
    let doomed_ds = tier.get(&daemon_sets, "doomed");
    let deleted = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        go_g(
            meta.deletion_timestamp
                .as_ref()
                .expect("held by its finalizer")
                .0
                .as_second(),
        )
    };

    let exporter = tier.exporter(&[
        "--resources=replicasets,statefulsets,daemonsets,replicationcontrollers",
        "--metric-labels-allowlist=replicasets=[app],statefulsets=[app],daemonsets=[app]",
        "--metric-annotations-allowlist=replicasets=[team],statefulsets=[team],daemonsets=[team]",
    ]);

    let r = |name: &str| format!(r#"namespace="{ns}",replicaset="{name}""#);
    let (w, b) = (r(&rs), r("bare"));
    let st = |name: &str| format!(r#"namespace="{ns}",statefulset="{name}""#);
    let (db, doomed) = (st("db"), st("doomed"));
    let d = |name: &str| format!(r#"namespace="{ns}",daemonset="{name}""#);
    let (ag, dd) = (d("agent"), d("doomed"));
    let lg = format!(r#"namespace="{ns}",replicationcontroller="legacy""#);
    let lines = |v: Vec<String>| sort(v);
    let expected: Vec<(&str, Vec<String>)> = vec![
        // ReplicaSets.
        (
            "kube_replicaset_created",
            lines(vec![
                format!("kube_replicaset_created{{{w}}} {}", created(&web_rs)),
                format!("kube_replicaset_created{{{b}}} {}", created(&bare)),
            ]),
        ),
        (
            "kube_replicaset_spec_replicas",
            lines(vec![
                format!("kube_replicaset_spec_replicas{{{w}}} 2"),
                format!("kube_replicaset_spec_replicas{{{b}}} 1"),
            ]),
        ),
        (
            "kube_replicaset_status_replicas",
            lines(vec![
                format!("kube_replicaset_status_replicas{{{w}}} 2"),
                format!("kube_replicaset_status_replicas{{{b}}} 1"),
            ]),
        ),
        (
            "kube_replicaset_status_fully_labeled_replicas",
            lines(vec![
                format!("kube_replicaset_status_fully_labeled_replicas{{{w}}} 2"),
                format!("kube_replicaset_status_fully_labeled_replicas{{{b}}} 1"),
            ]),
        ),
        (
            "kube_replicaset_status_ready_replicas",
            lines(vec![
                format!("kube_replicaset_status_ready_replicas{{{w}}} 1"),
                format!("kube_replicaset_status_ready_replicas{{{b}}} 0"),
            ]),
        ),
        ("kube_replicaset_status_terminating_replicas", vec![]),
        (
            "kube_replicaset_status_observed_generation",
            lines(vec![
                format!("kube_replicaset_status_observed_generation{{{w}}} 1"),
                format!("kube_replicaset_status_observed_generation{{{b}}} 1"),
            ]),
        ),
        (
            "kube_replicaset_metadata_generation",
            lines(vec![
                format!("kube_replicaset_metadata_generation{{{w}}} 1"),
                format!("kube_replicaset_metadata_generation{{{b}}} 1"),
            ]),
        ),
        (
            "kube_replicaset_owner",
            lines(vec![
                format!(
                    r#"kube_replicaset_owner{{{w},owner_kind="Deployment",owner_name="web",owner_is_controller="true"}} 1"#
                ),
                format!(
                    r#"kube_replicaset_owner{{{b},owner_kind="",owner_name="",owner_is_controller=""}} 1"#
                ),
            ]),
        ),
        (
            "kube_replicaset_labels",
            lines(vec![
                format!(r#"kube_replicaset_labels{{{w},label_app="web"}} 1"#),
                format!(r#"kube_replicaset_labels{{{b},label_app="bare"}} 1"#),
            ]),
        ),
        (
            "kube_replicaset_annotations",
            lines(vec![
                format!("kube_replicaset_annotations{{{w}}} 1"),
                format!(r#"kube_replicaset_annotations{{{b},annotation_team="storefront"}} 1"#),
            ]),
        ),
        // StatefulSets.
        (
            "kube_statefulset_created",
            lines(vec![
                format!("kube_statefulset_created{{{db}}} {}", created(&sts)),
                format!(
                    "kube_statefulset_created{{{doomed}}} {}",
                    created(&doomed_sts)
                ),
            ]),
        ),
        (
            "kube_statefulset_deletion_timestamp",
            lines(vec![format!(
                "kube_statefulset_deletion_timestamp{{{doomed}}} {}",
                deleted(&doomed_sts.metadata)
            )]),
        ),
        (
            "kube_statefulset_replicas",
            lines(vec![
                format!("kube_statefulset_replicas{{{db}}} 2"),
                format!("kube_statefulset_replicas{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_replicas",
            lines(vec![
                format!("kube_statefulset_status_replicas{{{db}}} 2"),
                format!("kube_statefulset_status_replicas{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_replicas_ready",
            lines(vec![
                format!("kube_statefulset_status_replicas_ready{{{db}}} 1"),
                format!("kube_statefulset_status_replicas_ready{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_replicas_available",
            lines(vec![
                format!("kube_statefulset_status_replicas_available{{{db}}} 0"),
                format!("kube_statefulset_status_replicas_available{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_replicas_current",
            lines(vec![
                format!("kube_statefulset_status_replicas_current{{{db}}} 2"),
                format!("kube_statefulset_status_replicas_current{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_replicas_updated",
            lines(vec![
                format!("kube_statefulset_status_replicas_updated{{{db}}} 0"),
                format!("kube_statefulset_status_replicas_updated{{{doomed}}} 0"),
            ]),
        ),
        (
            "kube_statefulset_status_observed_generation",
            lines(vec![
                format!("kube_statefulset_status_observed_generation{{{db}}} 2"),
                format!(
                    "kube_statefulset_status_observed_generation{{{doomed}}} {}",
                    doomed_sts
                        .status
                        .as_ref()
                        .and_then(|s| s.observed_generation)
                        .unwrap_or(0)
                ),
            ]),
        ),
        (
            "kube_statefulset_metadata_generation",
            lines(vec![
                format!("kube_statefulset_metadata_generation{{{db}}} 2"),
                // Deletion with a finalizer bumps the generation.
                format!(
                    "kube_statefulset_metadata_generation{{{doomed}}} {}",
                    doomed_sts.metadata.generation.unwrap_or(0)
                ),
            ]),
        ),
        (
            "kube_statefulset_status_current_revision",
            lines(vec![
                format!(
                    r#"kube_statefulset_status_current_revision{{{db},revision="{current}"}} 1"#
                ),
                format!(
                    r#"kube_statefulset_status_current_revision{{{doomed},revision="{}"}} 1"#,
                    doomed_sts
                        .status
                        .as_ref()
                        .and_then(|s| s.current_revision.clone())
                        .unwrap_or_default()
                ),
            ]),
        ),
        (
            "kube_statefulset_status_update_revision",
            lines(vec![
                format!(r#"kube_statefulset_status_update_revision{{{db},revision="{update}"}} 1"#),
                format!(
                    r#"kube_statefulset_status_update_revision{{{doomed},revision="{}"}} 1"#,
                    doomed_sts
                        .status
                        .as_ref()
                        .and_then(|s| s.update_revision.clone())
                        .unwrap_or_default()
                ),
            ]),
        ),
        ("kube_statefulset_ordinals_start", vec![]),
        (
            "kube_statefulset_persistentvolumeclaim_retention_policy",
            vec![],
        ),
        (
            "kube_statefulset_labels",
            lines(vec![
                format!(r#"kube_statefulset_labels{{{db},label_app="db"}} 1"#),
                format!("kube_statefulset_labels{{{doomed}}} 1"),
            ]),
        ),
        (
            "kube_statefulset_annotations",
            lines(vec![
                format!(r#"kube_statefulset_annotations{{{db},annotation_team="data"}} 1"#),
                format!("kube_statefulset_annotations{{{doomed}}} 1"),
            ]),
        ),
        // DaemonSets.
        (
            "kube_daemonset_created",
            lines(vec![
                format!("kube_daemonset_created{{{ag}}} {}", created(&ds)),
                format!("kube_daemonset_created{{{dd}}} {}", created(&doomed_ds)),
            ]),
        ),
        (
            "kube_daemonset_deletion_timestamp",
            lines(vec![format!(
                "kube_daemonset_deletion_timestamp{{{dd}}} {}",
                deleted(&doomed_ds.metadata)
            )]),
        ),
        (
            "kube_daemonset_status_desired_number_scheduled",
            lines(vec![
                format!("kube_daemonset_status_desired_number_scheduled{{{ag}}} 2"),
                format!("kube_daemonset_status_desired_number_scheduled{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_current_number_scheduled",
            lines(vec![
                format!("kube_daemonset_status_current_number_scheduled{{{ag}}} 2"),
                format!("kube_daemonset_status_current_number_scheduled{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_number_misscheduled",
            lines(vec![
                format!("kube_daemonset_status_number_misscheduled{{{ag}}} 0"),
                format!("kube_daemonset_status_number_misscheduled{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_number_ready",
            lines(vec![
                format!("kube_daemonset_status_number_ready{{{ag}}} 1"),
                format!("kube_daemonset_status_number_ready{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_number_available",
            lines(vec![
                format!("kube_daemonset_status_number_available{{{ag}}} 1"),
                format!("kube_daemonset_status_number_available{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_number_unavailable",
            lines(vec![
                format!("kube_daemonset_status_number_unavailable{{{ag}}} 1"),
                format!("kube_daemonset_status_number_unavailable{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_updated_number_scheduled",
            lines(vec![
                format!("kube_daemonset_status_updated_number_scheduled{{{ag}}} 2"),
                format!("kube_daemonset_status_updated_number_scheduled{{{dd}}} 0"),
            ]),
        ),
        (
            "kube_daemonset_status_observed_generation",
            lines(vec![
                format!("kube_daemonset_status_observed_generation{{{ag}}} 1"),
                format!(
                    "kube_daemonset_status_observed_generation{{{dd}}} {}",
                    doomed_ds
                        .status
                        .as_ref()
                        .and_then(|s| s.observed_generation)
                        .unwrap_or(0)
                ),
            ]),
        ),
        (
            "kube_daemonset_metadata_generation",
            lines(vec![
                format!("kube_daemonset_metadata_generation{{{ag}}} 1"),
                format!(
                    "kube_daemonset_metadata_generation{{{dd}}} {}",
                    doomed_ds.metadata.generation.unwrap_or(0)
                ),
            ]),
        ),
        (
            "kube_daemonset_labels",
            lines(vec![
                format!(r#"kube_daemonset_labels{{{ag},label_app="agent"}} 1"#),
                format!("kube_daemonset_labels{{{dd}}} 1"),
            ]),
        ),
        (
            "kube_daemonset_annotations",
            lines(vec![
                format!(r#"kube_daemonset_annotations{{{ag},annotation_team="sre"}} 1"#),
                format!("kube_daemonset_annotations{{{dd}}} 1"),
            ]),
        ),
        // ReplicationControllers.
        (
            "kube_replicationcontroller_created",
            vec![format!(
                "kube_replicationcontroller_created{{{lg}}} {}",
                created(&rc)
            )],
        ),
        (
            "kube_replicationcontroller_spec_replicas",
            vec![format!(
                "kube_replicationcontroller_spec_replicas{{{lg}}} 2"
            )],
        ),
        (
            "kube_replicationcontroller_status_replicas",
            vec![format!(
                "kube_replicationcontroller_status_replicas{{{lg}}} 2"
            )],
        ),
        (
            "kube_replicationcontroller_status_fully_labeled_replicas",
            vec![format!(
                "kube_replicationcontroller_status_fully_labeled_replicas{{{lg}}} 2"
            )],
        ),
        (
            "kube_replicationcontroller_status_ready_replicas",
            vec![format!(
                "kube_replicationcontroller_status_ready_replicas{{{lg}}} 1"
            )],
        ),
        (
            "kube_replicationcontroller_status_available_replicas",
            vec![format!(
                "kube_replicationcontroller_status_available_replicas{{{lg}}} 1"
            )],
        ),
        (
            "kube_replicationcontroller_status_observed_generation",
            vec![format!(
                "kube_replicationcontroller_status_observed_generation{{{lg}}} 1"
            )],
        ),
        (
            "kube_replicationcontroller_metadata_generation",
            vec![format!(
                "kube_replicationcontroller_metadata_generation{{{lg}}} 1"
            )],
        ),
        (
            "kube_replicationcontroller_owner",
            vec![format!(
                r#"kube_replicationcontroller_owner{{{lg},owner_kind="",owner_name="",owner_is_controller=""}} 1"#
            )],
        ),
    ];
    settle(&exporter, &ns, &expected);
    // The Deployment owns what the exporter names as its ReplicaSet.
    let owner = web_rs.metadata.owner_references.clone().unwrap_or_default();
    assert_eq!(
        owner[0].uid,
        deployment.metadata.uid.clone().unwrap_or_default()
    );
    not_run(
        "workloads (part)",
        "Kubernetes 1.20 has no status.terminatingReplicas (ReplicaSets, 1.33+), spec.ordinals \
         (StatefulSets, 1.26+) or spec.persistentVolumeClaimRetentionPolicy (StatefulSets, 1.23+): \
         kube_replicaset_status_terminating_replicas, kube_statefulset_ordinals_start and \
         kube_statefulset_persistentvolumeclaim_retention_policy were checked to have no series",
    );

    // Let the namespace go: release the finalizers.
    let release = json!({"metadata": {"finalizers": null}});
    tier.patch(&stateful_sets, "doomed", false, release.clone());
    tier.patch(&daemon_sets, "doomed", false, release);
}
