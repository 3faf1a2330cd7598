//! Every input a fuzz target found a bug with stays a test: the target's
//! own check (`fuzz/src/lib.rs`, included here as it is) runs on each file
//! of `fuzz/regressions/<target>/`, typed as libFuzzer hands it to the
//! target. `scripts/fuzz` runs the targets themselves.

#[path = "../fuzz/src/lib.rs"]
mod checks;

use arbitrary::{Arbitrary, Unstructured};
use std::path::{Path, PathBuf};

/// The input typed the way libfuzzer-sys types it for a target that takes
/// one (`arbitrary_take_rest`).
fn typed<T: for<'a> Arbitrary<'a>>(data: &[u8]) -> T {
    T::arbitrary_take_rest(Unstructured::new(data)).expect("an input of the target")
}

/// The check of the target named `target`.
fn check_of(target: &str) -> fn(&[u8]) {
    match target {
        "exposition" => |data| checks::exposition(&typed(data)),
        "decode" => checks::decode,
        "flags" => |data| checks::flags(&typed(data)),
        "web_config" => checks::web_config,
        other => panic!("fuzz/regressions/{other}: no fuzz target of that name"),
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_kept_input_passes_its_targets_check() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut ran = 0;
    let mut failed = Vec::new();
    for dir in sorted_entries(&root) {
        let target = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let check = check_of(target);
        for path in sorted_entries(&dir) {
            let data = std::fs::read(&path).expect("a readable input");
            ran += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(ran > 0, "{} holds no input", root.display());
    assert!(failed.is_empty(), "failing inputs: {failed:#?}");
}
