//! Whole frames on ratatui's TestBackend from fixture state (insta
//! snapshots), and the update function, action by action.

use super::*;
use crate::model::{AttemptOutcome, RunId, RunStatus, TaskName, TaskStatus, Trigger};
use crate::model::{AttemptRecord, RunDetail, RunSummary, TaskRecord};
use crate::tui::action::RunsPage;
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
        tasks_waiting: 0,
        waiting: None,
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
        when: Default::default(),
        needs: Vec::new(),
        interactive: false,
        status,
        reason: reason.map(String::from),
        waiting: None,
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
        concurrency: None,
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
    update(&mut s, loaded_runs(RunsPage::Newest, runs()));
    update(
        &mut s,
        Action::RunsLoaded {
            page: RunsPage::Older { offset: 0 },
            limit: update::OLDER,
            runs: runs(),
        },
    );
    s
}

fn loaded_runs(page: RunsPage, runs: Vec<RunSummary>) -> Action {
    Action::RunsLoaded {
        page,
        limit: update::NEWEST,
        runs,
    }
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
    update(&mut s, loaded_runs(RunsPage::Newest, newer));
    assert_eq!(s.selected_run().unwrap().id.as_str(), "r2failed01");
    let reload = [
        Effect::LoadRuns {
            page: RunsPage::Newest,
            limit: update::NEWEST,
        },
        Effect::LoadRuns {
            page: RunsPage::Active,
            limit: 0,
        },
        // A run is still going: which tasks wait for input?
        Effect::LoadWaiting,
    ];
    assert_eq!(update(&mut s, Action::Tick(NOW + 1000)), reload.to_vec());
    update(&mut s, Action::Open);
    let mut with_detail = reload.to_vec();
    with_detail.push(Effect::LoadDetail(RunId::from_string("r2failed01")));
    assert_eq!(update(&mut s, Action::Tick(NOW + 2000)), with_detail);
    assert_eq!(
        update(&mut s, Action::CopyId),
        vec![Effect::Copy("r2failed01".into())]
    );
    assert_eq!(s.notice.as_deref(), Some("copied r2failed01"));
    assert_eq!(update(&mut s, Action::Quit), vec![Effect::Quit]);
    assert!(s.quit);
}

fn line(stream: crate::logs::Stream, text: &str) -> crate::logs::LogLine {
    crate::logs::LogLine {
        at: "2026-11-22T00:00:00.000Z".into(),
        stream,
        text: text.into(),
    }
}

