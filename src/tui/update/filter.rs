//! Narrowing and ordering the runs list: typing its filter (or, in a log,
//! its search, which takes the same keys), sorting, the status filter.

use super::super::action::Effect;
use super::super::state::{STATUS_CYCLE, Search, State, View};
use super::log::{research, searching};
use super::runs::refresh;

pub(super) fn start(state: &mut State) -> Vec<Effect> {
    if state.view == View::Log {
        if let Some(log) = &mut state.log {
            log.search = Some(Search {
                typing: true,
                ..Search::default()
            });
        }
    } else if state.view == View::Runs {
        state.filtering = true;
    }
    Vec::new()
}

pub(super) fn type_char(state: &mut State, c: char) -> Vec<Effect> {
    edit(state, |text| text.push(c))
}

pub(super) fn backspace(state: &mut State) -> Vec<Effect> {
    edit(state, |text| {
        text.pop();
    })
}

/// Changes the log's search while it is typed, else the list's filter.
fn edit(state: &mut State, change: impl Fn(&mut String)) -> Vec<Effect> {
    if let Some(log) = searching(state) {
        if let Some(search) = &mut log.search {
            change(&mut search.query);
        }
        research(state);
    } else {
        change(&mut state.filter);
        state.selected = 0;
        refresh(state, None);
    }
    Vec::new()
}

pub(super) fn end(state: &mut State) -> Vec<Effect> {
    if let Some(log) = searching(state) {
        if let Some(search) = &mut log.search {
            search.typing = false;
            if search.query.is_empty() {
                log.search = None;
            }
        }
    } else {
        state.filtering = false;
    }
    Vec::new()
}

pub(super) fn sort(state: &mut State) -> Vec<Effect> {
    if state.view == View::Runs {
        state.sort = state.sort.next();
        state.notice = Some(format!("runs {}", state.sort.label()));
        let keep = state.selected_run().map(|r| r.id.clone());
        refresh(state, keep);
    }
    Vec::new()
}

pub(super) fn cycle_status(state: &mut State) -> Vec<Effect> {
    if state.view == View::Runs {
        let at = STATUS_CYCLE
            .iter()
            .position(|s| *s == state.status_filter)
            .unwrap_or(0);
        state.status_filter = STATUS_CYCLE[(at + 1) % STATUS_CYCLE.len()];
        let keep = state.selected_run().map(|r| r.id.clone());
        refresh(state, keep);
    }
    Vec::new()
}
