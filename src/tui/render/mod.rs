//! Drawing the state: a pure function of `&State` (and the keymap, for the
//! help). Statuses have a symbol and a word, so they read without colour.

mod log;
mod run;
mod runs;
mod start;
mod terminal;

use super::keymap::Keymap;
use super::state::{Confirm, DaemonState, State, View};
use crate::model::{RunStatus, TaskStatus, format_duration_ms};
use log::render_log;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use run::render_run;
use runs::render_runs;
use start::render_start;
use terminal::render_terminal;

fn run_status(s: RunStatus) -> (&'static str, Color) {
    match s {
        RunStatus::Queued => ("◌ queued", Color::DarkGray),
        RunStatus::Running => ("● running", Color::Cyan),
        RunStatus::Paused => ("‖ paused", Color::Yellow),
        RunStatus::Suspended => ("‖ suspended", Color::DarkGray),
        RunStatus::Succeeded => ("✓ succeeded", Color::Green),
        RunStatus::Failed => ("✗ failed", Color::Red),
        RunStatus::Cancelled => ("⊘ cancelled", Color::Yellow),
        RunStatus::Interrupted => ("! interrupted", Color::Red),
    }
}

fn task_status(s: TaskStatus) -> (&'static str, Color) {
    match s {
        TaskStatus::Pending => ("· pending", Color::DarkGray),
        TaskStatus::Running => ("● running", Color::Cyan),
        TaskStatus::Retrying => ("↻ retrying", Color::Yellow),
        TaskStatus::Succeeded => ("✓ succeeded", Color::Green),
        TaskStatus::Failed => ("✗ failed", Color::Red),
        TaskStatus::Skipped => ("- skipped", Color::DarkGray),
        TaskStatus::Cancelled => ("⊘ cancelled", Color::Yellow),
        TaskStatus::Interrupted => ("! interrupted", Color::Red),
    }
}

/// "12s ago", "3m ago", "2h ago", "4d ago".
fn age(now: i64, then: i64) -> String {
    let secs = ((now - then).max(0) / 1000) as u64;
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86400),
    }
}

fn span(from: Option<i64>, to: Option<i64>) -> String {
    match (from, to) {
        (Some(a), Some(b)) if b >= a => format_duration_ms((b - a) as u64),
        _ => "-".into(),
    }
}

/// The screen's parts: top bar, main area, status bar.
fn areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Rows and columns the embedded terminal has on a screen of this size:
/// the runtime sizes the task's PTY to it.
pub fn terminal_size(screen: Rect) -> (u16, u16) {
    let inner = Block::new().borders(Borders::TOP).inner(areas(screen)[1]);
    (inner.height, inner.width)
}

/// Rows the runs table and the log pane show on a screen of this size.
pub fn list_height(screen: Rect) -> usize {
    areas(screen)[1].height.saturating_sub(2) as usize
}

