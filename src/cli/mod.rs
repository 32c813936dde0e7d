//! The command line, declared with clap. Parsing only: each command's work
//! lives in `cmd/`. Every global flag also reads a `WEFT_*` variable.

pub mod complete;

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

#[derive(Debug, Args)]
pub struct ParamArgs {
    /// Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>
    #[arg(short = 'p', long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct RunOutputArgs {
    /// Print nothing but errors; the exit code tells the result
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    /// Print the run's events as JSON lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workflow file; `-` reads it from stdin (its tasks run in the current folder)
    pub file: PathBuf,
    #[command(flatten)]
    pub params: ParamArgs,
    /// Hand the run to the daemon and print its id instead of running it here
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Tasks at once (default: the workflow's `concurrency`, else the config, else CPUs)
    #[arg(short = 'j', long, env = "WEFT_CONCURRENCY", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// If a run of this workflow is going: skip (exit 75), queue (wait for it) or allow
    #[arg(long, value_name = "POLICY", value_parser = parse_overlap, add = ArgValueCandidates::new(complete::overlaps), conflicts_with = "detach")]
    pub overlap: Option<Overlap>,
    /// Which task output to print: every line as it comes, after its task's name; none; or a failed attempt's whole output when it fails
    #[arg(
        long = "output",
        value_name = "WHICH",
        value_enum,
        default_value_t,
        conflicts_with = "detach"
    )]
    pub task_output: TaskOutputArg,
    /// Record the run as started by cron (trigger `cron`); `weft cron install` writes it
    #[arg(long, conflicts_with = "detach")]
    pub cron: bool,
    #[command(flatten)]
    pub output: RunOutputArgs,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The workflow file; `-` reads it from stdin
    pub file: PathBuf,
    #[command(flatten)]
    pub params: ParamArgs,
    #[arg(short = 'j', long, env = "WEFT_CONCURRENCY", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// Print only the run id (for scripts)
    #[arg(short, long, conflicts_with = "json")]
    pub quiet: bool,
    /// Print {run, workflow}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Run ids, unique prefixes of them, or workflow names (their latest run)
    #[arg(required = true)]
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub runs: Vec<String>,
    /// Print one JSON line per run as it ends: {run, status}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WrapArgs {
    /// The run's workflow name (also its one task's name): `weft logs NAME`
    pub name: String,
    /// Run the command again up to N times when it fails
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retry: u32,
    /// Stop the command (its whole process group) after this long, e.g. 30s, 10m
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// If a run of NAME is going: skip (exit 75), queue (wait for it) or allow
    #[arg(long, value_name = "POLICY", value_parser = parse_overlap, add = ArgValueCandidates::new(complete::overlaps))]
    pub overlap: Option<Overlap>,
    /// Record the run as started by cron (trigger `cron`); `weft cron import` writes it
    #[arg(long)]
    pub cron: bool,
    #[command(flatten)]
    pub output: RunOutputArgs,
    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CrontabArg {
    /// The crontab program to read and write the table with
    #[arg(
        long,
        env = "WEFT_CRONTAB",
        value_name = "PATH",
        default_value = "crontab"
    )]
    pub crontab: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum CronCommand {
    /// Add a crontab line that runs a workflow with `weft run` at EXPR
    Install {
        /// The workflow file
        file: PathBuf,
        /// When: five cron fields (`30 2 * * *`) or @hourly, @daily, @weekly...
        /// (default: the workflow's own `cron:` schedule, when crontab can say it)
        #[arg(long, value_name = "EXPR")]
        at: Option<String>,
        /// Written into the line as `weft run --overlap POLICY`
        #[arg(long, value_name = "POLICY", value_parser = parse_overlap, add = ArgValueCandidates::new(complete::overlaps))]
        overlap: Option<Overlap>,
        /// The line's id (default: the workflow's name)
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        crontab: CrontabArg,
    },
    /// List weft's lines in your crontab (no other line)
    Ls {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        crontab: CrontabArg,
    },
    /// Remove weft's lines by id or workflow file; a line `weft cron import` took over gets its original line back
    Rm {
        /// Ids (`weft cron ls`) or workflow files
        #[arg(required = true)]
        targets: Vec<String>,
        /// Delete imported lines too, instead of putting back the lines they were imported from
        #[arg(long)]
        delete: bool,
        #[command(flatten)]
        crontab: CrontabArg,
    },
    /// Turn your other crontab lines into `weft wrap` lines; shows the change, --apply makes it
    Import {
        /// Write one workflow file per line (with `schedule:`) into DIR instead
        #[arg(long, value_name = "DIR")]
        workflows: Option<PathBuf>,
        /// Change the crontab (and write the files); without it nothing changes
        #[arg(long)]
        apply: bool,
        #[command(flatten)]
        crontab: CrontabArg,
    },
}

