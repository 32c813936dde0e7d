//! `weft run` end to end: exit codes, retries, timeouts and cancellation
//! that leave no orphan, outputs, conditions, concurrency, failures to start.

use crate::harness::{Weft, alive, signal, wait_exit, wait_for_file, wait_until};
use std::time::Duration;

fn tasks(show: &serde_json::Value) -> Vec<(String, String)> {
    show["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn task<'a>(show: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .expect("task in show")
}

#[test]
fn exit_codes_follow_the_run_result() {
    let w = Weft::new();
    w.write("ok.yaml", "name: ok\ntasks:\n  a: { run: 'true' }\n");
    w.write("bad.yaml", "name: bad\ntasks:\n  a: { run: 'exit 3' }\n");
    let out = w.run(&["run", "ok.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("succeeded"), "{}", out.stdout);
    let out = w.run(&["run", "bad.yaml"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("a: failed — exit 3"), "{}", out.stdout);
    let show = w.show_json("bad");
    assert_eq!(show["status"], "failed");
    assert_eq!(task(&show, "a")["attempts"][0]["outcome"]["code"], 3);
}

#[test]
fn retries_make_one_attempt_each_with_its_own_log() {
    let w = Weft::new();
    w.write(
        "flaky.yaml",
        r#"name: flaky
tasks:
  flaky:
    run: echo "try $WEFT_ATTEMPT"; [ "$WEFT_ATTEMPT" -ge 3 ]
    retry: { attempts: 5, delay: 10ms, backoff: 2 }
  picky:
    run: exit 4
    retry: { attempts: 3, delay: 10ms, on_exit: [75] }
"#,
    );
    let out = w.run(&["run", "flaky.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let show = w.show_json("flaky");
    let flaky = task(&show, "flaky");
    assert_eq!(flaky["status"], "succeeded");
    assert_eq!(flaky["attempts"].as_array().unwrap().len(), 3);
    let picky = task(&show, "picky");
    assert_eq!(
        picky["attempts"].as_array().unwrap().len(),
        1,
        "exit 4 is not in on_exit"
    );
    assert_eq!(picky["status"], "failed");
    let logs = w.run(&["logs", "flaky", "flaky", "--attempt", "2"]);
    assert_eq!(logs.stdout.trim(), "try 2");
}

#[test]
fn a_timeout_kills_the_whole_process_tree() {
    let w = Weft::new();
    let pid_file = w.path("grandchild.pid");
    w.write(
        "slow.yaml",
        &format!(
            "name: slow\ntasks:\n  slow:\n    timeout: 300ms\n    run: (sleep 300; echo survived) & echo $! > {}; wait\n",
            pid_file.display()
        ),
    );
    let out = w.run(&["run", "slow.yaml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("timed out after 300ms"),
        "{}",
        out.stdout
    );
    let pid = crate::harness::pid_in(&pid_file);
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "grandchild {pid} survived the timeout"
    );
    let show = w.show_json("slow");
    assert_eq!(
        task(&show, "slow")["attempts"][0]["outcome"]["result"],
        "timed_out"
    );
}

#[test]
fn ctrl_c_cancels_the_run_and_leaves_no_orphan() {
    let w = Weft::new();
    let pid_file = w.path("child.pid");
    w.write(
        "long.yaml",
        &format!(
            "name: long\ntasks:\n  long:\n    run: sleep 300 & echo $! > {}; wait\n  after:\n    needs: [long]\n    run: 'true'\n",
            pid_file.display()
        ),
    );
    let mut child = w.spawn(&["run", "long.yaml"]);
    assert!(
        wait_for_file(&pid_file, Duration::from_secs(20)),
        "the task never started"
    );
    let pid = crate::harness::pid_in(&pid_file);
    signal(child.id(), "INT");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), Some(130));
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "task child {pid} survived Ctrl-C"
    );
    let show = w.show_json("long");
    assert_eq!(show["status"], "cancelled");
    assert_eq!(
        tasks(&show),
        [
            ("long".into(), "cancelled".into()),
            ("after".into(), "cancelled".into())
        ]
    );
}

#[test]
fn outputs_flow_to_templates_and_environment() {
    let w = Weft::new();
    w.write(
        "flow.yaml",
        r#"name: flow
tasks:
  make:
    run: |
      echo "version=1.2.3" >> "$WEFT_OUTPUT"
      printf 'notes<<END\nline one\nline two\nEND\n' >> "$WEFT_OUTPUT"
    outputs: [version, notes]
  use:
    needs: [make]
    run: echo "tmpl={{ tasks.make.outputs.version }} env=$WEFT_OUT_MAKE_VERSION lines=$(echo "$WEFT_OUT_MAKE_NOTES" | wc -l) run={{ run.id }}"
"#,
    );
    let out = w.run(&["run", "flow.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let id = w.latest("flow");
    let logs = w.run(&["logs", &id, "use"]);
    assert_eq!(
        logs.stdout.trim(),
        format!("tmpl=1.2.3 env=1.2.3 lines=2 run={id}")
    );
    let value = w.run(&["output", &id, "make", "notes"]);
    assert_eq!(value.stdout, "line one\nline two\n");
    let missing = w.run(&["output", &id, "make", "verison"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("did you mean `version`?"),
        "{}",
        missing.stderr
    );
}

#[test]
fn conditions_and_when_follow_github_actions_semantics() {
    let w = Weft::new();
    w.write(
        "cond.yaml",
        r#"name: cond
params:
  deploy: { type: bool, default: false }
tasks:
  build: { run: exit 1 }
  test: { needs: [build], run: 'true' }
  report: { needs: [test], run: 'true' }
  on_fail: { needs: [test], when: failure, run: 'true' }
  cleanup:
    needs: [report]
    when: always
    run: echo "{{ run.status }}"
  deploy: { if: "{{ params.deploy }}", run: 'true' }
  after_deploy: { needs: [deploy], run: 'true' }
  lint: { run: exit 2, allow_failure: true }
  docs: { needs: [lint], run: 'true' }
"#,
    );
    let out = w.run(&["run", "cond.yaml"]);
    assert_eq!(out.code, 1);
    let show = w.show_json("cond");
    assert_eq!(
        tasks(&show),
        [
            ("build", "failed"),
            ("test", "skipped"),
            ("report", "skipped"),
            ("on_fail", "succeeded"),
            ("cleanup", "succeeded"),
            ("deploy", "skipped"),
            ("after_deploy", "skipped"),
            ("lint", "failed"),
            ("docs", "succeeded"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(w.run(&["logs", "cond", "cleanup"]).stdout.trim(), "failed");
    assert_eq!(task(&show, "test")["reason"], "`build` failed");
    // The same workflow with allow-failing lint alone succeeds.
    w.write("soft.yaml", "name: soft\ntasks:\n  lint: { run: exit 2, allow_failure: true }\n  docs: { needs: [lint], run: 'true' }\n");
    assert_eq!(w.run(&["run", "soft.yaml"]).code, 0);
    // A param flips the condition.
    let out = w.run(&["run", "cond.yaml", "-p", "deploy=true"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        task(&w.show_json("cond"), "after_deploy")["status"],
        "succeeded"
    );
}

#[test]
fn no_more_tasks_run_at_once_than_the_concurrency_allows() {
    let w = Weft::new();
    std::fs::create_dir(w.path("running")).unwrap();
    let mut yaml = String::from("name: par\nconcurrency: 2\ntasks:\n");
    for i in 0..6 {
        yaml.push_str(&format!(
            "  t{i}:\n    run: touch running/$WEFT_TASK; ls running | wc -l >> counts; sleep 0.3; rm running/$WEFT_TASK\n"
        ));
    }
    w.write("par.yaml", &yaml);
    let out = w.run(&["run", "par.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let counts: Vec<u32> = std::fs::read_to_string(w.path("counts"))
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 6);
    assert_eq!(counts.iter().max(), Some(&2), "counts seen: {counts:?}");
    // The flag overrides the file.
    std::fs::remove_file(w.path("counts")).unwrap();
    assert_eq!(w.run(&["run", "par.yaml", "-j", "1"]).code, 0);
    let counts = std::fs::read_to_string(w.path("counts")).unwrap();
    assert!(counts.lines().all(|l| l.trim() == "1"), "{counts}");
}

#[test]
fn tasks_that_cannot_start_fail_with_a_clear_reason() {
    let w = Weft::new();
    w.write(
        "broken.yaml",
        "name: broken\ntasks:\n  nope: { run: definitely-not-a-program-weft --flag }\n  nodir: { run: 'true', working_dir: missing/dir }\n  argv: { exec: [/nonexistent/tool] }\n",
    );
    let out = w.run(&["run", "broken.yaml"]);
    assert_eq!(out.code, 1);
    let show = w.show_json("broken");
    let reason = |t: &str| task(&show, t)["reason"].as_str().unwrap().to_string();
    assert_eq!(
        reason("nope"),
        "failed to start: program `definitely-not-a-program-weft` not found on PATH; install it or give its full path"
    );
    assert!(
        reason("nodir").contains("working directory") && reason("nodir").contains("missing/dir"),
        "{}",
        reason("nodir")
    );
    assert_eq!(
        reason("argv"),
        "failed to start: program `/nonexistent/tool` not found"
    );
    let logs = w.run(&["logs", "broken", "nope"]);
    assert!(
        logs.stdout
            .contains("weft: program `definitely-not-a-program-weft` not found"),
        "{}",
        logs.stdout
    );
}

#[test]
fn json_mode_prints_one_event_per_line() {
    let w = Weft::new();
    w.write(
        "j.yaml",
        "name: j\ntasks:\n  a: { run: 'true' }\n  b: { needs: [a], run: 'true' }\n",
    );
    let out = w.run(&["run", "j.yaml", "--json"]);
    assert_eq!(out.code, 0);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "run_started",
            "attempt_started",
            "attempt_finished",
            "task_finished",
            "attempt_started",
            "attempt_finished",
            "task_finished",
            "run_finished"
        ]
    );
    assert_eq!(events.last().unwrap()["status"], "succeeded");
    let quiet = w.run(&["run", "j.yaml", "--quiet"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
}

#[test]
fn delay_tasks_wait_and_scripts_run_in_their_interpreter() {
    let w = Weft::new();
    w.write(
        "d.yaml",
        "name: d\ntasks:\n  wait: { delay: 200ms }\n  py:\n    needs: [wait]\n    script: { lang: sh, code: \"echo from-sh $WEFT_TASK\" }\n",
    );
    assert_eq!(w.run(&["run", "d.yaml"]).code, 0);
    assert_eq!(w.run(&["logs", "d", "py"]).stdout.trim(), "from-sh py");
    let show = w.show_json("d");
    let wait = task(&show, "wait");
    let took = wait["finished_at"].as_i64().unwrap() - wait["started_at"].as_i64().unwrap();
    assert!(took >= 200, "delay finished after {took} ms");
}

#[test]
fn a_second_ctrl_c_kills_tasks_that_ignore_sigterm() {
    let w = Weft::new();
    std::fs::write(
        w.home.path().join("config.yaml"),
        "run:\n  kill_grace: 10m\n",
    )
    .unwrap();
    let pid_file = w.path("stubborn.pid");
    w.write(
        "stubborn.yaml",
        &format!(
            "name: stubborn\ntasks:\n  stubborn:\n    run: trap '' TERM; sleep 300 & echo $! > {}; wait\n",
            pid_file.display()
        ),
    );
    let mut child = w.spawn(&["run", "stubborn.yaml"]);
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let pid = crate::harness::pid_in(&pid_file);
    signal(child.id(), "INT");
    // The task ignores SIGTERM, and the grace period is ten minutes...
    assert!(wait_until(Duration::from_secs(20), || w
        .show_json("stubborn")["tasks"][0]["status"]
        == "running"));
    assert!(alive(pid));
    // ...so a second Ctrl-C kills it now.
    signal(child.id(), "INT");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), Some(130));
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "{pid} survived the second Ctrl-C"
    );
    assert_eq!(w.show_json("stubborn")["status"], "cancelled");
}

#[test]
fn a_hangup_cancels_the_run_like_ctrl_c() {
    let w = Weft::new();
    let pid_file = w.path("child.pid");
    w.write(
        "hup.yaml",
        &format!(
            "name: hup\ntasks:\n  t:\n    run: sleep 300 & echo $! > {}; wait\n",
            pid_file.display()
        ),
    );
    let mut child = w.spawn(&["run", "hup.yaml"]);
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let pid = crate::harness::pid_in(&pid_file);
    signal(child.id(), "HUP");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), Some(130));
    assert!(wait_until(Duration::from_secs(5), || !alive(pid)));
    assert_eq!(w.show_json("hup")["status"], "cancelled");
}

#[test]
fn what_a_task_leaves_running_in_the_background_is_stopped_with_it() {
    let w = Weft::new();
    let pid_file = w.path("bg.pid");
    w.write(
        "bg.yaml",
        &format!(
            "name: bg\ntasks:\n  bg:\n    run: sleep 300 & echo $! > {}; echo started\n",
            pid_file.display()
        ),
    );
    let out = w.run(&["run", "bg.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let pid = crate::harness::pid_in(&pid_file);
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "background process {pid} outlived its task"
    );
    assert_eq!(w.run(&["logs", "bg", "bg"]).stdout, "started\n");
}

#[test]
fn huge_lines_come_back_whole_and_a_last_line_without_newline_is_kept() {
    let w = Weft::new();
    w.write(
        "big.yaml",
        "name: big\ntasks:\n  big:\n    run: head -c 200000 /dev/zero | tr '\\0' x; echo; printf 'tail-without-newline'\n",
    );
    assert_eq!(w.run(&["run", "big.yaml"]).code, 0);
    let logs = w.run(&["logs", "big", "big"]).stdout;
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(
        lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
        [200000, 20]
    );
    assert_eq!(lines[1], "tail-without-newline");
    assert!(!logs.ends_with('\n'), "a newline was added");
}

#[test]
fn a_task_stopped_by_job_control_is_pointed_out() {
    let w = Weft::new();
    let pid_file = w.path("t.pid");
    w.write(
        "stop.yaml",
        &format!(
            "name: stop\ntasks:\n  t:\n    run: echo $$ > {}; exec sleep 300\n",
            pid_file.display()
        ),
    );
    let mut child = w.spawn(&["run", "stop.yaml"]);
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let pid = crate::harness::pid_in(&pid_file) as u32;
    signal(pid, "STOP");
    let seen = crate::harness::capture(child.stderr.take().unwrap());
    assert!(
        wait_until(Duration::from_secs(20), || seen
            .contains("task `t` is stopped (job control)")),
        "no warning: {}",
        seen.text()
    );
    signal(child.id(), "INT");
    signal(pid, "CONT");
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), Some(130));
}

#[test]
fn a_failed_tasks_outputs_reach_its_cleanup() {
    let w = Weft::new();
    w.write(
        "cleanup.yaml",
        "name: cleanup\ntasks:\n  build:\n    outputs: [scratch]\n    run: echo scratch=/tmp/half-built >> $WEFT_OUTPUT; exit 4\n  tidy:\n    needs: [build]\n    when: always\n    run: echo removing {{ tasks.build.outputs.scratch }} $WEFT_OUT_BUILD_SCRATCH\n",
    );
    let out = w.run(&["run", "cleanup.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        w.run(&["logs", "cleanup", "tidy"]).stdout,
        "removing /tmp/half-built /tmp/half-built\n"
    );
    let out = w.run(&["output", "cleanup", "build", "scratch"]);
    assert_eq!(out.stdout, "/tmp/half-built\n", "{}", out.stderr);
}
