//! The Grafana dashboard: it type-checks against Grafana's published schema
//! (@grafana/schema, through tsc), every panel query parses as PromQL and
//! selects only metrics of the spec, the variables and panels the platform
//! team needs are there, and the ConfigMap holds the JSON unchanged.

mod common_bundle;

use std::collections::BTreeSet;
use std::process::Command;

use common_bundle::*;
use serde_json::Value;

const DASHBOARD: &str = "dashboards/kubestate-platform.json";

fn dashboard() -> Value {
    json_file(DASHBOARD)
}

fn all_panels(d: &Value) -> Vec<Value> {
    fn walk(ps: &Value, out: &mut Vec<Value>) {
        for p in ps.as_array().into_iter().flatten() {
            out.push(p.clone());
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&d["panels"], &mut out);
    out
}

#[test]
fn dashboard_type_checks_against_grafana_schema() {
    let dir = root().join("dashboards/typecheck");
    assert!(
        dir.join("node_modules/@grafana/schema").exists()
            && dir.join("node_modules/.bin/tsc").exists(),
        "dashboards/typecheck/node_modules is missing: {}",
        install_hint("tsc")
    );
    // Run from the project so npx finds its pinned tsc in node_modules/.bin.
    let out = run(
        Command::new("npx")
            .args(["--no-install", "tsc", "--noEmit", "--strict", "-p", "."])
            .current_dir(&dir),
        "npx",
    );
    assert_success(
        &out,
        "(cd dashboards/typecheck && npx --no-install tsc --noEmit --strict -p .)",
    );
}

#[test]
fn typecheck_project_pins_exact_versions() {
    let pkg = json_file("dashboards/typecheck/package.json");
    let lock = json_file("dashboards/typecheck/package-lock.json");
    for name in ["@grafana/schema", "typescript"] {
        let v = pkg["devDependencies"][name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(
            v.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{name} must be pinned exactly, not `{v}`"
        );
        assert_eq!(
            lock["packages"][format!("node_modules/{name}")]["version"],
            v
        );
    }
    let ts = json_file("dashboards/typecheck/tsconfig.json");
    assert_eq!(ts["compilerOptions"]["strict"], true);
}

#[test]
fn every_panel_query_parses_as_promql() {
    let d = dashboard();
    let queries = panel_queries(&d);
    assert!(
        queries.len() >= 20,
        "expected the dashboard's queries, found {}",
        queries.len()
    );
    for (title, ref_id, expr) in queries {
        let concrete = substitute_grafana_vars(&expr);
        assert!(
            !concrete.contains('$'),
            "{title}/{ref_id}: unknown variable in {concrete}"
        );
        if let Err(e) = promql_parser::parser::parse(&concrete) {
            panic!("{title}/{ref_id}: PromQL does not parse: {e}\n{concrete}");
        }
    }
    // The variables' own queries are PromQL inside label_values().
    for v in d["templating"]["list"].as_array().unwrap() {
        if v["type"] == "query" {
            let q = v["query"]["query"].as_str().unwrap();
            let inner = q
                .strip_prefix("label_values(")
                .and_then(|s| s.rsplit_once(','))
                .map(|(sel, _)| sel)
                .unwrap_or_else(|| panic!("variable {}: expected label_values(...)", v["name"]));
            promql_parser::parser::parse(inner)
                .unwrap_or_else(|e| panic!("variable {}: {e}", v["name"]));
        }
    }
}

#[test]
fn panel_queries_select_only_metrics_of_the_spec() {
    let spec = documented_metric_names();
    // What the shipped rules record (pods attributed to workloads).
    let recorded = recorded_metric_names();
    // Prometheus's own series about its scrapes of kubestate.
    let prometheus_own = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];
    for (title, ref_id, expr) in panel_queries(&dashboard()) {
        for m in metric_names_in(&expr) {
            let base = m
                .strip_suffix("_bucket")
                .or_else(|| m.strip_suffix("_count"))
                .or_else(|| m.strip_suffix("_sum"))
                .unwrap_or(&m);
            assert!(
                spec.contains(&m)
                    || spec.contains(base)
                    || recorded.contains(&m)
                    || prometheus_own.contains(&m.as_str()),
                "{title}/{ref_id}: `{m}` is neither a documented metric (docs/metrics.md, README.md) nor recorded by rules/kubestate.rules.yml"
            );
        }
    }
}

#[test]
fn variables_are_datasource_namespace_and_node() {
    let d = dashboard();
    let vars = d["templating"]["list"].as_array().unwrap();
    let names: Vec<&str> = vars.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["datasource", "namespace", "node"]);
    assert_eq!(vars[0]["type"], "datasource");
    assert_eq!(vars[0]["query"], "prometheus");
    // As the kubernetes-mixin dashboards do: every namespace, even one
    // without pods.
    assert_eq!(
        vars[1]["query"]["query"],
        "label_values(kube_namespace_status_phase{job=\"kube-state-metrics\"}, namespace)"
    );
    for v in &vars[1..] {
        assert_eq!(v["type"], "query");
        assert_eq!(v["datasource"]["uid"], "${datasource}");
        assert_eq!(v["includeAll"], true);
        // "All" must be a regex matching everything, empty values included
        // (unscheduled pods have node="").
        assert_eq!(v["allValue"], ".*");
    }
    // Every query goes to the chosen datasource and uses the variables as regexes.
    for p in all_panels(&d) {
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(
            p["datasource"]["uid"], "${datasource}",
            "panel {}",
            p["title"]
        );
        for t in p["targets"].as_array().unwrap() {
            assert_eq!(
                t["datasource"]["uid"], "${datasource}",
                "panel {}",
                p["title"]
            );
            let e = t["expr"].as_str().unwrap();
            for var in ["$namespace", "$node"] {
                if e.contains(var) {
                    assert!(
                        e.contains(&format!("=~\"{var}\"")),
                        "panel {}: {var} must be matched with =~",
                        p["title"]
                    );
                }
            }
        }
    }
    let uses = |v: &str| panel_queries(&d).iter().any(|(_, _, e)| e.contains(v));
    assert!(
        uses("$namespace") && uses("$node"),
        "both variables filter panels"
    );
}

