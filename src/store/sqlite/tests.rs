//! The SQLite store against real database files.

use super::*;
use crate::model::{TaskName, Trigger};

fn new_run(id: &str, workflow: &str, owner: Owner) -> NewRun {
    NewRun {
        id: RunId::from_string(id),
        workflow: workflow.into(),
        file: "w.yaml".into(),
        source: "name: w".into(),
        params: serde_json::json!({"n": 1}),
        trigger: Trigger::Manual,
        retry_of: None,
        tasks: vec![
            NewTask {
                name: TaskName::new("a"),
                needs: vec![],
                when: Default::default(),
                reused: None,
            },
            NewTask {
                name: TaskName::new("b"),
                needs: vec![TaskName::new("a")],
                when: Default::default(),
                reused: None,
            },
        ],
        owner,
        created_at: now_ms(),
        concurrency: Some(3),
    }
}

fn event(run: &str, kind: EventKind) -> RunEvent {
    RunEvent {
        run: RunId::from_string(run),
        at: now_ms(),
        kind,
    }
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_run_is_recorded_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
    store
        .create_run(&new_run("r1", "w", Owner::this_process()))
        .unwrap();
    let a = TaskName::new("a");
    block(store.record(vec![
        event(
            "r1",
            EventKind::AttemptStarted {
                task: a.clone(),
                attempt: 1,
                pid: Some(42),
                pid_start: None,
                log: "l".into(),
            },
        ),
        event(
            "r1",
            EventKind::AttemptFinished {
                task: a.clone(),
                attempt: 1,
                outcome: AttemptOutcome::Exited { code: 0 },
            },
        ),
        event(
            "r1",
            EventKind::TaskFinished {
                task: a.clone(),
                status: TaskStatus::Succeeded,
                reason: None,
                outputs: vec![("k".into(), "v".into())],
            },
        ),
        event(
            "r1",
            EventKind::RunFinished {
                status: RunStatus::Succeeded,
            },
        ),
    ]))
    .unwrap();
    let run = store.run(&RunId::from_string("r1")).unwrap();
    assert_eq!(run.concurrency, Some(3), "the run's -j is kept");
    assert_eq!(run.summary.status, RunStatus::Succeeded);
    assert_eq!(run.summary.tasks_total, 2);
    assert_eq!(run.summary.tasks_done, 1);
    assert_eq!(run.tasks[0].status, TaskStatus::Succeeded);
    assert_eq!(run.tasks[0].attempts.len(), 1);
    assert_eq!(run.tasks[0].exit_code(), Some(0));
    assert_eq!(
        run.tasks[0].outputs,
        vec![("k".to_string(), "v".to_string())]
    );
    assert_eq!(run.tasks[1].status, TaskStatus::Pending);
    assert_eq!(
        run.tasks[1].needs,
        vec![TaskName::new("a")],
        "the graph is kept"
    );
    assert_eq!(run.params, serde_json::json!({"n": 1}));
}

#[test]
fn a_wait_for_a_slot_is_kept_until_the_task_starts_and_only_while_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
    store
        .create_run(&new_run("r1", "w", Owner::this_process()))
        .unwrap();
    let waiting = |task: &str| {
        event(
            "r1",
            EventKind::TaskWaiting {
                task: TaskName::new(task),
                reason: "waiting for a slot, 3 of 3 in use".into(),
                in_use: 3,
                slots: 3,
            },
        )
    };
    let id = RunId::from_string("r1");
    block(store.record(vec![waiting("a"), waiting("b")])).unwrap();
    let run = store.run(&id).unwrap();
    let why = Some("waiting for a slot, 3 of 3 in use".to_string());
    assert_eq!(run.tasks[0].waiting, why);
    assert_eq!(
        run.tasks[0].status_text(),
        "pending: waiting for a slot, 3 of 3 in use"
    );
    assert_eq!((run.summary.tasks_waiting, &run.summary.waiting), (2, &why));
    block(store.record(vec![event(
        "r1",
        EventKind::AttemptStarted {
            task: TaskName::new("a"),
            attempt: 1,
            pid: None,
            pid_start: None,
            log: "l".into(),
        },
    )]))
    .unwrap();
    let run = store.run(&id).unwrap();
    assert_eq!(run.tasks[0].waiting, None);
    assert_eq!(run.tasks[0].status_text(), "running");
    assert_eq!(run.tasks[1].waiting, why);
    let listed = &store.runs(&RunFilter::default()).unwrap()[0];
    assert_eq!((listed.tasks_waiting, &listed.waiting), (1, &why));
    // An ended run has nothing waiting, whatever was recorded last.
    block(store.record(vec![event(
        "r1",
        EventKind::RunFinished {
            status: RunStatus::Cancelled,
        },
    )]))
    .unwrap();
    let run = store.run(&id).unwrap();
    assert_eq!(run.tasks[1].waiting, None);
    assert_eq!((run.summary.tasks_waiting, run.summary.waiting), (0, None));
}

