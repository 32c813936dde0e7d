//! Turning a validated workflow into a recorded run ready to drive: the
//! run's row and tasks in the store, its log folder, and the driver's setup.
//! Shared by the foreground `weft run`, `weft retry` and the daemon, and
//! the planning of a retry (which earlier successes to reuse).

use super::driver::{EngineError, Prior, RunSetup};
use crate::config::Config;
use crate::model::RunDetail;
use crate::model::{AttemptOutcome, EventKind, RunId, TaskStatus, Trigger, now_ms};
use crate::store::{NewRun, NewTask, Owner, ReusedTask, Store};
use crate::workflow::{Loaded, load_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A run about to start.
pub struct Launch {
    pub loaded: Loaded,
    /// Absolute path of the workflow file (tasks run in its folder).
    pub file: PathBuf,
    pub trigger: Trigger,
    pub retry_of: Option<RunId>,
    /// Per task, an earlier success to reuse (empty: none).
    pub reused: Vec<Option<ReusedTask>>,
    /// `-j N`; else the workflow's, the config's, or the number of CPUs.
    pub concurrency: Option<usize>,
}

/// Records the run (after making its log folder, so a failure there changes
/// nothing) and returns what the driver needs.
pub fn record_run(
    store: &dyn Store,
    logs_dir: &Path,
    config: &Config,
    launch: Launch,
    owner: Owner,
) -> Result<RunSetup, EngineError> {
    record_run_as(store, logs_dir, config, launch, owner, RunId::generate())
}

/// `record_run` under an id chosen earlier (a schedule's fire or a queued
/// run records the id first, so the run starts once).
pub fn record_run_as(
    store: &dyn Store,
    logs_dir: &Path,
    config: &Config,
    launch: Launch,
    owner: Owner,
    run_id: RunId,
) -> Result<RunSetup, EngineError> {
    let wf = &launch.loaded.workflow;
    let reused_of = |i: usize| launch.reused.get(i).cloned().flatten();
    let new_run = NewRun {
        id: run_id.clone(),
        workflow: wf.name.clone(),
        file: launch.file.display().to_string(),
        source: wf.source.clone(),
        params: launch.loaded.params_json(),
        trigger: launch.trigger,
        retry_of: launch.retry_of.clone(),
        tasks: wf
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| NewTask {
                name: t.name.clone(),
                needs: t.needs.iter().map(|&n| wf.tasks[n].name.clone()).collect(),
                when: t.when,
                reused: reused_of(i),
            })
            .collect(),
        owner,
        created_at: now_ms(),
        concurrency: launch.concurrency.map(|c| c as u32),
    };
    let run_logs = logs_dir.join(run_id.as_str());
    crate::private_fs::create_dir_all(&run_logs).map_err(|source| EngineError::Logs {
        path: run_logs.display().to_string(),
        source,
    })?;
    store.create_run(&new_run)?;
    let concurrency = concurrency_for(launch.concurrency, &launch.loaded, config);
    let base_dir = base_dir_of(&launch.file);
    Ok(RunSetup {
        run_id,
        logs_dir: logs_dir.to_path_buf(),
        base_dir,
        concurrency,
        grace: config.kill_grace(),
        shell: config.run.shell,
        log_cap: config.max_attempt_size(),
        prior: (0..wf.tasks.len())
            .map(|i| match reused_of(i) {
                Some(r) => Prior {
                    done: Some(TaskStatus::Succeeded),
                    outputs: r.outputs,
                    ..Prior::default()
                },
                None => Prior::default(),
            })
            .collect(),
        resumed: false,
        ptys: None,
        loaded: Arc::new(launch.loaded),
    })
}

