//! docs/metrics.md against what the exporter serves, both ways: every
//! served family and label is documented with its type and stability, and
//! every documented family has series on the simulated cluster (which
//! exercises all of them) with every kind, allowlist and opt-in on. The same
//! scrape must pass `promtool check metrics`. The README's flags table
//! and klog list name exactly the flags the binary takes.

mod common;

use common::{Exporter, Sim, promtool_check};
use std::collections::{BTreeMap, BTreeSet};

struct Documented {
    /// From the kind's "Every series starts with `a`, `b`." line.
    identity: Vec<String>,
    metric_type: String,
    labels: Vec<String>,
    stable: bool,
}

/// The family tables: `| `name` | type | `a`, `b` | STABLE | meaning |`.
fn documented() -> BTreeMap<String, Documented> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/metrics.md"))
        .expect("docs/metrics.md");
    let mut families = BTreeMap::new();
    let mut identity = Vec::new();
    for line in text.lines() {
        if let Some(labels) = line.strip_prefix("Every series starts with ") {
            identity = labels
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            continue;
        }
        if !line.starts_with("| `kube_") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_string();
        let labels = cells[3]
            .split(',')
            .map(|l| l.trim().trim_matches('`').to_string())
            .filter(|l| l != "-")
            .collect();
        let doc = Documented {
            identity: identity.clone(),
            metric_type: cells[2].to_string(),
            labels,
            stable: match cells[4] {
                "STABLE" => true,
                "EXPERIMENTAL" => false,
                other => panic!("{name}: stability {other:?}"),
            },
        };
        assert!(families.insert(name.clone(), doc).is_none(), "{name} twice");
    }
    families
}

#[derive(Default)]
struct Served {
    metric_type: String,
    stable: bool,
    /// Label names of each series, in order.
    series: Vec<Vec<String>>,
}

fn served(scrape: &str) -> BTreeMap<String, Served> {
    let mut families: BTreeMap<String, Served> = BTreeMap::new();
    let mut current = String::new();
    for line in scrape.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            current = name.to_string();
            families.entry(current.clone()).or_default().stable = help.starts_with("[STABLE] ");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, t) = rest.split_once(' ').unwrap();
            families.get_mut(name).unwrap().metric_type = t.to_string();
        } else {
            let labels = line
                .split_once('{')
                .map(|(_, rest)| label_names(rest))
                .unwrap_or_default();
            families.get_mut(&current).unwrap().series.push(labels);
        }
    }
    families
}

/// `a="x",b="y\"z"} 1` to `[a, b]`.
fn label_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once("=\"") {
        names.push(name.trim_start_matches(',').to_string());
        let mut escaped = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            })
            .map(|(i, _)| i)
            .expect("closing quote");
        rest = &after[end + 1..];
        if rest.starts_with('}') {
            break;
        }
    }
    names
}

