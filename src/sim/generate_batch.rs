//! Jobs, CronJobs, HorizontalPodAutoscalers and PodDisruptionBudgets of the
//! generated cluster, made the way their controllers would make them from
//! what the generator already stored: a Job for every Job a pod names as
//! its owner (same name and uid, status counted from its pods), CronJobs
//! owning the scheduled ones, autoscalers on existing Deployments and
//! StatefulSets, budgets over the pods they select. Then churn: a job
//! finishing, a CronJob starting a job, an autoscaler changing replicas.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use serde::de::DeserializeOwned;

use super::builders::{self, job_reference, time};
use super::generate::{T0, put};
use super::rng::Rng;
use super::store::{Store, now_unix};
use crate::kinds::Resource;

const DAY: i64 = 86_400;

/// The CronJobs whose jobs the generator's pods name (`report-29012345`):
/// name, schedule, time zone.
const SCHEDULED: [(&str, &str, Option<&str>); 2] = [
    ("report", "0 * * * *", None),
    ("etl", "*/30 * * * *", Some("Etc/UTC")),
];

/// Every object of a kind, decoded (injected malformed objects skipped).
fn all<T: DeserializeOwned>(store: &Store, kind: Resource) -> Vec<T> {
    store
        .objects(kind)
        .values()
        .filter_map(|o| serde_json::from_slice(&o.body).ok())
        .collect()
}

fn unix(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> Option<i64> {
    t.map(|t| t.0.as_second())
}

fn ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or_default()
}

/// The CronJob a job of this name belongs to, if it is a scheduled one.
fn schedule_of(job: &str) -> Option<&'static (&'static str, &'static str, Option<&'static str>)> {
    let (base, suffix) = job.rsplit_once('-')?;
    let digits = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit());
    SCHEDULED.iter().find(|(name, ..)| digits && *name == base)
}

/// What a CronJob's status says after its jobs.
#[derive(Default)]
struct CronStatus {
    active: Vec<(String, String)>,
    last_schedule: Option<i64>,
    last_success: Option<i64>,
}

pub(crate) fn populate(store: &Store, seed: u64) {
    let mut rng = Rng::new(seed ^ 0xBA7C_4000);
    let pods: Vec<Pod> = all(store, Resource::Pods);
    let cron_uids: BTreeMap<&str, String> = SCHEDULED
        .iter()
        .map(|(name, ..)| (*name, rng.uuid()))
        .collect();
    let mut cron_status: BTreeMap<&str, CronStatus> = BTreeMap::new();
    jobs(store, &pods, &cron_uids, &mut cron_status);
    cronjobs(store, &cron_uids, &cron_status);
    autoscalers(store, &pods);
    budgets(store, &pods);
}

/// One Job per (namespace, Job owner) of the pods, its counts from them.
fn jobs(
    store: &Store,
    pods: &[Pod],
    cron_uids: &BTreeMap<&str, String>,
    cron_status: &mut BTreeMap<&'static str, CronStatus>,
) {
    let mut owned: BTreeMap<(String, String, String), Vec<&Pod>> = BTreeMap::new();
    for pod in pods {
        for owner in pod.metadata.owner_references.iter().flatten() {
            if owner.kind == "Job" {
                let ns = pod.metadata.namespace.clone().unwrap_or_default();
                owned
                    .entry((ns, owner.name.clone(), owner.uid.clone()))
                    .or_default()
                    .push(pod);
            }
        }
    }
    for ((ns, name, uid), pods) in owned {
        let created = pods
            .iter()
            .filter_map(|p| unix(p.metadata.creation_timestamp.as_ref()))
            .min()
            .unwrap_or(T0)
            - 1;
        let count = |wanted: &str| pods.iter().filter(|p| phase(p) == wanted).count() as i32;
        let (succeeded, failed) = (count("Succeeded"), count("Failed"));
        let active = pods.len() as i32 - succeeded - failed;
        let ready = pods.iter().filter(|p| ready(p)).count() as i32;
        // Runs of a few minutes, varied but a function of the name so the
        // cluster stays a function of the seed.
        let finished = created + 95 + (name.len() as i64 * 7) % 300;
        let mut b = builders::job(&name)
            .in_ns(&ns)
            .uid(&uid)
            .created(created)
            .label(
                "app",
                name.rsplit_once('-').map_or(&*name, |(base, _)| base),
            )
            .started(created);
        let schedule = schedule_of(&name);
        if let Some((cron, ..)) = schedule {
            b = b.owner("CronJob", cron, &cron_uids[cron], true);
            let status = cron_status.entry(cron).or_default();
            status.last_schedule = status.last_schedule.max(Some(created));
            if active > 0 {
                status.active.push((name.clone(), uid.clone()));
            } else if failed == 0 {
                status.last_success = status.last_success.max(Some(finished));
            }
        }
        if name.starts_with("etl-") {
            b = b.active_deadline_seconds(3600).backoff_limit(3);
        }
        if name.starts_with("trainer-") {
            // Queued by a batch admission controller, then let run.
            b = b
                .completions(None)
                .condition("Suspended", "False", "JobResumed", created + 30);
        }
        b = if failed > 0 {
            b.backoff_limit(0)
                .failed(failed, "BackoffLimitExceeded", finished)
        } else if active > 0 {
            b.active(active, ready)
        } else {
            b.succeeded(succeeded, finished)
        };
        put(store, &b.build());
    }
}

