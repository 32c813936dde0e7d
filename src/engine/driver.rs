//! The tokio driver: feeds the scheduler what happened, carries out what it
//! says (start attempts, wait for retries, kill on cancel), records every
//! event in the store before acting on it or passing it on, and publishes
//! the events on a channel for whoever watches (progress, `--json`, later
//! the daemon's subscribers).

use super::backoff::retry_delay;
use super::journal::{Journal, Seq};
use super::outputs::parse_outputs;
use super::scheduler::{Command, Input, Scheduler};
use crate::config::Shell;
use crate::exec::{
    Action, DelayExecutor, Executor, Job, ProcessExecutor, find_program, shell_command,
};
use crate::logs::{Backlog, LineEnd, LogWriter, Stream, Taken};
use crate::model::{
    AttemptNo, AttemptOutcome, EventKind, RunEvent, RunId, RunStatus, TaskStatus, now_ms,
};
use crate::store::{Store, StoreError};
use crate::workflow::template::{Templates, is_templated};
use crate::workflow::{Loaded, TaskBody};
use serde_json::{Map, Value as Json};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Everything about a run that the caller decides.
pub struct RunSetup {
    pub run_id: RunId,
    pub loaded: Arc<Loaded>,
    /// Root of all logs; this run's go in `<logs_dir>/<run id>/`.
    pub logs_dir: PathBuf,
    /// Where tasks run, and what relative `working_dir`s start from.
    pub base_dir: PathBuf,
    pub concurrency: usize,
    pub grace: Duration,
    pub shell: Shell,
    /// The most bytes one attempt's log keeps (`logs.max_attempt_size`).
    pub log_cap: u64,
    /// Per task: what happened to it before this driver took the run over
    /// (a retry's reused successes, a resumed run's finished tasks).
    pub prior: Vec<Prior>,
    /// The run was started by an earlier process and is being resumed.
    pub resumed: bool,
    /// Where interactive tasks' PTYs are registered for attaching (the
    /// daemon's); `None` keeps them private to this run.
    pub ptys: Option<Arc<crate::exec::PtyRegistry>>,
}

