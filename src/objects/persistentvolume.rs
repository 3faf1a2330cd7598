//! The fields of a PersistentVolume that the volume families read.

use super::meta::Meta;
use super::quantity::deserialize_bytes;
use super::{Object, Str};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersistentVolume {
    pub metadata: Meta,
    pub spec: VolumeSpec,
    pub status: VolumeStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawVolumeSpec")]
pub struct VolumeSpec {
    pub claim_ref: Option<ClaimRef>,
    pub storage_class_name: Str,
    pub reclaim_policy: Str,
    /// Bytes of `capacity.storage`; 0 when absent, as kube-state-metrics
    /// serves it.
    pub capacity_bytes: f64,
    /// `None` when absent: kube-state-metrics then serves `Filesystem`,
    /// the API's default.
    pub volume_mode: Option<Str>,
    pub access_modes: Box<[Str]>,
    /// The volume source `kube_persistentvolume_info` describes.
    pub source: VolumeSource,
    /// `mounter` and `mapOptions` of a CSI volume's attributes (the
    /// opt-in `kube_persistentvolume_csi_attributes`); `None` without CSI.
    pub csi_attributes: Option<(Str, Str)>,
}

/// The one volume source `kube_persistentvolume_info` reads, the first of
/// its list a volume has; unlisted sources (rbd, cephfs, ...) are `Other`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum VolumeSource {
    GcePersistentDisk {
        pd_name: Str,
    },
    AwsElasticBlockStore {
        volume_id: Str,
    },
    AzureDisk {
        disk_name: Str,
    },
    Fc {
        wwids: Str,
        lun: Str,
        target_wwns: Str,
    },
    Iscsi {
        target_portal: Str,
        iqn: Str,
        lun: Str,
        initiator_name: Str,
    },
    Nfs {
        server: Str,
        path: Str,
    },
    Csi {
        driver: Str,
        volume_handle: Str,
    },
    Local {
        path: Str,
        fs_type: Str,
    },
    HostPath {
        path: Str,
        type_: Str,
    },
    #[default]
    Other,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClaimRef {
    pub name: Str,
    pub namespace: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct VolumeStatus {
    /// `Pending`, `Available`, `Bound`, `Released` or `Failed`; empty when
    /// absent.
    pub phase: Str,
}

/// The spec as sent; only the sources' identifying fields are read.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawVolumeSpec {
    claim_ref: Option<ClaimRef>,
    storage_class_name: Str,
    persistent_volume_reclaim_policy: Str,
    capacity: RawCapacity,
    volume_mode: Option<Str>,
    access_modes: Box<[Str]>,
    gce_persistent_disk: Option<GcePd>,
    aws_elastic_block_store: Option<Ebs>,
    azure_disk: Option<AzureDisk>,
    fc: Option<Fc>,
    iscsi: Option<Iscsi>,
    nfs: Option<Nfs>,
    csi: Option<Csi>,
    local: Option<Local>,
    host_path: Option<HostPath>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawCapacity {
    #[serde(deserialize_with = "deserialize_bytes")]
    storage: Option<f64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GcePd {
    pd_name: Str,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Ebs {
    #[serde(rename = "volumeID")]
    volume_id: Str,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AzureDisk {
    disk_name: Str,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Fc {
    lun: Option<i32>,
    #[serde(rename = "targetWWNs")]
    target_wwns: Vec<String>,
    wwids: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Iscsi {
    target_portal: Str,
    iqn: Str,
    lun: i32,
    initiator_name: Str,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Nfs {
    server: Str,
    path: Str,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Csi {
    driver: Str,
    volume_handle: Str,
    volume_attributes: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Local {
    path: Str,
    fs_type: Str,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct HostPath {
    path: Str,
    #[serde(rename = "type")]
    type_: Str,
}

impl From<RawVolumeSpec> for VolumeSpec {
    fn from(raw: RawVolumeSpec) -> Self {
        let csi_attributes = raw.csi.as_ref().map(|csi| {
            let attribute = |key: &str| csi.volume_attributes.get(key).map_or("", String::as_str);
            (
                Str::new(attribute("mounter")),
                Str::new(attribute("mapOptions")),
            )
        });
        // The order kube-state-metrics tries the sources in.
        let source = if let Some(gce) = raw.gce_persistent_disk {
            VolumeSource::GcePersistentDisk {
                pd_name: gce.pd_name,
            }
        } else if let Some(ebs) = raw.aws_elastic_block_store {
            VolumeSource::AwsElasticBlockStore {
                volume_id: ebs.volume_id,
            }
        } else if let Some(azure) = raw.azure_disk {
            VolumeSource::AzureDisk {
                disk_name: azure.disk_name,
            }
        } else if let Some(fc) = raw.fc {
            VolumeSource::Fc {
                wwids: Str::new(&fc.wwids.join(",")),
                lun: fc
                    .lun
                    .map_or_else(Str::default, |n| Str::new(&n.to_string())),
                target_wwns: Str::new(&fc.target_wwns.join(",")),
            }
        } else if let Some(iscsi) = raw.iscsi {
            VolumeSource::Iscsi {
                target_portal: iscsi.target_portal,
                iqn: iscsi.iqn,
                lun: Str::new(&iscsi.lun.to_string()),
                initiator_name: iscsi.initiator_name,
            }
        } else if let Some(nfs) = raw.nfs {
            VolumeSource::Nfs {
                server: nfs.server,
                path: nfs.path,
            }
        } else if let Some(csi) = raw.csi {
            VolumeSource::Csi {
                driver: csi.driver,
                volume_handle: csi.volume_handle,
            }
        } else if let Some(local) = raw.local {
            VolumeSource::Local {
                path: local.path,
                fs_type: local.fs_type,
            }
        } else if let Some(host_path) = raw.host_path {
            VolumeSource::HostPath {
                path: host_path.path,
                type_: host_path.type_,
            }
        } else {
            VolumeSource::Other
        };
        VolumeSpec {
            claim_ref: raw.claim_ref,
            storage_class_name: raw.storage_class_name,
            reclaim_policy: raw.persistent_volume_reclaim_policy,
            capacity_bytes: raw.capacity.storage.unwrap_or(0.0),
            volume_mode: raw.volume_mode,
            access_modes: raw.access_modes,
            source,
            csi_attributes,
        }
    }
}

impl Object for PersistentVolume {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
