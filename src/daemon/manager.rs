//! The runs a daemon drives: starting them with the engine, controlling
//! them (cancel, pause, resume), and fanning their events out to API
//! subscribers.

use crate::api::{ApiError, DaemonStatus, ErrorCode, RetryRequest, RunState, SubmitRequest};
use crate::config::Config;
use crate::engine::{Driver, Launch, RetryError, RunControl, plan_resume, plan_retry, record_run};
use crate::exec::PtyRegistry;
use crate::model::{AttemptOutcome, Millis, RunEvent, RunId, RunStatus, TaskName, Trigger, now_ms};
use crate::paths::Paths;
use crate::store::{Owner, Resumable, Store, StoreError};
use crate::workflow::load_str;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc, watch};

/// A run this daemon drives.
struct Active {
    control: watch::Sender<RunControl>,
    done: watch::Receiver<Option<RunStatus>>,
    /// Its tasks, and whether each is interactive.
    tasks: Vec<(TaskName, bool)>,
}

/// Why a terminal cannot be attached to a task.
pub enum AttachRefusal {
    /// Not interactive: the caller may follow its log instead.
    NotInteractive,
    Api(ApiError),
}

pub struct Manager {
    pub(super) paths: Paths,
    pub(super) config: Config,
    socket: PathBuf,
    pub(super) store: Arc<dyn Store>,
    events: broadcast::Sender<RunEvent>,
    active: Mutex<HashMap<RunId, Active>>,
    started_at: Millis,
    /// Set once to make the server stop.
    stop: watch::Sender<bool>,
    /// The PTYs of interactive tasks, for attaching.
    ptys: Arc<PtyRegistry>,
    /// The workflow files of `workflow_dirs` and their schedules.
    pub(super) registry: Mutex<super::workflow_files::Registry>,
    /// Wakes the scheduler: a run ended, a reload, a pause.
    pub(super) wake: tokio::sync::Notify,
}

