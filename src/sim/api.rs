//! The Kubernetes API endpoints: discovery, version, list (with paging),
//! watch (with replay, bookmarks and the 410 forms) and single-object GET.

use crate::kinds::Resource;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::{Bytes, BytesMut};
use futures::SinkExt;
use futures::channel::mpsc;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::status::{Details, Status};
use super::store::{
    FieldTerm, ListSource, NsFilter, WatchFrom, WatchStart, bookmark_line, range_from,
    selectable_fields, watch_line, with_kind,
};
use super::{Cut, Inner};

/// How often an idle watch with allowWatchBookmarks gets a BOOKMARK. The
/// real API server sends them about once a minute; sooner keeps tests short
/// and is equally valid for clients.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(3);
/// The API server's default watch timeout is 30-60 minutes; use the low end.
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

type Shared = Arc<Inner>;
type Params = Query<HashMap<String, String>>;

pub(crate) fn router(inner: Shared) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/api", get(discovery_api))
        .route("/apis", get(discovery_apis))
        .route("/api/v1", get(discovery_core_v1))
        .route("/apis/{group}/{version}", get(discovery_group))
        .route("/api/v1/{plural}", get(core_all))
        .route("/api/v1/{plural}/{name}", get(core_cluster_get))
        .route("/api/v1/namespaces/{ns}/{plural}", get(core_ns))
        .route("/api/v1/namespaces/{ns}/{plural}/{name}", get(core_ns_get))
        .route("/apis/{group}/{version}/{plural}", get(group_all))
        .route(
            "/apis/{group}/{version}/{plural}/{name}",
            get(group_cluster_get),
        )
        .route(
            "/apis/{group}/{version}/namespaces/{ns}/{plural}",
            get(group_ns),
        )
        .route(
            "/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}",
            get(group_ns_get),
        )
        .fallback(fallback)
        .with_state(inner)
}

fn json_response(code: StatusCode, body: Bytes) -> Response {
    with_api_headers((code, body).into_response())
}

/// The headers the API server puts on every JSON answer, lists and watches
/// alike.
fn with_api_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    resp
}

async fn fallback(State(inner): State<Shared>) -> Response {
    if inner.unavailable() {
        return Status::unavailable().into_response();
    }
    Status::no_route().into_response()
}

/// During a simulated restart every API request gets 503.
fn static_doc(inner: &Inner, body: String) -> Response {
    if inner.unavailable() {
        return Status::unavailable().into_response();
    }
    json_response(StatusCode::OK, Bytes::from(body))
}

async fn version(State(inner): State<Shared>) -> Response {
    static_doc(
        &inner,
        r#"{
  "major": "1",
  "minor": "33",
  "gitVersion": "v1.33.0-kubestate-sim",
  "gitCommit": "0000000000000000000000000000000000000000",
  "gitTreeState": "clean",
  "buildDate": "2026-01-01T00:00:00Z",
  "goVersion": "go1.24.0",
  "compiler": "gc",
  "platform": "linux/amd64"
}"#
        .to_string(),
    )
}

async fn discovery_api(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    // The real server reports its own address; ours is whatever the client used.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:6443");
    let host = serde_json::to_string(host).unwrap_or_else(|_| "\"127.0.0.1:6443\"".into());
    static_doc(
        &inner,
        format!(
            r#"{{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{{"clientCIDR":"0.0.0.0/0","serverAddress":{host}}}]}}"#
        ),
    )
}

/// The API groups of the registry's kinds, each at the one version served.
async fn discovery_apis(State(inner): State<Shared>) -> Response {
    let mut groups: Vec<&str> = Resource::ALL
        .iter()
        .filter(|k| !k.group().is_empty() && inner.serves(**k))
        .map(|k| k.api_version())
        .collect();
    groups.sort();
    groups.dedup();
    let groups: Vec<serde_json::Value> = groups
        .into_iter()
        .map(|group_version| {
            let (group, version) = group_version.split_once('/').unwrap_or(("", group_version));
            let version = serde_json::json!({"groupVersion": group_version, "version": version});
            serde_json::json!({"name": group, "versions": [version], "preferredVersion": version})
        })
        .collect();
    static_doc(
        &inner,
        serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
            .to_string(),
    )
}

async fn discovery_core_v1(State(inner): State<Shared>) -> Response {
    if let Some(failed) = failed_discovery(&inner, "v1") {
        return failed;
    }
    static_doc(&inner, resource_list(&inner, "v1"))
}

