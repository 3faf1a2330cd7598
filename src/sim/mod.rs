//! A simulated Kubernetes API server for pods, services, nodes and
//! deployments.
//!
//! It speaks the list/watch protocol the way the captures in
//! `shared/apiserver-captures` show a real kube-apiserver answering (paging
//! with continue tokens, watch replay from a resourceVersion, bookmarks, the
//! 410 forms), so kube-rs's watcher works against it unchanged. It generates a
//! cluster from a seed, churns it, and takes test commands under `/sim/`.
//!
//! Self-contained on purpose: of the exporter it uses only the kind
//! registry (plurals, groups, versions, scopes), so the simulator can be
//! built and tested on its own.

mod api;
pub mod builders;
mod churn;
mod control;
mod generate;
mod generate_batch;
mod rng;
mod status;
mod store;
#[cfg(test)]
mod tests;

use crate::kinds::Resource;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use store::Store;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub nodes: usize,
    pub pods_per_node: usize,
    /// How often churn mutates the cluster; `None` = never.
    pub churn_interval: Option<Duration>,
}

impl SimConfig {
    /// No objects and no churn: tests create what they need.
    pub fn empty() -> Self {
        SimConfig {
            seed: 0,
            nodes: 0,
            pods_per_node: 0,
            churn_interval: None,
        }
    }
}

/// Per-resource injected faults (`POST /sim/faults`).
#[derive(Debug, Clone, Default)]
struct Fault {
    status: Option<u16>,
    /// `Retry-After` (seconds) on the fault's answers, as a real API
    /// server's priority and fairness puts on its 429s.
    retry_after: Option<u64>,
    /// Lists and watches of the kind wait this long before answering.
    delay: Option<Duration>,
    /// The next watch event of the kind is cut in the middle.
    cut_next_event: Option<Cut>,
    /// The API server does not serve the kind at all (its group version is
    /// missing from discovery and its paths are 404), as on a cluster too
    /// old or too new for it.
    absent: bool,
}

/// How a watch event line is cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum Cut {
    /// Half the line, a newline, and the stream goes on: a garbled line.
    Truncated,
    /// Half the line, then the connection is dropped mid-body, as when a
    /// load balancer or the API server goes away mid-write.
    Closed,
}

/// List and watch requests received for one kind.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
struct Requests {
    list: u64,
    watch: u64,
}

struct Inner {
    config: SimConfig,
    store: Store,
    faults: Mutex<HashMap<Resource, Fault>>,
    /// Every list and watch request per kind (`GET /sim/requests`), those
    /// answered with an injected fault included.
    requests: Mutex<HashMap<Resource, Requests>>,
    /// Set by `/sim/restart`: API requests get 503 until then.
    unavailable_until: Mutex<Option<Instant>>,
    /// Set by `/sim/restart` to how long the listener stays closed;
    /// `Simulator::serve` closes it and opens it again on the same port.
    restart: tokio::sync::watch::Sender<Duration>,
    /// Bumped to end every open watch stream.
    close_watches: tokio::sync::watch::Sender<u64>,
    churn_enabled: AtomicBool,
    /// Numbers malformed objects so each injection adds a new one.
    malformed_seq: AtomicU64,
}

impl Inner {
    fn fault(&self, kind: Resource) -> Fault {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&kind)
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the kind is served: not hidden by an `absent` fault.
    fn serves(&self, kind: Resource) -> bool {
        !self.fault(kind).absent
    }

    fn unavailable(&self) -> bool {
        let guard = self
            .unavailable_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        guard.is_some_and(|t| Instant::now() < t)
    }

    fn end_watches(&self) {
        self.close_watches.send_modify(|n| *n += 1);
    }

    /// Takes the kind's one-shot `cut_next_event` fault.
    fn take_cut(&self, kind: Resource) -> Option<Cut> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        faults.get_mut(&kind)?.cut_next_event.take()
    }

    fn count_request(&self, kind: Resource, watch: bool) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let count = requests.entry(kind).or_default();
        if watch {
            count.watch += 1;
        } else {
            count.list += 1;
        }
    }
}

