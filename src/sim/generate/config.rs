//! Configuration and access control, as a cluster has them beside its
//! workloads: in every namespace the `default` ServiceAccount and the
//! `kube-root-ca.crt` ConfigMap; image pull, TLS, application, Helm and
//! bootstrap Secrets; a Lease per node (renewing while its node is Ready),
//! the control plane's leader-election and API server identity leases, and
//! one controller's lease that stopped being renewed; default limits;
//! certificate signing requests pending, approved and issued, denied and
//! failed; the bootstrap ClusterRoles and bindings and a few namespaced
//! Roles.
//!
//! Runs after the workloads and nodes exist (it reads which namespaces are
//! in use and which nodes are Ready; the storage generator after it makes
//! the Namespace objects of every namespace used) and draws from its own random stream,
//! so the objects made before it do not change.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Node;

use crate::kinds::Resource;

use super::super::builders::{self, Constraint};
use super::super::rng::Rng;
use super::super::store::{Store, key_namespace};
use super::storage::{SYSTEM_NAMESPACES, TERMINATING_NAMESPACE};
use super::{DAY, T0, put};

/// The controller whose leader-election lease stopped being renewed: its
/// Deployment was scaled to zero three days ago.
pub(crate) const STOPPED_LEASE: (&str, &str) = ("ingress-nginx", "ingress-nginx-leader");
/// Leases the control plane's components renew.
pub(crate) const CONTROL_PLANE_LEASES: [&str; 2] = ["kube-controller-manager", "kube-scheduler"];
/// How long a kubelet's node lease lasts; it renews every quarter of that.
const NODE_LEASE_SECONDS: i32 = 40;
/// The status ConfigMap the cluster autoscaler rewrites as it runs.
pub(crate) const AUTOSCALER_STATUS: (&str, &str) = ("kube-system", "cluster-autoscaler-status");
/// The namespaces whose workloads pull from the private registry.
const PULLING_NAMESPACES: [&str; 3] = ["shop", "payments", "batch"];
const CSR_SIGNER_KUBELET: &str = "kubernetes.io/kube-apiserver-client-kubelet";

pub(crate) fn populate(store: &Store, seed: u64) {
    let mut rng = Rng::new(seed.rotate_left(41) ^ 0x00C0_4F16);
    let namespaces = namespaces(store);
    for ns in &namespaces {
        per_namespace(store, &mut rng, ns);
    }
    // The namespace being deleted: its account waits for a vault
    // integration's finalizer to revoke the account's role.
    let leaving = builders::service_account("vault-auth")
        .in_ns(TERMINATING_NAMESPACE)
        .created(T0 - 200 * DAY)
        .deleted(T0 - 3600)
        .finalizer("vault.example.com/revoke-role")
        .build();
    put(store, &leaving);
    secrets(store, &mut rng, &namespaces);
    config_maps(store, &namespaces);
    leases(store, &mut rng);
    limit_ranges(store, &namespaces);
    certificate_signing_requests(store, &mut rng);
    rbac(store, &namespaces);
}

/// The namespaces objects live in, and the ones every cluster has.
fn namespaces(store: &Store) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = SYSTEM_NAMESPACES.iter().map(|n| n.to_string()).collect();
    for kind in Resource::ALL.iter().filter(|k| k.namespaced()) {
        for key in store.objects(*kind).keys() {
            names.insert(key_namespace(*kind, key).to_string());
        }
    }
    names
}

/// What the API server's controllers make in every namespace: the
/// `default` ServiceAccount and the cluster's CA bundle.
fn per_namespace(store: &Store, rng: &mut Rng, ns: &str) {
    let created = T0 - 80 * DAY;
    let mut default = builders::service_account("default")
        .in_ns(ns)
        .uid(&rng.uuid())
        .created(created);
    if PULLING_NAMESPACES.contains(&ns) {
        default = default.image_pull_secret("regcred");
    }
    // Hardened: pods of this namespace mount a token only when asked.
    if ns == "payments" {
        default = default.automount(false);
    }
    put(store, &default.build());
    let ca = builders::config_map("kube-root-ca.crt")
        .in_ns(ns)
        .created(created)
        .annotation(
            "kubernetes.io/description",
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
        )
        .data("ca.crt", &pem("CERTIFICATE", rng))
        .build();
    put(store, &ca);
}

