//! The live view of a run, a consumer of its events: indicatif bars on a
//! TTY (a line per running task with its elapsed time, an overall bar),
//! plain timestamped lines otherwise, JSON lines with `--json`, or nothing.

use super::{Style, clock};
use crate::model::{EventKind, Millis, RunEvent, RunStatus, TaskStatus, format_duration_ms};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    Tty,
    Plain,
    Json,
    Quiet,
}

pub struct Progress {
    mode: ProgressMode,
    style: Style,
    total: u64,
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    bars: HashMap<String, ProgressBar>,
    started: HashMap<String, Millis>,
    run_started: Option<Millis>,
    counts: HashMap<TaskStatus, u32>,
    last_failure: HashMap<String, String>,
    /// While a task has the terminal: nothing is drawn, lines wait here.
    held: Option<Vec<String>>,
    /// Lines left out of `held` because it was full.
    held_dropped: u64,
}

/// The most lines kept while a task has the terminal (other tasks' output
/// meanwhile); the rest are counted and are in the logs.
const HELD_MAX: usize = 10_000;

impl Progress {
    /// `total` tasks to run; `already_done` of them are reused from an earlier run.
    pub fn new(mode: ProgressMode, style: Style, total: usize, already_done: usize) -> Progress {
        let (multi, overall) = if mode == ProgressMode::Tty {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
            let bar = multi.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template("{bar:32.cyan/blue} {pos}/{len} tasks  {elapsed}")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_position(already_done as u64);
            bar.enable_steady_tick(Duration::from_millis(200));
            (Some(multi), Some(bar))
        } else {
            (None, None)
        };
        Progress {
            mode,
            style,
            total: total as u64,
            multi,
            overall,
            bars: HashMap::new(),
            started: HashMap::new(),
            run_started: None,
            counts: HashMap::new(),
            last_failure: HashMap::new(),
            held: None,
            held_dropped: 0,
        }
    }

    /// Prints lines of task output (formatted by `TaskLines`) above the
    /// bars without tearing them; held while a task has the terminal.
    pub fn print_lines(&mut self, lines: &[String]) -> io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        if let Some(held) = &mut self.held {
            for line in lines {
                if held.len() < HELD_MAX {
                    held.push(line.clone());
                } else {
                    self.held_dropped += 1;
                }
            }
            return Ok(());
        }
        let write = |lines: &[String]| -> io::Result<()> {
            let mut out = io::stdout().lock();
            for line in lines {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            out.flush()
        };
        match (self.mode, &self.multi) {
            (ProgressMode::Tty, Some(m)) => m.suspend(|| write(lines)),
            (ProgressMode::Tty | ProgressMode::Plain, _) => write(lines),
            _ => Ok(()),
        }
    }

    /// Stops drawing while an interactive task has the terminal.
    pub fn hold(&mut self) {
        if let Some(m) = &self.multi {
            // Erase the bars, then draw nowhere until released.
            let _ = m.clear();
            m.set_draw_target(ProgressDrawTarget::hidden());
        }
        self.held.get_or_insert_with(Vec::new);
    }

    /// Draws again, after printing what happened meanwhile.
    pub fn release(&mut self) -> io::Result<()> {
        let mut lines = self.held.take().unwrap_or_default();
        let dropped = std::mem::take(&mut self.held_dropped);
        if dropped > 0 {
            lines.push(self.style.dim(&format!(
                "weft: {dropped} more line{} of output meanwhile; see `weft logs`",
                plural(dropped as usize)
            )));
        }
        if let Some(m) = &self.multi {
            m.set_draw_target(ProgressDrawTarget::stdout());
            m.suspend(|| -> io::Result<()> {
                let mut out = io::stdout().lock();
                for line in &lines {
                    writeln!(out, "{line}")?;
                }
                out.flush()
            })?;
        }
        Ok(())
    }

    fn say(&mut self, at: Millis, text: String) -> io::Result<()> {
        if let Some(held) = &mut self.held {
            held.push(text);
            return Ok(());
        }
        match self.mode {
            ProgressMode::Tty => {
                if let Some(m) = &self.multi {
                    m.println(text)?;
                }
                Ok(())
            }
            ProgressMode::Plain => {
                let mut out = io::stdout().lock();
                writeln!(
                    out,
                    "{} {text}",
                    self.style.dim(&format!("[{}]", clock(at)))
                )?;
                out.flush()
            }
            _ => Ok(()),
        }
    }

