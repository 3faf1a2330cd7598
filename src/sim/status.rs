//! `Status` bodies shaped like the API server's (see the 4xx/410 captures);
//! a struct rather than `json!` so the field order matches the captures.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::kinds::Resource;

#[derive(Serialize, Default)]
struct StatusMeta {
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    continue_: Option<String>,
}

#[derive(Serialize, Default)]
pub(crate) struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Status {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: StatusMeta,
    status: &'static str,
    message: String,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
    code: u16,
}

impl Status {
    pub(crate) fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Status {
            kind: "Status",
            api_version: "v1",
            metadata: StatusMeta::default(),
            status: "Failure",
            message: message.into(),
            reason,
            details: None,
            code,
        }
    }

    pub(crate) fn details(mut self, details: Details) -> Self {
        self.details = Some(details);
        self
    }

    pub(crate) fn to_bytes(&self) -> Bytes {
        // Serializing this plain struct cannot fail.
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    /// 410 for a continue token older than the compaction point; carries an
    /// "inconsistent" continue token (rv -1) like the capture.
    pub(crate) fn expired_continue(inconsistent_token: String) -> Self {
        let mut s = Status::new(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
        s.metadata.continue_ = Some(inconsistent_token);
        s
    }

    /// The watch ERROR object for a compacted resourceVersion.
    pub(crate) fn too_old(requested: u64, oldest: u64) -> Self {
        Status::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    pub(crate) fn not_found(kind: Resource, name: &str) -> Self {
        Status::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", resource_name(kind)),
        )
        .details(Details {
            name: Some(name.to_string()),
            group: group(kind),
            kind: Some(kind.plural().to_string()),
        })
    }

    pub(crate) fn no_route() -> Self {
        Status::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .details(Details::default())
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Status::new(400, "BadRequest", message)
    }

    /// The body for an injected fault status on a list/watch of `kind`.
    pub(crate) fn for_fault(
        code: u16,
        kind: Resource,
        verb: &str,
        namespace: Option<&str>,
    ) -> Self {
        let res = resource_name(kind);
        match code {
            401 => Status::new(401, "Unauthorized", "Unauthorized"),
            403 => {
                let scope = match namespace {
                    Some(ns) => format!("in the namespace \"{ns}\""),
                    None => "at the cluster scope".to_string(),
                };
                Status::new(
                    403,
                    "Forbidden",
                    format!(
                        "{res} is forbidden: User \"system:serviceaccount:monitoring:exporter\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                        kind.plural(),
                        kind.group()
                    ),
                )
                .details(Details {
                    name: None,
                    group: group(kind),
                    kind: Some(kind.plural().to_string()),
                })
            }
            404 => Status::no_route(),
            410 => Status::new(
                410,
                "Expired",
                "The resourceVersion for the provided list is too old.",
            ),
            429 => Status::new(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
            ),
            503 => Status::unavailable(),
            504 => Status::new(
                504,
                "Timeout",
                "Timeout: request did not complete within the allotted timeout",
            ),
            500 => Status::new(
                500,
                "InternalError",
                format!("Internal error occurred: injected fault listing {res}"),
            ),
            other => Status::new(other, "", format!("injected fault {other} on {res}")),
        }
    }

    pub(crate) fn unavailable() -> Self {
        Status::new(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        )
    }
}

impl IntoResponse for Status {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, self.to_bytes()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, private"),
        );
        if code == StatusCode::FORBIDDEN {
            headers.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
        }
        resp
    }
}

/// "pods", or "deployments.apps" for non-core groups, as messages print it.
fn resource_name(kind: Resource) -> String {
    match kind.group() {
        "" => kind.plural().to_string(),
        g => format!("{}.{g}", kind.plural()),
    }
}

fn group(kind: Resource) -> Option<String> {
    (!kind.group().is_empty()).then(|| kind.group().to_string())
}
