//! Wiring the stages together: connect, find the shard, start a watcher
//! per kind (and per namespace), serve both ports, stop on a signal.

use crate::autoshard::{AutoshardError, current_shard};
use crate::cache::Store;
use crate::client::{ConnectError, connect};
use crate::config::Config;
use crate::families::Families;
use crate::kinds::{self, KindVisitor, Resource};
use crate::objects::sweep_interned;
use crate::render::{KindRenderer, RenderKind};
use crate::server::listen::{Server, serve};
use crate::server::{AppState, metrics_router, telemetry_router};
use crate::shard::CurrentShard;
use crate::telemetry::Telemetry;
use crate::watch::{Scope, SyncState, until_served, watch};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tracing::info;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Autoshard(#[from] AutoshardError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the exporter until `shutdown` completes.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let telemetry = Arc::new(Telemetry::new(config.shard));
    let sync = Arc::new(SyncState::default());
    let (client, apiserver) = connect(
        config.kubeconfig.as_deref(),
        config.apiserver.as_ref(),
        telemetry.clone(),
    )
    .await?;

    let metrics_listener = bind(&config.host, config.port).await?;
    let telemetry_listener = bind(&config.telemetry_host, config.telemetry_port).await?;

    let mut tasks = tokio::task::JoinSet::new();
    let shard = current_shard(
        &client,
        config.own_pod.as_ref(),
        config.shard,
        &telemetry,
        &mut tasks,
    )
    .await?;
    let kinds: Vec<Arc<dyn RenderKind>> = config
        .resources
        .iter()
        .map(|&resource| {
            let start = Start {
                client: &client,
                apiserver: &apiserver,
                config: &config,
                shard: &shard,
                telemetry: &telemetry,
                sync: &sync,
                tasks: &mut tasks,
            };
            kinds::visit(resource, start)
        })
        .collect();
    // Relists sweep unused interned strings too; this catches the slow
    // turnover of names and images between relists.
    tasks.spawn(async {
        let mut every = tokio::time::interval(Duration::from_secs(300));
        loop {
            every.tick().await;
            sweep_interned();
        }
    });

    let state = Arc::new(AppState {
        kinds,
        telemetry,
        sync,
        gzip: config.enable_gzip_encoding,
    });
    info!(
        metrics = %local(&metrics_listener),
        telemetry = %local(&telemetry_listener),
        resources = ?config.resources,
        "serving"
    );

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    let server = |name, limits| Server {
        name,
        limits,
        web: config.web_config.clone(),
    };
    let metrics_server = serve(
        metrics_listener,
        metrics_router(state.clone()),
        server("metrics", config.metrics_limits),
        state.telemetry.clone(),
        until_stopped(stopped.clone()),
    );
    let telemetry_server = serve(
        telemetry_listener,
        telemetry_router(state.clone()),
        server("telemetry", config.telemetry_limits),
        state.telemetry.clone(),
        until_stopped(stopped),
    );
    let servers = tokio::spawn(async move {
        tokio::join!(metrics_server, telemetry_server);
    });

    shutdown.await;
    info!("shutting down");
    let _ = stop.send(true);
    // Open scrapes get a moment to finish; the process must still end
    // promptly when the kubelet sends SIGTERM.
    let _ = tokio::time::timeout(Duration::from_millis(500), servers).await;
    tasks.abort_all();
    Ok(())
}

/// What starting a kind needs; visiting its decode type creates its store,
/// spawns its watchers and returns its renderer.
struct Start<'a> {
    client: &'a kube::Client,
    apiserver: &'a Arc<str>,
    config: &'a Config,
    shard: &'a CurrentShard,
    telemetry: &'a Arc<Telemetry>,
    sync: &'a Arc<SyncState>,
    tasks: &'a mut tokio::task::JoinSet<()>,
}

impl KindVisitor for Start<'_> {
    type Output = Arc<dyn RenderKind>;

    fn visit<T: Families>(self) -> Arc<dyn RenderKind> {
        let resource = T::RESOURCE;
        let store = Arc::new(Store::<T>::default());
        let scopes = scopes(self.config, self.apiserver, self.shard, resource);
        self.telemetry.enable(resource);
        self.sync.register(resource, scopes.len());
        let watchers: Vec<_> = scopes
            .into_iter()
            .enumerate()
            .map(|(source, scope)| {
                watch(
                    self.client.clone(),
                    scope,
                    source,
                    store.clone(),
                    self.config.exposure.clone(),
                    self.telemetry.clone(),
                    self.sync.clone(),
                )
            })
            .collect();
        let (client, sync) = (self.client.clone(), self.sync.clone());
        self.tasks.spawn(async move {
            until_served(&client, resource, &sync).await;
            // Dropped, and so aborted, with this task at shutdown.
            let mut tasks = tokio::task::JoinSet::new();
            for watcher in watchers {
                tasks.spawn(watcher);
            }
            tasks.join_all().await;
        });
        Arc::new(KindRenderer::new(store, &self.config.families))
    }
}

/// One scope per watched namespace, or one cluster-wide scope (with the
/// denylist as a field selector). Nodes are cluster-scoped and ignore both.
/// Pods also carry the node shard's selector in every scope.
fn scopes(
    config: &Config,
    apiserver: &Arc<str>,
    shard: &CurrentShard,
    resource: Resource,
) -> Vec<Scope> {
    let node_selector = match resource {
        Resource::Pods => config.pod_nodes.field_selector(),
        _ => None,
    };
    let cluster = |selectors: Vec<String>| Scope {
        apiserver: apiserver.clone(),
        namespace: None,
        field_selector: (!selectors.is_empty()).then(|| selectors.join(",")),
        use_apiserver_cache: config.use_apiserver_cache,
        shard: shard.clone(),
    };
    if !resource.namespaced() {
        return vec![cluster(Vec::new())];
    }
    if !config.namespaces.is_empty() {
        return config
            .namespaces
            .iter()
            .map(|ns| Scope {
                namespace: Some(ns.clone()),
                ..cluster(node_selector.iter().cloned().collect())
            })
            .collect();
    }
    let denied = config
        .namespaces_denylist
        .iter()
        .map(|ns| format!("metadata.namespace!={ns}"));
    vec![cluster(denied.chain(node_selector).collect())]
}

/// Binds `host:port`; `::` falls back to `0.0.0.0` where IPv6 is off.
async fn bind(host: &str, port: u16) -> Result<TcpListener, RunError> {
    let address = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    match TcpListener::bind(&address).await {
        Ok(listener) => Ok(listener),
        Err(_) if host == "::" => TcpListener::bind(("0.0.0.0", port))
            .await
            .map_err(|source| RunError::Bind { address, source }),
        Err(source) => Err(RunError::Bind { address, source }),
    }
}

fn local(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "?".into(), |a: SocketAddr| a.to_string())
}
