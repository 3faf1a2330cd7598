//! The two HTTP servers: `kube_*` metrics on the main port, the exporter's
//! own metrics and readiness on the telemetry port. Its submodules serve
//! them: connections and their limits ([`listen`]), the web configuration
//! of `--tls-config` ([`web_config`], [`tls`], [`access`], [`reload`]).

pub mod access;
pub mod duration;
pub mod listen;
pub mod reload;
pub mod tls;
pub mod web_config;

use crate::exposition::{ClientGone, Encoding, Format};
use crate::objects::Resource;
use crate::render::{RenderBudget, RenderKind, render};
use crate::telemetry::Telemetry;
use crate::watch::SyncState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long every watcher may fail before `/livez` reports the exporter
/// unhealthy (restarting it would not help a shorter outage).
const LIVENESS_GRACE: Duration = Duration::from_secs(120);

pub struct AppState {
    pub kinds: Vec<Arc<dyn RenderKind>>,
    pub telemetry: Arc<Telemetry>,
    pub sync: Arc<SyncState>,
    pub gzip: bool,
}

/// `/metrics`, `/healthz`, `/livez` and `/`.
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(livez))
        .route("/", get(index))
        .with_state(state)
}

/// `/metrics` (the exporter's own) and `/readyz`.
pub fn telemetry_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(self_metrics))
        .route("/readyz", get(readyz))
        .with_state(state)
}

#[derive(Deserialize, Default)]
struct MetricsQuery {
    resources: Option<String>,
    exclude_resources: Option<String>,
}

/// The resources a `/metrics` request selected with `resources` and
/// `exclude_resources`.
fn selection(query: &MetricsQuery) -> Result<Vec<Resource>, String> {
    let parse = |list: &Option<String>| -> Result<Option<Vec<Resource>>, String> {
        let Some(list) = list else { return Ok(None) };
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Resource::from_plural(name).ok_or_else(|| format!("unknown resource {name:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let included = parse(&query.resources)?;
    let excluded = parse(&query.exclude_resources)?.unwrap_or_default();
    Ok(Resource::ALL
        .iter()
        .copied()
        .filter(|r| included.as_ref().is_none_or(|inc| inc.contains(r)))
        .filter(|r| !excluded.contains(r))
        .collect())
}

async fn metrics(
    State(state): State<Arc<AppState>>,
    Query(query): Query<MetricsQuery>,
    headers: HeaderMap,
) -> Response {
    let selected = match selection(&query) {
        Ok(selected) => selected,
        Err(reason) => return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response(),
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::negotiate(accept);
    let accept_encoding = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let encoding = Encoding::negotiate(state.gzip, accept_encoding);
    let started = Instant::now();

    // Rendering (and compressing) is CPU work over a snapshot: it runs on
    // render workers and hands chunks to the response as they fill. Every
    // scrape renders within the process's one render budget (see
    // `RenderBudget`): a slow client holds at most its share of it, and
    // when it goes away the send fails and the render stops.
    let (chunks, receiver) = tokio::sync::mpsc::channel::<Bytes>(2);
    tokio::task::spawn_blocking(move || {
        let mut send = |chunk: Bytes| chunks.blocking_send(chunk).map_err(|_| ClientGone);
        let select = |r: Resource| selected.contains(&r);
        let budget = RenderBudget::global();
        let rendered = render(budget, &state.kinds, select, format, encoding, &mut send);
        if let Ok(size) = rendered {
            state
                .telemetry
                .observe_scrape(format.label(), started.elapsed().as_secs_f64(), size);
        }
    });
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok::<_, Infallible>(chunk), receiver))
    });
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, format.content_type())
        .header(header::VARY, "Accept, Accept-Encoding");
    if let Some(coding) = encoding.content_encoding() {
        response = response.header(header::CONTENT_ENCODING, coding);
    }
    response
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn livez(State(state): State<Arc<AppState>>) -> Response {
    if state.sync.wedged(LIVENESS_GRACE) {
        let body = "every watcher has been failing: the API server is not answering\n";
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

async fn index(State(state): State<Arc<AppState>>) -> Html<String> {
    let rows: String = state
        .sync
        .summary()
        .into_iter()
        .map(|(resource, synced, failing)| {
            let status = match (synced, failing) {
                (_, true) => "failing, retrying",
                (true, false) => "synced",
                (false, false) => "listing",
            };
            format!("<tr><td>{resource}</td><td>{status}</td></tr>")
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><title>kubestate</title></head><body>\
         <h1>kubestate {}</h1>\
         <ul><li><a href=\"/metrics\">/metrics</a></li><li><a href=\"/healthz\">/healthz</a></li>\
         <li><a href=\"/livez\">/livez</a></li></ul>\
         <p>Readiness and the exporter's own metrics are on the telemetry port (/readyz, /metrics).</p>\
         <table><tr><th>resource</th><th>state</th></tr>{rows}</table></body></html>",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Negotiated like the metrics port, so one scrape config (or a plain
/// `curl`) works for both.
async fn self_metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::negotiate(accept);
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::VARY, "Accept"),
        ],
        state.telemetry.encode(format),
    )
        .into_response()
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let pending = state.sync.not_synced();
    if pending.is_empty() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        let names: Vec<&str> = pending.iter().map(|r| r.plural()).collect();
        let body = format!("not synced: {}\n", names.join(", "));
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt;

    fn state() -> Arc<AppState> {
        let sync = Arc::new(SyncState::default());
        sync.register(Resource::Pods, 1);
        Arc::new(AppState {
            kinds: Vec::new(),
            telemetry: Arc::new(Telemetry::default()),
            sync,
            gzip: false,
        })
    }

    async fn get(router: Router, uri: &str) -> (StatusCode, String) {
        let response = router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readyz_names_kinds_not_yet_synced() {
        let (status, body) = get(telemetry_router(state()), "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, "not synced: pods\n");
    }

    #[tokio::test]
    async fn unknown_resources_in_the_query_are_a_bad_request() {
        let (status, body) = get(metrics_router(state()), "/metrics?resources=pods,podz").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, "unknown resource \"podz\"\n");
    }

    #[test]
    fn resource_selection_applies_include_then_exclude() {
        let query = MetricsQuery {
            resources: Some("pods,nodes,services".into()),
            exclude_resources: Some("nodes".into()),
        };
        assert_eq!(
            selection(&query).unwrap(),
            [Resource::Pods, Resource::Services]
        );
        assert_eq!(selection(&MetricsQuery::default()).unwrap(), Resource::ALL);
    }
}
