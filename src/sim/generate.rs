//! Generates a realistic cluster from a seed and a size, built with
//! `builders` so that every metric family of metrics.md has data somewhere:
//! nodes with GPUs, taints, NotReady/Unknown and NPD conditions, dual-stack
//! CIDRs; deployments with every strategy form, paused, lagging
//! generations, stuck rollouts; pods of every owner kind and phase, with
//! init containers, sidecars, waiting/terminated/OOMKilled states, PVCs,
//! DRA claims, overhead; services of every type.

use crate::kinds::Resource;
use serde::Serialize;

pub(crate) mod admission;
pub(crate) mod config;
pub(crate) mod network;
pub(crate) mod storage;

use super::SimConfig;
use super::builders::{self, ContainerBuilder, PodBuilder};
use super::rng::Rng;
use super::store::Store;

mod workloads;
pub(crate) use workloads::pods_of;

/// Base time of the generated cluster (2026-01-01T00:00:00Z): a fixed
/// instant keeps the whole cluster, timestamps included, a function of the
/// seed. Churn uses the wall clock.
pub(crate) const T0: i64 = 1_767_225_600;
pub(crate) const DAY: i64 = 86_400;

const NAMESPACES: [&str; 8] = [
    "default",
    "kube-system",
    "shop",
    "payments",
    "monitoring",
    "batch",
    "ingress-nginx",
    "data",
];
const TEAMS: [&str; 5] = ["storefront", "payments", "platform", "data", "sre"];
const APPS: [&str; 16] = [
    "web",
    "api",
    "cart",
    "checkout",
    "catalog",
    "search",
    "auth",
    "worker",
    "gateway",
    "ledger",
    "billing",
    "notifier",
    "frontend",
    "recommender",
    "inventory",
    "scheduler",
];

/// Serializes a k8s-openapi object and stores it under its kind (a fresh
/// uid and resourceVersion are assigned when absent).
pub(crate) fn put<T: k8s_openapi::Resource + Serialize>(store: &Store, obj: &T) {
    let Some(kind) = Resource::from_plural(T::URL_PATH_SEGMENT) else {
        tracing::warn!(
            kind = T::KIND,
            "simulator cannot store a kind the registry lacks"
        );
        return;
    };
    let result = serde_json::to_value(obj)
        .map_err(super::store::StoreError::from)
        .and_then(|v| store.upsert(kind, v));
    if let Err(e) = result {
        tracing::warn!(kind = kind.kind(), error = %e, "simulator could not store a generated object");
    }
}

pub(crate) struct NodeRef {
    pub(crate) name: String,
    pub(crate) ip: String,
    pub(crate) dual_stack: bool,
    index: usize,
}

pub(crate) fn populate(store: &Store, config: &SimConfig) {
    if config.nodes == 0 {
        return;
    }
    let mut rng = Rng::new(config.seed);
    let nodes = make_nodes(store, &mut rng, config.nodes);
    let mut g = Gen {
        rng,
        store,
        nodes: &nodes,
        next_node: 0,
        next_ip: 0,
        next_cluster_ip: 2,
    };
    g.services_fixed();
    g.workloads(config.nodes * config.pods_per_node);
    g.pod_controllers();
    super::generate_batch::populate(store, config.seed);
    config::populate(store, config.seed);
    admission::populate(store);
    // Last: derived from every object made before.
    storage::populate(store, config.seed);
    network::populate(store);
}