#[test]
fn dashboard_is_current_schema_with_valid_enum_values() {
    let d = dashboard();
    assert_eq!(
        d["schemaVersion"], 42,
        "schema version of Grafana 13 (@grafana/schema 13.2.3)"
    );
    assert!(d["uid"].as_str().unwrap().len() <= 40);
    let mut ids = BTreeSet::new();
    let panel_types = [
        "row",
        "timeseries",
        "stat",
        "gauge",
        "table",
        "bargauge",
        "piechart",
    ];
    let color_modes = [
        "thresholds",
        "palette-classic",
        "palette-classic-by-name",
        "fixed",
        "shades",
    ];
    for p in all_panels(&d) {
        let title = p["title"].as_str().unwrap();
        assert!(
            ids.insert(p["id"].as_i64().unwrap()),
            "duplicate panel id in {title}"
        );
        assert!(
            panel_types.contains(&p["type"].as_str().unwrap()),
            "{title}: panel type"
        );
        let g = &p["gridPos"];
        let (x, w) = (g["x"].as_i64().unwrap(), g["w"].as_i64().unwrap());
        assert!(
            x >= 0 && w > 0 && x + w <= 24,
            "{title}: gridPos outside the 24 columns"
        );
        if p["type"] == "row" {
            continue;
        }
        let defaults = &p["fieldConfig"]["defaults"];
        let mode = defaults["thresholds"]["mode"].as_str().unwrap();
        assert!(
            matches!(mode, "absolute" | "percentage"),
            "{title}: thresholds mode {mode}"
        );
        let color = defaults["color"]["mode"].as_str().unwrap();
        assert!(color_modes.contains(&color), "{title}: color mode {color}");
        let refs: Vec<&str> = p["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["refId"].as_str().unwrap())
            .collect();
        let unique: BTreeSet<&&str> = refs.iter().collect();
        assert_eq!(unique.len(), refs.len(), "{title}: duplicate refId");
    }
}

#[test]
fn dashboard_shows_what_the_platform_team_needs() {
    let d = dashboard();
    let q = panel_queries(&d);
    let panel_with = |families: &[&str]| -> bool {
        q.iter()
            .any(|(_, _, e)| families.iter().all(|f| e.contains(f)))
    };
    let needs: [(&str, &[&str]); 23] = [
        (
            "CPU/memory allocatable",
            &["kube_node_status_allocatable", "resource=\"cpu\""],
        ),
        (
            "requests",
            &[
                "kube_pod_container_resource_requests",
                "resource=\"memory\"",
            ],
        ),
        ("limits", &["kube_pod_container_resource_limits"]),
        (
            "left",
            &[
                "kube_node_status_allocatable",
                "-",
                "kube_pod_container_resource_requests",
            ],
        ),
        (
            "nodes ready",
            &["kube_node_status_condition", "condition=\"Ready\""],
        ),
        ("nodes unschedulable", &["kube_node_spec_unschedulable"]),
        (
            "pods by phase per namespace",
            &["kube_pod_status_phase", "namespace, phase"],
        ),
        (
            "restarts",
            &["topk", "kube_pod_container_status_restarts_total"],
        ),
        (
            "unavailable replicas",
            &[
                "kube_deployment_spec_replicas",
                "kube_deployment_status_replicas_available",
            ],
        ),
        ("services by type", &["kube_service_spec_type", "by (type)"]),
        (
            "pods per workload",
            &[
                "namespace_workload_pod:kube_pod_owner:relabel",
                "workload_type, workload",
            ],
        ),
        ("StatefulSets desired", &["kube_statefulset_replicas{"]),
        (
            "StatefulSets ready",
            &["kube_statefulset_status_replicas_ready"],
        ),
        (
            "DaemonSets desired",
            &["kube_daemonset_status_desired_number_scheduled"],
        ),
        ("DaemonSets ready", &["kube_daemonset_status_number_ready"]),
        ("Jobs active", &["kube_job_status_active"]),
        ("Jobs failed", &["kube_job_failed", "condition=\"true\""]),
        (
            "HPAs current against maximum",
            &[
                "kube_horizontalpodautoscaler_status_current_replicas",
                "kube_horizontalpodautoscaler_spec_max_replicas",
            ],
        ),
        (
            "namespaces by phase",
            &["kube_namespace_status_phase", "by (phase)"],
        ),
        (
            "quota used against hard",
            &["kube_resourcequota", "type=\"used\"", "type=\"hard\""],
        ),
        (
            "PVCs by phase",
            &["kube_persistentvolumeclaim_status_phase", "by (phase)"],
        ),
        ("exporter readiness", &["kubestate_resource_synced"]),
        (
            "scrape duration",
            &["kubestate_scrape_duration_seconds_bucket"],
        ),
    ];
    for (what, families) in needs {
        assert!(panel_with(families), "no panel shows {what} ({families:?})");
    }
    assert!(panel_with(&["up{"]), "no panel shows the targets' up");
    assert!(
        panel_with(&["kube_state_metrics_list_total"]),
        "no panel shows list errors"
    );
    assert!(
        panel_with(&["kube_state_metrics_watch_total"]),
        "no panel shows watch errors"
    );
}

#[test]
fn configmap_holds_the_dashboard_json_unchanged() {
    let cm = yaml_file("dashboards/configmap.yaml");
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(cm["metadata"]["labels"]["grafana_dashboard"], "1");
    let data = cm["data"].as_object().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(
        data["kubestate-platform.json"].as_str().unwrap(),
        read(DASHBOARD),
        "dashboards/configmap.yaml differs from {DASHBOARD}"
    );
}

#[test]
fn provisioning_files_point_grafana_at_prometheus_and_the_dashboard() {
    let ds = yaml_file("dashboards/provisioning/datasources/prometheus.yaml");
    assert_eq!(ds["apiVersion"], 1);
    let sources = ds["datasources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["type"], "prometheus");
    // The dashboard's datasource variable defaults to this uid.
    let d = dashboard();
    assert_eq!(
        d["templating"]["list"][0]["current"]["value"],
        sources[0]["uid"]
    );
    let prov = yaml_file("dashboards/provisioning/dashboards/kubestate.yaml");
    assert_eq!(prov["apiVersion"], 1);
    let p = &prov["providers"].as_array().unwrap()[0];
    assert_eq!(p["type"], "file");
    assert!(p["options"]["path"].as_str().unwrap().starts_with('/'));
}
