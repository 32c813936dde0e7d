//! Pruning the run history: which runs a set of criteria selects (a pure
//! function of the runs, tested on its own), and the one procedure `weft
//! prune` and the daemon's retention share: select, delete in the store,
//! remove the log files after the commit, give the space back.
//! Must not depend on the engine or anything above the store; never prints.

use super::{Store, StoreError};
use crate::model::{Millis, RunId, RunStatus, Trigger};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

/// The statuses a run can be pruned in: it has ended for good.
pub const PRUNABLE: &[RunStatus] = &[
    RunStatus::Succeeded,
    RunStatus::Failed,
    RunStatus::Cancelled,
    RunStatus::Interrupted,
];

/// What to delete: a run goes when it matches every criterion given.
/// Only finished runs are ever considered (see [`PRUNABLE`]); a run a
/// daemon will resume, or that a queued run waits for, never goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PruneCriteria {
    /// Only runs of this workflow.
    pub workflow: Option<String>,
    /// Only runs that ended longer ago than this.
    pub older_than: Option<Duration>,
    /// Only runs beyond the newest `keep` finished runs of their workflow.
    pub keep: Option<u32>,
    /// Only runs in one of these statuses (empty: any of [`PRUNABLE`]).
    pub statuses: Vec<RunStatus>,
}

impl PruneCriteria {
    /// True when it restricts nothing but the workflow: it would select
    /// every finished run.
    pub fn is_unbounded(&self) -> bool {
        self.older_than.is_none() && self.keep.is_none() && self.statuses.is_empty()
    }
}

/// One run as selection sees it. Frozen format: `weft prune --json` prints
/// these.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PruneCandidate {
    pub id: RunId,
    pub workflow: String,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
    /// A run left by a daemon that the next daemon resumes: not finished.
    #[serde(skip)]
    pub resumable: bool,
}

impl PruneCandidate {
    /// Ended for good: may be pruned, and counts towards `keep`.
    pub fn is_final(&self) -> bool {
        PRUNABLE.contains(&self.status) && !self.resumable
    }

    /// When it ended (when it was created, for a run that never recorded
    /// its end).
    pub fn ended_at(&self) -> Millis {
        self.finished_at.unwrap_or(self.created_at)
    }
}

/// Picks runs for deletion from rows that come grouped by workflow, newest
/// first within each workflow (the order `keep` counts in).
pub struct Selector<'a> {
    criteria: &'a PruneCriteria,
    /// Runs that ended before this are older than `older_than`.
    cutoff: Option<Millis>,
    workflow: Option<String>,
    finished_seen: u64,
}

impl<'a> Selector<'a> {
    pub fn new(criteria: &'a PruneCriteria, now: Millis) -> Selector<'a> {
        let cutoff = criteria.older_than.map(|d| {
            let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            now.saturating_sub(ms)
        });
        Selector {
            criteria,
            cutoff,
            workflow: None,
            finished_seen: 0,
        }
    }

    /// Whether this run goes.
    pub fn offer(&mut self, run: &PruneCandidate) -> bool {
        if self.workflow.as_deref() != Some(run.workflow.as_str()) {
            self.workflow = Some(run.workflow.clone());
            self.finished_seen = 0;
        }
        if !run.is_final() {
            return false;
        }
        self.finished_seen += 1;
        let c = self.criteria;
        c.workflow.as_ref().is_none_or(|w| *w == run.workflow)
            && self.cutoff.is_none_or(|cut| run.ended_at() < cut)
            && c.keep.is_none_or(|k| self.finished_seen > u64::from(k))
            && (c.statuses.is_empty() || c.statuses.contains(&run.status))
    }
}

/// Takes out of `selected` every run that something staying still refers
/// to: a run a kept retry was made from (`retry_of`, a reused task's
/// `reused_from`: `weft show` of the retry names it), or one a queued run
/// waits for. `refs` holds `(referrer, referenced)` pairs. Returns how many
/// were spared.
pub fn spare_referenced(
    selected: &mut Vec<PruneCandidate>,
    refs: &[(RunId, RunId)],
    pinned: &[RunId],
) -> usize {
    let before = selected.len();
    let mut going: HashSet<RunId> = selected.iter().map(|c| c.id.clone()).collect();
    for p in pinned {
        going.remove(p);
    }
    let mut by_referrer: HashMap<&RunId, Vec<&RunId>> = HashMap::new();
    for (from, to) in refs {
        by_referrer.entry(from).or_default().push(to);
    }
    // Whatever stays keeps what it refers to, transitively.
    let mut staying: Vec<&RunId> = by_referrer
        .keys()
        .copied()
        .filter(|r| !going.contains(*r))
        .collect();
    while let Some(r) = staying.pop() {
        for to in by_referrer.get(r).into_iter().flatten() {
            if going.remove(*to) {
                staying.push(to);
            }
        }
    }
    selected.retain(|c| going.contains(&c.id));
    before - selected.len()
}

/// What a prune did (or, dry, would do). Frozen format: `weft prune
/// --json` prints it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PruneReport {
    pub dry_run: bool,
    /// The runs deleted (would be), oldest first.
    pub runs: Vec<PruneCandidate>,
    /// Log files of those runs removed (would be), and their bytes.
    pub log_files: u64,
    pub log_bytes: u64,
    /// Runs that matched but stay because a remaining run refers to them.
    pub spared: usize,
    /// Log folders of runs no longer in the store, removed.
    pub orphan_log_dirs: u64,
    /// The database's size (with its WAL) before and after.
    pub db_bytes_before: u64,
    pub db_bytes_after: u64,
}

