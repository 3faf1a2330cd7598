//! Deployment families. Every series also carries `namespace, deployment`.

use super::Stability::{Experimental, Stable};
use super::metadata_generation;
use super::{Families, Family, annotations, bool_value, created, deletion_timestamp, labels};
use crate::objects::Deployment;
use crate::objects::deployment::{IntOrPercent, RollingUpdate};

/// The reasons the deployment controller sets on its conditions; any other
/// reason is served as `unknown`, so a controller with free-form reasons
/// cannot blow up the series count.
const CONDITION_REASONS: [&str; 10] = [
    "ReplicaSetUpdated",
    "FailedRSCreate",
    "NewReplicaSetCreated",
    "FoundNewReplicaSet",
    "NewReplicaSetAvailable",
    "ProgressDeadlineExceeded",
    "DeploymentPaused",
    "DeploymentResumed",
    "MinimumReplicasAvailable",
    "MinimumReplicasUnavailable",
];

impl Families for Deployment {
    fn families() -> Vec<Family<Deployment>> {
        vec![
            created("kube_deployment_created"),
            deletion_timestamp("kube_deployment_deletion_timestamp"),
            metadata_generation(
                "kube_deployment_metadata_generation",
                "Sequence number representing a specific generation of the desired state.",
            ),
            Family::gauge(
                Stable,
                "kube_deployment_spec_replicas",
                "Number of desired pods for a deployment.",
                &[],
                |d, out| out.emit_some(d.spec.replicas.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_spec_paused",
                "Whether the deployment is paused and will not be processed by the deployment controller.",
                &[],
                |d, out| out.emit(&[], bool_value(d.spec.paused)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_spec_strategy_rollingupdate_max_unavailable",
                "Maximum number of unavailable replicas during a rolling update of a deployment.",
                &[],
                |d, out| out.emit_some(rolling(d, |r| &r.max_unavailable, false)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_spec_strategy_rollingupdate_max_surge",
                "Maximum number of replicas that can be scheduled above the desired number of replicas during a rolling update of a deployment.",
                &[],
                |d, out| out.emit_some(rolling(d, |r| &r.max_surge, true)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas",
                "The number of replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas_ready",
                "The number of ready replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.ready_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas_available",
                "The number of available replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.available_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas_unavailable",
                "The number of unavailable replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.unavailable_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_replicas_updated",
                "The number of updated replicas per deployment.",
                &[],
                |d, out| out.emit(&[], f64::from(d.status.updated_replicas)),
            ),
            Family::gauge(
                Experimental,
                "kube_deployment_status_terminating_replicas",
                "The number of terminating replicas per deployment.",
                &[],
                |d, out| out.emit_some(d.status.terminating_replicas.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_observed_generation",
                "The generation observed by the deployment controller.",
                &[],
                |d, out| out.emit(&[], d.status.observed_generation as f64),
            ),
            Family::gauge(
                Stable,
                "kube_deployment_status_condition",
                "The current status conditions of a deployment.",
                &["reason", "condition", "status"],
                |d, out| {
                    for c in d.status.conditions.iter() {
                        let reason = match CONDITION_REASONS.contains(&&**c.reason()) {
                            true => c.reason(),
                            false => "unknown",
                        };
                        out.condition(&[reason, c.type_()], c.status);
                    }
                },
            ),
            labels("kube_deployment_labels"),
            annotations("kube_deployment_annotations"),
            Family::gauge(
                Experimental,
                "kube_deployment_owner",
                "Information about the Deployment's owner.",
                &["owner_kind", "owner_name"],
                |d, out| {
                    if d.metadata.owner_references.is_empty() {
                        return out.emit(&["", ""], 1.0);
                    }
                    for owner in d.metadata.owner_references.iter() {
                        out.emit(&[&owner.kind, &owner.name], 1.0);
                    }
                },
            ),
        ]
    }
}

/// A rolling-update bound resolved against spec.replicas, as Kubernetes'
/// `GetScaledValueFromIntOrPercent` does: percentages round up for
/// maxSurge and down for maxUnavailable. `None` (no series) without a
/// rolling update, without replicas, or when the value does not parse.
fn rolling(
    d: &Deployment,
    field: fn(&RollingUpdate) -> &Option<IntOrPercent>,
    round_up: bool,
) -> Option<f64> {
    let value = field(d.spec.strategy.rolling_update.as_ref()?).as_ref()?;
    let replicas = d.spec.replicas?;
    match value {
        IntOrPercent::Int(n) => Some(f64::from(*n)),
        IntOrPercent::Percent(text) => {
            let (number, percent) = match text.strip_suffix('%') {
                Some(number) => (number, true),
                None => (&**text, false),
            };
            let n: i32 = number.parse().ok()?;
            if !percent {
                return Some(f64::from(n));
            }
            let scaled = f64::from(n) * f64::from(replicas) / 100.0;
            Some(if round_up {
                scaled.ceil()
            } else {
                scaled.floor()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::Deployment;

    const D: &str = r#"namespace="shop",deployment="web""#;

    fn want(lines: &[&str]) -> Vec<String> {
        let lines: Vec<String> = lines.iter().map(|l| l.replace("{D}", D)).collect();
        sorted(&lines.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn with_strategy(replicas: &str, strategy: &str) -> Deployment {
        deployment(&format!(
            r#"{{"metadata":{{"name":"web","namespace":"shop"}},"spec":{{{replicas}"strategy":{strategy}}}}}"#
        ))
    }

    fn deployment(json: &str) -> Deployment {
        serde_json::from_str(json).expect("test deployment decodes")
    }

    #[test]
    fn replicas_and_generations() {
        let d = deployment(
            r#"{"metadata":{"name":"web","namespace":"shop","uid":"d-1","generation":4},
               "spec":{"replicas":3},
               "status":{"availableReplicas":2,"observedGeneration":3}}"#,
        );
        let ident = r#"namespace="shop",deployment="web""#;
        assert_eq!(
            series_of(&d, "kube_deployment_spec_replicas"),
            sorted(&[&format!("kube_deployment_spec_replicas{{{ident}}} 3")])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_status_replicas_available"),
            sorted(&[&format!(
                "kube_deployment_status_replicas_available{{{ident}}} 2"
            )])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_metadata_generation"),
            sorted(&[&format!("kube_deployment_metadata_generation{{{ident}}} 4")])
        );
        assert_eq!(
            series_of(&d, "kube_deployment_status_observed_generation"),
            sorted(&[&format!(
                "kube_deployment_status_observed_generation{{{ident}}} 3"
            )])
        );
    }

    #[test]
    fn nil_replicas_give_no_series_but_zero_does() {
        let nil = deployment(r#"{"metadata":{"name":"web","namespace":"shop"}}"#);
        assert!(series_of(&nil, "kube_deployment_spec_replicas").is_empty());
        let zero =
            deployment(r#"{"metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":0}}"#);
        assert_eq!(
            series_of(&zero, "kube_deployment_spec_replicas"),
            sorted(&[r#"kube_deployment_spec_replicas{namespace="shop",deployment="web"} 0"#])
        );
    }

    #[test]
    fn percentages_round_up_for_surge_and_down_for_unavailable() {
        // 25% of 10 = 2.5: surge 3, unavailable 2.
        let d = with_strategy(
            r#""replicas":10,"#,
            r#"{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}"#,
        );
        assert_eq!(
            series_of(&d, "kube_deployment_spec_strategy_rollingupdate_max_surge"),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_surge{{D}} 3"])
        );
        assert_eq!(
            series_of(
                &d,
                "kube_deployment_spec_strategy_rollingupdate_max_unavailable"
            ),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_unavailable{{D}} 2"])
        );
        // Plain counts, as ints or as strings, are taken as they are.
        let counts = with_strategy(
            r#""replicas":10,"#,
            r#"{"rollingUpdate":{"maxSurge":1,"maxUnavailable":"0"}}"#,
        );
        assert_eq!(
            series_of(
                &counts,
                "kube_deployment_spec_strategy_rollingupdate_max_surge"
            ),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_surge{{D}} 1"])
        );
        assert_eq!(
            series_of(
                &counts,
                "kube_deployment_spec_strategy_rollingupdate_max_unavailable"
            ),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_unavailable{{D}} 0"])
        );
        // 1% of 1 replica: surge rounds up to 1, unavailable down to 0.
        let one = with_strategy(
            r#""replicas":1,"#,
            r#"{"rollingUpdate":{"maxSurge":"1%","maxUnavailable":"1%"}}"#,
        );
        assert_eq!(
            series_of(
                &one,
                "kube_deployment_spec_strategy_rollingupdate_max_surge"
            ),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_surge{{D}} 1"])
        );
        assert_eq!(
            series_of(
                &one,
                "kube_deployment_spec_strategy_rollingupdate_max_unavailable"
            ),
            want(&["kube_deployment_spec_strategy_rollingupdate_max_unavailable{{D}} 0"])
        );
    }

    #[test]
    fn no_rolling_update_no_replicas_or_garbage_give_no_series() {
        for d in [
            with_strategy(r#""replicas":3,"#, r#"{"type":"Recreate"}"#),
            with_strategy(
                "",
                r#"{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}"#,
            ),
            with_strategy(
                r#""replicas":3,"#,
                r#"{"rollingUpdate":{"maxSurge":"lots","maxUnavailable":"2.5%"}}"#,
            ),
        ] {
            for family in [
                "kube_deployment_spec_strategy_rollingupdate_max_surge",
                "kube_deployment_spec_strategy_rollingupdate_max_unavailable",
            ] {
                assert!(series_of(&d, family).is_empty(), "{family} of {d:?}");
            }
        }
    }

    #[test]
    fn status_replicas_paused_and_terminating() {
        let d = deployment(
            r#"{"metadata":{"name":"web","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"replicas":0,"paused":true},
               "status":{"replicas":4,"readyReplicas":3,"availableReplicas":2,"unavailableReplicas":2,
                         "updatedReplicas":1,"terminatingReplicas":0}}"#,
        );
        for (family, value) in [
            ("kube_deployment_spec_paused", "1"),
            ("kube_deployment_status_replicas", "4"),
            ("kube_deployment_status_replicas_ready", "3"),
            ("kube_deployment_status_replicas_available", "2"),
            ("kube_deployment_status_replicas_unavailable", "2"),
            ("kube_deployment_status_replicas_updated", "1"),
            ("kube_deployment_status_terminating_replicas", "0"),
            ("kube_deployment_created", "1.61131053e+09"),
        ] {
            assert_eq!(
                series_of(&d, family),
                want(&[&format!("{family}{{{{D}}}} {value}")]),
                "{family}"
            );
        }
        let bare = deployment(r#"{"metadata":{"name":"web","namespace":"shop"}}"#);
        assert!(series_of(&bare, "kube_deployment_status_terminating_replicas").is_empty());
        assert!(series_of(&bare, "kube_deployment_deletion_timestamp").is_empty());
        assert_eq!(
            series_of(&bare, "kube_deployment_status_replicas_unavailable"),
            want(&["kube_deployment_status_replicas_unavailable{{D}} 0"])
        );
    }

    #[test]
    fn conditions_keep_known_reasons_and_map_the_rest_to_unknown() {
        let d = deployment(
            r#"{"metadata":{"name":"web","namespace":"shop"},"status":{"conditions":[
                {"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},
                {"type":"Progressing","status":"True","reason":"SomeOperatorSaidSo"}]}}"#,
        );
        assert_eq!(
            series_of(&d, "kube_deployment_status_condition"),
            want(&[
                r#"kube_deployment_status_condition{{D},reason="MinimumReplicasUnavailable",condition="Available",status="true"} 0"#,
                r#"kube_deployment_status_condition{{D},reason="MinimumReplicasUnavailable",condition="Available",status="false"} 1"#,
                r#"kube_deployment_status_condition{{D},reason="MinimumReplicasUnavailable",condition="Available",status="unknown"} 0"#,
                r#"kube_deployment_status_condition{{D},reason="unknown",condition="Progressing",status="true"} 1"#,
                r#"kube_deployment_status_condition{{D},reason="unknown",condition="Progressing",status="false"} 0"#,
                r#"kube_deployment_status_condition{{D},reason="unknown",condition="Progressing",status="unknown"} 0"#,
            ])
        );
        let none = deployment(r#"{"metadata":{"name":"web","namespace":"shop"}}"#);
        assert!(series_of(&none, "kube_deployment_status_condition").is_empty());
    }

    #[test]
    fn owners_one_per_reference_or_one_empty() {
        let owned = deployment(
            r#"{"metadata":{"name":"web","namespace":"shop","ownerReferences":[
                {"kind":"Rollout","name":"web","controller":true},{"kind":"HelmRelease","name":"shop"}]}}"#,
        );
        assert_eq!(
            series_of(&owned, "kube_deployment_owner"),
            want(&[
                r#"kube_deployment_owner{{D},owner_kind="Rollout",owner_name="web"} 1"#,
                r#"kube_deployment_owner{{D},owner_kind="HelmRelease",owner_name="shop"} 1"#,
            ])
        );
        let none = deployment(r#"{"metadata":{"name":"web","namespace":"shop"}}"#);
        assert_eq!(
            series_of(&none, "kube_deployment_owner"),
            want(&[r#"kube_deployment_owner{{D},owner_kind="",owner_name=""} 1"#])
        );
    }
}
