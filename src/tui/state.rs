//! Everything the dashboard shows, and nothing else: render reads it,
//! update changes it.

use crate::logs::Stream;
use crate::model::{Millis, RunId, RunStatus, TaskName};
use crate::model::{RunDetail, RunSummary};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Runs,
    Run,
    /// The log of a task of the open run.
    Log,
    /// The terminal of an interactive task of the open run.
    Terminal,
}

/// How the runs list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    /// Longest first (running runs count up to now).
    Longest,
    Workflow,
    Status,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Newest => Sort::Oldest,
            Sort::Oldest => Sort::Longest,
            Sort::Longest => Sort::Workflow,
            Sort::Workflow => Sort::Status,
            Sort::Status => Sort::Newest,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "newest first",
            Sort::Oldest => "oldest first",
            Sort::Longest => "longest first",
            Sort::Workflow => "by workflow",
            Sort::Status => "by status",
        }
    }
}

/// The status filter cycles through these (`None`: every status).
pub const STATUS_CYCLE: &[Option<RunStatus>] = &[
    None,
    Some(RunStatus::Running),
    Some(RunStatus::Failed),
    Some(RunStatus::Succeeded),
    Some(RunStatus::Cancelled),
    Some(RunStatus::Interrupted),
    Some(RunStatus::Paused),
    Some(RunStatus::Suspended),
    Some(RunStatus::Queued),
];

/// One line of a task's log as the dashboard keeps it: no timestamp, so a
/// long log costs little more than its text.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub stream: Stream,
    pub text: Box<str>,
}

/// Searching a log: the query and the lines that match it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Search {
    pub query: String,
    /// Still typing the query.
    pub typing: bool,
    /// Indexes of matching lines, in order.
    pub matches: Vec<usize>,
    /// The match shown (index into `matches`).
    pub current: usize,
}

/// A task's log as far as it has been read.
#[derive(Clone, Debug, PartialEq)]
pub struct LogView {
    pub task: TaskName,
    pub attempt: u32,
    /// The lines kept: the last ones, at most `update::LOG_KEPT` bytes of
    /// text (`weft logs` has them all).
    pub lines: Vec<LogEntry>,
    /// Bytes of text in `lines`.
    pub kept: usize,
    /// Lines read but no longer kept (the oldest).
    pub dropped: usize,
    /// Bytes read so far (where the next read starts).
    pub offset: u64,
    /// A read is under way (no second one is asked for meanwhile).
    pub loading: bool,
    /// First line shown.
    pub top: usize,
    /// Keep the last line in view as lines arrive.
    pub follow: bool,
    /// Long lines wrap instead of being cut at the pane's edge.
    pub wrap: bool,
    pub search: Option<Search>,
}

/// A task's screen, as its terminal stream has drawn it.
#[derive(Clone, Debug)]
pub struct TermScreen(pub Box<vt100::Screen>);

impl PartialEq for TermScreen {
    fn eq(&self, other: &Self) -> bool {
        self.0.contents_formatted() == other.0.contents_formatted()
    }
}

/// The embedded terminal of an interactive task.
#[derive(Clone, Debug)]
pub struct TermView {
    pub task: TaskName,
    /// The task's screen as the daemon's stream has drawn it so far.
    pub screen: Option<TermScreen>,
    /// Keys go to the task (until the detach key).
    pub focused: bool,
    /// Set when the task's terminal ended, with how.
    pub ended: Option<String>,
    /// Rows and columns of the pane, which the task's PTY is sized to.
    pub size: (u16, u16),
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

/// What the run view shows above its task table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RunPane {
    /// The tasks as a graph (levels left to right, or a tree).
    #[default]
    Graph,
    /// A Gantt chart of the attempts.
    Timeline,
}

/// A workflow the daemon knows, as the start dialog offers it.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownWorkflow {
    pub name: String,
    pub file: String,
    /// Params: name, whether required, default shown as text.
    pub params: Vec<(String, bool, Option<String>)>,
    /// Why it cannot be started, when it is invalid.
    pub problem: Option<String>,
}