/// A task's state from before this driver.
#[derive(Clone, Debug, Default)]
pub struct Prior {
    /// Finished already, with this status.
    pub done: Option<TaskStatus>,
    /// Its outputs (those its last attempt wrote, failed or not).
    pub outputs: Vec<(String, String)>,
    /// Attempts it already made (numbering goes on from there).
    pub attempts: AttemptNo,
    /// Of those, the ones that do not count against `retry.attempts`
    /// (stopped with the daemon, not failed).
    pub uncounted: AttemptNo,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot record the run: {0}")]
    Journal(String),
    #[error("cannot create the log folder `{path}`: {source}")]
    Logs {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A task ready to hand to an executor.
struct Prepared {
    action: Action,
    env: Vec<(String, String)>,
    cwd: PathBuf,
}

/// What the owner of a run asks of it, as it changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunControl {
    /// Stop everything and end the run `cancelled`.
    pub cancel: bool,
    /// `Some(stop)`: start no new task; with `stop`, SIGSTOP running ones.
    pub pause: Option<bool>,
    /// Stop driving the run without ending it (the daemon is stopping):
    /// running attempts are stopped and the run is left for a resume.
    pub suspend: bool,
    /// With `cancel`: SIGKILL every running attempt's process group now,
    /// without the grace period (a second Ctrl-C).
    pub kill: bool,
}

enum Msg {
    Finished {
        task: usize,
        attempt: AttemptNo,
        outcome: AttemptOutcome,
        outputs: Vec<(String, String)>,
    },
    RetryDue(usize),
}

/// A piece of a task's output, passed on once its log writer put it in the
/// attempt's log file (for a foreground run that shows output live).
#[derive(Debug)]
pub struct TaskOutput {
    pub task: crate::model::TaskName,
    pub attempt: AttemptNo,
    pub stream: Stream,
    pub text: Vec<u8>,
    pub end: LineEnd,
    /// Pieces of this attempt before this one that were left out because
    /// the reader fell far behind (only a terminal's output, which cannot
    /// wait; the log has them all).
    pub missed: u64,
    /// Holds the piece's place in the backlog until the reader drops it.
    pub _taken: Taken,
}

/// How far (bytes) the reader of task output may fall behind before the
/// tasks' pipes wait for it.
const OUTPUT_BACKLOG: usize = 1 << 20;

/// Past this, a terminal's output (read by a thread that cannot wait) is
/// left out of the live display instead.
const OUTPUT_BACKLOG_DROP: usize = 8 * OUTPUT_BACKLOG;

pub struct Driver {
    setup: RunSetup,
    store: Arc<dyn Store>,
    events: Option<mpsc::UnboundedSender<RunEvent>>,
    /// Where task output goes besides the log, if anyone watches, and how
    /// far behind they are.
    output: Option<(mpsc::UnboundedSender<TaskOutput>, Arc<Backlog>)>,
    /// Set when the run starts (it needs the runtime).
    journal: Option<Journal>,
    /// Per task: the journal batch that recorded how it ended (0: before this run).
    finished_in: Vec<Seq>,
    /// Process (group) ids of the attempts running now, by task.
    running_pids: std::collections::HashMap<usize, u32>,
    /// Tasks with an attempt under way (with or without a process).
    in_flight: std::collections::HashSet<usize>,
    /// Stops every running attempt.
    kill: Option<watch::Sender<bool>>,
    /// The owner asked to stop driving the run (without ending it).
    suspending: bool,
    templates: Templates,
    /// Outputs of finished tasks (and reused ones).
    outputs: Vec<Vec<(String, String)>>,
    any_outputs: bool,
    /// Whether each task has a templated field (and so needs a context).
    templated: Vec<bool>,
    workflow_env: Option<Result<Vec<(String, String)>, String>>,
    process_env: Option<Map<String, Json>>,
    run_dir: PathBuf,
}

impl Driver {
    pub fn new(
        setup: RunSetup,
        store: Arc<dyn Store>,
        events: Option<mpsc::UnboundedSender<RunEvent>>,
    ) -> Driver {
        let wf = &setup.loaded.workflow;
        let wf_templated = wf.env.iter().any(|(_, v)| is_templated(v));
        let templated = wf
            .tasks
            .iter()
            .map(|t| {
                let body = match &t.body {
                    TaskBody::Run(s) => is_templated(s),
                    TaskBody::Exec(argv) => argv.iter().any(|a| is_templated(a)),
                    TaskBody::Script { code, .. } => is_templated(code),
                    TaskBody::Delay(_) => false,
                };
                wf_templated
                    || body
                    || t.condition.is_some()
                    || t.env.iter().any(|(_, v)| is_templated(v))
                    || t.working_dir.as_deref().is_some_and(is_templated)
            })
            .collect();
        let outputs: Vec<Vec<(String, String)>> = (0..wf.tasks.len())
            .map(|i| {
                setup
                    .prior
                    .get(i)
                    .map(|p| p.outputs.clone())
                    .unwrap_or_default()
            })
            .collect();
        let run_dir = setup.logs_dir.join(setup.run_id.as_str());
        Driver {
            journal: None,
            finished_in: vec![0; wf.tasks.len()],
            running_pids: Default::default(),
            in_flight: Default::default(),
            kill: None,
            suspending: false,
            any_outputs: outputs.iter().any(|o| !o.is_empty()),
            outputs,
            templated,
            templates: Templates::new(),
            workflow_env: None,
            process_env: None,
            run_dir,
            setup,
            store,
            events,
            output: None,
        }
    }

