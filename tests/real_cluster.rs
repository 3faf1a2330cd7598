//! The real-cluster tier: kubestate against a real Kubernetes API server.
//!
//! Runs only with `KUBESTATE_TEST_KUBECONFIG` set to an admin kubeconfig
//! (`.ci/run` always sets it, to a v1.20 control plane on loopback);
//! without it every test prints "real-cluster tier NOT RUN" and returns.
//! The exporter always runs with the least-privilege ServiceAccount of
//! `manifests/`, never with the admin kubeconfig. Each scenario uses its
//! own namespace and nodes; a lock runs them one at a time because two of
//! them restart the API server or compact etcd (those two also need
//! `KUBESTATE_TEST_APISERVER_RESTART` / `KUBESTATE_TEST_ETCD_COMPACT`).
//!
//! Every expected line is written from metrics.md and the objects created
//! here; only what the server assigns (uids, cluster IPs, generated pod
//! names, the node the scheduler chose) is read back from it.

#[path = "real_cluster/admission.rs"]
mod admission;
#[path = "real_cluster/batch.rs"]
mod batch;
mod common;
#[path = "real_cluster/config.rs"]
mod config;
#[path = "real_cluster/network.rs"]
mod network;
#[path = "real_cluster/storage.rs"]
mod storage;
#[path = "real_cluster/support.rs"]
mod support;
#[path = "real_cluster/workloads.rs"]
mod workloads;

use common::{Exporter, get, sorted};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::scheduling::v1::PriorityClass;
use kube::Api;
use kube::api::ListParams;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{CHANGE, CONTROLLERS, Tier, begin, for_nodes, in_namespace};

// ------------------------------------------------------------------ fixture

/// What the families scenario creates, with what the server assigned.
struct Fixture {
    ns: String,
    node_a: String,
    node_b: String,
    priority_class: String,
    /// Pod name -> uid, for every pod in the namespace.
    uids: BTreeMap<String, String>,
    /// The Deployment's pods: (name, ReplicaSet name), the two made ready first.
    web_pods: Vec<String>,
    replica_set: String,
    /// Service name -> (uid, spec.clusterIP).
    services: BTreeMap<String, (String, String)>,
    /// Pod name -> creationTimestamp (Unix seconds).
    created: BTreeMap<String, i64>,
}

fn pod_spec(node: &str, containers: Value) -> Value {
    json!({
        "nodeName": node,
        "automountServiceAccountToken": false,
        "containers": containers,
    })
}

fn running_status(container: &str, restarts: i32, ready: bool) -> Value {
    json!({"name": container, "image": "nginx:1.27", "imageID": "", "ready": ready,
           "restartCount": restarts, "started": true,
           "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}}})
}

fn conditions(ready: &str) -> Value {
    json!([
        {"type": "Initialized", "status": "True"},
        {"type": "Ready", "status": ready},
        {"type": "ContainersReady", "status": ready},
        {"type": "PodScheduled", "status": "True"},
    ])
}

/// Two nodes, a Deployment of three pods on node A (two made ready), six
/// standalone pods (one per phase, waiting and terminated containers, an
/// init container, a priority class, host networking, defaulted requests)
/// and one service of each type plus a headless one.
fn fixture(tier: &Tier, prefix: &str) -> Fixture {
    let ns = tier.namespace(prefix);
    let node_a = format!("{ns}-a");
    let node_b = format!("{ns}-b");
    let admin = &tier.admin;
    let nodes: Api<Node> = Api::all(admin.clone());
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &ns);
    let services: Api<Service> = Api::namespaced(admin.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), &ns);

    tier.create(
        &nodes,
        json!({"metadata": {"name": node_a, "labels": {"kubernetes.io/hostname": node_a}},
               "spec": {"podCIDR": "10.244.7.0/24", "providerID": format!("kubestate-test://{node_a}")}}),
    );
    tier.patch(
        &nodes,
        &node_a,
        true,
        json!({"status": {
            "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi",
                         "example.com/widget": "4", "hugepages-2Mi": "0"},
            "allocatable": {"cpu": "3500m", "memory": "7Gi", "pods": "110", "ephemeral-storage": "90Gi",
                            "example.com/widget": "4", "hugepages-2Mi": "0"},
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady"},
                {"type": "MemoryPressure", "status": "False"},
                {"type": "DiskPressure", "status": "False"},
                {"type": "PIDPressure", "status": "False"},
                {"type": "KernelDeadlock", "status": "False", "reason": "KernelHasNoDeadlock"},
            ],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.2"},
                          {"type": "Hostname", "address": node_a}],
            "nodeInfo": {"machineID": "m-a", "systemUUID": "4c4c4544-0042", "bootID": "b-a",
                         "kernelVersion": "6.1.0-18-amd64", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "containerRuntimeVersion": "containerd://1.7.13", "kubeletVersion": "v1.20.2",
                         "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux", "architecture": "amd64"},
        }}),
    );
    tier.create(&nodes, json!({"metadata": {"name": node_b}}));
    tier.patch(
        &nodes,
        &node_b,
        false,
        json!({"spec": {"unschedulable": true}}),
    );
    tier.patch(
        &nodes,
        &node_b,
        true,
        json!({"status": {
            "allocatable": {"cpu": "1", "memory": "1Gi", "pods": "10"},
            "capacity": {"cpu": "1", "memory": "1Gi", "pods": "10"},
            "conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady"},
                           {"type": "MemoryPressure", "status": "Unknown"}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.3"}],
            "nodeInfo": {"machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "",
                         "osImage": "", "containerRuntimeVersion": "", "kubeletVersion": "v1.20.2",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
        }}),
    );

    let priority_class = format!("{ns}-high");
    let classes: Api<PriorityClass> = Api::all(admin.clone());
    tier.create(
        &classes,
        json!({"metadata": {"name": priority_class}, "value": 1000}),
    );

    // The Deployment: pinned to node A, tolerating the not-ready taint
    // that admission puts on every new node.
    tier.create(
        &deployments,
        json!({"metadata": {"name": "web"},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"nodeSelector": {"kubernetes.io/hostname": node_a},
                                              "automountServiceAccountToken": false,
                                              "tolerations": [{"key": "node.kubernetes.io/not-ready",
                                                               "operator": "Exists", "effect": "NoSchedule"}],
                                              "containers": [{"name": "app", "image": "nginx:1.27",
                                                              "resources": {"requests": {"cpu": "100m", "memory": "32Mi"},
                                                                            "limits": {"memory": "64Mi"}}}]}}}}),
    );

    // Standalone pods, bound to node A directly.
    let create_pod = |name: &str, spec: Value| {
        tier.create(&pods, json!({"metadata": {"name": name}, "spec": spec}));
    };
    create_pod(
        "pending",
        pod_spec(
            &node_a,
            json!([{"name": "app", "image": "nginx:1.27",
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]),
        ),
    );
    let mut running = pod_spec(
        &node_a,
        json!([{"name": "app", "image": "nginx:1.27",
                "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                              "limits": {"cpu": "1", "memory": "128Mi"}}},
               {"name": "sidecar", "image": "envoy:1.30",
                "resources": {"requests": {"cpu": "10m"}, "limits": {"example.com/widget": "2"}}}]),
    );
    running["hostNetwork"] = json!(true);
    running["priorityClassName"] = json!(priority_class);
    running["initContainers"] = json!([{"name": "init", "image": "busybox:1.36",
                                        "resources": {"requests": {"cpu": "50m"}}}]);
    create_pod("running", running);
    let never = |name: &str, containers: Value| {
        let mut spec = pod_spec(&node_a, containers);
        spec["restartPolicy"] = json!("Never");
        create_pod(name, spec);
    };
    never(
        "succeeded",
        json!([{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "100m"}}}]),
    );
    never(
        "failed",
        json!([{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"memory": "16Mi"}}}]),
    );
    create_pod(
        "unknown",
        pod_spec(&node_a, json!([{"name": "app", "image": "nginx:1.27"}])),
    );
    create_pod(
        "crashing",
        pod_spec(
            &node_a,
            json!([{"name": "app", "image": "nginx:1.27", "resources": {"limits": {"cpu": "2"}}}]),
        ),
    );

    // Their status, as a kubelet would report it.
    let status = |name: &str, status: Value| {
        tier.patch(&pods, name, true, json!({"status": status}));
    };
    status(
        "running",
        json!({"phase": "Running", "hostIP": "127.0.0.2", "podIP": "127.0.0.2",
               "conditions": conditions("True"),
               "initContainerStatuses": [{"name": "init", "image": "busybox:1.36", "imageID": "",
                   "ready": true, "restartCount": 0,
                   "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                       "startedAt": "2024-05-01T09:59:00Z", "finishedAt": "2024-05-01T09:59:30Z"}}}],
               "containerStatuses": [running_status("app", 3, true), running_status("sidecar", 0, true)]}),
    );
    let terminated = |reason: &str, code: i32| {
        json!([{"name": "app", "image": "nginx:1.27", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": code, "reason": reason,
                    "startedAt": "2024-05-01T10:00:00Z", "finishedAt": "2024-05-01T10:05:00Z"}}}])
    };
    status(
        "succeeded",
        json!({"phase": "Succeeded", "hostIP": "127.0.0.2", "podIP": "127.0.1.3",
               "conditions": conditions("False"), "containerStatuses": terminated("Completed", 0)}),
    );
    status(
        "failed",
        json!({"phase": "Failed", "hostIP": "127.0.0.2", "reason": "Evicted",
               "message": "The node was low on resource: memory.",
               "conditions": conditions("False"), "containerStatuses": terminated("Error", 1)}),
    );
    status(
        "unknown",
        json!({"phase": "Unknown", "hostIP": "127.0.0.2", "podIP": "127.0.1.5",
               "conditions": conditions("Unknown"),
               "containerStatuses": [{"name": "app", "image": "nginx:1.27", "imageID": "", "ready": false,
                   "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}),
    );
    status(
        "crashing",
        json!({"phase": "Running", "hostIP": "127.0.0.2", "podIP": "127.0.1.6",
               "conditions": conditions("False"),
               "containerStatuses": [{"name": "app", "image": "nginx:1.27", "imageID": "", "ready": false,
                   "restartCount": 5,
                   "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                   "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                       "startedAt": "2024-05-01T10:00:00Z", "finishedAt": "2024-05-01T10:01:00Z"}}}]}),
    );

    // Services: one of each type, and a headless one.
    let port = json!([{"port": 80, "targetPort": 8080, "protocol": "TCP"}]);
    let create_service = |name: &str, spec: Value| {
        tier.create(&services, json!({"metadata": {"name": name}, "spec": spec}));
    };
    create_service(
        "cip",
        json!({"type": "ClusterIP", "ports": port, "externalIPs": ["192.0.2.20"]}),
    );
    create_service("headless", json!({"clusterIP": "None", "ports": port}));
    create_service("np", json!({"type": "NodePort", "ports": port}));
    create_service(
        "lb",
        json!({"type": "LoadBalancer", "ports": port, "loadBalancerIP": "127.0.0.10",
               "externalTrafficPolicy": "Local"}),
    );
    create_service(
        "ext",
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
    );
    tier.patch(
        &services,
        "lb",
        true,
        json!({"status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.10"}, {"hostname": "lb.example.com"}]}}}),
    );

    // The Deployment's pods, once the scheduler has bound all three.
    let web_pods: Vec<Pod> = tier.until("three web pods bound to node A", CONTROLLERS, || {
        let list = tier
            .block_on(pods.list(&ListParams::default().labels("app=web")))
            .ok()?;
        let bound: Vec<Pod> = list
            .items
            .into_iter()
            .filter(|p| {
                p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node_a.as_str())
            })
            .collect();
        (bound.len() == 3).then_some(bound)
    });
    let mut web_names: Vec<String> = web_pods
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    web_names.sort();
    let replica_set = web_pods[0].metadata.owner_references.as_ref().unwrap()[0]
        .name
        .clone();
    for (i, name) in web_names.iter().take(2).enumerate() {
        status(
            name,
            json!({"phase": "Running", "hostIP": "127.0.0.2", "podIP": format!("127.0.1.{}", 10 + i),
                   "conditions": conditions("True"),
                   "containerStatuses": [running_status("app", 0, true)]}),
        );
    }
    // A spec change without a rollout: generation 2.
    tier.patch(
        &deployments,
        "web",
        false,
        json!({"spec": {"revisionHistoryLimit": 5}}),
    );
    tier.until(
        "the Deployment controller to count two available replicas",
        CONTROLLERS,
        || {
            let d = tier.get(&deployments, "web");
            let status = d.status?;
            (d.metadata.generation == Some(2)
                && status.observed_generation == Some(2)
                && status.available_replicas == Some(2)
                && status.replicas == Some(3))
            .then_some(())
        },
    );

    let mut uids = BTreeMap::new();
    let mut created = BTreeMap::new();
    for p in tier
        .block_on(pods.list(&ListParams::default()))
        .unwrap()
        .items
    {
        let name = p.metadata.name.clone().unwrap();
        uids.insert(name.clone(), p.metadata.uid.clone().unwrap());
        created.insert(name, p.metadata.creation_timestamp.unwrap().0.as_second());
    }
    let mut service_ids = BTreeMap::new();
    for s in tier
        .block_on(services.list(&ListParams::default()))
        .unwrap()
        .items
    {
        let cluster_ip = s
            .spec
            .as_ref()
            .and_then(|spec| spec.cluster_ip.clone())
            .unwrap_or_default();
        service_ids.insert(
            s.metadata.name.clone().unwrap(),
            (s.metadata.uid.clone().unwrap(), cluster_ip),
        );
    }
    Fixture {
        ns,
        node_a,
        node_b,
        priority_class,
        uids,
        web_pods: web_names,
        replica_set,
        services: service_ids,
        created,
    }
}

