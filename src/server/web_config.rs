//! The web configuration file of Prometheus exporters (`--tls-config`, as
//! kube-state-metrics names it): TLS, client certificates, basic auth and
//! response headers, in the format of the Prometheus exporter toolkit's
//! `docs/web-configuration.md`.
//!
//! Parsing is strict, as the toolkit's is: an unknown key, a value of the
//! wrong type or outside its enumeration is an error naming the field.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    pub tls_server_config: TlsServerConfig,
    pub http_server_config: HttpServerConfig,
    /// User name to bcrypt hash.
    pub basic_auth_users: BTreeMap<String, String>,
    pub rate_limit: RateLimit,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsServerConfig {
    /// PEM text in the file itself, instead of `cert_file`.
    pub cert: String,
    pub key: String,
    pub client_ca: String,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub client_auth_type: ClientAuth,
    pub client_ca_file: Option<PathBuf>,
    pub client_allowed_sans: Option<Vec<String>>,
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
    pub cipher_suites: Vec<String>,
    pub prefer_server_cipher_suites: bool,
    pub curve_preferences: Vec<Curve>,
}

impl Default for TlsServerConfig {
    fn default() -> Self {
        TlsServerConfig {
            cert: String::new(),
            key: String::new(),
            client_ca: String::new(),
            cert_file: None,
            key_file: None,
            client_auth_type: ClientAuth::NoClientCert,
            client_ca_file: None,
            client_allowed_sans: None,
            min_version: TlsVersion::Tls12,
            max_version: TlsVersion::Tls13,
            cipher_suites: Vec::new(),
            prefer_server_cipher_suites: true,
            curve_preferences: Vec::new(),
        }
    }
}

/// Go's `tls.ClientAuthType`, by the names the toolkit accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ClientAuth {
    #[serde(rename = "NoClientCert", alias = "")]
    NoClientCert,
    #[serde(rename = "RequestClientCert")]
    RequestClientCert,
    #[serde(rename = "RequireAnyClientCert", alias = "RequireClientCert")]
    RequireAnyClientCert,
    #[serde(rename = "VerifyClientCertIfGiven")]
    VerifyClientCertIfGiven,
    #[serde(rename = "RequireAndVerifyClientCert")]
    RequireAndVerifyClientCert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "TLS10")]
    Tls10,
    #[serde(rename = "TLS11")]
    Tls11,
    #[serde(rename = "TLS12")]
    Tls12,
    #[serde(rename = "TLS13")]
    Tls13,
}

/// Go's `tls.CurveID` names the toolkit accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Curve {
    CurveP256,
    CurveP384,
    CurveP521,
    X25519,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpServerConfig {
    pub http2: bool,
    pub headers: BTreeMap<String, String>,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig {
            http2: true,
            headers: BTreeMap::new(),
        }
    }
}

/// A token bucket over all requests of a server: one token every
/// `interval`, at most `burst` kept; none left is 429.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    pub interval: Option<String>,
    pub burst: u64,
}

impl RateLimit {
    /// `None`: no limit (no interval, or 0).
    pub fn interval(&self) -> Option<std::time::Duration> {
        // Checked when the file was parsed.
        self.interval
            .as_deref()
            .and_then(|text| super::duration::parse_go_duration(text).ok().flatten())
    }
}

/// The response headers the toolkit lets a web configuration set, with the
/// values allowed where the header is an enumeration (empty: any value).
const SETTABLE_HEADERS: &[(&str, &[&str])] = &[
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WebConfigError(pub String);

fn error(field: &str, reason: impl std::fmt::Display) -> WebConfigError {
    WebConfigError(format!("{field}: {reason}"))
}

/// Parses and checks a web configuration. Relative file names stay as
/// written; [`WebConfig::relative_to`] resolves them against the file's
/// directory, as the toolkit does.
pub fn parse_web_config(text: &str) -> Result<WebConfig, WebConfigError> {
    // An empty file (or one holding only comments) is the empty config.
    let config: WebConfig = if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    }) {
        WebConfig::default()
    } else {
        serde_yaml_ng::from_str(text)
            .map_err(|e| WebConfigError(e.to_string().replace('\n', " ")))?
    };
    config.check()?;
    Ok(config)
}

