//! Command-line flags and their validation.
//!
//! Flag names follow kube-state-metrics so an existing Deployment's args
//! carry over. A bad value stops the program with one line naming the flag
//! (exit status 2, like clap's own usage errors).

use crate::objects::Resource;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "kubestate",
    version,
    about = "Exports Kubernetes object state as kube_* metrics for Prometheus"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub exporter: ExporterArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the exporter against a built-in simulated cluster.
    Demo(DemoArgs),
    /// Run only the simulated API server (for tests and the benchmark).
    Simulate(SimulateArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ExporterArgs {
    /// Kubeconfig file; empty means $KUBECONFIG, then ~/.kube/config, then in-cluster.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Override the API server URL of the kubeconfig.
    #[arg(long)]
    pub apiserver: Option<String>,
    /// Kinds to watch, comma-separated.
    #[arg(long, default_value = "deployments,nodes,pods,services")]
    pub resources: String,
    /// Namespaces to watch, comma-separated; empty means all.
    #[arg(long, default_value = "")]
    pub namespaces: String,
    /// Namespaces to leave out, comma-separated.
    #[arg(long, default_value = "")]
    pub namespaces_denylist: String,
    /// List from the API server's watch cache (resourceVersion=0).
    #[arg(long)]
    pub use_apiserver_cache: bool,
    /// Address of the metrics server.
    #[arg(long, default_value = "::")]
    pub host: String,
    /// Port of the metrics server.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address of the telemetry server.
    #[arg(long, default_value = "::")]
    pub telemetry_host: String,
    /// Port of the telemetry server.
    #[arg(long, default_value_t = 8081)]
    pub telemetry_port: u16,
    /// Gzip /metrics responses when the client accepts it.
    #[arg(long)]
    pub enable_gzip_encoding: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log level (a tracing filter); RUST_LOG takes precedence.
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct ClusterSize {
    /// Nodes in the simulated cluster.
    #[arg(long, default_value_t = 20)]
    pub nodes: usize,
    /// Pods per node.
    #[arg(long, default_value_t = 15)]
    pub pods_per_node: usize,
    /// Seed of the generated cluster.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Milliseconds between churn steps (pods restart, crash, get replaced;
    /// deployments scale); 0 keeps the cluster still.
    #[arg(long, default_value_t = 1000)]
    pub churn_interval_ms: u64,
}

impl ClusterSize {
    pub fn sim_config(&self) -> crate::sim::SimConfig {
        crate::sim::SimConfig {
            seed: self.seed,
            nodes: self.nodes,
            pods_per_node: self.pods_per_node,
            churn_interval: (self.churn_interval_ms > 0)
                .then(|| Duration::from_millis(self.churn_interval_ms)),
        }
    }
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub exporter: ExporterArgs,
    #[command(flatten)]
    pub cluster: ClusterSize,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub cluster: ClusterSize,
    /// Address to serve the simulated API server on (port 0 picks one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Write a kubeconfig pointing at the simulator to this file.
    #[arg(long)]
    pub write_kubeconfig: Option<PathBuf>,
    /// Start with no objects (tests add their own).
    #[arg(long)]
    pub empty: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("--{flag}: {reason}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub reason: String,
}

/// The validated exporter settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub kubeconfig: Option<PathBuf>,
    pub apiserver: Option<http::Uri>,
    pub resources: Vec<Resource>,
    pub namespaces: Vec<String>,
    pub namespaces_denylist: Vec<String>,
    pub use_apiserver_cache: bool,
    pub host: String,
    pub port: u16,
    pub telemetry_host: String,
    pub telemetry_port: u16,
    pub enable_gzip_encoding: bool,
}

impl ExporterArgs {
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let resources = parse_resources(&self.resources)?;
        let namespaces = comma_list(&self.namespaces);
        let namespaces_denylist = comma_list(&self.namespaces_denylist);
        if !namespaces.is_empty() && !namespaces_denylist.is_empty() {
            return Err(ConfigError {
                flag: "namespaces-denylist",
                reason: "cannot be combined with --namespaces".into(),
            });
        }
        for (flag, list) in [
            ("namespaces", &namespaces),
            ("namespaces-denylist", &namespaces_denylist),
        ] {
            if let Some(bad) = list.iter().find(|ns| !is_dns_label(ns)) {
                return Err(ConfigError {
                    flag,
                    reason: format!("{bad:?} is not a valid namespace name"),
                });
            }
        }
        let apiserver = match &self.apiserver {
            None => None,
            Some(url) => Some(parse_url(url).ok_or_else(|| ConfigError {
                flag: "apiserver",
                reason: format!("{url:?} is not an http(s) URL"),
            })?),
        };
        if let Some(path) = &self.kubeconfig
            && let Err(e) = std::fs::metadata(path)
        {
            return Err(ConfigError {
                flag: "kubeconfig",
                reason: format!("cannot read {}: {e}", path.display()),
            });
        }
        Ok(Config {
            kubeconfig: self.kubeconfig.clone(),
            apiserver,
            resources,
            namespaces,
            namespaces_denylist,
            use_apiserver_cache: self.use_apiserver_cache,
            host: self.host.clone(),
            port: self.port,
            telemetry_host: self.telemetry_host.clone(),
            telemetry_port: self.telemetry_port,
            enable_gzip_encoding: self.enable_gzip_encoding,
        })
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_resources(text: &str) -> Result<Vec<Resource>, ConfigError> {
    let mut resources = Vec::new();
    for name in comma_list(text) {
        let resource = Resource::from_plural(&name).ok_or_else(|| ConfigError {
            flag: "resources",
            reason: format!(
                "unknown resource {name:?} (known: {})",
                Resource::ALL.map(Resource::plural).join(", ")
            ),
        })?;
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    }
    if resources.is_empty() {
        return Err(ConfigError {
            flag: "resources",
            reason: "names no resource".into(),
        });
    }
    resources.sort();
    Ok(resources)
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn parse_url(text: &str) -> Option<http::Uri> {
    let uri: http::Uri = text.parse().ok()?;
    matches!(uri.scheme_str(), Some("http" | "https"))
        .then_some(())
        .and(uri.host().map(|_| ()))?;
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> ExporterArgs {
        let mut argv = vec!["kubestate"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).expect("flags parse").exporter
    }

    #[test]
    fn defaults_watch_all_four_kinds() {
        let config = args(&[]).validate().unwrap();
        assert_eq!(config.resources, Resource::ALL);
        assert!(config.namespaces.is_empty());
        assert_eq!((config.port, config.telemetry_port), (8080, 8081));
    }

    #[test]
    fn bad_values_name_their_flag() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--resources=pods,secrets"],
                "--resources: unknown resource \"secrets\"",
            ),
            (&["--resources="], "--resources: names no resource"),
            (
                &["--namespaces=Bad_NS"],
                "--namespaces: \"Bad_NS\" is not a valid namespace name",
            ),
            (
                &["--namespaces=a", "--namespaces-denylist=b"],
                "--namespaces-denylist: cannot be combined",
            ),
            (
                &["--apiserver=ftp://x"],
                "--apiserver: \"ftp://x\" is not an http(s) URL",
            ),
            (
                &["--kubeconfig=/nonexistent/kubeconfig"],
                "--kubeconfig: cannot read /nonexistent/kubeconfig",
            ),
        ];
        for (flags, want) in cases {
            let err = args(flags)
                .validate()
                .expect_err("must be rejected")
                .to_string();
            assert!(err.starts_with(want), "{flags:?}: got {err:?}");
        }
    }

    #[test]
    fn resources_are_deduplicated_and_ordered() {
        let config = args(&["--resources", "services, pods,services"])
            .validate()
            .unwrap();
        assert_eq!(config.resources, [Resource::Pods, Resource::Services]);
    }
}
