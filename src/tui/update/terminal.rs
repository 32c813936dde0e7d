//! An interactive task's terminal pane: attaching (and moving to the run's
//! next interactive task), focus, input and size going out, and the screen
//! and its end coming in.

use super::super::action::Effect;
use super::super::state::{State, TermScreen, TermView, View};
use crate::model::{RunId, TaskName};

/// Attaches to the selected task, when it is interactive.
pub(super) fn attach_selected(state: &mut State) -> Vec<Effect> {
    let (Some(run), Some(detail)) = (state.open.clone(), state.detail.as_ref()) else {
        return Vec::new();
    };
    let Some(task) = detail.tasks.get(state.task_selected) else {
        return Vec::new();
    };
    if !task.interactive {
        state.notice = Some(format!(
            "`{}` is not interactive; l opens its log",
            task.name
        ));
        return Vec::new();
    }
    let task = task.name.clone();
    attach(state, run, task)
}

/// Attaches to the run's next interactive task after the one shown.
pub(super) fn next(state: &mut State) -> Vec<Effect> {
    let (Some(run), Some(detail), Some(term)) = (
        state.open.clone(),
        state.detail.as_ref(),
        state.term.as_ref(),
    ) else {
        return Vec::new();
    };
    let interactive: Vec<_> = detail.tasks.iter().filter(|t| t.interactive).collect();
    let at = interactive.iter().position(|t| t.name == term.task);
    let next = match at {
        Some(i) => interactive[(i + 1) % interactive.len()],
        None => match interactive.first() {
            Some(t) => t,
            None => return Vec::new(),
        },
    };
    if next.name == term.task {
        state.notice = Some("this run has no other interactive task".into());
        return Vec::new();
    }
    let task = next.name.clone();
    if let Some(i) = detail.tasks.iter().position(|t| t.name == task) {
        state.task_selected = i;
    }
    attach(state, run, task)
}

/// Esc in the terminal: back to the run, detached.
pub(super) fn detach(state: &mut State) -> Vec<Effect> {
    state.view = View::Run;
    // A finished task's last screen is kept, to be shown again when
    // its terminal is reopened.
    if state.term.as_ref().is_none_or(|t| t.ended.is_none()) {
        state.term = None;
    }
    vec![Effect::Detach]
}

pub(super) fn focus(state: &mut State) -> Vec<Effect> {
    if let Some(term) = &mut state.term
        && term.ended.is_none()
    {
        term.focused = true;
    }
    Vec::new()
}

pub(super) fn release(state: &mut State) -> Vec<Effect> {
    if let Some(term) = &mut state.term {
        term.focused = false;
    }
    Vec::new()
}

pub(super) fn input(state: &mut State, bytes: Vec<u8>) -> Vec<Effect> {
    match &state.term {
        Some(term) if term.focused && term.ended.is_none() => vec![Effect::TermInput(bytes)],
        _ => Vec::new(),
    }
}

pub(super) fn pane_size(state: &mut State, rows: u16, cols: u16) -> Vec<Effect> {
    match &mut state.term {
        Some(term) if term.size != (rows, cols) && rows > 0 && cols > 0 => {
            term.size = (rows, cols);
            vec![Effect::TermResize { rows, cols }]
        }
        _ => Vec::new(),
    }
}

pub(super) fn screen(state: &mut State, task: TaskName, screen: TermScreen) -> Vec<Effect> {
    if let Some(term) = state.term.as_mut().filter(|t| t.task == task) {
        term.screen = Some(screen);
    }
    Vec::new()
}

pub(super) fn ended(state: &mut State, task: TaskName, why: String) -> Vec<Effect> {
    if let Some(term) = state.term.as_mut().filter(|t| t.task == task) {
        term.ended = Some(why);
        term.focused = false;
    }
    Vec::new()
}

fn attach(state: &mut State, run: RunId, task: TaskName) -> Vec<Effect> {
    let size = state.term.as_ref().map_or((24, 80), |t| t.size);
    // The last screen of this task stays on show: after it ended, or until
    // a new attach draws the current one.
    let kept = state
        .term
        .take()
        .filter(|t| t.task == task)
        .and_then(|t| t.screen);
    let ended = state
        .detail
        .as_ref()
        .and_then(|d| d.tasks.iter().find(|t| t.name == task))
        .filter(|t| t.status.is_terminal())
        .map(|t| format!("the task {}", t.status));
    state.view = View::Terminal;
    let finished = ended.is_some();
    state.term = Some(TermView {
        task: task.clone(),
        screen: kept,
        focused: !finished,
        ended,
        size,
    });
    if finished {
        return Vec::new();
    }
    vec![Effect::Attach {
        run,
        task,
        rows: size.0,
        cols: size.1,
    }]
}
