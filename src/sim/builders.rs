//! Fluent builders for every simulated kind, returning k8s-openapi objects.
//!
//! The cluster generator, the churn task and the tests all build objects
//! through these, so there is one place that knows how a realistic object is
//! shaped. Timestamps are Unix seconds; quantities are the API's strings
//! ("250m", "1Gi"); int-or-string values ("25%", "1") are parsed as ints when
//! they are plain numbers.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetStatus, Deployment, DeploymentCondition, DeploymentSpec,
    DeploymentStatus, DeploymentStrategy, ReplicaSet, ReplicaSetSpec, ReplicaSetStatus,
    RollingUpdateDeployment, StatefulSet, StatefulSetOrdinals,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec, StatefulSetStatus,
};
use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, HostPathVolumeSource, LocalVolumeSource, NFSVolumeSource, Namespace,
    NamespaceCondition, NamespaceSpec, NamespaceStatus, NodeSelector, NodeSelectorRequirement,
    NodeSelectorTerm, ObjectReference, PersistentVolume, PersistentVolumeClaim,
    PersistentVolumeClaimCondition, PersistentVolumeClaimStatus, PersistentVolumeSpec,
    PersistentVolumeStatus, ResourceQuota, ResourceQuotaSpec, ResourceQuotaStatus,
    VolumeNodeAffinity,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, EphemeralVolumeSource, LoadBalancerIngress,
    LoadBalancerStatus, Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo,
    PersistentVolumeClaimSpec, PersistentVolumeClaimTemplate, PersistentVolumeClaimVolumeSource,
    Pod, PodCondition, PodIP, PodResourceClaim, PodSpec, PodStatus, PodTemplateSpec,
    ReplicationController, ReplicationControllerSpec, ReplicationControllerStatus,
    ResourceRequirements, Service, ServicePort, ServiceSpec, ServiceStatus, Taint, Toleration,
    Volume,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ObjectMeta, OwnerReference, Time,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

/// Unix seconds to an API timestamp; out-of-range values clamp to the epoch
/// because a builder has no way to report an error.
pub fn time(unix_seconds: i64) -> Time {
    Time(Timestamp::from_second(unix_seconds).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// "25%" stays a string, "1" becomes an int, as the API stores them.
pub fn int_or_string(v: &str) -> IntOrString {
    match v.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(v.to_string()),
    }
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        ..Default::default()
    }
}

fn insert(map: &mut Option<BTreeMap<String, String>>, k: &str, v: &str) {
    map.get_or_insert_with(BTreeMap::new)
        .insert(k.to_string(), v.to_string());
}

fn insert_qty(map: &mut Option<BTreeMap<String, Quantity>>, k: &str, v: &str) {
    map.get_or_insert_with(BTreeMap::new)
        .insert(k.to_string(), Quantity(v.to_string()));
}

/// Metadata setters shared by every builder.
macro_rules! meta_setters {
    () => {
        /// A fixed uid, so tests can name the object's `uid` label; the
        /// simulator assigns one when it is absent.
        pub fn uid(mut self, uid: &str) -> Self {
            self.obj.metadata.uid = Some(uid.to_string());
            self
        }
        pub fn label(mut self, k: &str, v: &str) -> Self {
            insert(&mut self.obj.metadata.labels, k, v);
            self
        }
        pub fn annotation(mut self, k: &str, v: &str) -> Self {
            insert(&mut self.obj.metadata.annotations, k, v);
            self
        }
        pub fn created(mut self, unix_seconds: i64) -> Self {
            self.obj.metadata.creation_timestamp = Some(time(unix_seconds));
            self
        }
        /// deletionTimestamp: the object is terminating.
        pub fn deleted(mut self, unix_seconds: i64) -> Self {
            self.obj.metadata.deletion_timestamp = Some(time(unix_seconds));
            self.obj.metadata.deletion_grace_period_seconds = Some(30);
            self
        }
    };
}

/// `in_ns` for the namespaced kinds.
macro_rules! namespace_setter {
    () => {
        pub fn in_ns(mut self, ns: &str) -> Self {
            self.obj.metadata.namespace = Some(ns.to_string());
            self
        }
    };
}

/// `owner` for the kinds the generator gives owners.
macro_rules! owner_setter {
    () => {
        /// Adds an ownerReference (apiVersion derived from the kind).
        pub fn owner(mut self, kind: &str, name: &str, uid: &str, controller: bool) -> Self {
            let api_version = match kind {
                "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Deployment" => "apps/v1",
                "Job" | "CronJob" => "batch/v1",
                "Rollout" => "argoproj.io/v1alpha1",
                "Workflow" => "argoproj.io/v1alpha1",
                _ => "v1",
            };
            self.obj
                .metadata
                .owner_references
                .get_or_insert_with(Vec::new)
                .push(OwnerReference {
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                    name: name.to_string(),
                    uid: uid.to_string(),
                    controller: Some(controller),
                    block_owner_deletion: Some(true),
                });
            self
        }
    };
}

// ---------------------------------------------------------------- pods

pub fn pod(name: &str) -> PodBuilder {
    PodBuilder {
        obj: Pod {
            metadata: meta(name),
            spec: Some(PodSpec {
                restart_policy: Some("Always".into()),
                termination_grace_period_seconds: Some(30),
                dns_policy: Some("ClusterFirst".into()),
                scheduler_name: Some("default-scheduler".into()),
                service_account_name: Some("default".into()),
                service_account: Some("default".into()),
                enable_service_links: Some(true),
                priority: Some(0),
                preemption_policy: Some("PreemptLowerPriority".into()),
                ..Default::default()
            }),
            status: Some(PodStatus::default()),
        },
    }
}

pub struct PodBuilder {
    obj: Pod,
}

