//! Secret families. Every series also carries `namespace, secret`. Only
//! metadata and the type are read: no value of a secret reaches the
//! exporter's store.

use super::Stability::{Experimental, Stable};
use super::{
    Families, Family, annotations, created, info, labels, metadata_resource_version, owner,
};
use crate::objects::Secret;

impl Families for Secret {
    fn families() -> Vec<Family<Secret>> {
        vec![
            info(Stable, "kube_secret_info", "Information about secret."),
            Family::gauge(
                Stable,
                "kube_secret_type",
                "Type about secret.",
                &["type"],
                |s, out| out.emit(&[&s.type_], 1.0),
            ),
            annotations("kube_secret_annotations"),
            labels("kube_secret_labels"),
            created("kube_secret_created"),
            metadata_resource_version(
                "kube_secret_metadata_resource_version",
                "Resource version representing a specific version of secret.",
            ),
            owner(
                Experimental,
                "kube_secret_owner",
                "Information about the Secret's owner.",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Allowlist, Exposure, series_exposed, series_of, with_identity};
    use super::Families;
    use crate::objects::{Object, Secret};

    fn secret(json: &str) -> Secret {
        serde_json::from_str(json).expect("test secret decodes")
    }

    #[test]
    fn a_tls_secret_owned_by_a_certificate() {
        let s = secret(
            r#"{"metadata":{"name":"web-tls","namespace":"shop","resourceVersion":"912",
                 "creationTimestamp":"2021-01-22T10:15:30Z",
                 "ownerReferences":[{"apiVersion":"cert-manager.io/v1","kind":"Certificate","name":"web","uid":"c-1","controller":true}]},
               "type":"kubernetes.io/tls",
               "data":{"tls.crt":"LS0tLS1CRUdJTg==","tls.key":"c2VjcmV0LWtleQ=="}}"#,
        );
        for (family, lines) in [
            ("kube_secret_info", vec!["kube_secret_info 1"]),
            (
                "kube_secret_type",
                vec![r#"kube_secret_type{type="kubernetes.io/tls"} 1"#],
            ),
            (
                "kube_secret_created",
                vec!["kube_secret_created 1.61131053e+09"],
            ),
            (
                "kube_secret_metadata_resource_version",
                vec!["kube_secret_metadata_resource_version 912"],
            ),
            (
                "kube_secret_owner",
                vec![
                    r#"kube_secret_owner{owner_kind="Certificate",owner_name="web",owner_is_controller="true"} 1"#,
                ],
            ),
        ] {
            assert_eq!(series_of(&s, family), with_identity(&s, &lines), "{family}");
        }
        assert_eq!(
            with_identity(&s, &["kube_secret_info 1"]),
            [r#"kube_secret_info{namespace="shop",secret="web-tls"} 1"#]
        );
    }

    #[test]
    fn an_untyped_secret_without_owners() {
        let s = secret(r#"{"metadata":{"name":"s","namespace":"n"},"stringData":{"k":"v"}}"#);
        assert_eq!(
            series_of(&s, "kube_secret_type"),
            with_identity(&s, &[r#"kube_secret_type{type=""} 1"#])
        );
        assert_eq!(
            series_of(&s, "kube_secret_owner"),
            with_identity(
                &s,
                &[r#"kube_secret_owner{owner_kind="",owner_name="",owner_is_controller=""} 1"#]
            )
        );
        assert!(series_of(&s, "kube_secret_metadata_resource_version").is_empty());
    }

    /// The values of `data` and `stringData` are neither kept in the
    /// decoded record nor served by any family, even with every label and
    /// annotation allowlisted.
    #[test]
    fn no_value_of_a_secret_is_kept_or_served() {
        let s = secret(
            r#"{"metadata":{"name":"db","namespace":"shop","labels":{"app":"db"},"annotations":{"team":"data",
                 "kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"password\":\"aHVudGVyMi1kYXRhLXZhbHVl\"},\"kind\":\"Secret\"}\n"}},
               "type":"Opaque",
               "data":{"password":"aHVudGVyMi1kYXRhLXZhbHVl"},
               "stringData":{"token":"hunter2-string-value"}}"#,
        );
        let mut kept = s.clone();
        kept.prune(&Exposure::default());
        let kept = format!("{kept:?}");
        for value in ["aHVudGVyMi1kYXRhLXZhbHVl", "hunter2", "password", "token"] {
            assert!(!kept.contains(value), "{value} kept: {kept}");
        }
        let exposure = Exposure {
            labels: Allowlist::parse("*=[*]").unwrap(),
            annotations: Allowlist::parse("*=[*]").unwrap(),
            ..Exposure::default()
        };
        let mut served = Vec::new();
        for family in Secret::families() {
            served.extend(series_exposed(&s, family.name, &exposure));
        }
        assert!(served.iter().any(|l| l.contains("label_app=\"db\"")));
        assert!(
            served
                .iter()
                .any(|l| l.contains("annotation_team=\"data\""))
        );
        for line in &served {
            assert!(
                !line.contains("hunter2")
                    && !line.contains("aHVudGVy")
                    && !line.contains("last_applied"),
                "{line}"
            );
        }
    }
}
