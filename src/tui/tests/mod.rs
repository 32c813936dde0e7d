//! Whole frames on ratatui's TestBackend from fixture state (insta
//! snapshots), and the update function, action by action: the fixtures
//! here, the tests in a file per area of the dashboard.

use super::*;
use crate::model::{AttemptOutcome, RunId, RunStatus, TaskName, TaskStatus, Trigger};
use crate::model::{AttemptRecord, RunDetail, RunSummary, TaskRecord};
use crate::tui::action::RunsPage;
use ratatui::{Terminal, backend::TestBackend};

mod frames;
mod list;
mod log;
mod run;
mod start;
mod terminal;

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

fn line(stream: crate::logs::Stream, text: &str) -> crate::logs::LogLine {
    crate::logs::LogLine {
        at: "2026-11-22T00:00:00.000Z".into(),
        stream,
        text: text.into(),
    }
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
