//! `weft run FILE`: run a workflow in the foreground. Also the launcher that
//! `weft retry` uses. Ctrl-C (or SIGTERM) cancels cleanly: running tasks and
//! everything they started are stopped, the run is recorded `cancelled`, and
//! weft exits 130.

use super::overlap::Admission;
use super::{CmdError, CmdResult, Context, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::cli::{RunArgs, RunOutputArgs, TaskOutputArg};
use crate::engine::{Driver, EngineError, Launch, RunControl, TaskOutput, record_run};
use crate::logs::{LineEnd, Stream, read_log_chunk, tail_lines};
use crate::model::{RunId, RunStatus, TaskStatus, Trigger};
use crate::output::{Progress, ProgressMode, TaskLines};
use crate::store::{Owner, Store};
use std::path::Path;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

pub fn run(ctx: &Context, args: RunArgs) -> CmdResult {
    if args.detach {
        // With --json: {run, workflow}, as `weft submit --json`.
        return super::daemon_client::submit_file(
            ctx,
            &args.file,
            &args.params.params,
            args.concurrency,
            args.output.quiet,
            args.output.json,
        );
    }
    let (loaded, file) = super::workflow_file::load_workflow(&args.file, &args.params.params)?;
    let policy = super::overlap::policy(args.overlap, &loaded.workflow);
    let quiet = args.output.quiet || args.output.json;
    let _lock = match super::overlap::admit(ctx, &loaded.workflow.name, policy, quiet)? {
        Admission::Go(guard) => guard,
        Admission::Skip => {
            super::overlap::report_skip(&loaded.workflow.name, args.output.quiet);
            return Ok(super::overlap::EXIT_SKIPPED);
        }
    };
    launch(
        ctx,
        Launch {
            loaded,
            file,
            trigger: Trigger::manual_or_cron(args.cron),
            retry_of: None,
            reused: Vec::new(),
            concurrency: args.concurrency.map(|c| c as usize),
        },
        &args.output,
        Lines::from(args.task_output),
    )
}

/// What a foreground run does with its tasks' output (which is in the
/// logs in any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lines {
    /// Each line as it comes, after its task's name.
    Prefixed,
    None,
    /// A failed attempt's whole output, read from its log when it fails.
    Failed,
    /// As the command would print it: stdout to stdout, stderr to stderr,
    /// unprefixed (`weft wrap`); weft's own lines to stderr.
    Passthrough,
}

impl From<TaskOutputArg> for Lines {
    fn from(a: TaskOutputArg) -> Lines {
        match a {
            TaskOutputArg::Prefixed => Lines::Prefixed,
            TaskOutputArg::None => Lines::None,
            TaskOutputArg::Failed => Lines::Failed,
        }
    }
}

/// The exit code of a run that ended with `status`.
pub(super) fn exit_for(status: RunStatus) -> i32 {
    match status {
        RunStatus::Succeeded => EXIT_OK,
        RunStatus::Cancelled | RunStatus::Interrupted => EXIT_INTERRUPTED,
        _ => EXIT_FAILED,
    }
}

/// Records the run and drives it in the foreground; exits with its result.
pub(super) fn launch(ctx: &Context, l: Launch, output: &RunOutputArgs, lines: Lines) -> CmdResult {
    Ok(exit_for(drive(ctx, l, output, lines)?.0))
}

