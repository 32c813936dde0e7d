//! What the store takes and gives back. Frozen format: `weft show --json` and
//! `weft ps --json` print these.

use crate::model::{
    AttemptNo, AttemptOutcome, Millis, RunId, RunStatus, TaskName, TaskStatus, Trigger, When,
};
use serde::{Deserialize, Serialize};

/// The process that drives a run, so a dead one can be told from a live one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    pub start: Option<u64>,
    pub host: String,
    /// A daemon's runs are resumed by the next daemon when it dies.
    pub daemon: bool,
}

impl Owner {
    /// This process, a foreground `weft run`.
    pub fn this_process() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: crate::sys::process_start_time(pid),
            host: crate::sys::hostname(),
            daemon: false,
        }
    }

    /// This process, as a daemon.
    pub fn this_daemon() -> Owner {
        Owner {
            daemon: true,
            ..Owner::this_process()
        }
    }
}

/// A run a dead or stopped daemon left, for the next daemon to resume.
#[derive(Clone, Debug, PartialEq)]
pub struct Resumable {
    pub run: RunId,
    /// The daemon was stopped on purpose: its stopped attempts do not count.
    pub graceful: bool,
}

#[derive(Clone, Debug)]
pub struct NewRun {
    pub id: RunId,
    pub workflow: String,
    pub file: String,
    pub source: String,
    pub params: serde_json::Value,
    pub trigger: Trigger,
    pub retry_of: Option<RunId>,
    pub tasks: Vec<NewTask>,
    pub owner: Owner,
    pub created_at: Millis,
    /// `-j` when it was given (a resumed run keeps it).
    pub concurrency: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct NewTask {
    pub name: TaskName,
    /// The tasks it needs (for showing the graph).
    pub needs: Vec<TaskName>,
    /// Its `when:` (the graph marks the needs of a `failure`/`always` task).
    pub when: When,
    /// Set when a retry takes this task's success from an earlier run.
    pub reused: Option<ReusedTask>,
}

#[derive(Clone, Debug)]
pub struct ReusedTask {
    pub from: RunId,
    pub outputs: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    pub workflow: Option<String>,
    pub status: Option<RunStatus>,
    /// Only runs created at or after this time.
    pub since: Option<Millis>,
    /// Only runs still going (running or paused, and queued ones when
    /// `queued` says so).
    pub active: bool,
    /// Also list the runs waiting in the queue (`overlap: queue`, `weft add
    /// --after`) as `queued`, before the others, on the first page.
    pub queued: bool,
    /// Skip this many of the newest matches (for paging).
    pub offset: usize,
    /// At most this many (0: all).
    pub limit: usize,
}

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
