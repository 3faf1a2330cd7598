//! The watch life cycle against the simulated API server: changes show on
//! the next scrape, a 410 Gone relist drops objects deleted while the watch
//! was away, closed watch connections are survived, malformed objects are
//! skipped without losing the rest.

mod common;

use common::{Exporter, Sim, sample, series_with, wait_for};
use kubestate::sim::builders::pod;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn running(name: &str) -> k8s_openapi::api::core::v1::Pod {
    pod(name)
        .in_ns("shop")
        .uid(&format!("uid-{name}"))
        .phase("Running")
        .build()
}

/// Whether the scrape has a kube_pod_info series for the pod.
fn has_pod(exporter: &Exporter, name: &str) -> bool {
    !series_with(
        &exporter.scrape(),
        "kube_pod_info",
        &format!("pod=\"{name}\""),
    )
    .is_empty()
}

fn phase_of(exporter: &Exporter, name: &str) -> Option<String> {
    series_with(
        &exporter.scrape(),
        "kube_pod_status_phase",
        &format!("pod=\"{name}\""),
    )
    .into_iter()
    .find(|l| l.ends_with(" 1"))
    .and_then(|l| {
        l.split("phase=\"")
            .nth(1)
            .map(|p| p.split('"').next().unwrap_or("").to_string())
    })
}

#[test]
fn add_modify_delete_show_on_the_next_scrape() {
    let sim = Sim::empty();
    sim.put(&running("a"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    assert!(has_pod(&exporter, "a"));

    sim.put(&running("b"));
    wait_for("pod b added", LIMIT, || {
        has_pod(&exporter, "b").then_some(())
    });

    sim.put(&pod("a").in_ns("shop").uid("uid-a").phase("Failed").build());
    wait_for("pod a failed", LIMIT, || {
        (phase_of(&exporter, "a").as_deref() == Some("Failed")).then_some(())
    });

    sim.delete("pods", "shop", "a");
    wait_for("pod a deleted", LIMIT, || {
        (!has_pod(&exporter, "a")).then_some(())
    });
    assert!(has_pod(&exporter, "b"));

    let telemetry = exporter.self_metrics();
    for (kind, at_least) in [("added", 1.0), ("modified", 1.0), ("deleted", 1.0)] {
        let count = sample(
            &telemetry,
            "kubestate_watch_events_total",
            &["resource=\"pods\"", &format!("type=\"{kind}\"")],
        );
        assert!(
            count >= Some(at_least),
            "{kind} events: {count:?}\n{telemetry}"
        );
    }
}

#[test]
fn a_410_relist_drops_objects_deleted_while_the_watch_was_away() {
    let sim = Sim::empty();
    sim.put(&running("stays"));
    sim.put(&running("goes"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    assert!(has_pod(&exporter, "goes"));
    let lists_before = sample(
        &exporter.self_metrics(),
        "kube_state_metrics_list_total",
        &["resource=\"pods\"", "result=\"success\""],
    )
    .expect("list counter");

    // Keep the exporter from re-watching, delete while it is away, and
    // compact the history so the deletion can only be learned by a relist.
    // 500, not 503: kube's client itself retries 429/503/504 before the
    // watcher sees an error.
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"pods","status":500}"#),
    );
    sim.control("POST", "/sim/close-watches", None);
    wait_for("a refused re-watch", LIMIT, || {
        let errors = sample(
            &exporter.self_metrics(),
            "kube_state_metrics_watch_total",
            &["resource=\"pods\"", "result=\"error\""],
        );
        (errors >= Some(1.0)).then_some(())
    });
    sim.delete("pods", "shop", "goes");
    sim.put(&running("arrived"));
    sim.control("POST", "/sim/compact", None);
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"pods","status":null}"#),
    );

    wait_for("the deleted pod to disappear", LIMIT, || {
        (!has_pod(&exporter, "goes")).then_some(())
    });
    assert!(has_pod(&exporter, "stays"));
    assert!(has_pod(&exporter, "arrived"));
    let telemetry = exporter.self_metrics();
    let lists_after = sample(
        &telemetry,
        "kube_state_metrics_list_total",
        &["resource=\"pods\"", "result=\"success\""],
    )
    .unwrap();
    assert!(
        lists_after > lists_before,
        "a relist happened: {lists_before} -> {lists_after}"
    );
    let gone = sample(
        &telemetry,
        "kubestate_watch_events_total",
        &["resource=\"pods\"", "type=\"error\""],
    );
    assert!(
        gone >= Some(1.0),
        "the 410 ERROR event was counted:\n{telemetry}"
    );
}

