//! Builders for Jobs, CronJobs, HorizontalPodAutoscalers and
//! PodDisruptionBudgets, in the style of the other kinds' (the metadata
//! setters come from the parent's macros).

use k8s_openapi::api::autoscaling::v2::{
    ContainerResourceMetricSource, CrossVersionObjectReference, ExternalMetricSource,
    ExternalMetricStatus, HPAScalingRules, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerSpec,
    HorizontalPodAutoscalerStatus, MetricIdentifier, MetricSpec, MetricStatus, MetricTarget,
    MetricValueStatus, ObjectMetricSource, ObjectMetricStatus, PodsMetricSource,
    ResourceMetricSource, ResourceMetricStatus,
};
use k8s_openapi::api::batch::v1::{
    CronJob, CronJobSpec, CronJobStatus, Job, JobCondition, JobSpec, JobStatus, JobTemplateSpec,
};
use k8s_openapi::api::core::v1::{Container, ObjectReference, PodSpec, PodTemplateSpec};
use k8s_openapi::api::policy::v1::{
    PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, LabelSelector, ObjectMeta};

use super::{OwnerReference, insert, int_or_string, meta, time};

/// A pod template running one container of `image`.
fn template(name: &str, image: &str, restart_policy: &str) -> PodTemplateSpec {
    let mut labels = None;
    insert(&mut labels, "app", name);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels,
            ..Default::default()
        }),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: name.to_string(),
                image: Some(image.to_string()),
                ..Default::default()
            }],
            restart_policy: Some(restart_policy.to_string()),
            ..Default::default()
        }),
    }
}

// ---------------------------------------------------------------- jobs

/// A Job of one pod (parallelism and completions 1, backoffLimit 6, as the
/// API defaults them), not started yet.
pub fn job(name: &str) -> JobBuilder {
    JobBuilder {
        obj: Job {
            metadata: meta(name),
            spec: Some(JobSpec {
                parallelism: Some(1),
                completions: Some(1),
                backoff_limit: Some(6),
                template: template(name, &format!("registry.example.com/{name}:1.0.0"), "Never"),
                ..Default::default()
            }),
            status: Some(JobStatus::default()),
        },
    }
}

pub struct JobBuilder {
    obj: Job,
}

impl JobBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    fn spec(&mut self) -> &mut JobSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }
    fn status(&mut self) -> &mut JobStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn parallelism(mut self, n: i32) -> Self {
        self.spec().parallelism = Some(n);
        self
    }
    pub fn completions(mut self, n: Option<i32>) -> Self {
        self.spec().completions = n;
        self
    }
    pub fn backoff_limit(mut self, n: i32) -> Self {
        self.spec().backoff_limit = Some(n);
        self
    }
    pub fn active_deadline_seconds(mut self, s: i64) -> Self {
        self.spec().active_deadline_seconds = Some(s);
        self
    }
    pub fn suspend(mut self, on: bool) -> Self {
        self.spec().suspend = Some(on);
        self
    }
    pub fn started(mut self, unix_seconds: i64) -> Self {
        self.status().start_time = Some(time(unix_seconds));
        self
    }
    /// `n` pods running, `ready` of them ready.
    pub fn active(mut self, n: i32, ready: i32) -> Self {
        let status = self.status();
        status.active = Some(n);
        status.ready = Some(ready);
        self
    }
    /// Completed: `n` pods succeeded, the Complete condition at `at`.
    pub fn succeeded(mut self, n: i32, at: i64) -> Self {
        let status = self.status();
        status.active = None;
        status.ready = Some(0);
        status.succeeded = Some(n);
        status.completion_time = Some(time(at));
        self.condition("SuccessCriteriaMet", "True", "CompletionsReached", at)
            .condition("Complete", "True", "CompletionsReached", at)
    }
    /// Failed: `n` pods failed, the Failed condition with `reason` at `at`.
    pub fn failed(mut self, n: i32, reason: &str, at: i64) -> Self {
        let status = self.status();
        status.active = None;
        status.ready = Some(0);
        status.failed = Some(n);
        self.condition("FailureTarget", "True", reason, at)
            .condition("Failed", "True", reason, at)
    }
    pub fn condition(mut self, type_: &str, status: &str, reason: &str, at: i64) -> Self {
        self.status()
            .conditions
            .get_or_insert_with(Vec::new)
            .push(JobCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: Some(reason.to_string()),
                last_probe_time: Some(time(at)),
                last_transition_time: Some(time(at)),
                message: None,
            });
        self
    }
    pub fn build(self) -> Job {
        self.obj
    }
}

