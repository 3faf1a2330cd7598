//! Namespaces, resource quotas, persistent volume claims and persistent
//! volumes on the real API server: the controller-manager's namespace
//! controller (a namespace stuck Terminating), quota controller and
//! admission (`used` counted from a pod and two claims) and volume binder
//! (a pre-bound claim, an unbound volume turning Available, a volume whose
//! claim is gone turning Released or Failed) set the states; every
//! expected line is written from the objects created here.

use crate::common::{Exporter, series, wait_for};
use crate::support::{CHANGE, CONTROLLERS, Tier, begin};
use crate::{go_g, sort};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolume, PersistentVolumeClaim, Pod, ResourceQuota,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use serde_json::json;

/// What a test object holds once the server has it: its creation time.
fn created(meta: &ObjectMeta) -> String {
    go_g(
        meta.creation_timestamp
            .as_ref()
            .map_or(0, |t| t.0.as_second()),
    )
}

fn deleted(meta: &ObjectMeta) -> String {
    go_g(
        meta.deletion_timestamp
            .as_ref()
            .map_or(0, |t| t.0.as_second()),
    )
}

/// The series of `family` whose labels contain `needle`.
fn with(scrape: &str, family: &str, needle: &str) -> Vec<String> {
    series(scrape, family)
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect()
}

/// Expected lines, `ID` in each replaced by the identity labels.
fn lines(identity: &str, templates: &[&str]) -> Vec<String> {
    sort(
        templates
            .iter()
            .map(|t| t.replacen("ID", identity, 1))
            .collect(),
    )
}

