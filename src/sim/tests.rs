//! Protocol tests against the router (no sockets) plus one end-to-end test
//! running kube-rs's watcher over a real socket.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::builders::{node, pod};
use super::{SimConfig, Simulator};
use crate::kinds::Resource;

const LIMIT: Duration = Duration::from_secs(20);

fn small() -> Simulator {
    Simulator::new(SimConfig {
        seed: 7,
        nodes: 4,
        pods_per_node: 6,
        churn_interval: None,
    })
}

async fn call(
    sim: &Simulator,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let resp = tokio::time::timeout(LIMIT, sim.router().oneshot(req))
        .await
        .expect("request timed out")
        .unwrap();
    let status = resp.status();
    let bytes = tokio::time::timeout(LIMIT, axum::body::to_bytes(resp.into_body(), usize::MAX))
        .await
        .expect("body timed out")
        .unwrap();
    (status, bytes.to_vec())
}

async fn get_json(sim: &Simulator, uri: &str) -> (StatusCode, Value) {
    let (s, b) = call(sim, Method::GET, uri, None).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// Reads a whole (time-bounded) watch body as events.
async fn watch_lines(sim: &Simulator, uri: &str) -> Vec<Value> {
    let (s, b) = call(sim, Method::GET, uri, None).await;
    assert_eq!(s, StatusCode::OK);
    String::from_utf8(b)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn put_obj(sim: &Simulator, obj: Value) -> Value {
    let (s, b) = call(sim, Method::PUT, "/sim/objects", Some(obj)).await;
    assert!(s.is_success(), "{s} {}", String::from_utf8_lossy(&b));
    serde_json::from_slice(&b).unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let m = &i["metadata"];
            match m["namespace"].as_str() {
                Some(ns) => format!("{ns}/{}", m["name"].as_str().unwrap()),
                None => m["name"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn rv_of(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The single line a watch of a compacted resourceVersion gets: byte for
/// byte the shape of the capture 410-watch-old-rv.jsonl.
fn too_old_line(requested: impl std::fmt::Display, compacted: impl std::fmt::Display) -> String {
    format!(
        "{{\"type\":\"ERROR\",\"object\":{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"too old resource version: {requested} ({compacted})\",\"reason\":\"Expired\",\"code\":410}}}}\n"
    )
}

#[tokio::test]
async fn list_shape_and_paging_boundaries() {
    let sim = small();
    let (s, full) = get_json(&sim, "/api/v1/pods").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(full["kind"], "PodList");
    assert_eq!(full["apiVersion"], "v1");
    assert!(full["metadata"].get("continue").is_none());
    let all = names(&full);
    let total = all.len();
    assert!(total > 20, "{total}");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "ordered by namespace/name");
    for item in full["items"].as_array().unwrap() {
        assert!(item.get("kind").is_none() && item.get("apiVersion").is_none());
    }

    for limit in [1, 7, total - 1, total, total + 5] {
        let mut got = Vec::new();
        let mut uri = format!("/api/v1/pods?limit={limit}");
        let mut pages = 0;
        loop {
            let (s, page) = get_json(&sim, &uri).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(
                page["metadata"]["resourceVersion"],
                full["metadata"]["resourceVersion"]
            );
            let n = page["items"].as_array().unwrap().len();
            assert!(n <= limit);
            got.extend(names(&page));
            pages += 1;
            match page["metadata"]["continue"].as_str() {
                Some(c) => {
                    assert_eq!(
                        page["metadata"]["remainingItemCount"].as_u64().unwrap() as usize,
                        total - got.len()
                    );
                    uri = format!("/api/v1/pods?limit={limit}&continue={c}");
                }
                None => {
                    assert!(page["metadata"].get("remainingItemCount").is_none());
                    break;
                }
            }
        }
        assert_eq!(got, all, "limit {limit}");
        assert_eq!(pages, total.div_ceil(limit), "limit {limit}");
    }
}

#[tokio::test]
async fn paged_list_is_a_consistent_snapshot() {
    let sim = small();
    let (_, page1) = get_json(&sim, "/api/v1/pods?limit=5").await;
    let token = page1["metadata"]["continue"].as_str().unwrap().to_string();
    // A change after page 1 must not show up in page 2 of the same list.
    put_obj(
        &sim,
        serde_json::to_value(pod("zzz-late").in_ns("zzz").build()).unwrap(),
    )
    .await;
    let mut uri = format!("/api/v1/pods?limit=500&continue={token}");
    let (_, page2) = get_json(&sim, &uri).await;
    assert_eq!(
        page2["metadata"]["resourceVersion"],
        page1["metadata"]["resourceVersion"]
    );
    assert!(!names(&page2).contains(&"zzz/zzz-late".to_string()));
    // Bad tokens are a 400.
    uri = "/api/v1/pods?limit=5&continue=not-a-token".into();
    let (s, body) = get_json(&sim, &uri).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["reason"], "BadRequest");
}

#[tokio::test]
async fn expired_continue_token_is_410_like_the_capture() {
    let sim = small();
    let (_, page1) = get_json(&sim, "/api/v1/pods?limit=2").await;
    let token = page1["metadata"]["continue"].as_str().unwrap().to_string();
    put_obj(&sim, serde_json::to_value(node("n-late").build()).unwrap()).await;
    call(&sim, Method::POST, "/sim/compact", None).await;
    let (s, body) = get_json(&sim, &format!("/api/v1/pods?limit=2&continue={token}")).await;
    assert_eq!(s, StatusCode::GONE);
    // Same fields, order and texts as 410-list-expired-continue.json.
    let obj = body.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let mut expected = vec![
        "kind",
        "apiVersion",
        "metadata",
        "status",
        "message",
        "reason",
        "code",
    ];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["status"], "Failure");
    assert_eq!(body["reason"], "Expired");
    assert_eq!(body["code"], 410);
    assert!(body["message"].as_str().unwrap().starts_with(
        "The provided continue parameter is too old to display a consistent list result."
    ));
    // The returned token continues inconsistently (rv -1) from the same key.
    let again = body["metadata"]["continue"].as_str().unwrap();
    let (s, rest) = get_json(&sim, &format!("/api/v1/pods?limit=500&continue={again}")).await;
    assert_eq!(s, StatusCode::OK);
    let first_page = names(&page1);
    let rest = names(&rest);
    assert!(rest.iter().all(|n| n > &first_page[1]));
    // resourceVersionMatch=Exact below the compaction point: the other 410.
    let (s, body) = get_json(
        &sim,
        "/api/v1/pods?resourceVersion=1&resourceVersionMatch=Exact",
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(
        body["message"],
        "The resourceVersion for the provided list is too old."
    );
}

#[tokio::test]
async fn watch_of_compacted_rv_is_one_error_event() {
    let sim = small();
    call(&sim, Method::POST, "/sim/compact", None).await;
    let (_, list) = get_json(&sim, "/api/v1/nodes").await;
    let compacted = rv_of(&list);
    let (s, body) = call(
        &sim,
        Method::GET,
        "/api/v1/pods?watch=true&resourceVersion=1",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Byte for byte the shape of 410-watch-old-rv.jsonl.
    assert_eq!(String::from_utf8(body).unwrap(), too_old_line(1, compacted));
    // Watching from exactly the compaction point is fine.
    let lines = watch_lines(
        &sim,
        &format!("/api/v1/pods?watch=1&resourceVersion={compacted}&timeoutSeconds=1"),
    )
    .await;
    assert!(lines.is_empty());
}

#[tokio::test]
async fn history_is_bounded_and_compacts_itself() {
    // An empty simulator starts at resourceVersion 1, so the writes get
    // 2, 3, ...; the first HISTORY_LIMIT + 5 of them leave 6 as the
    // compaction point.
    let sim = Simulator::new(SimConfig::empty());
    for i in 0..(super::store::HISTORY_LIMIT + 5) {
        put_obj(&sim, json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": format!("n{}", i % 3)}})).await;
    }
    let lines = watch_lines(
        &sim,
        "/api/v1/nodes?watch=1&resourceVersion=2&timeoutSeconds=1",
    )
    .await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["object"]["code"], 410);
    assert_eq!(
        lines[0]["object"]["message"],
        "too old resource version: 2 (6)"
    );
    let lines = watch_lines(
        &sim,
        "/api/v1/nodes?watch=1&resourceVersion=6&timeoutSeconds=1",
    )
    .await;
    assert_eq!(lines.len(), super::store::HISTORY_LIMIT);
}

#[tokio::test]
async fn watch_replays_then_streams_with_kind_and_bookmarks() {
    let sim = small();
    let (_, list) = get_json(&sim, "/api/v1/namespaces/shop/pods").await;
    let start = rv_of(&list);
    put_obj(
        &sim,
        serde_json::to_value(pod("a").in_ns("shop").build()).unwrap(),
    )
    .await;
    put_obj(
        &sim,
        serde_json::to_value(pod("b").in_ns("payments").build()).unwrap(),
    )
    .await;
    put_obj(
        &sim,
        serde_json::to_value(node("other-kind").build()).unwrap(),
    )
    .await;
    let modified = put_obj(
        &sim,
        serde_json::to_value(pod("a").in_ns("shop").label("x", "y").build()).unwrap(),
    )
    .await;
    let (s, _) = call(&sim, Method::DELETE, "/sim/objects/pods/shop/a", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&sim, Method::DELETE, "/sim/objects/pods/shop/a", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let uri = format!(
        "/api/v1/namespaces/shop/pods?watch=true&resourceVersion={start}&allowWatchBookmarks=true&timeoutSeconds=1"
    );
    let lines = watch_lines(&sim, &uri).await;
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);
    for l in &lines[..3] {
        assert_eq!(l["object"]["kind"], "Pod");
        assert_eq!(l["object"]["apiVersion"], "v1");
        assert_eq!(l["object"]["metadata"]["name"], "a");
    }
    assert_eq!(
        lines[1]["object"]["metadata"]["uid"],
        modified["metadata"]["uid"]
    );
    let deleted_rv = rv_of(&lines[2]["object"]);
    assert!(deleted_rv > rv_of(&modified));
    // The final bookmark carries the latest revision, like watch-*.jsonl.
    assert_eq!(
        lines[3],
        json!({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion": deleted_rv.to_string(),"creationTimestamp":null},"spec":{"containers":null},"status":{}}})
    );

    // Deployments live under apps/v1 and say so.
    let (_, deps) = get_json(&sim, "/apis/apps/v1/deployments").await;
    assert_eq!(deps["kind"], "DeploymentList");
    assert_eq!(deps["apiVersion"], "apps/v1");
    let lines = watch_lines(&sim, "/apis/apps/v1/deployments?watch=1&timeoutSeconds=1").await;
    assert_eq!(lines.len(), deps["items"].as_array().unwrap().len());
    assert!(
        lines
            .iter()
            .all(|l| l["type"] == "ADDED" && l["object"]["apiVersion"] == "apps/v1")
    );
}

#[tokio::test]
async fn periodic_bookmarks_on_an_idle_watch() {
    let sim = small();
    let lines = watch_lines(
        &sim,
        "/api/v1/nodes?watch=1&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=7",
    )
    .await;
    let nodes = 4;
    assert!(lines[..nodes].iter().all(|l| l["type"] == "ADDED"));
    let bookmarks = lines[nodes..]
        .iter()
        .filter(|l| l["type"] == "BOOKMARK")
        .count();
    // Every 3 s plus one at the timeout.
    assert!(bookmarks >= 3, "{bookmarks}");
    // Without allowWatchBookmarks, none.
    let lines = watch_lines(
        &sim,
        "/api/v1/nodes?watch=1&resourceVersion=0&timeoutSeconds=1",
    )
    .await;
    assert!(lines.iter().all(|l| l["type"] == "ADDED"));
}

#[tokio::test]
async fn initial_state_watch_matches_list() {
    let sim = small();
    let (_, list) = get_json(&sim, "/api/v1/pods").await;
    for rv in ["0", ""] {
        let lines = watch_lines(
            &sim,
            &format!("/api/v1/pods?watch=1&resourceVersion={rv}&timeoutSeconds=1"),
        )
        .await;
        let added: Vec<String> = lines
            .iter()
            .map(|l| {
                assert_eq!(l["type"], "ADDED");
                format!(
                    "{}/{}",
                    l["object"]["metadata"]["namespace"].as_str().unwrap(),
                    l["object"]["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(added, names(&list));
    }
}

#[tokio::test]
async fn field_selectors() {
    let sim = small();
    let (_, all) = get_json(&sim, "/api/v1/pods").await;
    let all = names(&all);
    let (_, shop) = get_json(&sim, "/api/v1/pods?fieldSelector=metadata.namespace%3Dshop").await;
    let shop = names(&shop);
    assert!(!shop.is_empty());
    assert!(shop.iter().all(|n| n.starts_with("shop/")));
    assert_eq!(
        shop.len(),
        all.iter().filter(|n| n.starts_with("shop/")).count()
    );
    let (_, path) = get_json(&sim, "/api/v1/namespaces/shop/pods").await;
    assert_eq!(names(&path), shop);
    let (_, not) = get_json(
        &sim,
        "/api/v1/pods?fieldSelector=metadata.namespace!%3Dshop,metadata.namespace!%3Ddefault",
    )
    .await;
    let not = names(&not);
    assert_eq!(
        not.len(),
        all.iter()
            .filter(|n| !n.starts_with("shop/") && !n.starts_with("default/"))
            .count()
    );
    // Paging with a selector omits remainingItemCount, as the API server does.
    let (_, page) = get_json(
        &sim,
        "/api/v1/pods?limit=1&fieldSelector=metadata.namespace!%3Dshop",
    )
    .await;
    assert!(page["metadata"]["continue"].is_string());
    assert!(page["metadata"].get("remainingItemCount").is_none());
    // Contradictory selectors match nothing.
    let (_, none) = get_json(
        &sim,
        "/api/v1/namespaces/shop/pods?fieldSelector=metadata.namespace%3Ddata",
    )
    .await;
    assert!(names(&none).is_empty());
    let (s, body) = get_json(&sim, "/api/v1/pods?fieldSelector=spec.bogus%3Dx").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], 400);
    // labelSelector is accepted (and ignored).
    let (s, _) = get_json(&sim, "/api/v1/pods?labelSelector=app%3Dweb").await;
    assert_eq!(s, StatusCode::OK);
}

/// `spec.nodeName` on pods, as the API server indexes it: `=X` selects the
/// pods bound to X, `=` those bound to none (an absent nodeName is ""),
/// `!=` the rest; combined with the namespace terms; refused on a kind
/// that has no such field.
#[tokio::test]
async fn node_name_field_selectors() {
    let sim = small();
    let (_, all) = get_json(&sim, "/api/v1/pods").await;
    let node_of = |item: &Value| item["spec"]["nodeName"].as_str().unwrap_or("").to_string();
    let items = all["items"].as_array().unwrap().clone();
    let node = items
        .iter()
        .map(node_of)
        .find(|n| !n.is_empty())
        .expect("a scheduled pod");
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let kept: Vec<Value> = items.iter().filter(|i| keep(i)).cloned().collect();
        names(&json!({ "items": kept }))
    };
    let on_node = expect(&|i| node_of(i) == node);
    let unscheduled = expect(&|i| node_of(i).is_empty());
    assert!(
        !unscheduled.is_empty(),
        "the generator leaves some pods pending"
    );
    assert!(on_node.len() < items.len() - unscheduled.len());
    let cases = [
        (format!("spec.nodeName%3D{node}"), on_node.clone()),
        ("spec.nodeName%3D".to_string(), unscheduled.clone()),
        (
            "spec.nodeName!%3D".to_string(),
            expect(&|i| !node_of(i).is_empty()),
        ),
        (
            format!("metadata.namespace!%3Ddefault,spec.nodeName%3D{node}"),
            expect(&|i| node_of(i) == node && i["metadata"]["namespace"] != "default"),
        ),
        (
            format!("spec.nodeName%3D{node},spec.nodeName!%3D{node}"),
            Vec::new(),
        ),
    ];
    for (selector, want) in cases {
        let (s, list) = get_json(&sim, &format!("/api/v1/pods?fieldSelector={selector}")).await;
        assert_eq!(s, StatusCode::OK, "{selector}");
        assert_eq!(names(&list), want, "{selector}");
    }
    // In a namespace's path too.
    let (_, shop) = get_json(
        &sim,
        &format!("/api/v1/namespaces/shop/pods?fieldSelector=spec.nodeName%3D{node}"),
    )
    .await;
    let shop_on_node: Vec<String> = on_node
        .iter()
        .filter(|n| n.starts_with("shop/"))
        .cloned()
        .collect();
    assert_eq!(names(&shop), shop_on_node);
    // Paged like any selector: a continue token, no remainingItemCount.
    let (_, page) = get_json(&sim, "/api/v1/pods?limit=1&fieldSelector=spec.nodeName!%3D").await;
    assert!(page["metadata"]["continue"].is_string());
    assert!(page["metadata"].get("remainingItemCount").is_none());
    // Deployments have no spec.nodeName.
    let (s, body) = get_json(
        &sim,
        "/apis/apps/v1/deployments?fieldSelector=spec.nodeName%3Dx",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "field label not supported: spec.nodeName");
}

/// A pod bound to a node leaves the unscheduled watch as DELETED (the pod
/// as it was, at the binding's resourceVersion) and enters its node's
/// watch as ADDED, as the API server's watch cache reports a change that
/// moves an object out of or into a field selector; later changes are
/// MODIFIED there only, its deletion DELETED there only. Live watches and
/// watches replaying history get the same events.
#[tokio::test]
async fn watches_see_a_pod_enter_and_leave_node_selectors() {
    let sim = small();
    let (_, list) = get_json(&sim, "/api/v1/pods").await;
    let start = rv_of(&list);
    let pending = || pod("late").in_ns("shop").phase("Pending");
    let changes = async {
        // Let the live watches subscribe first (if they do not, they
        // replay the same events from `start`).
        tokio::time::sleep(Duration::from_millis(200)).await;
        put_obj(&sim, serde_json::to_value(pending().build()).unwrap()).await;
        let bound = put_obj(
            &sim,
            serde_json::to_value(pending().node("n-1").build()).unwrap(),
        )
        .await;
        put_obj(
            &sim,
            serde_json::to_value(pending().node("n-1").phase("Running").build()).unwrap(),
        )
        .await;
        let (s, _) = call(&sim, Method::DELETE, "/sim/objects/pods/shop/late", None).await;
        assert_eq!(s, StatusCode::OK);
        bound
    };
    let watch = |selector: &str| {
        format!(
            "/api/v1/pods?watch=1&resourceVersion={start}&timeoutSeconds=2&fieldSelector={selector}"
        )
    };
    let uris = [
        watch("spec.nodeName%3D"),
        watch("spec.nodeName%3Dn-1"),
        watch("spec.nodeName%3Dn-2"),
    ];
    let (unscheduled, on_node, other_node, bound) = tokio::join!(
        watch_lines(&sim, &uris[0]),
        watch_lines(&sim, &uris[1]),
        watch_lines(&sim, &uris[2]),
        changes,
    );
    let summary = |lines: &[Value]| -> Vec<(String, String, String)> {
        lines
            .iter()
            .map(|l| {
                let o = &l["object"];
                (
                    l["type"].as_str().unwrap().to_string(),
                    o["metadata"]["name"].as_str().unwrap().to_string(),
                    o["spec"]["nodeName"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let event = |t: &str, node: &str| (t.to_string(), "late".to_string(), node.to_string());
    assert_eq!(
        summary(&unscheduled),
        [event("ADDED", ""), event("DELETED", "")]
    );
    assert_eq!(
        summary(&on_node),
        [
            event("ADDED", "n-1"),
            event("MODIFIED", "n-1"),
            event("DELETED", "n-1")
        ]
    );
    assert!(other_node.is_empty(), "{other_node:?}");
    // The pod as it was, at the binding's revision.
    assert_eq!(rv_of(&unscheduled[1]["object"]), rv_of(&bound));
    assert_eq!(on_node[0]["object"], bound);
    assert_eq!(unscheduled[1]["object"]["status"]["phase"], "Pending");
    // Replaying the history gives the same.
    assert_eq!(watch_lines(&sim, &uris[0]).await, unscheduled);
    assert_eq!(watch_lines(&sim, &uris[1]).await, on_node);
}

#[tokio::test]
async fn faults_and_restart() {
    let sim = small();
    let (s, _) = call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"pods","status":403})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = get_json(&sim, "/api/v1/pods?limit=10").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"pods is forbidden: User \"system:serviceaccount:monitoring:exporter\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
            "reason":"Forbidden","details":{"kind":"pods"},"code":403})
    );
    let (s, body) = get_json(&sim, "/api/v1/namespaces/shop/pods?watch=1").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("cannot watch resource \"pods\" in API group \"\" in the namespace \"shop\"")
    );
    // Other kinds are unaffected.
    assert_eq!(get_json(&sim, "/api/v1/nodes").await.0, StatusCode::OK);

    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"deployments","status":403})),
    )
    .await;
    let (_, body) = get_json(&sim, "/apis/apps/v1/deployments").await;
    assert_eq!(
        body["details"],
        json!({"group":"apps","kind":"deployments"})
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("deployments.apps is forbidden")
    );

    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"pods","status":500})),
    )
    .await;
    let (s, body) = get_json(&sim, "/api/v1/pods").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["reason"], "InternalError");
    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"pods","status":null,"delay_ms":300})),
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(get_json(&sim, "/api/v1/pods").await.0, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"pods","delay_ms":null})),
    )
    .await;
    let (s, _) = call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"pods","status":200})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (_, before) = get_json(&sim, "/api/v1/nodes").await;
    let before = rv_of(&before);
    put_obj(
        &sim,
        serde_json::to_value(node("n-before-restart").build()).unwrap(),
    )
    .await;
    // In process there is no listener to close: only the 503 phase shows.
    call(
        &sim,
        Method::POST,
        "/sim/restart",
        Some(json!({"down_ms": 0, "unavailable_ms": 300})),
    )
    .await;
    let (s, body) = get_json(&sim, "/api/v1/nodes").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["reason"], "ServiceUnavailable");
    assert_eq!(
        get_json(&sim, "/version").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (s, list) = get_json(&sim, "/api/v1/nodes").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(names(&list).len(), 5);
    // The restarted server's watch cache starts at the current revision:
    // resuming from before the restart is one 410 ERROR event (as a real
    // v1.20 API server answers), resuming from now is fine.
    let now = rv_of(&list);
    let (s, body) = call(
        &sim,
        Method::GET,
        &format!("/api/v1/nodes?watch=1&resourceVersion={before}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(String::from_utf8(body).unwrap(), too_old_line(before, now));
    let lines = watch_lines(
        &sim,
        &format!("/api/v1/nodes?watch=1&resourceVersion={now}&timeoutSeconds=1"),
    )
    .await;
    assert!(lines.is_empty());
}

/// A restart closes the port (connections refused, as a restarting
/// kube-apiserver's clients see) and opens the same port again.
#[tokio::test]
async fn a_restart_refuses_connections_then_listens_on_the_same_port() {
    let sim = small();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let serving = sim.clone();
    tokio::spawn(async move { serving.serve(listener).await });
    let connects = || async move { tokio::net::TcpStream::connect(address).await.is_ok() };
    assert!(connects().await);
    let (s, body) = call(
        &sim,
        Method::POST,
        "/sim/restart",
        Some(json!({"down_ms": 1500})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"down_ms": 1500, "unavailable_ms": 0})
    );
    let restarted = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let refused = tokio::net::TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    while !connects().await {
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "not listening again on {address}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(restarted.elapsed() >= Duration::from_millis(1400));
}

#[tokio::test]
async fn requests_are_counted_per_kind_and_429_carries_retry_after() {
    let sim = small();
    get_json(&sim, "/api/v1/pods?limit=3").await;
    get_json(&sim, "/api/v1/namespaces/shop/pods?limit=3").await;
    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"nodes","status":429,"retry_after_s":2})),
    )
    .await;
    let req = Request::get("/api/v1/nodes").body(Body::empty()).unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "2");
    watch_lines(&sim, "/api/v1/pods?watch=1&timeoutSeconds=1").await;
    let (_, counts) = get_json(&sim, "/sim/requests").await;
    assert_eq!(
        counts,
        json!({"pods": {"list": 2, "watch": 1}, "nodes": {"list": 1, "watch": 0}})
    );
    // A misspelt field is refused, not ignored.
    let (s, _) = call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"nodes","retry_after":2})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// `cut_next_event`: `truncated` garbles one line and the stream goes on;
