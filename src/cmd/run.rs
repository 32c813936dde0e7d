//! `weft run FILE`: run a workflow in the foreground. Also the launcher that
//! `weft retry` uses. Ctrl-C (or SIGTERM) cancels cleanly: running tasks and
//! everything they started are stopped, the run is recorded `cancelled`, and
//! weft exits 130.

use super::{CmdError, CmdResult, Context, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE};
use crate::cli::{RunArgs, RunOutputArgs};
use crate::engine::{Driver, RunControl, RunSetup};
use crate::model::{RunId, RunStatus, TaskStatus, Trigger, now_ms};
use crate::output::{Progress, ProgressMode};
use crate::store::{NewRun, NewTask, Owner, ReusedTask, Store, read_log};
use crate::workflow::{LoadError, Loaded, load_file};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

pub fn run(ctx: &Context, args: RunArgs) -> CmdResult {
    let loaded = match load_file(&args.file, &args.params.params, &|k| std::env::var(k).ok()) {
        Ok(l) => l,
        Err(LoadError::Invalid(report)) => {
            eprint!("{}", report.render());
            let n = report.diagnostics.len();
            eprintln!(
                "{n} problem{} in {}; nothing was run",
                if n == 1 { "" } else { "s" },
                report.file
            );
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(CmdError::Usage(format!("error: {e}"))),
    };
    let file = std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone());
    launch(
        ctx,
        Launch {
            loaded,
            file,
            trigger: Trigger::Manual,
            retry_of: None,
            reused: Vec::new(),
            concurrency: args.concurrency,
            output: &args.output,
        },
    )
}

/// A run about to start.
pub(super) struct Launch<'a> {
    pub loaded: Loaded,
    /// Absolute path of the workflow file (tasks run in its folder).
    pub file: PathBuf,
    pub trigger: Trigger,
    pub retry_of: Option<RunId>,
    /// Per task, an earlier success to reuse (empty: none).
    pub reused: Vec<Option<ReusedTask>>,
    pub concurrency: Option<u32>,
    pub output: &'a RunOutputArgs,
}

pub(super) fn launch(ctx: &Context, l: Launch<'_>) -> CmdResult {
    let store = ctx.store()?;
    let wf = &l.loaded.workflow;
    let run_id = RunId::generate();
    let reused_of = |i: usize| l.reused.get(i).cloned().flatten();
    let new_run = NewRun {
        id: run_id.clone(),
        workflow: wf.name.clone(),
        file: l.file.display().to_string(),
        source: wf.source.clone(),
        params: l.loaded.params_json(),
        trigger: l.trigger,
        retry_of: l.retry_of.clone(),
        tasks: wf
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| NewTask {
                name: t.name.clone(),
                reused: reused_of(i),
            })
            .collect(),
        owner: Owner::this_process(),
        created_at: now_ms(),
    };
    // The log folder first: if it cannot be made, nothing is recorded.
    let run_logs = ctx.paths.logs_dir().join(run_id.as_str());
    std::fs::create_dir_all(&run_logs).map_err(|e| {
        CmdError::Unavailable(format!(
            "error: cannot create the log folder `{}`: {e}",
            run_logs.display()
        ))
    })?;
    store.create_run(&new_run)?;

    let concurrency = l
        .concurrency
        .map(|c| c as usize)
        .or(wf.concurrency)
        .or((ctx.config.run.concurrency > 0).then_some(ctx.config.run.concurrency))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let base_dir = l
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let reused_count = l.reused.iter().filter(|r| r.is_some()).count();
    let setup = RunSetup {
        run_id: run_id.clone(),
        loaded: Arc::new(l.loaded.clone()),
        logs_dir: ctx.paths.logs_dir(),
        base_dir,
        concurrency,
        grace: ctx.config.kill_grace(),
        shell: ctx.config.run.shell,
        reused: (0..wf.tasks.len())
            .map(|i| reused_of(i).map(|r| r.outputs))
            .collect(),
    };
    let mode = if l.output.json {
        ProgressMode::Json
    } else if l.output.quiet {
        ProgressMode::Quiet
    } else if ctx.stdout_tty {
        ProgressMode::Tty
    } else {
        ProgressMode::Plain
    };
    let mut progress = Progress::new(mode, ctx.style, wf.tasks.len(), reused_count);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CmdError::Unavailable(format!("error: cannot start the async runtime: {e}"))
        })?;
    let dyn_store: Arc<dyn Store> = store.clone();
    let status = runtime.block_on(async {
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
        let result = loop {
            tokio::select! {
                ev = ev_rx.recv() => if let Some(ev) = ev {
                    if let Err(e) = progress.on_event(&ev) {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            // Nobody reads our output any more; keep running quietly.
                            progress = Progress::new(ProgressMode::Quiet, ctx.style, 0, 0);
                        }
                    }
                },
                _ = sigint.recv() => on_signal("interrupted"),
                _ = sigterm.recv() => on_signal("terminated"),
                _ = sighup.recv() => on_signal("hung up"),
                done = &mut drive => break done,
            }
        };
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
    Ok(match status {
        RunStatus::Succeeded => EXIT_OK,
        RunStatus::Cancelled | RunStatus::Interrupted => EXIT_INTERRUPTED,
        _ => EXIT_FAILED,
    })
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
        let (lines, _) = read_log(Path::new(&attempt.log), 0).unwrap_or_default();
        let tail = &lines[lines.len().saturating_sub(10)..];
        writeln!(
            out,
            "\n{} {} {}",
            ctx.style.bad("✗"),
            ctx.style.bold(task.name.as_str()),
            task.reason.as_deref().unwrap_or("")
        )?;
        if tail.is_empty() {
            writeln!(out, "  {}", ctx.style.dim("(no output)"))?;
        }
        for line in tail {
            writeln!(out, "  {} {}", ctx.style.dim("│"), line.text)?;
        }
        if lines.len() > tail.len() {
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