/// A PEM block of random base64 (the simulator signs nothing).
fn pem(label: &str, rng: &mut Rng) -> String {
    format!(
        "-----BEGIN {label}-----\nMIIC{}\n-----END {label}-----\n",
        rng.hex(60)
    )
}

fn secrets(store: &Store, rng: &mut Rng, namespaces: &BTreeSet<String>) {
    for ns in PULLING_NAMESPACES
        .iter()
        .filter(|ns| namespaces.contains(**ns))
    {
        let auth = format!(
            "{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{}\"}}}}}}",
            rng.hex(40)
        );
        // Made with `kubectl apply`, which keeps the data it applied in an
        // annotation.
        let applied = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "regcred", "namespace": ns},
            "type": "kubernetes.io/dockerconfigjson",
            "stringData": {".dockerconfigjson": auth},
        });
        let s = builders::secret("regcred", "kubernetes.io/dockerconfigjson")
            .in_ns(ns)
            .created(T0 - 75 * DAY)
            .annotation(
                "kubectl.kubernetes.io/last-applied-configuration",
                &format!("{applied}\n"),
            )
            .data(".dockerconfigjson", auth.as_bytes())
            .build();
        put(store, &s);
    }
    // TLS for the ingress controller's admission webhook and the shop's
    // site (issued by cert-manager, which labels what it makes).
    for (ns, name) in [
        ("ingress-nginx", "ingress-nginx-admission"),
        ("shop", "shop-example-com-tls"),
    ] {
        if !namespaces.contains(ns) {
            continue;
        }
        let mut s = builders::secret(name, "kubernetes.io/tls")
            .in_ns(ns)
            .created(T0 - 60 * DAY)
            .data("tls.crt", pem("CERTIFICATE", rng).as_bytes())
            .data("tls.key", pem("PRIVATE KEY", rng).as_bytes());
        if ns == "shop" {
            s = s
                .label("controller.cert-manager.io/fao", "true")
                .annotation("cert-manager.io/certificate-name", "shop-example-com")
                .annotation("cert-manager.io/issuer-name", "letsencrypt-prod");
        }
        put(store, &s.build());
    }
    // Database credentials synced from a vault by external-secrets, which
    // owns the Secret it writes.
    for ns in ["payments", "data"]
        .iter()
        .filter(|ns| namespaces.contains(**ns))
    {
        let s = builders::secret("db-credentials", "Opaque")
            .in_ns(ns)
            .created(T0 - 50 * DAY)
            .label("app.kubernetes.io/managed-by", "external-secrets")
            .owned_by(
                "external-secrets.io/v1beta1",
                "ExternalSecret",
                "db-credentials",
                &rng.uuid(),
            )
            .data("username", format!("{ns}_app").as_bytes())
            .data("password", rng.hex(32).as_bytes())
            .build();
        put(store, &s);
    }
    // A Helm release's state, kept by Helm as a Secret per revision.
    if namespaces.contains("monitoring") {
        for revision in 1..=3 {
            let s = builders::secret(
                &format!("sh.helm.release.v1.kube-prometheus-stack.v{revision}"),
                "helm.sh/release.v1",
            )
            .in_ns("monitoring")
            .created(T0 - (40 - revision * 10) * DAY)
            .label("owner", "helm")
            .label("name", "kube-prometheus-stack")
            .label(
                "status",
                if revision == 3 {
                    "deployed"
                } else {
                    "superseded"
                },
            )
            .label("version", &revision.to_string())
            .data("release", rng.hex(120).as_bytes())
            .build();
            put(store, &s);
        }
    }
    // A CI robot still on a long-lived token Secret (before 1.24 every
    // account had one; now made by hand), and a node bootstrap token.
    let sa_uid = rng.uuid();
    let account = builders::service_account("legacy-ci")
        .in_ns("kube-system")
        .uid(&sa_uid)
        .created(T0 - 300 * DAY)
        .secret("legacy-ci-token")
        .build();
    put(store, &account);
    let token = builders::secret("legacy-ci-token", "kubernetes.io/service-account-token")
        .in_ns("kube-system")
        .created(T0 - 300 * DAY)
        .annotation("kubernetes.io/service-account.name", "legacy-ci")
        .annotation("kubernetes.io/service-account.uid", &sa_uid)
        .data(
            "token",
            format!("eyJhbGciOiJSUzI1NiJ9.{}", rng.hex(64)).as_bytes(),
        )
        .data("namespace", b"kube-system")
        .data("ca.crt", pem("CERTIFICATE", rng).as_bytes())
        .build();
    put(store, &token);
    let id = rng.suffix(6);
    let bootstrap = builders::secret(
        &format!("bootstrap-token-{id}"),
        "bootstrap.kubernetes.io/token",
    )
    .in_ns("kube-system")
    .created(T0 - 2 * DAY)
    .data("token-id", id.as_bytes())
    .data("token-secret", rng.suffix(16).as_bytes())
    .data("usage-bootstrap-authentication", b"true")
    .data(
        "auth-extra-groups",
        b"system:bootstrappers:kubeadm:default-node-token",
    )
    .build();
    put(store, &bootstrap);
    for (name, automount) in [("coredns", true), ("kube-proxy", true)] {
        let sa = builders::service_account(name)
            .in_ns("kube-system")
            .created(T0 - 90 * DAY)
            .label("k8s-app", name)
            .automount(automount)
            .build();
        put(store, &sa);
    }
}

