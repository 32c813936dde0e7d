//! `weft schedule ls|pause|resume|trigger|fires`: the daemon's scheduled
//! workflows, through its API.

use super::daemon_client::{client_error, connect, runtime};
use super::{CmdError, CmdResult, Context, EXIT_OK, EXIT_USAGE};
use crate::api::{TriggerRequest, WorkflowInfo};
use crate::cli::ScheduleCommand;
use crate::model::{FireOutcome, FireRecord};
use crate::output::{Table, local_time};
use std::io::Write;

pub fn schedule(ctx: &Context, cmd: ScheduleCommand) -> CmdResult {
    if let ScheduleCommand::Export {
        workflow,
        dir,
        print,
        ..
    } = cmd
    {
        return export_systemd(ctx, &workflow, dir, print);
    }
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
            ScheduleCommand::Export { .. } => unreachable!("handled above"),
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
                            crate::schedule::key_text(&f.fire.schedule),
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

/// A fire time as the schedule's own zone tells it (`03:00 CET` for a
/// Berlin schedule), or in local time when it has none.
fn zoned_time(ms: crate::model::Millis, zone: Option<&str>) -> String {
    use chrono::TimeZone;
    match zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(tz) => match tz.timestamp_millis_opt(ms).single() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S %Z").to_string(),
            None => local_time(ms),
        },
        None => local_time(ms),
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
                    sch.next
                        .first()
                        .map_or("-".into(), |&t| zoned_time(t, sch.timezone.as_deref()))
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
            "\n{} is invalid and not scheduled:\n{}",
            w.file,
            w.diagnostics.as_deref().unwrap_or("")
        ));
    }
    text
}

/// `weft schedule export --systemd`: `weft-NAME.timer` and `.service`
/// running `weft run FILE` at the workflow's schedules.
fn export_systemd(
    ctx: &Context,
    workflow: &str,
    dir: Option<std::path::PathBuf>,
    print: bool,
) -> CmdResult {
    let file = if std::path::Path::new(workflow).is_file() {
        std::path::PathBuf::from(workflow)
    } else {
        let known = runtime()?.block_on(async {
            let client = connect(ctx).await?;
            client.workflows().await.map_err(client_error)
        })?;
        let found = known.into_iter().find(|w| w.valid && w.name == workflow);
        match found {
            Some(w) => std::path::PathBuf::from(w.file),
            None => {
                return Err(CmdError::Usage(format!(
                    "`{workflow}` is neither a workflow file nor a workflow the daemon knows; see `weft schedule ls --all`"
                )));
            }
        }
    };
    let loaded = match crate::workflow::load_file(&file, &[], &|_| None) {
        Ok(l) => l,
        Err(crate::workflow::LoadError::Invalid(report)) => {
            eprint!("{}", report.render());
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(CmdError::Usage(format!("{e}"))),
    };
    let wf = &loaded.workflow;
    if wf.schedules.is_empty() {
        return Err(CmdError::Usage(format!(
            "{} has no `schedule:`; nothing to export",
            file.display()
        )));
    }
    let mut timer_lines = Vec::new();
    for spec in &wf.schedules {
        let lines = crate::schedule::systemd::timer_lines(spec).map_err(|why| {
            CmdError::Usage(format!(
                "schedule `{}` of {}: {why}",
                spec.expression(),
                wf.name
            ))
        })?;
        timer_lines.extend(lines);
    }
    use crate::schedule::Catchup;
    if wf.policy.catchup != Catchup::None {
        timer_lines.push("Persistent=true".into());
    }
    let exe = std::env::current_exe()?;
    let abs = std::fs::canonicalize(&file).unwrap_or(file.clone());
    let home_env = if ctx.home_is_explicit {
        format!("Environment=WEFT_HOME={}\n", ctx.paths.data_dir.display())
    } else {
        String::new()
    };
    let unit = format!("weft-{}", wf.name);
    let service = format!(
        "# Written by `weft schedule export --systemd`. systemd never starts this\n\
         # service while it is still running: that is `overlap: skip`.\n\
         [Unit]\nDescription=weft workflow {name}\n\n\
         [Service]\nType=oneshot\nExecStart={exe} run --quiet {file}\n{home_env}\
         WorkingDirectory={dir}\n",
        name = wf.name,
        exe = exe.display(),
        file = abs.display(),
        dir = abs.parent().unwrap_or(std::path::Path::new("/")).display(),
    );
    let timer = format!(
        "# Written by `weft schedule export --systemd` from {file}.\n\
         [Unit]\nDescription=Schedule of weft workflow {name}\n\n\
         [Timer]\n{lines}\nUnit={unit}.service\n\n\
         [Install]\nWantedBy=timers.target\n",
        file = abs.display(),
        name = wf.name,
        lines = timer_lines.join("\n"),
    );
    let mut out = std::io::stdout().lock();
    if print {
        write!(out, "# {unit}.service\n{service}\n# {unit}.timer\n{timer}")?;
        return Ok(EXIT_OK);
    }
    let dir = match dir {
        Some(d) => d,
        None => std::env::var_os("XDG_CONFIG_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config"))
            })
            .map(|c| c.join("systemd/user"))
            .ok_or_else(|| {
                CmdError::Usage(
                    "neither XDG_CONFIG_HOME nor HOME is set; use `--dir` or `--print`".into(),
                )
            })?,
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| CmdError::Usage(format!("cannot create `{}`: {e}", dir.display())))?;
    for (ext, text) in [("service", &service), ("timer", &timer)] {
        let path = dir.join(format!("{unit}.{ext}"));
        std::fs::write(&path, text)
            .map_err(|e| CmdError::Usage(format!("cannot write `{}`: {e}", path.display())))?;
        writeln!(out, "wrote {}", path.display())?;
    }
    writeln!(
        out,
        "enable it with: systemctl --user daemon-reload && systemctl --user enable --now {unit}.timer"
    )?;
    Ok(EXIT_OK)
}
