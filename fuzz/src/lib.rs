//! The checks the fuzz targets run, one public function per target.
//!
//! `tests/fuzz_regressions.rs` includes this file as a module and runs the
//! same functions on every input kept under `fuzz/regressions/<target>/`, so
//! a case the fuzzer found stays a test of plain `cargo test`.
//!
//! Every check panics when the property fails, as libFuzzer expects:
//! - `exposition`: whatever label values, Kubernetes label keys, sample
//!   values and HELP text reach the exposition writer, both formats parse
//!   (`openmetrics-parser`, an independent parser of the Prometheus text
//!   format and of OpenMetrics) and read back exactly what was written;
//! - `decode`: any bytes as an object, a list page or a watch stream of any
//!   kind decode without panicking, and a decoded object renders to both
//!   formats, which parse;
//! - `flags`: the list flags (`--resources`, `--metric-allowlist`,
//!   `--metric-denylist`, `--metric-opt-in-list`,
//!   `--metric-labels-allowlist`, `--metric-annotations-allowlist`) never
//!   panic, reject bad values with one line naming the flag, and mean what
//!   they say.
//!
//! - `web_config`: the `--tls-config` parser gives a configuration or an
//!   error of one line, the same for the same text.

use arbitrary::Arbitrary;
use kubestate::cache::Store;
use kubestate::config::Cli;
use kubestate::exposition::{Encoding, Format};
use kubestate::families::{
    Families, Family, FamilyFilter, MetricType, Series, Stability, render_identity,
};
use kubestate::kinds::{self, KindVisitor};
use kubestate::objects::{Allowlist, Exposure, RawMap, Resource, Str, Wire};
use kubestate::render::{KindRenderer, RenderBudget, RenderKind, render};
use openmetrics_parser::{MetricsExposition, ParseError, RenderableMetricValue};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

// ---------------------------------------------------------------------
// Parsing what the exporter wrote.

/// One family as the independent parser read it back.
#[derive(Debug)]
pub struct ParsedFamily {
    pub name: String,
    pub help: String,
    pub metric_type: String,
    /// Each sample's labels (sorted by name) and value.
    pub samples: Vec<(Vec<(String, String)>, f64)>,
}

/// Parses a body in `format` with `openmetrics-parser`.
///
/// Family by family: openmetrics-parser 0.5.1 reads an OpenMetrics family
/// without samples followed by another family as one family (its
/// grammar's first alternative takes the HELP and TYPE lines of both), and
/// wants every sample of a family to have the same label names, which
/// neither format asks (`kube_<kind>_labels` of two objects differ). So the
/// body is cut before each `# HELP` line, each family is parsed on its
/// own (with `# EOF` for OpenMetrics), and that a family comes once and
/// `# EOF` once, at the end, is checked here.
pub fn parse(format: Format, body: &[u8]) -> Result<Vec<ParsedFamily>, ParseError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ParseError::ParseError(format!("the body is not UTF-8: {e}")))?;
    let text = match format {
        Format::Text => text,
        Format::OpenMetrics => text
            .strip_suffix("# EOF\n")
            .ok_or_else(|| ParseError::ParseError("no `# EOF` line at the end".into()))?,
    };
    let mut families = Vec::new();
    let mut block_start = 0;
    for (at, _) in text.match_indices("# HELP ") {
        if at > 0 && text.as_bytes()[at - 1] == b'\n' {
            families.extend(parse_family(format, &text[block_start..at])?);
            block_start = at;
        }
    }
    families.extend(parse_family(format, &text[block_start..])?);
    let mut names = BTreeSet::new();
    for family in &families {
        if !names.insert(&family.name) {
            return Err(ParseError::InvalidMetric(format!(
                "family {} appears twice",
                family.name
            )));
        }
    }
    Ok(families)
}