fn config_maps(store: &Store, namespaces: &BTreeSet<String>) {
    let system = [
        (
            "coredns",
            "Corefile",
            ".:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n}\n",
        ),
        (
            "kube-proxy",
            "config.conf",
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n",
        ),
        (
            "kubeadm-config",
            "ClusterConfiguration",
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.31.4\n",
        ),
        (
            AUTOSCALER_STATUS.1,
            "status",
            "Cluster-autoscaler status at 2026-01-01 00:00:00 +0000 UTC:\nCluster-wide:\n  Health: Healthy\n",
        ),
    ];
    for (name, key, value) in system {
        let mut c = builders::config_map(name)
            .in_ns("kube-system")
            .created(T0 - 90 * DAY)
            .data(key, value);
        if name == "coredns" {
            c = c.label("k8s-app", "kube-dns");
        }
        put(store, &c.build());
    }
    // Applications' settings; the shop's release pins an immutable one.
    for (ns, name, app) in [
        ("shop", "web-config", "web"),
        ("shop", "checkout-flags-v7", "checkout"),
        ("payments", "ledger-config", "ledger"),
        ("monitoring", "prometheus-rules", "prometheus"),
    ] {
        if !namespaces.contains(ns) {
            continue;
        }
        let mut c = builders::config_map(name)
            .in_ns(ns)
            .created(T0 - 20 * DAY)
            .label("app", app)
            .data("settings.yaml", "logLevel: info\nfeatureFlags: []\n");
        if name.ends_with("-v7") {
            c = c
                .immutable()
                .binary_data("banner.png", b"\x89PNG\r\n\x1a\n");
        }
        put(store, &c.build());
    }
}

fn leases(store: &Store, rng: &mut Rng) {
    for obj in store.objects(Resource::Nodes).values() {
        let Ok(node) = serde_json::from_slice::<Node>(&obj.body) else {
            continue;
        };
        let (Some(name), Some(uid)) = (node.metadata.name.as_deref(), node.metadata.uid.as_deref())
        else {
            continue;
        };
        let created = node
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or(T0 - 90 * DAY, |t| t.0.as_second());
        // A kubelet that is not Ready stopped renewing a while ago.
        let renewed = if node_ready(&node) { T0 } else { T0 - 600 };
        let lease = builders::lease(name)
            .in_ns("kube-node-lease")
            .created(created)
            .owner("Node", name, uid, false)
            .held_by(name, NODE_LEASE_SECONDS, created, 0)
            .renewed(renewed)
            .build();
        put(store, &lease);
    }
    let leader = format!("control-plane-1_{}", rng.uuid());
    for name in CONTROL_PLANE_LEASES {
        let lease = builders::lease(name)
            .in_ns("kube-system")
            .created(T0 - 90 * DAY)
            .held_by(&leader, 15, T0 - 3 * DAY, 4)
            .renewed(T0)
            .build();
        put(store, &lease);
    }
    let apiserver = format!("apiserver-{}", rng.hex(26));
    let identity = builders::lease(&apiserver)
        .in_ns("kube-system")
        .created(T0 - 3 * DAY)
        .label("apiserver.kubernetes.io/identity", "kube-apiserver")
        .label("kubernetes.io/hostname", "control-plane-1")
        .held_by(
            &format!("{apiserver}_{}", rng.uuid()),
            3600,
            T0 - 3 * DAY,
            0,
        )
        .renewed(T0)
        .build();
    put(store, &identity);
    let (ns, name) = STOPPED_LEASE;
    let stopped = builders::lease(name)
        .in_ns(ns)
        .created(T0 - 60 * DAY)
        .held_by(
            &format!(
                "ingress-nginx-controller-{}-{}",
                rng.suffix(10),
                rng.suffix(5)
            ),
            30,
            T0 - 10 * DAY,
            7,
        )
        .renewed(T0 - 3 * DAY)
        .build();
    put(store, &stopped);
}

