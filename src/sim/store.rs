//! The object store: serialized objects per kind, one global resourceVersion
//! counter (like etcd's revision), a bounded history of events for watch
//! replay, and a broadcast channel for live watchers.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use tokio::sync::broadcast;

use super::rng::Rng;
use crate::kinds::Resource;

/// How many events the history keeps; older ones are compacted away, just
/// like the API server's etcd compaction, and resuming before them gets 410.
pub(crate) const HISTORY_LIMIT: usize = 10_000;
/// Live-event buffer per watcher; a watcher that falls further behind is
/// ended with a 410 ERROR instead of silently missing events.
const BROADCAST_CAPACITY: usize = 16_384;
/// Paged-list snapshots kept so continue tokens see a consistent list.
const SNAPSHOT_LIMIT: usize = 8;

/// The body of a BOOKMARK object after kind/apiVersion/metadata: the
/// zero-valued spec/status the real API server serializes (see the
/// watch-*.jsonl captures). Clients read only the resourceVersion.
fn bookmark_rest(kind: Resource) -> &'static str {
    match kind {
        Resource::Pods => r#""spec":{"containers":null},"status":{}"#,
        Resource::Nodes => {
            r#""spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}"#
        }
        Resource::Services => r#""spec":{},"status":{"loadBalancer":{}}"#,
        Resource::Deployments => {
            r#""spec":{"replicas":0,"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"strategy":{}},"status":{}"#
        }
        // VolumeResourceRequirements is a struct, which Go always writes.
        Resource::PersistentVolumeClaims => r#""spec":{"resources":{}},"status":{}"#,
        _ => r#""spec":{},"status":{}"#,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// A stored object: its JSON without kind/apiVersion, as list items are
/// (its resourceVersion is inside the body). The uid is kept apart so a
/// replacement without one keeps the object's identity, and the values of
/// its selectable fields so a field selector needs no parsing.
#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub(crate) uid: Arc<str>,
    pub(crate) body: Bytes,
    pub(crate) fields: Fields,
}

/// The values of a kind's `selectable_fields`, in their order.
pub(crate) type Fields = Box<[Box<str>]>;

/// The fields a field selector may name besides `metadata.namespace` and
/// `metadata.name`, and where each is in the object: of the API server's
/// per-kind field sets, those the exporter's flags use. Any other field is
/// refused (400), as the API server refuses a field it does not index.
pub(crate) fn selectable_fields(kind: Resource) -> &'static [(&'static str, &'static str)] {
    match kind {
        // --node and --track-unscheduled-pods; absent means "" (unscheduled).
        Resource::Pods => &[("spec.nodeName", "/spec/nodeName")],
        _ => &[],
    }
}

fn fields_of(kind: Resource, object: &Value) -> Fields {
    selectable_fields(kind)
        .iter()
        .map(|(_, pointer)| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .into()
        })
        .collect()
}

pub(crate) type ObjMap = BTreeMap<String, Obj>;

/// A change, with its watch line pre-rendered once for every watcher.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) kind: Resource,
    pub(crate) key: String,
    pub(crate) rv: u64,
    pub(crate) line: Bytes,
    /// The object's selectable fields after the change (for a deletion,
    /// as it was).
    pub(crate) fields: Fields,
    /// Set when an update changed selectable fields.
    pub(crate) moved: Option<Moved>,
}

impl Event {
    fn new(
        kind: Resource,
        key: String,
        rv: u64,
        type_: EventType,
        obj: &Obj,
        moved: Option<Moved>,
    ) -> Event {
        Event {
            kind,
            key,
            rv,
            line: watch_line(type_.as_str(), kind, &obj.body),
            fields: obj.fields.clone(),
            moved,
        }
    }
}

/// An update that changed selectable fields (a pod bound to a node). As
/// from the API server's watch cache, a watch whose field selector the
/// object now enters gets it as ADDED, and one it leaves gets DELETED with
/// the object as it was, at this event's resourceVersion.
#[derive(Debug)]
pub(crate) struct Moved {
    prev_fields: Fields,
    added: Bytes,
    deleted: Bytes,
}

