//! What the store keeps about schedules: fires (each recorded once, before
//! its run starts), paused workflows, and runs queued behind another run.
//! Frozen format: `weft schedule ls --json` prints `FireRecord`s.

use crate::model::{Millis, RunId, Trigger};
use serde::{Deserialize, Serialize};

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
