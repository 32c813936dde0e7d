//! Everything the dashboard shows, and nothing else: render reads it,
//! update changes it.

use crate::model::{Millis, RunId, TaskName};
use crate::store::{RunDetail, RunSummary};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Runs,
    Run,
    /// The log of a task of the open run.
    Log,
}

/// A task's log as far as it has been read.
#[derive(Clone, Debug, PartialEq)]
pub struct LogView {
    pub task: TaskName,
    pub attempt: u32,
    pub lines: Vec<crate::store::LogLine>,
    /// Bytes read so far (where the next read starts).
    pub offset: u64,
    /// First line shown.
    pub top: usize,
    /// Keep the last line in view as lines arrive.
    pub follow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaemonState {
    Connecting,
    Connected {
        version: String,
    },
    /// Lost; the dashboard keeps trying.
    Lost {
        error: String,
    },
}

/// A question that needs a yes before anything happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirm {
    Cancel(RunId),
    Retry { run: RunId, from: Option<TaskName> },
}

#[derive(Clone, Debug)]
pub struct State {
    pub now: Millis,
    pub daemon: DaemonState,
    pub view: View,
    /// Newest first, as the daemon sends them.
    pub runs: Vec<RunSummary>,
    /// Index into the filtered list.
    pub selected: usize,
    pub filter: String,
    pub filtering: bool,
    /// The open run, when `view` is `Run`.
    pub open: Option<RunId>,
    pub detail: Option<RunDetail>,
    pub task_selected: usize,
    pub log: Option<LogView>,
    /// Lines the log pane shows (set by the runtime from the terminal size).
    pub log_height: usize,
    pub confirm: Option<Confirm>,
    pub help: bool,
    /// A short message for the status bar (the answer to an action).
    pub notice: Option<String>,
    pub quit: bool,
}

impl State {
    pub fn new(now: Millis) -> State {
        State {
            now,
            daemon: DaemonState::Connecting,
            view: View::Runs,
            runs: Vec::new(),
            selected: 0,
            filter: String::new(),
            filtering: false,
            open: None,
            detail: None,
            task_selected: 0,
            log: None,
            log_height: 20,
            confirm: None,
            help: false,
            notice: None,
            quit: false,
        }
    }

    /// The runs the filter lets through: it matches the workflow, the id
    /// or the status, case-insensitively.
    pub fn visible_runs(&self) -> Vec<&RunSummary> {
        let f = self.filter.to_ascii_lowercase();
        self.runs
            .iter()
            .filter(|r| {
                f.is_empty()
                    || r.workflow.to_ascii_lowercase().contains(&f)
                    || r.id.as_str().contains(&f)
                    || r.status.as_str().contains(&f)
            })
            .collect()
    }

    pub fn selected_run(&self) -> Option<&RunSummary> {
        self.visible_runs().get(self.selected).copied()
    }

    /// The run actions apply to: the open one, or the one selected in the list.
    pub fn target_run(&self) -> Option<RunId> {
        match self.view {
            View::Run | View::Log => self.open.clone(),
            View::Runs => self.selected_run().map(|r| r.id.clone()),
        }
    }

    pub fn selected_task(&self) -> Option<TaskName> {
        self.detail
            .as_ref()?
            .tasks
            .get(self.task_selected)
            .map(|t| t.name.clone())
    }
}
