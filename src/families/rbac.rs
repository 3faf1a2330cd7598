//! Families of the RBAC kinds: ClusterRoles (`clusterrole`), Roles
//! (`namespace, role`), ClusterRoleBindings (`clusterrolebinding`) and
//! RoleBindings (`namespace, rolebinding`). Roles of both scopes have the
//! same families under their own names, bindings likewise.

use super::Stability::Experimental;
use super::{Families, Family, annotations, created, info, labels, metadata_resource_version};
use crate::objects::rbac::RoleRef;
use crate::objects::{
    ClusterRole, ClusterRoleBinding, Object, ResourceVersioned, Role, RoleBinding,
};

/// A kind's family names and help texts, in kube-state-metrics' words.
struct Names {
    annotations: &'static str,
    labels: &'static str,
    info: &'static str,
    info_help: &'static str,
    created: &'static str,
    resource_version: &'static str,
    resource_version_help: &'static str,
}

/// Everything but `_info`, which differs between roles and bindings,
/// around the given `_info`; all ALPHA in kube-state-metrics.
fn families<T: Object + ResourceVersioned>(names: Names, info: Family<T>) -> Vec<Family<T>> {
    vec![
        annotations(names.annotations),
        labels(names.labels).experimental(),
        info,
        created(names.created).experimental(),
        metadata_resource_version(names.resource_version, names.resource_version_help),
    ]
}

fn role_families<T: Object + ResourceVersioned>(names: Names) -> Vec<Family<T>> {
    let info = info(Experimental, names.info, names.info_help);
    families(names, info)
}

/// A binding's object: its roleRef.
trait Binding {
    fn role_ref(&self) -> &RoleRef;
}

impl Binding for ClusterRoleBinding {
    fn role_ref(&self) -> &RoleRef {
        &self.role_ref
    }
}

impl Binding for RoleBinding {
    fn role_ref(&self) -> &RoleRef {
        &self.role_ref
    }
}

fn binding_families<T: Object + ResourceVersioned + Binding>(names: Names) -> Vec<Family<T>> {
    let info = Family::gauge(
        Experimental,
        names.info,
        names.info_help,
        &["roleref_kind", "roleref_name"],
        |b: &T, out| out.emit(&[&b.role_ref().kind, &b.role_ref().name], 1.0),
    );
    families(names, info)
}

impl Families for ClusterRole {
    fn families() -> Vec<Family<ClusterRole>> {
        role_families(Names {
            annotations: "kube_clusterrole_annotations",
            labels: "kube_clusterrole_labels",
            info: "kube_clusterrole_info",
            info_help: "Information about cluster role.",
            created: "kube_clusterrole_created",
            resource_version: "kube_clusterrole_metadata_resource_version",
            resource_version_help: "Resource version representing a specific version of the cluster role.",
        })
    }
}

impl Families for Role {
    fn families() -> Vec<Family<Role>> {
        role_families(Names {
            annotations: "kube_role_annotations",
            labels: "kube_role_labels",
            info: "kube_role_info",
            info_help: "Information about role.",
            created: "kube_role_created",
            resource_version: "kube_role_metadata_resource_version",
            resource_version_help: "Resource version representing a specific version of the role.",
        })
    }
}

impl Families for ClusterRoleBinding {
    fn families() -> Vec<Family<ClusterRoleBinding>> {
        binding_families(Names {
            annotations: "kube_clusterrolebinding_annotations",
            labels: "kube_clusterrolebinding_labels",
            info: "kube_clusterrolebinding_info",
            info_help: "Information about clusterrolebinding.",
            created: "kube_clusterrolebinding_created",
            resource_version: "kube_clusterrolebinding_metadata_resource_version",
            resource_version_help: "Resource version representing a specific version of the clusterrolebinding.",
        })
    }
}

impl Families for RoleBinding {
    fn families() -> Vec<Family<RoleBinding>> {
        binding_families(Names {
            annotations: "kube_rolebinding_annotations",
            labels: "kube_rolebinding_labels",
            info: "kube_rolebinding_info",
            info_help: "Information about rolebinding.",
            created: "kube_rolebinding_created",
            resource_version: "kube_rolebinding_metadata_resource_version",
            resource_version_help: "Resource version representing a specific version of the rolebinding.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, sorted};
    use super::Families;
    use crate::objects::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};

    const CREATED: &str = r#""creationTimestamp":"2021-01-22T10:15:30Z""#;

    /// Every family's series of one object, in family order, each family's
    /// lines sorted.
    fn all_series<T: Families>(object: &T) -> Vec<String> {
        T::families()
            .iter()
            .flat_map(|f| series_of(object, f.name))
            .collect()
    }

    #[test]
    fn a_cluster_role() {
        let r: ClusterRole = serde_json::from_str(&format!(
            r#"{{"metadata":{{"name":"system:aggregate-to-view","resourceVersion":"77",{CREATED}}},
               "rules":[{{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}}]}}"#
        ))
        .unwrap();
        assert_eq!(
            all_series(&r),
            [
                r#"kube_clusterrole_info{clusterrole="system:aggregate-to-view"} 1"#,
                r#"kube_clusterrole_created{clusterrole="system:aggregate-to-view"} 1.61131053e+09"#,
                r#"kube_clusterrole_metadata_resource_version{clusterrole="system:aggregate-to-view"} 77"#,
            ]
        );
    }

    #[test]
    fn a_role_without_a_creation_time() {
        let r: Role = serde_json::from_str(
            r#"{"metadata":{"name":"pod-reader","namespace":"shop","resourceVersion":"5"}}"#,
        )
        .unwrap();
        assert_eq!(
            all_series(&r),
            [
                r#"kube_role_info{namespace="shop",role="pod-reader"} 1"#,
                r#"kube_role_metadata_resource_version{namespace="shop",role="pod-reader"} 5"#,
            ]
        );
    }

    #[test]
    fn bindings_name_their_role() {
        let b: ClusterRoleBinding = serde_json::from_str(&format!(
            r#"{{"metadata":{{"name":"cluster-admin","resourceVersion":"140",{CREATED}}},
               "roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}},
               "subjects":[{{"kind":"Group","name":"system:masters"}}]}}"#
        ))
        .unwrap();
        assert_eq!(
            all_series(&b),
            [
                r#"kube_clusterrolebinding_info{clusterrolebinding="cluster-admin",roleref_kind="ClusterRole",roleref_name="cluster-admin"} 1"#,
                r#"kube_clusterrolebinding_created{clusterrolebinding="cluster-admin"} 1.61131053e+09"#,
                r#"kube_clusterrolebinding_metadata_resource_version{clusterrolebinding="cluster-admin"} 140"#,
            ]
        );
        let b: RoleBinding = serde_json::from_str(
            r#"{"metadata":{"name":"read-pods","namespace":"shop","labels":{"team":"sre"}},
               "roleRef":{"kind":"Role","name":"pod-reader"}}"#,
        )
        .unwrap();
        assert_eq!(
            all_series(&b),
            [
                r#"kube_rolebinding_info{namespace="shop",rolebinding="read-pods",roleref_kind="Role",roleref_name="pod-reader"} 1"#
            ]
        );
        let exposure = Exposure {
            labels: Allowlist::parse("rolebindings=[team]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&b, "kube_rolebinding_labels", &exposure),
            sorted(&[
                r#"kube_rolebinding_labels{namespace="shop",rolebinding="read-pods",label_team="sre"} 1"#
            ])
        );
    }
}
