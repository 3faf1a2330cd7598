//! Clear operation and nothing secret leaving the process: one log line per
//! failed call naming the API server and the cause, no colour codes in a
//! file, bad log filters and allowlists are bad flags, process metrics from
//! the system's own figures; no label or annotation without an allowlist,
//! no token in any log, never kubectl's last-applied-configuration.

mod common;

use common::{BIN, Exporter, Sim, free_port, sample, series, wait_for};
use kubestate::sim::builders::pod;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "kubestate-test-bearer-7f3a9c2e51d84b06";

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubestate-operation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A kubeconfig for `server` whose user is the bearer token `TOKEN`.
fn kubeconfig_with_token(name: &str, server: &str) -> PathBuf {
    let path = temp_file(name);
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    });
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

/// The exporter's retry lines once there are at least `at_least`.
fn retry_lines(exporter: &Exporter, at_least: usize) -> Vec<String> {
    wait_for("retry lines", Duration::from_secs(15), || {
        let log = exporter.process.stderr();
        let lines: Vec<String> = log
            .lines()
            .filter(|l| l.contains("watch failed; retrying after backoff"))
            .map(str::to_owned)
            .collect();
        (lines.len() >= at_least).then_some(lines)
    })
}

#[test]
fn an_unreachable_api_server_is_one_line_per_retry_naming_the_url_and_the_cause() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let kubeconfig = kubeconfig_with_token("refused.kubeconfig", &url);
    let exporter = Exporter::start(&kubeconfig, &["--resources=pods"]);
    let lines = retry_lines(&exporter, 3);
    for line in &lines {
        assert!(
            line.contains(&format!("apiserver={url}/")) && line.contains("Connection refused"),
            "{line}"
        );
    }
    // kube-client's own line for the same failure is not there; one line
    // per retry in all.
    let log = exporter.process.stderr();
    let warnings = log
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .count();
    assert_eq!(warnings, lines.len(), "{log}");
    // stderr is a file, not a terminal: no colour codes at all.
    assert!(!log.contains('\x1b'), "{log:?}");
}

