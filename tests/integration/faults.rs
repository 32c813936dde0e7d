//! Faults of the machine, made real: a full disk and a read-only
//! `WEFT_HOME`, each a small tmpfs mounted over the test's home (needs
//! root, as CI has; elsewhere these tests say so and pass vacuously).

use crate::harness::{Weft, alive, wait_exit, wait_for_file, wait_until};
use std::os::unix::fs::FileTypeExt;
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
    // The daemon says why nothing is recorded, and reading still works.
    assert!(
        wait_until(Duration::from_secs(30), || {
            let status = w.run(&["daemon", "status", "--json"]).stdout;
            serde_json::from_str::<serde_json::Value>(&status).is_ok_and(|v| {
                v["store_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("full"))
            })
        }),
        "weft daemon status never said the store cannot write"
    );
    let status = w.run(&["daemon", "status"]);
    assert!(status.stdout.contains("cannot write"), "{}", status.stdout);
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

/// Every folder and file under `root` that grants anything to group or others.
fn open_to_others(root: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut open = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.file_type().is_socket() || meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open.push(format!("{} {:o}", p.display(), mode));
        }
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
    }
    open
}

#[test]
fn everything_weft_creates_is_private_to_its_user() {
    let w = Weft::new();
    w.write(
        "private.yaml",
        "name: private\ntasks:\n  say:\n    run: echo secret-ish; echo 'k=v' >> \"$WEFT_OUTPUT\"\n    interactive: false\n",
    );
    // A home made fresh, under the loosest umask: weft's own modes hold.
    let home = w.home.path().join("fresh");
    let out = w
        .cmd()
        .env("WEFT_HOME", &home)
        .args(["run", "-q", "private.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let started = std::process::Command::new(Weft::bin())
        .args(["daemon", "start"])
        .env("WEFT_HOME", &home)
        .output()
        .unwrap();
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let submitted = w
        .cmd()
        .env("WEFT_HOME", &home)
        .args(["submit", "-q", "private.yaml"])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .to_string();
    let waited = w
        .cmd()
        .env("WEFT_HOME", &home)
        .args(["wait", &id])
        .output()
        .unwrap();
    assert_eq!(waited.status.code(), Some(0));
    let _ = std::process::Command::new(Weft::bin())
        .args(["daemon", "stop"])
        .env("WEFT_HOME", &home)
        .output();
    let open = open_to_others(&home);
    assert!(open.is_empty(), "readable by others: {open:#?}");
}

#[test]
fn a_home_left_open_is_tightened_when_weft_opens_it() {
    use std::os::unix::fs::PermissionsExt;
    let w = Weft::new();
    w.write("o.yaml", "name: o\ntasks:\n  t:\n    run: echo hi\n");
    assert_eq!(w.run(&["run", "-q", "o.yaml"]).code, 0);
    let home = w.home.path();
    for p in [home.to_path_buf(), home.join("logs"), home.join("weft.db")] {
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    assert_eq!(w.run(&["ps"]).code, 0);
    for (p, want) in [
        (home.to_path_buf(), 0o700),
        (home.join("logs"), 0o700),
        (home.join("weft.db"), 0o600),
    ] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, want, "{}", p.display());
    }
}
