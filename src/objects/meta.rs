//! The parts of `metadata` and of status conditions that families read.

use super::expose::{Exposed, Exposure, RawMap, WITHHELD_ANNOTATIONS};
use super::strings::{Internable, Interned, Interner, Sharable, Shared, null_as_default};
use super::time::Timestamp;
use super::{Resource, Str};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "WireMeta")]
pub struct Meta {
    pub name: Box<str>,
    pub namespace: Str,
    pub uid: Box<str>,
    pub creation_timestamp: Timestamp,
    pub deletion_timestamp: Timestamp,
    pub generation: Option<i64>,
    /// Shared: the pods of a ReplicaSet have equal ones.
    pub owner_references: Shared<OwnerRef>,
    /// `None` when the object has neither labels nor annotations, or once
    /// `expose` kept none of them: most stored objects then carry one
    /// word for the four maps.
    tags: Option<Box<Tags>>,
}

/// Labels and annotations: as decoded until `expose` keeps only what the
/// families serve.
#[derive(Clone, Debug, Default)]
struct Tags {
    labels: RawMap,
    annotations: RawMap,
    /// What `kube_<kind>_labels` serves, set by `expose`.
    exposed_labels: Exposed<Str>,
    /// What `kube_<kind>_annotations` serves: values are not interned,
    /// annotations rarely repeat.
    exposed_annotations: Exposed<Box<str>>,
}

impl Tags {
    fn boxed_unless_empty(self) -> Option<Box<Tags>> {
        let empty = self.labels.is_empty()
            && self.annotations.is_empty()
            && self.exposed_labels.is_none()
            && self.exposed_annotations.is_none();
        (!empty).then(|| Box::new(self))
    }
}

/// `metadata` as the API server sends it.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireMeta {
    #[serde(deserialize_with = "null_as_default")]
    name: Box<str>,
    #[serde(deserialize_with = "null_as_default")]
    namespace: Str,
    #[serde(deserialize_with = "null_as_default")]
    uid: Box<str>,
    creation_timestamp: Timestamp,
    deletion_timestamp: Timestamp,
    generation: Option<i64>,
    #[serde(deserialize_with = "deserialize_map")]
    labels: RawMap,
    #[serde(deserialize_with = "deserialize_map")]
    annotations: RawMap,
    #[serde(deserialize_with = "null_as_default")]
    owner_references: Shared<OwnerRef>,
}

impl From<WireMeta> for Meta {
    fn from(wire: WireMeta) -> Self {
        Meta {
            name: wire.name,
            namespace: wire.namespace,
            uid: wire.uid,
            creation_timestamp: wire.creation_timestamp,
            deletion_timestamp: wire.deletion_timestamp,
            generation: wire.generation,
            owner_references: wire.owner_references,
            tags: Tags {
                labels: wire.labels,
                annotations: wire.annotations,
                ..Tags::default()
            }
            .boxed_unless_empty(),
        }
    }
}

impl Meta {
    /// The labels as decoded; empty once `expose` ran.
    pub fn labels(&self) -> &[(Box<str>, Box<str>)] {
        self.tags.as_ref().map_or(&[], |t| &t.labels)
    }

    /// The annotations as decoded; empty once `expose` ran.
    pub fn annotations(&self) -> &[(Box<str>, Box<str>)] {
        self.tags.as_ref().map_or(&[], |t| &t.annotations)
    }

    /// Drops the decoded annotations `keep` refuses, before `expose`.
    pub fn retain_annotations(&mut self, keep: impl Fn(&str) -> bool) {
        if let Some(tags) = &mut self.tags {
            let kept: Vec<_> = std::mem::take(&mut tags.annotations)
                .into_vec()
                .into_iter()
                .filter(|(k, _)| keep(k))
                .collect();
            tags.annotations = kept.into_boxed_slice();
        }
    }

    /// What `kube_<kind>_labels` serves.
    pub fn exposed_labels(&self) -> &Exposed<Str> {
        self.tags.as_ref().map_or(&None, |t| &t.exposed_labels)
    }

    /// What `kube_<kind>_annotations` serves.
    pub fn exposed_annotations(&self) -> &Exposed<Box<str>> {
        self.tags.as_ref().map_or(&None, |t| &t.exposed_annotations)
    }

    /// Keeps only the allowlisted labels and annotations, renamed for
    /// Prometheus, and drops the raw maps.
    pub fn expose(&mut self, resource: Resource, exposure: &Exposure) {
        let exposed_labels =
            exposure
                .labels
                .expose(resource, "label", self.labels(), &[], Str::new);
        let exposed_annotations = exposure.annotations.expose(
            resource,
            "annotation",
            self.annotations(),
            WITHHELD_ANNOTATIONS,
            |v| Box::from(v),
        );
        self.tags = Tags {
            exposed_labels,
            exposed_annotations,
            ..Tags::default()
        }
        .boxed_unless_empty();
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

/// A status condition (pod, node, deployment): 24 bytes, its type and
/// reason (few distinct pairs across a cluster) kept once behind one
/// pointer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "WireCondition")]
pub struct Condition {
    text: Interned<ConditionText>,
    pub last_transition_time: Timestamp,
    pub status: ConditionStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConditionText {
    type_: Str,
    reason: Str,
}

impl Internable for ConditionText {
    fn interner() -> &'static Interner<Self> {
        static CONDITION_TEXTS: Interner<ConditionText> = Interner::new();
        &CONDITION_TEXTS
    }
}

impl Condition {
    pub fn type_(&self) -> &Str {
        &self.text.type_
    }

    pub fn reason(&self) -> &Str {
        &self.text.reason
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WireCondition {
    #[serde(rename = "type")]
    type_: Str,
    status: ConditionStatus,
    #[serde(deserialize_with = "null_as_default")]
    reason: Str,
    last_transition_time: Timestamp,
}

impl From<WireCondition> for Condition {
    fn from(wire: WireCondition) -> Self {
        Condition {
            text: Interned::new(ConditionText {
                type_: wire.type_,
                reason: wire.reason,
            }),
            last_transition_time: wire.last_transition_time,
            status: wire.status,
        }
    }
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
    conditions.iter().find(|c| &**c.type_() == type_)
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