impl PodBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    fn spec(&mut self) -> &mut PodSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn status(&mut self) -> &mut PodStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn generate_name(mut self, prefix: &str) -> Self {
        self.obj.metadata.generate_name = Some(prefix.to_string());
        self
    }
    pub fn phase(mut self, phase: &str) -> Self {
        self.status().phase = Some(phase.to_string());
        self
    }
    /// status.reason (e.g. "Evicted") with its message.
    pub fn reason(mut self, reason: &str, message: &str) -> Self {
        self.status().reason = Some(reason.to_string());
        self.status().message = Some(message.to_string());
        self
    }
    pub fn node(mut self, node: &str) -> Self {
        self.spec().node_name = Some(node.to_string());
        self
    }
    pub fn host_ip(mut self, ip: &str) -> Self {
        self.status().host_ip = Some(ip.to_string());
        self.status().host_ips = Some(vec![k8s_openapi::api::core::v1::HostIP {
            ip: ip.to_string(),
        }]);
        self
    }
    /// Appends to status.podIPs; the first one is also status.podIP.
    pub fn pod_ip(mut self, ip: &str) -> Self {
        let status = self.status();
        if status.pod_ip.is_none() {
            status.pod_ip = Some(ip.to_string());
        }
        status
            .pod_ips
            .get_or_insert_with(Vec::new)
            .push(PodIP { ip: ip.to_string() });
        self
    }
    pub fn start_time(mut self, unix_seconds: i64) -> Self {
        self.status().start_time = Some(time(unix_seconds));
        self
    }
    pub fn qos(mut self, class: &str) -> Self {
        self.status().qos_class = Some(class.to_string());
        self
    }
    pub fn priority_class(mut self, name: &str, priority: i32) -> Self {
        self.spec().priority_class_name = Some(name.to_string());
        self.spec().priority = Some(priority);
        self
    }
    pub fn host_network(mut self, on: bool) -> Self {
        self.spec().host_network = Some(on);
        self
    }
    pub fn service_account(mut self, sa: &str) -> Self {
        self.spec().service_account_name = Some(sa.to_string());
        self.spec().service_account = Some(sa.to_string());
        self
    }
    pub fn scheduler(mut self, name: &str) -> Self {
        self.spec().scheduler_name = Some(name.to_string());
        self
    }
    pub fn restart_policy(mut self, policy: &str) -> Self {
        self.spec().restart_policy = Some(policy.to_string());
        self
    }
    /// A toleration; empty `value`/`effect` are left unset like the API does.
    pub fn toleration(
        mut self,
        key: &str,
        operator: &str,
        value: &str,
        effect: &str,
        seconds: Option<i64>,
    ) -> Self {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.spec()
            .tolerations
            .get_or_insert_with(Vec::new)
            .push(Toleration {
                key: opt(key),
                operator: opt(operator),
                value: opt(value),
                effect: opt(effect),
                toleration_seconds: seconds,
            });
        self
    }
    pub fn pvc_volume(mut self, volume: &str, claim: &str, read_only: bool) -> Self {
        self.spec()
            .volumes
            .get_or_insert_with(Vec::new)
            .push(Volume {
                name: volume.to_string(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim.to_string(),
                    read_only: read_only.then_some(true),
                }),
                ..Default::default()
            });
        self
    }
    /// A generic ephemeral volume (its PVC is named `<pod>-<volume>`).
    pub fn ephemeral_volume(mut self, volume: &str, storage: &str) -> Self {
        let mut requests = None;
        insert_qty(&mut requests, "storage", storage);
        self.spec()
            .volumes
            .get_or_insert_with(Vec::new)
            .push(Volume {
                name: volume.to_string(),
                ephemeral: Some(EphemeralVolumeSource {
                    volume_claim_template: Some(PersistentVolumeClaimTemplate {
                        metadata: None,
                        spec: PersistentVolumeClaimSpec {
                            access_modes: Some(vec!["ReadWriteOnce".into()]),
                            resources: Some(
                                k8s_openapi::api::core::v1::VolumeResourceRequirements {
                                    requests,
                                    limits: None,
                                },
                            ),
                            ..Default::default()
                        },
                    }),
                }),
                ..Default::default()
            });
        self
    }
    pub fn node_selector(mut self, k: &str, v: &str) -> Self {
        insert(&mut self.spec().node_selector, k, v);
        self
    }
    pub fn overhead(mut self, resource: &str, qty: &str) -> Self {
        insert_qty(&mut self.spec().overhead, resource, qty);
        self
    }
    pub fn runtime_class(mut self, name: &str) -> Self {
        self.spec().runtime_class_name = Some(name.to_string());
        self
    }
    /// A DRA claim, either naming a ResourceClaim or a template.
    pub fn resource_claim(
        mut self,
        name: &str,
        claim: Option<&str>,
        template: Option<&str>,
    ) -> Self {
        self.spec()
            .resource_claims
            .get_or_insert_with(Vec::new)
            .push(PodResourceClaim {
                name: name.to_string(),
                resource_claim_name: claim.map(str::to_string),
                resource_claim_template_name: template.map(str::to_string),
            });
        self
    }
    /// A pod condition (PodScheduled, Ready, ...) that changed at `at`.
    pub fn condition(self, type_: &str, status: &str, at: i64) -> Self {
        self.condition_reason(type_, status, "", at)
    }
    pub fn condition_reason(mut self, type_: &str, status: &str, reason: &str, at: i64) -> Self {
        self.status()
            .conditions
            .get_or_insert_with(Vec::new)
            .push(PodCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: (!reason.is_empty()).then(|| reason.to_string()),
                last_transition_time: Some(time(at)),
                ..Default::default()
            });
        self
    }
    pub fn container(
        mut self,
        name: &str,
        f: impl FnOnce(ContainerBuilder) -> ContainerBuilder,
    ) -> Self {
        let (c, s) = f(ContainerBuilder::new(name)).finish();
        self.spec().containers.push(c);
        if let Some(s) = s {
            self.status()
                .container_statuses
                .get_or_insert_with(Vec::new)
                .push(s);
        }
        self
    }
    pub fn init_container(
        mut self,
        name: &str,
        f: impl FnOnce(ContainerBuilder) -> ContainerBuilder,
    ) -> Self {
        let (c, s) = f(ContainerBuilder::new(name)).finish();
        self.spec()
            .init_containers
            .get_or_insert_with(Vec::new)
            .push(c);
        if let Some(s) = s {
            self.status()
                .init_container_statuses
                .get_or_insert_with(Vec::new)
                .push(s);
        }
        self
    }
    pub fn build(self) -> Pod {
        self.obj
    }
}

