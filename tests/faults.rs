//! The fault matrix: each fault of a real API server injected into the
//! simulated one while the cluster changes (churn, plus a pod created, one
//! changed and one deleted during the fault), and each case ends with the
//! exporter serving exactly what a freshly started exporter serves of the
//! same cluster: no series lost, none stale. The requests the simulator
//! received per kind are counted and bounded: backoff, Retry-After, no
//! retry storm.
//!
//! Each case prints one `fault table:` line (run with `--nocapture`).

mod common;

use common::{Exporter, Sim, sample, wait_for};
use kubestate::sim::builders::{pod, service};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A small generated cluster of every default kind, churning every 200 ms.
const CLUSTER: [&str; 6] = [
    "--nodes",
    "3",
    "--pods-per-node",
    "4",
    "--churn-interval-ms",
    "200",
];

/// Longest a case may take to agree with a fresh exporter once its fault
/// has ended: the watchers' backoff caps at 30 s, and faults here are short
/// enough that the next retry comes well before that.
const CONVERGE_LIMIT: Duration = Duration::from_secs(40);

fn start(cluster: &[&str]) -> (Sim, Exporter) {
    let sim = Sim::start(cluster);
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    (sim, exporter)
}

fn fault(sim: &Sim, body: &str) {
    sim.control("POST", "/sim/faults", Some(body));
}

/// List and watch requests the simulator received, per kind.
fn requests(sim: &Sim) -> Value {
    serde_json::from_str(&sim.control("GET", "/sim/requests", None)).expect("JSON")
}

/// Requests (lists and watches) of `plural` between two `requests` readings.
fn requests_between(before: &Value, after: &Value, plural: &str) -> u64 {
    let total = |v: &Value| {
        v[plural]["list"].as_u64().unwrap_or(0) + v[plural]["watch"].as_u64().unwrap_or(0)
    };
    total(after) - total(before)
}

/// What changes while the exporter cannot see: one generated pod fails and
/// gets a label, another is deleted, a pod and a service are created.
fn change_objects(sim: &Sim, tag: &str) {
    let pods: Value =
        serde_json::from_str(&sim.control("GET", "/sim/objects/pods", None)).expect("JSON");
    let items = pods["items"].as_array().expect("items");
    assert!(items.len() >= 2, "the cluster has pods to change");
    let mut changed = items[0].clone();
    changed["status"]["phase"] = "Failed".into();
    changed["metadata"]["labels"]["fault"] = tag.into();
    sim.control("PUT", "/sim/objects", Some(&changed.to_string()));
    let gone = &items[items.len() - 1]["metadata"];
    sim.delete(
        "pods",
        gone["namespace"].as_str().expect("namespace"),
        gone["name"].as_str().expect("name"),
    );
    let name = format!("created-during-{tag}");
    sim.put(
        &pod(&name)
            .in_ns("default")
            .uid(&format!("uid-{name}"))
            .phase("Pending")
            .build(),
    );
    sim.put(
        &service(&name)
            .in_ns("default")
            .uid(&format!("uid-svc-{name}"))
            .build(),
    );
}

/// Every line of a scrape, sorted: the same series with the same values,
/// whatever order the stores hold objects in.
fn lines(exporter: &Exporter) -> Vec<String> {
    let mut lines: Vec<String> = exporter.scrape().lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn difference(old: &[String], fresh: &[String]) -> String {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter()
            .filter(|l| b.binary_search(l).is_err())
            .take(15)
            .cloned()
            .collect()
    };
    format!(
        "only in the exporter under test (stale):\n{}\nonly in the fresh exporter (lost):\n{}",
        only(old, fresh).join("\n"),
        only(fresh, old).join("\n")
    )
}

