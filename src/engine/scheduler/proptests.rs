//! The scheduler against a reference model: random DAGs, random outcomes,
//! random crash-and-resume points (resumed as `launch::plan_resume` does:
//! what was recorded stays done, a task out of attempts is failed, the
//! rest starts again with its attempts counted).

use super::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Case {
    needs: Vec<Vec<usize>>,
    specs: Vec<TaskSpec>,
    concurrency: usize,
    /// Drives the simulation: which attempt ends how, when to crash.
    script: Vec<(u8, u8)>,
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        6 => Just(When::Success),
        1 => Just(When::Failure),
        1 => Just(When::Always),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..9)
        .prop_flat_map(|n| {
            let needs = (0..n)
                .map(|i| proptest::collection::vec(0..i.max(1), 0..=i.min(3)))
                .collect::<Vec<_>>();
            let specs = proptest::collection::vec(
                (when(), any::<bool>(), 1u32..4, any::<bool>()).prop_map(
                    |(when, allow_failure, max_attempts, uses_slot)| TaskSpec {
                        when,
                        allow_failure,
                        max_attempts,
                        retry_on: vec![],
                        uses_slot,
                    },
                ),
                n,
            );
            (
                needs,
                specs,
                1usize..4,
                proptest::collection::vec(any::<(u8, u8)>(), 0..60),
            )
        })
        .prop_map(|(needs, specs, concurrency, script)| {
            let needs = needs
                .into_iter()
                .enumerate()
                .map(|(i, mut ns)| {
                    ns.retain(|&d| d < i);
                    ns.sort_unstable();
                    ns.dedup();
                    ns
                })
                .collect();
            Case {
                needs,
                specs,
                concurrency,
                script,
            }
        })
}

/// What the driver and the store would hold.
struct World {
    case: Case,
    sched: Scheduler,
    recorded: Vec<Option<TaskStatus>>,
    attempts: Vec<AttemptNo>,
    running: Vec<(usize, AttemptNo)>,
    retrying: Vec<usize>,
    run: Option<RunStatus>,
    cancelled: bool,
}

impl World {
    fn new(case: Case) -> World {
        let n = case.specs.len();
        let sched = build(&case, &[], &[]);
        let mut w = World {
            case,
            sched,
            recorded: vec![None; n],
            attempts: vec![0; n],
            running: vec![],
            retrying: vec![],
            run: None,
            cancelled: false,
        };
        w.input(Input::Start);
        w
    }

    fn input(&mut self, input: Input) {
        let cmds = self.sched.handle(input);
        for c in cmds {
            self.apply(c);
        }
    }

    fn apply(&mut self, c: Command) {
        match c {
            Command::StartAttempt { task, attempt } => {
                assert_ne!(
                    self.recorded[task],
                    Some(TaskStatus::Succeeded),
                    "task {task} succeeded and runs again"
                );
                assert!(self.recorded[task].is_none(), "task {task} runs when done");
                assert_eq!(attempt, self.attempts[task] + 1, "attempts number on");
                assert!(
                    attempt <= self.case.specs[task].max_attempts,
                    "task {task} runs attempt {attempt} of {}",
                    self.case.specs[task].max_attempts
                );
                for &d in &self.case.needs[task] {
                    assert!(
                        self.recorded[d].is_some(),
                        "task {task} runs before need {d}"
                    );
                }
                if !self.cancelled {
                    assert!(
                        !self.expected_skip(task),
                        "task {task} runs although its `when` says skip"
                    );
                }
                self.attempts[task] = attempt;
                self.running.push((task, attempt));
            }
            Command::ScheduleRetry { task, .. } => self.retrying.push(task),
            Command::KillAll => {
                let killed = std::mem::take(&mut self.running);
                for (task, attempt) in killed {
                    self.input(Input::AttemptFinished {
                        task,
                        attempt,
                        outcome: AttemptOutcome::Cancelled,
                    });
                }
            }
            Command::FinishTask { task, status, .. } => {
                assert!(self.recorded[task].is_none(), "task {task} finished twice");
                self.recorded[task] = Some(status);
                self.running.retain(|&(t, _)| t != task);
            }
            Command::WaitForSlot {
                task,
                in_use,
                slots,
            } => {
                assert!(in_use >= slots, "task {task} waits with a slot free");
                assert!(self.recorded[task].is_none(), "task {task} waits when done");
                assert!(
                    self.running.iter().all(|&(t, _)| t != task),
                    "task {task} waits while it runs"
                );
            }
            Command::FinishRun { status } => {
                assert!(self.run.is_none(), "the run finished twice");
                self.run = Some(status);
            }
        }
    }

