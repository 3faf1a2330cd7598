//! examples/daemonset-sharding (manifests/ plus
//! manifests/components/daemonset-sharding), as kube-state-metrics'
//! examples/daemonsetsharding: it validates strictly; kubestate accepts
//! each exporter's args; between them the three serve every default kind
//! once, pods split by node; each Service selects its own pods only; and
//! the Prometheus configuration beside it scrapes exactly those Services.

mod common_bundle;

use std::collections::BTreeSet;
use std::process::Command;

use clap::Parser;
use common_bundle::*;
use kubestate::config::Cli;
use kubestate::kinds::Resource;
use kubestate::node_shard::PodNodes;
use serde_json::Value;

const MAIN: &str = "kube-state-metrics";
const SHARD: &str = "kube-state-metrics-shard";
const UNSCHEDULED: &str = "kube-state-metrics-unscheduled-pods-fetching";

fn objects() -> Vec<Value> {
    yaml_docs(&kustomize("examples/daemonset-sharding"))
}

fn named<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = objs
        .iter()
        .filter(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "expected exactly one {kind} {name}");
    found[0]
}

fn container(workload: &Value) -> &Value {
    let containers = workload["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    assert_eq!(containers.len(), 1);
    &containers[0]
}

fn args(workload: &Value) -> Vec<String> {
    container(workload)["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("a string").to_string())
        .collect()
}

/// The exporter's settings from a container's args, as kubestate reads
/// them; `$(NODE_NAME)` is what the kubelet puts there, a node's name.
fn config_of(workload: &Value) -> kubestate::config::Config {
    let args = args(workload);
    let argv = std::iter::once("kubestate".to_string())
        .chain(args.iter().map(|a| a.replace("$(NODE_NAME)", "node-7")));
    Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("kubestate refuses {args:?}: {e}"))
        .exporter
        .validate()
        .unwrap_or_else(|e| panic!("kubestate refuses {args:?}: {e}"))
}

#[test]
fn the_overlay_validates_against_the_kubernetes_schemas_in_strict_mode() {
    // manifests/' five objects, the DaemonSet, the unscheduled pods'
    // Deployment and their two Services.
    validate_strict(
        &kustomize("examples/daemonset-sharding"),
        9,
        "kubectl kustomize examples/daemonset-sharding",
    );
}

#[test]
fn the_three_exporters_serve_every_default_kind_once_with_pods_split_by_node() {
    let objs = objects();
    let main = config_of(named(&objs, "Deployment", MAIN));
    let shard = config_of(named(&objs, "DaemonSet", SHARD));
    let unscheduled = config_of(named(&objs, "Deployment", UNSCHEDULED));

    let defaults: BTreeSet<Resource> = Resource::defaults().collect();
    let without_pods: BTreeSet<Resource> = defaults
        .iter()
        .copied()
        .filter(|r| *r != Resource::Pods)
        .collect();
    assert_eq!(
        main.resources.iter().copied().collect::<BTreeSet<_>>(),
        without_pods
    );
    assert_eq!(main.pod_nodes, PodNodes::All);
    assert_eq!(shard.resources, [Resource::Pods]);
    assert_eq!(shard.pod_nodes, PodNodes::On("node-7".into()));
    assert_eq!(unscheduled.resources, [Resource::Pods]);
    assert_eq!(unscheduled.pod_nodes, PodNodes::Unscheduled);

    // The node's name comes from the downward API.
    let daemonset = named(&objs, "DaemonSet", SHARD);
    assert_eq!(
        container(daemonset)["env"],
        serde_json::json!([{
            "name": "NODE_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}
        }])
    );
    // On every node, tainted ones too: a node without a shard would have
    // its pods served by no exporter.
    assert_eq!(
        daemonset["spec"]["template"]["spec"]["tolerations"],
        serde_json::json!([{"operator": "Exists"}])
    );
    // One replica: a second would serve the unscheduled pods twice.
    assert_eq!(
        named(&objs, "Deployment", UNSCHEDULED)["spec"]["replicas"],
        1
    );
    // All three run as the account whose role lists and watches pods.
    for (kind, name) in [
        ("Deployment", MAIN),
        ("DaemonSet", SHARD),
        ("Deployment", UNSCHEDULED),
    ] {
        let pod = &named(&objs, kind, name)["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "kube-state-metrics", "{name}");
    }
}

/// Each Service selects its workload's pods and no other's (the main
/// Service selecting the shards' pods would serve their pods twice under
/// its name), on the ports the containers name.
#[test]
fn each_service_selects_its_own_exporters_pods_only() {
    let objs = objects();
    let workloads = [
        named(&objs, "Deployment", MAIN),
        named(&objs, "DaemonSet", SHARD),
        named(&objs, "Deployment", UNSCHEDULED),
    ];
    for workload in workloads {
        let name = workload["metadata"]["name"].as_str().unwrap();
        let service = named(&objs, "Service", name);
        assert_eq!(service["spec"]["clusterIP"], "None", "{name}: headless");
        let selects = |pod_labels: &Value| {
            service["spec"]["selector"]
                .as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| &pod_labels[k] == v)
        };
        for other in workloads {
            let labels = &other["spec"]["template"]["metadata"]["labels"];
            assert_eq!(
                selects(labels),
                other["metadata"]["name"] == name,
                "Service {name} and the pods of {}",
                other["metadata"]["name"]
            );
        }
        let container_ports: BTreeSet<(String, i64)> = container(workload)["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["containerPort"].as_i64().unwrap(),
                )
            })
            .collect();
        let service_ports: BTreeSet<(String, i64)> = service["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["targetPort"], p["name"], "{name}");
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["port"].as_i64().unwrap(),
                )
            })
            .collect();
        let expected = BTreeSet::from([("http-metrics".into(), 8080), ("telemetry".into(), 8081)]);
        assert_eq!(container_ports, expected, "{name}");
        assert_eq!(service_ports, expected, "{name}");
    }
}

