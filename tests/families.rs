//! Each family of the spine, end to end: objects with known fields go into
//! the simulated API server, the exporter lists and watches them over HTTP,
//! and a scrape must give exactly the series metrics.md specifies for them.
//! Every expected line below is written by hand from the spec and the
//! object's fields.

mod common;

use common::{Exporter, Sim, series, series_with, sorted};
use kubestate::sim::builders::{deployment, node, pod, service};

/// One cluster with one object of each kind (and a second service), shared
/// by the assertions below: starting processes costs more than asserting.
fn cluster() -> (Sim, Exporter, String) {
    let sim = Sim::empty();
    sim.put(
        &node("node-a")
            .uid("node-uid-a")
            .kernel("6.1.0-18-amd64")
            .os_image("Debian GNU/Linux 12 (bookworm)")
            .runtime("containerd://1.7.13")
            .kubelet("v1.30.2")
            .system_uuid("4c4c4544-0042")
            .provider_id("kind://docker/kind/node-a")
            .pod_cidr("10.244.1.0/24")
            .address("Hostname", "node-a")
            .address("InternalIP", "172.18.0.2")
            .allocatable("cpu", "3500m")
            .allocatable("memory", "7Gi")
            .allocatable("pods", "110")
            .condition("Ready", "True")
            .condition("MemoryPressure", "False")
            .unschedulable(true)
            .build(),
    );
    sim.put(
        &pod("web-1")
            .in_ns("shop")
            .uid("pod-uid-1")
            .owner("ReplicaSet", "web-5f7b", "rs-uid", true)
            .node("node-a")
            .host_ip("172.18.0.2")
            .pod_ip("10.244.1.7")
            .priority_class("high", 1000)
            .phase("Running")
            .condition("Ready", "True", 1_700_000_000)
            .container("app", |c| {
                c.image("nginx:1.27")
                    .requests("cpu", "250m")
                    .requests("memory", "64Mi")
                    .limits("cpu", "1")
                    .limits("memory", "128Mi")
                    .restarts(2)
                    .running(1_700_000_000)
            })
            .container("sidecar", |c| {
                c.image("envoy:1.30")
                    .requests("cpu", "10m")
                    .running(1_700_000_000)
            })
            .build(),
    );
    sim.put(
        &deployment("web")
            .in_ns("shop")
            .uid("dep-uid-1")
            .generation(3)
            .replicas(3)
            .available(2)
            .observed_generation(2)
            .build(),
    );
    sim.put(
        &service("web")
            .in_ns("shop")
            .uid("svc-uid-1")
            .type_("LoadBalancer")
            .cluster_ip("10.96.12.4")
            .load_balancer_ip("203.0.113.10")
            .external_traffic_policy("Local")
            .build(),
    );
    sim.put(
        &service("db")
            .in_ns("shop")
            .uid("svc-uid-2")
            .type_("ExternalName")
            .external_name("db.example.com")
            .build(),
    );
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let scrape = exporter.scrape();
    (sim, exporter, scrape)
}