fn concurrency_for(flag: Option<usize>, loaded: &Loaded, config: &Config) -> usize {
    flag.or(loaded.workflow.concurrency)
        .or((config.run.concurrency > 0).then_some(config.run.concurrency))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

fn base_dir_of(file: &Path) -> PathBuf {
    file.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The workflow as it was when the run started, with its params.
fn load_stored(old: &RunDetail) -> Result<Loaded, String> {
    let params: Vec<(String, String)> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    load_str(&old.file, &old.source, &params, &|_| None).map_err(|report| report.render())
}

/// How to go on with a run a daemon left behind: its tasks' state so far,
/// and the tasks that are out of attempts (to record as failed first).
pub fn plan_resume(
    old: &RunDetail,
    logs_dir: &Path,
    config: &Config,
) -> Result<(RunSetup, Vec<EventKind>), String> {
    let loaded = load_stored(old)?;
    let mut prior = Vec::new();
    let mut give_up = Vec::new();
    for t in &loaded.workflow.tasks {
        let Some(rec) = old.tasks.iter().find(|r| r.name == t.name) else {
            prior.push(Prior::default());
            continue;
        };
        let attempts = rec.attempts.len() as u32;
        let uncounted = rec
            .attempts
            .iter()
            .filter(|a| a.outcome == Some(AttemptOutcome::Stopped))
            .count() as u32;
        let p = match rec.status {
            TaskStatus::Succeeded => Prior {
                done: Some(TaskStatus::Succeeded),
                outputs: rec.outputs.clone(),
                attempts,
                uncounted,
            },
            TaskStatus::Failed | TaskStatus::Skipped | TaskStatus::Cancelled => Prior {
                done: Some(rec.status),
                attempts,
                ..Prior::default()
            },
            _ if attempts > 0 && attempts - uncounted >= t.retry.attempts => {
                give_up.push(EventKind::TaskFinished {
                    task: t.name.clone(),
                    status: TaskStatus::Failed,
                    reason: Some(format!(
                        "interrupted: its daemon died, and it has no attempts left ({} of {})",
                        attempts - uncounted,
                        t.retry.attempts
                    )),
                    outputs: Vec::new(),
                });
                Prior {
                    done: Some(TaskStatus::Failed),
                    attempts,
                    ..Prior::default()
                }
            }
            _ => Prior {
                done: None,
                outputs: Vec::new(),
                attempts,
                uncounted,
            },
        };
        prior.push(p);
    }
    let setup = RunSetup {
        run_id: old.summary.id.clone(),
        logs_dir: logs_dir.to_path_buf(),
        base_dir: base_dir_of(Path::new(&old.file)),
        concurrency: concurrency_for(old.concurrency.map(|c| c as usize), &loaded, config),
        grace: config.kill_grace(),
        shell: config.run.shell,
        log_cap: config.max_attempt_size(),
        prior,
        resumed: true,
        ptys: None,
        loaded: Arc::new(loaded),
    };
    Ok((setup, give_up))
}

/// Why a run cannot be retried.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("run {0} is still running; wait for it before retrying")]
    StillRunning(RunId),
    #[error("the definition stored with run {run} no longer validates:\n{report}")]
    Invalid { run: RunId, report: String },
    #[error("run {run} has no task `{task}`")]
    UnknownTask {
        run: RunId,
        task: String,
        tasks: Vec<String>,
    },
    #[error("every task of run {0} succeeded; nothing to retry")]
    NothingToRetry(RunId),
}

/// A new run of `old`'s definition and params that reuses its successes,
/// except `from` and everything downstream of it.
pub fn plan_retry(old: &RunDetail, from: Option<&str>) -> Result<Launch, RetryError> {
    let id = &old.summary.id;
    if !old.summary.status.is_terminal() {
        return Err(RetryError::StillRunning(id.clone()));
    }
    let loaded = load_stored(old).map_err(|report| RetryError::Invalid {
        run: id.clone(),
        report,
    })?;
    let wf = &loaded.workflow;
    // Rerun what did not succeed and `from`, then everything downstream of
    // those: a task after a rerun one had its inputs from the old run (a
    // `when: always` cleanup of a failed run must clean up the new one).
    let succeeded = |name: &str| {
        old.tasks
            .iter()
            .any(|o| o.name.as_str() == name && o.status == TaskStatus::Succeeded)
    };
    let mut seeds: Vec<usize> = (0..wf.tasks.len())
        .filter(|&i| !succeeded(wf.tasks[i].name.as_str()))
        .collect();
    if let Some(from) = from {
        let Some(i) = wf.task_index(from) else {
            return Err(RetryError::UnknownTask {
                run: id.clone(),
                task: from.to_string(),
                tasks: wf.tasks.iter().map(|t| t.name.to_string()).collect(),
            });
        };
        seeds.push(i);
    }
    let mut rerun = vec![false; wf.tasks.len()];
    for i in seeds {
        rerun[i] = true;
        for (j, d) in wf.dag.descendants(i).into_iter().enumerate() {
            rerun[j] |= d;
        }
    }
    let reused: Vec<Option<ReusedTask>> = wf
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let old_task = old.tasks.iter().find(|o| o.name == t.name)?;
            (!rerun[i]).then(|| ReusedTask {
                from: old_task.reused_from.clone().unwrap_or_else(|| id.clone()),
                outputs: old_task.outputs.clone(),
            })
        })
        .collect();
    if reused.iter().all(Option::is_some) {
        return Err(RetryError::NothingToRetry(id.clone()));
    }
    Ok(Launch {
        loaded,
        file: PathBuf::from(&old.file),
        trigger: Trigger::Retry,
        retry_of: Some(id.clone()),
        reused,
        concurrency: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Durability;
    use crate::store::SqliteStore;

    #[test]
    fn a_resumed_run_keeps_the_concurrency_it_was_started_with() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
        let config = Config::default();
        let source =
            "name: w\nconcurrency: 4\ntasks:\n  a: { run: 'true' }\n  b: { run: 'true' }\n";
        let launch = |concurrency| Launch {
            loaded: load_str("w.yaml", source, &[], &|_| None).unwrap(),
            file: dir.path().join("w.yaml"),
            trigger: Trigger::Manual,
            retry_of: None,
            reused: Vec::new(),
            concurrency,
        };
        for (flag, resumed_with) in [(Some(1), 1), (None, 4)] {
            let setup = record_run(
                &store,
                dir.path(),
                &config,
                launch(flag),
                Owner::this_process(),
            )
            .unwrap();
            assert_eq!(setup.concurrency, flag.unwrap_or(4));
            let old = store.run(&setup.run_id).unwrap();
            let (resumed, _) = plan_resume(&old, dir.path(), &config).unwrap();
            assert_eq!(resumed.concurrency, resumed_with, "-j {flag:?}");
        }
    }
}
