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
    /// Why the store refuses writes (a full disk, say), while it does;
    /// runs wait for it and go on or end recorded once it takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
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

/// Headers of `.../log?format=raw`, whose body is the log's lines as its
/// file holds them (`<time> <o|e|w|t> <text>`).
pub const RAW_ATTEMPT: &str = "weft-log-attempt";
pub const RAW_NEXT: &str = "weft-log-next-offset";
pub const RAW_MORE: &str = "weft-log-more";

/// A piece of a log read with `format=raw`.
#[derive(Clone, Debug, PartialEq)]
pub struct RawLog {
    pub attempt: u32,
    /// Complete lines, time stamps and stream tags included.
    pub text: String,
    pub next_offset: u64,
    pub more: bool,
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

/// `GET /v1/workflows`: a workflow file the daemon loaded from its
/// `workflow_dirs`, valid or not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowInfo {
    /// Its `name:` (the file name for a file too broken to have one).
    pub name: String,
    pub file: String,
    pub description: Option<String>,
    pub valid: bool,
    /// The problems, rendered as `weft validate` prints them.
    pub diagnostics: Option<String>,
    pub params: Vec<ParamInfo>,
    pub overlap: String,
    pub catchup: String,
    /// Its schedules are paused (`weft schedule pause`).
    pub paused: bool,
    pub schedules: Vec<ScheduleInfo>,
    /// Runs waiting for the previous one (`overlap: queue`).
    pub queued: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamInfo {
    pub name: String,
    /// `string`, `int`, `float` or `bool`.
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub default: Option<serde_json::Value>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleInfo {
    /// Names the schedule in the store (`cron:0 3 * * *@UTC`).
    pub key: String,
    /// As written: `0 3 * * 1-5`, `every 15m`, `at 2026-12-01T08:00:00Z`.
    pub expression: String,
    /// In words.
    pub description: String,
    /// `cron` and `at` only; `local` is the daemon's zone.
    pub timezone: Option<String>,
    /// The next few fires (milliseconds since the epoch); none when paused.
    pub next: Vec<crate::model::Millis>,
    /// Its latest fire and what became of it.
    pub last: Option<crate::store::FireRecord>,
}

/// `POST /v1/workflows/{workflow}/trigger`: fire a workflow now.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TriggerRequest {
    #[serde(default)]
    pub params: Vec<(String, String)>,
}

/// `POST /v1/workflows/{workflow}/trigger`: the fire and its run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TriggerResponse {
    pub outcome: crate::store::FireOutcome,
    pub run: Option<RunId>,
}

/// `POST /v1/add`: an ad-hoc one-task run (`weft add`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AddRequest {
    /// The shell command line.
    pub command: String,
    /// The workflow name its run is listed under.
    pub name: String,
    /// Where it runs (absolute).
    pub dir: String,
    /// Start once this run (id, prefix or workflow name; or a queued run's
    /// id) has ended, whatever its result.
    #[serde(default)]
    pub after: Option<String>,
}

/// `POST /v1/add`: the run's id, chosen at once even when it waits.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AddResponse {
    pub run: RunId,
    /// It waits for this run.
    pub after: Option<RunId>,
}

/// `POST /v1/reload`: the workflow files after a rescan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReloadResponse {
    pub workflows: u32,
    pub invalid: u32,
}