impl WebConfig {
    fn check(&self) -> Result<(), WebConfigError> {
        for (name, value) in &self.http_server_config.headers {
            let Some((_, allowed)) = SETTABLE_HEADERS.iter().find(|(h, _)| h == name) else {
                return Err(error(
                    &format!("http_server_config.headers.{name}"),
                    "this header cannot be configured",
                ));
            };
            if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
                return Err(error(
                    &format!("http_server_config.headers.{name}"),
                    format!("{value:?} is not one of {allowed:?}"),
                ));
            }
            if http::HeaderValue::from_str(value).is_err() {
                return Err(error(
                    &format!("http_server_config.headers.{name}"),
                    "not a valid header value",
                ));
            }
        }
        for (user, hash) in &self.basic_auth_users {
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(error(
                    &format!("basic_auth_users.{user}"),
                    "not a bcrypt hash (htpasswd -B makes one)",
                ));
            }
        }
        if let Some(interval) = &self.rate_limit.interval {
            super::duration::parse_go_duration(interval)
                .map_err(|e| error("rate_limit.interval", e))?;
        }
        let tls = &self.tls_server_config;
        if let Some(email) = tls
            .client_allowed_sans
            .iter()
            .flatten()
            .find(|san| san.contains('@'))
        {
            return Err(error(
                "tls_server_config.client_allowed_sans",
                format!(
                    "{email:?}: e-mail names are not supported (DNS names, URIs and IP addresses are)"
                ),
            ));
        }
        if !tls.enabled() {
            return Ok(());
        }
        if tls.cert.is_empty() && tls.cert_file.is_none() {
            return Err(error(
                "tls_server_config",
                "missing one of cert or cert_file",
            ));
        }
        if tls.key.is_empty() && tls.key_file.is_none() {
            return Err(error("tls_server_config", "missing one of key or key_file"));
        }
        for (field, inline, file) in [
            ("cert", &tls.cert, &tls.cert_file),
            ("key", &tls.key, &tls.key_file),
            ("client_ca", &tls.client_ca, &tls.client_ca_file),
        ] {
            if !inline.is_empty() && file.is_some() {
                return Err(error(
                    &format!("tls_server_config.{field}"),
                    format!("give either {field} or {field}_file, not both"),
                ));
            }
        }
        if tls.max_version < tls.min_version {
            return Err(error(
                "tls_server_config.max_version",
                "is below min_version",
            ));
        }
        if tls.max_version < TlsVersion::Tls12 {
            return Err(error(
                "tls_server_config.max_version",
                "TLS 1.0 and 1.1 are not offered (rustls speaks TLS 1.2 and 1.3)",
            ));
        }
        let has_ca = !tls.client_ca.is_empty() || tls.client_ca_file.is_some();
        match tls.client_auth_type {
            ClientAuth::NoClientCert if has_ca => {
                return Err(error(
                    "tls_server_config.client_auth_type",
                    "a client CA is configured without a client auth policy (RequireAndVerifyClientCert?)",
                ));
            }
            ClientAuth::VerifyClientCertIfGiven | ClientAuth::RequireAndVerifyClientCert
                if !has_ca =>
            {
                return Err(error(
                    "tls_server_config.client_ca_file",
                    "needed to verify client certificates",
                ));
            }
            _ => {}
        }
        super::tls::check_cipher_suites(&tls.cipher_suites)?;
        super::tls::check_curves(&tls.curve_preferences)?;
        Ok(())
    }

    /// File names resolved against `dir`, the directory of the file.
    pub fn relative_to(mut self, dir: &Path) -> WebConfig {
        let tls = &mut self.tls_server_config;
        for file in [
            &mut tls.cert_file,
            &mut tls.key_file,
            &mut tls.client_ca_file,
        ]
        .into_iter()
        .flatten()
        {
            *file = dir.join(&*file);
        }
        self
    }

    /// The files whose change reloads the configuration.
    pub fn files(&self) -> Vec<PathBuf> {
        let tls = &self.tls_server_config;
        [&tls.cert_file, &tls.key_file, &tls.client_ca_file]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

impl TlsServerConfig {
    /// Whether the section asks for TLS at all: the toolkit serves plain
    /// HTTP (with basic auth and headers) when it is empty.
    pub fn enabled(&self) -> bool {
        !(self.cert.is_empty()
            && self.cert_file.is_none()
            && self.key.is_empty()
            && self.key_file.is_none()
            && self.client_ca.is_empty()
            && self.client_ca_file.is_none()
            && self.client_auth_type == ClientAuth::NoClientCert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(text: &str) -> String {
        parse_web_config(text).expect_err(text).0
    }

    #[test]
    fn the_documented_example_parses_with_the_toolkit_defaults() {
        let config = parse_web_config(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
             client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  \
             cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  \
             curve_preferences: [X25519, CurveP256]\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n\
             basic_auth_users:\n  alice: $2b$10$cn7zbKO0XH4wsr0pczq8QekDp9gZIFgHsdkAYPbmh4IkqjnV4hj9G\n",
        )
        .unwrap()
        .relative_to(Path::new("/etc/kubestate"));
        let tls = &config.tls_server_config;
        assert_eq!(
            tls.cert_file,
            Some(PathBuf::from("/etc/kubestate/server.crt"))
        );
        assert_eq!(tls.client_auth_type, ClientAuth::RequireAndVerifyClientCert);
        assert_eq!(tls.min_version, TlsVersion::Tls12);
        assert_eq!(tls.max_version, TlsVersion::Tls13);
        assert!(tls.prefer_server_cipher_suites);
        assert!(config.http_server_config.http2);
        assert_eq!(config.http_server_config.headers["X-Frame-Options"], "deny");
        assert_eq!(config.basic_auth_users.len(), 1);
        assert_eq!(config.files().len(), 3);
    }

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## TLS, authentication and server limits")
            .nth(1)
            .unwrap();
        let example = section
            .split("```yaml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap();
        let config = parse_web_config(example).unwrap();
        assert_eq!(
            config.tls_server_config.client_auth_type,
            ClientAuth::RequireAndVerifyClientCert
        );
        assert!(bcrypt::verify("change me", &config.basic_auth_users["prometheus"]).unwrap());
    }

    #[test]
    fn an_empty_file_is_plain_http_without_auth() {
        let config = parse_web_config("# nothing yet\n").unwrap();
        assert!(!config.tls_server_config.enabled());
        assert!(config.basic_auth_users.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_naming_them() {
        assert!(rejected("tls_server_config:\n  cert_fil: a\n").contains("cert_fil"));
        assert!(rejected("basic_auth: {}\n").contains("basic_auth"));
        assert!(rejected("http_server_config:\n  http3: true\n").contains("http3"));
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Maybe\n",
                "Maybe",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
                "TLS14",
            ),
            (
                "tls_server_config:\n  cert_file: a\n",
                "missing one of key or key_file",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
                "client_auth_type",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
                "client_ca_file",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_FAST]\n",
                "cipher_suites",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [CurveP999]\n",
                "CurveP999",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  max_version: TLS11\n",
                "max_version",
            ),
            (
                "http_server_config:\n  headers:\n    Server: kubestate\n",
                "headers.Server",
            ),
            (
                "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
                "headers.X-Frame-Options",
            ),
            (
                "basic_auth_users:\n  alice: hunter2\n",
                "basic_auth_users.alice",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [ops@example.com]\n",
                "client_allowed_sans",
            ),
            (
                "rate_limit:\n  interval: 1 second\n  burst: 5\n",
                "rate_limit.interval",
            ),
            ("basic_auth_users: [alice]\n", "basic_auth_users"),
        ];
        for (text, named) in cases {
            let message = rejected(text);
            assert!(message.contains(named), "{text:?}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn a_bad_hash_error_does_not_repeat_the_secret() {
        assert!(!rejected("basic_auth_users:\n  alice: hunter2\n").contains("hunter2"));
    }
}
