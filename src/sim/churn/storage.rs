//! Churn of quotas and storage: the quota controller recounting a
//! namespace, and a claim waiting for a local disk that gets bound, used,
//! released and cleaned up again, round after round. Counts stay stable.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, ResourceQuota};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::kinds::Resource;

use super::super::builders::{self, time};
use super::super::generate::put;
use super::super::generate::storage::{LOCAL_CLASS, WAITING_CLAIM, recount};
use super::super::rng::Rng;
use super::super::store::{Store, now_unix};
use super::pick;

pub(super) fn tick(store: &Store, rng: &mut Rng) {
    recount_quota(store, rng);
    if rng.chance(30) {
        local_claim_round(store);
    }
}

/// The quota controller recounts one namespace; pods that started,
/// finished or were replaced since change its `used`.
fn recount_quota(store: &Store, rng: &mut Rng) {
    let Some(mut quota) = pick::<ResourceQuota>(store, rng, Resource::ResourceQuotas) else {
        return;
    };
    if recount(store, &mut quota) {
        put(store, &quota);
    }
}

/// One step of the waiting claim's life, whichever applies: a Released
/// local disk is cleaned for reuse (Available), else the Pending claim is
/// bound to an Available disk, else the Bound claim is done with: deleted
/// and made again Pending, its disk Released.
fn local_claim_round(store: &Store) {
    let (ns, name) = WAITING_CLAIM;
    let Some(obj) = store.get(Resource::PersistentVolumeClaims, ns, name) else {
        return;
    };
    let Ok(claim) = serde_json::from_slice::<PersistentVolumeClaim>(&obj.body) else {
        return;
    };
    let disks: Vec<PersistentVolume> = store
        .objects(Resource::PersistentVolumes)
        .values()
        .filter_map(|o| serde_json::from_slice::<PersistentVolume>(&o.body).ok())
        .filter(|pv| {
            pv.spec
                .as_ref()
                .and_then(|s| s.storage_class_name.as_deref())
                == Some(LOCAL_CLASS)
        })
        .collect();
    let phase = |pv: &PersistentVolume| pv.status.as_ref().and_then(|s| s.phase.clone());
    if let Some(mut released) = disks
        .iter()
        .find(|pv| phase(pv).as_deref() == Some("Released"))
        .cloned()
    {
        if let Some(spec) = released.spec.as_mut() {
            spec.claim_ref = None;
        }
        if let Some(status) = released.status.as_mut() {
            status.phase = Some("Available".into());
        }
        put(store, &released);
        return;
    }
    let claim_phase = claim.status.as_ref().and_then(|s| s.phase.as_deref());
    match claim_phase {
        Some("Pending") => {
            // Block disks only suit Block claims; this one wants a file system.
            let Some(mut disk) = disks
                .iter()
                .find(|pv| {
                    phase(pv).as_deref() == Some("Available")
                        && pv.spec.as_ref().and_then(|s| s.volume_mode.as_deref()) != Some("Block")
                })
                .cloned()
            else {
                return;
            };
            let (Some(disk_name), Some(uid)) =
                (disk.metadata.name.clone(), claim.metadata.uid.clone())
            else {
                return;
            };
            let capacity = disk
                .spec
                .as_ref()
                .and_then(|s| s.capacity.as_ref())
                .and_then(|c| c.get("storage"))
                .map_or_else(|| "0".to_string(), |q| q.0.clone());
            disk = disk_bound_to(disk, ns, name, &uid);
            let mut claim = claim;
            if let Some(spec) = claim.spec.as_mut() {
                spec.volume_name = Some(disk_name);
            }
            let modes = claim.spec.as_ref().and_then(|s| s.access_modes.clone());
            let status = claim.status.get_or_insert_with(Default::default);
            status.phase = Some("Bound".into());
            status.access_modes = modes;
            status.capacity = Some([("storage".to_string(), Quantity(capacity))].into());
            claim
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert("pv.kubernetes.io/bind-completed".into(), "yes".into());
            put(store, &disk);
            put(store, &claim);
        }
        Some("Bound") => {
            let volume = claim.spec.as_ref().and_then(|s| s.volume_name.clone());
            if store
                .delete(Resource::PersistentVolumeClaims, ns, name)
                .is_none()
            {
                return;
            }
            let fresh = builders::persistent_volume_claim(name)
                .in_ns(ns)
                .created(now_unix())
                .storage_class(LOCAL_CLASS)
                .access_mode("ReadWriteOnce")
                .request("100Gi")
                .finalizer("kubernetes.io/pvc-protection")
                .build();
            put(store, &fresh);
            if let Some(mut disk) = disks.into_iter().find(|pv| pv.metadata.name == volume) {
                if let Some(status) = disk.status.as_mut() {
                    status.phase = Some("Released".into());
                    status.last_phase_transition_time = Some(time(now_unix()));
                }
                put(store, &disk);
            }
        }
        _ => {}
    }
}

fn disk_bound_to(mut disk: PersistentVolume, ns: &str, name: &str, uid: &str) -> PersistentVolume {
    if let Some(spec) = disk.spec.as_mut() {
        spec.claim_ref = Some(builders::claim_ref(ns, name, uid));
    }
    let status = disk.status.get_or_insert_with(Default::default);
    status.phase = Some("Bound".into());
    status.last_phase_transition_time = Some(time(now_unix()));
    disk
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;

    fn claim_phase(store: &Store) -> Option<String> {
        let (ns, name) = WAITING_CLAIM;
        let obj = store.get(Resource::PersistentVolumeClaims, ns, name)?;
        let claim: PersistentVolumeClaim = serde_json::from_slice(&obj.body).ok()?;
        claim.status?.phase
    }

    #[test]
    fn the_waiting_claim_is_bound_released_and_waits_again() {
        let store = Store::new(1);
        super::super::super::generate::populate(
            &store,
            &SimConfig {
                seed: 5,
                nodes: 4,
                pods_per_node: 10,
                churn_interval: None,
            },
        );
        let counts = |s: &Store| {
            Resource::ALL
                .iter()
                .map(|k| s.count(*k))
                .collect::<Vec<_>>()
        };
        let before = counts(&store);
        assert_eq!(claim_phase(&store).as_deref(), Some("Pending"));
        local_claim_round(&store);
        assert_eq!(claim_phase(&store).as_deref(), Some("Bound"));
        local_claim_round(&store);
        assert_eq!(claim_phase(&store).as_deref(), Some("Pending"));
        // The disk is cleaned before the claim can have it again.
        local_claim_round(&store);
        assert_eq!(claim_phase(&store).as_deref(), Some("Pending"));
        local_claim_round(&store);
        assert_eq!(claim_phase(&store).as_deref(), Some("Bound"));
        assert_eq!(counts(&store), before);
    }
}
