//! Jobs on the real API server, run by its job controller: one still
//! running, one completed and one failed by patching their pods' phase, one
//! with an owner. CronJobs (batch/v1), HorizontalPodAutoscalers
//! (autoscaling/v2) and PodDisruptionBudgets (policy/v1) are checked only
//! where the server serves those versions: kube-apiserver 1.20 has
//! batch/v1beta1 CronJobs, autoscaling/v2beta2 and policy/v1beta1 only.

use super::support::{CHANGE, CONTROLLERS, Tier, begin, in_namespace};
use super::{go_g, sorted};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::Api;
use kube::api::ListParams;
use kubestate::kinds::Resource;
use serde_json::json;

/// A Job whose pods can never be scheduled (no kubelets run them anyway).
fn job(name: &str, parallelism: i32, completions: i32, backoff: i32) -> serde_json::Value {
    json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "parallelism": parallelism,
            "completions": completions,
            "backoffLimit": backoff,
            "template": {"spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": false,
                "nodeSelector": {"kubestate-test/nowhere": "true"},
                "containers": [{"name": "app", "image": "busybox:1.36"}]}}}
    })
}

fn unix(t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> i64 {
    t.as_ref().map(|t| t.0.as_second()).expect("timestamp set")
}

/// The pods the job controller made for a job, once there are `n`.
fn pods_of(tier: &Tier, pods: &Api<Pod>, job: &str, n: usize) -> Vec<String> {
    tier.until(&format!("{n} pods of {job}"), CONTROLLERS, || {
        let list = tier
            .block_on(pods.list(&ListParams::default().labels(&format!("job-name={job}"))))
            .ok()?;
        let names: Vec<String> = list
            .items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .collect();
        (names.len() == n).then_some(names)
    })
}

/// What the kubelet would report for a container that ended.
fn finish(tier: &Tier, pods: &Api<Pod>, pod: &str, phase: &str, exit_code: i32) {
    let reason = if exit_code == 0 { "Completed" } else { "Error" };
    tier.patch(
        pods,
        pod,
        true,
        json!({"status": {"phase": phase, "containerStatuses": [{
            "name": "app", "image": "busybox:1.36", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": exit_code, "reason": reason}}}]}}),
    );
}

#[test]
fn jobs_from_the_job_controller_and_the_kinds_1_20_lacks() {
    let Some(s) = begin("batch") else {
        return;
    };
    let tier = s.tier;
    for kind in [
        Resource::CronJobs,
        Resource::HorizontalPodAutoscalers,
        Resource::PodDisruptionBudgets,
    ] {
        if !tier.serves(kind) {
            eprintln!(
                "real-cluster: {kind} NOT CHECKED: this API server does not serve {} (kube-state-metrics v2.20 and kubestate read only that version)",
                kind.api_version()
            );
        }
    }
    let ns = tier.namespace("batch");
    let jobs: Api<Job> = Api::namespaced(tier.admin.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(tier.admin.clone(), &ns);
    let maps: Api<ConfigMap> = Api::namespaced(tier.admin.clone(), &ns);

    let mut running = job("running", 2, 3, 1);
    running["spec"]["activeDeadlineSeconds"] = json!(600);
    tier.create(&jobs, running);
    tier.create(&jobs, job("done", 1, 1, 1));
    tier.create(&jobs, job("broken", 1, 1, 0));
    // An owner that exists (the garbage collector deletes orphans), not
    // the Job's controller.
    let owner = tier.create(&maps, json!({"metadata": {"name": "pipeline"}}));
    let mut owned = job("owned", 1, 1, 1);
    owned["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "pipeline",
        "uid": owner.metadata.uid.clone().expect("uid")}]);
    tier.create(&jobs, owned);

    pods_of(tier, &pods, "running", 2);
    let done = pods_of(tier, &pods, "done", 1);
    let broken = pods_of(tier, &pods, "broken", 1);
    pods_of(tier, &pods, "owned", 1);
    finish(tier, &pods, &done[0], "Succeeded", 0);
    finish(tier, &pods, &broken[0], "Failed", 1);
    let finished = |name: &str, condition: &str| {
        tier.until(&format!("{name} {condition}"), CONTROLLERS, || {
            let j = tier.get(&jobs, name);
            let status = j.status.clone()?;
            status
                .conditions?
                .iter()
                .any(|c| c.type_ == condition && c.status == "True")
                .then_some(j)
        })
    };
    let done = finished("done", "Complete");
    let broken = finished("broken", "Failed");
    let running = tier.until("running's two active pods", CONTROLLERS, || {
        let j = tier.get(&jobs, "running");
        (j.status.as_ref()?.active == Some(2)).then_some(j)
    });
    let owned = tier.until("owned's active pod", CONTROLLERS, || {
        let j = tier.get(&jobs, "owned");
        (j.status.as_ref()?.active == Some(1)).then_some(j)
    });

    let exporter = tier.exporter(&["--resources=jobs"]);
    let id = |name: &str| format!("namespace=\"{ns}\",job_name=\"{name}\"");
    let per_job = |family: &str, values: [&str; 4]| {
        let lines: Vec<String> = ["running", "done", "broken", "owned"]
            .iter()
            .zip(values)
            .map(|(name, v)| format!("{family}{{{}}} {v}", id(name)))
            .collect();
        sorted(&lines.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let start = |j: &Job| go_g(unix(&j.status.as_ref().expect("status").start_time));
    let created = |j: &Job| go_g(unix(&j.metadata.creation_timestamp));
    let expected: Vec<(&str, Vec<String>)> = vec![
        ("kube_job_info", per_job("kube_job_info", ["1"; 4])),
        (
            "kube_job_created",
            per_job(
                "kube_job_created",
                [
                    &created(&running),
                    &created(&done),
                    &created(&broken),
                    &created(&owned),
                ],
            ),
        ),
        (
            "kube_job_spec_parallelism",
            per_job("kube_job_spec_parallelism", ["2", "1", "1", "1"]),
        ),
        (
            "kube_job_spec_completions",
            per_job("kube_job_spec_completions", ["3", "1", "1", "1"]),
        ),
        (
            "kube_job_spec_active_deadline_seconds",
            sorted(&[&format!(
                "kube_job_spec_active_deadline_seconds{{{}}} 600",
                id("running")
            )]),
        ),
        (
            "kube_job_status_active",
            per_job("kube_job_status_active", ["2", "0", "0", "1"]),
        ),
        (
            "kube_job_status_succeeded",
            per_job("kube_job_status_succeeded", ["0", "1", "0", "0"]),
        ),
        // 1.20 has no status.ready: 0, as kube-state-metrics serves it.
        (
            "kube_job_status_ready",
            per_job("kube_job_status_ready", ["0"; 4]),
        ),
        (
            "kube_job_status_failed",
            sorted(&[
                &format!("kube_job_status_failed{{{}}} 0", id("running")),
                &format!("kube_job_status_failed{{{}}} 0", id("done")),
                &format!("kube_job_status_failed{{{}}} 0", id("owned")),
                &format!(
                    "kube_job_status_failed{{{},reason=\"BackoffLimitExceeded\"}} 1",
                    id("broken")
                ),
                &format!(
                    "kube_job_status_failed{{{},reason=\"DeadlineExceeded\"}} 0",
                    id("broken")
                ),
                &format!(
                    "kube_job_status_failed{{{},reason=\"Evicted\"}} 0",
                    id("broken")
                ),
            ]),
        ),
        (
            "kube_job_complete",
            sorted(&[
                &format!("kube_job_complete{{{},condition=\"true\"}} 1", id("done")),
                &format!("kube_job_complete{{{},condition=\"false\"}} 0", id("done")),
                &format!(
                    "kube_job_complete{{{},condition=\"unknown\"}} 0",
                    id("done")
                ),
            ]),
        ),
        (
            "kube_job_failed",
            sorted(&[
                &format!("kube_job_failed{{{},condition=\"true\"}} 1", id("broken")),
                &format!("kube_job_failed{{{},condition=\"false\"}} 0", id("broken")),
                &format!(
                    "kube_job_failed{{{},condition=\"unknown\"}} 0",
                    id("broken")
                ),
            ]),
        ),
        (
            "kube_job_status_start_time",
            per_job(
                "kube_job_status_start_time",
                [
                    &start(&running),
                    &start(&done),
                    &start(&broken),
                    &start(&owned),
                ],
            ),
        ),
        (
            "kube_job_status_completion_time",
            sorted(&[&format!(
                "kube_job_status_completion_time{{{}}} {}",
                id("done"),
                go_g(unix(&done.status.as_ref().expect("status").completion_time))
            )]),
        ),
        // Suspension is a 1.21 feature: no Suspended condition here.
        ("kube_job_status_suspended", vec![]),
        (
            "kube_job_owner",
            sorted(&[
                &format!(
                    "kube_job_owner{{{},owner_kind=\"\",owner_name=\"\",owner_is_controller=\"\"}} 1",
                    id("running")
                ),
                &format!(
                    "kube_job_owner{{{},owner_kind=\"\",owner_name=\"\",owner_is_controller=\"\"}} 1",
                    id("done")
                ),
                &format!(
                    "kube_job_owner{{{},owner_kind=\"\",owner_name=\"\",owner_is_controller=\"\"}} 1",
                    id("broken")
                ),
                &format!(
                    "kube_job_owner{{{},owner_kind=\"ConfigMap\",owner_name=\"pipeline\",owner_is_controller=\"false\"}} 1",
                    id("owned")
                ),
            ]),
        ),
        // No allowlist: headers only.
        ("kube_job_labels", vec![]),
        ("kube_job_annotations", vec![]),
    ];
    // The watch may still be delivering the last status updates.
    let deadline = std::time::Instant::now() + CHANGE;
    let scrape = loop {
        let scrape = exporter.scrape();
        let all = expected
            .iter()
            .all(|(family, want)| &in_namespace(&scrape, family, &ns) == want);
        if all || std::time::Instant::now() > deadline {
            break scrape;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    for (family, want) in &expected {
        assert_eq!(&in_namespace(&scrape, family, &ns), want, "{family}");
        assert!(
            scrape.contains(&format!("# TYPE {family} gauge")),
            "{family}"
        );
    }
}
