//! The parts of `metadata` and of status conditions that families read.

use super::expose::{Exposed, Exposure, RawMap, WITHHELD_ANNOTATIONS};
use super::strings::{Interner, Sharable, Shared, null_as_default};
use super::time::deserialize_timestamp;
use super::{Resource, Str};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Meta {
    #[serde(deserialize_with = "null_as_default")]
    pub name: Box<str>,
    #[serde(deserialize_with = "null_as_default")]
    pub namespace: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub uid: Box<str>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub creation_timestamp: Option<f64>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub deletion_timestamp: Option<f64>,
    pub generation: Option<i64>,
    /// As decoded; emptied by `expose` before the object is stored.
    #[serde(deserialize_with = "deserialize_map")]
    pub labels: RawMap,
    #[serde(deserialize_with = "deserialize_map")]
    pub annotations: RawMap,
    /// What `kube_<kind>_labels` serves, set by `expose`.
    #[serde(skip)]
    pub exposed_labels: Exposed<Str>,
    /// What `kube_<kind>_annotations` serves: values are not interned,
    /// annotations rarely repeat.
    #[serde(skip)]
    pub exposed_annotations: Exposed<Box<str>>,
    /// Shared: the pods of a ReplicaSet have equal ones.
    #[serde(deserialize_with = "null_as_default")]
    pub owner_references: Shared<OwnerRef>,
}

impl Meta {
    /// Keeps only the allowlisted labels and annotations, renamed for
    /// Prometheus, and drops the raw maps.
    pub fn expose(&mut self, resource: Resource, exposure: &Exposure) {
        self.exposed_labels =
            exposure
                .labels
                .expose(resource, "label", &self.labels, &[], Str::new);
        self.exposed_annotations = exposure.annotations.expose(
            resource,
            "annotation",
            &self.annotations,
            WITHHELD_ANNOTATIONS,
            |v| Box::from(v),
        );
        self.labels = RawMap::default();
        self.annotations = RawMap::default();
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerRef {
    pub kind: Str,
    pub name: Str,
    pub controller: Option<bool>,
}

impl Sharable for OwnerRef {
    fn interner() -> &'static Interner<[Self]> {
        static OWNER_REFERENCES: Interner<[OwnerRef]> = Interner::new();
        &OWNER_REFERENCES
    }
}

/// A string map (labels, annotations, nodeSelector) as pairs sorted by key.
pub(crate) fn deserialize_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<RawMap, D::Error> {
    let map =
        Option::<BTreeMap<Box<str>, Box<str>>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(map.into_iter().collect())
}

/// A status condition (pod, node, deployment).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: Str,
    pub status: ConditionStatus,
    #[serde(deserialize_with = "null_as_default")]
    pub reason: Str,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub last_transition_time: Option<f64>,
}

/// `True`, `False` or anything else, which Kubernetes calls `Unknown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConditionStatus {
    True,
    False,
    #[default]
    Unknown,
}

impl<'de> Deserialize<'de> for ConditionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(match text.as_deref() {
            Some("True") => ConditionStatus::True,
            Some("False") => ConditionStatus::False,
            _ => ConditionStatus::Unknown,
        })
    }
}

/// The condition of the given type, if the object has it.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| &*c.type_ == type_)
}

/// `Meta` plus metadata.resourceVersion as a number, for the kinds that
/// serve `kube_<kind>_metadata_resource_version`; the other kinds skip it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawVersionedMeta")]
pub struct VersionedMeta {
    pub meta: Meta,
    /// `None` when it is not a number: kube-state-metrics then serves no
    /// series.
    pub resource_version: Option<f64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVersionedMeta {
    #[serde(flatten)]
    meta: Meta,
    #[serde(default)]
    resource_version: Option<Box<str>>,
}

impl From<RawVersionedMeta> for VersionedMeta {
    fn from(raw: RawVersionedMeta) -> Self {
        VersionedMeta {
            meta: raw.meta,
            resource_version: raw.resource_version.as_deref().and_then(go_parse_float),
        }
    }
}

/// What Go's `strconv.ParseFloat` accepts of a resourceVersion (in
/// practice a decimal integer); Rust's parser also takes `inf`/`nan`
/// spellings Go does too, so only the empty string needs care.
fn go_parse_float(text: &str) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    text.parse().ok()
}
