//! Logs that scale: long lines come back whole, short lines cost little
//! on disk, the per-attempt cap keeps the newest output and says what it
//! dropped, and `weft logs` reads in bounded memory.

use crate::harness::Weft;

/// Runs a one-task workflow; the run's id.
fn run_task(w: &Weft, run: &str) -> String {
    w.write(
        "big.yaml",
        &format!("name: big\ntasks:\n  out:\n    run: \"{run}\"\n"),
    );
    let out = w.run(&["run", "big.yaml", "--quiet"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    w.latest("big")
}

fn logs_dir_size(w: &Weft) -> u64 {
    fn walk(p: &std::path::Path) -> u64 {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        let m = e.metadata().unwrap();
                        if m.is_dir() { walk(&e.path()) } else { m.len() }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&w.home.path().join("logs"))
}

#[test]
fn a_50_mb_line_without_newline_comes_back_byte_identical() {
    let w = Weft::new();
    let id = run_task(&w, "head -c 50000000 /dev/zero | tr '\\\\0' x");
    let out = w.cmd().args(["logs", &id, "out"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), 50_000_000, "one line, no newline added");
    assert!(out.stdout.iter().all(|&b| b == b'x'));
}

#[test]
fn short_lines_take_under_twice_their_size_on_disk() {
    let w = Weft::new();
    let id = run_task(&w, "yes | head -c 20000000");
    let size = logs_dir_size(&w);
    assert!(size > 0, "the log is under WEFT_HOME/logs");
    let ratio = size as f64 / 20_000_000.0;
    assert!(ratio < 2.0, "{size} bytes on disk for 20 MB of output");
    let out = w.cmd().args(["logs", &id, "out"]).output().unwrap();
    assert_eq!(out.stdout.len(), 20_000_000);
}

#[test]
fn the_cap_keeps_the_newest_output_and_says_how_much_went() {
    let w = Weft::new();
    std::fs::write(
        w.home.path().join("config.yaml"),
        "logs:\n  max_attempt_size: 1MiB\n",
    )
    .unwrap();
    let id = run_task(&w, "seq 1 1000000");
    let size = logs_dir_size(&w);
    assert!(size < (1 << 20) + 4096, "{size}");
    let out = w.run(&["logs", &id, "out"]);
    let first = out.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("weft: [weft: ") && first.ends_with(" MiB of earlier output dropped]"),
        "{first}"
    );
    assert_eq!(out.stdout.lines().last(), Some("1000000"));
}

#[test]
fn weft_logs_reads_a_big_log_in_little_memory() {
    if !std::path::Path::new("/usr/bin/time").exists() {
        return;
    }
    let w = Weft::new();
    let id = run_task(&w, "seq 1 20000000");
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(Weft::bin())
        .args(["logs", &id, "out"])
        .env("WEFT_HOME", w.home.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    let kb: u64 = report
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("a peak RSS");
    assert!(kb < 30 * 1024, "peak RSS {kb} KiB for about 150 MB of log");
}