/// `closed` ends the body in the middle of a line.
#[tokio::test]
async fn the_next_watch_event_can_be_cut_short() {
    let sim = small();
    let (_, list) = get_json(&sim, "/api/v1/nodes").await;
    let rv = rv_of(&list);
    for n in ["n-cut-1", "n-cut-2"] {
        put_obj(&sim, serde_json::to_value(node(n).build()).unwrap()).await;
    }
    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"nodes","cut_next_event":"truncated"})),
    )
    .await;
    let uri = format!("/api/v1/nodes?watch=1&resourceVersion={rv}&timeoutSeconds=1");
    let (s, body) = call(&sim, Method::GET, &uri, None).await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(serde_json::from_str::<Value>(lines[0]).is_err(), "{text}");
    assert!(lines[0].starts_with("{\"type\":\"ADDED\""), "{text}");
    let second: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(second["object"]["metadata"]["name"], "n-cut-2");
    // One-shot: the next watch is whole.
    assert_eq!(watch_lines(&sim, &uri).await.len(), 2);

    call(
        &sim,
        Method::POST,
        "/sim/faults",
        Some(json!({"resource":"nodes","cut_next_event":"closed"})),
    )
    .await;
    let req = Request::get(&uri).body(Body::empty()).unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    let mut body = resp.into_body().into_data_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(!first.ends_with(b"\n") && !first.is_empty());
    assert!(
        body.next().await.unwrap().is_err(),
        "the body ends in an error"
    );
}

