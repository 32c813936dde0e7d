//! What tasks print reaches the person running them: `weft run` shows each
//! task's lines live after its name (`--output` picks prefixed, none or
//! failed), `weft wrap` passes its command's streams through unprefixed and
//! as they come, and `weft logs` of an interactive task reads as the
//! screens it drew.

use crate::harness::{Tmux, Weft, capture, example, wait_exit, wait_until};
use std::time::Duration;

#[test]
fn hello_shows_what_its_tasks_print_after_their_names() {
    let w = Weft::new();
    let out = w.run(&["run", &example("hello.yaml")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = &out.stdout;
    assert!(text.contains("greet | hello, world"), "{text}");
    assert!(text.contains("shout | HELLO, WORLD"), "{text}");
    // Not a terminal: no colour, no bars.
    assert!(!text.contains('\x1b'), "{text:?}");
    // A task's lines come before the line that says it ended.
    let line = text.find("greet | hello, world").unwrap();
    let done = text.find("greet: succeeded").expect("greet's end");
    assert!(line < done, "{text}");
}

#[test]
fn names_are_aligned_and_every_line_is_shown_in_order() {
    let w = Weft::new();
    let f = w.write(
        "many.yaml",
        "name: many\ntasks:\n  a:\n    run: seq 1 50000\n  longer_name:\n    run: echo one; echo two >&2\n",
    );
    let out = w.run(&["run", f.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let a: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("a           | "))
        .collect();
    // A fast task is slowed to the display's pace, never cut.
    assert_eq!(a.len(), 50000, "not every line of `a` was shown");
    assert!(a.iter().enumerate().all(|(i, l)| *l == (i + 1).to_string()));
    assert!(!out.stdout.contains("not shown"), "{}", out.stdout);
    assert!(out.stdout.contains("longer_name | one"), "{}", out.stdout);
    assert!(out.stdout.contains("longer_name | two"), "{}", out.stdout);
}

const MIXED: &str = "name: mixed\ntasks:\n  fine:\n    run: echo all is well\n  broken:\n    run: echo about to break; echo broke >&2; exit 3\n";

#[test]
fn output_none_and_failed_choose_what_is_shown() {
    let w = Weft::new();
    let f = w.write("mixed.yaml", MIXED);
    let f = f.to_str().unwrap();

    let none = w.run(&["run", "--output", "none", f]);
    assert_eq!(none.code, 1);
    assert!(
        !none.stdout.contains("fine | ") && !none.stdout.contains("broken | "),
        "{}",
        none.stdout
    );

    let failed = w.run(&["run", "--output", "failed", f]);
    assert_eq!(failed.code, 1);
    assert!(!failed.stdout.contains("all is well"), "{}", failed.stdout);
    assert!(
        failed.stdout.contains("broken | about to break")
            && failed.stdout.contains("broken | broke"),
        "{}",
        failed.stdout
    );

    let bad = w.run(&["run", "--output", "loud", f]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("prefixed"), "{}", bad.stderr);
}

#[test]
fn quiet_prints_nothing_on_success_and_one_line_on_failure() {
    let w = Weft::new();
    let ok = w.run(&["run", "-q", &example("hello.yaml")]);
    assert_eq!(ok.code, 0);
    assert_eq!(ok.stdout, "");
    assert_eq!(ok.stderr, "");

    let f = w.write("mixed.yaml", MIXED);
    let bad = w.run(&["run", "-q", f.to_str().unwrap()]);
    assert_eq!(bad.code, 1);
    assert_eq!(bad.stdout, "");
    assert!(
        bad.stderr.starts_with("weft: run ") && bad.stderr.trim_end().ends_with("failed"),
        "{}",
        bad.stderr
    );
}

#[test]
fn json_output_stays_json_lines() {
    let w = Weft::new();
    let out = w.run(&["run", "--json", &example("hello.yaml")]);
    assert_eq!(out.code, 0);
    for line in out.stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("{line:?} is not JSON: {e}"));
    }
}

#[test]
fn on_a_terminal_lines_are_coloured_and_the_progress_display_stays_whole() {
    let w = Weft::new();
    w.write(
        "live.yaml",
        "name: live\ntasks:\n  ticker:\n    run: for i in 1 2 3; do echo tick $i; sleep 0.2; done; while [ ! -f go ]; do sleep 0.05; done\n  b:\n    run: echo from b\n",
    );
    let t = Tmux::start(&w, "\"$WEFT\" run live.yaml; echo EXIT=$?; sleep 600");
    t.expect("ticker | tick 3");
    // The bar of the task still running is drawn below the lines.
    let screen = t.expect("ticker");
    assert!(screen.contains("b      | from b"), "{screen}");
    let styled = t.styled_screen();
    assert!(
        styled.contains("ticker |") && styled.contains("\x1b["),
        "the names are not coloured: {styled:?}"
    );
    std::fs::write(w.dir.path().join("go"), "").unwrap();
    let screen = t.expect("EXIT=0");
    // Each line whole, once: the bars did not tear or repeat them.
    for i in 1..=3 {
        let n = screen.matches(&format!("ticker | tick {i}")).count();
        assert_eq!(n, 1, "tick {i} shown {n} times:\n{screen}");
    }
}

#[test]
fn wrap_passes_stdout_and_stderr_through_unprefixed_and_as_they_come() {
    let w = Weft::new();
    let mut child = w.spawn(&[
        "wrap",
        "job",
        "--",
        "sh",
        "-c",
        "echo first; echo to-stderr >&2; while [ ! -f go ]; do sleep 0.05; done; echo second",
    ]);
    let out = capture(child.stdout.take().unwrap());
    let err = capture(child.stderr.take().unwrap());
    // Seen while the command still runs: nothing is held back to the end.
    assert!(
        wait_until(Duration::from_secs(20), || out.contains("first")),
        "stdout: {:?}",
        out.text()
    );
    assert!(
        wait_until(Duration::from_secs(20), || err.contains("to-stderr")),
        "stderr: {:?}",
        err.text()
    );
    std::fs::write(w.dir.path().join("go"), "").unwrap();
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), Some(0));
    assert_eq!(out.finish(), "first\nsecond\n");
    assert_eq!(err.finish(), "to-stderr\n");
    // Still logged.
    let logs = w.run(&["logs", "job"]);
    assert!(
        logs.stdout.contains("first") && logs.stdout.contains("to-stderr"),
        "{}",
        logs.stdout
    );
}

