//! The pure update: an action in, the state changed, effects out. No I/O,
//! no clock (time arrives as `Action::Tick`).

use super::action::{Action, Effect};
use super::state::{Confirm, DaemonState, LogView, State, View};
use crate::model::TaskStatus;

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
            Action::RunsLoaded(_)
            | Action::DetailLoaded(_)
            | Action::Tick(_)
            | Action::DaemonLost(_)
            | Action::DaemonBack(_)
            | Action::Notice(_) => {
                let pending = state.confirm.take();
                let effects = update(state, action);
                state.confirm = pending;
                effects
            }
            _ => Vec::new(),
        };
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
            move_selection(state, -(PAGE as isize));
            Vec::new()
        }
        Action::PageDown => {
            move_selection(state, PAGE as isize);
            Vec::new()
        }
        Action::Open if state.view == View::Run => update(state, Action::OpenLog),
        Action::OpenLog => match (&state.open, state.selected_task()) {
            (Some(run), Some(task)) if state.view == View::Run => {
                let run = run.clone();
                state.view = View::Log;
                state.log = Some(LogView {
                    task: task.clone(),
                    attempt: 0,
                    lines: Vec::new(),
                    offset: 0,
                    top: 0,
                    follow: true,
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
        Action::Back if state.view == View::Log => {
            state.view = View::Run;
            state.log = None;
            Vec::new()
        }
        Action::Open => match (&state.view, state.selected_run()) {
            (View::Runs, Some(run)) => {
                let id = run.id.clone();
                state.view = View::Run;
                state.open = Some(id.clone());
                state.detail = None;
                state.task_selected = 0;
                vec![Effect::LoadDetail(id)]
            }
            _ => Vec::new(),
        },
        Action::Back => {
            state.view = View::Runs;
            state.open = None;
            state.detail = None;
            Vec::new()
        }
        Action::StartFilter => {
            state.filtering = true;
            Vec::new()
        }
        Action::FilterChar(c) => {
            state.filter.push(c);
            state.selected = 0;
            Vec::new()
        }
        Action::FilterBackspace => {
            state.filter.pop();
            state.selected = 0;
            Vec::new()
        }
        Action::EndFilter => {
            state.filtering = false;
            Vec::new()
        }
        Action::Cancel => {
            if let Some(run) = state.target_run() {
                state.confirm = Some(Confirm::Cancel(run));
            }
            Vec::new()
        }
        Action::Retry => {
            if let Some(run) = state.target_run() {
                let from = match state.view {
                    View::Run | View::Log => state.selected_task(),
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
        Action::Confirm(_) => Vec::new(),
        Action::RunsLoaded(runs) => {
            // Keep the same run selected when new ones arrive on top.
            let keep = state.selected_run().map(|r| r.id.clone());
            state.runs = runs;
            if let Some(id) = keep
                && let Some(i) = state.visible_runs().iter().position(|r| r.id == id)
            {
                state.selected = i;
            }
            clamp(state);
            Vec::new()
        }
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
            let mut effects = vec![Effect::LoadRuns];
            if let Some(id) = &state.open {
                effects.push(Effect::LoadDetail(id.clone()));
                if let Some(log) = &state.log {
                    effects.push(Effect::LoadLog {
                        run: id.clone(),
                        task: log.task.clone(),
                        offset: log.offset,
                    });
                }
            }
            effects
        }
        Action::LogLoaded { task, from, chunk } => {
            let height = state.log_height;
            if let Some(log) = state.log.as_mut().filter(|l| l.task == task) {
                if chunk.attempt != log.attempt {
                    // A new attempt: its own log, from the start.
                    if from != 0 {
                        return Vec::new();
                    }
                    log.attempt = chunk.attempt;
                    log.lines.clear();
                    log.top = 0;
                } else if from != log.offset {
                    // An answer to a read already answered: drop it.
                    return Vec::new();
                }
                log.lines.extend(chunk.lines);
                log.offset = chunk.next_offset;
                if log.follow {
                    log.top = log.lines.len().saturating_sub(height);
                }
            }
            Vec::new()
        }
    }
}

fn move_selection(state: &mut State, by: isize) {
    match state.view {
        View::Runs => {
            state.selected = state.selected.saturating_add_signed(by);
            clamp(state);
        }
        View::Run => {
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

fn clamp(state: &mut State) {
    let n = state.visible_runs().len();
    state.selected = state.selected.min(n.saturating_sub(1));
}
