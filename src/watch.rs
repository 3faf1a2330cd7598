//! Watching: one kube-runtime watcher per enabled kind (per namespace with
//! `--namespaces`) feeding that kind's store.
//!
//! The watcher lists in pages, then watches with bookmarks, relists on 410
//! Gone and backs off exponentially on errors (0.8 s to 30 s), which keeps
//! logging to one line per retry when the API server is away.

use crate::cache::Store;
use crate::objects::{Exposure, Object, Resource, Wire, sweep_interned};
use crate::telemetry::Telemetry;
use futures::StreamExt;
use kube::Api;
use kube::runtime::{WatchStreamExt, watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Where one watcher looks.
#[derive(Clone, Debug)]
pub struct Scope {
    /// `None` watches the whole cluster.
    pub namespace: Option<String>,
    /// `metadata.namespace!=a,...` for `--namespaces-denylist`.
    pub field_selector: Option<String>,
    pub use_apiserver_cache: bool,
}

/// Per-kind sync and health state, read by `/readyz`, `/livez` and `/`.
#[derive(Default)]
pub struct SyncState {
    kinds: Mutex<BTreeMap<Resource, KindState>>,
}

#[derive(Default)]
struct KindState {
    watchers: usize,
    listed: BTreeSet<usize>,
    failing_since: Option<Instant>,
}

impl SyncState {
    pub fn register(&self, resource: Resource, watchers: usize) {
        self.lock().entry(resource).or_default().watchers = watchers;
    }

    fn listed(&self, resource: Resource, source: usize) -> bool {
        let mut kinds = self.lock();
        let kind = kinds.entry(resource).or_default();
        kind.listed.insert(source);
        kind.failing_since = None;
        kind.listed.len() >= kind.watchers
    }

    fn failed(&self, resource: Resource) {
        let mut kinds = self.lock();
        let kind = kinds.entry(resource).or_default();
        kind.failing_since.get_or_insert_with(Instant::now);
    }

    fn succeeded(&self, resource: Resource) {
        if let Some(kind) = self.lock().get_mut(&resource) {
            kind.failing_since = None;
        }
    }

    /// Kinds whose every watcher has not yet finished its first list.
    pub fn not_synced(&self) -> Vec<Resource> {
        self.lock()
            .iter()
            .filter(|(_, k)| k.listed.len() < k.watchers)
            .map(|(r, _)| *r)
            .collect()
    }

    /// Every kind has been failing for longer than `grace`: the API server
    /// is not answering, or the watchers are stuck.
    pub fn wedged(&self, grace: Duration) -> bool {
        let kinds = self.lock();
        !kinds.is_empty()
            && kinds
                .values()
                .all(|k| k.failing_since.is_some_and(|t| t.elapsed() > grace))
    }

    /// `(resource, synced, failing)` for the status page.
    pub fn summary(&self) -> Vec<(Resource, bool, bool)> {
        self.lock()
            .iter()
            .map(|(r, k)| (*r, k.listed.len() >= k.watchers, k.failing_since.is_some()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Resource, KindState>> {
        self.kinds.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs one watcher until the process ends, applying its events to `store`.
pub async fn watch<T: Object>(
    client: kube::Client,
    scope: Scope,
    source: usize,
    store: Arc<Store<T>>,
    exposure: Exposure,
    telemetry: Arc<Telemetry>,
    sync: Arc<SyncState>,
) {
    let resource = T::RESOURCE;
    let api: Api<Wire<T>> = match &scope.namespace {
        Some(ns) if resource.namespaced() => Api::namespaced_with(client, ns, &()),
        _ => Api::all_with(client, &()),
    };
    let mut config = watcher::Config::default().page_size(500);
    if let Some(selector) = &scope.field_selector {
        config = config.fields(selector);
    }
    if scope.use_apiserver_cache {
        config = config.any_semantic();
    }
    let namespace = scope.namespace.as_deref().unwrap_or("");
    let mut events = watcher(api, config).default_backoff().boxed();
    while let Some(event) = events.next().await {
        match event {
            Ok(watcher::Event::Init) => store.begin_relist(source),
            Ok(watcher::Event::InitApply(object)) => {
                apply(&store, source, object, &exposure, &telemetry, false);
            }
            Ok(watcher::Event::InitDone) => {
                let removed = store.finish_relist(source);
                let synced = sync.listed(resource, source);
                telemetry.set_synced(resource, synced);
                let swept = sweep_interned();
                info!(%resource, namespace, objects = store.len(), removed, swept, "list finished");
            }
            Ok(watcher::Event::Apply(object)) => {
                sync.succeeded(resource);
                apply(&store, source, object, &exposure, &telemetry, true);
            }
            Ok(watcher::Event::Delete(object)) => {
                sync.succeeded(resource);
                store.delete(object.uid());
                telemetry.count_event(resource, "deleted");
            }
            Err(error) => {
                sync.failed(resource);
                if let watcher::Error::WatchError(_) = error {
                    telemetry.count_event(resource, "error");
                }
                if let watcher::Error::WatchFailed(kube::Error::SerdeError(_)) = error {
                    telemetry.count_decode_error(resource);
                }
                warn!(%resource, namespace, %error, "watch failed; retrying after backoff");
            }
        }
        telemetry.set_cache_objects(resource, store.len());
    }
}

/// Stores a decoded object, pruned of what no family serves, or counts and
/// logs one that could not be read and keeps its last good version. Watch
/// events (not the initial list) are counted as added or modified.
fn apply<T: Object>(
    store: &Store<T>,
    source: usize,
    object: Wire<T>,
    exposure: &Exposure,
    telemetry: &Telemetry,
    from_watch: bool,
) {
    let resource = T::RESOURCE;
    match object.object {
        Ok(mut decoded) => {
            decoded.prune(exposure);
            let existed = store.apply(source, decoded);
            if from_watch {
                telemetry.count_event(resource, if existed { "modified" } else { "added" });
            }
        }
        Err(ref error) => {
            telemetry.count_decode_error(resource);
            warn!(
                %resource,
                namespace = object.namespace(),
                name = object.name(),
                %error,
                "skipping an object that could not be decoded"
            );
            store.keep(source, object.uid());
        }
    }
}
