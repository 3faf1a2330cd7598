//! Test and CLI control endpoints under `/sim/`: object CRUD, compaction,
//! closing watches, simulated restarts, fault and malformed-object
//! injection, churn on/off.

use crate::kinds::Resource;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::Inner;
use super::status::Status;
use super::store::with_kind;

/// How long `/sim/restart` keeps the API answering 503.
const RESTART_OUTAGE: Duration = Duration::from_secs(2);

type Shared = Arc<Inner>;

pub(crate) fn router(inner: Shared) -> Router {
    Router::new()
        .route("/sim/objects", put(put_object))
        .route("/sim/objects/{plural}", get(list_objects))
        .route("/sim/objects/{plural}/{ns}/{name}", delete(delete_object))
        .route("/sim/compact", post(compact))
        .route("/sim/close-watches", post(close_watches))
        .route("/sim/restart", post(restart))
        .route("/sim/faults", post(faults))
        .route("/sim/malformed", post(malformed))
        .route("/sim/churn", post(churn))
        .with_state(inner)
}

fn json(code: StatusCode, body: Bytes) -> Response {
    let mut resp = (code, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn ok(value: Value) -> Response {
    json(StatusCode::OK, Bytes::from(value.to_string()))
}

/// Errors are the message of a 400 BadRequest.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))
}

async fn put_object(State(inner): State<Shared>, body: Bytes) -> Response {
    let value: Value = match parse(&body) {
        Ok(v) => v,
        Err(msg) => return Status::bad_request(msg).into_response(),
    };
    let kind_name = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(kind) = Resource::from_kind(kind_name) else {
        return Status::bad_request(format!(
            "kind must be one of Pod, Node, Service, Deployment, not {kind_name:?}"
        ))
        .into_response();
    };
    let existed = value["metadata"]["name"].as_str().is_some_and(|name| {
        let ns = value["metadata"]["namespace"].as_str().unwrap_or("default");
        inner.store.get(kind, ns, name).is_some()
    });
    match inner.store.upsert(kind, value) {
        Ok(obj) => {
            let code = if existed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            json(code, with_kind(kind, &obj.body))
        }
        Err(e) => Status::bad_request(e.to_string()).into_response(),
    }
}

async fn delete_object(
    State(inner): State<Shared>,
    Path((plural, ns, name)): Path<(String, String, String)>,
) -> Response {
    let Some(kind) = Resource::from_plural(&plural) else {
        return Status::no_route().into_response();
    };
    // `_` stands for "no namespace" (nodes).
    let ns = if kind.namespaced() { ns.as_str() } else { "" };
    match inner.store.delete(kind, ns, &name) {
        Some(obj) => json(StatusCode::OK, with_kind(kind, &obj.body)),
        None => Status::not_found(kind, &name).into_response(),
    }
}

async fn list_objects(State(inner): State<Shared>, Path(plural): Path<String>) -> Response {
    let Some(kind) = Resource::from_plural(&plural) else {
        return Status::no_route().into_response();
    };
    let objects = inner.store.objects(kind);
    let mut body = BytesMut::from(&b"{\"items\":["[..]);
    for (i, obj) in objects.values().enumerate() {
        if i > 0 {
            body.extend_from_slice(b",");
        }
        body.extend_from_slice(&with_kind(kind, &obj.body));
    }
    body.extend_from_slice(
        format!("],\"resourceVersion\":\"{}\"}}", inner.store.current_rv()).as_bytes(),
    );
    json(StatusCode::OK, body.freeze())
}

/// Compaction as seen by a client without the API server's watch cache in
/// between (or past its window): continue tokens, Exact lists and watch
/// resumes from before it get 410. Harsher than a real v1.20 server, whose
/// watch cache kept serving open and resumed watches after `etcdctl
/// compact` (the real-cluster tier saw no relist); kept as a fault to test
/// the 410 path. `/sim/restart` is the faithful way to a watch 410.
async fn compact(State(inner): State<Shared>) -> Response {
    inner.store.compact();
    ok(json!({"compacted": inner.store.current_rv().to_string()}))
}

async fn close_watches(State(inner): State<Shared>) -> Response {
    inner.end_watches();
    ok(json!({"closed": true}))
}

async fn restart(State(inner): State<Shared>) -> Response {
    *inner
        .unavailable_until
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + RESTART_OUTAGE);
    // As a real kube-apiserver: its watch cache is rebuilt at the current
    // revision, so every watch resumed from before the restart gets 410
    // and its client lists again (seen against v1.20 in the real-cluster
    // tier). Without this, resumes replayed history and nothing relisted.
    inner.store.restart_watch_cache();
    inner.end_watches();
    ok(json!({"unavailable_ms": RESTART_OUTAGE.as_millis() as u64}))
}