    /// Also passes every piece of task output to `output` after it is in
    /// the log. When the reader falls behind, tasks' pipes wait for it
    /// (nothing is left out); a terminal's output, which cannot wait, is
    /// left out past a larger limit and counted in the next piece's
    /// `missed`.
    pub fn with_output(mut self, output: mpsc::UnboundedSender<TaskOutput>) -> Driver {
        self.output = Some((output, Backlog::new(OUTPUT_BACKLOG)));
        self
    }

    fn tee(&self, log: LogWriter, task: &crate::model::TaskName, attempt: AttemptNo) -> LogWriter {
        let Some((tx, backlog)) = self.output.clone() else {
            return log;
        };
        let task = task.clone();
        let mut missed = 0u64;
        let counted = backlog.clone();
        log.with_tee(
            Box::new(move |stream, text, end| {
                if counted.behind() > OUTPUT_BACKLOG_DROP {
                    missed += 1;
                    return;
                }
                let piece = TaskOutput {
                    task: task.clone(),
                    attempt,
                    stream,
                    text: text.to_vec(),
                    end,
                    missed,
                    _taken: counted.hand_out(text.len()),
                };
                if tx.send(piece).is_ok() {
                    missed = 0;
                }
            }),
            Some(backlog),
        )
    }

    /// Runs to the end, following `control`: `cancel` stops running
    /// attempts (their whole process tree) and starts nothing new; `pause`
    /// starts nothing new until it is lifted (and may SIGSTOP what runs).
    ///
    /// When the run cannot go on (the store refuses a write: a full disk,
    /// say), what runs is stopped and the run is recorded `failed` with the
    /// reason, the write retried until the store takes it, before the error
    /// is returned: the stored run never stays `running` under a live owner.
    pub async fn run(
        mut self,
        control: watch::Receiver<RunControl>,
    ) -> Result<RunStatus, EngineError> {
        let result = self.drive(control).await;
        if let Err(e) = &result {
            self.kill_all();
            self.record_abandoned(e).await;
        }
        result
    }

