//! The `kubestate` binary: flags, logging, and the three ways to run
//! (exporter, demo, simulator).

use clap::Parser;
use kubestate::config::{Cli, Command, DemoArgs, ExporterArgs, SimulateArgs};
use kubestate::sim::{Simulator, write_kubeconfig};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::net::TcpListener;

/// jemalloc rather than glibc's malloc: glibc keeps the freed 1 MiB chunks
/// of every scrape in its heap (15 to 20 MB more resident at 30,000 pods,
/// measured with kubestate-bench), and its per-allocation headers weigh
/// on records made of many small allocations.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main` (the environment's
/// `_RJEM_MALLOC_CONF` still overrides them). By default freed pages stay
/// resident for seconds and are only returned while the process allocates,
/// so the pages that held the initial lists stayed for good: 10 MB at
/// 30,000 pods. Here jemalloc's background thread returns muzzy pages at
/// once and dirty ones after a second, idle or not. Returning dirty pages
/// at once too (`dirty_decay_ms:0`) saved 5 MB more but cost a third more
/// CPU per scrape, giving back buffers the next scrape allocates again
/// (the exporter purges when it goes idle instead: `kubestate::memory`).
/// One arena rather than four per core: every scrape's render threads are
/// new threads, spread over the arenas, and each arena kept its own freed
/// chunk buffers, so 4 concurrent scrapes peaked 23 MB over steady at
/// 30,000 pods; with one arena, 10 MB, at the same CPU per scrape (the
/// thread caches take the small allocations without the arena's lock).
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_OPTIONS: Option<&std::ffi::c_char> =
    // SAFETY: a C string literal lives as long as the program.
    Some(unsafe {
        &*c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:1".as_ptr()
    });

fn main() -> ExitCode {
    let cli = Cli::parse();
    let flags = match &cli.command {
        Some(Command::Demo(demo)) => &demo.exporter,
        _ => &cli.exporter,
    };
    // A bad filter is a bad flag: exit 2 before anything runs.
    if let Err(e) = kubestate::logging::init(flags.log_format, &flags.log_level) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    for flag in flags.klog.given() {
        tracing::warn!(
            "{flag} is a klog flag of kube-state-metrics and is ignored: use --log-level (a tracing filter such as debug or kubestate=debug) and --log-format instead"
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => exporter(cli.exporter).await,
            Some(Command::Demo(demo)) => self::demo(*demo).await,
            Some(Command::Simulate(args)) => simulate(args).await,
        }
    });
    // Render threads of scrapes cut off by the shutdown stop on their own;
    // nothing else needs waiting for.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Bad flags exit with 2, like clap's own usage errors; anything else with 1.
enum Failure {
    Usage(String),
    Runtime(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Runtime(e.to_string())
    }
}

async fn exporter(args: ExporterArgs) -> Result<(), Failure> {
    let config = args.validate().map_err(|e| Failure::Usage(e.to_string()))?;
    kubestate::app::run(config, shutdown_signal())
        .await
        .map_err(|e| match e {
            kubestate::app::RunError::Connect(e) => Failure::Usage(e.to_string()),
            other => Failure::Runtime(other.to_string()),
        })
}

/// The exporter against a simulated cluster, through a kubeconfig in the
/// temporary directory that is removed when the demo ends.
async fn demo(demo: DemoArgs) -> Result<(), Failure> {
    // The demo's cluster is its own: a cluster flag would be silently
    // ignored, and the user would think they were looking at theirs.
    for (flag, given) in [
        ("kubeconfig", demo.exporter.kubeconfig.is_some()),
        ("apiserver", demo.exporter.apiserver.is_some()),
    ] {
        if given {
            return Err(Failure::Usage(format!(
                "--{flag}: demo runs against its own simulated cluster; run kubestate without `demo` to use a real one"
            )));
        }
    }
    let sim = start_simulator(demo.cluster.sim_config(), "127.0.0.1:0").await?;
    let kubeconfig = RemovedOnDrop(
        std::env::temp_dir().join(format!("kubestate-demo-{}.kubeconfig", std::process::id())),
    );
    write_kubeconfig(&kubeconfig.0, &sim.url)?;
    let mut exporter_args = demo.exporter;
    exporter_args.kubeconfig = Some(kubeconfig.0.clone());
    // The exporter returns on Ctrl-C or SIGTERM, so the file goes then too.
    exporter(exporter_args).await
}

struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

struct RunningSimulator {
    url: String,
    simulator: Simulator,
}

async fn listen(flag: &str, address: &str) -> Result<TcpListener, Failure> {
    TcpListener::bind(address)
        .await
        .map_err(|e| Failure::Usage(format!("--{flag}: cannot listen on {address}: {e}")))
}

async fn start_simulator(
    config: kubestate::sim::SimConfig,
    listen_on: &str,
) -> Result<RunningSimulator, Failure> {
    let listener = listen("listen", listen_on).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let simulator = Simulator::new(config);
    let counts = simulator.object_counts();
    simulator.spawn_churn();
    let serving = simulator.clone();
    tokio::spawn(async move {
        if let Err(e) = serving.serve(listener).await {
            tracing::error!(%e, "the simulated API server stopped");
        }
    });
    tracing::info!(%url, ?counts, "simulated API server listening");
    Ok(RunningSimulator { url, simulator })
}

async fn simulate(args: SimulateArgs) -> Result<(), Failure> {
    let config = if args.empty {
        kubestate::sim::SimConfig::empty()
    } else {
        args.cluster.sim_config()
    };
    let sim = start_simulator(config, &args.listen).await?;
    let control_url = match &args.control_listen {
        Some(address) => {
            let listener = listen("control-listen", address).await?;
            let url = format!("http://{}", listener.local_addr()?);
            let router = sim.simulator.control_router();
            tokio::spawn(async move { axum::serve(listener, router).await });
            Some(url)
        }
        None => None,
    };
    if let Some(path) = &args.write_kubeconfig {
        write_kubeconfig(path, &sim.url).map_err(|e| {
            Failure::Usage(format!(
                "--write-kubeconfig: cannot write {}: {e}",
                path.display()
            ))
        })?;
    }
    // Tests read the addresses from these lines.
    println!("{}", sim.url);
    if let Some(url) = control_url {
        println!("{url}");
    }
    shutdown_signal().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
