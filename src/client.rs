//! Connecting to the API server: kubeconfig or in-cluster credentials, and a
//! layer that counts every list and watch call by resource and result and
//! ends a watch stream at a line that is not JSON.

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
    type Response = Response<WatchLines<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

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
            let watch = matches!(call, Some((_, Call::Watch)));
            result.map(|response| response.map(|body| WatchLines::new(body, watch)))
        })
    }
}

/// A response body that, for a watch, fails at the first complete line that
/// is not JSON. kube's client skips such a line when it is cut short (it
/// takes the JSON parser's "unexpected end" for the end of the stream) and
/// reads on, so the event in it would be lost and its object stale until
/// the next relist. Failing the body instead ends the stream, and the
/// watcher resumes from the last revision it applied: the API server sends
/// the lost event again.
pub struct WatchLines<B> {
    inner: B,
    /// `None` for bodies that are not watches (passed through unchecked).
    partial: Option<Vec<u8>>,
    failed: bool,
}

impl<B> WatchLines<B> {
    fn new(inner: B, watch: bool) -> Self {
        WatchLines {
            inner,
            partial: watch.then(Vec::new),
            failed: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the watch stream sent a line of {length} bytes that is not JSON (cut short or garbled); resuming from the last revision applied"
)]
pub struct GarbledLine {
    length: usize,
}

/// Checks the complete lines of `data`, keeping an unfinished last line
/// in `partial` for the next frame.
fn check_lines(partial: &mut Vec<u8>, data: &[u8]) -> Result<(), GarbledLine> {
    let mut rest = data;
    while let Some(at) = rest.iter().position(|&b| b == b'\n') {
        let head = &rest[..at];
        let line: &[u8] = if partial.is_empty() {
            head
        } else {
            partial.extend_from_slice(head);
            partial
        };
        if !line.trim_ascii().is_empty()
            && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err()
        {
            return Err(GarbledLine { length: line.len() });
        }
        partial.clear();
        rest = &rest[at + 1..];
    }
    partial.extend_from_slice(rest);
    Ok(())
}

impl<B> http_body::Body for WatchLines<B>
where
    B: http_body::Body<Data = bytes::Bytes> + Unpin,
    B::Error: Into<tower::BoxError>,
{
    type Data = bytes::Bytes;
    type Error = tower::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, tower::BoxError>>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        let frame = match std::task::ready!(std::pin::Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => frame,
            other => return Poll::Ready(other.map(|r| r.map_err(Into::into))),
        };
        if let (Some(partial), Some(data)) = (&mut this.partial, frame.data_ref())
            && let Err(garbled) = check_lines(partial, data)
        {
            this.failed = true;
            return Poll::Ready(Some(Err(Box::new(garbled))));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
    fn a_line_that_is_not_json_is_found_across_frames() {
        let mut partial = Vec::new();
        let good = br#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#;
        for frame in [&good[..10], &good[10..], b"\n\n", good, b"\n{\"type\""] {
            assert!(check_lines(&mut partial, frame).is_ok());
        }
        assert_eq!(partial, b"{\"type\"");
        let error = check_lines(&mut partial, b":\"MODIFIED\",\"obj\n").unwrap_err();
        assert_eq!(error.length, 23);
        assert!(check_lines(&mut Vec::new(), b"{\"ok\":1}\n{\"cut\":\n").is_err());
    }

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
            ("/api/v1/events", None),
        ];
        for (path, want) in cases {
            let uri: Uri = path.parse().unwrap();
            assert_eq!(classify(&uri), want, "{path}");
        }
    }
}
