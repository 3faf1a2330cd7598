//! CronJob families. Every series also carries `namespace, cronjob`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, bool_value, created, labels};
use crate::objects::CronJob;

impl Families for CronJob {
    fn families() -> Vec<Family<CronJob>> {
        vec![
            annotations("kube_cronjob_annotations"),
            labels("kube_cronjob_labels"),
            Family::gauge(
                Stable,
                "kube_cronjob_info",
                "Info about cronjob.",
                &["schedule", "concurrency_policy", "timezone"],
                |c, out| {
                    let zone = c.spec.time_zone.as_deref().unwrap_or("local");
                    out.emit(&[&c.spec.schedule, &c.spec.concurrency_policy, zone], 1.0)
                },
            ),
            created("kube_cronjob_created"),
            Family::gauge(
                Stable,
                "kube_cronjob_status_active",
                "Active holds pointers to currently running jobs.",
                &[],
                |c, out| out.emit(&[], f64::from(c.status.active)),
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_status_last_schedule_time",
                "LastScheduleTime keeps information of when was the last time the job was successfully scheduled.",
                &[],
                |c, out| out.emit_some(c.status.last_schedule_time.map(f64::floor)),
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_status_last_successful_time",
                "LastSuccessfulTime keeps information of when was the last time the job was completed successfully.",
                &[],
                |c, out| out.emit_some(c.status.last_successful_time.map(f64::floor)),
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_spec_suspend",
                "Suspend flag tells the controller to suspend subsequent executions.",
                &[],
                |c, out| out.emit(&[], bool_value(c.spec.suspend == Some(true))),
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_spec_starting_deadline_seconds",
                "Deadline in seconds for starting the job if it misses scheduled time for any reason.",
                &[],
                |c, out| out.emit_some(c.spec.starting_deadline_seconds.map(|s| s as f64)),
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_next_schedule_time",
                "Next time the cronjob should be scheduled. The time after lastScheduleTime, or after the cron job's creation time if it's never been scheduled. Use this to determine if the job is delayed.",
                &[],
                |c, out| out.emit_some(c.next_schedule_time),
            ),
            Family::gauge(
                Experimental,
                "kube_cronjob_schedule_invalid",
                "Emitted with value 1 for cronjobs whose schedule, in its configured timezone, cannot be parsed.",
                &[],
                |c, out| {
                    if c.schedule_invalid {
                        out.emit(&[], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_cronjob_metadata_resource_version",
                "Resource version representing a specific version of the cronjob.",
                &[],
                |c, out| out.emit_some(c.resource_version),
            ),
            Family::gauge(
                Experimental,
                "kube_cronjob_spec_successful_job_history_limit",
                "Successful job history limit tells the controller how many completed jobs should be preserved.",
                &[],
                |c, out| out.emit_some(c.spec.successful_jobs_history_limit.map(f64::from)),
            ),
            Family::gauge(
                Experimental,
                "kube_cronjob_spec_failed_job_history_limit",
                "Failed job history limit tells the controller how many failed jobs should be preserved.",
                &[],
                |c, out| out.emit_some(c.spec.failed_jobs_history_limit.map(f64::from)),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::CronJob;

    fn cronjob(json: &str) -> CronJob {
        serde_json::from_str(json).expect("test cronjob decodes")
    }

    /// Created 2026-01-01T00:00:00Z (a Thursday), last scheduled at 02:00.
    fn nightly() -> CronJob {
        cronjob(
            r#"{"metadata":{"name":"report","namespace":"batch","resourceVersion":"4711",
                 "creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"schedule":"0 2 * * *","concurrencyPolicy":"Forbid","startingDeadlineSeconds":300,
                 "successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1,"suspend":false},
               "status":{"active":[{"kind":"Job","name":"report-29400000"}],
                 "lastScheduleTime":"2026-01-01T02:00:00Z","lastSuccessfulTime":"2026-01-01T02:03:10Z"}}"#,
        )
    }

    #[test]
    fn info_labels_in_order_with_local_as_the_default_zone() {
        let c = nightly();
        assert_eq!(
            series_of(&c, "kube_cronjob_info"),
            [
                r#"kube_cronjob_info{namespace="batch",cronjob="report",schedule="0 2 * * *",concurrency_policy="Forbid",timezone="local"} 1"#
            ]
        );
        let zoned = cronjob(
            r#"{"metadata":{"name":"r","namespace":"b"},"spec":{"schedule":"@daily","timeZone":"Etc/UTC","concurrencyPolicy":"Allow"}}"#,
        );
        assert_eq!(
            series_of(&zoned, "kube_cronjob_info"),
            with_identity(
                &zoned,
                &[
                    r#"kube_cronjob_info{schedule="@daily",concurrency_policy="Allow",timezone="Etc/UTC"} 1"#
                ]
            )
        );
    }

    #[test]
    fn status_and_spec_values() {
        let c = nightly();
        for (family, line) in [
            ("kube_cronjob_status_active", "kube_cronjob_status_active 1"),
            (
                "kube_cronjob_status_last_schedule_time",
                "kube_cronjob_status_last_schedule_time 1.7672328e+09",
            ),
            (
                "kube_cronjob_status_last_successful_time",
                "kube_cronjob_status_last_successful_time 1.76723299e+09",
            ),
            ("kube_cronjob_spec_suspend", "kube_cronjob_spec_suspend 0"),
            (
                "kube_cronjob_spec_starting_deadline_seconds",
                "kube_cronjob_spec_starting_deadline_seconds 300",
            ),
            (
                "kube_cronjob_metadata_resource_version",
                "kube_cronjob_metadata_resource_version 4711",
            ),
            (
                "kube_cronjob_spec_successful_job_history_limit",
                "kube_cronjob_spec_successful_job_history_limit 3",
            ),
            (
                "kube_cronjob_spec_failed_job_history_limit",
                "kube_cronjob_spec_failed_job_history_limit 1",
            ),
            ("kube_cronjob_created", "kube_cronjob_created 1.7672256e+09"),
        ] {
            assert_eq!(
                series_of(&c, family),
                with_identity(&c, &[line]),
                "{family}"
            );
        }
        assert!(series_of(&c, "kube_cronjob_schedule_invalid").is_empty());
    }

    #[test]
    fn next_schedule_counts_from_the_last_schedule_or_creation() {
        // 02:00 on Jan 1 was the last run: the next is 02:00 on Jan 2.
        let c = nightly();
        assert_eq!(
            series_of(&c, "kube_cronjob_next_schedule_time"),
            with_identity(&c, &["kube_cronjob_next_schedule_time 1.7673192e+09"])
        );
        // Never scheduled: 02:00 after creation.
        let fresh = cronjob(
            r#"{"metadata":{"name":"r","namespace":"b","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"schedule":"0 2 * * *"}}"#,
        );
        assert_eq!(
            series_of(&fresh, "kube_cronjob_next_schedule_time"),
            with_identity(&fresh, &["kube_cronjob_next_schedule_time 1.7672328e+09"])
        );
    }

    #[test]
    fn suspended_has_no_next_schedule_and_absent_fields_no_series() {
        let c = cronjob(
            r#"{"metadata":{"name":"r","namespace":"b","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"schedule":"0 2 * * *","suspend":true}}"#,
        );
        assert_eq!(
            series_of(&c, "kube_cronjob_spec_suspend"),
            with_identity(&c, &["kube_cronjob_spec_suspend 1"])
        );
        for family in [
            "kube_cronjob_next_schedule_time",
            "kube_cronjob_status_last_schedule_time",
            "kube_cronjob_status_last_successful_time",
            "kube_cronjob_spec_starting_deadline_seconds",
            "kube_cronjob_spec_successful_job_history_limit",
            "kube_cronjob_spec_failed_job_history_limit",
            "kube_cronjob_metadata_resource_version",
            "kube_cronjob_schedule_invalid",
        ] {
            assert!(series_of(&c, family).is_empty(), "{family}");
        }
        assert_eq!(
            series_of(&c, "kube_cronjob_status_active"),
            with_identity(&c, &["kube_cronjob_status_active 0"])
        );
    }

    #[test]
    fn an_unparsable_schedule_is_flagged_and_has_no_next_time() {
        // Kubernetes' parser takes a step as large as the range; the
        // exporter's does not.
        let c = cronjob(
            r#"{"metadata":{"name":"r","namespace":"b","creationTimestamp":"2026-01-01T00:00:00Z"},
               "spec":{"schedule":"0 */24 * * *"}}"#,
        );
        assert_eq!(
            series_of(&c, "kube_cronjob_schedule_invalid"),
            with_identity(&c, &["kube_cronjob_schedule_invalid 1"])
        );
        assert!(series_of(&c, "kube_cronjob_next_schedule_time").is_empty());
    }
}
