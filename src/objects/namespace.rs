//! The fields of a Namespace that the namespace families read.

use super::meta::{Condition, Meta};
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Namespace {
    pub metadata: Meta,
    pub status: NamespaceStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NamespaceStatus {
    /// `Active` or `Terminating`; empty when absent.
    pub phase: Str,
    /// The namespace controller's deletion conditions
    /// (`NamespaceDeletionContentFailure`, ...).
    pub conditions: Box<[Condition]>,
}

impl Object for Namespace {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
