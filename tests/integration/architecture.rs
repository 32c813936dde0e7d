//! The layers of ARCHITECTURE.md are real: core modules never import an upper
//! layer, never print and never exit; every source file says what it owns.

use std::path::{Path, PathBuf};

/// Each core module with the crate modules it must not use.
const RULES: &[(&str, &[&str])] = &[
    // L0: pure data and graph code, OS facts.
    (
        "model",
        &[
            "workflow", "store", "config", "logs", "engine", "exec", "api", "daemon", "tui", "cli",
            "cmd", "output",
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
    // Per-attempt log files: executors write them, so they know no database.
    (
        "logs",
        &[
            "workflow", "store", "engine", "exec", "api", "daemon", "tui", "cli", "cmd", "output",
        ],
    ),
    // L2: execution. Executors write logs, never the database.
    (
        "exec",
        &["store", "engine", "api", "daemon", "cli", "cmd", "output"],
    ),
    ("engine", &["api", "daemon", "cli", "cmd", "output"]),
    // L3: wire types and the client: read models from `model`, never the
    // store's own types.
    (
        "api",
        &["store", "engine", "exec", "daemon", "cli", "cmd", "output"],
    ),
    // L4: the daemon (it may log, but not print).
    ("daemon", &["cli", "cmd", "output"]),
    // L4: the dashboard talks only to the daemon (through `api`), and owns
    // the screen through ratatui only.
    (
        "tui",
        &["store", "engine", "exec", "daemon", "cli", "cmd", "output"],
    ),
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

/// The crate's top-level modules (files and folders under `src/`).
fn top_modules() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.is_dir() || p.extension().is_some_and(|e| e == "rs")).then_some(stem)
        })
        .filter(|n| n != "main" && n != "lib")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Which top-level modules each one uses (`crate::X` in its code).
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let modules = top_modules();
    let mut graph = std::collections::BTreeMap::new();
    for m in &modules {
        let root = if src().join(m).is_dir() {
            src().join(m)
        } else {
            src().join(format!("{m}.rs"))
        };
        let mut uses = std::collections::BTreeSet::new();
        for file in rust_files(&root) {
            let code = code_of(&std::fs::read_to_string(&file).unwrap());
            for other in modules.iter().filter(|o| *o != m) {
                if [
                    format!("crate::{other}::"),
                    format!("crate::{other};"),
                    format!("crate::{{{other}"),
                ]
                .iter()
                .any(|p| code.contains(p))
                {
                    uses.insert(other.clone());
                }
            }
        }
        graph.insert(m.clone(), uses);
    }
    graph
}

/// A cycle in `graph`, if there is one, as the path around it.
fn find_cycle(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("store") && graph.contains_key("logs"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
    // The checker finds a cycle where there is one.
    let mut with_cycle = graph.clone();
    with_cycle
        .get_mut("model")
        .unwrap()
        .insert("cmd".to_string());
    assert!(find_cycle(&with_cycle).is_some());
}

#[test]
fn the_daemon_and_the_commands_hold_the_store_trait_not_sqlite() {
    let mut offenders = Vec::new();
    for module in ["daemon", "cmd", "tui", "api"] {
        for file in rust_files(&src().join(module)) {
            let code = code_of(&std::fs::read_to_string(&file).unwrap());
            if code.contains("SqliteStore") {
                offenders.push(file.strip_prefix(src()).unwrap().display().to_string());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "these name SqliteStore instead of holding `dyn Store` (open it with store::open): {offenders:?}"
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
