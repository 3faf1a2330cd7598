//! The benchmark: how much memory kubestate needs and how fast it serves a
//! scrape, on a simulated cluster of a given size.
//!
//! It runs the simulated API server and the exporter as two processes (so
//! the exporter's memory is its own), waits for `/readyz`, then scrapes with
//! curl, a real HTTP client, and prints a Markdown table:
//!
//!     cargo build --release && target/release/kubestate-bench --nodes 1000 --pods-per-node 30
//!
//! With `--concurrent-scrapes`, `--slow-scrapers` or `--relist` it also
//! measures resident memory under load, on an exporter of its own with gzip
//! enabled: its peak (VmHWM, reset before each phase) during concurrent full
//! scrapes, gzip scrapes, slow scrapers and a forced relist, over its steady
//! level.

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
    /// A second kubestate binary (a build of an older commit) measured in
    /// the same run, against the same simulated cluster, with the same
    /// flags: this machine's speed drifts between runs, so comparisons are
    /// only fair within one.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Also measure each kind alone (`--resources=<kind>`): resident memory
    /// per stored object and scrape time per series.
    #[arg(long)]
    per_kind: bool,
    /// Memory under load: this many full scrapes at once (text, then gzip).
    #[arg(long, default_value_t = 0)]
    concurrent_scrapes: usize,
    /// Memory under load: this many scrapers at once, each reading at
    /// `--slow-rate`, and one full-speed scrape timed among them.
    #[arg(long, default_value_t = 0)]
    slow_scrapers: usize,
    /// The slow scrapers' read rate, in curl's `--limit-rate` syntax.
    #[arg(long, default_value = "20M")]
    slow_rate: String,
    /// Memory under load: a relist of every kind, forced by an outage of
    /// the simulator's API during which its history is compacted.
    #[arg(long)]
    relist: bool,
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

    let run = Run {
        kubeconfig: &kubeconfig,
        dir: &dir,
        scrapes: args.scrapes,
    };
    let load = Load {
        sim: line.trim(),
        concurrent: args.concurrent_scrapes,
        slow: args.slow_scrapers,
        slow_rate: &args.slow_rate,
        relist: args.relist,
    };
    if load.wanted() {
        eprintln!("memory under load: {}", kubestate.display());
        let current = load.measure(&run, &kubestate, &args.exporter_flag)?;
        let baseline = match &args.baseline {
            Some(binary) => {
                eprintln!("memory under load: the baseline {}", binary.display());
                Some(load.measure(&run, binary, &args.exporter_flag)?)
            }
            None => None,
        };
        load.print(&current, baseline.as_ref());
        println!();
    }
    eprintln!("measuring {}", kubestate.display());
    let current = run.measure(&kubestate, &args.exporter_flag)?;
    let baseline = match &args.baseline {
        Some(binary) => {
            eprintln!("measuring the baseline {}", binary.display());
            Some(run.measure(binary, &args.exporter_flag)?)
        }
        None => None,
    };

    println!("| cluster | value |");
    println!("|---|---|");
    println!(
        "| objects | {} |",
        current
            .objects
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| families / series | {} / {} |",
        current.families, current.series
    );
    println!(
        "| body (text) | {:.1} MB |",
        current.body_bytes as f64 / 1e6
    );
    println!(
        "| exporter flags | {} |",
        if args.exporter_flag.is_empty() {
            "(defaults)".into()
        } else {
            args.exporter_flag.join(" ")
        }
    );
    println!();
    current.print(baseline.as_ref(), args.baseline.as_deref());

    if args.per_kind {
        println!();
        per_kind(&run, &kubestate, &current.objects)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What one measurement needs besides the binary and its flags.
struct Run<'a> {
    kubeconfig: &'a Path,
    dir: &'a Path,
    scrapes: usize,
}

