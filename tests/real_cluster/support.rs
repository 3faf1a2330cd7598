//! The real-cluster tier's harness: the admin client (kube-rs) and
//! `kubectl`, the least-privilege kubeconfig built from `manifests/`, a
//! lock that runs the scenarios one at a time (two of them restart the API
//! server or compact etcd), and small helpers over scrapes.

use crate::common::{Exporter, series};
use k8s_openapi::api::core::v1::{Namespace, Secret, ServiceAccount};
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// An admin kubeconfig for the cluster the tier runs against.
pub const KUBECONFIG_ENV: &str = "KUBESTATE_TEST_KUBECONFIG";
/// A shell command that stops and starts the API server (and returns once
/// it answers again); without it the restart scenario is not run.
pub const RESTART_ENV: &str = "KUBESTATE_TEST_APISERVER_RESTART";
/// A shell command that compacts etcd at its current revision; without it
/// the compaction scenario is not run.
pub const COMPACT_ENV: &str = "KUBESTATE_TEST_ETCD_COMPACT";

/// How long any one change may take to reach a scrape.
pub const CHANGE: Duration = Duration::from_secs(20);
/// How long the cluster's controllers may take to act (scheduler,
/// ReplicaSet and Deployment controllers, service accounts).
pub const CONTROLLERS: Duration = Duration::from_secs(90);

