//! `weft cron install|ls|rm|import`: weft's lines in the user's crontab,
//! read and written with the system `crontab` program (`crontab -l`,
//! `crontab -`; `--crontab`/`WEFT_CRONTAB` names another). Only lines
//! marked `# weft:<id>` are weft's; every other line is written back byte
//! for byte. The text work is in `crate::crontab`.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::{CronCommand, CrontabArg};
use crate::crontab::{self, ImportMode, Invocation, shell_quote};
use crate::model::Overlap;
use crate::output::Table;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn cron(ctx: &Context, cmd: CronCommand) -> CmdResult {
    match cmd {
        CronCommand::Install {
            file,
            at,
            overlap,
            id,
            crontab,
        } => install(ctx, &file, at.as_deref(), overlap, id, &crontab.crontab),
        CronCommand::Ls { json, crontab } => ls(ctx, json, &crontab),
        CronCommand::Rm {
            targets,
            delete,
            crontab,
        } => rm(&targets, delete, &crontab.crontab),
        CronCommand::Import {
            workflows,
            apply,
            crontab,
        } => import(ctx, workflows.as_deref(), apply, &crontab.crontab),
    }
}

fn program_error(crontab: &Path, what: &str, detail: &str) -> CmdError {
    CmdError::Unavailable(format!(
        "`{} {what}` failed: {}\n  name another crontab program with `--crontab PATH` or `WEFT_CRONTAB`",
        crontab.display(),
        detail.trim()
    ))
}

/// The table as `crontab -l` prints it; "no crontab for USER" is empty.
fn read_table(crontab: &Path) -> Result<String, CmdError> {
    let out = Command::new(crontab)
        .arg("-l")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| program_error(crontab, "-l", &e.to_string()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    if stderr.to_lowercase().contains("no crontab for") {
        return Ok(String::new());
    }
    Err(program_error(crontab, "-l", &stderr))
}

/// Replaces the table with `crontab -` (the program checks it too).
fn write_table(crontab: &Path, table: &str) -> Result<(), CmdError> {
    let mut child = Command::new(crontab)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| program_error(crontab, "-", &e.to_string()))?;
    let written = child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(table.as_bytes());
    let out = child
        .wait_with_output()
        .map_err(|e| program_error(crontab, "-", &e.to_string()))?;
    if let Err(e) = written {
        return Err(program_error(crontab, "-", &e.to_string()));
    }
    if !out.status.success() {
        return Err(program_error(
            crontab,
            "-",
            &String::from_utf8_lossy(&out.stderr),
        ));
    }
    Ok(())
}

/// The absolute weft binary and the variables a cron job needs to find
/// the same store and config as this shell (cron's environment is bare).
/// With `path`, the line sets `PATH` to it.
fn invocation(ctx: &Context, path: Option<&str>) -> Result<Invocation, CmdError> {
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| CmdError::Unavailable(format!("cannot find the weft binary: {e}")))?;
    let mut env = String::new();
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        env.push_str(&format!("PATH={} ", shell_quote(path)));
    }
    if ctx.home_is_explicit {
        env.push_str(&format!(
            "WEFT_HOME={} ",
            shell_quote(&ctx.paths.data_dir.display().to_string())
        ));
    }
    if let Some(config) = &ctx.config_file_override {
        let config = std::fs::canonicalize(config).unwrap_or_else(|_| config.clone());
        env.push_str(&format!(
            "WEFT_CONFIG={} ",
            shell_quote(&config.display().to_string())
        ));
    }
    Ok(Invocation {
        env_prefix: env,
        weft: shell_quote(&exe.display().to_string()),
        home: std::env::var("HOME").ok(),
    })
}

/// The crontab schedule of a workflow installed without `--at`: its one
/// `cron:` schedule, when crontab can say it (five fields or an `@` name, in
/// the system's zone).
fn schedule_of(wf: &crate::workflow::Workflow, file: &Path) -> Result<String, CmdError> {
    use crate::schedule::{Spec, Zone};
    let usage = |why: String| CmdError::Usage(format!("{why}; give the time with `--at EXPR`"));
    let crons: Vec<(&String, &Zone)> = wf
        .schedules
        .iter()
        .filter_map(|s| match s {
            Spec::Cron { expr, zone, .. } => Some((expr, zone)),
            _ => None,
        })
        .collect();
    match crons.as_slice() {
        [] => Err(usage(format!(
            "{} has no `cron:` schedule to take the time from",
            file.display()
        ))),
        [(expr, zone)] => {
            if !expr.starts_with('@') && expr.split_whitespace().count() != 5 {
                return Err(usage(format!(
                    "its schedule `{expr}` has seconds, which crontab cannot say"
                )));
            }
            if let Zone::Named(tz) = zone {
                return Err(usage(format!(
                    "its schedule is in {tz}, and crontab runs in the system's zone"
                )));
            }
            Ok(expr.to_string())
        }
        more => Err(usage(format!(
            "{} has {} `cron:` schedules, and a crontab line has one",
            file.display(),
            more.len()
        ))),
    }
}