/// Builds a container and (unless `no_status`) its status together, so the
/// spec's image and the status's image/imageID/containerID stay consistent.
pub struct ContainerBuilder {
    spec: Container,
    status: ContainerStatus,
    with_status: bool,
}

impl ContainerBuilder {
    fn new(name: &str) -> Self {
        ContainerBuilder {
            spec: Container {
                name: name.to_string(),
                termination_message_path: Some("/dev/termination-log".into()),
                termination_message_policy: Some("File".into()),
                image_pull_policy: Some("IfNotPresent".into()),
                resources: Some(ResourceRequirements::default()),
                ..Default::default()
            },
            status: ContainerStatus {
                name: name.to_string(),
                ..Default::default()
            },
            with_status: true,
        }
    }
    /// Sets the spec image and the status image (the resolved reference).
    pub fn image(mut self, image: &str) -> Self {
        self.spec.image = Some(image.to_string());
        self.status.image = image.to_string();
        self
    }
    pub fn image_id(mut self, id: &str) -> Self {
        self.status.image_id = id.to_string();
        self
    }
    pub fn container_id(mut self, id: &str) -> Self {
        self.status.container_id = Some(id.to_string());
        self
    }
    pub fn requests(mut self, resource: &str, qty: &str) -> Self {
        let r = self.spec.resources.get_or_insert_with(Default::default);
        insert_qty(&mut r.requests, resource, qty);
        self
    }
    pub fn limits(mut self, resource: &str, qty: &str) -> Self {
        let r = self.spec.resources.get_or_insert_with(Default::default);
        insert_qty(&mut r.limits, resource, qty);
        self
    }
    /// Container-level restartPolicy: "Always" on an init container makes it a sidecar.
    pub fn restart_policy(mut self, policy: &str) -> Self {
        self.spec.restart_policy = Some(policy.to_string());
        self
    }
    pub fn ready(mut self, ready: bool) -> Self {
        self.status.ready = ready;
        self
    }
    pub fn restarts(mut self, n: i32) -> Self {
        self.status.restart_count = n;
        self
    }
    pub fn running(mut self, started_at: i64) -> Self {
        self.status.state = Some(ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(time(started_at)),
            }),
            ..Default::default()
        });
        self.status.started = Some(true);
        self
    }
    pub fn waiting(mut self, reason: &str, message: &str) -> Self {
        self.status.state = Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.to_string()),
                message: (!message.is_empty()).then(|| message.to_string()),
            }),
            ..Default::default()
        });
        self.status.started = Some(false);
        self
    }
    pub fn terminated(mut self, reason: &str, exit_code: i32, started: i64, finished: i64) -> Self {
        let t = self.terminated_state(reason, exit_code, started, finished);
        self.status.state = Some(t);
        self.status.started = Some(false);
        self
    }
    pub fn last_terminated(
        mut self,
        reason: &str,
        exit_code: i32,
        started: i64,
        finished: i64,
    ) -> Self {
        let t = self.terminated_state(reason, exit_code, started, finished);
        self.status.last_state = Some(t);
        self
    }
    /// No status entry at all (containers of pods that never got scheduled).
    pub fn no_status(mut self) -> Self {
        self.with_status = false;
        self
    }
    fn terminated_state(
        &self,
        reason: &str,
        exit_code: i32,
        started: i64,
        finished: i64,
    ) -> ContainerState {
        ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code,
                reason: Some(reason.to_string()),
                started_at: Some(time(started)),
                finished_at: Some(time(finished)),
                container_id: self.status.container_id.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
    fn finish(mut self) -> (Container, Option<ContainerStatus>) {
        if self.status.state.is_none() {
            // The kubelet always reports some state; "waiting" is what it
            // reports before the first start.
            self.status.state = Some(ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: Some("ContainerCreating".into()),
                    message: None,
                }),
                ..Default::default()
            });
        }
        if self.status.last_state.is_none() {
            self.status.last_state = Some(ContainerState::default());
        }
        let status = self.with_status.then_some(self.status);
        (self.spec, status)
    }
}

// ---------------------------------------------------------------- nodes

pub fn node(name: &str) -> NodeBuilder {
    NodeBuilder {
        obj: Node {
            metadata: meta(name),
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                daemon_endpoints: Some(k8s_openapi::api::core::v1::NodeDaemonEndpoints {
                    kubelet_endpoint: Some(k8s_openapi::api::core::v1::DaemonEndpoint {
                        port: 10250,
                    }),
                }),
                ..Default::default()
            }),
        },
    }
}

pub struct NodeBuilder {
    obj: Node,
}

impl NodeBuilder {
    meta_setters!();

    fn spec(&mut self) -> &mut NodeSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn status(&mut self) -> &mut NodeStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    fn info(&mut self) -> &mut NodeSystemInfo {
        self.status()
            .node_info
            .get_or_insert_with(|| NodeSystemInfo {
                operating_system: "linux".into(),
                architecture: "amd64".into(),
                ..Default::default()
            })
    }