fn cronjobs(
    store: &Store,
    cron_uids: &BTreeMap<&str, String>,
    cron_status: &BTreeMap<&str, CronStatus>,
) {
    for (name, schedule, zone) in SCHEDULED {
        let mut b = builders::cronjob(name, schedule)
            .in_ns("batch")
            .uid(&cron_uids[name])
            .created(T0 - 120 * DAY)
            .label("app", name)
            .starting_deadline_seconds(300);
        if let Some(zone) = zone {
            b = b
                .time_zone(zone)
                .concurrency_policy("Forbid")
                .history_limits(5, 3);
        }
        if let Some(status) = cron_status.get(name) {
            for (job, uid) in &status.active {
                b = b.active_job("batch", job, uid);
            }
            if let Some(t) = status.last_schedule {
                b = b.last_schedule(t);
            }
            if let Some(t) = status.last_success {
                b = b.last_successful(t);
            }
        }
        put(store, &b.build());
    }
    // Suspended for a maintenance window: ran before, no next run.
    let b = builders::cronjob("cleanup-tmp", "0 3 * * *")
        .in_ns("batch")
        .created(T0 - 200 * DAY)
        .suspend(true)
        .concurrency_policy("Replace")
        .last_schedule(T0 - 10 * DAY + 3 * 3600)
        .last_successful(T0 - 10 * DAY + 3 * 3600 + 42);
    put(store, &b.build());
    // Kubernetes accepts a step as large as its range; the exporter's cron
    // parser does not, so this one is served as invalid.
    let b = builders::cronjob("legacy-backup", "0 */24 * * *")
        .in_ns("data")
        .created(T0 - 30 * DAY);
    put(store, &b.build());
}