/// A kind both `absent` and given a `status` fault makes discovery of its
/// group version fail with that status: an API server whose discovery is
/// broken while the kind is missing.
fn failed_discovery(inner: &Inner, group_version: &str) -> Option<Response> {
    Resource::ALL
        .iter()
        .filter(|k| k.api_version() == group_version && !inner.serves(**k))
        .find_map(|&k| Some((k, inner.fault(k).status?)))
        .map(|(kind, code)| Status::for_fault(code, kind, "get", None).into_response())
}

async fn discovery_group(
    State(inner): State<Shared>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    let group_version = format!("{group}/{version}");
    if let Some(failed) = failed_discovery(&inner, &group_version) {
        return failed;
    }
    if !Resource::ALL
        .iter()
        .any(|k| k.api_version() == group_version && inner.serves(*k))
    {
        return Status::no_route().into_response();
    }
    static_doc(&inner, resource_list(&inner, &group_version))
}

/// The APIResourceList of one group version, shaped like the captures'.
fn resource_list(inner: &Inner, group_version: &str) -> String {
    let resources: Vec<serde_json::Value> = Resource::ALL
        .iter()
        .filter(|k| k.api_version() == group_version && inner.serves(**k))
        .map(|k| {
            serde_json::json!({
                "name": k.plural(),
                "singularName": "",
                "namespaced": k.namespaced(),
                "kind": k.kind(),
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            })
        })
        .collect();
    serde_json::json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
    .to_string()
}

/// Resolves a path's plural within an API group version; `None` means 404.
fn resolve(
    inner: &Inner,
    api_version: &str,
    plural: &str,
    namespaced_path: bool,
) -> Option<Resource> {
    Resource::from_plural(plural).filter(|k| {
        k.api_version() == api_version && (k.namespaced() || !namespaced_path) && inner.serves(*k)
    })
}

async fn core_all(State(inner): State<Shared>, Path(plural): Path<String>, q: Params) -> Response {
    collection(inner, "v1", &plural, None, q.0).await
}

async fn core_ns(
    State(inner): State<Shared>,
    Path((ns, plural)): Path<(String, String)>,
    q: Params,
) -> Response {
    collection(inner, "v1", &plural, Some(ns), q.0).await
}

async fn group_all(
    State(inner): State<Shared>,
    Path((group, version, plural)): Path<(String, String, String)>,
    q: Params,
) -> Response {
    collection(inner, &format!("{group}/{version}"), &plural, None, q.0).await
}

async fn group_ns(
    State(inner): State<Shared>,
    Path((group, version, ns, plural)): Path<(String, String, String, String)>,
    q: Params,
) -> Response {
    collection(inner, &format!("{group}/{version}"), &plural, Some(ns), q.0).await
}

async fn core_cluster_get(
    State(inner): State<Shared>,
    Path((plural, name)): Path<(String, String)>,
) -> Response {
    single(&inner, "v1", &plural, None, &name)
}

async fn core_ns_get(
    State(inner): State<Shared>,
    Path((ns, plural, name)): Path<(String, String, String)>,
) -> Response {
    single(&inner, "v1", &plural, Some(&ns), &name)
}

async fn group_cluster_get(
    State(inner): State<Shared>,
    Path((group, version, plural, name)): Path<(String, String, String, String)>,
) -> Response {
    single(&inner, &format!("{group}/{version}"), &plural, None, &name)
}

async fn group_ns_get(
    State(inner): State<Shared>,
    Path((group, version, ns, plural, name)): Path<(String, String, String, String, String)>,
) -> Response {
    single(
        &inner,
        &format!("{group}/{version}"),
        &plural,
        Some(&ns),
        &name,
    )
}

fn single(
    inner: &Inner,
    api_version: &str,
    plural: &str,
    ns: Option<&str>,
    name: &str,
) -> Response {
    if inner.unavailable() {
        return Status::unavailable().into_response();
    }
    let Some(kind) = resolve(inner, api_version, plural, ns.is_some()) else {
        return Status::no_route().into_response();
    };
    if ns.is_none() && kind.namespaced() {
        // `/api/v1/pods/x` is not a route of the real server either.
        return Status::no_route().into_response();
    }
    if let Some(code) = inner.fault(kind).status {
        return Status::for_fault(code, kind, "get", ns).into_response();
    }
    match inner.store.get(kind, ns.unwrap_or(""), name) {
        Some(obj) => json_response(StatusCode::OK, with_kind(kind, &obj.body)),
        None => Status::not_found(kind, name).into_response(),
    }
}

fn is_true(v: Option<&String>) -> bool {
    matches!(v.map(String::as_str), Some("true" | "1"))
}

