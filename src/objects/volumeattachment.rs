//! The fields of a VolumeAttachment that the volumeattachment families
//! read. Unlike other kinds, kube-state-metrics serves every label of a
//! VolumeAttachment (no allowlist) and every key of its attachment
//! metadata, so both are kept, renamed for Prometheus once when stored.

use super::expose::{Exposure, RawMap, prometheus_pairs};
use super::meta::{Meta, deserialize_map};
use super::{Object, Registered, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VolumeAttachment {
    pub metadata: Meta,
    pub spec: VolumeAttachmentSpec,
    pub status: VolumeAttachmentStatus,
    /// Every label as `label_*`, set by `prune`.
    #[serde(skip)]
    pub all_labels: Box<[(Str, Box<str>)]>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeAttachmentSpec {
    pub attacher: Str,
    pub node_name: Str,
    pub source: AttachmentSource,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AttachmentSource {
    pub persistent_volume_name: Option<Box<str>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeAttachmentStatus {
    pub attached: bool,
    /// As decoded; emptied by `prune`.
    #[serde(deserialize_with = "deserialize_map")]
    pub attachment_metadata: RawMap,
    /// Every key of attachmentMetadata as `metadata_*`, set by `prune`.
    #[serde(skip)]
    pub exposed_metadata: Box<[(Str, Box<str>)]>,
}

/// Sorted raw pairs renamed to `<prefix>_*` Prometheus label names.
fn renamed(prefix: &str, map: &[(Box<str>, Box<str>)]) -> Box<[(Str, Box<str>)]> {
    let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (&**k, &**v)).collect();
    prometheus_pairs(prefix, &pairs, |v| Box::from(v))
}

impl Object for VolumeAttachment {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }

    fn prune(&mut self, exposure: &Exposure) {
        self.all_labels = renamed("label", self.metadata.labels());
        self.metadata.expose(Self::RESOURCE, exposure);
        let status = &mut self.status;
        status.exposed_metadata = renamed("metadata", &status.attachment_metadata);
        status.attachment_metadata = RawMap::default();
    }
}