fn parse_family(format: Format, text: &str) -> Result<Vec<ParsedFamily>, ParseError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    match format {
        Format::Text => {
            use openmetrics_parser::PrometheusValue as V;
            let parsed = openmetrics_parser::prometheus::parse_prometheus(text)?;
            read_back(parsed, |value| match value {
                V::Gauge(n) | V::Unknown(n) => Some(n.as_f64()),
                V::Counter(c) => Some(c.value.as_f64()),
                V::Histogram(_) | V::Summary(_) => None,
            })
        }
        Format::OpenMetrics => {
            use openmetrics_parser::OpenMetricsValue as V;
            let parsed =
                openmetrics_parser::openmetrics::parse_openmetrics(&format!("{text}# EOF\n"))?;
            read_back(parsed, |value| match value {
                V::Gauge(n) | V::Unknown(n) | V::StateSet(n) => Some(n.as_f64()),
                V::Counter(c) => Some(c.value.as_f64()),
                _ => None,
            })
        }
    }
}

fn read_back<T, V>(
    parsed: MetricsExposition<T, V>,
    value: impl Fn(&V) -> Option<f64>,
) -> Result<Vec<ParsedFamily>, ParseError>
where
    T: Clone + fmt::Display,
    V: RenderableMetricValue + Clone,
{
    let mut families = Vec::new();
    for (name, family) in parsed.families {
        let mut samples = Vec::new();
        for sample in family.iter_samples() {
            let mut labels: Vec<(String, String)> = sample
                .get_labelset()?
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            labels.sort();
            let value = value(&sample.value).ok_or_else(|| {
                ParseError::InvalidMetric(format!("{name}: a sample of an unexpected type"))
            })?;
            samples.push((labels, value));
        }
        samples.sort_by(|a, b| a.0.cmp(&b.0));
        families.push(ParsedFamily {
            name,
            help: family.help.clone(),
            metric_type: family.family_type.to_string(),
            samples,
        });
    }
    Ok(families)
}

/// Equal as written and read: the same number, or both NaN.
fn same_value(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

// ---------------------------------------------------------------------
// The registry's families, type-erased.

/// What the writer takes from a registered family.
struct FamilyInfo {
    resource: Resource,
    name: &'static str,
    labels: &'static [&'static str],
    metric_type: MetricType,
    stability: Stability,
}

struct ListFamilies;

impl KindVisitor for ListFamilies {
    type Output = Vec<FamilyInfo>;
    fn visit<T: Families>(self) -> Vec<FamilyInfo> {
        T::families()
            .iter()
            .map(|f| FamilyInfo {
                resource: T::RESOURCE,
                name: f.name,
                labels: f.labels,
                metric_type: f.metric_type,
                stability: f.stability,
            })
            .collect()
    }
}

/// Every family of every kind, in serving order.
fn registered() -> &'static [FamilyInfo] {
    static FAMILIES: OnceLock<Vec<FamilyInfo>> = OnceLock::new();
    FAMILIES.get_or_init(|| {
        Resource::ALL
            .iter()
            .flat_map(|&r| kinds::visit(r, ListFamilies))
            .collect()
    })
}

/// The identity labels of an object of `resource` with that metadata, as
/// the cache renders them when it stores the object.
struct IdentityOf(serde_json::Value);

impl KindVisitor for IdentityOf {
    type Output = Box<str>;
    fn visit<T: Families>(self) -> Box<str> {
        let object: T = serde_json::from_value(self.0).expect("metadata alone decodes");
        render_identity(&object)
    }
}

// ---------------------------------------------------------------------
// Target `exposition`.

/// One family's header and samples, from arbitrary text and numbers.
#[derive(Arbitrary, Debug)]
pub struct ExpositionInput {
    /// Which registered family (its name, type, stability, label names).
    pub family: u16,
    pub help: String,
    /// The object's metadata, which becomes its identity labels.
    pub name: String,
    pub namespace: String,
    pub uid: String,
    /// Kubernetes label keys: when there are any, samples are written as
    /// allowlisted labels (`label_<key>` pairs, as `kube_<kind>_labels`
    /// does), else with the family's own label names.
    pub keys: Vec<String>,
    /// Each sample's label values and value.
    pub samples: Vec<(Vec<String>, f64)>,
}

/// Longest HELP text taken from an input: families' HELP texts are
/// `'static`, so the arbitrary one is leaked, and this bounds the leak.
const MAX_HELP: usize = 200;

