//! `tls_server_config` as a rustls server configuration: Go's names of
//! versions, cipher suites, curves and client-auth policies mapped onto
//! what rustls offers.

use super::web_config::{ClientAuth, Curve, TlsServerConfig, TlsVersion, WebConfigError};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme, SupportedCipherSuite};
use std::path::Path;
use std::sync::Arc;

/// Go's TLS 1.2 suites that rustls implements, by Go's names.
const TLS12_SUITES: &[(&str, SupportedCipherSuite)] = {
    use ring::cipher_suite::*;
    &[
        (
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
};

/// Names Go's `tls.CipherSuites()` lists (so the toolkit accepts them) that
/// rustls does not use here: TLS 1.3 suites, which Go does not let a
/// configuration choose either, and CBC suites, which rustls does not
/// implement. They are skipped.
const SKIPPED_SUITES: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
];

fn error(field: &str, reason: impl std::fmt::Display) -> WebConfigError {
    WebConfigError(format!("tls_server_config.{field}: {reason}"))
}

pub(super) fn check_cipher_suites(names: &[String]) -> Result<(), WebConfigError> {
    for name in names {
        let known =
            TLS12_SUITES.iter().any(|(n, _)| n == name) || SKIPPED_SUITES.contains(&name.as_str());
        if !known {
            return Err(error("cipher_suites", format!("unknown cipher {name:?}")));
        }
    }
    Ok(())
}

pub(super) fn check_curves(curves: &[Curve]) -> Result<(), WebConfigError> {
    if !curves.is_empty() && curves.iter().all(|c| *c == Curve::CurveP521) {
        return Err(error(
            "curve_preferences",
            "CurveP521 is not offered by rustls: add X25519, CurveP256 or CurveP384",
        ));
    }
    Ok(())
}

/// The rustls configuration for `tls`, reading its files now.
pub fn server_config(tls: &TlsServerConfig) -> Result<Arc<ServerConfig>, WebConfigError> {
    let provider = Arc::new(provider(tls)?);
    let versions: Vec<&'static rustls::SupportedProtocolVersion> = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| (tls.min_version..=tls.max_version).contains(v))
    .map(|(_, v)| v)
    .collect();
    let (certs, key) = certificate(tls)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| error("min_version", e))?
        .with_client_cert_verifier(client_verifier(tls, &provider)?);
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| error("key_file", format!("does not fit the certificate: {e}")))?;
    config.ignore_client_order = tls.prefer_server_cipher_suites;
    // HTTP/1.1 only: Prometheus scrapes over it, and `http2: true` clients
    // fall back to it through ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn provider(tls: &TlsServerConfig) -> Result<CryptoProvider, WebConfigError> {
    let mut provider = ring::default_provider();
    if !tls.cipher_suites.is_empty() {
        let chosen: Vec<SupportedCipherSuite> = tls
            .cipher_suites
            .iter()
            .filter_map(|name| TLS12_SUITES.iter().find(|(n, _)| n == name))
            .map(|(_, suite)| *suite)
            .collect();
        if chosen.is_empty() && tls.min_version <= TlsVersion::Tls12 {
            tracing::warn!(
                "tls_server_config.cipher_suites names no TLS 1.2 suite rustls implements: TLS 1.2 is off"
            );
        }
        provider.cipher_suites.retain(|s| s.tls13().is_some());
        provider.cipher_suites.extend(chosen);
    }
    if !tls.curve_preferences.is_empty() {
        provider.kx_groups = tls
            .curve_preferences
            .iter()
            .filter_map(|curve| match curve {
                Curve::X25519 => Some(ring::kx_group::X25519),
                Curve::CurveP256 => Some(ring::kx_group::SECP256R1),
                Curve::CurveP384 => Some(ring::kx_group::SECP384R1),
                Curve::CurveP521 => None,
            })
            .collect();
    }
    Ok(provider)
}

