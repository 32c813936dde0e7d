//! The daemon's schedules: fires of the workflows in `workflow_dirs` (each
//! recorded once in the store before its run starts), the overlap policy
//! when a fire finds the previous run still going, catch-up of fires missed
//! while no daemon ran, pause/resume, trigger, reload, and the
//! `GET /v1/workflows` listing. Writes only to the daemon log.

use super::Manager;
use crate::api::{
    ApiError, ErrorCode, ParamInfo, ReloadResponse, ScheduleInfo, TriggerResponse, WorkflowInfo,
};
use crate::engine::{Launch, record_run_as};
use crate::model::{Fire, FireOutcome, FireRecord};
use crate::model::{Millis, Overlap, RunId, Trigger, now_ms};
use crate::schedule;
use crate::store::{Owner, QueuedRun, RunFilter};
use crate::workflow::{Workflow, load_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The schedule key of `weft schedule trigger`.
pub const TRIGGER_KEY: &str = "trigger";

/// Runs one schedule computation; a panic in it (a bug: validation bounds
/// every input and the arithmetic is checked) costs that schedule this
/// pass, never the daemon's scheduler.
fn guarded<T>(workflow: &str, key: &str, f: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::error!(workflow = %workflow, schedule = %key, "schedule computation failed; skipped");
            None
        }
    }
}

/// A fire about to happen.
struct Due {
    file: PathBuf,
    workflow: Arc<Workflow>,
    key: String,
    at: Millis,
}