    pub fn capacity(mut self, resource: &str, qty: &str) -> Self {
        insert_qty(&mut self.status().capacity, resource, qty);
        self
    }
    pub fn allocatable(mut self, resource: &str, qty: &str) -> Self {
        insert_qty(&mut self.status().allocatable, resource, qty);
        self
    }
    pub fn condition(self, type_: &str, status: &str) -> Self {
        self.condition_full(type_, status, "", "", 0)
    }
    /// A condition with reason, message and last transition/heartbeat time.
    pub fn condition_full(
        mut self,
        type_: &str,
        status: &str,
        reason: &str,
        message: &str,
        at: i64,
    ) -> Self {
        self.status()
            .conditions
            .get_or_insert_with(Vec::new)
            .push(NodeCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: (!reason.is_empty()).then(|| reason.to_string()),
                message: (!message.is_empty()).then(|| message.to_string()),
                last_heartbeat_time: (at > 0).then(|| time(at)),
                last_transition_time: (at > 0).then(|| time(at)),
            });
        self
    }
    /// A taint; an empty value is left unset, as for `key:NoSchedule` taints.
    pub fn taint(mut self, key: &str, value: &str, effect: &str) -> Self {
        self.spec().taints.get_or_insert_with(Vec::new).push(Taint {
            key: key.to_string(),
            value: (!value.is_empty()).then(|| value.to_string()),
            effect: effect.to_string(),
            time_added: None,
        });
        self
    }
    pub fn unschedulable(mut self, on: bool) -> Self {
        self.spec().unschedulable = on.then_some(true);
        self
    }
    /// Adds the `node-role.kubernetes.io/<role>` label.
    pub fn role(self, role: &str) -> Self {
        self.label(&format!("node-role.kubernetes.io/{role}"), "")
    }
    pub fn kernel(mut self, v: &str) -> Self {
        self.info().kernel_version = v.to_string();
        self
    }
    pub fn os_image(mut self, v: &str) -> Self {
        self.info().os_image = v.to_string();
        self
    }
    pub fn runtime(mut self, v: &str) -> Self {
        self.info().container_runtime_version = v.to_string();
        self
    }
    /// Sets kubeletVersion and kubeProxyVersion (the kubelet still reports both).
    pub fn kubelet(mut self, v: &str) -> Self {
        self.info().kubelet_version = v.to_string();
        self.info().kube_proxy_version = v.to_string();
        self
    }
    pub fn system_uuid(mut self, v: &str) -> Self {
        self.info().system_uuid = v.to_string();
        self.info().machine_id = v.replace('-', "");
        self.info().boot_id = v.chars().rev().collect();
        self
    }
    pub fn provider_id(mut self, v: &str) -> Self {
        self.spec().provider_id = Some(v.to_string());
        self
    }
    /// Appends to spec.podCIDRs; the first one is also spec.podCIDR.
    pub fn pod_cidr(mut self, cidr: &str) -> Self {
        let spec = self.spec();
        if spec.pod_cidr.is_none() {
            spec.pod_cidr = Some(cidr.to_string());
        }
        spec.pod_cidrs
            .get_or_insert_with(Vec::new)
            .push(cidr.to_string());
        self
    }
    pub fn address(mut self, type_: &str, address: &str) -> Self {
        self.status()
            .addresses
            .get_or_insert_with(Vec::new)
            .push(NodeAddress {
                type_: type_.to_string(),
                address: address.to_string(),
            });
        self
    }
    pub fn build(self) -> Node {
        self.obj
    }
}

// ---------------------------------------------------------------- deployments

pub fn deployment(name: &str) -> DeploymentBuilder {
    let mut selector = None;
    insert(&mut selector, "app", name);
    DeploymentBuilder {
        obj: Deployment {
            metadata: meta(name),
            spec: DeploymentSpec {
                replicas: Some(1),
                selector: LabelSelector {
                    match_labels: selector.clone(),
                    match_expressions: None,
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: selector,
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![Container {
                            name: name.to_string(),
                            image: Some(format!("registry.example.com/{name}:1.0.0")),
                            ..Default::default()
                        }],
                        restart_policy: Some("Always".into()),
                        ..Default::default()
                    }),
                },
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(int_or_string("25%")),
                        max_unavailable: Some(int_or_string("25%")),
                    }),
                }),
                revision_history_limit: Some(10),
                progress_deadline_seconds: Some(600),
                ..Default::default()
            },
            status: Some(DeploymentStatus::default()),
        },
    }
}

pub struct DeploymentBuilder {
    obj: Deployment,
}

impl DeploymentBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }

    fn spec(&mut self) -> &mut DeploymentSpec {
        &mut self.obj.spec
    }
    fn status(&mut self) -> &mut DeploymentStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn replicas(mut self, n: i32) -> Self {
        self.spec().replicas = Some(n);
        self
    }
    /// Leaves spec.replicas unset (the API defaults it, but old objects may lack it).
    pub fn no_replicas(mut self) -> Self {
        self.spec().replicas = None;
        self
    }
    pub fn paused(mut self, on: bool) -> Self {
        self.spec().paused = on.then_some(true);
        self
    }
    pub fn image(mut self, image: &str) -> Self {
        if let Some(c) = self
            .spec()
            .template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
        {
            c.image = Some(image.to_string());
        }
        self
    }
    /// RollingUpdate strategy; values like "25%" or "1".
    pub fn rolling_update(mut self, max_surge: &str, max_unavailable: &str) -> Self {
        self.spec().strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(int_or_string(max_surge)),
                max_unavailable: Some(int_or_string(max_unavailable)),
            }),
        });
        self
    }
    pub fn recreate(mut self) -> Self {
        self.spec().strategy = Some(DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        });
        self
    }
    pub fn observed_generation(mut self, g: i64) -> Self {
        self.status().observed_generation = Some(g);
        self
    }
    /// status.replicas
    pub fn status_replicas(mut self, n: i32) -> Self {
        self.status().replicas = Some(n);
        self
    }
    pub fn ready(mut self, n: i32) -> Self {
        self.status().ready_replicas = Some(n);
        self
    }
    pub fn available(mut self, n: i32) -> Self {
        self.status().available_replicas = Some(n);
        self
    }
    pub fn unavailable(mut self, n: i32) -> Self {
        self.status().unavailable_replicas = Some(n);
        self
    }
    pub fn updated(mut self, n: i32) -> Self {
        self.status().updated_replicas = Some(n);
        self
    }
    pub fn terminating(mut self, n: i32) -> Self {
        self.status().terminating_replicas = Some(n);
        self
    }
    pub fn condition(
        mut self,
        type_: &str,
        status: &str,
        reason: &str,
        message: &str,
        at: i64,
    ) -> Self {
        self.status()
            .conditions
            .get_or_insert_with(Vec::new)
            .push(DeploymentCondition {
                type_: Some(type_.to_string()),
                status: Some(status.to_string()),
                reason: Some(reason.to_string()),
                message: Some(message.to_string()),
                last_update_time: Some(time(at)),
                last_transition_time: Some(time(at)),
            });
        self
    }
    pub fn build(self) -> Deployment {
        self.obj
    }
}