/// PEM from the file, or the inline text when no file is named.
fn pem(field: &str, file: Option<&Path>, inline: &str) -> Result<Vec<u8>, WebConfigError> {
    match file {
        Some(path) => std::fs::read(path).map_err(|e| {
            error(
                &format!("{field}_file"),
                format!("cannot read {}: {e}", path.display()),
            )
        }),
        None => Ok(inline.as_bytes().to_vec()),
    }
}

type CertifiedKey = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn certificate(tls: &TlsServerConfig) -> Result<CertifiedKey, WebConfigError> {
    let cert_pem = pem("cert", tls.cert_file.as_deref(), &tls.cert)?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error("cert_file", format!("not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(error("cert_file", "holds no PEM certificate"));
    }
    let key_pem = pem("key", tls.key_file.as_deref(), &tls.key)?;
    // The key's text never goes into the message.
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| error("key_file", "holds no PEM private key"))?;
    Ok((certs, key))
}

fn client_verifier(
    tls: &TlsServerConfig,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, WebConfigError> {
    let verified = |optional: bool| -> Result<Arc<dyn ClientCertVerifier>, WebConfigError> {
        let ca_pem = pem("client_ca", tls.client_ca_file.as_deref(), &tls.client_ca)?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&ca_pem) {
            let cert =
                cert.map_err(|e| error("client_ca_file", format!("not PEM certificates: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| error("client_ca_file", format!("not a CA certificate: {e}")))?;
        }
        if roots.is_empty() {
            return Err(error("client_ca_file", "holds no PEM certificate"));
        }
        let builder = WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone());
        let builder = if optional {
            builder.allow_unauthenticated()
        } else {
            builder
        };
        builder.build().map_err(|e| error("client_ca_file", e))
    };
    let any = |mandatory| -> Arc<dyn ClientCertVerifier> {
        Arc::new(AnyClientCert {
            mandatory,
            algorithms: provider.signature_verification_algorithms,
        })
    };
    let verifier = match tls.client_auth_type {
        ClientAuth::NoClientCert => WebPkiClientVerifier::no_client_auth(),
        ClientAuth::RequestClientCert => any(false),
        ClientAuth::RequireAnyClientCert => any(true),
        ClientAuth::VerifyClientCertIfGiven => verified(true)?,
        ClientAuth::RequireAndVerifyClientCert => verified(false)?,
    };
    Ok(match &tls.client_allowed_sans {
        Some(allowed) => Arc::new(AllowedSans {
            verifier,
            allowed: allowed.clone(),
        }),
        None => verifier,
    })
}

/// `client_allowed_sans`: a client certificate must also name one of these
/// exactly among its subject alternative names (DNS names, URIs, IP
/// addresses).
#[derive(Debug)]
struct AllowedSans {
    verifier: Arc<dyn ClientCertVerifier>,
    allowed: Vec<String>,
}

impl AllowedSans {
    fn names_one(&self, end_entity: &CertificateDer<'_>) -> bool {
        let Ok(cert) = webpki::EndEntityCert::try_from(end_entity) else {
            return false;
        };
        self.allowed
            .iter()
            .any(|want| match want.parse::<std::net::IpAddr>() {
                Ok(ip) => cert
                    .verify_is_valid_for_subject_name(&ServerName::IpAddress(ip.into()))
                    .is_ok(),
                Err(_) => {
                    cert.valid_dns_names().any(|name| name == want)
                        || cert.valid_uri_names().any(|uri| uri == want)
                }
            })
    }
}

impl ClientCertVerifier for AllowedSans {
    fn offer_client_auth(&self) -> bool {
        self.verifier.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.verifier.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.verifier.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .verifier
            .verify_client_cert(end_entity, intermediates, now)?;
        if self.names_one(end_entity) {
            Ok(verified)
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verifier.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.verifier.supported_verify_schemes()
    }
}

/// Go's `RequestClientCert` and `RequireAnyClientCert`: a client
/// certificate is asked for (or required) but its chain is not checked;
/// the client must still prove it holds the certificate's key.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
