//! The exporter's own metrics, served on the telemetry port.
//!
//! Names shared with kube-state-metrics keep its meaning, so its alerts on
//! list/watch errors and sharding work unchanged.

use crate::exposition::Format;
use crate::objects::Resource;
use crate::shard::Shard;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub resource: &'static str,
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabels {
    pub resource: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub resource: &'static str,
    pub r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FormatLabels {
    pub format: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    revision: &'static str,
    rustc: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpTimeoutLabels {
    server: &'static str,
    timeout: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShardLabels {
    shard_ordinal: String,
}

/// A list or a watch request to the API server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    List,
    Watch,
}

pub struct Telemetry {
    registry: Registry,
    list_total: Family<CallLabels, Counter>,
    watch_total: Family<CallLabels, Counter>,
    resource_synced: Family<ResourceLabels, Gauge>,
    cache_objects: Family<ResourceLabels, Gauge>,
    watch_events_total: Family<EventLabels, Counter>,
    decode_errors_total: Family<ResourceLabels, Counter>,
    scrape_duration_seconds: Family<FormatLabels, Histogram>,
    scrape_bytes: Gauge<u64, AtomicU64>,
    http_timeouts_total: Family<HttpTimeoutLabels, Counter>,
    shard_ordinal: Family<ShardLabels, Gauge>,
    total_shards: Gauge,
}

impl Telemetry {
    pub fn new(shard: Shard) -> Self {
        // prometheus-client ends every HELP text with a period itself.
        let mut registry = Registry::default();
        let list_total = Family::<CallLabels, Counter>::default();
        registry.register(
            "kube_state_metrics_list",
            "Number of list calls to the API server, by resource and result",
            list_total.clone(),
        );
        let watch_total = Family::<CallLabels, Counter>::default();
        registry.register(
            "kube_state_metrics_watch",
            "Number of watch calls to the API server, by resource and result",
            watch_total.clone(),
        );
        let shard_ordinal = Family::<ShardLabels, Gauge>::default();
        registry.register(
            "kube_state_metrics_shard_ordinal",
            "Current sharding ordinal/index of this instance",
            shard_ordinal.clone(),
        );
        let total_shards = Gauge::<i64>::default();
        registry.register(
            "kube_state_metrics_total_shards",
            "Number of total shards this instance is aware of",
            total_shards.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
                revision: env!("KUBESTATE_REVISION"),
                rustc: env!("KUBESTATE_RUSTC"),
            })
            .set(1);
        registry.register(
            "kubestate_build_info",
            "Build information, always 1",
            build_info,
        );
        let resource_synced = Family::<ResourceLabels, Gauge>::default();
        registry.register(
            "kubestate_resource_synced",
            "1 once the resource's initial list has finished",
            resource_synced.clone(),
        );
        let cache_objects = Family::<ResourceLabels, Gauge>::default();
        registry.register(
            "kubestate_cache_objects",
            "Objects held in the cache, by resource",
            cache_objects.clone(),
        );
        let watch_events_total = Family::<EventLabels, Counter>::default();
        registry.register(
            "kubestate_watch_events",
            "Watch events applied to the cache, by resource and type",
            watch_events_total.clone(),
        );
        let decode_errors_total = Family::<ResourceLabels, Counter>::default();
        registry.register(
            "kubestate_decode_errors",
            "Objects that could not be decoded and were skipped",
            decode_errors_total.clone(),
        );
        let scrape_duration_seconds =
            Family::<FormatLabels, Histogram>::new_with_constructor(|| {
                Histogram::new([
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
            });
        registry.register(
            "kubestate_scrape_duration_seconds",
            "Time to render and send /metrics, by format",
            scrape_duration_seconds.clone(),
        );
        let scrape_bytes = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "kubestate_scrape_bytes",
            "Size of the last /metrics body before compression",
            scrape_bytes.clone(),
        );
        let http_timeouts_total = Family::<HttpTimeoutLabels, Counter>::default();
        registry.register(
            "kubestate_http_timeouts",
            "Connections closed by a server timeout, by server and timeout (write: a response cut)",
            http_timeouts_total.clone(),
        );
        registry.register_collector(Box::new(ProcessCollector));
        let telemetry = Telemetry {
            registry,
            list_total,
            watch_total,
            resource_synced,
            cache_objects,
            watch_events_total,
            decode_errors_total,
            scrape_duration_seconds,
            scrape_bytes,
            http_timeouts_total,
            shard_ordinal,
            total_shards,
        };
        telemetry.set_shard(shard);
        telemetry
    }

    /// The shard served now; the ordinal's old series goes, as
    /// kube-state-metrics resets it when its StatefulSet is scaled.
    pub fn set_shard(&self, shard: Shard) {
        self.shard_ordinal.clear();
        self.shard_ordinal
            .get_or_create(&ShardLabels {
                shard_ordinal: shard.ordinal.to_string(),
            })
            .set(i64::from(shard.ordinal));
        self.total_shards.set(i64::from(shard.total));
    }

    /// Registers an enabled resource's series at zero, so that alerts on
    /// rates and on `== 0` see them before the first call or event.
    pub fn enable(&self, resource: Resource) {
        for result in ["success", "error"] {
            let labels = CallLabels {
                resource: resource.plural(),
                result,
            };
            let _ = self.list_total.get_or_create(&labels);
            let _ = self.watch_total.get_or_create(&labels);
        }
        let labels = ResourceLabels {
            resource: resource.plural(),
        };
        self.resource_synced.get_or_create(&labels).set(0);
        self.cache_objects.get_or_create(&labels).set(0);
        let _ = self.decode_errors_total.get_or_create(&labels);
    }

    pub fn count_call(&self, resource: Resource, call: Call, ok: bool) {
        let labels = CallLabels {
            resource: resource.plural(),
            result: if ok { "success" } else { "error" },
        };
        match call {
            Call::List => self.list_total.get_or_create(&labels).inc(),
            Call::Watch => self.watch_total.get_or_create(&labels).inc(),
        };
    }

    pub fn set_synced(&self, resource: Resource, synced: bool) {
        let labels = ResourceLabels {
            resource: resource.plural(),
        };
        self.resource_synced
            .get_or_create(&labels)
            .set(i64::from(synced));
    }

    pub fn set_cache_objects(&self, resource: Resource, objects: usize) {
        let labels = ResourceLabels {
            resource: resource.plural(),
        };
        self.cache_objects
            .get_or_create(&labels)
            .set(i64::try_from(objects).unwrap_or(i64::MAX));
    }

    /// `kind` is added, modified, deleted, bookmark or error.
    pub fn count_event(&self, resource: Resource, kind: &'static str) {
        self.watch_events_total
            .get_or_create(&EventLabels {
                resource: resource.plural(),
                r#type: kind,
            })
            .inc();
    }

    pub fn count_decode_error(&self, resource: Resource) {
        self.decode_errors_total
            .get_or_create(&ResourceLabels {
                resource: resource.plural(),
            })
            .inc();
    }

    pub fn observe_scrape(&self, format: &'static str, seconds: f64, bytes: usize) {
        self.scrape_duration_seconds
            .get_or_create(&FormatLabels { format })
            .observe(seconds);
        self.scrape_bytes.set(bytes as u64);
    }

    /// `by` 0 makes the series exist before the first timeout.
    pub fn count_http_timeout(&self, server: &'static str, timeout: &'static str, by: u64) {
        self.http_timeouts_total
            .get_or_create(&HttpTimeoutLabels { server, timeout })
            .inc_by(by);
    }

    /// The metrics in OpenMetrics text.
    /// The exporter's own metrics in `format`.
    pub fn encode(&self, format: Format) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        match format {
            Format::OpenMetrics => text,
            Format::Text => openmetrics_to_text(&text),
        }
    }
}

/// prometheus-client writes only OpenMetrics; text 0.0.4 differs, for the
/// types registered here (counters, gauges, histograms), in three things:
/// a counter's HELP and TYPE name its samples (`x_total`, not `x`), there
/// is no `# UNIT`, and no `# EOF`. Samples are the same in both.
fn openmetrics_to_text(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    // HELP comes before TYPE, and only TYPE says whether to rename.
    let mut help: Option<&str> = None;
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = Some(rest);
            continue;
        }
        if let Some((name, kind)) = line.strip_prefix("# TYPE ").and_then(|t| t.split_once(' ')) {
            let name = if kind == "counter" {
                format!("{name}_total")
            } else {
                name.to_owned()
            };
            if let Some(text) = help.take().and_then(|h| h.split_once(' ')) {
                out.push_str(&format!("# HELP {name} {}\n", text.1));
            }
            out.push_str(&format!("# TYPE {name} {kind}\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new(Shard::default())
    }
}

/// The usual `process_*` metrics, read from /proc on each scrape.
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(process) = read_process() else {
            return Ok(());
        };
        let gauges: [(&str, &str, f64); 3] = [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                process.resident_bytes,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                process.start_time,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                process.open_fds,
            ),
        ];
        for (name, help, value) in gauges {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value).encode(metric)?;
        }
        let metric = encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            None,
            MetricType::Counter,
        )?;
        ConstCounter::new(process.cpu_seconds).encode(metric)
    }
}

