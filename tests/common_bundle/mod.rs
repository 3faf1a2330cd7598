//! Helpers shared by the `tests/bundle_*.rs` tests of the deployment bundle
//! (manifests, rules, dashboards, examples). They shell out to real tools and
//! fail, never skip, when one is missing, naming the install step.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The install step for each external tool, as the test script performs it.
pub fn install_hint(tool: &str) -> &'static str {
    match tool {
        "kubectl" => {
            "set KUBESTATE_KUBECTL to a kubectl of 1.24 or later, or put one on PATH (scripts/test installs one)"
        }
        "kubernetes-validate" => "run `pip install kubernetes-validate pyyaml`",
        "python3" => "install python3 and run `pip install pyyaml`",
        "promtool" | "prometheus" => {
            "run `apt-get update && apt-get install -y prometheus` (provides /usr/bin/promtool and /usr/bin/prometheus)"
        }
        "npx" | "npm" | "node" => {
            "install Node.js and npm (Debian: `apt-get install -y nodejs npm`)"
        }
        "tsc" => "run `npm ci` in dashboards/typecheck",
        _ => "see the install steps in rules/README.md",
    }
}

/// kubectl as scripts/test installs it (`KUBESTATE_KUBECTL`), else the one
/// on PATH.
pub fn kubectl() -> Command {
    Command::new(
        std::env::var_os("KUBESTATE_KUBECTL")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "kubectl".into()),
    )
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `kubectl kustomize DIR` (relative to the repository root): the YAML text.
pub fn kustomize(dir: &str) -> String {
    let out = run(
        kubectl().args(["kustomize", dir]).current_dir(root()),
        "kubectl",
    );
    assert_success(&out, &format!("kubectl kustomize {dir}"));
    text(&out.stdout)
}

/// Runs a command to completion, panicking with the install step when the
/// program cannot be started at all.
pub fn run(cmd: &mut Command, tool: &str) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run `{tool}` ({e}): a required tool is missing: {}",
            install_hint(tool)
        ),
    }
}

/// Runs a command with `input` on its standard input.
pub fn run_with_stdin(cmd: &mut Command, tool: &str, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{tool}` ({e}): a required tool is missing: {}",
                install_hint(tool)
            )
        });
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("write to the tool's stdin");
    child.wait_with_output().expect("wait for the tool")
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// Asserts success, showing the tool's output otherwise.
pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Parses YAML text (one or more documents) into JSON values, through
/// python3's yaml.safe_load_all.
pub fn yaml_docs(yaml: &str) -> Vec<Value> {
    let script = "import sys, json, yaml\n\
                  docs = [d for d in yaml.safe_load_all(sys.stdin.read()) if d is not None]\n\
                  json.dump(docs, sys.stdout)\n";
    let out = run_with_stdin(
        Command::new("python3").args(["-c", script]),
        "python3",
        yaml.as_bytes(),
    );
    assert!(
        out.status.success(),
        "YAML did not parse (or python3 lacks the yaml module: {}):\n{}",
        install_hint("python3"),
        text(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("python3 printed JSON") {
        Value::Array(docs) => docs,
        other => panic!("expected a list of documents, got {other}"),
    }
}

/// The single YAML document of a file.
pub fn yaml_file(rel: &str) -> Value {
    let mut docs = yaml_docs(&read(rel));
    assert_eq!(docs.len(), 1, "{rel} must hold exactly one YAML document");
    docs.remove(0)
}

pub fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub fn json_file(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

/// Every `kube_*`, `kubestate_*` and `process_*` metric name the project
/// documents: docs/metrics.md (checked against what the exporter serves by
/// tests/docs.rs) and the README's table of self metrics; abbreviated rows
/// (`kube_x_waiting / _running`) are expanded.
pub fn documented_metric_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in ["docs/metrics.md", "README.md"] {
        let doc = read(file);
        for line in doc.lines() {
            let mut base: Option<String> = None;
            for token in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if token.starts_with("kube_")
                    || token.starts_with("kubestate_")
                    || token.starts_with("process_")
                {
                    names.insert(token.to_string());
                    base = Some(token.to_string());
                }
            }
            // "kube_pod_init_container_status_waiting / _running / _ready"
            if let Some(first) = base {
                for part in line.split('/').skip(1) {
                    let suffix = part.trim().split([' ', '|', '`']).next().unwrap_or("");
                    if let Some(stripped) = suffix.strip_prefix('_') {
                        let head = first.rsplit_once('_').map(|(h, _)| h).unwrap_or(&first);
                        names.insert(format!("{head}_{stripped}"));
                    }
                }
            }
        }
    }
    names
}

