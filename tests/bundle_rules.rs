//! The alerting and recording rules: promtool accepts them and their unit
//! tests pass, every alert is tested firing and not firing, every recording
//! rule's output is tested, the PrometheusRule holds the very same groups,
//! every alert is documented, and they select only metric names of the
//! shared specification.

mod common_bundle;

use std::collections::BTreeSet;
use std::process::Command;

use common_bundle::*;
use serde_json::Value;

const RULES: &str = "rules/kubestate.rules.yml";

fn test_files() -> Vec<String> {
    let dir = root().join("rules/tests");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yml"))
        .map(|n| format!("rules/tests/{n}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no promtool unit tests in rules/tests");
    files
}

/// Every rule of every group, alerting and recording.
fn rules(groups: &Value) -> Vec<Value> {
    groups
        .as_array()
        .expect("groups is a list")
        .iter()
        .flat_map(|g| g["rules"].as_array().expect("rules").clone())
        .collect()
}

fn alerts(groups: &Value) -> Vec<Value> {
    rules(groups)
        .into_iter()
        .filter(|r| r["alert"].is_string())
        .collect()
}

fn recording_rules(groups: &Value) -> Vec<Value> {
    rules(groups)
        .into_iter()
        .filter(|r| r["record"].is_string())
        .collect()
}

/// The rule's alert or record name.
fn rule_name(rule: &Value) -> &str {
    rule["alert"]
        .as_str()
        .or_else(|| rule["record"].as_str())
        .expect("every rule is an alert or a record")
}

fn alert_names() -> BTreeSet<String> {
    alerts(&yaml_file(RULES)["groups"])
        .iter()
        .map(|r| r["alert"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn promtool_check_rules_accepts_the_rule_file_and_the_prometheus_example() {
    let out = run(
        Command::new("promtool")
            .args(["check", "rules", RULES])
            .current_dir(root()),
        "promtool",
    );
    assert_success(&out, "promtool check rules");
    // The example configuration loads the same rule file (relative path).
    let out = run(
        Command::new("promtool")
            .args(["check", "config", "examples/prometheus/prometheus.yml"])
            .current_dir(root()),
        "promtool",
    );
    assert_success(
        &out,
        "promtool check config examples/prometheus/prometheus.yml",
    );
}

#[test]
fn promtool_unit_tests_pass() {
    let out = run(
        Command::new("promtool")
            .args(["test", "rules"])
            .args(test_files())
            .current_dir(root()),
        "promtool",
    );
    assert_success(&out, "promtool test rules");
}

#[test]
fn every_alert_has_a_firing_and_a_quiet_unit_test_case() {
    let mut fires = BTreeSet::new();
    let mut quiet = BTreeSet::new();
    for f in test_files() {
        let doc = yaml_file(&f);
        assert_eq!(
            doc["rule_files"],
            serde_json::json!(["../kubestate.rules.yml"]),
            "{f} must test the shipped rule file"
        );
        for t in doc["tests"].as_array().expect("tests") {
            for case in t["alert_rule_test"].as_array().into_iter().flatten() {
                let name = case["alertname"].as_str().unwrap().to_string();
                let exp = case["exp_alerts"].as_array().map(|a| a.len()).unwrap_or(0);
                if exp > 0 {
                    for a in case["exp_alerts"].as_array().unwrap() {
                        let ann = &a["exp_annotations"];
                        assert!(
                            ann["summary"].is_string() && ann["description"].is_string(),
                            "{f}: firing case of {name} must check summary and description"
                        );
                        assert!(
                            a["exp_labels"]["severity"].is_string(),
                            "{f}: firing case of {name} must check severity"
                        );
                    }
                    fires.insert(name);
                } else {
                    quiet.insert(name);
                }
            }
        }
    }
    let all = alert_names();
    let untested_fire: Vec<_> = all.difference(&fires).collect();
    let untested_quiet: Vec<_> = all.difference(&quiet).collect();
    assert!(
        untested_fire.is_empty(),
        "alerts never tested firing: {untested_fire:?}"
    );
    assert!(
        untested_quiet.is_empty(),
        "alerts never tested quiet: {untested_quiet:?}"
    );
}

#[test]
fn every_recording_rule_has_its_output_checked_by_a_unit_test() {
    // The output series the promql_expr_test cases expect, as written.
    let mut expected: Vec<String> = Vec::new();
    for f in test_files() {
        for t in yaml_file(&f)["tests"].as_array().expect("tests") {
            for case in t["promql_expr_test"].as_array().into_iter().flatten() {
                for sample in case["exp_samples"].as_array().into_iter().flatten() {
                    expected.push(sample["labels"].as_str().unwrap_or("").to_string());
                }
            }
        }
    }
    let recording = recording_rules(&yaml_file(RULES)["groups"]);
    assert!(!recording.is_empty(), "no recording rules in {RULES}");
    for rule in recording {
        let record = rule_name(&rule);
        // Several rules record the same name: each is told apart by its own
        // static labels (workload_type), which an expected series must carry.
        let fixed: Vec<String> = rule["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap()))
            .collect();
        assert!(
            expected
                .iter()
                .any(|s| s.starts_with(&format!("{record}{{"))
                    && fixed.iter().all(|l| s.contains(l.as_str()))),
            "no unit test expects an output series of {record} with {fixed:?}"
        );
    }
}

#[test]
fn prometheusrule_holds_the_same_groups_as_the_rule_file() {
    let plain = yaml_file(RULES);
    let crd = yaml_file("rules/prometheusrule.yaml");
    assert_eq!(crd["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(crd["kind"], "PrometheusRule");
    assert_eq!(
        crd["spec"]["groups"], plain["groups"],
        "rules/prometheusrule.yaml and {RULES} have drifted apart"
    );
}

#[test]
fn example_configmaps_hold_the_example_config_and_the_rules() {
    let docs = yaml_docs(&read("examples/prometheus/configmap.yaml"));
    let by_name = |n: &str| -> &Value {
        docs.iter()
            .find(|d| d["metadata"]["name"] == n)
            .unwrap_or_else(|| panic!("ConfigMap {n} missing"))
    };
    // Rules: byte for byte the rule file.
    let rules_cm = by_name("prometheus-rules");
    assert_eq!(
        rules_cm["data"]["kubestate.rules.yml"].as_str().unwrap(),
        read(RULES),
        "the rules ConfigMap differs from {RULES}"
    );
    // Config: the example, with the rule file where the ConfigMap mounts it.
    let cfg_cm = by_name("prometheus-config");
    let mut in_cm = yaml_docs(cfg_cm["data"]["prometheus.yml"].as_str().unwrap()).remove(0);
    let mut example = yaml_file("examples/prometheus/prometheus.yml");
    assert_eq!(
        in_cm["rule_files"],
        serde_json::json!(["/etc/prometheus/rules/kubestate.rules.yml"])
    );
    assert_eq!(
        example["rule_files"],
        serde_json::json!(["../../rules/kubestate.rules.yml"])
    );
    in_cm["rule_files"] = Value::Null;
    example["rule_files"] = Value::Null;
    assert_eq!(
        in_cm, example,
        "the config ConfigMap differs from prometheus.yml"
    );
}

#[test]
fn example_config_scrapes_kubestate_under_the_kube_state_metrics_job() {
    let cfg = yaml_file("examples/prometheus/prometheus.yml");
    let jobs: Vec<(String, Vec<Value>)> = cfg["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["job_name"].as_str().unwrap().to_string(),
                j["static_configs"][0]["targets"]
                    .as_array()
                    .unwrap()
                    .clone(),
            )
        })
        .collect();
    // One job for both ports: kube-state-metrics' own alerts select
    // job="kube-state-metrics" on the telemetry port's metrics.
    assert_eq!(
        jobs,
        vec![(
            "kube-state-metrics".to_string(),
            vec![
                Value::from("kube-state-metrics.kube-system.svc.cluster.local:8080"),
                Value::from("kube-state-metrics.kube-system.svc.cluster.local:8081"),
            ]
        )]
    );
}

#[test]
fn every_alert_has_severity_summary_description_and_a_runbook() {
    let readme = read("rules/README.md");
    let headings: BTreeSet<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(|h| h.trim().to_string())
        .collect();
    for rule in alerts(&yaml_file(RULES)["groups"]) {
        let name = rule["alert"].as_str().unwrap();
        let sev = rule["labels"]["severity"].as_str().unwrap_or("");
        assert!(
            matches!(sev, "critical" | "major" | "warning" | "info"),
            "{name}: severity `{sev}`"
        );
        for a in ["summary", "description"] {
            let v = rule["annotations"][a].as_str().unwrap_or("");
            assert!(!v.trim().is_empty(), "{name}: annotation {a} missing");
        }
        assert!(
            headings.contains(name),
            "{name}: no runbook section `### {name}` in rules/README.md"
        );
    }
}

#[test]
fn the_two_required_alerts_are_as_specified() {
    let rules = alerts(&yaml_file(RULES)["groups"]);
    let get = |n: &str| rules.iter().find(|r| r["alert"] == n).unwrap().clone();
    let down = get("service_down");
    assert_eq!(down["expr"].as_str().unwrap().trim(), "up == 0");
    let api = get("APIHighInvocationRate");
    assert_eq!(
        api["expr"].as_str().unwrap().trim(),
        r#"sum(rate(gateway_function_invocation_total{code="200"}[10s])) by (function_name) > 5"#
    );
    assert_eq!(api["for"], "5s");
    assert_eq!(api["labels"]["severity"], "major");
    assert!(
        api["annotations"]["description"]
            .as_str()
            .unwrap()
            .contains("$value")
    );
    for a in ["summary", "description"] {
        let v = down["annotations"][a].as_str().unwrap();
        assert!(
            v.contains("$labels.job") && v.contains("$labels.instance"),
            "service_down {a}"
        );
    }
}

#[test]
fn rules_select_only_metrics_of_the_spec() {
    let spec = documented_metric_names();
    // Outside the spec on purpose: Prometheus's own `up` and the gateway's
    // counter of the required APIHighInvocationRate alert.
    let outside = ["up", "gateway_function_invocation_total"];
    for rule in rules(&yaml_file(RULES)["groups"]) {
        let expr = rule["expr"].as_str().unwrap();
        for m in metric_names_in(expr) {
            assert!(
                spec.contains(&m) || outside.contains(&m.as_str()),
                "{}: `{m}` is not a documented metric (docs/metrics.md, README.md)",
                rule_name(&rule)
            );
        }
    }
}