/// Autoscalers on one Deployment in five and on the first two StatefulSets;
/// they cycle through metric kinds, and every third is at its maximum.
fn autoscalers(store: &Store, pods: &[Pod]) {
    let deployments: Vec<Deployment> = all(store, Resource::Deployments);
    let mut targets: Vec<(String, String, &str, i32)> = deployments
        .iter()
        .step_by(5)
        .filter_map(|d| {
            let replicas = d.status.as_ref()?.replicas.or(d.spec.replicas)?;
            Some((
                d.metadata.namespace.clone()?,
                d.metadata.name.clone()?,
                "Deployment",
                replicas,
            ))
        })
        .filter(|t| t.3 > 0)
        .collect();
    let mut sets: BTreeMap<(String, String), i32> = BTreeMap::new();
    for pod in pods {
        for owner in pod.metadata.owner_references.iter().flatten() {
            if owner.kind == "StatefulSet" {
                let ns = pod.metadata.namespace.clone().unwrap_or_default();
                *sets.entry((ns, owner.name.clone())).or_default() += 1;
            }
        }
    }
    // The StatefulSets first, so a small cluster still has one.
    let sets = sets
        .into_iter()
        .take(2)
        .map(|((ns, name), n)| (ns, name, "StatefulSet", n));
    targets.splice(0..0, sets);
    for (k, (ns, name, kind, replicas)) in targets.into_iter().enumerate() {
        let at = T0 - (k as i64 % 7 + 1) * 3600;
        let at_max = k % 3 == 0;
        let max = if at_max { replicas } else { replicas + 4 };
        let mut b = builders::hpa(&name, kind, &name, max)
            .in_ns(&ns)
            .created(T0 - (30 + k as i64) * DAY)
            .generation(1 + k as i64 % 3)
            .label("app", &name)
            .min_replicas(1.min(replicas))
            .replicas(replicas, replicas)
            .condition("AbleToScale", "True", "ReadyForNewScale", at)
            .condition("ScalingActive", "True", "ValidMetricFound", at);
        b = match k % 3 {
            0 => b.resource_utilization("cpu", 70).current_resource(
                "cpu",
                95,
                &format!("{}m", 380 + k),
            ),
            1 => b
                .resource_utilization("cpu", 80)
                .resource_average("memory", "512Mi")
                .current_resource("cpu", 40, "200m"),
            _ => b
                .container_resource_utilization("cpu", &name, 60)
                .external_value("queue_depth", "30")
                .object_value("requests_per_second", "Ingress", &name, "10k")
                .pods_average("packets_per_second", "1k")
                .current_external("queue_depth", "12")
                .current_object("requests_per_second", "Ingress", &name, "4200"),
        };
        if k == 1 {
            b = b.tolerances("0.05", "0.1");
        }
        if k == 2 {
            // Being removed (a finalizer holds it).
            b = b.deleted(T0 - 60);
        }
        b = if at_max {
            b.condition("ScalingLimited", "True", "TooManyReplicas", at)
        } else {
            b.condition("ScalingLimited", "False", "DesiredWithinRange", at)
        };
        put(store, &b.build());
    }
}

/// Budgets over every StatefulSet (all replicas required where one is
/// down, so a crash-looping member leaves that budget short; one at a time
/// otherwise) and one Deployment in four with two or more pods.
fn budgets(store: &Store, pods: &[Pod]) {
    let mut apps: BTreeMap<(String, String), (i32, i32, bool)> = BTreeMap::new();
    for pod in pods {
        let Some(app) = pod.metadata.labels.as_ref().and_then(|l| l.get("app")) else {
            continue;
        };
        let Some(owner) = pod.metadata.owner_references.iter().flatten().next() else {
            continue;
        };
        if !matches!(owner.kind.as_str(), "ReplicaSet" | "StatefulSet") {
            continue;
        }
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let entry = apps.entry((ns, app.clone())).or_default();
        entry.0 += 1;
        entry.1 += i32::from(ready(pod) && phase(pod) == "Running");
        entry.2 |= owner.kind == "StatefulSet";
    }
    let mut made = 0;
    for (k, ((ns, app), (expected, healthy, stateful))) in apps.into_iter().enumerate() {
        let at = T0 - 3600;
        let b = builders::pdb(&app, &app)
            .in_ns(&ns)
            .created(T0 - 20 * DAY)
            .label("app", &app);
        let b = if stateful && healthy < expected {
            b.min_available(&expected.to_string())
                .healthy(expected, healthy, expected, at)
        } else if stateful {
            b.max_unavailable("1")
                .healthy(expected, healthy, expected - 1, at)
        } else if !stateful && expected >= 2 && k % 4 == 0 {
            if k % 8 == 0 {
                b.max_unavailable("1")
                    .healthy(expected, healthy, expected - 1, at)
            } else {
                // 50% of the pods, rounded up as the disruption controller does.
                b.min_available("50%")
                    .healthy(expected, healthy, (expected + 1) / 2, at)
            }
        } else {
            continue;
        };
        made += 1;
        // The second budget is being removed (a finalizer holds it).
        let b = if made == 2 { b.deleted(T0 - 60) } else { b };
        put(store, &b.build());
    }
}

