//! gzip as a scraper receives it: on by default, one standard gzip stream
//! that any decoder reads whole (flate2's `GzDecoder`, which reads one
//! member, and GNU gzip), whose checksum and length the decoders verify,
//! holding exactly the text of an uncompressed scrape.

mod common;

use common::{Exporter, Response, Sim, request};
use kubestate::exposition::CHUNK_SIZE;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0";

fn scrape(url: &str, accept: Option<&str>, accept_encoding: Option<&str>) -> Response {
    let mut headers = Vec::new();
    headers.extend(accept.map(|a| ("Accept", a)));
    headers.extend(accept_encoding.map(|e| ("Accept-Encoding", e)));
    let response = request("GET", url, &headers, None).expect("a scrape");
    assert_eq!(response.status, 200);
    response
}

/// flate2's `GzDecoder`: the first gzip member only, its CRC-32 and length
/// checked.
fn gunzip_first_member(stream: &[u8]) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(stream)
        .read_to_end(&mut text)
        .expect("a valid gzip member");
    text
}

/// GNU gzip, an implementation of its own, which also checks CRC-32 and
/// length.
fn gzip_dc(stream: &[u8]) -> Vec<u8> {
    let mut gzip = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    let mut stdin = gzip.stdin.take().expect("stdin");
    let output = std::thread::scope(|scope| {
        scope.spawn(move || stdin.write_all(stream).expect("gzip reads its input"));
        gzip.wait_with_output().expect("gzip runs")
    });
    assert!(
        output.status.success(),
        "gzip -dc refused the body: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The size of the largest family's text (from one `# HELP` to the next).
fn largest_family(text: &[u8]) -> usize {
    let text = std::str::from_utf8(text).expect("UTF-8");
    text.split("# HELP ").map(str::len).max().unwrap_or(0)
}

#[test]
fn a_gzip_scrape_is_one_stream_of_the_uncompressed_body() {
    let sim = Sim::start(&[
        "--nodes",
        "80",
        "--pods-per-node",
        "40",
        "--churn-interval-ms",
        "0",
    ]);
    // No flag: gzip is on by default.
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);
    for accept in [None, Some(OPENMETRICS)] {
        let plain = scrape(&url, accept, None);
        assert_eq!(plain.header("content-encoding"), None);
        let zipped = scrape(&url, accept, Some("gzip"));
        assert_eq!(zipped.header("content-encoding"), Some("gzip"));
        assert_eq!(zipped.header("content-type"), plain.header("content-type"));
        assert_eq!(zipped.header("vary"), Some("Accept, Accept-Encoding"));
        // Many chunks, and families that span several.
        assert!(
            plain.body.len() > 10 * CHUNK_SIZE,
            "{} bytes",
            plain.body.len()
        );
        assert!(largest_family(&plain.body) > 2 * CHUNK_SIZE);

        let first_member = gunzip_first_member(&zipped.body);
        assert!(
            first_member == plain.body,
            "{accept:?}: the first gzip member holds {} bytes of {}",
            first_member.len(),
            plain.body.len()
        );
        assert!(
            gzip_dc(&zipped.body) == plain.body,
            "{accept:?}: GNU gzip decodes another text"
        );
        assert!(
            zipped.body.len() < plain.body.len() / 4,
            "{accept:?}: {} bytes compressed to {}",
            plain.body.len(),
            zipped.body.len()
        );
    }
}

#[test]
fn an_empty_body_is_a_valid_gzip_stream() {
    let sim = Sim::empty();
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    // No resource selected: no family, an empty body.
    let url = format!("{}/metrics?resources=", exporter.metrics);
    assert_eq!(scrape(&url, None, None).body, b"");
    let zipped = scrape(&url, None, Some("gzip"));
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip_first_member(&zipped.body), b"");
    assert_eq!(gzip_dc(&zipped.body), b"");
}

#[test]
fn a_client_refusing_gzip_gets_the_uncompressed_body() {
    let sim = Sim::start(&[
        "--nodes",
        "2",
        "--pods-per-node",
        "3",
        "--churn-interval-ms",
        "0",
    ]);
    let exporter = Exporter::start(&sim.kubeconfig, &[]);
    exporter.wait_ready();
    let url = format!("{}/metrics", exporter.metrics);
    let plain = scrape(&url, None, None);
    assert!(!plain.body.is_empty());
    for refusal in ["gzip;q=0", "identity", "deflate, gzip;q=0"] {
        let response = scrape(&url, None, Some(refusal));
        assert_eq!(response.header("content-encoding"), None, "{refusal}");
        assert!(response.body == plain.body, "{refusal}: another body");
    }
}