impl Fixture {
    /// `namespace="..",pod="..",uid=".."`.
    fn pod(&self, name: &str) -> String {
        format!(
            r#"namespace="{}",pod="{name}",uid="{}""#,
            self.ns, self.uids[name]
        )
    }

    fn service(&self, name: &str) -> String {
        format!(
            r#"namespace="{}",service="{name}",uid="{}""#,
            self.ns, self.services[name].0
        )
    }

    fn cluster_ip(&self, name: &str) -> &str {
        &self.services[name].1
    }

    /// Removes what the fixture made that would outlive its namespace.
    fn cleanup(&self, tier: &Tier) {
        let nodes: Api<Node> = Api::all(tier.admin.clone());
        let classes: Api<PriorityClass> = Api::all(tier.admin.clone());
        let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), &self.ns);
        let deployments: Api<Deployment> = Api::namespaced(tier.admin.clone(), &self.ns);
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(tier.admin.clone());
        let _ = tier.block_on(deployments.delete("web", &now()));
        for name in self.uids.keys() {
            let _ = tier.block_on(pods.delete(name, &now()));
        }
        let _ = tier.block_on(namespaces.delete(&self.ns, &Default::default()));
        let _ = tier.block_on(nodes.delete(&self.node_a, &now()));
        let _ = tier.block_on(nodes.delete(&self.node_b, &now()));
        let _ = tier.block_on(classes.delete(&self.priority_class, &now()));
    }
}

fn now() -> kube::api::DeleteParams {
    kube::api::DeleteParams {
        grace_period_seconds: Some(0),
        ..Default::default()
    }
}

/// The five phase series of a pod, `phase` set.
fn phases(pod: &str, phase: &str) -> Vec<String> {
    ["Pending", "Running", "Succeeded", "Failed", "Unknown"]
        .iter()
        .map(|p| {
            format!(
                r#"kube_pod_status_phase{{{pod},phase="{p}"}} {}"#,
                u8::from(*p == phase)
            )
        })
        .collect()
}

/// The three series of a condition-like family for `status` (True/False/Unknown).
fn one_hot3(family: &str, ident: &str, label: &str, status: &str) -> Vec<String> {
    ["true", "false", "unknown"]
        .iter()
        .map(|s| {
            format!(
                r#"{family}{{{ident},{label}="{s}"}} {}"#,
                u8::from(s.eq_ignore_ascii_case(status))
            )
        })
        .collect()
}

/// An integer as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it:
/// exponent form from 1e+06 up (timestamps are `1.7e+09`-like).
fn go_g(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if digits.len() <= 6 {
        return format!("{sign}{digits}");
    }
    let exponent = digits.len() - 1;
    let significant = digits.trim_end_matches('0');
    let mantissa = if significant.len() == 1 {
        significant.to_string()
    } else {
        format!("{}.{}", &significant[..1], &significant[1..])
    };
    format!("{sign}{mantissa}e+{exponent:02}")
}

#[test]
fn go_g_matches_strconv() {
    assert_eq!(go_g(110), "110");
    assert_eq!(go_g(999_999), "999999");
    assert_eq!(go_g(1_000_000), "1e+06");
    assert_eq!(go_g(1_700_000_000), "1.7e+09");
    assert_eq!(go_g(1_763_852_345), "1.763852345e+09");
}

