//! The benchmark: how much memory kubestate needs and how fast it serves a
//! scrape, on a simulated cluster of a given size.
//!
//! It runs the simulated API server and the exporter as two processes (so
//! the exporter's memory is its own), waits for `/readyz`, then scrapes with
//! curl, a real HTTP client, and prints a Markdown table:
//!
//!     cargo build --release && target/release/kubestate-bench --size large
//!
//! With `--concurrent-scrapes`, `--slow-scrapers` or `--relist` it also
//! measures resident memory under load, on an exporter of its own with gzip
//! enabled: its peak (VmHWM) when it first becomes ready, then during
//! concurrent full scrapes, gzip scrapes, slow scrapers and a forced relist
//! (reset before each phase), over its steady level.
//!
//! `--goals` runs everything issue 12's goals are measured by and prints
//! each goal's verdict; `--baseline` measures an older build in the same run.

use clap::{Parser, ValueEnum};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Measures kubestate's memory and scrape latency on a simulated cluster")]
struct Args {
    /// The simulated cluster's size, 30 pods per node: small (100 nodes),
    /// large (1,000 nodes, 30,000 pods) or huge (5,000 nodes, 150,000 pods).
    #[arg(long, value_enum, default_value_t = Size::Large)]
    size: Size,
    /// Nodes in the simulated cluster, instead of the size's.
    #[arg(long)]
    nodes: Option<usize>,
    /// Pods per node, instead of the size's.
    #[arg(long)]
    pods_per_node: Option<usize>,
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
    /// Everything issue 12's goals are measured by, and a table of their
    /// verdicts: the exporter watches the goals' four kinds (unless
    /// `--exporter-flag=--resources=...` says otherwise) with gzip enabled,
    /// under 4 concurrent scrapes (unless `--concurrent-scrapes` says
    /// otherwise) and a forced relist.
    #[arg(long)]
    goals: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Size {
    Small,
    Large,
    Huge,
}

impl Size {
    fn nodes(self) -> usize {
        match self {
            Size::Small => 100,
            Size::Large => 1_000,
            Size::Huge => 5_000,
        }
    }
}

const PODS_PER_NODE: usize = 30;

/// The kinds issue 12's goals are set for.
const GOAL_RESOURCES: &str = "--resources=deployments,nodes,pods,services";
const GOAL_CONCURRENT_SCRAPES: usize = 4;

impl Args {
    fn nodes(&self) -> usize {
        self.nodes.unwrap_or(self.size.nodes())
    }

    fn pods_per_node(&self) -> usize {
        self.pods_per_node.unwrap_or(PODS_PER_NODE)
    }

