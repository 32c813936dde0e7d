//! The run history: several processes on one store, following logs from
//! another process, the interrupted-run rule after `kill -9`, retry, and
//! the inspection commands.

use crate::harness::{Weft, capture, kill_group, signal, wait_exit, wait_for_file, wait_until};
use std::io::Read;
use std::time::Duration;

fn status_of(w: &Weft, run: &str) -> String {
    w.show_json(run)["status"].as_str().unwrap().to_string()
}

#[test]
fn two_runs_at_once_share_one_store_while_ps_reads_it() {
    let w = Weft::new();
    let mut yaml = String::from("name: many\nconcurrency: 4\ntasks:\n");
    for i in 0..40 {
        yaml.push_str(&format!("  t{i}: {{ run: 'echo {i}' }}\n"));
    }
    w.write("many.yaml", &yaml);
    let mut a = w.spawn(&["run", "many.yaml", "--quiet"]);
    let mut b = w.spawn(&["run", "many.yaml", "--quiet"]);
    let mut readers = 0;
    while a.try_wait().unwrap().is_none() || b.try_wait().unwrap().is_none() {
        let ps = w.run(&["ps", "--json"]);
        assert_eq!(ps.code, 0, "ps failed meanwhile: {}", ps.stderr);
        readers += 1;
        if readers > 500 {
            break;
        }
    }
    for child in [&mut a, &mut b] {
        assert_eq!(wait_exit(child, Duration::from_secs(60)), Some(0));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("locked"), "{err}");
    }
    let runs: serde_json::Value = serde_json::from_str(&w.run(&["ps", "--json"]).stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        assert_eq!(r["status"], "succeeded");
        assert_eq!(r["tasks_done"], 40);
    }
}

