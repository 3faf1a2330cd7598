//! Shared by the integration tests: run the real `kubestate` binary as a
//! simulated API server and as the exporter, and talk HTTP to both.
#![allow(dead_code)] // each test binary uses a different part of this

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_kubestate");

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 request over loopback (the tests need nothing more,
/// and it keeps what the exporter sends on the wire visible).
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Response> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body.as_bytes())?;
    }
    read_response(BufReader::new(stream))
}

/// An HTTP/1.1 response read to its end (`Connection: close` or chunked).
pub fn read_response(mut reader: impl BufRead) -> std::io::Result<Response> {
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).map_err(std::io::Error::other)?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

pub fn get(url: &str) -> std::io::Result<Response> {
    request("GET", url, &[], None)
}

/// Polls `check` until it returns `Some`, or fails the test after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed when the test ends, pass or fail.
pub struct Process {
    pub child: Child,
    pub stderr_path: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Whether the process has ended. `try_wait` needs `&mut`; its state in
    /// /proc does not: a process that ended and is not yet reaped (it is
    /// reaped only on drop) is a zombie, state Z.
    pub fn has_exited(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|stat| {
                let (_, fields) = stat.rsplit_once(')')?;
                fields.split_whitespace().next().map(|state| state == "Z")
            })
            .unwrap_or(false)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubestate-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn unique(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    temp_path(&format!("{n}-{name}"))
}

/// `kubestate simulate`: a simulated API server on 127.0.0.1.
pub struct Sim {
    pub url: String,
    /// The `/sim/` control endpoints on a port of their own, which stays
    /// open while a restart closes the API's.
    pub control_url: String,
    pub kubeconfig: PathBuf,
    pub process: Process,
}

impl Sim {
    /// An empty cluster without churn; tests create their own objects.
    pub fn empty() -> Sim {
        Sim::start(&["--empty"])
    }

    pub fn start(args: &[&str]) -> Sim {
        let kubeconfig = unique("kubeconfig");
        let stderr_path = unique("sim.stderr");
        let mut child = Command::new(BIN)
            .arg("simulate")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"])
            .arg("--write-kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("start kubestate simulate");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut read_url = || {
            let mut line = String::new();
            stdout
                .read_line(&mut line)
                .expect("simulator prints its URLs");
            let url = line.trim().to_string();
            assert!(
                url.starts_with("http://127.0.0.1:"),
                "unexpected simulator URL {url:?}"
            );
            url
        };
        let (url, control_url) = (read_url(), read_url());
        Sim {
            url,
            control_url,
            kubeconfig,
            process: Process { child, stderr_path },
        }
    }

    /// A control call under /sim/; panics unless it succeeds.
    pub fn control(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let response = request(method, &format!("{}{path}", self.control_url), &[], body)
            .expect("simulator answers");
        assert!(
            (200..300).contains(&response.status),
            "{method} {path} answered {}: {}",
            response.status,
            response.text()
        );
        response.text()
    }

    /// Creates or replaces an object (any serializable Kubernetes object).
    pub fn put<T: serde::Serialize>(&self, object: &T) {
        let json = serde_json::to_string(object).expect("object serializes");
        self.control("PUT", "/sim/objects", Some(&json));
    }

    pub fn delete(&self, plural: &str, namespace: &str, name: &str) {
        self.control(
            "DELETE",
            &format!("/sim/objects/{plural}/{namespace}/{name}"),
            None,
        );
    }
}

/// The exporter, pointed at a simulator through a kubeconfig.
pub struct Exporter {
    pub metrics: String,
    pub telemetry: String,
    pub process: Process,
}

impl Exporter {
    pub fn start(kubeconfig: &std::path::Path, args: &[&str]) -> Exporter {
        // `free_port` closes its listener before the exporter binds the
        // port, and in between another process may take it (every
        // simulator binds port 0): an exporter that could not listen is
        // started again on other ports.
        for _ in 0..5 {
            let exporter = Exporter::spawn(kubeconfig, args);
            if !exporter.lost_a_port() {
                return exporter;
            }
        }
        panic!("five exporters in a row found their ports taken");
    }

