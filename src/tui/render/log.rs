//! A task's log: its colours, search matches, wrapping and following.

use super::super::state::{LogView, State};
use crate::logs::Stream;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

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
    let mut spans = super::super::ansi::spans(&entry.text, stream_style(entry.stream));
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

pub(super) fn render_log(state: &State, frame: &mut Frame, area: Rect) {
    let Some(log) = &state.log else { return };
    let count = log.dropped + log.lines.len();
    let mut title = format!(
        " log · {} · attempt {} · {count} {}",
        log.task,
        log.attempt,
        if count == 1 { "line" } else { "lines" }
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
