//! The fields of an autoscaling/v2 HorizontalPodAutoscaler that its
//! families read. Metric specs and statuses are flattened while decoding
//! into one record each: the metric's name, its container (for container
//! resource metrics) and the values that are set.

use super::meta::{Condition, Meta};
use super::quantity::parse_quantity;
use super::{Object, Str};
use serde::{Deserialize, Deserializer, de::Error};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HorizontalPodAutoscaler {
    pub metadata: Meta,
    pub spec: HorizontalPodAutoscalerSpec,
    pub status: HorizontalPodAutoscalerStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HorizontalPodAutoscalerSpec {
    pub scale_target_ref: ScaleTargetRef,
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    #[serde(deserialize_with = "targets")]
    pub metrics: Box<[MetricValues]>,
    pub behavior: Behavior,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScaleTargetRef {
    pub api_version: Str,
    pub kind: Str,
    pub name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Behavior {
    #[serde(deserialize_with = "tolerance")]
    pub scale_up: Option<f64>,
    #[serde(deserialize_with = "tolerance")]
    pub scale_down: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HorizontalPodAutoscalerStatus {
    pub current_replicas: i32,
    pub desired_replicas: i32,
    #[serde(deserialize_with = "currents")]
    pub current_metrics: Box<[MetricValues]>,
    pub conditions: Box<[Condition]>,
}

/// One entry of spec.metrics (its target) or status.currentMetrics (its
/// current value), in the units kube-state-metrics serves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricValues {
    pub name: Str,
    /// Empty except for container resource metrics.
    pub container: Str,
    pub value: Option<f64>,
    pub average_value: Option<f64>,
    pub average_utilization: Option<i32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
struct RawMetric {
    #[serde(rename = "type")]
    type_: Str,
    object: Option<RawSource>,
    pods: Option<RawSource>,
    resource: Option<RawSource>,
    container_resource: Option<RawSource>,
    external: Option<RawSource>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawSource {
    /// Resource and container resource metrics name a resource...
    name: Str,
    container: Str,
    /// ...the others a metric.
    metric: RawMetricId,
    target: Option<RawValues>,
    current: Option<RawValues>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawMetricId {
    name: Str,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawValues {
    value: Option<String>,
    average_value: Option<String>,
    average_utilization: Option<i32>,
}

/// Which values of a source to read: spec metrics have a target, status
/// metrics a current value.
#[derive(Clone, Copy)]
enum Side {
    Target,
    Current,
}

fn targets<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[MetricValues]>, D::Error> {
    metrics(d, Side::Target)
}

fn currents<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[MetricValues]>, D::Error> {
    metrics(d, Side::Current)
}

/// Metric types kube-state-metrics does not know, and entries whose
/// source is missing (status metrics are not validated), are left out.
fn metrics<'de, D: Deserializer<'de>>(d: D, side: Side) -> Result<Box<[MetricValues]>, D::Error> {
    let raw = Option::<Vec<RawMetric>>::deserialize(d)?.unwrap_or_default();
    let mut out = Vec::with_capacity(raw.len());
    for m in raw {
        let (source, by_metric) = match &*m.type_ {
            "Object" => (m.object, true),
            "Pods" => (m.pods, true),
            "Resource" => (m.resource, false),
            "ContainerResource" => (m.container_resource, false),
            "External" => (m.external, true),
            _ => continue,
        };
        let Some(source) = source else { continue };
        let values = match side {
            Side::Target => source.target,
            Side::Current => source.current,
        }
        .unwrap_or_default();
        let quantity = |text: Option<String>| -> Result<Option<f64>, D::Error> {
            text.map(|t| {
                parse_quantity(&t)
                    .map(|q| q.metric_value())
                    .ok_or_else(|| D::Error::custom(format!("invalid quantity {t:?}")))
            })
            .transpose()
        };
        out.push(MetricValues {
            name: if by_metric {
                source.metric.name
            } else {
                source.name
            },
            container: if &*m.type_ == "ContainerResource" {
                source.container
            } else {
                Str::default()
            },
            value: quantity(values.value)?,
            average_value: quantity(values.average_value)?,
            average_utilization: values.average_utilization,
        });
    }
    Ok(out.into_boxed_slice())
}

/// A scaling rule's tolerance (`0.05`), `None` without the rule or the
/// field.
fn tolerance<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    struct Rules {
        tolerance: Option<String>,
    }
    let Some(Rules {
        tolerance: Some(text),
    }) = Option::<Rules>::deserialize(d)?
    else {
        return Ok(None);
    };
    parse_quantity(&text)
        .map(|q| Some(q.approximate()))
        .ok_or_else(|| D::Error::custom(format!("invalid tolerance {text:?}")))
}

impl Object for HorizontalPodAutoscaler {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