/// The series names the shipped rule file records (its recording rules):
/// dashboards may read them as they read the exporter's families.
pub fn recorded_metric_names() -> BTreeSet<String> {
    yaml_file("rules/kubestate.rules.yml")["groups"]
        .as_array()
        .expect("groups is a list")
        .iter()
        .flat_map(|g| g["rules"].as_array().expect("rules").clone())
        .filter_map(|r| r["record"].as_str().map(str::to_string))
        .collect()
}

/// Metric names that a PromQL expression selects: identifiers outside label
/// matchers, strings and range brackets that are not function calls,
/// keywords, or label lists of `by`/`without`/`on`/`ignoring`/`group_*`.
/// Good enough for the expressions of this bundle.
pub fn metric_names_in(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    let skip_to = |from: usize, close: char| -> usize {
        let mut j = from;
        let mut quoted = false;
        while j < chars.len() {
            let c = chars[j];
            if quoted {
                if c == '\\' {
                    j += 1;
                } else if c == '"' {
                    quoted = false;
                }
            } else if c == '"' {
                quoted = true;
            } else if c == close {
                return j + 1;
            }
            j += 1;
        }
        j
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' => i = skip_to(i + 1, '}'),
            '[' => i = skip_to(i + 1, ']'),
            '"' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' {
                        j += 1;
                    }
                    j += 1;
                }
                i = j + 1;
            }
            c if c.is_ascii_digit() => {
                // A number such as 1e+08 or 0x1F: not a name.
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let next = chars.get(j).copied();
                let label_list = matches!(
                    word.as_str(),
                    "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                );
                if label_list {
                    if next == Some('(') {
                        i = skip_to(j + 1, ')');
                    }
                } else if next != Some('(') && !is_keyword(&word) {
                    out.insert(word);
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn is_keyword(word: &str) -> bool {
    // Aggregation operators may be followed by `by (...)` before their `(`.
    let aggregations = [
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
    ];
    matches!(
        word,
        "bool" | "and" | "or" | "unless" | "offset" | "Inf" | "NaN" | "inf" | "nan"
    ) || aggregations.contains(&word)
        || word.starts_with("__")
}

/// Grafana's template variables replaced by the values an unfiltered view
/// would send: `$namespace`/`$node` with "All" become `.*`, rate windows 1m.
pub fn substitute_grafana_vars(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("${__rate_interval}", "1m")
        .replace("$__interval", "1m")
        .replace("$__range", "5m")
        .replace("${namespace}", ".*")
        .replace("$namespace", ".*")
        .replace("${node}", ".*")
        .replace("$node", ".*")
}

/// Every (panel title, refId, expr) of a dashboard, rows included.
pub fn panel_queries(dashboard: &Value) -> Vec<(String, String, String)> {
    fn walk(panels: &Value, out: &mut Vec<(String, String, String)>) {
        for p in panels.as_array().into_iter().flatten() {
            let title = p["title"].as_str().unwrap_or("").to_string();
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = t["expr"].as_str() {
                    let ref_id = t["refId"].as_str().unwrap_or("").to_string();
                    out.push((title.clone(), ref_id, expr.to_string()));
                }
            }
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

/// A minimal HTTP/1.0 GET against 127.0.0.1, returning status and body.
pub fn http_get(port: u16, path_and_query: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad HTTP response: {head}")))?;
    Ok((status, body.to_string()))
}

/// Percent-encodes a query parameter value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// kubernetes-validate --strict on YAML text: every object must be checked
/// against a schema (a kind without one only warns, so WARN fails here too).
pub fn validate_strict(yaml: &str, expected_objects: usize, what: &str) {
    let out = run_with_stdin(
        Command::new("kubernetes-validate").args(["--strict", "-"]),
        "kubernetes-validate",
        yaml.as_bytes(),
    );
    let stdout = text(&out.stdout);
    assert_success(&out, &format!("kubernetes-validate --strict of {what}"));
    assert!(
        !stdout.contains("WARN") && !stdout.contains("ERROR"),
        "kubernetes-validate did not validate every object of {what}:\n{stdout}"
    );
    let passed = stdout.lines().filter(|l| l.contains(" passed ")).count();
    assert_eq!(
        passed, expected_objects,
        "{what}: expected {expected_objects} objects validated:\n{stdout}"
    );
}
