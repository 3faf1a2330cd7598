//! The fields of a ConfigMap that its families read: metadata only. Its
//! `data` and `binaryData` are not fields here, so serde skips them
//! without allocating (no catch-all map takes unknown fields).

use super::meta::VersionedMeta;
use super::versioned::versioned_object;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfigMap {
    pub metadata: VersionedMeta,
}

versioned_object!(ConfigMap);