async fn collection(
    inner: Shared,
    api_version: &str,
    plural: &str,
    ns: Option<String>,
    q: HashMap<String, String>,
) -> Response {
    if inner.unavailable() {
        return Status::unavailable().into_response();
    }
    let Some(kind) = resolve(&inner, api_version, plural, ns.is_some()) else {
        return Status::no_route().into_response();
    };
    let watch = is_true(q.get("watch"));
    inner.count_request(kind, watch);
    let fault = inner.fault(kind);
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(code) = fault.status {
        let verb = if watch { "watch" } else { "list" };
        let mut response = Status::for_fault(code, kind, verb, ns.as_deref()).into_response();
        if let Some(seconds) = fault.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        return response;
    }
    // labelSelector is accepted and ignored: the exporter watches
    // everything, and the simulator's objects are not meant to be filtered
    // by label. Field selectors on namespace, name and the kind's
    // selectable fields are honoured.
    let mut filter = match parse_field_selector(kind, q.get("fieldSelector").map(String::as_str)) {
        Ok(f) => f,
        Err(msg) => return Status::bad_request(msg).into_response(),
    };
    if let Some(ns) = ns {
        filter.equals.insert(0, ns);
    }
    if watch {
        watch_response(inner, kind, filter, &q)
    } else {
        list_response(&inner, kind, &filter, &q)
    }
}

/// Errors are the message of a 400 BadRequest.
fn parse_field_selector(kind: Resource, sel: Option<&str>) -> Result<NsFilter, String> {
    let mut f = NsFilter::default();
    for term in sel
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.trim().is_empty())
    {
        let (field, value, negate) = if let Some((a, b)) = term.split_once("!=") {
            (a, b, true)
        } else if let Some((a, b)) = term.split_once("==") {
            (a, b, false)
        } else if let Some((a, b)) = term.split_once('=') {
            (a, b, false)
        } else {
            return Err(format!(
                "invalid selector: '{term}'; can't understand '{term}'"
            ));
        };
        let value = value.trim().to_string();
        match (field.trim(), negate) {
            ("metadata.namespace", false) => f.equals.push(value),
            ("metadata.namespace", true) => f.not_equals.push(value),
            ("metadata.name", false) => f.name_equals.push(value),
            ("metadata.name", true) => f.name_not_equals.push(value),
            (other, negate) => {
                let Some(index) = selectable_fields(kind)
                    .iter()
                    .position(|(field, _)| *field == other)
                else {
                    return Err(format!("field label not supported: {other}"));
                };
                f.fields.push(FieldTerm {
                    index,
                    value,
                    negate,
                });
            }
        }
    }
    Ok(f)
}

// ---------------------------------------------------------------- continue tokens

/// The API server's continue token: base64url (no padding) of this JSON,
/// where `start` is the last returned key plus "\0" and `rv` the list's
/// resourceVersion (-1 for an "inconsistent" continuation).
#[derive(Serialize, Deserialize)]
struct ContinueToken {
    v: String,
    rv: i64,
    start: String,
}

fn encode_continue(rv: i64, start: String) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start,
    };
    base64url_encode(&serde_json::to_vec(&token).unwrap_or_default())
}