/// Records the run and drives it in the foreground until it ends.
pub(super) fn drive(
    ctx: &Context,
    l: Launch,
    output: &RunOutputArgs,
    lines: Lines,
) -> Result<(RunStatus, RunId), CmdError> {
    let store = ctx.store()?;
    let total = l.loaded.workflow.tasks.len();
    let reused_count = l.reused.iter().filter(|r| r.is_some()).count();
    let setup = record_run(
        &*store,
        &ctx.paths.logs_dir(),
        &ctx.config,
        l,
        Owner::this_process(),
    )
    .map_err(|e| match e {
        EngineError::Store(e) => CmdError::from(e),
        other => CmdError::Unavailable(format!("{other}")),
    })?;
    let run_id = setup.run_id.clone();
    let mode = if output.json {
        ProgressMode::Json
    } else if output.quiet || lines == Lines::Passthrough {
        ProgressMode::Quiet
    } else if ctx.stdout_tty && !ctx.dumb_terminal {
        ProgressMode::Tty
    } else {
        ProgressMode::Plain
    };
    let mut progress = Progress::new(mode, ctx.style, total, reused_count);
    let task_lines = TaskLines::new(
        ctx.style,
        setup.loaded.workflow.tasks.iter().map(|t| t.name.as_str()),
    );
    // Task output: passed through (unless stdout carries JSON), or shown
    // prefixed by the progress display when it shows anything.
    let lines = match lines {
        Lines::Passthrough if output.json => Lines::None,
        Lines::Passthrough => Lines::Passthrough,
        _ if matches!(mode, ProgressMode::Json | ProgressMode::Quiet) => Lines::None,
        other => other,
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CmdError::Unavailable(format!("cannot start the async runtime: {e}")))?;
    let dyn_store: Arc<dyn Store> = store.clone();
    // Interactive tasks get this terminal, when there is one to give.
    let interactive: std::collections::HashSet<crate::model::TaskName> = setup
        .loaded
        .workflow
        .tasks
        .iter()
        .filter(|t| t.interactive)
        .map(|t| t.name.clone())
        .collect();
    let registry = Arc::new(crate::exec::PtyRegistry::default());
    let mut setup = setup;
    setup.ptys = Some(registry.clone());
    let give_terminal = mode == ProgressMode::Tty
        && !interactive.is_empty()
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let hosted = (registry.clone(), interactive.clone());
    let mut local = super::local_terminal::LocalTerminal::new(
        registry,
        run_id.clone(),
        interactive,
        ctx.config.detach_key(),
    );
    let status = runtime.block_on(async {
        // Other terminals attach to its interactive tasks on the run's own
        // socket (`weft attach RUN TASK`, `weft send`); without one they
        // still run, only this terminal reaches them.
        let _host = if hosted.1.is_empty() {
            None
        } else {
            crate::daemon::run_host::host(&ctx.paths, run_id.clone(), hosted.0, hosted.1).ok()
        };
        let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
        let (control_tx, control_rx) = watch::channel(RunControl::default());
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<TaskOutput>();
        let mut driver = Driver::new(setup, dyn_store, Some(ev_tx));
        let mut live = matches!(lines, Lines::Prefixed | Lines::Passthrough);
        if live {
            driver = driver.with_output(out_tx);
        }
        // Logs of the attempts under way, for `--output failed`.
        let mut logs: std::collections::HashMap<crate::model::TaskName, String> = Default::default();
        let mut drive = tokio::spawn(driver.run(control_rx));
        let mut sigint = signal(SignalKind::interrupt()).map_err(CmdError::Io)?;
        let mut sigterm = signal(SignalKind::terminate()).map_err(CmdError::Io)?;
        let mut sighup = signal(SignalKind::hangup()).map_err(CmdError::Io)?;
        let mut signals = 0u32;
        let mut on_signal = |why: &str, killed: usize| {
            signals += 1;
            let loud = mode != ProgressMode::Json && mode != ProgressMode::Quiet;
            if signals == 1 {
                control_tx.send_modify(|c| c.cancel = true);
                if loud {
                    eprintln!(
                        "\n{why}: cancelling the run; its tasks get {} to stop (again to kill them now)",
                        crate::model::format_duration_ms(ctx.config.kill_grace().as_millis() as u64)
                    );
                }
            } else {
                control_tx.send_modify(|c| {
                    c.cancel = true;
                    c.kill = true;
                });
                if loud {
                    eprintln!("{why} again: killed {killed} running task{}", if killed == 1 { "" } else { "s" });
                }
            }
        };
        // Tasks that stop on the terminal (SIGTTIN) would wait forever: say so.
        let mut running: std::collections::HashMap<crate::model::TaskName, u32> = Default::default();
        let mut warned: std::collections::HashSet<crate::model::TaskName> = Default::default();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        // Polled in order (`biased`), so a closed channel must leave the
        // select, or it would be ready forever and starve the driver.
        let mut events_open = true;
        let result = loop {
            tokio::select! {
                // Signals first, then events (each end of an attempt shows
                // the output before it), then output.
                biased;
                _ = sigint.recv() => on_signal("interrupted", running.len()),
                _ = sigterm.recv() => on_signal("terminated", running.len()),
                _ = sighup.recv() => on_signal("hung up", running.len()),
                _ = tick.tick(), if mode != ProgressMode::Quiet && mode != ProgressMode::Json => {
                    for (task, &pid) in &running {
                        if !warned.contains(task) && crate::sys::process_is_stopped(pid) {
                            warned.insert(task.clone());
                            eprintln!(
                                "weft: task `{task}` is stopped (job control); if it wanted the terminal, make it `interactive: true`; `kill -CONT {pid}` resumes it"
                            );
                        }
                    }
                },
                ev = ev_rx.recv(), if events_open => if let Some(ev) = ev {
                    // A task's output comes before the news that it ended
                    // (the driver hands it over before it says so).
                    if !matches!(
                        ev.kind,
                        crate::model::EventKind::RunStarted { .. } | crate::model::EventKind::AttemptStarted { .. }
                    ) {
                        let batch = waiting(&mut out_rx);
                        show_output(&mut progress, &task_lines, lines, give_terminal, &run_id, &batch);
                    }
                    match &ev.kind {
                        crate::model::EventKind::AttemptStarted { task, pid: Some(pid), .. } => {
                            running.insert(task.clone(), *pid);
                        }
                        crate::model::EventKind::AttemptFinished { task, outcome, .. } => {
                            running.remove(task);
                            if let Some(log) = logs.remove(task)
                                && lines == Lines::Failed
                                && !outcome.succeeded()
                            {
                                let _ = show_log(&mut progress, &task_lines, task.as_str(), Path::new(&log));
                            }
                        }
                        _ => {}
                    }
                    if let crate::model::EventKind::AttemptStarted { task, log, .. } = &ev.kind {
                        logs.insert(task.clone(), log.clone());
                    }
                    if let Err(e) = progress.on_event(&ev)
                        && e.kind() == std::io::ErrorKind::BrokenPipe
                    {
                        // Nobody reads our output any more; keep running quietly.
                        progress = Progress::new(ProgressMode::Quiet, ctx.style, 0, 0);
                    }
                    local.note(&ev);
                    if give_terminal && !local.is_attached() && local.has_waiting() {
                        // Stop drawing first, or a late frame of the progress
                        // display would land on the task's screen.
                        progress.hold();
                        if local.attach_next().is_none() {
                            let _ = progress.release();
                        }
                    }
                } else {
                    events_open = false;
                },
                piece = out_rx.recv(), if live => {
                    // Closed when the driver is done with it.
                    let Some(piece) = piece else {
                        live = false;
                        continue;
                    };
                    let mut batch = vec![piece];
                    while batch.len() < 256 && let Ok(p) = out_rx.try_recv() {
                        batch.push(p);
                    }
                    show_output(&mut progress, &task_lines, lines, give_terminal, &run_id, &batch);
                },
                released = local.serve(), if give_terminal => {
                    use super::local_terminal::Released;
                    if matches!(released, Released::Asked) {
                        progress.hold();
                    }
                    let note = match released {
                        Released::Ended(t) => format!("{t}: gave the terminal back (the task ended)"),
                        Released::Detached(t) => format!(
                            "{t}: detached; it goes on, its output in `weft logs {run_id} {t}`; press Enter to attach again (or `weft attach {run_id} {t}` from another terminal)"
                        ),
                        Released::Asked => "nothing to attach: the detached tasks have ended".to_string(),
                    };
                    if local.attach_next().is_none() {
                        let _ = progress.release();
                        eprintln!("{note}");
                        if local.has_detached() && !note.contains("press Enter") {
                            eprintln!("weft: press Enter to attach to a detached task again");
                        }
                    }
                },
                done = &mut drive => break done,
            }
        };
        // The terminal is the shell's again before anything is drawn on it.
        local.release();
        // Show what the driver published before it returned.
        let batch = waiting(&mut out_rx);
        show_output(&mut progress, &task_lines, lines, give_terminal, &run_id, &batch);
        while let Ok(ev) = ev_rx.try_recv() {
            let _ = progress.on_event(&ev);
        }
        progress.clear();
        match result {
            Ok(Ok(status)) => Ok(status),
            Ok(Err(e)) => Err(CmdError::Unavailable(format!(
                "run {run_id} stopped: {e}"
            ))),
            Err(e) => Err(CmdError::Unavailable(format!(
                "run {run_id} stopped: {e}"
            ))),
        }
    })?;

    if matches!(mode, ProgressMode::Tty | ProgressMode::Plain) && status == RunStatus::Failed {
        print_failures(ctx, &*store, &run_id)?;
    }
    // `--quiet`: nothing but errors, so a run that did not succeed says so
    // (`weft wrap` stays as silent as the command it wraps).
    if output.quiet && !output.json && lines != Lines::Passthrough && status != RunStatus::Succeeded
    {
        eprintln!("weft: run {run_id} {}", status.as_str());
    }
    Ok((status, run_id))
}

