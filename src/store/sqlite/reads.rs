//! Reading runs back: the list `weft ps` shows, one run with its tasks,
//! attempts and outputs, and a name or prefix resolved to a run.

use super::*;

impl SqliteStore {
    pub(super) fn read_runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
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

    pub(super) fn read_run(&self, id: &RunId) -> Result<RunDetail, StoreError> {
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

    pub(super) fn resolve_name(&self, name: &str) -> Result<RunId, StoreError> {
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
}
