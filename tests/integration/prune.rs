//! `weft prune` and the daemon's retention: what goes (runs, their rows,
//! their log files), what never goes (runs still going or queued), the
//! preview, the JSON, and bad input.

use crate::harness::{Weft, wait_until};
use serde_json::Value;
use std::time::Duration;

const HI: &str =
    "name: hi\ntasks:\n  a: { run: echo hello }\n  b: { needs: [a], run: echo world }\n";
const BAD: &str = "name: bad\ntasks:\n  a: { run: exit 3 }\n";

fn runs_of(w: &Weft, workflow: &str) -> Vec<String> {
    let out = w.run(&["ps", "-w", workflow, "-n", "0", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    runs.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `file` `n` times in the foreground; returns the ids, newest first.
fn run_times(w: &Weft, file: &str, n: usize) -> Vec<String> {
    for _ in 0..n {
        w.run(&["run", file, "-q"]);
    }
    let name = file.trim_end_matches(".yaml");
    runs_of(w, name)
}

fn log_dir(w: &Weft, run: &str) -> std::path::PathBuf {
    w.home.path().join("logs").join(run)
}

#[test]
fn dry_run_lists_what_would_go_and_prune_deletes_runs_and_their_logs() {
    let w = Weft::new();
    w.write("hi.yaml", HI);
    w.write("bad.yaml", BAD);
    let hi = run_times(&w, "hi.yaml", 4);
    let bad = run_times(&w, "bad.yaml", 2);
    assert_eq!((hi.len(), bad.len()), (4, 2));

    let dry = w.run(&["prune", "--keep", "1", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    for old in hi[1..].iter().chain(&bad[1..]) {
        assert!(dry.stdout.contains(old.as_str()), "{}", dry.stdout);
    }
    assert!(!dry.stdout.contains(hi[0].as_str()), "{}", dry.stdout);
    assert!(
        dry.stdout.starts_with("ID "),
        "a table like ps: {}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("would delete 4 runs, ")
            && dry.stdout.contains("nothing deleted (--dry-run)"),
        "{}",
        dry.stdout
    );
    // Nothing changed.
    assert_eq!(runs_of(&w, "hi"), hi);
    assert!(hi.iter().all(|r| log_dir(&w, r).is_dir()));

    let real = w.run(&["prune", "--keep", "1"]);
    assert_eq!(real.code, 0, "{}", real.stderr);
    assert!(
        real.stdout.starts_with("deleted 4 runs, ") && real.stdout.contains(" log files ("),
        "{}",
        real.stdout
    );
    assert!(real.stdout.contains("; database "), "{}", real.stdout);
    assert_eq!(runs_of(&w, "hi"), &hi[..1]);
    assert_eq!(runs_of(&w, "bad"), &bad[..1]);
    assert!(log_dir(&w, &hi[0]).is_dir());
    for old in hi[1..].iter().chain(&bad[1..]) {
        assert!(
            !log_dir(&w, old).exists(),
            "the logs of {old} are still there"
        );
        let show = w.run(&["show", old]);
        assert_eq!(show.code, 2, "{old} is still shown: {}", show.stdout);
    }
    // The kept runs are whole.
    let kept = w.run(&["logs", &hi[0]]);
    assert!(kept.stdout.contains("hello"), "{}", kept.stdout);
    // Again: nothing left to prune.
    let again = w.run(&["prune", "--keep", "1"]);
    assert!(
        again.stdout.starts_with("deleted 0 runs"),
        "{}",
        again.stdout
    );
}

#[test]
fn status_and_workflow_narrow_what_goes() {
    let w = Weft::new();
    w.write("hi.yaml", HI);
    w.write("bad.yaml", BAD);
    let hi = run_times(&w, "hi.yaml", 2);
    let bad = run_times(&w, "bad.yaml", 2);
    let out = w.run(&["prune", "--status", "failed", "-w", "hi"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("deleted 0 runs"), "{}", out.stdout);
    let out = w.run(&["prune", "--status", "cancelled,failed", "--keep", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("deleted 1 run,"), "{}", out.stdout);
    assert_eq!(runs_of(&w, "hi"), hi);
    assert_eq!(runs_of(&w, "bad"), &bad[..1]);
    let out = w.run(&["prune", "-s", "failed"]);
    assert!(out.stdout.starts_with("deleted 1 run,"), "{}", out.stdout);
    assert!(runs_of(&w, "bad").is_empty());
    assert_eq!(runs_of(&w, "hi"), hi);
}

#[test]
fn a_retry_keeps_the_run_it_was_made_from() {
    let w = Weft::new();
    w.write(
        "flaky.yaml",
        "name: flaky\ntasks:\n  a: { run: echo one }\n  b: { needs: [a], run: 'test -e ok' }\n",
    );
    assert_eq!(w.run(&["run", "flaky.yaml", "-q"]).code, 1);
    let first = w.latest("flaky");
    w.write("ok", "");
    assert_eq!(w.run(&["retry", "flaky", "-q"]).code, 0);
    let out = w.run(&["prune", "--keep", "1", "--json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["spared"], 1, "{report}");
    assert_eq!(report["runs"].as_array().unwrap().len(), 0, "{report}");
    assert_eq!(runs_of(&w, "flaky").len(), 2);
    assert!(w.run(&["show", &first]).code == 0);
    // With the retry itself gone, both go.
    let out = w.run(&["prune", "--keep", "0", "-w", "flaky"]);
    assert!(out.stdout.starts_with("deleted 2 runs"), "{}", out.stdout);
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let w = Weft::new();
    w.write("hi.yaml", HI);
    run_times(&w, "hi.yaml", 1);
    let cases: &[(&[&str], &str)] = &[
        (
            &["prune"],
            "error: say which runs to delete with `--older-than DURATION`, `--keep N` or `--status STATUS`",
        ),
        (&["prune", "-w", "hi"], "never deletes every run"),
        (
            &["prune", "--status", "running"],
            "error: `--status running`: a running run has not finished and is never pruned; prune takes succeeded, failed, cancelled, interrupted",
        ),
        (
            &["prune", "--status", "queued"],
            "a queued run has not finished",
        ),
        (
            &["prune", "--status", "done"],
            "error: unknown `--status` `done`; prune takes succeeded, failed, cancelled, interrupted",
        ),
        (
            &["prune", "--older-than", "3"],
            "error: bad `--older-than`: `3` has no unit",
        ),
        (&["prune", "--keep", "many"], "invalid value 'many'"),
    ];
    for (args, message) in cases {
        let out = w.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }
    assert_eq!(runs_of(&w, "hi").len(), 1, "bad input deleted nothing");
}

#[test]
fn runs_still_going_or_queued_are_never_pruned() {
    let w = Weft::new();
    w.write("hi.yaml", HI);
    let done = run_times(&w, "hi.yaml", 2);
    let _daemon = w.daemon();
    let long = w.run(&["add", "--name", "hi", "--", "sleep 60"]);
    assert_eq!(long.code, 0, "{}", long.stderr);
    let long = long.stdout.trim().to_string();
    let queued = w.run(&["add", "--name", "hi", "--after", &long, "--", "true"]);
    assert_eq!(queued.code, 0, "{}", queued.stderr);
    let queued = queued.stdout.trim().to_string();
    assert!(wait_until(Duration::from_secs(20), || {
        w.show_json(&long)["status"] == "running"
    }));
    let out = w.run(&["prune", "--keep", "0", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let gone: Vec<&str> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = done.iter().map(String::as_str).collect();
    expected.sort();
    let mut gone_sorted = gone.clone();
    gone_sorted.sort();
    assert_eq!(gone_sorted, expected);
    let left = runs_of(&w, "hi");
    assert!(left.contains(&long) && left.contains(&queued), "{left:?}");
    assert_eq!(w.show_json(&long)["status"], "running");
    assert!(log_dir(&w, &long).is_dir());
    assert_eq!(w.run(&["cancel", &long]).code, 0);
}

#[test]
fn the_daemon_applies_retention_and_says_so_in_its_log() {
    let w = Weft::new();
    w.write("hi.yaml", HI);
    // Its own limit, over the config's: kept from the definition its
    // latest run was made from.
    w.write(
        "bad.yaml",
        "name: bad\nretention:\n  keep: 2\ntasks:\n  a: { run: exit 3 }\n",
    );
    let hi = run_times(&w, "hi.yaml", 3);
    let bad = run_times(&w, "bad.yaml", 3);
    std::fs::write(
        w.home.path().join("config.yaml"),
        "retention:\n  keep: 1\n  max_age: 30d\n",
    )
    .unwrap();
    let _daemon = w.daemon();
    assert!(
        wait_until(Duration::from_secs(20), || w
            .daemon_log()
            .contains("retention applied")),
        "{}",
        w.daemon_log()
    );
    assert_eq!(runs_of(&w, "hi"), &hi[..1]);
    assert_eq!(runs_of(&w, "bad"), &bad[..2]);
    let log = w.daemon_log();
    assert!(
        log.contains("retention: pruned runs workflow=hi runs=2"),
        "{log}"
    );
    assert!(log.contains("workflow=bad runs=1"), "{log}");
    assert!(!log_dir(&w, &hi[2]).exists());
}

#[test]
fn retention_in_a_workflow_file_is_validated_and_located() {
    let w = Weft::new();
    w.write(
        "r.yaml",
        "name: r\nretention:\n  keep: 0\n  max_age: 5s\n  max_runs: 3\ntasks:\n  a: { run: 'true' }\n",
    );
    let out = w.run(&["validate", "r.yaml"]);
    assert_eq!(out.code, 2);
    for message in [
        "r.yaml:3:9",
        "`retention.keep` must be a whole number of at least 1",
        "r.yaml:4:12",
        "`retention.max_age` must be between 1m and 3660d",
        "max_runs",
    ] {
        assert!(out.stderr.contains(message), "{message}: {}", out.stderr);
    }
    w.write(
        "ok.yaml",
        "name: ok\nretention: { keep: 100, max_age: 7d }\ntasks:\n  a: { run: 'true' }\n",
    );
    assert_eq!(w.run(&["validate", "ok.yaml"]).code, 0);
}
