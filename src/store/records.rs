//! What the store takes: new runs and tasks, owners, filters. What it
//! gives back, the read models, live in `model::view`.

use crate::model::{Millis, RunId, RunStatus, TaskName, Trigger, When};
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