/// openmetrics-parser takes a CR for the end of a line, where both formats
/// end lines with LF alone and allow a CR in HELP texts and label values
/// (Prometheus reads up to the LF); so the exposition check writes none.
fn without_cr(text: &str) -> String {
    text.replace('\r', " ")
}

pub fn exposition(input: &ExpositionInput) {
    let input = &ExpositionInput {
        family: input.family,
        help: without_cr(&input.help),
        name: without_cr(&input.name),
        namespace: without_cr(&input.namespace),
        uid: without_cr(&input.uid),
        keys: input.keys.iter().map(|k| without_cr(k)).collect(),
        samples: input
            .samples
            .iter()
            .map(|(values, value)| (values.iter().map(|v| without_cr(v)).collect(), *value))
            .collect(),
    };
    let families = registered();
    let info = &families[usize::from(input.family) % families.len()];
    let help: &'static str = Box::leak(
        input
            .help
            .chars()
            .take(MAX_HELP)
            .collect::<String>()
            .into_boxed_str(),
    );
    let family: Family<()> = match info.metric_type {
        MetricType::Gauge => Family::gauge(info.stability, info.name, help, info.labels, |_, _| {}),
        MetricType::Counter => {
            Family::counter(info.stability, info.name, help, info.labels, |_, _| {})
        }
    };
    // As an API server sends it: a cluster-scoped object has no namespace.
    let namespaced = info.resource.namespaced();
    let meta = if namespaced {
        serde_json::json!({"metadata": {
            "name": input.name, "namespace": input.namespace, "uid": input.uid,
        }})
    } else {
        serde_json::json!({"metadata": {"name": input.name, "uid": input.uid}})
    };
    let identity = kinds::visit(info.resource, IdentityOf(meta));
    let identity_labels: Vec<(String, String)> = info
        .resource
        .info()
        .identity
        .iter()
        .map(|&label| {
            let value = match label {
                // A Namespace is named by `namespace`; other cluster-scoped
                // kinds that kube-state-metrics starts with `namespace`
                // (the admission kinds) have it empty.
                "namespace" if info.resource == Resource::Namespaces => input.name.clone(),
                "namespace" if namespaced => input.namespace.clone(),
                "namespace" => String::new(),
                "uid" => input.uid.clone(),
                // Read from the spec, which this object has none of.
                "signer_name" => String::new(),
                _ => input.name.clone(),
            };
            (label.to_owned(), value)
        })
        .collect();
    let keys: BTreeSet<&str> = input.keys.iter().map(String::as_str).collect();
    let everything = Allowlist::all();

    // Each sample as the writer takes it, and the labels it must read back
    // as; a label set already written is left out (a family never writes
    // one twice, and that is not the writer's to check).
    enum Labels {
        Values(Vec<String>),
        Exposed(Box<[(Str, Str)]>),
    }
    let mut samples = Vec::new();
    let mut seen = BTreeSet::new();
    for (values, value) in &input.samples {
        let value_at = |i: usize| values.get(i).cloned().unwrap_or_default();
        let (labels, mut expected) = if keys.is_empty() {
            let values: Vec<String> = (0..info.labels.len()).map(value_at).collect();
            let expected: Vec<(String, String)> = info
                .labels
                .iter()
                .map(|l| l.to_string())
                .zip(values.iter().cloned())
                .collect();
            (Labels::Values(values), expected)
        } else {
            let map: RawMap = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (Box::from(*k), value_at(i).into_boxed_str()))
                .collect();
            let exposed = everything
                .expose(info.resource, "label", &map, &[], Str::new)
                .expect("every kind is allowlisted");
            let expected = exposed
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            (Labels::Exposed(exposed), expected)
        };
        expected.extend(identity_labels.iter().cloned());
        expected.sort();
        let names: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names.len(),
            expected.len(),
            "a series repeats a label name: {expected:?}"
        );
        if !seen.insert(expected.clone()) {
            continue;
        }
        // Counters count: OpenMetrics forbids a negative or NaN one, and
        // no family writes one.
        let value = match info.metric_type {
            MetricType::Counter if value.is_nan() => 0.0,
            MetricType::Counter => value.abs(),
            MetricType::Gauge => *value,
        };
        samples.push((labels, expected, value));
    }

    for format in [Format::Text, Format::OpenMetrics] {
        let mut body = Vec::new();
        family.write_header(&mut body, format);
        for (labels, _, value) in &samples {
            let mut series = Series::new(&mut body, family.name, &family.label_prefixes, &identity);
            match labels {
                Labels::Values(values) => {
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    series.emit(&values, *value);
                }
                Labels::Exposed(pairs) => series.emit_pairs(&pairs[..], *value),
            }
        }
        if format == Format::OpenMetrics {
            body.extend_from_slice(b"# EOF\n");
        }
        let shown = String::from_utf8_lossy(&body);
        let parsed = parse(format, &body)
            .unwrap_or_else(|e| panic!("{format:?} does not parse: {e}\n{shown}"));
        let [parsed] = &parsed[..] else {
            panic!(
                "{format:?}: one family written, {} read\n{shown}",
                parsed.len()
            );
        };
        let name = match (format, info.metric_type) {
            (Format::OpenMetrics, MetricType::Counter) => {
                info.name.strip_suffix("_total").unwrap_or(info.name)
            }
            _ => info.name,
        };
        assert_eq!(parsed.name, name, "{format:?}\n{shown}");
        let metric_type = match info.metric_type {
            MetricType::Gauge => "gauge",
            MetricType::Counter => "counter",
        };
        assert_eq!(parsed.metric_type, metric_type, "{format:?}\n{shown}");
        let want_help = match info.stability {
            Stability::Stable => format!("[STABLE] {help}"),
            Stability::Experimental => help.to_owned(),
        };
        assert_eq!(parsed.help, want_help, "{format:?} HELP\n{shown}");
        let mut want: Vec<(&Vec<(String, String)>, f64)> =
            samples.iter().map(|(_, labels, v)| (labels, *v)).collect();
        want.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(parsed.samples.len(), want.len(), "{format:?}\n{shown}");
        for ((labels, value), (want_labels, want_value)) in parsed.samples.iter().zip(&want) {
            assert_eq!(labels, *want_labels, "{format:?}\n{shown}");
            assert!(
                same_value(*value, *want_value),
                "{format:?}: {want_value:?} was read back as {value:?}\n{shown}"
            );
        }
    }
}