#[test]
fn every_spine_family_serves_the_series_the_spec_requires() {
    let (_sim, _exporter, scrape) = cluster();
    let pod = r#"namespace="shop",pod="web-1",uid="pod-uid-1""#;

    assert_eq!(
        series(&scrape, "kube_pod_info"),
        sorted(&[&format!(
            r#"kube_pod_info{{{pod},host_ip="172.18.0.2",pod_ip="10.244.1.7",node="node-a",created_by_kind="ReplicaSet",created_by_name="web-5f7b",priority_class="high",host_network="false"}} 1"#
        )])
    );
    assert_eq!(
        series(&scrape, "kube_pod_owner"),
        sorted(&[&format!(
            r#"kube_pod_owner{{{pod},owner_kind="ReplicaSet",owner_name="web-5f7b",owner_is_controller="true"}} 1"#
        )])
    );
    assert_eq!(
        series(&scrape, "kube_pod_status_phase"),
        sorted(&[
            &format!(r#"kube_pod_status_phase{{{pod},phase="Pending"}} 0"#),
            &format!(r#"kube_pod_status_phase{{{pod},phase="Running"}} 1"#),
            &format!(r#"kube_pod_status_phase{{{pod},phase="Succeeded"}} 0"#),
            &format!(r#"kube_pod_status_phase{{{pod},phase="Failed"}} 0"#),
            &format!(r#"kube_pod_status_phase{{{pod},phase="Unknown"}} 0"#),
        ])
    );
    assert_eq!(
        series(&scrape, "kube_pod_status_ready"),
        sorted(&[
            &format!(r#"kube_pod_status_ready{{{pod},condition="true"}} 1"#),
            &format!(r#"kube_pod_status_ready{{{pod},condition="false"}} 0"#),
            &format!(r#"kube_pod_status_ready{{{pod},condition="unknown"}} 0"#),
        ])
    );
    assert_eq!(
        series(&scrape, "kube_pod_container_status_restarts_total"),
        sorted(&[
            &format!(r#"kube_pod_container_status_restarts_total{{{pod},container="app"}} 2"#),
            &format!(r#"kube_pod_container_status_restarts_total{{{pod},container="sidecar"}} 0"#),
        ])
    );
    // 64Mi = 67108864 bytes, 128Mi = 134217728 bytes, in Go's %g form.
    assert_eq!(
        series(&scrape, "kube_pod_container_resource_requests"),
        sorted(&[
            &format!(
                r#"kube_pod_container_resource_requests{{{pod},container="app",node="node-a",resource="cpu",unit="core"}} 0.25"#
            ),
            &format!(
                r#"kube_pod_container_resource_requests{{{pod},container="app",node="node-a",resource="memory",unit="byte"}} 6.7108864e+07"#
            ),
            &format!(
                r#"kube_pod_container_resource_requests{{{pod},container="sidecar",node="node-a",resource="cpu",unit="core"}} 0.01"#
            ),
        ])
    );
    assert_eq!(
        series(&scrape, "kube_pod_container_resource_limits"),
        sorted(&[
            &format!(
                r#"kube_pod_container_resource_limits{{{pod},container="app",node="node-a",resource="cpu",unit="core"}} 1"#
            ),
            &format!(
                r#"kube_pod_container_resource_limits{{{pod},container="app",node="node-a",resource="memory",unit="byte"}} 1.34217728e+08"#
            ),
        ])
    );

    let web = r#"namespace="shop",deployment="web""#;
    assert_eq!(
        series(&scrape, "kube_deployment_spec_replicas"),
        sorted(&[&format!("kube_deployment_spec_replicas{{{web}}} 3")])
    );
    assert_eq!(
        series(&scrape, "kube_deployment_status_replicas_available"),
        sorted(&[&format!(
            "kube_deployment_status_replicas_available{{{web}}} 2"
        )])
    );
    assert_eq!(
        series(&scrape, "kube_deployment_metadata_generation"),
        sorted(&[&format!("kube_deployment_metadata_generation{{{web}}} 3")])
    );
    assert_eq!(
        series(&scrape, "kube_deployment_status_observed_generation"),
        sorted(&[&format!(
            "kube_deployment_status_observed_generation{{{web}}} 2"
        )])
    );

    assert_eq!(
        series(&scrape, "kube_node_info"),
        sorted(&[
            r#"kube_node_info{node="node-a",kernel_version="6.1.0-18-amd64",os_image="Debian GNU/Linux 12 (bookworm)",container_runtime_version="containerd://1.7.13",kubelet_version="v1.30.2",kubeproxy_version="deprecated",provider_id="kind://docker/kind/node-a",pod_cidr="10.244.1.0/24",system_uuid="4c4c4544-0042",internal_ip="172.18.0.2"} 1"#
        ])
    );
    assert_eq!(
        series(&scrape, "kube_node_status_condition"),
        sorted(&[
            r#"kube_node_status_condition{node="node-a",condition="Ready",status="true"} 1"#,
            r#"kube_node_status_condition{node="node-a",condition="Ready",status="false"} 0"#,
            r#"kube_node_status_condition{node="node-a",condition="Ready",status="unknown"} 0"#,
            r#"kube_node_status_condition{node="node-a",condition="MemoryPressure",status="true"} 0"#,
            r#"kube_node_status_condition{node="node-a",condition="MemoryPressure",status="false"} 1"#,
            r#"kube_node_status_condition{node="node-a",condition="MemoryPressure",status="unknown"} 0"#,
        ])
    );
    // 7Gi = 7516192768 bytes.
    assert_eq!(
        series(&scrape, "kube_node_status_allocatable"),
        sorted(&[
            r#"kube_node_status_allocatable{node="node-a",resource="cpu",unit="core"} 3.5"#,
            r#"kube_node_status_allocatable{node="node-a",resource="memory",unit="byte"} 7.516192768e+09"#,
            r#"kube_node_status_allocatable{node="node-a",resource="pods",unit="integer"} 110"#,
        ])
    );
    assert_eq!(
        series(&scrape, "kube_node_spec_unschedulable"),
        sorted(&[r#"kube_node_spec_unschedulable{node="node-a"} 1"#])
    );

    assert_eq!(
        series(&scrape, "kube_service_info"),
        sorted(&[
            r#"kube_service_info{namespace="shop",service="web",uid="svc-uid-1",cluster_ip="10.96.12.4",external_name="",load_balancer_ip="203.0.113.10",external_traffic_policy="Local"} 1"#,
            r#"kube_service_info{namespace="shop",service="db",uid="svc-uid-2",cluster_ip="",external_name="db.example.com",load_balancer_ip="",external_traffic_policy=""} 1"#,
        ])
    );
    assert_eq!(
        series(&scrape, "kube_service_spec_type"),
        sorted(&[
            r#"kube_service_spec_type{namespace="shop",service="web",uid="svc-uid-1",type="LoadBalancer"} 1"#,
            r#"kube_service_spec_type{namespace="shop",service="db",uid="svc-uid-2",type="ExternalName"} 1"#,
        ])
    );
}

#[test]
fn help_and_type_appear_once_per_family_before_its_series() {
    let (_sim, _exporter, scrape) = cluster();
    let mut seen = std::collections::HashSet::new();
    let mut current: Option<String> = None;
    for line in scrape.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_string();
            assert!(seen.insert(name.clone()), "HELP for {name} appears twice");
            current = Some(name);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert_eq!(Some(name), current.as_deref(), "TYPE right after its HELP");
        } else {
            let family = current.as_deref().expect("a sample after a header");
            assert!(
                line.starts_with(family),
                "{line:?} outside its family {family}"
            );
        }
    }
    assert!(scrape.contains("# HELP kube_pod_info [STABLE] "));
    assert!(scrape.contains("# TYPE kube_pod_container_status_restarts_total counter\n"));
    assert!(scrape.contains("# TYPE kube_pod_info gauge\n"));
    assert_eq!(series_with(&scrape, "kube_pod_info", "web-1").len(), 1);
}

/// Allowlists, opt-in and denylist end to end: what leaves the exporter is
/// exactly what the flags ask for.
#[test]
fn allowlists_opt_in_and_denylist_decide_what_is_served() {
    let sim = Sim::empty();
    sim.put(
        &node("node-b")
            .uid("node-uid-b")
            .role("control-plane")
            .label("topology.kubernetes.io/zone", "eu-1a")
            .taint("node-role.kubernetes.io/control-plane", "", "NoSchedule")
            .build(),
    );
    sim.put(
        &pod("api-0")
            .in_ns("shop")
            .uid("pod-uid-2")
            .label("app", "api")
            .label("teamName", "checkout")
            .label("pod-template-hash", "6d9f")
            .annotation("owner", "alice")
            .annotation(
                "kubectl.kubernetes.io/last-applied-configuration",
                "{\"secret-ish\":true}",
            )
            .node_selector("disktype", "ssd")
            .node("node-b")
            .phase("Running")
            .container("app", |c| {
                c.image("api:2")
                    .restarts(3)
                    .waiting("CrashLoopBackOff", "back-off")
                    .last_terminated("OOMKilled", 137, 1_700_000_000, 1_700_000_060)
            })
            .build(),
    );
    sim.put(
        &deployment("api")
            .in_ns("shop")
            .uid("dep-uid-2")
            .replicas(10)
            .rolling_update("25%", "25%")
            .unavailable(2)
            .condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                1_700_000_000,
            )
            .build(),
    );
    sim.put(&service("api").in_ns("shop").uid("svc-uid-3").build());
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            "--metric-labels-allowlist=pods=[app,teamName],nodes=[*]",
            "--metric-annotations-allowlist=pods=[owner]",
            "--metric-opt-in-list=kube_pod_nodeselectors",
            "--metric-denylist=kube_service_.*",
        ],
    );
    exporter.wait_ready();
    let scrape = exporter.scrape();
    let pod = r#"namespace="shop",pod="api-0",uid="pod-uid-2""#;
    let api = r#"namespace="shop",deployment="api""#;

    assert_eq!(
        series(&scrape, "kube_pod_labels"),
        sorted(&[&format!(
            r#"kube_pod_labels{{{pod},label_app="api",label_team_name="checkout"}} 1"#
        )])
    );
    assert_eq!(
        series(&scrape, "kube_pod_annotations"),
        sorted(&[&format!(
            r#"kube_pod_annotations{{{pod},annotation_owner="alice"}} 1"#
        )])
    );
    assert!(
        !scrape.contains("secret-ish"),
        "an unlisted annotation leaked"
    );
    assert!(!scrape.contains("6d9f"), "an unlisted label leaked");
    assert_eq!(
        series(&scrape, "kube_pod_nodeselectors"),
        sorted(&[&format!(
            r#"kube_pod_nodeselectors{{{pod},nodeselector_disktype="ssd"}} 1"#
        )])
    );
    // Deployments are not allowlisted: header, no series.
    assert!(scrape.contains("# TYPE kube_deployment_labels gauge\n"));
    assert!(series(&scrape, "kube_deployment_labels").is_empty());
    assert_eq!(
        series(&scrape, "kube_node_labels"),
        sorted(&[
            r#"kube_node_labels{node="node-b",label_node_role_kubernetes_io_control_plane="",label_topology_kubernetes_io_zone="eu-1a"} 1"#
        ])
    );
    assert_eq!(
        series(&scrape, "kube_node_role"),
        sorted(&[r#"kube_node_role{node="node-b",role="control-plane"} 1"#])
    );
    assert_eq!(
        series(&scrape, "kube_node_spec_taint"),
        sorted(&[
            r#"kube_node_spec_taint{node="node-b",key="node-role.kubernetes.io/control-plane",value="",effect="NoSchedule"} 1"#
        ])
    );
    // Denied: not even a header.
    assert!(!scrape.contains("kube_service_"));

    assert_eq!(
        series(&scrape, "kube_pod_container_status_waiting"),
        sorted(&[&format!(
            r#"kube_pod_container_status_waiting{{{pod},container="app"}} 1"#
        )])
    );
    assert_eq!(
        series(&scrape, "kube_pod_container_status_waiting_reason"),
        sorted(&[&format!(
            r#"kube_pod_container_status_waiting_reason{{{pod},container="app",reason="CrashLoopBackOff"}} 1"#
        )])
    );
    assert_eq!(
        series(&scrape, "kube_pod_container_status_last_terminated_reason"),
        sorted(&[&format!(
            r#"kube_pod_container_status_last_terminated_reason{{{pod},container="app",reason="OOMKilled"}} 1"#
        )])
    );
    assert!(series(&scrape, "kube_pod_completion_time").is_empty());
    assert_eq!(
        series(&scrape, "kube_deployment_status_replicas_unavailable"),
        sorted(&[&format!(
            "kube_deployment_status_replicas_unavailable{{{api}}} 2"
        )])
    );
    // 25% of 10 replicas: surge rounds 2.5 up, unavailable down.
    assert_eq!(
        series(
            &scrape,
            "kube_deployment_spec_strategy_rollingupdate_max_surge"
        ),
        sorted(&[&format!(
            "kube_deployment_spec_strategy_rollingupdate_max_surge{{{api}}} 3"
        )])
    );
    assert_eq!(
        series(
            &scrape,
            "kube_deployment_spec_strategy_rollingupdate_max_unavailable"
        ),
        sorted(&[&format!(
            "kube_deployment_spec_strategy_rollingupdate_max_unavailable{{{api}}} 2"
        )])
    );
    assert_eq!(
        series(&scrape, "kube_deployment_status_condition"),
        sorted(&[
            &format!(
                r#"kube_deployment_status_condition{{{api},reason="MinimumReplicasUnavailable",condition="Available",status="true"}} 0"#
            ),
            &format!(
                r#"kube_deployment_status_condition{{{api},reason="MinimumReplicasUnavailable",condition="Available",status="false"}} 1"#
            ),
            &format!(
                r#"kube_deployment_status_condition{{{api},reason="MinimumReplicasUnavailable",condition="Available",status="unknown"}} 0"#
            ),
        ])
    );
}
