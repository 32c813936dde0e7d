//! The pure scheduler: which task starts, retries, is skipped or finishes,
//! given what happened. Inputs in, commands out; no tokio, no clock, no I/O,
//! so every rule here is unit-tested directly.

use crate::dag::Dag;
use crate::model::{AttemptNo, AttemptOutcome, RunStatus, TaskStatus};
use crate::workflow::When;
use std::collections::VecDeque;

/// What the scheduler needs to know about one task.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    pub when: When,
    pub allow_failure: bool,
    pub max_attempts: u32,
    /// Retry only on these exit codes (empty: any failure).
    pub retry_on: Vec<i32>,
    /// Whether it takes a concurrency slot (`delay:` and interactive tasks
    /// do not: they wait for a clock or a person, not for the machine).
    pub uses_slot: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Start,
    AttemptFinished {
        task: usize,
        attempt: AttemptNo,
        outcome: AttemptOutcome,
    },
    /// A retry's wait is over.
    RetryDue {
        task: usize,
    },
    /// The task's `if` was false when it was about to start.
    ConditionFalse {
        task: usize,
        condition: String,
    },
    Cancel,
    /// Start no new task until `Resume`.
    Pause,
    Resume,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    StartAttempt {
        task: usize,
        attempt: AttemptNo,
    },
    /// Wait (the driver picks the delay from the retry policy), then send `RetryDue`.
    ScheduleRetry {
        task: usize,
        failed_attempt: AttemptNo,
    },
    /// Stop every running attempt (cancellation).
    KillAll,
    FinishTask {
        task: usize,
        status: TaskStatus,
        reason: Option<String>,
    },
    FinishRun {
        status: RunStatus,
    },
    /// A ready task waits because every concurrency slot is taken: `in_use`
    /// of `slots`. Said once per wait (again only if the numbers change);
    /// the task's next `StartAttempt` or `FinishTask` ends the wait.
    WaitForSlot {
        task: usize,
        in_use: usize,
        slots: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    /// Waiting for dependencies.
    Blocked,
    Ready,
    Running(AttemptNo),
    /// Waiting for its next attempt.
    Retrying,
    Done(TaskStatus),
}

pub struct Scheduler {
    specs: Vec<TaskSpec>,
    names: Vec<String>,
    dag: Dag,
    state: Vec<State>,
    /// Dependencies not yet finished, per task.
    waiting_on: Vec<usize>,
    ready: VecDeque<usize>,
    attempts_started: Vec<AttemptNo>,
    running_slots: usize,
    running: usize,
    /// Per task: the `(in_use, slots)` last said in a `WaitForSlot`, while
    /// that wait lasts.
    slot_wait: Vec<Option<(usize, usize)>>,
    concurrency: usize,
    cancelled: bool,
    paused: bool,
    finished: bool,
}

impl Scheduler {
    /// `done` marks tasks already finished (a retry reuses earlier
    /// successes; a resumed run keeps what it had finished); `attempts`
    /// counts the attempts a task already made (a resumed run goes on
    /// numbering from there).
    pub fn new(
        specs: Vec<TaskSpec>,
        names: Vec<String>,
        dag: Dag,
        concurrency: usize,
        done: &[Option<TaskStatus>],
        attempts: &[AttemptNo],
    ) -> Scheduler {
        let n = specs.len();
        let state: Vec<State> = (0..n)
            .map(|i| match done.get(i).copied().flatten() {
                Some(status) => State::Done(status),
                None => State::Blocked,
            })
            .collect();
        let waiting_on = (0..n)
            .map(|i| {
                dag.needs(i)
                    .iter()
                    .filter(|&&d| !matches!(state[d], State::Done(_)))
                    .count()
            })
            .collect();
        Scheduler {
            specs,
            names,
            dag,
            state,
            waiting_on,
            ready: VecDeque::new(),
            attempts_started: (0..n)
                .map(|i| attempts.get(i).copied().unwrap_or(0))
                .collect(),
            running_slots: 0,
            running: 0,
            slot_wait: vec![None; n],
            concurrency: concurrency.max(1),
            cancelled: false,
            paused: false,
            finished: false,
        }
    }

