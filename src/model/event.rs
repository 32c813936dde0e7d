//! Run events: everything that happens to a run, in the order it happens.
//! The engine publishes them; the store, the progress display and `--json`
//! consume them. Frozen format: `weft run --json` prints these as JSON lines.

use super::{AttemptNo, Millis, RunId, RunStatus, TaskName, TaskStatus};
use serde::{Deserialize, Serialize};

/// One thing that happened to a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub run: RunId,
    /// When it happened, in ms since the Unix epoch.
    pub at: Millis,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    RunStarted {
        workflow: String,
        tasks: Vec<TaskName>,
    },
    AttemptStarted {
        task: TaskName,
        attempt: AttemptNo,
        /// The process id, absent for tasks without a process (`delay:`).
        pid: Option<u32>,
        /// Start time of that process as the kernel counts it, to tell a
        /// reused pid from the original process.
        pid_start: Option<u64>,
        log: String,
    },
    AttemptFinished {
        task: TaskName,
        attempt: AttemptNo,
        outcome: AttemptOutcome,
    },
    TaskRetrying {
        task: TaskName,
        next_attempt: AttemptNo,
        delay_ms: u64,
    },
    TaskFinished {
        task: TaskName,
        status: TaskStatus,
        /// Why a task was skipped, failed or cancelled, in words.
        reason: Option<String>,
        /// The outputs it wrote, in the order written (succeeded tasks only).
        outputs: Vec<(String, String)>,
    },
    RunFinished {
        status: RunStatus,
    },
    /// A task ready to start waits: every concurrency slot of the run is
    /// taken. `reason` says so in words (`waiting for a slot, 2 of 2 in
    /// use`); the wait ends when the task starts or finishes.
    TaskWaiting {
        task: TaskName,
        reason: String,
        /// Slots taken, and the run's slots (its `-j`/`concurrency`).
        in_use: u32,
        slots: u32,
    },
    /// No new task starts; with `stopped`, running ones got SIGSTOP.
    RunPaused {
        stopped: bool,
    },
    RunResumed,
    /// The daemon stopped driving it; the next daemon resumes it.
    RunSuspended,
}

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AttemptOutcome {
    Exited {
        code: i32,
    },
    Signalled {
        signal: i32,
    },
    TimedOut {
        after_ms: u64,
    },
    Cancelled,
    /// It exited 0 but its `$WEFT_OUTPUT` file could not be read.
    BadOutput {
        message: String,
    },
    /// The weft process that watched it died; its result is unknown.
    Interrupted,
    /// Stopped because its daemon was stopped; it runs again when the daemon
    /// starts, and does not count against its retries.
    Stopped,
    /// It never ran: a missing program or interpreter, a bad working dir, a
    /// template that failed to render.
    FailedToStart {
        message: String,
    },
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        matches!(self, AttemptOutcome::Exited { code: 0 })
    }

    /// The exit code, as a shell would report it (128+signal for signals).
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            AttemptOutcome::Exited { code } => Some(*code),
            AttemptOutcome::Signalled { signal } => Some(128 + signal),
            AttemptOutcome::FailedToStart { .. } => Some(127),
            _ => None,
        }
    }

    /// A short human description: "exit 3", "killed by signal 9", "timed out after 2s".
    pub fn describe(&self) -> String {
        match self {
            AttemptOutcome::Exited { code } => format!("exit {code}"),
            AttemptOutcome::Signalled { signal } => format!("killed by signal {signal}"),
            AttemptOutcome::TimedOut { after_ms } => {
                format!(
                    "timed out after {}",
                    crate::model::format_duration_ms(*after_ms)
                )
            }
            AttemptOutcome::Cancelled => "cancelled".to_string(),
            AttemptOutcome::BadOutput { message } => format!("bad outputs: {message}"),
            AttemptOutcome::Stopped => "stopped with the daemon".to_string(),
            AttemptOutcome::Interrupted => "interrupted (weft stopped watching it)".to_string(),
            AttemptOutcome::FailedToStart { message } => format!("failed to start: {message}"),
        }
    }
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::RunStarted { .. } => "run_started",
            EventKind::AttemptStarted { .. } => "attempt_started",
            EventKind::AttemptFinished { .. } => "attempt_finished",
            EventKind::TaskRetrying { .. } => "task_retrying",
            EventKind::TaskFinished { .. } => "task_finished",
            EventKind::RunFinished { .. } => "run_finished",
            EventKind::TaskWaiting { .. } => "task_waiting",
            EventKind::RunPaused { .. } => "run_paused",
            EventKind::RunResumed => "run_resumed",
            EventKind::RunSuspended => "run_suspended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_flat_with_an_event_tag() {
        let e = RunEvent {
            run: RunId::from_string("abc"),
            at: 5,
            kind: EventKind::AttemptFinished {
                task: TaskName::new("build"),
                attempt: 2,
                outcome: AttemptOutcome::Exited { code: 3 },
            },
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"run":"abc","at":5,"event":"attempt_finished","task":"build","attempt":2,"outcome":{"result":"exited","code":3}}"#
        );
        let back: RunEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
