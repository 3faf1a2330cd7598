//! Load: 32 scrapers at once for about 20 seconds, in text, gzip and
//! OpenMetrics, while the simulated cluster churns as fast as it can (a
//! tick every millisecond asked for). Every response must be whole and
//! well formed: each family's HELP and TYPE once, before its samples, which
//! are contiguous; no series twice; every family of the first scrape
//! present; and each pod's series from one version of it (its containers'
//! running, waiting and terminated states, three families, add up to
//! exactly one; its phase is one-hot; the same pods in each family every
//! pod has).
//!
//! Bounded: each scraper makes at most `MOST_REQUESTS`, and starts no new
//! one after `DURATION` once it has made one in each format.

mod common;

use common::{Exporter, Sim, request};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::time::{Duration, Instant};

const SCRAPERS: usize = 32;
const DURATION: Duration = Duration::from_secs(20);
const MOST_REQUESTS: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Gzip,
    OpenMetrics,
}

const KINDS: [Kind; 3] = [Kind::Text, Kind::Gzip, Kind::OpenMetrics];

/// A scrape's format and its body's families, or what was wrong with it.
type Checked = (Kind, Result<Vec<String>, String>);

/// One scrape in `kind`, decompressed; the error says what was wrong.
fn scrape(url: &str, kind: Kind) -> Result<String, String> {
    let headers: &[(&str, &str)] = match kind {
        Kind::Text => &[],
        Kind::Gzip => &[("Accept-Encoding", "gzip")],
        Kind::OpenMetrics => &[("Accept", "application/openmetrics-text;version=1.0.0")],
    };
    let response = request("GET", url, headers, None).map_err(|e| format!("request: {e}"))?;
    if response.status != 200 {
        return Err(format!("status {}", response.status));
    }
    let body = match kind {
        Kind::Gzip => {
            if response.header("content-encoding") != Some("gzip") {
                return Err("no Content-Encoding: gzip".into());
            }
            let mut text = Vec::new();
            flate2::read::MultiGzDecoder::new(&response.body[..])
                .read_to_end(&mut text)
                .map_err(|e| format!("gzip body: {e}"))?;
            text
        }
        _ => response.body,
    };
    String::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))
}

/// The labels of a sample line's `{...}`, unescaped.
fn labels(line: &str) -> Result<HashMap<String, String>, String> {
    let mut labels = HashMap::new();
    let Some(open) = line.find('{') else {
        return Ok(labels);
    };
    let mut chars = line[open + 1..].chars();
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() || chars.next() != Some('"') {
            return Err(format!("bad labels in {line:?}"));
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated value in {line:?}")),
                },
                Some(c) => value.push(c),
                None => return Err(format!("unterminated value in {line:?}")),
            }
        }
        labels.insert(key, value);
        match chars.next() {
            Some(',') => continue,
            Some('}') => return Ok(labels),
            _ => return Err(format!("bad labels in {line:?}")),
        }
    }
}

