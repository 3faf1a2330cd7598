//! `--tls-config`: real TLS handshakes over 127.0.0.1 against the exporter
//! binary, with certificates made here (a CA, server and client
//! certificates signed by it, and one it did not sign).

mod common;

use common::{BIN, Exporter, Response, Sim, read_response, wait_for};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

type Ca = CertifiedIssuer<'static, KeyPair>;

fn new_ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A certificate and its key, PEM.
struct Leaf {
    cert: String,
    key: String,
}

fn leaf(ca: &Ca, name: &str, usage: ExtendedKeyUsagePurpose) -> Leaf {
    let mut params = CertificateParams::new(vec![name.to_string(), "127.0.0.1".into()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    Leaf {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

fn server_leaf(ca: &Ca) -> Leaf {
    leaf(ca, "localhost", ExtendedKeyUsagePurpose::ServerAuth)
}

fn client_leaf(ca: &Ca) -> Leaf {
    leaf(ca, "prometheus", ExtendedKeyUsagePurpose::ClientAuth)
}

/// A directory of this test's files.
fn dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubestate-tls-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// Writes the server's certificate and key as `server.crt`/`server.key`.
fn write_server(dir: &Path, leaf: &Leaf) {
    write(&dir.join("server.crt"), &leaf.cert);
    write(&dir.join("server.key"), &leaf.key);
}

/// The web config `web.yml` with `extra` lines after the certificate
/// (relative file names, resolved against the file's directory).
fn web_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("web.yml");
    write(
        &path,
        &format!("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n{extra}"),
    );
    path
}

fn client(ca: &Ca, identity: Option<&Leaf>) -> Arc<ClientConfig> {
    client_of_versions(ca, identity, rustls::DEFAULT_VERSIONS)
}

fn client_of_versions(
    ca: &Ca,
    identity: Option<&Leaf>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match identity {
        Some(leaf) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(leaf.cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    })
}

/// A GET over TLS; also returns the certificate the server presented.
fn https_get(
    base: &str,
    path: &str,
    config: &Arc<ClientConfig>,
    headers: &[(&str, &str)],
) -> std::io::Result<(Response, Vec<u8>)> {
    let authority = base.strip_prefix("http://").expect("exporter URL");
    let tcp = TcpStream::connect(authority)?;
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    let name = ServerName::try_from("localhost").unwrap();
    let connection = ClientConnection::new(config.clone(), name).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(connection, tcp);
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    tls.write_all(head.as_bytes())?;
    tls.flush()?;
    let response = read_response(BufReader::new(&mut tls))?;
    let presented = tls
        .conn
        .peer_certificates()
        .and_then(|certs| certs.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    Ok((response, presented))
}

/// Waits for `/readyz` over TLS.
fn wait_ready(exporter: &Exporter, config: &Arc<ClientConfig>, headers: &[(&str, &str)]) {
    wait_for("/readyz 200 over TLS", Duration::from_secs(30), || {
        https_get(&exporter.telemetry, "/readyz", config, headers)
            .ok()
            .filter(|(r, _)| r.status == 200)
    });
}

fn start(sim: &Sim, web: &Path) -> Exporter {
    Exporter::start(
        &sim.kubeconfig,
        &[
            "--resources=namespaces",
            "--tls-config",
            web.to_str().unwrap(),
        ],
    )
}

#[test]
fn both_ports_serve_tls_and_plain_http_is_told_to_use_https() {
    let dir = dir("serve");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    let web = web_config(&dir, "");
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let trusted = client(&ca, None);
    wait_ready(&exporter, &trusted, &[]);

    let (response, _) = https_get(&exporter.metrics, "/metrics", &trusted, &[]).unwrap();
    assert_eq!(response.status, 200);
    assert!(
        response
            .text()
            .contains("# TYPE kube_namespace_created gauge"),
        "{}",
        response.text()
    );
    let (response, _) = https_get(&exporter.telemetry, "/metrics", &trusted, &[]).unwrap();
    assert!(response.text().contains("kubestate_build_info"));

    // Plain HTTP to a TLS port: an answer saying so, not a hang or garbage.
    let plain = common::get(&format!("{}/metrics", exporter.metrics)).unwrap();
    assert_eq!(plain.status, 400);
    assert!(plain.text().contains("https://"), "{}", plain.text());

    // TLS 1.2 is served by default (min_version TLS12).
    let tls12_only = client_of_versions(&ca, None, &[&rustls::version::TLS12]);
    let (response, _) = https_get(&exporter.metrics, "/metrics", &tls12_only, &[]).unwrap();
    assert_eq!(response.status, 200);

    // A client that does not trust the server's CA fails the handshake.
    let stranger = client(&new_ca("another CA"), None);
    assert!(https_get(&exporter.metrics, "/metrics", &stranger, &[]).is_err());
}

#[test]
fn mutual_tls_requires_a_client_certificate_signed_by_the_client_ca() {
    let dir = dir("mtls");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    write(&dir.join("client-ca.crt"), &ca.pem());
    let web = web_config(
        &dir,
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n",
    );
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let with_cert = client(&ca, Some(&client_leaf(&ca)));
    wait_ready(&exporter, &with_cert, &[]);

    let (response, _) = https_get(&exporter.metrics, "/metrics", &with_cert, &[]).unwrap();
    assert_eq!(response.status, 200);

    let without = client(&ca, None);
    let refused = https_get(&exporter.metrics, "/metrics", &without, &[]);
    assert!(refused.is_err(), "served without a client certificate");

    let other_ca = new_ca("not the client CA");
    let unsigned = client(&ca, Some(&client_leaf(&other_ca)));
    let refused = https_get(&exporter.metrics, "/metrics", &unsigned, &[]);
    assert!(
        refused.is_err(),
        "served a certificate the client CA did not sign"
    );
    assert!(
        exporter.process.stderr().contains("TLS handshake failed"),
        "{}",
        exporter.process.stderr()
    );
}

#[test]
fn basic_auth_lets_the_right_password_in_and_answers_401_otherwise_with_the_headers() {
    let dir = dir("auth");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    // Cost 4, the lowest, keeps the test fast; the exporter reads the cost
    // from the hash.
    let hash = bcrypt::hash("correct horse", 4).unwrap();
    let web = web_config(
        &dir,
        &format!(
            "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    \
             Strict-Transport-Security: max-age=31536000\n\
             basic_auth_users:\n  prometheus: {hash}\n"
        ),
    );
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let trusted = client(&ca, None);
    // "prometheus:correct horse", "prometheus:wrong horse", in base64.
    let right = [("Authorization", "Basic cHJvbWV0aGV1czpjb3JyZWN0IGhvcnNl")];
    let wrong = [("Authorization", "Basic cHJvbWV0aGV1czp3cm9uZyBob3JzZQ==")];
    wait_ready(&exporter, &trusted, &right);

    let (response, _) = https_get(&exporter.metrics, "/metrics", &trusted, &right).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-frame-options"), Some("deny"));
    assert_eq!(
        response.header("strict-transport-security"),
        Some("max-age=31536000")
    );

    for (port, headers) in [
        (&exporter.metrics, &wrong[..]),
        (&exporter.metrics, &[][..]),
        (&exporter.telemetry, &wrong[..]),
        (&exporter.telemetry, &[][..]),
    ] {
        let (response, _) = https_get(port, "/metrics", &trusted, headers).unwrap();
        assert_eq!(response.status, 401, "{port} {headers:?}");
        assert_eq!(response.header("www-authenticate"), Some("Basic"));
        assert_eq!(response.header("x-frame-options"), Some("deny"));
    }

    let log = exporter.process.stderr();
    assert_eq!(log.matches("refused with 401").count(), 1, "{log}");
    assert!(log.contains("127.0.0.1"), "{log}");
    assert!(
        !log.contains("wrong horse") && !log.contains("cHJvbWV0aGV1cz"),
        "{log}"
    );
}

#[test]
fn a_rotated_certificate_is_served_on_the_next_connection_without_a_restart() {
    let dir = dir("rotate");
    let ca = new_ca("kubestate test CA");
    let first = server_leaf(&ca);
    write_server(&dir, &first);
    let web = web_config(&dir, "");
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let trusted = client(&ca, None);
    wait_ready(&exporter, &trusted, &[]);
    let der = |leaf: &Leaf| {
        CertificateDer::from_pem_slice(leaf.cert.as_bytes())
            .unwrap()
            .to_vec()
    };

    let (_, presented) = https_get(&exporter.metrics, "/metrics", &trusted, &[]).unwrap();
    assert_eq!(presented, der(&first));

    // As cert-manager renews it: a new key and certificate in the same files.
    let second = server_leaf(&ca);
    write_server(&dir, &second);
    let (response, presented) = https_get(&exporter.metrics, "/metrics", &trusted, &[]).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(presented, der(&second));
    let (_, presented) = https_get(&exporter.telemetry, "/readyz", &trusted, &[]).unwrap();
    assert_eq!(presented, der(&second));

    // A half-written rotation does not take the server down: the last good
    // certificate stays in use until the files load again.
    write(&dir.join("server.key"), "-----BEGIN PRIVATE KEY-----\n");
    let (response, presented) = https_get(&exporter.metrics, "/metrics", &trusted, &[]).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(presented, der(&second));
    assert!(exporter.process.stderr().contains("does not load"));
}

#[test]
fn a_bad_web_config_exits_2_with_one_line_naming_the_field() {
    let dir = dir("bad");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    let cases = [
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth: RequireAndVerifyClientCert\n",
            "client_auth",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n",
            "TLS9",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
            "cert_file",
        ),
        (
            "basic_auth_users:\n  prometheus: not-a-hash\n",
            "basic_auth_users.prometheus",
        ),
        (
            "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
            "X-Content-Type-Options",
        ),
    ];
    for (text, field) in cases {
        let path = dir.join("web.yml");
        write(&path, text);
        let output = std::process::Command::new(BIN)
            .args(["--tls-config", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].starts_with("error: --tls-config: "), "{stderr}");
        assert!(lines[0].contains(field), "{text}: {stderr}");
    }
}

#[test]
fn require_any_client_cert_takes_a_certificate_of_any_ca_and_min_version_is_enforced() {
    let dir = dir("any-cert");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    let web = web_config(
        &dir,
        "  client_auth_type: RequireAnyClientCert\n  min_version: TLS13\n",
    );
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let stranger_ca = new_ca("a CA the exporter has never seen");
    let with_cert = client(&ca, Some(&client_leaf(&stranger_ca)));
    wait_ready(&exporter, &with_cert, &[]);

    let (response, _) = https_get(&exporter.metrics, "/metrics", &with_cert, &[]).unwrap();
    assert_eq!(response.status, 200);
    let without = client(&ca, None);
    assert!(https_get(&exporter.metrics, "/metrics", &without, &[]).is_err());

    // A client that speaks only TLS 1.2 is refused by min_version: TLS13.
    let identity = client_leaf(&stranger_ca);
    let tls12_only = client_of_versions(&ca, Some(&identity), &[&rustls::version::TLS12]);
    assert!(https_get(&exporter.metrics, "/metrics", &tls12_only, &[]).is_err());
}

#[test]
fn rate_limit_answers_429_past_the_burst_on_each_server_separately() {
    let dir = dir("rate");
    // No TLS: the toolkit's other settings work on plain HTTP too.
    let web = dir.join("web.yml");
    write(&web, "rate_limit:\n  interval: 1m\n  burst: 3\n");
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    // Listening, without spending a token.
    wait_for("the metrics port", Duration::from_secs(30), || {
        TcpStream::connect(exporter.metrics.strip_prefix("http://").unwrap()).ok()
    });
    let healthz = format!("{}/healthz", exporter.metrics);
    let statuses: Vec<u16> = (0..4)
        .map(|_| common::get(&healthz).unwrap().status)
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    // The telemetry port's bucket is its own.
    let readyz = common::get(&format!("{}/readyz", exporter.telemetry)).unwrap();
    assert_ne!(readyz.status, 429);
}

#[test]
fn client_allowed_sans_takes_only_certificates_naming_an_allowed_name() {
    let dir = dir("sans");
    let ca = new_ca("kubestate test CA");
    write_server(&dir, &server_leaf(&ca));
    write(&dir.join("client-ca.crt"), &ca.pem());
    let web = web_config(
        &dir,
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n  \
         client_allowed_sans: [prometheus, spiffe://cluster/ns/monitoring]\n",
    );
    let sim = Sim::empty();
    let exporter = start(&sim, &web);
    let allowed = client(&ca, Some(&client_leaf(&ca)));
    wait_ready(&exporter, &allowed, &[]);
    let (response, _) = https_get(&exporter.metrics, "/metrics", &allowed, &[]).unwrap();
    assert_eq!(response.status, 200);

    // Signed by the client CA, but named otherwise.
    let other = leaf(&ca, "intruder", ExtendedKeyUsagePurpose::ClientAuth);
    let refused = https_get(
        &exporter.metrics,
        "/metrics",
        &client(&ca, Some(&other)),
        &[],
    );
    assert!(
        refused.is_err(),
        "served a certificate with no allowed name"
    );
}

#[test]
fn an_empty_tls_config_flag_is_plain_http_as_in_kube_state_metrics() {
    let sim = Sim::empty();
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &["--resources=namespaces", "--tls-config="],
    );
    exporter.wait_ready();
    assert!(
        exporter
            .scrape()
            .contains("# TYPE kube_namespace_created gauge")
    );
}
