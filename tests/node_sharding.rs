//! DaemonSet sharding (`--node`, `--track-unscheduled-pods`), end to end:
//! one exporter per node of a simulated cluster, one for the unscheduled
//! pods and one unsharded, all watching pods through the simulator's
//! field selectors. Together the shards must serve exactly what the
//! unsharded exporter serves, each series once; a pod bound to a node
//! moves from the unscheduled exporter to that node's.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long the exporters may take to agree after a change.
const SETTLE: Duration = Duration::from_secs(30);

struct Shards {
    /// Node name to its exporter.
    nodes: BTreeMap<String, Exporter>,
    unscheduled: Exporter,
}

impl Shards {
    fn all(&self) -> impl Iterator<Item = (&str, &Exporter)> {
        self.nodes
            .iter()
            .map(|(node, e)| (node.as_str(), e))
            .chain([("unscheduled", &self.unscheduled)])
    }
}

/// `None` while the shards' union differs from the unsharded scrape or a
/// series is served twice; the reason, for the timeout message, in `why`.
fn union_matches(shards: &Shards, unsharded: &Exporter, why: &mut String) -> Option<()> {
    let scrapes: Vec<(String, String)> = shards
        .all()
        .map(|(shard, exporter)| (shard.to_string(), exporter.scrape()))
        .collect();
    match split_difference(&unsharded.scrape(), &scrapes) {
        None => Some(()),
        Some(difference) => {
            *why = difference;
            None
        }
    }
}

