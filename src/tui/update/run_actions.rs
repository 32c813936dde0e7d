//! What can be done to a run from the dashboard: cancel and retry (asked
//! first, and the answer to that question), and copying its id.

use super::super::action::{Action, Effect};
use super::super::state::{Confirm, State, View};
use super::daemon::is_from_outside;

/// Keys while a question is pending; what the daemon and the clock send
/// still goes through, the question kept.
pub(super) fn answer(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Confirm(true) => {
            let effect = match state.confirm.take() {
                Some(Confirm::Cancel(run)) => Effect::Cancel(run),
                Some(Confirm::Retry { run, from }) => Effect::Retry { run, from },
                None => return Vec::new(),
            };
            vec![effect]
        }
        Action::Confirm(false) | Action::Back => {
            state.confirm = None;
            Vec::new()
        }
        other if is_from_outside(&other) => {
            let pending = state.confirm.take();
            let effects = super::update(state, other);
            state.confirm = pending;
            effects
        }
        _ => Vec::new(),
    }
}

pub(super) fn copy_id(state: &mut State) -> Vec<Effect> {
    match state.target_run() {
        Some(run) => {
            state.notice = Some(format!("copied {run}"));
            vec![Effect::Copy(run.to_string())]
        }
        None => Vec::new(),
    }
}

pub(super) fn cancel(state: &mut State) -> Vec<Effect> {
    if let Some(run) = state.target_run() {
        match state.target_status() {
            Some(status) if status.is_terminal() => {
                state.notice = Some(format!("run {run} {status}: nothing to cancel"));
            }
            _ => state.confirm = Some(Confirm::Cancel(run)),
        }
    }
    Vec::new()
}

pub(super) fn retry(state: &mut State) -> Vec<Effect> {
    if let Some(run) = state.target_run() {
        let from = match state.view {
            View::Run | View::Log | View::Terminal => state.selected_task(),
            View::Runs => None,
        };
        state.confirm = Some(Confirm::Retry { run, from });
    }
    Vec::new()
}
