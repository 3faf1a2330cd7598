//! DaemonSet sharding (`--node`, `--track-unscheduled-pods`), as in
//! kube-state-metrics: one instance per node watches only the pods bound to
//! its node, and one more watches the pods not yet bound to any, so pods,
//! by far the most numerous kind, are split by where they run and each
//! instance's memory follows its node's pods, not the cluster's.
//!
//! The split is done by the API server (the field selector `spec.nodeName`),
//! not by dropping objects after they arrive, so each instance also lists
//! and decodes only its own pods.

use crate::config::ConfigError;
use crate::objects::Resource;

/// Which pods this instance watches, by the node they are bound to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PodNodes {
    /// No node sharding.
    #[default]
    All,
    /// Pods bound to this node (`--node`).
    On(String),
    /// Pods bound to no node yet (`--track-unscheduled-pods`).
    Unscheduled,
}

impl PodNodes {
    /// From the two flags; node sharding applies to pods only, so any
    /// other kind watched (the defaults included) is refused, as
    /// kube-state-metrics refuses it with `--node`.
    pub fn from_flags(
        node: &str,
        track_unscheduled_pods: bool,
        resources_flag: &str,
        resources: &[Resource],
    ) -> Result<PodNodes, ConfigError> {
        let (flag, nodes) = match (node, track_unscheduled_pods) {
            ("", false) => return Ok(PodNodes::All),
            ("", true) => ("track-unscheduled-pods", PodNodes::Unscheduled),
            (node, true) => {
                // kube-state-metrics takes the unscheduled pods then; a
                // DaemonSet's arguments carried over keep working.
                tracing::warn!(
                    "--track-unscheduled-pods wins over --node={node}: this instance watches the pods bound to no node, as kube-state-metrics does"
                );
                ("track-unscheduled-pods", PodNodes::Unscheduled)
            }
            (name, false) if is_node_name(name) => ("node", PodNodes::On(name.to_string())),
            (name, false) => {
                return Err(ConfigError {
                    flag: "node",
                    reason: format!("{name:?} is not a valid node name"),
                });
            }
        };
        if resources != [Resource::Pods] {
            let others = if resources_flag.trim().is_empty() {
                "the default kinds".to_string()
            } else {
                resources
                    .iter()
                    .filter(|r| **r != Resource::Pods)
                    .map(|r| r.plural())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(ConfigError {
                flag,
                reason: format!(
                    "only pods can be sharded by the field selector spec.nodeName, not {others}: set --resources=pods"
                ),
            });
        }
        Ok(nodes)
    }

    /// The field selector a pod list and watch carries.
    pub fn field_selector(&self) -> Option<String> {
        match self {
            PodNodes::All => None,
            PodNodes::On(node) => Some(format!("spec.nodeName={node}")),
            PodNodes::Unscheduled => Some("spec.nodeName=".into()),
        }
    }
}

/// A node's name is a DNS subdomain; checking it keeps a stray comma or
/// `=` from changing the field selector.
fn is_node_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(node: &str, unscheduled: bool, resources: &str) -> Result<PodNodes, String> {
        let parsed: Vec<Resource> = resources
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| Resource::from_plural(r).expect("a kind"))
            .collect();
        let parsed = if parsed.is_empty() {
            Resource::defaults().collect()
        } else {
            parsed
        };
        PodNodes::from_flags(node, unscheduled, resources, &parsed).map_err(|e| e.to_string())
    }

    #[test]
    fn selectors_are_kube_state_metrics_own() {
        let on = nodes("node-1.example", false, "pods").unwrap();
        assert_eq!(
            on.field_selector().as_deref(),
            Some("spec.nodeName=node-1.example")
        );
        let pending = nodes("", true, "pods").unwrap();
        assert_eq!(pending.field_selector().as_deref(), Some("spec.nodeName="));
        // Both: the unscheduled pods, as kube-state-metrics' server.go picks.
        assert_eq!(
            nodes("node-1", true, "pods").unwrap(),
            PodNodes::Unscheduled
        );
        // Without either flag, nothing is selected, whatever is watched.
        assert_eq!(nodes("", false, "").unwrap(), PodNodes::All);
        assert_eq!(PodNodes::All.field_selector(), None);
    }

    #[test]
    fn refusals_name_the_flag_on_one_line() {
        let cases = [
            (
                nodes("a", false, ""),
                "--node: only pods can be sharded by the field selector spec.nodeName, not the default kinds: set --resources=pods",
            ),
            (
                nodes("a", false, "pods,nodes,services"),
                "--node: only pods can be sharded by the field selector spec.nodeName, not nodes, services",
            ),
            (
                nodes("", true, "deployments"),
                "--track-unscheduled-pods: only pods can be sharded by the field selector spec.nodeName, not deployments",
            ),
            (
                nodes("a,spec.nodeName!=b", false, "pods"),
                "--node: \"a,spec.nodeName!=b\" is not a valid node name",
            ),
            (
                nodes("Node_1", false, "pods"),
                "--node: \"Node_1\" is not a valid node name",
            ),
        ];
        for (got, want) in cases {
            let err = got.expect_err(want);
            assert!(err.starts_with(want), "got {err:?}, want {want:?}");
            assert!(!err.contains('\n'), "{err:?}");
        }
    }
}
