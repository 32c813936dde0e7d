//! Hostile input never panics weft: the real binary's `validate` and `plan`
//! on absurd numbers, bytes that are not UTF-8, deep nesting and random
//! text exit 0 or 2 without a panic; a daemon whose `workflow_dirs` holds
//! such a file keeps firing the other workflows.

use crate::harness::{Weft, wait_until};
use std::time::Duration;

/// Files that once validated and then panicked, or that might.
fn hostile() -> Vec<(String, Vec<u8>)> {
    let task = "tasks:\n  a: { run: 'true' }\n";
    let mut files: Vec<(String, Vec<u8>)> = [
        ("every_max", format!("name: x\nschedule:\n  - every: 9223372036854775807s\n{task}")),
        ("every_u64", format!("name: x\nschedule:\n  - every: 18446744073709551s\n{task}")),
        ("every_huge", format!("name: x\nschedule:\n  - every: 1{}s\n{task}", "0".repeat(400))),
        ("window", format!("name: x\ncatchup: all\ncatchup_window: 99999999999999999d\nschedule:\n  - every: 1s\n{task}")),
        ("timeout", "name: x\ntasks:\n  a: { run: 'true', timeout: 1e400s }\n".into()),
        ("retry", "name: x\ntasks:\n  a: { run: 'true', retry: { attempts: 9223372036854775807, delay: 18446744073709551615ms, backoff: .inf, max_delay: -1s } }\n".into()),
        ("concurrency", format!("name: x\nconcurrency: 18446744073709551616\n{task}")),
        ("delay", "name: x\ntasks:\n  a: { delay: 999999999999999999999999h }\n".into()),
        ("at", format!("name: x\nschedule:\n  - at: \"+262143-12-31 23:59\"\n  - at: \"9999-99-99 99:99\"\n{task}")),
        ("cron", format!("name: x\nschedule:\n  - cron: \"59 59 23 31 12 *\"\n  - cron: \"0 0 29 2 1#5\"\n  - cron: \"L W # ? * *\"\n{task}")),
        ("nested", format!("name: x\nenv: {}\n{task}", "[".repeat(5000))),
        ("aliases", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nname: x\ntasks:\n  t: { run: 'true' }\n".into()),
        ("nul_bom", "\u{feff}name: x\0\ntasks:\n  a: { run: \"\0\" }\n".into()),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t.into_bytes()))
    .collect();
    files.push((
        "not_utf8".into(),
        b"name: x\ntasks:\n  a: { run: \"\xff\xfe\" }\n".to_vec(),
    ));
    files.push(("truncated_utf8".into(), b"name: caf\xc3".to_vec()));
    // Random text from pieces of workflow files (a fixed seed: reproducible).
    let pieces = [
        "name: x\n",
        "tasks:\n",
        "  a:\n",
        "    run: 'true'\n",
        "schedule:\n",
        "  - every: ",
        "    retry: ",
        "{ attempts: ",
        "backoff: ",
        "}",
        "[",
        "]",
        "9223372036854775807",
        "-1",
        "0s",
        "366d",
        "367d",
        ": ",
        "- ",
        "\n",
        "  ",
        "'",
        "\"",
        "&x ",
        "*x",
        "\u{ff}",
    ];
    let mut seed: u64 = 0x5eed_f00d;
    for case in 0..8 {
        let mut text = String::new();
        for _ in 0..30 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        files.push((format!("random{case}"), text.into_bytes()));
    }
    files
}

#[test]
fn hostile_files_never_panic_validate_or_plan() {
    let w = Weft::new();
    let mut paths = Vec::new();
    for (name, bytes) in hostile() {
        let path = w.path(&format!("{name}.yaml"));
        std::fs::write(&path, &bytes).unwrap();
        paths.push(path.display().to_string());
    }
    for path in &paths {
        for cmd in ["validate", "plan"] {
            let out = w.run(&[cmd, path]);
            assert!(
                out.code == 0 || out.code == 2,
                "weft {cmd} {path}: exit {}\n{}",
                out.code,
                out.stderr
            );
            assert!(
                !out.stderr.contains("panicked"),
                "weft {cmd} {path} panicked:\n{}",
                out.stderr
            );
        }
    }
    // The reported case: refused, located, before any schedule is computed.
    let out = w.run(&["plan", &paths[0]]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`every` must be between 1s and 366d, found `9223372036854775807s`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("every_max.yaml:3:12"), "{}", out.stderr);
    let out = w.run(&["validate", &w.path("not_utf8.yaml").display().to_string()]);
    assert!(out.stderr.contains("not_utf8.yaml:3:14"), "{}", out.stderr);
    // The same bytes on stdin are located the same way, in `-`.
    let out = w
        .cmd()
        .args(["run", "-"])
        .write_stdin(std::fs::read(w.path("not_utf8.yaml")).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--> -:3:14") && stderr.contains("not UTF-8"),
        "{stderr}"
    );
    // A -j beyond the bound is refused like the workflow's `concurrency`.
    let out = w.run(&["run", "-j", "5000", &paths[0]]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("1..=1024"), "{}", out.stderr);
}

#[test]
fn a_daemon_with_hostile_files_keeps_its_scheduler() {
    let w = Weft::new();
    let dir = w.workflow_dir("flows");
    for (name, bytes) in hostile() {
        std::fs::write(dir.join(format!("{name}.yaml")), &bytes).unwrap();
    }
    std::fs::write(
        dir.join("tick.yaml"),
        "name: tick\nschedule:\n  - every: 1s\ntasks:\n  say:\n    run: echo tick\n",
    )
    .unwrap();
    let _daemon = w.daemon();
    let fired = || {
        let out = w.run(&["schedule", "fires", "tick", "-n", "0", "--json"]);
        serde_json::from_str::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(30), || fired() >= 2),
        "the scheduler stopped firing; daemon log:\n{}",
        w.daemon_log()
    );
    let log = w.daemon_log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("every_max.yaml"), "{log}");
}
