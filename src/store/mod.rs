//! Persistence of runs, tasks, attempts, outputs and events, behind the
//! `Store` trait (SQLite now, Postgres later), plus the per-attempt log files.
//! Must not depend on the engine, exec or anything above them; never prints.

mod fires;
mod prune;
mod records;
mod sqlite;

pub use fires::{QueuedRun, queue_position};
pub use prune::{
    PRUNABLE, PruneCandidate, PruneCriteria, PruneReport, Selector, prune, spare_referenced,
};
pub use records::{NewRun, NewTask, Owner, Resumable, ReusedTask, RunFilter};
pub use sqlite::SqliteStore;

/// Opens the store at `path` (today the SQLite one): what commands and the
/// daemon hold is the [`Store`] trait, so a second store or a sync layer
/// can sit behind it.
pub fn open(
    path: &std::path::Path,
    durability: crate::config::Durability,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(std::sync::Arc::new(SqliteStore::open(path, durability)?))
}

/// The store for a reader: opened read-only when it cannot be written.
pub fn open_for_reading(
    path: &std::path::Path,
    durability: crate::config::Durability,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(std::sync::Arc::new(SqliteStore::open_for_reading(
        path, durability,
    )?))
}

use crate::model::{Fire, FireRecord, Millis, RunDetail, RunEvent, RunId, RunSummary};
use std::future::Future;
use std::pin::Pin;

/// A write that is durable once the future resolves.
pub type Pending = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;

/// Where runs are kept. Every write is durable when it returns (or when its
/// `Pending` resolves); readers never see half a write.
pub trait Store: Send + Sync {
    /// Records a new run and its tasks (reused ones already succeeded).
    fn create_run(&self, run: &NewRun) -> Result<(), StoreError>;

    /// Applies events in order; batched with other writers' events.
    fn record(&self, events: Vec<RunEvent>) -> Pending;

    /// Runs, newest first.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError>;

    /// One run with every task, attempt and output.
    fn run(&self, id: &RunId) -> Result<RunDetail, StoreError>;

    /// Turns what a user typed (an id, a unique id prefix, or a workflow name
    /// meaning its latest run) into a run id.
    fn resolve(&self, name: &str) -> Result<RunId, StoreError>;

    /// Runs left by a daemon that died or stopped, oldest first.
    fn resumable_runs(&self) -> Result<Vec<Resumable>, StoreError>;

    /// Takes a resumable run over for `owner`: it is `running` again.
    /// False when another process claimed it first.
    fn claim_run(&self, run: &RunId, owner: &Owner) -> Result<bool, StoreError>;

    /// The most recent events of all runs, oldest first.
    fn recent_events(&self, limit: usize) -> Result<Vec<RunEvent>, StoreError>;

    /// Marks `interrupted` every running run of this host whose owning process
    /// is gone, with its unfinished tasks and attempts, after stopping what
    /// those attempts left running (verified by pid and start time).
    /// Returns those runs.
    fn reap_interrupted(&self) -> Result<Vec<RunId>, StoreError>;

    /// Ends a run whose driver had to stop (its events could not all be
    /// recorded): the run and its unfinished tasks become `failed` with
    /// `reason`, open attempts `interrupted`. A no-op on an ended run.
    fn abandon_run(&self, run: &RunId, reason: &str, at: Millis) -> Result<(), StoreError>;

    /// Why the last write failed, until a write succeeds again.
    fn write_error(&self) -> Option<String> {
        None
    }

    /// Records a fire (and, when it is queued, its waiting run) unless this
    /// workflow's schedule already fired at that time. True when recorded.
    fn record_fire(&self, fire: &Fire, queued: Option<&QueuedRun>) -> Result<bool, StoreError>;

    /// A fire whose run could not start.
    fn fire_failed(&self, fire: &Fire, error: &str) -> Result<(), StoreError>;

    /// Fires recorded as started whose run is not in the store (the daemon
    /// died between the two writes): they still have to start.
    fn unstarted_fires(&self) -> Result<Vec<Fire>, StoreError>;

    /// The latest fire of one schedule of a workflow.
    fn last_fire(&self, workflow: &str, schedule: &str) -> Result<Option<FireRecord>, StoreError>;

    /// A workflow's fires, newest first (`limit` 0: all).
    fn fires(&self, workflow: &str, limit: usize) -> Result<Vec<FireRecord>, StoreError>;

    /// When a daemon first saw this schedule (now, if never before).
    fn schedule_seen(
        &self,
        workflow: &str,
        schedule: &str,
        now: Millis,
    ) -> Result<Millis, StoreError>;

    fn set_paused(&self, workflow: &str, paused: bool) -> Result<(), StoreError>;

    fn paused_workflows(&self) -> Result<Vec<String>, StoreError>;

    /// Queues a run behind another (`weft add --after`).
    fn enqueue(&self, queued: &QueuedRun) -> Result<(), StoreError>;

    /// Runs waiting for another, oldest first.
    fn queued_runs(&self) -> Result<Vec<QueuedRun>, StoreError>;

    /// Forgets a queued run (it has started, or its wait was cancelled).
    fn dequeue(&self, run: &RunId) -> Result<(), StoreError>;

    /// The runs `criteria` selects for deletion, oldest first, without
    /// those a staying run refers to (a retry's source, a queued run's
    /// predecessor); also how many of those were spared.
    fn prune_candidates(
        &self,
        criteria: &PruneCriteria,
        now: Millis,
    ) -> Result<(Vec<PruneCandidate>, usize), StoreError>;

    /// Deletes these runs with their tasks, attempts, outputs, events and
    /// fires, in short transactions so other writers are not held off.
    /// A run that is not finished for good (any more) stays. Returns the
    /// runs deleted.
    fn delete_runs(&self, runs: &[RunId]) -> Result<Vec<RunId>, StoreError>;

    /// Of these ids, the ones neither a run nor a queued run.
    fn unknown_runs(&self, ids: &[RunId]) -> Result<Vec<RunId>, StoreError>;

    /// Gives the space deletions freed back to the file system.
    fn reclaim_space(&self) -> Result<(), StoreError>;

    /// The workflows that have runs in the store.
    fn workflow_names(&self) -> Result<Vec<String>, StoreError>;

    /// Bytes the store takes on disk (0 when it cannot say).
    fn size_on_disk(&self) -> u64 {
        0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at `{path}`: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create `{path}`: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store at `{path}` has schema version {found}, newer than this weft knows ({known}); upgrade weft"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no run matches `{0}`; list runs with `weft ps`")]
    NotFound(String),
    /// Not a run yet: it waits in the queue.
    #[error(
        "run {run} is queued: it starts when run {after} has ended (`weft cancel {run}` takes it out of the queue)"
    )]
    Queued { run: String, after: String },
    #[error("`{name}` matches several runs: {}; type more of the id", .candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("corrupt record in the store: {0}")]
    Corrupt(String),
}