/// The simulator; cheap to clone (shared state inside).
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl Simulator {
    /// Builds the cluster described by `config` (deterministic from the seed).
    pub fn new(config: SimConfig) -> Self {
        let store = Store::new(config.seed);
        generate::populate(&store, &config);
        let (close_watches, _) = tokio::sync::watch::channel(0);
        let (restart, _) = tokio::sync::watch::channel(Duration::ZERO);
        Simulator {
            inner: Arc::new(Inner {
                config,
                store,
                faults: Mutex::new(HashMap::new()),
                requests: Mutex::new(HashMap::new()),
                unavailable_until: Mutex::new(None),
                restart,
                close_watches,
                churn_enabled: AtomicBool::new(true),
                malformed_seq: AtomicU64::new(0),
            }),
        }
    }

    /// The API endpoints plus the `/sim/` control endpoints.
    pub fn router(&self) -> axum::Router {
        api::router(self.inner.clone()).merge(control::router(self.inner.clone()))
    }

    /// Only the `/sim/` control endpoints, for a listener of their own that
    /// stays open while the API's is closed by a restart.
    pub fn control_router(&self) -> axum::Router {
        control::router(self.inner.clone())
    }

    /// Serves the API and control endpoints on `listener` until the
    /// process ends. `/sim/restart` closes the listener and every
    /// connection, as a restarting kube-apiserver does (clients get
    /// "connection refused"), and listens again on the same address after
    /// the requested time.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let address = listener.local_addr()?;
        let mut listener = listener;
        let mut restarts = self.inner.restart.subscribe();
        loop {
            let mut stop = restarts.clone();
            let server = axum::serve(listener, self.router())
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                })
                .into_future();
            tokio::pin!(server);
            // A restart ends the server too (its shutdown signal), and with
            // no connection open it is done at once: unbiased, the select
            // could take that end for the server's own and never listen
            // again. The restart is looked at first.
            tokio::select! {
                biased;
                changed = restarts.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                result = &mut server => return result,
            }
            // The listener is closed at once; open connections (idle ones,
            // a slow list) get a moment to finish, as a real API server
            // drains before it exits. The port stays closed for `down`
            // from now, drain included.
            let reopen = tokio::time::Instant::now() + *restarts.borrow_and_update();
            let _ = tokio::time::timeout(Duration::from_secs(1), &mut server).await;
            tokio::time::sleep_until(reopen).await;
            listener = rebind(address).await?;
        }
    }

    /// Starts the churn task (needs a tokio runtime); `None` without an interval.
    pub fn spawn_churn(&self) -> Option<tokio::task::JoinHandle<()>> {
        let interval = self.inner.config.churn_interval?;
        let inner = self.inner.clone();
        Some(tokio::spawn(async move {
            let mut churner = churn::Churner::new(inner.config.seed);
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick fires at once; skip it so the initial state is
            // observable for one interval.
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if inner.churn_enabled.load(Ordering::Relaxed) {
                    churner.tick(&inner.store);
                }
            }
        }))
    }

    /// Current number of objects per kind, in registry order.
    pub fn object_counts(&self) -> Vec<(&'static str, usize)> {
        Resource::ALL
            .iter()
            .map(|&k| (k.plural(), self.inner.store.count(k)))
            .collect()
    }
}

/// Listens on `address` again; the port was ours a moment ago, so only a
/// short-lived stranger (an outgoing connection's ephemeral port) can hold
/// it: retry for a few seconds.
async fn rebind(address: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let mut attempts = 0;
    loop {
        match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => return Ok(listener),
            Err(e) if attempts >= 50 => return Err(e),
            Err(e) => {
                tracing::warn!(%address, %e, "cannot listen again after the simulated restart; retrying");
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Writes a kubeconfig (JSON, which is valid YAML) pointing at `server_url`
/// with a bearer token user, and makes it the current context.
pub fn write_kubeconfig(path: &Path, server_url: &str) -> std::io::Result<()> {
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubestate-sim", "cluster": {"server": server_url}}],
        "users": [{"name": "kubestate-sim", "user": {"token": "kubestate-sim"}}],
        "contexts": [{
            "name": "kubestate-sim",
            "context": {"cluster": "kubestate-sim", "user": "kubestate-sim"}
        }],
        "current-context": "kubestate-sim",
        "preferences": {}
    });
    let text = serde_json::to_string_pretty(&config).map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")
}