#[test]
fn a_tls_failure_401_and_403_are_named() {
    let sim = Sim::empty();
    // https to a plain-HTTP port: the TLS handshake fails.
    let https = sim.url.replace("http://", "https://");
    let kubeconfig = kubeconfig_with_token("tls.kubeconfig", &https);
    let exporter = Exporter::start(&kubeconfig, &["--resources=pods"]);
    let line = retry_lines(&exporter, 1).remove(0);
    assert!(
        line.contains("TLS: ") && line.contains(&format!("apiserver={https}/")),
        "{line}"
    );
    drop(exporter);

    for (code, said) in [
        (
            401,
            "401 Unauthorized: Unauthorized (the API server refused the credentials",
        ),
        (403, "403 Forbidden: pods is forbidden"),
    ] {
        sim.control(
            "POST",
            "/sim/faults",
            Some(&format!(r#"{{"resource":"pods","status":{code}}}"#)),
        );
        let exporter = Exporter::start(&sim.kubeconfig, &["--resources=pods"]);
        let line = retry_lines(&exporter, 1).remove(0);
        assert!(
            line.contains(said) && line.contains(&format!("apiserver={}/", sim.url)),
            "{line}"
        );
    }
}

#[test]
fn bad_log_filters_and_allowlists_naming_unknown_kinds_are_bad_flags() {
    for (args, env, named) in [
        (
            vec!["--log-level=verbose"],
            None,
            "--log-level: \"verbose\"",
        ),
        (vec!["--log-level=kubestate=loud"], None, "--log-level"),
        (vec![], Some("chatty"), "RUST_LOG: \"chatty\""),
        (
            vec!["--metric-labels-allowlist=pod=[app]"],
            None,
            "--metric-labels-allowlist: unknown resource \"pod\"",
        ),
        (
            vec!["--metric-annotations-allowlist=deployment=[*]"],
            None,
            "--metric-annotations-allowlist: unknown resource \"deployment\"",
        ),
    ] {
        let mut command = Command::new(BIN);
        command.args(&args).env_remove("RUST_LOG");
        if let Some(value) = env {
            command.env("RUST_LOG", value);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("error: {named}")), "{stderr}");
    }
}

/// The process metrics agree with what the kernel reports in
/// /proc/<pid>/status, which is in kB whatever the page size.
#[test]
fn process_metrics_use_the_systems_page_size_and_clock() {
    let sim = Sim::empty();
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let telemetry = exporter.self_metrics();
    let resident = sample(&telemetry, "process_resident_memory_bytes", &[]).unwrap();
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", exporter.process.child.id())).unwrap();
    let vm_rss_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    let ratio = resident / (vm_rss_kb * 1024.0);
    assert!((0.8..1.25).contains(&ratio), "{resident} vs {vm_rss_kb} kB");
    let started = sample(&telemetry, "process_start_time_seconds", &[]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (now - 60.0..=now + 1.0).contains(&started),
        "started {started}, now {now}"
    );
}

fn labelled_pod(name: &str) -> k8s_openapi::api::core::v1::Pod {
    pod(name)
        .in_ns("shop")
        .uid(&format!("uid-{name}"))
        .phase("Running")
        .label("team", "label-value-7d1e")
        .annotation("owner", "annotation-value-93bc")
        .annotation(
            "kubectl.kubernetes.io/last-applied-configuration",
            r#"{"apiVersion":"v1","kind":"Secret","data":{"password":"bGFzdC1hcHBsaWVkLXNlY3JldA=="}}"#,
        )
        .build()
}

#[test]
fn no_label_or_annotation_value_is_served_without_an_allowlist() {
    let sim = Sim::empty();
    sim.put(&labelled_pod("p"));
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let body = exporter.scrape();
    assert!(body.contains("kube_pod_info{"), "the pod is served");
    for value in ["label-value-7d1e", "annotation-value-93bc", "bGFzdC1h"] {
        assert!(!body.contains(value), "{value} served:\n{body}");
    }
    assert!(series(&body, "kube_pod_labels").is_empty());
    assert!(series(&body, "kube_pod_annotations").is_empty());
}

/// kube-state-metrics serves it with `annotations=[*]`; it can hold a
/// Secret's data, so kubestate never does.
#[test]
fn last_applied_configuration_is_never_served_even_with_every_annotation_allowed() {
    let sim = Sim::empty();
    sim.put(&labelled_pod("p"));
    for allowlist in [
        "--metric-annotations-allowlist=pods=[*]",
        "--metric-annotations-allowlist=*=[*]",
        "--metric-annotations-allowlist=pods=[kubectl.kubernetes.io/last-applied-configuration]",
    ] {
        let exporter = Exporter::start(&sim.kubeconfig, &[allowlist]);
        exporter.wait_ready();
        let body = exporter.scrape();
        let wanted = if allowlist.ends_with("configuration]") {
            r#"kube_pod_annotations{namespace="shop",pod="p",uid="uid-p"} 1"#
        } else {
            r#"kube_pod_annotations{namespace="shop",pod="p",uid="uid-p",annotation_owner="annotation-value-93bc"} 1"#
        };
        assert_eq!(
            series(&body, "kube_pod_annotations"),
            vec![wanted.to_string()],
            "{allowlist}"
        );
        assert!(!body.contains("last_applied"), "{allowlist}");
        assert!(!body.contains("bGFzdC1h"), "{allowlist}");
    }
}

/// A failing API server at every log level: the bearer token is sent on
/// every request and never written to the log.
#[test]
fn the_bearer_token_is_never_logged_at_any_level() {
    let sim = Sim::empty();
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"pods","status":401}"#),
    );
    let kubeconfig = kubeconfig_with_token("token.kubeconfig", &sim.url);
    for level in ["info", "debug", "trace"] {
        let exporter = Exporter::start(
            &kubeconfig,
            &["--resources=pods", &format!("--log-level={level}")],
        );
        retry_lines(&exporter, 2);
        let log = exporter.process.stderr();
        assert!(!log.contains(TOKEN), "--log-level={level} logged the token");
        assert!(!log.contains("7f3a9c2e51d84b06"), "--log-level={level}");
    }
}
