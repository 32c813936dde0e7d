//! Whole frames on ratatui's TestBackend from fixture state (insta
//! snapshots), and the update function, action by action.

use super::*;
use crate::model::{AttemptOutcome, RunId, RunStatus, TaskName, TaskStatus, Trigger};
use crate::store::{AttemptRecord, RunDetail, RunSummary, TaskRecord};
use ratatui::{Terminal, backend::TestBackend};

const NOW: i64 = 1_700_000_000_000;

fn summary(
    id: &str,
    workflow: &str,
    status: RunStatus,
    ago_s: i64,
    took_s: Option<i64>,
    done: u32,
    total: u32,
) -> RunSummary {
    RunSummary {
        id: RunId::from_string(id),
        workflow: workflow.into(),
        status,
        trigger: Trigger::Manual,
        retry_of: None,
        created_at: NOW - ago_s * 1000,
        finished_at: took_s.map(|t| NOW - ago_s * 1000 + t * 1000),
        tasks_total: total,
        tasks_done: done,
        tasks_failed: u32::from(status == RunStatus::Failed),
    }
}

fn runs() -> Vec<RunSummary> {
    vec![
        summary("r3running1", "nightly", RunStatus::Running, 12, None, 1, 3),
        summary(
            "r2failed01",
            "release",
            RunStatus::Failed,
            300,
            Some(42),
            3,
            3,
        ),
        summary(
            "r1succeed1",
            "nightly",
            RunStatus::Succeeded,
            7200,
            Some(5),
            3,
            3,
        ),
    ]
}

fn task(name: &str, status: TaskStatus, code: Option<i32>, reason: Option<&str>) -> TaskRecord {
    TaskRecord {
        name: TaskName::new(name),
        needs: Vec::new(),
        status,
        reason: reason.map(String::from),
        reused_from: None,
        started_at: code.map(|_| NOW - 300_000),
        finished_at: code.map(|_| NOW - 290_000),
        attempts: code
            .map(|c| {
                vec![AttemptRecord {
                    attempt: 1,
                    pid: Some(100),
                    pid_start: None,
                    started_at: NOW - 300_000,
                    finished_at: Some(NOW - 290_000),
                    outcome: Some(AttemptOutcome::Exited { code: c }),
                    log: String::new(),
                }]
            })
            .unwrap_or_default(),
        outputs: if status == TaskStatus::Succeeded {
            vec![("artifact".into(), "app.tar".into())]
        } else {
            vec![]
        },
    }
}

fn detail() -> RunDetail {
    RunDetail {
        summary: runs()[1].clone(),
        file: "/w/release.yaml".into(),
        params: serde_json::json!({"version": "1.2"}),
        source: String::new(),
        owner_pid: None,
        tasks: vec![
            task("build", TaskStatus::Succeeded, Some(0), None),
            TaskRecord {
                needs: vec![TaskName::new("build")],
                ..task("test", TaskStatus::Failed, Some(1), Some("exit 1"))
            },
            TaskRecord {
                needs: vec![TaskName::new("build")],
                ..task("lint", TaskStatus::Succeeded, Some(0), None)
            },
            TaskRecord {
                needs: vec![TaskName::new("test"), TaskName::new("lint")],
                ..task("publish", TaskStatus::Skipped, None, Some("`test` failed"))
            },
        ],
    }
}

fn loaded() -> State {
    let mut s = State::new(NOW);
    update(&mut s, Action::DaemonBack("0.1.0".into()));
    update(&mut s, Action::RunsLoaded(runs()));
    s
}

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 18)).unwrap();
    terminal
        .draw(|f| render::render(state, &Keymap::default(), f))
        .unwrap();
    format!("{}", terminal.backend())
}

#[test]
fn the_runs_view() {
    insta::assert_snapshot!(draw(&loaded()));
}

#[test]
fn a_filter_narrows_the_list() {
    let mut s = loaded();
    update(&mut s, Action::StartFilter);
    for c in "night".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    assert_eq!(s.visible_runs().len(), 2);
    insta::assert_snapshot!(draw(&s));
}

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
fn the_help_and_a_lost_daemon() {
    let mut s = loaded();
    update(&mut s, Action::ToggleHelp);
    insta::assert_snapshot!("help", draw(&s));
    update(&mut s, Action::Back);
    update(&mut s, Action::DaemonLost("connection refused".into()));
    insta::assert_snapshot!("lost", draw(&s));
}

#[test]
fn new_runs_keep_the_selection_and_ticks_reload() {
    let mut s = loaded();
    update(&mut s, Action::Down);
    let mut newer = runs();
    newer.insert(
        0,
        summary("r4newest01", "adhoc", RunStatus::Running, 1, None, 0, 1),
    );
    update(&mut s, Action::RunsLoaded(newer));
    assert_eq!(s.selected_run().unwrap().id.as_str(), "r2failed01");
    assert_eq!(
        update(&mut s, Action::Tick(NOW + 1000)),
        vec![Effect::LoadRuns]
    );
    update(&mut s, Action::Open);
    assert_eq!(
        update(&mut s, Action::Tick(NOW + 2000)),
        vec![
            Effect::LoadRuns,
            Effect::LoadDetail(RunId::from_string("r2failed01"))
        ]
    );
    assert_eq!(
        update(&mut s, Action::CopyId),
        vec![Effect::Copy("r2failed01".into())]
    );
    assert_eq!(s.notice.as_deref(), Some("copied r2failed01"));
    assert_eq!(update(&mut s, Action::Quit), vec![Effect::Quit]);
    assert!(s.quit);
}

fn line(stream: crate::store::Stream, text: &str) -> crate::store::LogLine {
    crate::store::LogLine {
        at: "2026-11-22T00:00:00.000Z".into(),
        stream,
        text: text.into(),
    }
}

#[test]
fn a_task_log_follows_and_scrolls() {
    use crate::store::Stream;
    let mut s = loaded();
    s.log_height = 3;
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::Down);
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("test"),
            offset: 0
        }]
    );
    let chunk = |attempt, lines: Vec<crate::store::LogLine>, next_offset| crate::api::LogChunk {
        attempt,
        lines,
        next_offset,
    };
    update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("test"),
            from: 0,
            chunk: chunk(
                1,
                vec![
                    line(Stream::Stdout, "one"),
                    line(Stream::Stderr, "two"),
                    line(Stream::Weft, "three"),
                    line(Stream::Terminal, "\u{1b}[1mfour\u{1b}[0m"),
                ],
                40,
            ),
        },
    );
    let log = s.log.as_ref().unwrap();
    assert_eq!(
        (log.top, log.follow, log.offset),
        (1, true, 40),
        "following shows the last lines"
    );
    // The next poll asks from where the last one ended.
    assert!(
        update(&mut s, Action::Tick(NOW)).contains(&Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("test"),
            offset: 40
        })
    );
    update(&mut s, Action::Up);
    assert!(
        !s.log.as_ref().unwrap().follow,
        "scrolling up stops following"
    );
    insta::assert_snapshot!(draw(&s));
    update(&mut s, Action::FollowLog);
    assert!(s.log.as_ref().unwrap().follow);
    // A new attempt starts its own log.
    update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("test"),
            from: 0,
            chunk: chunk(2, vec![line(Stream::Stdout, "again")], 6),
        },
    );
    assert_eq!(s.log.as_ref().unwrap().lines.len(), 1);
    update(&mut s, Action::Back);
    assert_eq!(s.view, View::Run);
}
