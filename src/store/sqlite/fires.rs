//! The SQL of schedule fires, paused workflows and queued runs.

use crate::model::{Fire, FireOutcome, FireRecord};
use crate::model::{Millis, RunId, Trigger};
use crate::store::{QueuedRun, StoreError};
use rusqlite::{Connection, params};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

fn insert_queued(conn: &Connection, q: &QueuedRun) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO queued_runs (run_id, workflow, file, source, params, trigger_, after_run, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            q.run.as_str(),
            q.workflow,
            q.file,
            q.source,
            serde_json::to_string(&q.params).expect("params serialise"),
            q.trigger.as_str(),
            q.after.as_str(),
            q.created_at,
        ],
    )?;
    Ok(())
}

pub(super) fn record_fire(
    conn: &mut Connection,
    fire: &Fire,
    queued: Option<&QueuedRun>,
    now: Millis,
) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO fires (workflow, schedule, fire_at, recorded_at, outcome, run_id, params)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            fire.workflow,
            fire.schedule,
            fire.fire_at,
            now,
            fire.outcome.as_str(),
            fire.run.as_ref().map(RunId::as_str),
            serde_json::to_string(&fire.params).expect("params serialise"),
        ],
    )? == 1;
    if inserted && let Some(q) = queued {
        insert_queued(&tx, q)?;
    }
    tx.commit()?;
    Ok(inserted)
}

pub(super) fn fire_failed(conn: &Connection, fire: &Fire, error: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE fires SET outcome = 'failed', error = ?4
         WHERE workflow = ?1 AND schedule = ?2 AND fire_at = ?3",
        params![fire.workflow, fire.schedule, fire.fire_at, error],
    )?;
    Ok(())
}

/// Columns 0-4 and 8: workflow, schedule, fire_at, outcome, run_id, params.
fn fire_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Fire, String, String)> {
    let outcome: String = row.get(3)?;
    let params: String = row.get(8)?;
    Ok((
        Fire {
            workflow: row.get(0)?,
            schedule: row.get(1)?,
            fire_at: row.get(2)?,
            outcome: FireOutcome::Started,
            run: row.get::<_, Option<String>>(4)?.map(RunId::from_string),
            params: Vec::new(),
        },
        outcome,
        params,
    ))
}

fn checked(row: (Fire, String, String)) -> Result<Fire, StoreError> {
    let (mut fire, outcome, params) = row;
    fire.outcome = FireOutcome::parse(&outcome).ok_or_else(|| corrupt("fire outcome", &outcome))?;
    fire.params = serde_json::from_str(&params).map_err(|_| corrupt("params", &params))?;
    Ok(fire)
}

pub(super) fn unstarted_fires(conn: &Connection) -> Result<Vec<Fire>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT f.workflow, f.schedule, f.fire_at, f.outcome, f.run_id, NULL, NULL, NULL, f.params
         FROM fires f WHERE f.outcome = 'started' AND f.run_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = f.run_id)
         ORDER BY f.fire_at",
    )?;
    let rows = stmt.query_map([], fire_from_row)?;
    rows.map(|r| checked(r?)).collect()
}

const FIRE_SELECT: &str =
    "SELECT f.workflow, f.schedule, f.fire_at, f.outcome, f.run_id, f.recorded_at, f.error, r.status,
            f.params
     FROM fires f LEFT JOIN runs r ON r.id = f.run_id";

pub(super) fn last_fire(
    conn: &Connection,
    workflow: &str,
    schedule: &str,
) -> Result<Option<FireRecord>, StoreError> {
    let sql = format!(
        "{FIRE_SELECT} WHERE f.workflow = ?1 AND f.schedule = ?2 ORDER BY f.fire_at DESC LIMIT 1"
    );
    Ok(fire_records(conn, &sql, params![workflow, schedule])?
        .into_iter()
        .next())
}

pub(super) fn fires(
    conn: &Connection,
    workflow: &str,
    limit: usize,
) -> Result<Vec<FireRecord>, StoreError> {
    let limit = if limit == 0 { -1 } else { limit as i64 };
    fire_records(
        conn,
        &format!(
            "{FIRE_SELECT} WHERE f.workflow = ?1 ORDER BY f.fire_at DESC, f.schedule LIMIT {limit}"
        ),
        params![workflow],
    )
}

fn fire_records(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<FireRecord>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(args, |row| {
        Ok((
            fire_from_row(row)?,
            row.get::<_, Millis>(5)?,
            row.get::<_, Option<String>>(6)?,
            row.get::<_, Option<String>>(7)?,
        ))
    })?;
    rows.map(|r| {
        let (pair, recorded_at, error, status) = r?;
        let run_status = status
            .map(|s| s.parse().map_err(|_| corrupt("run status", &s)))
            .transpose()?;
        Ok(FireRecord {
            fire: checked(pair)?,
            recorded_at,
            error,
            run_status,
        })
    })
    .collect()
}

pub(super) fn schedule_seen(
    conn: &Connection,
    workflow: &str,
    schedule: &str,
    now: Millis,
) -> Result<Millis, StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO schedules_seen (workflow, schedule, seen_at) VALUES (?1, ?2, ?3)",
        params![workflow, schedule, now],
    )?;
    Ok(conn.query_row(
        "SELECT seen_at FROM schedules_seen WHERE workflow = ?1 AND schedule = ?2",
        params![workflow, schedule],
        |r| r.get(0),
    )?)
}

pub(super) fn set_paused(
    conn: &Connection,
    workflow: &str,
    paused: bool,
    now: Millis,
) -> Result<(), StoreError> {
    if paused {
        conn.execute(
            "INSERT OR IGNORE INTO schedules_paused (workflow, paused_at) VALUES (?1, ?2)",
            params![workflow, now],
        )?;
    } else {
        conn.execute(
            "DELETE FROM schedules_paused WHERE workflow = ?1",
            [workflow],
        )?;
    }
    Ok(())
}

pub(super) fn paused_workflows(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT workflow FROM schedules_paused ORDER BY workflow")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn enqueue(conn: &Connection, q: &QueuedRun) -> Result<(), StoreError> {
    insert_queued(conn, q)
}

pub(super) fn queued_runs(conn: &Connection) -> Result<Vec<QueuedRun>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT run_id, workflow, file, source, params, trigger_, after_run, created_at
         FROM queued_runs ORDER BY created_at, run_id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
            row.get::<_, Millis>(7)?,
        ))
    })?;
    rows.map(|r| {
        let (run, workflow, file, source, params, trigger, after, created_at) = r?;
        Ok(QueuedRun {
            run: RunId::from_string(run),
            workflow,
            file,
            source,
            params: serde_json::from_str(&params).map_err(|_| corrupt("params", &params))?,
            trigger: trigger
                .parse::<Trigger>()
                .map_err(|_| corrupt("trigger", &trigger))?,
            after: RunId::from_string(after),
            created_at,
        })
    })
    .collect()
}

pub(super) fn dequeue(conn: &Connection, run: &RunId) -> Result<(), StoreError> {
    conn.execute("DELETE FROM queued_runs WHERE run_id = ?1", [run.as_str()])?;
    Ok(())
}
