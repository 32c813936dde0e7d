//! The dialog that starts a known workflow, asking for its params.

use super::super::state::StartDialog;
use super::popup;
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

pub(super) fn render_start(dialog: &StartDialog, frame: &mut Frame) {
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