    /// What `--goals` adds to the flags given.
    fn with_goals(mut self) -> Self {
        if self.goals {
            if self.concurrent_scrapes == 0 {
                self.concurrent_scrapes = GOAL_CONCURRENT_SCRAPES;
            }
            self.relist = true;
            if !self
                .exporter_flag
                .iter()
                .any(|f| f.starts_with("--resources"))
            {
                self.exporter_flag.push(GOAL_RESOURCES.into());
            }
            self.exporter_flag = with_gzip(&self.exporter_flag);
        }
        self
    }
}

/// The flags with gzip enabled, said explicitly so that it holds whatever
/// the exporter's default.
fn with_gzip(flags: &[String]) -> Vec<String> {
    let mut flags = flags.to_vec();
    if !flags
        .iter()
        .any(|f| f.starts_with("--enable-gzip-encoding"))
    {
        flags.push("--enable-gzip-encoding".into());
    }
    flags
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
    let args = Args::parse().with_goals();
    let kubestate = std::env::current_exe()?.with_file_name("kubestate");
    anyhow::ensure!(
        kubestate.exists(),
        "{} is missing: build it first (cargo build --release)",
        kubestate.display()
    );
    let dir = std::env::temp_dir().join(format!("kubestate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let kubeconfig = dir.join("kubeconfig");
    let (nodes, pods_per_node) = (args.nodes(), args.pods_per_node());

    eprintln!("starting a simulated cluster of {nodes} nodes x {pods_per_node} pods");
    let mut sim = Command::new(&kubestate)
        .arg("simulate")
        .args(["--nodes", &nodes.to_string()])
        .args(["--pods-per-node", &pods_per_node.to_string()])
        .args(["--churn-interval-ms", &args.churn_interval_ms.to_string()])
        // The control endpoints on a port of their own stay up while a
        // restart closes the API's.
        .args(["--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"])
        .arg("--write-kubeconfig")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("simulator.log"))?)
        .spawn()?;
    let mut urls = BufReader::new(sim.stdout.take().expect("piped stdout")).lines();
    let _sim = Process(sim);
    let control = urls.nth(1).transpose()?.unwrap_or_default();
    anyhow::ensure!(
        control.starts_with("http://"),
        "the simulator did not start: {control:?}"
    );

    let run = Run {
        kubeconfig: &kubeconfig,
        dir: &dir,
        scrapes: args.scrapes,
        patience: patience(nodes * pods_per_node),
        flags: &args.exporter_flag,
    };
    let load = Load {
        sim_control: &control,
        concurrent: args.concurrent_scrapes,
        slow: args.slow_scrapers,
        slow_rate: &args.slow_rate,
        relist: args.relist,
    };
    let current = measure(&run, &load, &kubestate)?;
    let baseline = match &args.baseline {
        Some(binary) => Some(measure(&run, &load, binary)?),
        None => None,
    };

    print_cluster(&current.speed, &args.exporter_flag);
    if args.goals {
        print_goals(&current, baseline.as_ref(), nodes * pods_per_node)?;
        println!();
    }
    if let Some(memory) = &current.memory {
        load.print(memory, baseline.as_ref().and_then(|b| b.memory.as_ref()));
        println!();
    }
    current.speed.print(
        baseline.as_ref().map(|b| &b.speed),
        args.baseline.as_deref(),
    );

    if args.per_kind {
        println!();
        per_kind(&run, &kubestate, &current.speed.objects)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What was measured: the objects the exporter holds, its series, its
/// flags.
fn print_cluster(measured: &Measurement, flags: &[String]) {
    let objects: Vec<String> = measured
        .objects
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    println!("| cluster | value |");
    println!("|---|---|");
    println!("| objects | {} |", objects.join(", "));
    println!(
        "| families / series | {} / {} |",
        measured.families, measured.series
    );
    println!(
        "| body (text) | {:.1} MB |",
        measured.body_bytes as f64 / 1e6
    );
    let flags = if flags.is_empty() {
        "(defaults)".into()
    } else {
        flags.join(" ")
    };
    println!("| exporter flags | {flags} |");
    println!();
}

/// How long to wait for a sync or a relist: start-up and lists grow with
/// the cluster, and a loaded machine can take several times as long.
fn patience(pods: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(4 * pods as u64)
}

/// One binary's figures: speed from one exporter, memory under load from
/// another, so that the load's peaks do not touch the timed scrapes.
struct Figures {
    speed: Measurement,
    memory: Option<LoadFigures>,
}

impl Figures {
    fn under_load(&self) -> &LoadFigures {
        self.memory
            .as_ref()
            .expect("--goals measures memory under load")
    }

    fn format(&self, format: Format) -> &FormatFigures {
        self.speed.format(format)
    }
}

fn measure(run: &Run<'_>, load: &Load<'_>, binary: &Path) -> anyhow::Result<Figures> {
    let memory = if load.wanted() {
        eprintln!("memory under load: {}", binary.display());
        Some(load.measure(run, binary)?)
    } else {
        None
    };
    eprintln!("measuring {}", binary.display());
    Ok(Figures {
        speed: run.measure(binary)?,
        memory,
    })
}

/// What one measurement needs besides the binary.
struct Run<'a> {
    kubeconfig: &'a Path,
    dir: &'a Path,
    scrapes: usize,
    /// How long a sync or a relist may take.
    patience: Duration,
    flags: &'a [String],
}

/// A scrape's request format.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    OpenMetrics,
    Gzip,
}

impl Format {
    const ALL: [Format; 3] = [Format::Text, Format::OpenMetrics, Format::Gzip];

