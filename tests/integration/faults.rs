//! Faults of the machine, made real: a full disk and a read-only
//! `WEFT_HOME`, each a small tmpfs mounted over the test's home (needs
//! root, as CI has; elsewhere these tests say so and pass vacuously).

use crate::harness::{Weft, alive, wait_exit, wait_for_file, wait_until};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A tmpfs mounted over a folder, unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("cannot mount a tmpfs here (not root?): fault test not run");
        }
        ok.then(|| Mount(at.to_path_buf()))
    }

    fn read_only(&self) {
        let ok = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remounting read-only");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn reading_commands_answer_on_a_read_only_home() {
    let w = Weft::new();
    let Some(mount) = Mount::tmpfs(w.home.path(), "64m") else {
        return;
    };
    w.write(
        "speak.yaml",
        "name: speak\ntasks:\n  say:\n    run: echo spoken; echo 'word=hello' >> \"$WEFT_OUTPUT\"\n    outputs: [word]\n",
    );
    assert_eq!(w.run(&["run", "-q", "speak.yaml"]).code, 0);
    let id = w.latest("speak");
    mount.read_only();
    let ps = w.run(&["ps"]);
    assert_eq!(ps.code, 0, "{}", ps.stderr);
    assert!(ps.stdout.contains("speak"), "{}", ps.stdout);
    let show = w.run(&["show", &id]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("succeeded"), "{}", show.stdout);
    let logs = w.run(&["logs", &id, "say"]);
    assert_eq!(logs.code, 0, "{}", logs.stderr);
    assert!(logs.stdout.contains("spoken"), "{}", logs.stdout);
    let output = w.run(&["output", &id, "say", "word"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(output.stdout.trim(), "hello");
}

#[test]
fn a_daemon_run_that_fills_the_disk_ends_failed_once_the_store_takes_writes_again() {
    let w = Weft::new();
    let Some(_mount) = Mount::tmpfs(w.home.path(), "24m") else {
        return;
    };
    let filler = w.home.path().join("filler");
    let pid_file = w.path("fill.pid");
    let filled = w.path("filled");
    // `fill` hands on a 4 MB output (its record needs room in the store)
    // and then fills the disk; `next` can start only once that record is
    // durable.
    w.write(
        "fill.yaml",
        &format!(
            r#"name: fill
tasks:
  fill:
    run: |
      echo $$ > {pid}
      printf 'big=%s\n' "$(head -c 4000000 /dev/zero | tr '\0' x)" >> "$WEFT_OUTPUT"
      cat /dev/zero > {filler} 2>/dev/null || true
      echo done > {filled}
    outputs: [big]
  next:
    needs: [fill]
    run: echo next ran
"#,
            pid = pid_file.display(),
            filler = filler.display(),
            filled = filled.display(),
        ),
    );
    let _daemon = w.daemon();
    let id = w
        .run(&["submit", "-q", "fill.yaml"])
        .stdout
        .trim()
        .to_string();
    assert!(!id.is_empty());
    // `fill` has ended with the disk full: its end cannot be recorded.
    assert!(
        wait_for_file(&filled, Duration::from_secs(30)),
        "fill did not end: {}",
        w.run(&["show", &id]).stdout
    );
    let task = crate::harness::pid_in(&pid_file);
    assert!(wait_until(Duration::from_secs(10), || !alive(task)));
    // Reading still works on the full disk, and the run is not shown
    // ended before its end is recorded.
    let ps = w.run(&["ps"]);
    assert_eq!(ps.code, 0, "{}", ps.stderr);
    assert!(ps.stdout.contains("running"), "{}", ps.stdout);
    std::fs::remove_file(&filler).unwrap();
    let mut wait = w.spawn(&["wait", &id]);
    let code = wait_exit(&mut wait, Duration::from_secs(30));
    if code.is_none() {
        let _ = wait.kill();
    }
    assert_eq!(code, Some(1), "weft wait did not return with the failure");
    assert!(w.daemon_log().contains("run stopped"), "{}", w.daemon_log());
    let show = w.show_json(&id);
    assert_eq!(show["status"], "failed", "{show}");
    let reasons: Vec<String> = show["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["reason"].as_str().map(str::to_string))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("full")),
        "no reason says the disk was full: {reasons:?}"
    );
    assert_ne!(
        show["tasks"][1]["status"], "succeeded",
        "`next` ran although `fill`'s end was never recorded"
    );
}
