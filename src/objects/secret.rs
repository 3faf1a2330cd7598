//! The fields of a Secret that its families read: metadata and `type`.
//! Its `data` and `stringData` are not fields here, so serde skips them
//! without allocating or keeping a value (no catch-all map takes unknown
//! fields).

use super::Str;
use super::strings::null_as_default;
use super::versioned::{VersionedMeta, versioned_object};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Secret {
    pub metadata: VersionedMeta,
    /// `Opaque`, `kubernetes.io/tls`, ...; empty when absent.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub type_: Str,
}

versioned_object!(Secret);
