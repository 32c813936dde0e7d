//! Applying run events to the rows they change, in the writer's
//! transaction: the one place an event becomes state.

use super::*;

pub(super) fn insert_event(
    tx: &rusqlite::Transaction<'_>,
    event: &RunEvent,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(event).expect("events serialise");
    tx.prepare_cached("INSERT INTO events (run_id, at, kind, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            event.run.as_str(),
            event.at,
            event.kind.name(),
            body
        ])?;
    Ok(())
}

/// Applies one event to the tables, inside the writer's transaction.
pub(super) fn apply_event(
    tx: &rusqlite::Transaction<'_>,
    event: &RunEvent,
) -> Result<(), StoreError> {
    let run = event.run.as_str();
    let at = event.at;
    match &event.kind {
        EventKind::RunStarted { .. } => {}
        EventKind::AttemptStarted {
            task,
            attempt,
            pid,
            pid_start,
            log,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO attempts (run_id, task, attempt, pid, pid_start, started_at, log_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![run, task.as_str(), attempt, pid, pid_start.map(|s| s as i64), at, log])?;
            tx.prepare_cached(
                "UPDATE tasks SET status = 'running', waiting = NULL, started_at = coalesce(started_at, ?3) WHERE run_id = ?1 AND name = ?2",
            )?
            .execute(params![run, task.as_str(), at])?;
        }
        EventKind::AttemptFinished {
            task,
            attempt,
            outcome,
        } => {
            let outcome = serde_json::to_string(outcome).expect("outcomes serialise");
            tx.prepare_cached(
                "UPDATE attempts SET finished_at = ?4, outcome = ?5 WHERE run_id = ?1 AND task = ?2 AND attempt = ?3",
            )?
            .execute(params![run, task.as_str(), attempt, at, outcome])?;
        }
        EventKind::TaskRetrying { task, .. } => {
            tx.prepare_cached(
                "UPDATE tasks SET status = 'retrying' WHERE run_id = ?1 AND name = ?2",
            )?
            .execute(params![run, task.as_str()])?;
        }
        EventKind::TaskFinished {
            task,
            status,
            reason,
            outputs,
        } => {
            tx.prepare_cached(
                "UPDATE tasks SET status = ?3, reason = ?4, finished_at = ?5, waiting = NULL WHERE run_id = ?1 AND name = ?2",
            )?
            .execute(params![run, task.as_str(), status.as_str(), reason, at])?;
            for (i, (k, v)) in outputs.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO outputs (run_id, task, position, key, value) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![run, task.as_str(), i as i64, k, v])?;
            }
        }
        EventKind::TaskWaiting { task, reason, .. } => {
            tx.prepare_cached(
                "UPDATE tasks SET waiting = ?3 WHERE run_id = ?1 AND name = ?2 AND finished_at IS NULL",
            )?
            .execute(params![run, task.as_str(), reason])?;
        }
        EventKind::RunPaused { .. } => {
            tx.prepare_cached(
                "UPDATE runs SET status = 'paused' WHERE id = ?1 AND status = 'running'",
            )?
            .execute(params![run])?;
        }
        EventKind::RunSuspended => {
            tx.prepare_cached(
                "UPDATE runs SET status = 'suspended', resumable = 2 WHERE id = ?1 AND status IN ('running', 'paused')",
            )?
            .execute(params![run])?;
            tx.prepare_cached(
                "UPDATE tasks SET status = 'interrupted' WHERE run_id = ?1 AND status IN ('running', 'retrying')",
            )?
            .execute(params![run])?;
            // The next daemon's scheduler says again what waits.
            tx.prepare_cached("UPDATE tasks SET waiting = NULL WHERE run_id = ?1")?
                .execute(params![run])?;
        }
        EventKind::RunResumed => {
            tx.prepare_cached(
                "UPDATE runs SET status = 'running' WHERE id = ?1 AND status = 'paused'",
            )?
            .execute(params![run])?;
        }
        EventKind::RunFinished { status } => {
            tx.prepare_cached("UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1")?
                .execute(params![run, status.as_str(), at])?;
        }
    }
    insert_event(tx, event)
}
