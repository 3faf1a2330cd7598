//! ConfigMap families. Every series also carries `namespace, configmap`.
//! Only metadata is read: a config map's data never reaches the exporter's
//! store.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, info, labels, metadata_resource_version};
use crate::objects::ConfigMap;

impl Families for ConfigMap {
    fn families() -> Vec<Family<ConfigMap>> {
        vec![
            annotations("kube_configmap_annotations"),
            labels("kube_configmap_labels"),
            info(
                Stable,
                "kube_configmap_info",
                "Information about configmap.",
            ),
            created("kube_configmap_created"),
            metadata_resource_version(
                "kube_configmap_metadata_resource_version",
                "Resource version representing a specific version of the configmap.",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::ConfigMap;

    fn config_map(json: &str) -> ConfigMap {
        serde_json::from_str(json).expect("test config map decodes")
    }

    #[test]
    fn a_config_map_with_data() {
        let c = config_map(
            r#"{"metadata":{"name":"nginx-conf","namespace":"ingress-nginx","resourceVersion":"4711",
                 "creationTimestamp":"2021-01-22T10:15:30Z","labels":{"app":"nginx"},"annotations":{"owner":"edge"}},
               "data":{"nginx.conf":"worker_processes 4;"},"binaryData":{"logo.png":"iVBORw0K"}}"#,
        );
        for (family, lines) in [
            ("kube_configmap_info", vec!["kube_configmap_info 1"]),
            (
                "kube_configmap_created",
                vec!["kube_configmap_created 1.61131053e+09"],
            ),
            (
                "kube_configmap_metadata_resource_version",
                vec!["kube_configmap_metadata_resource_version 4711"],
            ),
        ] {
            assert_eq!(series_of(&c, family), with_identity(&c, &lines), "{family}");
        }
        assert_eq!(
            with_identity(&c, &["kube_configmap_info 1"]),
            [r#"kube_configmap_info{namespace="ingress-nginx",configmap="nginx-conf"} 1"#]
        );
        // Without an allowlist, no label or annotation series.
        assert!(series_of(&c, "kube_configmap_labels").is_empty());
        assert!(series_of(&c, "kube_configmap_annotations").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("configmaps=[app]").unwrap(),
            annotations: Allowlist::parse("configmaps=[owner]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&c, "kube_configmap_labels", &exposure),
            with_identity(&c, &[r#"kube_configmap_labels{label_app="nginx"} 1"#])
        );
        assert_eq!(
            series_exposed(&c, "kube_configmap_annotations", &exposure),
            with_identity(
                &c,
                &[r#"kube_configmap_annotations{annotation_owner="edge"} 1"#]
            )
        );
    }

    #[test]
    fn a_resource_version_that_is_not_a_number_has_no_series() {
        for rv in [r#""""#, r#""abc""#] {
            let c = config_map(&format!(
                r#"{{"metadata":{{"name":"c","namespace":"n","resourceVersion":{rv}}}}}"#
            ));
            assert!(series_of(&c, "kube_configmap_metadata_resource_version").is_empty());
            assert!(series_of(&c, "kube_configmap_created").is_empty());
        }
    }
}