/// The pieces of output that have arrived.
fn waiting(rx: &mut mpsc::UnboundedReceiver<TaskOutput>) -> Vec<TaskOutput> {
    let mut batch = Vec::new();
    while let Ok(p) = rx.try_recv() {
        batch.push(p);
    }
    batch
}

/// Prints pieces of task output as `lines` says.
fn show_output(
    progress: &mut Progress,
    task_lines: &TaskLines,
    lines: Lines,
    give_terminal: bool,
    run_id: &RunId,
    batch: &[TaskOutput],
) {
    use std::io::Write;
    if batch.is_empty() {
        return;
    }
    let missed = |p: &TaskOutput| {
        (p.missed > 0).then(|| {
            format!(
                "{} piece{} of output not shown (the display fell behind); `weft logs {run_id} {}` has them",
                p.missed,
                if p.missed == 1 { "" } else { "s" },
                p.task
            )
        })
    };
    if lines == Lines::Passthrough {
        // As the command itself would write: each stream to its own, unprefixed.
        let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
        for p in batch {
            if let Some(m) = missed(p) {
                let _ = writeln!(err, "weft: {m}");
            }
            let newline = p.end != LineEnd::Continues;
            let _ = match p.stream {
                Stream::Stdout | Stream::Terminal => out.write_all(&p.text).and_then(|_| {
                    if newline {
                        out.write_all(b"\n")
                    } else {
                        Ok(())
                    }
                }),
                Stream::Stderr => err.write_all(&p.text).and_then(|_| {
                    if newline {
                        err.write_all(b"\n")
                    } else {
                        Ok(())
                    }
                }),
                Stream::Weft => err
                    .write_all(b"weft: ")
                    .and_then(|_| err.write_all(&p.text))
                    .and_then(|_| err.write_all(b"\n")),
            };
        }
        let _ = out.flush();
        let _ = err.flush();
        return;
    }
    let mut shown = Vec::with_capacity(batch.len());
    for p in batch {
        // A PTY task's screen is the user's while they are attached; its
        // transcript is in `weft logs`.
        if p.stream == Stream::Terminal && give_terminal {
            continue;
        }
        if let Some(m) = missed(p) {
            shown.push(task_lines.line(p.task.as_str(), Stream::Weft, m.as_bytes()));
        }
        shown.push(task_lines.line(p.task.as_str(), p.stream, &p.text));
    }
    let _ = progress.print_lines(&shown);
}

