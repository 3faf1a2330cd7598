//! Server limits over real sockets on 127.0.0.1: idle and half-sent
//! connections, a reader too slow for the write timeout, oversized
//! headers, and the idle timeout between kept-alive requests. Each test is
//! bounded in connections and time.

mod common;

use common::{Exporter, Sim, get, sample, wait_for};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn authority(base: &str) -> &str {
    base.strip_prefix("http://").expect("exporter URL")
}

fn timeouts(exporter: &Exporter, server: &str, timeout: &str) -> f64 {
    let metrics = exporter.self_metrics();
    sample(
        &metrics,
        "kubestate_http_timeouts_total",
        &[
            &format!("server=\"{server}\""),
            &format!("timeout=\"{timeout}\""),
        ],
    )
    .unwrap_or_else(|| panic!("no kubestate_http_timeouts_total for {server}/{timeout}"))
}

/// Reads until the peer closes the connection (or the read times out).
fn closed_by_peer(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn hundreds_of_idle_and_half_sent_connections_do_not_stop_a_scrape() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &["--resources=namespaces", "--server-read-header-timeout=2s"],
    );
    exporter.wait_ready();
    let address = authority(&exporter.metrics);
    let mut idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    let mut half_sent: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(address).unwrap();
            // The request head never ends.
            stream
                .write_all(b"GET /metrics HTTP/1.1\r\nHost: kubestate\r\nX-Slow: ")
                .unwrap();
            stream
        })
        .collect();

    let started = Instant::now();
    let response = get(&format!("{}/metrics", exporter.metrics)).unwrap();
    let took = started.elapsed();
    assert_eq!(response.status, 200);
    assert!(
        response
            .text()
            .contains("# TYPE kube_namespace_created gauge")
    );
    // Bounded loosely: the machine running the tests may be busy.
    assert!(took < Duration::from_secs(3), "the scrape took {took:?}");

    // The 400 are closed at the read-header timeout and counted.
    wait_for("400 read-header timeouts", Duration::from_secs(20), || {
        (timeouts(&exporter, "metrics", "read_header") >= 400.0).then_some(())
    });
    for stream in idle.iter_mut().chain(half_sent.iter_mut()) {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert!(closed_by_peer(stream));
    }
    assert_eq!(timeouts(&exporter, "metrics", "write"), 0.0);
}

#[test]
fn a_reader_slower_than_the_write_timeout_is_cut_logged_and_counted() {
    // About 30 MB of series: far more than the socket buffers and the
    // render channel hold, so a client that does not read blocks the send.
    let sim = Sim::start(&[
        "--nodes",
        "100",
        "--pods-per-node",
        "30",
        "--churn-interval-ms",
        "0",
    ]);
    let exporter = Exporter::start(&sim.kubeconfig, &["--server-write-timeout=1s"]);
    exporter.wait_ready();

    let mut stream = TcpStream::connect(authority(&exporter.metrics)).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: kubestate\r\nConnection: close\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut received = Vec::new();
    let read = stream.read_to_end(&mut received);
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{}",
        &text[..text.len().min(200)]
    );
    // Cut: the chunked body never got its last, empty chunk.
    assert!(
        read.is_err() || !text.ends_with("\r\n0\r\n\r\n"),
        "the whole body arrived ({} bytes)",
        received.len()
    );
    assert!(
        received.len() < 25_000_000,
        "{} bytes arrived",
        received.len()
    );

    assert_eq!(timeouts(&exporter, "metrics", "write"), 1.0);
    let log = exporter.process.stderr();
    assert_eq!(log.matches("response cut").count(), 1, "{log}");
    // The exporter still answers.
    let small = get(&format!(
        "{}/metrics?resources=namespaces",
        exporter.metrics
    ))
    .unwrap();
    assert_eq!(small.status, 200);
}

#[test]
fn a_request_head_over_the_header_limit_is_answered_431() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &["--resources=namespaces", "--server-max-header-bytes=16384"],
    );
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);
    let small = "x".repeat(8 * 1024);
    let big = "x".repeat(32 * 1024);
    let response = common::request("GET", &url, &[("X-Padding", &small)], None).unwrap();
    assert_eq!(response.status, 200);
    let response = common::request("GET", &url, &[("X-Padding", &big)], None).unwrap();
    assert_eq!(response.status, 431);
}

/// One kept-alive request to /healthz on `stream`: its response, read up
/// to its body "ok".
fn healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: kubestate\r\n\r\n")
        .unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    while !received.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "closed after {:?}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&received).into_owned()
}

#[test]
fn kept_alive_connections_wait_the_idle_timeout_not_the_header_timeout() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            "--resources=namespaces",
            "--server-read-header-timeout=1s",
            "--server-idle-timeout=3s",
        ],
    );
    exporter.wait_ready();
    let mut stream = TcpStream::connect(authority(&exporter.metrics)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(healthz(&mut stream).starts_with("HTTP/1.1 200"));
    // Longer than the read-header timeout, shorter than the idle timeout.
    std::thread::sleep(Duration::from_secs(2));
    assert!(healthz(&mut stream).starts_with("HTTP/1.1 200"));
    let idle_since = Instant::now();
    assert!(closed_by_peer(&mut stream));
    let waited = idle_since.elapsed();
    assert!(
        waited >= Duration::from_millis(2500) && waited < Duration::from_secs(6),
        "closed after {waited:?} idle"
    );
}

#[test]
fn connections_past_the_cap_wait_and_are_served_once_others_close() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            "--resources=namespaces",
            "--server-max-connections=5",
            "--server-read-header-timeout=2s",
        ],
    );
    exporter.wait_ready();
    let idle: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(authority(&exporter.metrics)).unwrap())
        .collect();
    // Give the exporter time to accept all five before the scrape comes.
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let response = get(&format!("{}/metrics", exporter.metrics)).unwrap();
    let waited = started.elapsed();
    assert_eq!(response.status, 200);
    // Accepted only when the idle ones were closed at the read-header timeout.
    assert!(
        waited >= Duration::from_millis(1200) && waited < Duration::from_secs(8),
        "answered after {waited:?}"
    );
    // Read from the telemetry port, whose cap is its own.
    assert_eq!(timeouts(&exporter, "metrics", "read_header"), 5.0);
    drop(idle);
}
