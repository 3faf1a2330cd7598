//! The web configuration as the servers use it, re-read when its file or a
//! file it names (certificate, key, client CA) changes, so a rotated
//! certificate (a cert-manager Secret updated in place) takes effect on
//! the next connection without a restart, as the toolkit re-reads them on
//! every handshake. A change that does not load (a half-written file) is
//! logged and the previous configuration stays in use.

use super::access::Access;
use super::tls::server_config;
use super::web_config::{WebConfigError, parse_web_config};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What a connection is served with.
pub struct Settings {
    /// `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub access: Access,
    /// `rate_limit`: a request every interval, at most burst at once.
    pub rate_limit: Option<(std::time::Duration, u64)>,
}

/// What identifies a version of a file without reading it.
type Stamp = Vec<Option<(SystemTime, u64)>>;

pub struct WebConfigFile {
    path: PathBuf,
    current: Mutex<Loaded>,
}

struct Loaded {
    stamp: Stamp,
    files: Vec<PathBuf>,
    settings: Arc<Settings>,
}

impl std::fmt::Debug for WebConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfigFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl WebConfigFile {
    /// Loads the file and everything it names; any error is the
    /// configuration's (exit 2 at start-up).
    pub fn load(path: &Path) -> Result<WebConfigFile, WebConfigError> {
        let loaded = load(path)?;
        Ok(WebConfigFile {
            path: path.to_path_buf(),
            current: Mutex::new(loaded),
        })
    }

    /// The settings for a new connection, reloaded first if a file changed.
    pub fn current(&self) -> Arc<Settings> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = stamp(&self.path, &current.files);
        if stamp != current.stamp {
            match load(&self.path) {
                Ok(loaded) => {
                    tracing::info!(file = %self.path.display(), "web configuration reloaded");
                    *current = loaded;
                }
                Err(e) => {
                    tracing::warn!(
                        file = %self.path.display(),
                        "web configuration changed but does not load, keeping the previous one: {e}"
                    );
                    // Not retried until the files change again.
                    current.stamp = stamp;
                }
            }
        }
        current.settings.clone()
    }
}

fn load(path: &Path) -> Result<Loaded, WebConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| WebConfigError(format!("cannot read {}: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let config = parse_web_config(&text)?.relative_to(dir);
    let files = config.files();
    // Stamped before reading, so a change during the load is seen next time.
    let stamp = stamp(path, &files);
    let tls = if config.tls_server_config.enabled() {
        Some(server_config(&config.tls_server_config)?)
    } else {
        None
    };
    Ok(Loaded {
        stamp,
        files,
        settings: Arc::new(Settings {
            tls,
            access: Access::new(&config),
            rate_limit: config
                .rate_limit
                .interval()
                .map(|interval| (interval, config.rate_limit.burst)),
        }),
    })
}

fn stamp(path: &Path, files: &[PathBuf]) -> Stamp {
    std::iter::once(path)
        .chain(files.iter().map(PathBuf::as_path))
        .map(|file| {
            let meta = std::fs::metadata(file).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}