/// The etcd-style key: `ns/name` for namespaced kinds, `name` otherwise.
/// Lists are ordered by it, and continue tokens carry it.
pub(crate) fn key(kind: Resource, namespace: &str, name: &str) -> String {
    if kind.namespaced() {
        format!("{namespace}/{name}")
    } else {
        name.to_string()
    }
}

/// The namespace part of a key ("" for cluster-scoped kinds).
pub(crate) fn key_namespace(kind: Resource, key: &str) -> &str {
    if kind.namespaced() {
        key.split_once('/').map_or("", |(ns, _)| ns)
    } else {
        ""
    }
}

/// `{"type":T,"object":{"kind":K,"apiVersion":V,<body fields>}}\n`: watch
/// objects carry kind/apiVersion, stored bodies do not, so splice them in.
pub(crate) fn watch_line(type_: &str, kind: Resource, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(body.len() + 96);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(type_.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    out.extend_from_slice(&with_kind(kind, body));
    out.extend_from_slice(b"}\n");
    out.freeze()
}

/// The stored body with kind/apiVersion put first, as single GETs and
/// watch events show it.
pub(crate) fn with_kind(kind: Resource, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(body.len() + 64);
    out.extend_from_slice(b"{\"kind\":\"");
    out.extend_from_slice(kind.kind().as_bytes());
    out.extend_from_slice(b"\",\"apiVersion\":\"");
    out.extend_from_slice(kind.api_version().as_bytes());
    out.extend_from_slice(b"\"");
    let inner = body
        .get(1..body.len().saturating_sub(1))
        .unwrap_or_default();
    if !inner.iter().all(u8::is_ascii_whitespace) {
        out.extend_from_slice(b",");
        out.extend_from_slice(inner);
    }
    out.extend_from_slice(b"}");
    out.freeze()
}

pub(crate) fn bookmark_line(kind: Resource, rv: u64) -> Bytes {
    Bytes::from(format!(
        "{{\"type\":\"BOOKMARK\",\"object\":{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{rv}\",\"creationTimestamp\":null}},{}}}}}\n",
        kind.kind(),
        kind.api_version(),
        bookmark_rest(kind)
    ))
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("object has no metadata.name")]
    NoName,
    #[error("object is not a JSON object")]
    NotAnObject,
    #[error("cannot serialize object: {0}")]
    Json(#[from] serde_json::Error),
}

/// Which objects a list or watch covers: by namespace and name (from the
/// key) and by selectable fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct NsFilter {
    /// From the path or `metadata.namespace=X`; several must all agree.
    pub(crate) equals: Vec<String>,
    /// From `metadata.namespace!=X`.
    pub(crate) not_equals: Vec<String>,
    /// From `metadata.name=X` / `metadata.name!=X`.
    pub(crate) name_equals: Vec<String>,
    pub(crate) name_not_equals: Vec<String>,
    /// From `<field>=X` / `<field>!=X` on a selectable field.
    pub(crate) fields: Vec<FieldTerm>,
}

/// One term on a selectable field.
#[derive(Debug, Clone)]
pub(crate) struct FieldTerm {
    /// Its position in the kind's `selectable_fields`.
    pub(crate) index: usize,
    pub(crate) value: String,
    pub(crate) negate: bool,
}