#[test]
fn a_task_log_follows_and_scrolls() {
    use crate::logs::Stream;
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
    let chunk = |attempt, lines: Vec<crate::logs::LogLine>, next_offset| {
        piece(attempt, lines, next_offset, false)
    };
    let effects = update(
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
    // A log being written is read again soon, from where this read ended
    // (and the tick does not ask a second time meanwhile).
    let again = Effect::LoadLogSoon {
        run: RunId::from_string("r2failed01"),
        task: TaskName::new("test"),
        offset: 40,
    };
    assert_eq!(effects, vec![again]);
    assert!(
        !update(&mut s, Action::Tick(NOW))
            .iter()
            .any(|e| matches!(e, Effect::LoadLog { .. } | Effect::LoadLogSoon { .. }))
    );
    // Nothing new: the next look is at the tick.
    assert!(
        update(
            &mut s,
            Action::LogLoaded {
                task: TaskName::new("test"),
                from: 40,
                chunk: chunk(1, vec![], 40),
            },
        )
        .is_empty()
    );
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

/// A piece of log as the runtime hands it to `update`.
fn piece(
    attempt: u32,
    lines: Vec<crate::logs::LogLine>,
    next_offset: u64,
    more: bool,
) -> action::LogPiece {
    action::LogPiece {
        attempt,
        lines: lines
            .into_iter()
            .map(|l| state::LogEntry {
                stream: l.stream,
                text: l.text.into(),
            })
            .collect(),
        next_offset,
        more,
    }
}

fn many_runs(n: usize) -> Vec<RunSummary> {
    (0..n)
        .map(|i| {
            let status = match i % 5 {
                0 => RunStatus::Running,
                1 => RunStatus::Failed,
                _ => RunStatus::Succeeded,
            };
            let took = (status != RunStatus::Running).then_some((i % 7) as i64);
            summary(
                &format!("r{i:08}"),
                if i % 2 == 0 { "nightly" } else { "release" },
                status,
                i as i64 * 10,
                took,
                1,
                2,
            )
        })
        .collect()
}

#[test]
fn ten_thousand_runs_load_in_pages_and_scroll_by_the_page() {
    let mut s = State::new(NOW);
    s.list_height = 12;
    update(&mut s, Action::DaemonBack("0.1.0".into()));
    let tick = update(&mut s, Action::Tick(NOW));
    assert!(
        tick.contains(&Effect::LoadRuns {
            page: RunsPage::Older { offset: 0 },
            limit: update::OLDER
        }),
        "the first tick starts the background load: {tick:?}"
    );
    let all = many_runs(10_000);
    let mut offset = 0;
    loop {
        let page: Vec<_> = all
            .iter()
            .skip(offset)
            .take(update::OLDER)
            .cloned()
            .collect();
        let got = page.len();
        let effects = update(
            &mut s,
            Action::RunsLoaded {
                page: RunsPage::Older { offset },
                limit: update::OLDER,
                runs: page,
            },
        );
        if got < update::OLDER {
            assert!(effects.is_empty());
            break;
        }
        offset += got;
        assert_eq!(
            effects,
            vec![Effect::LoadRuns {
                page: RunsPage::Older { offset },
                limit: update::OLDER
            }],
            "each full page asks for the next"
        );
    }
    assert!(s.runs_complete);
    assert_eq!(s.visible_runs().len(), 10_000);
    // A refresh of the newest page changes runs in place, without doubles.
    let mut newest: Vec<_> = all.iter().take(update::NEWEST).cloned().collect();
    newest[0].status = RunStatus::Succeeded;
    update(&mut s, loaded_runs(RunsPage::Newest, newest));
    assert_eq!(s.runs.len(), 10_000);
    assert_eq!(s.runs[0].status, RunStatus::Succeeded);
    for _ in 0..3 {
        update(&mut s, Action::PageDown);
    }
    assert_eq!(s.selected, 36, "a page is the table's height");
    assert_eq!(s.list_top, 25, "the selection stays in view");
    insta::assert_snapshot!("paged", draw(&s));
    // Narrowed to failed runs, oldest first, the selection follows along.
    update(&mut s, Action::StatusFilter);
    update(&mut s, Action::StatusFilter);
    assert_eq!(s.status_filter, Some(RunStatus::Failed));
    assert_eq!(s.visible_runs().len(), 2_000);
    assert!(s.visible_runs().all(|r| r.status == RunStatus::Failed));
    update(&mut s, Action::Sort);
    assert_eq!(s.sort, state::Sort::Oldest);
    assert_eq!(s.visible_runs().next().unwrap().id.as_str(), "r00009996");
    update(&mut s, Action::Back);
    assert_eq!(s.status_filter, None, "Esc clears the filters");
    assert_eq!(s.visible_runs().len(), 10_000);
}

#[test]
fn a_log_is_searched_wrapped_and_coloured() {
    use crate::logs::Stream;
    let mut s = loaded();
    s.log_height = 16;
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::OpenLog);
    let mut lines: Vec<_> = (0..40)
        .map(|i| line(Stream::Stdout, &format!("step {i} ok")))
        .collect();
    lines[5] = line(Stream::Stdout, "\u{1b}[31mERROR\u{1b}[0m disk full");
    lines[30] = line(Stream::Stderr, "error: retrying");
    lines[39] = line(Stream::Stdout, &format!("long {}", "x".repeat(150)));
    let effects = update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("build"),
            from: 0,
            chunk: piece(1, lines, 4000, true),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("build"),
            offset: 4000
        }],
        "more waiting is read at once, not at the next tick"
    );
    assert!(
        !update(&mut s, Action::Tick(NOW))
            .iter()
            .any(|e| matches!(e, Effect::LoadLog { .. })),
        "no second read while one is under way"
    );
    update(&mut s, Action::StartFilter);
    for c in "error".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    update(&mut s, Action::EndFilter);
    let search = s.log.as_ref().unwrap().search.clone().unwrap();
    assert_eq!(
        search.matches,
        vec![5, 30],
        "case-insensitive, escapes ignored"
    );
    assert!(!s.log.as_ref().unwrap().follow, "a search stops following");
    insta::assert_snapshot!("searched", draw(&s));
    assert_eq!(
        search.current, 1,
        "the first match below the top line is shown"
    );
    update(&mut s, Action::SearchNext);
    assert_eq!(
        s.log.as_ref().unwrap().search.as_ref().unwrap().current,
        0,
        "wraps around"
    );
    // The colour of `ERROR` is the task's red.
    let mut terminal = Terminal::new(TestBackend::new(100, 18)).unwrap();
    terminal
        .draw(|f| render::render(&s, &Keymap::default(), f))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let row = (0..18)
        .find(|&y| {
            (0..10)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
                .starts_with("ERROR")
        })
        .expect("the ERROR line is shown");
    assert_eq!(buffer[(0, row)].fg, ratatui::style::Color::Indexed(1));
    update(&mut s, Action::SearchPrev);
    assert_eq!(s.log.as_ref().unwrap().search.as_ref().unwrap().current, 1);
    update(&mut s, Action::Back);
    assert!(
        s.log.as_ref().unwrap().search.is_none(),
        "Esc clears the search first"
    );
    assert_eq!(s.view, View::Log);
    update(&mut s, Action::FollowLog);
    update(&mut s, Action::ToggleWrap);
    insta::assert_snapshot!("wrapped", draw(&s));
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
fn a_workflow_is_started_with_its_required_params() {
    let mut s = loaded();
    assert_eq!(
        update(&mut s, Action::StartWorkflow),
        vec![Effect::LoadWorkflows]
    );
    update(
        &mut s,
        Action::WorkflowsLoaded(vec![
            state::KnownWorkflow {
                name: "broken".into(),
                file: "/w/broken.yaml".into(),
                params: vec![],
                problem: Some("line 3: unknown key `taks`".into()),
            },
            state::KnownWorkflow {
                name: "release".into(),
                file: "/w/release.yaml".into(),
                params: vec![
                    ("version".into(), true, None),
                    ("channel".into(), false, Some("stable".into())),
                ],
                problem: None,
            },
        ]),
    );
    update(&mut s, Action::Open);
    assert!(
        s.start
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("unknown key"),
        "an invalid workflow says why it cannot start"
    );
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    assert!(
        update(&mut s, Action::Open).is_empty(),
        "a required param is missing"
    );
    assert_eq!(
        s.start.as_ref().unwrap().error.as_deref(),
        Some("required: version")
    );
    for c in "1.2".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    insta::assert_snapshot!("start", draw(&s));
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::Start {
            file: "/w/release.yaml".into(),
            params: vec![
                ("version".into(), "1.2".into()),
                ("channel".into(), "stable".into())
            ]
        }]
    );
    assert_eq!(
        update(&mut s, Action::Started(RunId::from_string("r5started"))),
        vec![Effect::LoadDetail(RunId::from_string("r5started"))]
    );
    assert!(s.start.is_none());
    assert_eq!(s.view, View::Run);
}

