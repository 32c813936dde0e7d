//! A foreground `weft run` gives this terminal to its interactive tasks,
//! one at a time, while they run (so `run: vim notes.md` simply works):
//! the progress display pauses, keys go to the task, Ctrl-] gives the
//! terminal back (the task goes on, its output still logged), and Enter
//! (a line, while the progress display shows) takes it again: the task
//! detached last that still runs, with its screen repainted. Another
//! terminal reaches the same tasks with `weft attach RUN TASK` through the
//! run's own socket (`super::run_host`).

use super::terminal::{ModeTracker, RawMode, key_reader};
use crate::exec::{PtyClient, PtyRegistry, PtySession, TermSize};
use crate::model::{EventKind, RunEvent, RunId, TaskName};
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

struct Attached {
    task: TaskName,
    session: Arc<PtySession>,
    /// This terminal's say in the PTY's size (with `weft attach`es).
    client: PtyClient,
    output: tokio::sync::broadcast::Receiver<Arc<[u8]>>,
    modes: ModeTracker,
    /// Dropped last: restores the modes `modes` saw, then cooked mode.
    _raw: RawMode,
}

/// How an attach ended.
pub enum Released {
    Ended(TaskName),
    Detached(TaskName),
    /// Enter while no task had the terminal: the detached tasks wait for
    /// it again, most recently detached first.
    Asked,
}

pub struct LocalTerminal {
    registry: Arc<PtyRegistry>,
    run: RunId,
    interactive: HashSet<TaskName>,
    waiting: VecDeque<TaskName>,
    /// Detached with the key, most recent last; Enter brings them back.
    detached: Vec<TaskName>,
    attached: Option<Attached>,
    keys: Option<tokio::sync::mpsc::Receiver<Vec<u8>>>,
    winch: Option<tokio::signal::unix::Signal>,
    detach_key: u8,
}

impl LocalTerminal {
    pub fn new(
        registry: Arc<PtyRegistry>,
        run: RunId,
        interactive: HashSet<TaskName>,
        detach_key: u8,
    ) -> LocalTerminal {
        LocalTerminal {
            registry,
            run,
            interactive,
            waiting: VecDeque::new(),
            detached: Vec::new(),
            attached: None,
            keys: None,
            winch: None,
            detach_key,
        }
    }

    pub fn is_attached(&self) -> bool {
        self.attached.is_some()
    }

    /// Notes interactive tasks as they start.
    pub fn note(&mut self, event: &RunEvent) {
        if let EventKind::AttemptStarted {
            task, pid: Some(_), ..
        } = &event.kind
            && self.interactive.contains(task)
        {
            self.waiting.push_back(task.clone());
        }
    }

    /// Whether a started interactive task waits for the terminal.
    pub fn has_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Gives the terminal to the next waiting task that still runs; the
    /// caller has stopped drawing on it first.
    pub fn attach_next(&mut self) -> Option<TaskName> {
        if self.attached.is_some() {
            return None;
        }
        while let Some(task) = self.waiting.pop_front() {
            let Some(session) = self.registry.get(&self.run, &task) else {
                continue;
            };
            let Ok(raw) = RawMode::enter() else {
                return None;
            };
            let client = session.client();
            if let Ok((cols, rows)) = crossterm::terminal::size() {
                let _ = client.resize(TermSize { rows, cols });
            }
            let sub = session.subscribe();
            let mut modes = ModeTracker::new();
            modes.feed(&sub.repaint);
            let mut out = std::io::stdout();
            let _ = out.write_all(&sub.repaint);
            let _ = out.flush();
            if self.keys.is_none() {
                self.keys = Some(key_reader());
            }
            if self.winch.is_none() {
                self.winch =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
                        .ok();
            }
            self.attached = Some(Attached {
                task: task.clone(),
                session,
                client,
                output: sub.output,
                modes,
                _raw: raw,
            });
            return Some(task);
        }
        None
    }

    /// Gives the terminal back now, restored, if a task has it (the run
    /// ended before its task's output did).
    pub fn release(&mut self) {
        self.attached = None;
    }

    /// Whether a detached task still runs, to be attached again with Enter.
    pub fn has_detached(&self) -> bool {
        self.detached
            .iter()
            .any(|t| self.registry.get(&self.run, t).is_some())
    }

    /// Waits for Enter while no task has the terminal (the terminal is
    /// cooked: a line arrives); other input is dropped.
    async fn wait_for_enter(&mut self) -> Released {
        loop {
            let Some(keys) = self.keys.as_mut() else {
                return std::future::pending().await;
            };
            match keys.recv().await {
                Some(line) if line.iter().any(|&b| b == b'\n' || b == b'\r') => {
                    self.detached
                        .retain(|t| self.registry.get(&self.run, t).is_some());
                    if self.detached.is_empty() {
                        continue;
                    }
                    for task in self.detached.drain(..) {
                        self.waiting.retain(|w| *w != task);
                        self.waiting.push_front(task);
                    }
                    return Released::Asked;
                }
                Some(_) => {}
                // Stdin closed: there is nothing more to wait for.
                None => self.keys = None,
            }
        }
    }

    /// Serves the attached task until the attach ends; when none is
    /// attached, waits for Enter to attach again.
    pub async fn serve(&mut self) -> Released {
        loop {
            let Some(att) = self.attached.as_mut() else {
                return self.wait_for_enter().await;
            };
            let keys = self.keys.as_mut();
            let winch = self.winch.as_mut();
            tokio::select! {
                out = att.output.recv() => match out {
                    Ok(bytes) => {
                        att.modes.feed(&bytes);
                        let mut stdout = std::io::stdout();
                        let _ = stdout.write_all(&bytes);
                        let _ = stdout.flush();
                    }
                    Err(RecvError::Lagged(_)) => {
                        let sub = att.session.subscribe();
                        att.output = sub.output;
                        att.modes.feed(&sub.repaint);
                        let _ = std::io::stdout().write_all(&sub.repaint);
                    }
                    Err(RecvError::Closed) => {
                        let task = att.task.clone();
                        self.attached = None;
                        return Released::Ended(task);
                    }
                },
                key = async { match keys { Some(k) => k.recv().await, None => std::future::pending().await } } => {
                    let Some(bytes) = key else { continue };
                    if let Some(at) = bytes.iter().position(|&b| b == self.detach_key) {
                        let _ = att.session.write(&bytes[..at]);
                        let task = att.task.clone();
                        self.attached = None;
                        self.detached.retain(|t| *t != task);
                        self.detached.push(task.clone());
                        return Released::Detached(task);
                    }
                    let _ = att.session.write(&bytes);
                },
                _ = async { match winch { Some(w) => { w.recv().await; } None => std::future::pending().await } } => {
                    if let Ok((cols, rows)) = crossterm::terminal::size() {
                        let _ = att.client.resize(TermSize { rows, cols });
                    }
                },
            }
        }
    }
}
