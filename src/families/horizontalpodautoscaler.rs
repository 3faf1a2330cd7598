//! HorizontalPodAutoscaler families (autoscaling/v2). Every series also
//! carries `namespace, horizontalpodautoscaler`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, Series, annotations, created, deletion_timestamp, labels};
use crate::objects::HorizontalPodAutoscaler;
use crate::objects::horizontalpodautoscaler::MetricValues;

impl Families for HorizontalPodAutoscaler {
    fn families() -> Vec<Family<HorizontalPodAutoscaler>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_horizontalpodautoscaler_info",
                "Information about this autoscaler.",
                &[
                    "scaletargetref_api_version",
                    "scaletargetref_kind",
                    "scaletargetref_name",
                ],
                |a, out| {
                    let target = &a.spec.scale_target_ref;
                    // Without an apiVersion the label is left out, not empty.
                    if target.api_version.is_empty() {
                        out.emit_pairs(
                            &[
                                ("scaletargetref_kind", &*target.kind),
                                ("scaletargetref_name", &*target.name),
                            ],
                            1.0,
                        );
                    } else {
                        out.emit(&[&target.api_version, &target.kind, &target.name], 1.0);
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_metadata_generation",
                "The generation observed by the HorizontalPodAutoscaler controller.",
                &[],
                |a, out| out.emit(&[], a.metadata.generation.unwrap_or(0) as f64),
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_spec_max_replicas",
                "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.",
                &[],
                |a, out| out.emit(&[], f64::from(a.spec.max_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_spec_min_replicas",
                "Lower limit for the number of pods that can be set by the autoscaler, default 1.",
                &[],
                |a, out| out.emit(&[], f64::from(a.spec.min_replicas.unwrap_or(1))),
            ),
            Family::gauge(
                Experimental,
                "kube_horizontalpodautoscaler_spec_target_metric",
                "The metric specifications used by this autoscaler when calculating the desired replica count.",
                &METRIC_LABELS,
                |a, out| metric_values(&a.spec.metrics, out),
            ),
            Family::gauge(
                Experimental,
                "kube_horizontalpodautoscaler_spec_behavior_scale_down_tolerance",
                "The tolerance on the ratio between the current and desired metric value below which no scale down occurs.",
                &[],
                |a, out| out.emit_some(a.spec.behavior.scale_down),
            ),
            Family::gauge(
                Experimental,
                "kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance",
                "The tolerance on the ratio between the current and desired metric value below which no scale up occurs.",
                &[],
                |a, out| out.emit_some(a.spec.behavior.scale_up),
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_status_target_metric",
                "The current metric status used by this autoscaler when calculating the desired replica count.",
                &METRIC_LABELS,
                |a, out| metric_values(&a.status.current_metrics, out),
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_status_current_replicas",
                "Current number of replicas of pods managed by this autoscaler.",
                &[],
                |a, out| out.emit(&[], f64::from(a.status.current_replicas)),
            ),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_status_desired_replicas",
                "Desired number of replicas of pods managed by this autoscaler.",
                &[],
                |a, out| out.emit(&[], f64::from(a.status.desired_replicas)),
            ),
            annotations("kube_horizontalpodautoscaler_annotations"),
            labels("kube_horizontalpodautoscaler_labels"),
            Family::gauge(
                Stable,
                "kube_horizontalpodautoscaler_status_condition",
                "The condition of this autoscaler.",
                &["condition", "status"],
                |a, out| {
                    for c in a.status.conditions.iter() {
                        out.condition(&[c.type_()], c.status);
                    }
                },
            ),
            // Unlike most kinds, ALPHA here.
            Family {
                stability: Experimental,
                ..created("kube_horizontalpodautoscaler_created")
            },
            deletion_timestamp("kube_horizontalpodautoscaler_deletion_timestamp"),
        ]
    }
}

const METRIC_LABELS: [&str; 3] = ["metric_name", "metric_target_type", "container"];

