//! The pure update: an action in, the state changed, effects out. No I/O,
//! no clock (time arrives as `Action::Tick`).

use super::action::{Action, Effect, RunsPage};
use super::state::{
    Confirm, DaemonState, LogView, RunPane, STATUS_CYCLE, Search, StartDialog, State, TermView,
    View,
};
use crate::model::{RunId, TaskStatus};

mod log;
mod runs;
mod start;

pub use log::LOG_KEPT;
use log::{log_loaded, research, search_line, searching, show_line};
pub use runs::{MAX_RUNS, NEWEST, OLDER};
use runs::{refresh, runs_loaded};
use start::start_dialog;

const PAGE: usize = 10;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    // A pending question takes the keys first.
    if state.confirm.is_some() {
        return match action {
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
                let effects = update(state, other);
                state.confirm = pending;
                effects
            }
            _ => Vec::new(),
        };
    }
    if !is_from_outside(&action) {
        // A notice answers the last key; the next key clears it.
        state.notice = None;
    }
    if state.start.is_some() && !is_from_outside(&action) {
        return start_dialog(state, action);
    }
    match action {
        Action::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::ToggleHelp => {
            state.help = !state.help;
            Vec::new()
        }
        Action::Back if state.help => {
            state.help = false;
            Vec::new()
        }
        Action::Up => {
            move_selection(state, -1);
            Vec::new()
        }
        Action::Down => {
            move_selection(state, 1);
            Vec::new()
        }
        Action::PageUp => {
            let page = page_size(state);
            move_selection(state, -(page as isize));
            Vec::new()
        }
        Action::PageDown => {
            let page = page_size(state);
            move_selection(state, page as isize);
            Vec::new()
        }
        Action::Open if state.view == View::Run => update(state, Action::OpenLog),
        Action::Open if state.view == View::Terminal => update(state, Action::FocusTerminal),
        Action::OpenLog => match (&state.open, state.selected_task()) {
            (Some(run), Some(task)) if state.view == View::Run => {
                let run = run.clone();
                state.view = View::Log;
                state.log = Some(LogView {
                    task: task.clone(),
                    attempt: 0,
                    lines: Vec::new(),
                    kept: 0,
                    dropped: 0,
                    offset: 0,
                    loading: true,
                    top: 0,
                    follow: true,
                    wrap: false,
                    search: None,
                });
                vec![Effect::LoadLog {
                    run,
                    task,
                    offset: 0,
                }]
            }
            _ => Vec::new(),
        },
        Action::CopyId => match state.target_run() {
            Some(run) => {
                state.notice = Some(format!("copied {run}"));
                vec![Effect::Copy(run.to_string())]
            }
            None => Vec::new(),
        },
        Action::FollowLog => {
            let height = state.log_height;
            if let Some(log) = &mut state.log {
                log.follow = true;
                log.top = log.lines.len().saturating_sub(height);
            }
            Vec::new()
        }
        Action::ToggleWrap => {
            if let Some(log) = &mut state.log {
                log.wrap = !log.wrap;
                state.notice = Some(
                    if log.wrap {
                        "wrapping long lines"
                    } else {
                        "cutting long lines"
                    }
                    .into(),
                );
            }
            Vec::new()
        }
        Action::SearchNext | Action::SearchPrev => {
            let forward = action == Action::SearchNext;
            let height = state.log_height;
            if let Some(log) = &mut state.log
                && let Some(search) = &mut log.search
                && !search.matches.is_empty()
            {
                let n = search.matches.len();
                search.current = if forward {
                    (search.current + 1) % n
                } else {
                    (search.current + n - 1) % n
                };
                show_line(log, search_line(log), height);
            }
            Vec::new()
        }
        Action::Back if state.view == View::Log => {
            if state.log.as_ref().is_some_and(|l| l.search.is_some()) {
                // Esc first clears the search.
                if let Some(log) = &mut state.log {
                    log.search = None;
                }
                return Vec::new();
            }
            state.view = View::Run;
            state.log = None;
            Vec::new()
        }
        Action::Back if state.view == View::Terminal => {
            state.view = View::Run;
            // A finished task's last screen is kept, to be shown again when
            // its terminal is reopened.
            if state.term.as_ref().is_none_or(|t| t.ended.is_none()) {
                state.term = None;
            }
            vec![Effect::Detach]
        }
        Action::Open => match (&state.view, state.selected_run()) {
            (View::Runs, Some(run)) => {
                let id = run.id.clone();
                open_run(state, id)
            }
            _ => Vec::new(),
        },
        Action::Back => {
            if state.view == View::Runs {
                if !state.filter.is_empty() || state.status_filter.is_some() {
                    // Esc in the list clears the filters.
                    state.filter.clear();
                    state.status_filter = None;
                    refresh(state, None);
                }
                return Vec::new();
            }
            state.view = View::Runs;
            state.open = None;
            state.detail = None;
            Vec::new()
        }
        Action::StartFilter => {
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
        Action::FilterChar(c) => {
            if let Some(log) = searching(state) {
                if let Some(search) = &mut log.search {
                    search.query.push(c);
                }
                research(state);
            } else {
                state.filter.push(c);
                state.selected = 0;
                refresh(state, None);
            }
            Vec::new()
        }
        Action::FilterBackspace => {
            if let Some(log) = searching(state) {
                if let Some(search) = &mut log.search {
                    search.query.pop();
                }
                research(state);
            } else {
                state.filter.pop();
                state.selected = 0;
                refresh(state, None);
            }
            Vec::new()
        }
        Action::EndFilter => {
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
        Action::Sort => {
            if state.view == View::Runs {
                state.sort = state.sort.next();
                state.notice = Some(format!("runs {}", state.sort.label()));
                let keep = state.selected_run().map(|r| r.id.clone());
                refresh(state, keep);
            }
            Vec::new()
        }
        Action::StatusFilter => {
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
        Action::TogglePane => {
            state.pane = match state.pane {
                RunPane::Graph => RunPane::Timeline,
                RunPane::Timeline => RunPane::Graph,
            };
            Vec::new()
        }
        Action::Cancel => {
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
        Action::Retry => {
            if let Some(run) = state.target_run() {
                let from = match state.view {
                    View::Run | View::Log | View::Terminal => state.selected_task(),
                    View::Runs => None,
                };
                state.confirm = Some(Confirm::Retry { run, from });
            }
            Vec::new()
        }
        Action::Pause => state.target_run().map(Effect::Pause).into_iter().collect(),
        Action::Resume => state.target_run().map(Effect::Resume).into_iter().collect(),
        Action::JumpToFailure => {
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
        Action::Attach => {
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
        Action::NextTerminal => {
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
        Action::FocusTerminal => {
            if let Some(term) = &mut state.term
                && term.ended.is_none()
            {
                term.focused = true;
            }
            Vec::new()
        }
        Action::ReleaseTerminal => {
            if let Some(term) = &mut state.term {
                term.focused = false;
            }
            Vec::new()
        }
        Action::TermInput(bytes) => match &state.term {
            Some(term) if term.focused && term.ended.is_none() => vec![Effect::TermInput(bytes)],
            _ => Vec::new(),
        },
        Action::PaneSize(rows, cols) => match &mut state.term {
            Some(term) if term.size != (rows, cols) && rows > 0 && cols > 0 => {
                term.size = (rows, cols);
                vec![Effect::TermResize { rows, cols }]
            }
            _ => Vec::new(),
        },
        Action::TermScreen { task, screen } => {
            if let Some(term) = state.term.as_mut().filter(|t| t.task == task) {
                term.screen = Some(screen);
            }
            Vec::new()
        }
        Action::TermEnded { task, why } => {
            if let Some(term) = state.term.as_mut().filter(|t| t.task == task) {
                term.ended = Some(why);
                term.focused = false;
            }
            Vec::new()
        }
        Action::StartWorkflow => {
            state.start = Some(StartDialog {
                workflows: Vec::new(),
                selected: 0,
                form: None,
                field: 0,
                error: None,
            });
            vec![Effect::LoadWorkflows]
        }
        Action::WaitingLoaded(waiting) => {
            state.waiting = waiting;
            Vec::new()
        }
        Action::WorkflowsLoaded(list) => {
            if let Some(dialog) = &mut state.start {
                dialog.workflows = list;
                dialog.selected = dialog
                    .selected
                    .min(dialog.workflows.len().saturating_sub(1));
            }
            Vec::new()
        }
        Action::Started(id) => {
            state.start = None;
            state.notice = Some(format!("started {id}"));
            open_run(state, id)
        }
        Action::StartFailed(why) => {
            match &mut state.start {
                Some(dialog) => dialog.error = Some(why),
                None => state.notice = Some(why),
            }
            Vec::new()
        }
        Action::Confirm(_) => Vec::new(),
        Action::RunsLoaded { page, limit, runs } => runs_loaded(state, page, limit, runs),
        Action::DetailLoaded(detail) => {
            if state.open.as_ref() == Some(&detail.summary.id) {
                state.task_selected = state
                    .task_selected
                    .min(detail.tasks.len().saturating_sub(1));
                state.detail = Some(*detail);
            }
            Vec::new()
        }
        Action::DaemonLost(error) => {
            state.daemon = DaemonState::Lost { error };
            if let Some(log) = &mut state.log {
                log.loading = false;
            }
            Vec::new()
        }
        Action::DaemonBack(version) => {
            state.daemon = DaemonState::Connected { version };
            Vec::new()
        }
        Action::Notice(text) => {
            state.notice = Some(text);
            Vec::new()
        }
        Action::Tick(now) => {
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
        Action::LogFailed(why) => {
            if let Some(log) = &mut state.log {
                log.loading = false;
            }
            state.notice = Some(why);
            Vec::new()
        }
        Action::LogLoaded { task, from, chunk } => log_loaded(state, task, from, chunk),
    }
}

/// Actions that come from the daemon or the clock rather than from keys.
fn is_from_outside(action: &Action) -> bool {
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

fn open_run(state: &mut State, id: RunId) -> Vec<Effect> {
    state.view = View::Run;
    state.open = Some(id.clone());
    state.detail = None;
    state.task_selected = 0;
    vec![Effect::LoadDetail(id)]
}

fn attach(state: &mut State, run: RunId, task: crate::model::TaskName) -> Vec<Effect> {
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

fn page_size(state: &State) -> usize {
    match state.view {
        View::Runs => state.list_height.max(1),
        View::Log => state.log_height.max(1),
        _ => PAGE,
    }
}

fn move_selection(state: &mut State, by: isize) {
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
}
