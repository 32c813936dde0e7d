//! The files in `completions/` and `man/` are exactly what `weft
//! completions` and `weft man` print, and `config.example.yaml` is a config
//! weft accepts, with every key it knows.

use crate::harness::Weft;
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn assert_same(file: &str, args: &[&str]) {
    let w = Weft::new();
    let out = w.run(args);
    assert_eq!(out.code, 0, "weft {args:?}: {}", out.stderr);
    let committed = std::fs::read_to_string(repo(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(
        committed == out.stdout,
        "{file} is out of date; regenerate it with `weft {}` (see install.sh)",
        args.join(" ")
    );
}

#[test]
fn completions_match_the_cli() {
    assert_same("completions/weft.bash", &["completions", "bash"]);
    assert_same("completions/_weft", &["completions", "zsh"]);
    assert_same("completions/weft.fish", &["completions", "fish"]);
}

#[test]
fn man_pages_match_the_cli() {
    assert_same("man/weft.1", &["man"]);
    for cmd in [
        "run", "validate", "plan", "ps", "show", "logs", "output", "retry", "submit", "wait",
        "cancel", "pause", "resume", "events", "daemon", "attach", "send", "dash", "wrap", "cron",
        "schedule", "add", "prune",
    ] {
        assert_same(&format!("man/weft-{cmd}.1"), &["man", cmd]);
    }
    assert_same("man/weft-workflow.5", &["man", "workflow"]);
    let out = Weft::new().run(&["man", "nope"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("pages: run, validate") && out.stderr.contains("workflow"),
        "{}",
        out.stderr
    );
}

#[test]
fn man_pages_have_the_sections_a_reader_looks_for() {
    let w = Weft::new();
    let root = w.run(&["man"]).stdout;
    for section in [
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            root.contains(&format!(".SH \"{section}\"")),
            "weft(1) has no {section}"
        );
    }
    assert!(
        root.contains("WEFT_HOME") && root.contains("weft.db"),
        "{root}"
    );
    let run = w.run(&["man", "run"]).stdout;
    // The synopsis names the command as typed, with its arguments' names.
    let synopsis = run
        .split(".SH SYNOPSIS\n")
        .nth(1)
        .and_then(|s| s.lines().next())
        .unwrap();
    assert!(synopsis.starts_with("\\fBweft run\\fR"), "{synopsis}");
    assert!(
        synopsis.contains("KEY=VALUE") && synopsis.ends_with("FILE"),
        "{synopsis}"
    );
    assert!(run.contains(".SH \"EXAMPLES\""), "{run}");
    let workflow = w.run(&["man", "workflow"]).stdout;
    assert!(workflow.starts_with(".TH weft-workflow 5"), "{workflow}");
    for key in [
        "needs",
        "when",
        "retry",
        "timeout",
        "outputs",
        "schedule",
        "WEFT_OUTPUT",
    ] {
        assert!(
            workflow.contains(key),
            "weft-workflow(5) does not document {key}"
        );
    }
}

#[test]
fn the_example_config_loads_and_names_every_key() {
    let text = std::fs::read_to_string(repo("config.example.yaml")).unwrap();
    let config = weft::config::Config::parse("config.example.yaml", &text)
        .expect("config.example.yaml loads");
    assert_eq!(config.store.durability, weft::config::Durability::Normal);
    for key in [
        "durability:",
        "concurrency:",
        "kill_grace:",
        "shell:",
        "color:",
        "autostart:",
        "tcp:",
        "token:",
        "input_wait:",
        "detach_key:",
        "keys:",
        "workflow_dirs:",
        "retention:",
        "max_age:",
        "keep:",
        "interval:",
    ] {
        assert!(
            text.contains(key),
            "config.example.yaml does not document `{key}`"
        );
    }
    // And the binary accepts it as its config file.
    let w = Weft::new();
    std::fs::write(w.home.path().join("config.yaml"), &text).unwrap();
    let out = w.run(&["ps"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::write(
        w.home.path().join("config.yaml"),
        "run:\n  kill_grace: 5s\n  colour: auto\n",
    )
    .unwrap();
    let out = w.run(&["ps"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("config.yaml:3:"), "{}", out.stderr);
}
