//! ResourceQuota families. Every series also carries `namespace,
//! resourcequota`.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, labels};
use crate::objects::ResourceQuota;

impl Families for ResourceQuota {
    fn families() -> Vec<Family<ResourceQuota>> {
        vec![
            created("kube_resourcequota_created"),
            Family::gauge(
                Stable,
                "kube_resourcequota",
                "Information about resource quota.",
                &["resource", "type"],
                // `resource` is the API's name as it is (`requests.cpu`,
                // `count/pods`), not sanitized like the pod and node
                // families' resource label.
                |q, out| {
                    for (kind, list) in [("hard", &q.status.hard), ("used", &q.status.used)] {
                        for (resource, value) in list.0.iter() {
                            out.emit(&[resource, kind], *value);
                        }
                    }
                },
            ),
            annotations("kube_resourcequota_annotations"),
            labels("kube_resourcequota_labels"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ResourceQuota;

    fn quota(json: &str) -> ResourceQuota {
        serde_json::from_str(json).expect("test quota decodes")
    }

    #[test]
    fn hard_and_used_per_resource_under_api_names() {
        let q = quota(
            r#"{"metadata":{"name":"compute","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"hard":{"pods":"99"}},
               "status":{"hard":{"requests.cpu":"4","requests.memory":"8Gi","pods":"20","count/persistentvolumeclaims":"5"},
                         "used":{"requests.cpu":"3500m","requests.memory":"1536Mi","pods":"7","count/persistentvolumeclaims":"0"}}}"#,
        );
        assert_eq!(
            series_of(&q, "kube_resourcequota"),
            with_identity(
                &q,
                &[
                    r#"kube_resourcequota{resource="requests.cpu",type="hard"} 4"#,
                    r#"kube_resourcequota{resource="requests.memory",type="hard"} 8.589934592e+09"#,
                    r#"kube_resourcequota{resource="pods",type="hard"} 20"#,
                    r#"kube_resourcequota{resource="count/persistentvolumeclaims",type="hard"} 5"#,
                    r#"kube_resourcequota{resource="requests.cpu",type="used"} 3.5"#,
                    r#"kube_resourcequota{resource="requests.memory",type="used"} 1.610612736e+09"#,
                    r#"kube_resourcequota{resource="pods",type="used"} 7"#,
                    r#"kube_resourcequota{resource="count/persistentvolumeclaims",type="used"} 0"#,
                ]
            )
        );
        assert_eq!(
            series_of(&q, "kube_resourcequota_created"),
            with_identity(&q, &["kube_resourcequota_created 1.61131053e+09"])
        );
        assert_eq!(
            with_identity(&q, &["kube_resourcequota_created 1"]),
            [r#"kube_resourcequota_created{namespace="shop",resourcequota="compute"} 1"#]
        );
    }

    #[test]
    fn a_quota_not_yet_counted_has_no_series() {
        // Only spec.hard: the quota controller has not written status yet.
        let q = quota(
            r#"{"metadata":{"name":"compute","namespace":"shop"},"spec":{"hard":{"pods":"10"}}}"#,
        );
        assert!(series_of(&q, "kube_resourcequota").is_empty());
        assert!(series_of(&q, "kube_resourcequota_created").is_empty());
        assert!(series_of(&q, "kube_resourcequota_labels").is_empty());
    }
}