/// Draws what a terminal session draws: a progress counter redrawn with
/// `\r`, a REPL prompt redrawn by readline with a typo rubbed out, and a
/// full-screen program on the alternate screen.
const SESSION: &str = r#"name: session
tasks:
  repl:
    interactive: true
    run: |
      printf 'copying 10%%\rcopying 100%%\n'
      printf '>>> \r\033[K>>> x\b\033[Kexit()\n'
      printf '\033[?1049h\033[2J\033[Hfull screen app\033[3;5Hthird row\033[?1049l'
      echo back on the main screen
"#;

#[test]
fn logs_of_an_interactive_task_read_as_the_screen_showed_them() {
    let w = Weft::new();
    let f = w.write("session.yaml", SESSION);
    let out = w.run(&["run", "--output", "none", f.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let logs = w.run(&["logs", "session"]);
    assert_eq!(logs.code, 0, "{}", logs.stderr);
    let lines: Vec<&str> = logs
        .stdout
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest))
        .map(|l| l.trim_start_matches(['│', '|']).trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "copying 100%",
            ">>> exit()",
            "full screen app",
            "third row",
            "back on the main screen"
        ],
        "{}",
        logs.stdout
    );
    assert!(!logs.stdout.contains('\x1b'), "{:?}", logs.stdout);
    // --raw keeps the bytes the task wrote.
    let raw = w.run(&["logs", "--raw", "session"]);
    assert!(raw.stdout.contains("\x1b[?1049h"), "{:?}", raw.stdout);
    assert!(raw.stdout.contains("copying 10%\r"), "{:?}", raw.stdout);
}

#[test]
fn a_python_repl_session_reads_as_typed() {
    if std::process::Command::new("python3")
        .arg("-V")
        .output()
        .is_err()
    {
        panic!("python3 is needed (tests/run.sh installs it)");
    }
    let w = Weft::new();
    let _d = w.daemon();
    let f = w.write(
        "py.yaml",
        "name: py\ntasks:\n  repl:\n    interactive: true\n    run: python3 -q\n",
    );
    let run = w.run(&["submit", "-q", f.to_str().unwrap()]).stdout;
    let run = run.trim();
    // Types once the task is running (the terminal keeps what is typed
    // before the REPL reads it).
    assert!(
        wait_until(Duration::from_secs(20), || w
            .run(&["send", "--enter", run, "repl", "print(6*7)"])
            .code
            == 0),
        "the REPL never started"
    );
    assert!(wait_until(Duration::from_secs(20), || w
        .run(&["logs", "--raw", run])
        .stdout
        .contains("42")));
    assert_eq!(w.run(&["send", "--enter", run, "repl", "exit()"]).code, 0);
    assert_eq!(w.run(&["wait", run]).code, 0);
    let logs = w.run(&["logs", run]).stdout;
    assert!(logs.contains(">>> print(6*7)"), "{logs}");
    assert!(logs.contains("42"), "{logs}");
    assert!(logs.contains(">>> exit()"), "{logs}");
    assert!(!logs.contains(">>> >>>"), "{logs}");
    assert!(!logs.contains('\x1b'), "{logs:?}");
}
