//! The arguments of the daemon, schedules, the queue, cron, pruning, and
//! the generated man pages and completions.

use super::*;

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
pub struct ManArgs {
    /// A command (e.g. `run`) for its own page, `weft-run(1)`; `workflow` for
    /// the workflow file reference, `weft-workflow(5)`
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}