#[test]
fn a_log_flood_keeps_only_the_newest_lines() {
    use crate::logs::Stream;
    let mut s = loaded();
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::OpenLog);
    update(&mut s, Action::StartFilter);
    for c in "needle".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    update(&mut s, Action::EndFilter);
    // 40 chunks of 10,000 lines of 100 bytes: 40 MB, more than is kept.
    let mut offset = 0;
    for chunk_no in 0..40u64 {
        let lines: Vec<_> = (0..10_000)
            .map(|i| {
                let n = chunk_no * 10_000 + i;
                let word = if n % 50_000 == 0 { "needle" } else { "hay" };
                line(
                    Stream::Stdout,
                    &format!("{n:>10} {word} {}", "x".repeat(80)),
                )
            })
            .collect();
        update(
            &mut s,
            Action::LogLoaded {
                task: TaskName::new("build"),
                from: offset,
                chunk: piece(1, lines, offset + 1_000_000, true),
            },
        );
        offset += 1_000_000;
    }
    let log = s.log.as_ref().unwrap();
    assert!(log.kept <= update::LOG_KEPT, "{} bytes kept", log.kept);
    assert_eq!(
        log.dropped + log.lines.len(),
        400_000,
        "every line is counted"
    );
    assert!(log.dropped > 0);
    assert!(log.lines.last().unwrap().text.starts_with("    399999 hay"));
    let first_kept = log.dropped;
    let search = log.search.as_ref().unwrap();
    assert!(!search.matches.is_empty());
    for &m in &search.matches {
        assert!(
            log.lines[m].text.contains("needle"),
            "match {m} still points at a match"
        );
    }
    assert_eq!(
        search.matches.len(),
        (first_kept..400_000).filter(|n| n % 50_000 == 0).count()
    );
    assert!(draw(&s).contains("not kept"));
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