/// Starting a workflow: choosing it, then filling in its params.
#[derive(Clone, Debug, PartialEq)]
pub struct StartDialog {
    pub workflows: Vec<KnownWorkflow>,
    pub selected: usize,
    /// Filling in the params of the chosen workflow: (name, value typed).
    pub form: Option<Vec<(String, String)>>,
    /// The param being typed.
    pub field: usize,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct State {
    pub now: Millis,
    pub daemon: DaemonState,
    pub view: View,
    /// Every run loaded so far, newest first.
    pub runs: Vec<RunSummary>,
    /// Where each run is in `runs`.
    pub index: HashMap<RunId, usize>,
    /// Every older run has been loaded.
    pub runs_complete: bool,
    /// The runs the filters let through, in the chosen order (indexes into `runs`).
    pub shown: Vec<usize>,
    /// Index into `shown`.
    pub selected: usize,
    /// The first row of `shown` the table shows.
    pub list_top: usize,
    pub filter: String,
    pub filtering: bool,
    pub status_filter: Option<RunStatus>,
    pub sort: Sort,
    /// The open run, when `view` is not `Runs`.
    pub open: Option<RunId>,
    pub detail: Option<RunDetail>,
    pub task_selected: usize,
    pub pane: RunPane,
    pub log: Option<LogView>,
    pub term: Option<TermView>,
    /// Lines the log pane shows (set by the runtime from the terminal size).
    pub log_height: usize,
    /// Rows the runs table shows.
    pub list_height: usize,
    /// Interactive tasks waiting for input now: (run, task).
    pub waiting: Vec<(RunId, TaskName)>,
    pub confirm: Option<Confirm>,
    pub start: Option<StartDialog>,
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
            index: HashMap::new(),
            runs_complete: false,
            shown: Vec::new(),
            selected: 0,
            list_top: 0,
            filter: String::new(),
            filtering: false,
            status_filter: None,
            sort: Sort::default(),
            open: None,
            detail: None,
            task_selected: 0,
            pane: RunPane::default(),
            log: None,
            term: None,
            log_height: 20,
            list_height: 20,
            waiting: Vec::new(),
            confirm: None,
            start: None,
            help: false,
            notice: None,
            quit: false,
        }
    }

    /// The runs the filters let through, in order.
    pub fn visible_runs(&self) -> impl ExactSizeIterator<Item = &RunSummary> + '_ {
        self.shown.iter().map(|&i| &self.runs[i])
    }

    pub fn selected_run(&self) -> Option<&RunSummary> {
        self.shown.get(self.selected).map(|&i| &self.runs[i])
    }

    /// Recomputes `shown` from the runs, the filters and the order,
    /// keeping `keep` selected if it is still shown (otherwise the same row).
    pub fn refresh_shown(&mut self, keep: Option<RunId>) {
        let text = self.filter.to_ascii_lowercase();
        let now = self.now;
        let mut shown: Vec<usize> = (0..self.runs.len())
            .filter(|&i| {
                let r = &self.runs[i];
                self.status_filter.is_none_or(|s| r.status == s)
                    && (text.is_empty()
                        || r.workflow.to_ascii_lowercase().contains(&text)
                        || r.id.as_str().contains(&text)
                        || r.status.as_str().contains(&text)
                        || r.trigger.as_str().contains(&text))
            })
            .collect();
        let runs = &self.runs;
        let took = |i: usize| {
            let r = &runs[i];
            r.finished_at.unwrap_or(now) - r.created_at
        };
        match self.sort {
            Sort::Newest => {}
            Sort::Oldest => shown.reverse(),
            Sort::Longest => shown.sort_by_key(|&i| std::cmp::Reverse(took(i))),
            Sort::Workflow => shown.sort_by(|&a, &b| runs[a].workflow.cmp(&runs[b].workflow)),
            Sort::Status => shown.sort_by_key(|&i| runs[i].status.as_str()),
        }
        self.shown = shown;
        self.selected = keep
            .and_then(|id| self.index.get(&id).copied())
            .and_then(|i| self.shown.iter().position(|&s| s == i))
            .unwrap_or(self.selected)
            .min(self.shown.len().saturating_sub(1));
        self.scroll_list();
    }

    /// The run actions apply to: the open one, or the one selected in the list.
    pub fn target_run(&self) -> Option<RunId> {
        match self.view {
            View::Run | View::Log | View::Terminal => self.open.clone(),
            View::Runs => self.selected_run().map(|r| r.id.clone()),
        }
    }

    /// The status of the run an action would act on, when known.
    pub fn target_status(&self) -> Option<RunStatus> {
        let run = self.target_run()?;
        if let Some(d) = self.detail.as_ref().filter(|d| d.summary.id == run) {
            return Some(d.summary.status);
        }
        self.runs.iter().find(|r| r.id == run).map(|r| r.status)
    }

    pub fn selected_task(&self) -> Option<TaskName> {
        self.detail
            .as_ref()?
            .tasks
            .get(self.task_selected)
            .map(|t| t.name.clone())
    }

    /// Whether a task of this run waits for input (`task`: that task).
    pub fn is_waiting(&self, run: &RunId, task: Option<&TaskName>) -> bool {
        self.waiting
            .iter()
            .any(|(r, t)| r == run && task.is_none_or(|task| t == task))
    }

    /// A log search query is being typed (keys are text).
    pub fn typing_search(&self) -> bool {
        self.view == View::Log
            && self
                .log
                .as_ref()
                .and_then(|l| l.search.as_ref())
                .is_some_and(|s| s.typing)
    }

    /// Moves the runs table's first row so the selection is in view.
    pub fn scroll_list(&mut self) {
        let h = self.list_height.max(1);
        if self.selected < self.list_top {
            self.list_top = self.selected;
        } else if self.selected >= self.list_top + h {
            self.list_top = self.selected + 1 - h;
        }
        self.list_top = self.list_top.min(self.shown.len().saturating_sub(1));
    }
}
