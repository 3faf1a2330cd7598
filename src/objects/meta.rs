//! The parts of `metadata` and of status conditions that families read.

use super::Str;
use super::strings::null_as_default;
use super::time::deserialize_timestamp;
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
    #[serde(deserialize_with = "deserialize_pairs")]
    pub labels: Box<[(Str, Str)]>,
    #[serde(deserialize_with = "null_as_default")]
    pub owner_references: Box<[OwnerRef]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerRef {
    pub kind: Str,
    pub name: Str,
    pub controller: Option<bool>,
}

/// A string map (labels, annotations, nodeSelector) as pairs sorted by key.
pub(crate) fn deserialize_pairs<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Box<[(Str, Str)]>, D::Error> {
    let map = Option::<BTreeMap<Str, Str>>::deserialize(deserializer)?.unwrap_or_default();
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
