//! The fields of a StatefulSet that the statefulset families read.

use super::meta::Meta;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatefulSet {
    pub metadata: Meta,
    pub spec: StatefulSetSpec,
    pub status: StatefulSetStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetSpec {
    /// `None` when the field is absent: the family then has no series.
    pub replicas: Option<i32>,
    /// `None` without spec.ordinals (no series); an ordinals object
    /// without `start` means 0.
    pub ordinals: Option<Ordinals>,
    #[serde(rename = "persistentVolumeClaimRetentionPolicy")]
    pub pvc_retention_policy: Option<RetentionPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Ordinals {
    pub start: i32,
}

/// `Retain` or `Delete` each; empty when unset.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetentionPolicy {
    pub when_deleted: Str,
    pub when_scaled: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetStatus {
    pub replicas: i32,
    pub available_replicas: i32,
    pub current_replicas: i32,
    pub ready_replicas: i32,
    pub updated_replicas: i32,
    pub observed_generation: i64,
    /// Revision names are unique per StatefulSet and change with each
    /// rollout: not worth interning.
    pub current_revision: Box<str>,
    pub update_revision: Box<str>,
}

impl Object for StatefulSet {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
