//! The read models every view shares: a run as `weft ps` lists it, a run
//! with its tasks and attempts as `weft show` prints it, and a schedule's
//! fires. The store gives them back, the API carries them, the dashboard
//! and `--json` show them. Frozen format: `weft show --json`, `weft ps
//! --json` and `weft schedule ls --json` print these.

use super::{
    AttemptNo, AttemptOutcome, Millis, RunId, RunStatus, TaskName, TaskStatus, Trigger, When,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: RunId,
    pub workflow: String,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub retry_of: Option<RunId>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
    pub tasks_total: u32,
    pub tasks_done: u32,
    pub tasks_failed: u32,
    /// Tasks ready to start that wait (for a concurrency slot), while the
    /// run goes on.
    #[serde(default)]
    pub tasks_waiting: u32,
    /// Why the first of them waits: `waiting for a slot, 2 of 2 in use`.
    #[serde(default)]
    pub waiting: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub summary: RunSummary,
    pub file: String,
    pub params: serde_json::Value,
    #[serde(skip)]
    pub source: String,
    pub owner_pid: Option<u32>,
    /// `-j` when it was given.
    #[serde(skip)]
    pub concurrency: Option<u32>,
    pub tasks: Vec<TaskRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub name: TaskName,
    /// The tasks it needs.
    #[serde(default)]
    pub needs: Vec<TaskName>,
    /// Its `when:`: `success`, `failure` or `always`.
    #[serde(default)]
    pub when: When,
    /// Runs in a PTY one can attach to. Known while its daemon drives
    /// the run (the dashboard offers its terminal then).
    #[serde(default)]
    pub interactive: bool,
    pub status: TaskStatus,
    pub reason: Option<String>,
    /// Why it is ready but has not started, while the run goes on:
    /// `waiting for a slot, 2 of 2 in use`.
    #[serde(default)]
    pub waiting: Option<String>,
    pub reused_from: Option<RunId>,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub attempts: Vec<AttemptRecord>,
    pub outputs: Vec<(String, String)>,
}

impl TaskRecord {
    /// The exit code of the last attempt, when it has one.
    pub fn exit_code(&self) -> Option<i32> {
        self.attempts.last()?.outcome.as_ref()?.exit_code()
    }

    /// Its status in words, with why it waits when it does:
    /// `pending: waiting for a slot, 2 of 2 in use`.
    pub fn status_text(&self) -> String {
        match &self.waiting {
            Some(why) => format!("{}: {why}", self.status),
            None => self.status.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub attempt: AttemptNo,
    pub pid: Option<u32>,
    /// The kernel's start time of `pid`, to tell it from a reused pid.
    #[serde(skip)]
    pub pid_start: Option<u64>,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
    /// `None` while it runs.
    pub outcome: Option<AttemptOutcome>,
    pub log: String,
}

/// What a fire did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FireOutcome {
    /// Its run started (or starts, right after the record is written).
    Started,
    /// Its run waits for the previous one (`overlap: queue`).
    Queued,
    /// The previous run was still going (`overlap: skip`).
    Skipped,
    /// Its run could not start (see `error`).
    Failed,
}

impl FireOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FireOutcome::Started => "started",
            FireOutcome::Queued => "queued",
            FireOutcome::Skipped => "skipped",
            FireOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<FireOutcome> {
        [
            FireOutcome::Started,
            FireOutcome::Queued,
            FireOutcome::Skipped,
            FireOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fire {
    pub workflow: String,
    /// The schedule's key, or `trigger`.
    pub schedule: String,
    pub fire_at: Millis,
    pub outcome: FireOutcome,
    pub run: Option<RunId>,
    /// Params given with `weft schedule trigger -p` (none for a schedule).
    #[serde(default)]
    pub params: Vec<(String, String)>,
}

/// A fire with what became of its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FireRecord {
    #[serde(flatten)]
    pub fire: Fire,
    pub recorded_at: Millis,
    pub error: Option<String>,
    /// The status of its run, when it has one in the store.
    pub run_status: Option<RunStatus>,
}
