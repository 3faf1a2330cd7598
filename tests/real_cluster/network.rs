//! Ingresses, ingress classes, endpoints, network policies, storage
//! classes and volume attachments on the real API server. The endpoints
//! controller (controller-manager) writes the Endpoints of a service from
//! two pods whose status is set here, one ready and one not; a service
//! without selector has Endpoints written here. The opt-in kinds
//! (ingressclasses, endpoints) get the extra rule docs/metrics.md names.
//! EndpointSlices are checked where the server serves discovery.k8s.io/v1
//! (from 1.21); kube-apiserver 1.20 has v1beta1 only, and then the
//! exporter must name the kind once in its log and not wait for it.

use super::support::{CONTROLLERS, begin};
use super::{go_g, sort};
use crate::common::series_with;
use k8s_openapi::api::core::v1::{Endpoints, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::storage::v1::{StorageClass, VolumeAttachment};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kubestate::kinds::Resource;
use serde_json::json;

fn created(meta: &ObjectMeta) -> String {
    go_g(
        meta.creation_timestamp
            .as_ref()
            .map_or(0, |t| t.0.as_second()),
    )
}

/// A pod on a node no kubelet runs, with the status a kubelet would
/// report: running, with an IP, ready or not.
fn pod_status(ip: &str, ready: bool) -> serde_json::Value {
    let ready = if ready { "True" } else { "False" };
    json!({"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
        "conditions": [{"type": "Ready", "status": ready}, {"type": "ContainersReady", "status": ready}]}})
}

