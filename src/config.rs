//! Command-line flags and their validation.
//!
//! Flag names follow kube-state-metrics so an existing Deployment's args
//! carry over. A bad value stops the program with one line naming the flag
//! (exit status 2, like clap's own usage errors).

use crate::autoshard::OwnPod;
use crate::families::FamilyFilter;
use crate::node_shard::PodNodes;
use crate::objects::{Allowlist, Exposure, Resource};
use crate::server::duration::parse_go_duration;
use crate::server::listen::Limits;
use crate::server::reload::WebConfigFile;
use crate::shard::Shard;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use regex::Regex;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "kubestate",
    version = concat!(env!("CARGO_PKG_VERSION"), " (revision ", env!("KUBESTATE_REVISION"), ")"),
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
    Demo(Box<DemoArgs>),
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
    /// Kinds to watch, comma-separated; empty means the kinds
    /// kube-state-metrics watches by default that kubestate serves.
    #[arg(long, default_value = "")]
    pub resources: String,
    /// Namespaces to watch, comma-separated; empty means all.
    #[arg(long, default_value = "")]
    pub namespaces: String,
    /// Namespaces to leave out, comma-separated.
    #[arg(long, default_value = "")]
    pub namespaces_denylist: String,
    /// Regexes (comma-separated, each matching a whole name) of the metric
    /// families to serve; the others are left out.
    #[arg(long, default_value = "")]
    pub metric_allowlist: String,
    /// Regexes of the metric families to leave out; excludes --metric-allowlist.
    #[arg(long, default_value = "")]
    pub metric_denylist: String,
    /// Regexes naming opt-in families to serve (kube_pod_nodeselectors).
    #[arg(long, default_value = "")]
    pub metric_opt_in_list: String,
    /// Kubernetes labels served on kube_<kind>_labels: `pods=[app,team],nodes=[*]`.
    #[arg(long, default_value = "")]
    pub metric_labels_allowlist: String,
    /// Annotations served on kube_<kind>_annotations, same syntax.
    #[arg(long, default_value = "")]
    pub metric_annotations_allowlist: String,
    /// List from the API server's watch cache (resourceVersion=0).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", value_parser = go_bool)]
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
    /// This instance's shard, from 0 (with --total-shards).
    #[arg(long, default_value_t = 0)]
    pub shard: u32,
    /// How many instances split the cluster between them.
    #[arg(long, default_value_t = 1)]
    pub total_shards: u32,
    /// This instance's pod (with --pod-namespace, from the downward API):
    /// the shard follows its StatefulSet's ordinal and replicas, in place
    /// of --shard and --total-shards.
    #[arg(long, default_value = "")]
    pub pod: String,
    /// The namespace of --pod.
    #[arg(long, default_value = "")]
    pub pod_namespace: String,
    /// Watch only the pods bound to this node (DaemonSet sharding; pass the
    /// pod's spec.nodeName through the downward API); needs --resources=pods.
    #[arg(long, default_value = "")]
    pub node: String,
    /// Watch only the pods bound to no node yet (beside a --node DaemonSet);
    /// needs --resources=pods.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "false", default_missing_value = "true", value_parser = go_bool)]
    pub track_unscheduled_pods: bool,
    /// Gzip /metrics responses when the client accepts it (Prometheus
    /// does); `=false` serves them uncompressed, as kube-state-metrics does
    /// by default.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value = "true", default_missing_value = "true", value_parser = go_bool)]
    pub enable_gzip_encoding: bool,
    /// Web configuration file (the Prometheus exporter toolkit's format):
    /// TLS, client certificates, basic auth and headers, on both servers.
    #[arg(long, default_value = "")]
    pub tls_config: String,
    /// Longest time to read a whole request on the metrics port (a Go
    /// duration such as 60s or 1m30s; 0 for none).
    #[arg(long, default_value = "60s")]
    pub server_read_timeout: String,
    /// Longest time to send a response on the metrics port; a scrape still
    /// being sent then is cut.
    #[arg(long, default_value = "60s")]
    pub server_write_timeout: String,
    /// Longest wait for the next request on a kept-alive connection of the
    /// metrics port.
    #[arg(long, default_value = "5m")]
    pub server_idle_timeout: String,
    /// Longest time to read a request's head on the metrics port.
    #[arg(long, default_value = "5s")]
    pub server_read_header_timeout: String,
    /// Connections served at once on each port; more wait to be accepted.
    #[arg(long, default_value_t = 1024)]
    pub server_max_connections: usize,
    /// Largest request head (request line and headers) in bytes; larger
    /// ones are answered 431.
    #[arg(long, default_value_t = 1 << 20)]
    pub server_max_header_bytes: usize,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log level (a tracing filter); RUST_LOG takes precedence.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    #[command(flatten)]
    pub klog: KlogArgs,
}

