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

use super::status::Status;
use super::store::with_kind;
use super::{Cut, Inner};

/// How long `/sim/restart` keeps the API's port closed by default: about
/// what a real kube-apiserver takes to come back (etcd client, caches,
/// post-start hooks).
const RESTART_DOWN: Duration = Duration::from_secs(15);

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
        .route("/sim/requests", get(requests))
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RestartRequest {
    /// How long the port stays closed (connections refused); only where
    /// the simulator serves its own listener (`Simulator::serve`).
    down_ms: Option<u64>,
    /// Then how long every API request gets 503, as while a real API
    /// server's post-start hooks run.
    unavailable_ms: Option<u64>,
}

async fn restart(State(inner): State<Shared>, body: Bytes) -> Response {
    let req: RestartRequest = if body.is_empty() {
        RestartRequest::default()
    } else {
        match parse(&body) {
            Ok(r) => r,
            Err(msg) => return Status::bad_request(msg).into_response(),
        }
    };
    let down = req.down_ms.map_or(RESTART_DOWN, Duration::from_millis);
    let unavailable = Duration::from_millis(req.unavailable_ms.unwrap_or(0));
    *inner
        .unavailable_until
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + down + unavailable);
    // As a real kube-apiserver: its watch cache is rebuilt at the current
    // revision, so every watch resumed from before the restart gets 410
    // and its client lists again (seen against v1.20 in the real-cluster
    // tier). Without this, resumes replayed history and nothing relisted.
    inner.store.restart_watch_cache();
    inner.end_watches();
    // The answer must leave before the listener closes.
    let restart = inner.restart.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        restart.send_replace(down);
    });
    ok(json!({
        "down_ms": down.as_millis() as u64,
        "unavailable_ms": unavailable.as_millis() as u64,
    }))
}

/// Requests received per kind: `{"pods": {"list": 3, "watch": 5}, ...}`.
async fn requests(State(inner): State<Shared>) -> Response {
    let requests = inner.requests.lock().unwrap_or_else(|p| p.into_inner());
    let by_plural: serde_json::Map<String, Value> = requests
        .iter()
        .map(|(kind, count)| (kind.plural().to_string(), json!(count)))
        .collect();
    ok(Value::Object(by_plural))
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
#[serde(deny_unknown_fields)]
struct FaultRequest {
    resource: String,
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<u16>>,
    #[serde(default, deserialize_with = "present")]
    retry_after_s: Option<Option<u64>>,
    #[serde(default, deserialize_with = "present")]
    delay_ms: Option<Option<u64>>,
    #[serde(default, deserialize_with = "present")]
    cut_next_event: Option<Option<Cut>>,
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
    if let Some(retry_after) = req.retry_after_s {
        fault.retry_after = retry_after;
    }
    if let Some(delay) = req.delay_ms {
        fault.delay = delay.map(Duration::from_millis);
    }
    if let Some(cut) = req.cut_next_event {
        fault.cut_next_event = cut;
    }
    if let Some(absent) = req.absent {
        fault.absent = absent;
    }
    let answer = json!({
        "resource": kind.plural(),
        "status": fault.status,
        "retry_after_s": fault.retry_after,
        "delay_ms": fault.delay.map(|d| d.as_millis() as u64),
        "cut_next_event": fault.cut_next_event,
        "absent": fault.absent,
    });
    if fault.status.is_none()
        && fault.retry_after.is_none()
        && fault.delay.is_none()
        && fault.cut_next_event.is_none()
        && !fault.absent
    {
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
