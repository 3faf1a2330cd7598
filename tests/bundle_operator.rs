//! The prometheus-operator component (manifests/components/prometheus-operator,
//! applied through examples/prometheus-operator): its ServiceMonitor and
//! PrometheusRule validate strictly against prometheus-operator's CRD
//! schemas, and the ServiceMonitor scrapes both ports of the Service as
//! kube-prometheus scrapes kube-state-metrics, under job kube-state-metrics.

mod common_bundle;

use std::collections::BTreeSet;
use std::process::Command;

use common_bundle::*;
use serde_json::Value;

const OVERLAY: &str = "examples/prometheus-operator";
const CRDS: [&str; 2] = [
    "tests/fixtures/prometheus-operator/monitoring.coreos.com_servicemonitors.yaml",
    "tests/fixtures/prometheus-operator/monitoring.coreos.com_prometheusrules.yaml",
];

fn overlay() -> Vec<Value> {
    yaml_docs(&kustomize(OVERLAY))
}

fn is_operator_kind(obj: &Value) -> bool {
    obj["apiVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with("monitoring.coreos.com/"))
}

fn one<'a>(objs: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = objs.iter().filter(|o| o["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected exactly one {kind} in {OVERLAY}");
    found[0]
}

/// tests/crd_validate.py on the objects (JSON is YAML): its output, and
/// whether every object passed.
fn validate_against_crds(objs: &[Value]) -> (bool, String) {
    let yaml: Vec<String> = objs.iter().map(Value::to_string).collect();
    let crds = CRDS.map(|c| root().join(c));
    let out = run_with_stdin(
        Command::new("python3")
            .arg(root().join("tests/crd_validate.py"))
            .args(crds),
        "python3",
        yaml.join("\n---\n").as_bytes(),
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.is_empty(),
        "the validator itself failed (it needs PyYAML and jsonschema, which \
         `pip install kubernetes-validate pyyaml` brings):\n{stderr}"
    );
    (out.status.success(), text(&out.stdout))
}

#[test]
fn service_monitor_and_prometheus_rule_validate_strictly_against_the_crds() {
    let objs: Vec<Value> = overlay().into_iter().filter(is_operator_kind).collect();
    let kinds: BTreeSet<&str> = objs.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["PrometheusRule", "ServiceMonitor"]));
    assert_eq!(objs.len(), 2);
    let (ok, report) = validate_against_crds(&objs);
    assert!(ok, "CRD validation failed:\n{report}");
    assert_eq!(
        report.lines().filter(|l| l.starts_with("passed ")).count(),
        2,
        "{report}"
    );
}

/// The validator is strict: the API server would drop an unknown field
/// silently, so a misspelt one must fail here.
#[test]
fn crd_validation_rejects_a_misspelt_field() {
    let objs = overlay();
    let mut monitor = one(&objs, "ServiceMonitor").clone();
    let endpoint = monitor["spec"]["endpoints"][0]
        .as_object_mut()
        .expect("an endpoint");
    let honor = endpoint.remove("honorLabels").expect("honorLabels is set");
    endpoint.insert("honorLabel".into(), honor);
    let (ok, report) = validate_against_crds(&[monitor]);
    assert!(!ok, "a misspelt field passed:\n{report}");
    assert!(report.contains("'honorLabel' was unexpected"), "{report}");

    let mut rule = one(&objs, "PrometheusRule").clone();
    rule["spec"]["groups"][0]["rules"][0]["for"] = "30 seconds".into();
    let (ok, report) = validate_against_crds(&[rule]);
    assert!(!ok, "a malformed duration passed:\n{report}");
}

#[test]
fn service_monitor_scrapes_both_service_ports_under_job_kube_state_metrics() {
    let objs = overlay();
    let service = one(&objs, "Service");
    let monitor = one(&objs, "ServiceMonitor");
    assert_eq!(
        monitor["metadata"]["namespace"], service["metadata"]["namespace"],
        "without a namespaceSelector the ServiceMonitor selects Services of its own namespace"
    );
    assert!(monitor["spec"]["namespaceSelector"].is_null());
    let labels = service["metadata"]["labels"].as_object().expect("labels");
    for (k, v) in monitor["spec"]["selector"]["matchLabels"]
        .as_object()
        .expect("matchLabels")
    {
        assert_eq!(labels.get(k), Some(v), "the Service lacks label {k}={v}");
    }
    // The job label is the value of the Service's label named by jobLabel.
    let job_label = monitor["spec"]["jobLabel"].as_str().expect("jobLabel");
    assert_eq!(labels[job_label], "kube-state-metrics");

    let service_ports: BTreeSet<&str> = service["spec"]["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    let endpoints = monitor["spec"]["endpoints"].as_array().expect("endpoints");
    let scraped: BTreeSet<&str> = endpoints
        .iter()
        .filter_map(|e| e["port"].as_str())
        .collect();
    assert_eq!(scraped, BTreeSet::from(["http-metrics", "telemetry"]));
    assert_eq!(scraped, service_ports);

    let metrics = endpoints
        .iter()
        .find(|e| e["port"] == "http-metrics")
        .expect("http-metrics");
    assert_eq!(metrics["honorLabels"], true);
    // Relabel regexes are anchored at both ends, as Prometheus anchors them.
    let dropped: Vec<regex::Regex> = metrics["relabelings"]
        .as_array()
        .expect("relabelings")
        .iter()
        .filter(|r| r["action"] == "labeldrop")
        .map(|r| regex::Regex::new(&format!("^(?:{})$", r["regex"].as_str().unwrap())).unwrap())
        .collect();
    let drops = |label: &str| dropped.iter().any(|r| r.is_match(label));
    for label in ["pod", "namespace", "service", "endpoint"] {
        assert!(drops(label), "target label {label} is kept");
    }
    for label in ["job", "instance", "node", "container"] {
        assert!(!drops(label), "target label {label} is dropped");
    }
}

#[test]
fn overlay_is_manifests_plus_the_rule_file_and_the_service_monitor() {
    let objs = overlay();
    let rest: Vec<Value> = objs
        .iter()
        .filter(|o| !is_operator_kind(o))
        .cloned()
        .collect();
    assert_eq!(rest, yaml_docs(&kustomize("manifests/")));
    assert_eq!(
        one(&objs, "PrometheusRule"),
        &yaml_file("rules/prometheusrule.yaml")
    );
}