#[tokio::test]
async fn close_watches_ends_streams() {
    let sim = small();
    let req = Request::get("/api/v1/pods?watch=1&resourceVersion=0&timeoutSeconds=60")
        .body(Body::empty())
        .unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    let reader = tokio::spawn(axum::body::to_bytes(resp.into_body(), usize::MAX));
    tokio::time::sleep(Duration::from_millis(200)).await;
    call(&sim, Method::POST, "/sim/close-watches", None).await;
    let body = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("watch did not end")
        .unwrap()
        .unwrap();
    assert!(!body.is_empty());
}

#[tokio::test]
async fn lagging_watcher_gets_410_not_a_gap() {
    let sim = Simulator::new(SimConfig::empty());
    let req = Request::get("/api/v1/nodes?watch=1&timeoutSeconds=60")
        .body(Body::empty())
        .unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    // Nobody reads the body while far more events than the buffers hold happen.
    for i in 0..17_000 {
        put_obj(
            &sim,
            json!({"kind":"Node","apiVersion":"v1","metadata":{"name": format!("n{}", i % 5)}}),
        )
        .await;
    }
    let body = tokio::time::timeout(LIMIT, axum::body::to_bytes(resp.into_body(), usize::MAX))
        .await
        .expect("watch did not end")
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "ERROR");
    assert_eq!(last["object"]["code"], 410);
    // Everything before the error is gap-free.
    let rvs: Vec<u64> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["type"] != "ERROR")
        .map(|l| rv_of(&l["object"]))
        .collect();
    assert!(rvs.windows(2).all(|w| w[1] == w[0] + 1));
}