// ---------------------------------------------------------------- services

pub fn service(name: &str) -> ServiceBuilder {
    ServiceBuilder {
        obj: Service {
            metadata: meta(name),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                session_affinity: Some("None".into()),
                ..Default::default()
            }),
            status: Some(ServiceStatus {
                load_balancer: Some(LoadBalancerStatus::default()),
                conditions: None,
            }),
        },
    }
}

pub struct ServiceBuilder {
    obj: Service,
}

impl ServiceBuilder {
    meta_setters!();
    namespace_setter!();

    fn spec(&mut self) -> &mut ServiceSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn ingress(&mut self) -> &mut Vec<LoadBalancerIngress> {
        self.obj
            .status
            .get_or_insert_with(Default::default)
            .load_balancer
            .get_or_insert_with(Default::default)
            .ingress
            .get_or_insert_with(Vec::new)
    }

    pub fn type_(mut self, t: &str) -> Self {
        self.spec().type_ = Some(t.to_string());
        self
    }
    /// clusterIP and clusterIPs; "None" makes a headless service.
    pub fn cluster_ip(mut self, ip: &str) -> Self {
        self.spec().cluster_ip = Some(ip.to_string());
        self.spec().cluster_ips = Some(vec![ip.to_string()]);
        if ip != "None" {
            let family = if ip.contains(':') { "IPv6" } else { "IPv4" };
            self.spec().ip_families = Some(vec![family.into()]);
            self.spec().ip_family_policy = Some("SingleStack".into());
        }
        self
    }
    pub fn external_name(mut self, name: &str) -> Self {
        self.spec().external_name = Some(name.to_string());
        self
    }
    pub fn load_balancer_ip(mut self, ip: &str) -> Self {
        self.spec().load_balancer_ip = Some(ip.to_string());
        self
    }
    pub fn external_traffic_policy(mut self, policy: &str) -> Self {
        self.spec().external_traffic_policy = Some(policy.to_string());
        self
    }
    pub fn external_ip(mut self, ip: &str) -> Self {
        self.spec()
            .external_ips
            .get_or_insert_with(Vec::new)
            .push(ip.to_string());
        self
    }
    pub fn ingress_ip(mut self, ip: &str) -> Self {
        self.ingress().push(LoadBalancerIngress {
            ip: Some(ip.to_string()),
            ip_mode: Some("VIP".into()),
            ..Default::default()
        });
        self
    }
    pub fn ingress_hostname(mut self, hostname: &str) -> Self {
        self.ingress().push(LoadBalancerIngress {
            hostname: Some(hostname.to_string()),
            ..Default::default()
        });
        self
    }
    /// A TCP port; `node_port` for NodePort/LoadBalancer services.
    pub fn port(mut self, name: &str, port: i32, target: i32, node_port: Option<i32>) -> Self {
        self.spec()
            .ports
            .get_or_insert_with(Vec::new)
            .push(ServicePort {
                name: Some(name.to_string()),
                port,
                target_port: Some(IntOrString::Int(target)),
                node_port,
                protocol: Some("TCP".into()),
                ..Default::default()
            });
        self
    }
    pub fn selector(mut self, k: &str, v: &str) -> Self {
        insert(&mut self.spec().selector, k, v);
        self
    }
    pub fn build(self) -> Service {
        self.obj
    }
}

// ---------------------------------------------------------------- workload controllers
// ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers: each
// selects its pods by `app` and carries a one-container template.

/// A template whose pods carry `labels` and run `image`.
fn pod_template(
    labels: &BTreeMap<String, String>,
    container: &str,
    image: &str,
) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels.clone()),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: container.to_string(),
                image: Some(image.to_string()),
                ..Default::default()
            }],
            ..Default::default()
        }),
    }
}

fn app_labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), app.to_string())])
}

fn app_selector(app: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(app_labels(app)),
        match_expressions: None,
    }
}

/// A ReplicaSet selecting `app=<app>` (a Deployment's adds
/// `pod-template-hash` with `template_hash`).
pub fn replica_set(name: &str, app: &str) -> ReplicaSetBuilder {
    ReplicaSetBuilder {
        obj: ReplicaSet {
            metadata: meta(name),
            spec: ReplicaSetSpec {
                replicas: Some(1),
                selector: app_selector(app),
                template: Some(pod_template(
                    &app_labels(app),
                    app,
                    &format!("registry.example.com/{app}:1.0.0"),
                )),
                ..Default::default()
            },
            status: Some(ReplicaSetStatus::default()),
        },
    }
}

pub struct ReplicaSetBuilder {
    obj: ReplicaSet,
}

