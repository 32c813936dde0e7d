//! What the store keeps about schedules: fires (each recorded once, before
//! its run starts), paused workflows, and runs queued behind another run.
//! Frozen format: `weft schedule ls --json` prints `FireRecord`s.

use crate::model::{Millis, RunId, RunStatus, Trigger};
use serde::{Deserialize, Serialize};

/// What a fire did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FireOutcome {
    /// Its run started (or starts, right after the record is written).
    Started,
    /// Its run waits for the previous one (`overlap: queue`).
    Queued,
    /// The previous run was still going (`overlap: skip`).
    Skipped,
    /// Its run could not start (see `error`).
    Failed,
}

impl FireOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FireOutcome::Started => "started",
            FireOutcome::Queued => "queued",
            FireOutcome::Skipped => "skipped",
            FireOutcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<FireOutcome> {
        [
            FireOutcome::Started,
            FireOutcome::Queued,
            FireOutcome::Skipped,
            FireOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fire {
    pub workflow: String,
    /// The schedule's key, or `trigger`.
    pub schedule: String,
    pub fire_at: Millis,
    pub outcome: FireOutcome,
    pub run: Option<RunId>,
    /// Params given with `weft schedule trigger -p` (none for a schedule).
    #[serde(default)]
    pub params: Vec<(String, String)>,
}

/// A fire with what became of its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FireRecord {
    #[serde(flatten)]
    pub fire: Fire,
    pub recorded_at: Millis,
    pub error: Option<String>,
    /// The status of its run, when it has one in the store.
    pub run_status: Option<RunStatus>,
}

/// A run that starts once another has ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedRun {
    /// Chosen when queued, so it is started once.
    pub run: RunId,
    pub workflow: String,
    pub file: String,
    #[serde(skip)]
    pub source: String,
    pub params: Vec<(String, String)>,
    pub trigger: Trigger,
    pub after: RunId,
    pub created_at: Millis,
}

/// Where `run` stands in its queue: 1 when the run it waits for is not
/// queued itself (it starts next), 2 behind one queued run, and so on. 0
/// when `run` is not queued.
pub fn queue_position(queued: &[QueuedRun], run: &RunId) -> usize {
    let mut position = 0;
    let mut current = run;
    // Bounded by the queue's length, so a corrupt cycle cannot loop.
    while position <= queued.len() {
        let Some(q) = queued.iter().find(|q| &q.run == current) else {
            break;
        };
        position += 1;
        current = &q.after;
    }
    position
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(run: &str, after: &str) -> QueuedRun {
        QueuedRun {
            run: RunId::from_string(run.to_string()),
            workflow: "w".into(),
            file: "w.yaml".into(),
            source: String::new(),
            params: Vec::new(),
            trigger: Trigger::Manual,
            after: RunId::from_string(after.to_string()),
            created_at: 0,
        }
    }

    #[test]
    fn the_position_counts_the_queued_runs_ahead() {
        let q = vec![queued("b", "a"), queued("c", "b"), queued("x", "a")];
        let id = |s: &str| RunId::from_string(s.to_string());
        assert_eq!(queue_position(&q, &id("b")), 1);
        assert_eq!(queue_position(&q, &id("c")), 2);
        assert_eq!(queue_position(&q, &id("x")), 1);
        assert_eq!(queue_position(&q, &id("a")), 0);
        // A cycle (a corrupt store) ends.
        let cycle = vec![queued("p", "q"), queued("q", "p")];
        assert!(queue_position(&cycle, &id("p")) <= 3);
    }
}
