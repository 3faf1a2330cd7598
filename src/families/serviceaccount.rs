//! ServiceAccount families. Every series also carries `namespace,
//! serviceaccount, uid`.

use super::Stability::Experimental;
use super::{Families, Family, annotations, created, deletion_timestamp, labels};
use crate::objects::ServiceAccount;

impl Families for ServiceAccount {
    fn families() -> Vec<Family<ServiceAccount>> {
        vec![
            Family::gauge(
                Experimental,
                "kube_serviceaccount_info",
                "Information about a service account",
                &["automount_token"],
                |sa, out| {
                    let automount = match sa.automount_service_account_token {
                        Some(true) => "true",
                        Some(false) => "false",
                        None => "",
                    };
                    out.emit(&[automount], 1.0)
                },
            ),
            created("kube_serviceaccount_created").experimental(),
            deletion_timestamp("kube_serviceaccount_deleted"),
            Family::gauge(
                Experimental,
                "kube_serviceaccount_secret",
                "Secret being referenced by a service account",
                &["name"],
                |sa, out| {
                    for name in sa.secrets.iter() {
                        out.emit(&[name], 1.0);
                    }
                },
            ),
            Family::gauge(
                Experimental,
                "kube_serviceaccount_image_pull_secret",
                "Secret being referenced by a service account for the purpose of pulling images",
                &["name"],
                |sa, out| {
                    for name in sa.image_pull_secrets.iter() {
                        out.emit(&[name], 1.0);
                    }
                },
            ),
            annotations("kube_serviceaccount_annotations"),
            labels("kube_serviceaccount_labels").experimental(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, with_identity};
    use crate::objects::ServiceAccount;

    fn account(json: &str) -> ServiceAccount {
        serde_json::from_str(json).expect("test service account decodes")
    }

    #[test]
    fn an_account_with_secrets_and_pull_secrets() {
        let sa = account(
            r#"{"metadata":{"name":"builder","namespace":"ci","uid":"sa-1",
                 "creationTimestamp":"2021-01-22T10:15:30Z","deletionTimestamp":"2021-01-22T10:15:30Z"},
               "automountServiceAccountToken":false,
               "secrets":[{"name":"builder-token-x7k2p"},{"name":"builder-extra"}],
               "imagePullSecrets":[{"name":"registry-creds"}]}"#,
        );
        for (family, lines) in [
            (
                "kube_serviceaccount_info",
                vec![r#"kube_serviceaccount_info{automount_token="false"} 1"#],
            ),
            (
                "kube_serviceaccount_created",
                vec!["kube_serviceaccount_created 1.61131053e+09"],
            ),
            (
                "kube_serviceaccount_deleted",
                vec!["kube_serviceaccount_deleted 1.61131053e+09"],
            ),
            (
                "kube_serviceaccount_secret",
                vec![
                    r#"kube_serviceaccount_secret{name="builder-token-x7k2p"} 1"#,
                    r#"kube_serviceaccount_secret{name="builder-extra"} 1"#,
                ],
            ),
            (
                "kube_serviceaccount_image_pull_secret",
                vec![r#"kube_serviceaccount_image_pull_secret{name="registry-creds"} 1"#],
            ),
        ] {
            assert_eq!(
                series_of(&sa, family),
                with_identity(&sa, &lines),
                "{family}"
            );
        }
        assert_eq!(
            with_identity(&sa, &["kube_serviceaccount_created 1"]),
            [
                r#"kube_serviceaccount_created{namespace="ci",serviceaccount="builder",uid="sa-1"} 1"#
            ]
        );
    }

    #[test]
    fn a_default_account() {
        let sa = account(r#"{"metadata":{"name":"default","namespace":"ci","uid":"sa-2"}}"#);
        assert_eq!(
            series_of(&sa, "kube_serviceaccount_info"),
            with_identity(&sa, &[r#"kube_serviceaccount_info{automount_token=""} 1"#])
        );
        for family in [
            "kube_serviceaccount_created",
            "kube_serviceaccount_deleted",
            "kube_serviceaccount_secret",
            "kube_serviceaccount_image_pull_secret",
        ] {
            assert!(series_of(&sa, family).is_empty(), "{family}");
        }
    }
}
