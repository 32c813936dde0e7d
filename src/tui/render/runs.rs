//! The runs list: only the rows in view are built, however many runs.

use super::super::state::State;
use super::{age, run_status, span};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

pub(super) fn render_runs(state: &State, frame: &mut Frame, area: Rect) {
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