    /// The reference rule: whether `when` skips `task`, from its needs'
    /// and ancestors' recorded statuses.
    fn expected_skip(&self, task: usize) -> bool {
        let failed_hard = |d: usize| {
            self.recorded[d] == Some(TaskStatus::Failed) && !self.case.specs[d].allow_failure
        };
        match self.case.specs[task].when {
            When::Always => false,
            When::Success => self.case.needs[task].iter().any(|&d| {
                !(self.recorded[d] == Some(TaskStatus::Succeeded)
                    || (self.recorded[d] == Some(TaskStatus::Failed)
                        && self.case.specs[d].allow_failure))
            }),
            When::Failure => !ancestors(&self.case.needs, task)
                .into_iter()
                .any(failed_hard),
        }
    }

    /// `kill -9` of whoever drove the run, then a resume.
    fn crash(&mut self) {
        self.running.clear();
        self.retrying.clear();
        let n = self.case.specs.len();
        for t in 0..n {
            if self.recorded[t].is_none()
                && self.attempts[t] > 0
                && self.attempts[t] >= self.case.specs[t].max_attempts
            {
                self.recorded[t] = Some(TaskStatus::Failed);
            }
        }
        self.sched = build(&self.case, &self.recorded, &self.attempts);
        self.input(Input::Start);
    }

    fn step(&mut self, (op, arg): (u8, u8)) {
        if self.run.is_some() {
            return;
        }
        match op % 16 {
            0 if !self.cancelled => self.crash(),
            1 if op == 1 => {
                self.cancelled = true;
                self.input(Input::Cancel);
            }
            _ if !self.running.is_empty() => {
                let (task, attempt) = self.running.remove(arg as usize % self.running.len());
                let code = if arg % 3 == 0 { 1 } else { 0 };
                self.input(Input::AttemptFinished {
                    task,
                    attempt,
                    outcome: AttemptOutcome::Exited { code },
                });
            }
            _ if !self.retrying.is_empty() => {
                let task = self.retrying.remove(arg as usize % self.retrying.len());
                self.input(Input::RetryDue { task });
            }
            _ => {}
        }
    }

    /// Lets every attempt succeed until the run ends; a run that cannot
    /// end (nothing running, nothing to retry, not finished) hangs.
    fn drain(&mut self) {
        for _ in 0..10_000 {
            if self.run.is_some() {
                return;
            }
            if let Some((task, attempt)) = self.running.pop() {
                self.input(Input::AttemptFinished {
                    task,
                    attempt,
                    outcome: AttemptOutcome::Exited { code: 0 },
                });
            } else if let Some(task) = self.retrying.pop() {
                self.input(Input::RetryDue { task });
            } else {
                panic!(
                    "the run hangs: nothing runs or waits to retry, tasks {:?}",
                    self.recorded
                );
            }
        }
        panic!("the run does not end");
    }
}

fn build(case: &Case, done: &[Option<TaskStatus>], attempts: &[AttemptNo]) -> Scheduler {
    let names = (0..case.specs.len()).map(|i| format!("t{i}")).collect();
    Scheduler::new(
        case.specs.clone(),
        names,
        Dag::new(case.needs.clone()).expect("needs point at earlier tasks"),
        case.concurrency,
        done,
        attempts,
    )
}

fn ancestors(needs: &[Vec<usize>], task: usize) -> Vec<usize> {
    let mut seen = vec![false; needs.len()];
    let mut stack = needs[task].clone();
    while let Some(d) = stack.pop() {
        if !std::mem::replace(&mut seen[d], true) {
            stack.extend(&needs[d]);
        }
    }
    (0..needs.len()).filter(|&d| seen[d]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_run_ends_as_the_reference_model_says(case in case()) {
        let mut w = World::new(case);
        for s in w.case.script.clone() {
            w.step(s);
        }
        w.drain();
        let n = w.case.specs.len();
        for t in 0..n {
            let status = w.recorded[t];
            prop_assert!(
                matches!(
                    status,
                    Some(TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Skipped | TaskStatus::Cancelled)
                ),
                "task {} ended {:?}", t, status
            );
            if !w.cancelled {
                prop_assert_eq!(
                    status == Some(TaskStatus::Skipped),
                    w.expected_skip(t),
                    "task {} skipped or not against the reference", t
                );
                prop_assert_ne!(status, Some(TaskStatus::Cancelled));
            }
        }
        let failed_hard = (0..n).any(|t| {
            w.recorded[t] == Some(TaskStatus::Failed) && !w.case.specs[t].allow_failure
        });
        let expected = if w.cancelled {
            RunStatus::Cancelled
        } else if failed_hard {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        prop_assert_eq!(w.run, Some(expected));
    }
}