fn make_nodes(store: &Store, rng: &mut Rng, n: usize) -> Vec<NodeRef> {
    let control_planes = if n >= 10 { 3 } else { 1 };
    let shapes = [
        ("4", "16397312Ki", "3920m", "15246336Ki"),
        ("8", "32Gi", "7910m", "31Gi"),
        ("16", "64Gi", "15890m", "62Gi"),
        ("32", "131906244Ki", "31850m", "129760580Ki"),
    ];
    let mut refs = Vec::with_capacity(n);
    for i in 0..n {
        let cp = i < control_planes;
        let name = if cp {
            format!("control-plane-{}", i + 1)
        } else {
            format!("node-{:04}", i - control_planes + 1)
        };
        let ip = format!("10.0.{}.{}", i / 250, i % 250 + 4);
        let dual_stack = i % 3 == 1;
        let zone = ["a", "b", "c"][i % 3];
        let (cpu, mem, cpu_alloc, mem_alloc) = if cp { shapes[0] } else { *rng.pick(&shapes) };
        let arm = !cp && i % 7 == 3;
        let gpu = !cp && (i % 10 == 5 || (n > 1 && i == n - 1 && n < 10));
        let mut b = builders::node(&name)
            .created(T0 - 90 * DAY + i as i64 * 60)
            .label("kubernetes.io/hostname", &name)
            .label("kubernetes.io/os", "linux")
            .label("kubernetes.io/arch", if arm { "arm64" } else { "amd64" })
            .label("beta.kubernetes.io/os", "linux")
            .label("topology.kubernetes.io/region", "eu-west-1")
            .label("topology.kubernetes.io/zone", &format!("eu-west-1{zone}"))
            .label(
                "node.kubernetes.io/instance-type",
                match cpu {
                    "4" => "m6i.xlarge",
                    "8" => "m6i.2xlarge",
                    "16" => "m6i.4xlarge",
                    _ => "m6i.8xlarge",
                },
            )
            .annotation("node.alpha.kubernetes.io/ttl", "0")
            .annotation(
                "volumes.kubernetes.io/controller-managed-attach-detach",
                "true",
            )
            .annotation(
                "csi.volume.kubernetes.io/nodeid",
                &format!("{{\"ebs.csi.aws.com\":\"i-0{}\"}}", rng.hex(16)),
            )
            .capacity("cpu", cpu)
            .capacity("memory", mem)
            .capacity("pods", "110")
            .capacity("ephemeral-storage", "101430960Ki")
            .capacity("hugepages-1Gi", "0")
            .capacity("hugepages-2Mi", if i % 4 == 2 { "2Gi" } else { "0" })
            .capacity("attachable-volumes-aws-ebs", "25")
            .allocatable("cpu", cpu_alloc)
            .allocatable("memory", mem_alloc)
            .allocatable("pods", "110")
            .allocatable("ephemeral-storage", "93478772582")
            .allocatable("hugepages-1Gi", "0")
            .allocatable("hugepages-2Mi", if i % 4 == 2 { "2Gi" } else { "0" })
            .allocatable("attachable-volumes-aws-ebs", "25")
            .kernel(if arm {
                "6.1.0-28-cloud-arm64"
            } else if i % 2 == 0 {
                "6.1.0-28-cloud-amd64"
            } else {
                "5.15.0-1057-aws"
            })
            .os_image(if i % 2 == 0 {
                "Debian GNU/Linux 12 (bookworm)"
            } else {
                "Ubuntu 22.04.4 LTS"
            })
            .runtime(if i % 5 == 4 {
                "containerd://2.0.2"
            } else {
                "containerd://1.7.22"
            })
            .kubelet(if i % 6 == 5 { "v1.32.3" } else { "v1.33.1" })
            .system_uuid(&rng.uuid())
            .provider_id(&format!("aws:///eu-west-1{zone}/i-0{}", rng.hex(16)))
            .pod_cidr(&format!("10.{}.{}.0/24", 244 + i / 256, i % 256))
            .address("InternalIP", &ip)
            .address("Hostname", &name);
        if dual_stack {
            b = b.pod_cidr(&format!("fd00:10:244:{i:x}::/64"));
            b = b.address("InternalIP", &format!("fd00:10:0::{i:x}"));
        }
        if i % 4 == 0 {
            b = b.address("ExternalIP", &format!("203.0.113.{}", i % 250 + 1));
        }
        if cp {
            b = b
                .role("control-plane")
                .label(
                    "node.kubernetes.io/exclude-from-external-load-balancers",
                    "",
                )
                .taint("node-role.kubernetes.io/control-plane", "", "NoSchedule");
        } else {
            b = b.role("worker");
        }
        if gpu {
            b = b
                .capacity("nvidia.com/gpu", if i % 20 == 5 { "8" } else { "1" })
                .allocatable("nvidia.com/gpu", if i % 20 == 5 { "8" } else { "1" })
                .label("nvidia.com/gpu.present", "true")
                .taint("nvidia.com/gpu", "present", "NoSchedule");
        }
        if !cp && i % 9 == 4 {
            b = b.taint("dedicated", "batch", "PreferNoSchedule");
        }
        // Health: the last node NotReady, the one before Unknown (lost),
        // one with disk pressure; every 50th node flaps too.
        let not_ready = n >= 2 && (i == n - 1 || i % 50 == 37);
        let unknown = n >= 4 && (i == n - 2 || i % 50 == 43);
        let cordoned = n >= 3 && (i == 1 || i % 25 == 12);
        let created = T0 - 90 * DAY + i as i64 * 60;
        let hb = T0 - 30;
        b = if unknown {
            let msg = "Kubelet stopped posting node status.";
            b.condition_full("Ready", "Unknown", "NodeStatusUnknown", msg, T0 - 3600)
                .taint("node.kubernetes.io/unreachable", "", "NoExecute")
                .taint("node.kubernetes.io/unreachable", "", "NoSchedule")
        } else if not_ready {
            b.condition_full(
                "Ready",
                "False",
                "KubeletNotReady",
                "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady",
                T0 - 600,
            )
            .taint("node.kubernetes.io/not-ready", "", "NoExecute")
        } else {
            b.condition_full(
                "Ready",
                "True",
                "KubeletReady",
                "kubelet is posting ready status",
                created,
            )
        };
        let disk = n >= 5 && i == n - 3;
        let (mem_s, disk_s, pid_s) = if unknown {
            ("Unknown", "Unknown", "Unknown")
        } else {
            ("False", if disk { "True" } else { "False" }, "False")
        };
        b = b
            .condition_full(
                "MemoryPressure",
                mem_s,
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
                hb,
            )
            .condition_full(
                "DiskPressure",
                disk_s,
                if disk {
                    "KubeletHasDiskPressure"
                } else {
                    "KubeletHasNoDiskPressure"
                },
                if disk {
                    "kubelet has disk pressure"
                } else {
                    "kubelet has no disk pressure"
                },
                hb,
            )
            .condition_full(
                "PIDPressure",
                pid_s,
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
                hb,
            )
            .condition_full(
                "NetworkUnavailable",
                "False",
                "RouteCreated",
                "RouteController created a route",
                created,
            );
        if i == 0 || i % 40 == 8 {
            // A node-problem-detector condition.
            let deadlock = i % 80 == 48;
            b = b.condition_full(
                "KernelDeadlock",
                if deadlock { "True" } else { "False" },
                if deadlock {
                    "DockerHung"
                } else {
                    "KernelHasNoDeadlock"
                },
                if deadlock {
                    "task docker:7 blocked for more than 120 seconds."
                } else {
                    "kernel has no deadlock"
                },
                hb,
            );
        }
        if i % 40 == 8 {
            // An NPD condition without reason or message.
            b = b.condition("FrequentContainerdRestart", "False");
        }
        if cordoned {
            b = b
                .unschedulable(true)
                .taint("node.kubernetes.io/unschedulable", "", "NoSchedule");
        }
        if i == 2 && n > 3 {
            b = b.deleted(T0 - 120);
        }
        put(store, &b.build());
        refs.push(NodeRef {
            name,
            ip,
            dual_stack,
            index: i,
        });
    }
    refs
}

