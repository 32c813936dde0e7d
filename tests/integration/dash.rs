//! `weft dash` in a real terminal against a real daemon.

use crate::harness::{Terminal, Weft};

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
