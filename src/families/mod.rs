//! Metric families as data: each is a name, a help line, its label names
//! and a small function from an object to its series. One file per kind
//! lists that kind's families; adding a family is adding one definition.

mod admission;
mod certificatesigningrequest;
mod configmap;
mod cronjob;
mod daemonset;
mod deployment;
mod endpoints;
mod endpointslice;
mod horizontalpodautoscaler;
mod ingress;
mod ingressclass;
mod job;
mod lease;
mod limitrange;
mod mutatingadmissionpolicy;
mod mutatingadmissionpolicybinding;
mod mutatingwebhookconfiguration;
mod namespace;
mod networkpolicy;
mod node;
mod persistentvolume;
mod persistentvolumeclaim;
mod pod;
mod poddisruptionbudget;
mod rbac;
mod replicaset;
mod replicationcontroller;
mod resourcequota;
mod secret;
mod service;
mod serviceaccount;
mod statefulset;
mod storageclass;
mod validatingadmissionpolicy;
mod validatingadmissionpolicybinding;
mod validatingwebhookconfiguration;
mod volumeattachment;

use crate::exposition::{Format, write_float, write_help, write_label_value};
use crate::objects::{ConditionStatus, Exposed, Object};
use Stability::{Experimental, Stable};
use regex::Regex;
use std::ops::Deref;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricType {
    Gauge,
    Counter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Experimental,
}

pub struct Family<T> {
    pub name: &'static str,
    pub help: &'static str,
    pub metric_type: MetricType,
    pub stability: Stability,
    /// Label names after the kind's identity labels, in order.
    pub labels: &'static [&'static str],
    /// `,label="` for each label, built once so a series copies one piece
    /// per label instead of three.
    pub label_prefixes: Box<[Box<str>]>,
    /// Served only when named in `--metric-opt-in-list`.
    pub opt_in: bool,
    pub series: fn(&T, &mut Series<'_>),
}

impl<T> Family<T> {
    pub fn gauge(
        stability: Stability,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        series: fn(&T, &mut Series<'_>),
    ) -> Self {
        Family {
            name,
            help,
            metric_type: MetricType::Gauge,
            stability,
            labels,
            label_prefixes: labels.iter().map(|l| format!(",{l}=\"").into()).collect(),
            opt_in: false,
            series,
        }
    }

    pub fn opt_in(self) -> Self {
        Family {
            opt_in: true,
            ..self
        }
    }

    pub fn counter(
        stability: Stability,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        series: fn(&T, &mut Series<'_>),
    ) -> Self {
        Family {
            metric_type: MetricType::Counter,
            ..Family::gauge(stability, name, help, labels, series)
        }
    }

    /// `# HELP` and `# TYPE`. OpenMetrics names a counter family without
    /// its `_total` suffix; its samples keep it.
    pub fn write_header(&self, buf: &mut Vec<u8>, format: Format) {
        let name = match (format, self.metric_type) {
            (Format::OpenMetrics, MetricType::Counter) => {
                self.name.strip_suffix("_total").unwrap_or(self.name)
            }
            _ => self.name,
        };
        buf.extend_from_slice(b"# HELP ");
        buf.extend_from_slice(name.as_bytes());
        buf.push(b' ');
        if self.stability == Stability::Stable {
            buf.extend_from_slice(b"[STABLE] ");
        }
        write_help(buf, self.help);
        buf.extend_from_slice(b"\n# TYPE ");
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(match self.metric_type {
            MetricType::Gauge => b" gauge\n",
            MetricType::Counter => b" counter\n",
        });
    }
}

/// Writes one object's samples of one family.
pub struct Series<'a> {
    buf: &'a mut Vec<u8>,
    name: &'static str,
    label_prefixes: &'a [Box<str>],
    /// The object's identity labels, already escaped: `namespace="a",pod="b"`.
    identity: &'a str,
}

impl<'a> Series<'a> {
    pub fn new(
        buf: &'a mut Vec<u8>,
        name: &'static str,
        label_prefixes: &'a [Box<str>],
        identity: &'a str,
    ) -> Self {
        Series {
            buf,
            name,
            label_prefixes,
            identity,
        }
    }

