//! Pod families. Every series also carries `namespace, pod, uid`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, Series, Stability, annotations, bool_value, created};
use super::{deletion_timestamp, labels, owner};
use crate::objects::pod::{Container, ContainerState, ContainerStatus, Terminated};
use crate::objects::{Condition, ConditionStatus, Pod, ResourceList, find_condition};

/// Reasons `kube_pod_status_reason` names; any other `status.reason` is
/// served as `Other`.
const STATUS_REASONS: [&str; 8] = [
    "Evicted",
    "NodeAffinity",
    "NodeLost",
    "PreemptionByScheduler",
    "SchedulingGated",
    "Shutdown",
    "TerminationByKubelet",
    "UnexpectedAdmissionError",
];

/// Reasons of the `DisruptionTarget` condition; others are `Other`.
const DISRUPTION_REASONS: [&str; 5] = [
    "PreemptionByScheduler",
    "DeletionByTaintManager",
    "EvictionByEvictionAPI",
    "DeletionByPodGC",
    "TerminationByKubelet",
];

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
                            &p.status.pod_ip.text(),
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
                Experimental,
                "kube_pod_ips",
                "Pod IP addresses.",
                &["ip", "ip_family"],
                |p, out| {
                    for ip in p.status.pod_ips.iter() {
                        // An address that does not parse has no family to name.
                        if let Some(family) = ip.ip.family() {
                            out.emit(&[&ip.ip.text(), family], 1.0);
                        }
                    }
                },
            ),
            owner(
                Stable,
                "kube_pod_owner",
                "Information about the Pod's owner.",
            ),
            labels("kube_pod_labels"),
            annotations("kube_pod_annotations"),
            Family::<Pod>::gauge(
                Experimental,
                "kube_pod_nodeselectors",
                "Describes the Pod nodeSelectors.",
                &[],
                |p, out| {
                    if let Some(pairs) = p.exposed_node_selectors() {
                        out.emit_pairs(pairs, 1.0)
                    }
                },
            )
            .opt_in(),
            created("kube_pod_created"),
            deletion_timestamp("kube_pod_deletion_timestamp"),
            Family::gauge(
                Stable,
                "kube_pod_start_time",
                "Start time in unix timestamp for a pod.",
                &[],
                |p, out| out.emit_some(p.status.start_time.get()),
            ),
            Family::gauge(
                Stable,
                "kube_pod_completion_time",
                "Completion time in unix timestamp for a pod.",
                &[],
                |p, out| {
                    let finished = p
                        .status
                        .container_statuses
                        .iter()
                        .filter_map(|s| s.state.terminated()?.finished_at.get())
                        .reduce(f64::max);
                    out.emit_some(finished)
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
            Family::gauge(
                Stable,
                "kube_pod_status_scheduled",
                "Describes the status of the scheduling process for the pod.",
                &["condition"],
                |p, out| condition(p, "PodScheduled", out),
            ),
            Family::gauge(
                Stable,
                "kube_pod_status_scheduled_time",
                "Unix timestamp when pod moved into scheduled status",
                &[],
                |p, out| out.emit_some(transition(p, "PodScheduled", ConditionStatus::True)),
            ),
            Family::gauge(
                Stable,
                "kube_pod_status_unschedulable",
                "Describes the unschedulable status for the pod.",
                &[],
                |p, out| {
                    if let Some(c) = find_condition(&p.status.conditions, "PodScheduled")
                        && c.status == ConditionStatus::False
                    {
                        out.emit(&[], 1.0)
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_unscheduled_time",
                "Unix timestamp when pod moved into unscheduled status",
                &[],
                |p, out| out.emit_some(transition(p, "PodScheduled", ConditionStatus::False)),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_initialized_time",
                "Initialized time in unix timestamp for a pod.",
                &[],
                |p, out| out.emit_some(transition(p, "Initialized", ConditionStatus::True)),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_ready_time",
                "Readiness achieved time in unix timestamp for a pod.",
                &[],
                |p, out| out.emit_some(transition(p, "Ready", ConditionStatus::True)),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_container_ready_time",
                "Readiness achieved time in unix timestamp for a pod containers.",
                &[],
                |p, out| out.emit_some(transition(p, "ContainersReady", ConditionStatus::True)),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_qos_class",
                "The pods current qosClass.",
                &["qos_class"],
                |p, out| {
                    if !p.status.qos_class.is_empty() {
                        out.one_hot(
                            &["BestEffort", "Burstable", "Guaranteed"],
                            &p.status.qos_class,
                        );
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_reason",
                "The pod status reasons",
                &["reason"],
                |p, out| {
                    for reason in STATUS_REASONS {
                        if has_reason(p, reason) {
                            out.emit(&[reason], 1.0);
                        }
                    }
                    let reason = &*p.rare().reason;
                    if !reason.is_empty() && !STATUS_REASONS.contains(&reason) {
                        out.emit(&["Other"], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_pod_status_disruption_reason",
                "The reason of the pod's DisruptionTarget condition.",
                &["reason"],
                |p, out| {
                    if let Some(c) = find_condition(&p.status.conditions, "DisruptionTarget") {
                        let known = DISRUPTION_REASONS.iter().find(|r| **r == &**c.reason());
                        out.emit(&[known.copied().unwrap_or("Other")], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_restart_policy",
                "Describes the restart policy in use by this pod.",
                &["type"],
                |p, out| out.emit(&[&p.spec.restart_policy], 1.0),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_overhead_cpu_cores",
                "The pod overhead in regards to cpu cores associated with running a pod.",
                &[],
                |p, out| out.emit_some(p.rare().overhead.get("cpu")),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_overhead_memory_bytes",
                "The pod overhead in regards to memory associated with running a pod.",
                &[],
                |p, out| out.emit_some(p.rare().overhead.get("memory")),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_runtimeclass_name_info",
                "The runtimeclass associated with the pod.",
                &["runtimeclass_name"],
                |p, out| {
                    if let Some(name) = &p.rare().runtime_class_name {
                        out.emit(&[name], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_pod_service_account",
                "The service account for a pod.",
                &["service_account"],
                |p, out| out.emit(&[&p.spec.service_account_name], 1.0),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_scheduler",
                "The scheduler for a pod.",
                &["name"],
                |p, out| out.emit(&[&p.spec.scheduler_name], 1.0),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_tolerations",
                "Information about the pod tolerations",
                &["key", "operator", "value", "effect", "toleration_seconds"],
                |p, out| {
                    let mut seconds = itoa::Buffer::new();
                    for t in p.spec.tolerations.iter() {
                        let seconds = t.toleration_seconds.map_or("", |s| seconds.format(s));
                        out.emit(&[&t.key, &t.operator, &t.value, &t.effect, seconds], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_spec_volumes_persistentvolumeclaims_info",
                "Information about persistentvolumeclaim volumes in a pod.",
                &["volume", "persistentvolumeclaim", "ephemeral"],
                |p, out| {
                    for v in p.rare().volumes.iter() {
                        out.emit(&[&v.name, &v.claim, bool_label(v.ephemeral)], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_spec_volumes_persistentvolumeclaims_readonly",
                "Describes whether a persistentvolumeclaim is mounted read only.",
                &["volume", "persistentvolumeclaim", "ephemeral"],
                |p, out| {
                    for v in p.rare().volumes.iter() {
                        let labels = [&*v.name, &*v.claim, bool_label(v.ephemeral)];
                        out.emit(&labels, bool_value(v.read_only));
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_pod_resourceclaim_info",
                "Information about the pod's Dynamic Resource Allocation claims.",
                &[
                    "claim_name",
                    "resourceclaim_name",
                    "resourceclaim_template_name",
                ],
                |p, out| {
                    let rare = p.rare();
                    for claim in rare.resource_claims.iter() {
                        // A claim made from a template is named in the status.
                        let generated = rare
                            .resource_claim_statuses
                            .iter()
                            .find(|s| s.name == claim.name)
                            .map_or("", |s| &s.resource_claim_name);
                        let name = match &*claim.resource_claim_name {
                            "" => generated,
                            name => name,
                        };
                        out.emit(
                            &[&claim.name, name, &claim.resource_claim_template_name],
                            1.0,
                        );
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_pod_container_info",
                "Information about a container in a pod.",
                &[
                    "container",
                    "image",
                    "image_id",
                    "image_spec",
                    "container_id",
                ],
                |p, out| {
                    for (spec, s) in matched(&p.spec.containers, &p.status.container_statuses) {
                        s.container_id.with_text(|id| {
                            out.emit(&[&s.name, &s.image, &s.image_id, &spec.image, id], 1.0)
                        });
                    }
                },
            ),
            waiting::<Regular>(Stable, "kube_pod_container_status_waiting"),
            waiting_reason::<Regular>(Stable, "kube_pod_container_status_waiting_reason"),
            running::<Regular>(Stable, "kube_pod_container_status_running"),
            state_started::<Regular>(Stable, "kube_pod_container_state_started"),
            terminated::<Regular>(Stable, "kube_pod_container_status_terminated"),
            terminated_reason::<Regular>("kube_pod_container_status_terminated_reason"),
            last_terminated_reason::<Regular>("kube_pod_container_status_last_terminated_reason"),
            last_terminated_exitcode::<Regular>(
                "kube_pod_container_status_last_terminated_exitcode",
            ),
            last_terminated_timestamp::<Regular>(
                "kube_pod_container_status_last_terminated_timestamp",
            ),
            ready::<Regular>("kube_pod_container_status_ready"),
            restarts::<Regular>("kube_pod_container_status_restarts_total"),
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
            Family::gauge(
                Stable,
                "kube_pod_init_container_info",
                "Information about an init container in a pod.",
                &[
                    "container",
                    "image",
                    "image_id",
                    "image_spec",
                    "container_id",
                    "restart_policy",
                ],
                |p, out| {
                    let statuses = &p.rare().init_container_statuses;
                    for (spec, s) in matched(&p.rare().init_containers, statuses) {
                        s.container_id.with_text(|id| {
                            let policy = &spec.restart_policy;
                            out.emit(
                                &[&s.name, &s.image, &s.image_id, &spec.image, id, policy],
                                1.0,
                            )
                        });
                    }
                },
            ),
            state_started::<Init>(Experimental, "kube_pod_init_container_state_started"),
            waiting::<Init>(Stable, "kube_pod_init_container_status_waiting"),
            running::<Init>(Stable, "kube_pod_init_container_status_running"),
            terminated::<Init>(Stable, "kube_pod_init_container_status_terminated"),
            ready::<Init>("kube_pod_init_container_status_ready"),
            waiting_reason::<Init>(
                Experimental,
                "kube_pod_init_container_status_waiting_reason",
            ),
            terminated_reason::<Init>("kube_pod_init_container_status_terminated_reason"),
            last_terminated_reason::<Init>("kube_pod_init_container_status_last_terminated_reason"),
            last_terminated_exitcode::<Init>(
                "kube_pod_init_container_status_last_terminated_exitcode",
            ),
            last_terminated_timestamp::<Init>(
                "kube_pod_init_container_status_last_terminated_timestamp",
            ),
            restarts::<Init>("kube_pod_init_container_status_restarts_total"),
            Family::gauge(
                Experimental,
                "kube_pod_init_container_resource_requests",
                "The number of requested request resource by an init container.",
                &["container", "node", "resource", "unit"],
                |p, out| resources(p, &p.rare().init_containers, |c| &c.resources.requests, out),
            ),
            Family::gauge(
                Experimental,
                "kube_pod_init_container_resource_limits",
                "The number of requested limit resource by an init container.",
                &["container", "node", "resource", "unit"],
                |p, out| resources(p, &p.rare().init_containers, |c| &c.resources.limits, out),
            ),
        ]
    }
}

fn bool_label(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Three series for the pod condition of that type, none if it is absent.
fn condition(p: &Pod, type_: &str, out: &mut Series<'_>) {
    if let Some(c) = find_condition(&p.status.conditions, type_) {
        out.condition(&[], c.status);
    }
}

/// When the condition of that type last moved to `status`, if it is there.
fn transition(p: &Pod, type_: &str, status: ConditionStatus) -> Option<f64> {
    find_condition(&p.status.conditions, type_)
        .filter(|c| c.status == status)
        .and_then(|c: &Condition| c.last_transition_time.get())
}

/// kube-state-metrics finds a status reason in `status.reason`, in any
/// condition's reason, or in a container's terminated reason.
fn has_reason(p: &Pod, reason: &str) -> bool {
    &*p.rare().reason == reason
        || p.status.conditions.iter().any(|c| &**c.reason() == reason)
        || p.status
            .container_statuses
            .iter()
            .any(|s| s.state.terminated().is_some_and(|t| &*t.reason == reason))
}

/// Containers of the spec paired with their status, in spec order; a
/// container without a status yet has no info series.
fn matched<'a>(
    specs: &'a [Container],
    statuses: &'a [ContainerStatus],
) -> impl Iterator<Item = (&'a Container, &'a ContainerStatus)> {
    specs
        .iter()
        .filter_map(|c| Some((c, statuses.iter().find(|s| s.name == c.name)?)))
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

// The status families exist for containers and for init containers alike;
// each is written once, generic over which statuses it reads.

trait Statuses {
    fn of(p: &Pod) -> &[ContainerStatus];
}

struct Regular;
struct Init;

impl Statuses for Regular {
    fn of(p: &Pod) -> &[ContainerStatus] {
        &p.status.container_statuses
    }
}

impl Statuses for Init {
    fn of(p: &Pod) -> &[ContainerStatus] {
        &p.rare().init_container_statuses
    }
}

/// A family whose only label after the identity is `container`.
fn per_container(
    stability: Stability,
    name: &'static str,
    help: &'static str,
    series: fn(&Pod, &mut Series<'_>),
) -> Family<Pod> {
    Family::gauge(stability, name, help, &["container"], series)
}

fn waiting<S: Statuses>(stability: Stability, name: &'static str) -> Family<Pod> {
    per_container(
        stability,
        name,
        "Describes whether the container is currently in waiting state.",
        |p, out| {
            for s in S::of(p) {
                out.emit(&[&s.name], bool_value(s.state.waiting_reason().is_some()));
            }
        },
    )
}

fn running<S: Statuses>(stability: Stability, name: &'static str) -> Family<Pod> {
    per_container(
        stability,
        name,
        "Describes whether the container is currently in running state.",
        |p, out| {
            for s in S::of(p) {
                out.emit(&[&s.name], bool_value(s.state.is_running()));
            }
        },
    )
}

fn terminated<S: Statuses>(stability: Stability, name: &'static str) -> Family<Pod> {
    per_container(
        stability,
        name,
        "Describes whether the container is currently in terminated state.",
        |p, out| {
            for s in S::of(p) {
                out.emit(&[&s.name], bool_value(s.state.terminated().is_some()));
            }
        },
    )
}

fn ready<S: Statuses>(name: &'static str) -> Family<Pod> {
    per_container(
        Stable,
        name,
        "Describes whether the containers readiness check succeeded.",
        |p, out| {
            for s in S::of(p) {
                out.emit(&[&s.name], bool_value(s.ready));
            }
        },
    )
}

fn restarts<S: Statuses>(name: &'static str) -> Family<Pod> {
    Family::counter(
        Stable,
        name,
        "The number of container restarts per container.",
        &["container"],
        |p, out| {
            for s in S::of(p) {
                out.emit(&[&s.name], f64::from(s.restart_count));
            }
        },
    )
}

/// Started time of the running container, or of the terminated one.
fn state_started<S: Statuses>(stability: Stability, name: &'static str) -> Family<Pod> {
    per_container(
        stability,
        name,
        "Start time in unix timestamp for a pod container.",
        |p, out| {
            for s in S::of(p) {
                let started = match &s.state {
                    ContainerState::Running { started_at } => started_at.get(),
                    ContainerState::Terminated(t) => t.started_at.get(),
                    _ => None,
                };
                if let Some(started) = started {
                    out.emit(&[&s.name], started);
                }
            }
        },
    )
}

fn waiting_reason<S: Statuses>(stability: Stability, name: &'static str) -> Family<Pod> {
    Family::gauge(
        stability,
        name,
        "Describes the reason the container is currently in waiting state.",
        &["container", "reason"],
        |p, out| {
            for s in S::of(p) {
                if let Some(reason) = s.state.waiting_reason() {
                    out.emit(&[&s.name, reason], 1.0);
                }
            }
        },
    )
}

fn terminated_reason<S: Statuses>(name: &'static str) -> Family<Pod> {
    Family::gauge(
        Experimental,
        name,
        "Describes the reason the container is currently in terminated state.",
        &["container", "reason"],
        |p, out| {
            for s in S::of(p) {
                if let Some(t) = s.state.terminated() {
                    out.emit(&[&s.name, &t.reason], 1.0);
                }
            }
        },
    )
}

fn last_terminated<S: Statuses>(p: &Pod) -> impl Iterator<Item = (&str, &Terminated)> {
    S::of(p)
        .iter()
        .filter_map(|s| Some((&*s.name, s.last_terminated.as_deref()?)))
}

fn last_terminated_reason<S: Statuses>(name: &'static str) -> Family<Pod> {
    Family::gauge(
        Experimental,
        name,
        "Describes the last reason the container was in terminated state.",
        &["container", "reason"],
        |p, out| {
            for (container, t) in last_terminated::<S>(p) {
                out.emit(&[container, &t.reason], 1.0);
            }
        },
    )
}

fn last_terminated_exitcode<S: Statuses>(name: &'static str) -> Family<Pod> {
    per_container(
        Experimental,
        name,
        "Describes the exit code for the last container in terminated state.",
        |p, out| {
            for (container, t) in last_terminated::<S>(p) {
                out.emit(&[container], f64::from(t.exit_code));
            }
        },
    )
}

fn last_terminated_timestamp<S: Statuses>(name: &'static str) -> Family<Pod> {
    per_container(
        Experimental,
        name,
        "Last terminated time for a pod container in unix timestamp.",
        |p, out| {
            for (container, t) in last_terminated::<S>(p) {
                if let Some(finished) = t.finished_at.get() {
                    out.emit(&[container], finished);
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, sorted};
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

    /// Hand-written lines with `I` standing for the pod's identity labels.
    fn want(lines: &[&str]) -> Vec<String> {
        let lines: Vec<String> = lines.iter().map(|l| l.replace("{I}", IDENT)).collect();
        sorted(&lines.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn with(spec: &str, status: &str) -> Pod {
        pod(&format!(
            r#"{{"metadata":{{"name":"web-1","namespace":"shop","uid":"u-1"}},"spec":{{{spec}}},"status":{{{status}}}}}"#
        ))
    }

    #[test]
    fn ips_name_their_family_and_skip_garbage() {
        let p = with(
            "",
            r#""podIPs":[{"ip":"10.244.1.7"},{"ip":"fd00:10:244::7"},{"ip":"not-an-ip"}]"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_ips"),
            want(&[
                r#"kube_pod_ips{{I},ip="10.244.1.7",ip_family="4"} 1"#,
                r#"kube_pod_ips{{I},ip="fd00:10:244::7",ip_family="6"} 1"#,
            ])
        );
        // Go's netip.ParseAddr then Unmap: IPv4-mapped addresses, however
        // written, are family 4; a zone is allowed on IPv6 only, and not
        // empty; octets with leading zeros and an IPv4 zone do not parse.
        let p = with(
            "",
            r#""podIPs":[{"ip":"::ffff:10.1.2.3"},{"ip":"::FFFF:a01:203"},{"ip":"fe80::1%eth0"},{"ip":"64:ff9b::10.1.2.3"},{"ip":"fe80::1%"},{"ip":"10.1.2.3%eth0"},{"ip":"010.1.2.3"},{"ip":""}]"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_ips"),
            want(&[
                r#"kube_pod_ips{{I},ip="::ffff:10.1.2.3",ip_family="4"} 1"#,
                r#"kube_pod_ips{{I},ip="::FFFF:a01:203",ip_family="4"} 1"#,
                r#"kube_pod_ips{{I},ip="fe80::1%eth0",ip_family="6"} 1"#,
                r#"kube_pod_ips{{I},ip="64:ff9b::10.1.2.3",ip_family="6"} 1"#,
            ])
        );
        assert!(series_of(&web(""), "kube_pod_ips").is_empty());
    }

    #[test]
    fn status_reason_names_only_the_reasons_set() {
        let evicted = with("", r#""phase":"Failed","reason":"Evicted""#);
        assert_eq!(
            series_of(&evicted, "kube_pod_status_reason"),
            want(&[r#"kube_pod_status_reason{{I},reason="Evicted"} 1"#])
        );
        let unknown = with("", r#""reason":"SomethingNew""#);
        assert_eq!(
            series_of(&unknown, "kube_pod_status_reason"),
            want(&[r#"kube_pod_status_reason{{I},reason="Other"} 1"#])
        );
        // Found in a condition's reason too (a scheduling gate).
        let gated = with(
            "",
            r#""conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]"#,
        );
        assert_eq!(
            series_of(&gated, "kube_pod_status_reason"),
            want(&[r#"kube_pod_status_reason{{I},reason="SchedulingGated"} 1"#])
        );
        assert!(series_of(&web(""), "kube_pod_status_reason").is_empty());
    }

    #[test]
    fn disruption_reason_needs_the_condition_and_maps_unknown_to_other() {
        let evicted = with(
            "",
            r#""conditions":[{"type":"DisruptionTarget","status":"True","reason":"EvictionByEvictionAPI"}]"#,
        );
        assert_eq!(
            series_of(&evicted, "kube_pod_status_disruption_reason"),
            want(&[r#"kube_pod_status_disruption_reason{{I},reason="EvictionByEvictionAPI"} 1"#])
        );
        let odd = with(
            "",
            r#""conditions":[{"type":"DisruptionTarget","status":"True","reason":"ChaosMonkey"}]"#,
        );
        assert_eq!(
            series_of(&odd, "kube_pod_status_disruption_reason"),
            want(&[r#"kube_pod_status_disruption_reason{{I},reason="Other"} 1"#])
        );
        assert!(series_of(&web(""), "kube_pod_status_disruption_reason").is_empty());
    }

    #[test]
    fn scheduling_conditions_and_their_times() {
        let unschedulable = with(
            "",
            r#""conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","lastTransitionTime":"2021-01-22T10:15:30Z"}]"#,
        );
        assert_eq!(
            series_of(&unschedulable, "kube_pod_status_scheduled"),
            want(&[
                r#"kube_pod_status_scheduled{{I},condition="true"} 0"#,
                r#"kube_pod_status_scheduled{{I},condition="false"} 1"#,
                r#"kube_pod_status_scheduled{{I},condition="unknown"} 0"#,
            ])
        );
        assert_eq!(
            series_of(&unschedulable, "kube_pod_status_unschedulable"),
            want(&["kube_pod_status_unschedulable{{I}} 1"])
        );
        // 2021-01-22T10:15:30Z is 1611310530 (date -u -d ... +%s).
        assert_eq!(
            series_of(&unschedulable, "kube_pod_status_unscheduled_time"),
            want(&["kube_pod_status_unscheduled_time{{I}} 1.61131053e+09"])
        );
        assert!(series_of(&unschedulable, "kube_pod_status_scheduled_time").is_empty());

        let running = with(
            "",
            r#""conditions":[
                {"type":"PodScheduled","status":"True","lastTransitionTime":"2021-01-22T10:15:30Z"},
                {"type":"Initialized","status":"True","lastTransitionTime":"2021-01-22T10:15:31Z"},
                {"type":"ContainersReady","status":"True","lastTransitionTime":"2021-01-22T10:15:40Z"},
                {"type":"Ready","status":"False","lastTransitionTime":"2021-01-22T10:15:50Z"}]"#,
        );
        assert_eq!(
            series_of(&running, "kube_pod_status_scheduled_time"),
            want(&["kube_pod_status_scheduled_time{{I}} 1.61131053e+09"])
        );
        assert_eq!(
            series_of(&running, "kube_pod_status_initialized_time"),
            want(&["kube_pod_status_initialized_time{{I}} 1.611310531e+09"])
        );
        assert_eq!(
            series_of(&running, "kube_pod_status_container_ready_time"),
            want(&["kube_pod_status_container_ready_time{{I}} 1.61131054e+09"])
        );
        // Ready is False: no ready time.
        assert!(series_of(&running, "kube_pod_status_ready_time").is_empty());
        assert!(series_of(&running, "kube_pod_status_unschedulable").is_empty());
        // No conditions at all: none of these families has a series.
        for family in [
            "kube_pod_status_scheduled",
            "kube_pod_status_scheduled_time",
            "kube_pod_status_unschedulable",
            "kube_pod_status_ready_time",
        ] {
            assert!(series_of(&web(""), family).is_empty(), "{family}");
        }
    }

    #[test]
    fn qos_class_is_one_hot_and_absent_when_empty() {
        let p = with("", r#""qosClass":"Burstable""#);
        assert_eq!(
            series_of(&p, "kube_pod_status_qos_class"),
            want(&[
                r#"kube_pod_status_qos_class{{I},qos_class="BestEffort"} 0"#,
                r#"kube_pod_status_qos_class{{I},qos_class="Burstable"} 1"#,
                r#"kube_pod_status_qos_class{{I},qos_class="Guaranteed"} 0"#,
            ])
        );
        assert!(series_of(&web(""), "kube_pod_status_qos_class").is_empty());
    }

    #[test]
    fn tolerations_with_and_without_seconds_each_once() {
        let p = with(
            r#""tolerations":[
                {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
                {"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"},
                {"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"},
                {"operator":"Exists"}]"#,
            "",
        );
        assert_eq!(
            series_of(&p, "kube_pod_tolerations"),
            want(&[
                r#"kube_pod_tolerations{{I},key="node.kubernetes.io/not-ready",operator="Exists",value="",effect="NoExecute",toleration_seconds="300"} 1"#,
                r#"kube_pod_tolerations{{I},key="dedicated",operator="Equal",value="gpu",effect="NoSchedule",toleration_seconds=""} 1"#,
                r#"kube_pod_tolerations{{I},key="",operator="Exists",value="",effect="",toleration_seconds=""} 1"#,
            ])
        );
    }

    #[test]
    fn claim_volumes_persistent_and_ephemeral() {
        let p = with(
            r#""volumes":[
                {"name":"data","persistentVolumeClaim":{"claimName":"data-web-1","readOnly":true}},
                {"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{}}}},
                {"name":"config","configMap":{"name":"web"}}]"#,
            "",
        );
        assert_eq!(
            series_of(&p, "kube_pod_spec_volumes_persistentvolumeclaims_info"),
            want(&[
                r#"kube_pod_spec_volumes_persistentvolumeclaims_info{{I},volume="data",persistentvolumeclaim="data-web-1",ephemeral="false"} 1"#,
                r#"kube_pod_spec_volumes_persistentvolumeclaims_info{{I},volume="scratch",persistentvolumeclaim="web-1-scratch",ephemeral="true"} 1"#,
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_spec_volumes_persistentvolumeclaims_readonly"),
            want(&[
                r#"kube_pod_spec_volumes_persistentvolumeclaims_readonly{{I},volume="data",persistentvolumeclaim="data-web-1",ephemeral="false"} 1"#,
                r#"kube_pod_spec_volumes_persistentvolumeclaims_readonly{{I},volume="scratch",persistentvolumeclaim="web-1-scratch",ephemeral="true"} 0"#,
            ])
        );
    }

    #[test]
    fn resource_claims_name_the_claim_or_the_generated_one() {
        let p = with(
            r#""resourceClaims":[{"name":"gpu","resourceClaimTemplateName":"gpu-template"},
                                 {"name":"fpga","resourceClaimName":"shared-fpga"}]"#,
            r#""resourceClaimStatuses":[{"name":"gpu","resourceClaimName":"web-1-gpu-x7k2p"}]"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_resourceclaim_info"),
            want(&[
                r#"kube_pod_resourceclaim_info{{I},claim_name="gpu",resourceclaim_name="web-1-gpu-x7k2p",resourceclaim_template_name="gpu-template"} 1"#,
                r#"kube_pod_resourceclaim_info{{I},claim_name="fpga",resourceclaim_name="shared-fpga",resourceclaim_template_name=""} 1"#,
            ])
        );
    }

    #[test]
    fn spec_info_families() {
        let p = with(
            r#""restartPolicy":"OnFailure","serviceAccountName":"builder","schedulerName":"volcano",
               "runtimeClassName":"gvisor","overhead":{"cpu":"250m","memory":"120Mi"}"#,
            "",
        );
        assert_eq!(
            series_of(&p, "kube_pod_restart_policy"),
            want(&[r#"kube_pod_restart_policy{{I},type="OnFailure"} 1"#])
        );
        assert_eq!(
            series_of(&p, "kube_pod_service_account"),
            want(&[r#"kube_pod_service_account{{I},service_account="builder"} 1"#])
        );
        assert_eq!(
            series_of(&p, "kube_pod_scheduler"),
            want(&[r#"kube_pod_scheduler{{I},name="volcano"} 1"#])
        );
        assert_eq!(
            series_of(&p, "kube_pod_runtimeclass_name_info"),
            want(&[r#"kube_pod_runtimeclass_name_info{{I},runtimeclass_name="gvisor"} 1"#])
        );
        assert_eq!(
            series_of(&p, "kube_pod_overhead_cpu_cores"),
            want(&["kube_pod_overhead_cpu_cores{{I}} 0.25"])
        );
        // 120Mi = 125829120 bytes.
        assert_eq!(
            series_of(&p, "kube_pod_overhead_memory_bytes"),
            want(&["kube_pod_overhead_memory_bytes{{I}} 1.2582912e+08"])
        );
        for family in [
            "kube_pod_runtimeclass_name_info",
            "kube_pod_overhead_cpu_cores",
            "kube_pod_overhead_memory_bytes",
            "kube_pod_start_time",
            "kube_pod_created",
            "kube_pod_deletion_timestamp",
            "kube_pod_completion_time",
        ] {
            assert!(series_of(&web(""), family).is_empty(), "{family}");
        }
    }

    #[test]
    fn timestamps_of_the_pod() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1",
                 "creationTimestamp":"2021-01-22T10:15:30Z","deletionTimestamp":"2021-01-22T10:20:00Z"},
               "status":{"startTime":"2021-01-22T10:15:32Z"}}"#,
        );
        assert_eq!(
            series_of(&p, "kube_pod_created"),
            want(&["kube_pod_created{{I}} 1.61131053e+09"])
        );
        assert_eq!(
            series_of(&p, "kube_pod_deletion_timestamp"),
            want(&["kube_pod_deletion_timestamp{{I}} 1.6113108e+09"])
        );
        assert_eq!(
            series_of(&p, "kube_pod_start_time"),
            want(&["kube_pod_start_time{{I}} 1.611310532e+09"])
        );
    }

    /// One container in each state, the crashed one with a last state.
    fn crashing() -> Pod {
        with(
            r#""containers":[{"name":"app","image":"shop/app:1.2"},{"name":"done","image":"busybox"},
                             {"name":"new","image":"envoy"},{"name":"no-status","image":"x"}],
               "initContainers":[{"name":"init","image":"migrate:3"},
                                 {"name":"proxy","image":"istio/proxyv2","restartPolicy":"Always"}]"#,
            r#""containerStatuses":[
                 {"name":"app","image":"docker.io/shop/app:1.2","imageID":"docker.io/shop/app@sha256:ab","containerID":"containerd://c1",
                  "ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
                  "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"startedAt":"2021-01-22T10:15:30Z","finishedAt":"2021-01-22T10:16:00Z"}}},
                 {"name":"done","image":"busybox","imageID":"","containerID":"containerd://c2","ready":false,
                  "state":{"terminated":{"reason":"Completed","exitCode":0,"startedAt":"2021-01-22T10:15:30Z","finishedAt":"2021-01-22T10:17:00Z"}}},
                 {"name":"new","image":"envoy","ready":true,"state":{"running":{"startedAt":"2021-01-22T10:15:40Z"}}}],
               "initContainerStatuses":[
                 {"name":"init","image":"migrate:3","imageID":"migrate@sha256:cd","containerID":"containerd://i1","ready":false,
                  "state":{"terminated":{"reason":"Completed","exitCode":0,"startedAt":"2021-01-22T10:15:00Z","finishedAt":"2021-01-22T10:15:20Z"}}},
                 {"name":"proxy","image":"istio/proxyv2","ready":true,"restartCount":1,"state":{"running":{"startedAt":"2021-01-22T10:15:21Z"}}}]"#,
        )
    }

    #[test]
    fn container_states_and_reasons() {
        let p = crashing();
        assert_eq!(
            series_of(&p, "kube_pod_container_info"),
            want(&[
                r#"kube_pod_container_info{{I},container="app",image="docker.io/shop/app:1.2",image_id="docker.io/shop/app@sha256:ab",image_spec="shop/app:1.2",container_id="containerd://c1"} 1"#,
                r#"kube_pod_container_info{{I},container="done",image="busybox",image_id="",image_spec="busybox",container_id="containerd://c2"} 1"#,
                r#"kube_pod_container_info{{I},container="new",image="envoy",image_id="",image_spec="envoy",container_id=""} 1"#,
            ])
        );
        for (family, app, done, new) in [
            ("kube_pod_container_status_waiting", 1, 0, 0),
            ("kube_pod_container_status_running", 0, 0, 1),
            ("kube_pod_container_status_terminated", 0, 1, 0),
            ("kube_pod_container_status_ready", 0, 0, 1),
            ("kube_pod_container_status_restarts_total", 4, 0, 0),
        ] {
            assert_eq!(
                series_of(&p, family),
                want(&[
                    &format!(r#"{family}{{{{I}},container="app"}} {app}"#),
                    &format!(r#"{family}{{{{I}},container="done"}} {done}"#),
                    &format!(r#"{family}{{{{I}},container="new"}} {new}"#),
                ]),
                "{family}"
            );
        }
        assert_eq!(
            series_of(&p, "kube_pod_container_status_waiting_reason"),
            want(&[
                r#"kube_pod_container_status_waiting_reason{{I},container="app",reason="CrashLoopBackOff"} 1"#
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_status_terminated_reason"),
            want(&[
                r#"kube_pod_container_status_terminated_reason{{I},container="done",reason="Completed"} 1"#
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_status_last_terminated_reason"),
            want(&[
                r#"kube_pod_container_status_last_terminated_reason{{I},container="app",reason="OOMKilled"} 1"#
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_container_status_last_terminated_exitcode"),
            want(&[
                r#"kube_pod_container_status_last_terminated_exitcode{{I},container="app"} 137"#
            ])
        );
        // 10:16:00Z = 1611310560.
        assert_eq!(
            series_of(&p, "kube_pod_container_status_last_terminated_timestamp"),
            want(&[
                r#"kube_pod_container_status_last_terminated_timestamp{{I},container="app"} 1.61131056e+09"#
            ])
        );
        // Running since 10:15:40 (1611310540); terminated one started 10:15:30.
        assert_eq!(
            series_of(&p, "kube_pod_container_state_started"),
            want(&[
                r#"kube_pod_container_state_started{{I},container="done"} 1.61131053e+09"#,
                r#"kube_pod_container_state_started{{I},container="new"} 1.61131054e+09"#,
            ])
        );
        // The latest finishedAt of a terminated container: 10:17:00Z.
        assert_eq!(
            series_of(&p, "kube_pod_completion_time"),
            want(&["kube_pod_completion_time{{I}} 1.61131062e+09"])
        );
    }

    #[test]
    fn init_containers_have_their_own_families() {
        let p = crashing();
        assert_eq!(
            series_of(&p, "kube_pod_init_container_info"),
            want(&[
                r#"kube_pod_init_container_info{{I},container="init",image="migrate:3",image_id="migrate@sha256:cd",image_spec="migrate:3",container_id="containerd://i1",restart_policy=""} 1"#,
                r#"kube_pod_init_container_info{{I},container="proxy",image="istio/proxyv2",image_id="",image_spec="istio/proxyv2",container_id="",restart_policy="Always"} 1"#,
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_init_container_status_terminated"),
            want(&[
                r#"kube_pod_init_container_status_terminated{{I},container="init"} 1"#,
                r#"kube_pod_init_container_status_terminated{{I},container="proxy"} 0"#,
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_init_container_status_terminated_reason"),
            want(&[
                r#"kube_pod_init_container_status_terminated_reason{{I},container="init",reason="Completed"} 1"#
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_init_container_status_restarts_total"),
            want(&[
                r#"kube_pod_init_container_status_restarts_total{{I},container="init"} 0"#,
                r#"kube_pod_init_container_status_restarts_total{{I},container="proxy"} 1"#,
            ])
        );
        // 10:15:00Z = 1611310500, 10:15:21Z = 1611310521.
        assert_eq!(
            series_of(&p, "kube_pod_init_container_state_started"),
            want(&[
                r#"kube_pod_init_container_state_started{{I},container="init"} 1.6113105e+09"#,
                r#"kube_pod_init_container_state_started{{I},container="proxy"} 1.611310521e+09"#,
            ])
        );
        assert!(series_of(&p, "kube_pod_init_container_status_waiting_reason").is_empty());
        assert!(series_of(&p, "kube_pod_init_container_status_last_terminated_reason").is_empty());
    }

    #[test]
    fn init_container_resources_carry_the_node() {
        let p = with(
            r#""nodeName":"node-a","initContainers":[{"name":"init","resources":{"requests":{"cpu":"100m","ephemeral-storage":"1Gi"},"limits":{"hugepages-2Mi":"4Mi"}}}]"#,
            "",
        );
        assert_eq!(
            series_of(&p, "kube_pod_init_container_resource_requests"),
            want(&[
                r#"kube_pod_init_container_resource_requests{{I},container="init",node="node-a",resource="cpu",unit="core"} 0.1"#,
                r#"kube_pod_init_container_resource_requests{{I},container="init",node="node-a",resource="ephemeral_storage",unit="byte"} 1.073741824e+09"#,
            ])
        );
        assert_eq!(
            series_of(&p, "kube_pod_init_container_resource_limits"),
            want(&[
                r#"kube_pod_init_container_resource_limits{{I},container="init",node="node-a",resource="hugepages_2Mi",unit="byte"} 4.194304e+06"#
            ])
        );
    }

    #[test]
    fn labels_annotations_and_node_selectors_need_their_allowlist() {
        let p = pod(
            r#"{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1",
                 "labels":{"app":"web","pod-template-hash":"5f7b"},
                 "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","team":"shop"}},
               "spec":{"nodeSelector":{"kubernetes.io/os":"linux"}}}"#,
        );
        for family in [
            "kube_pod_labels",
            "kube_pod_annotations",
            "kube_pod_nodeselectors",
        ] {
            assert!(series_of(&p, family).is_empty(), "{family}");
        }
        let exposure = Exposure {
            labels: Allowlist::parse("pods=[app]").unwrap(),
            annotations: Allowlist::parse("pods=[team,missing]").unwrap(),
            node_selectors: true,
        };
        assert_eq!(
            series_exposed(&p, "kube_pod_labels", &exposure),
            want(&[r#"kube_pod_labels{{I},label_app="web"} 1"#])
        );
        assert_eq!(
            series_exposed(&p, "kube_pod_annotations", &exposure),
            want(&[r#"kube_pod_annotations{{I},annotation_team="shop"} 1"#])
        );
        assert_eq!(
            series_exposed(&p, "kube_pod_nodeselectors", &exposure),
            want(&[r#"kube_pod_nodeselectors{{I},nodeselector_kubernetes_io_os="linux"} 1"#])
        );
        // Allowlisted, but none of the keys present: the identity only.
        let none = Exposure {
            labels: Allowlist::parse("pods=[team]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&p, "kube_pod_labels", &none),
            want(&["kube_pod_labels{{I}} 1"])
        );
    }
}