#[tokio::test]
async fn malformed_objects_are_listed_and_watched() {
    let sim = small();
    let lines_before = get_json(&sim, "/api/v1/pods").await.1;
    let start = rv_of(&lines_before);
    for resource in ["pods", "nodes", "services", "deployments"] {
        let (s, _) = call(
            &sim,
            Method::POST,
            "/sim/malformed",
            Some(json!({"resource": resource})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, list) = get_json(&sim, "/api/v1/pods").await;
    let bad = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "malformed-1")
        .unwrap();
    assert_eq!(bad["spec"]["containers"], "oops");
    assert!(bad["metadata"]["uid"].is_string());
    assert!(serde_json::from_value::<Pod>(bad.clone()).is_err());
    let (_, nodes) = get_json(&sim, "/api/v1/nodes").await;
    let bad = nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "malformed-2")
        .unwrap();
    assert!(serde_json::from_value::<Node>(bad.clone()).is_err());
    let lines = watch_lines(
        &sim,
        &format!("/api/v1/pods?watch=1&resourceVersion={start}&timeoutSeconds=1"),
    )
    .await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "ADDED");
    // It stays until deleted.
    let (s, _) = call(
        &sim,
        Method::DELETE,
        "/sim/objects/nodes/_/malformed-2",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn discovery_version_get_and_unknown_paths() {
    let sim = small();
    let (s, v) = get_json(&sim, "/version").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["major"], "1");
    let (_, api) = get_json(&sim, "/api").await;
    assert_eq!(api["versions"], json!(["v1"]));
    let (_, apis) = get_json(&sim, "/apis").await;
    let groups: BTreeSet<&str> = apis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    let registry_groups: BTreeSet<&str> = Resource::ALL
        .iter()
        .map(|r| r.group())
        .filter(|g| !g.is_empty())
        .collect();
    assert_eq!(groups, registry_groups);
    assert!(groups.contains("apps"));
    let (_, core) = get_json(&sim, "/api/v1").await;
    let kinds: BTreeSet<&str> = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    let core_kinds: BTreeSet<&str> = Resource::ALL
        .iter()
        .filter(|r| r.group().is_empty())
        .map(|r| r.kind())
        .collect();
    assert_eq!(kinds, core_kinds);
    let (_, apps) = get_json(&sim, "/apis/apps/v1").await;
    assert!(
        apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "deployments")
    );

    let (_, svc) = get_json(&sim, "/api/v1/namespaces/default/services/kubernetes").await;
    assert_eq!(svc["kind"], "Service");
    assert_eq!(svc["spec"]["clusterIP"], "10.96.0.1");
    let (s, body) = get_json(&sim, "/api/v1/namespaces/default/pods/does-not-exist").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"does-not-exist\" not found","reason":"NotFound","details":{"name":"does-not-exist","kind":"pods"},"code":404})
    );
    for uri in [
        "/api/v1/events",
        "/apis/apps/v1/pods",
        "/api/v1/namespaces/x/nodes",
        "/nope",
    ] {
        let (s, body) = get_json(&sim, uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body["reason"], "NotFound");
    }
}