    /// One sample; `values` pair up with the family's label names. The hot
    /// path of every scrape: one copy per piece of text.
    pub fn emit(&mut self, values: &[&str], value: f64) {
        debug_assert_eq!(values.len(), self.label_prefixes.len(), "{}", self.name);
        let buf = &mut *self.buf;
        buf.extend_from_slice(self.name.as_bytes());
        if !self.identity.is_empty() || !values.is_empty() {
            buf.push(b'{');
            buf.extend_from_slice(self.identity.as_bytes());
            for (i, (prefix, value)) in self.label_prefixes.iter().zip(values).enumerate() {
                let prefix = prefix.as_bytes();
                // Without identity labels the first label has no comma.
                let prefix = if i == 0 && self.identity.is_empty() {
                    &prefix[1..]
                } else {
                    prefix
                };
                buf.extend_from_slice(prefix);
                write_label_value(buf, value);
                buf.push(b'"');
            }
            buf.push(b'}');
        }
        buf.push(b' ');
        write_float(buf, value);
        buf.push(b'\n');
    }

    /// One sample whose label names are only known at run time (allowlisted
    /// Kubernetes labels), given as name/value pairs.
    pub fn emit_pairs<N: Deref<Target = str>, V: Deref<Target = str>>(
        &mut self,
        pairs: &[(N, V)],
        value: f64,
    ) {
        self.write(pairs.iter().map(|(n, v)| (&**n, &**v)), value);
    }

    fn write<'v>(&mut self, pairs: impl Iterator<Item = (&'v str, &'v str)>, value: f64) {
        let buf = &mut *self.buf;
        buf.extend_from_slice(self.name.as_bytes());
        let mut first = true;
        if !self.identity.is_empty() {
            buf.push(b'{');
            buf.extend_from_slice(self.identity.as_bytes());
            first = false;
        }
        for (name, value) in pairs {
            buf.push(if first { b'{' } else { b',' });
            first = false;
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(b"=\"");
            write_label_value(buf, value);
            buf.push(b'"');
        }
        if !first {
            buf.push(b'}');
        }
        buf.push(b' ');
        write_float(buf, value);
        buf.push(b'\n');
    }

    /// One series per possible value, 1 for the current one and 0 for the
    /// rest (phases, QoS classes, service types).
    pub fn one_hot(&mut self, possible: &[&str], current: &str) {
        for value in possible {
            self.emit(&[value], f64::from(*value == current));
        }
    }

    /// A condition as three series `true`/`false`/`unknown`, exactly one 1;
    /// `leading` are the family's labels before `status`/`condition`.
    pub fn condition(&mut self, leading: &[&str], status: ConditionStatus) {
        // A stack array rather than a Vec: this runs for every condition of
        // every object on every scrape.
        let mut values = [""; 4];
        let n = leading.len();
        values[..n].copy_from_slice(leading);
        for (label, is) in [
            ("true", ConditionStatus::True),
            ("false", ConditionStatus::False),
            ("unknown", ConditionStatus::Unknown),
        ] {
            values[n] = label;
            self.emit(&values[..=n], f64::from(status == is));
        }
    }

    /// A value only if it is there (timestamps, optional counts).
    pub fn emit_some(&mut self, value: Option<f64>) {
        if let Some(value) = value {
            self.emit(&[], value);
        }
    }

    /// One series with the object's exposed pairs, none if the kind is not
    /// allowlisted.
    pub fn exposed<V: Deref<Target = str>>(&mut self, exposed: &Exposed<V>) {
        if let Some(pairs) = exposed {
            self.emit_pairs(pairs, 1.0);
        }
    }
}

/// Turns a bool into the 1/0 of a gauge.
pub fn bool_value(b: bool) -> f64 {
    f64::from(u8::from(b))
}

/// The identity labels of an object (its kind's, from the registry),
/// escaped once when it is stored so that rendering copies them as they are.
pub fn render_identity<T: Object>(object: &T) -> Box<str> {
    let meta = object.meta();
    let identity = T::RESOURCE.info().identity;
    // A Namespace's only identity label is its own name.
    let namespace_is_name = identity == ["namespace"];
    let mut buf = Vec::new();
    for (i, name) in identity.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let value: &str = match *name {
            "namespace" if !namespace_is_name => &meta.namespace,
            "uid" => &meta.uid,
            label => object.identity_label(label).unwrap_or(&meta.name),
        };
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(b"=\"");
        write_label_value(&mut buf, value);
        buf.push(b'"');
    }
    String::from_utf8(buf)
        .expect("escaping keeps UTF-8 intact")
        .into_boxed_str()
}

/// The families of a kind, in the order they are served.
pub trait Families: Object {
    fn families() -> Vec<Family<Self>>;
}

// Families every kind has, written once; each kind lists them under its
// own names.

