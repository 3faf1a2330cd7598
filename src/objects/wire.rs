//! The type kube-runtime's watcher decodes: an object of one kind, or the
//! reason it could not be read.
//!
//! A list page is one JSON document, so with plain serde types a single
//! malformed object would fail the whole page and the kind would never
//! sync. `Wire` first takes each object as raw JSON, then decodes it on its
//! own: a bad object becomes `Err` (counted, logged, skipped by the watch
//! loop) and its neighbours are unaffected.

use super::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::DynamicResourceScope;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Wire<T> {
    /// Only what the watcher itself needs: name, namespace, uid and
    /// resourceVersion (it resumes watches from the last one seen).
    meta: ObjectMeta,
    pub object: Result<T, DecodeError>,
}

/// Why an object could not be decoded; cheap to clone because the watcher
/// requires `Clone`.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(Arc<str>);

impl<T> Wire<T> {
    pub fn name(&self) -> &str {
        self.meta.name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.meta.namespace.as_deref().unwrap_or_default()
    }

    pub fn uid(&self) -> &str {
        self.meta.uid.as_deref().unwrap_or_default()
    }
}

/// The identifying fields, read leniently so that even an object whose
/// metadata is damaged can be named in a log line and deleted by uid.
#[derive(Deserialize, Default)]
struct Identity {
    #[serde(default)]
    metadata: IdentityMeta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct IdentityMeta {
    #[serde(deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    namespace: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    uid: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    resource_version: Option<String>,
}

fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

impl<'de, T: Object> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(deserializer)?;
        let identity: Identity = serde_json::from_str(raw.get()).unwrap_or_default();
        let meta = ObjectMeta {
            name: identity.metadata.name,
            namespace: identity.metadata.namespace,
            uid: identity.metadata.uid,
            resource_version: identity.metadata.resource_version,
            ..ObjectMeta::default()
        };
        let object =
            serde_json::from_str::<T>(raw.get()).map_err(|e| DecodeError(Arc::from(e.to_string())));
        Ok(Wire { meta, object })
    }
}

/// Lets `Api<Wire<T>>` and the watcher find the kind's URL; the scope is
/// dynamic so one impl serves namespaced and cluster-scoped kinds alike.
impl<T: Object> kube::Resource for Wire<T> {
    type DynamicType = ();
    type Scope = DynamicResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        T::RESOURCE.kind().into()
    }

    fn group(_: &()) -> Cow<'_, str> {
        T::RESOURCE.group().into()
    }

    fn version(_: &()) -> Cow<'_, str> {
        T::RESOURCE.version().into()
    }

    fn plural(_: &()) -> Cow<'_, str> {
        T::RESOURCE.plural().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}
