//! Pruning in SQLite: the selection query (streamed through the pure
//! `Selector`), the batched delete, and giving space back (incremental
//! vacuum, or one full `VACUUM` that also turns incremental vacuum on for a
//! store made before weft set it).

use super::{SqliteStore, retry_busy, retry_busy_store};
use crate::model::{Millis, RunId};
use crate::store::{PruneCandidate, PruneCriteria, Selector, StoreError};
use rusqlite::params_from_iter;

/// Runs deleted per transaction: each takes a few milliseconds, so other
/// writers (the daemon's event writer) wait at most that long.
const BATCH: usize = 500;

/// Pages an incremental vacuum frees per transaction.
const VACUUM_STEP: i64 = 1024;

/// The SQL list of the statuses a run may be pruned in.
fn prunable_sql() -> String {
    crate::store::PRUNABLE
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

impl SqliteStore {
    pub(super) fn prune_candidates_impl(
        &self,
        criteria: &PruneCriteria,
        now: Millis,
    ) -> Result<(Vec<PruneCandidate>, usize), StoreError> {
        let conn = self.conn();
        let mut sql = String::from(
            "SELECT id, workflow, status, trigger_, created_at, finished_at, resumable FROM runs",
        );
        let mut args: Vec<String> = Vec::new();
        if let Some(w) = &criteria.workflow {
            sql.push_str(" WHERE workflow = ?");
            args.push(w.clone());
        }
        sql.push_str(" ORDER BY workflow, created_at DESC, rowid DESC");
        let mut selector = Selector::new(criteria, now);
        let mut selected = Vec::new();
        {
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(&args))?;
            while let Some(row) = rows.next()? {
                let run = PruneCandidate {
                    id: RunId::from_string(row.get::<_, String>(0)?),
                    workflow: row.get(1)?,
                    status: super::parse_col(row, "status")?,
                    trigger: super::parse_col(row, "trigger_")?,
                    created_at: row.get(4)?,
                    finished_at: row.get(5)?,
                    resumable: row.get::<_, i64>(6)? != 0,
                };
                if selector.offer(&run) {
                    selected.push(run);
                }
            }
        }
        let refs: Vec<(RunId, RunId)> = {
            let mut stmt = conn.prepare(
                "SELECT id, retry_of FROM runs WHERE retry_of IS NOT NULL
                 UNION SELECT run_id, reused_from FROM tasks WHERE reused_from IS NOT NULL",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    RunId::from_string(r.get::<_, String>(0)?),
                    RunId::from_string(r.get::<_, String>(1)?),
                ))
            })?
            .collect::<Result<_, _>>()?
        };
        let pinned: Vec<RunId> = {
            let mut stmt = conn.prepare("SELECT DISTINCT after_run FROM queued_runs")?;
            stmt.query_map([], |r| Ok(RunId::from_string(r.get::<_, String>(0)?)))?
                .collect::<Result<_, _>>()?
        };
        drop(conn);
        let spared = crate::store::spare_referenced(&mut selected, &refs, &pinned);
        selected.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok((selected, spared))
    }

    pub(super) fn delete_runs_impl(&self, runs: &[RunId]) -> Result<Vec<RunId>, StoreError> {
        let prunable = prunable_sql();
        let mut deleted = Vec::with_capacity(runs.len());
        for chunk in runs.chunks(BATCH) {
            let ids: Vec<&str> = chunk.iter().map(RunId::as_str).collect();
            let batch = retry_busy_store(|| {
                let mut conn = self.conn();
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                // Checked again under the write lock: a run resumed or
                // waited for since it was selected stays.
                let confirmed: Vec<String> = {
                    let mut stmt = tx.prepare(&format!(
                        "SELECT id FROM runs WHERE id IN ({}) AND status IN ({prunable})
                           AND resumable = 0
                           AND id NOT IN (SELECT after_run FROM queued_runs)",
                        placeholders(ids.len())
                    ))?;
                    stmt.query_map(params_from_iter(&ids), |r| r.get(0))?
                        .collect::<Result<_, _>>()?
                };
                if confirmed.is_empty() {
                    return Ok(Vec::new());
                }
                let list = placeholders(confirmed.len());
                for table in ["events", "outputs", "attempts", "tasks"] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE run_id IN ({list})"),
                        params_from_iter(&confirmed),
                    )?;
                }
                // A schedule's latest fire stays (it is where the next fire
                // counts from), without its run; older fires go with theirs.
                // A fire still naming a run that is gone would be started
                // again as unstarted.
                tx.execute(
                    &format!(
                        "DELETE FROM fires WHERE run_id IN ({list}) AND fire_at <
                           (SELECT max(f.fire_at) FROM fires f
                            WHERE f.workflow = fires.workflow AND f.schedule = fires.schedule)"
                    ),
                    params_from_iter(&confirmed),
                )?;
                tx.execute(
                    &format!("UPDATE fires SET run_id = NULL WHERE run_id IN ({list})"),
                    params_from_iter(&confirmed),
                )?;
                tx.execute(
                    &format!("DELETE FROM runs WHERE id IN ({list})"),
                    params_from_iter(&confirmed),
                )?;
                tx.commit()?;
                Ok(confirmed
                    .into_iter()
                    .map(RunId::from_string)
                    .collect::<Vec<_>>())
            })?;
            deleted.extend(batch);
        }
        Ok(deleted)
    }

    pub(super) fn unknown_runs_impl(&self, ids: &[RunId]) -> Result<Vec<RunId>, StoreError> {
        let conn = self.conn();
        let mut unknown = Vec::new();
        for chunk in ids.chunks(BATCH) {
            let list = placeholders(chunk.len());
            let args: Vec<&str> = chunk.iter().map(RunId::as_str).collect();
            let known: std::collections::HashSet<String> = {
                let mut stmt = conn.prepare(&format!(
                    "SELECT id FROM runs WHERE id IN ({list})
                     UNION SELECT run_id FROM queued_runs WHERE run_id IN ({list})"
                ))?;
                let both: Vec<&str> = args.iter().chain(args.iter()).copied().collect();
                stmt.query_map(params_from_iter(&both), |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            unknown.extend(
                chunk
                    .iter()
                    .filter(|id| !known.contains(id.as_str()))
                    .cloned(),
            );
        }
        Ok(unknown)
    }

    /// With incremental vacuum on (every store made since prune exists),
    /// frees the pages in steps, each its own short transaction. Without
    /// it, and once a quarter of the file is free, one `VACUUM` rewrites
    /// the file and turns it on, so later prunes take the short path.
    pub(super) fn reclaim_space_impl(&self) -> Result<(), StoreError> {
        let conn = self.conn();
        let pragma = |name: &str| -> rusqlite::Result<i64> {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        };
        let free = pragma("freelist_count")?;
        if free == 0 {
            return Ok(());
        }
        if pragma("auto_vacuum")? == 2 {
            let mut left = free;
            while left > 0 {
                retry_busy(|| {
                    conn.execute_batch(&format!("PRAGMA incremental_vacuum({VACUUM_STEP})"))
                })?;
                let now = pragma("freelist_count")?;
                if now >= left {
                    break;
                }
                left = now;
            }
        } else if free * 4 >= pragma("page_count")? {
            retry_busy(|| conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;"))?;
        } else {
            return Ok(());
        }
        // The WAL grew by what moved; give that back too (best effort:
        // a reader in the middle of a long read keeps it until later).
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    pub(super) fn size_on_disk_impl(&self) -> u64 {
        ["", "-wal"]
            .iter()
            .map(|suffix| {
                let mut file = self.path.as_os_str().to_owned();
                file.push(suffix);
                std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
            })
            .sum()
    }
}
