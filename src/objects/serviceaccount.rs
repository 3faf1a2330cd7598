//! The fields of a ServiceAccount that its families read.

use super::meta::Meta;
use super::{Object, Str};
use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccount {
    pub metadata: Meta,
    pub automount_service_account_token: Option<bool>,
    /// The names of `secrets`.
    #[serde(deserialize_with = "names")]
    pub secrets: Box<[Str]>,
    /// The names of `imagePullSecrets`.
    #[serde(deserialize_with = "names")]
    pub image_pull_secrets: Box<[Str]>,
}

#[derive(Deserialize)]
struct NameRef {
    #[serde(default)]
    name: Str,
}

/// The `name` of each reference in a list (`null` is an empty list).
fn names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<[Str]>, D::Error> {
    let refs = Option::<Vec<NameRef>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(refs.into_iter().map(|r| r.name).collect())
}

impl Object for ServiceAccount {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
