//! The attach endpoint of a foreground `weft run`: its interactive tasks
//! run in that process (no daemon), so it serves the daemon's attach
//! protocol and `weft send`'s input route for its own run, on a socket of
//! its own in the runtime dir (`run-<id>.sock`, 0600). `weft attach` and
//! `weft send` resolve the run in the store and use that socket when it
//! answers; a socket left by a killed run does not answer and is
//! replaced or ignored. Same wire as the daemon's (frozen: `api::Frame`).

use crate::api::{ApiError, ErrorCode, InputRequest};
use crate::exec::PtyRegistry;
use crate::model::{RunId, TaskName};
use crate::paths::Paths;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the foreground run `run` listens for attaches.
pub fn run_socket_path(paths: &Paths, run: &RunId) -> PathBuf {
    paths.runtime_dir.join(format!("run-{run}.sock"))
}

/// What the endpoint serves: one run's PTYs.
#[derive(Clone)]
struct Host {
    run: RunId,
    registry: Arc<PtyRegistry>,
    interactive: Arc<HashSet<TaskName>>,
}

impl Host {
    fn pty(&self, run: &str, task: &str) -> Result<Arc<crate::exec::PtySession>, ApiError> {
        if run != self.run.as_str() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("this socket serves run {}, not `{run}`", self.run),
            ));
        }
        let name = TaskName::new(task);
        if let Some(session) = self.registry.get(&self.run, &name) {
            return Ok(session);
        }
        if !self.interactive.contains(&name) {
            return Err(ApiError::new(
                ErrorCode::NotInteractive,
                format!("task `{task}` is not interactive: it has no terminal to attach to"),
            )
            .hint("follow its output with `weft logs -f RUN TASK`"));
        }
        Err(ApiError::new(
            ErrorCode::Conflict,
            format!("task `{task}` of run {} is not running now", self.run),
        )
        .hint("it has not started yet, or it has ended; see `weft show`"))
    }
}

/// A bound endpoint; serving stops and the socket goes when it drops.
pub struct RunHost {
    socket: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RunHost {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Binds the run's socket and serves it in the background (on the
/// current tokio runtime).
pub fn host(
    paths: &Paths,
    run: RunId,
    registry: Arc<PtyRegistry>,
    interactive: HashSet<TaskName>,
) -> std::io::Result<RunHost> {
    let socket = run_socket_path(paths, &run);
    std::fs::create_dir_all(&paths.runtime_dir)?;
    let _ = std::fs::set_permissions(&paths.runtime_dir, std::fs::Permissions::from_mode(0o700));
    // A run id is new: a socket of that name is a leftover.
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket)?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    let state = Host {
        run,
        registry,
        interactive: Arc::new(interactive),
    };
    let app = Router::new()
        .route("/v1/runs/{run}/tasks/{task}/attach", get(attach))
        .route("/v1/runs/{run}/tasks/{task}/input", post(input))
        .with_state(state);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(RunHost { socket, task })
}

#[derive(serde::Deserialize)]
struct AttachQuery {
    #[serde(default)]
    read_only: bool,
}

async fn attach(
    State(host): State<Host>,
    Path((run, task)): Path<(String, String)>,
    Query(q): Query<AttachQuery>,
    mut request: Request,
) -> Response {
    let session = match host.pty(&run, &task) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            super::attach::serve(hyper_util::rt::TokioIo::new(upgraded), session, q.read_only)
                .await;
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("connection", "upgrade")
        .header("upgrade", crate::api::ATTACH_PROTOCOL)
        .body(axum::body::Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn input(
    State(host): State<Host>,
    Path((run, task)): Path<(String, String)>,
    Json(req): Json<InputRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let session = host.pty(&run, &task)?;
    super::attach::type_into(&session, req, &task).map(Json)
}
