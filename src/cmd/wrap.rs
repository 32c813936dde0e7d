//! `weft wrap NAME -- COMMAND...`: any command as a one-task run, with
//! weft's history, logs, retries, timeout and overlap lock, exiting with
//! the command's own exit code. The workflow is written as YAML text and
//! loaded through the same validator as a file, and that text is stored
//! with the run, so `weft retry NAME` works as for any run.

use super::overlap::{Admission, EXIT_SKIPPED};
use super::{CmdError, CmdResult, Context, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE};
use crate::cli::WrapArgs;
use crate::engine::Launch;
use crate::model::{AttemptOutcome, RunStatus, Trigger};
use crate::workflow::{load_str, template};
use std::fmt::Write as _;

/// Exit code when the command ran out of time (as timeout(1)).
pub const EXIT_TIMED_OUT: i32 = 124;
/// Exit code when the command could not be started (as sh's "not found").
pub const EXIT_NOT_STARTED: i32 = 127;

/// The one-task workflow that runs `command` as `name`.
pub fn workflow_text(
    name: &str,
    command: &[String],
    retries: u32,
    timeout: Option<&str>,
) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let argv: Vec<String> = command.iter().map(|a| q(&template::literal(a))).collect();
    let mut t = String::new();
    let _ = writeln!(t, "# weft wrap {name}");
    let _ = writeln!(t, "name: {}", q(name));
    let _ = writeln!(t, "tasks:\n  {}:", task_name(name));
    let _ = writeln!(t, "    exec: [{}]", argv.join(", "));
    if retries > 0 {
        let _ = writeln!(t, "    retry: {{ attempts: {}, delay: 1s }}", retries + 1);
    }
    if let Some(timeout) = timeout {
        let _ = writeln!(t, "    timeout: {}", q(timeout));
    }
    t
}

/// Workflow names may hold `.`, task names may not.
fn task_name(name: &str) -> String {
    name.replace('.', "_")
}

pub fn wrap(ctx: &Context, args: WrapArgs) -> CmdResult {
    let source = workflow_text(
        &args.name,
        &args.command,
        args.retry,
        args.timeout.as_deref(),
    );
    let loaded = match load_str("weft wrap", &source, &[], &|_| None) {
        Ok(l) => l,
        Err(report) => {
            eprint!("{}", report.render());
            eprintln!("`weft wrap {}` cannot run; nothing was run", args.name);
            return Ok(EXIT_USAGE);
        }
    };
    let policy = super::overlap::policy(args.overlap, &loaded.workflow);
    let quiet = args.output.quiet || args.output.json;
    let _lock = match super::overlap::admit(ctx, &args.name, policy, quiet)? {
        Admission::Go(guard) => guard,
        Admission::Skip => {
            super::overlap::report_skip(&args.name, args.output.quiet);
            return Ok(EXIT_SKIPPED);
        }
    };
    let cwd = std::env::current_dir()
        .map_err(|e| CmdError::Usage(format!("cannot find the current folder: {e}")))?;
    let launch = Launch {
        loaded,
        // Not a file: the task runs in the current folder, as the command would.
        file: cwd.join("-"),
        trigger: Trigger::manual_or_cron(args.cron),
        retry_of: None,
        reused: Vec::new(),
        concurrency: None,
    };
    let (status, run_id) =
        super::run::drive(ctx, launch, &args.output, super::run::Lines::Passthrough)?;
    let store = ctx.store()?;
    let detail = store.run(&run_id)?;
    let outcome = detail
        .tasks
        .first()
        .and_then(|t| t.attempts.last())
        .and_then(|a| a.outcome.clone());
    // The command's own output went through as it was; weft adds one line
    // on stderr when it did not succeed, which `-q` leaves out too.
    if status != RunStatus::Succeeded && !args.output.quiet && !args.output.json {
        let why = detail
            .tasks
            .first()
            .and_then(|t| t.reason.clone())
            .unwrap_or_else(|| status.as_str().to_string());
        eprintln!(
            "weft: {} {}: {why}; its output is in `weft logs {run_id}`",
            detail.summary.workflow,
            status.as_str()
        );
    }
    Ok(exit_code(status, outcome.as_ref()))
}

/// The wrapped command's exit code, or what stands for it.
pub fn exit_code(status: RunStatus, outcome: Option<&AttemptOutcome>) -> i32 {
    if matches!(status, RunStatus::Cancelled | RunStatus::Interrupted) {
        return EXIT_INTERRUPTED;
    }
    match outcome {
        Some(AttemptOutcome::Exited { code }) => *code,
        Some(AttemptOutcome::Signalled { signal }) => 128 + signal,
        Some(AttemptOutcome::TimedOut { .. }) => EXIT_TIMED_OUT,
        Some(AttemptOutcome::FailedToStart { .. }) => EXIT_NOT_STARTED,
        Some(AttemptOutcome::Cancelled | AttemptOutcome::Interrupted | AttemptOutcome::Stopped) => {
            EXIT_INTERRUPTED
        }
        Some(AttemptOutcome::BadOutput { .. }) | None => {
            if status == RunStatus::Succeeded {
                0
            } else {
                EXIT_FAILED
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_keeps_every_argument_literal() {
        let cmd: Vec<String> = ["sh", "-c", "echo \"{{ x }}\" 'a b'; exit 3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = workflow_text("back.up", &cmd, 2, Some("5m"));
        let loaded =
            load_str("t", &text, &[], &|_| None).unwrap_or_else(|r| panic!("{}", r.render()));
        let task = &loaded.workflow.tasks[0];
        assert_eq!(task.name.as_str(), "back_up");
        assert_eq!(task.retry.attempts, 3);
        assert_eq!(task.timeout, Some(std::time::Duration::from_secs(300)));
        assert!(
            text.contains("{% raw %}echo \\\"{{ x }}\\\" 'a b'; exit 3{% endraw %}"),
            "{text}"
        );
    }

    #[test]
    fn outcomes_map_to_exit_codes() {
        let f = RunStatus::Failed;
        assert_eq!(exit_code(f, Some(&AttemptOutcome::Exited { code: 7 })), 7);
        assert_eq!(
            exit_code(f, Some(&AttemptOutcome::Signalled { signal: 9 })),
            137
        );
        assert_eq!(
            exit_code(f, Some(&AttemptOutcome::TimedOut { after_ms: 1 })),
            124
        );
        assert_eq!(
            exit_code(
                f,
                Some(&AttemptOutcome::FailedToStart {
                    message: "x".into()
                })
            ),
            127
        );
        assert_eq!(
            exit_code(
                RunStatus::Cancelled,
                Some(&AttemptOutcome::Exited { code: 0 })
            ),
            130
        );
        assert_eq!(exit_code(RunStatus::Succeeded, None), 0);
    }
}
