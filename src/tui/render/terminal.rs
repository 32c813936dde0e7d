//! The embedded terminal of an interactive task (tui-term over the screen
//! the daemon's stream drew).

use super::super::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub(super) fn render_terminal(state: &State, frame: &mut Frame, area: Rect) {
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
                if term.ended.is_some() {
                    "no screen to show: l opens the task's log"
                } else {
                    "connecting…"
                },
                Style::new().fg(Color::DarkGray),
            ))
            .block(block),
            area,
        ),
    }
}