/// Errors are the message of a 400 BadRequest.
fn decode_continue(s: &str) -> Result<ContinueToken, String> {
    let invalid = |why: &str| format!("continue key is not valid: {why}");
    let raw = base64url_decode(s).ok_or_else(|| invalid("illegal base64 data"))?;
    let token: ContinueToken = serde_json::from_slice(&raw).map_err(|e| invalid(&e.to_string()))?;
    if token.v != "meta.k8s.io/v1" {
        return Err(invalid(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    if token.rv == 0 || token.rv < -1 {
        return Err(invalid(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    Ok(token)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Accepts the URL-safe and the standard alphabet, padded or not.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- list

fn list_response(
    inner: &Inner,
    kind: Resource,
    filter: &NsFilter,
    q: &HashMap<String, String>,
) -> Response {
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Status::bad_request("limit must be a non-negative integer").into_response();
        }
    };
    let token = match q.get("continue").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match decode_continue(c) {
            Ok(t) => Some(t),
            Err(msg) => return Status::bad_request(msg).into_response(),
        },
    };
    let requested_rv = q.get("resourceVersion").filter(|r| !r.is_empty());
    let exact = q.get("resourceVersionMatch").map(String::as_str) == Some("Exact");

    let (source, start) = match &token {
        // rv -1: the client chose to continue inconsistently after a 410.
        Some(t) if t.rv == -1 => (inner.store.current_source(kind), Some(t.start.clone())),
        Some(t) => match inner.store.source_at(kind, t.rv.unsigned_abs()) {
            Ok(src) => (src, Some(t.start.clone())),
            Err(_) => {
                let again = encode_continue(-1, t.start.clone());
                return Status::expired_continue(again).into_response();
            }
        },
        None if exact => {
            let Some(rv) = requested_rv.and_then(|r| r.parse::<u64>().ok()) else {
                return Status::bad_request("resourceVersionMatch=Exact needs a resourceVersion")
                    .into_response();
            };
            match inner.store.source_at(kind, rv) {
                Ok(src) => (src, None),
                Err(_) => {
                    return Status::new(
                        410,
                        "Expired",
                        "The resourceVersion for the provided list is too old.",
                    )
                    .into_response();
                }
            }
        }
        // resourceVersion "0", NotOlderThan, or none: the current state is
        // a valid answer for all of them.
        None => (inner.store.current_source(kind), None),
    };
    render_list(inner, kind, filter, &source, start.as_deref(), limit)
}

fn render_list(
    inner: &Inner,
    kind: Resource,
    filter: &NsFilter,
    source: &ListSource,
    start: Option<&str>,
    limit: usize,
) -> Response {
    // A path namespace narrows the key range instead of scanning everything.
    let prefix = match (kind.namespaced(), filter.equals.first()) {
        (true, Some(ns)) => Some(format!("{ns}/")),
        _ => None,
    };
    let lower = match (start, &prefix) {
        (Some(s), Some(p)) => Some(if s > p.as_str() { s } else { p.as_str() }),
        (Some(s), None) => Some(s),
        (None, Some(p)) => Some(p.as_str()),
        (None, None) => None,
    };
    let mut matching = range_from(&source.objects, lower)
        .take_while(|(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())))
        .filter(|(k, obj)| filter.matches(kind, k, &obj.fields));

    let mut items = BytesMut::new();
    let mut last_key = None;
    let mut n = 0usize;
    for (k, obj) in matching.by_ref() {
        if n > 0 {
            items.extend_from_slice(b",");
        }
        items.extend_from_slice(&obj.body);
        n += 1;
        if limit > 0 && n == limit {
            last_key = Some(k.clone());
            break;
        }
    }
    let mut meta = format!("{{\"resourceVersion\":\"{}\"", source.rv);
    if let Some(last) = last_key {
        let remaining = matching.count();
        if remaining > 0 {
            let token = encode_continue(source.rv as i64, format!("{last}\u{0}"));
            meta.push_str(&format!(",\"continue\":\"{token}\""));
            if !filter.is_selector() {
                meta.push_str(&format!(",\"remainingItemCount\":{remaining}"));
            }
            inner.store.keep_snapshot(kind, source);
        }
    }
    meta.push('}');
    let mut body = BytesMut::with_capacity(items.len() + meta.len() + 64);
    body.extend_from_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{meta},\"items\":[",
            kind.kind(),
            kind.api_version()
        )
        .as_bytes(),
    );
    body.extend_from_slice(&items);
    body.extend_from_slice(b"]}");
    json_response(StatusCode::OK, body.freeze())
}

// ---------------------------------------------------------------- watch

fn watch_response(
    inner: Shared,
    kind: Resource,
    filter: NsFilter,
    q: &HashMap<String, String>,
) -> Response {
    if q.contains_key("resourceVersionMatch") {
        // As the 1.20 server in the captures: streaming lists are not supported.
        return Status::new(
            422,
            "Invalid",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch",
        )
        .details(Details {
            name: None,
            group: Some("meta.k8s.io".into()),
            kind: Some("ListOptions".into()),
        })
        .into_response();
    }
    let from = match q.get("resourceVersion").map(String::as_str) {
        None | Some("") | Some("0") => WatchFrom::Now,
        Some(rv) => match rv.parse::<u64>() {
            Ok(rv) => WatchFrom::Rv(rv),
            Err(_) => {
                return Status::bad_request(format!("invalid resource version: {rv}"))
                    .into_response();
            }
        },
    };
    let requested = match from {
        WatchFrom::Rv(rv) => rv,
        WatchFrom::Now => 0,
    };
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|t| *t > 0)
        .map_or(DEFAULT_WATCH_TIMEOUT, Duration::from_secs);
    let bookmarks = is_true(q.get("allowWatchBookmarks"));

    let body = match inner.store.watch(kind, &filter, from) {
        Ok(start) => {
            let (tx, rx) = mpsc::channel::<Result<Bytes, CutShort>>(256);
            tokio::spawn(run_watch(
                inner, kind, filter, start, bookmarks, timeout, tx,
            ));
            Body::from_stream(rx)
        }
        // Like the real server: HTTP 200, then one ERROR event, then the end.
        Err(compacted) => Body::from(error_line(&Status::too_old(requested, compacted))),
    };
    with_api_headers(Response::new(body))
}

