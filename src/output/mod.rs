//! Presentation for the command line: colours (only on a TTY, never with
//! `NO_COLOR`), tables, times, and the live progress of a run.

mod progress;
mod table;
mod task_lines;
mod transcript;

pub use progress::{Progress, ProgressMode};
pub use table::Table;
pub use task_lines::TaskLines;
pub use transcript::Transcript;

use crate::model::{Millis, RunStatus, TaskStatus};

/// Whether and how to colour text.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn ok(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn bad(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn warn(&self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }

    pub fn run_status(&self, s: RunStatus) -> String {
        match s {
            RunStatus::Succeeded => self.ok(s.as_str()),
            RunStatus::Failed | RunStatus::Interrupted => self.bad(s.as_str()),
            RunStatus::Cancelled => self.warn(s.as_str()),
            RunStatus::Running => self.paint("36", s.as_str()),
            RunStatus::Paused | RunStatus::Suspended => self.warn(s.as_str()),
            RunStatus::Queued => self.dim(s.as_str()),
        }
    }

    pub fn task_status(&self, s: TaskStatus) -> String {
        match s {
            TaskStatus::Succeeded => self.ok(s.as_str()),
            TaskStatus::Failed | TaskStatus::Interrupted => self.bad(s.as_str()),
            TaskStatus::Cancelled | TaskStatus::Retrying => self.warn(s.as_str()),
            TaskStatus::Skipped | TaskStatus::Pending => self.dim(s.as_str()),
            TaskStatus::Running => self.paint("36", s.as_str()),
        }
    }
}

/// A local date and time for tables: `2026-11-22 14:03:07`.
pub fn local_time(ms: Millis) -> String {
    local(ms, "%Y-%m-%d %H:%M:%S")
}

/// Time of day for progress lines: `14:03:07`.
pub fn clock(ms: Millis) -> String {
    local(ms, "%H:%M:%S")
}

fn local(ms: Millis, format: &str) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format(format).to_string())
        .unwrap_or_else(|| "-".into())
}

/// A duration between two times, or `-`.
pub fn span(from: Option<Millis>, to: Option<Millis>) -> String {
    match (from, to) {
        (Some(a), Some(b)) if b >= a => crate::model::format_duration_ms((b - a) as u64),
        _ => "-".into(),
    }
}
