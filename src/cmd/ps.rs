//! `weft ps` / `weft runs`: runs, newest first, filtered by workflow,
//! status and age.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::PsArgs;
use crate::model::{RunStatus, now_ms};
use crate::output::{Table, local_time, span};
use crate::store::RunFilter;
use crate::workflow::parse_duration;
use std::io::Write;

pub fn ps(ctx: &Context, args: PsArgs) -> CmdResult {
    let status = args
        .status
        .as_deref()
        .map(|s| s.parse::<RunStatus>())
        .transpose()
        .map_err(|e| CmdError::Usage(e.to_string()))?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_duration(s).map(|d| now_ms() - d.as_millis() as i64))
        .transpose()
        .map_err(|e| CmdError::Usage(format!("bad `--since`: {e}")))?;
    let store = ctx.reading_store()?;
    let runs = store.runs(&RunFilter {
        active: false,
        offset: 0,
        queued: true,
        workflow: args.workflow.clone(),
        status,
        since,
        limit: args.limit,
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let waiting = super::daemon_client::waiting_for_input(ctx);
        let docs: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                let mut doc = serde_json::to_value(r).unwrap_or_default();
                let tasks: Vec<&crate::model::TaskName> = waiting
                    .iter()
                    .filter(|w| w.run == r.id)
                    .map(|w| &w.task)
                    .collect();
                doc["waiting_for_input"] = serde_json::to_value(tasks).unwrap_or_default();
                doc
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &docs).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    if runs.is_empty() {
        let what = match (&args.workflow, &args.status) {
            (None, None) => "no runs yet; start one with `weft run FILE`".to_string(),
            _ => "no runs match".to_string(),
        };
        writeln!(out, "{what}")?;
        return Ok(EXIT_OK);
    }
    let s = &ctx.style;
    let waiting = if runs.iter().any(|r| !r.status.is_terminal()) {
        super::daemon_client::waiting_for_input(ctx)
    } else {
        Vec::new()
    };
    let mut table = Table::new(&[
        "ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "TASKS", "TRIGGER",
    ]);
    let now = now_ms();
    for r in &runs {
        let end = r
            .finished_at
            .or(r.status.is_started_and_going().then_some(now));
        let tasks = if r.status == RunStatus::Queued {
            "-".to_string()
        } else {
            let mut notes = Vec::new();
            if r.tasks_failed > 0 {
                notes.push(format!("{} failed", r.tasks_failed));
            }
            if let Some(why) = r.waiting.as_deref().filter(|_| r.tasks_waiting > 0) {
                notes.push(format!("{} pending: {why}", r.tasks_waiting));
            }
            if notes.is_empty() {
                format!("{}/{}", r.tasks_done, r.tasks_total)
            } else {
                format!("{}/{} ({})", r.tasks_done, r.tasks_total, notes.join("; "))
            }
        };
        table.row(vec![
            r.id.to_string(),
            r.workflow.clone(),
            if waiting.iter().any(|w| w.run == r.id) {
                s.warn("waiting for input")
            } else {
                s.run_status(r.status)
            },
            local_time(r.created_at),
            span(Some(r.created_at), end),
            tasks,
            r.trigger.to_string(),
        ]);
    }
    write!(out, "{}", table.render(s))?;
    Ok(EXIT_OK)
}
