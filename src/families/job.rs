//! Job families. Every series also carries `namespace, job_name`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, bool_value, created, labels, owner};
use crate::objects::{ConditionStatus, Job};

/// The failure reasons served as their own `reason` series; a Failed
/// condition with another reason is served as `reason=""` with the count.
const FAILURE_REASONS: [&str; 3] = ["BackoffLimitExceeded", "DeadlineExceeded", "Evicted"];

impl Families for Job {
    fn families() -> Vec<Family<Job>> {
        vec![
            annotations("kube_job_annotations"),
            labels("kube_job_labels"),
            Family::gauge(
                Stable,
                "kube_job_info",
                "Information about job.",
                &[],
                |_, out| out.emit(&[], 1.0),
            ),
            created("kube_job_created"),
            Family::gauge(
                Stable,
                "kube_job_spec_parallelism",
                "The maximum desired number of pods the job should run at any given time.",
                &[],
                |j, out| out.emit_some(j.spec.parallelism.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_job_spec_completions",
                "The desired number of successfully finished pods the job should be run with.",
                &[],
                |j, out| out.emit_some(j.spec.completions.map(f64::from)),
            ),
            Family::gauge(
                Stable,
                "kube_job_spec_active_deadline_seconds",
                "The duration in seconds relative to the startTime that the job may be active before the system tries to terminate it.",
                &[],
                |j, out| out.emit_some(j.spec.active_deadline_seconds.map(|s| s as f64)),
            ),
            Family::gauge(
                Stable,
                "kube_job_status_succeeded",
                "The number of pods which reached Phase Succeeded.",
                &[],
                |j, out| out.emit(&[], f64::from(j.status.succeeded)),
            ),
            Family::gauge(
                Stable,
                "kube_job_status_failed",
                "The number of pods which reached Phase Failed and the reason for failure.",
                &["reason"],
                |j, out| {
                    let failed = f64::from(j.status.failed);
                    // No failure: one series without a `reason` label.
                    if j.status.failed == 0 {
                        return out.emit_pairs::<&str, &str>(&[], failed);
                    }
                    let mut known = false;
                    for c in j
                        .status
                        .conditions
                        .iter()
                        .filter(|c| &**c.type_() == "Failed")
                    {
                        for reason in FAILURE_REASONS {
                            let is = **c.reason() == *reason;
                            known |= is;
                            out.emit(&[reason], bool_value(is));
                        }
                    }
                    if !known {
                        out.emit(&[""], failed);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_job_status_active",
                "The number of actively running pods.",
                &[],
                |j, out| out.emit(&[], f64::from(j.status.active)),
            ),
            Family::gauge(
                Experimental,
                "kube_job_status_ready",
                "The number of ready pods that belong to this Job.",
                &[],
                |j, out| out.emit(&[], f64::from(j.status.ready.unwrap_or(0))),
            ),
            Family::gauge(
                Stable,
                "kube_job_complete",
                "The job has completed its execution.",
                &["condition"],
                |j, out| condition_of(j, "Complete", out),
            ),
            Family::gauge(
                Stable,
                "kube_job_failed",
                "The job has failed its execution.",
                &["condition"],
                |j, out| condition_of(j, "Failed", out),
            ),
            Family::gauge(
                Stable,
                "kube_job_status_start_time",
                "StartTime represents time when the job was acknowledged by the Job Manager.",
                &[],
                |j, out| out.emit_some(j.status.start_time.map(f64::floor)),
            ),
            Family::gauge(
                Stable,
                "kube_job_status_completion_time",
                "CompletionTime represents time when the job was completed.",
                &[],
                |j, out| out.emit_some(j.status.completion_time.map(f64::floor)),
            ),
            Family::gauge(
                Experimental,
                "kube_job_status_suspended",
                "The number of pods which reached Phase Suspended.",
                &[],
                |j, out| {
                    for c in j
                        .status
                        .conditions
                        .iter()
                        .filter(|c| &**c.type_() == "Suspended")
                    {
                        out.emit(&[], bool_value(c.status == ConditionStatus::True));
                    }
                },
            ),
            owner(
                Stable,
                "kube_job_owner",
                "Information about the Job's owner.",
            ),
        ]
    }
}

/// Every condition of the type, as three series true/false/unknown.
fn condition_of(j: &Job, type_: &str, out: &mut super::Series<'_>) {
    for c in j.status.conditions.iter().filter(|c| &**c.type_() == type_) {
        out.condition(&[], c.status);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::Job;

    fn job(json: &str) -> Job {
        serde_json::from_str(json).expect("test job decodes")
    }

    fn bare() -> Job {
        job(r#"{"metadata":{"name":"report-29400000","namespace":"batch"}}"#)
    }

    #[test]
    fn identity_is_namespace_and_job_name() {
        assert_eq!(
            series_of(&bare(), "kube_job_info"),
            [r#"kube_job_info{namespace="batch",job_name="report-29400000"} 1"#]
        );
    }

    #[test]
    fn spec_fields_only_when_set() {
        let j = job(
            r#"{"metadata":{"name":"etl","namespace":"batch","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"parallelism":2,"completions":4,"activeDeadlineSeconds":3600}}"#,
        );
        for (family, line) in [
            ("kube_job_spec_parallelism", "kube_job_spec_parallelism 2"),
            ("kube_job_spec_completions", "kube_job_spec_completions 4"),
            (
                "kube_job_spec_active_deadline_seconds",
                "kube_job_spec_active_deadline_seconds 3600",
            ),
            ("kube_job_created", "kube_job_created 1.7672256e+09"),
        ] {
            assert_eq!(
                series_of(&j, family),
                with_identity(&j, &[line]),
                "{family}"
            );
        }
        for family in [
            "kube_job_spec_parallelism",
            "kube_job_spec_completions",
            "kube_job_spec_active_deadline_seconds",
            "kube_job_created",
            "kube_job_status_start_time",
            "kube_job_status_completion_time",
            "kube_job_status_suspended",
            "kube_job_complete",
            "kube_job_failed",
        ] {
            assert!(series_of(&bare(), family).is_empty(), "{family}");
        }
    }

    #[test]
    fn counts_default_to_zero() {
        let b = bare();
        for family in [
            "kube_job_status_succeeded",
            "kube_job_status_active",
            "kube_job_status_ready",
            "kube_job_status_failed",
        ] {
            assert_eq!(
                series_of(&b, family),
                with_identity(&b, &[&format!("{family} 0")]),
                "{family}"
            );
        }
    }

    #[test]
    fn a_succeeded_job() {
        let j = job(r#"{"metadata":{"name":"report-1","namespace":"batch"},
               "status":{"succeeded":1,"ready":0,"startTime":"2026-01-01T00:00:00Z",
                 "completionTime":"2026-01-01T00:02:30Z",
                 "conditions":[{"type":"Complete","status":"True"}]}}"#);
        assert_eq!(
            series_of(&j, "kube_job_status_succeeded"),
            with_identity(&j, &["kube_job_status_succeeded 1"])
        );
        assert_eq!(
            series_of(&j, "kube_job_status_start_time"),
            with_identity(&j, &["kube_job_status_start_time 1.7672256e+09"])
        );
        assert_eq!(
            series_of(&j, "kube_job_status_completion_time"),
            with_identity(&j, &["kube_job_status_completion_time 1.76722575e+09"])
        );
        assert_eq!(
            series_of(&j, "kube_job_complete"),
            with_identity(
                &j,
                &[
                    r#"kube_job_complete{condition="true"} 1"#,
                    r#"kube_job_complete{condition="false"} 0"#,
                    r#"kube_job_complete{condition="unknown"} 0"#,
                ]
            )
        );
        assert!(series_of(&j, "kube_job_failed").is_empty());
    }

    #[test]
    fn a_failed_job_names_its_known_reason() {
        let j = job(r#"{"metadata":{"name":"etl-2","namespace":"batch"},
               "status":{"failed":3,"conditions":[
                 {"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}"#);
        assert_eq!(
            series_of(&j, "kube_job_status_failed"),
            with_identity(
                &j,
                &[
                    r#"kube_job_status_failed{reason="BackoffLimitExceeded"} 1"#,
                    r#"kube_job_status_failed{reason="DeadlineExceeded"} 0"#,
                    r#"kube_job_status_failed{reason="Evicted"} 0"#,
                ]
            )
        );
        assert_eq!(
            series_of(&j, "kube_job_failed"),
            with_identity(
                &j,
                &[
                    r#"kube_job_failed{condition="true"} 1"#,
                    r#"kube_job_failed{condition="false"} 0"#,
                    r#"kube_job_failed{condition="unknown"} 0"#,
                ]
            )
        );
    }

    #[test]
    fn an_unknown_failure_reason_is_served_empty_with_the_count() {
        let j = job(r#"{"metadata":{"name":"etl-3","namespace":"batch"},
               "status":{"failed":2,"conditions":[
                 {"type":"Failed","status":"True","reason":"PodFailurePolicy"}]}}"#);
        assert_eq!(
            series_of(&j, "kube_job_status_failed"),
            with_identity(
                &j,
                &[
                    r#"kube_job_status_failed{reason="BackoffLimitExceeded"} 0"#,
                    r#"kube_job_status_failed{reason="DeadlineExceeded"} 0"#,
                    r#"kube_job_status_failed{reason="Evicted"} 0"#,
                    r#"kube_job_status_failed{reason=""} 2"#,
                ]
            )
        );
        // Failed pods without a Failed condition yet.
        let pending =
            job(r#"{"metadata":{"name":"etl-4","namespace":"batch"},"status":{"failed":1}}"#);
        assert_eq!(
            series_of(&pending, "kube_job_status_failed"),
            with_identity(&pending, &[r#"kube_job_status_failed{reason=""} 1"#])
        );
    }

    #[test]
    fn suspended_condition_and_owner() {
        let j = job(
            r#"{"metadata":{"name":"train","namespace":"ml","ownerReferences":[
                 {"kind":"CronJob","name":"nightly","controller":true},{"kind":"Workload","name":"q"}]},
               "status":{"conditions":[{"type":"Suspended","status":"False","reason":"JobResumed"}]}}"#,
        );
        assert_eq!(
            series_of(&j, "kube_job_status_suspended"),
            with_identity(&j, &["kube_job_status_suspended 0"])
        );
        assert_eq!(
            series_of(&j, "kube_job_owner"),
            with_identity(
                &j,
                &[
                    r#"kube_job_owner{owner_kind="CronJob",owner_name="nightly",owner_is_controller="true"} 1"#,
                    r#"kube_job_owner{owner_kind="Workload",owner_name="q",owner_is_controller="false"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&bare(), "kube_job_owner"),
            with_identity(
                &bare(),
                &[r#"kube_job_owner{owner_kind="",owner_name="",owner_is_controller=""} 1"#]
            )
        );
    }
}
