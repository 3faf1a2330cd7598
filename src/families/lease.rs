//! Lease families. Every series starts with `lease` alone: as
//! kube-state-metrics has it, `namespace` comes among each family's own
//! labels.

use super::Stability::Experimental;
use super::{Families, Family};
use crate::objects::Lease;

impl Families for Lease {
    fn families() -> Vec<Family<Lease>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_lease_owner",
                "Information about the Lease's owner.",
                &["owner_kind", "owner_name", "namespace", "lease_holder"],
                |l, out| {
                    let ns = &l.metadata.namespace;
                    let holder = &l.spec.holder_identity;
                    let owners = &l.metadata.owner_references;
                    if owners.is_empty() {
                        return out.emit(&["", "", ns, holder], 1.0);
                    }
                    for owner in owners.iter() {
                        out.emit(&[&owner.kind, &owner.name, ns, holder], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_lease_renew_time",
                "Kube lease renew time.",
                &["namespace"],
                |l, out| {
                    // renewTime is a MicroTime; kube-state-metrics serves
                    // its whole seconds.
                    if let Some(renewed) = l.spec.renew_time {
                        out.emit(&[&l.metadata.namespace], renewed.floor());
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Lease;

    fn lease(json: &str) -> Lease {
        serde_json::from_str(json).expect("test lease decodes")
    }

    #[test]
    fn a_node_lease_owned_by_its_node() {
        let l = lease(
            r#"{"metadata":{"name":"node-0001","namespace":"kube-node-lease",
                 "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"node-0001","uid":"n-1"}]},
               "spec":{"holderIdentity":"node-0001","leaseDurationSeconds":40,
                 "renewTime":"2021-01-22T10:15:30.123456Z"}}"#,
        );
        assert_eq!(
            series_of(&l, "kube_lease_owner"),
            sorted(&[
                r#"kube_lease_owner{lease="node-0001",owner_kind="Node",owner_name="node-0001",namespace="kube-node-lease",lease_holder="node-0001"} 1"#
            ])
        );
        // Whole seconds, as kube-state-metrics' Unix() gives.
        assert_eq!(
            series_of(&l, "kube_lease_renew_time"),
            sorted(&[
                r#"kube_lease_renew_time{lease="node-0001",namespace="kube-node-lease"} 1.61131053e+09"#
            ])
        );
    }

    #[test]
    fn a_released_leader_election_lease() {
        let l = lease(
            r#"{"metadata":{"name":"kube-scheduler","namespace":"kube-system"},
               "spec":{"leaseDurationSeconds":15}}"#,
        );
        assert_eq!(
            series_of(&l, "kube_lease_owner"),
            sorted(&[
                r#"kube_lease_owner{lease="kube-scheduler",owner_kind="",owner_name="",namespace="kube-system",lease_holder=""} 1"#
            ])
        );
        assert!(series_of(&l, "kube_lease_renew_time").is_empty());
    }
}