impl Manager {
    /// Loads the workflow files, starts what a dead daemon recorded but did
    /// not start, and catches up missed fires: all before the API answers.
    pub async fn start_schedules(self: &Arc<Self>) {
        self.registry().scan(true);
        match self.store.unstarted_fires() {
            Ok(fires) => {
                for fire in fires {
                    self.restart_fire(fire);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list unstarted fires"),
        }
        self.tick().await;
    }

    /// Fires schedules when due until the daemon stops.
    pub async fn run_schedules(self: Arc<Self>) {
        let mut stopping = self.stopping();
        loop {
            if *stopping.borrow() {
                return;
            }
            let wait = self.tick().await;
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = stopping.changed() => {}
            }
        }
    }

    /// One pass: rescan if due, fire what is due, start queued runs whose
    /// wait is over. Returns how long to sleep.
    async fn tick(self: &Arc<Self>) -> Duration {
        let now = now_ms();
        let due = self.due(now);
        for d in due {
            let fire = self
                .fire(&d.file, &d.workflow, &d.key, d.at, Trigger::Schedule, &[])
                .await;
            if let Err(e) = fire {
                tracing::error!(workflow = %d.workflow.name, schedule = %d.key, error = %e, "fire failed");
            }
        }
        self.start_queued().await;
        // Sleep until the next fire, but look at the files now and then.
        let next = self.next_fire();
        let now = now_ms();
        let until = next.map_or(1000, |n| n.saturating_sub(now).clamp(5, 1000));
        Duration::from_millis(until as u64)
    }

    pub(super) fn registry(&self) -> std::sync::MutexGuard<'_, super::workflow_files::Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fires due by `now` (catch-up included for schedules seen for the
    /// first time by this daemon); advances the cursors past them.
    fn due(&self, now: Millis) -> Vec<Due> {
        let paused = self.store.paused_workflows().unwrap_or_default();
        let mut reg = self.registry();
        reg.scan(false);
        let workflows: Vec<(PathBuf, Arc<Workflow>)> =
            reg.valid().map(|(p, w)| (p.clone(), w.clone())).collect();
        let mut due = Vec::new();
        for (file, wf) in workflows {
            for spec in &wf.schedules {
                let key = spec.key();
                let id = (wf.name.clone(), key.clone());
                let mut times = Vec::new();
                let cursor = match reg.cursors.get(&id) {
                    Some(&c) => c,
                    None => {
                        // First sight in this daemon: catch up what was
                        // missed since the last fire (or since any daemon
                        // first saw the schedule).
                        let seen = self.store.schedule_seen(&wf.name, &key, now).unwrap_or(now);
                        let last = self.store.last_fire(&wf.name, &key).ok().flatten();
                        let from = last.map_or(seen, |f| f.fire.fire_at).max(seen);
                        times = guarded(&wf.name, &key, || {
                            schedule::missed(spec, from, now, &wf.policy)
                        })
                        .unwrap_or_default();
                        if !times.is_empty() {
                            tracing::info!(workflow = %wf.name, schedule = %key, missed = times.len(), "catching up");
                        }
                        now
                    }
                };
                let regular = guarded(&wf.name, &key, || {
                    spec.fires_between(cursor, now, schedule::MAX_CATCHUP)
                })
                .unwrap_or_default();
                let advanced = if regular.len() == schedule::MAX_CATCHUP {
                    *regular.last().expect("not empty")
                } else {
                    now.max(cursor)
                };
                times.extend(regular);
                reg.cursors.insert(id, advanced);
                if paused.contains(&wf.name) {
                    continue;
                }
                due.extend(times.into_iter().map(|at| Due {
                    file: file.clone(),
                    workflow: wf.clone(),
                    key: key.clone(),
                    at,
                }));
            }
        }
        due.sort_by_key(|d| d.at);
        due
    }

    fn next_fire(&self) -> Option<Millis> {
        let reg = self.registry();
        reg.valid()
            .flat_map(|(_, wf)| {
                wf.schedules.iter().filter_map(|s| {
                    let cursor = reg.cursors.get(&(wf.name.clone(), s.key()))?;
                    guarded(&wf.name, &s.key(), || s.next_after(*cursor)).flatten()
                })
            })
            .min()
    }

    /// Runs of a workflow still going (running or paused), oldest first.
    fn going(&self, workflow: &str) -> Vec<RunId> {
        // A run whose process died (`kill -9` of a foreground `weft run`)
        // is not going: mark it so, or it would hold every fire back.
        let _ = self.store.reap_interrupted();
        let filter = RunFilter {
            workflow: Some(workflow.to_string()),
            active: true,
            ..RunFilter::default()
        };
        let mut runs = self.store.runs(&filter).unwrap_or_default();
        runs.sort_by_key(|r| r.created_at);
        runs.into_iter().map(|r| r.id).collect()
    }

    /// Records one fire and acts on it as the overlap policy says.
    async fn fire(
        self: &Arc<Self>,
        file: &Path,
        wf: &Workflow,
        key: &str,
        at: Millis,
        trigger: Trigger,
        params: &[(String, String)],
    ) -> Result<(FireOutcome, Option<RunId>), ApiError> {
        let going = self.going(&wf.name);
        let queued: Vec<QueuedRun> = self
            .store
            .queued_runs()
            .map_err(ApiError::from)?
            .into_iter()
            .filter(|q| q.workflow == wf.name)
            .collect();
        let busy = !going.is_empty() || !queued.is_empty();
        let overlap = if busy {
            wf.policy.overlap
        } else {
            Overlap::Allow
        };
        let run = RunId::generate();
        let (outcome, waiting) = match overlap {
            Overlap::Allow | Overlap::CancelPrevious => (FireOutcome::Started, None),
            Overlap::Skip => (FireOutcome::Skipped, None),
            Overlap::Queue => {
                let after = queued
                    .last()
                    .map(|q| q.run.clone())
                    .or_else(|| going.last().cloned())
                    .expect("busy: a run goes or waits");
                let q = QueuedRun {
                    run: run.clone(),
                    workflow: wf.name.clone(),
                    file: file.display().to_string(),
                    source: wf.source.clone(),
                    params: params.to_vec(),
                    trigger,
                    after,
                    created_at: now_ms(),
                };
                (FireOutcome::Queued, Some(q))
            }
        };
        let fire = Fire {
            workflow: wf.name.clone(),
            schedule: key.to_string(),
            fire_at: at,
            outcome,
            run: (outcome != FireOutcome::Skipped).then(|| run.clone()),
            params: params.to_vec(),
        };
        let recorded = self
            .store
            .record_fire(&fire, waiting.as_ref())
            .map_err(ApiError::from)?;
        if !recorded {
            tracing::info!(workflow = %wf.name, schedule = %key, at = %schedule::rfc3339(at), "already fired; not again");
            return Ok((FireOutcome::Skipped, None));
        }
        tracing::info!(workflow = %wf.name, schedule = %key, at = %schedule::rfc3339(at), outcome = outcome.as_str(), "fired");
        match outcome {
            FireOutcome::Started => {
                if overlap == Overlap::CancelPrevious {
                    for old in &going {
                        if let Err(e) = self.cancel(old.as_str()).await {
                            tracing::warn!(run = %old, error = %e.message, "cannot cancel the previous run");
                        }
                    }
                }
                let file = file.display().to_string();
                if let Err(e) = self.start_as(run.clone(), &file, &wf.source, params, trigger) {
                    let _ = self.store.fire_failed(&fire, &e.message);
                    return Err(e);
                }
                Ok((outcome, Some(run)))
            }
            FireOutcome::Queued => {
                self.wake.notify_one();
                Ok((outcome, Some(run)))
            }
            _ => Ok((outcome, None)),
        }
    }

    /// Starts a run under an id chosen before (a fire's or a queued run's).
    pub(super) fn start_as(
        self: &Arc<Self>,
        id: RunId,
        file: &str,
        source: &str,
        params: &[(String, String)],
        trigger: Trigger,
    ) -> Result<RunId, ApiError> {
        let loaded = load_str(file, source, params, &|_| None).map_err(|report| {
            ApiError::new(ErrorCode::InvalidWorkflow, report.render())
                .hint("check it with `weft validate`")
        })?;
        let setup = record_run_as(
            &*self.store,
            &self.paths.logs_dir(),
            &self.config,
            Launch {
                loaded,
                file: PathBuf::from(file),
                trigger,
                retry_of: None,
                reused: Vec::new(),
                concurrency: None,
            },
            Owner::this_daemon(),
            id,
        )
        .map_err(ApiError::from)?;
        Ok(self.drive(setup))
    }

    /// A fire an earlier daemon recorded but died before starting.
    fn restart_fire(self: &Arc<Self>, fire: Fire) {
        let Some(run) = fire.run.clone() else { return };
        let found = self.registry().find(&fire.workflow);
        let result = found.and_then(|(file, wf)| {
            self.start_as(
                run,
                &file.display().to_string(),
                &wf.source,
                &fire.params,
                if fire.schedule == TRIGGER_KEY {
                    Trigger::Manual
                } else {
                    Trigger::Schedule
                },
            )
        });
        match result {
            Ok(run) => {
                tracing::info!(workflow = %fire.workflow, run = %run, "started a fire recorded before a crash")
            }
            Err(e) => {
                tracing::error!(workflow = %fire.workflow, error = %e.message, "cannot start a recorded fire");
                let _ = self.store.fire_failed(&fire, &e.message);
            }
        }
    }

    /// `GET /v1/workflows`.
    pub fn workflows(&self) -> Result<Vec<WorkflowInfo>, ApiError> {
        let paused = self.store.paused_workflows().map_err(ApiError::from)?;
        let queued = self.store.queued_runs().map_err(ApiError::from)?;
        let now = now_ms();
        let mut reg = self.registry();
        reg.scan(false);
        let mut out = Vec::new();
        for (path, file) in &reg.files {
            let info = match &file.state {
                Ok(wf) => {
                    let is_paused = paused.contains(&wf.name);
                    let schedules = wf
                        .schedules
                        .iter()
                        .map(|s| {
                            let key = s.key();
                            let last = self
                                .store
                                .last_fire(&wf.name, &key)
                                .map_err(ApiError::from)?;
                            let from = reg
                                .cursors
                                .get(&(wf.name.clone(), key.clone()))
                                .copied()
                                .unwrap_or(now)
                                .max(now);
                            Ok(ScheduleInfo {
                                next: if is_paused {
                                    Vec::new()
                                } else {
                                    s.fires_between(from, Millis::MAX, 3)
                                },
                                last,
                                key,
                                expression: s.expression(),
                                description: s.describe(),
                                timezone: s.zone().map(|z| z.name()),
                            })
                        })
                        .collect::<Result<Vec<_>, ApiError>>()?;
                    WorkflowInfo {
                        name: wf.name.clone(),
                        file: path.display().to_string(),
                        description: wf.description.clone(),
                        valid: true,
                        diagnostics: None,
                        params: wf
                            .params
                            .iter()
                            .map(|p| ParamInfo {
                                name: p.name.clone(),
                                ty: p.ty.name().to_string(),
                                required: p.required,
                                default: p.default.as_ref().map(|d| d.to_json()),
                                description: p.description.clone(),
                            })
                            .collect(),
                        overlap: wf.policy.overlap.to_string(),
                        catchup: wf.policy.catchup.as_str().to_string(),
                        paused: is_paused,
                        schedules,
                        queued: queued.iter().filter(|q| q.workflow == wf.name).count() as u32,
                    }
                }
                Err(problems) => WorkflowInfo {
                    name: path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    file: path.display().to_string(),
                    description: None,
                    valid: false,
                    diagnostics: Some(problems.clone()),
                    params: Vec::new(),
                    overlap: Overlap::default().to_string(),
                    catchup: schedule::Catchup::default().as_str().to_string(),
                    paused: false,
                    schedules: Vec::new(),
                    queued: 0,
                },
            };
            out.push(info);
        }
        Ok(out)
    }

    /// `weft daemon reload`, SIGHUP: rereads `workflow_dirs` from the
    /// config file and rescans the folders now.
    pub fn reload(&self) -> ReloadResponse {
        let file = &self.paths.config_file;
        let dirs = match crate::config::Config::load(file) {
            Ok(config) => Some(config.workflow_dirs),
            Err(e) => {
                tracing::warn!("config not reread, keeping the folders: {e}");
                None
            }
        };
        let mut reg = self.registry();
        if let Some(dirs) = dirs {
            reg.set_dirs(dirs.into_iter().map(std::path::PathBuf::from).collect());
        }
        reg.scan(true);
        let valid = reg.valid().count() as u32;
        let invalid = reg.files.len() as u32 - valid;
        drop(reg);
        self.wake.notify_one();
        tracing::info!(valid, invalid, "workflow files reloaded");
        ReloadResponse {
            workflows: valid,
            invalid,
        }
    }

    /// `weft schedule pause/resume`.
    pub fn set_paused(&self, workflow: &str, paused: bool) -> Result<(), ApiError> {
        self.registry().find(workflow)?;
        self.store
            .set_paused(workflow, paused)
            .map_err(ApiError::from)?;
        tracing::info!(workflow, paused, "schedules paused or resumed");
        self.wake.notify_one();
        Ok(())
    }

    /// `weft schedule fires`: a workflow's fires, newest first.
    pub fn fires(&self, workflow: &str, limit: usize) -> Result<Vec<FireRecord>, ApiError> {
        self.store.fires(workflow, limit).map_err(ApiError::from)
    }

    /// `weft schedule trigger`: fires a workflow now, overlap policy included.
    pub async fn trigger(
        self: &Arc<Self>,
        workflow: &str,
        params: &[(String, String)],
    ) -> Result<TriggerResponse, ApiError> {
        let (file, wf) = {
            let mut reg = self.registry();
            reg.scan(false);
            reg.find(workflow)?
        };
        // Bad params are refused before anything is recorded.
        load_str(&file.display().to_string(), &wf.source, params, &|_| None).map_err(|report| {
            ApiError::new(ErrorCode::InvalidWorkflow, report.render())
                .hint("pass params with `-p KEY=VALUE`")
        })?;
        let (outcome, run) = self
            .fire(&file, &wf, TRIGGER_KEY, now_ms(), Trigger::Manual, params)
            .await?;
        Ok(TriggerResponse { outcome, run })
    }
}
