//! Moving between the views (runs list, a run, a task's log or terminal)
//! and within one: the selection, paging, opening and going back.

use super::super::action::{Action, Effect};
use super::super::state::{RunPane, State, View};
use super::runs::refresh;
use super::{log, terminal};
use crate::model::{RunId, TaskStatus};

/// Rows a page moves by where the view's height is not known.
const PAGE: usize = 10;

/// A page up (`-1`) or down (`1`).
pub(super) fn page(state: &mut State, direction: isize) -> Vec<Effect> {
    let page = page_size(state);
    move_selection(state, direction * page as isize)
}

pub(super) fn open(state: &mut State) -> Vec<Effect> {
    match state.view {
        View::Run => super::update(state, Action::OpenLog),
        View::Terminal => super::update(state, Action::FocusTerminal),
        View::Runs => match state.selected_run() {
            Some(run) => {
                let id = run.id.clone();
                open_run(state, id)
            }
            None => Vec::new(),
        },
        View::Log => Vec::new(),
    }
}

pub(super) fn back(state: &mut State) -> Vec<Effect> {
    if state.help {
        state.help = false;
        return Vec::new();
    }
    match state.view {
        View::Log => log::back(state),
        View::Terminal => terminal::detach(state),
        View::Runs => {
            if !state.filter.is_empty() || state.status_filter.is_some() {
                // Esc in the list clears the filters.
                state.filter.clear();
                state.status_filter = None;
                refresh(state, None);
            }
            Vec::new()
        }
        View::Run => {
            state.view = View::Runs;
            state.open = None;
            state.detail = None;
            Vec::new()
        }
    }
}

pub(super) fn open_run(state: &mut State, id: RunId) -> Vec<Effect> {
    state.view = View::Run;
    state.open = Some(id.clone());
    state.detail = None;
    state.task_selected = 0;
    vec![Effect::LoadDetail(id)]
}

pub(super) fn toggle_pane(state: &mut State) -> Vec<Effect> {
    state.pane = match state.pane {
        RunPane::Graph => RunPane::Timeline,
        RunPane::Timeline => RunPane::Graph,
    };
    Vec::new()
}

pub(super) fn jump_to_failure(state: &mut State) -> Vec<Effect> {
    if let Some(i) = state
        .detail
        .as_ref()
        .and_then(|d| d.tasks.iter().position(|t| t.status == TaskStatus::Failed))
    {
        state.task_selected = i;
    } else {
        state.notice = Some("no task failed".into());
    }
    Vec::new()
}

fn page_size(state: &State) -> usize {
    match state.view {
        View::Runs => state.list_height.max(1),
        View::Log => state.log_height.max(1),
        _ => PAGE,
    }
}

pub(super) fn move_selection(state: &mut State, by: isize) -> Vec<Effect> {
    match state.view {
        View::Runs => {
            state.selected = state
                .selected
                .saturating_add_signed(by)
                .min(state.shown.len().saturating_sub(1));
            state.scroll_list();
        }
        View::Run | View::Terminal => {
            let n = state.detail.as_ref().map_or(0, |d| d.tasks.len());
            state.task_selected = state
                .task_selected
                .saturating_add_signed(by)
                .min(n.saturating_sub(1));
        }
        View::Log => {
            let height = state.log_height;
            if let Some(log) = &mut state.log {
                let last_top = log.lines.len().saturating_sub(height);
                log.top = log.top.saturating_add_signed(by).min(last_top);
                // Scrolling up stops following; reaching the end resumes it.
                log.follow = log.top == last_top;
            }
        }
    }
    Vec::new()
}
