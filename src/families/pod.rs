//! Pod families. Every series also carries `namespace, pod, uid`.

use super::Stability::Stable;
use super::{Families, Family, Series};
use crate::objects::pod::Container;
use crate::objects::{Pod, ResourceList, find_condition};

impl Families for Pod {
    fn families() -> Vec<Family<Pod>> {
        vec![
            Family::gauge(
                Stable,
                "kube_pod_info",
                "Information about pod.",
                &[
                    "host_ip",
                    "pod_ip",
                    "node",
                    "created_by_kind",
                    "created_by_name",
                    "priority_class",
                    "host_network",
                ],
                |p, out| {
                    let controller = p.controller();
                    out.emit(
                        &[
                            &p.status.host_ip,
                            &p.status.pod_ip,
                            &p.spec.node_name,
                            controller.map_or("", |o| &o.kind),
                            controller.map_or("", |o| &o.name),
                            &p.spec.priority_class_name,
                            if p.spec.host_network { "true" } else { "false" },
                        ],
                        1.0,
                    )
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_owner",
                "Information about the Pod's owner.",
                &["owner_kind", "owner_name", "owner_is_controller"],
                |p, out| {
                    if p.metadata.owner_references.is_empty() {
                        return out.emit(&["", "", ""], 1.0);
                    }
                    for owner in &p.metadata.owner_references {
                        let is_controller = match owner.controller {
                            Some(true) => "true",
                            _ => "false",
                        };
                        out.emit(&[&owner.kind, &owner.name, is_controller], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_status_phase",
                "The pods current phase.",
                &["phase"],
                |p, out| {
                    if !p.status.phase.is_empty() {
                        out.one_hot(
                            &["Pending", "Running", "Succeeded", "Failed", "Unknown"],
                            &p.status.phase,
                        );
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_status_ready",
                "Describes whether the pod is ready to serve requests.",
                &["condition"],
                |p, out| condition(p, "Ready", out),
            ),
            Family::counter(
                Stable,
                "kube_pod_container_status_restarts_total",
                "The number of container restarts per container.",
                &["container"],
                |p, out| {
                    for status in &p.status.container_statuses {
                        out.emit(&[&status.name], status.restart_count as f64);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_container_resource_requests",
                "The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.",
                &["container", "node", "resource", "unit"],
                |p, out| resources(p, &p.spec.containers, |c| &c.resources.requests, out),
            ),
            Family::gauge(
                Stable,
                "kube_pod_container_resource_limits",
                "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.",
                &["container", "node", "resource", "unit"],
                |p, out| resources(p, &p.spec.containers, |c| &c.resources.limits, out),
            ),
        ]
    }
}

/// Three series for the pod condition of that type, none if it is absent.
fn condition(p: &Pod, type_: &str, out: &mut Series<'_>) {
    if let Some(c) = find_condition(&p.status.conditions, type_) {
        out.condition(&[], c.status);
    }
}

/// One series per container and resource in the chosen list.
fn resources(
    p: &Pod,
    containers: &[Container],
    list: fn(&Container) -> &ResourceList,
    out: &mut Series<'_>,
) {
    for container in containers {
        for q in list(container).0.iter() {
            out.emit(
                &[
                    &container.name,
                    &p.spec.node_name,
                    &q.resource,
                    q.unit.label(),
                ],
                q.value,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Pod;

    fn pod(json: &str) -> Pod {
        serde_json::from_str(json).expect("test pod decodes")
    }

    const IDENT: &str = r#"namespace="shop",pod="web-1",uid="u-1""#;

    fn web(extra: &str) -> Pod {
        pod(&format!(
            r#"{{"metadata":{{"name":"web-1","namespace":"shop","uid":"u-1"{extra}}}}}"#
        ))
    }

    #[test]
    fn info_names_the_controller_and_addresses() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1",
                "ownerReferences":[{"kind":"ReplicaSet","name":"web-7f9","controller":true}]},
              "spec":{"nodeName":"node-a","priorityClassName":"high","hostNetwork":true},
              "status":{"hostIP":"192.168.1.10","podIP":"fd00::5"}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_info"),
            sorted(&[&format!(
                r#"kube_pod_info{{{IDENT},host_ip="192.168.1.10",pod_ip="fd00::5",node="node-a",created_by_kind="ReplicaSet",created_by_name="web-7f9",priority_class="high",host_network="true"}} 1"#
            )])
        );
    }

    #[test]
    fn info_of_a_bare_pod_has_empty_labels() {
        assert_eq!(
            series_of(&web(""), "kube_pod_info"),
            sorted(&[&format!(
                r#"kube_pod_info{{{IDENT},host_ip="",pod_ip="",node="",created_by_kind="",created_by_name="",priority_class="",host_network="false"}} 1"#
            )])
        );
    }

    #[test]
    fn owner_has_one_series_per_reference_or_one_empty() {
        let two = web(
            r#","ownerReferences":[{"kind":"ReplicaSet","name":"rs","controller":true},{"kind":"Node","name":"n1"}]"#,
        );
        assert_eq!(
            series_of(&two, "kube_pod_owner"),
            sorted(&[
                &format!(
                    r#"kube_pod_owner{{{IDENT},owner_kind="ReplicaSet",owner_name="rs",owner_is_controller="true"}} 1"#
                ),
                &format!(
                    r#"kube_pod_owner{{{IDENT},owner_kind="Node",owner_name="n1",owner_is_controller="false"}} 1"#
                ),
            ])
        );
        assert_eq!(
            series_of(&web(""), "kube_pod_owner"),
            sorted(&[&format!(
                r#"kube_pod_owner{{{IDENT},owner_kind="",owner_name="",owner_is_controller=""}} 1"#
            )])
        );
    }

    #[test]
    fn phase_is_one_hot_and_absent_when_empty() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1"},"status":{"phase":"Failed"}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_status_phase"),
            sorted(&[
                &format!(r#"kube_pod_status_phase{{{IDENT},phase="Pending"}} 0"#),
                &format!(r#"kube_pod_status_phase{{{IDENT},phase="Running"}} 0"#),
                &format!(r#"kube_pod_status_phase{{{IDENT},phase="Succeeded"}} 0"#),
                &format!(r#"kube_pod_status_phase{{{IDENT},phase="Failed"}} 1"#),
                &format!(r#"kube_pod_status_phase{{{IDENT},phase="Unknown"}} 0"#),
            ])
        );
        assert!(series_of(&web(""), "kube_pod_status_phase").is_empty());
    }

    #[test]
    fn ready_follows_the_ready_condition_only() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1"},
               "status":{"conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_status_ready"),
            sorted(&[
                &format!(r#"kube_pod_status_ready{{{IDENT},condition="true"}} 0"#),
                &format!(r#"kube_pod_status_ready{{{IDENT},condition="false"}} 1"#),
                &format!(r#"kube_pod_status_ready{{{IDENT},condition="unknown"}} 0"#),
            ])
        );
        assert!(series_of(&web(""), "kube_pod_status_ready").is_empty());
    }

    #[test]
    fn restarts_are_counted_per_container() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1"},
               "status":{"containerStatuses":[{"name":"app","restartCount":7},{"name":"sidecar","restartCount":0}]}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_status_restarts_total"),
            sorted(&[
                &format!(
                    r#"kube_pod_container_status_restarts_total{{{IDENT},container="app"}} 7"#
                ),
                &format!(
                    r#"kube_pod_container_status_restarts_total{{{IDENT},container="sidecar"}} 0"#
                ),
            ])
        );
    }

    #[test]
    fn requests_and_limits_are_in_base_units() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1"},
               "spec":{"nodeName":"node-a","containers":[
                 {"name":"app","resources":{"requests":{"cpu":"250m","memory":"500Mi"},
                                            "limits":{"cpu":"2","memory":"1Gi","nvidia.com/gpu":"1"}}},
                 {"name":"sidecar"}]}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_resource_requests"),
            sorted(&[
                &format!(
                    r#"kube_pod_container_resource_requests{{{IDENT},container="app",node="node-a",resource="cpu",unit="core"}} 0.25"#
                ),
                &format!(
                    r#"kube_pod_container_resource_requests{{{IDENT},container="app",node="node-a",resource="memory",unit="byte"}} 5.24288e+08"#
                ),
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_resource_limits"),
            sorted(&[
                &format!(
                    r#"kube_pod_container_resource_limits{{{IDENT},container="app",node="node-a",resource="cpu",unit="core"}} 2"#
                ),
                &format!(
                    r#"kube_pod_container_resource_limits{{{IDENT},container="app",node="node-a",resource="memory",unit="byte"}} 1.073741824e+09"#
                ),
                &format!(
                    r#"kube_pod_container_resource_limits{{{IDENT},container="app",node="node-a",resource="nvidia_com_gpu",unit="integer"}} 1"#
                ),
            ])
        );
    }
}