// ---------------------------------------------------------------- churn

/// One change: a running job finishes, a CronJob starts a job (and drops
/// its oldest finished one, as its history limit does), or an autoscaler's
/// replicas move.
pub(crate) fn churn(store: &Store, rng: &mut Rng) {
    match rng.below(3) {
        0 => finish_job(store, rng),
        1 => schedule_job(store, rng),
        _ => rescale(store, rng),
    }
}

fn finish_job(store: &Store, rng: &mut Rng) {
    let running: Vec<Job> = all::<Job>(store, Resource::Jobs)
        .into_iter()
        .filter(|j| j.status.as_ref().and_then(|s| s.active).unwrap_or(0) > 0)
        .collect();
    if running.is_empty() {
        return;
    }
    let job = running[rng.below(running.len())].clone();
    let now = now_unix();
    let (Some(ns), Some(name), Some(uid)) = (
        job.metadata.namespace.clone(),
        job.metadata.name.clone(),
        job.metadata.uid.clone(),
    ) else {
        return;
    };
    let active = job.status.as_ref().and_then(|s| s.active).unwrap_or(1);
    let mut done = job;
    let status = done.status.get_or_insert_with(Default::default);
    status.active = None;
    status.ready = Some(0);
    status.succeeded = Some(status.succeeded.unwrap_or(0) + active);
    status.completion_time = Some(time(now));
    for (type_, reason) in [
        ("SuccessCriteriaMet", "CompletionsReached"),
        ("Complete", "CompletionsReached"),
    ] {
        status.conditions.get_or_insert_with(Vec::new).push(
            k8s_openapi::api::batch::v1::JobCondition {
                type_: type_.into(),
                status: "True".into(),
                reason: Some(reason.into()),
                last_probe_time: Some(time(now)),
                last_transition_time: Some(time(now)),
                message: None,
            },
        );
    }
    put(store, &done);
    // Its pods completed.
    for mut pod in all::<Pod>(store, Resource::Pods) {
        let owned = pod.metadata.namespace.as_deref() == Some(&ns)
            && pod
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid);
        if !owned {
            continue;
        }
        if let Some(status) = pod.status.as_mut() {
            status.phase = Some("Succeeded".into());
            for cond in status.conditions.iter_mut().flatten() {
                if cond.type_ == "Ready" || cond.type_ == "ContainersReady" {
                    cond.status = "False".into();
                    cond.reason = Some("PodCompleted".into());
                    cond.last_transition_time = Some(time(now));
                }
            }
            for cs in status.container_statuses.iter_mut().flatten() {
                cs.ready = false;
                cs.state = Some(k8s_openapi::api::core::v1::ContainerState {
                    terminated: Some(k8s_openapi::api::core::v1::ContainerStateTerminated {
                        exit_code: 0,
                        reason: Some("Completed".into()),
                        finished_at: Some(time(now)),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
        }
        put(store, &pod);
    }
    // Its CronJob no longer lists it.
    let Some(owner) = done
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.kind == "CronJob")
    else {
        return;
    };
    let Some(mut cron) = get::<CronJob>(store, Resource::CronJobs, &ns, &owner.name) else {
        return;
    };
    let status = cron.status.get_or_insert_with(Default::default);
    if let Some(active) = status.active.as_mut() {
        active.retain(|r| r.name.as_deref() != Some(&name));
    }
    status.last_successful_time = Some(time(now));
    put(store, &cron);
}

fn get<T: DeserializeOwned>(store: &Store, kind: Resource, ns: &str, name: &str) -> Option<T> {
    serde_json::from_slice(&store.get(kind, ns, name)?.body).ok()
}

fn schedule_job(store: &Store, rng: &mut Rng) {
    let (cron_name, ..) = SCHEDULED[rng.below(SCHEDULED.len())];
    let Some(mut cron) = get::<CronJob>(store, Resource::CronJobs, "batch", cron_name) else {
        return;
    };
    let Some(cron_uid) = cron.metadata.uid.clone() else {
        return;
    };
    // One run per minute at most, named after it, as the controller does.
    let now = now_unix();
    let name = format!("{cron_name}-{}", now / 60);
    if store.get(Resource::Jobs, "batch", &name).is_some() {
        return;
    }
    // The oldest succeeded job goes, so the counts stay as they were. Failed
    // ones stay: the controller keeps them under their own history limit,
    // and they are what KubeJobFailed and kube_job_failed show.
    let mut finished: Vec<Job> = all::<Job>(store, Resource::Jobs)
        .into_iter()
        .filter(|j| {
            j.metadata.namespace.as_deref() == Some("batch")
                && j.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == cron_uid)
                && j.status.as_ref().and_then(|s| s.active).unwrap_or(0) == 0
                && j.status.as_ref().and_then(|s| s.failed).unwrap_or(0) == 0
        })
        .collect();
    finished.sort_by_key(|j| unix(j.metadata.creation_timestamp.as_ref()));
    let Some(oldest) = finished.first() else {
        return;
    };
    let Some(old_name) = oldest.metadata.name.clone() else {
        return;
    };
    let old_uid = oldest.metadata.uid.clone().unwrap_or_default();
    let old_pods: Vec<String> = all::<Pod>(store, Resource::Pods)
        .into_iter()
        .filter(|p| {
            p.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == old_uid)
        })
        .filter_map(|p| p.metadata.name)
        .collect();
    store.delete(Resource::Jobs, "batch", &old_name);
    for pod in &old_pods {
        store.delete(Resource::Pods, "batch", pod);
    }
    let uid = rng.uuid();
    let mut job = builders::job(&name)
        .in_ns("batch")
        .uid(&uid)
        .created(now)
        .label("app", cron_name)
        .owner("CronJob", cron_name, &cron_uid, true)
        .started(now)
        .active(1, 0);
    if cron_name == "etl" {
        // The same job template as the generated runs.
        job = job.active_deadline_seconds(3600).backoff_limit(3);
    }
    put(store, &job.build());
    // The replacement pods, one per pod the old job had, just created.
    for _ in &old_pods {
        let pod = builders::pod(&format!("{name}-{}", rng.suffix(5)))
            .in_ns("batch")
            .created(now)
            .label("app", cron_name)
            .owner("Job", &name, &uid, true)
            .restart_policy("Never")
            .phase("Pending")
            .container(cron_name, |c| {
                c.image(&format!("registry.example.com/batch/{cron_name}:1.0.0"))
                    .requests("cpu", "100m")
                    .waiting("ContainerCreating", "")
            })
            .build();
        put(store, &pod);
    }
    let status = cron.status.get_or_insert_with(Default::default);
    status
        .active
        .get_or_insert_with(Vec::new)
        .push(job_reference("batch", &name, &uid));
    status.last_schedule_time = Some(time(now));
    put(store, &cron);
}

fn rescale(store: &Store, rng: &mut Rng) {
    let hpas: Vec<HorizontalPodAutoscaler> = all(store, Resource::HorizontalPodAutoscalers);
    if hpas.is_empty() {
        return;
    }
    let mut hpa = hpas[rng.below(hpas.len())].clone();
    let (min, max) = (hpa.spec.min_replicas.unwrap_or(1), hpa.spec.max_replicas);
    let now = now_unix();
    let status = hpa.status.get_or_insert_with(Default::default);
    let current = status.current_replicas.unwrap_or(min);
    let next = if rng.chance(50) {
        current + 1
    } else {
        current - 1
    }
    .clamp(min, max);
    status.current_replicas = Some(next);
    status.desired_replicas = next;
    status.last_scale_time = Some(time(now));
    for cond in status.conditions.iter_mut().flatten() {
        if cond.type_ == "ScalingLimited" {
            let limited = next == max;
            let was = cond.status == "True";
            cond.status = if limited { "True" } else { "False" }.into();
            cond.reason = Some(
                if limited {
                    "TooManyReplicas"
                } else {
                    "DesiredWithinRange"
                }
                .into(),
            );
            if limited != was {
                cond.last_transition_time = Some(time(now));
            }
        }
    }
    put(store, &hpa);
}