/// The labels of `kube_persistentvolume_info` after `storageclass`, every
/// source label empty but the given ones.
fn pv_info(identity: &str, class: &str, set: &[(&str, &str)], reclaim: &str) -> String {
    const SOURCES: [&str; 18] = [
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
    let mut line = format!(r#"kube_persistentvolume_info{{{identity},storageclass="{class}""#);
    for label in SOURCES {
        let value = set
            .iter()
            .find(|(l, _)| *l == label)
            .map_or("", |(_, v)| *v);
        line.push_str(&format!(r#",{label}="{value}""#));
    }
    line.push_str(&format!(r#",reclaim_policy="{reclaim}"}} 1"#));
    line
}

fn one_hot(family: &str, identity: &str, values: &[&str], current: &str) -> Vec<String> {
    sort(
        values
            .iter()
            .map(|v| {
                format!(
                    r#"{family}{{{identity},phase="{v}"}} {}"#,
                    u8::from(*v == current)
                )
            })
            .collect(),
    )
}

/// Polls the API until `check` holds for the object.
fn settle<K>(tier: &Tier, api: &Api<K>, name: &str, what: &str, check: impl Fn(&K) -> bool) -> K
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    tier.until(what, CONTROLLERS, || {
        let object = tier.get(api, name);
        check(&object).then_some(object)
    })
}

fn pv_phase(pv: &PersistentVolume) -> &str {
    pv.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn pvc_phase(pvc: &PersistentVolumeClaim) -> &str {
    pvc.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

const HOLD: &str = "kubestate.test/hold";

#[test]
fn namespaces_quotas_claims_and_volumes_match_kube_state_metrics_on_a_real_cluster() {
    let Some(s) = begin("namespaces-quotas-storage") else {
        return;
    };
    let tier = s.tier;
    let ns = tier.namespace("stor");
    let run = &tier.run;
    let namespaces: Api<Namespace> = Api::all(tier.admin.clone());
    let volumes: Api<PersistentVolume> = Api::all(tier.admin.clone());
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(tier.admin.clone(), &ns);
    let quotas: Api<ResourceQuota> = Api::namespaced(tier.admin.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), &ns);
    tier.patch(
        &namespaces,
        &ns,
        false,
        json!({"metadata": {"labels": {"team": "storage"}, "annotations": {"owner": "sre"}}}),
    );

    // A namespace that cannot finish deleting: a ConfigMap in it keeps a
    // finalizer nobody removes (until the cleanup below).
    let stuck = tier.namespace("stuck");
    let stuck_maps: Api<ConfigMap> = Api::namespaced(tier.admin.clone(), &stuck);
    tier.create(
        &stuck_maps,
        json!({"metadata": {"name": "held", "finalizers": [HOLD]}}),
    );

    // The quota, before what it counts.
    tier.create(
        &quotas,
        json!({"metadata": {"name": "compute", "labels": {"tier": "gold"}},
               "spec": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "1Gi",
                                 "count/persistentvolumeclaims": "5", "requests.storage": "10Gi"}}}),
    );

    // Volumes. Pre-bound to the claim `data`, CSI with attributes.
    let csi = format!("ks-stor-{run}-csi");
    let nfs = format!("ks-stor-{run}-nfs");
    let local = format!("ks-stor-{run}-local");
    let released = format!("ks-stor-{run}-released");
    let failed = format!("ks-stor-{run}-failed");
    tier.create(
        &volumes,
        json!({"metadata": {"name": csi, "labels": {"tier": "gold"}},
               "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                        "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual",
                        "claimRef": {"namespace": ns, "name": "data"},
                        "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0123",
                                "volumeAttributes": {"mounter": "rbd-nbd", "mapOptions": "krbd:lock_on_read"}}}}),
    );
    // Unbound NFS, deleted but held by a finalizer.
    tier.create(
        &volumes,
        json!({"metadata": {"name": nfs, "finalizers": [HOLD]},
               "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany", "ReadOnlyMany"],
                        "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "nfs",
                        "nfs": {"server": "nfs.example.com", "path": "/exports/a"}}}),
    );
    // A raw local disk of a node.
    tier.create(
        &volumes,
        json!({"metadata": {"name": local},
               "spec": {"capacity": {"storage": "100Gi"}, "accessModes": ["ReadWriteOnce"],
                        "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "local-storage",
                        "volumeMode": "Block",
                        "local": {"path": "/mnt/disks/ssd0", "fsType": "xfs"},
                        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["nowhere"]}]}]}}}}),
    );
    // Claims that are gone: Retain keeps the data (Released); Delete with
    // no plugin able to delete a hostPath outside /tmp fails (Failed).
    tier.create(
        &volumes,
        json!({"metadata": {"name": released},
               "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"],
                        "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual",
                        "claimRef": {"namespace": ns, "name": "gone", "uid": "00000000-0000-4000-8000-000000000001"},
                        "hostPath": {"path": "/data/old", "type": "DirectoryOrCreate"}}}),
    );
    tier.create(
        &volumes,
        json!({"metadata": {"name": failed},
               "spec": {"capacity": {"storage": "3Gi"}, "accessModes": ["ReadWriteOnce"],
                        "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "manual",
                        "claimRef": {"namespace": ns, "name": "gone-too", "uid": "00000000-0000-4000-8000-000000000002"},
                        "hostPath": {"path": "/data/failed"}}}),
    );

    // Claims: `data` names its volume; `waiting` wants a class nothing
    // provides and stays Pending; `leaving` is deleted but held.
    tier.create(
        &claims,
        json!({"metadata": {"name": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                        "volumeName": csi, "resources": {"requests": {"storage": "1Gi"}}}}),
    );
    tier.create(
        &claims,
        json!({"metadata": {"name": "waiting", "annotations": {"volume.beta.kubernetes.io/storage-class": "slow"}},
               "spec": {"accessModes": ["ReadWriteMany"], "volumeMode": "Block",
                        "resources": {"requests": {"storage": "2Gi"}}}}),
    );
    tier.create(
        &claims,
        json!({"metadata": {"name": "leaving", "finalizers": [HOLD]},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                        "resources": {"requests": {"storage": "500Mi"}}}}),
    );
    // A pod for the quota to count (it never schedules).
    tier.create(
        &pods,
        json!({"metadata": {"name": "app"},
               "spec": {"nodeSelector": {"kubestate-test/nowhere": "true"},
                        "automountServiceAccountToken": false,
                        "containers": [{"name": "app", "image": "nginx:1.27",
                                        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}]}}),
    );
    // A condition only a resize would set; the binder keeps conditions.
    tier.patch(
        &claims,
        "waiting",
        true,
        json!({"status": {"phase": "Pending", "conditions": [{"type": "Resizing", "status": "True"}]}}),
    );
    tier.delete_now(&claims, "leaving");
    tier.delete_now(&volumes, &nfs);
    tier.delete_now(&namespaces, &stuck);

    // The controllers' work.
    let pv_csi = settle(tier, &volumes, &csi, "the CSI volume Bound", |v| {
        pv_phase(v) == "Bound"
    });
    let pvc_data = settle(tier, &claims, "data", "the claim Bound", |c| {
        pvc_phase(c) == "Bound"
    });
    let pv_nfs = settle(
        tier,
        &volumes,
        &nfs,
        "the NFS volume Available and deleted",
        |v| pv_phase(v) == "Available" && v.metadata.deletion_timestamp.is_some(),
    );
    let pv_local = settle(tier, &volumes, &local, "the local volume Available", |v| {
        pv_phase(v) == "Available"
    });
    let pv_released = settle(
        tier,
        &volumes,
        &released,
        "the orphaned volume Released",
        |v| pv_phase(v) == "Released",
    );
    let pv_failed = settle(
        tier,
        &volumes,
        &failed,
        "the undeletable volume Failed",
        |v| pv_phase(v) == "Failed",
    );
    let pvc_leaving = tier.get(&claims, "leaving");
    let pvc_waiting = tier.get(&claims, "waiting");
    let quota = settle(tier, &quotas, "compute", "the quota counted", |q| {
        let used = q.status.as_ref().and_then(|s| s.used.as_ref());
        let get = |r: &str| used.and_then(|u| u.get(r)).map(|q| q.0.clone());
        get("pods").as_deref() == Some("1")
            && get("count/persistentvolumeclaims").as_deref() == Some("3")
    });
    let stuck_ns = settle(
        tier,
        &namespaces,
        &stuck,
        "the namespace stuck Terminating",
        |n| {
            let status = n.status.as_ref();
            status.and_then(|s| s.phase.as_deref()) == Some("Terminating")
                && status
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "NamespaceFinalizersRemaining"))
        },
    );
    let active_ns = tier.get(&namespaces, &ns);

    let exporter = tier.exporter(&[
        "--resources=namespaces,resourcequotas,persistentvolumeclaims,persistentvolumes",
        "--metric-opt-in-list=kube_persistentvolume_csi_attributes",
        "--metric-labels-allowlist=namespaces=[team],resourcequotas=[tier],persistentvolumes=[tier]",
        "--metric-annotations-allowlist=namespaces=[owner],persistentvolumeclaims=[volume.beta.kubernetes.io/storage-class]",
    ]);
    let scrape = scrape_with(&exporter, &stuck, &failed);
    let mut misses = Vec::new();
    let mut check = |what: &str, got: Vec<String>, want: Vec<String>| {
        if got != want {
            misses.push(format!("{what}:\n  got  {got:#?}\n  want {want:#?}"));
        }
    };

    // Namespaces.
    let a = format!(r#"namespace="{ns}""#);
    let t = format!(r#"namespace="{stuck}""#);
    for (identity, object) in [(&a, &active_ns), (&t, &stuck_ns)] {
        check(
            "kube_namespace_created",
            with(
                &scrape,
                "kube_namespace_created",
                &format!("{{{identity}}}"),
            ),
            vec![format!(
                "kube_namespace_created{{{identity}}} {}",
                created(&object.metadata)
            )],
        );
    }
    check(
        "kube_namespace_status_phase active",
        with(&scrape, "kube_namespace_status_phase", &format!("{{{a},")),
        one_hot(
            "kube_namespace_status_phase",
            &a,
            &["Active", "Terminating"],
            "Active",
        ),
    );
    check(
        "kube_namespace_status_phase terminating",
        with(&scrape, "kube_namespace_status_phase", &format!("{{{t},")),
        one_hot(
            "kube_namespace_status_phase",
            &t,
            &["Active", "Terminating"],
            "Terminating",
        ),
    );
    check(
        "kube_namespace_labels",
        with(&scrape, "kube_namespace_labels", &format!("{{{a}")),
        vec![format!(
            r#"kube_namespace_labels{{{a},label_team="storage"}} 1"#
        )],
    );
    check(
        "kube_namespace_annotations",
        with(&scrape, "kube_namespace_annotations", &format!("{{{a}")),
        vec![format!(
            r#"kube_namespace_annotations{{{a},annotation_owner="sre"}} 1"#
        )],
    );
    check(
        "kube_namespace_status_condition active",
        with(
            &scrape,
            "kube_namespace_status_condition",
            &format!("{{{a},"),
        ),
        vec![],
    );
    // The namespace controller's conditions, as it set them.
    let mut want = Vec::new();
    for c in stuck_ns
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
    {
        for status in ["True", "False", "Unknown"] {
            want.push(format!(
                r#"kube_namespace_status_condition{{{t},condition="{}",status="{}"}} {}"#,
                c.type_,
                status.to_lowercase(),
                u8::from(c.status == status)
            ));
        }
    }
    let want = sort(want);
    assert!(
        want.iter()
            .any(|l| l.contains(r#"condition="NamespaceFinalizersRemaining",status="true"} 1"#)),
        "{want:#?}"
    );
    check(
        "kube_namespace_status_condition terminating",
        with(
            &scrape,
            "kube_namespace_status_condition",
            &format!("{{{t},"),
        ),
        want,
    );

    // The quota: hard from the spec, used from one pod and three claims.
    let q = format!(r#"namespace="{ns}",resourcequota="compute""#);
    check(
        "kube_resourcequota",
        with(&scrape, "kube_resourcequota", &format!("{{{q},")),
        lines(
            &q,
            &[
                r#"kube_resourcequota{ID,resource="pods",type="hard"} 10"#,
                r#"kube_resourcequota{ID,resource="requests.cpu",type="hard"} 2"#,
                r#"kube_resourcequota{ID,resource="requests.memory",type="hard"} 1.073741824e+09"#,
                r#"kube_resourcequota{ID,resource="count/persistentvolumeclaims",type="hard"} 5"#,
                r#"kube_resourcequota{ID,resource="requests.storage",type="hard"} 1.073741824e+10"#,
                r#"kube_resourcequota{ID,resource="pods",type="used"} 1"#,
                r#"kube_resourcequota{ID,resource="requests.cpu",type="used"} 0.25"#,
                r#"kube_resourcequota{ID,resource="requests.memory",type="used"} 6.7108864e+07"#,
                r#"kube_resourcequota{ID,resource="count/persistentvolumeclaims",type="used"} 3"#,
                // 1Gi + 2Gi + 500Mi
                r#"kube_resourcequota{ID,resource="requests.storage",type="used"} 3.745513472e+09"#,
            ],
        ),
    );
    check(
        "kube_resourcequota_created",
        with(&scrape, "kube_resourcequota_created", &q),
        vec![format!(
            "kube_resourcequota_created{{{q}}} {}",
            created(&quota.metadata)
        )],
    );
    check(
        "kube_resourcequota_labels",
        with(&scrape, "kube_resourcequota_labels", &q),
        vec![format!(
            r#"kube_resourcequota_labels{{{q},label_tier="gold"}} 1"#
        )],
    );
    check(
        "kube_resourcequota_annotations",
        with(&scrape, "kube_resourcequota_annotations", &q),
        vec![],
    );

    // Claims.
    let claim = |name: &str| format!(r#"namespace="{ns}",persistentvolumeclaim="{name}""#);
    let (d, w, l) = (claim("data"), claim("waiting"), claim("leaving"));
    let in_ns = |family: &str| with(&scrape, family, &format!(r#"namespace="{ns}","#));
    check(
        "kube_persistentvolumeclaim_info",
        in_ns("kube_persistentvolumeclaim_info"),
        sort(vec![
            format!(
                r#"kube_persistentvolumeclaim_info{{{d},storageclass="manual",volumename="{csi}",volumemode="Filesystem"}} 1"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_info{{{w},storageclass="slow",volumename="",volumemode="Block"}} 1"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_info{{{l},storageclass="manual",volumename="",volumemode="Filesystem"}} 1"#
            ),
        ]),
    );
    let phases = ["Lost", "Bound", "Pending"];
    let family = "kube_persistentvolumeclaim_status_phase";
    let mut want = one_hot(family, &d, &phases, "Bound");
    want.extend(one_hot(family, &w, &phases, "Pending"));
    want.extend(one_hot(family, &l, &phases, pvc_phase(&pvc_leaving)));
    check(family, in_ns(family), sort(want));
    check(
        "kube_persistentvolumeclaim_resource_requests_storage_bytes",
        in_ns("kube_persistentvolumeclaim_resource_requests_storage_bytes"),
        sort(vec![
            format!(
                "kube_persistentvolumeclaim_resource_requests_storage_bytes{{{d}}} 1.073741824e+09"
            ),
            format!(
                "kube_persistentvolumeclaim_resource_requests_storage_bytes{{{w}}} 2.147483648e+09"
            ),
            format!(
                "kube_persistentvolumeclaim_resource_requests_storage_bytes{{{l}}} 5.24288e+08"
            ),
        ]),
    );
    check(
        "kube_persistentvolumeclaim_access_mode",
        in_ns("kube_persistentvolumeclaim_access_mode"),
        sort(vec![
            format!(
                r#"kube_persistentvolumeclaim_access_mode{{{d},access_mode="ReadWriteOnce"}} 1"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_access_mode{{{w},access_mode="ReadWriteMany"}} 1"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_access_mode{{{l},access_mode="ReadWriteOnce"}} 1"#
            ),
        ]),
    );
    check(
        "kube_persistentvolumeclaim_status_condition",
        in_ns("kube_persistentvolumeclaim_status_condition"),
        sort(vec![
            format!(
                r#"kube_persistentvolumeclaim_status_condition{{{w},condition="Resizing",status="true"}} 1"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_status_condition{{{w},condition="Resizing",status="false"}} 0"#
            ),
            format!(
                r#"kube_persistentvolumeclaim_status_condition{{{w},condition="Resizing",status="unknown"}} 0"#
            ),
        ]),
    );
    check(
        "kube_persistentvolumeclaim_created",
        in_ns("kube_persistentvolumeclaim_created"),
        sort(vec![
            format!(
                "kube_persistentvolumeclaim_created{{{d}}} {}",
                created(&pvc_data.metadata)
            ),
            format!(
                "kube_persistentvolumeclaim_created{{{w}}} {}",
                created(&pvc_waiting.metadata)
            ),
            format!(
                "kube_persistentvolumeclaim_created{{{l}}} {}",
                created(&pvc_leaving.metadata)
            ),
        ]),
    );
    check(
        "kube_persistentvolumeclaim_deletion_timestamp",
        in_ns("kube_persistentvolumeclaim_deletion_timestamp"),
        vec![format!(
            "kube_persistentvolumeclaim_deletion_timestamp{{{l}}} {}",
            deleted(&pvc_leaving.metadata)
        )],
    );
    check(
        "kube_persistentvolumeclaim_labels",
        in_ns("kube_persistentvolumeclaim_labels"),
        vec![],
    );
    check(
        "kube_persistentvolumeclaim_annotations",
        in_ns("kube_persistentvolumeclaim_annotations"),
        sort(vec![
            format!("kube_persistentvolumeclaim_annotations{{{d}}} 1"),
            format!(
                r#"kube_persistentvolumeclaim_annotations{{{w},annotation_volume_beta_kubernetes_io_storage_class="slow"}} 1"#
            ),
            format!("kube_persistentvolumeclaim_annotations{{{l}}} 1"),
        ]),
    );

    // Volumes.
    let pv = |name: &str| format!(r#"persistentvolume="{name}""#);
    let (vc, vn, vl, vr, vf) = (pv(&csi), pv(&nfs), pv(&local), pv(&released), pv(&failed));
    let mine = |family: &str| {
        with(
            &scrape,
            family,
            &format!(r#"{{persistentvolume="ks-stor-{run}-"#),
        )
    };
    check(
        "kube_persistentvolume_claim_ref",
        mine("kube_persistentvolume_claim_ref"),
        sort(vec![
            format!(
                r#"kube_persistentvolume_claim_ref{{{vc},name="data",claim_namespace="{ns}"}} 1"#
            ),
            format!(
                r#"kube_persistentvolume_claim_ref{{{vr},name="gone",claim_namespace="{ns}"}} 1"#
            ),
            format!(
                r#"kube_persistentvolume_claim_ref{{{vf},name="gone-too",claim_namespace="{ns}"}} 1"#
            ),
        ]),
    );
    let phases = ["Pending", "Available", "Bound", "Released", "Failed"];
    let family = "kube_persistentvolume_status_phase";
    let mut want = one_hot(family, &vc, &phases, "Bound");
    want.extend(one_hot(family, &vn, &phases, "Available"));
    want.extend(one_hot(family, &vl, &phases, "Available"));
    want.extend(one_hot(family, &vr, &phases, "Released"));
    want.extend(one_hot(family, &vf, &phases, "Failed"));
    check(family, mine(family), sort(want));
    check(
        "kube_persistentvolume_info",
        mine("kube_persistentvolume_info"),
        sort(vec![
            pv_info(
                &vc,
                "manual",
                &[
                    ("csi_driver", "ebs.csi.aws.com"),
                    ("csi_volume_handle", "vol-0123"),
                ],
                "Retain",
            ),
            pv_info(
                &vn,
                "nfs",
                &[
                    ("nfs_server", "nfs.example.com"),
                    ("nfs_path", "/exports/a"),
                ],
                "Retain",
            ),
            pv_info(
                &vl,
                "local-storage",
                &[("local_path", "/mnt/disks/ssd0"), ("local_fs", "xfs")],
                "Delete",
            ),
            pv_info(
                &vr,
                "manual",
                &[
                    ("host_path", "/data/old"),
                    ("host_path_type", "DirectoryOrCreate"),
                ],
                "Retain",
            ),
            // The API server defaults a hostPath's type to "".
            pv_info(&vf, "manual", &[("host_path", "/data/failed")], "Delete"),
        ]),
    );
    check(
        "kube_persistentvolume_capacity_bytes",
        mine("kube_persistentvolume_capacity_bytes"),
        sort(vec![
            format!("kube_persistentvolume_capacity_bytes{{{vc}}} 1.073741824e+09"),
            format!("kube_persistentvolume_capacity_bytes{{{vn}}} 5.36870912e+09"),
            format!("kube_persistentvolume_capacity_bytes{{{vl}}} 1.073741824e+11"),
            format!("kube_persistentvolume_capacity_bytes{{{vr}}} 2.147483648e+09"),
            format!("kube_persistentvolume_capacity_bytes{{{vf}}} 3.221225472e+09"),
        ]),
    );
    check(
        "kube_persistentvolume_created",
        mine("kube_persistentvolume_created"),
        sort(
            [
                (&vc, &pv_csi),
                (&vn, &pv_nfs),
                (&vl, &pv_local),
                (&vr, &pv_released),
                (&vf, &pv_failed),
            ]
            .iter()
            .map(|(i, v)| {
                format!(
                    "kube_persistentvolume_created{{{i}}} {}",
                    created(&v.metadata)
                )
            })
            .collect(),
        ),
    );
    check(
        "kube_persistentvolume_deletion_timestamp",
        mine("kube_persistentvolume_deletion_timestamp"),
        vec![format!(
            "kube_persistentvolume_deletion_timestamp{{{vn}}} {}",
            deleted(&pv_nfs.metadata)
        )],
    );
    check(
        "kube_persistentvolume_csi_attributes",
        mine("kube_persistentvolume_csi_attributes"),
        vec![format!(
            r#"kube_persistentvolume_csi_attributes{{{vc},csi_mounter="rbd-nbd",csi_map_options="krbd:lock_on_read"}} 1"#
        )],
    );
    // The API server defaults volumeMode to Filesystem, so the family's
    // own default for an unset mode cannot be seen here (unit-tested).
    let fs =
        |i: &str| format!(r#"kube_persistentvolume_volume_mode{{{i},volumemode="Filesystem"}} 1"#);
    check(
        "kube_persistentvolume_volume_mode",
        mine("kube_persistentvolume_volume_mode"),
        sort(vec![
            fs(&vc),
            fs(&vn),
            format!(r#"kube_persistentvolume_volume_mode{{{vl},volumemode="Block"}} 1"#),
            fs(&vr),
            fs(&vf),
        ]),
    );
    let rwo = |i: &str| {
        format!(r#"kube_persistentvolume_access_mode{{{i},access_mode="ReadWriteOnce"}} 1"#)
    };
    check(
        "kube_persistentvolume_access_mode",
        mine("kube_persistentvolume_access_mode"),
        sort(vec![
            rwo(&vc),
            format!(r#"kube_persistentvolume_access_mode{{{vn},access_mode="ReadWriteMany"}} 1"#),
            format!(r#"kube_persistentvolume_access_mode{{{vn},access_mode="ReadOnlyMany"}} 1"#),
            rwo(&vl),
            rwo(&vr),
            rwo(&vf),
        ]),
    );
    check(
        "kube_persistentvolume_labels",
        mine("kube_persistentvolume_labels"),
        sort(vec![
            format!(r#"kube_persistentvolume_labels{{{vc},label_tier="gold"}} 1"#),
            format!("kube_persistentvolume_labels{{{vn}}} 1"),
            format!("kube_persistentvolume_labels{{{vl}}} 1"),
            format!("kube_persistentvolume_labels{{{vr}}} 1"),
            format!("kube_persistentvolume_labels{{{vf}}} 1"),
        ]),
    );
    check(
        "kube_persistentvolume_annotations",
        mine("kube_persistentvolume_annotations"),
        vec![],
    );

    // Cleanup first, so a failure leaves nothing stuck behind.
    let release = json!({"metadata": {"finalizers": null}});
    tier.patch(&stuck_maps, "held", false, release.clone());
    tier.patch(&claims, "leaving", false, release.clone());
    tier.patch(&volumes, &nfs, false, release);
    for name in [&csi, &local, &released, &failed] {
        tier.delete_now(&volumes, name);
    }
    tier.delete_now(&namespaces, &ns);
    assert!(
        misses.is_empty(),
        "{} families differ:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

/// Waits until the exporter serves the last states the test waited for.
fn scrape_with(exporter: &Exporter, stuck: &str, failed: &str) -> String {
    wait_for("the exporter to serve the settled objects", CHANGE, || {
        let scrape = exporter.scrape();
        let caught_up = scrape.contains(&format!(
            r#"kube_namespace_status_phase{{namespace="{stuck}",phase="Terminating"}} 1"#
        )) && scrape.contains(&format!(
            r#"kube_persistentvolume_status_phase{{persistentvolume="{failed}",phase="Failed"}} 1"#
        ));
        caught_up.then_some(scrape)
    })
}
