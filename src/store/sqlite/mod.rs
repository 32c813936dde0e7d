//! The SQLite store: WAL, a busy timeout long enough that several weft
//! processes share one file without "database is locked", `BEGIN IMMEDIATE`
//! for every write, embedded migrations, and one batching writer thread.

use super::records::*;
mod connection;
mod events;
mod reads;
mod schema;
mod writer;

use super::{Pending, PruneCandidate, PruneCriteria, QueuedRun, Store, StoreError};
use crate::config::Durability;
use crate::model::{
    AttemptOutcome, EventKind, Millis, RunEvent, RunId, RunStatus, TaskStatus, now_ms,
};
use crate::model::{AttemptRecord, RunDetail, RunSummary, TaskRecord};
use crate::model::{Fire, FireRecord};
use connection::*;
use events::insert_event;
use rusqlite::{Connection, OptionalExtension, params};
use schema::MIGRATIONS;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;
use writer::Job;

pub struct SqliteStore {
    path: PathBuf,
    durability: Durability,
    /// For reads and the rare direct writes (creating a run, reaping).
    conn: Mutex<Connection>,
    writer: OnceLock<(Mutex<mpsc::Sender<Job>>, std::thread::JoinHandle<()>)>,
    write_error: writer::WriteError,
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
        self.read_runs(filter)
    }

    fn run(&self, id: &RunId) -> Result<RunDetail, StoreError> {
        self.read_run(id)
    }

    fn resolve(&self, name: &str) -> Result<RunId, StoreError> {
        self.resolve_name(name)
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
