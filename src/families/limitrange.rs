//! LimitRange families. Every series also carries `namespace, limitrange`.

use super::Stability::Stable;
use super::{Families, Family, created};
use crate::objects::LimitRange;

impl Families for LimitRange {
    fn families() -> Vec<Family<LimitRange>> {
        vec![
            Family::gauge(
                Stable,
                "kube_limitrange",
                "Information about limit range.",
                &["resource", "type", "constraint"],
                // `resource` is the API's name, unsanitized, as in
                // kube_resourcequota.
                |r, out| {
                    for item in r.spec.limits.iter() {
                        for (constraint, list) in [
                            ("min", &item.min),
                            ("max", &item.max),
                            ("default", &item.default),
                            ("defaultRequest", &item.default_request),
                            ("maxLimitRequestRatio", &item.max_limit_request_ratio),
                        ] {
                            for (resource, value) in list.0.iter() {
                                out.emit(&[resource, &item.type_, constraint], *value);
                            }
                        }
                    }
                },
            ),
            created("kube_limitrange_created"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::LimitRange;

    #[test]
    fn every_constraint_of_every_item() {
        let r: LimitRange = serde_json::from_str(
            r#"{"metadata":{"name":"defaults","namespace":"shop","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"limits":[
                 {"type":"Container","min":{"cpu":"10m"},"max":{"cpu":"2","memory":"4Gi"},
                  "default":{"memory":"512Mi"},"defaultRequest":{"cpu":"100m"},
                  "maxLimitRequestRatio":{"cpu":"4"}},
                 {"type":"PersistentVolumeClaim","min":{"storage":"1Gi"},"max":{"storage":"1Ti"}}]}}"#,
        )
        .expect("test limit range decodes");
        assert_eq!(
            series_of(&r, "kube_limitrange"),
            with_identity(
                &r,
                &[
                    r#"kube_limitrange{resource="cpu",type="Container",constraint="min"} 0.01"#,
                    r#"kube_limitrange{resource="cpu",type="Container",constraint="max"} 2"#,
                    r#"kube_limitrange{resource="memory",type="Container",constraint="max"} 4.294967296e+09"#,
                    r#"kube_limitrange{resource="memory",type="Container",constraint="default"} 5.36870912e+08"#,
                    r#"kube_limitrange{resource="cpu",type="Container",constraint="defaultRequest"} 0.1"#,
                    r#"kube_limitrange{resource="cpu",type="Container",constraint="maxLimitRequestRatio"} 4"#,
                    r#"kube_limitrange{resource="storage",type="PersistentVolumeClaim",constraint="min"} 1.073741824e+09"#,
                    r#"kube_limitrange{resource="storage",type="PersistentVolumeClaim",constraint="max"} 1.099511627776e+12"#,
                ]
            )
        );
        assert_eq!(
            series_of(&r, "kube_limitrange_created"),
            with_identity(&r, &["kube_limitrange_created 1.61131053e+09"])
        );
        assert_eq!(
            with_identity(&r, &["kube_limitrange_created 1"]),
            [r#"kube_limitrange_created{namespace="shop",limitrange="defaults"} 1"#]
        );
    }

    #[test]
    fn no_limits_no_series() {
        let r: LimitRange = serde_json::from_str(
            r#"{"metadata":{"name":"x","namespace":"n"},"spec":{"limits":null}}"#,
        )
        .expect("decodes");
        assert!(series_of(&r, "kube_limitrange").is_empty());
    }
}
