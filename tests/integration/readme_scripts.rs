//! The README's "weft in scripts and cron" examples, run as written: each
//! `<!-- example: NAME -->` code block runs in `sh -e` in a folder with the
//! files the README describes, with `weft` and a stand-in `crontab` on
//! PATH, and must succeed and print what it shows.

use crate::cron::{FakeCrontab, run_as_cron};
use crate::harness::Weft;

/// What each example must print (stdout and stderr together). Every
/// example in the README needs an entry, and every entry an example.
const EXPECT: &[(&str, &[&str])] = &[
    (
        "exit-codes",
        &["nightly ok", "report failed; the end of its log:"],
    ),
    ("json", &["nightly succeeded", "built 1.2.3", "stamped"]),
    ("wrap", &["backing up", "the command exited 3"]),
    (
        "cron-install",
        &["installed `nightly`", "\n1\n", "removed `nightly`"],
    ),
    (
        "cron-import",
        &[
            "- 15 * * * * echo tick",
            "nothing was changed",
            "imported 1 line",
            "echo ",
        ],
    ),
    ("overlap", &["skipped, exit 75"]),
    ("stdin-and-wait", &["hello from stdin", "some failed"]),
];

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The fenced block after each `<!-- example: NAME -->`.
fn examples(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("<!-- example: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(
            lines.next(),
            Some("```sh"),
            "example {name} is not a sh block"
        );
        let code: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        out.push((name.to_string(), code.join("\n")));
    }
    out
}

/// Stops a daemon an example may have started, even when the test fails.
struct StopDaemon<'a>(&'a Weft);

impl Drop for StopDaemon<'_> {
    fn drop(&mut self) {
        self.0.run(&["daemon", "stop"]);
    }
}

#[test]
fn the_scripting_examples_run_as_written() {
    let w = Weft::new();
    let _stop = StopDaemon(&w);
    let cron = FakeCrontab::new(&w, Some("MAILTO=me\n15 * * * * echo tick >> ticks.txt\n"));
    let bin = w.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(Weft::bin(), bin.join("weft")).unwrap();
    std::os::unix::fs::symlink(&cron.program, bin.join("crontab")).unwrap();
    w.write(
        "nightly.yaml",
        "name: nightly\ntasks:\n  stamp:\n    run: echo \"version=1.2.3\" >> \"$WEFT_OUTPUT\"; echo stamped\n    outputs: [version]\n",
    );
    w.write(
        "report.yaml",
        "name: report\ntasks:\n  build:\n    run: exit 1\n",
    );

    let found = examples(&readme());
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = EXPECT.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, expected,
        "README examples and this test's list differ"
    );

    for (name, code) in &found {
        let out = std::process::Command::new("/bin/sh")
            .args(["-e", "-c", code])
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("WEFT_HOME", w.home.path())
            .env_remove("NO_COLOR")
            .env_remove("WEFT_CRONTAB")
            .current_dir(w.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "example `{name}` failed:\n{code}\n---\n{text}"
        );
        for want in EXPECT.iter().find(|(n, _)| n == name).unwrap().1 {
            assert!(
                text.contains(want),
                "example `{name}` did not print {want:?}:\n{text}"
            );
        }
    }
    // The import example took over the user's line; it runs under cron.
    let table = cron.text();
    let line = table.lines().find(|l| l.contains("# weft:echo")).unwrap();
    assert!(run_as_cron(line, w.dir.path()).status.success());
    assert_eq!(
        std::fs::read_to_string(w.path("ticks.txt")).unwrap(),
        "tick\n"
    );
}

#[test]
fn the_crontab_line_example_works_under_cron() {
    let text = readme();
    let block = text
        .split("```crontab\n")
        .nth(1)
        .and_then(|r| r.split("\n```").next())
        .expect("a crontab example in the README");
    let w = Weft::new();
    let script = w.write("backup.sh", "#!/bin/sh\necho backed up > backed-up.txt\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let line = block
        .replace(
            "/home/me/.local/bin/weft",
            &format!(
                "WEFT_HOME={} {}",
                w.home.path().display(),
                Weft::bin().display()
            ),
        )
        .replace("/home/me/bin/backup.sh", &script.display().to_string())
        .replace("  ", " ");
    let ran = run_as_cron(&line, w.dir.path());
    assert!(
        ran.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(w.path("backed-up.txt")).unwrap(),
        "backed up\n"
    );
    assert_eq!(w.show_json("backup")["status"], "succeeded");
}