/// Says, loudly, that a scenario did not run. Written to the process's
/// stderr directly rather than with `eprintln!`, which `cargo test`
/// captures and hides for a passing test: this must show in every run.
pub fn not_run(scenario: &str, why: &str) {
    use std::io::Write;
    let text = format!(
        "\n######## real-cluster tier NOT RUN: {scenario}: {why} ########\n\
         ######## (see README.md, \"The real-cluster test tier\") ########\n"
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A scenario's setting from the environment, or NOT RUN (naming what to
/// set) and `None`.
pub fn setting(scenario: &str, env: &str, what: &str) -> Option<String> {
    let value = std::env::var(env).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        not_run(scenario, &format!("set {env} to {what}"));
    }
    value
}

/// One cluster for the whole test binary.
pub struct Tier {
    runtime: tokio::runtime::Runtime,
    pub admin: Client,
    pub admin_kubeconfig: PathBuf,
    /// The exporter's kubeconfig: the token of `manifests/`'s
    /// ServiceAccount, bound to `manifests/`'s ClusterRole, and nothing more.
    pub exporter_kubeconfig: PathBuf,
    pub server: String,
    /// The CA file of the cluster (for kubeconfigs the tier writes).
    pub ca_file: PathBuf,
    /// A short suffix that makes this run's names unique.
    pub run: String,
    pub dir: PathBuf,
    /// `manifests/`' ClusterRole, applied under a name of this run's
    /// (`ks-<run>-kube-state-metrics`), so that an installed
    /// kube-state-metrics' RBAC is never touched.
    pub exporter_role: String,
    /// `system:serviceaccount:<ns>:kube-state-metrics`, bound to it.
    pub exporter_user: String,
    /// What this run created that outlives a namespace, and the namespaces,
    /// as kubectl names them (`node/x`); deleted when the test binary ends.
    created: Mutex<Vec<String>>,
}

static TIER: OnceLock<Tier> = OnceLock::new();

// libc's atexit: the one hook that runs once every test has finished,
// passed or failed (libtest ends with exit() either way; a static is
// never dropped). A SIGKILL or Ctrl-C still leaves the objects behind.
unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn remove_everything_at_exit() {
    if let Some(tier) = TIER.get() {
        tier.remove_everything();
    }
}
static SERIAL: Mutex<()> = Mutex::new(());

/// A running scenario: holds the lock and prints its run time at the end.
pub struct Scenario {
    pub tier: &'static Tier,
    name: &'static str,
    started: Instant,
    _serial: MutexGuard<'static, ()>,
}

impl Drop for Scenario {
    fn drop(&mut self) {
        let outcome = if std::thread::panicking() {
            "FAILED"
        } else {
            "passed"
        };
        eprintln!(
            "real-cluster scenario {} {outcome} in {:.1}s",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Starts a scenario, or prints NOT RUN and returns `None` without a cluster.
pub fn begin(name: &'static str) -> Option<Scenario> {
    let Some(kubeconfig) = std::env::var_os(KUBECONFIG_ENV).filter(|v| !v.is_empty()) else {
        not_run(
            name,
            &format!("set {KUBECONFIG_ENV} to an admin kubeconfig"),
        );
        return None;
    };
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let tier = match TIER.get() {
        Some(tier) => tier,
        None => {
            // SAFETY: a plain C function pointer; the callback only reads a
            // OnceLock and runs kubectl.
            unsafe { atexit(remove_everything_at_exit) };
            let tier = Tier::connect(PathBuf::from(kubeconfig));
            let _ = TIER.set(tier);
            TIER.get().expect("tier set")
        }
    };
    eprintln!("real-cluster scenario {name} starting");
    Some(Scenario {
        tier,
        name,
        started,
        _serial: serial,
    })
}

fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}", (nanos / 1_000_000) % 0xff_ffff)
}

impl Tier {
    fn connect(admin_kubeconfig: PathBuf) -> Tier {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let file = Kubeconfig::read_from(&admin_kubeconfig).expect("readable admin kubeconfig");
        let config = runtime
            .block_on(kube::Config::from_custom_kubeconfig(
                file,
                &KubeConfigOptions::default(),
            ))
            .expect("usable admin kubeconfig");
        let server = config.cluster_url.to_string().trim_end_matches('/').into();
        let ca = match &config.root_cert_file {
            Some(file) => std::fs::read_to_string(file).expect("readable CA file"),
            None => pem(&config.root_cert.clone().unwrap_or_default()),
        };
        let admin = {
            let _guard = runtime.enter();
            Client::try_from(config).expect("admin client")
        };
        let dir =
            std::env::temp_dir().join(format!("kubestate-real-cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca_file = dir.join("ca.crt");
        std::fs::write(&ca_file, ca).expect("CA file");
        let run = run_id();
        let mut tier = Tier {
            runtime,
            admin,
            admin_kubeconfig,
            exporter_kubeconfig: PathBuf::new(),
            server,
            ca_file,
            exporter_role: format!("ks-{run}-kube-state-metrics"),
            exporter_user: String::new(),
            run,
            dir,
            created: Mutex::new(Vec::new()),
        };
        tier.exporter_kubeconfig = tier.least_privilege_kubeconfig();
        tier
    }

    /// Remembers an object to delete when the test binary ends.
    pub fn created(&self, object: String) {
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(object);
    }

    /// Deletes everything this run created: pods first, at once (without
    /// kubelets a bound pod would stay Terminating and hold its namespace),
    /// then the rest. Best effort: a failure is reported, not raised.
    fn remove_everything(&self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        if created.is_empty() {
            return;
        }
        let kubeconfig = self.admin_kubeconfig.display().to_string();
        for namespace in created.iter().filter_map(|o| o.strip_prefix("namespace/")) {
            let _ = kubectl_command()
                .args(["--kubeconfig", &kubeconfig, "delete", "pods", "--all"])
                .args(["--namespace", namespace, "--grace-period=0", "--force"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let out = kubectl_command()
            .args([
                "--kubeconfig",
                &kubeconfig,
                "delete",
                "--ignore-not-found",
                "--wait=false",
            ])
            .args(&created)
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => eprintln!(
                "real-cluster tier: removed the {} objects and namespaces it created",
                created.len()
            ),
            Ok(out) => eprintln!(
                "real-cluster tier: could not remove {created:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("real-cluster tier: could not run kubectl to clean up: {e}"),
        }
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// `kubectl` with the admin kubeconfig; panics unless it succeeds.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut command = kubectl_command();
        command
            .arg("--kubeconfig")
            .arg(&self.admin_kubeconfig)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("kubectl runs");
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("kubectl stdin");
        }
        let out = child.wait_with_output().expect("kubectl finishes");
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Applies the project's own RBAC from `manifests/` (its ServiceAccount,
    /// ClusterRole and binding, rules unchanged) under this run's names: the
    /// account in a `ks-rbac-<run>` namespace, the role and binding named
    /// `ks-<run>-kube-state-metrics`, so an installed kube-state-metrics
    /// (same names in kube-system) is left alone. Returns a kubeconfig with
    /// the account's token.
    fn least_privilege_kubeconfig(&mut self) -> PathBuf {
        let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
        let yaml = self.kubectl(&["kustomize", &manifests.display().to_string()], None);
        // One JSON document per object.
        let json = self.kubectl(
            &["create", "--dry-run=client", "-o", "json", "-f", "-"],
            Some(&yaml),
        );
        let namespace = self.namespace("rbac");
        let mut objects = Vec::new();
        for object in serde_json::Deserializer::from_str(&json).into_iter::<Value>() {
            let mut object = object.expect("kubectl's JSON");
            match object["kind"].as_str() {
                Some("ServiceAccount") => object["metadata"]["namespace"] = json!(namespace),
                Some("ClusterRole") => object["metadata"]["name"] = json!(self.exporter_role),
                Some("ClusterRoleBinding") => {
                    object["metadata"]["name"] = json!(self.exporter_role);
                    object["roleRef"]["name"] = json!(self.exporter_role);
                    object["subjects"][0]["namespace"] = json!(namespace);
                }
                _ => continue,
            }
            objects.push(object);
        }
        assert_eq!(
            objects.len(),
            3,
            "manifests/ has its account, role and binding"
        );
        for kind in ["clusterrole", "clusterrolebinding"] {
            self.created(format!(
                "{kind}.rbac.authorization.k8s.io/{}",
                self.exporter_role
            ));
        }
        let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
        self.kubectl(&["apply", "-f", "-"], Some(&list.to_string()));
        let account = objects[0]["metadata"]["name"].as_str().unwrap_or_default();
        self.exporter_user = format!("system:serviceaccount:{namespace}:{account}");
        let token = self.service_account_token(&namespace, account);
        self.token_kubeconfig("exporter", &token)
    }

    /// The token of a ServiceAccount: its token Secret (created by the
    /// controller-manager up to 1.23), else a TokenRequest (1.24 and later
    /// create no Secret).
    pub fn service_account_token(&self, namespace: &str, name: &str) -> String {
        let accounts: Api<ServiceAccount> = Api::namespaced(self.admin.clone(), namespace);
        let secrets: Api<Secret> = Api::namespaced(self.admin.clone(), namespace);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let account = self.block_on(accounts.get(name)).expect("service account");
            for reference in account.secrets.unwrap_or_default() {
                let Some(secret_name) = reference.name else {
                    continue;
                };
                if let Ok(secret) = self.block_on(secrets.get(&secret_name))
                    && let Some(token) = secret.data.as_ref().and_then(|d| d.get("token"))
                {
                    return String::from_utf8(token.0.clone()).expect("UTF-8 token");
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        eprintln!("no token Secret for {namespace}/{name} after 30s; asking for a TokenRequest");
        self.kubectl(
            &["create", "token", name, "-n", namespace, "--duration=2h"],
            None,
        )
        .trim()
        .to_string()
    }

    /// A kubeconfig with a bearer token and the cluster's CA, no admin rights.
    pub fn token_kubeconfig(&self, name: &str, token: &str) -> PathBuf {
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "real", "cluster": {
                "server": self.server,
                "certificate-authority": self.ca_file.display().to_string(),
            }}],
            "users": [{"name": name, "user": {"token": token}}],
            "contexts": [{"name": name, "context": {"cluster": "real", "user": name}}],
            "current-context": name,
        });
        let path = self.dir.join(format!("{name}.kubeconfig"));
        std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).expect("kubeconfig");
        path
    }

    /// Whether the API server serves the kind at the version kubestate
    /// watches.
    pub fn serves(&self, kind: kubestate::kinds::Resource) -> bool {
        let list = if kind.group().is_empty() {
            self.block_on(self.admin.list_core_api_resources(kind.version()))
        } else {
            self.block_on(self.admin.list_api_group_resources(kind.api_version()))
        };
        list.is_ok_and(|l| l.resources.iter().any(|r| r.name == kind.plural()))
    }

    /// The exporter with the least-privilege kubeconfig, ready. Without
    /// `--resources` it watches the default kinds; those the server lacks
    /// (1.20 has no batch/v1 CronJob, autoscaling/v2 or policy/v1) it
    /// leaves out of readiness.
    pub fn exporter(&self, args: &[&str]) -> Exporter {
        let exporter = Exporter::start(&self.exporter_kubeconfig, args);
        exporter.wait_ready();
        exporter
    }

    /// A fresh namespace named `ks-<prefix>-<run>`, once its default
    /// ServiceAccount exists (pods are refused before that).
    pub fn namespace(&self, prefix: &str) -> String {
        let name = format!("ks-{prefix}-{}", self.run);
        let namespaces: Api<Namespace> = Api::all(self.admin.clone());
        let object: Namespace = from(json!({"metadata": {"name": name}}));
        self.block_on(namespaces.create(&PostParams::default(), &object))
            .expect("create namespace");
        self.created(format!("namespace/{name}"));
        let accounts: Api<ServiceAccount> = Api::namespaced(self.admin.clone(), &name);
        self.until(
            "the namespace's default ServiceAccount",
            CONTROLLERS,
            || self.block_on(accounts.get_opt("default")).ok().flatten(),
        );
        name
    }

    /// Polls `check` every 200 ms until it gives `Some`, or fails after `limit`.
    pub fn until<T>(&self, what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = check() {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {limit:?} waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Creates an object; a cluster-scoped one is remembered for removal
    /// (namespaced ones go with their namespace).
    pub fn create<K>(&self, api: &Api<K>, object: Value) -> K
    where
        K: kube::Resource<DynamicType = ()>
            + Clone
            + DeserializeOwned
            + serde::Serialize
            + std::fmt::Debug,
    {
        let typed: K = from(object.clone());
        let created = self
            .block_on(api.create(&PostParams::default(), &typed))
            .unwrap_or_else(|e| panic!("create {object}: {e}"));
        let meta = created.meta();
        if meta.namespace.is_none() {
            let group = K::group(&());
            let resource = if group.is_empty() {
                K::plural(&()).into_owned()
            } else {
                format!("{}.{group}", K::plural(&()))
            };
            self.created(format!(
                "{resource}/{}",
                meta.name.clone().unwrap_or_default()
            ));
        }
        created
    }

    /// A JSON merge patch of the object (`status: false`) or of its
    /// `/status` subresource (`status: true`).
    pub fn patch<K>(&self, api: &Api<K>, name: &str, status: bool, patch: Value) -> K
    where
        K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let params = PatchParams::default();
        let result = if status {
            self.block_on(api.patch_status(name, &params, &Patch::Merge(&patch)))
        } else {
            self.block_on(api.patch(name, &params, &Patch::Merge(&patch)))
        };
        result.unwrap_or_else(|e| panic!("patch {name} (status: {status}) {patch}: {e}"))
    }

    pub fn get<K>(&self, api: &Api<K>, name: &str) -> K
    where
        K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        self.block_on(api.get(name))
            .unwrap_or_else(|e| panic!("get {name}: {e}"))
    }

    /// Deletes at once (grace period 0): without kubelets, a pod bound to a
    /// node would otherwise stay Terminating.
    pub fn delete_now<K>(&self, api: &Api<K>, name: &str)
    where
        K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        self.block_on(api.delete(name, &params))
            .unwrap_or_else(|e| panic!("delete {name}: {e}"));
    }

    /// Runs one of the tier's optional shell commands (restart, compact).
    pub fn shell(&self, command: &str) {
        let out = Command::new("sh")
            .args(["-c", command])
            .stdin(Stdio::null())
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "`{command}` failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// kubectl as scripts/test installs it (`KUBESTATE_KUBECTL`), else the one
/// on PATH.
pub fn kubectl_command() -> Command {
    Command::new(
        std::env::var_os("KUBESTATE_KUBECTL")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "kubectl".into()),
    )
}

/// A typed object from JSON written in the test.
pub fn from<K: DeserializeOwned>(value: Value) -> K {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn pem(certs: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for der in certs {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let encoded = base64(der);
        for line in encoded.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A family's series for objects of one namespace.
pub fn in_namespace(scrape: &str, family: &str, namespace: &str) -> Vec<String> {
    let needle = format!("namespace=\"{namespace}\"");
    series(scrape, family)
        .into_iter()
        .filter(|l| l.contains(&needle))
        .collect()
}

/// A node family's series for the given nodes.
pub fn for_nodes(scrape: &str, family: &str, nodes: &[&str]) -> Vec<String> {
    series(scrape, family)
        .into_iter()
        .filter(|l| nodes.iter().any(|n| l.contains(&format!("{{node=\"{n}\""))))
        .collect()
}

/// Every `kube_*` sample line, sorted: what two exporters must agree on.
pub fn all_series(scrape: &str) -> Vec<String> {
    let mut lines: Vec<String> = scrape
        .lines()
        .filter(|l| l.starts_with("kube_"))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// The lines only in `a` and only in `b`, for a readable failure.
pub fn difference(a: &[String], b: &[String]) -> String {
    let a_set: BTreeSet<&String> = a.iter().collect();
    let b_set: BTreeSet<&String> = b.iter().collect();
    let only_a: Vec<&&String> = a_set.difference(&b_set).take(20).collect();
    let only_b: Vec<&&String> = b_set.difference(&a_set).take(20).collect();
    format!(
        "only in the long-running exporter: {only_a:#?}\nonly in the fresh exporter: {only_b:#?}"
    )
}

/// Polls until the long-running exporter serves exactly what a freshly
/// started one serves, then returns how long that took.
pub fn converges(old: &Exporter, fresh: &Exporter, limit: Duration) -> Duration {
    let started = Instant::now();
    let deadline = started + limit;
    loop {
        let (a, b) = (all_series(&old.scrape()), all_series(&fresh.scrape()));
        if a == b && !a.is_empty() {
            return started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the exporters did not agree within {limit:?}:\n{}",
            difference(&a, &b)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The sum of a self-metric's samples that carry all of `labels`.
pub fn self_sum(telemetry: &str, name: &str, labels: &[&str]) -> f64 {
    telemetry
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with('{') || r.starts_with(' '))
        })
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