#[tokio::test]
async fn put_assigns_identity_and_counts() {
    let sim = Simulator::new(SimConfig::empty());
    let count = |sim: &Simulator, kind: &str| {
        sim.object_counts()
            .into_iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, n)| n)
    };
    assert!(sim.object_counts().iter().all(|(_, n)| *n == 0));
    assert_eq!(count(&sim, "pods"), Some(0));
    let created = put_obj(
        &sim,
        serde_json::to_value(pod("p").in_ns("shop").phase("Running").build()).unwrap(),
    )
    .await;
    let uid = created["metadata"]["uid"].as_str().unwrap().to_string();
    assert_eq!(created["kind"], "Pod");
    assert!(created["metadata"]["creationTimestamp"].is_string());
    let replaced = put_obj(
        &sim,
        serde_json::to_value(pod("p").in_ns("shop").phase("Failed").build()).unwrap(),
    )
    .await;
    assert_eq!(replaced["metadata"]["uid"], uid.as_str());
    assert_eq!(
        replaced["metadata"]["creationTimestamp"],
        created["metadata"]["creationTimestamp"]
    );
    assert_eq!(rv_of(&replaced), rv_of(&created) + 1);
    assert_eq!(count(&sim, "pods"), Some(1));
    let (_, dbg) = get_json(&sim, "/sim/objects/pods").await;
    assert_eq!(dbg["items"][0]["status"]["phase"], "Failed");
    let (s, _) = call(
        &sim,
        Method::PUT,
        "/sim/objects",
        Some(json!({"kind":"Event","metadata":{"name":"x"}})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = call(
        &sim,
        Method::POST,
        "/sim/churn",
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn generation_is_deterministic_and_covers_every_family() {
    let cfg = SimConfig {
        seed: 42,
        nodes: 12,
        pods_per_node: 30,
        churn_interval: None,
    };
    let a = Simulator::new(cfg.clone());
    let b = Simulator::new(cfg);
    for uri in [
        "/api/v1/pods",
        "/api/v1/nodes",
        "/api/v1/services",
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/replicasets",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        "/api/v1/replicationcontrollers",
        "/apis/batch/v1/jobs",
        "/apis/batch/v1/cronjobs",
        "/apis/autoscaling/v2/horizontalpodautoscalers",
        "/apis/policy/v1/poddisruptionbudgets",
    ] {
        assert_eq!(
            call(&a, Method::GET, uri, None).await.1,
            call(&b, Method::GET, uri, None).await.1,
            "{uri}"
        );
    }
    let counts = a.object_counts();
    let count = |kind: &str| counts.iter().find(|(k, _)| *k == kind).map_or(0, |c| c.1);
    assert_eq!(count("nodes"), 12);
    assert!((360..=370).contains(&count("pods")), "{counts:?}");
    assert!(count("deployments") >= 80, "{counts:?}");

    let text = |v: &Value| v.to_string();
    let (_, pods) = get_json(&a, "/api/v1/pods").await;
    let pods: Vec<Pod> = serde_json::from_value(pods["items"].clone()).unwrap();
    let all = pods
        .iter()
        .map(|p| serde_json::to_value(p).unwrap())
        .map(|v| text(&v))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "\"phase\":\"Running\"",
        "\"phase\":\"Pending\"",
        "\"phase\":\"Succeeded\"",
        "\"phase\":\"Failed\"",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ContainerCreating",
        "OOMKilled",
        "\"exitCode\":137",
        "\"reason\":\"Completed\"",
        "\"reason\":\"Error\"",
        "\"reason\":\"Evicted\"",
        "DisruptionTarget",
        "\"reason\":\"Unschedulable\"",
        "deletionTimestamp",
        "\"kind\":\"ReplicaSet\"",
        "\"kind\":\"StatefulSet\"",
        "\"kind\":\"DaemonSet\"",
        "\"kind\":\"Job\"",
        "\"qosClass\":\"BestEffort\"",
        "\"qosClass\":\"Guaranteed\"",
        "\"qosClass\":\"Burstable\"",
        "\"restartPolicy\":\"Always\"",
        "\"restartPolicy\":\"Never\"",
        "\"restartPolicy\":\"OnFailure\"",
        "\"hostNetwork\":true",
        "priorityClassName",
        "tolerationSeconds",
        "persistentVolumeClaim",
        "\"readOnly\":true",
        "\"ephemeral\"",
        "nodeSelector",
        "overhead",
        "runtimeClassName",
        "resourceClaims",
        "resourceClaimTemplateName",
        "ephemeral-storage",
        "nvidia.com/gpu",
        "hugepages-2Mi",
        "initContainerStatuses",
        "fd00:",
        "custom-scheduler",
        "pod-template-hash",
        "serviceAccountName",
        "lastState",
        "startTime",
    ] {
        assert!(all.contains(needle), "no pod has {needle}");
    }
    assert!(
        pods.iter()
            .any(|p| p.status.as_ref().is_some_and(|s| s.phase.is_none())),
        "empty phase"
    );
    assert!(
        pods.iter().any(|p| p
            .metadata
            .owner_references
            .as_ref()
            .is_some_and(|o| o.len() == 2)),
        "two owners"
    );
    assert!(
        pods.iter().any(|p| p.metadata.owner_references.is_none()),
        "standalone"
    );
    assert!(
        pods.iter().any(|p| p
            .spec
            .as_ref()
            .and_then(|s| s.init_containers.as_ref())
            .is_some_and(|c| c
                .iter()
                .any(|c| c.restart_policy.as_deref() == Some("Always")))),
        "sidecar"
    );

    let (_, nodes) = get_json(&a, "/api/v1/nodes").await;
    let nodes: Vec<Node> = serde_json::from_value(nodes["items"].clone()).unwrap();
    let all = nodes
        .iter()
        .map(|n| text(&serde_json::to_value(n).unwrap()))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "node-role.kubernetes.io/control-plane",
        "NoSchedule",
        "\"value\":\"present\"",
        "\"unschedulable\":true",
        "\"status\":\"Unknown\"",
        "KernelDeadlock",
        "nvidia.com/gpu",
        "hugepages-2Mi",
        "ephemeral-storage",
        "containerd://",
        "kubeProxyVersion",
        "providerID",
        "podCIDRs",
        "fd00:10:244",
        "ExternalIP",
        "Hostname",
        "systemUUID",
        "NetworkUnavailable",
        "PIDPressure",
        "deletionTimestamp",
    ] {
        assert!(all.contains(needle), "no node has {needle}");
    }
    assert!(nodes.iter().any(|n| {
        n.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "False"))
    }));

    let (_, deps) = get_json(&a, "/apis/apps/v1/deployments").await;
    let deps: Vec<k8s_openapi::api::apps::v1::Deployment> =
        serde_json::from_value(deps["items"].clone()).unwrap();
    let all = deps
        .iter()
        .map(|d| text(&serde_json::to_value(d).unwrap()))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "\"maxSurge\":\"25%\"",
        "\"maxUnavailable\":0",
        "\"type\":\"Recreate\"",
        "\"paused\":true",
        "terminatingReplicas",
        "unavailableReplicas",
        "NewReplicaSetAvailable",
        "ReplicaSetUpdated",
        "MinimumReplicasAvailable",
        "ProgressDeadlineExceeded",
        "ownerReferences",
    ] {
        assert!(all.contains(needle), "no deployment has {needle}");
    }
    assert!(
        deps.iter()
            .any(|d| d.status.as_ref().and_then(|s| s.observed_generation) < d.metadata.generation)
    );
    assert!(deps.iter().any(|d| d.spec.replicas.is_none()));

    let (_, svcs) = get_json(&a, "/api/v1/services").await;
    let all = svcs.to_string();
    for needle in [
        "\"type\":\"ClusterIP\"",
        "\"clusterIP\":\"None\"",
        "\"type\":\"NodePort\"",
        "\"type\":\"LoadBalancer\"",
        "\"type\":\"ExternalName\"",
        "externalName",
        "externalIPs",
        "loadBalancerIP",
        "\"externalTrafficPolicy\":\"Local\"",
        "\"externalTrafficPolicy\":\"Cluster\"",
        "\"hostname\":",
        "\"ingress\":[{\"ip\"",
    ] {
        assert!(all.contains(needle), "no service has {needle}");
    }
}