    pub fn on_event(&mut self, e: &RunEvent) -> io::Result<()> {
        match self.mode {
            ProgressMode::Quiet => return Ok(()),
            ProgressMode::Json => {
                let mut out = io::stdout().lock();
                serde_json::to_writer(&mut out, e)?;
                out.write_all(b"\n")?;
                return out.flush();
            }
            _ => {}
        }
        let s = self.style;
        match &e.kind {
            EventKind::RunStarted { workflow, tasks } => {
                self.run_started = Some(e.at);
                self.say(
                    e.at,
                    format!(
                        "run {} of {} started: {} task{}",
                        s.bold(e.run.as_str()),
                        s.bold(workflow),
                        tasks.len(),
                        plural(tasks.len())
                    ),
                )?;
            }
            EventKind::AttemptStarted {
                task, attempt, pid, ..
            } => {
                self.started.insert(task.to_string(), e.at);
                let try_note = if *attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                if let Some(m) = &self.multi {
                    let bar = m.insert_from_back(1, ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("  {spinner:.cyan} {prefix}  {elapsed:.dim}")
                            .expect("static template"),
                    );
                    bar.set_prefix(format!("{task}{try_note}"));
                    bar.enable_steady_tick(Duration::from_millis(100));
                    self.bars.insert(task.to_string(), bar);
                } else if let Some(pid) = pid {
                    // Attempts without a process (delays, failures to start) show when they end.
                    self.say(
                        e.at,
                        format!(
                            "{task}: started{try_note}{}",
                            s.dim(&format!(", pid {pid}"))
                        ),
                    )?;
                }
            }
            EventKind::AttemptFinished {
                task,
                attempt,
                outcome,
            } => {
                if let Some(bar) = self.bars.remove(task.as_str()) {
                    bar.finish_and_clear();
                    if let Some(m) = &self.multi {
                        m.remove(&bar);
                    }
                }
                // Shown with the retry, if one follows; the task's end says the rest.
                let took = self.took(task.as_str(), e.at);
                self.last_failure.insert(
                    task.to_string(),
                    format!(
                        "attempt {attempt} {} {}",
                        s.bad(&outcome.describe()),
                        s.dim(&took)
                    ),
                );
            }
            EventKind::TaskRetrying {
                task,
                next_attempt,
                delay_ms,
            } => {
                let failed = self.last_failure.remove(task.as_str()).unwrap_or_default();
                self.say(
                    e.at,
                    format!(
                        "{task}: {failed}; {} in {} (attempt {next_attempt})",
                        s.warn("retrying"),
                        format_duration_ms(*delay_ms)
                    ),
                )?;
            }
            EventKind::TaskFinished {
                task,
                status,
                reason,
                ..
            } => {
                *self.counts.entry(*status).or_default() += 1;
                if let Some(bar) = &self.overall {
                    bar.inc(1);
                }
                let (mark, word) = match status {
                    TaskStatus::Succeeded => (s.ok("✓"), s.ok("succeeded")),
                    TaskStatus::Failed => (s.bad("✗"), s.bad("failed")),
                    TaskStatus::Skipped => (s.dim("-"), s.dim("skipped")),
                    other => (s.warn("!"), s.warn(other.as_str())),
                };
                let detail = match (status, reason) {
                    (TaskStatus::Succeeded, _) => s.dim(&self.took(task.as_str(), e.at)),
                    (_, Some(r)) => format!("{} {}", s.dim("—"), r),
                    _ => String::new(),
                };
                let mark = if self.mode == ProgressMode::Tty {
                    format!("{mark} ")
                } else {
                    String::new()
                };
                self.say(
                    e.at,
                    format!("{mark}{task}: {word} {detail}")
                        .trim_end()
                        .to_string(),
                )?;
            }
            // A line per task held back by `-j` would drown the ones that
            // say what happened; `weft show` and the dashboard tell it.
            EventKind::TaskWaiting { .. } => {}
            EventKind::RunPaused { stopped } => {
                let how = if *stopped {
                    " (running tasks stopped)"
                } else {
                    ""
                };
                self.say(
                    e.at,
                    format!("run {} {}{how}", s.bold(e.run.as_str()), s.warn("paused")),
                )?;
            }
            EventKind::RunSuspended => {
                self.say(
                    e.at,
                    format!(
                        "run {} suspended; it resumes when the daemon starts again",
                        s.bold(e.run.as_str())
                    ),
                )?;
            }
            EventKind::RunResumed => {
                self.say(e.at, format!("run {} resumed", s.bold(e.run.as_str())))?;
            }
            EventKind::RunFinished { status } => {
                if let Some(bar) = self.overall.take() {
                    bar.finish_and_clear();
                }
                let took = self
                    .run_started
                    .map(|st| format_duration_ms((e.at - st).max(0) as u64))
                    .unwrap_or_default();
                let word = s.run_status(*status);
                let mut parts: Vec<String> = Vec::new();
                for st in [
                    TaskStatus::Succeeded,
                    TaskStatus::Failed,
                    TaskStatus::Skipped,
                    TaskStatus::Cancelled,
                ] {
                    if let Some(n) = self.counts.get(&st) {
                        parts.push(format!("{n} {st}"));
                    }
                }
                let reused = self
                    .total
                    .saturating_sub(self.counts.values().map(|&n| n as u64).sum());
                if reused > 0 && *status != RunStatus::Cancelled {
                    parts.push(format!("{reused} reused"));
                }
                let line = format!(
                    "run {} {word} in {took}: {}",
                    s.bold(e.run.as_str()),
                    parts.join(", ")
                );
                match self.mode {
                    ProgressMode::Tty => {
                        if let Some(m) = self.multi.take() {
                            let _ = m.clear();
                        }
                        println!("{line}");
                    }
                    _ => self.say(e.at, line)?,
                }
            }
        }
        Ok(())
    }

    fn took(&self, task: &str, now: Millis) -> String {
        self.started
            .get(task)
            .map(|st| format!("({})", format_duration_ms((now - st).max(0) as u64)))
            .unwrap_or_default()
    }

    /// Stop drawing (before handing the terminal to something else, or on error).
    pub fn clear(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.finish_and_clear();
        }
        if let Some(bar) = self.overall.take() {
            bar.finish_and_clear();
        }
        if let Some(m) = self.multi.take() {
            let _ = m.clear();
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
