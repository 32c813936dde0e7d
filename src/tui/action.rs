//! What can happen to the dashboard (actions, from keys or from the
//! daemon) and what it asks the outside world to do (effects).

use super::state::{KnownWorkflow, LogEntry};
use crate::model::{Millis, RunId, TaskName};
use crate::model::{RunDetail, RunSummary};

/// Which runs a load asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsPage {
    /// The newest runs (new ones, and the ones most likely to change).
    Newest,
    /// Older runs, after the first `offset` (newest first).
    Older { offset: usize },
    /// Every run still going, however old.
    Active,
}

/// A piece of a task's log, as the daemon answered it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogPiece {
    pub attempt: u32,
    pub lines: Vec<LogEntry>,
    /// Where the next read starts.
    pub next_offset: u64,
    /// More is waiting already.
    pub more: bool,
}

impl LogPiece {
    /// The piece a raw answer holds (its lines parsed off the draw loop).
    pub fn from_raw(raw: &crate::api::RawLog) -> LogPiece {
        LogPiece {
            attempt: raw.attempt,
            lines: crate::logs::log_entries(&raw.text)
                .map(|(stream, text)| LogEntry {
                    stream,
                    text: text.into(),
                })
                .collect(),
            next_offset: raw.next_offset,
            more: raw.more,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Open the selected run (or the selected task's log).
    Open,
    /// Back to the list (or close a dialog).
    Back,
    Quit,
    /// Start typing a filter (or a search, in a log).
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    /// Stop typing the filter (keeping it).
    EndFilter,
    /// Next order of the runs list.
    Sort,
    /// Next status the runs list is narrowed to.
    StatusFilter,
    /// Ask to cancel the selected run (confirmation follows).
    Cancel,
    Pause,
    Resume,
    /// Ask to retry the run (from the selected task in the run view).
    Retry,
    /// Answer a confirmation.
    Confirm(bool),
    ToggleHelp,
    /// Select the first failed task of the open run.
    JumpToFailure,
    /// Open the selected task's log.
    OpenLog,
    /// Copy the run id to the clipboard.
    CopyId,
    /// Jump to the end of the log and follow it.
    FollowLog,
    /// Wrap long log lines, or cut them.
    ToggleWrap,
    /// The next (or previous) line matching the log search.
    SearchNext,
    SearchPrev,
    /// Graph or timeline, in the run view.
    TogglePane,
    /// Open the selected task's terminal (interactive tasks).
    Attach,
    /// The next interactive task's terminal.
    NextTerminal,
    /// Keys go to the task's terminal again.
    FocusTerminal,
    /// Bytes typed into the focused terminal.
    TermInput(Vec<u8>),
    /// The detach key: keys are the dashboard's again.
    ReleaseTerminal,
    /// The terminal pane's size (rows, columns), from the runtime.
    PaneSize(u16, u16),
    /// Choose a known workflow to start.
    StartWorkflow,
    // From the daemon:
    RunsLoaded {
        page: RunsPage,
        /// How many were asked for (fewer means there are no more).
        limit: usize,
        runs: Vec<RunSummary>,
    },
    DetailLoaded(Box<RunDetail>),
    /// A piece of a log, read from byte `from`.
    LogLoaded {
        task: TaskName,
        from: u64,
        chunk: LogPiece,
    },
    LogFailed(String),
    /// The attached task's screen, as drawn so far.
    TermScreen {
        task: TaskName,
        screen: super::state::TermScreen,
    },
    /// The attached task's terminal ended (or the connection did).
    TermEnded {
        task: TaskName,
        why: String,
    },
    WorkflowsLoaded(Vec<KnownWorkflow>),
    /// Interactive tasks waiting for input now.
    WaitingLoaded(Vec<(RunId, TaskName)>),
    /// A run was started from the dashboard.
    Started(RunId),
    /// Starting failed: why.
    StartFailed(String),
    DaemonLost(String),
    DaemonBack(String),
    /// Something the daemon answered to an effect.
    Notice(String),
    Tick(Millis),
}

/// What the update asks the runtime to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    LoadRuns {
        page: RunsPage,
        limit: usize,
    },
    LoadDetail(RunId),
    LoadLog {
        run: RunId,
        task: TaskName,
        offset: u64,
    },
    /// The same, after a short wait (following a log that is being written).
    LoadLogSoon {
        run: RunId,
        task: TaskName,
        offset: u64,
    },
    Cancel(RunId),
    Pause(RunId),
    Resume(RunId),
    Retry {
        run: RunId,
        from: Option<TaskName>,
    },
    /// Connect to a task's terminal (dropping any other).
    Attach {
        run: RunId,
        task: TaskName,
        rows: u16,
        cols: u16,
    },
    /// Type into the attached terminal.
    TermInput(Vec<u8>),
    TermResize {
        rows: u16,
        cols: u16,
    },
    /// Drop the terminal connection (the task goes on).
    Detach,
    LoadWorkflows,
    LoadWaiting,
    Start {
        file: String,
        params: Vec<(String, String)>,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    Quit,
}
