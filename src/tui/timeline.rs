//! A run's attempts as a Gantt chart: a row per task, a bar per attempt
//! over the run's time, coloured by how it ended.

use crate::model::RunDetail;
use crate::model::{AttemptOutcome, Millis, format_duration_ms};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

/// Lines of the chart, `width` columns wide, with `now` as the end of
/// what is still running.
pub fn lines(d: &RunDetail, now: Millis, width: usize) -> Vec<Line<'static>> {
    let name_width = d
        .tasks
        .iter()
        .map(|t| t.name.as_str().chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let bar = width.saturating_sub(name_width + 2).max(10);
    let start = d.summary.created_at;
    let end = d.summary.finished_at.unwrap_or(now).max(start + 1);
    let column = |t: Millis| -> usize {
        (((t - start).max(0) as f64 / (end - start) as f64) * bar as f64).floor() as usize
    };
    let mut out: Vec<Line<'static>> = d
        .tasks
        .iter()
        .map(|t| {
            let mut cells: Vec<(char, Color)> = vec![(' ', Color::Reset); bar];
            for a in &t.attempts {
                let from = column(a.started_at).min(bar - 1);
                let to = column(a.finished_at.unwrap_or(now)).clamp(from + 1, bar);
                let color = match &a.outcome {
                    None => Color::Cyan,
                    Some(AttemptOutcome::Exited { code: 0 }) => Color::Green,
                    Some(AttemptOutcome::Stopped) | Some(AttemptOutcome::Interrupted) => {
                        Color::Yellow
                    }
                    Some(_) => Color::Red,
                };
                for c in cells.iter_mut().take(to).skip(from) {
                    *c = ('█', color);
                }
                // Attempts side by side stay apart.
                if a.attempt > 1 && from > 0 && cells[from - 1].0 == '█' {
                    cells[from] = ('▌', color);
                }
            }
            let mut name: String = t.name.as_str().chars().take(name_width).collect();
            name.push_str(&" ".repeat(name_width + 2 - name.chars().count()));
            let mut spans = vec![Span::raw(name)];
            // Runs of one colour as one span.
            let mut i = 0;
            while i < cells.len() {
                let color = cells[i].1;
                let mut text = String::new();
                while i < cells.len() && cells[i].1 == color {
                    text.push(cells[i].0);
                    i += 1;
                }
                spans.push(Span::styled(text, Style::new().fg(color)));
            }
            Line::from(spans)
        })
        .collect();
    let total = format_duration_ms((end - start) as u64);
    let half = format_duration_ms(((end - start) / 2) as u64);
    let mut axis = format!("{:width$}0", "", width = name_width + 2);
    let mid = name_width + 2 + bar / 2;
    while axis.chars().count() < mid {
        axis.push(' ');
    }
    axis.push_str(&half);
    let right = name_width + 2 + bar - total.chars().count();
    while axis.chars().count() < right {
        axis.push(' ');
    }
    if axis.chars().count() == right {
        axis.push_str(&total);
    }
    out.push(Line::styled(axis, Style::new().fg(Color::DarkGray)));
    out
}
