//! CertificateSigningRequest families. Every series also carries
//! `certificatesigningrequest, signer_name`.

use super::Stability::Stable;
use super::{Families, Family, annotations, created, labels};
use crate::objects::CertificateSigningRequest;

impl Families for CertificateSigningRequest {
    fn families() -> Vec<Family<CertificateSigningRequest>> {
        vec![
            annotations("kube_certificatesigningrequest_annotations"),
            labels("kube_certificatesigningrequest_labels"),
            created("kube_certificatesigningrequest_created"),
            Family::gauge(
                Stable,
                "kube_certificatesigningrequest_condition",
                "The number of each certificatesigningrequest condition",
                &["condition"],
                |csr, out| {
                    let counts = csr.status.conditions;
                    out.emit(&["approved"], f64::from(counts.approved));
                    out.emit(&["denied"], f64::from(counts.denied));
                    out.emit(&["failed"], f64::from(counts.failed));
                },
            ),
            Family::gauge(
                Stable,
                "kube_certificatesigningrequest_cert_length",
                "Length of the issued cert",
                &[],
                |csr, out| out.emit(&[], f64::from(csr.status.certificate)),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{series_of, sorted};
    use crate::objects::CertificateSigningRequest;

    fn csr(json: &str) -> CertificateSigningRequest {
        serde_json::from_str(json).expect("test CSR decodes")
    }

    #[test]
    fn an_approved_and_issued_request() {
        // "aGVsbG8gd29ybGQ=" is the 11 bytes of "hello world".
        let c = csr(
            r#"{"metadata":{"name":"csr-8v2xq","creationTimestamp":"2021-01-22T10:15:30Z"},
               "spec":{"request":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0=",
                 "signerName":"kubernetes.io/kube-apiserver-client-kubelet","usages":["client auth"]},
               "status":{"conditions":[{"type":"Approved","status":"True","reason":"AutoApproved"}],
                 "certificate":"aGVsbG8g\nd29ybGQ="}}"#,
        );
        let id = r#"certificatesigningrequest="csr-8v2xq",signer_name="kubernetes.io/kube-apiserver-client-kubelet""#;
        assert_eq!(
            series_of(&c, "kube_certificatesigningrequest_condition"),
            sorted(&[
                &format!(
                    r#"kube_certificatesigningrequest_condition{{{id},condition="approved"}} 1"#
                ),
                &format!(
                    r#"kube_certificatesigningrequest_condition{{{id},condition="denied"}} 0"#
                ),
                &format!(
                    r#"kube_certificatesigningrequest_condition{{{id},condition="failed"}} 0"#
                ),
            ])
        );
        assert_eq!(
            series_of(&c, "kube_certificatesigningrequest_cert_length"),
            [format!(
                "kube_certificatesigningrequest_cert_length{{{id}}} 11"
            )]
        );
        assert_eq!(
            series_of(&c, "kube_certificatesigningrequest_created"),
            [format!(
                "kube_certificatesigningrequest_created{{{id}}} 1.61131053e+09"
            )]
        );
    }

    #[test]
    fn pending_denied_and_failed_requests() {
        let cases = [
            (r#"null"#, [0, 0, 0]),
            (r#"[{"type":"Denied","status":"True"}]"#, [0, 1, 0]),
            (
                r#"[{"type":"Approved","status":"True"},{"type":"Failed","status":"True"}]"#,
                [1, 0, 1],
            ),
        ];
        for (conditions, [approved, denied, failed]) in cases {
            let c = csr(&format!(
                r#"{{"metadata":{{"name":"r"}},"spec":{{"signerName":"example.com/s"}},"status":{{"conditions":{conditions}}}}}"#
            ));
            let id = r#"certificatesigningrequest="r",signer_name="example.com/s""#;
            assert_eq!(
                series_of(&c, "kube_certificatesigningrequest_condition"),
                sorted(&[
                    &format!(
                        r#"kube_certificatesigningrequest_condition{{{id},condition="approved"}} {approved}"#
                    ),
                    &format!(
                        r#"kube_certificatesigningrequest_condition{{{id},condition="denied"}} {denied}"#
                    ),
                    &format!(
                        r#"kube_certificatesigningrequest_condition{{{id},condition="failed"}} {failed}"#
                    ),
                ]),
                "{conditions}"
            );
            // Nothing issued: a length of 0, still served.
            assert_eq!(
                series_of(&c, "kube_certificatesigningrequest_cert_length"),
                [format!(
                    "kube_certificatesigningrequest_cert_length{{{id}}} 0"
                )]
            );
        }
    }

    #[test]
    fn a_certificate_that_is_not_base64_fails_to_decode() {
        let bad = r#"{"metadata":{"name":"r"},"status":{"certificate":"abc"}}"#;
        assert!(serde_json::from_str::<CertificateSigningRequest>(bad).is_err());
    }
}
