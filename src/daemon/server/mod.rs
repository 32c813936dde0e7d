//! The HTTP+JSON API over the Unix socket (axum): routes, the version
//! handshake, `{code, message, hint}` errors, and a listener that accepts
//! only connections from this daemon's own user.

use super::Manager;
mod handlers;
mod token;

use crate::api::{
    ApiError, ErrorCode, PauseRequest, RetryRequest, RunsQuery, SubmitRequest, SubmitResponse,
    VERSION, VERSION_HEADER,
};
use crate::model::RunStatus;
use crate::store::RunFilter;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use handlers::*;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use token::*;
use tokio::net::{UnixListener, UnixStream};

/// How long a client may take to send a request's head, and then its body:
/// a half-sent request cannot hold a connection for longer.
pub(super) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub(super) const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body the daemon reads (a workflow file's text).
pub(super) const BODY_LIMIT: usize = 2 << 20;

/// The bounds every connection is served with.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub body_limit: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            body_limit: BODY_LIMIT,
        }
    }
}

type AppState = State<Arc<Manager>>;
type ApiResult<T> = Result<Json<T>, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
    }
}

/// Accepts connections from the daemon's own user only (the socket is 0600
/// too; this also covers a socket made reachable by other means).
struct OwnerOnly {
    inner: UnixListener,
    uid: u32,
}

impl axum::serve::Listener for OwnerOnly {
    type Io = UnixStream;
    type Addr = tokio::net::unix::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => match stream.peer_cred() {
                    Ok(cred) if cred.uid() == self.uid => return (stream, addr),
                    Ok(cred) => {
                        tracing::warn!(uid = cred.uid(), "refused a connection from another user")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot check a connection's user; refused")
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// An optional TCP listener, served only to clients with the token.
pub struct TcpAccess {
    pub listener: tokio::net::TcpListener,
    pub token: String,
}

pub async fn run(
    listener: UnixListener,
    tcp: Option<TcpAccess>,
    manager: Arc<Manager>,
) -> std::io::Result<()> {
    let limits = Limits::default();
    let app = router(manager.clone(), limits);
    let listener = OwnerOnly {
        inner: listener,
        uid: nix::unistd::getuid().as_raw(),
    };
    let mut stopping = manager.stopping();
    let manager_for_stop = manager.clone();
    let shutdown = async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let mut int =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        tokio::select! {
            _ = async { if let Some(t) = term.as_mut() { t.recv().await; } else { std::future::pending::<()>().await } } => {}
            _ = async { if let Some(i) = int.as_mut() { i.recv().await; } else { std::future::pending::<()>().await } } => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
        tracing::info!("stopping");
        // Suspend the runs first: requests waiting on them then end, and
        // the server can finish the ones in flight.
        manager_for_stop.request_stop();
        manager_for_stop.shutdown().await;
    };
    let unix = serve(listener, app.clone(), limits, |_| None, shutdown);
    let Some(tcp) = tcp else {
        unix.await;
        return Ok(());
    };
    let guard = Arc::new(TokenGuard::new(&tcp.token));
    let guarded = app.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let guard = guard.clone();
            async move { guard.check(request, next).await }
        },
    ));
    let mut tcp_stop = manager.stopping();
    let tcp_server = serve(
        tcp.listener,
        guarded,
        limits,
        |addr: &std::net::SocketAddr| Some(addr.ip()),
        async move {
            let _ = tcp_stop.wait_for(|s| *s).await;
        },
    );
    tokio::join!(unix, tcp_server);
    Ok(())
}

/// The peer of a TCP connection, for the token guard.
#[derive(Clone, Copy, Debug)]
struct Peer(IpAddr);

/// Serves `app` on `listener` until `stop` ends, then lets the open
/// connections finish. Each connection reads request heads within the
/// header timeout (hyper closes it otherwise).
async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: Limits,
    peer: fn(&L::Addr) -> Option<IpAddr>,
    stop: impl std::future::Future<Output = ()>,
) where
    L: axum::serve::Listener,
{
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Every connection holds a receiver; `closed` waits for the last one.
    let (open_tx, open_rx) = tokio::sync::watch::channel(());
    tokio::pin!(stop);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let ip = peer(&addr);
        let app = app.clone();
        let mut stop_rx = stop_rx.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let inner = hyper_util::service::TowerToHyperService::new(app);
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    if let Some(ip) = ip {
                        request.extensions_mut().insert(Peer(ip));
                    }
                    hyper::service::Service::call(&inner, request)
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let conn = builder
                .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                }
                _ = async { let _ = stop_rx.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(open);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_rx);
    open_tx.closed().await;
}