fn install(
    ctx: &Context,
    file: &Path,
    at: Option<&str>,
    overlap: Option<Overlap>,
    id: Option<String>,
    crontab: &Path,
) -> CmdResult {
    if file == Path::new("-") {
        return Err(CmdError::Usage(
            "cron needs a workflow file; `-` (stdin) cannot be installed".into(),
        ));
    }
    let (loaded, abs) = super::workflow_file::load_workflow(file, &[])?;
    let at = match at {
        Some(at) => at.to_string(),
        None => schedule_of(&loaded.workflow, file)?,
    };
    let schedule =
        crontab::check_schedule(&at).map_err(|e| CmdError::Usage(format!("bad `--at`: {e}")))?;
    let table = read_table(crontab)?;
    let file_text = abs.display().to_string();
    if let Some(l) = crontab::weft_lines(&table).into_iter().find(|l| {
        l.schedule == schedule
            && l.target.as_deref() == Some(file_text.as_str())
            && id.as_ref().is_none_or(|id| *id == l.id)
    }) {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "installed already as `{}`: {} runs at `{schedule}`; nothing was changed",
            l.id,
            abs.display()
        )?;
        writeln!(out, "  {}", l.line)?;
        return Ok(EXIT_OK);
    }
    let id = match id {
        Some(id) if crontab::weft_lines(&table).iter().any(|l| l.id == id) => {
            return Err(CmdError::Usage(format!(
                "the crontab already has a weft line `{id}`; remove it with `weft cron rm {id}` or choose another `--id`"
            )));
        }
        Some(id) if id.is_empty() || id.contains(char::is_whitespace) => {
            return Err(CmdError::Usage(format!(
                "`{id}` is not a usable id: it must be one word"
            )));
        }
        Some(id) => id,
        None => crontab::free_id(&table, &loaded.workflow.name),
    };
    // The crontab's own PATH first, then this shell's entries it lacks.
    let path = crontab::path_union(
        &crontab::env_value(&table, "PATH").unwrap_or_default(),
        &std::env::var("PATH").unwrap_or_default(),
    );
    let how = invocation(ctx, Some(&path))?;
    let overlap = overlap
        .map(|o| format!(" --overlap {o}"))
        .unwrap_or_default();
    let command = crontab::escape_percent(&format!(
        "{}{} run --cron{overlap} {}",
        how.env_prefix,
        how.weft,
        shell_quote(&abs.display().to_string())
    ));
    let line = crontab::marked_line(&schedule, &command, &id);
    write_table(crontab, &crontab::append(&table, &line))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "installed `{id}`: {} runs at `{schedule}`",
        abs.display()
    )?;
    writeln!(out, "  {line}")?;
    Ok(EXIT_OK)
}

fn ls(ctx: &Context, json: bool, crontab: &CrontabArg) -> CmdResult {
    let table = read_table(&crontab.crontab)?;
    let lines = crontab::weft_lines(&table);
    let mut out = std::io::stdout().lock();
    if json {
        let docs: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "id": l.id,
                    "schedule": l.schedule,
                    "target": l.target,
                    "command": l.command,
                    "line": l.line,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &docs).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    if lines.is_empty() {
        writeln!(
            out,
            "no weft lines in the crontab; add one with `weft cron install FILE --at EXPR`"
        )?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&["ID", "SCHEDULE", "RUNS"]);
    for l in &lines {
        t.row(vec![
            l.id.clone(),
            l.schedule.clone(),
            l.target.clone().unwrap_or_else(|| "?".into()),
        ]);
    }
    write!(out, "{}", t.render(&ctx.style))?;
    Ok(EXIT_OK)
}