// ---------------------------------------------------------------- cronjobs

/// A CronJob (concurrencyPolicy Allow, the API's history limits 3 and 1),
/// never run yet.
pub fn cronjob(name: &str, schedule: &str) -> CronJobBuilder {
    CronJobBuilder {
        obj: CronJob {
            metadata: meta(name),
            spec: CronJobSpec {
                schedule: schedule.to_string(),
                concurrency_policy: Some("Allow".into()),
                successful_jobs_history_limit: Some(3),
                failed_jobs_history_limit: Some(1),
                suspend: Some(false),
                job_template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(JobSpec {
                        template: template(
                            name,
                            &format!("registry.example.com/{name}:1.0.0"),
                            "OnFailure",
                        ),
                        ..Default::default()
                    }),
                },
                ..Default::default()
            },
            status: Some(CronJobStatus::default()),
        },
    }
}

pub struct CronJobBuilder {
    obj: CronJob,
}

impl CronJobBuilder {
    meta_setters!();
    namespace_setter!();

    fn spec(&mut self) -> &mut CronJobSpec {
        &mut self.obj.spec
    }
    fn status(&mut self) -> &mut CronJobStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    pub fn suspend(mut self, on: bool) -> Self {
        self.spec().suspend = Some(on);
        self
    }
    pub fn time_zone(mut self, zone: &str) -> Self {
        self.spec().time_zone = Some(zone.to_string());
        self
    }
    pub fn concurrency_policy(mut self, policy: &str) -> Self {
        self.spec().concurrency_policy = Some(policy.to_string());
        self
    }
    pub fn starting_deadline_seconds(mut self, s: i64) -> Self {
        self.spec().starting_deadline_seconds = Some(s);
        self
    }
    pub fn history_limits(mut self, successful: i32, failed: i32) -> Self {
        let spec = self.spec();
        spec.successful_jobs_history_limit = Some(successful);
        spec.failed_jobs_history_limit = Some(failed);
        self
    }
    pub fn last_schedule(mut self, unix_seconds: i64) -> Self {
        self.status().last_schedule_time = Some(time(unix_seconds));
        self
    }
    pub fn last_successful(mut self, unix_seconds: i64) -> Self {
        self.status().last_successful_time = Some(time(unix_seconds));
        self
    }
    /// A running job, listed in status.active.
    pub fn active_job(mut self, namespace: &str, name: &str, uid: &str) -> Self {
        self.status()
            .active
            .get_or_insert_with(Vec::new)
            .push(job_reference(namespace, name, uid));
        self
    }
    pub fn build(self) -> CronJob {
        self.obj
    }
}

/// How a CronJob's status.active points at a Job.
pub fn job_reference(namespace: &str, name: &str, uid: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        namespace: Some(namespace.to_string()),
        name: Some(name.to_string()),
        uid: Some(uid.to_string()),
        ..Default::default()
    }
}

// ---------------------------------------------------------------- HPAs

/// An autoscaling/v2 HorizontalPodAutoscaler scaling `kind`/`target`
/// (apps/v1) between 1 and `max` replicas, with no metrics yet.
pub fn hpa(name: &str, kind: &str, target: &str, max: i32) -> HpaBuilder {
    HpaBuilder {
        obj: HorizontalPodAutoscaler {
            metadata: meta(name),
            spec: HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: kind.to_string(),
                    name: target.to_string(),
                },
                min_replicas: Some(1),
                max_replicas: max,
                ..Default::default()
            },
            status: Some(HorizontalPodAutoscalerStatus::default()),
        },
    }
}

pub struct HpaBuilder {
    obj: HorizontalPodAutoscaler,
}

fn target(
    type_: &str,
    value: Option<&str>,
    average: Option<&str>,
    utilization: Option<i32>,
) -> MetricTarget {
    MetricTarget {
        type_: type_.to_string(),
        value: value.map(|v| Quantity(v.to_string())),
        average_value: average.map(|v| Quantity(v.to_string())),
        average_utilization: utilization,
    }
}