// ---------------------------------------------------------------------
// Target `decode`.

/// How the API server wraps objects.
#[derive(Clone, Copy, Debug)]
enum Envelope {
    /// One object (a list page's item, a GET).
    Object,
    /// A list page: `{"kind":"PodList","metadata":{...},"items":[...]}`.
    List,
    /// A watch stream: one event a line.
    Watch,
}

/// Decodes `data`, a first line `<plural> <object|list|watch>` then the
/// JSON, as the watcher does, and renders each object decoded.
pub fn decode(data: &[u8]) {
    let Some(end) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let Some((plural, envelope)) = std::str::from_utf8(&data[..end])
        .ok()
        .and_then(|header| header.split_once(' '))
    else {
        return;
    };
    let Some(resource) = Resource::from_plural(plural) else {
        return;
    };
    let envelope = match envelope {
        "object" => Envelope::Object,
        "list" => Envelope::List,
        "watch" => Envelope::Watch,
        _ => return,
    };
    kinds::visit(
        resource,
        Decode {
            envelope,
            json: &data[end + 1..],
        },
    );
}

struct Decode<'a> {
    envelope: Envelope,
    json: &'a [u8],
}

impl KindVisitor for Decode<'_> {
    type Output = ();
    fn visit<T: Families>(self) {
        use kube::core::{ObjectList, WatchEvent};
        let objects: Vec<Wire<T>> = match self.envelope {
            Envelope::Object => serde_json::from_slice::<Wire<T>>(self.json)
                .into_iter()
                .collect(),
            Envelope::List => serde_json::from_slice::<ObjectList<Wire<T>>>(self.json)
                .map(|list| list.items)
                .unwrap_or_default(),
            Envelope::Watch => self
                .json
                .split(|&b| b == b'\n')
                .filter_map(|line| serde_json::from_slice::<WatchEvent<Wire<T>>>(line).ok())
                .filter_map(|event| match event {
                    WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                        Some(o)
                    }
                    WatchEvent::Bookmark(_) | WatchEvent::Error(_) => None,
                })
                .collect(),
        };
        for wire in objects {
            // What the watcher reads of an object it could not decode.
            let _ = (wire.name(), wire.namespace(), wire.uid());
            if let Ok(object) = wire.object {
                render_object(object);
            }
        }
    }
}