/// Takes the colours out of a drawn frame (for NO_COLOR), keeping bold,
/// reversed and the other modifiers: nothing depends on colour alone.
pub fn drop_colours(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

pub fn render(state: &State, keymap: &Keymap, frame: &mut Frame) {
    let [top, main, bottom] = areas(frame.area());
    render_top(state, frame, top);
    match state.view {
        View::Runs => render_runs(state, frame, main),
        View::Run => render_run(state, frame, main),
        View::Log => render_log(state, frame, main),
        View::Terminal => render_terminal(state, frame, main),
    }
    render_bottom(state, keymap, frame, bottom);
    if let Some(confirm) = &state.confirm {
        let question = match confirm {
            Confirm::Cancel(run) => format!("Cancel run {run}? Its tasks are stopped."),
            Confirm::Retry { run, from: None } => format!("Retry run {run}?"),
            Confirm::Retry {
                run,
                from: Some(task),
            } => format!("Retry run {run} from `{task}`?"),
        };
        popup(
            frame,
            "confirm",
            vec![
                Line::from(question),
                Line::from(""),
                Line::from("y: yes    n/Esc: no"),
            ],
        );
    } else if let Some(dialog) = &state.start {
        render_start(dialog, frame);
    } else if state.help {
        let lines = keymap
            .help()
            .into_iter()
            .map(|(k, what)| {
                Line::from(vec![
                    Span::styled(
                        format!("{k:>10}  "),
                        Style::new().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(what),
                ])
            })
            .collect();
        popup(frame, "keys (? or Esc closes)", lines);
    }
}

fn render_top(state: &State, frame: &mut Frame, area: Rect) {
    let line = match &state.daemon {
        DaemonState::Connecting => Line::from("weft dash · connecting to the daemon…"),
        DaemonState::Connected { version } => {
            let active = state
                .runs
                .iter()
                .filter(|r| !r.status.is_terminal())
                .count();
            Line::from(vec![
                Span::styled("weft dash", Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(format!(
                    " · daemon {version} · {} runs{} · {active} going",
                    state.runs.len(),
                    if state.runs_complete { "" } else { "+" }
                )),
            ])
        }
        DaemonState::Lost { error } => Line::from(Span::styled(
            format!(" daemon lost: {error} · reconnecting… "),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        )),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn render_bottom(state: &State, keymap: &Keymap, frame: &mut Frame, area: Rect) {
    // Built from the keymap, so a rebound key is shown as it is bound; a
    // finished run is not offered to be cancelled.
    let finished = state.target_status().is_some_and(|s| s.is_terminal());
    let hint = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .filter(|(what, _)| !(finished && *what == "cancel run"))
            .filter_map(|(what, label)| keymap.key_for(what).map(|k| format!("{k} {label}")))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let typing_search = state.typing_search();
    let keys = if state.confirm.is_some() {
        "y yes · n no".to_string()
    } else if state.start.is_some() {
        "↑/↓ choose · Enter start · Esc back".to_string()
    } else if state.filtering {
        "type to filter · Enter/Esc done · Backspace erase".to_string()
    } else if typing_search {
        "type to search · Enter done · Backspace erase".to_string()
    } else if state.term.as_ref().is_some_and(|t| t.focused) && state.view == View::Terminal {
        format!(
            "{} releases the keys · everything else goes to the task",
            keymap.detach_name()
        )
    } else {
        match state.view {
            View::Runs => hint(&[
                ("down", "select"),
                ("open run", "open"),
                ("filter", "filter"),
                ("status filter", "status"),
                ("sort", "sort"),
                ("start a workflow", "new"),
                ("cancel run", "cancel"),
                ("retry (from the selected task)", "retry"),
                ("help", "help"),
                ("quit", "quit"),
            ]),
            View::Run => hint(&[
                ("down", "task"),
                ("open the task's log", "log"),
                ("open the task's terminal", "terminal"),
                ("graph or timeline", "timeline"),
                ("jump to the failed task", "failed task"),
                ("retry (from the selected task)", "retry from task"),
                ("cancel run", "cancel"),
                ("back", "back"),
                ("help", "help"),
            ]),
            View::Log => hint(&[
                ("down", "scroll"),
                ("filter", "search"),
                ("next match", "next"),
                ("wrap long lines", "wrap"),
                ("follow the end of the log", "follow"),
                ("back", "back"),
                ("help", "help"),
            ]),
            View::Terminal => hint(&[
                ("open run", "type into it"),
                ("next interactive task", "next terminal"),
                ("back", "back to the tasks"),
                ("help", "help"),
            ]),
        }
    };
    let mut spans = vec![Span::styled(keys, Style::new().fg(Color::DarkGray))];
    if let Some(notice) = &state.notice {
        spans.insert(
            0,
            Span::styled(
                format!("{notice} · "),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        );
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn popup(frame: &mut Frame, title: &str, lines: Vec<Line<'_>>) {
    let area = frame.area();
    let width = (lines.iter().map(Line::width).max().unwrap_or(20) as u16 + 4)
        .max(title.len() as u16 + 6)
        .min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" {title} "))),
        rect,
    );
}
