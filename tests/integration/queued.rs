//! Queued runs are runs: `weft show`, `weft wait` and `weft logs -f` of a
//! run still waiting in the queue (`weft add --after`), and `weft wait` of
//! a run a `weft daemon stop` suspended.

use crate::harness::{Weft, capture, wait_until};
use crate::schedule::Gate;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn add(w: &Weft, args: &[&str]) -> String {
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    let out = w.run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim().to_string()
}

#[test]
fn a_queued_run_is_shown_waited_on_and_followed() {
    let w = Weft::new();
    let gate = Gate::new(&w);
    let _daemon = w.daemon();
    let first = add(&w, &["--name", "first", "--", &gate.wait_line()]);
    let second = add(
        &w,
        &[
            "--after",
            &first,
            "--name",
            "second",
            "--",
            "echo from-second",
        ],
    );
    let third = add(&w, &["--after", &second, "--name", "third", "--", "exit 4"]);

    // `show` says what it waits for, and where it stands.
    let show = w.run(&["show", &second]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("queued"), "{}", show.stdout);
    assert!(
        show.stdout
            .contains(&format!("waits for run {first} (first, running)")),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains("it starts next"), "{}", show.stdout);
    let doc = w.show_json(&third);
    assert_eq!(doc["status"], "queued");
    assert_eq!(doc["workflow"], "third");
    assert_eq!(doc["queued"]["after"], second.as_str());
    assert_eq!(doc["queued"]["after_status"], "queued");
    assert_eq!(doc["queued"]["position"], 2);
    // A prefix names it as it names any run.
    assert_eq!(w.show_json(&second[..6])["id"], second.as_str());

    // Waiting for it and following it block until it has run.
    let mut waiter = w.spawn(&["wait", &second]);
    let mut failing = w.spawn(&["wait", &third]);
    let mut follower = w.spawn(&["logs", "-f", &second]);
    let followed = capture(follower.stdout.take().unwrap());
    let note = capture(follower.stderr.take().unwrap());
    assert!(
        wait_until(LIMIT, || note.contains("is queued")),
        "{}",
        note.text()
    );
    assert!(
        note.contains(&format!("waits for run {first}")),
        "{}",
        note.text()
    );
    assert!(waiter.try_wait().unwrap().is_none(), "wait returned early");
    assert!(
        follower.try_wait().unwrap().is_none(),
        "logs -f returned early"
    );
    assert!(!followed.contains("from-second"));

    gate.open();
    let code = crate::harness::wait_exit(&mut waiter, LIMIT);
    assert_eq!(code, Some(0), "wait of the queued run");
    // Its exit code is the run's, as for any run: the third one failed.
    assert_eq!(crate::harness::wait_exit(&mut failing, LIMIT), Some(1));
    assert_eq!(crate::harness::wait_exit(&mut follower, LIMIT), Some(0));
    let text = followed.finish();
    assert!(text.contains("from-second"), "{text}");
    assert!(text.contains(&format!("run {second} succeeded")), "{text}");

    // Without `-f`, a queued run has no output yet and says so.
    let gate2 = w.path("gate2");
    let blocker = add(
        &w,
        &[
            "--",
            &format!(
                "i=0; while [ ! -e {} ] && [ $i -lt 1500 ]; do sleep 0.02; i=$((i+1)); done",
                gate2.display()
            ),
        ],
    );
    let waiting = add(&w, &["--after", &blocker, "--", "true"]);
    let logs = w.run(&["logs", &waiting]);
    assert_eq!(logs.code, 0, "{}", logs.stderr);
    assert!(
        logs.stderr.contains("is queued") && logs.stderr.contains("no output yet"),
        "{}",
        logs.stderr
    );
    // A wait for a queued run that is cancelled ends as cancelled (130).
    let mut cancelled = w.spawn(&["wait", &waiting]);
    let said = capture(cancelled.stderr.take().unwrap());
    assert!(
        wait_until(LIMIT, || said.contains("waiting for it to start and end")),
        "{}",
        said.text()
    );
    assert_eq!(w.run(&["cancel", &waiting]).code, 0);
    assert_eq!(crate::harness::wait_exit(&mut cancelled, LIMIT), Some(130));
    std::fs::write(&gate2, "").unwrap();
}

#[test]
fn wait_after_daemon_stop_shows_the_run_suspended_and_starts_no_daemon() {
    let w = Weft::new();
    let gate = Gate::new(&w);
    let daemon = w.daemon();
    let run = add(
        &w,
        &[
            "--name",
            "held",
            "--",
            &format!("echo x > started; {}", gate.wait_line()),
        ],
    );
    assert!(crate::harness::wait_for_file(&w.path("started"), LIMIT));
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
    drop(daemon);
    // Suspended, not interrupted: it goes on when a daemon starts again.
    assert_eq!(w.show_json(&run)["status"], "suspended");
    let ps = w.run(&["ps"]);
    assert!(ps.stdout.contains("suspended"), "{}", ps.stdout);

    let mut waiter = w.spawn(&["wait", &run]);
    let err = capture(waiter.stderr.take().unwrap());
    assert!(
        wait_until(LIMIT, || err.contains("is suspended")),
        "{}",
        err.text()
    );
    assert!(err.contains("`weft daemon start`"), "{}", err.text());
    // The user stopped the daemon: `wait` has not started one.
    assert_eq!(w.run(&["--no-autostart", "daemon", "status"]).code, 3);
    assert!(waiter.try_wait().unwrap().is_none(), "{}", err.text());

    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || w.show_json(&run)["status"] == "running"),
        "the run did not go on"
    );
    gate.open();
    assert_eq!(crate::harness::wait_exit(&mut waiter, LIMIT), Some(0));
    assert!(err.finish().contains(&format!("run {run} succeeded")));
}