#[test]
fn runs_are_found_by_id_prefix_or_workflow_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
    store
        .create_run(&new_run("abc111", "build", Owner::this_process()))
        .unwrap();
    store
        .create_run(&new_run("abc222", "build", Owner::this_process()))
        .unwrap();
    store
        .create_run(&new_run("xyz333", "deploy", Owner::this_process()))
        .unwrap();
    assert_eq!(store.resolve("xyz").unwrap().as_str(), "xyz333");
    assert_eq!(store.resolve("abc111").unwrap().as_str(), "abc111");
    assert_eq!(store.resolve("build").unwrap().as_str(), "abc222");
    match store.resolve("abc") {
        Err(StoreError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.resolve("nope"),
        Err(StoreError::NotFound(_))
    ));
    let only_build = store
        .runs(&RunFilter {
            workflow: Some("build".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(only_build.len(), 2);
    assert_eq!(only_build[0].id.as_str(), "abc222", "newest first");
}

#[test]
fn runs_of_a_dead_process_become_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dead = Owner {
        pid: dead_pid,
        start: Some(1),
        host: crate::sys::hostname(),
        daemon: false,
    };
    store.create_run(&new_run("dead1", "w", dead)).unwrap();
    store
        .create_run(&new_run("live1", "w", Owner::this_process()))
        .unwrap();
    block(store.record(vec![event(
        "dead1",
        EventKind::AttemptStarted {
            task: TaskName::new("a"),
            attempt: 1,
            pid: Some(dead_pid),
            pid_start: None,
            log: "l".into(),
        },
    )]))
    .unwrap();
    let reaped = store.reap_interrupted().unwrap();
    assert_eq!(reaped, vec![RunId::from_string("dead1")]);
    let run = store.run(&RunId::from_string("dead1")).unwrap();
    assert_eq!(run.summary.status, RunStatus::Interrupted);
    assert!(
        run.tasks
            .iter()
            .all(|t| t.status == TaskStatus::Interrupted)
    );
    assert_eq!(
        run.tasks[0].attempts[0].outcome,
        Some(AttemptOutcome::Interrupted)
    );
    let live = store.run(&RunId::from_string("live1")).unwrap();
    assert_eq!(live.summary.status, RunStatus::Running);
    assert!(store.reap_interrupted().unwrap().is_empty());
}

#[test]
fn two_stores_on_one_file_write_at_once_without_lock_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weft.db");
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::open(&path, Durability::Normal).unwrap();
                for i in 0..25 {
                    let id = format!("w{w}r{i}");
                    store
                        .create_run(&new_run(&id, "w", Owner::this_process()))
                        .unwrap();
                    block(store.record(vec![event(
                        &id,
                        EventKind::RunFinished {
                            status: RunStatus::Succeeded,
                        },
                    )]))
                    .unwrap();
                    store.runs(&RunFilter::default()).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = SqliteStore::open(&path, Durability::Normal).unwrap();
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), 100);
    assert!(runs.iter().all(|r| r.status == RunStatus::Succeeded));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weft.db");
    drop(SqliteStore::open(&path, Durability::Normal).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version=99")
        .unwrap();
    match SqliteStore::open(&path, Durability::Full) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened a newer schema"),
    }
}

#[test]
fn many_processes_opening_a_new_store_at_once_all_succeed() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weft.db");
        let start = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    SqliteStore::open(&path, Durability::Normal)
                        .map(|s| s.runs(&RunFilter::default()).map(|r| r.len()))
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap().unwrap().unwrap(), 0);
        }
    }
}

#[test]
fn a_fire_is_recorded_once_and_an_unstarted_one_is_found_again() {
    use crate::model::{Fire, FireOutcome};
    use crate::store::QueuedRun;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weft.db");
    let store = SqliteStore::open(&path, Durability::Normal).unwrap();
    let fire = Fire {
        workflow: "w".into(),
        schedule: "every:1000ms".into(),
        fire_at: 5000,
        outcome: FireOutcome::Started,
        run: Some(RunId::from_string("r1")),
        params: vec![("who".into(), "me".into())],
    };
    assert!(store.record_fire(&fire, None).unwrap());
    // A second daemon, or this one after a restart, finds it taken.
    let other = SqliteStore::open(&path, Durability::Normal).unwrap();
    let again = Fire {
        run: Some(RunId::from_string("r2")),
        ..fire.clone()
    };
    assert!(!other.record_fire(&again, None).unwrap());
    // Recorded but its run never written: it must still start.
    assert_eq!(store.unstarted_fires().unwrap(), vec![fire.clone()]);
    store
        .create_run(&new_run("r1", "w", Owner::this_daemon()))
        .unwrap();
    assert!(store.unstarted_fires().unwrap().is_empty());
    let last = store.last_fire("w", "every:1000ms").unwrap().unwrap();
    assert_eq!(last.run_status, Some(RunStatus::Running));
    assert_eq!(last.fire.params, [("who".to_string(), "me".to_string())]);
    assert!(store.last_fire("w", "other").unwrap().is_none());

    // A queued fire records its waiting run in the same transaction.
    let queued = QueuedRun {
        run: RunId::from_string("r3"),
        workflow: "w".into(),
        file: "/w.yaml".into(),
        source: "name: w".into(),
        params: vec![("k".into(), "v".into())],
        trigger: Trigger::Schedule,
        after: RunId::from_string("r1"),
        created_at: 1,
    };
    let later = Fire {
        fire_at: 6000,
        outcome: FireOutcome::Queued,
        run: Some(queued.run.clone()),
        ..fire
    };
    assert!(store.record_fire(&later, Some(&queued)).unwrap());
    assert!(!store.record_fire(&later, Some(&queued)).unwrap());
    assert_eq!(other.queued_runs().unwrap(), vec![queued.clone()]);
    store.dequeue(&queued.run).unwrap();
    assert!(store.queued_runs().unwrap().is_empty());

    assert_eq!(store.schedule_seen("w", "k", 10).unwrap(), 10);
    assert_eq!(store.schedule_seen("w", "k", 20).unwrap(), 10);
    store.set_paused("w", true).unwrap();
    assert_eq!(other.paused_workflows().unwrap(), vec!["w".to_string()]);
    store.set_paused("w", false).unwrap();
    assert!(other.paused_workflows().unwrap().is_empty());
}