impl ReplicaSetBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }
    fn spec(&mut self) -> &mut ReplicaSetSpec {
        &mut self.obj.spec
    }
    fn status(&mut self) -> &mut ReplicaSetStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    pub fn replicas(mut self, n: i32) -> Self {
        self.spec().replicas = Some(n);
        self
    }
    /// The `pod-template-hash` label a Deployment's ReplicaSet, its
    /// selector and its template carry.
    pub fn template_hash(mut self, hash: &str) -> Self {
        let spec = self.spec();
        insert(&mut spec.selector.match_labels, "pod-template-hash", hash);
        if let Some(meta) = spec.template.as_mut().and_then(|t| t.metadata.as_mut()) {
            insert(&mut meta.labels, "pod-template-hash", hash);
        }
        self.label("pod-template-hash", hash)
    }
    pub fn image(mut self, image: &str) -> Self {
        if let Some(c) = self
            .spec()
            .template
            .as_mut()
            .and_then(|t| t.spec.as_mut())
            .and_then(|s| s.containers.first_mut())
        {
            c.image = Some(image.to_string());
        }
        self
    }
    pub fn observed_generation(mut self, g: i64) -> Self {
        self.status().observed_generation = Some(g);
        self
    }
    /// status.replicas, fullyLabeledReplicas, readyReplicas, availableReplicas.
    pub fn counts(mut self, replicas: i32, fully_labeled: i32, ready: i32, available: i32) -> Self {
        let status = self.status();
        status.replicas = replicas;
        status.fully_labeled_replicas = Some(fully_labeled);
        status.ready_replicas = Some(ready);
        status.available_replicas = Some(available);
        self
    }
    pub fn terminating(mut self, n: i32) -> Self {
        self.status().terminating_replicas = Some(n);
        self
    }
    pub fn build(self) -> ReplicaSet {
        self.obj
    }
}

/// A ReplicationController selecting `app=<app>`.
pub fn replication_controller(name: &str, app: &str) -> ReplicationControllerBuilder {
    ReplicationControllerBuilder {
        obj: ReplicationController {
            metadata: meta(name),
            spec: Some(ReplicationControllerSpec {
                replicas: Some(1),
                selector: Some(app_labels(app)),
                template: Some(pod_template(
                    &app_labels(app),
                    app,
                    &format!("registry.example.com/{app}:1.0.0"),
                )),
                ..Default::default()
            }),
            status: Some(ReplicationControllerStatus::default()),
        },
    }
}

pub struct ReplicationControllerBuilder {
    obj: ReplicationController,
}

impl ReplicationControllerBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }
    fn status(&mut self) -> &mut ReplicationControllerStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    pub fn replicas(mut self, n: i32) -> Self {
        self.obj.spec.get_or_insert_with(Default::default).replicas = Some(n);
        self
    }
    pub fn observed_generation(mut self, g: i64) -> Self {
        self.status().observed_generation = Some(g);
        self
    }
    /// status.replicas, fullyLabeledReplicas, readyReplicas, availableReplicas.
    pub fn counts(mut self, replicas: i32, fully_labeled: i32, ready: i32, available: i32) -> Self {
        let status = self.status();
        status.replicas = replicas;
        status.fully_labeled_replicas = Some(fully_labeled);
        status.ready_replicas = Some(ready);
        status.available_replicas = Some(available);
        self
    }
    pub fn build(self) -> ReplicationController {
        self.obj
    }
}

/// A StatefulSet selecting `app=<app>`, governed by a headless service of
/// the same name, ordered pod management and rolling updates.
pub fn stateful_set(name: &str, app: &str) -> StatefulSetBuilder {
    StatefulSetBuilder {
        obj: StatefulSet {
            metadata: meta(name),
            spec: StatefulSetSpec {
                replicas: Some(1),
                selector: app_selector(app),
                service_name: Some(name.to_string()),
                template: pod_template(
                    &app_labels(app),
                    app,
                    &format!("registry.example.com/{app}:1.0.0"),
                ),
                pod_management_policy: Some("OrderedReady".into()),
                revision_history_limit: Some(10),
                ..Default::default()
            },
            status: Some(StatefulSetStatus::default()),
        },
    }
}

pub struct StatefulSetBuilder {
    obj: StatefulSet,
}

impl StatefulSetBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }
    fn spec(&mut self) -> &mut StatefulSetSpec {
        &mut self.obj.spec
    }
    fn status(&mut self) -> &mut StatefulSetStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    pub fn replicas(mut self, n: i32) -> Self {
        self.spec().replicas = Some(n);
        self
    }
    pub fn image(mut self, image: &str) -> Self {
        if let Some(c) = self
            .spec()
            .template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
        {
            c.image = Some(image.to_string());
        }
        self
    }
    /// spec.ordinals.start: the first pod's ordinal.
    pub fn ordinals_start(mut self, start: i32) -> Self {
        self.spec().ordinals = Some(StatefulSetOrdinals { start: Some(start) });
        self
    }
    /// spec.persistentVolumeClaimRetentionPolicy (`Retain` or `Delete`).
    pub fn pvc_retention(mut self, when_deleted: &str, when_scaled: &str) -> Self {
        self.spec().persistent_volume_claim_retention_policy =
            Some(StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some(when_deleted.to_string()),
                when_scaled: Some(when_scaled.to_string()),
            });
        self
    }
    pub fn observed_generation(mut self, g: i64) -> Self {
        self.status().observed_generation = Some(g);
        self
    }
    /// status.replicas, readyReplicas, availableReplicas.
    pub fn counts(mut self, replicas: i32, ready: i32, available: i32) -> Self {
        let status = self.status();
        status.replicas = replicas;
        status.ready_replicas = Some(ready);
        status.available_replicas = Some(available);
        self
    }
    /// Pods at the current revision and at the update revision: equal
    /// names and counts once a rollout is done.
    pub fn revisions(
        mut self,
        current: &str,
        current_replicas: i32,
        update: &str,
        updated_replicas: i32,
    ) -> Self {
        let status = self.status();
        status.current_revision = Some(current.to_string());
        status.current_replicas = Some(current_replicas);
        status.update_revision = Some(update.to_string());
        status.updated_replicas = Some(updated_replicas);
        self
    }
    pub fn build(self) -> StatefulSet {
        self.obj
    }
}