/// As against a real API server (tests/real_cluster.rs): after a restart
/// the server's watch cache starts at the current revision, and watches
/// resumed from before it get 410 and list again. (The pod watch may have
/// seen the last write, whose revision is the new start: it may resume.)
#[test]
fn an_api_server_restart_makes_the_kinds_list_again() {
    let sim = Sim::empty();
    sim.put(&running("before"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let lists = |resource: &str| {
        sample(
            &exporter.self_metrics(),
            "kube_state_metrics_list_total",
            &[&format!("resource=\"{resource}\""), "result=\"success\""],
        )
        .unwrap_or(0.0)
    };
    let before: Vec<f64> = ["services", "nodes"].iter().map(|r| lists(r)).collect();
    sim.put(&running("during"));
    sim.control("POST", "/sim/restart", Some(r#"{"down_ms":2000}"#));
    wait_for("services and nodes to list again", LIMIT, || {
        (lists("services") > before[0] && lists("nodes") > before[1]).then_some(())
    });
    wait_for("the pod written before the restart", LIMIT, || {
        has_pod(&exporter, "during").then_some(())
    });
    assert!(has_pod(&exporter, "before"));
}

#[test]
fn the_exporter_survives_closed_watch_connections() {
    let sim = Sim::empty();
    sim.put(&running("a"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    for round in 0..3 {
        sim.control("POST", "/sim/close-watches", None);
        let name = format!("after-close-{round}");
        sim.put(&running(&name));
        wait_for(&name, LIMIT, || has_pod(&exporter, &name).then_some(()));
    }
    assert!(has_pod(&exporter, "a"));
    let ready = common::get(&format!("{}/readyz", exporter.telemetry)).unwrap();
    assert_eq!(ready.status, 200);
}

#[test]
fn a_malformed_object_is_skipped_counted_and_the_stream_keeps_flowing() {
    let sim = Sim::empty();
    sim.put(&running("good"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();

    sim.control("POST", "/sim/malformed", Some(r#"{"resource":"pods"}"#));
    sim.put(&running("after-bad"));
    wait_for("the pod after the malformed one", LIMIT, || {
        has_pod(&exporter, "after-bad").then_some(())
    });
    let errors = sample(
        &exporter.self_metrics(),
        "kubestate_decode_errors_total",
        &["resource=\"pods\""],
    );
    assert_eq!(errors, Some(1.0));
    assert!(
        exporter
            .process
            .stderr()
            .contains("skipping an object that could not be decoded")
    );

    // A relist meets the malformed object in a list page: the page's other
    // objects still arrive.
    let restarted = Exporter::start(&sim.kubeconfig, &[]);
    restarted.wait_ready();
    assert!(has_pod(&restarted, "good") && has_pod(&restarted, "after-bad"));
    let errors = sample(
        &restarted.self_metrics(),
        "kubestate_decode_errors_total",
        &["resource=\"pods\""],
    );
    assert_eq!(errors, Some(1.0));
}

/// A kind whose API the cluster does not serve (an older or newer
/// Kubernetes) is one warning, readiness does not wait for it, and it
/// starts once its API appears.
#[test]
fn a_kind_the_api_server_lacks_is_skipped_until_it_appears() {
    let sim = Sim::empty();
    sim.put(&running("a"));
    sim.put(
        &kubestate::sim::builders::service("web")
            .in_ns("shop")
            .uid("svc-web")
            .build(),
    );
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"services","absent":true}"#),
    );
    let exporter = Exporter::start(&sim.kubeconfig, &["--resources=pods,services"]);
    exporter.wait_ready();
    assert!(has_pod(&exporter, "a"));
    assert!(series_with(&exporter.scrape(), "kube_service_info", "service=\"web\"").is_empty());
    let stderr = exporter.process.stderr();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("does not serve v1 services"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");

    // Discovery failing (500) at the next retry does not make the missing
    // kind look served: an API server that restarts or breaks does not
    // grow an API.
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"services","status":500}"#),
    );
    std::thread::sleep(Duration::from_secs(7));
    let ready = common::get(&format!("{}/readyz", exporter.telemetry)).unwrap();
    assert_eq!((ready.status, ready.text().as_str()), (200, "ok\n"));
    let stderr = exporter.process.stderr();
    assert!(!stderr.contains("now serves"), "{stderr}");

    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"services","absent":false,"status":null}"#),
    );
    wait_for("services to start once served", LIMIT, || {
        (!series_with(&exporter.scrape(), "kube_service_info", "service=\"web\"").is_empty())
            .then_some(())
    });
    // Still one warning: the retries while it was absent are quiet.
    let stderr = exporter.process.stderr();
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("does not serve v1 services"))
            .count(),
        1,
        "{stderr}"
    );
}
