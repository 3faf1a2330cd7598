//! The kind registry: every Kubernetes kind kubestate serves, registered
//! once, in the order its families are served.
//!
//! A line of `kinds!` names the kind's `Resource` variant, its lean decode
//! type (`src/objects/`), its plural (API paths, `--resources`, the
//! `resource` label), its `kind` and `apiVersion`, whether it is
//! namespaced, whether kube-state-metrics enables it by default, and its
//! identity labels: the labels every series of the kind starts with. In
//! those, `namespace` and `uid` read the object's namespace and uid, a label
//! the kind reads from the object itself (`Object::identity_label`: a
//! CertificateSigningRequest's `signer_name`) reads that, and the one other
//! label (`pod`, `job_name`, …) reads its name. Only a Namespace has no
//! other label: there `namespace` is its own name. Some cluster-scoped kinds
//! (the admission kinds) start with `namespace` too, as kube-state-metrics
//! serves them: empty, as their objects have none. Leases are identified by
//! `lease` alone: kube-state-metrics puts their `namespace` among each
//! family's own labels.
//!
//! Everything else that differs per kind is generic over the decode type:
//! the watcher, the store and the renderer are started for it through
//! [`visit`], and its families come from its `Families` impl.

use crate::families::Families;
use std::fmt;

/// Whether a kind's objects live in namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// Whether kube-state-metrics watches the kind without `--resources`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enabled {
    ByDefault,
    OptIn,
}

/// What the registry knows of a kind.
#[derive(Debug)]
pub struct KindInfo {
    pub plural: &'static str,
    pub kind: &'static str,
    /// `v1` for the core group, `group/version` otherwise.
    pub api_version: &'static str,
    pub scope: Scope,
    pub enabled: Enabled,
    pub identity: &'static [&'static str],
}

/// Implemented by the registry for each decode type.
pub trait Registered {
    const RESOURCE: Resource;
}

/// Something to do with one kind's decode type, chosen at run time from a
/// `Resource` (start its watcher and renderer, list its families).
pub trait KindVisitor {
    type Output;
    fn visit<T: Families>(self) -> Self::Output;
}

macro_rules! kinds {
    ($($variant:ident: $object:ident, $plural:literal, $kind:literal, $api_version:literal,
       $scope:ident, $enabled:ident, [$($identity:literal),+];)+) => {
        /// A kind kubestate serves.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Resource {
            $($variant,)+
        }

        const INFO: &[KindInfo] = &[$(KindInfo {
            plural: $plural,
            kind: $kind,
            api_version: $api_version,
            scope: Scope::$scope,
            enabled: Enabled::$enabled,
            identity: &[$($identity),+],
        },)+];

        impl Resource {
            /// Every kind, in the order their families are served.
            pub const ALL: &[Resource] = &[$(Resource::$variant,)+];
        }

        $(impl Registered for crate::objects::$object {
            const RESOURCE: Resource = Resource::$variant;
        })+

        /// Runs `visitor` on the decode type of `resource`.
        pub fn visit<V: KindVisitor>(resource: Resource, visitor: V) -> V::Output {
            match resource {
                $(Resource::$variant => visitor.visit::<crate::objects::$object>(),)+
            }
        }
    };
}