fn wait_union(shards: &Shards, unsharded: &Exporter, when: &str) {
    let mut why = String::new();
    let deadline = std::time::Instant::now() + SETTLE;
    while union_matches(shards, unsharded, &mut why).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "{when}: the shards never served exactly the unsharded series: {why}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The series of one pod (`namespace`/`name`) in a scrape.
fn pod_series(scrape: &str, namespace: &str, name: &str) -> Vec<String> {
    let (ns, pod) = (
        format!("namespace=\"{namespace}\""),
        format!("pod=\"{name}\""),
    );
    series_lines(scrape)
        .into_iter()
        .filter(|l| l.starts_with("kube_pod_") && l.contains(&ns) && l.contains(&pod))
        .collect()
}

fn items(sim: &Sim, plural: &str) -> Vec<Value> {
    let list: Value =
        serde_json::from_str(&sim.control("GET", &format!("/sim/objects/{plural}"), None))
            .expect("a JSON list");
    list["items"].as_array().expect("items").clone()
}

/// A simulated cluster of three nodes with ten pods each (the generator
/// leaves some pending), changing every `churn_interval_ms` (0: still).
fn three_nodes(churn_interval_ms: &str) -> Sim {
    Sim::start(&[
        "--nodes",
        "3",
        "--pods-per-node",
        "10",
        "--seed",
        "11",
        "--churn-interval-ms",
        churn_interval_ms,
    ])
}

#[test]
fn node_shards_together_serve_exactly_the_unsharded_pods() {
    // Churn runs while the exporters start (their watches see changes),
    // and is stopped before the series are compared.
    let sim = three_nodes("100");
    let node_names: Vec<String> = items(&sim, "nodes")
        .iter()
        .map(|n| n["metadata"]["name"].as_str().expect("a name").to_string())
        .collect();
    assert!(node_names.len() >= 3, "{node_names:?}");

    let shards = Shards {
        nodes: node_names
            .iter()
            .map(|node| {
                let flag = format!("--node={node}");
                (
                    node.clone(),
                    Exporter::start(&sim.kubeconfig, &["--resources=pods", &flag]),
                )
            })
            .collect(),
        unscheduled: Exporter::start(
            &sim.kubeconfig,
            &["--resources=pods", "--track-unscheduled-pods"],
        ),
    };
    let unsharded = Exporter::start(&sim.kubeconfig, &["--resources=pods"]);
    for (_, exporter) in shards.all() {
        exporter.wait_ready();
    }
    unsharded.wait_ready();

    sim.control("POST", "/sim/churn", Some(r#"{"enabled":false}"#));
    wait_union(&shards, &unsharded, "after start-up and churn");

    // Every shard holds some of the pods: the split is real.
    for (shard, exporter) in shards.all() {
        assert!(
            series_lines(&exporter.scrape())
                .iter()
                .any(|l| l.starts_with("kube_pod_info{")),
            "shard {shard} serves no pod"
        );
    }

    // A pending pod gets bound to a node: it leaves the unscheduled
    // exporter and appears on that node's.
    let pending = items(&sim, "pods")
        .into_iter()
        .find(|p| p["spec"]["nodeName"].as_str().unwrap_or("").is_empty())
        .expect("the simulated cluster has a pending pod");
    let (namespace, name) = (
        pending["metadata"]["namespace"]
            .as_str()
            .unwrap()
            .to_string(),
        pending["metadata"]["name"].as_str().unwrap().to_string(),
    );
    let target = &node_names[0];
    assert!(!pod_series(&shards.unscheduled.scrape(), &namespace, &name).is_empty());
    assert!(pod_series(&shards.nodes[target].scrape(), &namespace, &name).is_empty());
    let mut bound = pending.clone();
    bound["spec"]["nodeName"] = Value::String(target.clone());
    sim.put(&bound);

    let node_label = format!("node=\"{target}\"");
    wait_for(
        "the bound pod to move to its node's exporter",
        SETTLE,
        || {
            let on_node = pod_series(&shards.nodes[target].scrape(), &namespace, &name);
            let info_on_node = on_node
                .iter()
                .any(|l| l.starts_with("kube_pod_info{") && l.contains(&node_label));
            let left = pod_series(&shards.unscheduled.scrape(), &namespace, &name).is_empty();
            (info_on_node && left).then_some(())
        },
    );
    for (shard, exporter) in shards.all() {
        if shard != target {
            assert!(
                pod_series(&exporter.scrape(), &namespace, &name).is_empty(),
                "shard {shard} still serves {namespace}/{name}"
            );
        }
    }
    wait_union(&shards, &unsharded, "after binding a pending pod");
}

/// A label's value in a series line.
fn label<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = [format!("{{{name}=\""), format!(",{name}=\"")]
        .iter()
        .find_map(|p| line.find(p.as_str()).map(|at| at + p.len()))?;
    line[start..].split('"').next()
}

/// The node's selector is added to the namespace flags' scopes, not put
/// in their place: with `--namespaces-denylist` the pods of that node
/// outside the denied namespace, with `--namespaces` those inside the
/// listed ones (one watcher each).
#[test]
fn a_node_shard_keeps_the_namespace_flags() {
    let sim = three_nodes("0");
    let pods = items(&sim, "pods");
    let node_of: BTreeMap<(String, String), String> = pods
        .iter()
        .map(|p| {
            let m = &p["metadata"];
            (
                (
                    m["namespace"].as_str().unwrap().to_string(),
                    m["name"].as_str().unwrap().to_string(),
                ),
                p["spec"]["nodeName"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let node = node_of
        .iter()
        .find(|((ns, _), node)| ns == "default" && !node.is_empty())
        .map(|(_, node)| node.clone())
        .expect("a scheduled pod in default");

    let unsharded = Exporter::start(&sim.kubeconfig, &["--resources=pods"]);
    let node_flag = format!("--node={node}");
    let denied = Exporter::start(
        &sim.kubeconfig,
        &[
            "--resources=pods",
            &node_flag,
            "--namespaces-denylist=default",
        ],
    );
    let listed = Exporter::start(
        &sim.kubeconfig,
        &["--resources=pods", &node_flag, "--namespaces=default,shop"],
    );
    for exporter in [&unsharded, &denied, &listed] {
        exporter.wait_ready();
    }
    let all = series_lines(&unsharded.scrape());
    let expected = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut lines: Vec<String> = all
            .iter()
            .filter(|l| {
                let ns = label(l, "namespace").expect("a namespace label");
                let pod = label(l, "pod").expect("a pod label");
                node_of[&(ns.to_string(), pod.to_string())] == node && keep(ns)
            })
            .cloned()
            .collect();
        lines.sort();
        lines
    };
    let sorted_scrape = |e: &Exporter| {
        let mut lines = series_lines(&e.scrape());
        lines.sort();
        lines
    };
    let want_denied = expected(&|ns| ns != "default");
    let want_listed = expected(&|ns| ns == "default" || ns == "shop");
    assert!(!want_denied.is_empty() && !want_listed.is_empty());
    assert_eq!(sorted_scrape(&denied), want_denied);
    assert_eq!(sorted_scrape(&listed), want_listed);
}