/// One exporter's figures.
struct Measurement {
    objects: Vec<(String, u64)>,
    families: usize,
    series: usize,
    body_bytes: u64,
    sync_seconds: f64,
    sync_cpu: f64,
    synced: Memory,
    after: Memory,
    scrape_cpu: f64,
    /// Format name, sorted times, bytes on the wire.
    rows: Vec<(&'static str, Vec<f64>, u64)>,
}

impl Run<'_> {
    /// Starts the exporter, waits for `/readyz`, scrapes in each format.
    fn measure(&self, binary: &Path, flags: &[String]) -> anyhow::Result<Measurement> {
        let (exporter, urls) = self.start(binary, flags)?;
        let pid = exporter.0.id();
        let started = Instant::now();
        urls.wait_ready()?;
        let sync_seconds = started.elapsed().as_secs_f64();
        let sync_cpu = cpu_seconds(pid)?;
        let synced = memory(pid)?;

        // One untimed scrape to learn the body, then the timed ones.
        let body_path = self.dir.join("body.txt");
        let first = curl(&urls.metrics, &[], Some(&body_path))?;
        let body = std::fs::read_to_string(&body_path)?;
        let series = body.lines().filter(|l| !l.starts_with('#')).count();
        let families = body.lines().filter(|l| l.starts_with("# TYPE ")).count();
        let objects = objects(&urls.telemetry_metrics)?;

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
            for _ in 0..self.scrapes {
                let scrape = curl(&urls.metrics, flags, None)?;
                times.push(scrape.seconds);
                wire = scrape.bytes;
            }
            times.sort_by(f64::total_cmp);
            rows.push((name, times, wire));
        }
        let after = memory(pid)?;
        let scrape_cpu = (cpu_seconds(pid)? - sync_cpu) / (3 * self.scrapes) as f64;
        Ok(Measurement {
            objects,
            families,
            series,
            body_bytes: first.bytes,
            sync_seconds,
            sync_cpu,
            synced,
            after,
            scrape_cpu,
            rows,
        })
    }

    fn start(&self, binary: &Path, flags: &[String]) -> anyhow::Result<(Process, Urls)> {
        let (port, telemetry_port) = (free_port()?, free_port()?);
        let exporter = Process(
            Command::new(binary)
                .arg("--kubeconfig")
                .arg(self.kubeconfig)
                .args(["--host", "127.0.0.1", "--telemetry-host", "127.0.0.1"])
                .args([
                    "--port",
                    &port.to_string(),
                    "--telemetry-port",
                    &telemetry_port.to_string(),
                ])
                .args(flags)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        Ok((
            exporter,
            Urls {
                metrics: format!("http://127.0.0.1:{port}/metrics"),
                readyz: format!("http://127.0.0.1:{telemetry_port}/readyz"),
                telemetry_metrics: format!("http://127.0.0.1:{telemetry_port}/metrics"),
            },
        ))
    }
}

struct Urls {
    metrics: String,
    readyz: String,
    telemetry_metrics: String,
}

impl Urls {
    /// Until `/readyz` says every kind is listed.
    fn wait_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(300);
        while curl_status(&self.readyz)? != 200 {
            anyhow::ensure!(Instant::now() < deadline, "not ready after 300 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Measurement {
    /// The exporter table, with the baseline's column and the ratio when
    /// there is one.
    fn print(&self, baseline: Option<&Measurement>, baseline_path: Option<&Path>) {
        let scrapes = self.rows.first().map_or(0, |r| r.1.len());
        let mut rows: Vec<(String, f64, Option<f64>, &str)> = vec![
            (
                "sync time (start to /readyz 200)".into(),
                self.sync_seconds,
                baseline.map(|b| b.sync_seconds),
                "s",
            ),
            (
                "CPU used to sync".into(),
                self.sync_cpu,
                baseline.map(|b| b.sync_cpu),
                "s",
            ),
            (
                "resident memory after sync".into(),
                self.synced.resident_mb,
                baseline.map(|b| b.synced.resident_mb),
                "MB",
            ),
            (
                format!("resident memory after {} scrapes", 3 * scrapes),
                self.after.resident_mb,
                baseline.map(|b| b.after.resident_mb),
                "MB",
            ),
            (
                "peak resident memory (VmHWM)".into(),
                self.after.peak_mb,
                baseline.map(|b| b.after.peak_mb),
                "MB",
            ),
            (
                "CPU per scrape (average)".into(),
                self.scrape_cpu,
                baseline.map(|b| b.scrape_cpu),
                "s",
            ),
        ];
        for (i, (name, times, _)) in self.rows.iter().enumerate() {
            rows.push((
                format!("scrape p50, {name}"),
                percentile(times, 0.5),
                baseline.map(|b| percentile(&b.rows[i].1, 0.5)),
                "s",
            ));
        }
        match baseline {
            None => {
                println!("| exporter | value |");
                println!("|---|---|");
                for (name, value, _, unit) in &rows {
                    println!("| {name} | {value:.3} {unit} |");
                }
            }
            Some(b) => {
                println!(
                    "baseline: {}, {} families / {} series, {:.1} MB body",
                    baseline_path.map_or("?".into(), |p| p.display().to_string()),
                    b.families,
                    b.series,
                    b.body_bytes as f64 / 1e6
                );
                println!();
                println!("| exporter | this build | baseline | ratio |");
                println!("|---|---|---|---|");
                for (name, value, base, unit) in &rows {
                    let base = base.unwrap_or(f64::NAN);
                    println!(
                        "| {name} | {value:.3} {unit} | {base:.3} {unit} | {:.2} |",
                        value / base
                    );
                }
            }
        }
        println!();
        println!(
            "| scrape ({scrapes} each, curl time_total) | p50 | p90 | max | bytes on the wire |"
        );
        println!("|---|---|---|---|---|");
        for (name, times, wire) in &self.rows {
            println!(
                "| {name} | {:.3} s | {:.3} s | {:.3} s | {:.1} MB |",
                percentile(times, 0.5),
                percentile(times, 0.9),
                times.last().copied().unwrap_or_default(),
                *wire as f64 / 1e6
            );
        }
    }
}

/// The memory-under-load phases and their sizes.
struct Load<'a> {
    sim: &'a str,
    concurrent: usize,
    slow: usize,
    slow_rate: &'a str,
    relist: bool,
}

/// One exporter's memory under load, in MB, and a few times in seconds.
struct LoadFigures {
    steady: f64,
    /// Phase name, peak resident memory, and how long the phase took.
    peaks: Vec<(String, f64, f64)>,
    /// A full-speed scrape's time among the slow scrapers.
    fast_among_slow: Option<f64>,
}

impl Load<'_> {
    fn wanted(&self) -> bool {
        self.concurrent > 0 || self.slow > 0 || self.relist
    }

