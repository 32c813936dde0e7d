//! The daemon's retention: once when it starts and then every
//! `retention.interval`, it prunes each workflow's history to its limits
//! (the workflow's own `retention:` over config.yaml's) and says what it
//! deleted in its log. The pruning itself is the store's, shared with
//! `weft prune`.

use super::Manager;
use crate::model::now_ms;
use crate::store::{PruneCriteria, Store};
use crate::workflow::Retention;
use std::sync::Arc;

impl Manager {
    /// Applies retention until the daemon stops.
    pub(super) async fn run_retention(self: Arc<Self>) {
        let mut stopping = self.stopping();
        loop {
            let me = self.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || me.apply_retention()).await {
                tracing::warn!(error = %e, "retention stopped unexpectedly");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.retention_interval()) => {}
                _ = stopping.changed() => return,
            }
            if *stopping.borrow() {
                return;
            }
        }
    }

    /// A workflow's own `retention:`: from its file in `workflow_dirs`, else
    /// from the definition its latest run was made from.
    fn own_retention(&self, store: &dyn Store, workflow: &str) -> Retention {
        if let Ok((_, wf)) = self.registry().find(workflow) {
            return wf.retention;
        }
        let latest = store.resolve(workflow).and_then(|id| store.run(&id));
        match latest {
            Ok(run) => crate::workflow::validate_str(&run.file, &run.source)
                .map(|wf| wf.retention)
                .unwrap_or_default(),
            Err(_) => Retention::default(),
        }
    }

    /// One pass over every workflow with runs. Blocking: runs on its own
    /// connection, so the API's reads are not held up.
    pub(super) fn apply_retention(&self) {
        let store = match crate::store::open(&self.paths.database(), self.config.store.durability) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "retention: cannot open the store");
                return;
            }
        };
        let workflows = match store.workflow_names() {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "retention: cannot list workflows");
                return;
            }
        };
        let global = self.config.retention();
        let logs_dir = self.paths.logs_dir();
        let (mut runs, mut files, mut bytes, mut applied) = (0usize, 0u64, 0u64, false);
        let before = store.size_on_disk();
        for workflow in workflows {
            let limits = self.own_retention(&*store, &workflow).over(global);
            if limits.is_off() {
                continue;
            }
            applied = true;
            // Limits: breaking either one is enough, so one pass for each.
            let passes = [
                limits.max_age.map(|age| PruneCriteria {
                    workflow: Some(workflow.clone()),
                    older_than: Some(age),
                    ..PruneCriteria::default()
                }),
                limits.keep.map(|keep| PruneCriteria {
                    workflow: Some(workflow.clone()),
                    keep: Some(keep),
                    ..PruneCriteria::default()
                }),
            ];
            for criteria in passes.into_iter().flatten() {
                match crate::store::prune(&*store, &logs_dir, &criteria, now_ms(), false) {
                    Ok(report) if !report.runs.is_empty() => {
                        tracing::info!(
                            workflow = %workflow,
                            runs = report.runs.len(),
                            log_files = report.log_files,
                            log_bytes = report.log_bytes,
                            max_age = ?criteria.older_than,
                            keep = ?criteria.keep,
                            "retention: pruned runs"
                        );
                        runs += report.runs.len();
                        files += report.log_files;
                        bytes += report.log_bytes;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(workflow = %workflow, error = %e, "retention: prune failed")
                    }
                }
            }
        }
        if applied {
            tracing::info!(
                runs,
                log_files = files,
                log_bytes = bytes,
                db_bytes_before = before,
                db_bytes_after = store.size_on_disk(),
                "retention applied"
            );
        }
    }
}
