//! Interactive tasks: an executor that runs a task in a PTY session and
//! registers it, so the daemon can attach terminals to it while it runs.
//! Timeouts and cancellation stop its whole session (SIGTERM, the grace
//! period, SIGKILL), as for any process.

use super::pty::{PtySession, PtySpec, TermSize};
use super::{Action, Executor, Job, StartError, Started};
use crate::logs::LogWriter;
use crate::model::{AttemptOutcome, RunId, TaskName};
use nix::sys::signal::Signal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The PTY sessions running now, by run and task.
#[derive(Default)]
pub struct PtyRegistry {
    sessions: Mutex<HashMap<(RunId, TaskName), Arc<PtySession>>>,
}

impl PtyRegistry {
    pub fn get(&self, run: &RunId, task: &TaskName) -> Option<Arc<PtySession>> {
        self.lock().get(&(run.clone(), task.clone())).cloned()
    }

    /// Every session with its run and task.
    pub fn all(&self) -> Vec<(RunId, TaskName, Arc<PtySession>)> {
        self.lock()
            .iter()
            .map(|((r, t), s)| (r.clone(), t.clone(), s.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(RunId, TaskName), Arc<PtySession>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs one attempt in a PTY and registers it under `(run, task)`.
pub struct PtyExecutor {
    pub registry: Arc<PtyRegistry>,
    pub run: RunId,
    pub task: TaskName,
    pub size: TermSize,
}

impl Executor for PtyExecutor {
    fn start(&self, job: Job) -> Result<Started, (StartError, LogWriter)> {
        let Action::Process { program, args } = job.action else {
            return Err((StartError("a delay cannot be interactive".into()), job.log));
        };
        let spec = PtySpec {
            program,
            args,
            env: job.env,
            cwd: job.cwd,
            size: self.size,
            log: job.log,
        };
        let session = PtySession::spawn(spec).map_err(|(e, log)| (StartError::from(e), log))?;
        let key = (self.run.clone(), self.task.clone());
        self.registry.lock().insert(key.clone(), session.clone());
        let registry = self.registry.clone();
        let pid = session.pid();
        let timeout = job.timeout;
        let grace = job.grace;
        let mut cancel = job.cancel;
        let done = async move {
            enum Ended {
                Exited,
                TimedOut,
                Cancelled,
            }
            let deadline = async {
                match timeout {
                    Some(t) => tokio::time::sleep(t).await,
                    None => std::future::pending().await,
                }
            };
            let ended = tokio::select! {
                _ = session.wait() => Ended::Exited,
                _ = deadline => Ended::TimedOut,
                _ = async { let _ = cancel.wait_for(|c| *c).await; } => Ended::Cancelled,
            };
            if !matches!(ended, Ended::Exited) {
                let _ = session.kill_group(Signal::SIGTERM);
                if tokio::time::timeout(grace, session.wait()).await.is_err() {
                    let _ = session.kill_group(Signal::SIGKILL);
                }
            }
            let status = session.wait().await;
            // Let the reader drain what is left into the log.
            let _ = tokio::time::timeout(Duration::from_secs(2), session.output_closed()).await;
            let outcome = match (ended, status) {
                (Ended::TimedOut, _) => {
                    super::timed_out(&mut session.log(), timeout.unwrap_or_default())
                }
                (Ended::Cancelled, _) => AttemptOutcome::Cancelled,
                (Ended::Exited, Ok(status)) => super::exited(status),
                (Ended::Exited, Err(e)) => AttemptOutcome::FailedToStart {
                    message: e.to_string(),
                },
            };
            let _ = session.log().flush();
            registry.lock().remove(&key);
            outcome
        };
        Ok(Started {
            pid: Some(pid),
            pid_start: crate::sys::process_start_time(pid),
            done: Box::pin(done),
        })
    }
}
