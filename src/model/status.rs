//! Run and task statuses. Frozen format: the lowercase names are stored in the
//! database and printed in `--json`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} `{}`; expected one of: {}",
                        stringify!($name).to_lowercase().replace("status", " status"),
                        s,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

/// The state of a whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waits for another run to end before it starts (`overlap: queue`,
    /// `weft add --after`); not in the runs table yet.
    Queued,
    Running,
    /// Starts no new task until resumed (running ones go on, or are stopped).
    Paused,
    /// `weft daemon stop` stopped the daemon driving it before it ended: its
    /// state is kept and the next daemon goes on with it.
    Suspended,
    Succeeded,
    Failed,
    Cancelled,
    /// The process that ran it died without finishing it (for example `kill -9`).
    Interrupted,
}

string_enum!(RunStatus {
    Queued => "queued",
    Running => "running",
    Paused => "paused",
    Suspended => "suspended",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
    Interrupted => "interrupted",
});

impl RunStatus {
    /// Started and not ended: its duration so far counts up to now
    /// (a paused or suspended run's too).
    pub fn is_started_and_going(self) -> bool {
        matches!(
            self,
            RunStatus::Running | RunStatus::Paused | RunStatus::Suspended
        )
    }

    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            RunStatus::Queued | RunStatus::Running | RunStatus::Paused | RunStatus::Suspended
        )
    }
}

/// The state of one task inside a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Waiting for its dependencies or for a free slot.
    Pending,
    Running,
    /// Failed an attempt and waits for its next one.
    Retrying,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
    Interrupted,
}

string_enum!(TaskStatus {
    Pending => "pending",
    Running => "running",
    Retrying => "retrying",
    Succeeded => "succeeded",
    Failed => "failed",
    Skipped => "skipped",
    Cancelled => "cancelled",
    Interrupted => "interrupted",
});

impl TaskStatus {
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            TaskStatus::Pending | TaskStatus::Running | TaskStatus::Retrying
        )
    }
}

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Manual,
    Retry,
    Schedule,
    /// A `weft run --cron` or `weft wrap --cron`: a line in the crontab.
    Cron,
}

impl Trigger {
    /// `cron` for a run cron started (`--cron`), else `manual`.
    pub fn manual_or_cron(cron: bool) -> Trigger {
        if cron { Trigger::Cron } else { Trigger::Manual }
    }
}

string_enum!(Trigger {
    Manual => "manual",
    Retry => "retry",
    Schedule => "schedule",
    Cron => "cron",
});

/// What a new run of a workflow does when the previous run of the same
/// workflow is still going: from `overlap:` in the workflow, a schedule fire
/// in the daemon, or `weft run --overlap` under cron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Overlap {
    /// Do not start; record the skip.
    Skip,
    /// Start when the previous run has ended.
    Queue,
    /// Start at once, beside the previous run (the default).
    #[default]
    Allow,
    /// Cancel the previous run, then start.
    CancelPrevious,
}

string_enum!(Overlap {
    Skip => "skip",
    Queue => "queue",
    Allow => "allow",
    CancelPrevious => "cancel-previous",
});

/// When a task runs, given how its dependencies ended (`when:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum When {
    /// Every dependency succeeded (the default).
    #[default]
    Success,
    /// Some task upstream failed.
    Failure,
    /// Whatever happened upstream.
    Always,
}

string_enum!(When {
    Success => "success",
    Failure => "failure",
    Always => "always",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>().unwrap(), *s);
        }
        for s in RunStatus::ALL {
            assert_eq!(s.as_str().parse::<RunStatus>().unwrap(), *s);
        }
        let err = "runing".parse::<RunStatus>().unwrap_err();
        assert!(
            err.contains("expected one of: queued, running, paused, suspended, succeeded"),
            "{err}"
        );
    }
}