    pub fn status(&self, task: usize) -> Option<TaskStatus> {
        match self.state[task] {
            State::Done(s) => Some(s),
            State::Running(_) => Some(TaskStatus::Running),
            State::Retrying => Some(TaskStatus::Retrying),
            _ => Some(TaskStatus::Pending),
        }
    }

    /// Whether a task failed in a way that fails the run.
    pub fn failed_hard(&self, task: usize) -> bool {
        self.state[task] == State::Done(TaskStatus::Failed) && !self.specs[task].allow_failure
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn handle(&mut self, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        match input {
            Input::Start => {
                // Tasks settled here (skipped because a need was already
                // failed or skipped when the run was resumed or retried)
                // settle their dependents exactly as a finish does.
                for t in 0..self.specs.len() {
                    if self.state[t] == State::Blocked
                        && self.waiting_on[t] == 0
                        && self.resolve_blocked(t, &mut out)
                    {
                        self.settle_dependents(t, &mut out);
                    }
                }
            }
            Input::AttemptFinished {
                task,
                attempt,
                outcome,
            } => {
                if self.state[task] != State::Running(attempt) {
                    return out;
                }
                self.release(task);
                self.attempt_finished(task, attempt, &outcome, &mut out);
            }
            Input::RetryDue { task } => {
                if self.state[task] == State::Retrying {
                    self.state[task] = State::Ready;
                    self.ready.push_back(task);
                }
            }
            Input::ConditionFalse { task, condition } => {
                if let State::Running(_) = self.state[task] {
                    self.release(task);
                    self.finish(
                        task,
                        TaskStatus::Skipped,
                        Some(format!("`if: {condition}` is false")),
                        &mut out,
                    );
                }
            }
            Input::Pause => self.paused = true,
            Input::Resume => self.paused = false,
            Input::Cancel => {
                if !self.cancelled {
                    self.cancelled = true;
                    if self.running > 0 {
                        out.push(Command::KillAll);
                    }
                    for t in 0..self.specs.len() {
                        match self.state[t] {
                            State::Blocked | State::Ready | State::Retrying => {
                                self.state[t] = State::Done(TaskStatus::Cancelled);
                                out.push(Command::FinishTask {
                                    task: t,
                                    status: TaskStatus::Cancelled,
                                    reason: Some("the run was cancelled".into()),
                                });
                            }
                            _ => {}
                        }
                    }
                    self.ready.clear();
                }
            }
        }
        self.fill(&mut out);
        self.maybe_finish_run(&mut out);
        out
    }

    fn release(&mut self, task: usize) {
        self.running -= 1;
        if self.specs[task].uses_slot {
            self.running_slots -= 1;
        }
    }

    fn attempt_finished(
        &mut self,
        task: usize,
        attempt: AttemptNo,
        outcome: &AttemptOutcome,
        out: &mut Vec<Command>,
    ) {
        if outcome.succeeded() {
            self.finish(task, TaskStatus::Succeeded, None, out);
            return;
        }
        if self.cancelled || *outcome == AttemptOutcome::Cancelled {
            self.finish(
                task,
                TaskStatus::Cancelled,
                Some("the run was cancelled".into()),
                out,
            );
            return;
        }
        let spec = &self.specs[task];
        let retryable = match outcome {
            AttemptOutcome::FailedToStart { .. } | AttemptOutcome::BadOutput { .. } => false,
            AttemptOutcome::Exited { code } => {
                spec.retry_on.is_empty() || spec.retry_on.contains(code)
            }
            AttemptOutcome::Signalled { .. } | AttemptOutcome::TimedOut { .. } => {
                spec.retry_on.is_empty()
            }
            _ => false,
        };
        if retryable && attempt < spec.max_attempts {
            self.state[task] = State::Retrying;
            out.push(Command::ScheduleRetry {
                task,
                failed_attempt: attempt,
            });
            return;
        }
        let tries = if attempt > 1 {
            format!(" after {attempt} attempts")
        } else {
            String::new()
        };
        self.finish(
            task,
            TaskStatus::Failed,
            Some(format!("{}{tries}", outcome.describe())),
            out,
        );
    }

    /// Marks a task done and settles its dependents whose last dependency this was.
    fn finish(
        &mut self,
        task: usize,
        status: TaskStatus,
        reason: Option<String>,
        out: &mut Vec<Command>,
    ) {
        self.state[task] = State::Done(status);
        out.push(Command::FinishTask {
            task,
            status,
            reason,
        });
        self.settle_dependents(task, out);
    }

    /// `task` is done: count it off its dependents, and resolve each whose
    /// last dependency it was; one skipped there settles its own in turn.
    fn settle_dependents(&mut self, task: usize, out: &mut Vec<Command>) {
        let mut settled = vec![task];
        while let Some(t) = settled.pop() {
            for i in 0..self.dag.dependents(t).len() {
                let d = self.dag.dependents(t)[i];
                self.waiting_on[d] -= 1;
                if self.waiting_on[d] == 0 && self.state[d] == State::Blocked {
                    // A task skipped here settles its own dependents in turn.
                    if self.resolve_blocked(d, out) {
                        settled.push(d);
                    }
                }
            }
        }
    }

    /// All dependencies of `t` are done: make it ready or skip it. Returns
    /// true when it was skipped (so its dependents must be settled).
    fn resolve_blocked(&mut self, t: usize, out: &mut Vec<Command>) -> bool {
        if self.cancelled {
            self.state[t] = State::Done(TaskStatus::Cancelled);
            out.push(Command::FinishTask {
                task: t,
                status: TaskStatus::Cancelled,
                reason: Some("the run was cancelled".into()),
            });
            return true;
        }
        let skip_reason = match self.specs[t].when {
            When::Always => None,
            When::Success => self.dag.needs(t).iter().find_map(|&d| match self.state[d] {
                State::Done(TaskStatus::Succeeded) => None,
                State::Done(TaskStatus::Failed) if self.specs[d].allow_failure => None,
                State::Done(TaskStatus::Skipped) => {
                    Some(format!("`{}` was skipped", self.names[d]))
                }
                State::Done(s) => Some(format!("`{}` {s}", self.names[d])),
                _ => None,
            }),
            When::Failure => {
                let ancestors = self.dag.ancestors(t);
                let any_failed = (0..ancestors.len()).any(|a| ancestors[a] && self.failed_hard(a));
                (!any_failed).then(|| "`when: failure` and nothing upstream failed".to_string())
            }
        };
        match skip_reason {
            Some(reason) => {
                self.state[t] = State::Done(TaskStatus::Skipped);
                out.push(Command::FinishTask {
                    task: t,
                    status: TaskStatus::Skipped,
                    reason: Some(reason),
                });
                true
            }
            None => {
                self.state[t] = State::Ready;
                self.ready.push_back(t);
                false
            }
        }
    }

    fn fill(&mut self, out: &mut Vec<Command>) {
        if self.paused {
            return;
        }
        let mut deferred = VecDeque::new();
        while let Some(t) = self.ready.pop_front() {
            let slot = self.specs[t].uses_slot;
            if slot && self.running_slots >= self.concurrency {
                let wait = (self.running_slots, self.concurrency);
                if self.state[t] == State::Ready && self.slot_wait[t] != Some(wait) {
                    self.slot_wait[t] = Some(wait);
                    out.push(Command::WaitForSlot {
                        task: t,
                        in_use: wait.0,
                        slots: wait.1,
                    });
                }
                deferred.push_back(t);
                // Keep looking only for tasks that need no slot.
                continue;
            }
            if self.state[t] != State::Ready {
                continue;
            }
            self.slot_wait[t] = None;
            let attempt = self.attempts_started[t] + 1;
            self.attempts_started[t] = attempt;
            self.state[t] = State::Running(attempt);
            self.running += 1;
            if slot {
                self.running_slots += 1;
            }
            out.push(Command::StartAttempt { task: t, attempt });
        }
        self.ready = deferred;
    }

    fn maybe_finish_run(&mut self, out: &mut Vec<Command>) {
        if self.running > 0 || self.state.iter().any(|s| !matches!(s, State::Done(_))) {
            return;
        }
        self.finished = true;
        let status = if self.cancelled {
            RunStatus::Cancelled
        } else if (0..self.specs.len()).any(|t| self.failed_hard(t)) {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        out.push(Command::FinishRun { status });
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