    /// Starts the exporter with gzip enabled, takes its steady level after
    /// one scrape in each format, then each phase's peak.
    fn measure(
        &self,
        run: &Run<'_>,
        binary: &Path,
        flags: &[String],
    ) -> anyhow::Result<LoadFigures> {
        let mut flags = flags.to_vec();
        if !flags
            .iter()
            .any(|f| f.starts_with("--enable-gzip-encoding"))
        {
            flags.push("--enable-gzip-encoding".into());
        }
        let (exporter, urls) = run.start(binary, &flags)?;
        let pid = exporter.0.id();
        urls.wait_ready()?;
        let openmetrics = ["-H", "Accept: application/openmetrics-text;version=1.0.0"];
        for format in [&[][..], &openmetrics[..], &["--compressed"][..]] {
            curl(&urls.metrics, format, None)?;
        }
        let steady = memory(pid)?.resident_mb;
        let mut peaks = Vec::new();
        let mut fast_among_slow = None;
        let mut phase = |name: String, work: &mut dyn FnMut() -> anyhow::Result<()>| {
            reset_peak(pid)?;
            let started = Instant::now();
            work()?;
            let seconds = started.elapsed().as_secs_f64();
            peaks.push((name, memory(pid)?.peak_mb, seconds));
            anyhow::Ok(())
        };
        if self.concurrent > 0 {
            for (name, format) in [("", &[][..]), (" gzip", &["--compressed"][..])] {
                phase(
                    format!("{} concurrent{name} scrapes", self.concurrent),
                    &mut || {
                        at_once(self.concurrent, || {
                            curl(&urls.metrics, format, None).map(drop)
                        })
                    },
                )?;
            }
        }
        if self.slow > 0 {
            let rate = ["--limit-rate", self.slow_rate];
            phase(
                format!("{} slow scrapers at {}/s", self.slow, self.slow_rate),
                &mut || {
                    std::thread::scope(|scope| {
                        let slow: Vec<_> = (0..self.slow)
                            .map(|_| scope.spawn(|| curl(&urls.metrics, &rate, None)))
                            .collect();
                        std::thread::sleep(Duration::from_secs(1));
                        fast_among_slow = Some(curl(&urls.metrics, &[], None)?.seconds);
                        for scraper in slow {
                            scraper.join().expect("a scraper thread")?;
                        }
                        anyhow::Ok(())
                    })
                },
            )?;
        }
        if self.relist {
            phase("a forced relist of every kind".into(), &mut || {
                let before = list_calls(&urls.telemetry_metrics)?;
                let kinds = objects(&urls.telemetry_metrics)?.len();
                // While the API is down, one change and a compaction: every
                // watch resumes from before it, gets 410 Gone and relists.
                let control = |path: &str, flags: &[&str]| {
                    curl(&format!("{}/sim/{path}", self.sim), flags, None).map(drop)
                };
                control("restart", &["-X", "POST"])?;
                control("close-watches", &["-X", "POST"])?;
                control(
                    "objects",
                    &[
                        "-X",
                        "PUT",
                        "-H",
                        "Content-Type: application/json",
                        "-d",
                        RELIST_NAMESPACE,
                    ],
                )?;
                control("compact", &["-X", "POST"])?;
                let deadline = Instant::now() + Duration::from_secs(120);
                while list_calls(&urls.telemetry_metrics)? < before + kinds as u64 {
                    anyhow::ensure!(Instant::now() < deadline, "no relist after 120 s");
                    std::thread::sleep(Duration::from_millis(20));
                }
                urls.wait_ready()
            })?;
        }
        Ok(LoadFigures {
            steady,
            peaks,
            fast_among_slow,
        })
    }

