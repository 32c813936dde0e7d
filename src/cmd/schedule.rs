//! `weft schedule ls|pause|resume|trigger|fires`: the daemon's scheduled
//! workflows, through its API.

use super::remote::{client_error, connect, runtime};
use super::{CmdResult, Context, EXIT_OK};
use crate::api::{TriggerRequest, WorkflowInfo};
use crate::cli::ScheduleCommand;
use crate::output::{Table, local_time};
use crate::store::{FireOutcome, FireRecord};
use std::io::Write;

pub fn schedule(ctx: &Context, cmd: ScheduleCommand) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let mut out = std::io::stdout().lock();
        match cmd {
            ScheduleCommand::Ls { all, json } => {
                let workflows: Vec<WorkflowInfo> = client
                    .workflows()
                    .await
                    .map_err(client_error)?
                    .into_iter()
                    .filter(|w| all || !w.valid || !w.schedules.is_empty())
                    .collect();
                if json {
                    serde_json::to_writer_pretty(&mut out, &workflows)
                        .map_err(std::io::Error::from)?;
                    writeln!(out)?;
                } else {
                    write!(out, "{}", render_ls(ctx, &workflows))?;
                }
            }
            ScheduleCommand::Pause { workflow } => {
                client
                    .pause_schedules(&workflow, true)
                    .await
                    .map_err(client_error)?;
                writeln!(out, "paused the schedules of {workflow}")?;
            }
            ScheduleCommand::Resume { workflow } => {
                client
                    .pause_schedules(&workflow, false)
                    .await
                    .map_err(client_error)?;
                writeln!(out, "resumed the schedules of {workflow}")?;
            }
            ScheduleCommand::Trigger { workflow, params } => {
                let req = TriggerRequest {
                    params: params.params,
                };
                let answer = client
                    .trigger(&workflow, &req)
                    .await
                    .map_err(client_error)?;
                match (answer.outcome, answer.run) {
                    (FireOutcome::Started, Some(run)) => writeln!(out, "{run}")?,
                    (FireOutcome::Queued, Some(run)) => {
                        writeln!(out, "{run}")?;
                        eprintln!(
                            "weft: run {run} is queued: it starts when the previous run of {workflow} ends (overlap: queue)"
                        );
                    }
                    _ => eprintln!(
                        "weft: not started: the previous run of {workflow} is still going (overlap: skip)"
                    ),
                }
            }
            ScheduleCommand::Fires {
                workflow,
                limit,
                json,
            } => {
                let fires = client
                    .fires(&workflow, limit)
                    .await
                    .map_err(client_error)?;
                if json {
                    serde_json::to_writer_pretty(&mut out, &fires)
                        .map_err(std::io::Error::from)?;
                    writeln!(out)?;
                } else if fires.is_empty() {
                    writeln!(out, "{workflow} has not fired yet")?;
                } else {
                    let mut table = Table::new(&["FIRED AT", "SCHEDULE", "RESULT", "RUN"]);
                    for f in &fires {
                        table.row(vec![
                            local_time(f.fire.fire_at),
                            f.fire.schedule.clone(),
                            result(ctx, f),
                            f.fire.run.as_ref().map_or("-".into(), |r| r.to_string()),
                        ]);
                    }
                    write!(out, "{}", table.render(&ctx.style))?;
                }
            }
        }
        Ok(EXIT_OK)
    })
}

/// What became of a fire: `succeeded`, `running`, `skipped`, `queued`...
fn result(ctx: &Context, f: &FireRecord) -> String {
    match (f.fire.outcome, f.run_status) {
        (FireOutcome::Failed, _) => ctx.style.bad("failed to start"),
        (_, Some(status)) => ctx.style.run_status(status),
        (outcome, None) => outcome.as_str().to_string(),
    }
}

fn render_ls(ctx: &Context, workflows: &[WorkflowInfo]) -> String {
    let s = &ctx.style;
    let mut text = String::new();
    let valid: Vec<&WorkflowInfo> = workflows.iter().filter(|w| w.valid).collect();
    if valid.is_empty() {
        text.push_str("no scheduled workflows; list folders of workflow files under `workflow_dirs` in config.yaml\n");
    } else {
        let mut table = Table::new(&[
            "WORKFLOW", "SCHEDULE", "IN WORDS", "TIMEZONE", "NEXT", "LAST", "OVERLAP",
        ]);
        for w in &valid {
            if w.schedules.is_empty() {
                table.row(vec![
                    w.name.clone(),
                    "-".into(),
                    "not scheduled".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    w.overlap.clone(),
                ]);
            }
            for sch in &w.schedules {
                let next = if w.paused {
                    s.warn("paused")
                } else {
                    sch.next.first().map_or("-".into(), |&t| local_time(t))
                };
                let last = sch.last.as_ref().map_or("-".into(), |f| {
                    format!("{} {}", local_time(f.fire.fire_at), result(ctx, f))
                });
                let queued = if w.queued > 0 {
                    format!(" ({} queued)", w.queued)
                } else {
                    String::new()
                };
                table.row(vec![
                    w.name.clone(),
                    sch.expression.clone(),
                    sch.description.trim_end_matches('.').to_string(),
                    sch.timezone.clone().unwrap_or_else(|| "-".into()),
                    next,
                    last,
                    format!("{}{queued}", w.overlap),
                ]);
            }
        }
        text.push_str(&table.render(s));
    }
    for w in workflows.iter().filter(|w| !w.valid) {
        text.push_str(&format!(
            "\n{} {} is invalid and not scheduled:\n{}",
            s.bad("error:"),
            w.file,
            w.diagnostics.as_deref().unwrap_or("")
        ));
    }
    text
}