/// Go's strconv.ParseBool, which kube-state-metrics' boolean flags use, so
/// `--enable-gzip-encoding=true` or `=0` carry over.
fn go_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("{text:?} is not a boolean (true or false)")),
    }
}

/// klog's flags, which kube-state-metrics registers and its users pass
/// (`-v=2` is in many Deployments). kubestate logs with tracing instead:
/// they are accepted so such args carry over, and each one given is named
/// in a warning at start-up. Hidden from --help, as they do nothing.
#[derive(Args, Debug, Clone, Default)]
pub struct KlogArgs {
    #[arg(short = 'v', long = "v", hide = true)]
    v: Option<String>,
    #[arg(long, hide = true)]
    vmodule: Option<String>,
    #[arg(long = "log_backtrace_at", hide = true)]
    log_backtrace_at: Option<String>,
    #[arg(long = "log_dir", hide = true)]
    log_dir: Option<String>,
    #[arg(long = "log_file", hide = true)]
    log_file: Option<String>,
    #[arg(long = "log_file_max_size", hide = true)]
    log_file_max_size: Option<String>,
    #[arg(long, hide = true)]
    stderrthreshold: Option<String>,
    #[arg(long, hide = true)]
    alsologtostderrthreshold: Option<String>,
    #[arg(long, hide = true)]
    log_flush_frequency: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    logtostderr: Option<bool>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    alsologtostderr: Option<bool>,
    #[arg(long = "add_dir_header", hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    add_dir_header: Option<bool>,
    #[arg(long = "skip_headers", hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    skip_headers: Option<bool>,
    #[arg(long = "skip_log_headers", hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    skip_log_headers: Option<bool>,
    #[arg(long = "one_output", hide = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = go_bool)]
    one_output: Option<bool>,
    #[arg(long = "legacy_stderr_threshold_behavior", hide = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_parser = go_bool)]
    legacy_stderr_threshold_behavior: Option<bool>,
}

impl KlogArgs {
    /// The klog flags given, as they are spelled on the command line.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("--v", self.v.is_some()),
            ("--vmodule", self.vmodule.is_some()),
            ("--log_backtrace_at", self.log_backtrace_at.is_some()),
            ("--log_dir", self.log_dir.is_some()),
            ("--log_file", self.log_file.is_some()),
            ("--log_file_max_size", self.log_file_max_size.is_some()),
            ("--stderrthreshold", self.stderrthreshold.is_some()),
            (
                "--alsologtostderrthreshold",
                self.alsologtostderrthreshold.is_some(),
            ),
            ("--log-flush-frequency", self.log_flush_frequency.is_some()),
            ("--logtostderr", self.logtostderr.is_some()),
            ("--alsologtostderr", self.alsologtostderr.is_some()),
            ("--add_dir_header", self.add_dir_header.is_some()),
            ("--skip_headers", self.skip_headers.is_some()),
            ("--skip_log_headers", self.skip_log_headers.is_some()),
            ("--one_output", self.one_output.is_some()),
            (
                "--legacy_stderr_threshold_behavior",
                self.legacy_stderr_threshold_behavior.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
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
    /// Also serve the /sim/ control endpoints here (port 0 picks one; its
    /// URL is printed on a second line): they stay up while /sim/restart
    /// closes the API's port.
    #[arg(long)]
    pub control_listen: Option<String>,
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
    pub shard: Shard,
    /// Automatic sharding: the shard comes from this pod's StatefulSet.
    pub own_pod: Option<OwnPod>,
    pub pod_nodes: PodNodes,
    pub families: FamilyFilter,
    pub exposure: Exposure,
    pub metrics_limits: Limits,
    pub telemetry_limits: Limits,
    pub web_config: Option<Arc<WebConfigFile>>,
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
        let families = FamilyFilter {
            allow: family_regex("metric-allowlist", &self.metric_allowlist)?,
            deny: family_regex("metric-denylist", &self.metric_denylist)?,
            opt_in: family_regex("metric-opt-in-list", &self.metric_opt_in_list)?,
        };
        if families.allow.is_some() && families.deny.is_some() {
            return Err(ConfigError {
                flag: "metric-denylist",
                reason: "cannot be combined with --metric-allowlist".into(),
            });
        }
        let exposure = Exposure {
            labels: allowlist("metric-labels-allowlist", &self.metric_labels_allowlist)?,
            annotations: allowlist(
                "metric-annotations-allowlist",
                &self.metric_annotations_allowlist,
            )?,
            // Kept in the cache only when the family that serves them is on.
            node_selectors: families.enables("kube_pod_nodeselectors", true),
        };
        let (metrics_limits, telemetry_limits) = self.limits()?;
        let own_pod = self.own_pod();
        // Static sharding is not checked when it is ignored, as in
        // kube-state-metrics; the StatefulSet gives the shard.
        let shard = match own_pod {
            Some(_) => Shard::default(),
            None => self.shard()?,
        };
        // Empty, as kube-state-metrics' default: plain HTTP.
        let web_config = match self.tls_config.as_str() {
            "" => None,
            path => Some(Arc::new(WebConfigFile::load(path.as_ref()).map_err(
                |e| ConfigError {
                    flag: "tls-config",
                    reason: e.to_string(),
                },
            )?)),
        };
        let pod_nodes = PodNodes::from_flags(
            &self.node,
            self.track_unscheduled_pods,
            &self.resources,
            &resources,
        )?;
        Ok(Config {
            metrics_limits,
            telemetry_limits,
            web_config,
            families,
            exposure,
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
            shard,
            own_pod,
            pod_nodes,
        })
    }
}

