//! The scripting contract: `weft wrap` passes its command's exit code on,
//! `--overlap` locks hold across concurrent invocations (and vanish with a
//! killed process), `weft run -` reads stdin, `weft wait` takes several
//! runs, and nothing draws or asks without a terminal.

use crate::harness::{Weft, alive, capture, kill_group, pid_in, signal, wait_exit, wait_until};
use std::time::Duration;

#[test]
fn wrap_passes_the_exit_code_on_and_keeps_history() {
    let w = Weft::new();
    let out = w.run(&[
        "wrap",
        "seven",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 7",
    ]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    // The command's streams as it wrote them, and weft's one line on stderr.
    assert_eq!(out.stdout, "out\n");
    assert!(out.stderr.starts_with("err\n"), "{}", out.stderr);
    assert!(
        out.stderr.contains("weft: seven failed") && out.stderr.contains("weft logs"),
        "{}",
        out.stderr
    );
    let show = w.show_json("seven");
    assert_eq!(show["status"], "failed");
    assert_eq!(show["trigger"], "manual");
    assert_eq!(show["tasks"][0]["attempts"][0]["outcome"]["code"], 7);
    let logs = w.run(&["logs", "seven"]);
    assert!(
        logs.stdout.contains("out") && logs.stdout.contains("err"),
        "{}",
        logs.stdout
    );

    assert_eq!(w.run(&["wrap", "ok", "-q", "--", "true"]).code, 0);
    let out = w.run(&["wrap", "sig", "-q", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.code, 128 + 15);
    let out = w.run(&["wrap", "missing", "-q", "--", "/nonexistent/program"]);
    assert_eq!(out.code, 127);
    let out = w.run(&[
        "wrap",
        "slow",
        "-q",
        "--timeout",
        "100ms",
        "--",
        "sleep",
        "30",
    ]);
    assert_eq!(out.code, 124);
    // Template syntax in the command is passed as written.
    let out = w.run(&[
        "wrap",
        "braces",
        "-q",
        "--",
        "sh",
        "-c",
        "echo '{{ x }}' > braces.txt",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(w.path("braces.txt")).unwrap(),
        "{{ x }}\n"
    );
    // Weft's own errors keep their codes.
    let out = w.run(&["wrap", "bad name", "--", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = w.run(&["wrap", "x"]);
    assert_eq!(out.code, 2);
}

#[test]
fn wrap_retries_and_weft_retry_reruns_it() {
    let w = Weft::new();
    let flaky = "n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]";
    let out = w.run(&[
        "wrap", "flaky", "--retry", "1", "-q", "--", "sh", "-c", flaky,
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(
        w.show_json("flaky")["tasks"][0]["attempts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The stored definition is the wrap's: retry runs the command again, here.
    let out = w.run(&["retry", "flaky", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(w.path("n")).unwrap().trim(), "3");
    assert_eq!(w.show_json("flaky")["trigger"], "retry");
}

#[test]
fn overlap_skip_and_queue_hold_across_concurrent_invocations() {
    let w = Weft::new();
    let hold = "echo $$ > started; while [ ! -f release ]; do sleep 0.02; done";
    let mut first = w.spawn(&[
        "wrap",
        "nightly",
        "--overlap",
        "skip",
        "-q",
        "--",
        "sh",
        "-c",
        hold,
    ]);
    pid_in(&w.path("started"));
    assert!(w.home.path().join("locks/nightly.lock").exists());

    // A second run of the same name is skipped, says so, and records nothing.
    let out = w.run(&[
        "wrap",
        "nightly",
        "--overlap",
        "skip",
        "--",
        "touch",
        "second",
    ]);
    assert_eq!(out.code, 75, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("skipped: a run of `nightly` is still going"),
        "{}",
        out.stderr
    );
    assert!(!w.path("second").exists());
    let out = w.run(&["wrap", "nightly", "--overlap", "skip", "-q", "--", "true"]);
    assert_eq!((out.code, out.stderr.as_str()), (75, ""));
    // Another name is not held up; `weft run` obeys the same lock.
    assert_eq!(
        w.run(&["wrap", "other", "--overlap", "skip", "-q", "--", "true"])
            .code,
        0
    );
    w.write(
        "nightly.yaml",
        "name: nightly\ntasks:\n  t:\n    run: touch third\n",
    );
    assert_eq!(
        w.run(&["run", "nightly.yaml", "--overlap", "skip"]).code,
        75
    );
    assert!(!w.path("third").exists());

    // queue waits for the first to end, then runs.
    let mut queued = w.spawn(&[
        "wrap",
        "nightly",
        "--overlap",
        "queue",
        "--",
        "touch",
        "queued",
    ]);
    let stderr = capture(queued.stderr.take().unwrap());
    assert!(wait_until(Duration::from_secs(20), || stderr
        .contains("waiting for it to end")));
    assert!(!w.path("queued").exists());
    std::fs::write(w.path("release"), "").unwrap();
    assert_eq!(wait_exit(&mut first, Duration::from_secs(20)), Some(0));
    assert_eq!(wait_exit(&mut queued, Duration::from_secs(20)), Some(0));
    assert!(w.path("queued").exists());

    let runs = w.run(&["ps", "-w", "nightly", "--json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&runs.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn an_allow_run_is_seen_by_skip_and_a_killed_holder_leaves_no_lock() {
    let w = Weft::new();
    let hold = "echo $$ > started; sleep 60";
    let mut holder = w.spawn(&["wrap", "job", "-q", "--", "sh", "-c", hold]);
    let task = pid_in(&w.path("started"));
    assert_eq!(
        w.run(&["wrap", "job", "--overlap", "skip", "-q", "--", "true"])
            .code,
        75
    );

    // kill -9 the weft process: its lock goes with it.
    signal(holder.id(), "KILL");
    let _ = holder.wait();
    kill_group(task);
    assert!(wait_until(Duration::from_secs(20), || !alive(task)));
    let out = w.run(&["wrap", "job", "--overlap", "skip", "-q", "--", "true"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn cancel_previous_is_refused_without_the_daemon() {
    let out = Weft::new().run(&["wrap", "x", "--overlap", "cancel-previous", "--", "true"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`cancel-previous` needs the daemon"),
        "{}",
        out.stderr
    );
}

#[test]
fn run_dash_reads_the_workflow_from_stdin() {
    let w = Weft::new();
    let out = w
        .cmd()
        .args(["run", "-", "-q"])
        .write_stdin("name: piped\ntasks:\n  t:\n    run: pwd > where.txt\n")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its task ran in the current folder.
    let here = std::fs::canonicalize(w.dir.path()).unwrap();
    let there = std::fs::read_to_string(w.path("where.txt")).unwrap();
    assert_eq!(std::fs::canonicalize(there.trim()).unwrap(), here);
    assert_eq!(w.show_json("piped")["status"], "succeeded");

    // validate and plan read stdin too.
    for args in [["validate", "-"], ["plan", "-"]] {
        let out = w
            .cmd()
            .args(args)
            .write_stdin("name: piped\ntasks:\n  t:\n    run: \"true\"\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("piped"),
            "{args:?}"
        );
    }

    // Problems are reported against `-`.
    let out = w
        .cmd()
        .args(["run", "-"])
        .write_stdin("name: piped\ntasks:\n  t:\n    rnu: x\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-:4:5"), "{err}");
    assert!(err.contains("nothing was run"), "{err}");
}

#[test]
fn wait_takes_several_runs_and_fails_when_any_failed() {
    let w = Weft::new();
    let _daemon = w.daemon();
    w.write("good.yaml", "name: good\ntasks:\n  t:\n    run: \"true\"\n");
    w.write("bad.yaml", "name: bad\ntasks:\n  t:\n    run: exit 3\n");
    let good = w.run(&["submit", "-q", "good.yaml"]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert_eq!(good.stderr, "", "-q prints only the id");
    let good = good.stdout.trim().to_string();
    let bad = w
        .run(&["run", "bad.yaml", "--detach", "-q"])
        .stdout
        .trim()
        .to_string();
    assert_eq!(good.len(), 10, "{good}");
    assert_eq!(w.run(&["wait", &good]).code, 0);
    let out = w.run(&["wait", &good, &bad, "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let status_of = |id: &str| lines.iter().find(|l| l["run"] == id).unwrap()["status"].clone();
    assert_eq!(status_of(&good), "succeeded");
    assert_eq!(status_of(&bad), "failed");
    // An unknown run is a usage error.
    assert_eq!(w.run(&["wait", &good, "nope"]).code, 2);
}

/// Bytes a terminal would interpret: ESC and carriage returns of redraws.
fn has_escapes(s: &str) -> bool {
    s.contains('\x1b') || s.contains('\r')
}

#[test]
fn without_a_terminal_nothing_draws_or_asks() {
    let w = Weft::new();
    w.write(
        "wf.yaml",
        "name: wf\ntasks:\n  a:\n    run: echo hello\n  b:\n    needs: a\n    run: exit 1\n",
    );
    // stdin closed for real (fd 0 not open at all), TERM=dumb, and no NO_COLOR:
    // colour must stay off because stdout is not a terminal.
    for (term, no_color) in [("dumb", false), ("xterm-256color", false), ("xterm", true)] {
        let mut cmd = std::process::Command::new(Weft::bin());
        cmd.args(["run", "wf.yaml"])
            .env("WEFT_HOME", w.home.path())
            .env("TERM", term)
            .env_remove("NO_COLOR")
            .current_dir(w.dir.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                nix::unistd::close(0).map_err(std::io::Error::from)
            });
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stdout.contains("a: succeeded"), "{stdout}");
        assert!(
            !has_escapes(&stdout) && !has_escapes(&stderr),
            "{term}: {stdout:?} {stderr:?}"
        );
    }
    // Every data command, stdin at /dev/null, TERM=dumb: plain text only.
    for args in [
        vec!["ps"],
        vec!["show", "wf"],
        vec!["logs", "wf"],
        vec!["plan", "wf.yaml"],
        vec!["validate", "wf.yaml"],
        vec!["wrap", "w", "--", "echo", "hi"],
    ] {
        let out = std::process::Command::new(Weft::bin())
            .args(&args)
            .env("WEFT_HOME", w.home.path())
            .env("TERM", "dumb")
            .env_remove("NO_COLOR")
            .current_dir(w.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!has_escapes(&text), "{args:?}: {text:?}");
    }
    // The commands that need a terminal say so instead of waiting for keys.
    for args in [vec!["dash"], vec!["attach", "wf", "a"]] {
        let out = std::process::Command::new(Weft::bin())
            .args(&args)
            .env("WEFT_HOME", w.home.path())
            .current_dir(w.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