#[test]
fn the_documentation_and_the_served_families_agree() {
    let sim = Sim::start(&["--churn-interval-ms", "0"]);
    // Every kind, the opt-in ones too.
    let every_kind: Vec<&str> = kubestate::kinds::Resource::ALL
        .iter()
        .map(|r| r.plural())
        .collect();
    let resources = format!("--resources={}", every_kind.join(","));
    let exporter = Exporter::start(
        &sim.kubeconfig,
        &[
            &resources,
            "--metric-labels-allowlist=*=[*]",
            "--metric-annotations-allowlist=*=[*]",
            "--metric-opt-in-list=kube_pod_nodeselectors,kube_persistentvolume_csi_attributes",
        ],
    );
    exporter.wait_ready();
    let scrape = exporter.scrape();
    let docs = documented();
    let served = served(&scrape);

    for (name, family) in &served {
        let doc = docs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is served but not documented"));
        assert_eq!(family.metric_type, doc.metric_type, "{name}: type");
        assert_eq!(family.stable, doc.stable, "{name}: stability");
        let identity = &doc.identity;
        for labels in &family.series {
            assert_eq!(&labels[..identity.len()], identity, "{name}: identity");
            let extra = &labels[identity.len()..];
            match doc.labels.as_slice() {
                // Run-time names: every label carries the documented prefix.
                [dynamic] if dynamic.ends_with('*') => {
                    let prefix = dynamic.trim_end_matches('*');
                    for label in extra {
                        assert!(label.starts_with(prefix), "{name}: {label} undocumented");
                    }
                }
                // `label?` is left out of some series (kube_job_status_failed
                // has no `reason` while nothing failed; kube_ingress_path has
                // either its service or its resource labels): the series'
                // labels are the documented ones in order, with only
                // optional ones left out.
                documented => {
                    let mut served = extra.iter().peekable();
                    for label in documented {
                        let optional = label.ends_with('?');
                        let label = label.trim_end_matches('?');
                        if served.peek().is_some_and(|s| *s == label) {
                            served.next();
                        } else {
                            assert!(
                                optional,
                                "{name}: labels {extra:?}, documented {documented:?}"
                            );
                        }
                    }
                    assert!(
                        served.next().is_none(),
                        "{name}: labels {extra:?}, documented {documented:?}"
                    );
                }
            }
        }
    }
    let missing: Vec<&String> = docs
        .keys()
        .filter(|name| served.get(*name).is_none_or(|f| f.series.is_empty()))
        .collect();
    assert!(
        missing.is_empty(),
        "documented but without series: {missing:?}"
    );
    // Dynamic families really carry their labels on this cluster.
    let dynamic: BTreeSet<&str> = [
        "kube_pod_labels",
        "kube_node_annotations",
        "kube_pod_nodeselectors",
        "kube_volumeattachment_status_attachment_metadata",
    ]
    .into();
    for name in dynamic {
        assert!(
            served[name]
                .series
                .iter()
                .any(|l| l.len() > docs[name].identity.len()),
            "{name} has no allowlisted labels"
        );
    }

    let (ok, report) = promtool_check(&scrape);
    assert!(ok, "promtool check metrics:\n{report}");
}

/// Every `--flag` in backticks in the README's "## Flags" section, table
/// and text; `--help`, which no one needs told, aside.
fn readme_flags() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = text
        .split("\n## Flags\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Flags section");
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|code| code.split('/'))
        .filter_map(|code| code.strip_prefix("--"))
        .map(|flag| flag.split('=').next().unwrap_or(flag).to_string())
        .collect()
}

/// The long flags of `kubestate --help` plus klog's, which are hidden.
fn binary_flags() -> BTreeSet<String> {
    let help = std::process::Command::new(common::BIN)
        .arg("--help")
        .output()
        .expect("kubestate --help");
    // Option lines start `  -p, --port <PORT>` or `      --host <HOST>`.
    let mut flags: BTreeSet<String> = String::from_utf8_lossy(&help.stdout)
        .lines()
        .filter(|line| line.trim_start().starts_with('-'))
        .flat_map(|line| line.split_whitespace().take(2))
        .filter_map(|word| word.trim_end_matches(',').strip_prefix("--"))
        .map(|flag| {
            flag.split(['=', '[', '<'])
                .next()
                .unwrap_or(flag)
                .to_string()
        })
        .filter(|flag| flag != "help")
        .collect();
    let klog = [
        "v",
        "vmodule",
        "logtostderr",
        "alsologtostderr",
        "alsologtostderrthreshold",
        "stderrthreshold",
        "log_dir",
        "log_file",
        "log_file_max_size",
        "log_backtrace_at",
        "add_dir_header",
        "skip_headers",
        "skip_log_headers",
        "one_output",
        "legacy_stderr_threshold_behavior",
        "log-flush-frequency",
    ];
    for flag in klog {
        let out = std::process::Command::new(common::BIN)
            .arg(format!("--{flag}=1"))
            .arg("--resources=bogus")
            .output()
            .expect("kubestate runs");
        // Accepted: the run gets as far as validating --resources.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--resources: unknown resource"),
            "--{flag}: {stderr}"
        );
        flags.insert(flag.to_string());
    }
    flags
}

#[test]
fn the_readme_names_every_flag_and_only_those() {
    assert_eq!(readme_flags(), binary_flags());
}