impl NsFilter {
    pub(crate) fn matches_ns(&self, ns: &str) -> bool {
        self.equals.iter().all(|e| e == ns) && self.not_equals.iter().all(|e| e != ns)
    }
    fn matches_key(&self, kind: Resource, key: &str) -> bool {
        let ns = key_namespace(kind, key);
        let name = if kind.namespaced() {
            key.split_once('/').map_or(key, |(_, n)| n)
        } else {
            key
        };
        self.matches_ns(ns)
            && self.name_equals.iter().all(|e| e == name)
            && self.name_not_equals.iter().all(|e| e != name)
    }
    fn matches_fields(&self, fields: &[Box<str>]) -> bool {
        self.fields.iter().all(|term| {
            fields
                .get(term.index)
                .is_some_and(|value| (**value == *term.value) != term.negate)
        })
    }
    pub(crate) fn matches(&self, kind: Resource, key: &str, fields: &[Box<str>]) -> bool {
        self.matches_key(kind, key) && self.matches_fields(fields)
    }
    /// What a watch with this filter is sent for an event of its kind:
    /// nothing, the event, or (when the object entered or left the
    /// selection) an ADDED or DELETED instead.
    pub(crate) fn event_line(&self, event: &Event) -> Option<Bytes> {
        if !self.matches_key(event.kind, &event.key) {
            return None;
        }
        let now = self.matches_fields(&event.fields);
        let Some(moved) = &event.moved else {
            return now.then(|| event.line.clone());
        };
        match (self.matches_fields(&moved.prev_fields), now) {
            (true, true) => Some(event.line.clone()),
            (false, true) => Some(moved.added.clone()),
            (true, false) => Some(moved.deleted.clone()),
            (false, false) => None,
        }
    }
    /// Whether this is a real selector (the API server omits
    /// remainingItemCount when one is used), as opposed to a path namespace.
    pub(crate) fn is_selector(&self) -> bool {
        self.equals.len() > 1
            || !self.not_equals.is_empty()
            || !self.name_equals.is_empty()
            || !self.name_not_equals.is_empty()
            || !self.fields.is_empty()
    }
}

struct State {
    rv: u64,
    /// Every event with rv > compacted is still in `history`.
    compacted: u64,
    /// Where the API server's watch cache starts after a (simulated)
    /// restart: a watch resuming from an older resourceVersion gets 410,
    /// as from a real restarted kube-apiserver, whose cache is rebuilt from
    /// a fresh list at the current revision. Lists are not affected.
    watch_cache_from: u64,
    objects: Vec<Arc<ObjMap>>,
    history: VecDeque<Arc<Event>>,
    snapshots: VecDeque<(Resource, u64, Arc<ObjMap>)>,
    rng: Rng,
}

pub(crate) struct Store {
    state: Mutex<State>,
    tx: broadcast::Sender<Arc<Event>>,
}

pub(crate) struct ListSource {
    pub(crate) rv: u64,
    pub(crate) objects: Arc<ObjMap>,
}

pub(crate) enum WatchFrom {
    /// resourceVersion "" or "0": synthetic ADDED for the current state.
    Now,
    Rv(u64),
}

pub(crate) struct WatchStart {
    /// For `WatchFrom::Now`: the state to send as ADDED events.
    pub(crate) snapshot: Option<Arc<ObjMap>>,
    /// For `WatchFrom::Rv`: the lines of the history events after it.
    pub(crate) replay: Vec<Bytes>,
    /// Every event up to here is covered by snapshot/replay; the receiver
    /// delivers exactly the ones after it.
    pub(crate) rv: u64,
    pub(crate) rx: broadcast::Receiver<Arc<Event>>,
}

