//! The fields of a DaemonSet that the daemonset families read.

use super::Object;
use super::meta::Meta;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DaemonSet {
    pub metadata: Meta,
    pub status: DaemonSetStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DaemonSetStatus {
    pub current_number_scheduled: i32,
    pub desired_number_scheduled: i32,
    pub number_available: i32,
    pub number_misscheduled: i32,
    pub number_ready: i32,
    pub number_unavailable: i32,
    pub observed_generation: i64,
    pub updated_number_scheduled: i32,
}

impl Object for DaemonSet {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