/// Distinguishes an absent field (leave as is) from `null` (clear it).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct FaultRequest {
    resource: String,
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<u16>>,
    #[serde(default, deserialize_with = "present")]
    delay_ms: Option<Option<u64>>,
    absent: Option<bool>,
}

async fn faults(State(inner): State<Shared>, body: Bytes) -> Response {
    let req: FaultRequest = match parse(&body) {
        Ok(r) => r,
        Err(msg) => return Status::bad_request(msg).into_response(),
    };
    let Some(kind) = Resource::from_plural(&req.resource) else {
        return Status::bad_request(format!("unknown resource {:?}", req.resource)).into_response();
    };
    if let Some(Some(code)) = req.status
        && !(400..=599).contains(&code)
    {
        return Status::bad_request("status must be an HTTP error code (400-599)").into_response();
    }
    let mut faults = inner.faults.lock().unwrap_or_else(|p| p.into_inner());
    let fault = faults.entry(kind).or_default();
    if let Some(status) = req.status {
        fault.status = status;
    }
    if let Some(delay) = req.delay_ms {
        fault.delay = delay.map(Duration::from_millis);
    }
    if let Some(absent) = req.absent {
        fault.absent = absent;
    }
    let answer = json!({
        "resource": kind.plural(),
        "status": fault.status,
        "delay_ms": fault.delay.map(|d| d.as_millis() as u64),
        "absent": fault.absent,
    });
    if fault.status.is_none() && fault.delay.is_none() && !fault.absent {
        faults.remove(&kind);
    }
    ok(answer)
}

#[derive(Deserialize)]
struct MalformedRequest {
    resource: String,
}

async fn malformed(State(inner): State<Shared>, body: Bytes) -> Response {
    let req: MalformedRequest = match parse(&body) {
        Ok(r) => r,
        Err(msg) => return Status::bad_request(msg).into_response(),
    };
    let Some(kind) = Resource::from_plural(&req.resource) else {
        return Status::bad_request(format!("unknown resource {:?}", req.resource)).into_response();
    };
    let n = inner.malformed_seq.fetch_add(1, Ordering::Relaxed) + 1;
    let name = format!("malformed-{n}");
    // Valid JSON and valid identity, but a wrong type in a field the
    // exporter reads, so decoding the object as its kind fails.
    let wrong = match kind {
        Resource::Pods => json!({"spec": {"containers": "oops"}, "status": {"phase": "Running"}}),
        Resource::Nodes => json!({"spec": {}, "status": {"capacity": "lots"}}),
        Resource::Services => json!({"spec": {"ports": "many", "type": "ClusterIP"}, "status": {}}),
        Resource::Deployments => json!({"spec": {"replicas": "three"}, "status": {}}),
        // Every other kind's decode type reads a spec or status object.
        _ => json!({"spec": "malformed", "status": "malformed"}),
    };
    let mut value = json!({"metadata": {"name": name, "namespace": "default"}});
    if let (Some(obj), Some(extra)) = (value.as_object_mut(), wrong.as_object()) {
        obj.extend(extra.clone());
    }
    match inner.store.upsert(kind, value) {
        Ok(obj) => json(StatusCode::CREATED, with_kind(kind, &obj.body)),
        Err(e) => Status::bad_request(e.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct ChurnRequest {
    enabled: bool,
}

async fn churn(State(inner): State<Shared>, body: Bytes) -> Response {
    let req: ChurnRequest = match parse(&body) {
        Ok(r) => r,
        Err(msg) => return Status::bad_request(msg).into_response(),
    };
    inner.churn_enabled.store(req.enabled, Ordering::Relaxed);
    ok(json!({"enabled": req.enabled}))
}