pub fn created<T: Object>(name: &'static str) -> Family<T> {
    Family::gauge(Stable, name, "Unix creation timestamp", &[], |o, out| {
        out.emit_some(o.meta().creation_timestamp.get())
    })
}

pub fn deletion_timestamp<T: Object>(name: &'static str) -> Family<T> {
    Family::gauge(
        Experimental,
        name,
        "Unix deletion timestamp",
        &[],
        |o, out| out.emit_some(o.meta().deletion_timestamp.get()),
    )
}

/// `kube_<kind>_labels`: the allowlisted Kubernetes labels as `label_*`.
pub fn labels<T: Object>(name: &'static str) -> Family<T> {
    Family::gauge(
        Stable,
        name,
        "Kubernetes labels converted to Prometheus labels.",
        &[],
        |o, out| out.exposed(o.meta().exposed_labels()),
    )
}

/// `kube_<kind>_annotations`: the allowlisted annotations as `annotation_*`.
pub fn annotations<T: Object>(name: &'static str) -> Family<T> {
    Family::gauge(
        Experimental,
        name,
        "Kubernetes annotations converted to Prometheus labels.",
        &[],
        |o, out| out.exposed(o.meta().exposed_annotations()),
    )
}

// ---------------------------------------------------------------------
// Shared shapes of several kinds: generations, owners, stabilities.

impl<T> Family<T> {
    /// The same family with another stability: kube-state-metrics marks
    /// some kinds' `_annotations` or `_deletion_timestamp` STABLE where the
    /// shared generators say EXPERIMENTAL.
    pub fn with_stability(self, stability: Stability) -> Self {
        Family { stability, ..self }
    }
}

/// `kube_<kind>_metadata_generation`: metadata.generation, 0 when unset.
pub fn metadata_generation<T: Object>(name: &'static str, help: &'static str) -> Family<T> {
    Family::gauge(Stable, name, help, &[], |o, out| {
        out.emit(&[], o.meta().generation.unwrap_or(0) as f64)
    })
}

/// `kube_<kind>_owner` with `owner_is_controller`: one series per
/// ownerReference (`false` when `controller` is unset), or one with empty
/// values for an object without owners.
pub fn owner<T: Object>(stability: Stability, name: &'static str, help: &'static str) -> Family<T> {
    Family::gauge(
        stability,
        name,
        help,
        &["owner_kind", "owner_name", "owner_is_controller"],
        |o, out| {
            let owners = &o.meta().owner_references;
            if owners.is_empty() {
                return out.emit(&["", "", ""], 1.0);
            }
            for owner in owners.iter() {
                let is_controller = match owner.controller {
                    Some(true) => "true",
                    _ => "false",
                };
                out.emit(&[&owner.kind, &owner.name, is_controller], 1.0);
            }
        },
    )
}

// ---------------------------------------------------------------------

// ---------------------------------------------------------------- shared by namespaces, claims, ...
// Shapes several kinds share (added with the namespace, quota and storage
// kinds).

impl<T> Family<T> {
    /// The same family at ALPHA stability: some kinds serve `*_created`
    /// as ALPHA where most serve it STABLE.
    pub fn experimental(self) -> Self {
        Family {
            stability: Experimental,
            ..self
        }
    }
}

impl Series<'_> {
    /// `condition`, `status` series of every condition in a status list,
    /// three per condition (the `kube_<kind>_status_condition` shape of
    /// namespaces and claims).
    pub fn conditions(&mut self, conditions: &[crate::objects::Condition]) {
        for c in conditions {
            self.condition(&[c.type_()], c.status);
        }
    }
}

// ---------------------------------------------------------------- shared by config maps, secrets, RBAC
// Shapes of the configuration and RBAC kinds.

/// `kube_<kind>_info` with no labels of its own: the object exists.
pub fn info<T: Object>(stability: Stability, name: &'static str, help: &'static str) -> Family<T> {
    Family::gauge(stability, name, help, &[], |_, out| out.emit(&[], 1.0))
}

/// `kube_<kind>_metadata_resource_version`: metadata.resourceVersion as a
/// number, no series when it is not one (ALPHA in kube-state-metrics for
/// every kind that has it).
pub fn metadata_resource_version<T: Object + crate::objects::ResourceVersioned>(
    name: &'static str,
    help: &'static str,
) -> Family<T> {
    Family::gauge(Experimental, name, help, &[], |o, out| {
        out.emit_some(o.resource_version())
    })
}

