//! Request and response types of the daemon's API, and its errors. Every
//! error crosses the wire as `{code, message, hint}`. Frozen format.

use crate::model::{RunId, RunStatus};
use serde::{Deserialize, Serialize};

/// The header both sides send with their version; a client and a daemon of
/// different versions refuse each other with a plain message.
pub const VERSION_HEADER: &str = "weft-version";

/// This build's version, as sent in `VERSION_HEADER`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// An error as the API reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// Stable, machine-readable: `not_found`, `ambiguous`, `invalid_workflow`,
    /// `version_mismatch`, `bad_request`, `conflict`, `store`, `unauthorized`.
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.to_string(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }

    /// The HTTP status that goes with the code.
    pub fn status(&self) -> u16 {
        match self.code.as_str() {
            "not_found" => 404,
            "ambiguous" | "bad_request" | "invalid_workflow" => 400,
            "version_mismatch" => 426,
            "conflict" => 409,
            "unauthorized" => 401,
            _ => 500,
        }
    }
}

/// `GET /v1/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub version: String,
    pub pid: u32,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub socket: String,
    /// Runs this daemon is driving now.
    pub running: Vec<RunId>,
}

/// `POST /v1/runs`: start a workflow. The client sends the file's text so
/// the daemon runs exactly what the client validated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmitRequest {
    /// Absolute path of the workflow file (tasks run in its folder).
    pub file: String,
    pub source: String,
    /// `-p key=value` pairs, in order.
    #[serde(default)]
    pub params: Vec<(String, String)>,
    #[serde(default)]
    pub concurrency: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmitResponse {
    pub run: RunId,
}

/// `POST /v1/runs/{run}/pause`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PauseRequest {
    /// Also stop running tasks with SIGSTOP (resumed with SIGCONT).
    #[serde(default)]
    pub signal: bool,
}

/// `POST /v1/runs/{run}/retry`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RetryRequest {
    #[serde(default)]
    pub from: Option<String>,
}

/// The answer of `cancel`, `pause`, `resume` and `wait`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunState {
    pub run: RunId,
    pub status: RunStatus,
}

/// Query of `GET /v1/runs`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunsQuery {
    pub workflow: Option<String>,
    pub status: Option<String>,
    pub limit: Option<usize>,
    /// Skip this many of the newest (for paging).
    pub offset: Option<usize>,
    /// Only runs still going (running or paused).
    pub active: Option<bool>,
}

/// `GET /v1/waiting`: interactive tasks waiting for input now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitingTask {
    pub run: RunId,
    pub task: crate::model::TaskName,
}

/// `GET /v1/runs/{run}/tasks/{task}/log?offset=N[&max=BYTES]`: the lines of
/// a task's latest attempt written after byte `offset` of its log, at most
/// about `max` bytes of it (default 1 MiB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogChunk {
    pub attempt: u32,
    pub lines: Vec<crate::store::LogLine>,
    /// Where the next request starts.
    pub next_offset: u64,
    /// More lines are waiting already: ask again at once.
    #[serde(default)]
    pub more: bool,
}