    /// Records the run as ended by `error`, retrying (with a backoff of at
    /// most two seconds) until the store accepts the write.
    async fn record_abandoned(&self, error: &EngineError) {
        let reason = format!("weft stopped the run: {error}");
        let mut delay = std::time::Duration::from_millis(50);
        loop {
            let store = self.store.clone();
            let run = self.setup.run_id.clone();
            let why = reason.clone();
            let done =
                tokio::task::spawn_blocking(move || store.abandon_run(&run, &why, now_ms())).await;
            if matches!(done, Ok(Ok(()))) {
                return;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(std::time::Duration::from_secs(2));
        }
    }

    async fn drive(
        &mut self,
        mut control: watch::Receiver<RunControl>,
    ) -> Result<RunStatus, EngineError> {
        crate::private_fs::create_dir_all(&self.run_dir).map_err(|source| EngineError::Logs {
            path: self.run_dir.display().to_string(),
            source,
        })?;
        let wf = self.setup.loaded.workflow.clone();
        let prior = |i: usize| self.setup.prior.get(i).cloned().unwrap_or_default();
        let specs = wf
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| super::plan::task_spec(t, prior(i).uncounted))
            .collect();
        let names = wf.tasks.iter().map(|t| t.name.to_string()).collect();
        let done: Vec<Option<TaskStatus>> = (0..wf.tasks.len()).map(|i| prior(i).done).collect();
        let attempts: Vec<AttemptNo> = (0..wf.tasks.len()).map(|i| prior(i).attempts).collect();
        let mut sched = Scheduler::new(
            specs,
            names,
            wf.dag.clone(),
            self.setup.concurrency,
            &done,
            &attempts,
        );

        self.journal = Some(Journal::start(self.store.clone(), self.events.take()));
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let (kill_tx, kill_rx) = watch::channel(false);
        self.kill = Some(kill_tx);
        let first_event = if self.setup.resumed {
            EventKind::RunResumed
        } else {
            EventKind::RunStarted {
                workflow: wf.name.clone(),
                tasks: wf.tasks.iter().map(|t| t.name.clone()).collect(),
            }
        };
        self.emit(vec![self.event(first_event)]);

        let mut queue: VecDeque<Input> = VecDeque::from([Input::Start]);
        let mut seen = RunControl::default();
        let mut control_open = true;
        let first = *control.borrow();
        self.apply_control(seen, first, &mut queue);
        seen = first;
        loop {
            while let Some(input) = queue.pop_front() {
                let mut events = Vec::new();
                if let Input::AttemptFinished {
                    task,
                    attempt,
                    outcome,
                } = &input
                {
                    events.push(self.event(EventKind::AttemptFinished {
                        task: wf.tasks[*task].name.clone(),
                        attempt: *attempt,
                        outcome: outcome.clone(),
                    }));
                }
                let mut starts = Vec::new();
                let mut finished = None;
                let mut ended = Vec::new();
                for cmd in sched.handle(input) {
                    match cmd {
                        Command::StartAttempt { task, attempt } => starts.push((task, attempt)),
                        Command::ScheduleRetry {
                            task,
                            failed_attempt,
                        } => {
                            let delay =
                                retry_delay(&wf.tasks[task].retry, failed_attempt, fastrand::f64());
                            events.push(self.event(EventKind::TaskRetrying {
                                task: wf.tasks[task].name.clone(),
                                next_attempt: failed_attempt + 1,
                                delay_ms: delay.as_millis() as u64,
                            }));
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(delay).await;
                                let _ = tx.send(Msg::RetryDue(task));
                            });
                        }
                        Command::KillAll => self.kill_all(),
                        Command::FinishTask {
                            task,
                            status,
                            reason,
                        } => {
                            let outputs =
                                if matches!(status, TaskStatus::Succeeded | TaskStatus::Failed) {
                                    self.outputs[task].clone()
                                } else {
                                    Vec::new()
                                };
                            events.push(self.event(EventKind::TaskFinished {
                                task: wf.tasks[task].name.clone(),
                                status,
                                reason,
                                outputs,
                            }));
                            ended.push(task);
                        }
                        Command::WaitForSlot {
                            task,
                            in_use,
                            slots,
                        } => {
                            events.push(self.event(EventKind::TaskWaiting {
                                task: wf.tasks[task].name.clone(),
                                reason: format!("waiting for a slot, {in_use} of {slots} in use"),
                                in_use: in_use as u32,
                                slots: slots as u32,
                            }));
                        }
                        Command::FinishRun { status } => {
                            events.push(self.event(EventKind::RunFinished { status }));
                            finished = Some(status);
                        }
                    }
                }
                let seq = self.emit(events);
                for task in ended {
                    self.finished_in[task] = seq;
                }
                if let Some(status) = finished {
                    self.journal
                        .as_mut()
                        .expect("the journal starts with the run")
                        .flush()
                        .await
                        .map_err(EngineError::Journal)?;
                    return Ok(status);
                }
                for (task, attempt) in starts {
                    // What a task starts from (its dependencies' results) is durable first.
                    let needed = wf.tasks[task]
                        .needs
                        .iter()
                        .map(|&n| self.finished_in[n])
                        .max()
                        .unwrap_or(0);
                    self.wait_durable(needed).await?;
                    self.start(task, attempt, &sched, &tx, &kill_rx, &mut queue);
                }
            }
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Finished { task, attempt, outcome, outputs }) => {
                        self.running_pids.remove(&task);
                        self.in_flight.remove(&task);
                        if self.suspending {
                            // Stopped with its owner: it runs again on resume.
                            let e = self.event(EventKind::AttemptFinished {
                                task: wf.tasks[task].name.clone(),
                                attempt,
                                outcome: if outcome.succeeded() { outcome } else { AttemptOutcome::Stopped },
                            });
                            self.emit(vec![e]);
                            if self.in_flight.is_empty() {
                                return self.suspend_now().await;
                            }
                            continue;
                        }
                        // The latest attempt's outputs, failed or not.
                        self.any_outputs |= !outputs.is_empty();
                        self.outputs[task] = outputs;
                        queue.push_back(Input::AttemptFinished { task, attempt, outcome });
                    }
                    Some(Msg::RetryDue(task)) if !self.suspending => queue.push_back(Input::RetryDue { task }),
                    Some(Msg::RetryDue(_)) => {}
                    None => {}
                },
                changed = control.changed(), if control_open => {
                    if changed.is_err() {
                        control_open = false;
                    } else {
                        let now = *control.borrow_and_update();
                        self.apply_control(seen, now, &mut queue);
                        seen = now;
                        if self.suspending && self.in_flight.is_empty() {
                            return self.suspend_now().await;
                        }
                    }
                }
            }
        }
    }

    /// Turns a change of what the owner asks into scheduler inputs, events
    /// and signals to running tasks.
    fn apply_control(&mut self, was: RunControl, now: RunControl, queue: &mut VecDeque<Input>) {
        use nix::sys::signal::Signal;
        let stopped = was.pause == Some(true);
        if now.suspend && !was.suspend {
            if stopped {
                self.signal_running(Signal::SIGCONT);
            }
            self.suspending = true;
            self.kill_all();
            return;
        }
        if now.cancel && !was.cancel {
            if stopped {
                // A stopped process cannot act on SIGTERM until continued.
                self.signal_running(Signal::SIGCONT);
            }
            queue.push_back(Input::Cancel);
            return;
        }
        if now.kill && !was.kill {
            // The driver's own record of what runs: nothing read back.
            self.signal_running(Signal::SIGCONT);
            self.signal_running(Signal::SIGKILL);
        }
        if now.cancel {
            return;
        }
        match (was.pause, now.pause) {
            (None, Some(stop)) => {
                queue.push_back(Input::Pause);
                if stop {
                    self.signal_running(Signal::SIGSTOP);
                }
                let e = self.event(EventKind::RunPaused { stopped: stop });
                self.emit(vec![e]);
            }
            (Some(_), None) => {
                if stopped {
                    self.signal_running(Signal::SIGCONT);
                }
                queue.push_back(Input::Resume);
                let e = self.event(EventKind::RunResumed);
                self.emit(vec![e]);
            }
            _ => {}
        }
    }

    /// Stops every running attempt (SIGTERM to its group, SIGKILL after the grace).
    fn kill_all(&self) {
        if let Some(kill) = &self.kill {
            let _ = kill.send(true);
        }
    }

    /// Ends this driver without ending the run: its state is durable and
    /// marked for the next owner to resume.
    async fn suspend_now(&mut self) -> Result<RunStatus, EngineError> {
        let e = self.event(EventKind::RunSuspended);
        self.emit(vec![e]);
        self.journal
            .as_mut()
            .expect("the journal starts with the run")
            .flush()
            .await
            .map_err(EngineError::Journal)?;
        Ok(RunStatus::Suspended)
    }

    /// Sends a signal to the process group of every running attempt.
    fn signal_running(&self, signal: nix::sys::signal::Signal) {
        for &pid in self.running_pids.values() {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid as i32), signal);
        }
    }

    fn event(&self, kind: EventKind) -> RunEvent {
        RunEvent {
            run: self.setup.run_id.clone(),
            at: now_ms(),
            kind,
        }
    }

    /// Queues events for the store; watchers see them once they are durable.
    fn emit(&mut self, events: Vec<RunEvent>) -> Seq {
        self.journal
            .as_mut()
            .expect("the journal starts with the run")
            .submit(events)
    }

    async fn wait_durable(&mut self, seq: Seq) -> Result<(), EngineError> {
        let journal = self
            .journal
            .as_mut()
            .expect("the journal starts with the run");
        journal.wait(seq).await.map_err(EngineError::Journal)
    }

    /// The template context a task sees: params, run, env, finished tasks.
    fn context(&mut self, sched: &Scheduler, with_tasks: bool) -> Json {
        let loaded = &self.setup.loaded;
        let wf = &loaded.workflow;
        let env = self
            .process_env
            .get_or_insert_with(|| {
                std::env::vars()
                    .map(|(k, v)| (k, Json::String(v)))
                    .collect()
            })
            .clone();
        let mut env = env;
        if let Some(Ok(vars)) = &self.workflow_env {
            for (k, v) in vars {
                env.insert(k.clone(), Json::String(v.clone()));
            }
        }
        let failed = (0..wf.tasks.len()).any(|t| sched.failed_hard(t));
        let mut tasks = Map::new();
        if with_tasks {
            for (i, t) in wf.tasks.iter().enumerate() {
                let status = sched.status(i).unwrap_or(TaskStatus::Pending);
                let outputs: Map<String, Json> = self.outputs[i]
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                    .collect();
                let mut entry = Map::new();
                entry.insert("status".into(), Json::String(status.to_string()));
                entry.insert("outputs".into(), Json::Object(outputs));
                tasks.insert(t.name.to_string(), Json::Object(entry));
            }
        }
        serde_json::json!({
            "params": loaded.params_json(),
            "run": {
                "id": self.setup.run_id.as_str(),
                "workflow": wf.name,
                "status": if failed { "failed" } else { "succeeded" },
            },
            "env": env,
            "tasks": tasks,
        })
    }

    /// The workflow's `env`, rendered once per run.
    fn workflow_env(&mut self, sched: &Scheduler) -> Result<Vec<(String, String)>, String> {
        if self.workflow_env.is_none() {
            let vars = self.setup.loaded.workflow.env.clone();
            let needs_ctx = vars.iter().any(|(_, v)| is_templated(v));
            let ctx = if needs_ctx {
                self.context(sched, false)
            } else {
                Json::Null
            };
            let rendered = vars
                .into_iter()
                .map(|(k, v)| {
                    self.templates
                        .render(&v, &ctx)
                        .map(|r| (k.clone(), r))
                        .map_err(|e| format!("cannot render the workflow's env `{k}`: {e}"))
                })
                .collect();
            self.workflow_env = Some(rendered);
        }
        self.workflow_env.clone().expect("set above")
    }

    fn start(
        &mut self,
        task: usize,
        attempt: AttemptNo,
        sched: &Scheduler,
        tx: &mpsc::UnboundedSender<Msg>,
        kill: &watch::Receiver<bool>,
        queue: &mut VecDeque<Input>,
    ) {
        let loaded = self.setup.loaded.clone();
        let t = &loaded.workflow.tasks[task];
        let stem = format!("{}.{attempt}", t.name);
        let log_path = self.run_dir.join(format!("{stem}.log"));
        let out_path = self.run_dir.join(format!("{stem}.out"));
        // Made here, private, so what the task appends to it is private too
        // (a failure to make it shows when the task cannot write to it).
        let _ = crate::private_fs::create(&out_path);
        let wf_env = self.workflow_env(sched);
        let ctx = if self.templated[task] {
            self.context(sched, true)
        } else {
            Json::Null
        };

        if attempt == 1
            && let Some(cond) = &t.condition
        {
            match self.templates.condition(cond, &ctx) {
                Ok(true) => {}
                Ok(false) => {
                    queue.push_back(Input::ConditionFalse {
                        task,
                        condition: cond.clone(),
                    });
                    return;
                }
                Err(e) => {
                    let why = format!("cannot evaluate `if: {cond}`: {e}");
                    return self.failed_start(
                        task,
                        attempt,
                        LogWriter::new(&log_path).with_cap(self.setup.log_cap),
                        why,
                        queue,
                    );
                }
            }
        }

        let prepared = self.prepare(task, attempt, &ctx, wf_env, &out_path);
        let Prepared { action, env, cwd } = match prepared {
            Ok(p) => p,
            Err(why) => {
                return self.failed_start(
                    task,
                    attempt,
                    LogWriter::new(&log_path).with_cap(self.setup.log_cap),
                    why,
                    queue,
                );
            }
        };
        let log = self.tee(
            LogWriter::new(&log_path).with_cap(self.setup.log_cap),
            &t.name,
            attempt,
        );
        let job = Job {
            action,
            env,
            cwd,
            log,
            timeout: t.timeout,
            grace: self.setup.grace,
            cancel: kill.clone(),
        };
        let started = match &job.action {
            Action::Delay(_) => DelayExecutor.start(job),
            Action::Process { .. } if t.interactive => crate::exec::PtyExecutor {
                registry: self.setup.ptys.clone().unwrap_or_default(),
                run: self.setup.run_id.clone(),
                task: t.name.clone(),
                size: crate::exec::TermSize::default(),
            }
            .start(job),
            Action::Process { .. } => ProcessExecutor.start(job),
        };
        match started {
            Ok(started) => {
                if let Some(pid) = started.pid {
                    self.running_pids.insert(task, pid);
                }
                self.in_flight.insert(task);
                self.emit(vec![self.event(EventKind::AttemptStarted {
                    task: t.name.clone(),
                    attempt,
                    pid: started.pid,
                    pid_start: started.pid_start,
                    log: log_path.display().to_string(),
                })]);
                let tx = tx.clone();
                let declared = t.outputs.clone();
                tokio::spawn(async move {
                    let outcome = started.done.await;
                    let (outcome, outputs) =
                        collect_outputs(outcome, &out_path, &log_path, &declared);
                    let _ = tx.send(Msg::Finished {
                        task,
                        attempt,
                        outcome,
                        outputs,
                    });
                });
            }
            Err((why, log)) => self.failed_start(task, attempt, log, why.0, queue),
        }
    }

    /// Renders the task and works out the program, environment and folder.
    fn prepare(
        &self,
        task: usize,
        attempt: AttemptNo,
        ctx: &Json,
        wf_env: Result<Vec<(String, String)>, String>,
        out_path: &std::path::Path,
    ) -> Result<Prepared, String> {
        let loaded = &self.setup.loaded;
        let t = &loaded.workflow.tasks[task];
        let render = |field: &str, text: &str| {
            self.templates
                .render(text, ctx)
                .map_err(|e| format!("task `{}`, field `{field}`: {e}", t.name))
        };
        let mut env = wf_env?;
        for (k, v) in &t.env {
            let value = render(&format!("env.{k}"), v)?;
            env.retain(|(e, _)| e != k);
            env.push((k.clone(), value));
        }
        env.push(("WEFT_RUN_ID".into(), self.setup.run_id.to_string()));
        env.push(("WEFT_WORKFLOW".into(), loaded.workflow.name.clone()));
        env.push(("WEFT_TASK".into(), t.name.to_string()));
        env.push(("WEFT_ATTEMPT".into(), attempt.to_string()));
        env.push(("WEFT_OUTPUT".into(), out_path.display().to_string()));
        if self.any_outputs {
            let up = loaded.workflow.dag.ancestors(task);
            for (i, outs) in self.outputs.iter().enumerate() {
                if up[i] {
                    let prefix = loaded.workflow.tasks[i].name.env_key();
                    for (k, v) in outs {
                        env.push((
                            format!("WEFT_OUT_{prefix}_{}", k.to_ascii_uppercase()),
                            v.clone(),
                        ));
                    }
                }
            }
        }
        let cwd = match &t.working_dir {
            Some(dir) => self.setup.base_dir.join(render("working_dir", dir)?),
            None => self.setup.base_dir.clone(),
        };
        let action = match &t.body {
            TaskBody::Run(line) => {
                let line = self
                    .templates
                    .render_shell(line, ctx)
                    .map_err(|e| format!("task `{}`, field `run`: {e}", t.name))?;
                shell_command(&line, self.setup.shell)
            }
            TaskBody::Exec(argv) => {
                let mut argv = argv
                    .iter()
                    .enumerate()
                    .map(|(i, a)| render(&format!("exec[{i}]"), a))
                    .collect::<Result<Vec<_>, _>>()?;
                let program = argv.remove(0);
                Action::Process {
                    program,
                    args: argv,
                }
            }
            TaskBody::Script { lang, code } => {
                let code = render("script", code)?;
                let interpreter = lang.interpreter();
                if find_program(interpreter).is_none() {
                    return Err(format!(
                        "interpreter `{interpreter}` for this {} script is not on PATH; install it or change `lang`",
                        lang.name()
                    ));
                }
                let path =
                    self.run_dir
                        .join(format!("{}.{attempt}.script.{}", t.name, lang.extension()));
                std::fs::write(&path, code)
                    .map_err(|e| format!("cannot write the script to `{}`: {e}", path.display()))?;
                Action::Process {
                    program: interpreter.into(),
                    args: vec![path.display().to_string()],
                }
            }
            TaskBody::Delay(d) => Action::Delay(*d),
        };
        Ok(Prepared { action, env, cwd })
    }

    /// An attempt that never ran: why goes into its log and, recorded as
    /// its outcome, into `weft show`.
    fn failed_start(
        &mut self,
        task: usize,
        attempt: AttemptNo,
        mut log: LogWriter,
        why: String,
        queue: &mut VecDeque<Input>,
    ) {
        let _ = log.line(Stream::Weft, why.as_bytes());
        let _ = log.flush();
        let name = self.setup.loaded.workflow.tasks[task].name.clone();
        self.emit(vec![self.event(EventKind::AttemptStarted {
            task: name,
            attempt,
            pid: None,
            pid_start: None,
            log: log.path().display().to_string(),
        })]);
        queue.push_back(Input::AttemptFinished {
            task,
            attempt,
            outcome: AttemptOutcome::FailedToStart { message: why },
        });
    }
}