struct Process {
    resident_bytes: f64,
    cpu_seconds: f64,
    start_time: f64,
    open_fds: f64,
}

/// The kernel's clock ticks per second (USER_HZ) and page size, which
/// `/proc/self/stat` counts in: 100 and 4096 on most Linux machines, but
/// arm64 and ppc64 kernels often use 16 or 64 KiB pages.
fn clock_ticks_and_page_size() -> Option<(f64, f64)> {
    // SAFETY: sysconf reads a configuration value; it has no preconditions.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    (ticks > 0 && page > 0).then_some((ticks as f64, page as f64))
}

fn read_process() -> Option<Process> {
    let (ticks, page) = clock_ticks_and_page_size()?;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which may itself contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
    let cpu_seconds = (field(14)? + field(15)?) / ticks;
    let start_ticks = field(22)?;
    let resident_bytes = field(24)? * page;
    let boot_time: f64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as f64;
    Some(Process {
        resident_bytes,
        cpu_seconds,
        start_time: boot_time + start_ticks / ticks,
        open_fds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_counters_by_their_samples_and_has_no_eof_or_unit() {
        let openmetrics = "\
# HELP kube_state_metrics_list Number of list calls.
# TYPE kube_state_metrics_list counter
kube_state_metrics_list_total{resource=\"pods\",result=\"success\"} 2
# HELP kubestate_scrape_duration_seconds Time to render.
# TYPE kubestate_scrape_duration_seconds histogram
# UNIT kubestate_scrape_duration_seconds seconds
kubestate_scrape_duration_seconds_sum{format=\"text\"} 0.5
kubestate_scrape_duration_seconds_count{format=\"text\"} 1
kubestate_scrape_duration_seconds_bucket{le=\"+Inf\",format=\"text\"} 1
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 24.0
# EOF
";
        let text = "\
# HELP kube_state_metrics_list_total Number of list calls.
# TYPE kube_state_metrics_list_total counter
kube_state_metrics_list_total{resource=\"pods\",result=\"success\"} 2
# HELP kubestate_scrape_duration_seconds Time to render.
# TYPE kubestate_scrape_duration_seconds histogram
kubestate_scrape_duration_seconds_sum{format=\"text\"} 0.5
kubestate_scrape_duration_seconds_count{format=\"text\"} 1
kubestate_scrape_duration_seconds_bucket{le=\"+Inf\",format=\"text\"} 1
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 24.0
";
        assert_eq!(openmetrics_to_text(openmetrics), text);
    }

    #[test]
    fn openmetrics_is_served_as_prometheus_client_writes_it() {
        let telemetry = Telemetry::default();
        telemetry.enable(Resource::Pods);
        let openmetrics = telemetry.encode(Format::OpenMetrics);
        assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics}");
        assert!(openmetrics.contains("# TYPE kube_state_metrics_list counter\n"));
        let text = telemetry.encode(Format::Text);
        assert!(!text.contains("# EOF"), "{text}");
        assert!(text.contains("# TYPE kube_state_metrics_list_total counter\n"));
    }
}
