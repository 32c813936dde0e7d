//! The command line, declared with clap. Parsing only: each command's work
//! lives in `cmd/`. Every global flag also reads a `WEFT_*` variable.

pub mod complete;
mod inspecting;
mod running;
mod services;

pub use inspecting::*;
pub use running::*;
pub use services::*;

use crate::model::Overlap;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "weft",
    version,
    about = "Run YAML workflows of shell tasks, keep every run, inspect them from the terminal",
    long_about = "weft runs workflows defined in YAML: DAGs of tasks with outputs passed between \
them, parameters, conditions, retries, timeouts and parallelism. Every run is kept in a local \
SQLite store so you can list, inspect, follow and retry it.\n\nExit codes: 0 success, 1 the \
workflow ran and failed, 2 usage or validation error, 3 store unreachable, 75 skipped by \
`--overlap skip`, 130 interrupted; `weft wrap` exits with its command's code.",
    after_help = "Run `weft <command> --help` for a command's details. Docs: README.md",
    after_long_help = "Environment: WEFT_HOME moves all state (config, database, logs) under one \
folder; WEFT_CONFIG names the config file; WEFT_COLOR=auto|always|never; NO_COLOR disables \
colour; WEFT_CONCURRENCY sets -j; WEFT_PARAM_<KEY> sets a workflow param.\n\nExit codes: 0 \
success, 1 the workflow ran and failed, 2 usage or validation error, 3 store unreachable, \
75 skipped (`--overlap skip` found a run of the workflow going), 130 interrupted (Ctrl-C) or \
cancelled. `weft wrap` exits with its command's code (128+N if a signal N killed it, 124 on \
timeout, 127 if it could not start)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Keep everything (config, database, logs) under this folder
    #[arg(long, global = true, env = "WEFT_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Read this config file instead of the default one
    #[arg(long, global = true, env = "WEFT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colour
    #[arg(
        long,
        global = true,
        env = "WEFT_COLOR",
        value_enum,
        value_name = "WHEN"
    )]
    pub color: Option<ColorArg>,
    /// Fail (exit 3) instead of starting the daemon when a command needs it
    #[arg(
        long,
        global = true,
        env = "WEFT_NO_AUTOSTART",
        value_parser = clap::builder::FalseyValueParser::new(),
        num_args = 0,
        default_missing_value = "true"
    )]
    pub no_autostart: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Which task output a foreground run prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TaskOutputArg {
    /// Every line as it comes, after its task's name (`build | …`)
    #[default]
    Prefixed,
    /// No task output, only the run's progress
    None,
    /// The whole output of each failed attempt, when it fails
    Failed,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a workflow in the foreground, showing its progress
    Run(RunArgs),
    /// Check workflow files and report every problem
    Validate(ValidateArgs),
    /// Show what a workflow would do: levels, params, what would be skipped
    Plan(PlanArgs),
    /// List runs, newest first
    #[command(visible_alias = "runs")]
    Ps(PsArgs),
    /// Show one run: every task with status, attempts, exit code, duration, outputs
    Show(ShowArgs),
    /// Print a run's or a task's output; -f follows a run still going
    Logs(LogsArgs),
    /// Print one output value of a task (for scripts)
    Output(OutputArgs),
    /// Run the failed part of a run again, reusing what succeeded
    Retry(RetryArgs),
    /// Hand a workflow to the daemon and print the run id at once
    Submit(SubmitArgs),
    /// Wait for runs to end; exit 0 when all succeeded, 1 when any failed
    ///
    /// Exit 0 when all succeeded, 1 when any failed, else 130 when any was
    /// cancelled or interrupted. A queued run is waited for until it has
    /// started and ended. A run suspended by `weft daemon stop` is waited for
    /// until a daemon starts again: wait never starts the daemon you stopped.
    Wait(WaitArgs),
    /// Cancel a run the daemon is driving: its tasks are stopped
    Cancel(RunNameArgs),
    /// Pause a daemon run: no new task starts (running ones go on, or stop with --signal)
    Pause(PauseArgs),
    /// Resume a paused run
    Resume(RunNameArgs),
    /// Print the daemon's run and task events, one line each (--json: JSON lines); -f follows them live
    Events(EventsArgs),
    /// Attach this terminal to an interactive task (Ctrl-] detaches)
    #[command(
        long_about = "Attach this terminal to an interactive task: its screen as it is now, then \
keys to the task and its output to you, until Ctrl-] (or daemon.detach_key) detaches (the task \
goes on) or the task ends. Several terminals may attach to one task at once; its terminal then \
takes the smallest rows and the smallest columns of those attached (tmux's `window-size \
smallest`), so each shows the whole screen, and grows to fit the others when one detaches. \
--read-only watchers take no part in the size. A task that is not interactive: its log is \
followed instead."
    )]
    Attach(AttachArgs),
    /// Type text into an interactive task's terminal (for scripts)
    Send(SendArgs),
    /// The dashboard: live runs, their graphs, timelines and logs, and terminals of interactive tasks
    #[command(
        long_about = "The dashboard: a live view of the daemon's runs. Enter opens a run (its tasks as a \
graph or, with t, a timeline); Enter or l opens a task's log (/ searches, w wraps); a opens an \
interactive task's terminal inside the dashboard (the detach key gives the keys back). x cancels, \
r retries, p/u pause and resume, n starts a known workflow, ? lists every key. Keys are remappable \
under dash.keys in config.yaml. Needs a terminal: for scripts use `weft ps --json` or \
`weft events -f --json`."
    )]
    Dash,
    /// Start, stop, inspect or install the background daemon
    #[command(subcommand)]
    Daemon(DaemonCommand),
    /// Run any command as a one-task run: history, logs, retries, timeout, its exit code
    Wrap(WrapArgs),
    /// Manage weft's lines in your crontab: install, ls, rm, import
    #[command(subcommand)]
    Cron(CronCommand),
    /// The daemon's scheduled workflows: list, pause, resume, fire now
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Queue a one-task run of a shell command on the daemon
    Add(AddArgs),
    /// Delete finished runs with their logs: by age, by count per workflow, by status
    #[command(
        long_about = "Delete finished runs with everything recorded about them (tasks, attempts, \
outputs, events) and their log files, then give the space back to the file system. A run goes \
when it matches every criterion given: ended longer ago than --older-than, beyond the newest \
--keep finished runs of its workflow, in one of the --status statuses, of the --workflow. At \
least one of --older-than, --keep and --status is required. Runs still going (running, paused, \
queued, or left for a daemon to resume) are never deleted and do not count towards --keep; a \
run that a remaining retry was made from, or that a queued run waits for, stays too. There is \
no prompt: look first with --dry-run. The daemon applies `retention:` from config.yaml (and a \
workflow's own `retention:`) by itself; see README.md, \"Pruning and retention\"."
    )]
    Prune(PruneArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (roff); with a command name, that command's page
    Man(ManArgs),
}

