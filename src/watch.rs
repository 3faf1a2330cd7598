//! Watching: one kube-runtime watcher per enabled kind (per namespace with
//! `--namespaces`) feeding that kind's store.
//!
//! The watcher lists in pages, then watches with bookmarks, relists on 410
//! Gone and backs off exponentially on errors (0.8 s to 30 s), which keeps
//! logging to one line per retry when the API server is away or refuses.
//!
//! The backoff is ours, not kube-runtime's `default_backoff()`: that one
//! resets on every `Ok` item, and the watcher yields `Event::Init` (an `Ok`)
//! before each list attempt, so against a real API server answering 403 it
//! retried every 0.8 s forever. Here only progress (a finished list, an
//! event) resets it.

use crate::cache::Store;
use crate::objects::{Exposure, Object, Resource, Wire, sweep_interned};
use crate::shard::CurrentShard;
use crate::telemetry::Telemetry;
use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Where one watcher looks.
#[derive(Clone, Debug)]
pub struct Scope {
    /// `None` watches the whole cluster.
    pub namespace: Option<String>,
    /// `metadata.namespace!=a,...` for `--namespaces-denylist`, then
    /// `spec.nodeName=...` for a pod node shard, comma-joined.
    pub field_selector: Option<String>,
    pub use_apiserver_cache: bool,
    /// Objects of other shards are dropped as they arrive; when the shard
    /// changes, the watcher lists again.
    pub shard: CurrentShard,
    /// The API server's URL, named in every failure line.
    pub apiserver: Arc<str>,
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
    /// The API server does not serve the kind's group version: readiness
    /// does not wait for it.
    absent: bool,
}

impl SyncState {
    pub fn register(&self, resource: Resource, watchers: usize) {
        self.lock().entry(resource).or_default().watchers = watchers;
    }

    fn set_absent(&self, resource: Resource, absent: bool) {
        self.lock().entry(resource).or_default().absent = absent;
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
            .filter(|(_, k)| !k.absent && k.listed.len() < k.watchers)
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

/// Returns once the API server serves the kind's group version. A kind the
/// cluster lacks (`autoscaling/v2` before 1.23, an alpha API not enabled)
/// is logged once and left out of readiness, and starts when its API
/// appears: discovery is asked again after 5 s, doubling to 5 minutes. A
/// discovery call that fails otherwise (API server away, 403) returns at
/// once: the watcher's own retries and logs cover those.
pub async fn until_served(client: &kube::Client, resource: Resource, sync: &SyncState) {
    const FIRST_RETRY: Duration = Duration::from_secs(5);
    const LAST_RETRY: Duration = Duration::from_secs(300);
    let api_version = resource.api_version();
    let mut retry = FIRST_RETRY;
    let mut absent = false;
    loop {
        let resources = match resource.group() {
            "" => client.list_core_api_resources(api_version).await,
            _ => client.list_api_group_resources(api_version).await,
        };
        let served = match resources {
            Ok(list) => Some(list.resources.iter().any(|r| r.name == resource.plural())),
            Err(kube::Error::Api(status)) if status.code == 404 => Some(false),
            // Unknown: the API server is away or refuses discovery.
            Err(_) => None,
        };
        match served {
            Some(true) => {
                if absent {
                    info!(%resource, api_version, "the API server now serves the kind; starting it");
                    sync.set_absent(resource, false);
                }
                return;
            }
            // At start the watcher's own retries report what is wrong.
            None if !absent => return,
            // Still absent, or unknown while the API server restarts: a
            // restart does not make a missing API appear.
            _ => {}
        }
        if !absent {
            warn!(
                %resource,
                api_version,
                "the API server does not serve {api_version} {}; left out until it does (readiness does not wait for it)",
                resource.plural()
            );
            sync.set_absent(resource, true);
            absent = true;
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY);
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
    let mut events = watcher(api.clone(), config.clone()).boxed();
    let mut backoff = Backoff::default();
    let mut shard = scope.shard.clone();
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            // A new shard: list again, so that the relist drops the objects
            // no longer owned and adds those newly owned, while scrapes go
            // on serving the old share until it finishes.
            Ok(()) = shard.changed() => {
                let now = *shard.borrow_and_update();
                info!(%resource, namespace, shard = now.ordinal, total_shards = now.total, "shard changed; listing again");
                events = watcher(api.clone(), config.clone()).boxed();
                continue;
            }
        };
        let Some(event) = event else { break };
        match event {
            Ok(watcher::Event::Init) => store.begin_relist(source),
            Ok(watcher::Event::InitApply(object)) => {
                apply(&store, source, object, &scope, &exposure, &telemetry, false);
            }
            Ok(watcher::Event::InitDone) => {
                backoff.reset();
                let removed = store.finish_relist(source);
                let synced = sync.listed(resource, source);
                telemetry.set_synced(resource, synced);
                let swept = sweep_interned();
                // The list's pages and decoding buffers are freed now.
                crate::memory::return_freed_pages();
                info!(%resource, namespace, objects = store.len(), removed, swept, "list finished");
            }
            Ok(watcher::Event::Apply(object)) => {
                backoff.reset();
                sync.succeeded(resource);
                apply(&store, source, object, &scope, &exposure, &telemetry, true);
            }
            Ok(watcher::Event::Delete(object)) => {
                backoff.reset();
                sync.succeeded(resource);
                store.delete(object.uid());
                telemetry.count_event(resource, "deleted");
            }
            // The history the watch would resume from is gone (etcd
            // compacted, or the API server restarted with a new watch
            // cache): nothing failed, the watcher lists again on its next
            // step. Waiting out a backoff grown by an outage just before
            // would leave the kind stale for up to 30 s more.
            Err(watcher::Error::WatchError(status)) if status.code == 410 => {
                telemetry.count_event(resource, "error");
                info!(%resource, namespace, "watch history expired (410 Gone); listing again");
            }
            Err(error) => {
                sync.failed(resource);
                if let watcher::Error::WatchError(_) = error {
                    telemetry.count_event(resource, "error");
                }
                // A watch line that is JSON but not a watch event lost an
                // event nobody can name: kube-runtime's watcher would read
                // on past it, so the store could miss a change or a
                // deletion until the next relist. Start over with a list
                // instead. (A line that is not JSON at all ends the stream
                // in `client::WatchLines`, and the watch resumes; a
                // malformed object inside a well-formed event is skipped
                // and counted in `apply`.)
                let lost_event = matches!(
                    error,
                    watcher::Error::WatchFailed(kube::Error::SerdeError(_))
                );
                if lost_event {
                    telemetry.count_decode_error(resource);
                }
                let delay = backoff.next_delay();
                let retry_in = format!("{:.1}s", delay.as_secs_f64());
                let cause = cause(&error, resource);
                warn!(
                    %resource,
                    namespace,
                    apiserver = %scope.apiserver,
                    retry_in,
                    relist = lost_event,
                    "watch failed; retrying after backoff: {cause}"
                );
                telemetry.set_cache_objects(resource, store.len());
                tokio::time::sleep(delay).await;
                if lost_event {
                    events = watcher(api.clone(), config.clone()).boxed();
                }
                continue;
            }
        }
        telemetry.set_cache_objects(resource, store.len());
    }
}

/// Why a call failed, in one line: the status and the API server's message
/// (with what to do about a 401 or 403), or the chain of causes down to the
/// operating system's (connection refused, a TLS certificate refused), which
/// the outermost error alone does not name ("client error (Connect)").
fn cause(error: &watcher::Error, resource: Resource) -> String {
    let status = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status))
        | watcher::Error::WatchFailed(kube::Error::Api(status)) => Some(status),
        watcher::Error::WatchError(status) => Some(status),
        _ => None,
    };
    if let Some(status) = status {
        // The API server's 403 message names the verb, the resource and
        // the user: "services is forbidden: User \"...\" cannot list
        // resource \"services\" in API group \"\" at the cluster scope".
        let advice = match status.code {
            401 => {
                " (the API server refused the credentials: check the token or client certificate)"
                    .to_string()
            }
            403 => format!(" (forbidden by RBAC: grant list and watch on {resource})"),
            _ => String::new(),
        };
        return format!(
            "{} {}: {}{advice}",
            status.code, status.reason, status.message
        );
    }
    error_chain(error)
}