/// Stops churn, starts a fresh exporter against the same cluster, and waits
/// until `exporter` serves exactly what it serves. Returns the time since
/// `fault_ended`, and prints the fault table's line.
fn agrees_with_a_fresh_exporter(
    sim: &Sim,
    exporter: &Exporter,
    fault_ended: Instant,
    what: &str,
) -> Duration {
    sim.control("POST", "/sim/churn", Some(r#"{"enabled":false}"#));
    let fresh = Exporter::start(&sim.kubeconfig, &[]);
    fresh.wait_ready();
    let deadline = Instant::now() + CONVERGE_LIMIT;
    loop {
        let (old, new) = (lines(exporter), lines(&fresh));
        if old == new && old.iter().any(|l| l.starts_with("kube_pod_info{")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the exporter did not agree with a fresh one within {CONVERGE_LIMIT:?}\n{}",
            difference(&old, &new)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = fault_ended.elapsed();
    eprintln!(
        "fault table: {what}: same series and values as a fresh exporter {:.1} s after the fault ended",
        took.as_secs_f64()
    );
    took
}

fn self_metric(exporter: &Exporter, name: &str, labels: &[&str]) -> f64 {
    sample(&exporter.self_metrics(), name, labels).unwrap_or(0.0)
}

#[test]
fn watch_streams_closed_mid_event() {
    let (sim, exporter) = start(&CLUSTER);
    let before = requests(&sim);
    for round in 0..3 {
        for plural in ["pods", "deployments", "replicasets", "services"] {
            fault(
                &sim,
                &format!(r#"{{"resource":"{plural}","cut_next_event":"closed"}}"#),
            );
        }
        change_objects(&sim, &format!("closed-{round}"));
        std::thread::sleep(Duration::from_millis(500));
    }
    let ended = Instant::now();
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "watch streams closed mid-event");
    // Each cut costs a re-watch from the last revision seen, not a relist
    // storm: three cuts of pods are a handful of requests.
    let pods = requests_between(&before, &requests(&sim), "pods");
    assert!(pods <= 12, "{pods} pod requests for three cut streams");
}

/// As a real kube-apiserver restarts: its port refuses connections for
/// about 15 s, then its watch cache starts at the current revision, so
/// watches resumed from before get 410 and list again.
#[test]
fn api_server_restart_refuses_connections_for_fifteen_seconds() {
    let (sim, exporter) = start(&CLUSTER);
    let api = sim.url.clone();
    sim.control("POST", "/sim/restart", None);
    let started = Instant::now();
    wait_for("the API port to close", Duration::from_secs(5), || {
        common::get(&format!("{api}/version"))
            .is_err()
            .then_some(())
    });
    change_objects(&sim, "restart");
    // Still serving what it had, and still ready (it was synced).
    assert_eq!(
        common::get(&format!("{}/readyz", exporter.telemetry))
            .unwrap()
            .status,
        200
    );
    assert!(exporter.scrape().contains("kube_pod_info{"));
    let during = requests(&sim);
    wait_for(
        "the API port to open again",
        Duration::from_secs(25),
        || common::get(&format!("{api}/version")).ok().map(|_| ()),
    );
    let down = started.elapsed();
    assert!(down >= Duration::from_secs(14), "down for {down:?}");
    let ended = Instant::now();
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "API server restart (15 s refused)");
    let after = requests(&sim);
    for plural in ["pods", "nodes", "deployments", "services"] {
        // A watch resumed and refused with 410, a list, a watch; two
        // exporters' worth (the fresh one lists and watches too).
        let count = requests_between(&during, &after, plural);
        assert!(count <= 8, "{count} {plural} requests after the restart");
    }
    let log = exporter.process.stderr();
    let failures: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("watch failed; retrying after backoff"))
        .collect();
    assert!(!failures.is_empty(), "{log}");
    for line in &failures {
        assert!(line.contains(&format!("apiserver={api}/")), "{line}");
    }
    assert!(
        failures.iter().any(|l| l.contains("Connection refused")),
        "{log}"
    );
    // Backoff, not a flood: 0.8 s doubling (jittered down by up to a
    // quarter) gives at most seven attempts per kind in 15 s and the
    // moments after.
    for plural in ["pods", "nodes", "deployments", "services"] {
        let retries = failures
            .iter()
            .filter(|l| l.contains(&format!("resource={plural} ")))
            .count();
        assert!(retries <= 7, "{retries} retries of {plural}:\n{log}");
    }
    // One line per failed call: kube-client's own line is not repeated.
    assert!(!log.contains("kube_client"), "{log}");
}

/// Compaction: a list continued from before it gets 410 ("continue token
/// expired") and starts over; a watch resumed from before it gets a 410
/// ERROR event and the kind lists again.
#[test]
fn history_compacted_under_lists_and_watches() {
    // 600 pods: two pages of 500, slowed so that compaction lands between.
    let cluster = [
        "--nodes",
        "24",
        "--pods-per-node",
        "25",
        "--churn-interval-ms",
        "100",
    ];
    let sim = Sim::start(&cluster);
    fault(&sim, r#"{"resource":"pods","delay_ms":700}"#);
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    wait_for(
        "a pod list refused with 410",
        Duration::from_secs(30),
        || {
            sim.control("POST", "/sim/compact", None);
            std::thread::sleep(Duration::from_millis(250));
            let errors = self_metric(
                &exporter,
                "kube_state_metrics_list_total",
                &["resource=\"pods\"", "result=\"error\""],
            );
            (errors >= 1.0).then_some(())
        },
    );
    fault(&sim, r#"{"resource":"pods","delay_ms":null}"#);
    exporter.wait_ready();

    let gone_before = self_metric(
        &exporter,
        "kubestate_watch_events_total",
        &["resource=\"pods\"", "type=\"error\""],
    );
    // Watches cut while the history they would resume from is compacted.
    fault(&sim, r#"{"resource":"pods","status":500}"#);
    sim.control("POST", "/sim/close-watches", None);
    change_objects(&sim, "compaction");
    std::thread::sleep(Duration::from_secs(1));
    sim.control("POST", "/sim/compact", None);
    fault(&sim, r#"{"resource":"pods","status":null}"#);
    let ended = Instant::now();
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "history compacted (410 Gone)");
    let gone = self_metric(
        &exporter,
        "kubestate_watch_events_total",
        &["resource=\"pods\"", "type=\"error\""],
    );
    assert!(gone > gone_before, "a 410 ERROR event was met");
}

/// 403, 429 with Retry-After, 500 and 504, each on its own kind at once,
/// for six seconds during which every watch is closed and objects change.
#[test]
fn error_statuses_per_kind_are_retried_with_backoff_and_retry_after() {
    let (sim, exporter) = start(&CLUSTER);
    let faults = [
        ("pods", r#""status":403"#),
        ("deployments", r#""status":429,"retry_after_s":2"#),
        ("nodes", r#""status":500"#),
        ("services", r#""status":504"#),
    ];
    let before = requests(&sim);
    for (plural, status) in faults {
        fault(&sim, &format!(r#"{{"resource":"{plural}",{status}}}"#));
    }
    sim.control("POST", "/sim/close-watches", None);
    let window = Instant::now();
    change_objects(&sim, "statuses");
    std::thread::sleep(Duration::from_secs(6));
    let during = requests(&sim);
    let window = window.elapsed();
    for (plural, _) in faults {
        fault(
            &sim,
            &format!(r#"{{"resource":"{plural}","status":null,"retry_after_s":null}}"#),
        );
    }
    let ended = Instant::now();
    let counts: Vec<(&str, u64)> = faults
        .iter()
        .map(|(plural, _)| (*plural, requests_between(&before, &during, plural)))
        .collect();
    eprintln!("fault table: requests in {window:.1?} of refusal: {counts:?}");
    for (plural, count) in &counts {
        let bound = match *plural {
            // kube's client waits the 2 s Retry-After between its retries
            // (without it, its 5 ms exponential backoff makes about ten).
            "deployments" => 5,
            // kube's client retries a 504 itself, 5 ms doubling: about ten
            // in six seconds, then the watcher's own backoff.
            "services" => 16,
            // The watcher's backoff, 0.8 s doubling: 0.8, 1.6, 3.2.
            _ => 6,
        };
        assert!(
            *count >= 1 && *count <= bound,
            "{plural}: {count} requests in {window:?} (at most {bound})"
        );
    }
    let log = exporter.process.stderr();
    assert!(
        log.lines().any(|l| l.contains("resource=pods")
            && l.contains("403 Forbidden")
            && l.contains("grant list and watch on pods")),
        "{log}"
    );
    agrees_with_a_fresh_exporter(
        &sim,
        &exporter,
        ended,
        "403 / 429 Retry-After 2 / 500 / 504 per kind (6 s)",
    );
}

#[test]
fn slow_responses() {
    let (sim, exporter) = start(&CLUSTER);
    for plural in ["pods", "nodes", "replicasets"] {
        fault(
            &sim,
            &format!(r#"{{"resource":"{plural}","delay_ms":3000}}"#),
        );
    }
    sim.control("POST", "/sim/close-watches", None);
    change_objects(&sim, "slow");
    // Scrapes are answered from the cache meanwhile, at once.
    let scrape = Instant::now();
    assert!(exporter.scrape().contains("kube_pod_info{"));
    assert!(scrape.elapsed() < Duration::from_secs(2));
    std::thread::sleep(Duration::from_secs(4));
    for plural in ["pods", "nodes", "replicasets"] {
        fault(
            &sim,
            &format!(r#"{{"resource":"{plural}","delay_ms":null}}"#),
        );
    }
    let ended = Instant::now();
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "slow responses (3 s)");
}

/// A watch line cut short: kube's client alone would skip it and read on,
/// losing the event in it. The exporter ends the stream there and resumes
/// from the last revision it applied, so the API server sends it again.
#[test]
fn a_truncated_event_line() {
    let (sim, exporter) = start(&CLUSTER);
    sim.control("POST", "/sim/churn", Some(r#"{"enabled":false}"#));
    fault(&sim, r#"{"resource":"pods","cut_next_event":"truncated"}"#);
    // The first of these events is the one garbled: a change to a pod.
    let ended = Instant::now();
    change_objects(&sim, "truncated");
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "a truncated event line");
    let log = exporter.process.stderr();
    assert!(
        log.lines()
            .any(|l| l.contains("resource=pods") && l.contains("is not JSON")),
        "the garbled line is logged:\n{log}"
    );
}

/// An object that does not decode as its kind is skipped and counted by
/// both exporters alike, arriving by watch or by list.
#[test]
fn a_malformed_object() {
    let (sim, exporter) = start(&CLUSTER);
    for plural in ["pods", "deployments", "replicasets", "services"] {
        sim.control(
            "POST",
            "/sim/malformed",
            Some(&format!(r#"{{"resource":"{plural}"}}"#)),
        );
    }
    change_objects(&sim, "malformed");
    let ended = Instant::now();
    agrees_with_a_fresh_exporter(&sim, &exporter, ended, "a malformed object");
    for plural in ["pods", "deployments", "replicasets", "services"] {
        let errors = self_metric(
            &exporter,
            "kubestate_decode_errors_total",
            &[&format!("resource=\"{plural}\"")],
        );
        assert_eq!(errors, 1.0, "{plural}");
    }
}
