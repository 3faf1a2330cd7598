//! The benchmark: how much memory kubestate needs and how fast it serves a
//! scrape, on a simulated cluster of a given size.
//!
//! It runs the simulated API server and the exporter as two processes (so
//! the exporter's memory is its own), waits for `/readyz`, then scrapes with
//! curl, a real HTTP client, and prints a Markdown table:
//!
//!     cargo build --release && target/release/kubestate-bench --nodes 1000 --pods-per-node 30

use clap::Parser;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Measures kubestate's memory and scrape latency on a simulated cluster")]
struct Args {
    /// Nodes in the simulated cluster.
    #[arg(long, default_value_t = 1000)]
    nodes: usize,
    /// Pods per node.
    #[arg(long, default_value_t = 30)]
    pods_per_node: usize,
    /// Timed scrapes per format.
    #[arg(long, default_value_t = 10)]
    scrapes: usize,
    /// Milliseconds between churn steps in the simulator while scraping; 0
    /// keeps the cluster still.
    #[arg(long, default_value_t = 0)]
    churn_interval_ms: u64,
    /// Extra flags for the exporter (e.g. `--enable-gzip-encoding`).
    #[arg(long, allow_hyphen_values = true, num_args = 0..)]
    exporter_flag: Vec<String>,
}

/// A child process killed when the benchmark ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kubestate = std::env::current_exe()?.with_file_name("kubestate");
    anyhow::ensure!(
        kubestate.exists(),
        "{} is missing: build it first (cargo build --release)",
        kubestate.display()
    );
    let dir = std::env::temp_dir().join(format!("kubestate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");

    eprintln!(
        "starting a simulated cluster of {} nodes x {} pods",
        args.nodes, args.pods_per_node
    );
    let mut sim = Command::new(&kubestate)
        .arg("simulate")
        .args([
            "--nodes",
            &args.nodes.to_string(),
            "--pods-per-node",
            &args.pods_per_node.to_string(),
        ])
        .args(["--churn-interval-ms", &args.churn_interval_ms.to_string()])
        .args(["--listen", "127.0.0.1:0", "--write-kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(sim.stdout.take().expect("piped stdout")).read_line(&mut line)?;
    let _sim = Process(sim);
    anyhow::ensure!(
        line.starts_with("http://"),
        "the simulator did not start: {line:?}"
    );

    let (port, telemetry_port) = (free_port()?, free_port()?);
    let started = Instant::now();
    let exporter = Process(
        Command::new(&kubestate)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--host", "127.0.0.1", "--telemetry-host", "127.0.0.1"])
            .args([
                "--port",
                &port.to_string(),
                "--telemetry-port",
                &telemetry_port.to_string(),
            ])
            .args(&args.exporter_flag)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let pid = exporter.0.id();
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let readyz = format!("http://127.0.0.1:{telemetry_port}/readyz");

    // Sync: until /readyz says every kind is listed.
    let deadline = started + Duration::from_secs(300);
    while curl_status(&readyz)? != 200 {
        anyhow::ensure!(Instant::now() < deadline, "not ready after 300 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sync = started.elapsed();
    let sync_cpu = cpu_seconds(pid)?;
    let synced = memory(pid)?;

    // One untimed scrape to learn the body, then the timed ones.
    let body_path = dir.join("body.txt");
    let first = curl(&metrics, &[], Some(&body_path))?;
    let body = std::fs::read_to_string(&body_path)?;
    let series = body.lines().filter(|l| !l.starts_with('#')).count();
    let families = body.lines().filter(|l| l.starts_with("# TYPE ")).count();
    let objects = objects(&format!("http://127.0.0.1:{telemetry_port}/metrics"))?;

    let openmetrics = ["-H", "Accept: application/openmetrics-text;version=1.0.0"];
    let gzip = ["--compressed"];
    let mut rows = Vec::new();
    for (name, flags) in [
        ("text 0.0.4", &[][..]),
        ("OpenMetrics 1.0.0", &openmetrics[..]),
        ("text, gzip accepted", &gzip[..]),
    ] {
        let mut times = Vec::new();
        let mut wire = 0;
        for _ in 0..args.scrapes {
            let scrape = curl(&metrics, flags, None)?;
            times.push(scrape.seconds);
            wire = scrape.bytes;
        }
        times.sort_by(f64::total_cmp);
        rows.push((name, times, wire));
    }
    let cpu_after = cpu_seconds(pid)?;
    let after = memory(pid)?;
    let scrape_cpu = (cpu_after - sync_cpu) / (3 * args.scrapes) as f64;

    println!("| cluster | value |");
    println!("|---|---|");
    println!(
        "| objects | {} |",
        objects
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("| families / series | {families} / {series} |");
    println!("| body (text) | {:.1} MB |", first.bytes as f64 / 1e6);
    println!(
        "| exporter flags | {} |",
        if args.exporter_flag.is_empty() {
            "(defaults)".into()
        } else {
            args.exporter_flag.join(" ")
        }
    );
    println!();
    println!("| exporter | value |");
    println!("|---|---|");
    println!(
        "| sync time (start to /readyz 200) | {:.2} s |",
        sync.as_secs_f64()
    );
    println!("| CPU used to sync | {sync_cpu:.2} s |");
    println!(
        "| resident memory after sync | {:.1} MB |",
        synced.resident_mb
    );
    println!(
        "| resident memory after {} scrapes | {:.1} MB |",
        3 * args.scrapes,
        after.resident_mb
    );
    println!("| peak resident memory (VmHWM) | {:.1} MB |", after.peak_mb);
    println!("| CPU per scrape (average) | {:.3} s |", scrape_cpu);
    println!();
    println!(
        "| scrape ({} each, curl time_total) | p50 | p90 | max | bytes on the wire |",
        args.scrapes
    );
    println!("|---|---|---|---|---|");
    for (name, times, wire) in rows {
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.3} s | {:.1} MB |",
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            times.last().copied().unwrap_or_default(),
            wire as f64 / 1e6
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Scrape {
    seconds: f64,
    bytes: u64,
}

/// One request with curl; its own timing, so the client is a real one.
fn curl(url: &str, flags: &[&str], save: Option<&Path>) -> anyhow::Result<Scrape> {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--fail",
            "-w",
            "%{time_total} %{size_download}",
            "-o",
        ])
        .arg(save.map_or_else(|| PathBuf::from("/dev/null"), Path::to_path_buf))
        .args(flags)
        .arg(url)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let (seconds, bytes) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| anyhow::anyhow!("curl said {text:?}"))?;
    Ok(Scrape {
        seconds: seconds.parse()?,
        bytes: bytes.parse()?,
    })
}

fn curl_status(url: &str) -> anyhow::Result<u16> {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(url)
        .output()?;
    Ok(String::from_utf8(out.stdout)?.trim().parse().unwrap_or(0))
}

/// `kubestate_cache_objects` per resource, from the telemetry port.
fn objects(url: &str) -> anyhow::Result<Vec<(String, u64)>> {
    let out = Command::new("curl").args(["-sS", url]).output()?;
    let text = String::from_utf8(out.stdout)?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("kubestate_cache_objects{resource=\""))
        .filter_map(|rest| {
            let (resource, value) = rest.split_once("\"} ")?;
            Some((resource.to_string(), value.trim().parse().ok()?))
        })
        .collect())
}

struct Memory {
    resident_mb: f64,
    peak_mb: f64,
}

fn memory(pid: u32) -> anyhow::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Memory {
        resident_mb: kb("VmRSS:") / 1024.0,
        peak_mb: kb("VmHWM:") / 1024.0,
    })
}

fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 (1-based); the list starts at 3.
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    Ok(ticks / 100.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}