impl Store {
    pub(crate) fn new(seed: u64) -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            state: Mutex::new(State {
                // A real cluster's etcd revision is never 0 (bootstrap
                // writes come first), and "0" means "any version" to a
                // watch: an empty simulator must not list at "0", or a
                // client's watch from its list could never get a 410.
                rv: 1,
                compacted: 0,
                watch_cache_from: 0,
                objects: vec![Arc::default(); Resource::ALL.len()],
                history: VecDeque::new(),
                snapshots: VecDeque::new(),
                rng: Rng::new(seed ^ 0x5EED_0F0B_1EC7),
            }),
            tx,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-written
        // (each mutation is a single insert/remove), so keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub(crate) fn compacted_rv(&self) -> u64 {
        self.lock().compacted
    }

    pub(crate) fn count(&self, kind: Resource) -> usize {
        self.lock().objects[kind as usize].len()
    }

    pub(crate) fn objects(&self, kind: Resource) -> Arc<ObjMap> {
        self.lock().objects[kind as usize].clone()
    }

    pub(crate) fn get(&self, kind: Resource, namespace: &str, name: &str) -> Option<Obj> {
        self.lock().objects[kind as usize]
            .get(&key(kind, namespace, name))
            .cloned()
    }

    /// Creates or replaces an object given as JSON (with or without
    /// kind/apiVersion); assigns uid and creationTimestamp when absent and
    /// always a new resourceVersion. Returns the stored object.
    pub(crate) fn upsert(&self, kind: Resource, mut value: Value) -> Result<Obj, StoreError> {
        let map = value.as_object_mut().ok_or(StoreError::NotAnObject)?;
        map.remove("kind");
        map.remove("apiVersion");
        let meta = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        let meta = meta.as_object_mut().ok_or(StoreError::NotAnObject)?;
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or(StoreError::NoName)?
            .to_string();
        let namespace = if kind.namespaced() {
            let ns = meta
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("default")
                .to_string();
            meta.insert("namespace".into(), Value::String(ns.clone()));
            ns
        } else {
            meta.remove("namespace");
            String::new()
        };
        let k = key(kind, &namespace, &name);

        let mut st = self.lock();
        let existing = st.objects[kind as usize].get(&k).cloned();
        if meta.get("uid").and_then(Value::as_str).is_none() {
            let uid = match &existing {
                Some(e) => e.uid.to_string(),
                None => st.rng.uuid(),
            };
            meta.insert("uid".into(), Value::String(uid));
        }
        if meta
            .get("creationTimestamp")
            .and_then(Value::as_str)
            .is_none()
        {
            let created = existing
                .as_ref()
                .and_then(|e| serde_json::from_slice::<Value>(&e.body).ok())
                .and_then(|v| {
                    v["metadata"]["creationTimestamp"]
                        .as_str()
                        .map(str::to_string)
                })
                .unwrap_or_else(now_rfc3339);
            meta.insert("creationTimestamp".into(), Value::String(created));
        }
        let uid: Arc<str> = meta
            .get("uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        st.rv += 1;
        let rv = st.rv;
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        let body = Bytes::from(serde_json::to_vec(&value)?);
        let obj = Obj {
            uid,
            body,
            fields: fields_of(kind, &value),
        };
        let type_ = if existing.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        let moved = existing.filter(|e| e.fields != obj.fields).map(|e| Moved {
            added: watch_line("ADDED", kind, &obj.body),
            deleted: watch_line("DELETED", kind, &with_resource_version(&e.body, rv)),
            prev_fields: e.fields,
        });
        Arc::make_mut(&mut st.objects[kind as usize]).insert(k.clone(), obj.clone());
        self.record(&mut st, Event::new(kind, k, rv, type_, &obj, moved));
        Ok(obj)
    }

    /// Deletes an object; the DELETED event carries it with the deletion's
    /// resourceVersion, as the API server does.
    pub(crate) fn delete(&self, kind: Resource, namespace: &str, name: &str) -> Option<Obj> {
        let k = key(kind, namespace, name);
        let mut st = self.lock();
        let old = Arc::make_mut(&mut st.objects[kind as usize]).remove(&k)?;
        st.rv += 1;
        let rv = st.rv;
        let obj = Obj {
            body: with_resource_version(&old.body, rv),
            ..old
        };
        self.record(
            &mut st,
            Event::new(kind, k, rv, EventType::Deleted, &obj, None),
        );
        Some(obj)
    }

    fn record(&self, st: &mut State, ev: Event) {
        let ev = Arc::new(ev);
        st.history.push_back(ev.clone());
        while st.history.len() > HISTORY_LIMIT {
            if let Some(old) = st.history.pop_front() {
                st.compacted = old.rv;
            }
        }
        // Sent under the lock so receivers see events in rv order and a
        // watcher subscribing under the lock misses none. No receivers is fine.
        let _ = self.tx.send(ev);
    }

    /// A restart of the API server: its watch cache starts over at the
    /// current revision, so resuming a watch from before now gets 410.
    pub(crate) fn restart_watch_cache(&self) {
        let mut st = self.lock();
        st.watch_cache_from = st.rv;
    }

    /// Drops all history: resuming from any older resourceVersion now gets 410.
    pub(crate) fn compact(&self) {
        let mut st = self.lock();
        st.compacted = st.rv;
        st.history.clear();
        st.snapshots.clear();
    }

    /// The current state of a kind, for a list.
    pub(crate) fn current_source(&self, kind: Resource) -> ListSource {
        let st = self.lock();
        ListSource {
            rv: st.rv,
            objects: st.objects[kind as usize].clone(),
        }
    }

    /// The state a list at resourceVersion `rv` (a continue token's, or an
    /// Exact match) is served from: its snapshot if we kept it, else the
    /// current state (a valid NotOlderThan answer; exact history is not
    /// kept). `Err(compacted)` if `rv` is older than the compaction point.
    pub(crate) fn source_at(&self, kind: Resource, rv: u64) -> Result<ListSource, u64> {
        let st = self.lock();
        if rv < st.compacted {
            return Err(st.compacted);
        }
        Ok(st
            .snapshots
            .iter()
            .find(|(k, r, _)| *k == kind && *r == rv)
            .map(|(_, r, m)| ListSource {
                rv: *r,
                objects: m.clone(),
            })
            .unwrap_or_else(|| ListSource {
                rv: st.rv,
                objects: st.objects[kind as usize].clone(),
            }))
    }

    /// Keeps a paged list's snapshot for its continue tokens. The map is
    /// shared copy-on-write, so this costs one map clone at the next write.
    pub(crate) fn keep_snapshot(&self, kind: Resource, src: &ListSource) {
        let mut st = self.lock();
        if st
            .snapshots
            .iter()
            .any(|(k, r, _)| *k == kind && *r == src.rv)
        {
            return;
        }
        st.snapshots.push_back((kind, src.rv, src.objects.clone()));
        while st.snapshots.len() > SNAPSHOT_LIMIT {
            st.snapshots.pop_front();
        }
    }

    /// Starts a watch: `Err(compacted)` if `from` is older than the history.
    pub(crate) fn watch(
        &self,
        kind: Resource,
        filter: &NsFilter,
        from: WatchFrom,
    ) -> Result<WatchStart, u64> {
        let st = self.lock();
        let rx = self.tx.subscribe();
        match from {
            WatchFrom::Now => Ok(WatchStart {
                snapshot: Some(st.objects[kind as usize].clone()),
                replay: Vec::new(),
                rv: st.rv,
                rx,
            }),
            WatchFrom::Rv(rv) if rv < st.compacted.max(st.watch_cache_from) => {
                Err(st.compacted.max(st.watch_cache_from))
            }
            WatchFrom::Rv(rv) => {
                // History is in rv order: skip to the first event after rv.
                let start = st.history.partition_point(|e| e.rv <= rv);
                let replay = st
                    .history
                    .range(start..)
                    .filter(|e| e.kind == kind)
                    .filter_map(|e| filter.event_line(e))
                    .collect();
                Ok(WatchStart {
                    snapshot: None,
                    replay,
                    rv: st.rv.max(rv),
                    rx,
                })
            }
        }
    }
}

/// The body with its resourceVersion replaced: a deletion is reported
/// with the object as it was, at the deletion's revision.
fn with_resource_version(body: &Bytes, rv: u64) -> Bytes {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            v["metadata"]["resourceVersion"] = Value::String(rv.to_string());
            serde_json::to_vec(&v)
                .map(Bytes::from)
                .unwrap_or_else(|_| body.clone())
        }
        Err(_) => body.clone(),
    }
}

/// Iterates a kind's objects in key order starting at an etcd-style start
/// key (inclusive; continue tokens carry `lastkey\0`, i.e. "just after").
pub(crate) fn range_from<'a>(
    objects: &'a ObjMap,
    start: Option<&'a str>,
) -> impl Iterator<Item = (&'a String, &'a Obj)> + 'a {
    let lower = match start {
        Some(s) => Bound::Included(s),
        None => Bound::Unbounded,
    };
    objects.range::<str, _>((lower, Bound::Unbounded))
}

/// Wall-clock seconds (std, not jiff: k8s-openapi does not enable jiff's clock).
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The current time as the API prints it (seconds, UTC, `Z`).
pub(crate) fn now_rfc3339() -> String {
    k8s_openapi::jiff::Timestamp::from_second(now_unix())
        .map(|t| t.to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}