/// `--overlap`: skip, queue or allow; cancel-previous needs the daemon.
fn parse_overlap(s: &str) -> Result<Overlap, String> {
    match s.parse::<Overlap>()? {
        Overlap::CancelPrevious => Err(
            "`cancel-previous` needs the daemon (it cancels the run it drives); without it use skip, queue or allow".into(),
        ),
        o => Ok(o),
    }
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "`{s}` is not KEY=VALUE; write for example `-p version=1.2`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn params_parse_as_key_value() {
        let cli =
            Cli::try_parse_from(["weft", "run", "w.yaml", "-p", "a=1", "-p", "b=x=y"]).unwrap();
        match cli.command {
            Command::Run(r) => assert_eq!(
                r.params.params,
                vec![("a".into(), "1".into()), ("b".into(), "x=y".into())]
            ),
            other => panic!("{other:?}"),
        }
        let err = Cli::try_parse_from(["weft", "run", "w.yaml", "-p", "novalue"]).unwrap_err();
        assert!(err.to_string().contains("is not KEY=VALUE"));
    }

    #[test]
    fn wrap_takes_its_command_after_a_double_dash() {
        let cli = Cli::try_parse_from([
            "weft",
            "wrap",
            "backup",
            "--retry",
            "2",
            "--",
            "sh",
            "-c",
            "x --retry 9",
        ])
        .unwrap();
        match cli.command {
            Command::Wrap(w) => {
                assert_eq!((w.name.as_str(), w.retry), ("backup", 2));
                assert_eq!(w.command, ["sh", "-c", "x --retry 9"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["weft", "wrap", "backup", "sh"]).is_err());
    }

    #[test]
    fn overlap_takes_skip_queue_allow_and_explains_cancel_previous() {
        let cli = Cli::try_parse_from(["weft", "run", "w.yaml", "--overlap", "queue"]).unwrap();
        assert!(matches!(cli.command, Command::Run(r) if r.overlap == Some(Overlap::Queue)));
        let err = Cli::try_parse_from(["weft", "run", "w.yaml", "--overlap", "cancel-previous"])
            .unwrap_err();
        assert!(err.to_string().contains("needs the daemon"), "{err}");
        assert!(Cli::try_parse_from(["weft", "run", "w.yaml", "--overlap", "x", "-d"]).is_err());
        // `--at` may be left out: the workflow's own schedule is used.
        let cli = Cli::try_parse_from(["weft", "cron", "install", "w.yaml"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Cron(CronCommand::Install { at: None, .. })
        ));
    }

    #[test]
    fn add_takes_the_command_after_a_double_dash() {
        let cli =
            Cli::try_parse_from(["weft", "add", "--after", "ab", "--", "make", "-j4"]).unwrap();
        match cli.command {
            Command::Add(a) => {
                assert_eq!(a.after.as_deref(), Some("ab"));
                assert_eq!(a.command, ["make", "-j4"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["weft", "add", "make"]).is_err());
        let cli =
            Cli::try_parse_from(["weft", "schedule", "trigger", "nightly", "-p", "a=1"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Schedule(ScheduleCommand::Trigger { .. })
        ));
    }

    #[test]
    fn runs_is_an_alias_of_ps() {
        let cli = Cli::try_parse_from(["weft", "runs", "--status", "failed"]).unwrap();
        assert!(matches!(cli.command, Command::Ps(_)));
    }
}
