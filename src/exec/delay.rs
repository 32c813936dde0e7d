//! `delay:` tasks: wait, then succeed; cancellation ends the wait at once.

use super::{Action, Executor, Job, StartError, Started};
use crate::logs::{LogWriter, Stream};
use crate::model::AttemptOutcome;

pub struct DelayExecutor;

impl Executor for DelayExecutor {
    fn start(&self, job: Job) -> Result<Started, (StartError, LogWriter)> {
        let Action::Delay(wait) = job.action else {
            return Err((StartError("not a delay".into()), job.log));
        };
        let mut log = job.log;
        let mut cancel = job.cancel;
        let timeout = job.timeout;
        let done = async move {
            let _ = log.line(Stream::Weft, format!("waiting {wait:?}").as_bytes());
            let _ = log.flush();
            let limit = timeout.unwrap_or(wait).min(wait);
            tokio::select! {
                _ = tokio::time::sleep(limit) => {
                    if limit < wait {
                        AttemptOutcome::TimedOut { after_ms: limit.as_millis() as u64 }
                    } else {
                        AttemptOutcome::Exited { code: 0 }
                    }
                }
                _ = async { let _ = cancel.wait_for(|c| *c).await; } => AttemptOutcome::Cancelled,
            }
        };
        Ok(Started {
            pid: None,
            pid_start: None,
            done: Box::pin(done),
        })
    }
}
