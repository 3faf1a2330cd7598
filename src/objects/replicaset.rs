//! The fields of a ReplicaSet (and of a ReplicationController, which has
//! the same spec and status counts) that their families read.

use super::Object;
use super::meta::Meta;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplicaSet {
    pub metadata: Meta,
    pub spec: ReplicaSpec,
    pub status: ReplicaStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSpec {
    /// `None` when the field is absent: the family then has no series.
    pub replicas: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaStatus {
    pub replicas: i32,
    pub fully_labeled_replicas: i32,
    pub ready_replicas: i32,
    pub available_replicas: i32,
    /// Set only by clusters with the DeploymentReplicaSetTerminatingReplicas
    /// feature (1.33+); absent means no series.
    pub terminating_replicas: Option<i32>,
    pub observed_generation: i64,
}

impl Object for ReplicaSet {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
