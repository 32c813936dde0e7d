//! The HTTP+JSON API over the Unix socket (axum): routes, the version
//! handshake, `{code, message, hint}` errors, and a listener that accepts
//! only connections from this daemon's own user.

use super::Manager;
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
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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

/// Failed token attempts a TCP peer may make before it is refused for a
/// while, and for how long.
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
const LOCKOUT: Duration = Duration::from_secs(60);

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

/// TCP clients must send `Authorization: Bearer <daemon.token>` (the
/// scheme in any case). A peer that fails too often is refused for a
/// while without its token being looked at.
struct TokenGuard {
    token: String,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

impl TokenGuard {
    fn new(token: &str) -> TokenGuard {
        TokenGuard {
            token: token.to_string(),
            failures: Mutex::new(HashMap::new()),
        }
    }

    async fn check(&self, request: Request, next: Next) -> Response {
        let peer = request.extensions().get::<Peer>().map(|p| p.0);
        let now = Instant::now();
        if let Some(ip) = peer
            && self.locked(ip, now)
        {
            return ApiError::new(
                ErrorCode::RateLimited,
                "too many failed token attempts from this address",
            )
            .hint(format!(
                "wait {} seconds, then send the right `daemon.token`",
                LOCKOUT.as_secs()
            ))
            .into_response();
        }
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !bearer_matches(given, &self.token) {
            if let Some(ip) = peer {
                self.failed(ip, now);
            }
            return ApiError::new(
                ErrorCode::Unauthorized,
                "this daemon's TCP listener needs its token",
            )
            .hint("send `Authorization: Bearer <token>` with the `daemon.token` from its config")
            .into_response();
        }
        if let Some(ip) = peer
            && let Ok(mut map) = self.failures.lock()
        {
            map.remove(&ip);
        }
        next.run(request).await
    }

    fn locked(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(map) = self.failures.lock() else {
            return false;
        };
        map.get(&ip)
            .and_then(|f| f.locked_until)
            .is_some_and(|until| now < until)
    }

    fn failed(&self, ip: IpAddr, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        // Forget peers whose lockout or window is over: the map stays small.
        map.retain(|_, f| match f.locked_until {
            Some(until) => now < until,
            None => now.duration_since(f.since) < FAILURE_WINDOW,
        });
        let f = map.entry(ip).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        f.count += 1;
        if f.count >= MAX_FAILURES {
            f.locked_until = Some(now + LOCKOUT);
            tracing::warn!(peer = %ip, failures = f.count, "too many failed token attempts; refusing this peer for a while");
        }
    }
}

/// `Bearer <token>`, the scheme in any case; the token compared in
/// constant time (it is a secret).
fn bearer_matches(given: &str, token: &str) -> bool {
    let Some((scheme, rest)) = given.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let rest = rest.trim_start_matches(' ');
    rest.len() == token.len()
        && rest
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
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

async fn status(State(m): AppState) -> Json<crate::api::DaemonStatus> {
    Json(m.status())
}

async fn list_runs(
    State(m): AppState,
    Query(q): Query<RunsQuery>,
) -> ApiResult<Vec<crate::model::RunSummary>> {
    let status = q
        .status
        .as_deref()
        .map(|s| s.parse::<RunStatus>())
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e))?;
    let filter = RunFilter {
        workflow: q.workflow,
        status,
        since: None,
        active: q.active.unwrap_or(false),
        offset: q.offset.unwrap_or(0),
        queued: true,
        limit: q.limit.unwrap_or(50),
    };
    m.store().runs(&filter).map(Json).map_err(ApiError::from)
}

async fn submit(
    State(m): AppState,
    Json(req): Json<SubmitRequest>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    req.check()?;
    let run = m.submit(req)?;
    Ok((StatusCode::CREATED, Json(SubmitResponse { run })))
}

async fn show_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::model::RunDetail> {
    let id = m.resolve(&run)?;
    let mut detail = m.store().run(&id)?;
    for (name, interactive) in m.task_kinds(&id) {
        if let Some(t) = detail.tasks.iter_mut().find(|t| t.name == name) {
            t.interactive = interactive;
        }
    }
    Ok(Json(detail))
}

async fn wait_run(State(m): AppState, Path(run): Path<String>) -> ApiResult<crate::api::RunState> {
    m.wait(&run).await.map(Json)
}

async fn cancel_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::api::RunState> {
    m.cancel(&run).await.map(Json)
}

async fn pause_run(
    State(m): AppState,
    Path(run): Path<String>,
    body: Option<Json<PauseRequest>>,
) -> ApiResult<crate::api::RunState> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    m.pause(&run, req.signal).await.map(Json)
}

