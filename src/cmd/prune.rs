//! `weft prune`: deletes finished runs and their logs by age, count per
//! workflow and status; `--dry-run` lists them instead. No prompt: the
//! criteria are required and the dry run is the preview, so it scripts.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::PruneArgs;
use crate::logs::human_size;
use crate::model::{RunStatus, now_ms};
use crate::output::{Table, local_time, span};
use crate::store::{PRUNABLE, PruneCriteria};
use crate::workflow::parse_duration;
use std::io::Write;

fn usage(message: String) -> CmdError {
    CmdError::Usage(message)
}

fn prunable_names() -> String {
    PRUNABLE
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The criteria the flags give, or why they are not usable.
pub(super) fn criteria(args: &PruneArgs) -> Result<PruneCriteria, CmdError> {
    let older_than = args
        .older_than
        .as_deref()
        .map(|d| parse_duration(d).map_err(|why| usage(format!("bad `--older-than`: {why}"))))
        .transpose()?;
    let mut statuses = Vec::new();
    for text in &args.status {
        let text = text.trim();
        let status: RunStatus = text.parse().map_err(|_| {
            usage(format!(
                "unknown `--status` `{text}`; prune takes {}",
                prunable_names()
            ))
        })?;
        if !PRUNABLE.contains(&status) {
            return Err(usage(format!(
                "`--status {status}`: a {status} run has not finished and is never pruned; prune takes {}",
                prunable_names()
            )));
        }
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    let criteria = PruneCriteria {
        workflow: args.workflow.clone(),
        older_than,
        keep: args.keep,
        statuses,
    };
    if criteria.is_unbounded() {
        return Err(usage(
            "say which runs to delete with `--older-than DURATION`, `--keep N` or `--status STATUS` (prune never deletes every run by default); add `--dry-run` to see what would go".into(),
        ));
    }
    Ok(criteria)
}

pub fn prune(ctx: &Context, args: PruneArgs) -> CmdResult {
    let criteria = criteria(&args)?;
    let store = ctx.store()?;
    let report = crate::store::prune(
        store.as_ref(),
        &ctx.paths.logs_dir(),
        &criteria,
        now_ms(),
        args.dry_run,
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    let s = &ctx.style;
    if args.dry_run && !report.runs.is_empty() {
        let mut table = Table::new(&["ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "TRIGGER"]);
        for r in &report.runs {
            table.row(vec![
                r.id.to_string(),
                r.workflow.clone(),
                s.run_status(r.status),
                local_time(r.created_at),
                span(Some(r.created_at), r.finished_at),
                r.trigger.to_string(),
            ]);
        }
        write!(out, "{}", table.render(s))?;
    }
    let runs = match report.runs.len() {
        1 => "1 run".to_string(),
        n => format!("{n} runs"),
    };
    let files = match report.log_files {
        1 => "1 log file".to_string(),
        n => format!("{n} log files"),
    };
    let bytes = human_size(report.log_bytes);
    if args.dry_run {
        writeln!(
            out,
            "would delete {runs}, {files} ({bytes}); nothing deleted (--dry-run)"
        )?;
    } else {
        write!(out, "deleted {runs}, {files} ({bytes})")?;
        if report.orphan_log_dirs > 0 {
            write!(out, ", {} orphaned log folders", report.orphan_log_dirs)?;
        }
        writeln!(
            out,
            "; database {} -> {}",
            human_size(report.db_bytes_before),
            human_size(report.db_bytes_after)
        )?;
    }
    if report.spared > 0 {
        writeln!(
            out,
            "{} kept: a remaining retry was made from them, or a queued run waits for them",
            match report.spared {
                1 => "1 matching run".to_string(),
                n => format!("{n} matching runs"),
            }
        )?;
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<PruneCriteria, String> {
        let mut all = vec!["weft", "prune"];
        all.extend(args);
        match Cli::try_parse_from(all).map_err(|e| e.to_string())?.command {
            Command::Prune(p) => criteria(&p).map_err(|e| e.to_string()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_become_criteria_and_bad_ones_are_explained() {
        let c = parse(&[
            "--status",
            "failed,cancelled",
            "-s",
            "failed",
            "--keep",
            "3",
        ])
        .unwrap();
        assert_eq!(c.statuses, [RunStatus::Failed, RunStatus::Cancelled]);
        assert_eq!(c.keep, Some(3));
        let c = parse(&["--older-than", "1h30m", "-w", "nightly"]).unwrap();
        assert_eq!(c.older_than, Some(std::time::Duration::from_secs(5400)));
        assert_eq!(c.workflow.as_deref(), Some("nightly"));
        let e = parse(&[]).unwrap_err();
        assert!(
            e.contains("`--older-than DURATION`, `--keep N` or `--status STATUS`"),
            "{e}"
        );
        let e = parse(&["-w", "nightly"]).unwrap_err();
        assert!(e.contains("never deletes every run"), "{e}");
        let e = parse(&["--status", "running"]).unwrap_err();
        assert!(
            e.contains("never pruned; prune takes succeeded, failed, cancelled, interrupted"),
            "{e}"
        );
        let e = parse(&["--status", "sucess"]).unwrap_err();
        assert!(e.contains("unknown `--status` `sucess`"), "{e}");
        let e = parse(&["--older-than", "soon"]).unwrap_err();
        assert!(e.starts_with("error: bad `--older-than`"), "{e}");
        assert!(parse(&["--keep", "-1"]).is_err());
    }
}
