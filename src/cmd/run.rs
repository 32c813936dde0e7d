//! `weft run FILE`: run a workflow in the foreground. Also the launcher that
//! `weft retry` uses. Ctrl-C (or SIGTERM) cancels cleanly: running tasks and
//! everything they started are stopped, the run is recorded `cancelled`, and
//! weft exits 130.

use super::overlap::Admission;
use super::{CmdError, CmdResult, Context, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::cli::{RunArgs, RunOutputArgs};
use crate::engine::{Driver, EngineError, Launch, RunControl, record_run};
use crate::model::{RunId, RunStatus, TaskStatus, Trigger};
use crate::output::{Progress, ProgressMode};
use crate::store::{Owner, Store, tail_lines};
use crate::workflow::{LoadError, Loaded, load_file, load_str};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

pub fn run(ctx: &Context, args: RunArgs) -> CmdResult {
    if args.detach {
        // With --json: {run, workflow}, as `weft submit --json`.
        return super::remote::submit_file(
            ctx,
            &args.file,
            &args.params.params,
            args.concurrency,
            args.output.quiet,
            args.output.json,
        );
    }
    let (loaded, file) = load_workflow(&args.file, &args.params.params)?;
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
    )
}

/// Loads a workflow file, or for `-` the workflow text on stdin (then
/// named `-` in messages, its tasks running in the current folder).
/// Returns it with the absolute path recorded with its runs. An invalid
/// workflow has its problems printed here and is a usage error.
pub(super) fn load_workflow(
    file: &Path,
    params: &[(String, String)],
) -> Result<(Loaded, PathBuf), CmdError> {
    let env = |k: &str| std::env::var(k).ok();
    let (loaded, path) = if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            CmdError::Usage(format!("error: cannot read the workflow from stdin: {e}"))
        })?;
        let cwd = std::env::current_dir()
            .map_err(|e| CmdError::Usage(format!("error: cannot find the current folder: {e}")))?;
        // Bytes that are not UTF-8 are located as in a file.
        let loaded = crate::workflow::decode_utf8("-", bytes)
            .and_then(|source| load_str("-", &source, params, &env))
            .map_err(LoadError::Invalid);
        (loaded, cwd.join("-"))
    } else {
        (
            load_file(file, params, &env),
            std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()),
        )
    };
    match loaded {
        Ok(l) => Ok((l, path)),
        Err(LoadError::Invalid(report)) => {
            eprint!("{}", report.render());
            let n = report.diagnostics.len();
            Err(CmdError::Usage(format!(
                "{n} problem{} in {}; nothing was run",
                if n == 1 { "" } else { "s" },
                report.file
            )))
        }
        Err(e) => Err(CmdError::Usage(format!("error: {e}"))),
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
pub(super) fn launch(ctx: &Context, l: Launch, output: &RunOutputArgs) -> CmdResult {
    Ok(exit_for(drive(ctx, l, output)?.0))
}

/// Records the run and drives it in the foreground until it ends.
pub(super) fn drive(
    ctx: &Context,
    l: Launch,
    output: &RunOutputArgs,
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
        other => CmdError::Unavailable(format!("error: {other}")),
    })?;
    let run_id = setup.run_id.clone();
    let mode = if output.json {
        ProgressMode::Json
    } else if output.quiet {
        ProgressMode::Quiet
    } else if ctx.stdout_tty && !ctx.dumb_terminal {
        ProgressMode::Tty
    } else {
        ProgressMode::Plain
    };
    let mut progress = Progress::new(mode, ctx.style, total, reused_count);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CmdError::Unavailable(format!("error: cannot start the async runtime: {e}"))
        })?;
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
        let driver = Driver::new(setup, dyn_store, Some(ev_tx));
        let mut drive = tokio::spawn(driver.run(control_rx));
        let mut sigint = signal(SignalKind::interrupt()).map_err(CmdError::Io)?;
        let mut sigterm = signal(SignalKind::terminate()).map_err(CmdError::Io)?;
        let mut sighup = signal(SignalKind::hangup()).map_err(CmdError::Io)?;
        let mut signals = 0u32;
        let mut on_signal = |why: &str| {
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
                let killed = kill_running(&*store, &run_id);
                if loud {
                    eprintln!("{why} again: killed {killed} running task{}", if killed == 1 { "" } else { "s" });
                }
            }
        };
        // Tasks that stop on the terminal (SIGTTIN) would wait forever: say so.
        let mut running: std::collections::HashMap<crate::model::TaskName, u32> = Default::default();
        let mut warned: std::collections::HashSet<crate::model::TaskName> = Default::default();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let result = loop {
            tokio::select! {
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
                ev = ev_rx.recv() => if let Some(ev) = ev {
                    match &ev.kind {
                        crate::model::EventKind::AttemptStarted { task, pid: Some(pid), .. } => {
                            running.insert(task.clone(), *pid);
                        }
                        crate::model::EventKind::AttemptFinished { task, .. } => {
                            running.remove(task);
                        }
                        _ => {}
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
                _ = sigint.recv() => on_signal("interrupted"),
                _ = sigterm.recv() => on_signal("terminated"),
                _ = sighup.recv() => on_signal("hung up"),
                done = &mut drive => break done,
            }
        };
        // The terminal is the shell's again before anything is drawn on it.
        local.release();
        // Show what the driver published before it returned.
        while let Ok(ev) = ev_rx.try_recv() {
            let _ = progress.on_event(&ev);
        }
        progress.clear();
        match result {
            Ok(Ok(status)) => Ok(status),
            Ok(Err(e)) => Err(CmdError::Unavailable(format!(
                "error: run {run_id} stopped: {e}"
            ))),
            Err(e) => Err(CmdError::Unavailable(format!(
                "error: run {run_id} stopped: {e}"
            ))),
        }
    })?;

    if matches!(mode, ProgressMode::Tty | ProgressMode::Plain) && status == RunStatus::Failed {
        print_failures(ctx, &*store, &run_id)?;
    }
    Ok((status, run_id))
}

/// SIGKILL to the process group of every attempt of the run still going
/// (a second Ctrl-C: the user will not wait for the grace period).
fn kill_running(store: &dyn Store, run_id: &RunId) -> usize {
    let Ok(run) = store.run(run_id) else {
        return 0;
    };
    let mut killed = 0;
    for attempt in run.tasks.iter().flat_map(|t| &t.attempts) {
        if let (None, Some(pid)) = (attempt.finished_at, attempt.pid)
            && crate::sys::process_is(pid, attempt.pid_start)
            && nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .is_ok()
        {
            killed += 1;
        }
    }
    killed
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