/// Prints an attempt's whole log (`--output failed`), in pieces: constant
/// memory whatever its size.
fn show_log(
    progress: &mut Progress,
    task_lines: &TaskLines,
    task: &str,
    log: &Path,
) -> std::io::Result<()> {
    let mut offset = 0;
    loop {
        let (lines, next, more) = read_log_chunk(log, offset, 256 << 10)?;
        let shown: Vec<String> = lines
            .iter()
            .map(|l| task_lines.line(task, l.stream, l.text.as_bytes()))
            .collect();
        progress.print_lines(&shown)?;
        offset = next;
        if !more {
            return Ok(());
        }
    }
}

/// For each failed task, the end of its last attempt's log, so the reason
/// is on screen without another command.
fn print_failures(ctx: &Context, store: &dyn Store, run_id: &RunId) -> Result<(), CmdError> {
    use std::io::Write;
    let detail = store.run(run_id)?;
    let mut out = std::io::stdout().lock();
    for task in detail
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Failed)
    {
        let Some(attempt) = task.attempts.last() else {
            continue;
        };
        if matches!(
            attempt.outcome,
            Some(crate::model::AttemptOutcome::FailedToStart { .. })
        ) {
            // Its log holds only the reason, which the run's output already showed.
            continue;
        }
        // Read from the end backwards: instant whatever the log's size.
        let tail = tail_lines(Path::new(&attempt.log), 10, 4096).unwrap_or_default();
        writeln!(
            out,
            "\n{} {} {}",
            ctx.style.bad("✗"),
            ctx.style.bold(task.name.as_str()),
            task.reason.as_deref().unwrap_or("")
        )?;
        if tail.lines.is_empty() {
            writeln!(out, "  {}", ctx.style.dim("(no output)"))?;
        }
        for (_, text) in &tail.lines {
            writeln!(out, "  {} {}", ctx.style.dim("│"), text)?;
        }
        if tail.earlier {
            writeln!(
                out,
                "  {}",
                ctx.style
                    .dim(&format!("full log: weft logs {run_id} {}", task.name))
            )?;
        }
    }
    Ok(())
}
