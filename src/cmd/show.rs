//! `weft show RUN`: one run, every task with status, attempts, exit code,
//! duration and outputs.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::ShowArgs;
use crate::model::{RunStatus, now_ms};
use crate::output::{Table, local_time, span};
use crate::store::{QueuedRun, Store, StoreError, queue_position};
use std::io::Write;

pub fn show(ctx: &Context, args: ShowArgs) -> CmdResult {
    let store = ctx.reading_store()?;
    let id = match store.resolve(&args.run) {
        Err(StoreError::Queued { run, .. }) => return show_queued(ctx, &*store, &run, args.json),
        other => other?,
    };
    let run = store.run(&id)?;
    let waiting: Vec<crate::model::TaskName> = if run.summary.status.is_terminal() {
        Vec::new()
    } else {
        super::daemon_client::waiting_for_input(ctx)
            .into_iter()
            .filter(|w| w.run == id)
            .map(|w| w.task)
            .collect()
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut doc = serde_json::to_value(&run).map_err(std::io::Error::from)?;
        doc["waiting_for_input"] = serde_json::to_value(&waiting).map_err(std::io::Error::from)?;
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    let s = &ctx.style;
    let r = &run.summary;
    let now = now_ms();
    let end = r
        .finished_at
        .or(r.status.is_started_and_going().then_some(now));
    writeln!(
        out,
        "{} {}  {}  {}",
        s.bold("run"),
        s.bold(r.id.as_str()),
        r.workflow,
        s.run_status(r.status)
    )?;
    writeln!(out, "  file      {}", run.file)?;
    writeln!(
        out,
        "  started   {}  ({}, {})",
        local_time(r.created_at),
        span(Some(r.created_at), end),
        r.trigger
    )?;
    if let Some(of) = &r.retry_of {
        writeln!(out, "  retry of  {of}")?;
    }
    if let Some(params) = run.params.as_object().filter(|p| !p.is_empty()) {
        let text: Vec<String> = params
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect();
        writeln!(out, "  params    {}", text.join(" "))?;
    }
    writeln!(out)?;
    let mut table = Table::new(&["TASK", "STATUS", "ATTEMPTS", "EXIT", "DURATION", "NOTE"]);
    for t in &run.tasks {
        let running_end = (t.finished_at.is_none() && t.started_at.is_some()).then_some(now);
        let note = match (&t.reused_from, &t.reason) {
            _ if waiting.contains(&t.name) => {
                format!("waiting for input: `weft attach {id} {}`", t.name)
            }
            (Some(from), _) => format!("reused from {from}"),
            (None, Some(reason)) => reason.clone(),
            _ => String::new(),
        };
        table.row(vec![
            t.name.to_string(),
            if waiting.contains(&t.name) {
                s.warn("waiting")
            } else if t.waiting.is_some() {
                s.warn(&t.status_text())
            } else {
                s.task_status(t.status)
            },
            t.attempts.len().to_string(),
            t.exit_code().map_or("-".into(), |c| c.to_string()),
            span(t.started_at, t.finished_at.or(running_end)),
            note,
        ]);
    }
    write!(out, "{}", table.render(s))?;
    let with_outputs: Vec<_> = run.tasks.iter().filter(|t| !t.outputs.is_empty()).collect();
    if !with_outputs.is_empty() {
        writeln!(out, "\n{}", s.bold("OUTPUTS"))?;
        for t in with_outputs {
            for (k, v) in &t.outputs {
                let shown = if v.contains('\n') {
                    format!(
                        "{}… ({} lines)",
                        v.lines().next().unwrap_or(""),
                        v.lines().count()
                    )
                } else {
                    v.clone()
                };
                writeln!(out, "  {}.{k} = {shown}", t.name)?;
            }
        }
    }
    Ok(EXIT_OK)
}

/// What a queued run waits for: the run it starts after, that run's
/// workflow and status (`queued` when it waits too), and its place in the
/// queue (1: it starts next).
pub(super) struct Waits {
    pub queued: QueuedRun,
    pub after_workflow: Option<String>,
    pub after_status: Option<RunStatus>,
    pub position: usize,
}

/// `Ok(None)` when `run` is no longer queued (it started, or was cancelled).
pub(super) fn queued_waits(store: &dyn Store, run: &str) -> Result<Option<Waits>, CmdError> {
    let all = store.queued_runs()?;
    let Some(queued) = all.iter().find(|q| q.run.as_str() == run).cloned() else {
        return Ok(None);
    };
    let position = queue_position(&all, &queued.run);
    let (after_workflow, after_status) = match all.iter().find(|q| q.run == queued.after) {
        Some(ahead) => (Some(ahead.workflow.clone()), Some(RunStatus::Queued)),
        None => match store.run(&queued.after) {
            Ok(after) => (Some(after.summary.workflow), Some(after.summary.status)),
            Err(_) => (None, None),
        },
    };
    Ok(Some(Waits {
        queued,
        after_workflow,
        after_status,
        position,
    }))
}

impl Waits {
    /// "run 7k2m… (backup, running)", for messages.
    pub fn describe(&self) -> String {
        let after = &self.queued.after;
        match (&self.after_workflow, self.after_status) {
            (Some(w), Some(s)) => format!("run {after} ({w}, {s})"),
            _ => format!("run {after}"),
        }
    }
}

fn show_queued(ctx: &Context, store: &dyn Store, run: &str, json: bool) -> CmdResult {
    let Some(w) = queued_waits(store, run)? else {
        // It left the queue between the two reads: show it as a run.
        let id = store.resolve(run)?;
        let _ = store.run(&id)?;
        return Err(CmdError::Usage(format!(
            "run {run} has just started; `weft show {run}` shows it"
        )));
    };
    let q = &w.queued;
    let mut out = std::io::stdout().lock();
    if json {
        let params: serde_json::Map<String, serde_json::Value> = q
            .params
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let doc = serde_json::json!({
            "id": q.run,
            "workflow": q.workflow,
            "status": RunStatus::Queued,
            "trigger": q.trigger,
            "retry_of": null,
            "created_at": q.created_at,
            "finished_at": null,
            "tasks_total": 0,
            "tasks_done": 0,
            "tasks_failed": 0,
            "waiting_for_input": [],
            "file": q.file,
            "params": params,
            "owner_pid": null,
            "tasks": [],
            "queued": {
                "after": q.after,
                "after_workflow": w.after_workflow,
                "after_status": w.after_status,
                "position": w.position,
            },
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    let s = &ctx.style;
    writeln!(
        out,
        "{} {}  {}  {}",
        s.bold("run"),
        s.bold(q.run.as_str()),
        q.workflow,
        s.run_status(RunStatus::Queued)
    )?;
    writeln!(out, "  file      {}", q.file)?;
    writeln!(
        out,
        "  queued    {}  ({}, {})",
        local_time(q.created_at),
        span(Some(q.created_at), Some(now_ms())),
        q.trigger
    )?;
    writeln!(out, "  waits for {}", w.describe())?;
    let ahead = w.position.saturating_sub(1);
    writeln!(
        out,
        "  position  {} ({})",
        w.position,
        match ahead {
            0 => "it starts next".to_string(),
            1 => "1 queued run ahead of it".to_string(),
            n => format!("{n} queued runs ahead of it"),
        }
    )?;
    if !q.params.is_empty() {
        let text: Vec<String> = q.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(out, "  params    {}", text.join(" "))?;
    }
    writeln!(
        out,
        "\n{}",
        s.dim(&format!(
            "it starts when that run has ended; `weft wait {0}` waits for it, `weft cancel {0}` takes it out of the queue",
            q.run
        ))
    )?;
    Ok(EXIT_OK)
}