async fn resume_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::api::RunState> {
    m.resume(&run).await.map(Json)
}

async fn retry_run(
    State(m): AppState,
    Path(run): Path<String>,
    body: Option<Json<RetryRequest>>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    let run = m.retry(&run, req)?;
    Ok((StatusCode::CREATED, Json(SubmitResponse { run })))
}

#[derive(serde::Deserialize)]
struct EventsQuery {
    #[serde(default)]
    follow: bool,
}

/// Newline-delimited JSON run events: live with `follow=true`, else the
/// most recent ones from the store.
async fn events(State(m): AppState, Query(q): Query<EventsQuery>) -> Response {
    use futures_util::StreamExt;
    if !q.follow {
        let recent = match m.store().recent_events(100) {
            Ok(events) => events,
            Err(e) => return ApiError::from(e).into_response(),
        };
        let mut body = String::new();
        for e in recent {
            body.push_str(&serde_json::to_string(&e).unwrap_or_default());
            body.push('\n');
        }
        return ([("content-type", "application/x-ndjson")], body).into_response();
    }
    let rx = m.subscribe();
    let stopping = m.stopping();
    let stream =
        futures_util::stream::unfold((rx, stopping), |(mut rx, mut stopping)| async move {
            loop {
                let stop = async {
                    let _ = stopping.wait_for(|s| *s).await;
                };
                let next = tokio::select! {
                    next = rx.recv() => next,
                    _ = stop => return None,
                };
                match next {
                    Ok(event) => {
                        let mut line = serde_json::to_vec(&event).unwrap_or_default();
                        line.push(b'\n');
                        return Some((
                            Ok::<_, std::convert::Infallible>(bytes::Bytes::from(line)),
                            (rx, stopping),
                        ));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed();
    (
        [("content-type", "application/x-ndjson")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

async fn waiting(State(m): AppState) -> Json<Vec<crate::api::WaitingTask>> {
    Json(m.waiting())
}

async fn shutdown(State(m): AppState) -> Json<serde_json::Value> {
    m.request_stop();
    Json(serde_json::json!({"stopping": true}))
}

#[derive(serde::Deserialize)]
struct AttachQuery {
    #[serde(default)]
    read_only: bool,
}

fn refusal(r: super::AttachRefusal, task: &str) -> ApiError {
    match r {
        super::AttachRefusal::Api(e) => e,
        super::AttachRefusal::NotInteractive => ApiError::new(
            ErrorCode::NotInteractive,
            format!("task `{task}` is not interactive: it has no terminal to attach to"),
        )
        .hint("follow its output with `weft logs -f RUN TASK`"),
    }
}

/// Upgrades the connection to the attach protocol: a repaint of the
/// task's screen, then its output live; input and resizes the other way.
async fn attach(
    State(m): AppState,
    Path((run, task)): Path<(String, String)>,
    Query(q): Query<AttachQuery>,
    mut request: Request,
) -> Response {
    let (id, session) = match m.pty(&run, &task) {
        Ok(found) => found,
        Err(r) => return refusal(r, &task).into_response(),
    };
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match upgrade.await {
            Ok(upgraded) => {
                tracing::info!(run = %id, task = %task, read_only = q.read_only, "attached");
                super::attach::serve(hyper_util::rt::TokioIo::new(upgraded), session, q.read_only)
                    .await;
                tracing::info!(run = %id, task = %task, "detached");
            }
            Err(e) => tracing::warn!(error = %e, "attach upgrade failed"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("connection", "upgrade")
        .header("upgrade", crate::api::ATTACH_PROTOCOL)
        .body(axum::body::Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Types text into a task's terminal (`weft send`).
async fn input(
    State(m): AppState,
    Path((run, task)): Path<(String, String)>,
    Json(req): Json<crate::api::InputRequest>,
) -> ApiResult<serde_json::Value> {
    let (_, session) = m.pty(&run, &task).map_err(|r| refusal(r, &task))?;
    super::attach::type_into(&session, req, &task).map(Json)
}

#[derive(serde::Deserialize)]
struct LogQuery {
    #[serde(default)]
    offset: u64,
    /// Bytes of log at most per answer.
    max: Option<usize>,
    /// `raw`: the log file's lines as text, the rest in headers.
    format: Option<String>,
}

use crate::api::{RAW_ATTEMPT, RAW_MORE, RAW_NEXT};

/// Log bytes per answer unless the client asks for another size.
const LOG_CHUNK: usize = 1 << 20;

/// The lines of a task's latest attempt after a byte offset: poll it to
/// follow the log.
async fn task_log(
    State(m): AppState,
    Path((run, task)): Path<(String, String)>,
    Query(q): Query<LogQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let id = m.resolve(&run)?;
    let detail = m.store().run(&id)?;
    let Some(record) = detail.tasks.iter().find(|t| t.name.as_str() == task) else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("run {id} has no task `{task}`"),
        ));
    };
    let (attempt, path) = match record.attempts.last() {
        Some(a) => (a.attempt, Some(std::path::PathBuf::from(&a.log))),
        None => (0, None),
    };
    let max = q.max.unwrap_or(LOG_CHUNK).max(1);
    let read_error =
        |e: std::io::Error| ApiError::new(ErrorCode::Store, format!("cannot read the log: {e}"));
    if q.format.as_deref() == Some("raw") {
        // The file's own lines, with the chunk's facts in headers: no JSON
        // to build or parse for a follower of a fast log.
        let (bytes, next_offset, more) = match &path {
            Some(p) => crate::logs::read_log_bytes(p, q.offset, max).map_err(read_error)?,
            None => (Vec::new(), 0, false),
        };
        return Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (
                    RAW_ATTEMPT.parse().expect("a header name"),
                    attempt.to_string(),
                ),
                (
                    RAW_NEXT.parse().expect("a header name"),
                    next_offset.to_string(),
                ),
                (RAW_MORE.parse().expect("a header name"), more.to_string()),
            ],
            bytes,
        )
            .into_response());
    }
    let (lines, next_offset, more) = match &path {
        Some(p) => crate::logs::read_log_chunk(p, q.offset, max).map_err(read_error)?,
        None => (Vec::new(), 0, false),
    };
    Ok(Json(crate::api::LogChunk {
        attempt,
        lines,
        next_offset,
        more,
    })
    .into_response())
}

async fn workflows(State(m): AppState) -> ApiResult<Vec<crate::api::WorkflowInfo>> {
    m.workflows().map(Json)
}

async fn pause_schedules(
    State(m): AppState,
    Path(workflow): Path<String>,
) -> ApiResult<serde_json::Value> {
    m.set_paused(&workflow, true)?;
    Ok(Json(
        serde_json::json!({"workflow": workflow, "paused": true}),
    ))
}

async fn resume_schedules(
    State(m): AppState,
    Path(workflow): Path<String>,
) -> ApiResult<serde_json::Value> {
    m.set_paused(&workflow, false)?;
    Ok(Json(
        serde_json::json!({"workflow": workflow, "paused": false}),
    ))
}

async fn trigger(
    State(m): AppState,
    Path(workflow): Path<String>,
    body: Option<Json<crate::api::TriggerRequest>>,
) -> Result<(StatusCode, Json<crate::api::TriggerResponse>), ApiError> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    let answer = m.trigger(&workflow, &req.params).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(serde::Deserialize)]
struct FiresQuery {
    #[serde(default)]
    limit: Option<usize>,
}

async fn fires(
    State(m): AppState,
    Path(workflow): Path<String>,
    Query(q): Query<FiresQuery>,
) -> ApiResult<Vec<crate::model::FireRecord>> {
    m.fires(&workflow, q.limit.unwrap_or(20)).map(Json)
}

async fn reload(State(m): AppState) -> Json<crate::api::ReloadResponse> {
    Json(m.reload())
}

async fn add(
    State(m): AppState,
    Json(req): Json<crate::api::AddRequest>,
) -> Result<(StatusCode, Json<crate::api::AddResponse>), ApiError> {
    let answer = m.add(req)?;
    Ok((StatusCode::CREATED, Json(answer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let token = "0123456789abcdef0123456789abcdef";
        for scheme in ["Bearer", "bearer", "BEARER"] {
            assert!(bearer_matches(&format!("{scheme} {token}"), token));
        }
        assert!(!bearer_matches(&format!("Basic {token}"), token));
        assert!(!bearer_matches("Bearer wrong", token));
        assert!(!bearer_matches(token, token));
    }

    #[test]
    fn failed_token_attempts_lock_a_peer_out() {
        let guard = TokenGuard::new("t");
        let ip: IpAddr = [10, 0, 0, 1].into();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(!guard.locked(ip, now));
            guard.failed(ip, now);
        }
        assert!(guard.locked(ip, now));
        assert!(!guard.locked(ip, now + LOCKOUT + Duration::from_secs(1)));
        assert!(!guard.locked([10, 0, 0, 2].into(), now));
    }
}