kinds! {
    // variant: object, plural, kind, apiVersion, scope, enabled, identity labels
    CertificateSigningRequests: CertificateSigningRequest, "certificatesigningrequests", "CertificateSigningRequest", "certificates.k8s.io/v1", Cluster, ByDefault, ["certificatesigningrequest", "signer_name"];
    ClusterRoleBindings: ClusterRoleBinding, "clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", Cluster, OptIn, ["clusterrolebinding"];
    ClusterRoles: ClusterRole, "clusterroles", "ClusterRole", "rbac.authorization.k8s.io/v1", Cluster, OptIn, ["clusterrole"];
    ConfigMaps: ConfigMap, "configmaps", "ConfigMap", "v1", Namespaced, ByDefault, ["namespace", "configmap"];
    CronJobs: CronJob, "cronjobs", "CronJob", "batch/v1", Namespaced, ByDefault, ["namespace", "cronjob"];
    DaemonSets: DaemonSet, "daemonsets", "DaemonSet", "apps/v1", Namespaced, ByDefault, ["namespace", "daemonset"];
    Deployments: Deployment, "deployments", "Deployment", "apps/v1", Namespaced, ByDefault, ["namespace", "deployment"];
    EndpointSlices: EndpointSlice, "endpointslices", "EndpointSlice", "discovery.k8s.io/v1", Namespaced, ByDefault, ["endpointslice", "namespace"];
    Endpoints: Endpoints, "endpoints", "Endpoints", "v1", Namespaced, OptIn, ["namespace", "endpoint"];
    HorizontalPodAutoscalers: HorizontalPodAutoscaler, "horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling/v2", Namespaced, ByDefault, ["namespace", "horizontalpodautoscaler"];
    IngressClasses: IngressClass, "ingressclasses", "IngressClass", "networking.k8s.io/v1", Cluster, OptIn, ["ingressclass"];
    Ingresses: Ingress, "ingresses", "Ingress", "networking.k8s.io/v1", Namespaced, ByDefault, ["namespace", "ingress"];
    Jobs: Job, "jobs", "Job", "batch/v1", Namespaced, ByDefault, ["namespace", "job_name"];
    Leases: Lease, "leases", "Lease", "coordination.k8s.io/v1", Namespaced, ByDefault, ["lease"];
    LimitRanges: LimitRange, "limitranges", "LimitRange", "v1", Namespaced, ByDefault, ["namespace", "limitrange"];
    MutatingAdmissionPolicies: MutatingAdmissionPolicy, "mutatingadmissionpolicies", "MutatingAdmissionPolicy", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "mutatingadmissionpolicy"];
    MutatingAdmissionPolicyBindings: MutatingAdmissionPolicyBinding, "mutatingadmissionpolicybindings", "MutatingAdmissionPolicyBinding", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "mutatingadmissionpolicybinding"];
    MutatingWebhookConfigurations: MutatingWebhookConfiguration, "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "mutatingwebhookconfiguration"];
    Namespaces: Namespace, "namespaces", "Namespace", "v1", Cluster, ByDefault, ["namespace"];
    NetworkPolicies: NetworkPolicy, "networkpolicies", "NetworkPolicy", "networking.k8s.io/v1", Namespaced, ByDefault, ["namespace", "networkpolicy"];
    Nodes: Node, "nodes", "Node", "v1", Cluster, ByDefault, ["node"];
    PersistentVolumeClaims: PersistentVolumeClaim, "persistentvolumeclaims", "PersistentVolumeClaim", "v1", Namespaced, ByDefault, ["namespace", "persistentvolumeclaim"];
    PersistentVolumes: PersistentVolume, "persistentvolumes", "PersistentVolume", "v1", Cluster, ByDefault, ["persistentvolume"];
    PodDisruptionBudgets: PodDisruptionBudget, "poddisruptionbudgets", "PodDisruptionBudget", "policy/v1", Namespaced, ByDefault, ["namespace", "poddisruptionbudget"];
    Pods: Pod, "pods", "Pod", "v1", Namespaced, ByDefault, ["namespace", "pod", "uid"];
    ReplicaSets: ReplicaSet, "replicasets", "ReplicaSet", "apps/v1", Namespaced, ByDefault, ["namespace", "replicaset"];
    ReplicationControllers: ReplicationController, "replicationcontrollers", "ReplicationController", "v1", Namespaced, ByDefault, ["namespace", "replicationcontroller"];
    ResourceQuotas: ResourceQuota, "resourcequotas", "ResourceQuota", "v1", Namespaced, ByDefault, ["namespace", "resourcequota"];
    RoleBindings: RoleBinding, "rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1", Namespaced, OptIn, ["namespace", "rolebinding"];
    Roles: Role, "roles", "Role", "rbac.authorization.k8s.io/v1", Namespaced, OptIn, ["namespace", "role"];
    Secrets: Secret, "secrets", "Secret", "v1", Namespaced, ByDefault, ["namespace", "secret"];
    ServiceAccounts: ServiceAccount, "serviceaccounts", "ServiceAccount", "v1", Namespaced, OptIn, ["namespace", "serviceaccount", "uid"];
    Services: Service, "services", "Service", "v1", Namespaced, ByDefault, ["namespace", "service", "uid"];
    StatefulSets: StatefulSet, "statefulsets", "StatefulSet", "apps/v1", Namespaced, ByDefault, ["namespace", "statefulset"];
    StorageClasses: StorageClass, "storageclasses", "StorageClass", "storage.k8s.io/v1", Cluster, ByDefault, ["storageclass"];
    ValidatingAdmissionPolicies: ValidatingAdmissionPolicy, "validatingadmissionpolicies", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "validatingadmissionpolicy"];
    ValidatingAdmissionPolicyBindings: ValidatingAdmissionPolicyBinding, "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "validatingadmissionpolicybinding"];
    ValidatingWebhookConfigurations: ValidatingWebhookConfiguration, "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", Cluster, ByDefault, ["namespace", "validatingwebhookconfiguration"];
    VolumeAttachments: VolumeAttachment, "volumeattachments", "VolumeAttachment", "storage.k8s.io/v1", Cluster, ByDefault, ["volumeattachment"];
}

