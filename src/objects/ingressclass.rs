//! The fields of an IngressClass that the ingressclass families read.

use super::meta::Meta;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IngressClass {
    pub metadata: Meta,
    pub spec: IngressClassSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IngressClassSpec {
    pub controller: Str,
}

impl Object for IngressClass {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
