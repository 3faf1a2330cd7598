//! The fields of a ReplicationController that its families read: the
//! ReplicaSet's spec and status shapes.

use super::Object;
use super::meta::Meta;
use super::replicaset::{ReplicaSpec, ReplicaStatus};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplicationController {
    pub metadata: Meta,
    pub spec: ReplicaSpec,
    pub status: ReplicaStatus,
}

impl Object for ReplicationController {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