pub(crate) fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True")
}

fn limit_ranges(store: &Store, namespaces: &BTreeSet<String>) {
    use Constraint::{Default, DefaultRequest, Max, MaxLimitRequestRatio, Min};
    for ns in ["shop", "payments", "batch"]
        .iter()
        .filter(|ns| namespaces.contains(**ns))
    {
        let r = builders::limit_range("container-defaults")
            .in_ns(ns)
            .created(T0 - 70 * DAY)
            .limit("Container", Default, "cpu", "500m")
            .limit("Container", Default, "memory", "512Mi")
            .limit("Container", DefaultRequest, "cpu", "100m")
            .limit("Container", DefaultRequest, "memory", "128Mi")
            .limit("Container", Max, "cpu", "4")
            .limit("Container", Max, "memory", "8Gi")
            .limit("Container", Min, "cpu", "10m")
            .limit("Container", MaxLimitRequestRatio, "cpu", "10")
            .build();
        put(store, &r);
    }
    if namespaces.contains("data") {
        let r = builders::limit_range("storage-bounds")
            .in_ns("data")
            .created(T0 - 70 * DAY)
            .limit("PersistentVolumeClaim", Min, "storage", "1Gi")
            .limit("PersistentVolumeClaim", Max, "storage", "2Ti")
            .limit("Pod", Max, "cpu", "16")
            .limit("Pod", Max, "memory", "64Gi")
            .build();
        put(store, &r);
    }
}

/// A kubelet's client certificate request: one issued, one waiting for
/// the approver; a user's request an admin denied; a request to a custom
/// signer that approved it but could not sign.
fn certificate_signing_requests(store: &Store, rng: &mut Rng) {
    let issued = builders::certificate_signing_request(
        &format!("csr-{}", rng.suffix(5)),
        CSR_SIGNER_KUBELET,
        "system:bootstrap:abcdef",
    )
    .created(T0 - 1800)
    .condition(
        "Approved",
        "AutoApproved",
        "Auto approving kubelet client certificate after SubjectAccessReview.",
        T0 - 1799,
    )
    .certificate(pem("CERTIFICATE", rng).as_bytes())
    .build();
    put(store, &issued);
    put(store, &pending_csr(rng, T0 - 60));
    let denied = builders::certificate_signing_request(
        "dev-laptop-admin",
        "kubernetes.io/kube-apiserver-client",
        "jane@example.com",
    )
    .created(T0 - 7200)
    .label("requested-by", "jane")
    .condition(
        "Denied",
        "AdminDenied",
        "group system:masters is not granted to people",
        T0 - 7000,
    )
    .build();
    put(store, &denied);
    let failed = builders::certificate_signing_request(
        "payments-mtls-client",
        "example.com/internal-ca",
        "system:serviceaccount:payments:ledger",
    )
    .created(T0 - 3600)
    .condition(
        "Approved",
        "PolicyApproved",
        "Approved by csr-policy",
        T0 - 3590,
    )
    .condition(
        "Failed",
        "SignerValidationFailure",
        "the requested duration exceeds the signer's maximum",
        T0 - 3580,
    )
    .build();
    put(store, &failed);
}