#[test]
fn without_colour_statuses_still_read_and_the_selection_still_shows() {
    let s = loaded();
    let mut terminal = Terminal::new(TestBackend::new(100, 18)).unwrap();
    terminal
        .draw(|f| {
            render::render(&s, &Keymap::default(), f);
            render::drop_colours(f.buffer_mut());
        })
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "no colour is left"
    );
    let frame = format!("{}", terminal.backend());
    assert!(
        frame.contains("✗ failed") && frame.contains("● running"),
        "{frame}"
    );
    let selected = (0..18)
        .find(|&y| buffer[(0, y)].symbol() == "›")
        .expect("a selected row");
    assert!(
        buffer[(4, selected)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the selection is reversed, not coloured"
    );
}

#[test]
fn every_view_draws_at_any_terminal_size_without_panicking() {
    use crate::logs::Stream;
    let mut states = Vec::new();
    let mut s = loaded();
    states.push(s.clone());
    update(&mut s, Action::ToggleHelp);
    states.push(s.clone());
    update(&mut s, Action::ToggleHelp);
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    states.push(s.clone());
    update(&mut s, Action::TogglePane);
    states.push(s.clone());
    update(&mut s, Action::TogglePane);
    update(&mut s, Action::OpenLog);
    update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("build"),
            from: 0,
            chunk: piece(
                1,
                vec![line(
                    Stream::Stdout,
                    &format!("\u{1b}[31m{}\u{1b}[0m", "é".repeat(300)),
                )],
                10,
                false,
            ),
        },
    );
    update(&mut s, Action::ToggleWrap);
    states.push(s.clone());
    update(&mut s, Action::Back);
    if let Some(d) = &mut s.detail {
        d.tasks[0].interactive = true;
    }
    update(&mut s, Action::Up);
    update(&mut s, Action::Up);
    update(&mut s, Action::Attach);
    let mut parser = vt100::Parser::new(30, 120, 0);
    parser.process("a wide screen: ".repeat(20).as_bytes());
    update(
        &mut s,
        Action::TermScreen {
            task: TaskName::new("build"),
            screen: state::TermScreen(Box::new(parser.screen().clone())),
        },
    );
    assert_eq!(s.view, View::Terminal);
    states.push(s.clone());
    update(&mut s, Action::Back);
    update(&mut s, Action::Back);
    update(&mut s, Action::StartWorkflow);
    states.push(s.clone());
    for state in &states {
        for (w, h) in [(1, 1), (5, 3), (20, 6), (40, 10), (80, 24), (250, 70)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| render::render(state, &Keymap::default(), f))
                .unwrap();
        }
    }
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
