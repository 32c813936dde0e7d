//! `weft output RUN TASK KEY`: one output value, for scripts.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::OutputArgs;
use crate::workflow::did_you_mean;
use std::io::Write;

pub fn output(ctx: &Context, args: OutputArgs) -> CmdResult {
    let store = ctx.reading_store()?;
    let id = store.resolve(&args.run)?;
    let run = store.run(&id)?;
    let Some(task) = run.tasks.iter().find(|t| t.name.as_str() == args.task) else {
        return Err(super::unknown_task(
            &id,
            &args.task,
            run.tasks.iter().map(|t| t.name.as_str()),
        ));
    };
    let Some((_, value)) = task.outputs.iter().find(|(k, _)| *k == args.key) else {
        let hint = if task.outputs.is_empty() {
            format!("it has no outputs (status: {})", task.status)
        } else {
            did_you_mean(&args.key, task.outputs.iter().map(|(k, _)| k.as_str())).unwrap_or_else(
                || {
                    format!(
                        "it has: {}",
                        task.outputs
                            .iter()
                            .map(|(k, _)| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            )
        };
        return Err(CmdError::Usage(format!(
            "task `{}` of run {id} has no output `{}`; {hint}",
            args.task, args.key
        )));
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc =
            serde_json::json!({"run": id, "task": args.task, "key": args.key, "value": value});
        serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    writeln!(out, "{value}")?;
    Ok(EXIT_OK)
}