/// A DaemonSet selecting `app=<app>` with rolling updates.
pub fn daemon_set(name: &str, app: &str) -> DaemonSetBuilder {
    DaemonSetBuilder {
        obj: DaemonSet {
            metadata: meta(name),
            spec: DaemonSetSpec {
                selector: app_selector(app),
                template: pod_template(
                    &app_labels(app),
                    app,
                    &format!("registry.example.com/{app}:1.0.0"),
                ),
                revision_history_limit: Some(10),
                ..Default::default()
            },
            status: Some(DaemonSetStatus::default()),
        },
    }
}

pub struct DaemonSetBuilder {
    obj: DaemonSet,
}

impl DaemonSetBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }
    fn status(&mut self) -> &mut DaemonSetStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    pub fn image(mut self, image: &str) -> Self {
        if let Some(c) = self
            .obj
            .spec
            .template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
        {
            c.image = Some(image.to_string());
        }
        self
    }
    pub fn observed_generation(mut self, g: i64) -> Self {
        self.status().observed_generation = Some(g);
        self
    }
    /// desiredNumberScheduled, currentNumberScheduled, numberMisscheduled.
    pub fn scheduled(mut self, desired: i32, current: i32, misscheduled: i32) -> Self {
        let status = self.status();
        status.desired_number_scheduled = desired;
        status.current_number_scheduled = current;
        status.number_misscheduled = misscheduled;
        self
    }
    /// numberReady and numberAvailable; numberUnavailable follows from
    /// desiredNumberScheduled (set `scheduled` first).
    pub fn ready(mut self, ready: i32, available: i32) -> Self {
        let status = self.status();
        status.number_ready = ready;
        status.number_available = Some(available);
        status.number_unavailable = Some((status.desired_number_scheduled - available).max(0));
        self
    }
    pub fn updated(mut self, n: i32) -> Self {
        self.status().updated_number_scheduled = Some(n);
        self
    }
    pub fn build(self) -> DaemonSet {
        self.obj
    }
}
// ------------------------------------------ jobs, cronjobs, HPAs, PDBs

mod admission;
mod batch;
pub use admission::*;
pub use batch::*;

// ------------------------------------------ config, secrets, leases, RBAC

mod config;
pub use config::*;
// ------------------------------------------ ingresses, endpoints, policies, storage classes

mod network;
pub use network::*;

// ------------------------------------------------- namespaces, quotas, storage

pub fn namespace(name: &str) -> NamespaceBuilder {
    let mut obj = Namespace {
        metadata: meta(name),
        spec: Some(NamespaceSpec {
            finalizers: Some(vec!["kubernetes".into()]),
        }),
        status: Some(NamespaceStatus {
            phase: Some("Active".into()),
            conditions: None,
        }),
    };
    // The API server labels every namespace with its name.
    insert(
        &mut obj.metadata.labels,
        "kubernetes.io/metadata.name",
        name,
    );
    NamespaceBuilder { obj }
}

pub struct NamespaceBuilder {
    obj: Namespace,
}

impl NamespaceBuilder {
    meta_setters!();

    fn status(&mut self) -> &mut NamespaceStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn phase(mut self, phase: &str) -> Self {
        self.status().phase = Some(phase.to_string());
        self
    }
    /// A condition of the namespace controller (set while deleting).
    pub fn condition(
        mut self,
        type_: &str,
        status: &str,
        reason: &str,
        message: &str,
        at: i64,
    ) -> Self {
        self.status()
            .conditions
            .get_or_insert_with(Vec::new)
            .push(NamespaceCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: Some(reason.to_string()),
                message: Some(message.to_string()),
                last_transition_time: Some(time(at)),
            });
        self
    }
    pub fn build(self) -> Namespace {
        self.obj
    }
}

pub fn resource_quota(name: &str) -> ResourceQuotaBuilder {
    ResourceQuotaBuilder {
        obj: ResourceQuota {
            metadata: meta(name),
            spec: Some(ResourceQuotaSpec::default()),
            status: Some(ResourceQuotaStatus::default()),
        },
    }
}

pub struct ResourceQuotaBuilder {
    obj: ResourceQuota,
}

impl ResourceQuotaBuilder {
    meta_setters!();
    namespace_setter!();

    fn status(&mut self) -> &mut ResourceQuotaStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    /// A hard limit, in spec and (as the quota controller copies it) status.
    pub fn hard(mut self, resource: &str, qty: &str) -> Self {
        let spec = self.obj.spec.get_or_insert_with(Default::default);
        insert_qty(&mut spec.hard, resource, qty);
        insert_qty(&mut self.status().hard, resource, qty);
        self
    }
    /// status.used, as the quota controller last counted it.
    pub fn used(mut self, resource: &str, qty: &str) -> Self {
        insert_qty(&mut self.status().used, resource, qty);
        self
    }
    pub fn build(self) -> ResourceQuota {
        self.obj
    }
}

pub fn persistent_volume_claim(name: &str) -> PersistentVolumeClaimBuilder {
    PersistentVolumeClaimBuilder {
        obj: PersistentVolumeClaim {
            metadata: meta(name),
            spec: Some(PersistentVolumeClaimSpec {
                volume_mode: Some("Filesystem".into()),
                ..Default::default()
            }),
            status: Some(PersistentVolumeClaimStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            }),
        },
    }
}

pub struct PersistentVolumeClaimBuilder {
    obj: PersistentVolumeClaim,
}

