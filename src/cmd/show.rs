//! `weft show RUN`: one run, every task with status, attempts, exit code,
//! duration and outputs.

use super::{CmdResult, Context, EXIT_OK};
use crate::cli::ShowArgs;
use crate::model::{RunStatus, now_ms};
use crate::output::{Table, local_time, span};
use crate::store::Store;
use std::io::Write;

pub fn show(ctx: &Context, args: ShowArgs) -> CmdResult {
    let store = ctx.reading_store()?;
    let id = store.resolve(&args.run)?;
    let run = store.run(&id)?;
    let waiting: Vec<crate::model::TaskName> = if run.summary.status.is_terminal() {
        Vec::new()
    } else {
        super::remote::waiting_for_input(ctx)
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
        .or((r.status == RunStatus::Running).then_some(now));
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
