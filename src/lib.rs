//! kubestate: Kubernetes object state as `kube_*` metrics for Prometheus.
//!
//! The modules follow the data flow:
//! API server → [`watch`] → [`objects`] (decoded) → [`cache`] → on scrape
//! [`render`] ([`families`] into [`exposition`] formats) → [`server`].
//! [`kinds`] registers each kind once for all of them.

pub mod app;
pub mod autoshard;
pub mod cache;
pub mod client;
pub mod config;
pub mod exposition;
pub mod families;
pub mod kinds;
pub mod logging;
pub mod memory;
pub mod node_shard;
pub mod objects;
pub mod render;
pub mod server;
pub mod shard;
pub mod sim;
pub mod telemetry;
pub mod watch;
