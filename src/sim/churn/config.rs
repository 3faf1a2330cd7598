//! Churn of configuration and leases: kubelets and the control plane renew
//! their leases (a kubelet whose node is not Ready does not, nor does the
//! stopped controller), the cluster autoscaler rewrites its status
//! ConfigMap, cert-manager renews a TLS Secret, and a kubelet's pending
//! certificate request is approved and issued while the next one arrives
//! and the oldest issued one is cleaned up. Counts stay stable.

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Secret};

use crate::kinds::Resource;

use super::super::builders::{micro_time, time};
use super::super::generate::config::{AUTOSCALER_STATUS, STOPPED_LEASE, node_ready, pending_csr};
use super::super::generate::put;
use super::super::rng::Rng;
use super::super::store::{Store, now_unix};

/// Leases renewed per tick at most, so a cluster of thousands of nodes
/// does not turn every tick into thousands of events.
const RENEWALS_PER_TICK: usize = 50;

pub(super) fn tick(store: &Store, rng: &mut Rng) {
    renew_leases(store);
    if rng.chance(20) {
        autoscaler_status(store);
    }
    if rng.chance(3) {
        renew_certificate(store, rng);
    }
    if rng.chance(5) {
        issue_pending_csr(store, rng);
    }
}

/// Every held lease due for renewal (a node lease each quarter of its
/// duration, the others each third), oldest first, up to the cap.
fn renew_leases(store: &Store) {
    let now = now_unix();
    let mut due: Vec<(i64, Lease)> = Vec::new();
    for (key, obj) in store.objects(Resource::Leases).iter() {
        if *key == format!("{}/{}", STOPPED_LEASE.0, STOPPED_LEASE.1) {
            continue;
        }
        let Ok(lease) = serde_json::from_slice::<Lease>(&obj.body) else {
            continue;
        };
        let Some(spec) = lease.spec.as_ref() else {
            continue;
        };
        let (Some(renewed), Some(duration)) = (&spec.renew_time, spec.lease_duration_seconds)
        else {
            continue;
        };
        let node_lease = lease.metadata.namespace.as_deref() == Some("kube-node-lease");
        let every = if node_lease {
            duration / 4
        } else {
            duration / 3
        };
        let renewed = renewed.0.as_second();
        if now - renewed < i64::from(every.max(1)) {
            continue;
        }
        if node_lease && !node_is_ready(store, lease.metadata.name.as_deref().unwrap_or("")) {
            continue;
        }
        due.push((renewed, lease));
    }
    due.sort_by_key(|(renewed, _)| *renewed);
    for (_, mut lease) in due.into_iter().take(RENEWALS_PER_TICK) {
        if let Some(spec) = lease.spec.as_mut() {
            spec.renew_time = Some(micro_time(now));
        }
        put(store, &lease);
    }
}

fn node_is_ready(store: &Store, name: &str) -> bool {
    store
        .get(Resource::Nodes, "", name)
        .and_then(|obj| serde_json::from_slice::<Node>(&obj.body).ok())
        .is_some_and(|node| node_ready(&node))
}

fn autoscaler_status(store: &Store) {
    let (ns, name) = AUTOSCALER_STATUS;
    let Some(mut status) = store
        .get(Resource::ConfigMaps, ns, name)
        .and_then(|obj| serde_json::from_slice::<ConfigMap>(&obj.body).ok())
    else {
        return;
    };
    let now = now_unix();
    let text = format!(
        "Cluster-autoscaler status at {}:\nCluster-wide:\n  Health: Healthy\n",
        time(now).0
    );
    status
        .data
        .get_or_insert_with(Default::default)
        .insert("status".into(), text);
    put(store, &status);
}

/// cert-manager renews a TLS Secret in place: new data, same object.
fn renew_certificate(store: &Store, rng: &mut Rng) {
    let tls: Vec<Secret> = store
        .objects(Resource::Secrets)
        .values()
        .filter_map(|obj| serde_json::from_slice::<Secret>(&obj.body).ok())
        .filter(|s| s.type_.as_deref() == Some("kubernetes.io/tls"))
        .collect();
    if tls.is_empty() {
        return;
    }
    let mut secret = tls[rng.below(tls.len())].clone();
    let data = secret.data.get_or_insert_with(Default::default);
    for key in ["tls.crt", "tls.key"] {
        let pem = format!("-----BEGIN-----\nMIIC{}\n-----END-----\n", rng.hex(60));
        data.insert(key.into(), ByteString(pem.into_bytes()));
    }
    put(store, &secret);
}

