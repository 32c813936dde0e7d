//! Shell completion. The scripts in `completions/` (from `weft completions
//! SHELL`) register weft with the shell and ask `weft` itself for the
//! candidates of each word (clap_complete's dynamic completion, through
//! `WEFT_COMPLETE`), so flags with a fixed set of values complete those
//! values and run ids and workflow names come from the store.

use crate::cli::Cli;
use crate::model::{Overlap, RunStatus};
use crate::paths::Paths;
use crate::store::{RunFilter, SqliteStore, Store};
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use std::ffi::OsStr;

/// The variable the registration scripts set when they ask for candidates.
pub const VAR: &str = "WEFT_COMPLETE";

/// How many of the newest runs are offered.
const RECENT_RUNS: usize = 50;

/// Answers a completion request and exits, when the shell made one.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .bin("weft")
        .completer("weft")
        .complete();
}

/// The script that registers weft's completion with `shell`.
pub fn registration(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Zsh => &Zsh,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::PowerShell => &Powershell,
        _ => &Bash,
    };
    completer.write_registration(VAR, "weft", "weft", "weft", out)
}

/// The store named by `WEFT_HOME` or the default one, read-only; none when
/// there is no store yet (completion never creates one).
fn store() -> Option<SqliteStore> {
    let home = std::env::var_os("WEFT_HOME").map(std::path::PathBuf::from);
    let paths = Paths::resolve(home.as_deref()).ok()?;
    let db = paths.database();
    if !db.exists() {
        return None;
    }
    SqliteStore::open_for_reading(&db, Default::default()).ok()
}

fn matching(
    current: &OsStr,
    candidates: impl IntoIterator<Item = CompletionCandidate>,
) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    candidates
        .into_iter()
        .filter(|c| {
            c.get_value()
                .to_string_lossy()
                .starts_with(current.as_ref())
        })
        .collect()
}

/// A run: workflow names (their latest run) and the newest run ids.
pub fn runs(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(store) = store() else {
        return Vec::new();
    };
    let filter = RunFilter {
        limit: RECENT_RUNS,
        queued: true,
        ..Default::default()
    };
    let runs = store.runs(&filter).unwrap_or_default();
    let mut names: Vec<String> = runs.iter().map(|r| r.workflow.clone()).collect();
    names.sort();
    names.dedup();
    let workflows = names
        .into_iter()
        .map(|n| CompletionCandidate::new(n).help(Some("its latest run".into())));
    let ids = runs.iter().map(|r| {
        CompletionCandidate::new(r.id.as_str())
            .help(Some(format!("{} {}", r.workflow, r.status).into()))
    });
    matching(current, workflows.chain(ids))
}

/// A workflow name from the history.
pub fn workflows(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(store) = store() else {
        return Vec::new();
    };
    let filter = RunFilter {
        limit: 1000,
        ..Default::default()
    };
    let mut names: Vec<String> = store
        .runs(&filter)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.workflow)
        .collect();
    names.sort();
    names.dedup();
    matching(current, names.into_iter().map(CompletionCandidate::new))
}

/// The statuses `--status` takes.
pub fn statuses() -> Vec<CompletionCandidate> {
    RunStatus::ALL
        .iter()
        .map(|s| CompletionCandidate::new(s.as_str()))
        .collect()
}

/// The policies `--overlap` takes without the daemon.
pub fn overlaps() -> Vec<CompletionCandidate> {
    Overlap::ALL
        .iter()
        .filter(|o| **o != Overlap::CancelPrevious)
        .map(|o| CompletionCandidate::new(o.as_str()))
        .collect()
}
