//! A run's view: opening it, the questions before cancel and retry, its
//! graph and timeline, and how its tasks' states read.

use super::*;

#[test]
fn opening_a_run_loads_it_and_jumps_to_its_failure() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::LoadDetail(RunId::from_string("r2failed01"))]
    );
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::JumpToFailure);
    assert_eq!(s.selected_task(), Some(TaskName::new("test")));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn destructive_actions_ask_first() {
    let mut s = loaded();
    assert!(
        update(&mut s, Action::Cancel).is_empty(),
        "nothing happens before the answer"
    );
    insta::assert_snapshot!(draw(&s));
    assert!(
        update(&mut s, Action::Quit).is_empty(),
        "keys other than the answer are ignored"
    );
    assert_eq!(
        update(&mut s, Action::Confirm(true)),
        vec![Effect::Cancel(RunId::from_string("r3running1"))]
    );
    assert!(s.confirm.is_none());
    // Retry from the selected task of an open run.
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::Down);
    update(&mut s, Action::Retry);
    update(&mut s, Action::Confirm(false));
    assert!(s.confirm.is_none());
    update(&mut s, Action::Retry);
    assert_eq!(
        update(&mut s, Action::Confirm(true)),
        vec![Effect::Retry {
            run: RunId::from_string("r2failed01"),
            from: Some(TaskName::new("test"))
        }]
    );
}

#[test]
fn a_finished_run_is_not_offered_to_be_cancelled() {
    let mut s = loaded();
    assert!(
        draw(&s).contains("cancel"),
        "the running run can be cancelled"
    );
    update(&mut s, Action::Down);
    assert_eq!(s.target_run(), Some(RunId::from_string("r2failed01")));
    assert!(!draw(&s).contains("x cancel"), "{}", draw(&s));
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(s.confirm.is_none(), "no question for a run that has ended");
    assert_eq!(
        s.notice.as_deref(),
        Some("run r2failed01 failed: nothing to cancel")
    );
}

#[test]
fn the_timeline_and_a_tree_for_wide_graphs() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    let mut d = detail();
    // A retried attempt, then a second one that succeeded.
    d.tasks[2].attempts.push(AttemptRecord {
        attempt: 2,
        pid: None,
        pid_start: None,
        started_at: NOW - 289_000,
        finished_at: Some(NOW - 270_000),
        outcome: Some(AttemptOutcome::Exited { code: 0 }),
        log: String::new(),
    });
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    update(&mut s, Action::TogglePane);
    insta::assert_snapshot!("timeline", draw(&s));
    update(&mut s, Action::TogglePane);
    // Twelve tasks in a chain do not fit 100 columns side by side.
    let mut wide = detail();
    wide.tasks = (0..12)
        .map(|i| TaskRecord {
            needs: if i == 0 {
                vec![]
            } else {
                vec![TaskName::new(format!("step-number-{}", i - 1))]
            },
            ..task(
                &format!("step-number-{i}"),
                TaskStatus::Succeeded,
                Some(0),
                None,
            )
        })
        .collect();
    update(&mut s, Action::DetailLoaded(Box::new(wide)));
    insta::assert_snapshot!("tree", draw(&s));
}

#[test]
fn the_graph_marks_the_needs_of_a_task_that_runs_anyway() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    let mut d = detail();
    d.tasks[3].when = crate::model::When::Always;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    let screen = draw(&s);
    assert!(screen.contains('▷'), "{screen}");
    assert!(
        screen.contains("▷ runs whatever its needs did (when: always)"),
        "{screen}"
    );
    // The other needs keep their plain arrow.
    assert!(screen.contains('▶'), "{screen}");
    let lines = crate::tui::graph::lines(&s.detail.clone().unwrap(), 10, &|i| {
        (format!("task-{i}"), ratatui::style::Color::White)
    });
    let tree: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert!(
        tree.iter()
            .any(|l| l.contains("◀ test, lint (when: always)")),
        "{tree:?}"
    );
}

#[test]
fn a_task_waiting_for_a_slot_says_so() {
    let mut s = loaded();
    update(&mut s, Action::Open);
    let mut d = detail();
    d.summary = runs()[0].clone();
    d.tasks[1].status = TaskStatus::Pending;
    d.tasks[1].reason = None;
    d.tasks[1].waiting = Some("waiting for a slot, 2 of 2 in use".into());
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    let frame = draw(&s);
    assert!(
        frame.contains("pending: waiting for a slot, 2 of 2 in use"),
        "{frame}"
    );
}

#[test]
fn a_task_waiting_for_input_stands_out() {
    let mut s = loaded();
    update(
        &mut s,
        Action::WaitingLoaded(vec![(
            RunId::from_string("r3running1"),
            TaskName::new("test"),
        )]),
    );
    let frame = draw(&s);
    assert!(frame.contains("⌨ needs input"), "{frame}");
    update(&mut s, Action::Open);
    let mut d = detail();
    d.summary = runs()[0].clone();
    d.tasks[1].interactive = true;
    d.tasks[1].status = TaskStatus::Running;
    d.tasks[1].reason = None;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    let frame = draw(&s);
    assert!(frame.contains("waiting for input: a opens its"), "{frame}");
    update(&mut s, Action::WaitingLoaded(vec![]));
    assert!(!draw(&s).contains("waiting for input"));
}

#[test]
fn a_wide_terminal_shows_the_selected_tasks_outputs_and_attempts() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    let mut terminal = Terminal::new(TestBackend::new(130, 18)).unwrap();
    terminal
        .draw(|f| render::render(&s, &Keymap::default(), f))
        .unwrap();
    let frame = format!("{}", terminal.backend());
    assert!(frame.contains("artifact = app.tar"), "{frame}");
    assert!(frame.contains("#1 exit 0"), "{frame}");
    insta::assert_snapshot!("wide_run", frame);
}
