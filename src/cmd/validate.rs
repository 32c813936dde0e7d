//! `weft validate FILE...`: every problem in every file, exit 2 if any.

use super::{CmdResult, Context, EXIT_OK, EXIT_USAGE};
use crate::cli::ValidateArgs;
use crate::workflow::{LoadError, Loaded, load_file, load_str};
use std::io::Write;

pub fn validate(ctx: &Context, args: ValidateArgs) -> CmdResult {
    let mut bad = 0;
    let mut problems = 0;
    let mut out = std::io::stdout().lock();
    let mut docs = Vec::new();
    for file in &args.files {
        let result = load_one(file, &args.params.params);
        if args.json {
            docs.push(json_of(file, &result));
        }
        match result {
            Ok(loaded) => {
                if !args.quiet && !args.json {
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
                if !args.json {
                    eprint!("{}", report.render());
                }
            }
            Err(e @ LoadError::Read { .. }) => {
                bad += 1;
                problems += 1;
                if !args.json {
                    eprintln!("error: {e}\n");
                }
            }
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut out, &docs).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(if bad > 0 { EXIT_USAGE } else { EXIT_OK });
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

/// A file, or for `-` the workflow on stdin.
fn load_one(file: &std::path::Path, params: &[(String, String)]) -> Result<Loaded, LoadError> {
    let env = |k: &str| std::env::var(k).ok();
    if file != std::path::Path::new("-") {
        return load_file(file, params, &env);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|source| {
        LoadError::Read {
            path: "-".into(),
            source,
        }
    })?;
    let source = crate::workflow::decode_utf8("-", bytes).map_err(LoadError::Invalid)?;
    load_str("-", &source, params, &env).map_err(LoadError::Invalid)
}

/// One file's entry in `weft validate --json`.
fn json_of(file: &std::path::Path, result: &Result<Loaded, LoadError>) -> serde_json::Value {
    let problem = |line: Option<u32>, col: Option<u32>, message: &str, help: Option<&str>| serde_json::json!({"line": line, "col": col, "message": message, "help": help});
    let (workflow, tasks, problems) = match result {
        Ok(l) => (
            Some(l.workflow.name.clone()),
            Some(l.workflow.tasks.len()),
            Vec::new(),
        ),
        Err(LoadError::Invalid(report)) => (
            None,
            None,
            report
                .diagnostics
                .iter()
                .map(|d| {
                    problem(
                        Some(d.loc.line),
                        Some(d.loc.col),
                        &d.message,
                        d.help.as_deref(),
                    )
                })
                .collect(),
        ),
        Err(e) => (None, None, vec![problem(None, None, &e.to_string(), None)]),
    };
    serde_json::json!({
        "file": file.display().to_string(),
        "ok": problems.is_empty(),
        "workflow": workflow,
        "tasks": tasks,
        "problems": problems,
    })
}