    fn print(&self, current: &LoadFigures, baseline: Option<&LoadFigures>) {
        let figure =
            |f: &LoadFigures, peak: f64| format!("{peak:.1} MB ({:.2}× steady)", peak / f.steady);
        println!("| memory under load (gzip enabled) | this build | baseline | ratio |");
        println!("|---|---|---|---|");
        let base = |value: Option<f64>, show: &dyn Fn(f64) -> String| value.map_or("".into(), show);
        let ratio = |a: f64, b: Option<f64>| b.map_or("".into(), |b| format!("{:.2}", a / b));
        let steady = baseline.map(|b| b.steady);
        println!(
            "| resident, steady (after one scrape per format) | {:.1} MB | {} | {} |",
            current.steady,
            base(steady, &|v| format!("{v:.1} MB")),
            ratio(current.steady, steady)
        );
        for (i, (name, peak, seconds)) in current.peaks.iter().enumerate() {
            let other = baseline.map(|b| b.peaks[i].1);
            println!(
                "| peak, {name} | {} | {} | {} |",
                figure(current, *peak),
                baseline.map_or("".into(), |b| figure(b, b.peaks[i].1)),
                ratio(*peak, other)
            );
            let other = baseline.map(|b| b.peaks[i].2);
            println!(
                "| time, {name} | {seconds:.2} s | {} | {} |",
                base(other, &|v| format!("{v:.2} s")),
                ratio(*seconds, other)
            );
        }
        if let Some(fast) = current.fast_among_slow {
            let other = baseline.and_then(|b| b.fast_among_slow);
            println!(
                "| one full-speed scrape among the slow ones | {fast:.2} s | {} | {} |",
                base(other, &|v| format!("{v:.2} s")),
                ratio(fast, other)
            );
        }
    }
}

/// The change made during the forced relist's outage.
const RELIST_NAMESPACE: &str =
    r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kubestate-bench-relist"}}"#;

/// Runs `work` on `n` threads at once; the first error, if any.
fn at_once(n: usize, work: impl Fn() -> anyhow::Result<()> + Sync) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..n).map(|_| scope.spawn(&work)).collect();
        threads
            .into_iter()
            .try_for_each(|t| t.join().expect("a scraper thread"))
    })
}

/// Starts a new peak: Linux resets VmHWM to the current resident size.
fn reset_peak(pid: u32) -> anyhow::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").map_err(|e| {
        anyhow::anyhow!("cannot reset the peak of {pid} (/proc/{pid}/clear_refs): {e}")
    })
}

/// The exporter's list calls so far, of every kind.
fn list_calls(url: &str) -> anyhow::Result<u64> {
    let out = Command::new("curl").args(["-sS", url]).output()?;
    let text = String::from_utf8(out.stdout)?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("kube_state_metrics_list_total{"))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>() as u64)
}

/// Each kind alone: resident memory per stored object over an exporter
/// that holds nothing (pods of a namespace that does not exist), and text
/// scrape time per series.
fn per_kind(run: &Run<'_>, kubestate: &Path, objects: &[(String, u64)]) -> anyhow::Result<()> {
    let idle = {
        let flags = ["--resources=pods", "--namespaces=kubestate-bench-empty"].map(String::from);
        let (exporter, urls) = run.start(kubestate, &flags)?;
        urls.wait_ready()?;
        memory(exporter.0.id())?.resident_mb
    };
    println!("idle exporter (no objects): {idle:.1} MB resident");
    println!();
    println!(
        "| kind | objects | series | resident over idle | per object | scrape p50 | per series |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (kind, count) in objects {
        let flags = [format!("--resources={kind}")];
        let (exporter, urls) = run.start(kubestate, &flags)?;
        urls.wait_ready()?;
        let resident = memory(exporter.0.id())?.resident_mb;
        let body_path = run.dir.join("kind.txt");
        curl(&urls.metrics, &[], Some(&body_path))?;
        let series = std::fs::read_to_string(&body_path)?
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count();
        let mut times: Vec<f64> = (0..run.scrapes.max(1))
            .map(|_| curl(&urls.metrics, &[], None).map(|s| s.seconds))
            .collect::<anyhow::Result<_>>()?;
        times.sort_by(f64::total_cmp);
        let p50 = percentile(&times, 0.5);
        let over = (resident - idle).max(0.0);
        println!(
            "| {kind} | {count} | {series} | {over:.1} MB | {:.0} B | {:.4} s | {:.0} ns |",
            over * 1024.0 * 1024.0 / (*count).max(1) as f64,
            p50,
            p50 * 1e9 / series.max(1) as f64
        );
    }
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
