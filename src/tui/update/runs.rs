//! The runs list: merging what the daemon sends (the newest page, the
//! active runs, older pages loaded in the background) into the state.

use super::super::action::{Effect, RunsPage};
use super::super::state::State;
use crate::model::RunId;
use crate::model::RunSummary;

/// The newest runs, reloaded on every tick.
pub const NEWEST: usize = 200;
/// Older runs are loaded in the background in pages of this many.
pub const OLDER: usize = 2000;
/// The list holds at most this many runs.
pub const MAX_RUNS: usize = 100_000;

pub(super) fn runs_loaded(
    state: &mut State,
    page: RunsPage,
    limit: usize,
    runs: Vec<RunSummary>,
) -> Vec<Effect> {
    let keep = state.selected_run().map(|r| r.id.clone());
    let got = runs.len();
    let mut added = false;
    let mut changed = false;
    for run in runs {
        match state.index.get(&run.id) {
            Some(&i) => {
                if state.runs[i] != run {
                    state.runs[i] = run;
                    changed = true;
                }
            }
            None => {
                state.runs.push(run);
                added = true;
            }
        }
    }
    if added {
        state.runs.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.as_str().cmp(a.id.as_str()))
        });
        state.index = state
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
    }
    if added || changed {
        refresh(state, keep);
    }
    match page {
        RunsPage::Older { offset } => {
            if got < limit || state.runs.len() >= MAX_RUNS {
                state.runs_complete = true;
                Vec::new()
            } else {
                // Fill in the older runs in the background, page by page.
                vec![Effect::LoadRuns {
                    page: RunsPage::Older {
                        offset: offset + got,
                    },
                    limit,
                }]
            }
        }
        RunsPage::Newest | RunsPage::Active => Vec::new(),
    }
}

pub(super) fn refresh(state: &mut State, keep: Option<RunId>) {
    state.refresh_shown(keep);
}
