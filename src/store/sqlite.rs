//! The SQLite store: WAL, a busy timeout long enough that several weft
//! processes share one file without "database is locked", `BEGIN IMMEDIATE`
//! for every write, embedded migrations, and one batching writer thread.

use super::records::*;
use super::schema::MIGRATIONS;
use super::writer::{self, Job};
use super::{Pending, PruneCandidate, PruneCriteria, QueuedRun, Store, StoreError};
use crate::config::Durability;
use crate::model::{
    AttemptOutcome, EventKind, Millis, RunEvent, RunId, RunStatus, TaskStatus, now_ms,
};
use crate::model::{AttemptRecord, RunDetail, RunSummary, TaskRecord};
use crate::model::{Fire, FireRecord};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;

pub struct SqliteStore {
    path: PathBuf,
    durability: Durability,
    /// For reads and the rare direct writes (creating a run, reaping).
    conn: Mutex<Connection>,
    writer: OnceLock<(Mutex<mpsc::Sender<Job>>, std::thread::JoinHandle<()>)>,
    write_error: writer::WriteError,
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

fn connect(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let conn = Connection::open(path).map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    // A new file: free pages can be given back in small steps (`weft
    // prune`). Only possible before the file's header is written, which
    // switching to WAL does; a store made earlier is switched by the first
    // prune that frees much of it (a full `VACUUM`).
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(open_err)?;
    if pages == 0 {
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL")
            .map_err(open_err)?;
    }
    // journal_mode returns a row; WAL persists in the file once set.
    // Switching a new file to WAL while another process does the same can
    // fail busy without waiting on the busy timeout: retry, bounded.
    let _: String = retry_busy(|| conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)))
        .map_err(open_err)?;
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous={sync}; PRAGMA foreign_keys=OFF;"
    ))
    .map_err(open_err)?;
    Ok(conn)
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'?' | b'#' | b'%' => out.push_str(&format!("%{b:02X}")),
            _ if b.is_ascii() => out.push(*b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Retries an operation that failed because another process held the
/// database, for as long as the busy timeout.
fn retry_busy<T>(mut op: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match op() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// `retry_busy` for a store operation.
fn retry_busy_store<T>(mut op: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match op() {
            Err(StoreError::Sqlite(e)) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == known {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the lock.
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > known {
        return Err(StoreError::TooNew {
            path: path.display().to_string(),
            found: current,
            known,
        });
    }
    for sql in &MIGRATIONS[current as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version={known}"))?;
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = connect(path, durability)?;
        // SQLite creates its files under the umask; they hold every
        // task's params and outputs, so they are the user's alone.
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = crate::private_fs::tighten(Path::new(&file));
        }
        // Several processes may open a new store at once: the one that
        // migrates holds the others off for a moment.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match migrate(&mut conn, path) {
                Err(StoreError::Sqlite(e))
                    if is_busy(&e) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                other => break other?,
            }
        }
        Ok(Self::with_connection(path, durability, conn))
    }

    fn with_connection(path: &Path, durability: Durability, conn: Connection) -> SqliteStore {
        SqliteStore {
            path: path.to_path_buf(),
            durability,
            conn: Mutex::new(conn),
            writer: OnceLock::new(),
            write_error: Default::default(),
        }
    }

    /// Opens an existing database for reading when it cannot be opened
    /// for writing (a full disk, a read-only `WEFT_HOME`): `ps`, `show`,
    /// `logs` and `output` must answer then too. Writes through the
    /// returned store fail with the store's own error.
    pub fn open_for_reading(
        path: &Path,
        durability: Durability,
    ) -> Result<SqliteStore, StoreError> {
        let writable = Self::open(path, durability);
        let Err(first) = writable else {
            return writable;
        };
        if !path.exists() {
            return Err(first);
        }
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let read_only = |conn: Connection| -> Result<SqliteStore, StoreError> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Proves the file can be read (WAL needs its index).
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version > MIGRATIONS.len() as i64 {
                return Err(StoreError::TooNew {
                    path: path.display().to_string(),
                    found: version,
                    known: MIGRATIONS.len() as i64,
                });
            }
            Ok(Self::with_connection(path, durability, conn))
        };
        if let Ok(store) = Connection::open_with_flags(path, flags)
            .map_err(StoreError::from)
            .and_then(read_only)
        {
            return Ok(store);
        }
        // A WAL database on a read-only file system whose `-shm` index
        // cannot be made: read the file as it is, without locking.
        let uri = format!("file:{}?immutable=1", uri_path(path));
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
            .map_err(StoreError::from)
            .and_then(read_only)
            .map_err(|_| first)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writer(&self) -> Result<mpsc::Sender<Job>, StoreError> {
        if let Some((tx, _)) = self.writer.get() {
            return Ok(tx.lock().unwrap_or_else(|p| p.into_inner()).clone());
        }
        let conn = connect(&self.path, self.durability)?;
        let (tx, handle) = writer::spawn(conn, self.write_error.clone());
        let _ = self.writer.set((Mutex::new(tx), handle));
        let (tx, _) = self.writer.get().expect("set just above");
        Ok(tx.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunSummary> {
        Ok(RunSummary {
            id: RunId::from_string(row.get::<_, String>("id")?),
            workflow: row.get("workflow")?,
            status: parse_col(row, "status")?,
            trigger: parse_col(row, "trigger_")?,
            retry_of: row
                .get::<_, Option<String>>("retry_of")?
                .map(RunId::from_string),
            created_at: row.get("created_at")?,
            finished_at: row.get("finished_at")?,
            tasks_total: row.get("tasks_total")?,
            tasks_done: row.get("tasks_done")?,
            tasks_failed: row.get("tasks_failed")?,
            tasks_waiting: row.get("tasks_waiting")?,
            waiting: row.get("waiting")?,
        })
    }
}

fn parse_col<T: std::str::FromStr<Err = String>>(
    row: &rusqlite::Row<'_>,
    col: &str,
) -> rusqlite::Result<T> {
    let text: String = row.get(col)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

const SUMMARY_SELECT: &str = "SELECT r.id, r.workflow, r.status, r.trigger_, r.retry_of, r.created_at, r.finished_at,
        (SELECT count(*) FROM tasks t WHERE t.run_id = r.id) AS tasks_total,
        (SELECT count(*) FROM tasks t WHERE t.run_id = r.id
            AND t.status IN ('succeeded','failed','skipped','cancelled','interrupted')) AS tasks_done,
        (SELECT count(*) FROM tasks t WHERE t.run_id = r.id AND t.status = 'failed') AS tasks_failed,
        (SELECT count(*) FROM tasks t WHERE t.run_id = r.id AND t.waiting IS NOT NULL
            AND r.status IN ('running', 'paused')) AS tasks_waiting,
        (SELECT t.waiting FROM tasks t WHERE t.run_id = r.id AND t.waiting IS NOT NULL
            AND r.status IN ('running', 'paused') ORDER BY t.position LIMIT 1) AS waiting
     FROM runs r";

impl Store for SqliteStore {
    fn create_run(&self, run: &NewRun) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO runs (id, workflow, file, source, params, status, trigger_, retry_of,
                created_at, owner_pid, owner_start, owner_host, owner_kind, concurrency)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                run.id.as_str(),
                run.workflow,
                run.file,
                run.source,
                run.params.to_string(),
                run.trigger.as_str(),
                run.retry_of.as_ref().map(RunId::as_str),
                run.created_at,
                run.owner.pid,
                run.owner.start.map(|s| s as i64),
                run.owner.host,
                if run.owner.daemon { "daemon" } else { "cli" },
                run.concurrency,
            ],
        )?;
        for (position, task) in run.tasks.iter().enumerate() {
            let (status, reused_from) = match &task.reused {
                Some(r) => (TaskStatus::Succeeded, Some(r.from.as_str())),
                None => (TaskStatus::Pending, None),
            };
            tx.execute(
                "INSERT INTO tasks (run_id, name, position, status, reused_from, needs, run_when) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run.id.as_str(),
                    task.name.as_str(),
                    position as i64,
                    status.as_str(),
                    reused_from,
                    serde_json::to_string(&task.needs).expect("names serialise"),
                    task.when.as_str(),
                ],
            )?;
            if let Some(r) = &task.reused {
                for (i, (k, v)) in r.outputs.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO outputs (run_id, task, position, key, value) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![run.id.as_str(), task.name.as_str(), i as i64, k, v],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn record(&self, events: Vec<RunEvent>) -> Pending {
        let (done, rx) = tokio::sync::oneshot::channel();
        let sent = self.writer().and_then(|w| {
            w.send(Job { events, done })
                .map_err(|_| StoreError::WriterGone)
        });
        Box::pin(async move {
            sent?;
            rx.await.unwrap_or(Err(StoreError::WriterGone))
        })
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
        let conn = self.conn();
        let mut sql = format!("{SUMMARY_SELECT} WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(w) = &filter.workflow {
            sql.push_str(" AND r.workflow = ?");
            args.push(w.clone().into());
        }
        if let Some(s) = filter.status {
            sql.push_str(" AND r.status = ?");
            args.push(s.as_str().to_string().into());
        }
        if let Some(since) = filter.since {
            sql.push_str(" AND r.created_at >= ?");
            args.push(since.into());
        }
        if filter.active {
            sql.push_str(" AND r.status IN ('running', 'paused')");
        }
        sql.push_str(" ORDER BY r.created_at DESC, r.rowid DESC");
        if filter.limit > 0 || filter.offset > 0 {
            // SQLite reads a negative limit as none.
            let limit = if filter.limit > 0 {
                filter.limit as i64
            } else {
                -1
            };
            sql.push_str(&format!(" LIMIT {limit} OFFSET {}", filter.offset));
        }
        let mut out: Vec<RunSummary> = if filter.status == Some(RunStatus::Queued) {
            Vec::new()
        } else {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), Self::summary_from_row)?;
            rows.collect::<Result<_, _>>()?
        };
        if filter.queued
            && filter.offset == 0
            && matches!(filter.status, None | Some(RunStatus::Queued))
        {
            let mut queued: Vec<RunSummary> = fires::queued_runs(&conn)?
                .into_iter()
                .filter(|q| filter.workflow.as_ref().is_none_or(|w| *w == q.workflow))
                .filter(|q| filter.since.is_none_or(|s| q.created_at >= s))
                .map(|q| RunSummary {
                    id: q.run,
                    workflow: q.workflow,
                    status: RunStatus::Queued,
                    trigger: q.trigger,
                    retry_of: None,
                    created_at: q.created_at,
                    finished_at: None,
                    tasks_total: 0,
                    tasks_done: 0,
                    tasks_failed: 0,
                    tasks_waiting: 0,
                    waiting: None,
                })
                .collect();
            queued.sort_by_key(|r| std::cmp::Reverse(r.created_at));
            queued.extend(out);
            out = queued;
            if filter.limit > 0 {
                out.truncate(filter.limit);
            }
        }
        Ok(out)
    }

    fn run(&self, id: &RunId) -> Result<RunDetail, StoreError> {
        let conn = self.conn();
        let summary = conn
            .query_row(
                &format!("{SUMMARY_SELECT} WHERE r.id = ?1"),
                [id.as_str()],
                Self::summary_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        #[allow(clippy::type_complexity)]
        let (file, params, source, owner_pid, concurrency): (
            String,
            String,
            String,
            Option<u32>,
            Option<u32>,
        ) = conn.query_row(
            "SELECT file, params, source, owner_pid, concurrency FROM runs WHERE id = ?1",
            [id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let mut tasks = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT name, status, reason, reused_from, started_at, finished_at, needs, run_when, waiting FROM tasks WHERE run_id = ?1 ORDER BY position",
        )?;
        let mut rows = stmt.query([id.as_str()])?;
        // A wait lasts only while the run goes on.
        let going = matches!(summary.status, RunStatus::Running | RunStatus::Paused);
        while let Some(row) = rows.next()? {
            tasks.push(TaskRecord {
                waiting: if going { row.get(8)? } else { None },
                name: crate::model::TaskName::new(row.get::<_, String>(0)?),
                status: parse_col(row, "status")?,
                reason: row.get(2)?,
                reused_from: row.get::<_, Option<String>>(3)?.map(RunId::from_string),
                started_at: row.get(4)?,
                finished_at: row.get(5)?,
                needs: serde_json::from_str(&row.get::<_, String>(6)?)
                    .map_err(|e| StoreError::Corrupt(format!("task needs: {e}")))?,
                when: parse_col(row, "run_when")?,
                interactive: false,
                attempts: Vec::new(),
                outputs: Vec::new(),
            });
        }
        let mut stmt = conn.prepare(
            "SELECT task, attempt, pid, started_at, finished_at, outcome, log_path, pid_start FROM attempts WHERE run_id = ?1 ORDER BY task, attempt",
        )?;
        let mut rows = stmt.query([id.as_str()])?;
        while let Some(row) = rows.next()? {
            let task: String = row.get(0)?;
            let outcome = row
                .get::<_, Option<String>>(5)?
                .map(|o| serde_json::from_str::<AttemptOutcome>(&o))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("attempt outcome: {e}")))?;
            if let Some(t) = tasks.iter_mut().find(|t| t.name.as_str() == task) {
                t.attempts.push(AttemptRecord {
                    attempt: row.get(1)?,
                    pid: row.get(2)?,
                    pid_start: row.get::<_, Option<i64>>(7)?.map(|s| s as u64),
                    started_at: row.get(3)?,
                    finished_at: row.get(4)?,
                    outcome,
                    log: row.get(6)?,
                });
            }
        }
        let mut stmt = conn.prepare(
            "SELECT task, key, value FROM outputs WHERE run_id = ?1 ORDER BY task, position",
        )?;
        let mut rows = stmt.query([id.as_str()])?;
        while let Some(row) = rows.next()? {
            let task: String = row.get(0)?;
            if let Some(t) = tasks.iter_mut().find(|t| t.name.as_str() == task) {
                t.outputs.push((row.get(1)?, row.get(2)?));
            }
        }
        let params = serde_json::from_str(&params)
            .map_err(|e| StoreError::Corrupt(format!("run params: {e}")))?;
        Ok(RunDetail {
            summary,
            file,
            params,
            source,
            owner_pid,
            concurrency,
            tasks,
        })
    }

    fn resolve(&self, name: &str) -> Result<RunId, StoreError> {
        let conn = self.conn();
        let exact: Option<String> = conn
            .query_row("SELECT id FROM runs WHERE id = ?1", [name], |r| r.get(0))
            .optional()?;
        if let Some(id) = exact {
            return Ok(RunId::from_string(id));
        }
        let latest: Option<String> = conn
            .query_row(
                "SELECT id FROM runs WHERE workflow = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = latest {
            return Ok(RunId::from_string(id));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(StoreError::NotFound(name.to_string()));
        }
        let mut stmt = conn.prepare(
            "SELECT id FROM runs WHERE id LIKE ?1 || '%' ORDER BY created_at DESC LIMIT 6",
        )?;
        let ids: Vec<String> = stmt
            .query_map([name.to_ascii_lowercase()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.len() {
            0 => {
                // Not a run yet, perhaps: one waiting in the queue.
                let lower = name.to_ascii_lowercase();
                let queued: Vec<_> = fires::queued_runs(&conn)?
                    .into_iter()
                    .filter(|q| q.run.as_str().starts_with(&lower))
                    .collect();
                match queued.as_slice() {
                    [one] => Err(StoreError::Queued {
                        run: one.run.to_string(),
                        after: one.after.to_string(),
                    }),
                    _ => Err(StoreError::NotFound(name.to_string())),
                }
            }
            1 => Ok(RunId::from_string(ids.into_iter().next().expect("one id"))),
            _ => Err(StoreError::Ambiguous {
                name: name.to_string(),
                candidates: ids,
            }),
        }
    }

    fn resumable_runs(&self) -> Result<Vec<Resumable>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, resumable FROM runs WHERE resumable > 0 AND status IN ('interrupted', 'suspended') ORDER BY created_at",
        )?;
        let runs = stmt
            .query_map([], |r| {
                Ok(Resumable {
                    run: RunId::from_string(r.get::<_, String>(0)?),
                    graceful: r.get::<_, i64>(1)? == 2,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(runs)
    }

    fn claim_run(&self, run: &RunId, owner: &Owner) -> Result<bool, StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE runs SET status = 'running', resumable = 0, finished_at = NULL,
                owner_pid = ?2, owner_start = ?3, owner_host = ?4, owner_kind = ?5
             WHERE id = ?1 AND resumable > 0 AND status IN ('interrupted', 'suspended')",
            params![
                run.as_str(),
                owner.pid,
                owner.start.map(|s| s as i64),
                owner.host,
                if owner.daemon { "daemon" } else { "cli" },
            ],
        )?;
        if changed == 1 {
            // Its new driver says again what waits.
            conn.execute(
                "UPDATE tasks SET waiting = NULL WHERE run_id = ?1",
                params![run.as_str()],
            )?;
        }
        Ok(changed == 1)
    }

    fn recent_events(&self, limit: usize) -> Result<Vec<RunEvent>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT body FROM events ORDER BY seq DESC LIMIT ?1")?;
        let bodies: Vec<String> = stmt
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        bodies
            .iter()
            .rev()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| StoreError::Corrupt(format!("event: {e}")))
            })
            .collect()
    }

    fn reap_interrupted(&self) -> Result<Vec<RunId>, StoreError> {
        let host = crate::sys::hostname();
        let mut conn = self.conn();
        type Candidate = (String, Option<u32>, Option<i64>, Option<String>, String);
        let candidates: Vec<Candidate> = {
            let mut stmt = conn.prepare(
                "SELECT id, owner_pid, owner_start, owner_host, owner_kind FROM runs WHERE status IN ('running', 'paused')",
            )?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?
        };
        let dead: Vec<(String, bool)> = candidates
            .into_iter()
            .filter(|(_, pid, start, owner_host, _)| {
                owner_host.as_deref() == Some(host.as_str())
                    && !pid.is_some_and(|p| crate::sys::process_is(p, start.map(|s| s as u64)))
            })
            .map(|(id, _, _, _, kind)| (id, kind == "daemon"))
            .collect();
        if dead.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let interrupted =
            serde_json::to_string(&AttemptOutcome::Interrupted).expect("serialisable");
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut reaped = Vec::new();
        for (id, daemon) in dead {
            // A daemon's run is resumed by the next daemon; a foreground
            // run has nobody to resume it.
            let changed = tx.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ?2, resumable = ?3
                 WHERE id = ?1 AND status IN ('running', 'paused')",
                params![id, now, i64::from(daemon)],
            )?;
            if changed == 0 {
                continue;
            }
            // What its attempts left running is stopped before the run is
            // recorded as ended, so a retry never runs beside it.
            let leftovers: Vec<(u32, Option<i64>)> = {
                let mut stmt = tx.prepare(
                    "SELECT pid, pid_start FROM attempts
                     WHERE run_id = ?1 AND finished_at IS NULL AND pid IS NOT NULL",
                )?;
                stmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            for (pid, start) in leftovers {
                crate::sys::stop_leftover_group(pid, start.map(|s| s as u64));
            }
            // And an attempt whose process started but whose record did not
            // make it before the crash.
            crate::sys::stop_processes_of_run(&id);
            let unfinished = if daemon {
                "('running', 'retrying')"
            } else {
                "('pending', 'running', 'retrying')"
            };
            tx.execute(
                &format!(
                    "UPDATE tasks SET status = 'interrupted', finished_at = ?2,
                        reason = 'the weft process running it stopped before it finished'
                     WHERE run_id = ?1 AND status IN {unfinished}"
                ),
                params![id, now],
            )?;
            tx.execute(
                "UPDATE attempts SET finished_at = ?2, outcome = ?3 WHERE run_id = ?1 AND finished_at IS NULL",
                params![id, now, interrupted],
            )?;
            let event = RunEvent {
                run: RunId::from_string(id.clone()),
                at: now,
                kind: EventKind::RunFinished {
                    status: RunStatus::Interrupted,
                },
            };
            insert_event(&tx, &event)?;
            reaped.push(RunId::from_string(id));
        }
        tx.commit()?;
        Ok(reaped)
    }

    fn write_error(&self) -> Option<String> {
        self.write_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn abandon_run(&self, run: &RunId, reason: &str, at: Millis) -> Result<(), StoreError> {
        let result = self.abandon_run_once(run, reason, at);
        writer::note(&self.write_error, &result);
        result
    }

    fn record_fire(&self, fire: &Fire, queued: Option<&QueuedRun>) -> Result<bool, StoreError> {
        retry_busy_store(|| fires::record_fire(&mut self.conn(), fire, queued, now_ms()))
    }

    fn fire_failed(&self, fire: &Fire, error: &str) -> Result<(), StoreError> {
        fires::fire_failed(&self.conn(), fire, error)
    }

    fn unstarted_fires(&self) -> Result<Vec<Fire>, StoreError> {
        fires::unstarted_fires(&self.conn())
    }

    fn last_fire(&self, workflow: &str, schedule: &str) -> Result<Option<FireRecord>, StoreError> {
        fires::last_fire(&self.conn(), workflow, schedule)
    }

    fn fires(&self, workflow: &str, limit: usize) -> Result<Vec<FireRecord>, StoreError> {
        fires::fires(&self.conn(), workflow, limit)
    }

    fn schedule_seen(
        &self,
        workflow: &str,
        schedule: &str,
        now: Millis,
    ) -> Result<Millis, StoreError> {
        fires::schedule_seen(&self.conn(), workflow, schedule, now)
    }

    fn set_paused(&self, workflow: &str, paused: bool) -> Result<(), StoreError> {
        fires::set_paused(&self.conn(), workflow, paused, now_ms())
    }

    fn paused_workflows(&self) -> Result<Vec<String>, StoreError> {
        fires::paused_workflows(&self.conn())
    }

    fn enqueue(&self, queued: &QueuedRun) -> Result<(), StoreError> {
        fires::enqueue(&self.conn(), queued)
    }

    fn queued_runs(&self) -> Result<Vec<QueuedRun>, StoreError> {
        fires::queued_runs(&self.conn())
    }

    fn dequeue(&self, run: &RunId) -> Result<(), StoreError> {
        fires::dequeue(&self.conn(), run)
    }

    fn prune_candidates(
        &self,
        criteria: &PruneCriteria,
        now: Millis,
    ) -> Result<(Vec<PruneCandidate>, usize), StoreError> {
        self.prune_candidates_impl(criteria, now)
    }

    fn delete_runs(&self, runs: &[RunId]) -> Result<Vec<RunId>, StoreError> {
        self.delete_runs_impl(runs)
    }

    fn unknown_runs(&self, ids: &[RunId]) -> Result<Vec<RunId>, StoreError> {
        self.unknown_runs_impl(ids)
    }

    fn reclaim_space(&self) -> Result<(), StoreError> {
        self.reclaim_space_impl()
    }

    fn size_on_disk(&self) -> u64 {
        self.size_on_disk_impl()
    }

    fn workflow_names(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT DISTINCT workflow FROM runs ORDER BY workflow")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    }
}

fn insert_event(tx: &rusqlite::Transaction<'_>, event: &RunEvent) -> Result<(), StoreError> {
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

impl SqliteStore {
    fn abandon_run_once(&self, run: &RunId, reason: &str, at: Millis) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let interrupted =
            serde_json::to_string(&AttemptOutcome::Interrupted).expect("serialisable");
        retry_busy_store(|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?2, resumable = 0
                 WHERE id = ?1 AND status IN ('running', 'paused')",
                params![run.as_str(), at],
            )?;
            if changed == 0 {
                return Ok(());
            }
            tx.execute(
                "UPDATE tasks SET status = 'failed', finished_at = ?2, reason = ?3
                 WHERE run_id = ?1 AND status IN ('pending', 'running', 'retrying')",
                params![run.as_str(), at, reason],
            )?;
            tx.execute(
                "UPDATE attempts SET finished_at = ?2, outcome = ?3 WHERE run_id = ?1 AND finished_at IS NULL",
                params![run.as_str(), at, interrupted],
            )?;
            insert_event(
                &tx,
                &RunEvent {
                    run: run.clone(),
                    at,
                    kind: EventKind::RunFinished {
                        status: RunStatus::Failed,
                    },
                },
            )?;
            tx.commit()?;
            Ok(())
        })
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Close the channel, then let the writer finish what it was given.
        if let Some((tx, handle)) = self.writer.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

mod fires;
mod prune;

#[cfg(test)]
mod tests;