impl PersistentVolumeClaimBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    fn spec(&mut self) -> &mut PersistentVolumeClaimSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn status(&mut self) -> &mut PersistentVolumeClaimStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn storage_class(mut self, class: &str) -> Self {
        self.spec().storage_class_name = Some(class.to_string());
        self
    }
    pub fn access_mode(mut self, mode: &str) -> Self {
        self.spec()
            .access_modes
            .get_or_insert_with(Vec::new)
            .push(mode.to_string());
        self
    }
    /// spec.resources.requests.storage ("10Gi").
    pub fn request(mut self, storage: &str) -> Self {
        let resources = self.spec().resources.get_or_insert_with(Default::default);
        insert_qty(&mut resources.requests, "storage", storage);
        self
    }
    pub fn volume_mode(mut self, mode: &str) -> Self {
        self.spec().volume_mode = Some(mode.to_string());
        self
    }
    /// Bound to `volume` with the volume's capacity, as the binder writes it.
    pub fn bound(mut self, volume: &str, capacity: &str) -> Self {
        self.spec().volume_name = Some(volume.to_string());
        let modes = self.spec().access_modes.clone();
        let status = self.status();
        status.phase = Some("Bound".into());
        status.access_modes = modes;
        insert_qty(&mut status.capacity, "storage", capacity);
        self
    }
    pub fn condition(mut self, type_: &str, status: &str, at: i64) -> Self {
        self.status().conditions.get_or_insert_with(Vec::new).push(
            PersistentVolumeClaimCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                last_transition_time: Some(time(at)),
                ..Default::default()
            },
        );
        self
    }
    pub fn finalizer(mut self, finalizer: &str) -> Self {
        self.obj
            .metadata
            .finalizers
            .get_or_insert_with(Vec::new)
            .push(finalizer.to_string());
        self
    }
    pub fn build(self) -> PersistentVolumeClaim {
        self.obj
    }
}

pub fn persistent_volume(name: &str) -> PersistentVolumeBuilder {
    PersistentVolumeBuilder {
        obj: PersistentVolume {
            metadata: meta(name),
            spec: Some(PersistentVolumeSpec {
                persistent_volume_reclaim_policy: Some("Delete".into()),
                volume_mode: Some("Filesystem".into()),
                ..Default::default()
            }),
            status: Some(PersistentVolumeStatus {
                phase: Some("Available".into()),
                ..Default::default()
            }),
        },
    }
}

/// A volume's reference to its claim, as the binder writes it.
pub fn claim_ref(namespace: &str, name: &str, uid: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        namespace: Some(namespace.to_string()),
        name: Some(name.to_string()),
        uid: Some(uid.to_string()),
        ..Default::default()
    }
}

pub struct PersistentVolumeBuilder {
    obj: PersistentVolume,
}

impl PersistentVolumeBuilder {
    meta_setters!();

    fn spec(&mut self) -> &mut PersistentVolumeSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn status(&mut self) -> &mut PersistentVolumeStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn capacity(mut self, storage: &str) -> Self {
        insert_qty(&mut self.spec().capacity, "storage", storage);
        self
    }
    pub fn access_mode(mut self, mode: &str) -> Self {
        self.spec()
            .access_modes
            .get_or_insert_with(Vec::new)
            .push(mode.to_string());
        self
    }
    pub fn storage_class(mut self, class: &str) -> Self {
        self.spec().storage_class_name = Some(class.to_string());
        self
    }
    pub fn reclaim_policy(mut self, policy: &str) -> Self {
        self.spec().persistent_volume_reclaim_policy = Some(policy.to_string());
        self
    }
    /// spec.volumeMode; `None` leaves it unset as old objects have it.
    pub fn volume_mode(mut self, mode: Option<&str>) -> Self {
        self.spec().volume_mode = mode.map(str::to_string);
        self
    }
    /// spec.claimRef: the claim this volume is bound (or was bound) to.
    pub fn claim(mut self, namespace: &str, name: &str, uid: &str) -> Self {
        self.spec().claim_ref = Some(claim_ref(namespace, name, uid));
        self
    }
    pub fn phase(mut self, phase: &str) -> Self {
        self.status().phase = Some(phase.to_string());
        self
    }
    /// A phase with the reason and message the controller gives it (Failed).
    pub fn phase_because(mut self, phase: &str, reason: &str, message: &str) -> Self {
        let status = self.status();
        status.phase = Some(phase.to_string());
        status.reason = Some(reason.to_string());
        status.message = Some(message.to_string());
        self
    }
    pub fn csi(mut self, driver: &str, handle: &str, attributes: &[(&str, &str)]) -> Self {
        let mut volume_attributes = None;
        for (k, v) in attributes {
            insert(&mut volume_attributes, k, v);
        }
        self.spec().csi = Some(CSIPersistentVolumeSource {
            driver: driver.to_string(),
            volume_handle: handle.to_string(),
            fs_type: Some("ext4".into()),
            volume_attributes,
            ..Default::default()
        });
        self
    }
    pub fn nfs(mut self, server: &str, path: &str) -> Self {
        self.spec().nfs = Some(NFSVolumeSource {
            server: server.to_string(),
            path: path.to_string(),
            read_only: None,
        });
        self
    }
    /// A local disk of one node (with the node affinity local volumes need).
    pub fn local(mut self, path: &str, fs_type: Option<&str>, node: &str) -> Self {
        self.spec().local = Some(LocalVolumeSource {
            path: path.to_string(),
            fs_type: fs_type.map(str::to_string),
        });
        self.spec().node_affinity = Some(VolumeNodeAffinity {
            required: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: "kubernetes.io/hostname".into(),
                        operator: "In".into(),
                        values: Some(vec![node.to_string()]),
                    }]),
                    match_fields: None,
                }],
            }),
        });
        self
    }
    pub fn host_path(mut self, path: &str, type_: &str) -> Self {
        self.spec().host_path = Some(HostPathVolumeSource {
            path: path.to_string(),
            type_: Some(type_.to_string()),
        });
        self
    }
    pub fn finalizer(mut self, finalizer: &str) -> Self {
        self.obj
            .metadata
            .finalizers
            .get_or_insert_with(Vec::new)
            .push(finalizer.to_string());
        self
    }
    pub fn build(self) -> PersistentVolume {
        self.obj
    }
}
