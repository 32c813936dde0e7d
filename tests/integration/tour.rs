//! The README's tour, run line by line on the shipped examples: each
//! command must do what its comment says, and running them leaves nothing
//! behind in the examples' folder.

use crate::harness::Weft;
use std::path::{Path, PathBuf};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The lines of the first `sh` block after the "## A tour" heading.
fn tour(text: &str) -> Vec<String> {
    let start = text.find("\n## A tour").expect("the README has a tour");
    let rest = &text[start..];
    let block = rest.find("```sh\n").expect("the tour has a sh block") + 6;
    let end = rest[block..].find("```").expect("the block ends") + block;
    rest[block..end]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Every file under `dir`, with its size, sorted.
fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                todo.push(e.path());
            } else {
                out.push((e.path(), meta.len()));
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.metadata().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn on_path(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_readme_tour_runs_on_the_shipped_examples() {
    let w = Weft::new();
    // A copy of the examples, so the test never writes into the checkout;
    // what the tour leaves in it is what it would leave there.
    let examples = w.path("workflows");
    copy_dir(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows")),
        &examples,
    );
    let before = listing(&examples);
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let bin = Weft::bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let lines = tour(&readme());
    assert!(lines.len() >= 10, "{lines:?}");
    for line in lines {
        let (command, comment) = line.split_once(" # ").unwrap_or((&line, ""));
        let mut command = command
            .trim()
            .replace("/tmp/", &format!("{}/", tmp.display()));
        if command.contains("7m2k") {
            let prefix = &w.latest("report")[..4];
            command = command.replace("7m2k", prefix);
        }
        // Graphviz is not one of the test's dependencies: without it, the
        // part before the pipe must still print a graph.
        let mut graph = false;
        if let Some((before, _)) = command.split_once("| dot")
            && !on_path("dot")
        {
            command = before.trim().to_string();
            graph = true;
        }
        let out = std::process::Command::new("sh")
            .args(["-c", &command])
            .current_dir(w.dir.path())
            .env("WEFT_HOME", w.home.path())
            .env("PATH", &path)
            .env("TMPDIR", &tmp)
            .env("NO_COLOR", "1")
            .env_remove("WEFT_CONFIG")
            .env_remove("WEFT_CONCURRENCY")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = if comment.trim_start().starts_with("fails") {
            1
        } else {
            0
        };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "`{line}` ran as `{command}`:\n{stdout}{stderr}"
        );
        if graph {
            assert!(stdout.starts_with("digraph"), "{stdout}");
        }
    }
    // The retry after the fix and the retries example succeeded.
    assert_eq!(w.show_json("report")["status"], "succeeded");
    assert_eq!(w.show_json("report")["trigger"], "retry");
    assert_eq!(w.show_json("retries")["status"], "succeeded");
    // Every example, not only the tour's, leaves nothing beside itself
    // (whether or not its interpreters are installed).
    for entry in std::fs::read_dir(&examples).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "yaml") {
            w.cmd()
                .env("TMPDIR", &tmp)
                .args(["run", "-q"])
                .arg(&file)
                .output()
                .unwrap();
        }
    }
    assert_eq!(
        listing(&examples),
        before,
        "running the examples left files beside them"
    );
}

#[test]
fn the_readme_points_only_inside_the_repository() {
    let text = readme();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(!text.contains("DESIGN.md"), "the README cites DESIGN.md");
    // Every relative Markdown link names a file of the checkout.
    for (i, _) in text.match_indices("](") {
        let rest = &text[i + 2..];
        let target = &rest[..rest.find(')').unwrap_or(0)];
        if target.starts_with("http") || target.starts_with('#') || target.is_empty() {
            continue;
        }
        let file = target.split('#').next().unwrap();
        assert!(
            !file.starts_with(".."),
            "the README links outside: {target}"
        );
        assert!(
            root.join(file).exists(),
            "the README links to a missing {target}"
        );
    }
}
