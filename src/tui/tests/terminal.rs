//! An interactive task's terminal pane: attaching, focus, its last screen,
//! and moving between a run's interactive tasks.

use super::*;

#[test]
fn an_interactive_task_gets_a_terminal_pane() {
    let mut s = loaded();
    update(&mut s, Action::Open);
    let mut d = detail();
    d.summary = runs()[0].clone();
    d.tasks[1].interactive = true;
    d.tasks[1].status = TaskStatus::Running;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    update(&mut s, Action::Attach);
    assert_eq!(
        s.notice.as_deref(),
        Some("`build` is not interactive; l opens its log")
    );
    update(&mut s, Action::Down);
    let effects = update(&mut s, Action::Attach);
    assert!(
        matches!(&effects[..], [Effect::Attach { task, .. }] if task.as_str() == "test"),
        "{effects:?}"
    );
    assert_eq!(s.view, View::Terminal);
    assert_eq!(
        update(&mut s, Action::PaneSize(14, 100)),
        vec![Effect::TermResize {
            rows: 14,
            cols: 100
        }],
        "the task's PTY follows the pane"
    );
    assert!(update(&mut s, Action::PaneSize(14, 100)).is_empty());
    let mut parser = vt100::Parser::new(14, 100, 0);
    parser.process(b"Name? \x1b[1mweft\x1b[0m\r\nready> ");
    update(
        &mut s,
        Action::TermScreen {
            task: TaskName::new("test"),
            screen: state::TermScreen(Box::new(parser.screen().clone())),
        },
    );
    assert_eq!(
        update(&mut s, Action::TermInput(b"ls\r".to_vec())),
        vec![Effect::TermInput(b"ls\r".to_vec())]
    );
    insta::assert_snapshot!("terminal", draw(&s));
    update(&mut s, Action::ReleaseTerminal);
    assert!(
        update(&mut s, Action::TermInput(b"x".to_vec())).is_empty(),
        "released: keys are the dashboard's"
    );
    update(&mut s, Action::Open);
    assert!(s.term.as_ref().unwrap().focused, "Enter focuses it again");
    update(
        &mut s,
        Action::TermEnded {
            task: TaskName::new("test"),
            why: "exit 0".into(),
        },
    );
    assert!(!s.term.as_ref().unwrap().focused);
    assert_eq!(update(&mut s, Action::Back), vec![Effect::Detach]);
    assert_eq!(s.view, View::Run);
    // Reopened after it ended, the pane shows its last screen and does not
    // try to attach to a task that is gone.
    let mut d = s.detail.clone().unwrap();
    d.tasks[1].status = TaskStatus::Succeeded;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    assert!(update(&mut s, Action::Attach).is_empty());
    assert_eq!(s.view, View::Terminal);
    let screen = draw(&s);
    assert!(screen.contains("ready>"), "{screen}");
    assert!(screen.contains("ended: the task succeeded"), "{screen}");
}

#[test]
fn tab_switches_between_a_runs_interactive_tasks() {
    let mut s = loaded();
    update(&mut s, Action::Open);
    let mut d = detail();
    d.summary = runs()[0].clone();
    d.tasks[1].interactive = true;
    d.tasks[3].interactive = true;
    // Both still going (a finished task's pane is not attached).
    d.tasks[1].status = TaskStatus::Running;
    d.tasks[3].status = TaskStatus::Running;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    update(&mut s, Action::Down);
    update(&mut s, Action::Attach);
    let to = |effects: Vec<Effect>| match &effects[..] {
        [Effect::Attach { task, .. }] => task.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(to(update(&mut s, Action::NextTerminal)), "publish");
    assert_eq!(s.selected_task(), Some(TaskName::new("publish")));
    assert_eq!(
        to(update(&mut s, Action::NextTerminal)),
        "test",
        "round again"
    );
    assert!(
        s.term.as_ref().unwrap().screen.is_none(),
        "the other task's screen comes from its own connection"
    );
    // With one interactive task there is nowhere to go.
    let mut d = detail();
    d.summary = runs()[0].clone();
    d.tasks[1].interactive = true;
    update(&mut s, Action::DetailLoaded(Box::new(d)));
    assert!(update(&mut s, Action::NextTerminal).is_empty());
    assert_eq!(
        s.notice.as_deref(),
        Some("this run has no other interactive task")
    );
}
