//! Serving a router on a listener with kube-state-metrics' server limits
//! (Go's `http.Server` timeouts), a cap on connections and on header size,
//! and the web configuration (TLS, basic auth, headers).
//!
//! Each connection's deadline follows what it is doing, as Go's server
//! sets its read and write deadlines: from accept until the first request
//! head is read, the read-header timeout; waiting between requests, the
//! idle timeout, then the read-header timeout from the request's first
//! byte; from a request head read until its response is sent, the write
//! timeout. A connection past its deadline is closed; a response cut so is
//! logged and counted (`kubestate_http_timeouts_total`).

use super::access::RateLimiter;
use super::reload::{Settings, WebConfigFile};
use crate::telemetry::Telemetry;
use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;
use tracing::{debug, warn};

/// The limits of one server; `None` is no timeout, as zero is in Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub read_timeout: Option<Duration>,
    pub read_header_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    pub idle_timeout: Option<Duration>,
    pub max_connections: usize,
    pub max_header_bytes: usize,
}

impl Limits {
    /// Go reads a whole request within the read timeout, its head within
    /// the read-header timeout (the read timeout when that is zero). Our
    /// requests have no body, so the shorter of the two bounds the head.
    fn head(&self) -> Option<Duration> {
        match (
            self.read_header_timeout.or(self.read_timeout),
            self.read_timeout,
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Go waits for the next request for the idle timeout, the read
    /// timeout when that is zero.
    fn idle(&self) -> Option<Duration> {
        self.idle_timeout.or(self.read_timeout)
    }
}

/// One server: its name in logs and metrics, its limits, its web
/// configuration.
pub struct Server {
    pub name: &'static str,
    pub limits: Limits,
    pub web: Option<Arc<WebConfigFile>>,
}

struct Shared {
    server: Server,
    router: Router,
    telemetry: Arc<Telemetry>,
    limiter: RateLimiter,
}

/// Serves `router` on `listener` until `shutdown` completes; connections
/// then finish the response they are sending and close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    server: Server,
    telemetry: Arc<Telemetry>,
    shutdown: impl Future<Output = ()>,
) {
    // The series of the timeouts this server has exist from the start.
    let limits = server.limits;
    for (timeout, set) in [
        (Timeout::Write, limits.write_timeout.is_some()),
        (Timeout::ReadHeader, limits.head().is_some()),
    ] {
        if set {
            telemetry.count_http_timeout(server.name, timeout.label(), 0);
        }
    }
    let connections = Arc::new(Semaphore::new(server.limits.max_connections));
    let shared = Arc::new(Shared {
        server,
        router,
        telemetry,
        limiter: RateLimiter::default(),
    });
    let (stop, stopped) = tokio::sync::watch::channel(());
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Past the cap, new connections wait in the listen backlog until
        // one closes (every timeout bounds how long that takes).
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        while tasks.try_join_next().is_some() {}
        match accepted {
            Ok((stream, peer)) => {
                let shared = shared.clone();
                let stopped = stopped.clone();
                tasks.spawn(async move {
                    connection(stream, peer, shared, stopped).await;
                    drop(permit);
                });
            }
            Err(e) => {
                // Out of file descriptors, mostly: wait for some to close.
                warn!(
                    server = shared.server.name,
                    "cannot accept a connection: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    drop(stop);
    while tasks.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    stopped: tokio::sync::watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let limits = &shared.server.limits;
    let settings = shared.server.web.as_ref().map(|web| web.current());
    let clock = Arc::new(Clock::new(*limits));
    let Some(tls) = settings.as_ref().and_then(|s| s.tls.clone()) else {
        drive(stream, peer, &shared, settings, clock, stopped).await;
        return;
    };
    // The handshake is part of reading the first request head.
    let handshake = async {
        if sent_plain_http(&stream).await {
            refuse_plain_http(stream).await;
            return None;
        }
        match tokio_rustls::TlsAcceptor::from(tls).accept(stream).await {
            Ok(stream) => Some(stream),
            Err(e) => {
                warn!(server = shared.server.name, client = %peer, "TLS handshake failed: {e}");
                None
            }
        }
    };
    let handshake = match limits.head() {
        Some(limit) => tokio::time::timeout(limit, handshake)
            .await
            .unwrap_or_else(|_| {
                shared.count(Timeout::ReadHeader);
                debug!(server = shared.server.name, client = %peer, "TLS handshake timed out");
                None
            }),
        None => handshake.await,
    };
    if let Some(stream) = handshake {
        drive(stream, peer, &shared, settings, clock, stopped).await;
    }
}

/// Whether the client began with something other than a TLS handshake
/// record (whose first byte is 22): an `http://` URL pointed at this port.
async fn sent_plain_http(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first).await, Ok(1) if first[0].is_ascii_alphabetic())
}

async fn refuse_plain_http(mut stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let body = "This server speaks HTTPS (--tls-config): use an https:// URL.\n";
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Runs HTTP/1.1 on one connection until it closes or passes its deadline.
async fn drive<IO>(
    io: IO,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    settings: Option<Arc<Settings>>,
    clock: Arc<Clock>,
    mut stopped: tokio::sync::watch::Receiver<()>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.server.limits;
    let service = {
        let (shared, clock) = (shared.clone(), clock.clone());
        hyper::service::service_fn(move |request: Request<Incoming>| {
            respond(
                request,
                shared.clone(),
                settings.clone(),
                peer,
                clock.clone(),
            )
        })
    };
    let io = TokioIo::new(Timed {
        io,
        clock: clock.clone(),
    });
    let connection = hyper::server::conn::http1::Builder::new()
        // Deadlines are ours (hyper's would also cut idle keep-alive
        // connections at the read-header timeout).
        .header_read_timeout(None)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(8192) + 4096)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        let deadline = clock.deadline();
        let expired = async {
            match deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    debug!(server = shared.server.name, client = %peer, "connection ended: {e}");
                }
                return;
            }
            () = clock.changed.notified() => {}
            changed = stopped.changed(), if !shutting_down => {
                let _ = changed;
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
            () = expired => {
                let Some((at, timeout)) = clock.deadline() else { continue };
                if at > Instant::now() {
                    continue;
                }
                shared.count(timeout);
                match timeout {
                    Timeout::Write => warn!(
                        server = shared.server.name,
                        client = %peer,
                        "response cut: still being sent after --server-write-timeout ({:?})",
                        limits.write_timeout.unwrap_or_default()
                    ),
                    Timeout::ReadHeader => debug!(
                        server = shared.server.name,
                        client = %peer,
                        "connection closed: no complete request head within the read-header timeout"
                    ),
                    Timeout::Idle => debug!(
                        server = shared.server.name,
                        client = %peer,
                        "idle connection closed"
                    ),
                }
                return;
            }
        }
    }
}

