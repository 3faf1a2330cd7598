//! Records the git revision and the compiler version for kubestate_build_info.

use std::process::Command;

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    // An image build has no .git in its context (the Dockerfile) or must be
    // sure the binary carries the revision it tags (scripts/image): both pass
    // the revision in, and it wins over asking git.
    let revision = std::env::var("KUBESTATE_REVISION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| output_of("git", &["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output_of(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=KUBESTATE_REVISION={revision}");
    println!("cargo:rustc-env=KUBESTATE_RUSTC={rustc_version}");
    // Rebuild when HEAD moves: a commit changes the branch's ref, not HEAD
    // itself, and in a git worktree neither lives under ./.git. A missing
    // ref (packed) is covered by packed-refs.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(reference) = output_of("git", &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(reference);
    }
    for name in watched {
        if let Some(path) = output_of("git", &["rev-parse", "--git-path", &name]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-env-changed=KUBESTATE_REVISION");
}
