//! Ingress families. Every series also carries `namespace` and `ingress`.

use super::Stability::{Experimental, Stable};
use super::{Families, Family, annotations, created, labels};
use crate::objects::Ingress;
use crate::objects::ingress::Backend;

impl Families for Ingress {
    fn families() -> Vec<Family<Ingress>> {
        vec![
            Family::gauge(
                Stable,
                "kube_ingress_info",
                "Information about ingress.",
                &["ingressclass"],
                |i, out| out.emit(&[&i.ingress_class], 1.0),
            ),
            annotations("kube_ingress_annotations"),
            labels("kube_ingress_labels"),
            created("kube_ingress_created"),
            Family::gauge(
                Experimental,
                "kube_ingress_metadata_resource_version",
                "Resource version representing a specific version of ingress.",
                &[],
                |i, out| out.emit_some(i.resource_version),
            ),
            // Two label sets, by backend: a service's name and port, or a
            // resource's group, kind and name.
            Family::gauge(
                Stable,
                "kube_ingress_path",
                "Ingress host, paths and backend service information.",
                &[],
                |i, out| {
                    for p in i.paths.iter() {
                        let (host, path, path_type) = (&*p.host, &*p.path, &*p.path_type);
                        match &p.backend {
                            Backend::Service { name, port } => out.emit_pairs(
                                &[
                                    ("host", host),
                                    ("path", path),
                                    ("path_type", path_type),
                                    ("service_name", name),
                                    ("service_port", port),
                                ],
                                1.0,
                            ),
                            Backend::Resource {
                                api_group,
                                kind,
                                name,
                            } => out.emit_pairs(
                                &[
                                    ("host", host),
                                    ("path", path),
                                    ("path_type", path_type),
                                    ("resource_api_group", api_group),
                                    ("resource_kind", kind),
                                    ("resource_name", name),
                                ],
                                1.0,
                            ),
                        }
                    }
                },
            ),
            Family::gauge(
                Stable,
                "kube_ingress_tls",
                "Ingress TLS host and secret information.",
                &["tls_host", "secret"],
                |i, out| {
                    for (host, secret) in i.tls.iter() {
                        out.emit(&[host, secret], 1.0);
                    }
                },
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use crate::objects::Ingress;

    fn ingress(json: &str) -> Ingress {
        serde_json::from_str(json).expect("test ingress decodes")
    }

    #[test]
    fn paths_with_service_and_resource_backends_and_tls() {
        let i = ingress(
            r#"{"metadata":{"name":"shop","namespace":"web","resourceVersion":"4711",
                 "creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"ingressClassName":"nginx",
                 "tls":[{"hosts":["shop.example.com","www.example.com"],"secretName":"shop-tls"}],
                 "rules":[
                   {"host":"shop.example.com","http":{"paths":[
                     {"path":"/","pathType":"Prefix","backend":{"service":{"name":"frontend","port":{"number":80}}}},
                     {"path":"/api","pathType":"ImplementationSpecific","backend":{"service":{"name":"api","port":{"name":"http"}}}},
                     {"path":"/static","pathType":"Exact","backend":{"resource":{"apiGroup":"k8s.example.com","kind":"StorageBucket","name":"assets"}}}]}},
                   {"host":"no-http.example.com"}]}}"#,
        );
        assert_eq!(
            series_of(&i, "kube_ingress_info"),
            with_identity(&i, &[r#"kube_ingress_info{ingressclass="nginx"} 1"#])
        );
        assert_eq!(
            series_of(&i, "kube_ingress_path"),
            with_identity(
                &i,
                &[
                    r#"kube_ingress_path{host="shop.example.com",path="/",path_type="Prefix",service_name="frontend",service_port="80"} 1"#,
                    // A port given by name has number 0.
                    r#"kube_ingress_path{host="shop.example.com",path="/api",path_type="ImplementationSpecific",service_name="api",service_port="0"} 1"#,
                    r#"kube_ingress_path{host="shop.example.com",path="/static",path_type="Exact",resource_api_group="k8s.example.com",resource_kind="StorageBucket",resource_name="assets"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&i, "kube_ingress_tls"),
            with_identity(
                &i,
                &[
                    r#"kube_ingress_tls{tls_host="shop.example.com",secret="shop-tls"} 1"#,
                    r#"kube_ingress_tls{tls_host="www.example.com",secret="shop-tls"} 1"#,
                ]
            )
        );
        assert_eq!(
            series_of(&i, "kube_ingress_metadata_resource_version"),
            [r#"kube_ingress_metadata_resource_version{namespace="web",ingress="shop"} 4711"#]
        );
        assert_eq!(
            series_of(&i, "kube_ingress_created"),
            [r#"kube_ingress_created{namespace="web",ingress="shop"} 1.61131053e+09"#]
        );
    }

    #[test]
    fn the_class_annotation_wins_and_default_is_underscored() {
        let annotated = ingress(
            r#"{"metadata":{"name":"a","namespace":"n",
                 "annotations":{"kubernetes.io/ingress.class":"traefik"}},
               "spec":{"ingressClassName":"nginx"}}"#,
        );
        assert_eq!(
            series_of(&annotated, "kube_ingress_info"),
            with_identity(
                &annotated,
                &[r#"kube_ingress_info{ingressclass="traefik"} 1"#]
            )
        );
        // The annotation is read for the class, never served unless allowlisted.
        assert!(series_of(&annotated, "kube_ingress_annotations").is_empty());
        let exposure = Exposure {
            annotations: Allowlist::parse("ingresses=[kubernetes.io/ingress.class]").unwrap(),
            ..Exposure::default()
        };
        assert_eq!(
            series_exposed(&annotated, "kube_ingress_annotations", &exposure),
            with_identity(
                &annotated,
                &[
                    r#"kube_ingress_annotations{annotation_kubernetes_io_ingress_class="traefik"} 1"#
                ]
            )
        );

        let bare = ingress(r#"{"metadata":{"name":"b","namespace":"n","resourceVersion":""}}"#);
        assert_eq!(
            series_of(&bare, "kube_ingress_info"),
            with_identity(&bare, &[r#"kube_ingress_info{ingressclass="_default"} 1"#])
        );
        assert!(series_of(&bare, "kube_ingress_path").is_empty());
        assert!(series_of(&bare, "kube_ingress_tls").is_empty());
        assert!(series_of(&bare, "kube_ingress_metadata_resource_version").is_empty());
        assert!(series_of(&bare, "kube_ingress_created").is_empty());
    }
}
