//! The fields of a Secret that its families read: metadata and `type`.
//! Its `data` and `stringData` are not fields here, so serde skips them
//! without allocating or keeping a value (no catch-all map takes unknown
//! fields).

use super::expose::Exposure;
use super::meta::Meta;
use super::meta::VersionedMeta;
use super::strings::null_as_default;
use super::versioned::ResourceVersioned;
use super::{Object, Registered, Str};
use serde::Deserialize;

/// Where `kubectl apply` keeps the whole object it applied: for a secret,
/// its data in clear JSON.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Secret {
    pub metadata: VersionedMeta,
    /// `Opaque`, `kubernetes.io/tls`, ...; empty when absent.
    #[serde(rename = "type", deserialize_with = "null_as_default")]
    pub type_: Str,
}

impl ResourceVersioned for Secret {
    fn resource_version(&self) -> Option<f64> {
        self.metadata.resource_version
    }
}

impl Object for Secret {
    fn meta(&self) -> &Meta {
        &self.metadata.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata.meta
    }

    /// Drops the last-applied annotation before any allowlist sees it, so
    /// `--metric-annotations-allowlist=secrets=[*]` cannot serve a
    /// secret's data (kube-state-metrics would).
    fn prune(&mut self, exposure: &Exposure) {
        let meta = &mut self.metadata.meta;
        meta.retain_annotations(|k| k != LAST_APPLIED);
        meta.expose(Self::RESOURCE, exposure);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::ConfigMap;

    /// What a stored secret or config map costs is its metadata: a record
    /// of fixed size whatever its data (a field holding the data would
    /// grow it).
    #[test]
    fn records_hold_metadata_only() {
        assert!(
            std::mem::size_of::<Secret>() <= 208,
            "{}",
            std::mem::size_of::<Secret>()
        );
        assert!(
            std::mem::size_of::<ConfigMap>() <= 192,
            "{}",
            std::mem::size_of::<ConfigMap>()
        );
        let big = "x".repeat(1 << 20);
        let s: Secret = serde_json::from_str(&format!(
            r#"{{"metadata":{{"name":"s","namespace":"n"}},"type":"Opaque","data":{{"k":"{big}"}},"stringData":{{"k":"{big}"}}}}"#
        ))
        .unwrap();
        assert_eq!(&*s.type_, "Opaque");
        assert!(!format!("{s:?}").contains("xxxx"));
        let c: ConfigMap = serde_json::from_str(&format!(
            r#"{{"metadata":{{"name":"c","namespace":"n"}},"data":{{"k":"{big}"}},"binaryData":{{"b":"{big}"}}}}"#
        ))
        .unwrap();
        assert!(!format!("{c:?}").contains("xxxx"));
    }
}
