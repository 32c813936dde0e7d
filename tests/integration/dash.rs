//! `weft dash` in a real terminal against a real daemon.

use crate::harness::{Terminal, Tmux, Weft};

#[test]
fn the_dashboard_lists_runs_opens_one_and_quits_cleanly() {
    let w = Weft::new();
    let _d = w.daemon();
    w.write(
        "bad.yaml",
        "name: bad\ntasks:\n  first: { run: 'echo about to fail; exit 3' }\n  second: { needs: [first], run: 'true' }\n",
    );
    let id = w
        .run(&["submit", "-q", "bad.yaml"])
        .stdout
        .trim()
        .to_string();
    assert_eq!(w.run(&["wait", &id]).code, 1);
    assert_eq!(w.run(&["logs", &id, "first"]).stdout, "about to fail\n");
    let mut term = Terminal::open(&w, "\"$WEFT\" dash; echo \"dash-exit=$?\"; sleep 5");
    term.expect(&id);
    term.expect("✗ failed");
    term.type_bytes(b"\r");
    term.expect("`first` failed");
    // Its log, from the daemon.
    term.type_bytes(b"\r");
    term.expect("about to fail");
    term.expect("log · first · attempt 1");
    term.type_bytes(b"\x1b");
    term.expect("`first` failed");
    term.type_bytes(b"?");
    term.expect("keys (? or Esc closes)");
    term.type_bytes(b"\x1b");
    term.type_bytes(b"q");
    term.expect("dash-exit=0");
    assert_eq!(term.wait(), Some(0));
}

#[test]
fn the_dashboard_needs_a_terminal() {
    let w = Weft::new();
    let out = w.run(&["dash"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("needs a terminal"), "{}", out.stderr);
}

#[test]
fn a_bad_key_binding_in_the_config_is_refused_with_the_reason() {
    let w = Weft::new();
    std::fs::write(
        w.home.path().join("config.yaml"),
        "dash:\n  keys:\n    cancle: X\n",
    )
    .unwrap();
    let out = w.run(&["dash"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("unknown action `cancle` in `dash.keys`"),
        "{}",
        out.stderr
    );
}

/// The whole loop in a real terminal (tmux) against a real daemon: a
/// workflow the daemon knows is started from the dashboard (asking for its
/// required param), its interactive task's terminal opens inside the
/// dashboard, takes typed keys, lets go of them with the detach key and
/// takes them again; the run finishes and its log holds what the task
/// printed.
#[test]
fn in_tmux_the_dashboard_starts_a_workflow_and_types_into_its_terminal() {
    let w = Weft::new();
    w.workflow_dir("wf");
    w.write(
        "wf/ask.yaml",
        "name: ask\nparams:\n  greeting: { type: string, required: true }\ntasks:\n  ask:\n    interactive: true\n    run: 'printf \"{{ params.greeting }}, name? \"; read name; echo \"hello $name, size $(stty size)\"; printf \"again? \"; read x; echo \"bye $x, size $(stty size)\"'\n  after: { needs: [ask], run: 'echo after-ran' }\n",
    );
    w.write("wf/broken.yaml", "name: broken\ntasks:\n  t: { rnu: x }\n");
    let _d = w.daemon();
    let tmux = Tmux::start(&w, "\"$WEFT\" dash; echo \"dash-exit=$?\"; sleep 30");
    tmux.expect("no runs yet");
    // Start it from the list of known workflows.
    tmux.text("n");
    tmux.expect("start a workflow");
    let screen = tmux.expect("broken");
    assert!(screen.contains("invalid"), "{screen}");
    tmux.expect("ask");
    tmux.text("k");
    tmux.keys(&["Enter"]);
    tmux.expect("greeting*:");
    tmux.keys(&["Enter"]);
    tmux.expect("required: greeting");
    tmux.text("Hi there");
    tmux.keys(&["Enter"]);
    tmux.expect("started ");
    tmux.expect("ask ⌨");
    // Its terminal, inside the dashboard.
    tmux.text("a");
    tmux.expect("terminal · ask · keys go to the task");
    tmux.expect("Hi there, name?");
    tmux.text("weft");
    tmux.keys(&["Enter"]);
    // The task's terminal is the pane: 32 rows less the bars and the
    // title, 120 columns.
    tmux.expect("hello weft, size 29 120");
    tmux.expect("again?");
    // Resizing the terminal resizes the task's PTY.
    tmux.resize(100, 30);
    tmux.expect("terminal · ask");
    // The detach key gives the keys back to the dashboard; the task goes on.
    tmux.keys(&["C-]"]);
    tmux.expect("keys are the dashboard's");
    tmux.text("?");
    tmux.expect("keys (? or Esc closes)");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Enter"]);
    tmux.expect("keys go to the task");
    tmux.text("ok");
    tmux.keys(&["Enter"]);
    tmux.expect("ended:");
    tmux.keys(&["Escape"]);
    tmux.expect("✓ after");
    tmux.expect("✓ succeeded");
    // The log kept what the terminal showed.
    tmux.text("l");
    tmux.expect("log · ask · attempt 1");
    tmux.expect("bye ok, size 27 100");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    let screen = tmux.expect("runs (1)");
    assert!(screen.contains("ask"), "{screen}");
    tmux.text("q");
    tmux.expect("dash-exit=0");
    let ps = w.run(&["ps", "--json"]);
    let runs: serde_json::Value = serde_json::from_str(&ps.stdout).unwrap();
    let id = runs[0]["id"].as_str().unwrap().to_string();
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(w.run(&["logs", &id, "after"]).stdout, "after-ran\n");
}

#[test]
fn in_tmux_the_dashboard_shows_a_task_waiting_for_a_slot() {
    let w = Weft::new();
    let _d = w.daemon();
    let (id, task) = crate::slots::submit_full(&w);
    let tmux = Tmux::start(&w, "\"$WEFT\" dash; echo \"dash-exit=$?\"; sleep 30");
    // Wide enough for the task table's notes beside the task pane.
    tmux.resize(160, 40);
    tmux.expect(&id);
    tmux.keys(&["Enter"]);
    let screen = tmux.expect(&format!("pending: {}", crate::slots::WAITING));
    let line = screen
        .lines()
        .find(|l| l.contains(crate::slots::WAITING))
        .unwrap();
    assert!(line.contains(&task), "{screen}");
    tmux.text("q");
    tmux.expect("dash-exit=0");
    assert_eq!(w.run(&["cancel", &id]).code, 0);
}
