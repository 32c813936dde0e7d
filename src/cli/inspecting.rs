//! The arguments of the commands that look at runs and reach into them:
//! `ps`, `show`, `logs`, `output`, `events`, `cancel`, `pause`, `attach`,
//! `send`.

use super::*;

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
pub struct EventsArgs {
    /// Keep printing events as they happen
    #[arg(short, long)]
    pub follow: bool,
    /// Print the JSON lines exactly as the API sends them
    #[arg(long)]
    pub json: bool,
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