/// Stores `object` pruned with every label and annotation allowlisted and
/// renders every family of its kind, opt-in ones too, in both formats.
fn render_object<T: Families>(mut object: T) {
    let exposure = Exposure {
        labels: Allowlist::all(),
        annotations: Allowlist::all(),
        node_selectors: true,
    };
    object.prune(&exposure);
    let store = Arc::new(Store::<T>::default());
    store.apply(0, object);
    let every_family = FamilyFilter {
        opt_in: Some(regex::Regex::new("").expect("an empty regex")),
        ..FamilyFilter::default()
    };
    let kinds: Vec<Arc<dyn RenderKind>> = vec![Arc::new(KindRenderer::new(store, &every_family))];
    for format in [Format::Text, Format::OpenMetrics] {
        let mut body = Vec::new();
        render(
            RenderBudget::global(),
            &kinds,
            |_| true,
            format,
            Encoding::Identity,
            &mut |chunk| {
                body.extend_from_slice(&chunk);
                Ok(())
            },
        )
        .expect("the sink never fails");
        // A CR in an annotation: see `without_cr`.
        if body.contains(&b'\r') {
            continue;
        }
        match parse(format, &body) {
            // One object whose lists repeat an entry (two ownerReferences
            // to the same owner, two conditions of one type) gives the same
            // series twice, as in kube-state-metrics: an API server rejects
            // most such objects, and Prometheus drops the repeated sample.
            Ok(_) | Err(ParseError::DuplicateMetric) => {}
            Err(e) => panic!(
                "{format:?} of a decoded {} does not parse: {e}\n{}",
                T::RESOURCE,
                String::from_utf8_lossy(&body)
            ),
        }
    }
}

// ---------------------------------------------------------------------
// Target `flags`.

/// The flags that take lists.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ListFlag {
    Resources,
    MetricAllowlist,
    MetricDenylist,
    MetricOptInList,
    MetricLabelsAllowlist,
    MetricAnnotationsAllowlist,
}

impl ListFlag {
    fn name(self) -> &'static str {
        match self {
            ListFlag::Resources => "resources",
            ListFlag::MetricAllowlist => "metric-allowlist",
            ListFlag::MetricDenylist => "metric-denylist",
            ListFlag::MetricOptInList => "metric-opt-in-list",
            ListFlag::MetricLabelsAllowlist => "metric-labels-allowlist",
            ListFlag::MetricAnnotationsAllowlist => "metric-annotations-allowlist",
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct FlagsInput {
    /// Flags given as arbitrary text.
    pub flags: Vec<(ListFlag, String)>,
    /// A `--metric-labels-allowlist` written from its parts:
    /// `resource=[key,...],...`.
    pub allowlist: Vec<(String, Vec<String>)>,
}

/// At most this many flags of an input are given, so an input is one
/// command line rather than thousands of flags.
const MAX_FLAGS: usize = 4;

pub fn flags(input: &FlagsInput) {
    let given: Vec<(ListFlag, &str)> = input
        .flags
        .iter()
        .take(MAX_FLAGS)
        .map(|(flag, text)| (*flag, text.as_str()))
        .collect();
    if let Some(config) = validate(&given) {
        check_lists_mean_what_they_say(&given, &config);
    }
    check_allowlist_from_parts(&input.allowlist);
}

/// Parses and validates `kubestate --flag=text ...`. `None` when clap
/// itself refuses the command line (a flag given twice); a validation
/// error must be one line naming one of the flags given.
fn validate(given: &[(ListFlag, &str)]) -> Option<kubestate::config::Config> {
    let argv = std::iter::once("kubestate".to_owned()).chain(
        given
            .iter()
            .map(|(flag, text)| format!("--{}={text}", flag.name())),
    );
    let cli = <Cli as clap::Parser>::try_parse_from(argv).ok()?;
    match cli.exporter.validate() {
        Ok(config) => Some(config),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "not one line: {message:?}");
            assert!(
                given.iter().any(|(flag, _)| flag.name() == e.flag),
                "{message:?} names a flag not given: {given:?}"
            );
            None
        }
    }
}

