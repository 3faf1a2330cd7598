//! Builders for the configuration and access-control kinds: ConfigMaps,
//! Secrets, ServiceAccounts, Leases, LimitRanges,
//! CertificateSigningRequests and the RBAC kinds, in the style of the
//! other kinds' (the metadata setters come from the parent's macros).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, LimitRangeItem, LimitRangeSpec, LocalObjectReference, ObjectReference,
    Secret, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;

use super::{OwnerReference, insert, meta, time};

/// Unix seconds to a MicroTime (lease times); clamps like `time`.
pub fn micro_time(unix_seconds: i64) -> MicroTime {
    MicroTime(Timestamp::from_second(unix_seconds).unwrap_or(Timestamp::UNIX_EPOCH))
}

// ---------------------------------------------------------------- config maps and secrets

pub fn config_map(name: &str) -> ConfigMapBuilder {
    ConfigMapBuilder {
        obj: ConfigMap {
            metadata: meta(name),
            ..Default::default()
        },
    }
}

pub struct ConfigMapBuilder {
    obj: ConfigMap,
}

impl ConfigMapBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn data(mut self, key: &str, value: &str) -> Self {
        insert(&mut self.obj.data, key, value);
        self
    }
    pub fn binary_data(mut self, key: &str, value: &[u8]) -> Self {
        self.obj
            .binary_data
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_string(), ByteString(value.to_vec()));
        self
    }
    pub fn immutable(mut self) -> Self {
        self.obj.immutable = Some(true);
        self
    }
    pub fn build(self) -> ConfigMap {
        self.obj
    }
}

/// A Secret of the given type (`Opaque`, `kubernetes.io/tls`, ...).
pub fn secret(name: &str, type_: &str) -> SecretBuilder {
    SecretBuilder {
        obj: Secret {
            metadata: meta(name),
            type_: Some(type_.to_string()),
            ..Default::default()
        },
    }
}

pub struct SecretBuilder {
    obj: Secret,
}

impl SecretBuilder {
    meta_setters!();
    namespace_setter!();

    /// One entry of `data` (sent base64-encoded, as the API does).
    pub fn data(mut self, key: &str, value: &[u8]) -> Self {
        self.obj
            .data
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_string(), ByteString(value.to_vec()));
        self
    }
    /// An ownerReference to a kind of any group (an ExternalSecret, a
    /// SealedSecret): secrets' owners are rarely built-in kinds.
    pub fn owned_by(mut self, api_version: &str, kind: &str, name: &str, uid: &str) -> Self {
        self.obj
            .metadata
            .owner_references
            .get_or_insert_with(Vec::new)
            .push(OwnerReference {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
                name: name.to_string(),
                uid: uid.to_string(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            });
        self
    }
    pub fn build(self) -> Secret {
        self.obj
    }
}

// ---------------------------------------------------------------- service accounts

pub fn service_account(name: &str) -> ServiceAccountBuilder {
    ServiceAccountBuilder {
        obj: ServiceAccount {
            metadata: meta(name),
            ..Default::default()
        },
    }
}

pub struct ServiceAccountBuilder {
    obj: ServiceAccount,
}

impl ServiceAccountBuilder {
    meta_setters!();
    namespace_setter!();

    /// A Secret listed in `secrets` (a token Secret of a pre-1.24 cluster,
    /// or one mounted by the account's pods).
    pub fn secret(mut self, name: &str) -> Self {
        self.obj
            .secrets
            .get_or_insert_with(Vec::new)
            .push(ObjectReference {
                name: Some(name.to_string()),
                ..Default::default()
            });
        self
    }
    pub fn image_pull_secret(mut self, name: &str) -> Self {
        self.obj
            .image_pull_secrets
            .get_or_insert_with(Vec::new)
            .push(LocalObjectReference {
                name: name.to_string(),
            });
        self
    }
    pub fn automount(mut self, automount: bool) -> Self {
        self.obj.automount_service_account_token = Some(automount);
        self
    }
    pub fn finalizer(mut self, finalizer: &str) -> Self {
        self.obj
            .metadata
            .finalizers
            .get_or_insert_with(Vec::new)
            .push(finalizer.to_string());
        self
    }
    pub fn build(self) -> ServiceAccount {
        self.obj
    }
}

