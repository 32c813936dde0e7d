//! The daemon and its API, with a real daemon in a temp `WEFT_HOME`.

use crate::harness::{Weft, alive, capture, wait_exit, wait_for_file, wait_until};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn status_of(w: &Weft, run: &str) -> String {
    w.show_json(run)["status"].as_str().unwrap().to_string()
}

fn task_status(w: &Weft, run: &str, task: &str) -> String {
    let show = w.show_json(run);
    show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == task)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn submit_returns_an_id_at_once_and_wait_returns_the_result() {
    let w = Weft::new();
    let _d = w.daemon();
    w.write("ok.yaml", "name: ok\ntasks:\n  a: { run: echo fine }\n");
    w.write("bad.yaml", "name: bad\ntasks:\n  a: { run: exit 4 }\n");
    let out = w.run(&["submit", "-q", "ok.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    assert_eq!(id.len(), 10, "only the id: {:?}", out.stdout);
    let waited = w.run(&["wait", &id]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert_eq!(w.run(&["logs", &id, "a"]).stdout, "fine\n");
    let out = w.run(&["run", "--detach", "-q", "bad.yaml"]);
    let bad = out.stdout.trim().to_string();
    assert_eq!(w.run(&["wait", &bad]).code, 1);
    assert_eq!(status_of(&w, &bad), "failed");
    // An invalid file is refused before anything reaches the daemon.
    w.write(
        "broken.yaml",
        "name: broken\ntasks:\n  a: { nedds: [x], run: 'true' }\n",
    );
    let out = w.run(&["submit", "broken.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `needs`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn cancel_through_the_api_stops_the_tasks() {
    let w = Weft::new();
    let _d = w.daemon();
    let pid_file = w.path("task.pid");
    w.write(
        "long.yaml",
        &format!(
            "name: long\ntasks:\n  long:\n    run: sleep 300 & echo $! > {}; wait\n",
            pid_file.display()
        ),
    );
    let id = w
        .run(&["submit", "-q", "long.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let pid = crate::harness::pid_in(&pid_file);
    let out = w.run(&["cancel", &id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.run(&["wait", &id]).code, 130);
    assert!(
        wait_until(Duration::from_secs(10), || !alive(pid)),
        "task process {pid} survived the cancel"
    );
    assert_eq!(status_of(&w, &id), "cancelled");
    let again = w.run(&["cancel", &id]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("is cancelled, not running here"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_paused_run_starts_nothing_new_until_resumed() {
    let w = Weft::new();
    let _d = w.daemon();
    let gate = w.path("gate");
    w.write(
        "steps.yaml",
        &format!(
            "name: steps\nconcurrency: 1\ntasks:\n  first:\n    run: while [ ! -e {} ]; do sleep 0.02; done\n  second: {{ run: 'true' }}\n",
            gate.display()
        ),
    );
    let id = w
        .run(&["submit", "-q", "steps.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_until(Duration::from_secs(20), || task_status(
        &w, &id, "first"
    ) == "running"));
    let out = w.run(&["pause", &id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(status_of(&w, &id), "paused", "pause answers once it holds");
    std::fs::write(&gate, "").unwrap();
    assert!(wait_until(Duration::from_secs(20), || task_status(
        &w, &id, "first"
    ) == "succeeded"));
    // Bounded check that nothing starts meanwhile.
    let started = wait_until(Duration::from_millis(500), || {
        task_status(&w, &id, "second") != "pending"
    });
    assert!(!started, "a task started while the run was paused");
    assert_eq!(w.run(&["resume", &id]).code, 0);
    assert_eq!(w.run(&["wait", &id]).code, 0);
    assert_eq!(task_status(&w, &id, "second"), "succeeded");
}

#[test]
fn pause_with_signal_stops_running_tasks_and_resume_continues_them() {
    let w = Weft::new();
    let _d = w.daemon();
    let pid_file = w.path("task.pid");
    let gate = w.path("gate");
    w.write(
        "stop.yaml",
        &format!(
            "name: stop\ntasks:\n  t:\n    run: echo $$ > {}; while [ ! -e {} ]; do sleep 0.02; done\n",
            pid_file.display(),
            gate.display()
        ),
    );
    let id = w
        .run(&["submit", "-q", "stop.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let pid = crate::harness::pid_in(&pid_file);
    let state = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    assert_eq!(w.run(&["pause", "--signal", &id]).code, 0);
    assert!(
        wait_until(Duration::from_secs(10), || state(pid) == "T"),
        "not stopped: {}",
        state(pid)
    );
    assert_eq!(w.run(&["resume", &id]).code, 0);
    assert!(wait_until(Duration::from_secs(10), || state(pid) != "T"));
    std::fs::write(&gate, "").unwrap();
    assert_eq!(w.run(&["wait", &id]).code, 0);
}

#[test]
fn two_clients_at_once() {
    let w = Weft::new();
    let _d = w.daemon();
    w.write("a.yaml", "name: a\ntasks:\n  t: { run: sleep 0.2 }\n");
    w.write("b.yaml", "name: b\ntasks:\n  t: { run: sleep 0.2 }\n");
    let mut a = w.spawn(&["run", "-d", "-q", "a.yaml"]);
    let mut b = w.spawn(&["run", "-d", "-q", "b.yaml"]);
    assert_eq!(wait_exit(&mut a, Duration::from_secs(20)), Some(0));
    assert_eq!(wait_exit(&mut b, Duration::from_secs(20)), Some(0));
    let mut ids = Vec::new();
    for child in [&mut a, &mut b] {
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        ids.push(out.trim().to_string());
    }
    let mut waits: Vec<_> = ids.iter().map(|id| w.spawn(&["wait", id])).collect();
    for waiter in &mut waits {
        assert_eq!(wait_exit(waiter, Duration::from_secs(20)), Some(0));
    }
}

#[test]
fn a_client_of_another_version_is_told_plainly() {
    let w = Weft::new();
    let _d = w.daemon();
    let mut stream = std::os::unix::net::UnixStream::connect(w.socket()).unwrap();
    stream
        .write_all(b"GET /v1/status HTTP/1.1\r\nHost: weft\r\nweft-version: 9.9.9\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 426"), "{answer}");
    assert!(answer.contains("\"code\":\"version_mismatch\""), "{answer}");
    assert!(
        answer.contains("the daemon is weft 0.1.0, this client is weft 9.9.9"),
        "{answer}"
    );
    assert!(answer.contains("\"hint\":\"restart the daemon"), "{answer}");
    // Without the header (curl), it answers, and errors keep their shape.
    let mut stream = std::os::unix::net::UnixStream::connect(w.socket()).unwrap();
    stream
        .write_all(b"GET /v1/runs/nope HTTP/1.1\r\nHost: weft\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(
        answer.contains("{\"code\":\"not_found\",\"message\":\"no run matches `nope`"),
        "{answer}"
    );
}

#[test]
fn the_socket_is_private_and_lifecycle_commands_say_what_happened() {
    let w = Weft::new();
    let out = w.run(&["daemon", "status"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("no daemon is running"),
        "{}",
        out.stderr
    );
    let out = w.run(&["--no-autostart", "wait", "x"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stderr.contains("weft.sock") && out.stderr.contains("weft daemon start"),
        "{}",
        out.stderr
    );
    assert_eq!(
        w.run(&["daemon", "stop"]).code,
        0,
        "stopping nothing is fine"
    );

    let out = w.run(&["daemon", "start"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("daemon started: pid "),
        "{}",
        out.stdout
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&w.socket()), 0o600);
    assert_eq!(mode(w.socket().parent().unwrap()), 0o700);
    let again = w.run(&["daemon", "start"]);
    assert!(again.stderr.contains("already running"), "{}", again.stderr);
    let status: serde_json::Value =
        serde_json::from_str(&w.run(&["daemon", "status", "--json"]).stdout).unwrap();
    let pid = status["pid"].as_i64().unwrap() as i32;
    assert_eq!(status["version"], "0.1.0");
    let out = w.run(&["daemon", "stop"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!alive(pid), "the daemon is still there after stop");
    assert!(!w.socket().exists());
}

#[test]
fn a_command_that_needs_the_daemon_starts_it_and_says_so() {
    let w = Weft::new();
    w.write("ok.yaml", "name: ok\ntasks:\n  a: { run: 'true' }\n");
    let out = w.run(&["submit", "-q", "ok.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("starting the daemon"), "{}", out.stderr);
    assert_eq!(w.run(&["wait", out.stdout.trim()]).code, 0);
    let status: serde_json::Value =
        serde_json::from_str(&w.run(&["daemon", "status", "--json"]).stdout).unwrap();
    let pid = status["pid"].as_i64().unwrap() as i32;
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
    assert!(!alive(pid));
}

#[test]
fn events_follow_shows_run_and_task_changes_as_json_lines() {
    let w = Weft::new();
    let _d = w.daemon();
    w.write("ok.yaml", "name: ok\ntasks:\n  a: { run: 'true' }\n");
    let mut follow = w.spawn(&["events", "-f", "--json"]);
    let seen = capture(follow.stdout.take().unwrap());
    // The subscription may need a moment: submit until events show up...
    let live = wait_until(Duration::from_secs(20), || {
        if seen.text().is_empty() {
            let id = w
                .run(&["submit", "-q", "ok.yaml"])
                .stdout
                .trim()
                .to_string();
            w.run(&["wait", &id]);
        }
        !seen.text().is_empty()
    });
    assert!(live, "no events arrived");
    // ...then a run followed from its start to its end.
    let id = w
        .run(&["submit", "-q", "ok.yaml"])
        .stdout
        .trim()
        .to_string();
    assert_eq!(w.run(&["wait", &id]).code, 0);
    let got = wait_until(Duration::from_secs(20), || {
        seen.text()
            .lines()
            .any(|l| l.contains(&id) && l.contains("run_finished"))
    });
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(got, "no events arrived");
    let text = seen.text();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["run"] == id.as_str())
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "run_started",
            "attempt_started",
            "attempt_finished",
            "task_finished",
            "run_finished"
        ]
    );
}

#[test]
fn install_writes_a_systemd_user_unit() {
    let w = Weft::new();
    let out = w.run(&["daemon", "install", "--print"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains(&format!("ExecStart={} daemon run", Weft::bin().display())),
        "{}",
        out.stdout
    );
    let config_home = w.path("xdg");
    let out = w
        .cmd()
        .env("XDG_CONFIG_HOME", &config_home)
        .args(["daemon", "install"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let unit = std::fs::read_to_string(config_home.join("systemd/user/weft.service")).unwrap();
    assert!(
        unit.contains("[Service]") && unit.contains("WantedBy=default.target"),
        "{unit}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("systemctl --user enable --now weft"));
}

fn attempts_of(w: &Weft, run: &str, task: &str) -> Vec<serde_json::Value> {
    let show = w.show_json(run);
    show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == task)
        .unwrap()["attempts"]
        .as_array()
        .unwrap()
        .clone()
}

/// A workflow: `first` counts its runs; `slow` waits for a gate and
/// writes its pid; `last` needs `slow`.
fn gated(w: &Weft, attempts: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    let gate = w.path("gate");
    let pid_file = w.path("slow.pid");
    w.write(
        "gated.yaml",
        &format!(
            r#"name: gated
tasks:
  first:
    run: echo ran >> {count}
  slow:
    needs: [first]
    retry: {{ attempts: {attempts}, delay: 10ms }}
    run: echo $$ > {pid}; while [ ! -e {gate} ]; do sleep 0.02; done
  last:
    needs: [slow]
    run: 'true'
"#,
            count = w.path("first.count").display(),
            pid = pid_file.display(),
            gate = gate.display(),
        ),
    );
    (gate, pid_file)
}

#[test]
fn after_kill_9_of_the_daemon_a_new_one_resumes_without_rerunning_successes() {
    let w = Weft::new();
    let (gate, pid_file) = gated(&w, 2);
    let mut daemon = w.daemon();
    let id = w
        .run(&["submit", "-q", "gated.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    // The attempt is recorded (a kill before that is an attempt that
    // never counted, and its process is swept by run id instead).
    assert!(wait_until(Duration::from_secs(20), || task_status(
        &w, &id, "slow"
    ) == "running"));
    let old_task = crate::harness::pid_in(&pid_file);
    std::fs::remove_file(&pid_file).unwrap();
    crate::harness::signal(daemon.child.id(), "KILL");
    wait_exit(&mut daemon.child, Duration::from_secs(10));
    // Nothing stays "running": the store says the run was interrupted.
    assert_eq!(status_of(&w, &id), "interrupted");
    let _again = w.daemon();
    // The new daemon stopped the orphan and runs `slow` again (attempt 2 of 2).
    assert!(
        wait_until(Duration::from_secs(10), || !alive(old_task)),
        "the old task process {old_task} was left running"
    );
    assert!(
        wait_for_file(&pid_file, Duration::from_secs(20)),
        "slow did not run again"
    );
    std::fs::write(&gate, "").unwrap();
    assert_eq!(w.run(&["wait", &id]).code, 0);
    let slow = attempts_of(&w, &id, "slow");
    assert_eq!(slow.len(), 2);
    assert_eq!(slow[0]["outcome"]["result"], "interrupted");
    assert_eq!(slow[1]["outcome"]["code"], 0);
    assert_eq!(
        std::fs::read_to_string(w.path("first.count")).unwrap(),
        "ran\n",
        "a success ran twice"
    );
    assert_eq!(task_status(&w, &id, "last"), "succeeded");
}

#[test]
fn an_interrupted_task_without_retries_left_fails_on_resume() {
    let w = Weft::new();
    let (_gate, pid_file) = gated(&w, 1);
    let mut daemon = w.daemon();
    let id = w
        .run(&["submit", "-q", "gated.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    assert!(wait_until(Duration::from_secs(20), || task_status(
        &w, &id, "slow"
    ) == "running"));
    crate::harness::signal(daemon.child.id(), "KILL");
    wait_exit(&mut daemon.child, Duration::from_secs(10));
    let _again = w.daemon();
    assert_eq!(w.run(&["wait", &id]).code, 1);
    let show = w.show_json(&id);
    let slow = show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "slow")
        .unwrap();
    assert_eq!(slow["status"], "failed");
    assert!(
        slow["reason"]
            .as_str()
            .unwrap()
            .contains("no attempts left"),
        "{slow}"
    );
    assert_eq!(task_status(&w, &id, "last"), "skipped");
}

#[test]
fn a_resumed_run_whose_first_task_gave_up_ends_with_everything_downstream_settled() {
    // The chain of the report: a -> b -> c -> d plus a -> e, no retries;
    // `kill -9` of the daemon while `a` runs.
    let w = Weft::new();
    let pid_file = w.path("a.pid");
    w.write(
        "chain.yaml",
        &format!(
            r#"name: chain
tasks:
  a:
    run: echo $$ > {pid}; sleep 60
  b: {{ needs: [a], run: 'true' }}
  c: {{ needs: [b], run: 'true' }}
  d: {{ needs: [c], run: 'true' }}
  e: {{ needs: [a], run: 'true' }}
"#,
            pid = pid_file.display()
        ),
    );
    let mut daemon = w.daemon();
    let id = w
        .run(&["submit", "-q", "chain.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    // `a`'s attempt is on record (else the new daemon rightly runs it again).
    assert!(wait_until(Duration::from_secs(20), || task_status(
        &w, &id, "a"
    ) == "running"));
    crate::harness::signal(daemon.child.id(), "KILL");
    wait_exit(&mut daemon.child, Duration::from_secs(10));
    let _again = w.daemon();
    let mut wait = w.spawn(&["wait", &id]);
    let code = wait_exit(&mut wait, Duration::from_secs(20));
    if code.is_none() {
        let _ = wait.kill();
    }
    assert_eq!(code, Some(1), "weft wait did not return");
    assert_eq!(task_status(&w, &id, "a"), "failed");
    for t in ["b", "c", "d", "e"] {
        assert_eq!(task_status(&w, &id, t), "skipped", "task {t}");
    }
    assert_eq!(status_of(&w, &id), "failed");
}

#[test]
fn daemon_stop_then_start_loses_no_run() {
    let w = Weft::new();
    let (gate, pid_file) = gated(&w, 1);
    w.run(&["daemon", "start"]);
    let id = w
        .run(&["submit", "-q", "gated.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let task = crate::harness::pid_in(&pid_file);
    std::fs::remove_file(&pid_file).unwrap();
    let out = w.run(&["daemon", "stop"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!alive(task), "its task got SIGTERM");
    // Suspended, not interrupted: the next daemon goes on with it.
    assert_eq!(status_of(&w, &id), "suspended");
    assert_eq!(w.run(&["daemon", "start"]).code, 0);
    // Stopped with the daemon is not a failure: `slow` runs again although
    // it allows one attempt only.
    assert!(
        wait_for_file(&pid_file, Duration::from_secs(20)),
        "slow did not run again"
    );
    std::fs::write(&gate, "").unwrap();
    assert_eq!(w.run(&["wait", &id]).code, 0);
    let slow = attempts_of(&w, &id, "slow");
    assert_eq!(slow[0]["outcome"]["result"], "stopped");
    assert_eq!(
        std::fs::read_to_string(w.path("first.count")).unwrap(),
        "ran\n"
    );
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
}

const TOKEN: &str = "s3cret-token-s3cret-token-s3cret-token";

#[test]
fn the_tcp_listener_serves_only_clients_with_the_token() {
    let w = Weft::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        w.home.path().join("config.yaml"),
        format!("daemon:\n  tcp: 127.0.0.1:{port}\n  token: {TOKEN}\n"),
    )
    .unwrap();
    std::fs::set_permissions(
        w.home.path().join("config.yaml"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let _d = w.daemon();
    let ask = |auth: &str| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .write_all(
                format!("GET /v1/status HTTP/1.1\r\nHost: weft\r\n{auth}Connection: close\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let refused = ask("");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    assert!(refused.contains("\"code\":\"unauthorized\""), "{refused}");
    assert!(ask("Authorization: Bearer wrong-token!\r\n").starts_with("HTTP/1.1 401"));
    let served = ask(&format!("Authorization: Bearer {TOKEN}\r\n"));
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert!(served.contains("\"version\":\"0.1.0\""), "{served}");
    // Without a token the daemon will not listen on TCP at all.
    std::fs::write(
        w.home.path().join("config.yaml"),
        format!("daemon:\n  tcp: 127.0.0.1:{port}\n"),
    )
    .unwrap();
    let out = w.run(&["daemon", "status"]);
    assert_eq!(
        out.code, 2,
        "a config with TCP and no token is refused: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("needs `daemon.token`"),
        "{}",
        out.stderr
    );
}

#[test]
fn wait_waits_on_across_a_graceful_daemon_restart() {
    let w = Weft::new();
    let (gate, pid_file) = gated(&w, 1);
    assert_eq!(w.run(&["daemon", "start"]).code, 0);
    let id = w
        .run(&["submit", "-q", "gated.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    std::fs::remove_file(&pid_file).unwrap();
    // The daemon's open sockets: the waiter's long request adds one.
    let daemon_pid = crate::harness::pid_in(&w.home.path().join("run").join("weft.pid"));
    let sockets = || {
        std::fs::read_dir(format!("/proc/{daemon_pid}/fd"))
            .map(|d| {
                d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                    .filter(|l| l.to_string_lossy().starts_with("socket:"))
                    .count()
            })
            .unwrap_or(0)
    };
    let idle = sockets();
    let err_path = w.path("wait.err");
    let mut waiter = std::process::Command::new(Weft::bin())
        .args(["wait", &id])
        .env("WEFT_HOME", w.home.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let err = || std::fs::read_to_string(&err_path).unwrap_or_default();
    // Stop only once `wait` is waiting (its request open twice in a row:
    // not the short status check before it).
    let mut seen = 0;
    assert!(
        crate::harness::wait_until(Duration::from_secs(20), || {
            seen = if sockets() > idle { seen + 1 } else { 0 };
            seen >= 3
        }),
        "wait never connected"
    );
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
    // The run is suspended, not ended: `wait` says so and waits on,
    // without starting the daemon the user stopped.
    assert!(
        crate::harness::wait_until(Duration::from_secs(20), || err()
            .contains("it goes on when a daemon starts again")),
        "{}",
        err()
    );
    assert!(
        waiter.try_wait().unwrap().is_none(),
        "wait returned while the run was suspended: {}",
        err()
    );
    assert_eq!(w.run(&["--no-autostart", "daemon", "status"]).code, 3);
    assert_eq!(w.run(&["daemon", "start"]).code, 0);
    assert!(
        wait_for_file(&pid_file, Duration::from_secs(20)),
        "the run did not resume"
    );
    std::fs::write(&gate, "").unwrap();
    let status = waiter.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", err());
    assert!(err().contains(&format!("run {id} succeeded")), "{}", err());
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
}