fn check_lists_mean_what_they_say(given: &[(ListFlag, &str)], config: &kubestate::config::Config) {
    for (flag, text) in given {
        let items: Vec<&str> = text.split(',').map(str::trim).collect();
        match flag {
            // The kinds chosen, written back as a flag, choose the same.
            ListFlag::Resources => {
                let plurals: Vec<&str> = config.resources.iter().map(|r| r.plural()).collect();
                let again = validate(&[(ListFlag::Resources, &plurals.join(","))])
                    .expect("the kinds chosen are valid");
                assert_eq!(again.resources, config.resources, "{text:?}");
            }
            // A family named as it is is served, or left out.
            ListFlag::MetricAllowlist | ListFlag::MetricDenylist => {
                for family in registered().iter().filter(|f| items.contains(&f.name)) {
                    let served = config.families.enables(family.name, false);
                    let want = matches!(flag, ListFlag::MetricAllowlist);
                    assert_eq!(served, want, "{flag:?} {text:?}: {}", family.name);
                }
            }
            ListFlag::MetricOptInList
            | ListFlag::MetricLabelsAllowlist
            | ListFlag::MetricAnnotationsAllowlist => {}
        }
    }
}

/// Whether a key (trimmed) is one `--metric-labels-allowlist` accepts.
fn valid_key(key: &str) -> bool {
    let key = key.trim();
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./*".contains(&b))
}

/// An allowlist written from valid parts parses, and exposes each key it
/// lists on each kind it names; one with an invalid part is refused.
fn check_allowlist_from_parts(parts: &[(String, Vec<String>)]) {
    let parts = &parts[..parts.len().min(MAX_FLAGS)];
    let text = parts
        .iter()
        .map(|(resource, keys)| format!("{resource}=[{}]", keys.join(",")))
        .collect::<Vec<_>>()
        .join(",");
    let valid = parts.iter().all(|(resource, keys)| {
        let resource = resource.trim();
        // A name that is no kind is refused (a typo would otherwise
        // silently allow nothing).
        let resource_ok = resource == "*" || Resource::from_plural(resource).is_some();
        // A key holding a comma is two keys once written out.
        let written = keys.join(",");
        let keys_ok = written.trim().is_empty() || written.split(',').all(valid_key);
        resource_ok && keys_ok
    });
    let config = validate(&[(ListFlag::MetricLabelsAllowlist, &text)]);
    assert_eq!(config.is_some(), valid, "{text:?}");
    let Some(config) = config else {
        return;
    };
    let every_kind = parts.iter().any(|(resource, _)| resource.trim() == "*");
    for (resource, keys) in parts {
        let Some(kind) = Resource::from_plural(resource.trim()) else {
            continue;
        };
        for key in keys
            .iter()
            .flat_map(|k| k.split(','))
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            let map: RawMap = Box::new([(Box::from(key), Box::from("v"))]);
            let exposed = config
                .exposure
                .labels
                .expose(kind, "label", &map, &[], Str::new);
            // `*=[...]` replaces what the named kinds list.
            if every_kind {
                assert!(exposed.is_some(), "{text:?}: {kind} not allowlisted");
                continue;
            }
            let exposed = exposed.unwrap_or_else(|| panic!("{text:?}: {kind} not allowlisted"));
            assert!(
                exposed.iter().any(|(_, v)| &**v == "v"),
                "{text:?}: {key:?} of {kind} is not exposed"
            );
        }
    }
}

/// The `--tls-config` file: any text parses to a configuration or to an
/// error of one line (the exporter prints it as its one line before exit
/// 2), and the same text always gives the same configuration.
pub fn web_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match kubestate::server::web_config::parse_web_config(text) {
        Ok(config) => {
            let again = kubestate::server::web_config::parse_web_config(text)
                .expect("the same text parses again");
            assert_eq!(config, again, "parsing is not deterministic");
        }
        Err(error) => assert!(
            !error.0.contains('\n'),
            "an error of more than one line: {:?}",
            error.0
        ),
    }
}