/// `--metric-allowlist`, `--metric-denylist` and `--metric-opt-in-list`,
/// each one anchored regex (`^(?:a|b)$`) over family names.
#[derive(Clone, Debug, Default)]
pub struct FamilyFilter {
    pub allow: Option<Regex>,
    pub deny: Option<Regex>,
    pub opt_in: Option<Regex>,
}

impl FamilyFilter {
    pub fn keeps<T>(&self, family: &Family<T>) -> bool {
        self.enables(family.name, family.opt_in)
    }

    /// Whether a family of that name (opt-in or not) is served.
    pub fn enables(&self, name: &str, opt_in: bool) -> bool {
        let opted_in = !opt_in || self.opt_in.as_ref().is_some_and(|r| r.is_match(name));
        let allowed = self.allow.as_ref().is_none_or(|r| r.is_match(name));
        let denied = self.deny.as_ref().is_some_and(|r| r.is_match(name));
        opted_in && allowed && !denied
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Renders an object's families to text, for the per-kind tests.
    use super::*;
    pub use crate::objects::{Allowlist, Exposure};

    /// The series (not the headers) of the named family for one object,
    /// pruned as the cache would with no allowlist, sorted, as text lines.
    pub fn series_of<T: Families>(object: &T, family: &str) -> Vec<String> {
        series_exposed(object, family, &Exposure::default())
    }

    /// The same, pruned with the given allowlists.
    pub fn series_exposed<T: Families>(
        object: &T,
        family: &str,
        exposure: &Exposure,
    ) -> Vec<String> {
        let mut object = object.clone();
        object.prune(exposure);
        let object = &object;
        let families = T::families();
        let family = families
            .iter()
            .find(|f| f.name == family)
            .unwrap_or_else(|| panic!("no family {family}"));
        let identity = render_identity(object);
        let mut buf = Vec::new();
        (family.series)(
            object,
            &mut Series::new(&mut buf, family.name, &family.label_prefixes, &identity),
        );
        let mut lines: Vec<String> = String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    }

    /// Hand-written expected lines written without the kind's identity
    /// labels (`kube_job_owner{owner_kind="CronJob",owner_name="x"} 1`,
    /// `kube_job_created 1.6e+09`), completed with the object's identity
    /// labels and sorted like `series_of`.
    pub fn with_identity<T: Object>(object: &T, lines: &[&str]) -> Vec<String> {
        let identity = render_identity(object);
        let mut lines: Vec<String> = lines
            .iter()
            .map(|line| {
                let name_end = line.find([' ', '{']).unwrap_or(line.len());
                let (name, rest) = line.split_at(name_end);
                match rest.strip_prefix('{') {
                    Some(labels) if labels.starts_with('}') => {
                        format!("{name}{{{identity}{labels}")
                    }
                    Some(labels) => format!("{name}{{{identity},{labels}"),
                    None => format!("{name}{{{identity}}}{rest}"),
                }
            })
            .collect();
        lines.sort();
        lines
    }

    /// Sorts hand-written expected lines the same way.
    pub fn sorted(lines: &[&str]) -> Vec<String> {
        let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        lines.sort();
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::render_identity;
    use super::testing::with_identity;
    use crate::objects::{Deployment, Node, Object, Pod, Service};

    fn decode<T: Object>() -> T {
        serde_json::from_str(r#"{"metadata":{"name":"web","namespace":"shop","uid":"u-1"}}"#)
            .expect("decodes")
    }

    #[test]
    fn identity_labels_follow_kube_state_metrics_per_kind() {
        let cases = [
            (
                render_identity(&decode::<Deployment>()),
                r#"namespace="shop",deployment="web""#,
            ),
            (render_identity(&decode::<Node>()), r#"node="web""#),
            (
                render_identity(&decode::<Pod>()),
                r#"namespace="shop",pod="web",uid="u-1""#,
            ),
            (
                render_identity(&decode::<Service>()),
                r#"namespace="shop",service="web",uid="u-1""#,
            ),
        ];
        for (identity, want) in cases {
            assert_eq!(&*identity, want);
        }
    }

    #[test]
    fn expected_lines_gain_the_identity_in_front() {
        let node = decode::<Node>();
        assert_eq!(
            with_identity(
                &node,
                &[
                    "kube_node_created 1",
                    "kube_node_info{kernel_version=\"6\"} 1",
                    "kube_node_labels{} 1",
                ]
            ),
            [
                "kube_node_created{node=\"web\"} 1",
                "kube_node_info{node=\"web\",kernel_version=\"6\"} 1",
                "kube_node_labels{node=\"web\"} 1",
            ]
        );
    }
}