/// One regex matching a whole family name out of a comma list of regexes,
/// as kube-state-metrics anchors them; `None` for an empty list.
fn family_regex(flag: &'static str, text: &str) -> Result<Option<Regex>, ConfigError> {
    let items = comma_list(text);
    if items.is_empty() {
        return Ok(None);
    }
    for item in &items {
        Regex::new(item).map_err(|e| ConfigError {
            flag,
            reason: format!("{item:?} is not a regex: {}", one_line(&e.to_string())),
        })?;
    }
    let joined = items
        .iter()
        .map(|item| format!("(?:{item})"))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!("^(?:{joined})$"))
        .map(Some)
        .map_err(|e| ConfigError {
            flag,
            reason: one_line(&e.to_string()),
        })
}

fn allowlist(flag: &'static str, text: &str) -> Result<Allowlist, ConfigError> {
    Allowlist::parse(text).map_err(|reason| ConfigError { flag, reason })
}

/// regex's errors span several lines (pattern, caret, message); the flag
/// error must be one line.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl ExporterArgs {
    /// The metrics server's limits, and the telemetry server's: only a
    /// read-header timeout of 5 s, as kube-state-metrics gives it.
    fn limits(&self) -> Result<(Limits, Limits), ConfigError> {
        let duration = |flag: &'static str, text: &str| {
            parse_go_duration(text).map_err(|reason| ConfigError { flag, reason })
        };
        for (flag, value) in [
            ("server-max-connections", self.server_max_connections),
            ("server-max-header-bytes", self.server_max_header_bytes),
        ] {
            if value == 0 {
                return Err(ConfigError {
                    flag,
                    reason: "must be at least 1".into(),
                });
            }
        }
        let metrics = Limits {
            read_timeout: duration("server-read-timeout", &self.server_read_timeout)?,
            write_timeout: duration("server-write-timeout", &self.server_write_timeout)?,
            idle_timeout: duration("server-idle-timeout", &self.server_idle_timeout)?,
            read_header_timeout: duration(
                "server-read-header-timeout",
                &self.server_read_header_timeout,
            )?,
            max_connections: self.server_max_connections,
            max_header_bytes: self.server_max_header_bytes,
        };
        let telemetry = Limits {
            read_timeout: None,
            write_timeout: None,
            idle_timeout: None,
            read_header_timeout: Some(Duration::from_secs(5)),
            ..metrics
        };
        Ok((metrics, telemetry))
    }

    /// Automatic sharding needs both flags; like kube-state-metrics, one
    /// alone leaves it off, and it takes precedence over --shard and
    /// --total-shards. Both cases are said at start-up, which
    /// kube-state-metrics does not.
    fn own_pod(&self) -> Option<OwnPod> {
        match (self.pod.as_str(), self.pod_namespace.as_str()) {
            ("", "") => None,
            ("", _) | (_, "") => {
                tracing::warn!(
                    "--pod and --pod-namespace must both be given for automatic sharding; it is off"
                );
                None
            }
            (name, namespace) => {
                if (self.shard, self.total_shards) != (0, 1) {
                    tracing::warn!(
                        "--shard and --total-shards are ignored: with --pod and --pod-namespace the shard comes from the StatefulSet"
                    );
                }
                Some(OwnPod {
                    name: name.to_owned(),
                    namespace: namespace.to_owned(),
                })
            }
        }
    }

    fn shard(&self) -> Result<Shard, ConfigError> {
        if self.total_shards == 0 {
            return Err(ConfigError {
                flag: "total-shards",
                reason: "must be at least 1".into(),
            });
        }
        if self.shard >= self.total_shards {
            return Err(ConfigError {
                flag: "shard",
                reason: format!(
                    "{} is not below --total-shards {} (shards count from 0)",
                    self.shard, self.total_shards
                ),
            });
        }
        Ok(Shard {
            ordinal: self.shard,
            total: self.total_shards,
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

/// The kinds to watch, sorted.
fn parse_resources(text: &str) -> Result<Vec<Resource>, ConfigError> {
    let names = comma_list(text);
    if names.is_empty() {
        return Ok(Resource::defaults().collect());
    }
    let mut resources = Vec::new();
    for name in names {
        let Some(resource) = Resource::from_plural(&name) else {
            return Err(ConfigError {
                flag: "resources",
                reason: format!(
                    "unknown resource {name:?} (served: {})",
                    Resource::ALL
                        .iter()
                        .map(|r| r.plural())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        if !resources.contains(&resource) {
            resources.push(resource);
        }
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
        assert_eq!(config.resources, Resource::defaults().collect::<Vec<_>>());
        assert!(config.namespaces.is_empty());
        assert_eq!((config.port, config.telemetry_port), (8080, 8081));
    }

    #[test]
    fn bad_values_name_their_flag() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--resources=pods,podz"],
                "--resources: unknown resource \"podz\"",
            ),
            (
                &["--shard=2", "--total-shards=2"],
                "--shard: 2 is not below --total-shards 2",
            ),
            (&["--total-shards=0"], "--total-shards: must be at least 1"),
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
            (
                &[
                    "--metric-allowlist=kube_pod_.*",
                    "--metric-denylist=kube_node_.*",
                ],
                "--metric-denylist: cannot be combined with --metric-allowlist",
            ),
            (
                &["--metric-denylist=kube_pod_(info"],
                "--metric-denylist: \"kube_pod_(info\" is not a regex",
            ),
            (
                &["--metric-opt-in-list=*"],
                "--metric-opt-in-list: \"*\" is not a regex",
            ),
            (
                &["--metric-labels-allowlist=pods=app"],
                "--metric-labels-allowlist: expected [ after \"pods\"=",
            ),
            (
                &["--metric-annotations-allowlist=pods=[a],,nodes=[b]"],
                "--metric-annotations-allowlist: \",nodes\" is not a resource name",
            ),
            (
                &["--metric-labels-allowlist=pods=[a\nb"],
                "--metric-labels-allowlist: missing ] after \"pods=[a\\nb\"",
            ),
            (
                &["--metric-labels-allowlist=pods=[a b]"],
                "--metric-labels-allowlist: \"a b\" is not a label key",
            ),
        ];
        for (flags, want) in cases {
            let err = args(flags)
                .validate()
                .expect_err("must be rejected")
                .to_string();
            assert!(err.starts_with(want), "{flags:?}: got {err:?}");
            assert!(!err.contains('\n'), "{flags:?}: one line, got {err:?}");
        }
    }

    #[test]
    fn automatic_sharding_needs_both_pod_flags_and_overrides_static_sharding() {
        let both = args(&["--pod=ksm-1", "--pod-namespace=monitoring"])
            .validate()
            .unwrap();
        let own = both.own_pod.expect("automatic sharding on");
        assert_eq!(
            (own.name.as_str(), own.namespace.as_str()),
            ("ksm-1", "monitoring")
        );
        for one in ["--pod=ksm-1", "--pod-namespace=monitoring"] {
            let config = args(&[one]).validate().unwrap();
            assert!(config.own_pod.is_none(), "{one} alone");
        }
        // --shard beyond --total-shards is not refused when it is ignored.
        let config = args(&[
            "--pod=ksm-1",
            "--pod-namespace=monitoring",
            "--shard=3",
            "--total-shards=2",
        ])
        .validate()
        .unwrap();
        assert!(config.own_pod.is_some());
    }

    #[test]
    fn family_lists_are_anchored_regexes() {
        let config = args(&[
            "--metric-denylist=kube_pod_container_.*,kube_node_info",
            "--metric-opt-in-list=kube_pod_nodeselectors",
        ])
        .validate()
        .unwrap();
        let deny = config.families.deny.unwrap();
        assert!(deny.is_match("kube_pod_container_info"));
        assert!(deny.is_match("kube_node_info"));
        // Anchored: neither a prefix nor a suffix match counts.
        assert!(!deny.is_match("kube_node_info_extra"));
        assert!(!deny.is_match("x_kube_node_info"));
        assert!(config.exposure.node_selectors);
        let off = args(&[
            "--metric-opt-in-list=kube_pod_nodeselectors",
            "--metric-denylist=kube_pod_node.*",
        ])
        .validate()
        .unwrap();
        assert!(
            !off.exposure.node_selectors,
            "a denied opt-in family is off"
        );
    }

    #[test]
    fn resources_are_deduplicated_and_ordered() {
        let config = args(&["--resources", "services, pods,services"])
            .validate()
            .unwrap();
        assert_eq!(config.resources, [Resource::Pods, Resource::Services]);
    }

    #[test]
    fn boolean_flags_take_go_style_values() {
        let cases: &[(&[&str], bool)] = &[
            (&[], true),
            (&["--enable-gzip-encoding"], true),
            (&["--enable-gzip-encoding=true"], true),
            (&["--enable-gzip-encoding=false"], false),
            (&["--enable-gzip-encoding=1"], true),
            (&["--enable-gzip-encoding=F"], false),
        ];
        for (flags, want) in cases {
            assert_eq!(args(flags).enable_gzip_encoding, *want, "{flags:?}");
        }
        assert!(args(&["--use-apiserver-cache=true"]).use_apiserver_cache);
        assert!(!args(&["--use-apiserver-cache=false"]).use_apiserver_cache);
        assert!(args(&["--use-apiserver-cache"]).use_apiserver_cache);
        // A bare flag never takes the next argument as its value.
        let bare = args(&["--use-apiserver-cache", "--enable-gzip-encoding"]);
        assert!(bare.use_apiserver_cache && bare.enable_gzip_encoding);
        for bad in ["--enable-gzip-encoding=yes", "--use-apiserver-cache=on"] {
            let err = Cli::try_parse_from(["kubestate", bad]).expect_err(bad);
            assert!(err.to_string().contains("is not a boolean"), "{bad}: {err}");
        }
    }

    #[test]
    fn klog_flags_are_accepted_and_named() {
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["-v=2"], &["--v"]),
            (&["-v", "4"], &["--v"]),
            (&["--v=3"], &["--v"]),
            (&["--vmodule=pod*=4"], &["--vmodule"]),
            (&["--logtostderr"], &["--logtostderr"]),
            (&["--logtostderr=false"], &["--logtostderr"]),
            (&["--alsologtostderr=true"], &["--alsologtostderr"]),
            (
                &["--log_dir=/var/log", "--log_file", "/x.log"],
                &["--log_dir", "--log_file"],
            ),
            (&["--stderrthreshold=INFO"], &["--stderrthreshold"]),
            (
                &["--add_dir_header", "--skip_headers"],
                &["--add_dir_header", "--skip_headers"],
            ),
            (&["--one_output=true"], &["--one_output"]),
            (&["--log-flush-frequency=5s"], &["--log-flush-frequency"]),
            (&["--log_file_max_size=1800"], &["--log_file_max_size"]),
            (&["--log_backtrace_at=:0"], &["--log_backtrace_at"]),
        ];
        for (flags, want) in cases {
            let parsed = args(flags);
            assert_eq!(parsed.klog.given(), *want, "{flags:?}");
            // They change nothing else.
            assert_eq!(parsed.log_level, "info", "{flags:?}");
            assert!(parsed.validate().is_ok(), "{flags:?}");
        }
        // The demo takes the exporter's flags, klog's included.
        let demo = Cli::try_parse_from(["kubestate", "demo", "-v=2"]).expect("demo -v=2");
        let Some(Command::Demo(demo)) = demo.command else {
            panic!("demo subcommand");
        };
        assert_eq!(demo.exporter.klog.given(), ["--v"]);
    }
}
