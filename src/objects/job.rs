//! The fields of a Job that the job families read.

use super::Object;
use super::meta::{Condition, Meta};
use super::time::deserialize_timestamp;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Job {
    pub metadata: Meta,
    pub spec: JobSpec,
    pub status: JobStatus,
}

/// `None` where kube-state-metrics serves no series for a nil field.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobSpec {
    pub parallelism: Option<i32>,
    pub completions: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobStatus {
    pub active: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub ready: Option<i32>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub start_time: Option<f64>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub completion_time: Option<f64>,
    pub conditions: Box<[Condition]>,
}

impl Object for Job {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