fn sort(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

/// Waits until the exporter serves the fixture's last change (the
/// Deployment's generation 2 and both ready web pods).
fn scrape_settled(exporter: &Exporter, f: &Fixture) -> String {
    let ident = format!(r#"namespace="{}",deployment="web""#, f.ns);
    common::wait_for("the exporter to catch up with the fixture", CHANGE, || {
        let scrape = exporter.scrape();
        let caught_up = scrape.contains(&format!(
            "kube_deployment_status_observed_generation{{{ident}}} 2"
        )) && scrape.contains(&format!(
            "kube_deployment_status_replicas_available{{{ident}}} 2"
        )) && f.uids.keys().all(|p| scrape.contains(&f.uids[p]));
        caught_up.then_some(scrape)
    })
}

// ------------------------------------------------------------------ scenarios

#[test]
fn least_privilege_rbac_from_the_manifests_is_enough_and_no_more() {
    let Some(s) = begin("least-privilege") else {
        return;
    };
    let tier = s.tier;
    let sa = tier.exporter_user.as_str();
    for (verb, resource, want) in [
        ("list", "pods", "yes"),
        ("watch", "nodes", "yes"),
        ("list", "services", "yes"),
        ("watch", "deployments.apps", "yes"),
        ("get", "pods", "no"),
        ("list", "secrets", "yes"),
        ("get", "secrets", "no"),
        ("watch", "configmaps", "yes"),
        ("list", "leases.coordination.k8s.io", "yes"),
        (
            "list",
            "certificatesigningrequests.certificates.k8s.io",
            "yes",
        ),
        ("list", "serviceaccounts", "no"),
        ("list", "roles.rbac.authorization.k8s.io", "no"),
        ("create", "pods", "no"),
    ] {
        let out = support::kubectl_command()
            .arg("--kubeconfig")
            .arg(&tier.admin_kubeconfig)
            .args([
                "auth",
                "can-i",
                verb,
                resource,
                "--all-namespaces",
                "--as",
                sa,
            ])
            .output()
            .expect("kubectl auth can-i");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            want,
            "can {sa} {verb} {resource}?"
        );
    }

    // The token really is the ServiceAccount's: it may list secrets (for
    // their metadata) but not get one.
    let file = kube::config::Kubeconfig::read_from(&tier.exporter_kubeconfig).unwrap();
    let denied = tier.block_on(async {
        let config =
            kube::Config::from_custom_kubeconfig(file, &kube::config::KubeConfigOptions::default())
                .await
                .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let secrets: Api<Secret> = Api::namespaced(client, "kube-system");
        secrets.get("kubestate-test-any-secret").await
    });
    match denied {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 403, "{status:?}"),
        other => panic!("getting a secret with the exporter's token: {other:?}"),
    }

    // With only that, the exporter lists and watches every default kind the
    // server serves, and leaves the others out of readiness with one
    // warning each (1.20 lacks batch/v1 CronJobs, autoscaling/v2 and
    // policy/v1).
    let exporter = tier.exporter(&[]);
    assert_eq!(
        get(&format!("{}/readyz", exporter.telemetry))
            .unwrap()
            .status,
        200
    );
    let telemetry = exporter.self_metrics();
    let stderr = exporter.process.stderr();
    for kind in kubestate::kinds::Resource::defaults() {
        let resource = kind.plural();
        let absent_warnings = stderr
            .lines()
            .filter(|l| {
                l.contains(&format!(
                    "does not serve {} {resource};",
                    kind.api_version()
                ))
            })
            .count();
        if tier.serves(kind) {
            assert_eq!(
                common::sample(
                    &telemetry,
                    "kubestate_resource_synced",
                    &[&format!("resource=\"{resource}\"")]
                ),
                Some(1.0),
                "{resource} synced\n{telemetry}"
            );
            assert_eq!(absent_warnings, 0, "{resource}: {stderr}");
        } else {
            println!(
                "{resource}: {} is not served by this API server",
                kind.api_version()
            );
            assert_eq!(absent_warnings, 1, "{resource}: {stderr}");
        }
    }
    // kube-system's own service account objects are there: the default
    // `kubernetes` Service is always in the cluster.
    let scrape = exporter.scrape();
    assert!(
        scrape.contains(r#"kube_service_spec_type{namespace="default",service="kubernetes","#),
        "{scrape}"
    );
    let stderr = exporter.process.stderr();
    assert!(
        !stderr.to_lowercase().contains("forbidden"),
        "the exporter was refused something:\n{stderr}"
    );
}

#[test]
fn every_spine_family_matches_the_spec_on_a_real_cluster() {
    let Some(s) = begin("families") else {
        return;
    };
    let tier = s.tier;
    let f = fixture(tier, "fam");
    let exporter = tier.exporter(&[]);
    let scrape = scrape_settled(&exporter, &f);
    let ns = f.ns.as_str();
    let (a, b) = (f.node_a.as_str(), f.node_b.as_str());
    let rs = f.replica_set.as_str();
    let (w0, w1, w2) = (&f.web_pods[0], &f.web_pods[1], &f.web_pods[2]);

    // ---- pods
    let info = |pod: &str, host: &str, ip: &str, kind: &str, owner: &str, pc: &str, hn: &str| {
        format!(
            r#"kube_pod_info{{{},host_ip="{host}",pod_ip="{ip}",node="{a}",created_by_kind="{kind}",created_by_name="{owner}",priority_class="{pc}",host_network="{hn}"}} 1"#,
            f.pod(pod)
        )
    };
    let pc = f.priority_class.as_str();
    assert_eq!(
        in_namespace(&scrape, "kube_pod_info", ns),
        sort(vec![
            info("pending", "", "", "", "", "", "false"),
            info("running", "127.0.0.2", "127.0.0.2", "", "", pc, "true"),
            info("succeeded", "127.0.0.2", "127.0.1.3", "", "", "", "false"),
            info("failed", "127.0.0.2", "", "", "", "", "false"),
            info("unknown", "127.0.0.2", "127.0.1.5", "", "", "", "false"),
            info("crashing", "127.0.0.2", "127.0.1.6", "", "", "", "false"),
            info(w0, "127.0.0.2", "127.0.1.10", "ReplicaSet", rs, "", "false"),
            info(w1, "127.0.0.2", "127.0.1.11", "ReplicaSet", rs, "", "false"),
            // Bound by the scheduler; no kubelet reported its addresses.
            info(w2, "", "", "ReplicaSet", rs, "", "false"),
        ])
    );

    let no_owner = |pod: &str| {
        format!(
            r#"kube_pod_owner{{{},owner_kind="",owner_name="",owner_is_controller=""}} 1"#,
            f.pod(pod)
        )
    };
    let owned = |pod: &str| {
        format!(
            r#"kube_pod_owner{{{},owner_kind="ReplicaSet",owner_name="{rs}",owner_is_controller="true"}} 1"#,
            f.pod(pod)
        )
    };
    assert_eq!(
        in_namespace(&scrape, "kube_pod_owner", ns),
        sort(vec![
            no_owner("pending"),
            no_owner("running"),
            no_owner("succeeded"),
            no_owner("failed"),
            no_owner("unknown"),
            no_owner("crashing"),
            owned(w0),
            owned(w1),
            owned(w2),
        ])
    );

    // The API server sets phase Pending on every new pod.
    let mut want = Vec::new();
    for (pod, phase) in [
        ("pending", "Pending"),
        ("running", "Running"),
        ("succeeded", "Succeeded"),
        ("failed", "Failed"),
        ("unknown", "Unknown"),
        ("crashing", "Running"),
        (w0, "Running"),
        (w1, "Running"),
        (w2, "Pending"),
    ] {
        want.extend(phases(&f.pod(pod), phase));
    }
    assert_eq!(
        in_namespace(&scrape, "kube_pod_status_phase", ns),
        sort(want)
    );

    // No Ready condition (pending, and w2 with only PodScheduled): no series.
    let mut want = Vec::new();
    for (pod, ready) in [
        ("running", "True"),
        ("succeeded", "False"),
        ("failed", "False"),
        ("unknown", "Unknown"),
        ("crashing", "False"),
        (w0, "True"),
        (w1, "True"),
    ] {
        want.extend(one_hot3(
            "kube_pod_status_ready",
            &f.pod(pod),
            "condition",
            ready,
        ));
    }
    assert_eq!(
        in_namespace(&scrape, "kube_pod_status_ready", ns),
        sort(want)
    );

    let restarts = |pod: &str, container: &str, n: u32| {
        format!(
            r#"kube_pod_container_status_restarts_total{{{},container="{container}"}} {n}"#,
            f.pod(pod)
        )
    };
    assert_eq!(
        in_namespace(&scrape, "kube_pod_container_status_restarts_total", ns),
        sort(vec![
            restarts("running", "app", 3),
            restarts("running", "sidecar", 0),
            restarts("succeeded", "app", 0),
            restarts("failed", "app", 0),
            restarts("unknown", "app", 0),
            restarts("crashing", "app", 5),
            restarts(w0, "app", 0),
            restarts(w1, "app", 0),
        ])
    );

    // Requests: the API server defaults a missing request to its limit
    // (pending, crashing, the sidecar's widget). 256Mi = 268435456,
    // 64Mi = 67108864, 32Mi = 33554432, 16Mi = 16777216 bytes.
    let res = |family: &str, pod: &str, container: &str, resource: &str, unit: &str, v: &str| {
        format!(
            r#"{family}{{{},container="{container}",node="{a}",resource="{resource}",unit="{unit}"}} {v}"#,
            f.pod(pod)
        )
    };
    let req = |pod, container, resource, unit, v| {
        res(
            "kube_pod_container_resource_requests",
            pod,
            container,
            resource,
            unit,
            v,
        )
    };
    let mut want = vec![
        req("pending", "app", "cpu", "core", "0.5"),
        req("pending", "app", "memory", "byte", "2.68435456e+08"),
        req("running", "app", "cpu", "core", "0.25"),
        req("running", "app", "memory", "byte", "6.7108864e+07"),
        req("running", "sidecar", "cpu", "core", "0.01"),
        req("running", "sidecar", "example_com_widget", "integer", "2"),
        req("succeeded", "app", "cpu", "core", "0.1"),
        req("failed", "app", "memory", "byte", "1.6777216e+07"),
        req("crashing", "app", "cpu", "core", "2"),
    ];
    for w in [w0, w1, w2] {
        want.push(req(w, "app", "cpu", "core", "0.1"));
        want.push(req(w, "app", "memory", "byte", "3.3554432e+07"));
    }
    assert_eq!(
        in_namespace(&scrape, "kube_pod_container_resource_requests", ns),
        sort(want)
    );
    let lim = |pod, container, resource, unit, v| {
        res(
            "kube_pod_container_resource_limits",
            pod,
            container,
            resource,
            unit,
            v,
        )
    };
    let mut want = vec![
        lim("pending", "app", "cpu", "core", "0.5"),
        lim("pending", "app", "memory", "byte", "2.68435456e+08"),
        lim("running", "app", "cpu", "core", "1"),
        lim("running", "app", "memory", "byte", "1.34217728e+08"),
        lim("running", "sidecar", "example_com_widget", "integer", "2"),
        lim("crashing", "app", "cpu", "core", "2"),
    ];
    for w in [w0, w1, w2] {
        want.push(lim(w, "app", "memory", "byte", "6.7108864e+07"));
    }
    assert_eq!(
        in_namespace(&scrape, "kube_pod_container_resource_limits", ns),
        sort(want)
    );

    // ---- deployments
    let web = format!(r#"namespace="{ns}",deployment="web""#);
    for (family, value) in [
        ("kube_deployment_spec_replicas", 3),
        ("kube_deployment_status_replicas_available", 2),
        ("kube_deployment_metadata_generation", 2),
        ("kube_deployment_status_observed_generation", 2),
    ] {
        assert_eq!(
            in_namespace(&scrape, family, ns),
            vec![format!("{family}{{{web}}} {value}")]
        );
    }

    // ---- nodes
    let nodes = [a, b];
    assert_eq!(
        for_nodes(&scrape, "kube_node_info", &nodes),
        sort(vec![
            format!(
                r#"kube_node_info{{node="{a}",kernel_version="6.1.0-18-amd64",os_image="Debian GNU/Linux 12 (bookworm)",container_runtime_version="containerd://1.7.13",kubelet_version="v1.20.2",kubeproxy_version="deprecated",provider_id="kubestate-test://{a}",pod_cidr="10.244.7.0/24",system_uuid="4c4c4544-0042",internal_ip="127.0.0.2"}} 1"#
            ),
            format!(
                r#"kube_node_info{{node="{b}",kernel_version="",os_image="",container_runtime_version="",kubelet_version="v1.20.2",kubeproxy_version="deprecated",provider_id="",pod_cidr="",system_uuid="",internal_ip="127.0.0.3"}} 1"#
            ),
        ])
    );
    let mut want = Vec::new();
    for (node, condition, status) in [
        (a, "Ready", "True"),
        (a, "MemoryPressure", "False"),
        (a, "DiskPressure", "False"),
        (a, "PIDPressure", "False"),
        (a, "KernelDeadlock", "False"),
        (b, "Ready", "False"),
        (b, "MemoryPressure", "Unknown"),
    ] {
        for s in ["true", "false", "unknown"] {
            want.push(format!(
                r#"kube_node_status_condition{{node="{node}",condition="{condition}",status="{s}"}} {}"#,
                u8::from(s.eq_ignore_ascii_case(status))
            ));
        }
    }
    assert_eq!(
        for_nodes(&scrape, "kube_node_status_condition", &nodes),
        sort(want)
    );
    // 7Gi = 7516192768, 90Gi = 96636764160, 1Gi = 1073741824 bytes.
    let alloc = |node: &str, resource: &str, unit: &str, v: &str| {
        format!(
            r#"kube_node_status_allocatable{{node="{node}",resource="{resource}",unit="{unit}"}} {v}"#
        )
    };
    assert_eq!(
        for_nodes(&scrape, "kube_node_status_allocatable", &nodes),
        sort(vec![
            alloc(a, "cpu", "core", "3.5"),
            alloc(a, "memory", "byte", "7.516192768e+09"),
            alloc(a, "pods", "integer", "110"),
            alloc(a, "ephemeral_storage", "byte", "9.663676416e+10"),
            alloc(a, "example_com_widget", "integer", "4"),
            alloc(a, "hugepages_2Mi", "byte", "0"),
            alloc(b, "cpu", "core", "1"),
            alloc(b, "memory", "byte", "1.073741824e+09"),
            alloc(b, "pods", "integer", "10"),
        ])
    );
    assert_eq!(
        for_nodes(&scrape, "kube_node_spec_unschedulable", &nodes),
        sort(vec![
            format!(r#"kube_node_spec_unschedulable{{node="{a}"}} 0"#),
            format!(r#"kube_node_spec_unschedulable{{node="{b}"}} 1"#),
        ])
    );

    // ---- services: cluster IPs are allocated by the server; NodePort and
    // LoadBalancer get externalTrafficPolicy Cluster unless set.
    let svc_info = |name: &str, ip: &str, ext: &str, lb: &str, etp: &str| {
        format!(
            r#"kube_service_info{{{},cluster_ip="{ip}",external_name="{ext}",load_balancer_ip="{lb}",external_traffic_policy="{etp}"}} 1"#,
            f.service(name)
        )
    };
    for name in ["cip", "np", "lb"] {
        assert!(
            f.cluster_ip(name).starts_with("10.96."),
            "{name}: {}",
            f.cluster_ip(name)
        );
    }
    assert_eq!(
        in_namespace(&scrape, "kube_service_info", ns),
        sort(vec![
            svc_info("cip", f.cluster_ip("cip"), "", "", ""),
            svc_info("headless", "None", "", "", ""),
            svc_info("np", f.cluster_ip("np"), "", "", "Cluster"),
            svc_info("lb", f.cluster_ip("lb"), "", "127.0.0.10", "Local"),
            svc_info("ext", "", "db.example.com", "", ""),
        ])
    );
    let svc_type = |name: &str, t: &str| {
        format!(
            r#"kube_service_spec_type{{{},type="{t}"}} 1"#,
            f.service(name)
        )
    };
    assert_eq!(
        in_namespace(&scrape, "kube_service_spec_type", ns),
        sort(vec![
            svc_type("cip", "ClusterIP"),
            svc_type("headless", "ClusterIP"),
            svc_type("np", "NodePort"),
            svc_type("lb", "LoadBalancer"),
            svc_type("ext", "ExternalName"),
        ])
    );
    f.cleanup(tier);
}

/// Records a mismatch instead of failing at once.
macro_rules! soft_eq {
    ($misses:ident, $got:expr, $want:expr $(,)?) => {{
        let (got, want): (Vec<String>, Vec<String>) = ($got, $want);
        if got != want {
            let family = want
                .first()
                .and_then(|l| l.split('{').next())
                .unwrap_or("?")
                .to_string();
            $misses.push(format!(
                "{family}:\n  got:  {:#?}\n  want: {:#?}",
                got, want
            ));
        }
    }};
}

/// The families of metrics.md beyond the seventeen of the spine.
#[test]
fn families_beyond_the_spine_match_the_spec_on_a_real_cluster() {
    let Some(s) = begin("families-beyond-the-spine") else {
        return;
    };
    let tier = s.tier;
    let f = fixture(tier, "fam2");
    let exporter = tier.exporter(&[]);
    let scrape = scrape_settled(&exporter, &f);
    // Every family is checked and every mismatch reported at once.
    let mut misses: Vec<String> = Vec::new();
    let ns = f.ns.as_str();
    let (a, b) = (f.node_a.as_str(), f.node_b.as_str());
    let nodes = [a, b];
    let (w0, w1, w2) = (&f.web_pods[0], &f.web_pods[1], &f.web_pods[2]);
    let standalone = [
        "pending",
        "running",
        "succeeded",
        "failed",
        "unknown",
        "crashing",
    ];
    let every_pod: Vec<&str> = standalone
        .iter()
        .copied()
        .chain([w0.as_str(), w1.as_str(), w2.as_str()])
        .collect();
    let each = |family: &str, pods: &[&str], extra: &str, value: &str| -> Vec<String> {
        pods.iter()
            .map(|p| format!("{family}{{{}{extra}}} {value}", f.pod(p)))
            .collect()
    };

    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_created", ns),
        sort(
            every_pod
                .iter()
                .map(|p| format!("kube_pod_created{{{}}} {}", f.pod(p), go_g(f.created[*p])))
                .collect()
        )
    );
    // Every pod has restartPolicy (default Always), serviceAccountName
    // (default "default") and schedulerName (default "default-scheduler").
    let mut policies = each(
        "kube_pod_restart_policy",
        &["pending", "running", "unknown", "crashing", w0, w1, w2],
        r#",type="Always""#,
        "1",
    );
    policies.extend(each(
        "kube_pod_restart_policy",
        &["succeeded", "failed"],
        r#",type="Never""#,
        "1",
    ));
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_restart_policy", ns),
        sort(policies)
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_service_account", ns),
        sort(each(
            "kube_pod_service_account",
            &every_pod,
            r#",service_account="default""#,
            "1"
        ))
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_scheduler", ns),
        sort(each(
            "kube_pod_scheduler",
            &every_pod,
            r#",name="default-scheduler""#,
            "1"
        ))
    );
    // The server computes status.qosClass on create: limits == requests for
    // every resource of every container is Guaranteed, some request or
    // limit is Burstable, none is BestEffort.
    let mut want = Vec::new();
    for (pod, qos) in [
        ("pending", "Guaranteed"),
        ("running", "Burstable"),
        ("succeeded", "Burstable"),
        ("failed", "Burstable"),
        ("unknown", "BestEffort"),
        ("crashing", "Burstable"),
        (w0.as_str(), "Burstable"),
        (w1.as_str(), "Burstable"),
        (w2.as_str(), "Burstable"),
    ] {
        for class in ["BestEffort", "Burstable", "Guaranteed"] {
            want.push(format!(
                r#"kube_pod_status_qos_class{{{},qos_class="{class}"}} {}"#,
                f.pod(pod),
                u8::from(class == qos)
            ));
        }
    }
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_status_qos_class", ns),
        sort(want)
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_status_reason", ns),
        vec![format!(
            r#"kube_pod_status_reason{{{},reason="Evicted"}} 1"#,
            f.pod("failed")
        )]
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_container_status_waiting_reason", ns),
        sort(vec![
            format!(
                r#"kube_pod_container_status_waiting_reason{{{},container="app",reason="ContainerCreating"}} 1"#,
                f.pod("unknown")
            ),
            format!(
                r#"kube_pod_container_status_waiting_reason{{{},container="app",reason="CrashLoopBackOff"}} 1"#,
                f.pod("crashing")
            ),
        ])
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_container_status_terminated_reason", ns),
        sort(vec![
            format!(
                r#"kube_pod_container_status_terminated_reason{{{},container="app",reason="Completed"}} 1"#,
                f.pod("succeeded")
            ),
            format!(
                r#"kube_pod_container_status_terminated_reason{{{},container="app",reason="Error"}} 1"#,
                f.pod("failed")
            ),
        ])
    );
    soft_eq!(
        misses,
        in_namespace(
            &scrape,
            "kube_pod_container_status_last_terminated_reason",
            ns
        ),
        vec![format!(
            r#"kube_pod_container_status_last_terminated_reason{{{},container="app",reason="OOMKilled"}} 1"#,
            f.pod("crashing")
        )]
    );
    soft_eq!(
        misses,
        in_namespace(
            &scrape,
            "kube_pod_container_status_last_terminated_exitcode",
            ns
        ),
        vec![format!(
            r#"kube_pod_container_status_last_terminated_exitcode{{{},container="app"}} 137"#,
            f.pod("crashing")
        )]
    );
    // Waiting/running/terminated: 1/0 per container status.
    let mut want = Vec::new();
    for (pod, container, state) in [
        ("running", "app", "running"),
        ("running", "sidecar", "running"),
        ("succeeded", "app", "terminated"),
        ("failed", "app", "terminated"),
        ("unknown", "app", "waiting"),
        ("crashing", "app", "waiting"),
        (w0.as_str(), "app", "running"),
        (w1.as_str(), "app", "running"),
    ] {
        for s in ["waiting", "running", "terminated"] {
            want.push(format!(
                r#"kube_pod_container_status_{s}{{{},container="{container}"}} {}"#,
                f.pod(pod),
                u8::from(s == state)
            ));
        }
    }
    let mut got = Vec::new();
    for s in ["waiting", "running", "terminated"] {
        got.extend(in_namespace(
            &scrape,
            &format!("kube_pod_container_status_{s}"),
            ns,
        ));
    }
    soft_eq!(misses, sort(got), sort(want));
    // The init container of "running": terminated with Completed.
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_init_container_status_terminated", ns),
        vec![format!(
            r#"kube_pod_init_container_status_terminated{{{},container="init"}} 1"#,
            f.pod("running")
        )]
    );
    soft_eq!(
        misses,
        in_namespace(
            &scrape,
            "kube_pod_init_container_status_terminated_reason",
            ns
        ),
        vec![format!(
            r#"kube_pod_init_container_status_terminated_reason{{{},container="init",reason="Completed"}} 1"#,
            f.pod("running")
        )]
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_init_container_resource_requests", ns),
        vec![format!(
            r#"kube_pod_init_container_resource_requests{{{},container="init",node="{a}",resource="cpu",unit="core"}} 0.05"#,
            f.pod("running")
        )]
    );
    // Admission (DefaultTolerationSeconds) gives every pod 300 s
    // tolerations of not-ready and unreachable NoExecute taints; the
    // deployment pods also tolerate the not-ready NoSchedule taint.
    let mut want = Vec::new();
    for p in &every_pod {
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            want.push(format!(
                r#"kube_pod_tolerations{{{},key="{key}",operator="Exists",value="",effect="NoExecute",toleration_seconds="300"}} 1"#,
                f.pod(p)
            ));
        }
    }
    for p in [w0, w1, w2] {
        want.push(format!(
            r#"kube_pod_tolerations{{{},key="node.kubernetes.io/not-ready",operator="Exists",value="",effect="NoSchedule",toleration_seconds=""}} 1"#,
            f.pod(p)
        ));
    }
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_pod_tolerations", ns),
        sort(want)
    );

    // ---- deployments: replicas 3 with the default 25% surge/unavailable.
    let web = format!(r#"namespace="{ns}",deployment="web""#);
    for (family, value) in [
        ("kube_deployment_status_replicas", 3),
        ("kube_deployment_status_replicas_ready", 2),
        ("kube_deployment_status_replicas_unavailable", 1),
        ("kube_deployment_status_replicas_updated", 3),
        ("kube_deployment_spec_paused", 0),
        // 25% of 3 rounded down / up.
        (
            "kube_deployment_spec_strategy_rollingupdate_max_unavailable",
            0,
        ),
        ("kube_deployment_spec_strategy_rollingupdate_max_surge", 1),
    ] {
        soft_eq!(
            misses,
            in_namespace(&scrape, family, ns),
            vec![format!("{family}{{{web}}} {value}")]
        );
    }
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_deployment_owner", ns),
        vec![format!(
            r#"kube_deployment_owner{{{web},owner_kind="",owner_name=""}} 1"#
        )]
    );

    // ---- nodes: admission gave both the not-ready taint.
    soft_eq!(misses,
        for_nodes(&scrape, "kube_node_spec_taint", &nodes),
        sort(
            nodes
                .iter()
                .map(|n| format!(
                    r#"kube_node_spec_taint{{node="{n}",key="node.kubernetes.io/not-ready",value="",effect="NoSchedule"}} 1"#
                ))
                .collect()
        )
    );
    let cap = |node: &str, resource: &str, unit: &str, v: &str| {
        format!(
            r#"kube_node_status_capacity{{node="{node}",resource="{resource}",unit="{unit}"}} {v}"#
        )
    };
    // 8Gi = 8589934592, 100Gi = 107374182400 bytes.
    soft_eq!(
        misses,
        for_nodes(&scrape, "kube_node_status_capacity", &nodes),
        sort(vec![
            cap(a, "cpu", "core", "4"),
            cap(a, "memory", "byte", "8.589934592e+09"),
            cap(a, "pods", "integer", "110"),
            cap(a, "ephemeral_storage", "byte", "1.073741824e+11"),
            cap(a, "example_com_widget", "integer", "4"),
            cap(a, "hugepages_2Mi", "byte", "0"),
            cap(b, "cpu", "core", "1"),
            cap(b, "memory", "byte", "1.073741824e+09"),
            cap(b, "pods", "integer", "10"),
        ])
    );
    soft_eq!(
        misses,
        for_nodes(&scrape, "kube_node_status_addresses", &nodes),
        sort(vec![
            format!(
                r#"kube_node_status_addresses{{node="{a}",type="InternalIP",address="127.0.0.2"}} 1"#
            ),
            format!(r#"kube_node_status_addresses{{node="{a}",type="Hostname",address="{a}"}} 1"#),
            format!(
                r#"kube_node_status_addresses{{node="{b}",type="InternalIP",address="127.0.0.3"}} 1"#
            ),
        ])
    );
    soft_eq!(
        misses,
        for_nodes(&scrape, "kube_node_spec_pod_cidrs", &nodes),
        vec![format!(
            r#"kube_node_spec_pod_cidrs{{node="{a}",pod_cidr="10.244.7.0/24"}} 1"#
        )]
    );

    // ---- services
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_service_spec_external_ip", ns),
        vec![format!(
            r#"kube_service_spec_external_ip{{{},external_ip="192.0.2.20"}} 1"#,
            f.service("cip")
        )]
    );
    soft_eq!(
        misses,
        in_namespace(&scrape, "kube_service_status_load_balancer_ingress", ns),
        sort(vec![
            format!(
                r#"kube_service_status_load_balancer_ingress{{{},ip="127.0.0.10",hostname=""}} 1"#,
                f.service("lb")
            ),
            format!(
                r#"kube_service_status_load_balancer_ingress{{{},ip="",hostname="lb.example.com"}} 1"#,
                f.service("lb")
            ),
        ])
    );
    f.cleanup(tier);
    assert!(
        misses.is_empty(),
        "{} of the families differ from the spec:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn changes_reach_the_next_scrape() {
    let Some(s) = begin("watch") else {
        return;
    };
    let tier = s.tier;
    let ns = tier.namespace("watch");
    let node = format!("{ns}-n");
    let admin = &tier.admin;
    let nodes: Api<Node> = Api::all(admin.clone());
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &ns);
    let services: Api<Service> = Api::namespaced(admin.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), &ns);
    tier.create(&nodes, json!({"metadata": {"name": node}}));
    tier.patch(
        &nodes,
        &node,
        true,
        json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
                          "addresses": [{"type": "InternalIP", "address": "127.0.0.4"}]}}),
    );
    // Pods nobody can schedule: deleting them needs no kubelet.
    let unschedulable = json!({"nodeSelector": {"kubestate-test/nowhere": "true"},
                               "automountServiceAccountToken": false,
                               "containers": [{"name": "app", "image": "nginx:1.27"}]});
    tier.create(
        &deployments,
        json!({"metadata": {"name": "scaler"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "scaler"}},
                        "template": {"metadata": {"labels": {"app": "scaler"}}, "spec": unschedulable}}}),
    );
    tier.create(
        &pods,
        json!({"metadata": {"name": "victim"}, "spec": unschedulable}),
    );
    let mut bound = pod_spec(&node, json!([{"name": "app", "image": "nginx:1.27"}]));
    bound["automountServiceAccountToken"] = json!(false);
    tier.create(&pods, json!({"metadata": {"name": "bound"}, "spec": bound}));
    tier.create(
        &services,
        json!({"metadata": {"name": "front"},
               "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}),
    );

    let exporter = tier.exporter(&[]);
    let pods_of = |scrape: &str| in_namespace(scrape, "kube_pod_info", &ns).len();
    let mut latencies = Vec::new();
    let mut change = |what: &str, act: &dyn Fn(), done: &dyn Fn(&str) -> bool| {
        act();
        let started = Instant::now();
        common::wait_for(what, CHANGE, || done(&exporter.scrape()).then_some(()));
        latencies.push(format!("{what}: {:?}", started.elapsed()));
    };
    let dep = format!(r#"namespace="{ns}",deployment="scaler""#);
    change("the first replica and both pods listed", &|| {}, &|s| {
        pods_of(s) == 3 && s.contains(&format!("kube_deployment_spec_replicas{{{dep}}} 1"))
    });
    change(
        "a scale-up to 3",
        &|| {
            tier.patch(
                &deployments,
                "scaler",
                false,
                json!({"spec": {"replicas": 3}}),
            );
        },
        &|s| pods_of(s) == 5 && s.contains(&format!("kube_deployment_spec_replicas{{{dep}}} 3")),
    );
    change(
        "a scale-down to 0",
        &|| {
            tier.patch(
                &deployments,
                "scaler",
                false,
                json!({"spec": {"replicas": 0}}),
            );
        },
        &|s| pods_of(s) == 2 && s.contains(&format!("kube_deployment_spec_replicas{{{dep}}} 0")),
    );
    change(
        "a deleted pending pod",
        &|| tier.delete_now(&pods, "victim"),
        &|s| pods_of(s) == 1 && !s.contains(r#"pod="victim""#),
    );
    change(
        "a deleted pod bound to a node",
        &|| tier.delete_now(&pods, "bound"),
        &|s| pods_of(s) == 0,
    );
    let ready = |status: &str| {
        format!(
            r#"kube_node_status_condition{{node="{node}",condition="Ready",status="{status}"}} 1"#
        )
    };
    change(
        "a node turning NotReady",
        &|| {
            tier.patch(
                &nodes,
                &node,
                true,
                json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
            );
        },
        &|s| s.contains(&ready("false")) && !s.contains(&ready("true")),
    );
    change(
        "a node turning Ready again",
        &|| {
            tier.patch(
                &nodes,
                &node,
                true,
                json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            );
        },
        &|s| s.contains(&ready("true")),
    );
    change(
        "a service becoming a NodePort",
        &|| {
            tier.patch(
                &services,
                "front",
                false,
                json!({"spec": {"type": "NodePort"}}),
            );
        },
        &|s| {
            let types = in_namespace(s, "kube_service_spec_type", &ns);
            types.len() == 1
                && types[0].contains(r#"service="front""#)
                && types[0].ends_with(r#"type="NodePort"} 1"#)
                && in_namespace(s, "kube_service_info", &ns)
                    .iter()
                    .any(|l| l.contains(r#"external_traffic_policy="Cluster""#))
        },
    );
    change(
        "a deleted service",
        &|| tier.delete_now(&services, "front"),
        &|s| in_namespace(s, "kube_service_info", &ns).is_empty(),
    );
    change("a deleted node", &|| tier.delete_now(&nodes, &node), &|s| {
        for_nodes(s, "kube_node_info", &[&node]).is_empty()
    });
    eprintln!(
        "watch latencies (scrape polled every 50 ms):\n  {}",
        latencies.join("\n  ")
    );
}

/// Makes some changes in `ns`: a pod created, one deleted, a service
/// retyped, the deployment scaled. Errors are ignored (the API server may
/// be away); returns how many requests succeeded.
fn churn(tier: &Tier, ns: &str, round: usize) -> usize {
    let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), ns);
    let services: Api<Service> = Api::namespaced(tier.admin.clone(), ns);
    let deployments: Api<Deployment> = Api::namespaced(tier.admin.clone(), ns);
    let spec = json!({"nodeSelector": {"kubestate-test/nowhere": "true"},
                      "automountServiceAccountToken": false,
                      "containers": [{"name": "app", "image": "nginx:1.27"}]});
    let pod: Pod =
        support::from(json!({"metadata": {"name": format!("churn-{round}")}, "spec": spec}));
    let types = ["ClusterIP", "NodePort"];
    let patch = |v: Value| kube::api::Patch::Merge(v);
    let params = kube::api::PatchParams::default();
    let results = tier.block_on(async {
        [
            pods.create(&Default::default(), &pod).await.is_ok(),
            round < 1
                || pods
                    .delete(&format!("churn-{}", round - 1), &now())
                    .await
                    .is_ok(),
            services
                .patch(
                    "flip",
                    &params,
                    &patch(json!({"spec": {"type": types[round % 2]}})),
                )
                .await
                .is_ok(),
            deployments
                .patch(
                    "churner",
                    &params,
                    &patch(json!({"spec": {"replicas": (round % 3) as i32}})),
                )
                .await
                .is_ok(),
        ]
    });
    results.iter().filter(|ok| **ok).count()
}

fn churn_setup(tier: &Tier, prefix: &str) -> String {
    let ns = tier.namespace(prefix);
    let services: Api<Service> = Api::namespaced(tier.admin.clone(), &ns);
    let deployments: Api<Deployment> = Api::namespaced(tier.admin.clone(), &ns);
    tier.create(
        &services,
        json!({"metadata": {"name": "flip"}, "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}),
    );
    tier.create(
        &deployments,
        json!({"metadata": {"name": "churner"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "churner"}},
                        "template": {"metadata": {"labels": {"app": "churner"}},
                                     "spec": {"nodeSelector": {"kubestate-test/nowhere": "true"},
                                              "automountServiceAccountToken": false,
                                              "containers": [{"name": "app", "image": "nginx:1.27"}]}}}}),
    );
    ns
}

fn lists(exporter: &Exporter) -> f64 {
    support::self_sum(
        &exporter.self_metrics(),
        "kube_state_metrics_list_total",
        &[r#"result="success""#],
    )
}

#[test]
fn after_etcd_compaction_the_exporter_agrees_with_a_fresh_one() {
    let Some(s) = begin("etcd-compaction") else {
        return;
    };
    let Some(compact) = support::setting(
        "etcd-compaction",
        support::COMPACT_ENV,
        "a command that compacts etcd",
    ) else {
        return;
    };
    let tier = s.tier;
    let ns = churn_setup(tier, "gone");
    let exporter = tier.exporter(&[]);
    let lists_before = lists(&exporter);
    let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), &ns);
    let old = tier
        .block_on(pods.list(&ListParams::default()))
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    for round in 0..5 {
        churn(tier, &ns, round);
    }
    tier.shell(&compact);
    // The compaction is real: etcd no longer has the older revision.
    let exact = ListParams::default()
        .at(&old)
        .matching(kube::api::VersionMatch::Exact);
    match tier.block_on(pods.list(&exact)) {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 410, "{status:?}"),
        other => panic!("a list at the compacted revision {old}: {other:?}"),
    }
    for round in 5..10 {
        assert_eq!(churn(tier, &ns, round), 4, "every change after compaction");
    }
    tier.shell(&compact);
    let fresh = tier.exporter(&[]);
    let took = support::converges(&exporter, &fresh, Duration::from_secs(60));
    eprintln!(
        "compaction: converged {took:?} after the fresh exporter was ready; the long-running one relisted {} times",
        lists(&exporter) - lists_before
    );
    // The last change is there in both.
    let scrape = exporter.scrape();
    assert!(
        scrape.contains(&format!(
            r#"kube_service_spec_type{{namespace="{ns}",service="flip","#
        )) && in_namespace(&scrape, "kube_service_spec_type", &ns)[0]
            .contains(r#"type="NodePort""#),
        "{scrape}"
    );
}

#[test]
fn after_an_api_server_restart_the_exporter_agrees_with_a_fresh_one() {
    let Some(s) = begin("apiserver-restart") else {
        return;
    };
    let Some(restart) = support::setting(
        "apiserver-restart",
        support::RESTART_ENV,
        "a command that restarts the API server",
    ) else {
        return;
    };
    let tier = s.tier;
    let ns = churn_setup(tier, "restart");
    let exporter = tier.exporter(&[]);
    let lists_before = lists(&exporter);
    for round in 0..3 {
        churn(tier, &ns, round);
    }
    // Changes keep coming while the API server goes away and comes back.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (ok, attempted) = std::thread::scope(|scope| {
        let churner = scope.spawn(|| {
            let (mut ok, mut round) = (0, 3);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && round < 200 {
                ok += churn(tier, &ns, round);
                round += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            (ok, round)
        });
        tier.shell(&restart);
        std::thread::sleep(Duration::from_secs(1));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        churner.join().unwrap()
    });
    eprintln!(
        "restart: {ok} of {} changes were accepted around the restart",
        (attempted - 3) * 4
    );
    for round in attempted..attempted + 3 {
        assert_eq!(churn(tier, &ns, round), 4, "every change after the restart");
    }
    common::wait_for("/readyz after the restart", CHANGE, || {
        get(&format!("{}/readyz", exporter.telemetry))
            .ok()
            .filter(|r| r.status == 200)
    });
    let fresh = tier.exporter(&[]);
    let took = support::converges(&exporter, &fresh, Duration::from_secs(90));
    let relists = lists(&exporter) - lists_before;
    eprintln!("restart: converged {took:?} after the fresh exporter was ready; {relists} relists");
    // The restarted API server's watch cache starts at a newer revision,
    // so resuming a watch gets 410 Gone and the exporter lists again.
    assert!(relists >= 1.0, "no relist after the restart");
    assert!(
        !exporter.process.stderr().contains("panicked"),
        "{}",
        exporter.process.stderr()
    );
}

#[test]
fn a_forbidden_kind_is_named_by_readyz_and_the_log_and_the_rest_is_served() {
    let Some(s) = begin("forbidden") else {
        return;
    };
    let tier = s.tier;
    let ns = tier.namespace("forbid");
    let name = format!("{ns}-noservices");
    let accounts: Api<ServiceAccount> = Api::namespaced(tier.admin.clone(), &ns);
    let roles: Api<ClusterRole> = Api::all(tier.admin.clone());
    let bindings: Api<ClusterRoleBinding> = Api::all(tier.admin.clone());
    tier.create(&accounts, json!({"metadata": {"name": "exporter"}}));
    tier.create(
        &roles,
        json!({"metadata": {"name": name},
               "rules": [{"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["list", "watch"]},
                         {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list", "watch"]}]}),
    );
    tier.create(
        &bindings,
        json!({"metadata": {"name": name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
               "subjects": [{"kind": "ServiceAccount", "name": "exporter", "namespace": ns}]}),
    );
    let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), &ns);
    tier.create(
        &pods,
        json!({"metadata": {"name": "seen"},
               "spec": {"nodeSelector": {"kubestate-test/nowhere": "true"},
                        "automountServiceAccountToken": false,
                        "containers": [{"name": "app", "image": "nginx:1.27"}]}}),
    );
    let token = tier.service_account_token(&ns, "exporter");
    let kubeconfig = tier.token_kubeconfig("noservices", &token);
    // The kinds the role names, and services, which it does not.
    let exporter = Exporter::start(
        &kubeconfig,
        &["--resources=deployments,nodes,pods,services"],
    );
    let started = Instant::now();
    let body = common::wait_for("/readyz to name only services", CHANGE, || {
        let r = get(&format!("{}/readyz", exporter.telemetry)).ok()?;
        (r.status == 503 && r.text() == "not synced: services\n").then_some(r.text())
    });
    assert_eq!(body, "not synced: services\n");
    let scrape = exporter.scrape();
    assert_eq!(
        in_namespace(&scrape, "kube_pod_info", &ns).len(),
        1,
        "{scrape}"
    );
    assert!(
        common::series(&scrape, "kube_service_info").is_empty(),
        "no service series without access"
    );
    // Let a few backoff steps pass, then read the log.
    std::thread::sleep(Duration::from_secs(6));
    let elapsed = started.elapsed().as_secs_f64();
    let stderr = exporter.process.stderr();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("forbidden") || l.contains("Forbidden"))
        .collect();
    assert!(
        !lines.is_empty(),
        "no log line names the refusal:\n{stderr}"
    );
    for line in &lines {
        assert!(
            line.contains("services") && line.contains("list") && line.contains("forbidden"),
            "the line must name the resource and the verb: {line}"
        );
        assert!(
            !line.contains("pods") && !line.contains("nodes"),
            "only services is refused: {line}"
        );
    }
    // One line per backoff step, the steps doubling from 0.8 s: at most
    // five in this time (a constant 0.8 s would give more than eight).
    assert!(
        lines.len() <= 5,
        "{} refusal lines in {elapsed:.1}s:\n{}",
        lines.len(),
        lines.join("\n")
    );
    eprintln!(
        "forbidden: {} log lines in {elapsed:.1}s, first: {}",
        lines.len(),
        lines[0]
    );
    let _ = tier.block_on(bindings.delete(&name, &now()));
    let _ = tier.block_on(roles.delete(&name, &now()));
}

#[test]
fn namespaces_and_the_denylist_use_real_field_selectors() {
    let Some(s) = begin("namespaces") else {
        return;
    };
    let tier = s.tier;
    let [na, nb, nc] = ["nsa", "nsb", "nsc"].map(|p| tier.namespace(p));
    for ns in [&na, &nb, &nc] {
        let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), ns);
        let services: Api<Service> = Api::namespaced(tier.admin.clone(), ns);
        let deployments: Api<Deployment> = Api::namespaced(tier.admin.clone(), ns);
        tier.create(
            &pods,
            json!({"metadata": {"name": "p"},
                   "spec": {"nodeSelector": {"kubestate-test/nowhere": "true"},
                            "automountServiceAccountToken": false,
                            "containers": [{"name": "app", "image": "nginx:1.27"}]}}),
        );
        tier.create(
            &services,
            json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}),
        );
        tier.create(
            &deployments,
            json!({"metadata": {"name": "d"},
                   "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "d"}},
                            "template": {"metadata": {"labels": {"app": "d"}},
                                         "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}),
        );
    }
    let namespaced = |scrape: &str| -> Vec<String> {
        let mut out: Vec<String> = all_namespaced(scrape);
        out.sort();
        out.dedup();
        out
    };

    let only = tier.exporter(&["--namespaces", &format!("{na},{nb}")]);
    let everything = tier.exporter(&[]);
    let denied = tier.exporter(&["--namespaces-denylist", &nc]);

    // --namespaces: exactly the two namespaces, every kind present.
    let scrape = only.scrape();
    assert_eq!(namespaced(&scrape), sorted(&[&na, &nb]));
    for ns in [&na, &nb] {
        for family in [
            "kube_pod_info",
            "kube_service_info",
            "kube_deployment_spec_replicas",
        ] {
            assert_eq!(
                in_namespace(&scrape, family, ns).len(),
                1,
                "{family} in {ns}"
            );
        }
    }
    // Nodes are cluster-scoped: the filter does not apply to them.
    common::wait_for(
        "the same nodes with and without --namespaces",
        CHANGE,
        || {
            (common::series(&only.scrape(), "kube_node_info")
                == common::series(&everything.scrape(), "kube_node_info"))
            .then_some(())
        },
    );

    // --namespaces-denylist: everything but the one namespace.
    common::wait_for(
        "the denylist exporter to serve all but one namespace",
        CHANGE,
        || {
            let all = everything.scrape();
            let want: Vec<String> = support::all_series(&all)
                .into_iter()
                .filter(|l| namespace_object(l) || !l.contains(&format!(r#"namespace="{nc}""#)))
                .collect();
            (support::all_series(&denied.scrape()) == want).then_some(())
        },
    );
    let scrape = denied.scrape();
    let seen = namespaced(&scrape);
    assert!(seen.contains(&na) && seen.contains(&nb), "{seen:?}");
    assert!(!seen.contains(&nc), "{seen:?}");
    assert!(
        namespaced(&everything.scrape()).contains(&nc),
        "the unfiltered exporter sees {nc}"
    );
    // Namespace objects are cluster-scoped: served whatever the filters,
    // as kube-state-metrics serves them.
    assert_eq!(
        in_namespace(&scrape, "kube_namespace_created", &nc).len(),
        1,
        "the denylisted namespace's own object"
    );
}

/// A series of a Namespace object: its `namespace` label is the object
/// itself, which no namespace filter applies to.
fn namespace_object(line: &str) -> bool {
    line.starts_with("kube_namespace_")
}

/// The namespaces of every namespaced series.
fn all_namespaced(scrape: &str) -> Vec<String> {
    support::all_series(scrape)
        .iter()
        .filter(|l| !namespace_object(l))
        .filter_map(|l| {
            // The `namespace` label itself, not `claim_namespace` or
            // `owner_namespace`, which cluster-scoped kinds carry.
            let start = l
                .find("{namespace=\"")
                .or_else(|| l.find(",namespace=\""))?;
            let rest = &l[start + "{namespace=\"".len()..];
            Some(rest.split('"').next()?.to_string())
        })
        .collect()
}

/// Where `.ci/run` points the tier at the cluster's client CA (`ca.crt`,
/// `ca.key`), so a scenario can sign a client certificate.
const CLIENT_CA_ENV: &str = "KUBESTATE_TEST_CLIENT_CA_DIR";

/// Runs openssl, failing the test with its output if it fails.
fn openssl(args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A kubeconfig that authenticates with a client certificate.
fn certificate_kubeconfig(
    tier: &Tier,
    name: &str,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::path::PathBuf {
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "real", "cluster": {
            "server": tier.server,
            "certificate-authority": tier.ca_file.display().to_string(),
        }}],
        "users": [{"name": name, "user": {
            "client-certificate": cert.display().to_string(),
            "client-key": key.display().to_string(),
        }}],
        "contexts": [{"name": name, "context": {"cluster": "real", "user": name}}],
        "current-context": name,
    });
    let path = tier.dir.join(format!("{name}.kubeconfig"));
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).expect("kubeconfig");
    path
}

#[test]
fn a_client_certificate_authenticates_the_exporter() {
    let Some(s) = begin("client-certificate") else {
        return;
    };
    let Some(ca_dir) = support::setting(
        "client-certificate",
        CLIENT_CA_ENV,
        "the directory of the cluster's client CA (ca.crt, ca.key)",
    )
    .map(std::path::PathBuf::from) else {
        return;
    };
    let tier = s.tier;
    let user = format!("kubestate-cert-{}", tier.run);
    let dir = tier.dir.join("client-certificate");
    std::fs::create_dir_all(&dir).unwrap();
    let path = |file: &str| dir.join(file).display().to_string();
    let ca = |file: &str| ca_dir.join(file).display().to_string();

    // A certificate the API server's client CA signed, for a user bound to
    // the manifests' ClusterRole and to nothing else.
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &path("key.pem"),
        "-out",
        &path("csr.pem"),
        "-subj",
        &format!("/CN={user}"),
    ]);
    // X.509 v3 with clientAuth, as clusters issue them: rustls refuses the
    // v1 certificate `openssl x509 -req` makes without extensions.
    std::fs::write(
        dir.join("ext.cnf"),
        "[client]\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-extfile",
        &path("ext.cnf"),
        "-extensions",
        "client",
        "-in",
        &path("csr.pem"),
        "-CA",
        &ca("ca.crt"),
        "-CAkey",
        &ca("ca.key"),
        "-CAserial",
        &path("ca.srl"),
        "-CAcreateserial",
        "-days",
        "1",
        "-out",
        &path("cert.pem"),
    ]);
    let bindings: Api<ClusterRoleBinding> = Api::all(tier.admin.clone());
    tier.create(
        &bindings,
        json!({"metadata": {"name": user},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": tier.exporter_role},
               "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}]}),
    );
    let kubeconfig = certificate_kubeconfig(
        tier,
        "certificate",
        dir.join("cert.pem").as_path(),
        dir.join("key.pem").as_path(),
    );
    let exporter = Exporter::start(&kubeconfig, &[]);
    exporter.wait_ready();
    let scrape = exporter.scrape();
    assert_eq!(
        in_namespace(&scrape, "kube_service_info", "default")
            .iter()
            .filter(|l| l.contains("service=\"kubernetes\""))
            .count(),
        1,
        "the certificate's user lists services:\n{scrape}"
    );

    // The same key with a certificate no cluster CA signed is refused: the
    // exporter stays unready and says why.
    openssl(&[
        "req",
        "-x509",
        "-key",
        &path("key.pem"),
        "-out",
        &path("self-signed.pem"),
        "-days",
        "1",
        "-subj",
        &format!("/CN={user}"),
    ]);
    let refused = certificate_kubeconfig(
        tier,
        "self-signed",
        dir.join("self-signed.pem").as_path(),
        dir.join("key.pem").as_path(),
    );
    let stranger = Exporter::start(&refused, &["--resources=services"]);
    let log = common::wait_for("a refusal in the log", CHANGE, || {
        let log = stranger.process.stderr();
        log.contains("watch failed").then_some(log)
    });
    assert!(log.contains("401") || log.contains("Unauthorized"), "{log}");
    let ready = get(&format!("{}/readyz", stranger.telemetry)).unwrap();
    assert_eq!(
        (ready.status, ready.text()),
        (503, "not synced: services\n".to_string())
    );
}

// ---------------------------------------------------------------- migration

/// kube-state-metrics' own standard install, examples/standard of v2.20.0,
/// as users apply it: the objects `manifests/` must replace in place.
const KSM_STANDARD: [(&str, &str); 5] = [
    (
        "service-account.yaml",
        "apiVersion: v1
automountServiceAccountToken: false
kind: ServiceAccount
metadata:
  labels:
    app.kubernetes.io/component: exporter
    app.kubernetes.io/name: kube-state-metrics
    app.kubernetes.io/version: 2.20.0
  name: kube-state-metrics
  namespace: kube-system
",
    ),
    (
        "cluster-role.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  labels:
    app.kubernetes.io/component: exporter
    app.kubernetes.io/name: kube-state-metrics
    app.kubernetes.io/version: 2.20.0
  name: kube-state-metrics
rules:
  - apiGroups: [\"\"]
    resources: [configmaps, secrets, nodes, pods, services, serviceaccounts, resourcequotas,
                replicationcontrollers, limitranges, persistentvolumeclaims, persistentvolumes,
                namespaces, endpoints]
    verbs: [list, watch]
  - apiGroups: [apps]
    resources: [statefulsets, daemonsets, deployments, replicasets]
    verbs: [list, watch]
  - apiGroups: [batch]
    resources: [cronjobs, jobs]
    verbs: [list, watch]
  - apiGroups: [autoscaling]
    resources: [horizontalpodautoscalers]
    verbs: [list, watch]
  - apiGroups: [authentication.k8s.io]
    resources: [tokenreviews]
    verbs: [create]
  - apiGroups: [authorization.k8s.io]
    resources: [subjectaccessreviews]
    verbs: [create]
  - apiGroups: [policy]
    resources: [poddisruptionbudgets]
    verbs: [list, watch]
  - apiGroups: [certificates.k8s.io]
    resources: [certificatesigningrequests]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
  - apiGroups: [storage.k8s.io]
    resources: [storageclasses, volumeattachments]
    verbs: [list, watch]
  - apiGroups: [admissionregistration.k8s.io]
    resources: [mutatingadmissionpolicies, mutatingadmissionpolicybindings,
                mutatingwebhookconfigurations, validatingadmissionpolicies,
                validatingadmissionpolicybindings, validatingwebhookconfigurations]
    verbs: [list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies, ingressclasses, ingresses]
    verbs: [list, watch]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [list, watch]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [clusterrolebindings, clusterroles, rolebindings, roles]
    verbs: [list, watch]
",
    ),
    (
        "cluster-role-binding.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  labels:
    app.kubernetes.io/component: exporter
    app.kubernetes.io/name: kube-state-metrics
    app.kubernetes.io/version: 2.20.0
  name: kube-state-metrics
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kube-state-metrics
subjects:
  - kind: ServiceAccount
    name: kube-state-metrics
    namespace: kube-system
",
    ),
    (
        "deployment.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/component: exporter
    app.kubernetes.io/name: kube-state-metrics
    app.kubernetes.io/version: 2.20.0
  name: kube-state-metrics
  namespace: kube-system
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kube-state-metrics
  template:
    metadata:
      labels:
        app.kubernetes.io/component: exporter
        app.kubernetes.io/name: kube-state-metrics
        app.kubernetes.io/version: 2.20.0
    spec:
      automountServiceAccountToken: true
      containers:
        - image: registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0
          livenessProbe:
            httpGet:
              path: /livez
              port: http-metrics
            initialDelaySeconds: 5
            timeoutSeconds: 5
          name: kube-state-metrics
          ports:
            - containerPort: 8080
              name: http-metrics
            - containerPort: 8081
              name: telemetry
          readinessProbe:
            httpGet:
              path: /readyz
              port: telemetry
            initialDelaySeconds: 5
            timeoutSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 65534
            seccompProfile:
              type: RuntimeDefault
      nodeSelector:
        kubernetes.io/os: linux
      serviceAccountName: kube-state-metrics
",
    ),
    (
        "service.yaml",
        "apiVersion: v1
kind: Service
metadata:
  labels:
    app.kubernetes.io/component: exporter
    app.kubernetes.io/name: kube-state-metrics
    app.kubernetes.io/version: 2.20.0
  name: kube-state-metrics
  namespace: kube-system
spec:
  clusterIP: None
  ports:
    - name: http-metrics
      port: 8080
      targetPort: http-metrics
    - name: telemetry
      port: 8081
      targetPort: telemetry
  selector:
    app.kubernetes.io/name: kube-state-metrics
",
    ),
];

/// A kustomization in `dir` over `resources` that moves them into `ns`
/// and prefixes their names: the same change for kube-state-metrics'
/// install and for `manifests/`, so the second replaces the first exactly
/// as in kube-system, without touching a real install there.
fn overlay(dir: &std::path::Path, ns: &str, prefix: &str, resources: &[&str]) {
    let mut text = format!("namespace: {ns}\nnamePrefix: {prefix}\nresources:\n");
    for resource in resources {
        text.push_str(&format!("  - {resource}\n"));
    }
    std::fs::write(dir.join("kustomization.yaml"), text).expect("kustomization");
}

#[test]
fn manifests_apply_over_kube_state_metrics_standard_install_in_place() {
    let Some(s) = begin("migration") else {
        return;
    };
    let tier = s.tier;
    let ns = tier.namespace("migrate");
    let prefix = format!("ks-{}-migrate-", tier.run);
    let name = format!("{prefix}kube-state-metrics");
    for kind in ["clusterrole", "clusterrolebinding"] {
        tier.created(format!("{kind}.rbac.authorization.k8s.io/{name}"));
    }
    let dir = tier.dir.join("migration");
    let (ksm, ours) = (dir.join("kube-state-metrics"), dir.join("kubestate"));
    std::fs::create_dir_all(&ksm).unwrap();
    for (file, text) in KSM_STANDARD {
        std::fs::write(ksm.join(file), text).unwrap();
    }
    overlay(&ksm, &ns, &prefix, &KSM_STANDARD.map(|(file, _)| file));
    // kustomize takes no absolute paths: `manifests/` is copied whole.
    let base = ours.join("manifests");
    std::fs::create_dir_all(&base).unwrap();
    let manifests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
    // The base's files; its components/ are optional extras.
    for entry in std::fs::read_dir(&manifests).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, base.join(path.file_name().unwrap())).unwrap();
        }
    }
    overlay(&ours, &ns, &prefix, &["manifests"]);

    let deployments: Api<Deployment> = Api::namespaced(tier.admin.clone(), &ns);
    let services: Api<Service> = Api::namespaced(tier.admin.clone(), &ns);
    let roles: Api<ClusterRole> = Api::all(tier.admin.clone());
    let deployment = || serde_json::to_value(tier.get(&deployments, &name)).unwrap();
    let ksm_selector = json!({"matchLabels": {"app.kubernetes.io/name": "kube-state-metrics"}});

    tier.kubectl(&["apply", "-k", &ksm.display().to_string()], None);
    let before = deployment();
    assert_eq!(
        before["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0"
    );
    assert_eq!(before["spec"]["selector"], ksm_selector);

    // The migration itself: must succeed as a whole (kubectl exits 0 only
    // if every object was applied; an immutable field would fail it).
    let applied = tier.kubectl(&["apply", "-k", &ours.display().to_string()], None);
    for object in [
        "serviceaccount",
        "clusterrole.rbac.authorization.k8s.io",
        "clusterrolebinding.rbac.authorization.k8s.io",
        "service",
        "deployment.apps",
    ] {
        assert!(
            applied.contains(&format!("{object}/{name} configured")),
            "{object} replaced in place:\n{applied}"
        );
    }

    let after = deployment();
    assert_eq!(after["spec"]["selector"], ksm_selector);
    let container = &after["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/kubestate/kubestate:0.1.0");
    assert!(
        container["args"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("--telemetry-port=8081"))),
        "{container}"
    );
    let labels = &after["metadata"]["labels"];
    assert_eq!(labels["app.kubernetes.io/part-of"], "kubestate");
    // kubectl's three-way merge drops what only kube-state-metrics set.
    assert_eq!(labels["app.kubernetes.io/version"], Value::Null, "{labels}");

    let service = serde_json::to_value(tier.get(&services, &name)).unwrap();
    assert_eq!(
        service["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "kubestate"
    );
    assert_eq!(service["spec"]["clusterIP"], "None");
    assert_eq!(
        service["spec"]["selector"],
        json!({"app.kubernetes.io/name": "kube-state-metrics"})
    );
    let ports: Vec<(&str, i64)> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["port"].as_i64().unwrap()))
        .collect();
    assert_eq!(ports, [("http-metrics", 8080), ("telemetry", 8081)]);

    // The role is now the least-privilege one: list and watch, four kinds.
    let role = serde_json::to_value(tier.get(&roles, &name)).unwrap();
    let mut granted = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        for group in rule["apiGroups"].as_array().unwrap() {
            for resource in rule["resources"].as_array().unwrap() {
                for verb in rule["verbs"].as_array().unwrap() {
                    granted.push(format!(
                        "{}/{}:{}",
                        group.as_str().unwrap(),
                        resource.as_str().unwrap(),
                        verb.as_str().unwrap()
                    ));
                }
            }
        }
    }
    // List and watch on the default kinds, from the registry.
    let want: Vec<String> = kubestate::kinds::Resource::defaults()
        .flat_map(|r| ["list", "watch"].map(|v| format!("{}/{}:{v}", r.group(), r.plural())))
        .collect();
    assert_eq!(sort(granted), sort(want));
    tier.kubectl(
        &["delete", "-k", &ours.display().to_string(), "--wait=false"],
        None,
    );
}