/// Reads `$WEFT_OUTPUT` after a success; a malformed file fails the attempt,
/// and a declared output that was not written is noted in the log.
fn collect_outputs(
    outcome: AttemptOutcome,
    out_path: &std::path::Path,
    log_path: &std::path::Path,
    declared: &[String],
) -> (AttemptOutcome, Vec<(String, String)>) {
    if !outcome.succeeded() {
        // What a failed attempt wrote still counts (a `when: always`
        // cleanup may need it), as far as it reads; no complaints about it.
        let outputs = std::fs::read_to_string(out_path)
            .ok()
            .and_then(|text| parse_outputs(&text).ok())
            .unwrap_or_default();
        return (outcome, outputs);
    }
    let text = match std::fs::read_to_string(out_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return (
                AttemptOutcome::BadOutput {
                    message: format!("cannot read `$WEFT_OUTPUT`: {e}"),
                },
                Vec::new(),
            );
        }
    };
    let note = |msg: &str| {
        if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(log_path) {
            let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
            let _ = writeln!(f, "{now} w {msg}");
        }
    };
    match parse_outputs(&text) {
        Ok(outputs) => {
            for key in declared {
                if !outputs.iter().any(|(k, _)| k == key) {
                    note(&format!(
                        "declared output `{key}` was not written; write `{key}=VALUE` to $WEFT_OUTPUT"
                    ));
                }
            }
            (outcome, outputs)
        }
        Err(why) => {
            let message = format!("`$WEFT_OUTPUT` {why}");
            note(&message);
            (AttemptOutcome::BadOutput { message }, Vec::new())
        }
    }
}
