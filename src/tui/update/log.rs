//! A task's log in the dashboard: opening and leaving it, pieces as they
//! arrive, the bound on what is kept, following, wrapping and searching it.

use super::super::action::{Effect, LogPiece};
use super::super::state::{LogView, State, View};

/// A log view keeps the last this many bytes of text (a task writing
/// 50 MB/s must not grow the dashboard without end).
pub const LOG_KEPT: usize = 12 << 20;

/// Opens the selected task's log, in the run view.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    match (&state.open, state.selected_task()) {
        (Some(run), Some(task)) if state.view == View::Run => {
            let run = run.clone();
            state.view = View::Log;
            state.log = Some(LogView {
                task: task.clone(),
                attempt: 0,
                lines: Vec::new(),
                kept: 0,
                dropped: 0,
                offset: 0,
                loading: true,
                top: 0,
                follow: true,
                wrap: false,
                search: None,
            });
            vec![Effect::LoadLog {
                run,
                task,
                offset: 0,
            }]
        }
        _ => Vec::new(),
    }
}

/// Esc in the log: clears the search first, then goes back to the run.
pub(super) fn back(state: &mut State) -> Vec<Effect> {
    if state.log.as_ref().is_some_and(|l| l.search.is_some()) {
        // Esc first clears the search.
        if let Some(log) = &mut state.log {
            log.search = None;
        }
        return Vec::new();
    }
    state.view = View::Run;
    state.log = None;
    Vec::new()
}

pub(super) fn follow(state: &mut State) -> Vec<Effect> {
    let height = state.log_height;
    if let Some(log) = &mut state.log {
        log.follow = true;
        log.top = log.lines.len().saturating_sub(height);
    }
    Vec::new()
}

pub(super) fn toggle_wrap(state: &mut State) -> Vec<Effect> {
    if let Some(log) = &mut state.log {
        log.wrap = !log.wrap;
        state.notice = Some(
            if log.wrap {
                "wrapping long lines"
            } else {
                "cutting long lines"
            }
            .into(),
        );
    }
    Vec::new()
}

/// The next (or, not `forward`, the previous) match of the search.
pub(super) fn next_match(state: &mut State, forward: bool) -> Vec<Effect> {
    let height = state.log_height;
    if let Some(log) = &mut state.log
        && let Some(search) = &mut log.search
        && !search.matches.is_empty()
    {
        let n = search.matches.len();
        search.current = if forward {
            (search.current + 1) % n
        } else {
            (search.current + n - 1) % n
        };
        show_line(log, search_line(log), height);
    }
    Vec::new()
}

pub(super) fn failed(state: &mut State, why: String) -> Vec<Effect> {
    if let Some(log) = &mut state.log {
        log.loading = false;
    }
    state.notice = Some(why);
    Vec::new()
}

pub(super) fn log_loaded(
    state: &mut State,
    task: crate::model::TaskName,
    from: u64,
    chunk: LogPiece,
) -> Vec<Effect> {
    let height = state.log_height;
    let Some(run) = state.open.clone() else {
        return Vec::new();
    };
    let Some(log) = state.log.as_mut().filter(|l| l.task == task) else {
        return Vec::new();
    };
    log.loading = false;
    if chunk.attempt != log.attempt {
        // A new attempt: its own log, from the start.
        if from != 0 {
            return Vec::new();
        }
        log.attempt = chunk.attempt;
        log.lines.clear();
        log.kept = 0;
        log.dropped = 0;
        log.top = 0;
        if let Some(search) = &mut log.search {
            search.matches.clear();
            search.current = 0;
        }
    } else if from != log.offset {
        // An answer to a read already answered: drop it.
        return Vec::new();
    }
    let first_new = log.lines.len();
    let got = chunk.lines.len();
    log.kept += chunk.lines.iter().map(|l| l.text.len()).sum::<usize>();
    log.lines.extend(chunk.lines);
    if let Some(search) = &mut log.search
        && !search.query.is_empty()
    {
        for (i, line) in log.lines.iter().enumerate().skip(first_new) {
            if matches(&line.text, &search.query) {
                search.matches.push(i);
            }
        }
    }
    if log.kept > LOG_KEPT {
        forget_oldest(log);
    }
    log.offset = chunk.next_offset;
    if log.follow {
        log.top = log.lines.len().saturating_sub(height);
    }
    if chunk.more {
        // More is waiting: read on at once rather than at the next tick.
        log.loading = true;
        return vec![Effect::LoadLog {
            run,
            task,
            offset: log.offset,
        }];
    }
    if got > 0 && log.follow {
        // A log being written: look again soon, not at the next tick.
        log.loading = true;
        return vec![Effect::LoadLogSoon {
            run,
            task,
            offset: log.offset,
        }];
    }
    Vec::new()
}

/// Drops the oldest lines of a log view down to three quarters of what it
/// may keep (a quarter at a time, so the cost is spread thin).
fn forget_oldest(log: &mut LogView) {
    let mut n = 0;
    while log.kept > LOG_KEPT / 4 * 3 && n < log.lines.len() {
        log.kept -= log.lines[n].text.len();
        n += 1;
    }
    log.lines.drain(..n);
    log.dropped += n;
    log.top = log.top.saturating_sub(n);
    if let Some(search) = &mut log.search {
        let before = search.matches.len();
        search.matches.retain(|&i| i >= n);
        for i in &mut search.matches {
            *i -= n;
        }
        let gone = before - search.matches.len();
        search.current = search
            .current
            .saturating_sub(gone)
            .min(search.matches.len().saturating_sub(1));
    }
}

/// The log, when its search query is being typed.
pub(super) fn searching(state: &mut State) -> Option<&mut LogView> {
    if state.view != View::Log {
        return None;
    }
    state
        .log
        .as_mut()
        .filter(|l| l.search.as_ref().is_some_and(|s| s.typing))
}

/// Recomputes the matches of the log search and shows the first match at
/// or below the top line.
pub(super) fn research(state: &mut State) {
    let height = state.log_height;
    let Some(log) = &mut state.log else { return };
    let Some(search) = &mut log.search else {
        return;
    };
    search.matches = if search.query.is_empty() {
        Vec::new()
    } else {
        log.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches(&l.text, &search.query))
            .map(|(i, _)| i)
            .collect()
    };
    search.current = search
        .matches
        .iter()
        .position(|&i| i >= log.top)
        .unwrap_or(0);
    if !search.matches.is_empty() {
        show_line(log, search_line(log), height);
    }
}

/// Whether a log line contains the query, ignoring case (without
/// allocating for ASCII queries: a long log is searched on every key).
fn matches(text: &str, query: &str) -> bool {
    if query.is_ascii() {
        let q = query.as_bytes();
        text.as_bytes()
            .windows(q.len())
            .any(|w| w.eq_ignore_ascii_case(q))
    } else {
        text.to_lowercase().contains(&query.to_lowercase())
    }
}

fn search_line(log: &LogView) -> usize {
    log.search
        .as_ref()
        .and_then(|s| s.matches.get(s.current).copied())
        .unwrap_or(log.top)
}

/// Scrolls so that `line` is in view (a third of the way down) and stops
/// following.
fn show_line(log: &mut LogView, line: usize, height: usize) {
    if line < log.top || line >= log.top + height {
        log.top = line.saturating_sub(height / 3);
    }
    log.follow = false;
}
