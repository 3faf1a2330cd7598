//! Connecting to the API server: kubeconfig or in-cluster credentials, and a
//! layer that counts every list and watch call by resource and result.

use crate::objects::Resource;
use crate::telemetry::{Call, Telemetry};
use futures::future::BoxFuture;
use http::{Request, Response, Uri};
use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("--kubeconfig: {0}")]
    Kubeconfig(#[source] kube::config::KubeconfigError),
    #[error(
        "no cluster configuration found (no --kubeconfig, $KUBECONFIG, ~/.kube/config, nor in-cluster service account): {0}"
    )]
    Infer(#[source] kube::config::InferConfigError),
    #[error("cannot build a client for the API server: {0}")]
    Client(#[source] kube::Error),
}

/// The client the watchers use: `--kubeconfig`, else `$KUBECONFIG`, else
/// `~/.kube/config`, else the in-cluster service account; `--apiserver`
/// replaces the URL. Tokens, client certificates and custom CAs come from
/// that configuration. Returns the client and the API server's URL.
pub async fn connect(
    kubeconfig: Option<&Path>,
    apiserver: Option<&Uri>,
    telemetry: Arc<Telemetry>,
) -> Result<(kube::Client, Arc<str>), ConnectError> {
    let mut config = match kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path).map_err(ConnectError::Kubeconfig)?;
            kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                .await
                .map_err(ConnectError::Kubeconfig)?
        }
        None => kube::Config::infer().await.map_err(ConnectError::Infer)?,
    };
    if let Some(url) = apiserver {
        config.cluster_url = url.clone();
    }
    let url: Arc<str> = config.cluster_url.to_string().into();
    let client = ClientBuilder::try_from(config)
        .map_err(ConnectError::Client)?
        .with_layer(&CountCalls { telemetry })
        .build();
    Ok((client, url))
}

/// Counts list and watch requests (`kube_state_metrics_{list,watch}_total`)
/// from the request path and the response status.
#[derive(Clone)]
pub struct CountCalls {
    telemetry: Arc<Telemetry>,
}

impl<S> Layer<S> for CountCalls {
    type Service = Counted<S>;
    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            telemetry: self.telemetry.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Counted<S> {
    inner: S,
    telemetry: Arc<Telemetry>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Counted<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let call = classify(request.uri());
        let telemetry = self.telemetry.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            if let Some((resource, call)) = call {
                let ok = matches!(&result, Ok(r) if r.status().is_success());
                telemetry.count_call(resource, call, ok);
            }
            result
        })
    }
}

/// Which resource a request is for, and whether it lists or watches.
fn classify(uri: &Uri) -> Option<(Resource, Call)> {
    let resource = Resource::from_plural(uri.path().rsplit('/').next()?)?;
    let watch = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .any(|pair| pair == "watch=true" || pair == "watch=1");
    Some((resource, if watch { Call::Watch } else { Call::List }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classified_by_path_and_watch_parameter() {
        let cases = [
            ("/api/v1/pods?limit=500", Some((Resource::Pods, Call::List))),
            (
                "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5",
                Some((Resource::Pods, Call::Watch)),
            ),
            (
                "/apis/apps/v1/deployments?&watch=true",
                Some((Resource::Deployments, Call::Watch)),
            ),
            ("/api/v1/nodes", Some((Resource::Nodes, Call::List))),
            (
                "/api/v1/namespaces/shop/services?watch=1",
                Some((Resource::Services, Call::Watch)),
            ),
            ("/version", None),
            ("/api/v1/secrets", None),
        ];
        for (path, want) in cases {
            let uri: Uri = path.parse().unwrap();
            assert_eq!(classify(&uri), want, "{path}");
        }
    }
}
