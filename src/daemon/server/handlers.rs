//! The API's routes, one handler each: runs, events, attach and input,
//! task logs, schedules and the queue.

use super::*;
pub(super) async fn status(State(m): AppState) -> Json<crate::api::DaemonStatus> {
    Json(m.status())
}

pub(super) async fn list_runs(
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

pub(super) async fn submit(
    State(m): AppState,
    Json(req): Json<SubmitRequest>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    req.check()?;
    let run = m.submit(req)?;
    Ok((StatusCode::CREATED, Json(SubmitResponse { run })))
}

pub(super) async fn show_run(
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

pub(super) async fn wait_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::api::RunState> {
    m.wait(&run).await.map(Json)
}

pub(super) async fn cancel_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::api::RunState> {
    m.cancel(&run).await.map(Json)
}

pub(super) async fn pause_run(
    State(m): AppState,
    Path(run): Path<String>,
    body: Option<Json<PauseRequest>>,
) -> ApiResult<crate::api::RunState> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    m.pause(&run, req.signal).await.map(Json)
}

pub(super) async fn resume_run(
    State(m): AppState,
    Path(run): Path<String>,
) -> ApiResult<crate::api::RunState> {
    m.resume(&run).await.map(Json)
}

pub(super) async fn retry_run(
    State(m): AppState,
    Path(run): Path<String>,
    body: Option<Json<RetryRequest>>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    let run = m.retry(&run, req)?;
    Ok((StatusCode::CREATED, Json(SubmitResponse { run })))
}

#[derive(serde::Deserialize)]
pub(super) struct EventsQuery {
    #[serde(default)]
    follow: bool,
}

/// Newline-delimited JSON run events: live with `follow=true`, else the
/// most recent ones from the store.
pub(super) async fn events(State(m): AppState, Query(q): Query<EventsQuery>) -> Response {
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

pub(super) async fn waiting(State(m): AppState) -> Json<Vec<crate::api::WaitingTask>> {
    Json(m.waiting())
}

pub(super) async fn shutdown(State(m): AppState) -> Json<serde_json::Value> {
    m.request_stop();
    Json(serde_json::json!({"stopping": true}))
}

#[derive(serde::Deserialize)]
pub(super) struct AttachQuery {
    #[serde(default)]
    read_only: bool,
}

pub(super) fn refusal(r: crate::daemon::AttachRefusal, task: &str) -> ApiError {
    match r {
        crate::daemon::AttachRefusal::Api(e) => e,
        crate::daemon::AttachRefusal::NotInteractive => ApiError::new(
            ErrorCode::NotInteractive,
            format!("task `{task}` is not interactive: it has no terminal to attach to"),
        )
        .hint("follow its output with `weft logs -f RUN TASK`"),
    }
}

/// Upgrades the connection to the attach protocol: a repaint of the
/// task's screen, then its output live; input and resizes the other way.
pub(super) async fn attach(
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
                crate::daemon::attach::serve(
                    hyper_util::rt::TokioIo::new(upgraded),
                    session,
                    q.read_only,
                )
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
pub(super) async fn input(
    State(m): AppState,
    Path((run, task)): Path<(String, String)>,
    Json(req): Json<crate::api::InputRequest>,
) -> ApiResult<serde_json::Value> {
    let (_, session) = m.pty(&run, &task).map_err(|r| refusal(r, &task))?;
    crate::daemon::attach::type_into(&session, req, &task).map(Json)
}

#[derive(serde::Deserialize)]
pub(super) struct LogQuery {
    #[serde(default)]
    offset: u64,
    /// Bytes of log at most per answer.
    max: Option<usize>,
    /// `raw`: the log file's lines as text, the rest in headers.
    format: Option<String>,
}

use crate::api::{RAW_ATTEMPT, RAW_MORE, RAW_NEXT};

/// Log bytes per answer unless the client asks for another size.
pub(super) const LOG_CHUNK: usize = 1 << 20;

/// The lines of a task's latest attempt after a byte offset: poll it to
/// follow the log.
pub(super) async fn task_log(
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

pub(super) async fn workflows(State(m): AppState) -> ApiResult<Vec<crate::api::WorkflowInfo>> {
    m.workflows().map(Json)
}

pub(super) async fn pause_schedules(
    State(m): AppState,
    Path(workflow): Path<String>,
) -> ApiResult<serde_json::Value> {
    m.set_paused(&workflow, true)?;
    Ok(Json(
        serde_json::json!({"workflow": workflow, "paused": true}),
    ))
}

pub(super) async fn resume_schedules(
    State(m): AppState,
    Path(workflow): Path<String>,
) -> ApiResult<serde_json::Value> {
    m.set_paused(&workflow, false)?;
    Ok(Json(
        serde_json::json!({"workflow": workflow, "paused": false}),
    ))
}

pub(super) async fn trigger(
    State(m): AppState,
    Path(workflow): Path<String>,
    body: Option<Json<crate::api::TriggerRequest>>,
) -> Result<(StatusCode, Json<crate::api::TriggerResponse>), ApiError> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    let answer = m.trigger(&workflow, &req.params).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(serde::Deserialize)]
pub(super) struct FiresQuery {
    #[serde(default)]
    limit: Option<usize>,
}

pub(super) async fn fires(
    State(m): AppState,
    Path(workflow): Path<String>,
    Query(q): Query<FiresQuery>,
) -> ApiResult<Vec<crate::model::FireRecord>> {
    m.fires(&workflow, q.limit.unwrap_or(20)).map(Json)
}

pub(super) async fn reload(State(m): AppState) -> Json<crate::api::ReloadResponse> {
    Json(m.reload())
}

pub(super) async fn add(
    State(m): AppState,
    Json(req): Json<crate::api::AddRequest>,
) -> Result<(StatusCode, Json<crate::api::AddResponse>), ApiError> {
    let answer = m.add(req)?;
    Ok((StatusCode::CREATED, Json(answer)))
}