async fn respond(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    settings: Option<Arc<Settings>>,
    peer: SocketAddr,
    clock: Arc<Clock>,
) -> Result<Response<Body>, std::convert::Infallible> {
    clock.set(Phase::Responding);
    // Back to waiting when the response is sent, or dropped unsent.
    let sent = Sent(clock);
    // As the toolkit: the rate limit first, before headers and auth.
    let limit = settings.as_ref().and_then(|s| s.rate_limit);
    if !shared.limiter.allow(limit) {
        let mut limited = Response::new(Body::from("Too Many Requests\n"));
        *limited.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(limited.map(|body| Body::new(Tracked { body, _sent: sent })));
    }
    let authorized = match &settings {
        Some(settings) => settings.access.authorize(&request, peer.ip()).await,
        None => Ok(()),
    };
    let mut response = match authorized {
        Ok(()) => match shared.router.clone().oneshot(request.map(Body::new)).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        Err(refused) => refused,
    };
    if let Some(settings) = &settings {
        settings.access.decorate(&mut response);
    }
    Ok(response.map(|body| Body::new(Tracked { body, _sent: sent })))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timeout {
    Write,
    ReadHeader,
    Idle,
}

impl Timeout {
    fn label(self) -> &'static str {
        match self {
            Timeout::Write => "write",
            Timeout::ReadHeader => "read_header",
            Timeout::Idle => "idle",
        }
    }
}

impl Shared {
    /// Idle connections closing is routine and not counted.
    fn count(&self, timeout: Timeout) {
        if timeout != Timeout::Idle {
            self.telemetry
                .count_http_timeout(self.server.name, timeout.label(), 1);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Accepted, nothing read yet.
    New,
    /// Between requests of a kept-alive connection.
    Idle,
    /// The first bytes of a request head arrived.
    ReadingHead,
    Responding,
}

/// What a connection is doing since when, and so its deadline.
struct Clock {
    limits: Limits,
    state: Mutex<(Phase, Instant)>,
    changed: Notify,
}

impl Clock {
    fn new(limits: Limits) -> Clock {
        Clock {
            limits,
            state: Mutex::new((Phase::New, Instant::now())),
            changed: Notify::new(),
        }
    }

    fn set(&self, phase: Phase) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = (phase, Instant::now());
        self.changed.notify_one();
    }

    /// The first byte of a request after an idle wait starts the
    /// read-header timeout.
    fn read_some(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(state.0, Phase::Idle) {
            *state = (Phase::ReadingHead, Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    fn deadline(&self) -> Option<(Instant, Timeout)> {
        let (phase, since) = *self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (limit, timeout) = match phase {
            Phase::New | Phase::ReadingHead => (self.limits.head(), Timeout::ReadHeader),
            Phase::Idle => (self.limits.idle(), Timeout::Idle),
            Phase::Responding => (self.limits.write_timeout, Timeout::Write),
        };
        limit.map(|limit| (since + limit, timeout))
    }
}

/// Marks the connection idle when dropped with the response body.
struct Sent(Arc<Clock>);

impl Drop for Sent {
    fn drop(&mut self) {
        self.0.set(Phase::Idle);
    }
}

struct Tracked {
    body: Body,
    _sent: Sent,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The connection's stream, telling its clock when request bytes arrive.
struct Timed<IO> {
    io: IO,
    clock: Arc<Clock>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Timed<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.read_some();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Timed<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(read: Option<u64>, header: Option<u64>, idle: Option<u64>) -> Limits {
        let secs = |s: Option<u64>| s.map(Duration::from_secs);
        Limits {
            read_timeout: secs(read),
            read_header_timeout: secs(header),
            write_timeout: None,
            idle_timeout: secs(idle),
            max_connections: 1,
            max_header_bytes: 8192,
        }
    }

    #[test]
    fn zero_timeouts_fall_back_as_in_go() {
        let secs = |s| Some(Duration::from_secs(s));
        // Read-header 5 s within read 60 s.
        assert_eq!(limits(Some(60), Some(5), Some(300)).head(), secs(5));
        // No read-header timeout: the read timeout bounds the head.
        assert_eq!(limits(Some(60), None, None).head(), secs(60));
        assert_eq!(limits(Some(2), Some(5), None).head(), secs(2));
        assert_eq!(limits(None, None, None).head(), None);
        // No idle timeout: the read timeout.
        assert_eq!(limits(Some(60), None, None).idle(), secs(60));
        assert_eq!(limits(Some(60), None, Some(300)).idle(), secs(300));
    }
}
