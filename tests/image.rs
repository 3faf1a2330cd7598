//! The container image. `scripts/image` builds it with podman and no
//! registry (a static release binary in an image FROM scratch); here it runs
//! as nobody with a read-only root filesystem and answers `/metrics` and
//! `/readyz`, exporting a simulated API server reached through a kubeconfig
//! on a read-only volume, as in a cluster.
//!
//! Without podman the run reports NOT RUN (printed, not passed silently);
//! with `KUBESTATE_TEST_IMAGE=1` (`.ci/run`) a missing podman fails it. The
//! first build compiles the release binary: minutes, not seconds.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const REQUIRED_ENV: &str = "KUBESTATE_TEST_IMAGE";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn not_run(why: &str) {
    let text = format!(
        "\n######## container image test NOT RUN: {why} ########\n\
         ######## (set {REQUIRED_ENV}=1 to make this a failure) ########\n"
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn podman_version() -> Option<String> {
    let out = Command::new("podman").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn show(out: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// podman with this sandbox's settings: Debian's runc (crun fails on its
/// hybrid cgroups) and no default ulimits (raising RLIMIT_NOFILE or
/// RLIMIT_NPROC is forbidden here, and podman raises both by default).
fn podman(conf: &Path) -> Command {
    let mut cmd = Command::new("podman");
    cmd.env("CONTAINERS_CONF", conf);
    cmd
}

fn podman_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what} failed: {}", show(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Removes the container and the test's directory when the test ends, pass
/// or fail.
struct Container {
    name: String,
    conf: PathBuf,
    dir: PathBuf,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&self.conf)
            .args(["rm", "--force", "--time", "2", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn image_built_without_a_registry_serves_metrics_and_readyz_as_nobody_read_only() {
    let required = std::env::var(REQUIRED_ENV).is_ok_and(|v| v == "1");
    let Some(version) = podman_version() else {
        assert!(
            !required,
            "{REQUIRED_ENV}=1 but podman does not run: install Debian's podman, runc and uidmap"
        );
        not_run("podman is not installed (Debian: apt-get install podman runc uidmap)");
        return;
    };
    eprintln!("using {version}");

    let started = Instant::now();
    let build = Command::new(root().join("scripts/image"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/image");
    assert!(
        build.status.success(),
        "scripts/image failed: {}",
        show(&build)
    );
    let stdout = String::from_utf8_lossy(&build.stdout);
    let tag = stdout.lines().last().expect("scripts/image prints the tag");
    eprintln!("built {tag} in {:?}", started.elapsed());
    let revision = tag
        .strip_prefix("kubestate:")
        .expect("tag kubestate:<revision>");
    assert!(revision.len() >= 12, "a git revision, not {revision:?}");

    let dir = std::env::temp_dir().join(format!("kubestate-image-test-{}", std::process::id()));
    let volume = dir.join("volume");
    std::fs::create_dir_all(&volume).expect("temp dir");
    let conf = dir.join("containers.conf");
    std::fs::write(
        &conf,
        "[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = \"runc\"\n",
    )
    .expect("write containers.conf");

    let labels = podman_ok(
        podman(&conf).args([
            "image",
            "inspect",
            "--format",
            "{{index .Labels \"org.opencontainers.image.revision\"}} {{.Config.User}}",
            tag,
        ]),
        "podman image inspect",
    );
    assert_eq!(labels, format!("{revision} 65534:65534"));

    let version_out = podman_ok(
        podman(&conf).args([
            "run",
            "--rm",
            "--read-only",
            "--network",
            "host",
            tag,
            "--version",
        ]),
        "kubestate --version in the image",
    );
    assert!(version_out.starts_with("kubestate "), "{version_out}");

    // The simulated API server runs on the host's loopback; the container
    // shares the host's network and reads the kubeconfig from a read-only
    // volume, as a pod reads its service account.
    let sim = Sim::start(&[
        "--nodes",
        "3",
        "--pods-per-node",
        "5",
        "--churn-interval-ms",
        "0",
    ]);
    let kubeconfig = volume.join("kubeconfig");
    std::fs::copy(&sim.kubeconfig, &kubeconfig).expect("copy kubeconfig");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o644))
        .expect("kubeconfig readable by nobody");
    std::fs::set_permissions(&volume, std::fs::Permissions::from_mode(0o755))
        .expect("volume readable by nobody");

    let (metrics_port, telemetry_port) = (free_port(), free_port());
    let container = Container {
        name: format!("kubestate-test-{}", std::process::id()),
        conf: conf.clone(),
        dir: dir.clone(),
    };
    podman_ok(
        podman(&conf)
            .args(["run", "--detach", "--name", &container.name])
            .args(["--read-only", "--user", "65534:65534", "--network", "host"])
            .args(["--cap-drop", "ALL", "--security-opt", "no-new-privileges"])
            .arg("--volume")
            .arg(format!("{}:/etc/kubestate:ro", volume.display()))
            .arg(tag)
            .args(["--kubeconfig", "/etc/kubestate/kubeconfig"])
            .args(["--host", "127.0.0.1", "--port", &metrics_port.to_string()])
            .args(["--telemetry-host", "127.0.0.1"])
            .args(["--telemetry-port", &telemetry_port.to_string()]),
        "podman run",
    );

    let logs = || {
        let out = podman(&conf)
            .args(["logs", &container.name])
            .output()
            .expect("podman logs");
        show(&out)
    };
    let telemetry = format!("http://127.0.0.1:{telemetry_port}");
    let ready = Instant::now();
    let mut last = String::new();
    while ready.elapsed() < Duration::from_secs(60) {
        match get(&format!("{telemetry}/readyz")) {
            Ok(r) if r.status == 200 => break,
            Ok(r) => last = format!("{} {}", r.status, r.text()),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let readyz = get(&format!("{telemetry}/readyz")).expect("/readyz answers");
    assert_eq!(
        readyz.status,
        200,
        "not ready after 60 s (last: {last}); container logs: {}",
        logs()
    );
    eprintln!("ready {:?} after podman run", ready.elapsed());

    let scrape = get(&format!("http://127.0.0.1:{metrics_port}/metrics")).expect("/metrics");
    assert_eq!(scrape.status, 200);
    let body = scrape.text();
    for (family, path) in [("kube_node_info", "nodes"), ("kube_pod_info", "pods")] {
        let listed = get(&format!("{}/api/v1/{path}", sim.url)).expect("simulator lists");
        let list: serde_json::Value = serde_json::from_str(&listed.text()).expect("a JSON list");
        let items = list["items"].as_array().expect("items").len();
        assert!(items > 0);
        assert_eq!(series(&body, family).len(), items, "{family}: {body}");
    }

    let own = get(&format!("{telemetry}/metrics")).expect("telemetry /metrics");
    let build_info = series(&own.text(), "kubestate_build_info");
    assert_eq!(build_info.len(), 1, "{}", own.text());
    assert!(
        build_info[0].contains(&format!("revision=\"{revision}\"")),
        "the binary carries the image's revision: {}",
        build_info[0]
    );

    // What runs is the image's process as nobody on a read-only root, seen
    // from the host rather than taken from podman's word.
    let pid = podman_ok(
        podman(&conf).args(["inspect", "--format", "{{.State.Pid}}", &container.name]),
        "podman inspect",
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    let uid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    assert_eq!(
        uid.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["65534"; 4]
    );
    let mountinfo =
        std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).expect("process mountinfo");
    let root_mount = mountinfo
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
        .expect("a root mount");
    let options = root_mount.split_whitespace().nth(5).expect("mount options");
    assert!(
        options.split(',').any(|o| o == "ro"),
        "root filesystem mounted {options}: {root_mount}"
    );
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).expect("process exe");
    assert_eq!(exe, Path::new("/usr/local/bin/kubestate"));
    drop(sim);
}

/// The Dockerfile, for those with a registry, builds the binary scripts/image
/// builds, from base images named in full (no registry search order to
/// trust), and runs it as nobody.
#[test]
fn dockerfile_builds_the_same_static_binary_from_fully_named_base_images() {
    let read = |rel: &str| std::fs::read_to_string(root().join(rel)).expect(rel);
    let (dockerfile, script) = (read("Dockerfile"), read("scripts/image"));
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("FROM "))
        .collect();
    assert_eq!(froms.len(), 2, "multi-stage: build and runtime");
    for from in &froms {
        let image = from.split_whitespace().next().unwrap();
        let registry = image.split('/').next().unwrap();
        assert!(
            registry.contains('.') && image.contains(':'),
            "{image}: registry host and tag named in full"
        );
    }
    assert!(froms[0].starts_with("docker.io/library/rust:") && froms[0].ends_with(" AS build"));
    assert!(froms[1].starts_with("gcr.io/distroless/static-"));

    let build = "cargo build --release --locked --bin kubestate --target";
    assert!(script.contains(&format!("{build} \"$target\"")));
    assert!(script.contains("\ntarget=x86_64-unknown-linux-musl\n"));
    assert!(dockerfile.contains(&format!("{build} x86_64-unknown-linux-musl")));
    // The revision reaches build.rs (no .git in the build context) and the label.
    assert!(dockerfile.contains("ARG KUBESTATE_REVISION"));
    assert!(dockerfile.contains("org.opencontainers.image.revision=$KUBESTATE_REVISION"));
    assert!(script.contains("KUBESTATE_REVISION=$revision cargo build"));
    assert!(script.contains("org.opencontainers.image.revision=$revision"));
    assert!(script.contains("strip --strip-debug") && dockerfile.contains("strip --strip-debug"));

    let user = dockerfile
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("the runtime stage sets USER");
    assert_eq!(user, "USER 65534:65534");
    // The Deployment's image reference is named in the header.
    assert!(dockerfile.contains(&format!(
        "ghcr.io/kubestate/kubestate:{}",
        env!("CARGO_PKG_VERSION")
    )));
}