/// What kind of workload a pod belongs to; decides owner, policy, states.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    None,
}

struct Workload {
    ns: &'static str,
    app: String,
    team: &'static str,
    owner: Owner,
    /// ownerReference (kind, name, uid); ReplicaSet for deployments.
    owner_ref: Option<(&'static str, String, String)>,
    hash: Option<String>,
    image: String,
    /// 0 BestEffort, 1 Burstable, 2 Guaranteed.
    qos: u8,
    containers: usize,
    sidecar: bool,
}

struct Gen<'a> {
    rng: Rng,
    store: &'a Store,
    nodes: &'a [NodeRef],
    next_node: usize,
    next_ip: u32,
    next_cluster_ip: u32,
}

/// Pod state variants, chosen per pod.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Running,
    Restarted,
    CrashLoop,
    ImagePull,
    Creating,
    Unschedulable,
    Evicted,
    Succeeded,
    Failed,
    Terminating,
    EmptyPhase,
}

impl Gen<'_> {
    fn node(&mut self, workers_only: bool) -> &NodeRef {
        let n = self.nodes.len();
        let first_worker = if n >= 10 { 3 } else { 0 };
        let i = if workers_only && n > first_worker {
            first_worker + self.next_node % (n - first_worker)
        } else {
            self.next_node % n
        };
        self.next_node += 1;
        &self.nodes[i]
    }

    fn cluster_ip(&mut self) -> String {
        let n = self.next_cluster_ip;
        self.next_cluster_ip += 1;
        format!("10.96.{}.{}", n / 250, n % 250 + 1)
    }

    fn services_fixed(&mut self) {
        let s = builders::service("kubernetes")
            .in_ns("default")
            .created(T0 - 90 * DAY)
            .label("component", "apiserver")
            .label("provider", "kubernetes")
            .cluster_ip("10.96.0.1")
            .port("https", 443, 6443, None)
            .build();
        put(self.store, &s);
        let s = builders::service("kube-dns")
            .in_ns("kube-system")
            .created(T0 - 90 * DAY)
            .label("k8s-app", "kube-dns")
            .annotation("prometheus.io/scrape", "true")
            .cluster_ip("10.96.0.10")
            .port("dns", 53, 53, None)
            .port("metrics", 9153, 9153, None)
            .selector("k8s-app", "kube-dns")
            .build();
        put(self.store, &s);
        let s = builders::service("ingress-nginx-controller")
            .in_ns("ingress-nginx")
            .created(T0 - 80 * DAY)
            .type_("LoadBalancer")
            .cluster_ip("10.96.0.20")
            .load_balancer_ip("198.51.100.10")
            .external_traffic_policy("Local")
            .port("http", 80, 80, Some(30080))
            .port("https", 443, 443, Some(30443))
            .selector("app", "ingress-nginx")
            .ingress_ip("198.51.100.10")
            .ingress_hostname("a1b2c3d4e5-1234567890.eu-west-1.elb.amazonaws.com")
            .annotation("service.beta.kubernetes.io/aws-load-balancer-type", "nlb")
            .build();
        put(self.store, &s);
        // Being deleted (finalizer pending).
        let s = builders::service("legacy-db")
            .in_ns("data")
            .created(T0 - 60 * DAY)
            .deleted(T0 - 60)
            .type_("ExternalName")
            .external_name("db.legacy.example.com")
            .build();
        put(self.store, &s);
        let s = builders::service("edge-proxy")
            .in_ns("shop")
            .created(T0 - 30 * DAY)
            .cluster_ip("10.96.0.30")
            .external_ip("192.0.2.10")
            .external_ip("192.0.2.11")
            .port("http", 80, 8080, None)
            .selector("app", "edge-proxy")
            .build();
        put(self.store, &s);
    }

    /// A service in front of a deployment; the type varies.
    fn service_for(&mut self, w: &Workload, created: i64) {
        let roll = self.rng.below(100);
        let mut b = builders::service(&w.app)
            .in_ns(w.ns)
            .created(created)
            .label("app", &w.app)
            .label("team", w.team)
            .selector("app", &w.app);
        b = match roll {
            0..=64 => {
                let ip = self.cluster_ip();
                b.cluster_ip(&ip).port("http", 80, 8080, None)
            }
            65..=76 => b.cluster_ip("None").port("http", 8080, 8080, None),
            77..=88 => {
                let ip = self.cluster_ip();
                let np = 30000 + self.rng.below(2767) as i32;
                b.type_("NodePort")
                    .cluster_ip(&ip)
                    .external_traffic_policy("Cluster")
                    .port("http", 80, 8080, Some(np))
            }
            89..=96 => {
                let ip = self.cluster_ip();
                let np = 30000 + self.rng.below(2767) as i32;
                let lb = format!("198.51.100.{}", 20 + self.rng.below(200));
                let local = self.rng.chance(50);
                let b = b
                    .type_("LoadBalancer")
                    .cluster_ip(&ip)
                    .external_traffic_policy(if local { "Local" } else { "Cluster" })
                    .port("http", 80, 8080, Some(np));
                if self.rng.chance(50) {
                    b.ingress_ip(&lb)
                } else {
                    b.ingress_hostname(&format!("{}-{}.elb.example.com", w.app, self.rng.hex(8)))
                }
            }
            _ => b
                .type_("ExternalName")
                .external_name(&format!("{}.{}.svc.example.com", w.app, w.ns)),
        };
        if self.rng.chance(5) {
            b = b.external_ip(&format!("192.0.2.{}", 20 + self.rng.below(200)));
        }
        put(self.store, &b.build());
    }

    /// Spends the pod budget on workloads: DaemonSets (one pod per node),
    /// StatefulSets, Jobs, a few special standalone pods, then Deployments.
    fn workloads(&mut self, budget: usize) {
        let mut left = budget;
        let n_nodes = self.nodes.len();
        // DaemonSets only when nodes have room for more than them.
        if budget >= n_nodes * 6 {
            for (ns, app) in [
                ("kube-system", "kube-proxy"),
                ("monitoring", "node-exporter"),
            ] {
                let w = self.workload(ns, app, Owner::DaemonSet);
                for i in 0..n_nodes {
                    let node = &self.nodes[i];
                    let name = format!("{app}-{}", self.rng.suffix(5));
                    let pod = self.pod(&w, &name, Some(node), Variant::Running);
                    put(self.store, &pod);
                }
                left -= n_nodes;
            }
        }
        // The special pods come first so even a tiny cluster has each one.
        left = left.saturating_sub(self.special_pods());
        left = left.saturating_sub(self.bare_controller_pods());
        let stateful = (budget * 3 / 100).max(usize::from(budget >= 20) * 3);
        let mut made = 0;
        let sets = [
            ("data", "postgres"),
            ("data", "kafka"),
            ("monitoring", "prometheus"),
        ];
        for (i, (ns, app)) in sets.iter().cycle().enumerate() {
            if made >= stateful || left == 0 {
                break;
            }
            // Later rounds get numbered names so pod names stay unique.
            let app = match i / sets.len() {
                0 => app.to_string(),
                round => format!("{app}-{round}"),
            };
            let w = self.workload(ns, &app, Owner::StatefulSet);
            let replicas = 3.min(left);
            for r in 0..replicas {
                let name = format!(
                    "{}-{r}",
                    w.owner_ref.as_ref().map_or("sts", |o| o.1.as_str())
                );
                let variant = if r == 2 && made == 0 {
                    Variant::CrashLoop
                } else {
                    Variant::Running
                };
                let pod = self.pod_on_next(&w, &name, variant);
                put(self.store, &pod);
            }
            made += replicas;
            left -= replicas;
        }
        let jobs = budget * 3 / 100;
        for j in 0..jobs.min(left) {
            let app = if j % 2 == 0 { "report" } else { "etl" };
            let w = self.workload("batch", app, Owner::Job);
            let name = format!(
                "{}-{}",
                w.owner_ref.as_ref().map_or(app, |o| o.1.as_str()),
                self.rng.suffix(5)
            );
            let variant = match j % 10 {
                0..=6 => Variant::Succeeded,
                7 => Variant::Failed,
                _ => Variant::Running,
            };
            let pod = self.pod_on_next(&w, &name, variant);
            put(self.store, &pod);
            left -= 1;
        }
        let mut d = 0usize;
        while left > 0 {
            let ns = NAMESPACES[2 + (d % (NAMESPACES.len() - 2))];
            let base = APPS[d % APPS.len()];
            let app = if d < APPS.len() {
                base.to_string()
            } else {
                format!("{base}-{}", d / APPS.len())
            };
            let replicas = (*self.rng.pick(&[1usize, 2, 3, 3, 3, 4, 5])).min(left);
            self.deployment(ns, &app, replicas, d);
            left -= replicas;
            d += 1;
        }
    }

    fn workload(&mut self, ns: &'static str, app: &str, owner: Owner) -> Workload {
        let hash = (owner == Owner::Deployment).then(|| self.rng.suffix(10));
        let owner_ref = match owner {
            Owner::Deployment => Some((
                "ReplicaSet",
                format!("{app}-{}", hash.as_deref().unwrap_or_default()),
                self.rng.uuid(),
            )),
            Owner::StatefulSet => Some(("StatefulSet", app.to_string(), self.rng.uuid())),
            Owner::DaemonSet => Some(("DaemonSet", app.to_string(), self.rng.uuid())),
            Owner::Job => Some((
                "Job",
                format!("{app}-{}", 29_000_000 + self.rng.below(99_999)),
                self.rng.uuid(),
            )),
            Owner::None => None,
        };
        let version = format!(
            "{}.{}.{}",
            1 + self.rng.below(3),
            self.rng.below(20),
            self.rng.below(10)
        );
        let image = match app.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-') {
            "kube-proxy" => "registry.k8s.io/kube-proxy:v1.33.1".to_string(),
            "node-exporter" => "quay.io/prometheus/node-exporter:v1.9.1".to_string(),
            "postgres" => "docker.io/library/postgres:16.4".to_string(),
            "kafka" => "docker.io/bitnami/kafka:3.8.0".to_string(),
            "prometheus" => "quay.io/prometheus/prometheus:v3.4.0".to_string(),
            _ => format!("registry.example.com/{}/{app}:{version}", ns),
        };
        Workload {
            ns,
            app: app.to_string(),
            team: TEAMS[self.rng.below(TEAMS.len())],
            owner,
            owner_ref,
            hash,
            image,
            qos: match self.rng.below(10) {
                0 => 0,
                1..=2 => 2,
                _ => 1,
            },
            containers: match self.rng.below(10) {
                0..=6 => 1,
                7..=8 => 2,
                _ => 3,
            },
            sidecar: owner == Owner::Deployment && self.rng.chance(10),
        }
    }

    fn pod_on_next(
        &mut self,
        w: &Workload,
        name: &str,
        variant: Variant,
    ) -> k8s_openapi::api::core::v1::Pod {
        let idx = self.node(true).index;
        let nodes = self.nodes;
        self.pod(w, name, Some(&nodes[idx]), variant)
    }

    fn deployment(&mut self, ns: &'static str, app: &str, pods: usize, d: usize) {
        let w = self.workload(ns, app, Owner::Deployment);
        let created = T0 - (1 + self.rng.below(200) as i64) * DAY / 2;
        let roll = self.rng.below(100);
        // Health of the rollout decides the pods' variants and the status.
        let stuck = roll < 3 || d == 1;
        let rolling = !stuck && (roll < 11 || d == 2);
        let replicas = pods as i32;
        let rs = w.owner_ref.as_ref().map_or(String::new(), |o| o.1.clone());
        let mut generation = 1 + self.rng.below(12) as i64;
        let lagging = self.rng.chance(5) || d == 3;
        let observed = if lagging { generation - 1 } else { generation };
        if observed < 1 {
            generation = 2;
        }
        let mut b = builders::deployment(app)
            .in_ns(ns)
            .created(created)
            .generation(generation)
            .observed_generation(observed.max(1))
            .replicas(replicas)
            .image(&w.image)
            .label("app", app)
            .label("team", w.team)
            .label("app.kubernetes.io/managed-by", "Helm")
            .annotation("deployment.kubernetes.io/revision", &generation.to_string())
            .annotation("meta.helm.sh/release-name", app);
        b = match self.rng.below(10) {
            0..=5 => b.rolling_update("25%", "25%"),
            6 => b.rolling_update("1", "0"),
            7 => b.rolling_update("50%", "1"),
            _ => b.recreate(),
        };
        if self.rng.chance(5) || d == 4 {
            b = b.paused(true);
        }
        if d == 5 || self.rng.chance(1) {
            b = b.owner("Rollout", app, &self.rng.uuid(), true);
        }
        if d == 6 {
            b = b.no_replicas();
        }
        if d == 7 {
            b = b.deleted(T0 - 30);
        }
        let available_msg = "Deployment has minimum availability.";
        let progressed = format!("ReplicaSet \"{rs}\" has successfully progressed.");
        b = if stuck {
            b.status_replicas(replicas)
                .ready(0)
                .available(0)
                .unavailable(replicas)
                .updated(replicas)
                .condition(
                    "Available",
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                    created + 60,
                )
                .condition(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    &format!("ReplicaSet \"{rs}\" has timed out progressing."),
                    created + 660,
                )
        } else if rolling {
            let behind = 1.min(replicas);
            b.status_replicas(replicas + 1)
                .ready(replicas - behind)
                .available(replicas - behind)
                .unavailable(behind)
                .updated(replicas - behind)
                .terminating(1)
                .condition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    available_msg,
                    created + 60,
                )
                .condition(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    &format!("ReplicaSet \"{rs}\" is progressing."),
                    T0 - 120,
                )
        } else {
            b.status_replicas(replicas)
                .ready(replicas)
                .available(replicas)
                .updated(replicas)
                .condition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    available_msg,
                    created + 60,
                )
                .condition(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &progressed,
                    created + 30,
                )
        };
        put(self.store, &b.build());
        if !matches!(self.rng.below(20), 0) || d == 0 {
            self.service_for(&w, created);
        }
        for r in 0..pods {
            let variant = if stuck {
                if r % 2 == 0 {
                    Variant::CrashLoop
                } else {
                    Variant::ImagePull
                }
            } else if rolling && r == 0 {
                Variant::Creating
            } else {
                match self.rng.below(200) {
                    0..=3 => Variant::CrashLoop,
                    4..=5 => Variant::Unschedulable,
                    6 => Variant::Evicted,
                    7..=30 => Variant::Restarted,
                    _ => Variant::Running,
                }
            };
            let name = format!("{rs}-{}", self.rng.suffix(5));
            let pod = if variant == Variant::Unschedulable {
                self.pod(&w, &name, None, variant)
            } else {
                self.pod_on_next(&w, &name, variant)
            };
            put(self.store, &pod);
        }
    }

    /// One of each rare case, in namespace `default`. Returns how many.
    fn special_pods(&mut self) -> usize {
        let mut w = self.workload("default", "standalone", Owner::None);
        w.qos = 1;
        w.containers = 1;
        let cases = [
            ("debug-shell", Variant::Running),
            ("empty-phase", Variant::EmptyPhase),
            ("terminating", Variant::Terminating),
            ("unschedulable-gpu", Variant::Unschedulable),
            ("evicted", Variant::Evicted),
            ("oom-loop", Variant::CrashLoop),
        ];
        for (name, variant) in cases {
            let pod = if variant == Variant::Unschedulable {
                self.pod(&w, name, None, variant)
            } else {
                self.pod_on_next(&w, name, variant)
            };
            put(self.store, &pod);
        }
        // Two owners: a pod adopted by a custom controller as well.
        let dual = self.workload("default", "dual-owner", Owner::Job);
        let idx = self.node(true).index;
        let nodes = self.nodes;
        let base = self.pod_builder(&dual, "dual-owner", Some(&nodes[idx]), Variant::Running);
        let pod = base
            .owner("Workflow", "nightly", &self.rng.uuid(), false)
            .build();
        put(self.store, &pod);
        // GPU training pod with a DRA claim, runtime class and overhead.
        let ml = self.workload("batch", "trainer", Owner::Job);
        let idx = self.node(true).index;
        let base = self.pod_builder(&ml, "trainer-gpu", Some(&nodes[idx]), Variant::Running);
        let pod = base
            .resource_claim("gpu", Some("trainer-gpu-claim"), None)
            .resource_claim("scratch", None, Some("scratch-template"))
            .runtime_class("nvidia")
            .overhead("cpu", "250m")
            .overhead("memory", "120Mi")
            .build();
        put(self.store, &pod);
        cases.len() + 2 + self.static_pods()
    }

    /// The control plane's static pods, as a kubelet mirrors them: in
    /// kube-system, named after their node and owned by it. Returns how many.
    fn static_pods(&mut self) -> usize {
        let nodes = self.nodes;
        let mut count = 0;
        for node in nodes
            .iter()
            .filter(|n| n.name.starts_with("control-plane-"))
        {
            for component in [
                "etcd",
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
            ] {
                let mut w = self.workload("kube-system", component, Owner::None);
                w.containers = 1;
                let name = format!("{component}-{}", node.name);
                let uid = self.rng.uuid();
                let pod = self
                    .pod_builder(&w, &name, Some(node), Variant::Running)
                    .owner("Node", &node.name, &uid, true)
                    .build();
                put(self.store, &pod);
                count += 1;
            }
        }
        count
    }

    fn pod(
        &mut self,
        w: &Workload,
        name: &str,
        node: Option<&NodeRef>,
        variant: Variant,
    ) -> k8s_openapi::api::core::v1::Pod {
        self.pod_builder(w, name, node, variant).build()
    }

    fn pod_builder(
        &mut self,
        w: &Workload,
        name: &str,
        node: Option<&NodeRef>,
        variant: Variant,
    ) -> PodBuilder {
        let rng = &mut self.rng;
        let created = T0 - (1 + rng.below(40) as i64) * 3600;
        let scheduled = created + 1 + rng.below(5) as i64;
        let started = scheduled + 2 + rng.below(20) as i64;
        let mut b = builders::pod(name)
            .in_ns(w.ns)
            .created(created)
            .label("app", &w.app)
            .label("team", w.team)
            .annotation("kubectl.kubernetes.io/default-container", &w.app);
        if let Some((kind, owner, uid)) = &w.owner_ref {
            b = b.owner(kind, owner, uid, true);
            if kind == &"ReplicaSet" {
                b = b.generate_name(&format!("{owner}-"));
            }
        }
        if let Some(h) = &w.hash {
            b = b.label("pod-template-hash", h);
        }
        if w.owner == Owner::StatefulSet {
            b = b
                .label("statefulset.kubernetes.io/pod-name", name)
                .pvc_volume("data", &format!("data-{name}"), false)
                .pvc_volume("config", &format!("config-{}", w.app), true)
                .init_container("init-permissions", |c| {
                    let c = c.image("docker.io/library/busybox:1.36").requests("cpu", "10m");
                    let c = c.image_id("docker.io/library/busybox@sha256:7c3c3cea5d4d6133d6a694d23382f6a7b32652f23855abdba3eb039ca5995447")
                        .container_id("containerd://0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
                    match variant {
                        // Not started yet: the kubelet holds init containers too.
                        Variant::Creating | Variant::Unschedulable | Variant::EmptyPhase => {
                            c.waiting("PodInitializing", "")
                        }
                        _ => c.terminated("Completed", 0, started - 5, started - 3).ready(true),
                    }
                });
        }
        if w.owner == Owner::DaemonSet {
            b = b
                .host_network(true)
                .priority_class("system-node-critical", 2_000_001_000)
                .toleration("", "Exists", "", "", None)
                .toleration("CriticalAddonsOnly", "Exists", "", "", None)
                .service_account(&w.app);
        } else {
            b = b
                .toleration(
                    "node.kubernetes.io/not-ready",
                    "Exists",
                    "",
                    "NoExecute",
                    Some(300),
                )
                .toleration(
                    "node.kubernetes.io/unreachable",
                    "Exists",
                    "",
                    "NoExecute",
                    Some(300),
                );
        }
        if w.ns == "payments" {
            b = b.priority_class("high-priority", 1_000_000);
        }
        if w.owner == Owner::Job {
            b = b
                .restart_policy(if w.app == "etl" { "OnFailure" } else { "Never" })
                .toleration("dedicated", "Equal", "batch", "PreferNoSchedule", None)
                .node_selector("kubernetes.io/os", "linux")
                .ephemeral_volume("scratch", "10Gi")
                .service_account("batch-runner");
        }
        if w.ns == "data" && w.owner == Owner::Deployment {
            b = b
                .scheduler("custom-scheduler")
                .node_selector("disktype", "ssd");
        }
        if w.sidecar {
            b = b.init_container("istio-proxy", |c| {
                let c = c
                    .image("docker.io/istio/proxyv2:1.26.0")
                    .restart_policy("Always")
                    .requests("cpu", "100m")
                    .requests("memory", "128Mi")
                    .limits("memory", "1Gi")
                    .image_id("docker.io/istio/proxyv2@sha256:1f3b5c7d9e0a2b4c6d8e0f1a3b5c7d9e0a2b4c6d8e0f1a3b5c7d9e0a2b4c6d8e")
                    .container_id("containerd://5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f")
                    .running(started - 2)
                    .ready(true);
                // A restarted pod's sidecar crashed once too.
                match variant {
                    Variant::Restarted | Variant::CrashLoop => c
                        .restarts(1)
                        .last_terminated("Error", 1, started - 120, started - 3),
                    Variant::Creating => c.waiting("PodInitializing", "").ready(false),
                    _ => c,
                }
            });
        }
        // Scheduling and IPs.
        match node {
            Some(node) => {
                b = b
                    .node(&node.name)
                    .host_ip(&node.ip)
                    .start_time(scheduled + 1);
                if w.owner == Owner::DaemonSet {
                    b = b.pod_ip(&node.ip);
                } else {
                    let n = self.next_ip;
                    self.next_ip += 1;
                    b = b.pod_ip(&format!(
                        "10.{}.{}.{}",
                        244 + node.index / 256,
                        node.index % 256,
                        n % 250 + 2
                    ));
                    if node.dual_stack {
                        b = b.pod_ip(&format!(
                            "fd00:10:244:{:x}::{:x}",
                            node.index,
                            n % 65000 + 2
                        ));
                    }
                }
                b = b.condition("PodScheduled", "True", scheduled);
            }
            None => {
                b = b.condition_reason("PodScheduled", "False", "Unschedulable", scheduled);
            }
        }
        let rng = &mut self.rng;
        let (phase, ready) = match variant {
            Variant::Running | Variant::Restarted | Variant::Terminating => ("Running", true),
            Variant::CrashLoop => ("Running", false),
            Variant::ImagePull | Variant::Creating | Variant::Unschedulable => ("Pending", false),
            Variant::Evicted | Variant::Failed => ("Failed", false),
            Variant::Succeeded => ("Succeeded", false),
            Variant::EmptyPhase => ("", false),
        };
        if !phase.is_empty() {
            b = b.phase(phase);
        }
        if node.is_some() && variant != Variant::EmptyPhase {
            let t = started + 3;
            let st = if ready { "True" } else { "False" };
            let done = matches!(
                variant,
                Variant::Succeeded | Variant::Failed | Variant::Evicted
            );
            b = b
                .condition("Initialized", "True", started - 1)
                .condition_reason(
                    "Ready",
                    st,
                    if ready || done {
                        ""
                    } else {
                        "ContainersNotReady"
                    },
                    t,
                )
                .condition_reason(
                    "ContainersReady",
                    st,
                    if ready || done {
                        ""
                    } else {
                        "ContainersNotReady"
                    },
                    t,
                );
        }
        if variant == Variant::Evicted {
            b = b
                .reason("Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91204Ki.")
                .condition_reason("DisruptionTarget", "True", "TerminationByKubelet", started + 100);
        }
        if variant == Variant::Terminating {
            b = b.deleted(T0 + 30);
        }
        let qos = match w.qos {
            0 => "BestEffort",
            2 => "Guaranteed",
            _ => "Burstable",
        };
        b = b.qos(qos);
        // Containers.
        for ci in 0..w.containers {
            let (cname, image) = match ci {
                0 => (w.app.clone(), w.image.clone()),
                1 => (
                    "log-shipper".to_string(),
                    "docker.io/fluent/fluent-bit:3.2.4".to_string(),
                ),
                _ => (
                    "metrics-agent".to_string(),
                    "docker.io/otel/opentelemetry-collector:0.120.0".to_string(),
                ),
            };
            let digest = rng.hex(64);
            let cid = rng.hex(64);
            let restarts = match variant {
                Variant::Restarted if ci == 0 => 1 + rng.below(6) as i32,
                Variant::CrashLoop if ci == 0 => 5 + rng.below(40) as i32,
                _ => 0,
            };
            let oom = rng.chance(40);
            let cpu = *rng.pick(&["50m", "100m", "250m", "500m", "1", "2"]);
            let mem = *rng.pick(&["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"]);
            let ephemeral = rng.chance(10);
            let gpu = w.app == "trainer" && ci == 0;
            let terminated_at = started + 600 + rng.below(3000) as i64;
            let no_status = matches!(variant, Variant::Unschedulable | Variant::EmptyPhase);
            let qos_level = w.qos;
            b = b.container(&cname, |c: ContainerBuilder| {
                let mut c = c.image(&image);
                if no_status {
                    c = c.no_status();
                }
                c = match qos_level {
                    0 => c,
                    2 => c
                        .requests("cpu", cpu)
                        .limits("cpu", cpu)
                        .requests("memory", mem)
                        .limits("memory", mem),
                    _ => c
                        .requests("cpu", cpu)
                        .requests("memory", mem)
                        .limits("memory", mem),
                };
                if ephemeral && qos_level != 0 {
                    c = c
                        .requests("ephemeral-storage", "1Gi")
                        .limits("ephemeral-storage", "2Gi");
                }
                if gpu {
                    c = c
                        .requests("nvidia.com/gpu", "1")
                        .limits("nvidia.com/gpu", "1");
                }
                if name == "debug-shell" || (cname == "metrics-agent" && qos_level == 1) {
                    c = c
                        .requests("hugepages-2Mi", "64Mi")
                        .limits("hugepages-2Mi", "64Mi");
                }
                let repo = image.split(':').next().unwrap_or(&image);
                c = c
                    .image_id(&format!("{repo}@sha256:{digest}"))
                    .container_id(&format!("containerd://{cid}"))
                    .restarts(restarts);
                c = match variant {
                    Variant::Running | Variant::Terminating => c.running(started).ready(true),
                    Variant::Restarted => {
                        let c = c.running(started + 900).ready(true);
                        if ci == 0 {
                            if oom {
                                c.last_terminated("OOMKilled", 137, started, started + 890)
                            } else {
                                c.last_terminated("Error", 1, started, started + 890)
                            }
                        } else {
                            c
                        }
                    }
                    Variant::CrashLoop if ci == 0 => c
                        .waiting(
                            "CrashLoopBackOff",
                            &format!(
                                "back-off 5m0s restarting failed container={cname} pod={name}"
                            ),
                        )
                        .last_terminated(
                            if oom || name == "oom-loop" {
                                "OOMKilled"
                            } else {
                                "Error"
                            },
                            if oom || name == "oom-loop" { 137 } else { 1 },
                            T0 - 400,
                            T0 - 300,
                        ),
                    Variant::CrashLoop => c.running(started).ready(true),
                    Variant::ImagePull => c.waiting(
                        "ImagePullBackOff",
                        &format!("Back-off pulling image \"{image}\""),
                    ),
                    Variant::Creating | Variant::Unschedulable | Variant::EmptyPhase => {
                        c.waiting("ContainerCreating", "")
                    }
                    Variant::Succeeded => c.terminated("Completed", 0, started, terminated_at),
                    Variant::Failed => c.terminated("Error", 2, started, terminated_at),
                    Variant::Evicted => c.terminated("OOMKilled", 137, started, terminated_at),
                };
                c
            });
        }
        b
    }
}