impl Manager {
    pub fn open(paths: Paths, config: Config, socket: PathBuf) -> Result<Arc<Manager>, StoreError> {
        let store = crate::store::open(&paths.database(), config.store.durability)?;
        store.reap_interrupted()?;
        let (events, _) = broadcast::channel(4096);
        let config_dir = paths
            .config_file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let registry = super::workflow_files::Registry::new(config.workflow_dirs(&config_dir));
        Ok(Arc::new(Manager {
            paths,
            config,
            socket,
            store,
            events,
            active: Mutex::new(HashMap::new()),
            started_at: now_ms(),
            stop: watch::channel(false).0,
            ptys: Arc::default(),
            registry: Mutex::new(registry),
            wake: tokio::sync::Notify::new(),
        }))
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// Interactive tasks silent for `daemon.input_wait` while their process sleeps.
    pub fn waiting(&self) -> Vec<crate::api::WaitingTask> {
        let quiet = self.config.input_wait();
        let mut waiting: Vec<crate::api::WaitingTask> = self
            .ptys
            .all()
            .into_iter()
            .filter(|(_, _, s)| s.is_waiting_for_input(quiet))
            .map(|(run, task, _)| crate::api::WaitingTask { run, task })
            .collect();
        waiting.sort_by(|a, b| (&a.run, &a.task).cmp(&(&b.run, &b.task)));
        waiting
    }

    /// The PTY of a running interactive task, or why there is none.
    pub fn pty(
        &self,
        run: &str,
        task: &str,
    ) -> Result<(RunId, Arc<crate::exec::PtySession>), AttachRefusal> {
        let id = self.resolve(run).map_err(AttachRefusal::Api)?;
        let name = TaskName::new(task);
        if let Some(session) = self.ptys.get(&id, &name) {
            return Ok((id, session));
        }
        let active = self.active();
        let Some(run) = active.get(&id) else {
            return Err(AttachRefusal::Api(
                ApiError::new(ErrorCode::Conflict, format!("run {id} is not running"))
                    .hint(format!("its output is in its log: `weft logs {id} {task}`")),
            ));
        };
        match run.tasks.iter().find(|(n, _)| *n == name) {
            None => Err(AttachRefusal::Api(ApiError::new(
                ErrorCode::NotFound,
                format!("run {id} has no task `{task}`"),
            ))),
            Some((_, false)) => Err(AttachRefusal::NotInteractive),
            Some((_, true)) => Err(AttachRefusal::Api(
                ApiError::new(
                    ErrorCode::Conflict,
                    format!("task `{task}` of run {id} is not running now"),
                )
                .hint("it has not started yet, or it has ended; see `weft show`"),
            )),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.events.subscribe()
    }

    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    pub fn request_stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn status(&self) -> DaemonStatus {
        let mut running: Vec<RunId> = self.active().keys().cloned().collect();
        running.sort();
        DaemonStatus {
            version: crate::api::VERSION.to_string(),
            pid: std::process::id(),
            started_at: self.started_at,
            socket: self.socket.display().to_string(),
            running,
            store_error: self.store.write_error(),
        }
    }

    /// The tasks of a run this daemon drives, and whether each is
    /// interactive (empty for a run it does not drive).
    pub fn task_kinds(&self, id: &RunId) -> Vec<(TaskName, bool)> {
        self.active()
            .get(id)
            .map(|a| a.tasks.clone())
            .unwrap_or_default()
    }

    fn active(&self) -> std::sync::MutexGuard<'_, HashMap<RunId, Active>> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolves what a user typed into a run id, as an API error if unknown.
    pub fn resolve(&self, name: &str) -> Result<RunId, ApiError> {
        self.store.resolve(name).map_err(ApiError::from)
    }

    pub fn submit(self: &Arc<Self>, req: SubmitRequest) -> Result<RunId, ApiError> {
        let loaded =
            load_str(&req.file, &req.source, &req.params, &|_| None).map_err(|report| {
                ApiError::new(ErrorCode::InvalidWorkflow, report.render())
                    .hint("check it with `weft validate`")
            })?;
        self.launch(Launch {
            loaded,
            file: PathBuf::from(&req.file),
            trigger: Trigger::Manual,
            retry_of: None,
            reused: Vec::new(),
            concurrency: req.concurrency.map(|c| c as usize),
        })
    }

    pub fn retry(self: &Arc<Self>, name: &str, req: RetryRequest) -> Result<RunId, ApiError> {
        let id = self.resolve(name)?;
        let old = self.store.run(&id).map_err(ApiError::from)?;
        let plan = plan_retry(&old, req.from.as_deref()).map_err(|e| {
            let code = match e {
                RetryError::UnknownTask { .. } => ErrorCode::NotFound,
                RetryError::Invalid { .. } => ErrorCode::InvalidWorkflow,
                _ => ErrorCode::Conflict,
            };
            ApiError::new(code, e.to_string())
        })?;
        self.launch(plan)
    }

    fn launch(self: &Arc<Self>, launch: Launch) -> Result<RunId, ApiError> {
        let setup = record_run(
            &*self.store,
            &self.paths.logs_dir(),
            &self.config,
            launch,
            Owner::this_daemon(),
        )
        .map_err(ApiError::from)?;
        Ok(self.drive(setup))
    }

    /// Drives a recorded run in the background.
    pub(super) fn drive(self: &Arc<Self>, mut setup: crate::engine::RunSetup) -> RunId {
        setup.ptys = Some(self.ptys.clone());
        let id = setup.run_id.clone();
        let (control, control_rx) = watch::channel(RunControl::default());
        let (done_tx, done) = watch::channel(None);
        let tasks = setup
            .loaded
            .workflow
            .tasks
            .iter()
            .map(|t| (t.name.clone(), t.interactive))
            .collect();
        self.active().insert(
            id.clone(),
            Active {
                control,
                done,
                tasks,
            },
        );
        let (tx, mut rx) = mpsc::unbounded_channel();
        let store: Arc<dyn Store> = self.store.clone();
        let driver = Driver::new(setup, store, Some(tx));
        let fanout = self.events.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let _ = fanout.send(event);
            }
        });
        let me = self.clone();
        let run = id.clone();
        tokio::spawn(async move {
            let status = match driver.run(control_rx).await {
                Ok(status) => status,
                Err(e) => {
                    // The driver has recorded it failed, with the reason.
                    tracing::error!(run = %run, error = %e, "run stopped");
                    RunStatus::Failed
                }
            };
            tracing::info!(run = %run, status = %status, "run ended here");
            let _ = done_tx.send(Some(status));
            me.active().remove(&run);
            // A queued run may wait for this one.
            me.wake.notify_one();
        });
        tracing::info!(run = %id, "driving run");
        id
    }

    /// Takes over the runs an earlier daemon left: stops what their
    /// interrupted attempts left running, then drives them on.
    pub async fn resume_left_runs(self: &Arc<Self>) {
        let left = match self.store.resumable_runs() {
            Ok(left) => left,
            Err(e) => {
                tracing::error!(error = %e, "cannot list runs to resume");
                return;
            }
        };
        for Resumable { run, graceful } in left {
            if let Err(e) = self.resume_one(&run, graceful).await {
                tracing::error!(run = %run, error = %e, "cannot resume run");
            }
        }
    }

    async fn resume_one(self: &Arc<Self>, run: &RunId, graceful: bool) -> Result<(), String> {
        let old = self.store.run(run).map_err(|e| e.to_string())?;
        for attempt in old.tasks.iter().flat_map(|t| &t.attempts) {
            // After a crash its process may still run, cut off from its
            // output pipes; it cannot be watched again, so it is stopped.
            if let (Some(AttemptOutcome::Interrupted), Some(pid)) = (&attempt.outcome, attempt.pid)
                && crate::sys::stop_leftover_group(pid, attempt.pid_start)
            {
                tracing::warn!(run = %run, pid, "stopped a leftover task process");
            }
        }
        // An attempt that started but was never recorded is found by the
        // run id in its environment.
        let swept = crate::sys::stop_processes_of_run(run.as_str());
        if swept > 0 {
            tracing::warn!(run = %run, swept, "stopped task processes the store had no record of");
        }
        let (setup, give_up) = plan_resume(&old, &self.paths.logs_dir(), &self.config)?;
        if !self
            .store
            .claim_run(run, &Owner::this_daemon())
            .map_err(|e| e.to_string())?
        {
            return Ok(());
        }
        if !give_up.is_empty() {
            let events = give_up
                .into_iter()
                .map(|kind| RunEvent {
                    run: run.clone(),
                    at: now_ms(),
                    kind,
                })
                .collect();
            self.store.record(events).await.map_err(|e| e.to_string())?;
        }
        tracing::info!(run = %run, graceful, "resuming run");
        self.drive(setup);
        Ok(())
    }

    /// Changes what a run is asked to do; unknown or finished runs are errors.
    /// Answers once the store shows `expect` (bounded), so a `weft ps` right
    /// after sees the change.
    async fn control(
        &self,
        name: &str,
        change: impl FnOnce(&mut RunControl),
        expect: Option<RunStatus>,
    ) -> Result<RunState, ApiError> {
        let id = self.resolve(name)?;
        let sent = {
            let active = self.active();
            active
                .get(&id)
                .map(|run| run.control.send_modify(change))
                .is_some()
        };
        if !sent {
            let status = self.store.run(&id).map_err(ApiError::from)?.summary.status;
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("run {id} is {status}, not running here"),
            )
            .hint("only runs this daemon is driving can be controlled; see `weft ps`"));
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            let status = self.store.run(&id).map_err(ApiError::from)?.summary.status;
            let settled = expect.is_none_or(|e| e == status) || status.is_terminal();
            if settled || tokio::time::Instant::now() > deadline {
                return Ok(RunState { run: id, status });
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    pub async fn cancel(&self, name: &str) -> Result<RunState, ApiError> {
        if let Some(run) = self.unqueue(name)? {
            return Ok(RunState {
                run,
                status: RunStatus::Cancelled,
            });
        }
        self.control(name, |c| c.cancel = true, None).await
    }

    pub async fn pause(&self, name: &str, signal: bool) -> Result<RunState, ApiError> {
        self.control(name, |c| c.pause = Some(signal), Some(RunStatus::Paused))
            .await
    }

    pub async fn resume(&self, name: &str) -> Result<RunState, ApiError> {
        self.control(name, |c| c.pause = None, Some(RunStatus::Running))
            .await
    }

    /// Waits for a run to end (one this daemon drives, or any in the store).
    pub async fn wait(&self, name: &str) -> Result<RunState, ApiError> {
        let id = match self.store.resolve(name) {
            // Not started yet: wait until it is, then for its end.
            Err(StoreError::Queued { run, .. }) => loop {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                match self.store.resolve(&run) {
                    Ok(id) => break id,
                    Err(StoreError::Queued { .. }) => continue,
                    // Out of the queue without starting: `weft cancel`.
                    Err(StoreError::NotFound(_)) => {
                        return Ok(RunState {
                            run: RunId::from_string(run),
                            status: RunStatus::Cancelled,
                        });
                    }
                    Err(e) => return Err(ApiError::from(e)),
                }
            },
            other => other.map_err(ApiError::from)?,
        };
        let done = self.active().get(&id).map(|a| a.done.clone());
        if let Some(mut done) = done {
            let status = done
                .wait_for(Option::is_some)
                .await
                .map(|s| s.expect("waited for Some"))
                .unwrap_or(RunStatus::Interrupted);
            // Suspended by a graceful stop, not ended: the next daemon
            // resumes it.
            if self
                .store
                .resumable_runs()
                .is_ok_and(|left| left.iter().any(|r| r.run == id))
            {
                return Err(ApiError::new(
                    ErrorCode::Suspended,
                    format!("the daemon stopped before run {id} ended; it goes on when a daemon starts again"),
                )
                .hint("`weft daemon start`"));
            }
            return Ok(RunState { run: id, status });
        }
        // Not ours (a foreground `weft run`, say): poll the store.
        loop {
            let status = self.store.run(&id).map_err(ApiError::from)?.summary.status;
            if status.is_terminal() {
                return Ok(RunState { run: id, status });
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let _ = self.store.reap_interrupted();
        }
    }

    /// Graceful stop: every run is suspended (running tasks get SIGTERM and
    /// their grace period) and its state flushed before this returns; the
    /// next daemon resumes them.
    pub async fn shutdown(&self) {
        let runs: Vec<(RunId, watch::Receiver<Option<RunStatus>>)> = {
            let active = self.active();
            for run in active.values() {
                run.control.send_modify(|c| c.suspend = true);
            }
            active
                .iter()
                .map(|(id, a)| (id.clone(), a.done.clone()))
                .collect()
        };
        for (id, mut done) in runs {
            let _ = done.wait_for(Option::is_some).await;
            tracing::info!(run = %id, "stopped with the daemon");
        }
    }
}
