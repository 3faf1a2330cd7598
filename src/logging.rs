//! Logging set-up: `--log-level` or `RUST_LOG` parsed strictly, text or
//! JSON lines on stderr, colour only for a terminal.

use std::io::IsTerminal;
use std::str::FromStr;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

use crate::config::LogFormat;

/// Log lines of the libraries that repeat what `src/watch.rs` says in one
/// line naming the resource, the API server and the cause: kube-runtime's
/// watcher warns about a 403 with a debug dump of the Status, and
/// kube-client logs every failed request ("failed with error client error
/// (Connect)"). Kept unless the filter names the library.
const QUIETED: [(&str, &str); 2] = [
    ("kube_runtime", "kube_runtime::watcher=error"),
    ("kube_client", "kube_client::client::builder=off"),
];

#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {reason}")]
pub struct FilterError {
    /// `--log-level` or `RUST_LOG`.
    pub source_name: &'static str,
    pub reason: String,
}

/// The filter from `RUST_LOG` when set, else from `--log-level`. Stricter
/// than tracing's own parser, which takes any word as a target name (so
/// `--log-level=verbose` would silently log nothing but errors from a
/// target called "verbose"): each comma-separated directive is a level
/// (`trace`, `debug`, `info`, `warn`, `error`, `off`) or `target=level`.
pub fn filter(log_level: &str, rust_log: Option<&str>) -> Result<EnvFilter, FilterError> {
    let (source_name, spec) = match rust_log {
        Some(spec) => ("RUST_LOG", spec),
        None => ("--log-level", log_level),
    };
    let fail = |reason: String| FilterError {
        source_name,
        reason,
    };
    let directives: Vec<&str> = spec.split(',').map(str::trim).collect();
    if directives.iter().all(|d| d.is_empty()) {
        return Err(fail("empty filter: give a level such as info".into()));
    }
    for directive in directives.iter().filter(|d| !d.is_empty()) {
        let level = match directive.rsplit_once('=') {
            // `target[span{field=value}]=level`: the level follows the last '='.
            Some((target, level)) if !target.is_empty() => level,
            Some(_) => return Err(fail(format!("{directive:?} has no target before ="))),
            None => directive,
        };
        if LevelFilter::from_str(level).is_err() {
            return Err(fail(format!(
                "{directive:?} is not a level (trace, debug, info, warn, error, off) nor target=level"
            )));
        }
    }
    let mut full = spec.to_string();
    for (library, directive) in QUIETED {
        if !spec.contains(library) {
            full.push(',');
            full.push_str(directive);
        }
    }
    EnvFilter::try_new(&full).map_err(|e| fail(e.to_string()))
}

/// Installs the global subscriber: stderr, text or JSON, colour codes only
/// for a person at a terminal (not in files or log collectors).
pub fn init(format: LogFormat, log_level: &str) -> Result<(), FilterError> {
    // An empty RUST_LOG (`RUST_LOG= kubestate`) is the same as none.
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let filter = filter(log_level, rust_log.as_deref())?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn levels_and_target_levels_parse_and_anything_else_is_refused() {
        for good in [
            "info",
            "DEBUG",
            "warn,kubestate=trace",
            "kube_client=debug",
            "kubestate::watch[watch{resource=pods}]=debug",
            "off",
        ] {
            assert!(filter(good, None).is_ok(), "{good}");
        }
        for (bad, said) in [
            ("verbose", "\"verbose\" is not a level"),
            ("kubestate=loud", "\"kubestate=loud\" is not a level"),
            ("=info", "has no target"),
            ("", "empty filter"),
        ] {
            let error = filter(bad, None).expect_err(bad).to_string();
            assert!(
                error.starts_with("--log-level: ") && error.contains(said),
                "{bad}: {error}"
            );
        }
        let error = filter("info", Some("chatty")).unwrap_err().to_string();
        assert!(error.starts_with("RUST_LOG: \"chatty\""), "{error}");
    }
}
