//! Runs that wait for another run to end before they start: `overlap:
//! queue` fires and `weft add --after`. Each is kept in the store with the
//! run id it was given when queued, so a restart neither loses nor doubles
//! it. Writes only to the daemon log.

use super::Manager;
use crate::api::{AddRequest, AddResponse, ApiError, ErrorCode};
use crate::model::{RunId, Trigger, now_ms};
use crate::store::{QueuedRun, StoreError};
use crate::workflow::load_str;
use std::path::Path;
use std::sync::Arc;

impl Manager {
    /// Starts each queued run whose run to wait for has ended.
    pub(super) async fn start_queued(self: &Arc<Self>) {
        let queued = match self.store.queued_runs() {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(error = %e, "cannot list queued runs");
                return;
            }
        };
        if queued.is_empty() {
            return;
        }
        // A run whose process died is not going: mark it, or its queue waits forever.
        let _ = self.store.reap_interrupted();
        let waiting: Vec<RunId> = queued.iter().map(|q| q.run.clone()).collect();
        for q in queued {
            // Started already (the daemon died before forgetting it).
            if self.store.run(&q.run).is_ok() {
                let _ = self.store.dequeue(&q.run);
                continue;
            }
            let after_done = match self.store.run(&q.after) {
                Ok(after) => after.summary.status.is_terminal(),
                Err(StoreError::NotFound(_)) => !waiting.contains(&q.after),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read a run");
                    continue;
                }
            };
            if !after_done {
                continue;
            }
            match self.start_as(q.run.clone(), &q.file, &q.source, &q.params, q.trigger) {
                Ok(run) => tracing::info!(run = %run, after = %q.after, "queued run started"),
                Err(e) => {
                    tracing::error!(run = %q.run, error = %e.message, "cannot start a queued run")
                }
            }
            let _ = self.store.dequeue(&q.run);
        }
    }

    /// `weft add`: a one-task run now, or once another run has ended.
    pub fn add(self: &Arc<Self>, req: AddRequest) -> Result<AddResponse, ApiError> {
        let source = format!(
            "name: {}\ntasks:\n  command:\n    run: {}\n",
            serde_json::to_string(&req.name).expect("a string serialises"),
            serde_json::to_string(&req.command).expect("a string serialises"),
        );
        let file = Path::new(&req.dir).join("weft-add.yaml");
        let file = file.display().to_string();
        // Refuse a bad name or command now, not when the wait is over.
        load_str(&file, &source, &[], &|_| None).map_err(|report| {
            ApiError::new(ErrorCode::InvalidWorkflow, report.render())
                .hint("`--name` takes letters, digits, `-`, `_` and `.`")
        })?;
        let run = RunId::generate();
        let Some(after) = req.after else {
            self.start_as(run.clone(), &file, &source, &[], Trigger::Manual)?;
            return Ok(AddResponse { run, after: None });
        };
        let after = self.resolve_waitable(&after)?;
        if self
            .store
            .run(&after)
            .is_ok_and(|d| d.summary.status.is_terminal())
        {
            // It has ended already: nothing to wait for.
            self.start_as(run.clone(), &file, &source, &[], Trigger::Manual)?;
            return Ok(AddResponse { run, after: None });
        }
        let queued = QueuedRun {
            run: run.clone(),
            workflow: req.name,
            file,
            source,
            params: Vec::new(),
            trigger: Trigger::Manual,
            after: after.clone(),
            created_at: now_ms(),
        };
        self.store.enqueue(&queued).map_err(ApiError::from)?;
        tracing::info!(run = %run, after = %after, "run queued");
        self.wake.notify_one();
        Ok(AddResponse {
            run,
            after: Some(after),
        })
    }

    /// A run to wait for: one in the store, or one still queued.
    fn resolve_waitable(&self, name: &str) -> Result<RunId, ApiError> {
        match self.resolve(name) {
            Ok(id) => Ok(id),
            Err(e) if e.code == ErrorCode::NotFound => {
                let queued = self.store.queued_runs().map_err(ApiError::from)?;
                let matches: Vec<&QueuedRun> = queued
                    .iter()
                    .filter(|q| q.run.as_str().starts_with(name))
                    .collect();
                match matches.as_slice() {
                    [one] => Ok(one.run.clone()),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Cancels a run still waiting in the queue (it never starts): true
    /// when `name` is the id, or a unique prefix, of one that is not in the
    /// store yet.
    pub(super) fn unqueue(&self, name: &str) -> Result<Option<RunId>, ApiError> {
        if self.resolve(name).is_ok() {
            return Ok(None);
        }
        let queued = self.store.queued_runs().map_err(ApiError::from)?;
        let matches: Vec<&QueuedRun> = queued
            .iter()
            .filter(|q| q.run.as_str().starts_with(name))
            .collect();
        let [one] = matches.as_slice() else {
            return Ok(None);
        };
        self.store.dequeue(&one.run).map_err(ApiError::from)?;
        tracing::info!(run = %one.run, "queued run cancelled");
        Ok(Some(one.run.clone()))
    }
}