fn current(
    value: Option<&str>,
    average: Option<&str>,
    utilization: Option<i32>,
) -> MetricValueStatus {
    MetricValueStatus {
        value: value.map(|v| Quantity(v.to_string())),
        average_value: average.map(|v| Quantity(v.to_string())),
        average_utilization: utilization,
    }
}

fn metric_id(name: &str) -> MetricIdentifier {
    MetricIdentifier {
        name: name.to_string(),
        selector: None,
    }
}

impl HpaBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn generation(mut self, g: i64) -> Self {
        self.obj.metadata.generation = Some(g);
        self
    }
    fn spec(&mut self) -> &mut HorizontalPodAutoscalerSpec {
        &mut self.obj.spec
    }
    fn status(&mut self) -> &mut HorizontalPodAutoscalerStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }
    fn metric(mut self, m: MetricSpec) -> Self {
        self.spec().metrics.get_or_insert_with(Vec::new).push(m);
        self
    }
    fn current_metric(mut self, m: MetricStatus) -> Self {
        self.status()
            .current_metrics
            .get_or_insert_with(Vec::new)
            .push(m);
        self
    }

    pub fn min_replicas(mut self, n: i32) -> Self {
        self.spec().min_replicas = Some(n);
        self
    }
    /// A resource target: average utilization (percent of requests).
    pub fn resource_utilization(self, resource: &str, percent: i32) -> Self {
        self.metric(MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: resource.to_string(),
                target: target("Utilization", None, None, Some(percent)),
            }),
            ..Default::default()
        })
    }
    /// A resource target: average value per pod (`512Mi`).
    pub fn resource_average(self, resource: &str, quantity: &str) -> Self {
        self.metric(MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: resource.to_string(),
                target: target("AverageValue", None, Some(quantity), None),
            }),
            ..Default::default()
        })
    }
    pub fn container_resource_utilization(
        self,
        resource: &str,
        container: &str,
        percent: i32,
    ) -> Self {
        self.metric(MetricSpec {
            type_: "ContainerResource".into(),
            container_resource: Some(ContainerResourceMetricSource {
                name: resource.to_string(),
                container: container.to_string(),
                target: target("Utilization", None, None, Some(percent)),
            }),
            ..Default::default()
        })
    }
    /// An external metric's total value (`queue_depth` 30).
    pub fn external_value(self, metric: &str, quantity: &str) -> Self {
        self.metric(MetricSpec {
            type_: "External".into(),
            external: Some(ExternalMetricSource {
                metric: metric_id(metric),
                target: target("Value", Some(quantity), None, None),
            }),
            ..Default::default()
        })
    }
    /// A metric of another object (an Ingress's requests per second).
    pub fn object_value(self, metric: &str, kind: &str, name: &str, quantity: &str) -> Self {
        self.metric(MetricSpec {
            type_: "Object".into(),
            object: Some(ObjectMetricSource {
                metric: metric_id(metric),
                described_object: CrossVersionObjectReference {
                    api_version: Some("networking.k8s.io/v1".into()),
                    kind: kind.to_string(),
                    name: name.to_string(),
                },
                target: target("Value", Some(quantity), None, None),
            }),
            ..Default::default()
        })
    }
    /// A per-pod custom metric's average.
    pub fn pods_average(self, metric: &str, quantity: &str) -> Self {
        self.metric(MetricSpec {
            type_: "Pods".into(),
            pods: Some(PodsMetricSource {
                metric: metric_id(metric),
                target: target("AverageValue", None, Some(quantity), None),
            }),
            ..Default::default()
        })
    }
    /// Tolerances of the scale-up and scale-down rules (`0.05`).
    pub fn tolerances(mut self, up: &str, down: &str) -> Self {
        let rules = |t: &str| HPAScalingRules {
            tolerance: Some(Quantity(t.to_string())),
            ..Default::default()
        };
        self.spec().behavior = Some(HorizontalPodAutoscalerBehavior {
            scale_up: Some(rules(up)),
            scale_down: Some(rules(down)),
        });
        self
    }
    pub fn replicas(mut self, current: i32, desired: i32) -> Self {
        let status = self.status();
        status.current_replicas = Some(current);
        status.desired_replicas = desired;
        self
    }
    /// A resource's current average utilization and value.
    pub fn current_resource(self, resource: &str, percent: i32, average: &str) -> Self {
        self.current_metric(MetricStatus {
            type_: "Resource".into(),
            resource: Some(ResourceMetricStatus {
                name: resource.to_string(),
                current: current(None, Some(average), Some(percent)),
            }),
            ..Default::default()
        })
    }
    pub fn current_external(self, metric: &str, value: &str) -> Self {
        self.current_metric(MetricStatus {
            type_: "External".into(),
            external: Some(ExternalMetricStatus {
                metric: metric_id(metric),
                current: current(Some(value), None, None),
            }),
            ..Default::default()
        })
    }
    pub fn current_object(self, metric: &str, kind: &str, name: &str, value: &str) -> Self {
        self.current_metric(MetricStatus {
            type_: "Object".into(),
            object: Some(ObjectMetricStatus {
                metric: metric_id(metric),
                described_object: CrossVersionObjectReference {
                    api_version: Some("networking.k8s.io/v1".into()),
                    kind: kind.to_string(),
                    name: name.to_string(),
                },
                current: current(Some(value), None, None),
            }),
            ..Default::default()
        })
    }
    pub fn condition(mut self, type_: &str, status: &str, reason: &str, at: i64) -> Self {
        self.status().conditions.get_or_insert_with(Vec::new).push(
            HorizontalPodAutoscalerCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: Some(reason.to_string()),
                last_transition_time: Some(time(at)),
                ..Default::default()
            },
        );
        self
    }
    pub fn build(self) -> HorizontalPodAutoscaler {
        self.obj
    }
}

