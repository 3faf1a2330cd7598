//! Automatic sharding (`--pod`, `--pod-namespace`): instances run as the
//! pods of a StatefulSet in the simulator, find their shard from it, and
//! follow its scale. Together they serve exactly what one unsharded
//! exporter serves, each series once, before and after the StatefulSet is
//! scaled up and down.

mod common;

use common::{Exporter, Sim, wait_for};
use kubestate::sim::builders::{pod, stateful_set};
use std::time::Duration;

const NAMESPACE: &str = "monitoring";
const STATEFULSET: &str = "kube-state-metrics";
const STATEFULSET_UID: &str = "5a1d7c3e-0b6f-4e2a-9c8d-1f2e3a4b5c6d";

/// How long the instances get to follow a change of the cluster.
const FOLLOW: Duration = Duration::from_secs(60);

fn scale(sim: &Sim, replicas: i32) {
    sim.put(
        &stateful_set(STATEFULSET, STATEFULSET)
            .in_ns(NAMESPACE)
            .uid(STATEFULSET_UID)
            .replicas(replicas)
            .build(),
    );
}

/// The StatefulSet controller's pod `kube-state-metrics-<ordinal>`.
fn create_pod(sim: &Sim, ordinal: usize) {
    sim.put(
        &pod(&format!("{STATEFULSET}-{ordinal}"))
            .in_ns(NAMESPACE)
            .owner("StatefulSet", STATEFULSET, STATEFULSET_UID, true)
            .build(),
    );
}

fn shard(sim: &Sim, ordinal: usize) -> Exporter {
    Exporter::start(
        &sim.kubeconfig,
        &[
            &format!("--pod={STATEFULSET}-{ordinal}"),
            &format!("--pod-namespace={NAMESPACE}"),
        ],
    )
}

/// `None` when the shards together serve exactly the unsharded series, each
/// once; otherwise what differs, for the failure message.
fn split_difference(whole: &Exporter, shards: &[&Exporter]) -> Option<String> {
    let scrapes: Vec<(String, String)> = shards
        .iter()
        .enumerate()
        .map(|(ordinal, shard)| (format!("shard {ordinal}"), shard.scrape()))
        .collect();
    common::split_difference(&whole.scrape(), &scrapes)
}

/// Waits until every shard reports `total` shards and the split is exact.
fn assert_split_exactly(whole: &Exporter, shards: &[&Exporter], total: usize) {
    let mut last = String::new();
    let followed = wait_for_or_none(|| {
        let aware = shards.iter().all(|s| {
            common::sample(&s.self_metrics(), "kube_state_metrics_total_shards", &[])
                == Some(total as f64)
        });
        if !aware {
            last = format!("not every shard reports {total} total shards yet");
            return false;
        }
        match split_difference(whole, shards) {
            None => true,
            Some(difference) => {
                last = difference;
                false
            }
        }
    });
    assert!(followed, "after {FOLLOW:?} with {total} shards: {last}");
    for (i, shard) in shards.iter().enumerate() {
        assert_eq!(
            common::sample(
                &shard.self_metrics(),
                "kube_state_metrics_shard_ordinal",
                &[&format!("shard_ordinal=\"{i}\"")]
            ),
            Some(i as f64),
            "shard {i}'s ordinal"
        );
    }
}

/// Polls `check` until it holds or `FOLLOW` has passed.
fn wait_for_or_none(mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + FOLLOW;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}

#[test]
fn statefulset_shards_split_the_cluster_exactly_and_follow_its_scale() {
    // Churn off: every exporter must see the same cluster when compared.
    let sim = Sim::start(&[
        "--nodes",
        "4",
        "--pods-per-node",
        "10",
        "--churn-interval-ms",
        "0",
    ]);
    scale(&sim, 2);
    for ordinal in 0..3 {
        create_pod(&sim, ordinal);
    }
    let whole = Exporter::start(&sim.kubeconfig, &[]);
    let first = shard(&sim, 0);
    let second = shard(&sim, 1);
    for exporter in [&whole, &first, &second] {
        exporter.wait_ready();
    }
    assert_split_exactly(&whole, &[&first, &second], 2);

    scale(&sim, 3);
    let third = shard(&sim, 2);
    third.wait_ready();
    assert_split_exactly(&whole, &[&first, &second, &third], 3);

    scale(&sim, 2);
    drop(third);
    assert_split_exactly(&whole, &[&first, &second], 2);
}

/// Runs an exporter that must stop at start, and returns its stderr.
fn failed_start(sim: &Sim, args: &[&str]) -> String {
    let mut exporter = Exporter::start(&sim.kubeconfig, args);
    let status = wait_for("the exporter to exit", Duration::from_secs(30), || {
        exporter.process.child.try_wait().expect("wait")
    });
    assert_eq!(status.code(), Some(1), "{}", exporter.process.stderr());
    exporter.process.stderr()
}

#[test]
fn a_pod_that_no_statefulset_controls_stops_the_exporter_with_one_line() {
    let sim = Sim::empty();
    sim.put(
        &pod("kube-state-metrics-6d9f8b7c5-x2x4q")
            .in_ns(NAMESPACE)
            .owner("ReplicaSet", "kube-state-metrics-6d9f8b7c5", "rs-uid", true)
            .build(),
    );
    let stderr = failed_start(
        &sim,
        &[
            "--pod=kube-state-metrics-6d9f8b7c5-x2x4q",
            "--pod-namespace=monitoring",
        ],
    );
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: --pod: pod monitoring/kube-state-metrics-6d9f8b7c5-x2x4q is not controlled by a StatefulSet"),
        "{stderr}"
    );

    let stderr = failed_start(&sim, &["--pod=absent-0", "--pod-namespace=monitoring"]);
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "error: --pod: cannot read pod monitoring/absent-0 to find its StatefulSet: 404 NotFound: pods \"absent-0\" not found",
        "{stderr}"
    );
}
