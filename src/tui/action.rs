//! What can happen to the dashboard (actions, from keys or from the
//! daemon) and what it asks the outside world to do (effects).

use crate::model::{Millis, RunId, TaskName};
use crate::store::{RunDetail, RunSummary};

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Open the selected run.
    Open,
    /// Back to the list (or close a dialog).
    Back,
    Quit,
    /// Start typing a filter.
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    /// Stop typing the filter (keeping it).
    EndFilter,
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
    // From the daemon:
    RunsLoaded(Vec<RunSummary>),
    DetailLoaded(Box<RunDetail>),
    /// A piece of a log, read from byte `from`.
    LogLoaded {
        task: TaskName,
        from: u64,
        chunk: crate::api::LogChunk,
    },
    DaemonLost(String),
    DaemonBack(String),
    /// Something the daemon answered to an effect.
    Notice(String),
    Tick(Millis),
}

/// What the update asks the runtime to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    LoadRuns,
    LoadDetail(RunId),
    LoadLog {
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
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    Quit,
}