    fn name(self) -> &'static str {
        match self {
            Format::Text => "text 0.0.4",
            Format::OpenMetrics => "OpenMetrics 1.0.0",
            Format::Gzip => "text, gzip accepted",
        }
    }

    /// The request's headers as curl flags. Gzip is asked for as Prometheus
    /// asks (curl's `--compressed` would offer other encodings too), and
    /// curl leaves the body compressed: the bytes counted are the wire's.
    fn curl_flags(self) -> &'static [&'static str] {
        match self {
            Format::Text => &[],
            Format::OpenMetrics => &["-H", "Accept: application/openmetrics-text;version=1.0.0"],
            Format::Gzip => &["-H", "Accept-Encoding: gzip"],
        }
    }
}

/// One format's timed scrapes.
struct FormatFigures {
    format: Format,
    /// Wall times (curl's time_total), sorted.
    times: Vec<f64>,
    wire_bytes: u64,
    /// Whether the exporter answered with gzip.
    compressed: bool,
    /// The exporter's CPU time (user + system) per scrape.
    cpu: f64,
}

impl FormatFigures {
    fn median(&self) -> f64 {
        percentile(&self.times, 0.5)
    }
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
    formats: Vec<FormatFigures>,
}

impl Run<'_> {
    /// Starts the exporter, waits for `/readyz`, scrapes in each format.
    fn measure(&self, binary: &Path) -> anyhow::Result<Measurement> {
        let (exporter, urls) = self.start(binary, self.flags)?;
        let pid = exporter.0.id();
        let started = Instant::now();
        urls.wait_ready(self.patience)?;
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

        let formats = Format::ALL
            .into_iter()
            .map(|format| self.scrape_timed(&urls.metrics, pid, format))
            .collect::<anyhow::Result<_>>()?;
        Ok(Measurement {
            objects,
            families,
            series,
            body_bytes: first.bytes,
            sync_seconds,
            sync_cpu,
            synced,
            after: memory(pid)?,
            formats,
        })
    }

    /// The timed scrapes of one format, and the exporter's CPU time they
    /// took.
    fn scrape_timed(&self, url: &str, pid: u32, format: Format) -> anyhow::Result<FormatFigures> {
        let cpu_before = cpu_seconds(pid)?;
        let scrapes = (0..self.scrapes)
            .map(|_| curl(url, format.curl_flags(), None))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cpu = (cpu_seconds(pid)? - cpu_before) / self.scrapes.max(1) as f64;
        let mut times: Vec<f64> = scrapes.iter().map(|s| s.seconds).collect();
        times.sort_by(f64::total_cmp);
        Ok(FormatFigures {
            format,
            times,
            wire_bytes: scrapes.last().map_or(0, |s| s.bytes),
            compressed: scrapes.iter().all(|s| s.gzip),
            cpu,
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
    fn wait_ready(&self, patience: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + patience;
        while curl_status(&self.readyz)? != 200 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "not ready after {} s",
                patience.as_secs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Measurement {
    fn format(&self, format: Format) -> &FormatFigures {
        self.formats
            .iter()
            .find(|f| f.format == format)
            .expect("every format is measured")
    }

    /// The exporter table, with the baseline's column and the ratio when
    /// there is one.
    fn print(&self, baseline: Option<&Measurement>, baseline_path: Option<&Path>) {
        let scrapes = self.formats.first().map_or(0, |f| f.times.len());
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
        ];
        for figures in &self.formats {
            let name = figures.format.name();
            let other = baseline.map(|b| b.format(figures.format));
            rows.push((
                format!("CPU per scrape, {name}"),
                figures.cpu,
                other.map(|o| o.cpu),
                "s",
            ));
            rows.push((
                format!("scrape p50, {name}"),
                figures.median(),
                other.map(FormatFigures::median),
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
        for figures in &self.formats {
            let times = &figures.times;
            println!(
                "| {}{} | {:.3} s | {:.3} s | {:.3} s | {:.1} MB |",
                figures.format.name(),
                if figures.format == Format::Gzip && !figures.compressed {
                    " (served uncompressed: gzip not enabled)"
                } else {
                    ""
                },
                percentile(times, 0.5),
                percentile(times, 0.9),
                times.last().copied().unwrap_or_default(),
                figures.wire_bytes as f64 / 1e6
            );
        }
    }
}

/// The memory-under-load phases and their sizes.
struct Load<'a> {
    sim_control: &'a str,
    concurrent: usize,
    slow: usize,
    slow_rate: &'a str,
    relist: bool,
}

/// One exporter's memory under load, in MB, and a few times in seconds.
struct LoadFigures {
    steady: f64,
    /// Each phase's peak resident memory, from start-up on.
    peaks: Vec<Peak>,
    /// A full-speed scrape's time among the slow scrapers.
    fast_among_slow: Option<f64>,
}

struct Peak {
    phase: String,
    mb: f64,
    /// How long the phase took.
    seconds: f64,
}

impl Load<'_> {
    fn wanted(&self) -> bool {
        self.concurrent > 0 || self.slow > 0 || self.relist
    }

    /// Starts the exporter with gzip enabled, takes its peak when ready and
    /// its steady level after one scrape in each format, then each phase's
    /// peak.
    fn measure(&self, run: &Run<'_>, binary: &Path) -> anyhow::Result<LoadFigures> {
        let (exporter, urls) = run.start(binary, &with_gzip(run.flags))?;
        let pid = exporter.0.id();
        let started = Instant::now();
        urls.wait_ready(run.patience)?;
        let mut peaks = vec![Peak {
            phase: "start-up, until /readyz 200".into(),
            mb: memory(pid)?.peak_mb,
            seconds: started.elapsed().as_secs_f64(),
        }];
        for format in Format::ALL {
            curl(&urls.metrics, format.curl_flags(), None)?;
        }
        let steady = memory(pid)?.resident_mb;
        let mut fast_among_slow = None;
        let mut phase = |phase: String, work: &mut dyn FnMut() -> anyhow::Result<()>| {
            reset_peak(pid)?;
            let started = Instant::now();
            work()?;
            let seconds = started.elapsed().as_secs_f64();
            peaks.push(Peak {
                phase,
                mb: memory(pid)?.peak_mb,
                seconds,
            });
            anyhow::Ok(())
        };
        if self.concurrent > 0 {
            for (name, format) in [("", Format::Text), (" gzip", Format::Gzip)] {
                phase(
                    format!("{} concurrent{name} scrapes", self.concurrent),
                    &mut || {
                        at_once(self.concurrent, || {
                            let scrape = curl(&urls.metrics, format.curl_flags(), None)?;
                            anyhow::ensure!(
                                format != Format::Gzip || scrape.gzip,
                                "{binary:?} answered a gzip scrape uncompressed"
                            );
                            Ok(())
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
                self.force_relist(run, &urls)
            })?;
        }
        Ok(LoadFigures {
            steady,
            peaks,
            fast_among_slow,
        })
    }

    /// While the API is down, one change and a compaction: every watch
    /// resumes from before it, gets 410 Gone and relists.
    fn force_relist(&self, run: &Run<'_>, urls: &Urls) -> anyhow::Result<()> {
        let before = list_calls(&urls.telemetry_metrics)?;
        let kinds = objects(&urls.telemetry_metrics)?.len();
        let control = |path: &str, flags: &[&str]| {
            curl(&format!("{}/sim/{path}", self.sim_control), flags, None).map(drop)
        };
        control("restart", &["-X", "POST", "-d", RESTART])?;
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
        let deadline = Instant::now() + run.patience;
        while list_calls(&urls.telemetry_metrics)? < before + kinds as u64 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "no relist after {} s (the simulator's log: {})",
                run.patience.as_secs(),
                run.dir.join("simulator.log").display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        urls.wait_ready(run.patience)
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
        for (i, peak) in current.peaks.iter().enumerate() {
            let other = baseline.map(|b| &b.peaks[i]);
            println!(
                "| peak, {} | {} | {} | {} |",
                peak.phase,
                figure(current, peak.mb),
                baseline.map_or("".into(), |b| figure(b, b.peaks[i].mb)),
                ratio(peak.mb, other.map(|o| o.mb))
            );
            println!(
                "| time, {} | {:.2} s | {} | {} |",
                peak.phase,
                peak.seconds,
                base(other.map(|o| o.seconds), &|v| format!("{v:.2} s")),
                ratio(peak.seconds, other.map(|o| o.seconds))
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

/// The forced relist's outage: shorter than a real API server's (15 s) as
/// only the relist after it is measured.
const RESTART: &str = r#"{"down_ms":2000}"#;

/// The change made during the forced relist's outage.
const RELIST_NAMESPACE: &str =
    r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kubestate-bench-relist"}}"#;

/// Issue 12's goals that are multiples of another figure.
const PEAK_OF_STEADY: f64 = 1.2;
const SCRAPE_OF_BASELINE: f64 = 0.4;
const GZIP_OF_TEXT: f64 = 1.5;

/// Issue 12's limit on steady resident memory, for the cluster sizes it
/// names.
fn steady_limit_mb(pods: usize) -> Option<f64> {
    match pods {
        30_000 => Some(80.0),
        150_000 => Some(400.0),
        _ => None,
    }
}

/// The goals table: each figure of this build and the baseline's, and the
/// goal's verdict on this build's.
fn print_goals(current: &Figures, baseline: Option<&Figures>, pods: usize) -> anyhow::Result<()> {
    for figures in std::iter::once(current).chain(baseline) {
        anyhow::ensure!(
            figures.speed.format(Format::Gzip).compressed,
            "the exporter answered gzip scrapes uncompressed despite --enable-gzip-encoding"
        );
    }
    let rows = goal_rows(current, baseline, pods);
    let verdict = |row: &GoalRow| {
        row.goal
            .as_ref()
            .map_or(String::new(), |goal| match goal.met {
                Some(true) => format!("{}: met", goal.wording),
                Some(false) => format!("{}: missed", goal.wording),
                None => goal.wording.clone(),
            })
    };
    match baseline {
        None => {
            println!("| issue 12 | this build | goal |");
            println!("|---|---|---|");
            for row in &rows {
                println!("| {} | {} | {} |", row.measure, row.this.text, verdict(row));
            }
        }
        Some(_) => {
            println!("| issue 12 | this build | baseline | ratio | goal |");
            println!("|---|---|---|---|---|");
            for row in &rows {
                let base = row.base.as_ref().expect("a baseline figure");
                println!(
                    "| {} | {} | {} | {:.2} | {} |",
                    row.measure,
                    row.this.text,
                    base.text,
                    row.this.value / base.value,
                    verdict(row)
                );
            }
        }
    }
    Ok(())
}

fn goal_rows(current: &Figures, baseline: Option<&Figures>, pods: usize) -> Vec<GoalRow> {
    fn text(f: &Figures) -> &FormatFigures {
        f.format(Format::Text)
    }
    fn gzip(f: &Figures) -> &FormatFigures {
        f.format(Format::Gzip)
    }
    let row = |measure: &str, figure: &dyn Fn(&Figures) -> Cell| {
        GoalRow::new(measure, current, baseline, figure)
    };
    let load = Figures::under_load;
    let steady = row("resident memory, steady", &|f| megabytes(load(f).steady));
    let mut rows = vec![
        row("series", &|f| {
            Cell::new(f.speed.series as f64, f.speed.series.to_string())
        }),
        row("body, text", &|f| {
            megabytes(f.speed.body_bytes as f64 / 1e6)
        }),
        row("start to ready", &|f| seconds(f.speed.sync_seconds)).of_baseline(1.0),
        row("start to ready, per 1,000 objects", &|f| {
            let objects: u64 = f.speed.objects.iter().map(|(_, n)| n).sum();
            seconds(f.speed.sync_seconds * 1000.0 / objects.max(1) as f64)
        })
        .note("linear in objects: compare sizes"),
        match steady_limit_mb(pods) {
            Some(limit) => steady.at_most(limit, format!("≤ {limit} MB")),
            None => steady.note("set for 30,000 and 150,000 pods"),
        },
    ];
    let current_steady = load(current).steady;
    for (i, peak) in load(current).peaks.iter().enumerate() {
        rows.push(
            row(&format!("peak, {}", peak.phase), &|f| {
                let (mb, steady) = (load(f).peaks[i].mb, load(f).steady);
                Cell::new(mb, format!("{mb:.1} MB ({:.2}× steady)", mb / steady))
            })
            .at_most(
                PEAK_OF_STEADY * current_steady,
                format!("≤ {PEAK_OF_STEADY}× steady"),
            ),
        );
    }
    rows.extend([
        row("CPU per scrape, text", &|f| seconds(text(f).cpu)).of_baseline(SCRAPE_OF_BASELINE),
        row("CPU per scrape, gzip", &|f| seconds(gzip(f).cpu)),
        row("scrape median, text", &|f| seconds(text(f).median())).of_baseline(SCRAPE_OF_BASELINE),
        row("scrape median, gzip", &|f| seconds(gzip(f).median())),
        row("scrape median, gzip over text", &|f| {
            let ratio = gzip(f).median() / text(f).median();
            Cell::new(ratio, format!("{ratio:.2}×"))
        })
        .at_most(GZIP_OF_TEXT, format!("≤ {GZIP_OF_TEXT}×")),
        row("body, gzip", &|f| {
            megabytes(gzip(f).wire_bytes as f64 / 1e6)
        }),
    ]);
    rows
}

/// One line of the goals table.
struct GoalRow {
    measure: String,
    this: Cell,
    base: Option<Cell>,
    goal: Option<Goal>,
}

/// A figure, and how it is shown.
struct Cell {
    value: f64,
    text: String,
}

struct Goal {
    wording: String,
    /// Whether this build meets it; unknown without a baseline, or when
    /// it is judged across runs.
    met: Option<bool>,
}

impl Cell {
    fn new(value: f64, text: String) -> Self {
        Cell { value, text }
    }
}

fn megabytes(mb: f64) -> Cell {
    Cell::new(mb, format!("{mb:.1} MB"))
}

fn seconds(s: f64) -> Cell {
    Cell::new(s, format!("{s:.3} s"))
}

impl GoalRow {
    fn new(
        measure: &str,
        current: &Figures,
        baseline: Option<&Figures>,
        figure: &dyn Fn(&Figures) -> Cell,
    ) -> Self {
        GoalRow {
            measure: measure.into(),
            this: figure(current),
            base: baseline.map(figure),
            goal: None,
        }
    }

    fn at_most(self, limit: f64, wording: String) -> Self {
        let met = Some(self.this.value <= limit);
        self.goal(wording, met)
    }

    /// At most `factor` times the baseline's figure.
    fn of_baseline(self, factor: f64) -> Self {
        let met = self
            .base
            .as_ref()
            .map(|b| self.this.value <= factor * b.value);
        let wording = match met {
            Some(_) => format!("≤ {factor}× baseline"),
            None => format!("≤ {factor}× baseline (needs --baseline)"),
        };
        self.goal(wording, met)
    }

    /// A goal this run alone cannot judge.
    fn note(self, wording: &str) -> Self {
        self.goal(wording.into(), None)
    }

    fn goal(self, wording: String, met: Option<bool>) -> Self {
        GoalRow {
            goal: Some(Goal { wording, met }),
            ..self
        }
    }
}

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
        urls.wait_ready(run.patience)?;
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
        urls.wait_ready(run.patience)?;
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
    /// Whether the body came gzip-encoded.
    gzip: bool,
}

/// One request with curl; its own timing, so the client is a real one.
fn curl(url: &str, flags: &[&str], save: Option<&Path>) -> anyhow::Result<Scrape> {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--fail",
            "-w",
            "%{time_total} %{size_download} %header{content-encoding}",
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
    let mut fields = text.split_whitespace();
    let (Some(seconds), Some(bytes)) = (fields.next(), fields.next()) else {
        anyhow::bail!("curl said {text:?}");
    };
    Ok(Scrape {
        seconds: seconds.parse()?,
        bytes: bytes.parse()?,
        gzip: fields.next() == Some("gzip"),
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
