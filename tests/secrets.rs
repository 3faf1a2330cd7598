//! No value of a secret leaves the exporter: not in a scrape (with every
//! label and annotation allowlisted), not in its logs (at debug level, and
//! with a secret it cannot decode), whatever the secret's type; the values
//! come from the simulated cluster's own secrets, read over its API.

mod common;

use common::{Exporter, Sim, get, wait_for};
use serde_json::{Value, json};
use std::time::Duration;

/// Every value in the secrets' `data` (as sent, base64, and decoded when
/// it is text) and in their last-applied annotations' `data`/`stringData`.
fn secret_values(list: &Value) -> Vec<String> {
    let mut values = Vec::new();
    let mut add = |v: &str| {
        if v.len() >= 8 {
            values.push(v.to_string());
        }
    };
    for item in list["items"].as_array().expect("items") {
        for (key, v) in item["data"].as_object().into_iter().flatten() {
            // A token Secret's `namespace` is its own namespace, which
            // every series of it names anyway.
            if key == "namespace" {
                continue;
            }
            let encoded = v.as_str().expect("base64 string");
            add(encoded);
            if let Some(text) = decode_base64(encoded).and_then(|b| String::from_utf8(b).ok()) {
                // Each line on its own: a PEM's lines are what would leak.
                for line in text.lines() {
                    add(line);
                }
            }
        }
        let applied =
            &item["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"];
        if let Some(applied) = applied.as_str() {
            let applied: Value = serde_json::from_str(applied).expect("last-applied JSON");
            for field in ["data", "stringData"] {
                for (_, v) in applied[field].as_object().into_iter().flatten() {
                    add(v.as_str().unwrap_or_default());
                }
            }
        }
    }
    values
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

#[test]
fn no_value_of_a_secret_is_served_or_logged() {
    let sim = Sim::start(&["--churn-interval-ms", "0"]);
    // One the exporter cannot decode (`type` is not a string): it is
    // skipped and logged, and its value must not be in that log line.
    let undecodable = "undecodable-secret-value-5f2b9c";
    sim.control(
        "PUT",
        "/sim/objects",
        Some(
            &json!({
                "kind": "Secret", "apiVersion": "v1",
                "metadata": {"name": "broken", "namespace": "shop"},
                "type": 7,
                "data": {"password": "dW5kZWNvZGFibGUtc2VjcmV0LXZhbHVlLTVmMmI5Yw=="},
            })
            .to_string(),
        ),
    );
    let list: Value =
        serde_json::from_str(&get(&format!("{}/api/v1/secrets", sim.url)).unwrap().text())
            .expect("secret list");
    let types: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    for t in [
        "Opaque",
        "kubernetes.io/tls",
        "kubernetes.io/service-account-token",
        "kubernetes.io/dockerconfigjson",
    ] {
        assert!(types.contains(&t), "the simulator has a {t} secret");
    }
    let mut values = secret_values(&list);
    assert!(values.iter().any(|v| v == undecodable));
    assert!(values.len() > 20, "{values:?}");
    values.sort();
    values.dedup();

    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            "--resources=secrets",
            "--metric-labels-allowlist=*=[*]",
            "--metric-annotations-allowlist=*=[*]",
            "--log-level=debug",
        ],
    );
    exporter.wait_ready();
    let scrape = exporter.scrape();
    assert!(scrape.contains(r#"kube_secret_type{namespace="kube-system",secret="legacy-ci-token",type="kubernetes.io/service-account-token"} 1"#));
    wait_for(
        "the undecodable secret's log line",
        Duration::from_secs(10),
        || exporter.process.stderr().contains("broken").then_some(()),
    );
    let logs = exporter.process.stderr();
    for value in &values {
        assert!(!scrape.contains(value.as_str()), "served: {value}");
        assert!(!logs.contains(value.as_str()), "logged: {value}");
    }
    assert!(!scrape.contains("last_applied"), "{scrape}");
}