// ---------------------------------------------------------------- leases

pub fn lease(name: &str) -> LeaseBuilder {
    LeaseBuilder {
        obj: Lease {
            metadata: meta(name),
            spec: Some(LeaseSpec::default()),
        },
    }
}

pub struct LeaseBuilder {
    obj: Lease,
}

impl LeaseBuilder {
    meta_setters!();
    namespace_setter!();
    owner_setter!();

    fn spec(&mut self) -> &mut LeaseSpec {
        self.obj.spec.get_or_insert_with(Default::default)
    }

    /// Held by `holder` for `duration` seconds, acquired at `acquired`
    /// after `transitions` changes of holder.
    pub fn held_by(mut self, holder: &str, duration: i32, acquired: i64, transitions: i32) -> Self {
        let spec = self.spec();
        spec.holder_identity = Some(holder.to_string());
        spec.lease_duration_seconds = Some(duration);
        spec.acquire_time = Some(micro_time(acquired));
        spec.lease_transitions = Some(transitions);
        self
    }
    pub fn renewed(mut self, unix_seconds: i64) -> Self {
        self.spec().renew_time = Some(micro_time(unix_seconds));
        self
    }
    pub fn build(self) -> Lease {
        self.obj
    }
}

// ---------------------------------------------------------------- limit ranges

pub fn limit_range(name: &str) -> LimitRangeBuilder {
    LimitRangeBuilder {
        obj: LimitRange {
            metadata: meta(name),
            spec: Some(LimitRangeSpec::default()),
        },
    }
}

pub struct LimitRangeBuilder {
    obj: LimitRange,
}

/// Which list of a limit item a quantity goes in.
#[derive(Clone, Copy)]
pub enum Constraint {
    Min,
    Max,
    Default,
    DefaultRequest,
    MaxLimitRequestRatio,
}

impl LimitRangeBuilder {
    meta_setters!();
    namespace_setter!();

    /// A quantity of the item of `type_` (`Container`, `Pod`,
    /// `PersistentVolumeClaim`), the item added when it is the first.
    pub fn limit(
        mut self,
        type_: &str,
        constraint: Constraint,
        resource: &str,
        quantity: &str,
    ) -> Self {
        let limits = &mut self.obj.spec.get_or_insert_with(Default::default).limits;
        let item = match limits.iter().position(|i| i.type_ == type_) {
            Some(i) => &mut limits[i],
            None => {
                limits.push(LimitRangeItem {
                    type_: type_.to_string(),
                    ..Default::default()
                });
                limits.last_mut().expect("just pushed")
            }
        };
        let list = match constraint {
            Constraint::Min => &mut item.min,
            Constraint::Max => &mut item.max,
            Constraint::Default => &mut item.default,
            Constraint::DefaultRequest => &mut item.default_request,
            Constraint::MaxLimitRequestRatio => &mut item.max_limit_request_ratio,
        };
        list.get_or_insert_with(BTreeMap::new)
            .insert(resource.to_string(), Quantity(quantity.to_string()));
        self
    }
    pub fn build(self) -> LimitRange {
        self.obj
    }
}

// ---------------------------------------------------------------- certificate signing requests

/// A pending request to `signer` from `username`, with a PEM request.
pub fn certificate_signing_request(name: &str, signer: &str, username: &str) -> CsrBuilder {
    let request = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\nMIIBFzCBvQIBADAzMRUwEwYDVQQKEwxzeXN0ZW06bm9kZXMxGjAYBgNVBAMTEXN5\nc3RlbTpub2RlOntuYW1lfTBZ{name}\n-----END CERTIFICATE REQUEST-----\n"
    );
    CsrBuilder {
        obj: CertificateSigningRequest {
            metadata: meta(name),
            spec: CertificateSigningRequestSpec {
                request: ByteString(request.into_bytes()),
                signer_name: signer.to_string(),
                username: Some(username.to_string()),
                groups: Some(vec!["system:authenticated".into()]),
                usages: Some(vec![
                    "digital signature".into(),
                    "key encipherment".into(),
                    "client auth".into(),
                ]),
                ..Default::default()
            },
            status: None,
        },
    }
}

pub struct CsrBuilder {
    obj: CertificateSigningRequest,
}

