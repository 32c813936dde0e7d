//! Interactive tasks through a real daemon, driven from a real terminal:
//! attach, type, detach, re-attach to the same screen, the log transcript,
//! `weft send`, and a terminal restored when the daemon dies mid-attach.

use crate::harness::{Terminal, Tmux, Weft};

const ASK: &str = r#"name: ask
tasks:
  ask:
    interactive: true
    run: read -p "name? " n; echo "hello $n"; read -p "again? " m; echo "bye $m"
  after:
    needs: [ask]
    run: echo done
"#;

fn submit(w: &Weft) -> String {
    w.write("ask.yaml", ASK);
    let out = w.run(&["submit", "-q", "ask.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.trim().to_string()
}

#[test]
fn attach_type_detach_and_reattach_to_the_same_screen() {
    let w = Weft::new();
    let _d = w.daemon();
    let id = submit(&w);
    let mut term = Terminal::open(&w, &format!("\"$WEFT\" attach {id} ask"));
    term.expect("name? ");
    term.type_bytes(b"bob\r");
    term.expect("hello bob");
    term.expect("again? ");
    term.type_bytes(&[0x1d]); // Ctrl-]
    term.expect("detached; the task goes on");
    assert_eq!(term.wait(), Some(0));

    // A late attach sees the screen as it is now, not a blank one.
    let mut again = Terminal::open(&w, &format!("\"$WEFT\" attach {id} ask"));
    again.expect("hello bob");
    again.expect("again? ");
    again.type_bytes(b"x\r");
    again.expect("bye x");
    again.expect("task `ask` ended: exit 0");
    assert_eq!(again.wait(), Some(0));

    assert_eq!(w.run(&["wait", &id]).code, 0);
    let logs = w.run(&["logs", &id, "ask"]).stdout;
    assert_eq!(logs, "name? bob\nhello bob\nagain? x\nbye x\n");
    assert_eq!(w.run(&["logs", &id, "after"]).stdout, "done\n");
}

#[test]
fn send_types_for_scripts_and_read_only_watchers_see_it() {
    let w = Weft::new();
    let _d = w.daemon();
    let id = submit(&w);
    let mut watcher = Terminal::open(&w, &format!("\"$WEFT\" attach --read-only {id} ask"));
    watcher.expect("name? ");
    // A read-only watcher's keys go nowhere.
    watcher.type_bytes(b"ignored\r");
    assert_eq!(w.run(&["send", &id, "ask", "alice", "--enter"]).code, 0);
    watcher.expect("hello alice");
    assert!(
        !watcher.contents().contains("ignored"),
        "{}",
        watcher.contents()
    );
    assert_eq!(w.run(&["send", &id, "ask", "bob", "--enter"]).code, 0);
    watcher.expect("bye bob");
    assert_eq!(watcher.wait(), Some(0));
    assert_eq!(w.run(&["wait", &id]).code, 0);
    // Not interactive: `send` says so, `attach` follows the log instead.
    let out = w.run(&["send", &id, "after", "x"]);
    assert_ne!(out.code, 0);
    w.write(
        "plain.yaml",
        "name: plain\ntasks:\n  t: { run: 'echo plain-output; sleep 0.3' }\n",
    );
    let plain = w
        .run(&["submit", "-q", "plain.yaml"])
        .stdout
        .trim()
        .to_string();
    let mut term = Terminal::open(&w, &format!("\"$WEFT\" attach {plain} t"));
    term.expect("is not interactive; following its log instead");
    term.expect("plain-output");
    assert_eq!(term.wait(), Some(0));
}

#[test]
fn the_terminal_is_restored_when_the_daemon_dies_mid_attach() {
    let w = Weft::new();
    let mut daemon = w.daemon();
    let id = submit(&w);
    let term = Terminal::open(
        &w,
        &format!(
            "\"$WEFT\" attach {id} ask; echo \"attach-exit=$?\"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | tr '\\n' ' '; echo; sleep 5"
        ),
    );
    term.expect("name? ");
    crate::harness::signal(daemon.child.id(), "KILL");
    term.expect("lost the daemon");
    term.expect("attach-exit=3");
    // Cooked mode again: canonical input and echo are on.
    term.expect("icanon echo");
    let _ = daemon.child.wait();
}

#[test]
fn a_foreground_run_gives_the_terminal_to_its_interactive_task() {
    let w = Weft::new();
    w.write("ask.yaml", ASK);
    let mut term = Terminal::open(&w, "\"$WEFT\" run ask.yaml; echo \"run-exit=$?\"; sleep 5");
    term.expect("name? ");
    term.type_bytes(b"carol\r");
    term.expect("hello carol");
    term.type_bytes(b"dave\r");
    term.expect("bye dave");
    term.expect("gave the terminal back");
    term.expect(": 2 succeeded");
    term.expect("run-exit=0");
    assert_eq!(
        w.run(&["logs", "ask", "ask"]).stdout,
        "name? carol\nhello carol\nagain? dave\nbye dave\n"
    );
}

#[test]
fn a_task_waiting_for_input_shows_as_such() {
    let w = Weft::new();
    std::fs::write(
        w.home.path().join("config.yaml"),
        "daemon:\n  input_wait: 200ms\n",
    )
    .unwrap();
    let _d = w.daemon();
    let id = submit(&w);
    let waiting = || {
        w.show_json(&id)["waiting_for_input"]
            .as_array()
            .is_some_and(|a| a.iter().any(|t| t == "ask"))
    };
    assert!(
        crate::harness::wait_until(std::time::Duration::from_secs(20), waiting),
        "never shown waiting"
    );
    assert!(w.run(&["ps"]).stdout.contains("waiting for input"));
    let show = w.run(&["show", &id]).stdout;
    assert!(
        show.contains(&format!("waiting for input: `weft attach {id} ask`")),
        "{show}"
    );
    assert_eq!(w.run(&["send", &id, "ask", "a", "--enter"]).code, 0);
    assert_eq!(w.run(&["send", &id, "ask", "b", "--enter"]).code, 0);
    assert_eq!(w.run(&["wait", &id]).code, 0);
    assert_eq!(w.show_json(&id)["waiting_for_input"], serde_json::json!([]));
}

/// Says the size of its terminal at the start and on every SIGWINCH.
const WINCH: &str = r#"name: winch
tasks:
  sized:
    interactive: true
    run: bash winch.sh
"#;

/// The last size `WINCH`'s task said on this screen.
fn last_size(screen: &str) -> Option<(u16, u16)> {
    let line = screen.lines().rev().find(|l| l.starts_with("size "))?;
    let mut n = line["size ".len()..]
        .split_whitespace()
        .map(|n| n.parse().ok());
    Some((n.next()??, n.next()??))
}

fn winch_workflow() -> Weft {
    let w = Weft::new();
    w.write(
        "winch.sh",
        "trap 'echo \"size $(stty size)\"' WINCH\necho \"size $(stty size)\"\nwhile :; do sleep 0.1; done\n",
    );
    w.write("winch.yaml", WINCH);
    w
}

fn expect_size(tmux: &Tmux, size: (u16, u16)) {
    let mut screen = String::new();
    assert!(
        crate::harness::wait_until(std::time::Duration::from_secs(20), || {
            screen = tmux.screen();
            last_size(&screen) == Some(size)
        }),
        "the task never said size {size:?}; the screen:\n{screen}"
    );
}

#[test]
fn two_attached_terminals_size_the_task_by_the_smaller_until_it_detaches() {
    let w = winch_workflow();
    let _d = w.daemon();
    let out = w.run(&["submit", "-q", "winch.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    let attach = format!("\"$WEFT\" attach {id} sized; echo attach-exit=$?; sleep 30");
    let big = Tmux::start(&w, &attach);
    let big_size = big.pane_size();
    expect_size(&big, big_size);
    let small = Tmux::start(&w, &attach);
    small.resize(60, 20);
    let small_size = small.pane_size();
    assert!(small_size.0 < big_size.0 && small_size.1 < big_size.1);
    // The smaller terminal sizes the task; both see it.
    expect_size(&small, small_size);
    expect_size(&big, small_size);
    // Rows and columns each come from the smallest: the larger one grows,
    // the smaller one widens past it.
    big.resize(150, 45);
    let bigger = big.pane_size();
    small.resize(200, 20);
    let (small_rows, small_cols) = small.pane_size();
    assert!(small_cols > bigger.1);
    expect_size(&big, (small_rows, bigger.1));
    // The smaller one detaches: the task takes the size of the one left.
    small.keys(&["C-]"]);
    small.expect("detached; the task goes on");
    expect_size(&big, bigger);
    assert_eq!(w.run(&["cancel", &id]).code, 0);
    big.expect("attach-exit=");
}

#[test]
fn a_foreground_runs_own_terminal_counts_as_one_of_the_attached() {
    let w = winch_workflow();
    let own = Tmux::start(&w, "\"$WEFT\" run winch.yaml; sleep 30");
    let own_size = own.pane_size();
    expect_size(&own, own_size);
    let id = w.latest("winch");
    let other = Tmux::start(
        &w,
        &format!("\"$WEFT\" attach {id} sized; echo attach-exit=$?; sleep 30"),
    );
    other.resize(60, 20);
    let other_size = other.pane_size();
    expect_size(&own, other_size);
    expect_size(&other, other_size);
    other.keys(&["C-]"]);
    other.expect("detached; the task goes on");
    expect_size(&own, own_size);
}
