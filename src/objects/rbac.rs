//! The fields of the RBAC kinds (rbac.authorization.k8s.io/v1) that their
//! families read: metadata, and a binding's roleRef. Rules and subjects
//! are not kept.

use super::Str;
use super::meta::VersionedMeta;
use super::strings::null_as_default;
use super::versioned::versioned_object;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClusterRole {
    pub metadata: VersionedMeta,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Role {
    pub metadata: VersionedMeta,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterRoleBinding {
    pub metadata: VersionedMeta,
    pub role_ref: RoleRef,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleBinding {
    pub metadata: VersionedMeta,
    pub role_ref: RoleRef,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleRef {
    #[serde(deserialize_with = "null_as_default")]
    pub kind: Str,
    #[serde(deserialize_with = "null_as_default")]
    pub name: Str,
}

versioned_object!(ClusterRole);
versioned_object!(Role);
versioned_object!(ClusterRoleBinding);
versioned_object!(RoleBinding);