impl CsrBuilder {
    meta_setters!();

    fn status(&mut self) -> &mut CertificateSigningRequestStatus {
        self.obj.status.get_or_insert_with(Default::default)
    }

    /// An `Approved`, `Denied` or `Failed` condition.
    pub fn condition(mut self, type_: &str, reason: &str, message: &str, at: i64) -> Self {
        self.status().conditions.get_or_insert_with(Vec::new).push(
            CertificateSigningRequestCondition {
                type_: type_.to_string(),
                status: "True".into(),
                reason: Some(reason.to_string()),
                message: Some(message.to_string()),
                last_transition_time: Some(time(at)),
                last_update_time: Some(time(at)),
            },
        );
        self
    }
    /// The issued certificate (PEM bytes).
    pub fn certificate(mut self, pem: &[u8]) -> Self {
        self.status().certificate = Some(ByteString(pem.to_vec()));
        self
    }
    pub fn build(self) -> CertificateSigningRequest {
        self.obj
    }
}

// ---------------------------------------------------------------- RBAC

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    PolicyRule {
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..Default::default()
    }
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: Some("rbac.authorization.k8s.io".into()),
        kind: kind.to_string(),
        name: name.to_string(),
    }
}

/// A subject: a `ServiceAccount` in `namespace`, or a `User` or `Group`.
fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
    Subject {
        api_group: (kind != "ServiceAccount").then(|| "rbac.authorization.k8s.io".into()),
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

pub fn cluster_role(name: &str) -> ClusterRoleBuilder {
    ClusterRoleBuilder {
        obj: ClusterRole {
            metadata: meta(name),
            ..Default::default()
        },
    }
}

pub struct ClusterRoleBuilder {
    obj: ClusterRole,
}

impl ClusterRoleBuilder {
    meta_setters!();

    pub fn rule(mut self, groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        self.obj
            .rules
            .get_or_insert_with(Vec::new)
            .push(rule(groups, resources, verbs));
        self
    }
    pub fn build(self) -> ClusterRole {
        self.obj
    }
}

pub fn role(name: &str) -> RoleBuilder {
    RoleBuilder {
        obj: Role {
            metadata: meta(name),
            ..Default::default()
        },
    }
}

pub struct RoleBuilder {
    obj: Role,
}

impl RoleBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn rule(mut self, groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        self.obj
            .rules
            .get_or_insert_with(Vec::new)
            .push(rule(groups, resources, verbs));
        self
    }
    pub fn build(self) -> Role {
        self.obj
    }
}

/// A cluster-wide binding of the ClusterRole `role_name`.
pub fn cluster_role_binding(name: &str, role_name: &str) -> ClusterRoleBindingBuilder {
    ClusterRoleBindingBuilder {
        obj: ClusterRoleBinding {
            metadata: meta(name),
            role_ref: role_ref("ClusterRole", role_name),
            subjects: None,
        },
    }
}

pub struct ClusterRoleBindingBuilder {
    obj: ClusterRoleBinding,
}

impl ClusterRoleBindingBuilder {
    meta_setters!();

    pub fn subject(mut self, kind: &str, name: &str, namespace: Option<&str>) -> Self {
        self.obj
            .subjects
            .get_or_insert_with(Vec::new)
            .push(subject(kind, name, namespace));
        self
    }
    pub fn build(self) -> ClusterRoleBinding {
        self.obj
    }
}

/// A binding in a namespace of a `Role` or a `ClusterRole`.
pub fn role_binding(name: &str, role_kind: &str, role_name: &str) -> RoleBindingBuilder {
    RoleBindingBuilder {
        obj: RoleBinding {
            metadata: meta(name),
            role_ref: role_ref(role_kind, role_name),
            subjects: None,
        },
    }
}

pub struct RoleBindingBuilder {
    obj: RoleBinding,
}

impl RoleBindingBuilder {
    meta_setters!();
    namespace_setter!();

    pub fn subject(mut self, kind: &str, name: &str, namespace: Option<&str>) -> Self {
        self.obj
            .subjects
            .get_or_insert_with(Vec::new)
            .push(subject(kind, name, namespace));
        self
    }
    pub fn build(self) -> RoleBinding {
        self.obj
    }
}
