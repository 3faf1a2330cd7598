//! `metadata` with its resourceVersion read as a number, for the kinds whose
//! families serve `kube_<kind>_metadata_resource_version` (config maps,
//! secrets, roles, bindings, cron jobs).

use super::meta::Meta;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawVersionedMeta")]
pub struct VersionedMeta {
    pub meta: Meta,
    /// metadata.resourceVersion as a number; `None` when it is not one
    /// (kube-state-metrics then serves no series).
    pub resource_version: Option<f64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVersionedMeta {
    #[serde(flatten)]
    meta: Meta,
    #[serde(default)]
    resource_version: Option<Box<str>>,
}

impl From<RawVersionedMeta> for VersionedMeta {
    fn from(raw: RawVersionedMeta) -> Self {
        VersionedMeta {
            meta: raw.meta,
            resource_version: raw.resource_version.as_deref().and_then(go_parse_float),
        }
    }
}

/// What Go's `strconv.ParseFloat` accepts of a resourceVersion (in
/// practice a decimal integer); Rust's parser also takes `inf`/`nan`
/// spellings Go does too, so only the empty string needs care.
fn go_parse_float(text: &str) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    text.parse().ok()
}

/// A kind whose families read metadata.resourceVersion.
pub trait ResourceVersioned {
    fn resource_version(&self) -> Option<f64>;
}

/// `impl Object` and `ResourceVersioned` for a kind whose `metadata` is a
/// `VersionedMeta`.
macro_rules! versioned_object {
    ($kind:ty) => {
        impl $crate::objects::ResourceVersioned for $kind {
            fn resource_version(&self) -> Option<f64> {
                self.metadata.resource_version
            }
        }

        impl $crate::objects::Object for $kind {
            fn meta(&self) -> &$crate::objects::Meta {
                &self.metadata.meta
            }

            fn meta_mut(&mut self) -> &mut $crate::objects::Meta {
                &mut self.metadata.meta
            }
        }
    };
}
pub(crate) use versioned_object;