    /// Whether the exporter exited because a port was taken. Waits until
    /// it logs that it serves, or exits, or a few seconds pass (a quiet
    /// `--log-level` logs nothing).
    fn lost_a_port(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let exited = self.process.has_exited();
            let log = self.process.stderr();
            if exited {
                return log.contains("cannot listen on");
            }
            if log.contains("serving") {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn spawn(kubeconfig: &std::path::Path, args: &[&str]) -> Exporter {
        let (port, telemetry_port) = (free_port(), free_port());
        let stderr_path = unique("exporter.stderr");
        let child = Command::new(BIN)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--host", "127.0.0.1", "--telemetry-host", "127.0.0.1"])
            .args([
                "--port",
                &port.to_string(),
                "--telemetry-port",
                &telemetry_port.to_string(),
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("start kubestate");
        Exporter {
            metrics: format!("http://127.0.0.1:{port}"),
            telemetry: format!("http://127.0.0.1:{telemetry_port}"),
            process: Process { child, stderr_path },
        }
    }

    /// Waits for /readyz to say 200; fails at once, with the exporter's
    /// log, if it has exited.
    pub fn wait_ready(&self) {
        wait_for("/readyz 200", Duration::from_secs(30), || {
            if self.process.has_exited() {
                panic!("the exporter exited; its log:\n{}", self.process.stderr());
            }
            get(&format!("{}/readyz", self.telemetry))
                .ok()
                .filter(|r| r.status == 200)
        });
    }

    /// A text-format scrape of /metrics.
    pub fn scrape(&self) -> String {
        let response = get(&format!("{}/metrics", self.metrics)).expect("scrape");
        assert_eq!(response.status, 200);
        response.text()
    }

    /// The exporter's own metrics.
    pub fn self_metrics(&self) -> String {
        get(&format!("{}/metrics", self.telemetry))
            .expect("telemetry scrape")
            .text()
    }
}

/// The sample lines of one family (no HELP/TYPE), sorted.
pub fn series(scrape: &str, family: &str) -> Vec<String> {
    let mut lines: Vec<String> = scrape
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// The series of one family that mention `needle` (an object's name).
pub fn series_with(scrape: &str, family: &str, needle: &str) -> Vec<String> {
    series(scrape, family)
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect()
}

/// Hand-written expected lines, sorted like `series`.
pub fn sorted(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

/// The value of the first sample of `name` whose labels contain all of
/// `labels` (each `key="value"`), in a text or OpenMetrics body.
pub fn sample(body: &str, name: &str, labels: &[&str]) -> Option<f64> {
    body.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let rest = l.strip_prefix(name)?;
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            return None;
        }
        if !labels.iter().all(|want| rest.contains(want)) {
            return None;
        }
        rest.rsplit(' ').next()?.parse().ok()
    })
}

/// Runs `promtool check metrics` on a body; promtool must be installed
/// (Debian's `prometheus` package; the README's test command installs it).
pub fn promtool_check(body: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is not installed: run the README's test command, which installs Debian's prometheus package");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && report.trim().is_empty(), report)
}

/// The series lines of a scrape (`# HELP` and `# TYPE` left out: every
/// shard serves those).
pub fn series_lines(scrape: &str) -> Vec<String> {
    scrape
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `None` when the shards' scrapes (each named) together hold exactly the
/// unsharded scrape's series, each served by one shard only; otherwise
/// what differs, for a failure message.
pub fn split_difference(unsharded: &str, shards: &[(String, String)]) -> Option<String> {
    let mut expected = series_lines(unsharded);
    expected.sort();
    let mut served: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for (name, scrape) in shards {
        for line in series_lines(scrape) {
            served.entry(line).or_default().push(name);
        }
    }
    let twice: Vec<String> = served
        .iter()
        .filter(|(_, by)| by.len() > 1)
        .map(|(line, by)| format!("{line} (served by {by:?})"))
        .collect();
    let union: Vec<String> = served.into_keys().collect();
    if twice.is_empty() && union == expected {
        return None;
    }
    let missing: Vec<&String> = expected
        .iter()
        .filter(|l| union.binary_search(l).is_err())
        .collect();
    let extra: Vec<&String> = union
        .iter()
        .filter(|l| expected.binary_search(l).is_err())
        .collect();
    Some(format!(
        "{} series unsharded, {} in the shards' union; served twice: {:?}; missing: {:?}; not in the unsharded scrape: {:?}",
        expected.len(),
        union.len(),
        twice.iter().take(5).collect::<Vec<_>>(),
        missing.iter().take(5).collect::<Vec<_>>(),
        extra.iter().take(5).collect::<Vec<_>>(),
    ))
}