/// An error and its causes in one line, down to the operating system's.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        let mut text = e.to_string();
        if is_tls(e) {
            text = format!("TLS: {text}");
        }
        // Most errors repeat their source's text in their own.
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// rustls' errors ("received corrupt message of type InvalidContentType",
/// "invalid peer certificate: UnknownIssuer") arrive wrapped in I/O errors
/// (`Other` around tokio-rustls' `InvalidData`), whose `source()` skips
/// the wrapping: InvalidData is the only such error of a connection
/// attempt, so it names the cause as TLS.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut io = error.downcast_ref::<std::io::Error>();
    while let Some(e) = io {
        if e.kind() == std::io::ErrorKind::InvalidData {
            return true;
        }
        io = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<std::io::Error>());
    }
    false
}

/// Exponential backoff between failed attempts: 0.8 s doubling to 30 s,
/// each delay jittered down by up to a quarter so that many watchers do not
/// retry in step. Reset by progress only.
#[derive(Default)]
pub(crate) struct Backoff {
    failures: u32,
}

impl Backoff {
    const MIN: Duration = Duration::from_millis(800);
    const MAX: Duration = Duration::from_secs(30);

    pub(crate) fn next_delay(&mut self) -> Duration {
        let full = Self::MIN
            .saturating_mul(1 << self.failures.min(16))
            .min(Self::MAX);
        self.failures = self.failures.saturating_add(1);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        full - full.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }

    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Stores a decoded object, pruned of what no family serves, or counts and
/// logs one that could not be read and keeps its last good version. Watch
/// events (not the initial list) are counted as added or modified.
fn apply<T: Object>(
    store: &Store<T>,
    source: usize,
    object: Wire<T>,
    scope: &Scope,
    exposure: &Exposure,
    telemetry: &Telemetry,
    from_watch: bool,
) {
    if !scope.shard.borrow().owns(object.uid()) {
        return;
    }
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

#[cfg(test)]
mod tests {
    use super::Backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<Duration> = (0..8).map(|_| backoff.next_delay()).collect();
        let full = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0];
        for (delay, full) in delays.iter().zip(full) {
            let secs = delay.as_secs_f64();
            assert!(secs <= full && secs >= full * 0.75, "{secs} vs {full}");
        }
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(800));
    }
}