fn router(manager: Arc<Manager>, limits: Limits) -> Router {
    let api = Router::new()
        .route("/v1/status", get(status))
        .route("/v1/runs", get(list_runs).post(submit))
        .route("/v1/runs/{run}", get(show_run))
        .route("/v1/runs/{run}/wait", get(wait_run))
        .route("/v1/runs/{run}/cancel", post(cancel_run))
        .route("/v1/runs/{run}/pause", post(pause_run))
        .route("/v1/runs/{run}/resume", post(resume_run))
        .route("/v1/runs/{run}/retry", post(retry_run))
        .route("/v1/runs/{run}/tasks/{task}/attach", get(attach))
        .route("/v1/runs/{run}/tasks/{task}/input", post(input))
        .route("/v1/runs/{run}/tasks/{task}/log", get(task_log))
        .route("/v1/waiting", get(waiting))
        .route("/v1/workflows", get(workflows))
        .route("/v1/workflows/{workflow}/pause", post(pause_schedules))
        .route("/v1/workflows/{workflow}/resume", post(resume_schedules))
        .route("/v1/workflows/{workflow}/trigger", post(trigger))
        .route("/v1/workflows/{workflow}/fires", get(fires))
        .route("/v1/reload", post(reload))
        .route("/v1/add", post(add))
        .route("/v1/events", get(events))
        .route("/v1/shutdown", post(shutdown))
        .fallback(|| async {
            ApiError::new(ErrorCode::NotFound, "no such route")
                .hint("the routes are listed in weft's README, under \"The API\"")
        })
        .with_state(manager);
    with_limits(api, limits).layer(axum::middleware::from_fn(handshake))
}

/// Bodies read within the limits, and every error answered as JSON.
fn with_limits(router: Router, limits: Limits) -> Router {
    router
        .layer(axum::extract::DefaultBodyLimit::max(limits.body_limit))
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| read_body(limits, request, next),
        ))
        .layer(axum::middleware::from_fn(json_errors))
}

/// Reads the whole body before the handler runs, within the body timeout
/// and size limit (an upgrade carries none).
async fn read_body(limits: Limits, request: Request, next: Next) -> Response {
    if request.headers().contains_key(header::UPGRADE) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, limits.body_limit);
    let bytes = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if too_large(&e) => {
            return ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request body is over {} bytes", limits.body_limit),
            )
            .into_response();
        }
        Ok(Err(e)) => {
            return ApiError::new(
                ErrorCode::BadRequest,
                format!("cannot read the request body: {e}"),
            )
            .into_response();
        }
        Err(_) => {
            return ApiError::new(
                ErrorCode::Timeout,
                format!(
                    "the request body did not arrive within {} seconds",
                    limits.body_timeout.as_secs()
                ),
            )
            .hint("send the whole request at once")
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Turns the framework's own refusals (plain text or empty bodies: bad
/// JSON, a wrong method, ...) into `{code, message, hint}`.
async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 << 10)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let mut answer = framework_error(status, &method, &path, text).into_response();
    // Keep the framework's status; the code says the rest.
    *answer.status_mut() = status;
    answer
}

/// The API error for a refusal the framework answered with `status`.
fn framework_error(status: StatusCode, method: &Method, path: &str, text: String) -> ApiError {
    let said = |fallback: String| {
        if text.is_empty() {
            fallback
        } else {
            text.clone()
        }
    };
    match status {
        StatusCode::BAD_REQUEST => ApiError::new(ErrorCode::BadRequest, said("bad request".into()))
            .hint("the request and its JSON shapes are in docs/json.md"),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::new(
            ErrorCode::InvalidBody,
            said("the JSON body has the wrong shape".into()),
        )
        .hint("the request and its JSON shapes are in docs/json.md"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            said("the body must be JSON".into()),
        )
        .hint("send `Content-Type: application/json`"),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            ErrorCode::PayloadTooLarge,
            said("the request body is too large".into()),
        ),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("`{path}` does not take {method}"),
        )
        .hint("the routes and their methods are listed in weft's README, under \"The API\""),
        StatusCode::NOT_FOUND => {
            ApiError::new(ErrorCode::NotFound, said(format!("no route `{path}`")))
                .hint("the routes are listed in weft's README, under \"The API\"")
        }
        StatusCode::REQUEST_TIMEOUT => {
            ApiError::new(ErrorCode::Timeout, said("the request took too long".into()))
        }
        s if s.is_client_error() => ApiError::new(ErrorCode::BadRequest, said(s.to_string())),
        s => ApiError::new(ErrorCode::Store, said(s.to_string())),
    }
}

/// A client that names its version must be this daemon's version.
async fn handshake(request: Request, next: Next) -> Response {
    let theirs = request
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(theirs) = theirs
        && theirs != VERSION
    {
        return ApiError::new(
            ErrorCode::VersionMismatch,
            format!("the daemon is weft {VERSION}, this client is weft {theirs}"),
        )
        .hint("restart the daemon with the same weft: `weft daemon stop && weft daemon start`")
        .into_response();
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static(VERSION));
    response
}