/// A kubelet's request for its serving certificate, which needs a
/// person (or an external approver) to approve.
pub(crate) fn pending_csr(
    rng: &mut Rng,
    created: i64,
) -> k8s_openapi::api::certificates::v1::CertificateSigningRequest {
    builders::certificate_signing_request(
        &format!("csr-{}", rng.suffix(5)),
        "kubernetes.io/kubelet-serving",
        "system:node:node-0001",
    )
    .created(created)
    .build()
}

/// The bootstrap roles every cluster has, the exporter's own, and a few an
/// administrator made.
fn rbac(store: &Store, namespaces: &BTreeSet<String>) {
    let created = T0 - 90 * DAY;
    let bootstrap = |b: builders::ClusterRoleBuilder| {
        b.created(created)
            .label("kubernetes.io/bootstrapping", "rbac-defaults")
            .annotation("rbac.authorization.kubernetes.io/autoupdate", "true")
    };
    for role in [
        bootstrap(builders::cluster_role("cluster-admin")).rule(&["*"], &["*"], &["*"]),
        bootstrap(builders::cluster_role("view")).rule(
            &[""],
            &["pods", "services", "configmaps"],
            &["get", "list", "watch"],
        ),
        bootstrap(builders::cluster_role("edit")).rule(
            &["apps"],
            &["deployments", "statefulsets"],
            &["create", "delete", "patch", "update"],
        ),
        bootstrap(builders::cluster_role("system:node")).rule(
            &[""],
            &["nodes", "nodes/status"],
            &["get", "patch", "update"],
        ),
        builders::cluster_role("kube-state-metrics")
            .created(T0 - 80 * DAY)
            .label("app.kubernetes.io/name", "kube-state-metrics")
            .rule(
                &["", "apps"],
                &["pods", "nodes", "deployments"],
                &["list", "watch"],
            ),
    ] {
        put(store, &role.build());
    }
    for binding in [
        builders::cluster_role_binding("cluster-admin", "cluster-admin")
            .created(created)
            .label("kubernetes.io/bootstrapping", "rbac-defaults")
            .subject("Group", "system:masters", None),
        builders::cluster_role_binding("kube-state-metrics", "kube-state-metrics")
            .created(T0 - 80 * DAY)
            .label("app.kubernetes.io/name", "kube-state-metrics")
            .subject("ServiceAccount", "kube-state-metrics", Some("kube-system")),
        builders::cluster_role_binding("ci-deployers", "edit")
            .created(T0 - 300 * DAY)
            .subject("ServiceAccount", "legacy-ci", Some("kube-system")),
    ] {
        put(store, &binding.build());
    }
    let role = builders::role("extension-apiserver-authentication-reader")
        .in_ns("kube-system")
        .created(created)
        .label("kubernetes.io/bootstrapping", "rbac-defaults")
        .rule(&[""], &["configmaps"], &["get", "list", "watch"])
        .build();
    put(store, &role);
    for ns in ["shop", "payments"]
        .iter()
        .filter(|ns| namespaces.contains(**ns))
    {
        let role = builders::role("pod-reader")
            .in_ns(ns)
            .created(T0 - 30 * DAY)
            .rule(&[""], &["pods", "pods/log"], &["get", "list", "watch"])
            .build();
        put(store, &role);
        let binding = builders::role_binding("oncall-pod-reader", "Role", "pod-reader")
            .in_ns(ns)
            .created(T0 - 30 * DAY)
            .label("team", "sre")
            .subject("Group", "oncall", None)
            .build();
        put(store, &binding);
        let binding = builders::role_binding("developers-view", "ClusterRole", "view")
            .in_ns(ns)
            .created(T0 - 30 * DAY)
            .subject("Group", "developers", None)
            .build();
        put(store, &binding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;
    use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
    use k8s_openapi::api::coordination::v1::Lease;
    use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
    use std::collections::BTreeMap;

    fn cluster() -> Store {
        let store = Store::new(1);
        super::super::populate(
            &store,
            &SimConfig {
                seed: 7,
                nodes: 12,
                pods_per_node: 10,
                churn_interval: None,
            },
        );
        store
    }

    fn all<T: serde::de::DeserializeOwned>(store: &Store, kind: Resource) -> Vec<T> {
        store
            .objects(kind)
            .values()
            .map(|o| serde_json::from_slice(&o.body).expect("decodes"))
            .collect()
    }

    #[test]
    fn secrets_of_every_common_type_and_accounts_that_name_existing_ones() {
        let store = cluster();
        let secrets: Vec<Secret> = all(&store, Resource::Secrets);
        let types: BTreeSet<&str> = secrets.iter().filter_map(|s| s.type_.as_deref()).collect();
        for t in [
            "Opaque",
            "kubernetes.io/tls",
            "kubernetes.io/service-account-token",
            "kubernetes.io/dockerconfigjson",
        ] {
            assert!(types.contains(t), "{t}: {types:?}");
        }
        assert!(
            secrets
                .iter()
                .all(|s| s.data.as_ref().is_some_and(|d| !d.is_empty()))
        );
        let accounts: Vec<ServiceAccount> = all(&store, Resource::ServiceAccounts);
        let mut referenced = 0;
        for sa in &accounts {
            let ns = sa.metadata.namespace.as_deref().unwrap_or_default();
            let names = sa
                .secrets
                .iter()
                .flatten()
                .filter_map(|r| r.name.clone())
                .chain(
                    sa.image_pull_secrets
                        .iter()
                        .flatten()
                        .map(|r| r.name.clone()),
                );
            for name in names {
                referenced += 1;
                assert!(
                    store.get(Resource::Secrets, ns, &name).is_some(),
                    "{ns}/{name}"
                );
            }
        }
        assert!(referenced >= 2);
        // Every namespace in use has its default account, but the one being
        // deleted, where only an account held by a finalizer is left.
        for ns in namespaces(&store)
            .iter()
            .filter(|ns| *ns != TERMINATING_NAMESPACE)
        {
            assert!(
                store
                    .get(Resource::ServiceAccounts, ns, "default")
                    .is_some(),
                "{ns}"
            );
        }
    }

    #[test]
    fn node_leases_follow_readiness_and_one_controller_stopped() {
        let store = cluster();
        let leases: BTreeMap<String, Lease> = all::<Lease>(&store, Resource::Leases)
            .into_iter()
            .map(|l| {
                let key = format!(
                    "{}/{}",
                    l.metadata.namespace.as_deref().unwrap_or_default(),
                    l.metadata.name.as_deref().unwrap_or_default()
                );
                (key, l)
            })
            .collect();
        let renewed = |l: &Lease| {
            l.spec
                .as_ref()
                .and_then(|s| s.renew_time.as_ref())
                .map(|t| t.0.as_second())
                .expect("renewTime")
        };
        let nodes: Vec<Node> = all(&store, Resource::Nodes);
        assert!(nodes.iter().any(|n| !node_ready(n)), "some node not Ready");
        for node in &nodes {
            let name = node.metadata.name.as_deref().unwrap();
            let lease = &leases[&format!("kube-node-lease/{name}")];
            assert_eq!(
                lease.metadata.owner_references.as_ref().unwrap()[0].kind,
                "Node"
            );
            assert_eq!(renewed(lease) == T0, node_ready(node), "{name}");
        }
        let (ns, name) = STOPPED_LEASE;
        assert!(renewed(&leases[&format!("{ns}/{name}")]) < T0 - DAY);
        for name in CONTROL_PLANE_LEASES {
            assert_eq!(renewed(&leases[&format!("kube-system/{name}")]), T0);
        }
    }

    #[test]
    fn requests_pending_issued_denied_and_failed() {
        let store = cluster();
        let csrs: Vec<CertificateSigningRequest> =
            all(&store, Resource::CertificateSigningRequests);
        fn state(csr: &CertificateSigningRequest) -> (Vec<&str>, bool) {
            let status = csr.status.as_ref();
            let types: Vec<&str> = status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .map(|c| c.type_.as_str())
                .collect();
            let issued = status.and_then(|s| s.certificate.as_ref()).is_some();
            (types, issued)
        }
        let states: Vec<(Vec<&str>, bool)> = csrs.iter().map(state).collect();
        for want in [
            (vec![], false),
            (vec!["Approved"], true),
            (vec!["Denied"], false),
            (vec!["Approved", "Failed"], false),
        ] {
            assert!(states.contains(&want), "{want:?} in {states:?}");
        }
    }
}
