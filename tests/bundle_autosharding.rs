//! The automatic sharding bundle (`kubectl apply -k examples/autosharding`:
//! manifests/ plus manifests/components/autosharding): valid in strict
//! mode, a StatefulSet whose pods pass their own name and namespace to
//! `--pod` and `--pod-namespace` as kubestate parses them, behind a
//! headless Service, and a Role granting exactly what finding and
//! following the StatefulSet reads, in its namespace.

mod common_bundle;

use clap::Parser;
use common_bundle::*;
use serde_json::{Value, json};

fn objects() -> Vec<Value> {
    let yaml = kustomize("examples/autosharding");
    // ServiceAccount, ClusterRole, ClusterRoleBinding, Service,
    // StatefulSet, Role, RoleBinding.
    validate_strict(&yaml, 7, "kubectl kustomize examples/autosharding");
    yaml_docs(&yaml)
}

#[test]
fn the_deployment_becomes_a_statefulset_of_two_shards_behind_a_headless_service() {
    let objs = objects();
    assert!(
        !objs.iter().any(|o| o["kind"] == "Deployment"),
        "the StatefulSet replaces the Deployment"
    );
    let sts = find(&objs, "StatefulSet");
    assert_eq!(sts["metadata"]["name"], "kube-state-metrics");
    assert_eq!(sts["metadata"]["namespace"], "kube-system");
    assert_eq!(sts["spec"]["replicas"], 2);
    let svc = find(&objs, "Service");
    assert_eq!(sts["spec"]["serviceName"], svc["metadata"]["name"]);
    // Headless: Prometheus (endpoints discovery) reaches every shard.
    assert_eq!(svc["spec"]["clusterIP"], "None");
    let pod_labels = &sts["spec"]["template"]["metadata"]["labels"];
    for (k, v) in svc["spec"]["selector"].as_object().expect("selector") {
        assert_eq!(&pod_labels[k], v, "the Service selects the shards by {k}");
    }
    assert_eq!(
        sts["spec"]["selector"],
        json!({"matchLabels": {"app.kubernetes.io/name": "kube-state-metrics"}})
    );
}

#[test]
fn each_pod_passes_its_own_name_and_namespace_as_kubestate_reads_them() {
    let objs = objects();
    let sts = find(&objs, "StatefulSet");
    let container = &sts["spec"]["template"]["spec"]["containers"][0];
    let from_field = |var: &str| -> String {
        let env = container["env"]
            .as_array()
            .expect("env")
            .iter()
            .find(|e| e["name"] == var)
            .unwrap_or_else(|| panic!("no {var} in env"));
        env["valueFrom"]["fieldRef"]["fieldPath"]
            .as_str()
            .expect("a fieldRef")
            .to_owned()
    };
    // What the kubelet puts in the variables of the StatefulSet's pod 1.
    let downward = [
        (from_field("POD_NAME"), "kube-state-metrics-1"),
        (from_field("POD_NAMESPACE"), "kube-system"),
    ];
    assert_eq!(downward[0].0, "metadata.name");
    assert_eq!(downward[1].0, "metadata.namespace");
    let mut argv = vec!["kubestate".to_string()];
    for arg in container["args"].as_array().expect("args") {
        argv.push(
            arg.as_str()
                .expect("a string")
                .replace("$(POD_NAME)", downward[0].1)
                .replace("$(POD_NAMESPACE)", downward[1].1),
        );
    }
    let config = kubestate::config::Cli::try_parse_from(&argv)
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"))
        .exporter
        .validate()
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let own = config.own_pod.expect("automatic sharding on");
    assert_eq!(own.name, "kube-state-metrics-1");
    assert_eq!(own.namespace, "kube-system");
}

#[test]
fn the_role_grants_reading_the_own_pod_and_statefulset_in_its_namespace_only() {
    let objs = objects();
    let sts = find(&objs, "StatefulSet");
    let role = find(&objs, "Role");
    assert_eq!(role["metadata"]["namespace"], sts["metadata"]["namespace"]);
    assert_eq!(
        role["rules"],
        json!([
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
            {
                "apiGroups": ["apps"],
                "resources": ["statefulsets"],
                "resourceNames": [sts["metadata"]["name"]],
                "verbs": ["get", "list", "watch"]
            }
        ])
    );
    let binding = find(&objs, "RoleBinding");
    assert_eq!(
        binding["metadata"]["namespace"],
        sts["metadata"]["namespace"]
    );
    assert_eq!(
        binding["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]})
    );
    assert_eq!(
        binding["subjects"],
        json!([{
            "kind": "ServiceAccount",
            "name": sts["spec"]["template"]["spec"]["serviceAccountName"],
            "namespace": sts["metadata"]["namespace"]
        }])
    );
}
