//! The arguments of the commands that run workflows: `run`, `submit`,
//! `wait`, `wrap`, `retry`, `validate`, `plan`.

use super::*;

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