/// Selects runs by `criteria` and, unless `dry_run`, deletes them with
/// everything recorded about them, then their log folders (after the
/// commit: a crash between the two leaves only files, which the next prune
/// removes), then gives the freed space back to the file system.
pub fn prune(
    store: &dyn Store,
    logs_dir: &Path,
    criteria: &PruneCriteria,
    now: Millis,
    dry_run: bool,
) -> Result<PruneReport, StoreError> {
    let db_bytes_before = store.size_on_disk();
    let (mut runs, spared) = store.prune_candidates(criteria, now)?;
    let mut report = PruneReport {
        dry_run,
        spared,
        db_bytes_before,
        db_bytes_after: db_bytes_before,
        ..PruneReport::default()
    };
    if dry_run {
        for run in &runs {
            let (files, bytes) = tree_size(&logs_dir.join(run.id.as_str()));
            report.log_files += files;
            report.log_bytes += bytes;
        }
        report.runs = runs;
        return Ok(report);
    }
    let ids: Vec<RunId> = runs.iter().map(|r| r.id.clone()).collect();
    let deleted = store.delete_runs(&ids)?;
    let gone: HashSet<&RunId> = deleted.iter().collect();
    runs.retain(|r| gone.contains(&r.id));
    // Only the run's own folder under `logs_dir`: the paths recorded in
    // its attempts may name another home's files (a copied store).
    for id in &deleted {
        let (files, bytes) = remove_tree(&logs_dir.join(id.as_str()));
        report.log_files += files;
        report.log_bytes += bytes;
    }
    report.orphan_log_dirs = remove_orphans(store, logs_dir, now)?;
    store.reclaim_space()?;
    report.db_bytes_after = store.size_on_disk();
    report.runs = runs;
    Ok(report)
}

/// A log folder without a run this old is left by a crash between the
/// commit and the removal. Younger ones may belong to a run being created
/// (its folder is made just before its row).
const ORPHAN_AGE: Duration = Duration::from_secs(3_600);

fn remove_orphans(store: &dyn Store, logs_dir: &Path, now: Millis) -> Result<u64, StoreError> {
    let Ok(entries) = std::fs::read_dir(logs_dir) else {
        return Ok(0);
    };
    let old_enough = |meta: &std::fs::Metadata| {
        meta.modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|m| {
                let m = i64::try_from(m.as_millis()).unwrap_or(i64::MAX);
                now.saturating_sub(m) > ORPHAN_AGE.as_millis() as i64
            })
    };
    let dirs: Vec<RunId> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_ok_and(|t| t.is_dir()) && e.metadata().is_ok_and(|m| old_enough(&m))
        })
        .filter_map(|e| e.file_name().to_str().map(RunId::from_string))
        .filter(|id| is_run_id(id.as_str()))
        .collect();
    let mut removed = 0;
    for chunk in dirs.chunks(500) {
        for id in store.unknown_runs(chunk)? {
            remove_tree(&logs_dir.join(id.as_str()));
            removed += 1;
        }
    }
    Ok(removed)
}

/// Run ids are lowercase letters and digits; anything else under the logs
/// folder is not weft's and stays.
fn is_run_id(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Files under `path` and their bytes (symbolic links are not followed).
fn tree_size(path: &Path) -> (u64, u64) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return (0, 0);
    };
    if !meta.is_dir() {
        return (1, meta.len());
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return (0, 0);
    };
    entries.filter_map(Result::ok).fold((0, 0), |(f, b), e| {
        let (f2, b2) = tree_size(&e.path());
        (f + f2, b + b2)
    })
}