fn rm(targets: &[String], delete: bool, crontab: &Path) -> CmdResult {
    let table = read_table(crontab)?;
    let lines = crontab::weft_lines(&table);
    // Every target must name something, or nothing is changed.
    let file_of = |t: &str| {
        std::fs::canonicalize(t)
            .ok()
            .map(|p| p.display().to_string())
    };
    let matches = |t: &str, l: &crontab::WeftLine| {
        l.id == t
            || l.target.as_deref() == Some(t)
            || (l.target.is_some() && l.target == file_of(t))
    };
    for t in targets {
        if !lines.iter().any(|l| matches(t, l)) {
            let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
            let known = if ids.is_empty() {
                "the crontab has no weft lines".to_string()
            } else {
                format!("weft's lines: {}", ids.join(", "))
            };
            return Err(CmdError::Usage(format!(
                "no weft line in the crontab is `{t}` (by id or workflow file); {known}; nothing was removed"
            )));
        }
    }
    // A line `weft cron import` took over gets its own line back, unless
    // `--delete`.
    let (new, picked) = crontab::replace(&table, |l| {
        targets
            .iter()
            .any(|t| matches(t, l))
            .then(|| crontab::original_line(l).filter(|_| !delete))
    });
    write_table(crontab, &new)?;
    let mut out = std::io::stdout().lock();
    for l in picked {
        match crontab::original_line(&l).filter(|_| !delete) {
            Some(original) => writeln!(
                out,
                "restored `{}` to the line it was imported from: {original}",
                l.id
            )?,
            None => writeln!(out, "removed `{}`: {}", l.id, l.line)?,
        }
    }
    Ok(EXIT_OK)
}

fn import(ctx: &Context, workflows: Option<&Path>, apply: bool, crontab: &Path) -> CmdResult {
    let table = read_table(crontab)?;
    let dir: Option<PathBuf> = workflows.map(|d| {
        if d.is_absolute() {
            d.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(d)
        }
    });
    let mode = match &dir {
        Some(d) => ImportMode::Workflows {
            dir: d.display().to_string(),
        },
        None => ImportMode::Wrap,
    };
    // The lines stay where they are, under the crontab's own PATH and other
    // variables, so only weft's own variables are added.
    let plan = crontab::plan_import(&table, &mode, &invocation(ctx, None)?);
    let mut out = std::io::stdout().lock();
    for (line, why) in &plan.skipped {
        writeln!(out, "leaving alone: {line}\n  ({why})")?;
    }
    if plan.converted.is_empty() {
        writeln!(
            out,
            "nothing to import: no crontab line that weft could take over"
        )?;
        return Ok(EXIT_OK);
    }
    writeln!(out, "--- crontab (now)\n+++ crontab (after import)")?;
    for line in crontab::diff(&table, &plan.table).lines() {
        let styled = match line.chars().next() {
            Some('-') => ctx.style.bad(line),
            Some('+') => ctx.style.ok(line),
            _ => line.to_string(),
        };
        writeln!(out, "{styled}")?;
    }
    let files: Vec<(PathBuf, &String)> = match &dir {
        Some(d) => plan
            .converted
            .iter()
            .filter_map(|c| c.file.as_ref().map(|(name, text)| (d.join(name), text)))
            .collect(),
        None => Vec::new(),
    };
    for (path, _) in &files {
        writeln!(
            out,
            "{} {}",
            if apply { "writing" } else { "would write" },
            path.display()
        )?;
    }
    if let Some((path, _)) = files.iter().find(|(p, _)| p.exists()) {
        return Err(CmdError::Usage(format!(
            "`{}` exists already; weft does not overwrite it; nothing was changed",
            path.display()
        )));
    }
    if !apply {
        writeln!(
            out,
            "nothing was changed; run `weft cron import{} --apply` to make this change",
            workflows
                .map(|d| format!(" --workflows {}", shell_quote(&d.display().to_string())))
                .unwrap_or_default()
        )?;
        return Ok(EXIT_OK);
    }
    if let Some(d) = &dir {
        std::fs::create_dir_all(d)
            .map_err(|e| CmdError::Unavailable(format!("cannot create `{}`: {e}", d.display())))?;
    }
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|e| {
            CmdError::Unavailable(format!("cannot write `{}`: {e}", path.display()))
        })?;
    }
    write_table(crontab, &plan.table)?;
    writeln!(
        out,
        "imported {} line{}{}",
        plan.converted.len(),
        if plan.converted.len() == 1 { "" } else { "s" },
        if dir.is_some() {
            "; the daemon runs these workflows on their schedule"
        } else {
            "; see them with `weft cron ls` and their runs with `weft ps`"
        }
    )?;
    // The daemon only schedules the folders it is told about.
    if let Some(d) = &dir {
        let known = ctx.config.workflow_dirs.iter().any(|w| {
            let w = Path::new(w);
            w == d.as_path() || (w.canonicalize().ok() == d.canonicalize().ok() && w.exists())
        });
        if !known {
            writeln!(
                out,
                "note: `{}` is not under `workflow_dirs` in {}: add it there, then `weft daemon reload`",
                d.display(),
                ctx.paths.config_file.display()
            )?;
        }
    }
    Ok(EXIT_OK)
}
