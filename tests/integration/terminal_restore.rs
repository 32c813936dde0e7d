//! The terminal is the user's again after an attach, in a real terminal
//! (tmux, whose own view of the pane's modes is asserted): whatever modes
//! a full-screen task turned on (alternate screen, mouse tracking,
//! keypad, hidden cursor) are off after the detach key, the task's end
//! and a signal, from `weft attach` and from a foreground `weft run`.

use crate::harness::{Tmux, Weft, wait_until};
use std::time::Duration;

/// Turns on what htop and vim turn on, then waits for a line.
const FULL: &str = r#"name: full
tasks:
  full:
    interactive: true
    run: |
      printf '\033[?1049h\033[?1h\033=\033[?1003h\033[?1006h\033[?2004h\033[?1004h\033[?25l'
      echo FULL-SCREEN
      read -r x
      echo "got $x"
      read -r y
"#;

/// Waits (bounded) until tmux reports the modes of a full-screen program.
fn wait_full_screen(t: &Tmux) {
    let on = wait_until(Duration::from_secs(20), || {
        let m = t.modes();
        m["alternate_on"] == "1" && m["mouse_any_flag"] == "1" && m["keypad_flag"] == "1"
    });
    assert!(
        on,
        "the task's modes never reached the terminal: {:?}",
        t.modes()
    );
}

/// Asserts the pane is as a shell expects it.
fn assert_restored(t: &Tmux) {
    let m = t.modes();
    for (name, want) in [
        ("alternate_on", "0"),
        ("mouse_any_flag", "0"),
        ("mouse_sgr_flag", "0"),
        ("keypad_flag", "0"),
        ("keypad_cursor_flag", "0"),
        ("cursor_flag", "1"),
    ] {
        assert_eq!(
            m[name],
            want,
            "`{name}` after leaving: {m:?}\n{}",
            t.screen()
        );
    }
}

fn submit(w: &Weft) -> String {
    w.write("full.yaml", FULL);
    let out = w.run(&["submit", "-q", "full.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim().to_string()
}

#[test]
fn detaching_from_weft_attach_restores_the_terminal() {
    let w = Weft::new();
    let _d = w.daemon();
    let id = submit(&w);
    let t = Tmux::start(
        &w,
        &format!("\"$WEFT\" attach {id} full; echo \"attach-exit=$?\"; sleep 60"),
    );
    wait_full_screen(&t);
    t.keys(&["C-]"]);
    t.expect("attach-exit=0");
    assert_restored(&t);
    // The prompt is on the main screen, under the notice, not on a dead one.
    assert!(
        t.screen().contains("detached; the task goes on"),
        "{}",
        t.screen()
    );
}

#[test]
fn the_task_ending_and_a_signal_restore_the_terminal_too() {
    let w = Weft::new();
    let _d = w.daemon();
    let id = submit(&w);
    // The task ends while attached.
    let t = Tmux::start(
        &w,
        &format!("\"$WEFT\" attach {id} full; echo \"attach-exit=$?\"; sleep 60"),
    );
    wait_full_screen(&t);
    t.text("a\r");
    t.text("b\r");
    t.expect("attach-exit=0");
    assert_restored(&t);

    // SIGTERM to `weft attach` while a full-screen task has the terminal.
    let id = submit(&w);
    let pid_file = w.path("attach.pid");
    let t = Tmux::start(
        &w,
        &format!(
            "sh -c 'echo $$ > {}; exec \"$WEFT\" attach {id} full'; echo \"attach-exit=$?\"; sleep 60",
            pid_file.display()
        ),
    );
    wait_full_screen(&t);
    let pid = crate::harness::pid_in(&pid_file);
    crate::harness::signal(pid as u32, "TERM");
    t.expect("attach-exit=130");
    assert_restored(&t);
}

#[test]
fn detaching_from_a_foreground_run_restores_the_terminal() {
    let w = Weft::new();
    w.write("full.yaml", FULL);
    let t = Tmux::start(
        &w,
        "\"$WEFT\" run full.yaml; echo \"run-exit=$?\"; sleep 60",
    );
    wait_full_screen(&t);
    t.keys(&["C-]"]);
    t.expect("detached; it goes on");
    assert_restored(&t);
}

#[test]
fn losing_the_daemon_mid_attach_restores_the_terminal() {
    let w = Weft::new();
    let mut daemon = w.daemon();
    let id = submit(&w);
    let t = Tmux::start(
        &w,
        &format!("\"$WEFT\" attach {id} full; echo \"attach-exit=$?\"; sleep 60"),
    );
    wait_full_screen(&t);
    crate::harness::signal(daemon.child.id(), "KILL");
    t.expect("attach-exit=3");
    assert_restored(&t);
    let _ = daemon.child.wait();
}

#[test]
fn a_foreground_task_is_reached_again_after_detaching() {
    let w = Weft::new();
    w.write("full.yaml", FULL);
    let t = Tmux::start(
        &w,
        "\"$WEFT\" run full.yaml; echo \"run-exit=$?\"; sleep 60",
    );
    wait_full_screen(&t);
    t.keys(&["C-]"]);
    t.expect("press Enter to attach again");
    assert_restored(&t);
    // Enter, as the notice says: the task's screen and modes come back.
    t.keys(&["Enter"]);
    wait_full_screen(&t);
    t.expect("FULL-SCREEN");
    t.text("a\r");
    t.expect("got a");
    t.keys(&["C-]"]);
    t.expect("press Enter to attach again");

    // Another terminal reaches it too (no daemon: the run serves it).
    let id = w.latest("full");
    let other = Tmux::start(
        &w,
        &format!("\"$WEFT\" attach {id} full; echo \"attach-exit=$?\"; sleep 60"),
    );
    other.expect("got a");
    wait_full_screen(&other);
    // And `weft send` types into it; the task ends, both terminals see it.
    let sent = w.run(&["send", &id, "full", "b", "--enter"]);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    other.expect("attach-exit=0");
    assert_restored(&other);
    t.expect("run-exit=0");
    assert_restored(&t);
    assert!(!w.socket().exists(), "a daemon was started");
}

/// Interactive tasks take no concurrency slot: a person's pace must not
/// hold back the machine's work.
#[test]
fn an_interactive_task_waiting_for_a_person_does_not_hold_a_slot() {
    let w = Weft::new();
    let _d = w.daemon();
    w.write(
        "slots.yaml",
        "name: slots\nconcurrency: 1\ntasks:\n  ask:\n    interactive: true\n    run: read -r x\n  work:\n    run: echo worked\n",
    );
    let out = w.run(&["submit", "-q", "slots.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    let status = |task: &str| {
        let doc = w.show_json(&id);
        doc["tasks"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == task))
            .map(|t| t["status"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let done = wait_until(Duration::from_secs(20), || status("work") == "succeeded");
    assert!(done, "`work` waited behind `ask`: {}", w.show_json(&id));
    assert_eq!(status("ask"), "running");
    assert_eq!(w.run(&["send", &id, "ask", "ok", "--enter"]).code, 0);
    assert_eq!(w.run(&["wait", &id]).code, 0);
}