/// Removes a folder and what it holds; returns what it held.
fn remove_tree(path: &Path) -> (u64, u64) {
    let size = tree_size(path);
    match std::fs::remove_dir_all(path) {
        Ok(()) => size,
        Err(_) => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, workflow: &str, status: RunStatus, ended: Millis) -> PruneCandidate {
        PruneCandidate {
            id: RunId::from_string(id),
            workflow: workflow.into(),
            status,
            trigger: Trigger::Manual,
            created_at: ended - 10,
            finished_at: Some(ended),
            resumable: false,
        }
    }

    fn select(rows: &[PruneCandidate], c: &PruneCriteria, now: Millis) -> Vec<String> {
        let mut s = Selector::new(c, now);
        rows.iter()
            .filter(|r| s.offer(r))
            .map(|r| r.id.to_string())
            .collect()
    }

    #[test]
    fn criteria_combine_as_all_of_them() {
        use RunStatus::*;
        // Grouped by workflow, newest first.
        let rows = [
            run("a5", "a", Running, 500),
            run("a4", "a", Failed, 400),
            run("a3", "a", Succeeded, 300),
            run("a2", "a", Failed, 200),
            run("a1", "a", Succeeded, 100),
            run("b2", "b", Succeeded, 250),
            run("b1", "b", Cancelled, 150),
        ];
        let keep1 = PruneCriteria {
            keep: Some(1),
            ..Default::default()
        };
        // The running run neither goes nor counts.
        assert_eq!(select(&rows, &keep1, 1000), ["a3", "a2", "a1", "b1"]);
        let old = PruneCriteria {
            older_than: Some(Duration::from_millis(800)),
            ..Default::default()
        };
        assert_eq!(select(&rows, &old, 1000), ["a1", "b1"]);
        let both = PruneCriteria {
            keep: Some(1),
            older_than: Some(Duration::from_millis(750)),
            statuses: vec![Failed],
            ..Default::default()
        };
        assert_eq!(select(&rows, &both, 1000), ["a2"]);
        let only_b = PruneCriteria {
            workflow: Some("b".into()),
            statuses: vec![Succeeded, Cancelled],
            ..Default::default()
        };
        assert_eq!(select(&rows, &only_b, 1000), ["b2", "b1"]);
        let keep0 = PruneCriteria {
            keep: Some(0),
            ..Default::default()
        };
        assert_eq!(select(&rows, &keep0, 0).len(), 6);
        assert!(keep0.statuses.is_empty() && !keep0.is_unbounded());
        assert!(PruneCriteria::default().is_unbounded());
    }

    #[test]
    fn a_run_a_daemon_will_resume_is_not_finished() {
        let mut suspended = run("s", "a", RunStatus::Interrupted, 100);
        suspended.resumable = true;
        let rows = [suspended, run("x", "a", RunStatus::Interrupted, 50)];
        let c = PruneCriteria {
            keep: Some(0),
            ..Default::default()
        };
        assert_eq!(select(&rows, &c, 1000), ["x"]);
    }

    #[test]
    fn runs_that_staying_runs_refer_to_are_spared() {
        let id = RunId::from_string;
        let mut selected = vec![
            run("orig", "a", RunStatus::Failed, 1),
            run("mid", "a", RunStatus::Failed, 2),
            run("lone", "a", RunStatus::Failed, 3),
            run("waited", "a", RunStatus::Succeeded, 4),
        ];
        // `new` (staying) is a retry of `mid`, itself a retry of `orig`.
        let refs = [(id("new"), id("mid")), (id("mid"), id("orig"))];
        let spared = spare_referenced(&mut selected, &refs, &[id("waited")]);
        assert_eq!(spared, 3);
        assert_eq!(selected.len(), 1);
        assert_eq!(selected[0].id.as_str(), "lone");
        // When the retry goes too, so do the runs it came from.
        let mut selected = vec![
            run("orig", "a", RunStatus::Failed, 1),
            run("new", "a", RunStatus::Failed, 2),
        ];
        assert_eq!(
            spare_referenced(&mut selected, &[(id("new"), id("orig"))], &[]),
            0
        );
        assert_eq!(selected.len(), 2);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn status() -> impl Strategy<Value = RunStatus> {
            prop::sample::select(RunStatus::ALL.to_vec())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            /// Selection never takes a run that has not ended for good, and
            /// `keep N` leaves exactly the newest N finished runs (all of
            /// them when fewer) of each workflow.
            #[test]
            fn keep_leaves_the_newest_finished_runs_and_never_takes_an_unfinished_one(
                runs in prop::collection::vec((0u8..3, status(), any::<bool>(), 0i64..1000), 0..60),
                keep in 0u32..5,
                older in prop::option::of(0u64..1000),
            ) {
                let mut rows: Vec<PruneCandidate> = runs.iter().enumerate().map(|(i, (w, s, resumable, t))| {
                    let mut r = run(&format!("r{i}"), &format!("w{w}"), *s, *t);
                    r.resumable = *resumable && *s == RunStatus::Interrupted;
                    r
                }).collect();
                rows.sort_by(|a, b| a.workflow.cmp(&b.workflow).then(b.created_at.cmp(&a.created_at)));
                let c = PruneCriteria { keep: Some(keep), older_than: older.map(Duration::from_millis), ..Default::default() };
                let picked: HashSet<String> = select(&rows, &c, 1000).into_iter().collect();
                for w in 0..3 {
                    let name = format!("w{w}");
                    let finished: Vec<&PruneCandidate> = rows.iter().filter(|r| r.workflow == name && r.is_final()).collect();
                    for (rank, r) in finished.iter().enumerate() {
                        let is_old = older.is_none_or(|o| r.ended_at() < 1000 - o as i64);
                        prop_assert_eq!(picked.contains(r.id.as_str()), rank >= keep as usize && is_old);
                    }
                }
                for r in &rows {
                    if !r.is_final() {
                        prop_assert!(!picked.contains(r.id.as_str()));
                    }
                }
            }
        }
    }
}