// ---------------------------------------------------------------- PDBs

/// A policy/v1 PodDisruptionBudget selecting `app=<app>`, without a bound.
pub fn pdb(name: &str, app: &str) -> PdbBuilder {
    let mut match_labels = None;
    insert(&mut match_labels, "app", app);
    PdbBuilder {
        obj: PodDisruptionBudget {
            metadata: meta(name),
            spec: Some(PodDisruptionBudgetSpec {
                selector: Some(LabelSelector {
                    match_labels,
                    match_expressions: None,
                }),
                ..Default::default()
            }),
            status: Some(PodDisruptionBudgetStatus::default()),
        },
    }
}

pub struct PdbBuilder {
    obj: PodDisruptionBudget,
}

impl PdbBuilder {
    meta_setters!();
    namespace_setter!();

    fn spec(&mut self) -> &mut PodDisruptionBudgetSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }

    /// minAvailable, a count or a percentage.
    pub fn min_available(mut self, v: &str) -> Self {
        self.spec().min_available = Some(int_or_string(v));
        self
    }
    pub fn max_unavailable(mut self, v: &str) -> Self {
        self.spec().max_unavailable = Some(int_or_string(v));
        self
    }
    /// The disruption controller's view: `expected` pods selected,
    /// `healthy` of them ready, `desired` to keep; the DisruptionAllowed
    /// condition follows.
    pub fn healthy(mut self, expected: i32, healthy: i32, desired: i32, at: i64) -> Self {
        let generation = self.obj.metadata.generation.unwrap_or(1);
        let allowed = (healthy - desired).max(0);
        self.obj.status = Some(PodDisruptionBudgetStatus {
            expected_pods: Some(expected),
            current_healthy: Some(healthy),
            desired_healthy: Some(desired),
            disruptions_allowed: Some(allowed),
            observed_generation: Some(generation),
            conditions: Some(vec![Condition {
                type_: "DisruptionAllowed".into(),
                status: if allowed > 0 { "True" } else { "False" }.into(),
                reason: if allowed > 0 {
                    "SufficientPods"
                } else {
                    "InsufficientPods"
                }
                .into(),
                message: String::new(),
                last_transition_time: time(at),
                observed_generation: Some(generation),
            }]),
            ..Default::default()
        });
        self
    }
    pub fn build(self) -> PodDisruptionBudget {
        self.obj
    }
}