#[test]
fn logs_follow_a_run_in_another_process_until_it_ends() {
    let w = Weft::new();
    let go = w.path("go");
    w.write(
        "talk.yaml",
        &format!(
            "name: talk\ntasks:\n  talk:\n    run: echo first; while [ ! -e {} ]; do sleep 0.05; done; echo second\n",
            go.display()
        ),
    );
    let mut run = w.spawn(&["run", "talk.yaml", "--quiet"]);
    let appeared = wait_until(Duration::from_secs(30), || {
        w.run(&["ps", "--json"]).stdout.contains("\"talk\"")
    });
    if !appeared {
        let _ = run.kill();
        let out = run.wait_with_output().unwrap();
        panic!(
            "the run never appeared; weft run ended with {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut follow = w.spawn(&["logs", "-f", "talk"]);
    let seen = capture(follow.stdout.take().unwrap());
    assert!(
        wait_until(Duration::from_secs(20), || seen.contains("first")),
        "logs -f did not show the first line"
    );
    assert!(!seen.contains("second"));
    std::fs::write(&go, "go").unwrap();
    assert_eq!(
        wait_exit(&mut follow, Duration::from_secs(20)),
        Some(0),
        "logs -f did not end with the run"
    );
    let text = seen.finish();
    assert!(
        text.contains("first\n") && text.contains("second\n"),
        "{text}"
    );
    assert!(text.contains("succeeded"), "{text}");
    assert_eq!(wait_exit(&mut run, Duration::from_secs(20)), Some(0));
}

#[test]
fn a_run_whose_weft_was_killed_becomes_interrupted() {
    let w = Weft::new();
    let pid_file = w.path("task.pid");
    w.write(
        "victim.yaml",
        &format!("name: victim\ntasks:\n  hang:\n    run: echo $$ > {}; exec sleep 300\n  next:\n    needs: [hang]\n    run: 'true'\n", pid_file.display()),
    );
    let mut run = w.spawn(&["run", "victim.yaml", "--quiet"]);
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    assert_eq!(status_of(&w, "victim"), "running");
    signal(run.id(), "KILL");
    wait_exit(&mut run, Duration::from_secs(10));
    // The task outlives weft (kill -9 gives it no chance to clean up);
    // the command that finds the run interrupted stops what it left.
    let task_pid = crate::harness::pid_in(&pid_file);
    assert!(crate::harness::alive(task_pid), "the task died with weft");
    let show = w.show_json("victim");
    let stopped = wait_until(Duration::from_secs(10), || !crate::harness::alive(task_pid));
    if !stopped {
        kill_group(task_pid);
    }
    assert!(
        stopped,
        "the interrupted run's task {task_pid} was left running"
    );
    assert_eq!(show["status"], "interrupted");
    let statuses: Vec<&str> = show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["interrupted", "interrupted"]);
    assert_eq!(
        show["tasks"][0]["attempts"][0]["outcome"]["result"],
        "interrupted"
    );
    let ps = w.run(&["ps", "--status", "interrupted"]);
    assert!(ps.stdout.contains("victim"), "{}", ps.stdout);
}

#[test]
fn an_attempt_the_store_never_recorded_is_stopped_too() {
    // `kill -9` can land after a task's process is spawned and before its
    // attempt is committed: the store has no pid for it. It is found by the
    // run id weft puts in every task's environment.
    let w = Weft::new();
    let pid_file = w.path("task.pid");
    w.write(
        "victim.yaml",
        &format!(
            "name: victim\ntasks:\n  hang:\n    run: echo $$ > {}; exec sleep 300\n",
            pid_file.display()
        ),
    );
    let mut run = w.spawn(&["run", "victim.yaml", "--quiet"]);
    assert!(wait_for_file(&pid_file, Duration::from_secs(20)));
    let id = w.latest("victim");
    signal(run.id(), "KILL");
    wait_exit(&mut run, Duration::from_secs(10));
    // A process of that run the store knows nothing about, in a process
    // group of its own, as a spawned task is.
    use std::os::unix::process::CommandExt;
    let mut unrecorded = std::process::Command::new("sh")
        .args(["-c", "sleep 300 & wait"])
        .env("WEFT_RUN_ID", &id)
        .process_group(0)
        .spawn()
        .unwrap();
    assert_eq!(w.show_json(&id)["status"], "interrupted");
    let stopped = wait_exit(&mut unrecorded, Duration::from_secs(10)).is_some()
        || unrecorded.try_wait().unwrap().is_some();
    if !stopped {
        kill_group(unrecorded.id() as i32);
    }
    assert!(
        stopped,
        "the unrecorded process of the run was left running"
    );
    let task_pid = crate::harness::pid_in(&pid_file);
    assert!(wait_until(Duration::from_secs(10), || {
        !crate::harness::alive(task_pid)
    }));
}

#[test]
fn retry_reuses_successes_and_reruns_the_rest() {
    let w = Weft::new();
    w.write(
        "fix.yaml",
        r#"name: fix
tasks:
  fetch:
    run: echo "data=$WEFT_RUN_ID" >> "$WEFT_OUTPUT"; echo fetched >> fetch.count
    outputs: [data]
  build:
    needs: [fetch]
    run: test -e fixed && echo "built {{ tasks.fetch.outputs.data }}"
  ship:
    needs: [build]
    run: 'true'
"#,
    );
    assert_eq!(w.run(&["run", "fix.yaml"]).code, 1);
    let first = w.latest("fix");
    // Nothing changed: retrying fails the same way.
    w.write("fixed", "");
    let out = w.run(&["retry", &first]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 reused"), "{}", out.stdout);
    let second = w.show_json("fix");
    assert_eq!(second["retry_of"], first.as_str());
    assert_eq!(second["trigger"], "retry");
    assert_eq!(second["tasks"][0]["reused_from"], first.as_str());
    assert_eq!(second["tasks"][0]["attempts"].as_array().unwrap().len(), 0);
    let build_log = w.run(&["logs", "fix", "build"]).stdout;
    assert_eq!(
        build_log.trim(),
        format!("built {first}"),
        "the reused output flows on"
    );
    assert_eq!(
        std::fs::read_to_string(w.path("fetch.count")).unwrap(),
        "fetched\n"
    );
    // A successful run has nothing to retry unless told where to start.
    let out = w.run(&["retry", "fix"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--from TASK"), "{}", out.stderr);
    let out = w.run(&["retry", "fix", "--from", "fetch"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        std::fs::read_to_string(w.path("fetch.count")).unwrap(),
        "fetched\nfetched\n"
    );
    let out = w.run(&["retry", "fix", "--from", "fecth"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `fetch`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn retry_reruns_what_follows_a_rerun_task_even_if_it_succeeded() {
    let w = Weft::new();
    w.write(
        "tidy.yaml",
        r#"name: tidy
tasks:
  setup: { run: "echo once >> setup.count" }
  work:
    needs: [setup]
    run: test -e fixed && mkdir "scratch-$WEFT_RUN_ID"
  cleanup:
    needs: [work]
    when: always
    run: rm -rf scratch-*; echo cleaned >> cleanup.count
"#,
    );
    assert_eq!(w.run(&["run", "tidy.yaml"]).code, 1);
    w.write("fixed", "");
    let out = w.run(&["retry", "tidy"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // `cleanup` succeeded the first time, but after `work` it runs again
    // and removes the new run's folder; `setup` is reused.
    let show = w.show_json("tidy");
    assert!(show["tasks"][0]["reused_from"].is_string(), "{show}");
    assert!(show["tasks"][2]["reused_from"].is_null(), "{show}");
    assert_eq!(
        std::fs::read_to_string(w.path("cleanup.count")).unwrap(),
        "cleaned\ncleaned\n"
    );
    assert_eq!(
        std::fs::read_to_string(w.path("setup.count")).unwrap(),
        "once\n"
    );
    let left: Vec<_> = std::fs::read_dir(w.path("."))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("scratch-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn runs_are_named_by_id_prefix_or_workflow_and_unknown_names_say_so() {
    let w = Weft::new();
    w.write("a.yaml", "name: alpha\ntasks:\n  x: { run: 'true' }\n");
    w.write("b.yaml", "name: beta\ntasks:\n  x: { run: exit 1 }\n");
    w.run(&["run", "a.yaml"]);
    w.run(&["run", "b.yaml"]);
    let id = w.latest("alpha");
    assert_eq!(w.show_json(&id[..6])["id"], id.as_str());
    let out = w.run(&["show", "gamma"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: no run matches `gamma`; list runs with `weft ps`"
    );
    let ps = w.run(&["ps", "--status", "failed"]);
    assert!(
        ps.stdout.contains("beta") && !ps.stdout.contains("alpha"),
        "{}",
        ps.stdout
    );
    let ps = w.run(&["runs", "--workflow", "alpha"]);
    assert!(
        ps.stdout.contains("alpha") && !ps.stdout.contains("beta"),
        "{}",
        ps.stdout
    );
    let bad = w.run(&["ps", "--status", "runing"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("expected one of: queued, running"),
        "{}",
        bad.stderr
    );
    let show = w.run(&["show", "beta"]);
    assert!(show.stdout.contains("x     failed"), "{}", show.stdout);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let w = Weft::new();
    w.write("a.yaml", "name: alpha\ntasks:\n  x: { run: 'true' }\n");
    for _ in 0..3 {
        w.run(&["run", "a.yaml", "-q"]);
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} ps | head -c 1; echo \" rc=${{PIPESTATUS:-0}}\"",
            Weft::bin().display()
        ))
        .env("WEFT_HOME", w.home.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
