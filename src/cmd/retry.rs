//! `weft retry RUN [--from TASK]`: a new run of the same definition and
//! params that reuses the outputs of tasks that succeeded and reruns the
//! rest (and, with `--from`, that task and everything downstream of it).

use super::run::{Launch, launch};
use super::{CmdError, CmdResult, Context};
use crate::cli::RetryArgs;
use crate::model::{TaskStatus, Trigger};
use crate::store::{ReusedTask, Store};
use crate::workflow::load_str;
use std::path::PathBuf;

pub fn retry(ctx: &Context, args: RetryArgs) -> CmdResult {
    let store = ctx.store()?;
    let id = store.resolve(&args.run)?;
    let old = store.run(&id)?;
    if !old.summary.status.is_terminal() {
        return Err(CmdError::Usage(format!(
            "error: run {id} is still running; wait for it (`weft logs -f {id}`) before retrying"
        )));
    }
    let params: Vec<(String, String)> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let loaded = load_str(&old.file, &old.source, &params, &|_| None).map_err(|report| {
        CmdError::Usage(format!(
            "error: the definition stored with run {id} no longer validates:\n{}",
            report.render()
        ))
    })?;
    let wf = &loaded.workflow;
    let mut rerun = vec![false; wf.tasks.len()];
    if let Some(from) = &args.from {
        let Some(i) = wf.task_index(from) else {
            return Err(super::unknown_task(
                &id,
                from,
                wf.tasks.iter().map(|t| t.name.as_str()),
            ));
        };
        rerun[i] = true;
        for (j, d) in wf.dag.descendants(i).into_iter().enumerate() {
            rerun[j] |= d;
        }
    }
    let reused: Vec<Option<ReusedTask>> = wf
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let old_task = old.tasks.iter().find(|o| o.name == t.name)?;
            (old_task.status == TaskStatus::Succeeded && !rerun[i]).then(|| ReusedTask {
                from: old_task.reused_from.clone().unwrap_or_else(|| id.clone()),
                outputs: old_task.outputs.clone(),
            })
        })
        .collect();
    if reused.iter().all(Option::is_some) {
        return Err(CmdError::Usage(format!(
            "error: every task of run {id} succeeded; nothing to retry\n  to run a task and what follows it again, use `weft retry {id} --from TASK`"
        )));
    }
    launch(
        ctx,
        Launch {
            loaded,
            file: PathBuf::from(&old.file),
            trigger: Trigger::Retry,
            retry_of: Some(id),
            reused,
            concurrency: args.concurrency,
            output: &args.output,
        },
    )
}