/// One series per value a metric has set: `value`, `utilization` (a
/// percentage) and `average`.
fn metric_values(metrics: &[MetricValues], out: &mut Series<'_>) {
    for m in metrics {
        let values = [
            ("value", m.value),
            ("utilization", m.average_utilization.map(f64::from)),
            ("average", m.average_value),
        ];
        for (target_type, value) in values {
            if let Some(value) = value {
                out.emit(&[&m.name, target_type, &m.container], value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::HorizontalPodAutoscaler;

    fn hpa(json: &str) -> HorizontalPodAutoscaler {
        serde_json::from_str(json).expect("test hpa decodes")
    }

    fn web() -> HorizontalPodAutoscaler {
        hpa(
            r#"{"metadata":{"name":"web","namespace":"shop","generation":3,"creationTimestamp":"2026-01-01T00:00:00Z"},
              "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
                "minReplicas":2,"maxReplicas":10,
                "metrics":[
                  {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}},
                  {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"512Mi"}}},
                  {"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","target":{"type":"AverageValue","averageValue":"250m"}}},
                  {"type":"External","external":{"metric":{"name":"queue_depth"},"target":{"type":"Value","value":"30"}}},
                  {"type":"Object","object":{"metric":{"name":"requests_per_second"},"describedObject":{"kind":"Ingress","name":"web"},"target":{"type":"Value","value":"10k"}}},
                  {"type":"Pods","pods":{"metric":{"name":"packets"},"target":{"type":"AverageValue","averageValue":"1.5"}}},
                  {"type":"Future","future":{"name":"x"}}],
                "behavior":{"scaleUp":{"tolerance":"0.05","stabilizationWindowSeconds":0},"scaleDown":{"policies":[]}}},
              "status":{"currentReplicas":10,"desiredReplicas":10,
                "currentMetrics":[
                  {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":95,"averageValue":"380m"}}},
                  {"type":"External"},
                  {"type":"External","external":{"metric":{"name":"queue_depth"},"current":{"value":"42"}}}],
                "conditions":[
                  {"type":"AbleToScale","status":"True","reason":"ReadyForNewScale"},
                  {"type":"ScalingLimited","status":"True","reason":"TooManyReplicas"}]}}"#,
        )
    }

    #[test]
    fn info_with_and_without_api_version() {
        let a = web();
        assert_eq!(
            series_of(&a, "kube_horizontalpodautoscaler_info"),
            [
                r#"kube_horizontalpodautoscaler_info{namespace="shop",horizontalpodautoscaler="web",scaletargetref_api_version="apps/v1",scaletargetref_kind="Deployment",scaletargetref_name="web"} 1"#
            ]
        );
        let bare = hpa(
            r#"{"metadata":{"name":"db","namespace":"data"},"spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"db"}}}"#,
        );
        assert_eq!(
            series_of(&bare, "kube_horizontalpodautoscaler_info"),
            with_identity(
                &bare,
                &[
                    r#"kube_horizontalpodautoscaler_info{scaletargetref_kind="StatefulSet",scaletargetref_name="db"} 1"#
                ]
            )
        );
        // minReplicas defaults to 1; no behavior, no tolerance series.
        assert_eq!(
            series_of(&bare, "kube_horizontalpodautoscaler_spec_min_replicas"),
            with_identity(&bare, &["kube_horizontalpodautoscaler_spec_min_replicas 1"])
        );
        for family in [
            "kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance",
            "kube_horizontalpodautoscaler_spec_behavior_scale_down_tolerance",
            "kube_horizontalpodautoscaler_spec_target_metric",
            "kube_horizontalpodautoscaler_status_target_metric",
            "kube_horizontalpodautoscaler_status_condition",
            "kube_horizontalpodautoscaler_created",
            "kube_horizontalpodautoscaler_deletion_timestamp",
        ] {
            assert!(series_of(&bare, family).is_empty(), "{family}");
        }
    }

    #[test]
    fn replicas_generation_and_tolerance() {
        let a = web();
        for (family, line) in [
            (
                "kube_horizontalpodautoscaler_metadata_generation",
                "kube_horizontalpodautoscaler_metadata_generation 3",
            ),
            (
                "kube_horizontalpodautoscaler_spec_max_replicas",
                "kube_horizontalpodautoscaler_spec_max_replicas 10",
            ),
            (
                "kube_horizontalpodautoscaler_spec_min_replicas",
                "kube_horizontalpodautoscaler_spec_min_replicas 2",
            ),
            (
                "kube_horizontalpodautoscaler_status_current_replicas",
                "kube_horizontalpodautoscaler_status_current_replicas 10",
            ),
            (
                "kube_horizontalpodautoscaler_status_desired_replicas",
                "kube_horizontalpodautoscaler_status_desired_replicas 10",
            ),
            (
                "kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance",
                "kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance 0.05",
            ),
            (
                "kube_horizontalpodautoscaler_created",
                "kube_horizontalpodautoscaler_created 1.7672256e+09",
            ),
        ] {
            assert_eq!(
                series_of(&a, family),
                with_identity(&a, &[line]),
                "{family}"
            );
        }
        assert!(
            series_of(
                &a,
                "kube_horizontalpodautoscaler_spec_behavior_scale_down_tolerance"
            )
            .is_empty()
        );
    }

    #[test]
    fn target_metrics_one_series_per_value_set() {
        let a = web();
        assert_eq!(
            series_of(&a, "kube_horizontalpodautoscaler_spec_target_metric"),
            with_identity(
                &a,
                &[
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="cpu",metric_target_type="utilization",container=""} 70"#,
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="memory",metric_target_type="average",container=""} 5.36870912e+08"#,
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="cpu",metric_target_type="average",container="app"} 0.25"#,
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="queue_depth",metric_target_type="value",container=""} 30"#,
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="requests_per_second",metric_target_type="value",container=""} 10000"#,
                    r#"kube_horizontalpodautoscaler_spec_target_metric{metric_name="packets",metric_target_type="average",container=""} 1.5"#,
                ]
            )
        );
        // A status entry without its source is skipped.
        assert_eq!(
            series_of(&a, "kube_horizontalpodautoscaler_status_target_metric"),
            with_identity(
                &a,
                &[
                    r#"kube_horizontalpodautoscaler_status_target_metric{metric_name="cpu",metric_target_type="utilization",container=""} 95"#,
                    r#"kube_horizontalpodautoscaler_status_target_metric{metric_name="cpu",metric_target_type="average",container=""} 0.38"#,
                    r#"kube_horizontalpodautoscaler_status_target_metric{metric_name="queue_depth",metric_target_type="value",container=""} 42"#,
                ]
            )
        );
    }

    #[test]
    fn conditions_as_three_series() {
        let a = web();
        assert_eq!(
            series_of(&a, "kube_horizontalpodautoscaler_status_condition"),
            with_identity(
                &a,
                &[
                    r#"kube_horizontalpodautoscaler_status_condition{condition="AbleToScale",status="true"} 1"#,
                    r#"kube_horizontalpodautoscaler_status_condition{condition="AbleToScale",status="false"} 0"#,
                    r#"kube_horizontalpodautoscaler_status_condition{condition="AbleToScale",status="unknown"} 0"#,
                    r#"kube_horizontalpodautoscaler_status_condition{condition="ScalingLimited",status="true"} 1"#,
                    r#"kube_horizontalpodautoscaler_status_condition{condition="ScalingLimited",status="false"} 0"#,
                    r#"kube_horizontalpodautoscaler_status_condition{condition="ScalingLimited",status="unknown"} 0"#,
                ]
            )
        );
    }
}
