//! The scheduler's rules, input by input.

use super::*;

fn spec() -> TaskSpec {
    TaskSpec {
        when: When::Success,
        allow_failure: false,
        max_attempts: 1,
        retry_on: vec![],
        uses_slot: true,
    }
}

fn sched(needs: Vec<Vec<usize>>, specs: Vec<TaskSpec>, concurrency: usize) -> Scheduler {
    let names = (0..needs.len()).map(|i| format!("t{i}")).collect();
    Scheduler::new(
        specs,
        names,
        Dag::new(needs).unwrap(),
        concurrency,
        &[],
        &[],
    )
}

fn exited(task: usize, attempt: AttemptNo, code: i32) -> Input {
    Input::AttemptFinished {
        task,
        attempt,
        outcome: AttemptOutcome::Exited { code },
    }
}

fn starts(cmds: &[Command]) -> Vec<usize> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::StartAttempt { task, .. } => Some(*task),
            _ => None,
        })
        .collect()
}

fn slot_waits(cmds: &[Command]) -> Vec<(usize, usize, usize)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::WaitForSlot {
                task,
                in_use,
                slots,
            } => Some((*task, *in_use, *slots)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_ready_task_without_a_slot_says_so_once() {
    let mut s = sched(vec![vec![]; 4], vec![spec(); 4], 2);
    let first = s.handle(Input::Start);
    assert_eq!(starts(&first), vec![0, 1]);
    assert_eq!(slot_waits(&first), vec![(2, 2, 2), (3, 2, 2)]);
    // Task 2 takes the freed slot; task 3 still waits, and is not told again.
    let next = s.handle(exited(0, 1, 0));
    assert_eq!(starts(&next), vec![2]);
    assert_eq!(slot_waits(&next), vec![]);
    // A task that needs no slot never waits for one.
    let mut specs = vec![spec(); 3];
    specs[2].uses_slot = false;
    let mut s = sched(vec![vec![]; 3], specs, 1);
    let first = s.handle(Input::Start);
    assert_eq!(starts(&first), vec![0, 2]);
    assert_eq!(slot_waits(&first), vec![(1, 1, 1)]);
}

#[test]
fn independent_tasks_start_up_to_the_concurrency_limit() {
    let mut s = sched(vec![vec![]; 5], vec![spec(); 5], 2);
    assert_eq!(starts(&s.handle(Input::Start)), vec![0, 1]);
    assert_eq!(starts(&s.handle(exited(1, 1, 0))), vec![2]);
    assert_eq!(starts(&s.handle(exited(0, 1, 0))), vec![3]);
    assert_eq!(starts(&s.handle(exited(2, 1, 0))), vec![4]);
    s.handle(exited(3, 1, 0));
    let last = s.handle(exited(4, 1, 0));
    assert_eq!(
        last.last(),
        Some(&Command::FinishRun {
            status: RunStatus::Succeeded
        })
    );
    assert!(s.is_finished());
}

#[test]
fn delay_tasks_do_not_take_a_slot() {
    let mut specs = vec![spec(); 3];
    specs[2].uses_slot = false;
    let mut s = sched(vec![vec![]; 3], specs, 1);
    assert_eq!(starts(&s.handle(Input::Start)), vec![0, 2]);
}

#[test]
fn a_failure_skips_dependents_transitively_and_fails_the_run() {
    // 0 -> 1 -> 2, and 3 independent
    let mut s = sched(vec![vec![], vec![0], vec![1], vec![]], vec![spec(); 4], 4);
    assert_eq!(starts(&s.handle(Input::Start)), vec![0, 3]);
    let cmds = s.handle(exited(0, 1, 2));
    assert!(cmds.contains(&Command::FinishTask {
        task: 0,
        status: TaskStatus::Failed,
        reason: Some("exit 2".into())
    }));
    assert!(cmds.contains(&Command::FinishTask {
        task: 1,
        status: TaskStatus::Skipped,
        reason: Some("`t0` failed".into())
    }));
    assert!(cmds.contains(&Command::FinishTask {
        task: 2,
        status: TaskStatus::Skipped,
        reason: Some("`t1` was skipped".into())
    }));
    let cmds = s.handle(exited(3, 1, 0));
    assert_eq!(
        cmds.last(),
        Some(&Command::FinishRun {
            status: RunStatus::Failed
        })
    );
}

#[test]
fn when_failure_runs_only_after_an_upstream_failure_and_always_runs_anyway() {
    // 0 -> 1(failure) ; 0 -> 2(always) ; 0 -> 3(success)
    let mut specs = vec![spec(); 4];
    specs[1].when = When::Failure;
    specs[2].when = When::Always;
    let needs = vec![vec![], vec![0], vec![0], vec![0]];
    let mut s = sched(needs.clone(), specs.clone(), 4);
    s.handle(Input::Start);
    let cmds = s.handle(exited(0, 1, 1));
    assert_eq!(starts(&cmds), vec![1, 2]);
    assert!(cmds.contains(&Command::FinishTask {
        task: 3,
        status: TaskStatus::Skipped,
        reason: Some("`t0` failed".into())
    }));

    let mut s = sched(needs, specs, 4);
    s.handle(Input::Start);
    let cmds = s.handle(exited(0, 1, 0));
    assert_eq!(starts(&cmds), vec![2, 3]);
    assert!(cmds.contains(&Command::FinishTask {
        task: 1,
        status: TaskStatus::Skipped,
        reason: Some("`when: failure` and nothing upstream failed".into())
    }));
}

#[test]
fn allow_failure_lets_dependents_run_and_the_run_succeed() {
    let mut specs = vec![spec(); 2];
    specs[0].allow_failure = true;
    let mut s = sched(vec![vec![], vec![0]], specs, 2);
    s.handle(Input::Start);
    assert_eq!(starts(&s.handle(exited(0, 1, 1))), vec![1]);
    assert_eq!(
        s.handle(exited(1, 1, 0)).last(),
        Some(&Command::FinishRun {
            status: RunStatus::Succeeded
        })
    );
}

#[test]
fn retries_follow_the_attempt_limit_and_exit_code_filter() {
    let mut specs = vec![spec(); 2];
    specs[0].max_attempts = 3;
    specs[1].max_attempts = 3;
    specs[1].retry_on = vec![75];
    let mut s = sched(vec![vec![], vec![]], specs, 2);
    s.handle(Input::Start);
    assert_eq!(
        s.handle(exited(0, 1, 1)),
        vec![Command::ScheduleRetry {
            task: 0,
            failed_attempt: 1
        }]
    );
    assert_eq!(s.status(0), Some(TaskStatus::Retrying));
    assert_eq!(
        s.handle(Input::RetryDue { task: 0 }),
        vec![Command::StartAttempt {
            task: 0,
            attempt: 2
        }]
    );
    s.handle(exited(0, 2, 1));
    s.handle(Input::RetryDue { task: 0 });
    let cmds = s.handle(exited(0, 3, 1));
    assert_eq!(
        cmds[0],
        Command::FinishTask {
            task: 0,
            status: TaskStatus::Failed,
            reason: Some("exit 1 after 3 attempts".into())
        }
    );
    // task 1 retries on 75 only
    assert_eq!(
        s.handle(exited(1, 1, 75)),
        vec![Command::ScheduleRetry {
            task: 1,
            failed_attempt: 1
        }]
    );
    s.handle(Input::RetryDue { task: 1 });
    let cmds = s.handle(exited(1, 2, 3));
    assert_eq!(
        cmds[0],
        Command::FinishTask {
            task: 1,
            status: TaskStatus::Failed,
            reason: Some("exit 3 after 2 attempts".into())
        }
    );
}

#[test]
fn a_false_condition_skips_and_propagates() {
    let mut s = sched(vec![vec![], vec![0]], vec![spec(); 2], 2);
    s.handle(Input::Start);
    let cmds = s.handle(Input::ConditionFalse {
        task: 0,
        condition: "false".into(),
    });
    assert_eq!(
        cmds[0],
        Command::FinishTask {
            task: 0,
            status: TaskStatus::Skipped,
            reason: Some("`if: false` is false".into())
        }
    );
    assert!(cmds.contains(&Command::FinishRun {
        status: RunStatus::Succeeded
    }));
}

#[test]
fn cancel_kills_running_cancels_the_rest_and_ends_cancelled() {
    let mut s = sched(vec![vec![], vec![0], vec![]], vec![spec(); 3], 1);
    s.handle(Input::Start);
    let cmds = s.handle(Input::Cancel);
    assert_eq!(cmds[0], Command::KillAll);
    assert_eq!(cmds.len(), 3, "{cmds:?}");
    let cmds = s.handle(Input::AttemptFinished {
        task: 0,
        attempt: 1,
        outcome: AttemptOutcome::Cancelled,
    });
    assert_eq!(
        cmds.last(),
        Some(&Command::FinishRun {
            status: RunStatus::Cancelled
        })
    );
}

#[test]
fn reused_tasks_count_as_done() {
    let names = vec!["a".to_string(), "b".to_string()];
    let mut s = Scheduler::new(
        vec![spec(); 2],
        names,
        Dag::new(vec![vec![], vec![0]]).unwrap(),
        2,
        &[Some(TaskStatus::Succeeded), None],
        &[],
    );
    assert_eq!(starts(&s.handle(Input::Start)), vec![1]);
}

#[test]
fn a_long_chain_runs_in_order() {
    let n = 1000;
    let needs: Vec<Vec<usize>> = (0..n)
        .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
        .collect();
    let mut s = sched(needs, vec![spec(); n], 2);
    let mut next = starts(&s.handle(Input::Start));
    for i in 0..n {
        assert_eq!(next, vec![i]);
        next = starts(&s.handle(exited(i, 1, 0)));
    }
    assert!(s.is_finished());
}

#[test]
fn a_paused_run_starts_nothing_until_resumed() {
    let mut s = sched(vec![vec![]; 3], vec![spec(); 3], 1);
    assert_eq!(starts(&s.handle(Input::Start)), vec![0]);
    s.handle(Input::Pause);
    assert!(
        starts(&s.handle(exited(0, 1, 0))).is_empty(),
        "paused: no new task"
    );
    assert_eq!(s.status(1), Some(TaskStatus::Pending));
    assert_eq!(starts(&s.handle(Input::Resume)), vec![1]);
    // Cancelling a paused run ends it.
    s.handle(Input::Pause);
    let cmds = s.handle(Input::Cancel);
    assert!(cmds.contains(&Command::FinishTask {
        task: 2,
        status: TaskStatus::Cancelled,
        reason: Some("the run was cancelled".into())
    }));
}

#[test]
fn a_resumed_task_goes_on_numbering_its_attempts() {
    let names = vec!["a".to_string()];
    let mut s = Scheduler::new(
        vec![spec()],
        names,
        Dag::new(vec![vec![]]).unwrap(),
        1,
        &[None],
        &[2],
    );
    assert_eq!(
        s.handle(Input::Start),
        vec![Command::StartAttempt {
            task: 0,
            attempt: 3
        }]
    );
}

#[test]
fn a_resumed_run_whose_first_task_gave_up_settles_everything_downstream() {
    // a -> b -> c -> d, and a -> e; `a` failed with no attempts left while
    // the run was down.
    let names = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
    let mut s = Scheduler::new(
        vec![spec(); 5],
        names,
        Dag::new(vec![vec![], vec![0], vec![1], vec![2], vec![0]]).unwrap(),
        4,
        &[Some(TaskStatus::Failed)],
        &[1],
    );
    let cmds = s.handle(Input::Start);
    for t in 1..5 {
        assert!(
            cmds.iter().any(|c| matches!(c, Command::FinishTask { task, status: TaskStatus::Skipped, .. } if *task == t)),
            "task {t} is skipped: {cmds:?}"
        );
    }
    assert_eq!(
        cmds.last(),
        Some(&Command::FinishRun {
            status: RunStatus::Failed
        })
    );
}