/// examples/daemonset-sharding/prometheus.yml is a valid configuration
/// whose one job discovers the pods of exactly the bundle's Services (a
/// headless Service's DNS name resolves to each of its pods), on both
/// ports of each.
#[test]
fn the_prometheus_example_scrapes_the_three_services_under_one_job() {
    let out = run(
        Command::new("promtool")
            .args([
                "check",
                "config",
                "examples/daemonset-sharding/prometheus.yml",
            ])
            .current_dir(root()),
        "promtool",
    );
    assert_success(&out, "promtool check config");

    let config = yaml_file("examples/daemonset-sharding/prometheus.yml");
    let jobs = config["scrape_configs"].as_array().expect("scrape_configs");
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job["job_name"], "kube-state-metrics");
    assert_eq!(job["honor_labels"], true);
    let mut discovered = BTreeSet::new();
    for sd in job["dns_sd_configs"].as_array().expect("dns_sd_configs") {
        assert_eq!(sd["type"], "A");
        for name in sd["names"].as_array().unwrap() {
            discovered.insert((
                name.as_str().unwrap().to_string(),
                sd["port"].as_i64().unwrap(),
            ));
        }
    }
    let objs = objects();
    let expected: BTreeSet<(String, i64)> = objs
        .iter()
        .filter(|o| o["kind"] == "Service")
        .flat_map(|service| {
            assert_eq!(
                service["spec"]["clusterIP"], "None",
                "headless: one address per pod"
            );
            let fqdn = format!(
                "{}.{}.svc.cluster.local",
                service["metadata"]["name"].as_str().unwrap(),
                service["metadata"]["namespace"].as_str().unwrap()
            );
            service["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (fqdn.clone(), p["port"].as_i64().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(expected.len(), 6, "three Services, two ports each");
    assert_eq!(discovered, expected);
}
