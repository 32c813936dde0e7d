//! One run: header, graph or timeline, task table and the selected task's pane.

use super::super::state::{RunPane, State};
use super::{age, run_status, span, task_status};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

fn task_cell(d: &crate::model::RunDetail, i: usize) -> (String, Color) {
    let (word, color) = task_status(d.tasks[i].status);
    let symbol = word.split(' ').next().unwrap_or("");
    let mark = if d.tasks[i].interactive { " ⌨" } else { "" };
    (format!("{symbol} {}{mark}", d.tasks[i].name), color)
}

pub(super) fn render_run(state: &State, frame: &mut Frame, area: Rect) {
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
            super::super::graph::lines(d, width, &|i| task_cell(d, i)),
        ),
        RunPane::Timeline => (
            " timeline (t: graph) ",
            super::super::timeline::lines(d, state.now, width),
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
            _ if t.waiting.is_some() => t.status_text(),
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