/// The approver approves the waiting request and the signer issues it; a
/// kubelet asks again, and the CSR cleaner deletes the oldest issued one.
fn issue_pending_csr(store: &Store, rng: &mut Rng) {
    let requests: Vec<CertificateSigningRequest> = store
        .objects(Resource::CertificateSigningRequests)
        .values()
        .filter_map(|obj| serde_json::from_slice(&obj.body).ok())
        .collect();
    let conditions = |csr: &CertificateSigningRequest| {
        csr.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .map_or(0, Vec::len)
    };
    let Some(mut pending) = requests.iter().find(|csr| conditions(csr) == 0).cloned() else {
        return;
    };
    let now = now_unix();
    let status = pending.status.get_or_insert_with(Default::default);
    status.conditions = Some(vec![
        k8s_openapi::api::certificates::v1::CertificateSigningRequestCondition {
            type_: "Approved".into(),
            status: "True".into(),
            reason: Some("KubectlApprove".into()),
            message: Some("This CSR was approved by kubectl certificate approve.".into()),
            last_transition_time: Some(time(now)),
            last_update_time: Some(time(now)),
        },
    ]);
    status.certificate = Some(ByteString(
        format!(
            "-----BEGIN CERTIFICATE-----\nMIIC{}\n-----END CERTIFICATE-----\n",
            rng.hex(60)
        )
        .into_bytes(),
    ));
    put(store, &pending);
    put(store, &pending_csr(rng, now));
    let issued_kubelet = |csr: &&CertificateSigningRequest| {
        csr.spec.signer_name.starts_with("kubernetes.io/kube")
            && csr
                .status
                .as_ref()
                .and_then(|s| s.certificate.as_ref())
                .is_some()
    };
    if let Some(oldest) = requests
        .iter()
        .filter(issued_kubelet)
        .min_by_key(|csr| csr.metadata.creation_timestamp.as_ref().map(|t| t.0))
    {
        store.delete(
            Resource::CertificateSigningRequests,
            "",
            oldest.metadata.name.as_deref().unwrap_or(""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;
    use crate::sim::generate::T0;

    fn cluster() -> Store {
        let store = Store::new(1);
        crate::sim::generate::populate(
            &store,
            &SimConfig {
                seed: 3,
                nodes: 12,
                pods_per_node: 5,
                churn_interval: None,
            },
        );
        store
    }

    fn renewed(store: &Store, ns: &str, name: &str) -> i64 {
        let obj = store.get(Resource::Leases, ns, name).expect("lease");
        let lease: Lease = serde_json::from_slice(&obj.body).unwrap();
        lease.spec.unwrap().renew_time.unwrap().0.as_second()
    }

    #[test]
    fn held_leases_renew_except_of_nodes_not_ready_and_the_stopped_one() {
        let store = cluster();
        let before = now_unix();
        renew_leases(&store);
        let nodes: Vec<Node> = store
            .objects(Resource::Nodes)
            .values()
            .map(|o| serde_json::from_slice(&o.body).unwrap())
            .collect();
        let mut not_ready = 0;
        for node in &nodes {
            let name = node.metadata.name.as_deref().unwrap();
            let at = renewed(&store, "kube-node-lease", name);
            if node_ready(node) {
                assert!(at >= before, "{name} renewed");
            } else {
                not_ready += 1;
                assert!(at < T0, "{name} not renewed");
            }
        }
        assert!(not_ready > 0);
        assert!(renewed(&store, "kube-system", "kube-scheduler") >= before);
        let (ns, name) = STOPPED_LEASE;
        assert!(renewed(&store, ns, name) < T0);
    }

    #[test]
    fn a_pending_request_is_issued_and_another_arrives() {
        let store = cluster();
        let count = store.count(Resource::CertificateSigningRequests);
        let pending = |store: &Store| -> Vec<String> {
            store
                .objects(Resource::CertificateSigningRequests)
                .values()
                .filter_map(|o| serde_json::from_slice::<CertificateSigningRequest>(&o.body).ok())
                .filter(|c| {
                    c.status
                        .as_ref()
                        .and_then(|s| s.conditions.as_ref())
                        .is_none()
                })
                .filter_map(|c| c.metadata.name)
                .collect()
        };
        let first = pending(&store);
        assert_eq!(first.len(), 1);
        issue_pending_csr(&store, &mut Rng::new(9));
        assert_eq!(store.count(Resource::CertificateSigningRequests), count);
        let now_pending = pending(&store);
        assert_eq!(now_pending.len(), 1);
        assert_ne!(now_pending, first);
        let issued: CertificateSigningRequest = serde_json::from_slice(
            &store
                .get(Resource::CertificateSigningRequests, "", &first[0])
                .expect("the approved request stays")
                .body,
        )
        .unwrap();
        assert!(issued.status.unwrap().certificate.is_some());
    }
}
