//! PersistentVolume families. Every series also carries `persistentvolume`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::PersistentVolume;
use crate::objects::persistentvolume::VolumeSource;

/// The labels of `kube_persistentvolume_info`: `storageclass`, one label
/// per volume source field (the volume's own source fills its labels, the
/// rest stay empty), then `reclaim_policy`.
const INFO_LABELS: [&str; 20] = [
    "storageclass",
    "gce_persistent_disk_name",
    "ebs_volume_id",
    "azure_disk_name",
    "fc_wwids",
    "fc_lun",
    "fc_target_wwns",
    "iscsi_target_portal",
    "iscsi_iqn",
    "iscsi_lun",
    "iscsi_initiator_name",
    "nfs_server",
    "nfs_path",
    "csi_driver",
    "csi_volume_handle",
    "local_path",
    "local_fs",
    "host_path",
    "host_path_type",
    "reclaim_policy",
];

impl Families for PersistentVolume {
    fn families() -> Vec<Family<PersistentVolume>> {
        vec![
            Family::gauge(
                Stable,
                "kube_persistentvolume_claim_ref",
                "Information about the Persistent Volume Claim Reference.",
                &["name", "claim_namespace"],
                |v, out| {
                    if let Some(claim) = &v.spec.claim_ref {
                        out.emit(&[&claim.name, &claim.namespace], 1.0);
                    }
                },
            ),
            annotations("kube_persistentvolume_annotations"),
            labels("kube_persistentvolume_labels"),
            Family::gauge(
                Stable,
                "kube_persistentvolume_status_phase",
                "The phase indicates if a volume is available, bound to a claim, or released by a claim.",
                &["phase"],
                |v, out| {
                    if !v.status.phase.is_empty() {
                        out.one_hot(
                            &["Pending", "Available", "Bound", "Released", "Failed"],
                            &v.status.phase,
                        );
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_persistentvolume_info",
                "Information about persistentvolume.",
                &INFO_LABELS,
                |v, out| {
                    let mut values = [""; INFO_LABELS.len()];
                    values[0] = &v.spec.storage_class_name;
                    let source = &mut values[1..INFO_LABELS.len() - 1];
                    match &v.spec.source {
                        VolumeSource::GcePersistentDisk { pd_name } => source[0] = pd_name,
                        VolumeSource::AwsElasticBlockStore { volume_id } => source[1] = volume_id,
                        VolumeSource::AzureDisk { disk_name } => source[2] = disk_name,
                        VolumeSource::Fc {
                            wwids,
                            lun,
                            target_wwns,
                        } => {
                            source[3] = wwids;
                            source[4] = lun;
                            source[5] = target_wwns;
                        }
                        VolumeSource::Iscsi {
                            target_portal,
                            iqn,
                            lun,
                            initiator_name,
                        } => {
                            source[6] = target_portal;
                            source[7] = iqn;
                            source[8] = lun;
                            source[9] = initiator_name;
                        }
                        VolumeSource::Nfs { server, path } => {
                            source[10] = server;
                            source[11] = path;
                        }
                        VolumeSource::Csi {
                            driver,
                            volume_handle,
                        } => {
                            source[12] = driver;
                            source[13] = volume_handle;
                        }
                        VolumeSource::Local { path, fs_type } => {
                            source[14] = path;
                            source[15] = fs_type;
                        }
                        VolumeSource::HostPath { path, type_ } => {
                            source[16] = path;
                            source[17] = type_;
                        }
                        VolumeSource::Other => {}
                    }
                    values[INFO_LABELS.len() - 1] = &v.spec.reclaim_policy;
                    out.emit(&values, 1.0);
                },
            ),
            Family::gauge(
                Stable,
                "kube_persistentvolume_capacity_bytes",
                "Persistentvolume capacity in bytes.",
                &[],
                |v, out| out.emit(&[], v.spec.capacity_bytes),
            ),
            created("kube_persistentvolume_created").experimental(),
            deletion_timestamp("kube_persistentvolume_deletion_timestamp"),
            Family::gauge(
                Experimental,
                "kube_persistentvolume_csi_attributes",
                "CSI attributes of the Persistent Volume.",
                &["csi_mounter", "csi_map_options"],
                |v: &PersistentVolume, out| {
                    if let Some((mounter, map_options)) = &v.spec.csi_attributes {
                        out.emit(&[mounter, map_options], 1.0);
                    }
                },
            )
            .opt_in(),
            Family::gauge(
                Experimental,
                "kube_persistentvolume_volume_mode",
                "Volume Mode information for the PersistentVolume.",
                &["volumemode"],
                |v, out| {
                    out.emit(
                        &[v.spec.volume_mode.as_deref().unwrap_or("Filesystem")],
                        1.0,
                    )
                },
            ),
            Family::gauge(
                Experimental,
                "kube_persistentvolume_access_mode",
                "The access mode(s) specified by the persistent volume.",
                &["access_mode"],
                |v, out| {
                    for mode in v.spec.access_modes.iter() {
                        out.emit(&[mode], 1.0);
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::PersistentVolume;

    fn volume(json: &str) -> PersistentVolume {
        serde_json::from_str(json).expect("test volume decodes")
    }

    /// `kube_persistentvolume_info` with every source label empty except
    /// the given ones, written out in the family's label order.
    fn info(storageclass: &str, set: &[(&str, &str)], reclaim: &str) -> String {
        let labels = [
            "gce_persistent_disk_name",
            "ebs_volume_id",
            "azure_disk_name",
            "fc_wwids",
            "fc_lun",
            "fc_target_wwns",
            "iscsi_target_portal",
            "iscsi_iqn",
            "iscsi_lun",
            "iscsi_initiator_name",
            "nfs_server",
            "nfs_path",
            "csi_driver",
            "csi_volume_handle",
            "local_path",
            "local_fs",
            "host_path",
            "host_path_type",
        ];
        let mut text = format!(r#"kube_persistentvolume_info{{storageclass="{storageclass}""#);
        for label in labels {
            let value = set.iter().find(|(l, _)| *l == label).map_or("", |(_, v)| v);
            text.push_str(&format!(r#",{label}="{value}""#));
        }
        text.push_str(&format!(r#",reclaim_policy="{reclaim}"}} 1"#));
        text
    }

    #[test]
    fn a_bound_csi_volume() {
        let v = volume(
            r#"{"metadata":{"name":"pvc-0a1b","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteOnce"],
                 "claimRef":{"kind":"PersistentVolumeClaim","namespace":"data","name":"data-postgres-0"},
                 "persistentVolumeReclaimPolicy":"Delete","storageClassName":"gp3","volumeMode":"Block",
                 "csi":{"driver":"ebs.csi.aws.com","volumeHandle":"vol-0123","volumeAttributes":{"mounter":"rbd","other":"x"}}},
               "status":{"phase":"Bound"}}"#,
        );
        let info_line = info(
            "gp3",
            &[
                ("csi_driver", "ebs.csi.aws.com"),
                ("csi_volume_handle", "vol-0123"),
            ],
            "Delete",
        );
        for (family, lines) in [
            (
                "kube_persistentvolume_claim_ref",
                vec![
                    r#"kube_persistentvolume_claim_ref{name="data-postgres-0",claim_namespace="data"} 1"#,
                ],
            ),
            (
                "kube_persistentvolume_status_phase",
                vec![
                    r#"kube_persistentvolume_status_phase{phase="Pending"} 0"#,
                    r#"kube_persistentvolume_status_phase{phase="Available"} 0"#,
                    r#"kube_persistentvolume_status_phase{phase="Bound"} 1"#,
                    r#"kube_persistentvolume_status_phase{phase="Released"} 0"#,
                    r#"kube_persistentvolume_status_phase{phase="Failed"} 0"#,
                ],
            ),
            ("kube_persistentvolume_info", vec![info_line.as_str()]),
            (
                "kube_persistentvolume_capacity_bytes",
                vec!["kube_persistentvolume_capacity_bytes 1.073741824e+10"],
            ),
            (
                "kube_persistentvolume_created",
                vec!["kube_persistentvolume_created 1.61131053e+09"],
            ),
            (
                "kube_persistentvolume_csi_attributes",
                vec![
                    r#"kube_persistentvolume_csi_attributes{csi_mounter="rbd",csi_map_options=""} 1"#,
                ],
            ),
            (
                "kube_persistentvolume_volume_mode",
                vec![r#"kube_persistentvolume_volume_mode{volumemode="Block"} 1"#],
            ),
            (
                "kube_persistentvolume_access_mode",
                vec![r#"kube_persistentvolume_access_mode{access_mode="ReadWriteOnce"} 1"#],
            ),
        ] {
            assert_eq!(series_of(&v, family), with_identity(&v, &lines), "{family}");
        }
        assert_eq!(
            with_identity(&v, &["kube_persistentvolume_capacity_bytes 1"]),
            [r#"kube_persistentvolume_capacity_bytes{persistentvolume="pvc-0a1b"} 1"#]
        );
        assert!(series_of(&v, "kube_persistentvolume_deletion_timestamp").is_empty());
    }

    #[test]
    fn a_bare_volume_defaults_and_absences() {
        let v = volume(r#"{"metadata":{"name":"bare"}}"#);
        assert!(series_of(&v, "kube_persistentvolume_claim_ref").is_empty());
        assert!(series_of(&v, "kube_persistentvolume_status_phase").is_empty());
        assert!(series_of(&v, "kube_persistentvolume_csi_attributes").is_empty());
        assert!(series_of(&v, "kube_persistentvolume_access_mode").is_empty());
        assert!(series_of(&v, "kube_persistentvolume_created").is_empty());
        // Capacity is served even when absent, as 0; the mode defaults.
        assert_eq!(
            series_of(&v, "kube_persistentvolume_capacity_bytes"),
            with_identity(&v, &["kube_persistentvolume_capacity_bytes 0"])
        );
        assert_eq!(
            series_of(&v, "kube_persistentvolume_volume_mode"),
            with_identity(
                &v,
                &[r#"kube_persistentvolume_volume_mode{volumemode="Filesystem"} 1"#]
            )
        );
        assert_eq!(
            series_of(&v, "kube_persistentvolume_info"),
            with_identity(&v, &[&info("", &[], "")])
        );
    }

    #[test]
    fn each_volume_source_fills_its_own_labels() {
        let cases = [
            (
                r#""gcePersistentDisk":{"pdName":"disk-1","fsType":"ext4"}"#,
                vec![("gce_persistent_disk_name", "disk-1")],
            ),
            (
                r#""awsElasticBlockStore":{"volumeID":"vol-9"}"#,
                vec![("ebs_volume_id", "vol-9")],
            ),
            (
                r#""azureDisk":{"diskName":"az-1","diskURI":"/sub/x"}"#,
                vec![("azure_disk_name", "az-1")],
            ),
            (
                r#""fc":{"targetWWNs":["0x1","0x2"],"lun":3,"wwids":["w1","w2"]}"#,
                vec![
                    ("fc_wwids", "w1,w2"),
                    ("fc_lun", "3"),
                    ("fc_target_wwns", "0x1,0x2"),
                ],
            ),
            (r#""fc":{"wwids":["w1"]}"#, vec![("fc_wwids", "w1")]),
            (
                r#""iscsi":{"targetPortal":"10.0.0.1:3260","iqn":"iqn.2001-04.com.example:storage","lun":0,"initiatorName":"iqn.1994-05.com.redhat:abc"}"#,
                vec![
                    ("iscsi_target_portal", "10.0.0.1:3260"),
                    ("iscsi_iqn", "iqn.2001-04.com.example:storage"),
                    ("iscsi_lun", "0"),
                    ("iscsi_initiator_name", "iqn.1994-05.com.redhat:abc"),
                ],
            ),
            (
                r#""nfs":{"server":"nfs.example.com","path":"/exports/a"}"#,
                vec![
                    ("nfs_server", "nfs.example.com"),
                    ("nfs_path", "/exports/a"),
                ],
            ),
            (
                r#""local":{"path":"/mnt/disks/ssd1","fsType":"xfs"}"#,
                vec![("local_path", "/mnt/disks/ssd1"), ("local_fs", "xfs")],
            ),
            (
                r#""local":{"path":"/mnt/disks/ssd2"}"#,
                vec![("local_path", "/mnt/disks/ssd2")],
            ),
            (
                r#""hostPath":{"path":"/data","type":"DirectoryOrCreate"}"#,
                vec![
                    ("host_path", "/data"),
                    ("host_path_type", "DirectoryOrCreate"),
                ],
            ),
            // Sources the family does not describe leave every label empty.
            (r#""rbd":{"monitors":["m"],"image":"i"}"#, vec![]),
        ];
        for (source, set) in cases {
            let v = volume(&format!(
                r#"{{"metadata":{{"name":"v"}},"spec":{{"persistentVolumeReclaimPolicy":"Retain","storageClassName":"slow",{source}}}}}"#
            ));
            assert_eq!(
                series_of(&v, "kube_persistentvolume_info"),
                with_identity(&v, &[&info("slow", &set, "Retain")]),
                "{source}"
            );
        }
    }

    #[test]
    fn released_and_failed_phases() {
        for phase in ["Released", "Failed", "Available"] {
            let v = volume(&format!(
                r#"{{"metadata":{{"name":"v","deletionTimestamp":"2021-01-22T10:15:30Z"}},"status":{{"phase":"{phase}"}}}}"#
            ));
            let lines: Vec<String> = ["Pending", "Available", "Bound", "Released", "Failed"]
                .iter()
                .map(|p| {
                    format!(
                        r#"kube_persistentvolume_status_phase{{phase="{p}"}} {}"#,
                        u8::from(*p == phase)
                    )
                })
                .collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            assert_eq!(
                series_of(&v, "kube_persistentvolume_status_phase"),
                with_identity(&v, &lines)
            );
            assert_eq!(
                series_of(&v, "kube_persistentvolume_deletion_timestamp"),
                with_identity(
                    &v,
                    &["kube_persistentvolume_deletion_timestamp 1.61131053e+09"]
                )
            );
        }
    }
}
