//! Config maps, secrets, service accounts, leases, limit ranges,
//! certificate signing requests and the RBAC kinds on the real API server:
//! a request approved (and issued by hand, as a signer would) and one
//! denied, a Secret holding a value that must never leave the exporter.
//! The default kinds are read with `manifests/`' least-privilege RBAC; the
//! opt-in ones (service accounts, roles, bindings), which `manifests/` does
//! not grant, with the admin kubeconfig. Every expected line is written
//! from the objects created here.

use super::common::{Exporter, series, wait_for};
use super::support::{CHANGE, CONTROLLERS, begin, in_namespace};
use super::{go_g, sort};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, LimitRange, Namespace, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use serde_json::json;

fn created(meta: &ObjectMeta) -> String {
    go_g(
        meta.creation_timestamp
            .as_ref()
            .map_or(0, |t| t.0.as_second()),
    )
}

fn version(meta: &ObjectMeta) -> String {
    go_g(
        meta.resource_version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .expect("numeric resourceVersion"),
    )
}

/// The series of `family` whose labels contain `needle`.
fn with(scrape: &str, family: &str, needle: &str) -> Vec<String> {
    series(scrape, family)
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn config_secrets_leases_requests_and_rbac_match_kube_state_metrics_on_a_real_cluster() {
    let Some(s) = begin("config-and-rbac") else {
        return;
    };
    let tier = s.tier;
    let run = &tier.run;
    // Made here rather than with `tier.namespace`, which waits for the
    // default ServiceAccount that only a controller-manager makes: this
    // scenario runs no pods and needs none.
    let ns = format!("ks-cfg-{run}");
    let namespaces: Api<Namespace> = Api::all(tier.admin.clone());
    tier.create(&namespaces, json!({"metadata": {"name": ns}}));
    let admin = || tier.admin.clone();
    let config_maps: Api<ConfigMap> = Api::namespaced(admin(), &ns);
    let secrets: Api<Secret> = Api::namespaced(admin(), &ns);
    let accounts: Api<ServiceAccount> = Api::namespaced(admin(), &ns);
    let leases: Api<Lease> = Api::namespaced(admin(), &ns);
    let limits: Api<LimitRange> = Api::namespaced(admin(), &ns);
    let csrs: Api<CertificateSigningRequest> = Api::all(admin());
    let cluster_roles: Api<ClusterRole> = Api::all(admin());
    let cluster_bindings: Api<ClusterRoleBinding> = Api::all(admin());
    let roles: Api<Role> = Api::namespaced(admin(), &ns);
    let bindings: Api<RoleBinding> = Api::namespaced(admin(), &ns);

    let cm = tier.create(
        &config_maps,
        json!({"metadata": {"name": "settings", "labels": {"team": "cfg"}},
               "data": {"settings.yaml": "logLevel: debug\n"}}),
    );
    let cm_uid = cm.metadata.uid.clone().unwrap();
    let value = format!("real-secret-value-{run}-do-not-serve");
    let opaque = tier.create(
        &secrets,
        json!({"metadata": {"name": "db", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                 "name": "settings", "uid": cm_uid, "controller": true}]},
               "type": "Opaque", "data": {"password": base64(value.as_bytes())}}),
    );
    let tls = tier.create(
        &secrets,
        json!({"metadata": {"name": "site-tls"}, "type": "kubernetes.io/tls",
               "stringData": {"tls.crt": format!("{value}-crt"), "tls.key": format!("{value}-key")}}),
    );
    tier.create(
        &accounts,
        json!({"metadata": {"name": "builder"}, "automountServiceAccountToken": false,
               "secrets": [{"name": "db"}], "imagePullSecrets": [{"name": "regcred"}]}),
    );
    // A 1.20 controller-manager's token controller adds a token Secret
    // to the account's `secrets`.
    let sa = tier.until("the account's token Secret", CONTROLLERS, || {
        let sa = tier.get(&accounts, "builder");
        (sa.secrets.as_ref().map_or(0, Vec::len) == 2).then_some(sa)
    });
    let token = sa.secrets.as_ref().unwrap()[1].name.clone().unwrap();
    tier.create(
        &leases,
        json!({"metadata": {"name": "leader", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                 "name": "settings", "uid": cm_uid}]},
               "spec": {"holderIdentity": "pod-a", "leaseDurationSeconds": 15,
                 "renewTime": "2021-01-22T10:15:30.250000Z"}}),
    );
    tier.create(
        &leases,
        json!({"metadata": {"name": "released"}, "spec": {"leaseDurationSeconds": 15}}),
    );
    let limit = tier.create(
        &limits,
        json!({"metadata": {"name": "defaults"}, "spec": {"limits": [
            {"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}, "max": {"cpu": "2"}},
            {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}}]}}),
    );

    // Two requests with real PEM requests; one approved and issued by
    // hand (no controller-manager signs here), one denied.
    let key = tier.dir.join(format!("csr-{run}.key"));
    let request = tier.dir.join(format!("csr-{run}.csr"));
    let cert = tier.dir.join(format!("csr-{run}.crt"));
    super::openssl(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=kubestate-test",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        request.to_str().unwrap(),
    ]);
    super::openssl(&[
        "req",
        "-x509",
        "-key",
        key.to_str().unwrap(),
        "-in",
        request.to_str().unwrap(),
        "-days",
        "1",
        "-out",
        cert.to_str().unwrap(),
    ]);
    let request_pem = std::fs::read(&request).unwrap();
    let cert_pem = std::fs::read(&cert).unwrap();
    let signer = "example.com/kubestate-test";
    let approved = format!("ks-{run}-approved");
    let denied = format!("ks-{run}-denied");
    for name in [&approved, &denied] {
        tier.create(
            &csrs,
            json!({"metadata": {"name": name, "labels": {"run": run}},
                   "spec": {"request": base64(&request_pem), "signerName": signer, "usages": ["client auth"]}}),
        );
    }
    tier.kubectl(&["certificate", "approve", &approved], None);
    tier.kubectl(&["certificate", "deny", &denied], None);
    tier.patch(
        &csrs,
        &approved,
        true,
        json!({"status": {"certificate": base64(&cert_pem)}}),
    );
    let approved_csr = tier.get(&csrs, &approved);
    let denied_csr = tier.get(&csrs, &denied);

    let role_name = format!("ks-{run}-cfg-reader");
    let cluster_role = tier.create(
        &cluster_roles,
        json!({"metadata": {"name": role_name},
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}),
    );
    let cluster_binding = tier.create(
        &cluster_bindings,
        json!({"metadata": {"name": role_name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
               "subjects": [{"kind": "ServiceAccount", "name": "builder", "namespace": ns}]}),
    );
    let role = tier.create(
        &roles,
        json!({"metadata": {"name": "pod-reader"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]}),
    );
    let binding = tier.create(
        &bindings,
        json!({"metadata": {"name": "read-pods", "labels": {"team": "cfg"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "builder", "namespace": ns}]}),
    );

    // The default kinds with manifests/' RBAC; the opt-in ones as admin.
    let defaults = tier.exporter(&[
        "--resources=configmaps,secrets,leases,limitranges,certificatesigningrequests",
        "--metric-labels-allowlist=*=[*]",
        "--metric-annotations-allowlist=*=[*]",
    ]);
    let opt_in = Exporter::start(
        &tier.admin_kubeconfig,
        &[
            "--resources=serviceaccounts,clusterroles,clusterrolebindings,roles,rolebindings",
            "--metric-labels-allowlist=rolebindings=[team]",
        ],
    );
    opt_in.wait_ready();
    let issued = format!(
        "kube_certificatesigningrequest_cert_length{{certificatesigningrequest=\"{approved}\",signer_name=\"{signer}\"}} {}",
        cert_pem.len()
    );
    let scrape = wait_for("the issued certificate's length", CHANGE, || {
        let scrape = defaults.scrape();
        scrape.contains(&issued).then_some(scrape)
    });
    let rbac = wait_for("the role binding and the account's token", CHANGE, || {
        let scrape = opt_in.scrape();
        (scrape.contains("kube_rolebinding_info{") && scrape.contains(&token)).then_some(scrape)
    });

    let mut misses = Vec::new();
    let mut check = |what: &str, got: Vec<String>, want: Vec<String>| {
        let got = sort(got);
        if got != sort(want.clone()) {
            misses.push(format!("{what}:\n  got  {got:#?}\n  want {want:#?}"));
        }
    };
    let c = format!(r#"namespace="{ns}",configmap="settings""#);
    check(
        "configmap",
        [
            "kube_configmap_info",
            "kube_configmap_created",
            "kube_configmap_metadata_resource_version",
            "kube_configmap_labels",
        ]
        .iter()
        .flat_map(|f| in_namespace(&scrape, f, &ns))
        .collect::<Vec<_>>()
        .into_iter()
        .filter(|l| l.contains(&c))
        .collect(),
        vec![
            format!("kube_configmap_info{{{c}}} 1"),
            format!("kube_configmap_created{{{c}}} {}", created(&cm.metadata)),
            format!(
                "kube_configmap_metadata_resource_version{{{c}}} {}",
                version(&cm.metadata)
            ),
            format!(r#"kube_configmap_labels{{{c},label_team="cfg"}} 1"#),
        ],
    );
    let db = format!(r#"namespace="{ns}",secret="db""#);
    let site = format!(r#"namespace="{ns}",secret="site-tls""#);
    check(
        "secrets",
        [
            "kube_secret_info",
            "kube_secret_type",
            "kube_secret_created",
            "kube_secret_metadata_resource_version",
            "kube_secret_owner",
        ]
        .iter()
        .flat_map(|f| in_namespace(&scrape, f, &ns))
        .filter(|l| l.contains(&db) || l.contains(&site))
        .collect(),
        vec![
            format!("kube_secret_info{{{db}}} 1"),
            format!("kube_secret_info{{{site}}} 1"),
            format!(r#"kube_secret_type{{{db},type="Opaque"}} 1"#),
            format!(r#"kube_secret_type{{{site},type="kubernetes.io/tls"}} 1"#),
            format!("kube_secret_created{{{db}}} {}", created(&opaque.metadata)),
            format!("kube_secret_created{{{site}}} {}", created(&tls.metadata)),
            format!(
                "kube_secret_metadata_resource_version{{{db}}} {}",
                version(&opaque.metadata)
            ),
            format!(
                "kube_secret_metadata_resource_version{{{site}}} {}",
                version(&tls.metadata)
            ),
            format!(
                r#"kube_secret_owner{{{db},owner_kind="ConfigMap",owner_name="settings",owner_is_controller="true"}} 1"#
            ),
            format!(
                r#"kube_secret_owner{{{site},owner_kind="",owner_name="",owner_is_controller=""}} 1"#
            ),
        ],
    );
    check(
        "leases",
        ["kube_lease_owner", "kube_lease_renew_time"]
            .iter()
            .flat_map(|f| in_namespace(&scrape, f, &ns))
            .collect(),
        vec![
            format!(
                r#"kube_lease_owner{{lease="leader",owner_kind="ConfigMap",owner_name="settings",namespace="{ns}",lease_holder="pod-a"}} 1"#
            ),
            format!(
                r#"kube_lease_owner{{lease="released",owner_kind="",owner_name="",namespace="{ns}",lease_holder=""}} 1"#
            ),
            format!(r#"kube_lease_renew_time{{lease="leader",namespace="{ns}"}} 1.61131053e+09"#),
        ],
    );
    let l = format!(r#"namespace="{ns}",limitrange="defaults""#);
    check(
        "limitranges",
        ["kube_limitrange", "kube_limitrange_created"]
            .iter()
            .flat_map(|f| in_namespace(&scrape, f, &ns))
            .collect(),
        vec![
            format!(
                r#"kube_limitrange{{{l},resource="cpu",type="Container",constraint="default"}} 0.5"#
            ),
            format!(
                r#"kube_limitrange{{{l},resource="memory",type="Container",constraint="default"}} 2.68435456e+08"#
            ),
            format!(r#"kube_limitrange{{{l},resource="cpu",type="Container",constraint="max"}} 2"#),
            // The API server's defaulting copies default into
            // defaultRequest (and max into default where it is unset).
            format!(
                r#"kube_limitrange{{{l},resource="cpu",type="Container",constraint="defaultRequest"}} 0.5"#
            ),
            format!(
                r#"kube_limitrange{{{l},resource="memory",type="Container",constraint="defaultRequest"}} 2.68435456e+08"#
            ),
            format!(
                r#"kube_limitrange{{{l},resource="storage",type="PersistentVolumeClaim",constraint="min"}} 1.073741824e+09"#
            ),
            format!(
                "kube_limitrange_created{{{l}}} {}",
                created(&limit.metadata)
            ),
        ],
    );
    let a = format!(r#"certificatesigningrequest="{approved}",signer_name="{signer}""#);
    let d = format!(r#"certificatesigningrequest="{denied}",signer_name="{signer}""#);
    check(
        "certificatesigningrequests",
        [
            "kube_certificatesigningrequest_condition",
            "kube_certificatesigningrequest_cert_length",
            "kube_certificatesigningrequest_created",
            "kube_certificatesigningrequest_labels",
        ]
        .iter()
        .flat_map(|f| with(&scrape, f, &format!("-{run}-")))
        .collect(),
        vec![
            format!(r#"kube_certificatesigningrequest_condition{{{a},condition="approved"}} 1"#),
            format!(r#"kube_certificatesigningrequest_condition{{{a},condition="denied"}} 0"#),
            format!(r#"kube_certificatesigningrequest_condition{{{a},condition="failed"}} 0"#),
            format!(r#"kube_certificatesigningrequest_condition{{{d},condition="approved"}} 0"#),
            format!(r#"kube_certificatesigningrequest_condition{{{d},condition="denied"}} 1"#),
            format!(r#"kube_certificatesigningrequest_condition{{{d},condition="failed"}} 0"#),
            issued.clone(),
            format!("kube_certificatesigningrequest_cert_length{{{d}}} 0"),
            format!(
                "kube_certificatesigningrequest_created{{{a}}} {}",
                created(&approved_csr.metadata)
            ),
            format!(
                "kube_certificatesigningrequest_created{{{d}}} {}",
                created(&denied_csr.metadata)
            ),
            format!(r#"kube_certificatesigningrequest_labels{{{a},label_run="{run}"}} 1"#),
            format!(r#"kube_certificatesigningrequest_labels{{{d},label_run="{run}"}} 1"#),
        ],
    );
    let sa_id = format!(
        r#"namespace="{ns}",serviceaccount="builder",uid="{}""#,
        sa.metadata.uid.as_deref().unwrap()
    );
    check(
        "serviceaccounts",
        [
            "kube_serviceaccount_info",
            "kube_serviceaccount_created",
            "kube_serviceaccount_deleted",
            "kube_serviceaccount_secret",
            "kube_serviceaccount_image_pull_secret",
        ]
        .iter()
        .flat_map(|f| with(&rbac, f, &sa_id))
        .collect(),
        vec![
            format!(r#"kube_serviceaccount_info{{{sa_id},automount_token="false"}} 1"#),
            format!(
                "kube_serviceaccount_created{{{sa_id}}} {}",
                created(&sa.metadata)
            ),
            format!(r#"kube_serviceaccount_secret{{{sa_id},name="db"}} 1"#),
            format!(r#"kube_serviceaccount_secret{{{sa_id},name="{token}"}} 1"#),
            format!(r#"kube_serviceaccount_image_pull_secret{{{sa_id},name="regcred"}} 1"#),
        ],
    );
    let cr = format!(r#"clusterrole="{role_name}""#);
    let crb = format!(r#"clusterrolebinding="{role_name}""#);
    let r = format!(r#"namespace="{ns}",role="pod-reader""#);
    let rb = format!(r#"namespace="{ns}",rolebinding="read-pods""#);
    check(
        "rbac",
        [
            ("kube_clusterrole_info", &cr),
            ("kube_clusterrole_created", &cr),
            ("kube_clusterrole_metadata_resource_version", &cr),
            ("kube_clusterrolebinding_info", &crb),
            ("kube_clusterrolebinding_created", &crb),
            ("kube_clusterrolebinding_metadata_resource_version", &crb),
            ("kube_role_info", &r),
            ("kube_role_created", &r),
            ("kube_role_metadata_resource_version", &r),
            ("kube_rolebinding_info", &rb),
            ("kube_rolebinding_created", &rb),
            ("kube_rolebinding_metadata_resource_version", &rb),
            ("kube_rolebinding_labels", &rb),
        ]
        .iter()
        .flat_map(|(f, id)| with(&rbac, f, &format!("{{{id}")))
        .collect(),
        vec![
            format!("kube_clusterrole_info{{{cr}}} 1"),
            format!(
                "kube_clusterrole_created{{{cr}}} {}",
                created(&cluster_role.metadata)
            ),
            format!(
                "kube_clusterrole_metadata_resource_version{{{cr}}} {}",
                version(&cluster_role.metadata)
            ),
            format!(
                r#"kube_clusterrolebinding_info{{{crb},roleref_kind="ClusterRole",roleref_name="{role_name}"}} 1"#
            ),
            format!(
                "kube_clusterrolebinding_created{{{crb}}} {}",
                created(&cluster_binding.metadata)
            ),
            format!(
                "kube_clusterrolebinding_metadata_resource_version{{{crb}}} {}",
                version(&cluster_binding.metadata)
            ),
            format!("kube_role_info{{{r}}} 1"),
            format!("kube_role_created{{{r}}} {}", created(&role.metadata)),
            format!(
                "kube_role_metadata_resource_version{{{r}}} {}",
                version(&role.metadata)
            ),
            format!(
                r#"kube_rolebinding_info{{{rb},roleref_kind="Role",roleref_name="pod-reader"}} 1"#
            ),
            format!(
                "kube_rolebinding_created{{{rb}}} {}",
                created(&binding.metadata)
            ),
            format!(
                "kube_rolebinding_metadata_resource_version{{{rb}}} {}",
                version(&binding.metadata)
            ),
            format!(r#"kube_rolebinding_labels{{{rb},label_team="cfg"}} 1"#),
        ],
    );
    // The secret's value, sent to the exporter by the API server, is
    // neither served (every annotation allowlisted) nor logged.
    let logs = defaults.process.stderr();
    for leak in [&value, &base64(value.as_bytes())] {
        assert!(!scrape.contains(leak.as_str()), "served: {leak}");
        assert!(!logs.contains(leak.as_str()), "logged: {leak}");
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}