#[test]
fn network_kinds_storage_classes_and_attachments_match_kube_state_metrics_on_a_real_cluster() {
    let Some(s) = begin("network") else {
        return;
    };
    let tier = s.tier;
    let run = &tier.run;
    let ns = tier.namespace("net");
    let admin = || tier.admin.clone();

    // The rule the opt-in kinds need, for the exporter's account.
    let (account_ns, account) = tier
        .exporter_user
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
        .expect("the exporter is a service account");
    let role = format!("ks-{run}-network-opt-in");
    tier.create(
        &Api::<ClusterRole>::all(admin()),
        json!({"metadata": {"name": role},
               "rules": [
                 {"apiGroups": ["networking.k8s.io"], "resources": ["ingressclasses"], "verbs": ["list", "watch"]},
                 {"apiGroups": [""], "resources": ["endpoints"], "verbs": ["list", "watch"]}]}),
    );
    tier.create(
        &Api::<ClusterRoleBinding>::all(admin()),
        json!({"metadata": {"name": role},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"kind": "ServiceAccount", "namespace": account_ns, "name": account}]}),
    );

    // Ingresses and their class.
    let class = format!("ks-{run}-edge");
    let ingress_class = tier.create(
        &Api::<IngressClass>::all(admin()),
        json!({"metadata": {"name": class, "labels": {"tier": "edge"}},
               "spec": {"controller": "example.com/edge-controller"}}),
    );
    let ingresses: Api<Ingress> = Api::namespaced(admin(), &ns);
    let web = tier.create(
        &ingresses,
        json!({"metadata": {"name": "web", "labels": {"app": "web"}},
               "spec": {"ingressClassName": class,
                 "tls": [{"hosts": ["shop.example.com", "www.shop.example.com"], "secretName": "shop-tls"}],
                 "rules": [
                   {"host": "shop.example.com", "http": {"paths": [
                     {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
                     {"path": "/api", "pathType": "Exact", "backend": {"service": {"name": "api", "port": {"name": "http"}}}},
                     {"path": "/assets", "pathType": "ImplementationSpecific",
                      "backend": {"resource": {"apiGroup": "storage.example.com", "kind": "Bucket", "name": "assets"}}}]}},
                   {"host": "tcp.example.com"}]}}),
    );
    let legacy = tier.create(
        &ingresses,
        json!({"metadata": {"name": "legacy", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
               "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}),
    );

    // A service whose endpoints the controller writes from two pods, and
    // one without selector whose Endpoints are written by hand.
    let services: Api<Service> = Api::namespaced(admin(), &ns);
    let pods: Api<Pod> = Api::namespaced(admin(), &ns);
    let endpoints: Api<Endpoints> = Api::namespaced(admin(), &ns);
    tier.create(
        &services,
        json!({"metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"},
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}),
    );
    tier.create(
        &services,
        json!({"metadata": {"name": "dns"},
               "spec": {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                  {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}}),
    );
    let node = format!("ks-net-{run}-node");
    for (pod, ip, ready) in [
        ("web-1", "10.244.7.11", true),
        ("web-2", "10.244.7.12", false),
    ] {
        tier.create(
            &pods,
            json!({"metadata": {"name": pod, "labels": {"app": "web"}},
                   "spec": {"nodeName": node, "automountServiceAccountToken": false,
                            "containers": [{"name": "app", "image": "nginx:1.27",
                                            "ports": [{"containerPort": 8080}]}]}}),
        );
        tier.patch(&pods, pod, true, pod_status(ip, ready));
    }
    let dns = tier.create(
        &endpoints,
        json!({"metadata": {"name": "dns"},
               "subsets": [{"addresses": [{"ip": "192.0.2.53"}],
                            "notReadyAddresses": [{"ip": "192.0.2.54"}],
                            "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                      {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}]}),
    );
    let web_endpoints = tier.until(
        "the endpoints controller's web Endpoints",
        CONTROLLERS,
        || {
            let e = tier.block_on(endpoints.get_opt("web")).ok().flatten()?;
            let subset = e.subsets.as_ref()?.first()?.clone();
            let ready = subset.addresses.unwrap_or_default().len();
            let not_ready = subset.not_ready_addresses.unwrap_or_default().len();
            (ready == 1 && not_ready == 1).then_some(e)
        },
    );

    // Network policies.
    let policies: Api<NetworkPolicy> = Api::namespaced(admin(), &ns);
    let allow = tier.create(
        &policies,
        json!({"metadata": {"name": "allow-web"},
               "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"],
                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "edge"}}}]},
                             {"ports": [{"port": 8080, "protocol": "TCP"}]}],
                 "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}}),
    );
    let deny = tier.create(
        &policies,
        json!({"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
    );

    // Storage classes: one with its policies, one with the API's defaults.
    let classes: Api<StorageClass> = Api::all(admin());
    let fast = format!("ks-{run}-fast");
    let plain = format!("ks-{run}-plain");
    let fast_class = tier.create(
        &classes,
        json!({"metadata": {"name": fast, "labels": {"tier": "gold"}},
               "provisioner": "example.com/fast", "reclaimPolicy": "Retain",
               "volumeBindingMode": "WaitForFirstConsumer"}),
    );
    let plain_class = tier.create(
        &classes,
        json!({"metadata": {"name": plain}, "provisioner": "example.com/plain"}),
    );

    // An attachment as a CSI attacher reports it.
    let attachments: Api<VolumeAttachment> = Api::all(admin());
    let attachment = format!("ks-{run}-attachment");
    let volume = format!("ks-{run}-volume");
    let va = tier.create(
        &attachments,
        json!({"metadata": {"name": attachment, "labels": {"app.kubernetes.io/managed-by": "csi-attacher"}},
               "spec": {"attacher": "csi.example.com", "nodeName": node,
                        "source": {"persistentVolumeName": volume}}}),
    );
    tier.patch(
        &attachments,
        &attachment,
        true,
        json!({"status": {"attached": true, "attachmentMetadata": {"devicePath": "/dev/xvdb"}}}),
    );

    let exporter = tier.exporter(&[
        "--resources=ingresses,ingressclasses,endpoints,endpointslices,networkpolicies,storageclasses,volumeattachments",
        "--metric-labels-allowlist=ingresses=[app],ingressclasses=[tier],storageclasses=[tier]",
        "--metric-annotations-allowlist=ingresses=[kubernetes.io/ingress.class]",
    ]);
    let scrape = exporter.scrape();
    let mut misses = Vec::new();
    let mut check = |family: &str, needle: &str, want: Vec<String>| {
        let got = series_with(&scrape, family, needle);
        if got != sort(want.clone()) {
            misses.push(format!("{family}:\n  got  {got:#?}\n  want {want:#?}"));
        }
    };

    // Ingresses.
    let id = |name: &str| format!(r#"namespace="{ns}",ingress="{name}""#);
    let (w, l) = (id("web"), id("legacy"));
    check(
        "kube_ingress_info",
        &ns,
        vec![
            format!(r#"kube_ingress_info{{{w},ingressclass="{class}"}} 1"#),
            format!(r#"kube_ingress_info{{{l},ingressclass="nginx"}} 1"#),
        ],
    );
    check(
        "kube_ingress_labels",
        &ns,
        vec![
            format!(r#"kube_ingress_labels{{{w},label_app="web"}} 1"#),
            format!(r#"kube_ingress_labels{{{l}}} 1"#),
        ],
    );
    check(
        "kube_ingress_annotations",
        &ns,
        vec![
            format!(r#"kube_ingress_annotations{{{w}}} 1"#),
            format!(
                r#"kube_ingress_annotations{{{l},annotation_kubernetes_io_ingress_class="nginx"}} 1"#
            ),
        ],
    );
    check(
        "kube_ingress_created",
        &ns,
        vec![
            format!(r#"kube_ingress_created{{{w}}} {}"#, created(&web.metadata)),
            format!(
                r#"kube_ingress_created{{{l}}} {}"#,
                created(&legacy.metadata)
            ),
        ],
    );
    let web_now = tier.get(&ingresses, "web");
    let legacy_now = tier.get(&ingresses, "legacy");
    let rv = |i: &Ingress| {
        i.metadata
            .resource_version
            .clone()
            .expect("resourceVersion")
    };
    check(
        "kube_ingress_metadata_resource_version",
        &ns,
        vec![
            format!(
                r#"kube_ingress_metadata_resource_version{{{w}}} {}"#,
                go_g(rv(&web_now).parse().unwrap())
            ),
            format!(
                r#"kube_ingress_metadata_resource_version{{{l}}} {}"#,
                go_g(rv(&legacy_now).parse().unwrap())
            ),
        ],
    );
    check(
        "kube_ingress_path",
        &ns,
        vec![
            format!(
                r#"kube_ingress_path{{{w},host="shop.example.com",path="/",path_type="Prefix",service_name="web",service_port="80"}} 1"#
            ),
            format!(
                r#"kube_ingress_path{{{w},host="shop.example.com",path="/api",path_type="Exact",service_name="api",service_port="0"}} 1"#
            ),
            format!(
                r#"kube_ingress_path{{{w},host="shop.example.com",path="/assets",path_type="ImplementationSpecific",resource_api_group="storage.example.com",resource_kind="Bucket",resource_name="assets"}} 1"#
            ),
        ],
    );
    check(
        "kube_ingress_tls",
        &ns,
        vec![
            format!(r#"kube_ingress_tls{{{w},tls_host="shop.example.com",secret="shop-tls"}} 1"#),
            format!(
                r#"kube_ingress_tls{{{w},tls_host="www.shop.example.com",secret="shop-tls"}} 1"#
            ),
        ],
    );

    // The ingress class.
    let c = format!(r#"ingressclass="{class}""#);
    check(
        "kube_ingressclass_info",
        &c,
        vec![format!(
            r#"kube_ingressclass_info{{{c},controller="example.com/edge-controller"}} 1"#
        )],
    );
    check(
        "kube_ingressclass_created",
        &c,
        vec![format!(
            r#"kube_ingressclass_created{{{c}}} {}"#,
            created(&ingress_class.metadata)
        )],
    );
    check(
        "kube_ingressclass_labels",
        &c,
        vec![format!(
            r#"kube_ingressclass_labels{{{c},label_tier="edge"}} 1"#
        )],
    );

    // Endpoints, from the controller and by hand.
    let e = |name: &str| format!(r#"namespace="{ns}",endpoint="{name}""#);
    let (ew, ed) = (e("web"), e("dns"));
    check(
        "kube_endpoint_info",
        &ns,
        vec![
            format!("kube_endpoint_info{{{ew}}} 1"),
            format!("kube_endpoint_info{{{ed}}} 1"),
        ],
    );
    check(
        "kube_endpoint_created",
        &ns,
        vec![
            format!(
                "kube_endpoint_created{{{ew}}} {}",
                created(&web_endpoints.metadata)
            ),
            format!("kube_endpoint_created{{{ed}}} {}", created(&dns.metadata)),
        ],
    );
    check(
        "kube_endpoint_address",
        &ns,
        vec![
            format!(
                r#"kube_endpoint_address{{{ew},port_protocol="TCP",port_number="8080",port_name="http",ip="10.244.7.11",ready="true"}} 1"#
            ),
            format!(
                r#"kube_endpoint_address{{{ew},port_protocol="TCP",port_number="8080",port_name="http",ip="10.244.7.12",ready="false"}} 1"#
            ),
            format!(
                r#"kube_endpoint_address{{{ed},port_protocol="UDP",port_number="53",port_name="dns",ip="192.0.2.53",ready="true"}} 1"#
            ),
            format!(
                r#"kube_endpoint_address{{{ed},port_protocol="UDP",port_number="53",port_name="dns",ip="192.0.2.54",ready="false"}} 1"#
            ),
            format!(
                r#"kube_endpoint_address{{{ed},port_protocol="TCP",port_number="53",port_name="dns-tcp",ip="192.0.2.53",ready="true"}} 1"#
            ),
            format!(
                r#"kube_endpoint_address{{{ed},port_protocol="TCP",port_number="53",port_name="dns-tcp",ip="192.0.2.54",ready="false"}} 1"#
            ),
        ],
    );
    check(
        "kube_endpoint_ports",
        &ns,
        vec![
            format!(
                r#"kube_endpoint_ports{{{ew},port_name="http",port_protocol="TCP",port_number="8080"}} 1"#
            ),
            format!(
                r#"kube_endpoint_ports{{{ed},port_name="dns",port_protocol="UDP",port_number="53"}} 1"#
            ),
            format!(
                r#"kube_endpoint_ports{{{ed},port_name="dns-tcp",port_protocol="TCP",port_number="53"}} 1"#
            ),
        ],
    );

    // Network policies.
    let p = |name: &str| format!(r#"namespace="{ns}",networkpolicy="{name}""#);
    let (pa, pd) = (p("allow-web"), p("deny-all"));
    check(
        "kube_networkpolicy_created",
        &ns,
        vec![
            format!(
                "kube_networkpolicy_created{{{pa}}} {}",
                created(&allow.metadata)
            ),
            format!(
                "kube_networkpolicy_created{{{pd}}} {}",
                created(&deny.metadata)
            ),
        ],
    );
    check(
        "kube_networkpolicy_spec_ingress_rules",
        &ns,
        vec![
            format!("kube_networkpolicy_spec_ingress_rules{{{pa}}} 2"),
            format!("kube_networkpolicy_spec_ingress_rules{{{pd}}} 0"),
        ],
    );
    check(
        "kube_networkpolicy_spec_egress_rules",
        &ns,
        vec![
            format!("kube_networkpolicy_spec_egress_rules{{{pa}}} 1"),
            format!("kube_networkpolicy_spec_egress_rules{{{pd}}} 0"),
        ],
    );

    // Storage classes (the API server fills in the defaults it documents).
    let sc = |name: &str| format!(r#"storageclass="{name}""#);
    let (sf, sp) = (sc(&fast), sc(&plain));
    let ours = format!("ks-{run}-");
    check(
        "kube_storageclass_info",
        &ours,
        vec![
            format!(
                r#"kube_storageclass_info{{{sf},provisioner="example.com/fast",reclaim_policy="Retain",volume_binding_mode="WaitForFirstConsumer"}} 1"#
            ),
            format!(
                r#"kube_storageclass_info{{{sp},provisioner="example.com/plain",reclaim_policy="Delete",volume_binding_mode="Immediate"}} 1"#
            ),
        ],
    );
    check(
        "kube_storageclass_created",
        &ours,
        vec![
            format!(
                "kube_storageclass_created{{{sf}}} {}",
                created(&fast_class.metadata)
            ),
            format!(
                "kube_storageclass_created{{{sp}}} {}",
                created(&plain_class.metadata)
            ),
        ],
    );
    check(
        "kube_storageclass_labels",
        &ours,
        vec![
            format!(r#"kube_storageclass_labels{{{sf},label_tier="gold"}} 1"#),
            format!("kube_storageclass_labels{{{sp}}} 1"),
        ],
    );

    // The volume attachment: every label, without an allowlist.
    let v = format!(r#"volumeattachment="{attachment}""#);
    check(
        "kube_volumeattachment_labels",
        &v,
        vec![format!(
            r#"kube_volumeattachment_labels{{{v},label_app_kubernetes_io_managed_by="csi-attacher"}} 1"#
        )],
    );
    check(
        "kube_volumeattachment_info",
        &v,
        vec![format!(
            r#"kube_volumeattachment_info{{{v},attacher="csi.example.com",node="{node}"}} 1"#
        )],
    );
    check(
        "kube_volumeattachment_created",
        &v,
        vec![format!(
            "kube_volumeattachment_created{{{v}}} {}",
            created(&va.metadata)
        )],
    );
    check(
        "kube_volumeattachment_spec_source_persistentvolume",
        &v,
        vec![format!(
            r#"kube_volumeattachment_spec_source_persistentvolume{{{v},volumename="{volume}"}} 1"#
        )],
    );
    check(
        "kube_volumeattachment_status_attached",
        &v,
        vec![format!("kube_volumeattachment_status_attached{{{v}}} 1")],
    );
    check(
        "kube_volumeattachment_status_attachment_metadata",
        &v,
        vec![format!(
            r#"kube_volumeattachment_status_attachment_metadata{{{v},metadata_device_path="/dev/xvdb"}} 1"#
        )],
    );

    // Endpoint slices: checked where served, else one log line and no wait.
    let stderr = exporter.process.stderr();
    let skipped = stderr
        .lines()
        .filter(|l| l.contains("does not serve discovery.k8s.io/v1 endpointslices;"))
        .count();
    if tier.serves(Resource::EndpointSlices) {
        assert_eq!(skipped, 0, "{stderr}");
        let slices: Api<EndpointSlice> = Api::namespaced(admin(), &ns);
        let slice = tier.until("the web service's endpoint slice", CONTROLLERS, || {
            let list = tier
                .block_on(slices.list(
                    &kube::api::ListParams::default().labels("kubernetes.io/service-name=web"),
                ))
                .ok()?;
            list.items
                .into_iter()
                .find(|s| s.endpoints.as_ref().is_some_and(|e| e.len() == 2))
        });
        let name = slice.metadata.name.clone().expect("name");
        let id = format!(r#"endpointslice="{name}",namespace="{ns}""#);
        let scrape = crate::common::wait_for("the slice served", super::support::CHANGE, || {
            let scrape = exporter.scrape();
            scrape.contains(&id).then_some(scrape)
        });
        let got = series_with(&scrape, "kube_endpointslice_endpoints", &id);
        let want = sort(vec![
            format!(
                r#"kube_endpointslice_endpoints{{{id},ready="true",serving="true",hostname="",terminating="false",targetref_kind="Pod",targetref_name="web-1",targetref_namespace="{ns}",endpoint_nodename="{node}",endpoint_zone="",address="10.244.7.11"}} 1"#
            ),
            format!(
                r#"kube_endpointslice_endpoints{{{id},ready="false",serving="false",hostname="",terminating="false",targetref_kind="Pod",targetref_name="web-2",targetref_namespace="{ns}",endpoint_nodename="{node}",endpoint_zone="",address="10.244.7.12"}} 1"#
            ),
        ]);
        if got != want {
            misses.push(format!(
                "kube_endpointslice_endpoints:\n  got  {got:#?}\n  want {want:#?}"
            ));
        }
    } else {
        eprintln!(
            "real-cluster: endpointslices NOT CHECKED: this API server does not serve discovery.k8s.io/v1 (kube-state-metrics v2.20 and kubestate read only that version)"
        );
        assert_eq!(skipped, 1, "one warning for endpointslices:\n{stderr}");
        assert!(series_with(&scrape, "kube_endpointslice_info", &ns).is_empty());
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}