/// Ends a watch body mid-line: hyper drops the connection without the
/// last chunk, so the client sees the body cut short.
#[derive(Debug, thiserror::Error)]
#[error("watch stream cut short by an injected fault")]
struct CutShort;

type Lines = mpsc::Sender<Result<Bytes, CutShort>>;

/// Sends one event line, cut short if the kind has a `cut_next_event`
/// fault; false when the stream must end (the client left, or the cut
/// closes it).
async fn send_event(inner: &Inner, kind: Resource, tx: &mut Lines, line: Bytes) -> bool {
    let Some(cut) = inner.take_cut(kind) else {
        return tx.send(Ok(line)).await.is_ok();
    };
    let half = line.slice(..line.len() / 2);
    match cut {
        Cut::Truncated => {
            let mut garbled = BytesMut::from(&half[..]);
            garbled.extend_from_slice(b"\n");
            tx.send(Ok(garbled.freeze())).await.is_ok()
        }
        Cut::Closed => {
            let _ = tx.send(Ok(half)).await;
            let _ = tx.send(Err(CutShort)).await;
            false
        }
    }
}

fn error_line(status: &Status) -> Bytes {
    let mut line = BytesMut::from(&b"{\"type\":\"ERROR\",\"object\":"[..]);
    line.extend_from_slice(&status.to_bytes());
    line.extend_from_slice(b"}\n");
    line.freeze()
}

async fn run_watch(
    inner: Shared,
    kind: Resource,
    filter: NsFilter,
    start: WatchStart,
    bookmarks: bool,
    timeout: Duration,
    mut tx: Lines,
) {
    let mut close = inner.close_watches.subscribe();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let WatchStart {
        snapshot,
        replay,
        rv: mut last,
        mut rx,
    } = start;
    // Send errors below mean the client went away: just stop.
    if let Some(objects) = snapshot {
        for (k, obj) in objects.iter() {
            if filter.matches(kind, k, &obj.fields)
                && !send_event(&inner, kind, &mut tx, watch_line("ADDED", kind, &obj.body)).await
            {
                return;
            }
        }
    }
    for line in replay {
        if !send_event(&inner, kind, &mut tx, line).await {
            return;
        }
    }
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::now() + BOOKMARK_INTERVAL,
        BOOKMARK_INTERVAL,
    );
    loop {
        let line = tokio::select! {
            _ = &mut deadline => {
                // A last bookmark lets the client resume exactly here.
                if bookmarks {
                    let _ = tx.send(Ok(bookmark_line(kind, last))).await;
                }
                return;
            }
            _ = close.changed() => return,
            _ = ticker.tick(), if bookmarks => {
                if tx.send(Ok(bookmark_line(kind, last))).await.is_err() {
                    return;
                }
                continue;
            }
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    if ev.rv <= last {
                        continue;
                    }
                    // Events of other kinds advance the bookmark too: the
                    // revision is global, as in etcd.
                    last = ev.rv;
                    if ev.kind != kind {
                        continue;
                    }
                    let Some(line) = filter.event_line(&ev) else {
                        continue;
                    };
                    line
                }
                Err(RecvError::Lagged(_)) => {
                    // Too far behind to replay from the buffer: make the
                    // client re-list rather than let it miss events.
                    let status = Status::too_old(last, inner.store.compacted_rv().max(last + 1));
                    let _ = tx.send(Ok(error_line(&status))).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
        };
        if !send_event(&inner, kind, &mut tx, line).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_token_matches_capture() {
        // From list-pods-limit2-page1.json.
        let captured = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDM1LCJzdGFydCI6ImFwcHMvYXBpLWM4NTliOWM5OS12Mm5qaFx1MDAwMCJ9";
        assert_eq!(
            encode_continue(435, "apps/api-c859b9c99-v2njh\u{0}".into()),
            captured
        );
        let t = decode_continue(captured).unwrap();
        assert_eq!(t.rv, 435);
        assert_eq!(t.start, "apps/api-c859b9c99-v2njh\u{0}");
        // The inconsistent token from 410-list-expired-continue.json.
        assert_eq!(
            encode_continue(-1, "apps/api-c859b9c99-v2njh\u{0}".into()),
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYXBwcy9hcGktYzg1OWI5Yzk5LXYybmpoXHUwMDAwIn0"
        );
        assert!(decode_continue("!!").is_err());
    }

    #[test]
    fn base64_roundtrip() {
        for len in 0..20 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64url_decode(&base64url_encode(&data)), Some(data));
        }
    }
}
