//! The fields of an Ingress that the ingress families read: its class,
//! every HTTP path with its backend, and the TLS hosts.

use super::meta::{Meta, VersionedMeta};
use super::strings::null_as_default;
use super::{Object, Str};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "RawIngress")]
pub struct Ingress {
    pub metadata: Meta,
    pub resource_version: Option<f64>,
    /// The `kubernetes.io/ingress.class` annotation if present, else
    /// spec.ingressClassName, else `_default`, as kube-state-metrics reads
    /// it (the annotation is read before annotations are pruned).
    pub ingress_class: Str,
    /// Every path of every rule with an `http` section, in order.
    pub paths: Box<[IngressPath]>,
    /// `(host, secretName)` for every host of every TLS entry.
    pub tls: Box<[(Str, Str)]>,
}

#[derive(Clone, Debug, Default)]
pub struct IngressPath {
    pub host: Str,
    pub path: Str,
    pub path_type: Str,
    pub backend: Backend,
}

#[derive(Clone, Debug)]
pub enum Backend {
    /// The service's port number as text (`0` when it names a port).
    Service { name: Str, port: Str },
    Resource {
        api_group: Str,
        kind: Str,
        name: Str,
    },
}

impl Default for Backend {
    fn default() -> Self {
        Backend::Resource {
            api_group: Str::default(),
            kind: Str::default(),
            name: Str::default(),
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawIngress {
    metadata: VersionedMeta,
    spec: RawSpec,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawSpec {
    ingress_class_name: Option<Str>,
    #[serde(deserialize_with = "null_as_default")]
    rules: Vec<RawRule>,
    #[serde(deserialize_with = "null_as_default")]
    tls: Vec<RawTls>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawRule {
    host: Str,
    http: Option<RawHttp>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawHttp {
    #[serde(deserialize_with = "null_as_default")]
    paths: Vec<RawPath>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawPath {
    path: Str,
    path_type: Str,
    backend: RawBackend,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawBackend {
    service: Option<RawServiceBackend>,
    resource: Option<RawResourceBackend>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawServiceBackend {
    name: Str,
    port: RawPort,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawPort {
    number: i32,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawResourceBackend {
    api_group: Str,
    kind: Str,
    name: Str,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawTls {
    #[serde(deserialize_with = "null_as_default")]
    hosts: Vec<Str>,
    secret_name: Str,
}

impl From<RawIngress> for Ingress {
    fn from(raw: RawIngress) -> Self {
        let RawIngress { metadata, spec } = raw;
        let annotation = metadata
            .meta
            .annotations()
            .iter()
            .find(|(k, _)| &**k == "kubernetes.io/ingress.class")
            .map(|(_, v)| Str::new(v));
        let ingress_class = annotation
            .or(spec.ingress_class_name)
            .unwrap_or_else(|| Str::new("_default"));
        let paths = spec
            .rules
            .into_iter()
            .filter_map(|rule| rule.http.map(|http| (rule.host, http.paths)))
            .flat_map(|(host, paths)| {
                paths.into_iter().map(move |p| IngressPath {
                    host: host.clone(),
                    path: p.path,
                    path_type: p.path_type,
                    backend: match (p.backend.service, p.backend.resource) {
                        (Some(s), _) => Backend::Service {
                            name: s.name,
                            port: Str::new(&s.port.number.to_string()),
                        },
                        (None, Some(r)) => Backend::Resource {
                            api_group: r.api_group,
                            kind: r.kind,
                            name: r.name,
                        },
                        (None, None) => Backend::default(),
                    },
                })
            })
            .collect();
        let tls = spec
            .tls
            .into_iter()
            .flat_map(|t| {
                let secret = t.secret_name;
                t.hosts.into_iter().map(move |h| (h, secret.clone()))
            })
            .collect();
        Ingress {
            metadata: metadata.meta,
            resource_version: metadata.resource_version,
            ingress_class,
            paths,
            tls,
        }
    }
}

impl Object for Ingress {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }
}
