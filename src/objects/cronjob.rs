//! The fields of a CronJob that the cronjob families read, and the next
//! scheduled run, computed once while decoding.

use super::cron::{self, Next};
use super::meta::{Meta, VersionedMeta};
use super::time::deserialize_timestamp;

use super::{Object, Str};
use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawCronJob")]
pub struct CronJob {
    pub metadata: Meta,
    /// metadata.resourceVersion as a number; `None` when it is not one.
    pub resource_version: Option<f64>,
    pub spec: CronJobSpec,
    pub status: CronJobStatus,
    /// `None` while suspended, for a schedule that does not parse, a time
    /// zone kubestate does not resolve, or no time to count from.
    pub next_schedule_time: Option<f64>,
    pub schedule_invalid: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobSpec {
    pub schedule: Str,
    pub time_zone: Option<Str>,
    pub concurrency_policy: Str,
    pub suspend: Option<bool>,
    pub starting_deadline_seconds: Option<i64>,
    pub successful_jobs_history_limit: Option<i32>,
    pub failed_jobs_history_limit: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobStatus {
    /// How many jobs status.active lists: the families need only the count.
    #[serde(deserialize_with = "count")]
    pub active: u32,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub last_schedule_time: Option<f64>,
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub last_successful_time: Option<f64>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawCronJob {
    metadata: VersionedMeta,
    spec: CronJobSpec,
    status: CronJobStatus,
}

impl From<RawCronJob> for CronJob {
    fn from(raw: RawCronJob) -> Self {
        let RawCronJob {
            metadata,
            spec,
            status,
        } = raw;
        let zone = spec.time_zone.as_deref();
        let suspended = spec.suspend == Some(true);
        let from = status
            .last_schedule_time
            .or(metadata.meta.creation_timestamp.get());
        let (next_schedule_time, schedule_invalid) = match from {
            Some(from) => match cron::next(&spec.schedule, zone, from) {
                Next::At(t) => ((!suspended).then_some(t), false),
                Next::Invalid => (None, true),
                Next::UnknownZone => (None, false),
            },
            None => (None, !cron::is_valid(&spec.schedule, zone)),
        };
        CronJob {
            resource_version: metadata.resource_version,
            metadata: metadata.meta,
            spec,
            status,
            next_schedule_time,
            schedule_invalid,
        }
    }
}

/// The length of a JSON list, without keeping its items.
pub(super) fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let items = Option::<Vec<serde::de::IgnoredAny>>::deserialize(deserializer)?;
    Ok(items.map_or(0, |items| items.len() as u32))
}

impl Object for CronJob {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