#[derive(Debug, Args)]
pub struct RunNameArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// Print {run, status}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// Print {run, status}
    #[arg(long)]
    pub json: bool,
    /// Also stop running tasks with SIGSTOP (resume sends SIGCONT)
    #[arg(long)]
    pub signal: bool,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// The interactive task
    pub task: String,
    /// Watch without typing
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// The interactive task
    pub task: String,
    /// What to type
    pub text: String,
    /// Press Enter after the text
    #[arg(long)]
    pub enter: bool,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Keep printing events as they happen
    #[arg(short, long)]
    pub follow: bool,
    /// Print the JSON lines exactly as the API sends them
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Start the daemon in the background
    Start,
    /// Run the daemon in the foreground (for systemd, containers)
    Run,
    /// Stop the daemon: running tasks get SIGTERM and their grace period
    Stop,
    /// Show the daemon's pid, uptime, version, socket and running runs
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Write a systemd user unit (a launchd agent on macOS) and say how to enable it
    Install {
        /// Print the unit instead of writing it
        #[arg(long)]
        print: bool,
    },
    /// Reread the workflow folders now (as SIGHUP does)
    Reload,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Workflows with schedules: expression in words, timezone, next fires, last result
    Ls {
        /// Also list workflows without a schedule
        #[arg(short, long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop firing a workflow's schedules (fires due while paused are dropped)
    Pause {
        #[arg(add = ArgValueCompleter::new(complete::workflows))]
        workflow: String,
    },
    /// Fire a paused workflow's schedules again
    Resume {
        #[arg(add = ArgValueCompleter::new(complete::workflows))]
        workflow: String,
    },
    /// Fire a workflow now (its overlap policy applies); prints the run id
    Trigger {
        #[arg(add = ArgValueCompleter::new(complete::workflows))]
        workflow: String,
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Write a systemd .timer and .service pair that run a workflow file on its schedule
    Export {
        /// Write systemd units (the only format so far)
        #[arg(long, required = true)]
        systemd: bool,
        /// The workflow file (or the name of a workflow the daemon knows)
        workflow: String,
        /// Where to write them (default: the systemd user folder)
        #[arg(long, value_name = "DIR", conflicts_with = "print")]
        dir: Option<PathBuf>,
        /// Print both units instead of writing them
        #[arg(long)]
        print: bool,
    },
    /// A workflow's fires, newest first: time, schedule, outcome, run
    Fires {
        #[arg(add = ArgValueCompleter::new(complete::workflows))]
        workflow: String,
        /// How many (0: all)
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Start only once this run has ended, whatever its result (a run id, prefix, or a queued run's id)
    #[arg(long, value_name = "RUN")]
    pub after: Option<String>,
    /// The workflow name the run is listed under (default: the command's program)
    #[arg(long)]
    pub name: Option<String>,
    /// The shell command line, after `--`
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Only runs that ended longer ago than this (e.g. 30d, 12h)
    #[arg(long, value_name = "DURATION")]
    pub older_than: Option<String>,
    /// Only runs beyond the newest N finished runs of their workflow
    #[arg(long, value_name = "N")]
    pub keep: Option<u32>,
    /// Only runs with these statuses (succeeded, failed, cancelled, interrupted); repeat or separate with commas
    #[arg(short, long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only runs of this workflow
    #[arg(short, long, value_name = "NAME")]
    pub workflow: Option<String>,
    /// List what would be deleted, and delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print {dry_run, runs, log_files, log_bytes, ...}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Workflow files to check; `-` reads one from stdin
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub params: ParamArgs,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Print a JSON list: each file with its workflow or its problems
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The workflow file; `-` reads it from stdin
    pub file: PathBuf,
    #[command(flatten)]
    pub params: ParamArgs,
    /// Print the graph in Graphviz dot format
    #[arg(long, conflicts_with = "json")]
    pub dot: bool,
    /// Print the plan as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Only runs of this workflow
    #[arg(short, long, value_name = "NAME", add = ArgValueCompleter::new(complete::workflows))]
    pub workflow: Option<String>,
    /// Only runs with this status (queued, running, paused, succeeded, failed, cancelled, interrupted)
    #[arg(short, long, value_name = "STATUS", add = ArgValueCandidates::new(complete::statuses))]
    pub status: Option<String>,
    /// Only runs started within this long ago (e.g. 2h, 7d)
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// How many runs to list (0: all)
    #[arg(short = 'n', long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// Only this task
    pub task: Option<String>,
    /// Keep printing until the run ends
    #[arg(short, long)]
    pub follow: bool,
    /// Only this attempt (default: all)
    #[arg(long, value_name = "N")]
    pub attempt: Option<u32>,
    /// Print JSON lines: task, attempt, stream, time, text
    #[arg(long)]
    pub json: bool,
    /// Show terminal output as it was written, escape sequences included
    #[arg(long)]
    pub raw: bool,
    /// Only the last N lines of each attempt, read from the end of the log
    /// (instant whatever its size)
    #[arg(short = 'n', long, value_name = "N", conflicts_with_all = ["follow", "json"])]
    pub tail: Option<usize>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    pub task: String,
    pub key: String,
    /// Print {run, task, key, value}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// A run id, a unique prefix of one, or a workflow name (its latest run)
    #[arg(add = ArgValueCompleter::new(complete::runs))]
    pub run: String,
    /// Hand the new run to the daemon and print its id
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Rerun this task and everything after it, even if they succeeded
    #[arg(long, value_name = "TASK")]
    pub from: Option<String>,
    #[arg(short = 'j', long, env = "WEFT_CONCURRENCY", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// Which task output to print: every line as it comes, after its task's name; none; or a failed attempt's whole output when it fails
    #[arg(
        long = "output",
        value_name = "WHICH",
        value_enum,
        default_value_t,
        conflicts_with = "detach"
    )]
    pub task_output: TaskOutputArg,
    #[command(flatten)]
    pub output: RunOutputArgs,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command (e.g. `run`) for its own page, `weft-run(1)`; `workflow` for
    /// the workflow file reference, `weft-workflow(5)`
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
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
