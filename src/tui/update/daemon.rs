//! What the daemon and the clock send (rather than keys): the tick that
//! asks for fresh runs, a run's detail, the waiting tasks, the daemon
//! lost and back, notices.

use super::super::action::{Action, Effect, RunsPage};
use super::super::state::{DaemonState, State};
use super::runs::{NEWEST, OLDER};
use crate::model::RunDetail;
use crate::model::{Millis, RunId, TaskName};

/// Actions that come from the daemon or the clock rather than from keys.
pub(super) fn is_from_outside(action: &Action) -> bool {
    matches!(
        action,
        Action::RunsLoaded { .. }
            | Action::DetailLoaded(_)
            | Action::LogLoaded { .. }
            | Action::LogFailed(_)
            | Action::TermScreen { .. }
            | Action::TermEnded { .. }
            | Action::PaneSize(..)
            | Action::WorkflowsLoaded(_)
            | Action::WaitingLoaded(_)
            | Action::Started(_)
            | Action::StartFailed(_)
            | Action::Tick(_)
            | Action::DaemonLost(_)
            | Action::DaemonBack(_)
            | Action::Notice(_)
    )
}

pub(super) fn tick(state: &mut State, now: Millis) -> Vec<Effect> {
    state.now = now;
    let mut effects = vec![
        Effect::LoadRuns {
            page: RunsPage::Newest,
            limit: NEWEST,
        },
        Effect::LoadRuns {
            page: RunsPage::Active,
            limit: 0,
        },
    ];
    // Only runs still going can have a task waiting for input.
    if state.runs.iter().any(|r| !r.status.is_terminal()) {
        effects.push(Effect::LoadWaiting);
    }
    if state.runs.is_empty() && !state.runs_complete {
        effects.push(Effect::LoadRuns {
            page: RunsPage::Older { offset: 0 },
            limit: OLDER,
        });
    }
    if let Some(id) = &state.open {
        effects.push(Effect::LoadDetail(id.clone()));
        if let Some(log) = &mut state.log
            && !log.loading
        {
            log.loading = true;
            effects.push(Effect::LoadLog {
                run: id.clone(),
                task: log.task.clone(),
                offset: log.offset,
            });
        }
    }
    effects
}

pub(super) fn detail_loaded(state: &mut State, detail: RunDetail) -> Vec<Effect> {
    if state.open.as_ref() == Some(&detail.summary.id) {
        state.task_selected = state
            .task_selected
            .min(detail.tasks.len().saturating_sub(1));
        state.detail = Some(detail);
    }
    Vec::new()
}

pub(super) fn waiting_loaded(state: &mut State, waiting: Vec<(RunId, TaskName)>) -> Vec<Effect> {
    state.waiting = waiting;
    Vec::new()
}

pub(super) fn lost(state: &mut State, error: String) -> Vec<Effect> {
    state.daemon = DaemonState::Lost { error };
    if let Some(log) = &mut state.log {
        log.loading = false;
    }
    Vec::new()
}

pub(super) fn back(state: &mut State, version: String) -> Vec<Effect> {
    state.daemon = DaemonState::Connected { version };
    Vec::new()
}

pub(super) fn notice(state: &mut State, text: String) -> Vec<Effect> {
    state.notice = Some(text);
    Vec::new()
}
