//! The layers of docs/architecture.md are real: core modules never import an upper
//! layer, never print and never exit; every source file says what it owns.

use std::path::{Path, PathBuf};

/// Each core module with the crate modules it must not use.
const RULES: &[(&str, &[&str])] = &[
    // L0: pure data and graph code, OS facts.
    (
        "model",
        &[
            "workflow", "store", "config", "engine", "exec", "cli", "cmd", "output",
        ],
    ),
    (
        "dag.rs",
        &[
            "model", "workflow", "store", "config", "engine", "exec", "cli", "cmd", "output",
        ],
    ),
    (
        "paths.rs",
        &[
            "workflow", "store", "config", "engine", "exec", "cli", "cmd", "output",
        ],
    ),
    (
        "private_fs.rs",
        &[
            "workflow", "store", "config", "engine", "exec", "cli", "cmd", "output",
        ],
    ),
    (
        "sys.rs",
        &[
            "workflow", "store", "config", "engine", "exec", "cli", "cmd", "output",
        ],
    ),
    // L1: workflow files, persistence, config.
    (
        "workflow",
        &["store", "engine", "exec", "cli", "cmd", "output"],
    ),
    (
        "store",
        &["workflow", "engine", "exec", "cli", "cmd", "output"],
    ),
    (
        "config.rs",
        &["store", "engine", "exec", "cli", "cmd", "output"],
    ),
    (
        "crontab.rs",
        &[
            "store", "engine", "exec", "api", "daemon", "cli", "cmd", "output",
        ],
    ),
    (
        "schedule",
        &[
            "workflow", "store", "config", "engine", "exec", "api", "daemon", "cli", "cmd",
            "output",
        ],
    ),
    // L2: execution.
    ("exec", &["engine", "api", "daemon", "cli", "cmd", "output"]),
    ("engine", &["api", "daemon", "cli", "cmd", "output"]),
    // L3: wire types and the client.
    ("api", &["daemon", "cli", "cmd", "output"]),
    // L4: the daemon (it may log, but not print).
    ("daemon", &["cli", "cmd", "output"]),
    // L4: the dashboard (it owns the screen through ratatui only).
    ("tui", &["daemon", "cli", "cmd", "output"]),
];

const FORBIDDEN_CALLS: &[&str] = &[
    "println!",
    "print!(",
    "eprintln!",
    "eprint!(",
    "dbg!",
    "process::exit",
    "io::stdout",
    "io::stderr",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).expect("reading src") {
        let p = entry.expect("dir entry").path();
        if p.is_dir() {
            files.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            files.push(p);
        }
    }
    files
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn core_modules_import_only_downwards_and_never_print_or_exit() {
    let mut problems = Vec::new();
    for (module, forbidden) in RULES {
        let root = src().join(module);
        assert!(
            root.exists(),
            "core module {module} moved; update this test"
        );
        for file in rust_files(&root) {
            let code = code_of(&std::fs::read_to_string(&file).unwrap());
            let name = file.strip_prefix(src()).unwrap().display().to_string();
            for upper in *forbidden {
                for pattern in [
                    format!("crate::{upper}::"),
                    format!("crate::{upper};"),
                    format!("crate::{{{upper}"),
                ] {
                    if code.contains(&pattern) {
                        problems.push(format!(
                            "{name} uses `{pattern}` (a layer it must not depend on)"
                        ));
                    }
                }
            }
            for call in FORBIDDEN_CALLS {
                if code.contains(call) {
                    problems.push(format!(
                        "{name} calls `{call}`: the core must not print or exit"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_source_file_opens_with_a_module_comment() {
    let missing: Vec<String> = rust_files(&src())
        .into_iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module comment: {missing:?}"
    );
}

#[test]
fn the_scanner_catches_what_it_looks_for() {
    // Guard against a test that cannot fail: the patterns match real offenders.
    let offender = "use crate::cmd::Context;\nfn f() { println!(\"x\"); std::process::exit(1) }\n";
    let code = code_of(offender);
    assert!(code.contains("crate::cmd::"));
    assert!(FORBIDDEN_CALLS.iter().filter(|c| code.contains(*c)).count() >= 2);
    assert!(!code_of("// println!(\"in a comment\")\n").contains("println!"));
}