/// Checks one body; returns its families in order.
fn check(body: &str, kind: Kind) -> Result<Vec<String>, String> {
    let body = match kind {
        Kind::OpenMetrics => body
            .strip_suffix("# EOF\n")
            .ok_or("an OpenMetrics body must end with # EOF")?,
        _ => body,
    };
    if !body.ends_with('\n') {
        return Err("the body does not end with a newline: cut short".into());
    }
    let mut families = Vec::new();
    let mut seen_families = HashSet::new();
    let mut current: Option<String> = None;
    let mut typed = false;
    let mut series = HashSet::new();
    // Per pod (uid): its containers' state sums, phases set, and the
    // per-pod families it appears in.
    let mut container_states: HashMap<(String, String), f64> = HashMap::new();
    let mut phases: HashMap<String, f64> = HashMap::new();
    let mut pods_in: HashMap<&str, HashSet<String>> = HashMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default().to_string();
            if !seen_families.insert(name.clone()) {
                return Err(format!("HELP of {name} twice"));
            }
            families.push(name.clone());
            current = Some(name);
            typed = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap_or_default();
            if current.as_deref() != Some(name) || typed {
                return Err(format!("TYPE of {name} not right after its HELP, or twice"));
            }
            typed = true;
            continue;
        }
        if line.starts_with('#') {
            return Err(format!("unexpected comment {line:?}"));
        }
        let family = current.as_deref().ok_or("a sample before any HELP")?;
        if !typed || !line.starts_with(family) {
            return Err(format!("{line:?} is outside its family (in {family})"));
        }
        let (key, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("no value in {line:?}"))?;
        let value: f64 = value
            .parse()
            .map_err(|_| format!("bad value in {line:?}"))?;
        if !series.insert(key.to_string()) {
            return Err(format!("series twice: {key}"));
        }
        if !family.starts_with("kube_pod_") {
            continue;
        }
        let labels = labels(key)?;
        let uid = labels.get("uid").cloned().unwrap_or_default();
        let name = key.split('{').next().unwrap_or_default();
        match name {
            "kube_pod_container_status_running"
            | "kube_pod_container_status_waiting"
            | "kube_pod_container_status_terminated" => {
                let container = labels.get("container").cloned().unwrap_or_default();
                *container_states.entry((uid, container)).or_default() += value;
            }
            "kube_pod_status_phase" => *phases.entry(uid.clone()).or_default() += value,
            _ => {}
        }
        for per_pod in ["kube_pod_info", "kube_pod_created", "kube_pod_owner"] {
            if name == per_pod {
                pods_in
                    .entry(per_pod)
                    .or_default()
                    .insert(labels.get("uid").cloned().unwrap_or_default());
            }
        }
    }
    if let Some(((uid, container), sum)) = container_states.iter().find(|(_, s)| **s != 1.0) {
        return Err(format!(
            "pod {uid} container {container}: running + waiting + terminated = {sum}, not 1: its series come from different versions"
        ));
    }
    if let Some((uid, sum)) = phases.iter().find(|(_, s)| **s != 1.0) {
        return Err(format!("pod {uid}: phases sum to {sum}, not 1"));
    }
    let info = pods_in.get("kube_pod_info").cloned().unwrap_or_default();
    if info.is_empty() {
        return Err("no pods".into());
    }
    for (family, pods) in &pods_in {
        if *pods != info {
            return Err(format!(
                "{family} and kube_pod_info name different pods: not one snapshot"
            ));
        }
    }
    Ok(families)
}

/// The simulator's resourceVersion: one more for every change it made.
fn resource_version(sim: &Sim) -> u64 {
    let list = sim.control("GET", "/sim/objects/namespaces", None);
    let value: serde_json::Value = serde_json::from_str(&list).expect("a JSON list");
    value["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .expect("a numeric resourceVersion")
}

#[test]
fn thirty_two_scrapers_during_churn_get_whole_consistent_bodies() {
    let sim = Sim::start(&[
        "--nodes",
        "10",
        "--pods-per-node",
        "10",
        "--churn-interval-ms",
        "1",
    ]);
    let exporter = Exporter::start(&sim.kubeconfig, &["--enable-gzip-encoding"]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);

    // Every family has its HELP and TYPE whether or not it has samples, so
    // every scrape must have the families of the first in its format (an
    // OpenMetrics counter's family name has no _total), in the same order.
    let families: Vec<Vec<String>> = KINDS
        .iter()
        .map(|&kind| {
            let first = scrape(&url, kind).expect("a first scrape");
            check(&first, kind).expect("a first scrape is well formed")
        })
        .collect();

    let rv_before = resource_version(&sim);
    let started = Instant::now();
    let results: Vec<Vec<Checked>> = std::thread::scope(|scope| {
        let scrapers: Vec<_> = (0..SCRAPERS)
            .map(|i| {
                let url = &url;
                scope.spawn(move || {
                    let mut results = Vec::new();
                    for n in 0..MOST_REQUESTS {
                        if n >= KINDS.len() && started.elapsed() > DURATION {
                            break;
                        }
                        let kind = KINDS[(i + n) % KINDS.len()];
                        results.push((kind, scrape(url, kind).and_then(|b| check(&b, kind))));
                    }
                    results
                })
            })
            .collect();
        scrapers.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let changes = resource_version(&sim) - rv_before;

    let mut scrapes = 0;
    for (kind, result) in results.into_iter().flatten() {
        scrapes += 1;
        match result {
            Ok(got) => assert!(
                got == families[KINDS.iter().position(|&k| k == kind).unwrap()],
                "a {kind:?} scrape's families differ from the first scrape's ({} against {})",
                got.len(),
                families[0].len()
            ),
            Err(e) => panic!("a {kind:?} scrape under load: {e}"),
        }
    }
    let rate = changes as f64 / elapsed.as_secs_f64();
    eprintln!(
        "{scrapes} scrapes by {SCRAPERS} scrapers in {elapsed:.1?}, {changes} changes ({rate:.0}/s)"
    );
    // A debug build of the simulator, asked to tick every millisecond,
    // made about 65 changes a second on this project's busy 2-core machine
    // (load average 13), each one a watch event during the scrapes.
    assert!(
        rate >= 50.0,
        "the cluster changed only {rate:.0} times a second: not under churn"
    );
}
