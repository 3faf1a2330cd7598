//! IngressClass families. Every series also carries `ingressclass`.

use super::Stability::Experimental;
use super::{Families, Family, annotations, created, labels};
use crate::objects::IngressClass;

impl Families for IngressClass {
    fn families() -> Vec<Family<IngressClass>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_ingressclass_info",
                "Information about ingressclass.",
                &["controller"],
                |c, out| out.emit(&[&c.spec.controller], 1.0),
            ),
            created("kube_ingressclass_created").experimental(),
            annotations("kube_ingressclass_annotations"),
            labels("kube_ingressclass_labels").with_stability(Experimental),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of};
    use crate::objects::IngressClass;

    #[test]
    fn controller_and_created() {
        let c: IngressClass = serde_json::from_str(
            r#"{"metadata":{"name":"nginx","creationTimestamp":"2021-01-22T10:15:30Z",
                 "labels":{"app.kubernetes.io/name":"ingress-nginx"},
                 "annotations":{"ingressclass.kubernetes.io/is-default-class":"true"}},
               "spec":{"controller":"k8s.io/ingress-nginx"}}"#,
        )
        .unwrap();
        assert_eq!(
            series_of(&c, "kube_ingressclass_info"),
            [r#"kube_ingressclass_info{ingressclass="nginx",controller="k8s.io/ingress-nginx"} 1"#]
        );
        assert_eq!(
            series_of(&c, "kube_ingressclass_created"),
            [r#"kube_ingressclass_created{ingressclass="nginx"} 1.61131053e+09"#]
        );
        assert!(series_of(&c, "kube_ingressclass_labels").is_empty());
        let exposure = Exposure {
            labels: Allowlist::parse("ingressclasses=[*]").unwrap(),
            annotations: Allowlist::parse("ingressclasses=[*]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&c, "kube_ingressclass_labels", &exposure),
            [
                r#"kube_ingressclass_labels{ingressclass="nginx",label_app_kubernetes_io_name="ingress-nginx"} 1"#
            ]
        );
        assert_eq!(
            series_exposed(&c, "kube_ingressclass_annotations", &exposure),
            [
                r#"kube_ingressclass_annotations{ingressclass="nginx",annotation_ingressclass_kubernetes_io_is_default_class="true"} 1"#
            ]
        );
    }
}