#[tokio::test]
async fn churn_changes_the_cluster() {
    let sim = Simulator::new(SimConfig {
        seed: 9,
        nodes: 3,
        pods_per_node: 10,
        churn_interval: Some(Duration::from_millis(20)),
    });
    let before = get_json(&sim, "/api/v1/nodes").await.1;
    let handle = sim.spawn_churn().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    call(
        &sim,
        Method::POST,
        "/sim/churn",
        Some(json!({"enabled": false})),
    )
    .await;
    let after = get_json(&sim, "/api/v1/nodes").await.1;
    assert!(rv_of(&after) > rv_of(&before));
    handle.abort();
    assert!(Simulator::new(SimConfig::empty()).spawn_churn().is_none());
}

#[test]
fn kubeconfig_is_written() {
    let path =
        std::env::temp_dir().join(format!("kubestate-sim-{}.kubeconfig", std::process::id()));
    super::write_kubeconfig(&path, "http://127.0.0.1:1234").unwrap();
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(v["current-context"], "kubestate-sim");
    assert_eq!(
        v["clusters"][0]["cluster"]["server"],
        "http://127.0.0.1:1234"
    );
    assert_eq!(v["users"][0]["user"]["token"], "kubestate-sim");
}

/// kube-rs's watcher against the simulator over a real socket: initial
/// paged list, a live change, then a forced re-list after compaction.
#[tokio::test]
async fn kube_rs_watcher_end_to_end() {
    use kube::runtime::watcher::{self, Event};

    let sim = small();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sim.router();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let config = kube::Config::new(format!("http://{addr}").parse().unwrap());
    let client = kube::Client::try_from(config).unwrap();
    let api = kube::Api::<Pod>::all(client);
    let mut events = watcher::watcher(api, watcher::Config::default().page_size(7)).boxed();
    let expected: BTreeSet<String> = names(&get_json(&sim, "/api/v1/pods").await.1)
        .into_iter()
        .collect();

    let mut next = async || -> Event<Pod> {
        loop {
            match tokio::time::timeout(LIMIT, events.next())
                .await
                .expect("watcher stalled")
            {
                Some(Ok(e)) => return e,
                // The 410 after compaction surfaces as an error before the re-list.
                Some(Err(_)) => continue,
                None => panic!("watcher ended"),
            }
        }
    };
    let key = |p: &Pod| {
        format!(
            "{}/{}",
            p.metadata.namespace.clone().unwrap(),
            p.metadata.name.clone().unwrap()
        )
    };

    assert!(matches!(next().await, Event::Init));
    let mut seen = BTreeSet::new();
    loop {
        match next().await {
            Event::InitApply(p) => {
                seen.insert(key(&p));
            }
            Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, expected);

    put_obj(
        &sim,
        serde_json::to_value(pod("live").in_ns("shop").build()).unwrap(),
    )
    .await;
    loop {
        if let Event::Apply(p) = next().await
            && key(&p) == "shop/live"
        {
            break;
        }
    }

    // A change the pod watcher does not see, compaction past it, then the
    // watch is cut: resuming is impossible, so the watcher must re-list.
    put_obj(&sim, serde_json::to_value(node("unseen").build()).unwrap()).await;
    call(&sim, Method::POST, "/sim/compact", None).await;
    call(&sim, Method::POST, "/sim/close-watches", None).await;
    loop {
        if let Event::Init = next().await {
            break;
        }
    }
    let mut relisted = BTreeSet::new();
    loop {
        match next().await {
            Event::InitApply(p) => {
                relisted.insert(key(&p));
            }
            Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(relisted.contains("shop/live"));
    assert_eq!(relisted.len(), expected.len() + 1);
    server.abort();
}

/// What automatic sharding asks of the API server: its StatefulSet listed
/// and watched by name, and a missing one answered 404 as the real server
/// answers (`statefulsets.apps "x" not found`, the group in the details).
#[tokio::test]
async fn a_statefulset_is_listed_and_watched_by_name_and_a_missing_one_is_404() {
    let sim = Simulator::new(SimConfig::empty());
    let statefulset = |name: &str, replicas: i32| {
        json!({"kind": "StatefulSet", "metadata": {"name": name, "namespace": "monitoring"},
               "spec": {"replicas": replicas}})
    };
    for name in ["kube-state-metrics", "web"] {
        put_obj(&sim, statefulset(name, 2)).await;
    }
    let path = "/apis/apps/v1/namespaces/monitoring/statefulsets";
    let by_name = "fieldSelector=metadata.name%3Dkube-state-metrics";
    let (_, list) = get_json(&sim, &format!("{path}?{by_name}")).await;
    assert_eq!(names(&list), ["monitoring/kube-state-metrics"]);
    let start = rv_of(&list);
    put_obj(&sim, statefulset("web", 3)).await;
    put_obj(&sim, statefulset("kube-state-metrics", 3)).await;
    let events = watch_lines(
        &sim,
        &format!("{path}?watch=true&resourceVersion={start}&timeoutSeconds=1&{by_name}"),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "MODIFIED");
    assert_eq!(
        events[0]["object"]["metadata"]["name"],
        "kube-state-metrics"
    );
    assert_eq!(events[0]["object"]["spec"]["replicas"], 3);

    let (s, body) = get_json(&sim, &format!("{path}/absent")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"statefulsets.apps \"absent\" not found","reason":"NotFound","details":{"name":"absent","group":"apps","kind":"statefulsets"},"code":404})
    );
}
