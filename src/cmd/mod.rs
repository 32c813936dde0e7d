//! The commands: each takes its parsed arguments, calls the layers below,
//! writes to stdout and returns an exit code or a `CmdError` that `main`
//! prints. Exit codes (frozen): 0 success, 1 the workflow ran and failed,
//! 2 usage or validation error, 3 store unreachable, 75 skipped by
//! `--overlap skip`, 130 interrupted; `weft wrap` passes its command's on.

mod add;
mod attach;
mod context;
mod cron;
mod daemon;
mod daemon_client;
mod dash;
mod local_terminal;
mod logs;
mod man;
mod output;
mod overlap;
mod plan;
mod prune;
mod ps;
mod retry;
mod run;
mod schedule;
mod show;
mod terminal;
mod validate;
mod workflow_file;
mod wrap;

use crate::cli::{Cli, Command};
pub use context::Context;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_UNAVAILABLE: i32 = 3;
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// Bad input: arguments, workflow files, unknown runs. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// The store or another needed resource cannot be reached. Exit 3.
    #[error("{0}")]
    Unavailable(String),
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl CmdError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CmdError::Usage(_) => EXIT_USAGE,
            CmdError::Unavailable(_) => EXIT_UNAVAILABLE,
            CmdError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            CmdError::Io(_) => EXIT_FAILED,
        }
    }

    /// `weft ps | head` closing the pipe early is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CmdError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl From<crate::store::StoreError> for CmdError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            S::NotFound(_) | S::Queued { .. } | S::Ambiguous { .. } => {
                CmdError::Usage(format!("error: {e}"))
            }
            other => CmdError::Unavailable(format!("error: {other}")),
        }
    }
}

pub type CmdResult = Result<i32, CmdError>;

/// "run X has no task `y`; did you mean `z`?" (or the list of its tasks).
fn unknown_task<'a>(
    run: &crate::model::RunId,
    name: &str,
    tasks: impl Iterator<Item = &'a str> + Clone,
) -> CmdError {
    let hint = crate::workflow::did_you_mean(name, tasks.clone())
        .unwrap_or_else(|| format!("its tasks: {}", tasks.collect::<Vec<_>>().join(", ")));
    CmdError::Usage(format!("error: run {run} has no task `{name}`; {hint}"))
}

pub fn dispatch(cli: Cli) -> CmdResult {
    let ctx = Context::new(&cli.global)?;
    match cli.command {
        Command::Run(args) => run::run(&ctx, args),
        Command::Validate(args) => validate::validate(&ctx, args),
        Command::Plan(args) => plan::plan(&ctx, args),
        Command::Ps(args) => ps::ps(&ctx, args),
        Command::Show(args) => show::show(&ctx, args),
        Command::Logs(args) => logs::logs(&ctx, args),
        Command::Output(args) => output::output(&ctx, args),
        Command::Retry(args) => retry::retry(&ctx, args),
        Command::Submit(args) => daemon_client::submit(&ctx, args),
        Command::Wait(args) => daemon_client::wait(&ctx, args),
        Command::Cancel(args) => daemon_client::cancel(&ctx, args),
        Command::Pause(args) => daemon_client::pause(&ctx, args),
        Command::Resume(args) => daemon_client::resume(&ctx, args),
        Command::Events(args) => daemon_client::events(&ctx, args),
        Command::Attach(args) => attach::attach(&ctx, args),
        Command::Send(args) => attach::send(&ctx, args),
        Command::Daemon(cmd) => daemon::daemon(&ctx, cmd),
        Command::Schedule(cmd) => schedule::schedule(&ctx, cmd),
        Command::Add(args) => add::add(&ctx, args),
        Command::Prune(args) => prune::prune(&ctx, args),
        Command::Dash => dash::dash(&ctx),
        Command::Wrap(args) => wrap::wrap(&ctx, args),
        Command::Cron(cmd) => cron::cron(&ctx, cmd),
        Command::Completions(args) => {
            let mut out = std::io::stdout().lock();
            crate::cli::complete::registration(args.shell, &mut out)?;
            Ok(EXIT_OK)
        }
        Command::Man(args) => man::man(args.command.as_deref()),
    }
}
