//! Drawing the state: a pure function of `&State` (and the keymap, for the
//! help). Statuses have a symbol and a word, so they read without colour.

use super::keymap::Keymap;
use super::state::{Confirm, DaemonState, LogView, RunPane, StartDialog, State, View};
use crate::model::{RunStatus, TaskStatus, format_duration_ms};
use crate::store::Stream;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};

fn run_status(s: RunStatus) -> (&'static str, Color) {
    match s {
        RunStatus::Queued => ("◌ queued", Color::DarkGray),
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

fn render_runs(state: &State, frame: &mut Frame, area: Rect) {
    let shown = state.shown.len();
    let mut title = format!(" runs ({shown}");
    if shown != state.runs.len() {
        title.push_str(&format!(" of {}", state.runs.len()));
    }
    title.push_str(&format!(") · {}", state.sort.label()));
    if let Some(s) = state.status_filter {
        title.push_str(&format!(" · status: {s}"));
    }
    if !state.filter.is_empty() || state.filtering {
        title.push_str(&format!(
            " · filter: {}{}",
            state.filter,
            if state.filtering { "▏" } else { "" }
        ));
    }
    title.push(' ');
    // Only the rows in view are built, however many runs there are.
    let height = area.height.saturating_sub(2) as usize;
    let rows = state
        .shown
        .iter()
        .skip(state.list_top)
        .take(height)
        .map(|&i| {
            let r = &state.runs[i];
            let (word, color) = if state.is_waiting(&r.id, None) {
                ("⌨ needs input", Color::Magenta)
            } else {
                run_status(r.status)
            };
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
    let mut table_state = TableState::default()
        .with_selected((shown > 0).then_some(state.selected.saturating_sub(state.list_top)));
    frame.render_stateful_widget(table, area, &mut table_state);
    if shown == 0 {
        let text = if state.runs.is_empty() {
            "no runs yet: start one with n, or `weft submit FILE`"
        } else {
            "no run matches the filter (Esc clears it)"
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

fn task_cell(d: &crate::store::RunDetail, i: usize) -> (String, Color) {
    let (word, color) = task_status(d.tasks[i].status);
    let symbol = word.split(' ').next().unwrap_or("");
    let mark = if d.tasks[i].interactive { " ⌨" } else { "" };
    (format!("{symbol} {}{mark}", d.tasks[i].name), color)
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
    let width = area.width as usize;
    let (pane_title, pane) = match state.pane {
        RunPane::Graph => (
            " graph (t: timeline) ",
            super::graph::lines(d, width, &|i| task_cell(d, i)),
        ),
        RunPane::Timeline => (
            " timeline (t: graph) ",
            super::timeline::lines(d, state.now, width),
        ),
    };
    let pane_height = (pane.len() as u16 + 1).min(area.height / 2).max(2);
    let [head, pane_area, lower] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(pane_height),
        Constraint::Min(2),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(pane).block(Block::new().borders(Borders::TOP).title(pane_title)),
        pane_area,
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
    let (tasks_area, side) = if lower.width >= 120 {
        let [a, b] = Layout::horizontal([Constraint::Min(60), Constraint::Length(36)]).areas(lower);
        (a, Some(b))
    } else {
        (lower, None)
    };
    let rows = d.tasks.iter().map(|t| {
        let (word, color) = task_status(t.status);
        let running_end = (t.finished_at.is_none() && t.started_at.is_some()).then_some(state.now);
        let note = match (&t.reused_from, &t.reason) {
            (Some(from), _) => format!("reused from {from}"),
            (None, Some(reason)) => reason.clone(),
            _ if t.interactive && state.is_waiting(&r.id, Some(&t.name)) => {
                "waiting for input: a opens its terminal".into()
            }
            _ if t.interactive => "interactive: a opens its terminal".into(),
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
    frame.render_stateful_widget(table, tasks_area, &mut table_state);
    if let (Some(side), Some(t)) = (side, d.tasks.get(state.task_selected)) {
        let dim = Style::new().fg(Color::DarkGray);
        let mut lines = vec![Line::styled(
            format!("needs: {}", {
                let n: Vec<String> = t.needs.iter().map(ToString::to_string).collect();
                if n.is_empty() {
                    "-".into()
                } else {
                    n.join(", ")
                }
            }),
            dim,
        )];
        lines.push(Line::styled(
            "outputs:",
            Style::new().add_modifier(Modifier::BOLD),
        ));
        if t.outputs.is_empty() {
            lines.push(Line::styled("  -", dim));
        }
        for (k, v) in &t.outputs {
            lines.push(Line::from(format!("  {k} = {v}")));
        }
        lines.push(Line::styled(
            "attempts:",
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for a in &t.attempts {
            let how = match &a.outcome {
                None => "running".to_string(),
                Some(o) => o.describe(),
            };
            let end = a.finished_at.or(Some(state.now));
            lines.push(Line::from(format!(
                "  #{} {how} · {}",
                a.attempt,
                span(Some(a.started_at), end)
            )));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(
                    Block::new()
                        .borders(Borders::TOP | Borders::LEFT)
                        .title(format!(" {} ", t.name)),
                )
                .wrap(Wrap { trim: false }),
            side,
        );
    }
}

/// A log line's base style, by the stream it came from.
fn stream_style(stream: Stream) -> Style {
    match stream {
        Stream::Stdout | Stream::Terminal => Style::new(),
        Stream::Stderr => Style::new().fg(Color::Yellow),
        Stream::Weft => Style::new().fg(Color::DarkGray),
    }
}

fn log_line(log: &LogView, i: usize) -> Line<'static> {
    let entry = &log.lines[i];
    let mut spans = super::ansi::spans(&entry.text, stream_style(entry.stream));
    if entry.stream == Stream::Weft {
        spans.insert(0, Span::styled("weft: ", stream_style(Stream::Weft)));
    }
    let mut line = Line::from(spans);
    if let Some(search) = &log.search
        && let Ok(k) = search.matches.binary_search(&i)
    {
        line = line.style(if k == search.current {
            Style::new()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        });
    }
    line
}

fn render_log(state: &State, frame: &mut Frame, area: Rect) {
    let Some(log) = &state.log else { return };
    let mut title = format!(
        " log · {} · attempt {} · {} lines",
        log.task,
        log.attempt,
        log.dropped + log.lines.len()
    );
    if log.dropped > 0 {
        title.push_str(&format!(
            " (the first {} not kept: `weft logs`)",
            log.dropped
        ));
    }
    if log.follow {
        title.push_str(" · following");
    }
    if log.wrap {
        title.push_str(" · wrap");
    }
    if let Some(search) = &log.search {
        title.push_str(&format!(
            " · /{}{} {}",
            search.query,
            if search.typing { "▏" } else { "" },
            if search.matches.is_empty() {
                if search.query.is_empty() {
                    String::new()
                } else {
                    "no match".into()
                }
            } else {
                format!("{}/{}", search.current + 1, search.matches.len())
            }
        ));
    }
    title.push(' ');
    let block = Block::new().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    let height = inner.height as usize;
    if log.lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                if log.loading {
                    "(loading…)"
                } else {
                    "(no output yet)"
                },
                Style::new().fg(Color::DarkGray),
            ))
            .block(block),
            area,
        );
        return;
    }
    let lines: Vec<Line> = if log.wrap && log.follow {
        // From the end backwards, as many lines as fill the pane wrapped.
        // (A line wraps at words, so it may take more rows than its
        // width says: the paragraph counts them exactly.)
        let width = inner.width.max(1) as usize;
        let mut rows = 0;
        let mut out = Vec::new();
        for i in (0..log.lines.len()).rev() {
            let line = log_line(log, i);
            rows += line.width().div_ceil(width).max(1);
            out.push(line);
            if rows >= height {
                break;
            }
        }
        out.reverse();
        let paragraph = Paragraph::new(out).wrap(Wrap { trim: false });
        let overflow = paragraph.line_count(inner.width).saturating_sub(height) as u16;
        frame.render_widget(paragraph.scroll((overflow, 0)).block(block), area);
        return;
    } else {
        (log.top..log.lines.len().min(log.top + height))
            .map(|i| log_line(log, i))
            .collect()
    };
    let mut paragraph = Paragraph::new(lines).block(block);
    if log.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

fn render_terminal(state: &State, frame: &mut Frame, area: Rect) {
    let Some(term) = &state.term else { return };
    let how = match (&term.ended, term.focused) {
        (Some(why), _) => format!("ended: {why}"),
        (None, true) => "keys go to the task".into(),
        (None, false) => "keys are the dashboard's (Enter: type into it)".into(),
    };
    let title = format!(" terminal · {} · {how} ", term.task);
    let style = if term.focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, style));
    match &term.screen {
        Some(screen) => {
            let widget = tui_term::widget::PseudoTerminal::new(screen.0.as_ref()).block(block);
            frame.render_widget(widget, area);
        }
        None => frame.render_widget(
            Paragraph::new(Line::styled(
                "connecting…",
                Style::new().fg(Color::DarkGray),
            ))
            .block(block),
            area,
        ),
    }
}

fn render_start(dialog: &StartDialog, frame: &mut Frame) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines = Vec::new();
    match &dialog.form {
        None => {
            if dialog.workflows.is_empty() {
                lines.push(Line::styled(
                    "no known workflows: list folders under `workflow_dirs` in config.yaml",
                    dim,
                ));
            }
            for (i, w) in dialog.workflows.iter().enumerate() {
                let marker = if i == dialog.selected { "› " } else { "  " };
                let mut spans = vec![
                    Span::raw(marker),
                    Span::styled(
                        w.name.clone(),
                        if i == dialog.selected {
                            bold.add_modifier(Modifier::REVERSED)
                        } else {
                            bold
                        },
                    ),
                    Span::styled(format!("  {}", w.file), dim),
                ];
                if w.problem.is_some() {
                    spans.push(Span::styled("  invalid", Style::new().fg(Color::Red)));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled("Enter: start · Esc: close", dim));
        }
        Some(form) => {
            let w = &dialog.workflows[dialog.selected];
            lines.push(Line::styled(format!("start {}", w.name), bold));
            lines.push(Line::from(""));
            for (i, ((name, value), (_, required, _))) in form.iter().zip(&w.params).enumerate() {
                let cursor = if i == dialog.field { "▏" } else { "" };
                lines.push(Line::from(vec![
                    Span::raw(if i == dialog.field { "› " } else { "  " }),
                    Span::styled(
                        format!("{name}{}: ", if *required { "*" } else { "" }),
                        bold,
                    ),
                    Span::raw(format!("{value}{cursor}")),
                ]));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Tab/↓ next · Enter: start · Esc: back (* required)",
                dim,
            ));
        }
    }
    if let Some(error) = &dialog.error {
        lines.push(Line::styled(error.clone(), Style::new().fg(Color::Red)));
    }
    popup(frame, "start a workflow", lines);
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
