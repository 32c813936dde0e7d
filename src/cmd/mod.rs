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

/// Why a command failed. Each kind carries what the message needs; the
/// message is rendered in one place (`Display`, each with one `error:`),
/// printed once by `main`, and the kind picks the exit code
/// ([`CmdError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// Bad input: arguments, files, names. Exit 2.
    #[error("error: {0}")]
    Usage(String),
    /// A workflow file with problems, which were printed with their
    /// locations as they were found. Exit 2.
    #[error("{problems} problem{} in {file}; nothing was run", if *problems == 1 { "" } else { "s" })]
    Invalid { problems: usize, file: String },
    /// A run that has no such task. Exit 2.
    #[error("error: run {run} has no task `{task}`; {hint}")]
    UnknownTask {
        run: crate::model::RunId,
        task: String,
        /// "did you mean `z`?" or the run's tasks.
        hint: String,
    },
    /// What the store said: an unknown or ambiguous run is bad input
    /// (exit 2), anything else means the store is unavailable (exit 3).
    #[error("error: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The store or another needed resource cannot be reached. Exit 3.
    #[error("error: {0}")]
    Unavailable(String),
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl CmdError {
    pub fn exit_code(&self) -> i32 {
        use crate::store::StoreError as S;
        match self {
            CmdError::Usage(_) | CmdError::Invalid { .. } | CmdError::UnknownTask { .. } => {
                EXIT_USAGE
            }
            CmdError::Store(S::NotFound(_) | S::Queued { .. } | S::Ambiguous { .. }) => EXIT_USAGE,
            CmdError::Store(_) | CmdError::Unavailable(_) => EXIT_UNAVAILABLE,
            CmdError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            CmdError::Io(_) => EXIT_FAILED,
        }
    }

    /// `weft ps | head` closing the pipe early is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CmdError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
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
    CmdError::UnknownTask {
        run: run.clone(),
        task: name.to_string(),
        hint,
    }
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
