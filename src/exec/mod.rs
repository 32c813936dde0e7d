//! Executors: what turns a rendered task into a running attempt and reports
//! how it ended. Each process runs in its own process group, so timeouts and
//! cancellation stop the whole tree (SIGTERM, a grace period, SIGKILL).
//! Must not depend on the engine, the store's database, or anything above;
//! never prints (task output goes to the attempt's log file).

mod command;
mod delay;
mod interactive;
mod process;
mod pty;

pub use command::{Action, find_on, find_program, shell_command};
pub use delay::DelayExecutor;
pub use interactive::{PtyExecutor, PtyRegistry};
pub use process::ProcessExecutor;
pub use pty::{PtyClient, PtyError, PtySession, PtySpec, Subscription, TermSize};

use crate::logs::LogWriter;
use crate::model::AttemptOutcome;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::watch;

/// Everything an executor needs to run one attempt.
pub struct Job {
    pub action: Action,
    /// Added to (or replacing in) the environment weft itself runs with.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub log: LogWriter,
    pub timeout: Option<Duration>,
    /// Time between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Becomes `true` when the run is cancelled.
    pub cancel: watch::Receiver<bool>,
}

/// A started attempt: its process (when it has one) and how it will end.
pub struct Started {
    pub pid: Option<u32>,
    pub pid_start: Option<u64>,
    pub done: Pin<Box<dyn Future<Output = AttemptOutcome> + Send>>,
}

/// Why an attempt could not start, in words for the log and `weft show`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// One way of running a task; `process` and `delay` now, PTYs later.
pub trait Executor: Send + Sync {
    fn start(&self, job: Job) -> Result<Started, (StartError, LogWriter)>;
}

/// How a process that exited by itself ended.
pub(crate) fn exited(status: std::process::ExitStatus) -> AttemptOutcome {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => AttemptOutcome::Exited { code },
        (None, Some(signal)) => AttemptOutcome::Signalled { signal },
        (None, None) => AttemptOutcome::Exited { code: -1 },
    }
}

/// Notes a timeout in the attempt's log and returns its outcome.
pub(crate) fn timed_out(log: &mut LogWriter, after: Duration) -> AttemptOutcome {
    let after_ms = after.as_millis() as u64;
    let _ = log.line(
        crate::logs::Stream::Weft,
        format!(
            "timed out after {}; stopped the task and its child processes",
            crate::model::format_duration_ms(after_ms)
        )
        .as_bytes(),
    );
    AttemptOutcome::TimedOut { after_ms }
}
