//! Serving as interface.md says: readiness, formats and negotiation,
//! escaping, gzip, `promtool check metrics`, shutdown, bad flags, an
//! unreachable API server, and the demo.

mod common;

use common::{BIN, Exporter, Sim, free_port, get, promtool_check, request, series_with, wait_for};
use kubestate::sim::builders::{node, pod};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Prometheus 2.x's default scrape Accept header.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const SPINE_FAMILIES: [&str; 17] = [
    "kube_pod_info",
    "kube_pod_owner",
    "kube_pod_status_phase",
    "kube_pod_status_ready",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_resource_requests",
    "kube_pod_container_resource_limits",
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_available",
    "kube_deployment_metadata_generation",
    "kube_deployment_status_observed_generation",
    "kube_node_info",
    "kube_node_status_condition",
    "kube_node_status_allocatable",
    "kube_node_spec_unschedulable",
    "kube_service_info",
    "kube_service_spec_type",
];

struct Demo {
    exporter: Exporter,
    /// The demo's TMPDIR, where it writes its kubeconfig.
    tmpdir: std::path::PathBuf,
}

impl Drop for Demo {
    // The test kills the demo (SIGKILL), which leaves its kubeconfig.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmpdir);
    }
}

/// `kubestate demo` on free loopback ports, waited until ready.
fn demo(extra: &[&str]) -> Demo {
    let (port, telemetry_port) = (free_port(), free_port());
    let stderr_path = std::env::temp_dir().join(format!("kubestate-demo-test-{port}.stderr"));
    let tmpdir = std::env::temp_dir().join(format!("kubestate-demo-test-{port}.tmp"));
    std::fs::create_dir_all(&tmpdir).unwrap();
    let child = Command::new(BIN)
        .env("TMPDIR", &tmpdir)
        .args([
            "demo",
            "--host",
            "127.0.0.1",
            "--telemetry-host",
            "127.0.0.1",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--telemetry-port",
            &telemetry_port.to_string(),
        ])
        .args(["--nodes", "6", "--pods-per-node", "5"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start kubestate demo");
    let exporter = Exporter {
        metrics: format!("http://127.0.0.1:{port}"),
        telemetry: format!("http://127.0.0.1:{telemetry_port}"),
        process: common::Process { child, stderr_path },
    };
    exporter.wait_ready();
    Demo { exporter, tmpdir }
}

#[test]
fn the_demo_serves_every_spine_family_and_promtool_accepts_it() {
    let demo = demo(&["--churn-interval-ms", "200"]);
    let scrape = demo.exporter.scrape();
    for family in SPINE_FAMILIES {
        assert!(
            !common::series(&scrape, family).is_empty(),
            "the demo cluster serves no {family} series"
        );
    }
    let (ok, report) = promtool_check(&scrape);
    assert!(ok, "promtool check metrics complained:\n{report}");
}

#[test]
fn readyz_is_503_naming_the_kind_until_its_first_list_finishes() {
    let sim = Sim::empty();
    sim.put(&pod("p").in_ns("shop").uid("p").build());
    sim.control(
        "POST",
        "/sim/faults",
        Some(r#"{"resource":"pods","delay_ms":3000}"#),
    );
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    // The other kinds list at once; pods take the injected 3 s, and during
    // them /readyz must name exactly the kind still listing.
    let not_ready = wait_for("/readyz to name only pods", Duration::from_secs(10), || {
        get(&format!("{}/readyz", exporter.telemetry))
            .ok()
            .filter(|r| r.text() == "not synced: pods\n")
    });
    assert_eq!(not_ready.status, 503);
    exporter.wait_ready();
    let synced = common::sample(
        &exporter.self_metrics(),
        "kubestate_resource_synced",
        &["resource=\"pods\""],
    );
    assert_eq!(synced, Some(1.0));
}

#[test]
fn sigterm_ends_the_process_cleanly_within_a_second() {
    let sim = Sim::empty();
    let mut exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let pid = exporter.process.child.id().to_string();
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_for("the exporter to exit", Duration::from_secs(1), || {
        exporter.process.child.try_wait().unwrap()
    });
    assert!(
        status.success(),
        "exit status {status:?} after {:?}",
        sent.elapsed()
    );
    let _ = &mut exporter;
}

#[test]
fn openmetrics_and_text_are_negotiated_by_accept() {
    let sim = Sim::empty();
    sim.put(
        &pod("p")
            .in_ns("shop")
            .uid("p")
            .container("app", |c| c.restarts(4).running(1_700_000_000))
            .build(),
    );
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);

    let om = request("GET", &url, &[("Accept", PROMETHEUS_ACCEPT)], None).unwrap();
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let body = om.text();
    assert!(body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    assert_eq!(body.matches("# EOF").count(), 1);
    assert!(body.contains("# TYPE kube_pod_container_status_restarts counter\n"));
    assert!(body.contains("# HELP kube_pod_container_status_restarts [STABLE] "));
    assert!(body.contains(r#"kube_pod_container_status_restarts_total{namespace="shop",pod="p",uid="p",container="app"} 4"#));

    for accept in [
        None,
        Some("text/plain;version=0.0.4"),
        Some("*/*"),
        Some("application/json"),
    ] {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let text = request("GET", &url, &headers, None).unwrap();
        assert_eq!(
            text.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8"),
            "Accept {accept:?}"
        );
        let body = text.text();
        assert!(!body.contains("# EOF"));
        assert!(body.contains("# TYPE kube_pod_container_status_restarts_total counter\n"));
    }
    let prefer_text = request(
        "GET",
        &url,
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.9",
        )],
        None,
    )
    .unwrap();
    assert_eq!(
        prefer_text.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
}

#[test]
fn label_values_with_quotes_backslashes_newlines_and_unicode_survive() {
    let sim = Sim::empty();
    sim.put(
        &node("odd-node")
            .uid("n1")
            .os_image("Debian \"bookworm\" \\ edition\nsecond line, ünïcødé ☸")
            .kernel("6.1")
            .build(),
    );
    let exporter = Exporter::start(&sim.kubeconfig, &["--resources=nodes"]);
    exporter.wait_ready();
    let scrape = exporter.scrape();
    let info = series_with(&scrape, "kube_node_info", "odd-node");
    assert_eq!(info.len(), 1);
    assert!(
        info[0].contains(r#"os_image="Debian \"bookworm\" \\ edition\nsecond line, ünïcødé ☸""#),
        "{}",
        info[0]
    );
    let (ok, report) = promtool_check(&scrape);
    assert!(ok, "promtool check metrics complained:\n{report}");
}

#[test]
fn gzip_is_served_when_enabled_and_accepted() {
    let sim = Sim::start(&[
        "--nodes",
        "3",
        "--pods-per-node",
        "4",
        "--churn-interval-ms",
        "0",
    ]);
    // kube-state-metrics' spelling, with a value.
    let exporter = Exporter::start(&sim.kubeconfig, &["--enable-gzip-encoding=true"]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);
    let plain = get(&url).unwrap();
    assert_eq!(plain.header("content-encoding"), None);
    let zipped = request("GET", &url, &[("Accept-Encoding", "gzip")], None).unwrap();
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&zipped.body[..])
        .read_to_string(&mut text)
        .expect("a valid gzip body");
    assert_eq!(text.lines().count(), plain.text().lines().count());
    assert!(text.len() > zipped.body.len());
}

#[test]
fn resources_and_exclude_resources_restrict_one_response() {
    let sim = Sim::start(&[
        "--nodes",
        "2",
        "--pods-per-node",
        "2",
        "--churn-interval-ms",
        "0",
    ]);
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let only_nodes = get(&format!("{}/metrics?resources=nodes", exporter.metrics))
        .unwrap()
        .text();
    assert!(only_nodes.contains("kube_node_info{"));
    assert!(!only_nodes.contains("kube_pod_") && !only_nodes.contains("kube_service_"));
    let no_pods = get(&format!(
        "{}/metrics?exclude_resources=pods",
        exporter.metrics
    ))
    .unwrap()
    .text();
    assert!(!no_pods.contains("kube_pod_") && no_pods.contains("kube_service_info"));
}

/// The `collectors` default of kube-state-metrics' Helm chart
/// (prometheus-community/helm-charts, charts/kube-state-metrics/values.yaml),
/// which it passes as `--resources`.
const HELM_CHART_COLLECTORS: [&str; 28] = [
    "certificatesigningrequests",
    "configmaps",
    "cronjobs",
    "daemonsets",
    "deployments",
    "endpoints",
    "horizontalpodautoscalers",
    "ingresses",
    "jobs",
    "leases",
    "limitranges",
    "mutatingwebhookconfigurations",
    "namespaces",
    "networkpolicies",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "poddisruptionbudgets",
    "pods",
    "replicasets",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "services",
    "statefulsets",
    "storageclasses",
    "validatingwebhookconfigurations",
    "volumeattachments",
];

/// The Helm chart's arguments start kubestate: every kind it names is
/// watched and synced, without a warning.
#[test]
fn the_helm_charts_resources_start_kubestate() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[&format!("--resources={}", HELM_CHART_COLLECTORS.join(","))],
    );
    exporter.wait_ready();
    let telemetry = exporter.self_metrics();
    for name in HELM_CHART_COLLECTORS {
        assert_eq!(
            common::sample(
                &telemetry,
                "kubestate_resource_synced",
                &[&format!("resource=\"{name}\"")]
            ),
            Some(1.0),
            "{name} synced\n{telemetry}"
        );
    }
    let stderr = exporter.process.stderr();
    assert!(!stderr.contains("WARN"), "{stderr}");
    let ready = get(&format!("{}/readyz", exporter.telemetry)).unwrap();
    assert_eq!((ready.status, ready.text().as_str()), (200, "ok\n"));
}

#[test]
fn a_bad_flag_stops_with_one_line_naming_it_and_status_2() {
    for (args, flag) in [
        (vec!["--resources=pods,podz"], "--resources"),
        (vec!["--kubeconfig=/nonexistent/kubeconfig"], "--kubeconfig"),
        (
            vec!["--namespaces=a", "--namespaces-denylist=b"],
            "--namespaces-denylist",
        ),
        (vec!["--port=notaport"], "--port"),
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:") && first.contains(flag),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn an_unreachable_api_server_means_backoff_not_a_flood() {
    let dir = std::env::temp_dir().join(format!("kubestate-unreachable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    let closed_port = free_port();
    kubestate::sim::write_kubeconfig(&kubeconfig, &format!("http://127.0.0.1:{closed_port}"))
        .unwrap();
    // One watcher per default kind.
    let exporter = Exporter::start(&kubeconfig, &[]);
    let not_ready = wait_for("/readyz to answer", Duration::from_secs(10), || {
        get(&format!("{}/readyz", exporter.telemetry)).ok()
    });
    assert_eq!(not_ready.status, 503);
    let defaults: Vec<&str> = kubestate::kinds::Resource::defaults()
        .map(|r| r.plural())
        .collect();
    assert_eq!(
        not_ready.text(),
        format!("not synced: {}\n", defaults.join(", "))
    );
    std::thread::sleep(Duration::from_secs(5));
    let log = exporter.process.stderr();
    let retries = log
        .lines()
        .filter(|l| l.contains("watch failed; retrying after backoff"))
        .count();
    // Each watcher backing off from 0.8 s gives a handful of lines in five
    // seconds; without backoff there would be thousands.
    let watchers = defaults.len();
    assert!(
        (watchers..=10 * watchers).contains(&retries),
        "{retries} retry lines:\n{log}"
    );
    assert_eq!(
        get(&format!("{}/healthz", exporter.metrics))
            .unwrap()
            .status,
        200
    );
}

#[test]
fn a_client_that_leaves_mid_body_does_not_wedge_the_exporter() {
    let sim = Sim::start(&[
        "--nodes",
        "40",
        "--pods-per-node",
        "40",
        "--churn-interval-ms",
        "0",
    ]);
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let threads = || -> usize {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", exporter.process.child.id()))
                .unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    };
    let full = get(&format!("{}/metrics", exporter.metrics))
        .unwrap()
        .body
        .len();
    assert!(
        full > 8 << 20,
        "the body ({full} bytes) must outgrow the socket buffers"
    );
    let before = threads();
    let authority = exporter.metrics.trim_start_matches("http://").to_string();
    for _ in 0..5 {
        // Read the start of the body, then hang up.
        let mut stream = std::net::TcpStream::connect(&authority).unwrap();
        stream
            .write_all(format!("GET /metrics HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())
            .unwrap();
        let mut start = [0u8; 4096];
        stream.read_exact(&mut start).unwrap();
    }
    // Every abandoned render stops (its threads end; tokio retires the idle
    // blocking thread after 10 s), and full scrapes still work.
    wait_for("abandoned renders to stop", Duration::from_secs(30), || {
        (threads() <= before).then_some(())
    });
    for _ in 0..2 {
        assert_eq!(
            get(&format!("{}/metrics", exporter.metrics))
                .unwrap()
                .body
                .len(),
            full
        );
    }
}

#[test]
fn shards_split_the_objects_between_them_without_overlap() {
    let sim = Sim::start(&[
        "--nodes",
        "4",
        "--pods-per-node",
        "10",
        "--churn-interval-ms",
        "0",
    ]);
    let whole = Exporter::start(&sim.kubeconfig, &[]);
    let shards: Vec<Exporter> = (0..2)
        .map(|i| {
            Exporter::start(
                &sim.kubeconfig,
                &[&format!("--shard={i}"), "--total-shards=2"],
            )
        })
        .collect();
    whole.wait_ready();
    let everything = common::series(&whole.scrape(), "kube_pod_info");
    let mut parts = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        shard.wait_ready();
        let part = common::series(&shard.scrape(), "kube_pod_info");
        assert!(
            !part.is_empty() && part.len() < everything.len(),
            "shard {i} holds {} of {}",
            part.len(),
            everything.len()
        );
        let telemetry = shard.self_metrics();
        assert_eq!(
            common::sample(&telemetry, "kube_state_metrics_total_shards", &[]),
            Some(2.0)
        );
        assert_eq!(
            common::sample(
                &telemetry,
                "kube_state_metrics_shard_ordinal",
                &[&format!("shard_ordinal=\"{i}\"")]
            ),
            Some(i as f64)
        );
        parts.extend(part);
    }
    parts.sort();
    assert_eq!(
        parts, everything,
        "the shards together hold every pod exactly once"
    );
}

#[test]
fn gzip_stays_off_with_enable_gzip_encoding_false() {
    let sim = Sim::empty();
    let exporter = Exporter::start(&sim.kubeconfig, &["--enable-gzip-encoding=false"]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);
    let plain = request("GET", &url, &[("Accept-Encoding", "gzip")], None).unwrap();
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
}

#[test]
fn klog_flags_are_ignored_with_one_plain_warning_line_each() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            "-v=2",
            "--logtostderr",
            "--vmodule=pod*=4",
            "--use-apiserver-cache=true",
        ],
    );
    exporter.wait_ready();
    let stderr = exporter.process.stderr();
    for flag in ["--v", "--logtostderr", "--vmodule"] {
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(&format!(" {flag} is a klog flag")))
            .collect();
        assert_eq!(warnings.len(), 1, "{flag}: {stderr}");
        assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
        assert!(warnings[0].contains("use --log-level"), "{}", warnings[0]);
    }
    // stderr is a file here, not a terminal: no colour codes.
    assert!(!stderr.contains('\x1b'), "escape codes in {stderr:?}");
    assert!(stderr.contains(" INFO "), "{stderr}");
}

#[test]
fn the_telemetry_port_negotiates_text_and_openmetrics_like_the_metrics_port() {
    let sim = Sim::empty();
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.telemetry);

    let om = request("GET", &url, &[("Accept", PROMETHEUS_ACCEPT)], None).unwrap();
    assert_eq!(
        om.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let body = om.text();
    assert!(body.ends_with("# EOF\n"), "{body}");
    assert!(body.contains("# TYPE kube_state_metrics_list counter\n"));

    for accept in [None, Some("text/plain;version=0.0.4"), Some("*/*")] {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let text = request("GET", &url, &headers, None).unwrap();
        assert_eq!(
            text.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8"),
            "Accept {accept:?}"
        );
        let body = text.text();
        assert!(
            !body.contains("# EOF") && !body.contains("# UNIT"),
            "{body}"
        );
        for counter in [
            "kube_state_metrics_list_total",
            "kube_state_metrics_watch_total",
            "process_cpu_seconds_total",
        ] {
            assert!(
                body.contains(&format!("# TYPE {counter} counter\n")),
                "{counter} in {body}"
            );
            assert!(body.contains(&format!("# HELP {counter} ")), "{counter}");
        }
        assert!(
            body.contains("kube_state_metrics_list_total{resource=\"pods\",result=\"success\"} 1"),
            "{body}"
        );
        let (ok, report) = promtool_check(&body);
        assert!(ok, "promtool check metrics complained:\n{report}");
    }
}

#[test]
fn version_names_the_git_revision() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let revision = String::from_utf8(head.stdout).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "kubestate {} (revision {})\n",
            env!("CARGO_PKG_VERSION"),
            revision.trim()
        )
    );
}

#[test]
fn the_demo_refuses_the_flags_of_a_real_cluster() {
    for (args, flag) in [
        (["demo", "--kubeconfig=/etc/hostname"], "--kubeconfig"),
        (["demo", "--apiserver=https://10.0.0.1"], "--apiserver"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("error: {flag}: demo runs against its own"))),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn the_demo_removes_its_kubeconfig_on_ctrl_c_and_sigterm() {
    for signal in ["-INT", "-TERM"] {
        let mut demo = demo(&["--churn-interval-ms", "0"]);
        let pid = demo.exporter.process.child.id();
        let kubeconfig = demo.tmpdir.join(format!("kubestate-demo-{pid}.kubeconfig"));
        assert!(
            kubeconfig.exists(),
            "{} while running",
            kubeconfig.display()
        );
        assert!(
            Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .unwrap()
                .success()
        );
        let status = wait_for("the demo to exit", Duration::from_secs(5), || {
            demo.exporter.process.child.try_wait().unwrap()
        });
        assert!(status.success(), "{signal}: {status:?}");
        assert!(
            !kubeconfig.exists(),
            "{signal}: {} left behind",
            kubeconfig.display()
        );
    }
}
