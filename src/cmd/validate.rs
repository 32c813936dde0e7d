//! `weft validate FILE...`: every problem in every file, exit 2 if any.

use super::{CmdResult, Context, EXIT_OK, EXIT_USAGE};
use crate::cli::ValidateArgs;
use crate::workflow::{LoadError, load_file};
use std::io::Write;

pub fn validate(ctx: &Context, args: ValidateArgs) -> CmdResult {
    let mut bad = 0;
    let mut problems = 0;
    let mut out = std::io::stdout().lock();
    for file in &args.files {
        match load_file(file, &args.params.params, &|k| std::env::var(k).ok()) {
            Ok(loaded) => {
                if !args.quiet {
                    let w = &loaded.workflow;
                    writeln!(
                        out,
                        "{} {}: workflow `{}`, {} task{}",
                        ctx.style.ok("ok"),
                        file.display(),
                        w.name,
                        w.tasks.len(),
                        if w.tasks.len() == 1 { "" } else { "s" }
                    )?;
                }
            }
            Err(LoadError::Invalid(report)) => {
                bad += 1;
                problems += report.diagnostics.len();
                eprint!("{}", report.render());
            }
            Err(e @ LoadError::Read { .. }) => {
                bad += 1;
                problems += 1;
                eprintln!("error: {e}\n");
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "{problems} problem{} in {bad} file{}",
            if problems == 1 { "" } else { "s" },
            if bad == 1 { "" } else { "s" }
        );
        return Ok(EXIT_USAGE);
    }
    Ok(EXIT_OK)
}
