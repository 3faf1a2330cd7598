//! The fields of a CertificateSigningRequest (certificates.k8s.io/v1) that
//! its families read. The request and the issued certificate are not kept:
//! only how many conditions of each kind it has and the certificate's
//! length.

use super::meta::Meta;
use super::strings::null_as_default;
use super::{Object, Str};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CertificateSigningRequest {
    pub metadata: Meta,
    pub spec: CsrSpec,
    pub status: CsrStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CsrSpec {
    #[serde(deserialize_with = "null_as_default")]
    pub signer_name: Str,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrStatus {
    #[serde(deserialize_with = "condition_counts")]
    pub conditions: CsrConditionCounts,
    /// Bytes of the issued certificate (status.certificate, base64 in
    /// JSON), 0 until one is issued.
    #[serde(deserialize_with = "decoded_length")]
    pub certificate: u32,
}

/// How many conditions of each type the request has (the API allows one
/// of each; kube-state-metrics counts them all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsrConditionCounts {
    pub approved: u32,
    pub denied: u32,
    pub failed: u32,
}

#[derive(Deserialize)]
struct RawCondition<'a> {
    #[serde(rename = "type", borrow, default)]
    type_: Cow<'a, str>,
}

fn condition_counts<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<CsrConditionCounts, D::Error> {
    let conditions = Option::<Vec<RawCondition<'de>>>::deserialize(deserializer)?;
    let mut counts = CsrConditionCounts::default();
    for c in conditions.iter().flatten() {
        match &*c.type_ {
            "Approved" => counts.approved += 1,
            "Denied" => counts.denied += 1,
            "Failed" => counts.failed += 1,
            _ => {}
        }
    }
    Ok(counts)
}

/// The length of the bytes a base64 string (standard alphabet, padded, as
/// Go's JSON encodes `[]byte`) decodes to, without decoding it; Go's
/// decoder skips line breaks, so they do not count.
fn decoded_length<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let Some(text) = Option::<Cow<'de, str>>::deserialize(deserializer)? else {
        return Ok(0);
    };
    let chars = text.bytes().filter(|b| !matches!(b, b'\r' | b'\n'));
    let (mut len, mut padding) = (0usize, 0usize);
    for b in chars {
        len += 1;
        padding = if b == b'=' { padding + 1 } else { 0 };
    }
    if len % 4 != 0 || padding > 2 {
        return Err(serde::de::Error::custom(
            "status.certificate is not padded base64",
        ));
    }
    Ok((len / 4 * 3 - padding) as u32)
}

impl Object for CertificateSigningRequest {
    fn meta(&self) -> &Meta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.metadata
    }

    fn identity_label(&self, label: &str) -> Option<&str> {
        (label == "signer_name").then_some(&*self.spec.signer_name)
    }
}
