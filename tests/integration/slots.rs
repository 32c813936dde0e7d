//! A task held back by the run's concurrency says so: `weft show` (text
//! and `--json`) and `weft ps`, against a real daemon; interactive tasks
//! take no slot, so they never wait for one.

use crate::harness::{Weft, wait_until};
use std::time::Duration;

/// Two slots, three commands and an interactive task, all ready at once.
pub const FULL: &str = r#"name: full
concurrency: 2
tasks:
  one: { run: sleep 60 }
  two: { run: sleep 60 }
  three: { run: sleep 60 }
  talk:
    interactive: true
    run: sleep 60
"#;

pub const WAITING: &str = "waiting for a slot, 2 of 2 in use";

/// Submits `FULL` to the daemon and waits (bounded) until one command
/// waits for a slot; the run's id and that task's name.
pub fn submit_full(w: &Weft) -> (String, String) {
    w.write("full.yaml", FULL);
    let out = w.run(&["submit", "-q", "full.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    let mut waiting = None;
    let found = wait_until(Duration::from_secs(20), || {
        let doc = w.show_json(&id);
        waiting = doc["tasks"].as_array().and_then(|tasks| {
            tasks
                .iter()
                .find(|t| t["waiting"] == WAITING)
                .map(|t| t["name"].as_str().unwrap().to_string())
        });
        waiting.is_some()
    });
    assert!(found, "no task ever waited: {}", w.show_json(&id));
    (id, waiting.unwrap())
}

#[test]
fn a_task_waiting_for_a_slot_says_so_everywhere() {
    let w = Weft::new();
    let _d = w.daemon();
    let (id, task) = submit_full(&w);
    let doc = w.show_json(&id);
    let tasks = doc["tasks"].as_array().unwrap();
    let status = |name: &str| {
        tasks.iter().find(|t| t["name"] == name).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&task), "pending", "{doc}");
    // The other two commands hold the slots.
    let running: Vec<&str> = ["one", "two", "three"]
        .into_iter()
        .filter(|t| status(t) == "running")
        .collect();
    assert_eq!(running.len(), 2, "{doc}");
    // The interactive task takes no slot: it started all the same.
    assert!(
        wait_until(Duration::from_secs(20), || {
            w.show_json(&id)["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "talk" && t["status"] == "running")
        }),
        "the interactive task waited for a slot: {}",
        w.show_json(&id)
    );
    assert_eq!(doc["tasks_waiting"], 1, "{doc}");
    assert_eq!(doc["waiting"], WAITING, "{doc}");
    for t in tasks.iter().filter(|t| t["name"] != task.as_str()) {
        assert_eq!(t["waiting"], serde_json::Value::Null, "{doc}");
    }

    let show = w.run(&["show", &id]).stdout;
    let line = show
        .lines()
        .find(|l| l.starts_with(task.as_str()))
        .unwrap_or_else(|| panic!("no line for {task}:\n{show}"));
    assert!(
        line.contains(&format!("pending: {WAITING}")),
        "{task}'s line: {line}\n{show}"
    );
    let ps = w.run(&["ps"]).stdout;
    assert!(ps.contains(&format!("1 pending: {WAITING}")), "{ps}");

    // Once the run ends nothing waits any more.
    assert_eq!(w.run(&["cancel", &id]).code, 0);
    w.run(&["wait", &id]);
    let doc = w.show_json(&id);
    assert_eq!(doc["tasks_waiting"], 0, "{doc}");
    assert!(
        doc["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["waiting"].is_null()),
        "{doc}"
    );
    assert!(!w.run(&["show", &id]).stdout.contains(WAITING));
    assert!(!w.run(&["ps"]).stdout.contains(WAITING));
}

#[test]
fn a_foreground_run_with_one_slot_records_the_wait_and_its_end() {
    let w = Weft::new();
    w.write(
        "pair.yaml",
        "name: pair\ntasks:\n  a: { run: 'true' }\n  b: { run: 'true' }\n",
    );
    let out = w.run(&["run", "pair.yaml", "-j", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["task"] == "b")
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        names[..2],
        [
            ("task_waiting", "waiting for a slot, 1 of 1 in use"),
            ("attempt_started", "")
        ],
        "{}",
        out.stdout
    );
    // Its progress stays quiet about it, and the finished run shows no wait.
    let plain = w.run(&["run", "pair.yaml", "-j", "1"]);
    let said = format!("{}{}", plain.stdout, plain.stderr);
    assert!(!said.contains("waiting for a slot"), "{said}");
    let doc = w.show_json("pair");
    assert!(doc["waiting"].is_null(), "{doc}");
}
