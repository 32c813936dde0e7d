//! `weft add [--after RUN] -- COMMAND`: a one-task run of a shell command on
//! the daemon, now or once another run has ended; prints its run id.

use super::daemon_client::{client_error, connect, runtime};
use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::api::AddRequest;
use crate::cli::AddArgs;
use std::io::Write;

pub fn add(ctx: &Context, args: AddArgs) -> CmdResult {
    let command = args.command.join(" ");
    let name = args.name.unwrap_or_else(|| default_name(&args.command));
    let dir = std::env::current_dir()
        .map_err(|e| CmdError::Usage(format!("cannot read the current folder: {e}")))?;
    let req = AddRequest {
        command,
        name,
        dir: dir.display().to_string(),
        after: args.after,
    };
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let answer = client.add(&req).await.map_err(client_error)?;
        writeln!(std::io::stdout().lock(), "{}", answer.run)?;
        if let Some(after) = answer.after {
            eprintln!("weft: run {} waits for run {after} to end", answer.run);
        }
        Ok(EXIT_OK)
    })
}

/// The program's file name, made a valid workflow name (`./build.sh` →
/// `build.sh`); `add` when nothing is left.
fn default_name(command: &[String]) -> String {
    let first = command
        .first()
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or("");
    let name: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    if name.is_empty() { "add".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn the_default_name_is_the_program() {
        assert_eq!(default_name(&["./build.sh".into(), "x".into()]), "build.sh");
        assert_eq!(default_name(&["make test".into()]), "make");
        assert_eq!(default_name(&["$(true)".into()]), "true");
        assert_eq!(default_name(&["!!".into()]), "add");
    }
}
