//! What a run would do, decided by the run's own scheduler: `weft plan`
//! drives the pure scheduler with simulated outcomes (every attempt
//! succeeds; an `if:` known before the run is applied), so the plan and
//! the run cannot disagree on which tasks are skipped.

use super::scheduler::{Command, Input, Scheduler, TaskSpec};
use crate::model::{AttemptOutcome, TaskStatus};
use crate::workflow::{Task, TaskBody, When, Workflow};

/// What the plan can tell about a task before the run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Runs,
    Skipped,
    /// Depends on what happens during the run.
    DecidedAtRunTime,
}

/// What is known of a task's `if:` before the run.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// No `if:`, or one that is true.
    Holds,
    /// False: the task is skipped, for this reason.
    False(String),
    /// It reads what upstream tasks do, or cannot be evaluated yet.
    AtRunTime(String),
}

/// The scheduler's view of a task; `uncounted` attempts were made before
/// and do not count against `retry.attempts` (a resumed run).
pub fn task_spec(t: &Task, uncounted: u32) -> TaskSpec {
    TaskSpec {
        when: t.when,
        allow_failure: t.allow_failure,
        max_attempts: t.retry.attempts + uncounted,
        retry_on: t.retry.on_exit.clone(),
        // A delay waits for a clock, an interactive task for a person:
        // neither holds a slot that commands could use.
        uses_slot: !matches!(t.body, TaskBody::Delay(_)) && !t.interactive,
    }
}

/// Each task's fate and why, in the workflow's order.
pub fn predict(
    wf: &Workflow,
    condition: impl Fn(usize) -> Condition,
) -> Vec<(Fate, Option<String>)> {
    let n = wf.tasks.len();
    let specs = wf.tasks.iter().map(|t| task_spec(t, 0)).collect();
    let names = wf.tasks.iter().map(|t| t.name.to_string()).collect();
    let mut sched = Scheduler::new(specs, names, wf.dag.clone(), n.max(1), &[], &[]);
    let mut fate: Vec<(Fate, Option<String>)> = vec![(Fate::Runs, None); n];
    let mut inputs = vec![Input::Start];
    let mut rounds = 0;
    while let Some(input) = inputs.pop() {
        rounds += 1;
        if rounds > 16 * (n + 1) {
            break; // A scheduler that never finishes must not hang the plan.
        }
        for command in sched.handle(input) {
            match command {
                Command::StartAttempt { task, attempt } => {
                    let t = &wf.tasks[task];
                    let upstream_unknown =
                        t.needs.iter().any(|&d| fate[d].0 == Fate::DecidedAtRunTime);
                    let known = if t.condition.is_some() {
                        condition(task)
                    } else {
                        Condition::Holds
                    };
                    match known {
                        Condition::False(why) => {
                            fate[task] = (Fate::Skipped, Some(why));
                            inputs.push(Input::ConditionFalse {
                                task,
                                condition: t.condition.clone().unwrap_or_default(),
                            });
                            continue;
                        }
                        Condition::AtRunTime(why) => {
                            fate[task] = (Fate::DecidedAtRunTime, Some(why));
                        }
                        Condition::Holds if upstream_unknown => {
                            fate[task] = (Fate::DecidedAtRunTime, None);
                        }
                        Condition::Holds => fate[task] = (Fate::Runs, None),
                    }
                    inputs.push(Input::AttemptFinished {
                        task,
                        attempt,
                        outcome: AttemptOutcome::Exited { code: 0 },
                    });
                }
                Command::FinishTask {
                    task,
                    status: TaskStatus::Skipped,
                    ..
                } if fate[task].0 != Fate::Skipped => {
                    fate[task] = skipped_by_the_scheduler(wf, &fate, task, &condition);
                }
                _ => {}
            }
        }
    }
    fate
}

/// A task the simulated run skipped: with every attempt succeeding that is
/// a `when: failure` task (decided at run time), or one below a task the
/// plan knows is skipped, or one below a task decided at run time.
fn skipped_by_the_scheduler(
    wf: &Workflow,
    fate: &[(Fate, Option<String>)],
    task: usize,
    condition: &impl Fn(usize) -> Condition,
) -> (Fate, Option<String>) {
    let t = &wf.tasks[task];
    if t.when == When::Failure {
        return (
            Fate::DecidedAtRunTime,
            Some("runs only if something upstream fails".into()),
        );
    }
    if let Some(&d) = t.needs.iter().find(|&&d| fate[d].0 == Fate::Skipped) {
        return (
            Fate::Skipped,
            Some(format!("`{}` is skipped", wf.tasks[d].name)),
        );
    }
    if t.condition.is_some()
        && let Condition::False(why) = condition(task)
    {
        return (Fate::Skipped, Some(why));
    }
    (Fate::DecidedAtRunTime, None)
}
