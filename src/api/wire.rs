//! Request and response types of the daemon's API, and its errors. Every
//! error crosses the wire as `{code, message, hint}`. Frozen format.

use crate::model::{RunId, RunStatus};
use serde::{Deserialize, Serialize};

/// The header both sides send with their version; a client and a daemon of
/// different versions refuse each other with a plain message.
pub const VERSION_HEADER: &str = "weft-version";

/// This build's version, as sent in `VERSION_HEADER`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The longest Unix socket path, in bytes (`sun_path` less its NUL).
#[cfg(target_os = "linux")]
pub const SOCKET_PATH_MAX: usize = 107;
#[cfg(not(target_os = "linux"))]
pub const SOCKET_PATH_MAX: usize = 103;

/// The stable, machine-readable code of an API error, and its HTTP status.
/// Serialised as snake_case here and nowhere else; docs/json.md lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No such run, task, workflow or route.
    NotFound,
    /// A run-id prefix matching several runs.
    Ambiguous,
    /// A workflow file that does not validate.
    InvalidWorkflow,
    /// Malformed JSON, a bad query string or a bad field value.
    BadRequest,
    /// Well-formed JSON of the wrong shape (a missing field, a wrong type).
    InvalidBody,
    /// A body that is not `application/json`.
    UnsupportedMediaType,
    /// A body over the daemon's limit.
    PayloadTooLarge,
    /// The route exists, the method does not.
    MethodNotAllowed,
    /// The task has no terminal (attach, `weft send`).
    NotInteractive,
    /// The run's state forbids the request now.
    Conflict,
    /// The daemon is stopping and suspended the run.
    Suspended,
    /// Client and daemon are different versions.
    VersionMismatch,
    /// The TCP listener needs its token.
    Unauthorized,
    /// Too many failed token attempts from this peer.
    RateLimited,
    /// The request did not arrive in time.
    Timeout,
    /// The store failed (disk, database).
    Store,
    /// A code this build does not know (a newer daemon's).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::NotFound => 404,
            ErrorCode::Ambiguous
            | ErrorCode::BadRequest
            | ErrorCode::InvalidWorkflow
            | ErrorCode::NotInteractive => 400,
            ErrorCode::InvalidBody => 422,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Timeout => 408,
            ErrorCode::VersionMismatch => 426,
            ErrorCode::Conflict | ErrorCode::Suspended => 409,
            ErrorCode::Unauthorized => 401,
            ErrorCode::RateLimited => 429,
            ErrorCode::Store | ErrorCode::Unknown => 500,
        }
    }

    /// Its wire name (`not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Ambiguous => "ambiguous",
            ErrorCode::InvalidWorkflow => "invalid_workflow",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotInteractive => "not_interactive",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Suspended => "suspended",
            ErrorCode::VersionMismatch => "version_mismatch",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Store => "store",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// Every code, for docs and tests.
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::NotFound,
        ErrorCode::Ambiguous,
        ErrorCode::InvalidWorkflow,
        ErrorCode::BadRequest,
        ErrorCode::InvalidBody,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::NotInteractive,
        ErrorCode::Conflict,
        ErrorCode::Suspended,
        ErrorCode::VersionMismatch,
        ErrorCode::Unauthorized,
        ErrorCode::RateLimited,
        ErrorCode::Timeout,
        ErrorCode::Store,
        ErrorCode::Unknown,
    ];
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the API reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
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
        self.code.status()
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

impl SubmitRequest {
    /// Refuses a `file` the daemon cannot run in: empty, relative, or
    /// holding a NUL byte.
    pub fn check(&self) -> Result<(), ApiError> {
        let refuse = |why: &str| {
            Err(ApiError::new(
                ErrorCode::BadRequest,
                format!("`file` {why}: {:?}", self.file),
            )
            .hint("send the workflow file's absolute path"))
        };
        if self.file.is_empty() {
            return refuse("is empty");
        }
        if self.file.contains('\0') {
            return refuse("holds a NUL byte");
        }
        if !std::path::Path::new(&self.file).is_absolute() {
            return refuse("is not an absolute path");
        }
        Ok(())
    }
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
    pub lines: Vec<crate::logs::LogLine>,
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
    pub last: Option<crate::model::FireRecord>,
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
    pub outcome: crate::model::FireOutcome,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).expect("parses");
            assert_eq!(back, code);
        }
        let newer: ErrorCode = serde_json::from_str("\"from_the_future\"").expect("parses");
        assert_eq!(newer, ErrorCode::Unknown);
    }

    #[test]
    fn submit_refuses_bad_files() {
        let req = |file: &str| SubmitRequest {
            file: file.to_string(),
            source: String::new(),
            params: Vec::new(),
            concurrency: None,
        };
        for bad in ["", "relative/wf.yaml", "/tmp/a\0b.yaml"] {
            let e = req(bad).check().expect_err(bad);
            assert_eq!(e.code, ErrorCode::BadRequest, "{bad:?}");
        }
        assert!(req("/tmp/wf.yaml").check().is_ok());
    }
}