impl Resource {
    pub fn info(self) -> &'static KindInfo {
        &INFO[self as usize]
    }

    /// The plural name used in API paths, flags and the `resource` label.
    pub fn plural(self) -> &'static str {
        self.info().plural
    }

    pub fn kind(self) -> &'static str {
        self.info().kind
    }

    pub fn api_version(self) -> &'static str {
        self.info().api_version
    }

    /// The API group, `""` for the core group.
    pub fn group(self) -> &'static str {
        self.info()
            .api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    pub fn version(self) -> &'static str {
        let api_version = self.info().api_version;
        api_version
            .rsplit_once('/')
            .map_or(api_version, |(_, version)| version)
    }

    /// Cluster-scoped kinds ignore namespace filters.
    pub fn namespaced(self) -> bool {
        self.info().scope == Scope::Namespaced
    }

    pub fn from_plural(name: &str) -> Option<Resource> {
        Resource::ALL.iter().copied().find(|r| r.plural() == name)
    }

    pub fn from_kind(kind: &str) -> Option<Resource> {
        Resource::ALL.iter().copied().find(|r| r.kind() == kind)
    }

    /// The kinds watched without `--resources`.
    pub fn defaults() -> impl Iterator<Item = Resource> {
        Resource::ALL
            .iter()
            .copied()
            .filter(|r| r.info().enabled == Enabled::ByDefault)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_are_unique() {
        for (i, a) in Resource::ALL.iter().enumerate() {
            for b in &Resource::ALL[i + 1..] {
                assert_ne!(a.plural(), b.plural());
            }
        }
    }

    #[test]
    fn groups_and_versions_split_from_api_version() {
        assert_eq!(
            (
                Resource::Deployments.group(),
                Resource::Deployments.version()
            ),
            ("apps", "v1")
        );
        assert_eq!(
            (Resource::Pods.group(), Resource::Pods.version()),
            ("", "v1")
        );
    }

    #[test]
    fn identity_labels_name_the_object_once() {
        for resource in Resource::ALL {
            let identity = resource.info().identity;
            let names = identity
                .iter()
                .filter(|l| !matches!(**l, "uid" | "namespace" | "signer_name"))
                .count();
            if *resource == Resource::Namespaces {
                assert_eq!(identity, ["namespace"]);
            } else {
                assert_eq!(names, 1, "{resource}: {identity:?}");
            }
            // Leases: kube-state-metrics serves their namespace after
            // labels of its own, so it is not an identity label.
            if resource.namespaced() && *resource != Resource::Leases {
                assert!(identity.contains(&"namespace"), "{resource}");
            }
        }
    }
}
