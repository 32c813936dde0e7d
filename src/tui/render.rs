//! Drawing the state: a pure function of `&State` (and the keymap, for the
//! help). Statuses have a symbol and a word, so they read without colour.

use super::keymap::Keymap;
use super::state::{Confirm, DaemonState, State, View};
use crate::model::{RunStatus, TaskStatus, format_duration_ms};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};

fn run_status(s: RunStatus) -> (&'static str, Color) {
    match s {
        RunStatus::Running => ("● running", Color::Cyan),
        RunStatus::Paused => ("‖ paused", Color::Yellow),
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

pub fn render(state: &State, keymap: &Keymap, frame: &mut Frame) {
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_top(state, frame, top);
    match state.view {
        View::Runs => render_runs(state, frame, main),
        View::Run => render_run(state, frame, main),
        View::Log => render_log(state, frame, main),
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
        DaemonState::Connected { version } => Line::from(vec![
            Span::styled("weft dash", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" · daemon {version} · {} runs", state.runs.len())),
        ]),
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

fn render_runs(state: &State, frame: &mut Frame, area: Rect) {
    let visible = state.visible_runs();
    let title = if state.filter.is_empty() && !state.filtering {
        format!(" runs ({}) ", visible.len())
    } else {
        format!(
            " runs ({} of {}) · filter: {}{} ",
            visible.len(),
            state.runs.len(),
            state.filter,
            if state.filtering { "▏" } else { "" }
        )
    };
    let rows = visible.iter().map(|r| {
        let (word, color) = run_status(r.status);
        let end = r
            .finished_at
            .or((!r.status.is_terminal()).then_some(state.now));
        Row::new(vec![
            Span::styled(word, Style::new().fg(color)),
            Span::raw(r.workflow.clone()),
            Span::raw(r.id.to_string()),
            Span::raw(age(state.now, r.created_at)),
            Span::raw(span(Some(r.created_at), end)),
            Span::raw(format!("{}/{}", r.tasks_done, r.tasks_total)),
            Span::raw(r.trigger.to_string()),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Min(12),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(8),
        ],
    )
    .header(
        Row::new([
            "STATUS", "WORKFLOW", "ID", "STARTED", "TOOK", "TASKS", "TRIGGER",
        ])
        .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .block(Block::new().borders(Borders::TOP).title(title))
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .highlight_symbol("› ");
    let mut table_state =
        TableState::default().with_selected((!visible.is_empty()).then_some(state.selected));
    frame.render_stateful_widget(table, area, &mut table_state);
    if visible.is_empty() {
        let text = if state.runs.is_empty() {
            "no runs yet: start one with `weft submit FILE`"
        } else {
            "no run matches the filter"
        };
        let inner = Rect {
            y: area.y + 2,
            height: 1,
            ..area
        };
        frame.render_widget(
            Paragraph::new(text).style(Style::new().fg(Color::DarkGray)),
            inner,
        );
    }
}

fn render_run(state: &State, frame: &mut Frame, area: Rect) {
    let Some(d) = &state.detail else {
        frame.render_widget(
            Paragraph::new("loading…").block(Block::new().borders(Borders::TOP)),
            area,
        );
        return;
    };
    let r = &d.summary;
    let (word, color) = run_status(r.status);
    let end = r
        .finished_at
        .or((!r.status.is_terminal()).then_some(state.now));
    let graph = graph_lines(d);
    let graph_height = (graph.len() as u16 + 1).min(7);
    let [head, graph_area, tasks] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(graph_height),
        Constraint::Min(2),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(graph).block(Block::new().borders(Borders::TOP).title(" graph ")),
        graph_area,
    );
    let params = d
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let head_lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", r.workflow),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("{} ", r.id)),
            Span::styled(word, Style::new().fg(color)),
            Span::raw(format!(
                " · {} · took {} · {}",
                age(state.now, r.created_at),
                span(Some(r.created_at), end),
                r.trigger
            )),
        ]),
        Line::from(format!(
            "params: {}",
            if params.is_empty() {
                "-".to_string()
            } else {
                params
            }
        )),
    ];
    frame.render_widget(
        Paragraph::new(head_lines)
            .block(Block::new().borders(Borders::TOP).title(" run "))
            .wrap(Wrap { trim: true }),
        head,
    );
    let rows = d.tasks.iter().map(|t| {
        let (word, color) = task_status(t.status);
        let running_end = (t.finished_at.is_none() && t.started_at.is_some()).then_some(state.now);
        let note = match (&t.reused_from, &t.reason) {
            (Some(from), _) => format!("reused from {from}"),
            (None, Some(reason)) => reason.clone(),
            _ => t
                .outputs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        };
        Row::new(vec![
            Span::raw(t.name.to_string()),
            Span::styled(word, Style::new().fg(color)),
            Span::raw(t.attempts.len().to_string()),
            Span::raw(t.exit_code().map_or("-".into(), |c| c.to_string())),
            Span::raw(span(t.started_at, t.finished_at.or(running_end))),
            Span::raw(note),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(["TASK", "STATUS", "ATTEMPTS", "EXIT", "TOOK", "NOTE"])
            .style(Style::new().add_modifier(Modifier::BOLD)),
    )
    .block(Block::new().borders(Borders::TOP).title(" tasks "))
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .highlight_symbol("› ");
    let mut table_state =
        TableState::default().with_selected((!d.tasks.is_empty()).then_some(state.task_selected));
    frame.render_stateful_widget(table, tasks, &mut table_state);
}

fn render_log(state: &State, frame: &mut Frame, area: Rect) {
    use crate::store::Stream;
    let Some(log) = &state.log else { return };
    let title = format!(
        " log · {} · attempt {} · {} lines{} ",
        log.task,
        log.attempt,
        log.lines.len(),
        if log.follow { " · following" } else { "" }
    );
    let height = area.height.saturating_sub(1) as usize;
    let lines: Vec<Line> = log
        .lines
        .iter()
        .skip(log.top)
        .take(height)
        .map(|l| match l.stream {
            Stream::Stdout => Line::raw(l.text.clone()),
            Stream::Stderr => Line::styled(l.text.clone(), Style::new().fg(Color::Yellow)),
            Stream::Weft => Line::styled(
                format!("weft: {}", l.text),
                Style::new().fg(Color::DarkGray),
            ),
            Stream::Terminal => Line::raw(crate::store::strip_escapes(&l.text)),
        })
        .collect();
    let body = if lines.is_empty() {
        vec![Line::styled(
            "(no output yet)",
            Style::new().fg(Color::DarkGray),
        )]
    } else {
        lines
    };
    frame.render_widget(
        Paragraph::new(body).block(Block::new().borders(Borders::TOP).title(title)),
        area,
    );
}

/// The tasks by level, left to right (a task is one level right of the
/// last task it needs), each with its status symbol; arrows lead from one
/// level to the next.
fn graph_lines(d: &crate::store::RunDetail) -> Vec<Line<'static>> {
    let n = d.tasks.len();
    let mut level = vec![0usize; n];
    // Longest path from a root; n rounds settle any order the file used.
    for _ in 0..n {
        for (i, t) in d.tasks.iter().enumerate() {
            level[i] = t
                .needs
                .iter()
                .filter_map(|need| d.tasks.iter().position(|o| &o.name == need))
                .map(|j| level[j] + 1)
                .max()
                .unwrap_or(0);
        }
    }
    let depth = level.iter().copied().max().map_or(0, |m| m + 1);
    let columns: Vec<Vec<usize>> = (0..depth)
        .map(|l| (0..n).filter(|&i| level[i] == l).collect())
        .collect();
    let cell = |i: usize| {
        let (word, color) = task_status(d.tasks[i].status);
        let symbol = word.split(' ').next().unwrap_or("");
        (format!("{symbol} {}", d.tasks[i].name), color)
    };
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| cell(i).0.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for (c, column) in columns.iter().enumerate() {
                if c > 0 {
                    spans.push(Span::styled(
                        if r == 0 { " ──▶ " } else { "     " },
                        Style::new().fg(Color::DarkGray),
                    ));
                }
                let (text, color) = column.get(r).map(|&i| cell(i)).unwrap_or_default();
                let pad = widths[c].saturating_sub(text.chars().count());
                spans.push(Span::styled(text, Style::new().fg(color)));
                spans.push(Span::raw(" ".repeat(pad)));
            }
            Line::from(spans)
        })
        .collect()
}

fn render_bottom(state: &State, keymap: &Keymap, frame: &mut Frame, area: Rect) {
    // Built from the keymap, so a rebound key is shown as it is bound.
    let hint = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .filter_map(|(what, label)| keymap.key_for(what).map(|k| format!("{k} {label}")))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let keys = if state.confirm.is_some() {
        "y yes · n no".to_string()
    } else if state.filtering {
        "type to filter · Enter/Esc done · Backspace erase".to_string()
    } else {
        match state.view {
            View::Runs => hint(&[
                ("down", "select"),
                ("open run", "open"),
                ("filter", "filter"),
                ("cancel run", "cancel"),
                ("retry (from the selected task)", "retry"),
                ("pause", "pause"),
                ("resume", "resume"),
                ("help", "help"),
                ("quit", "quit"),
            ]),
            View::Run => hint(&[
                ("down", "task"),
                ("open the task's log", "log"),
                ("back", "back"),
                ("jump to the failed task", "failed task"),
                ("retry (from the selected task)", "retry from task"),
                ("cancel run", "cancel"),
                ("help", "help"),
            ]),
            View::Log => hint(&[
                ("down", "scroll"),
                ("follow the end of the log", "follow"),
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
    let width = (lines.iter().map(Line::width).max().unwrap_or(20) as u16 + 4).min(area.width);
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
