//! The parts of `metadata` and of status conditions that families read.

use super::expose::{Exposed, Exposure, RawMap, WITHHELD_ANNOTATIONS};
use super::strings::null_as_default;
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
    #[serde(deserialize_with = "null_as_default")]
    pub owner_references: Box<[OwnerRef]>,
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

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerRef {
    pub kind: Str,
    pub name: Str,
    pub controller: Option<bool>,
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
