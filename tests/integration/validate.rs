//! `weft validate`: one fixture per validation error, each with the whole
//! expected message (every line of stderr, carets and help included).
//!
//! A case is `tests/fixtures/validate/<case>.yaml`, its exact stderr in
//! `<case>.expected`, and optionally extra arguments (one per line, put before
//! the file name) in `<case>.args`. `weft` runs in the fixtures folder, so the
//! file name in the messages is just `<case>.yaml`.
//!
//! `WEFT_BLESS=1 cargo test --test integration validate` rewrites the
//! `.expected` files from the current output. Read the diff before committing
//! it: a blessed message is only right if a person judged it so.

use crate::harness::{Out, Weft};
use std::path::{Path, PathBuf};

/// Every case in the fixtures folder. Listed here so that a case cannot
/// disappear (or be added without an expected file) unnoticed.
const CASES: &[&str] = &[
    "bad_duration_no_unit",
    "bad_duration_word",
    "bad_when",
    "bounds_counts",
    "bounds_durations",
    "condition_syntax",
    "cycle",
    "duplicate_dependency",
    "duplicate_task",
    "empty_file",
    "empty_tasks",
    "exec_not_list",
    "interactive",
    "missing_name",
    "no_body",
    "not_a_mapping",
    "not_utf8",
    "output_name",
    "overlap",
    "param_default_type",
    "param_missing_required",
    "param_override_type",
    "param_unknown_override",
    "param_unknown_type",
    "retry_backoff",
    "retry_on_exit",
    "schedule_cron",
    "schedule_every",
    "schedule_timezone",
    "script_missing_lang_and_code",
    "script_unknown_lang",
    "self_dependency",
    "several_problems",
    "task_name_space",
    "task_not_mapping",
    "template_not_upstream",
    "template_own_outputs",
    "template_run_field",
    "template_syntax",
    "template_undeclared_output",
    "template_undeclared_param",
    "template_unknown_root",
    "template_unknown_task",
    "template_unknown_task_field",
    "two_bodies",
    "unknown_dependency",
    "unknown_task_key",
    "unknown_top_key",
    "unquoted_template",
    "workflow_env_reads_task",
    "workflow_name",
    "wrong_type_concurrency",
    "wrong_type_needs",
    "yaml_syntax",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

fn blessing() -> bool {
    std::env::var_os("WEFT_BLESS").is_some_and(|v| v == "1")
}

/// `weft validate ARGS` run in `dir`, with no `WEFT_PARAM_*` leaking in from
/// the environment the tests run in.
fn validate_in(dir: &Path, args: &[&str]) -> Out {
    let w = Weft::new();
    let mut cmd = w.cmd();
    cmd.current_dir(dir).arg("validate").args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("WEFT_PARAM_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd.output().expect("running weft validate");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A case's expected stderr.
fn expected(case: &str) -> String {
    read(&fixtures().join(format!("{case}.expected")))
}

/// Expected stderr without its final `N problems in M files` line, to build
/// the expectation for several files in one call.
fn expected_blocks(case: &str) -> String {
    let text = expected(case);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let cut = body.rfind('\n').map_or(0, |i| i + 1);
    assert!(
        body[cut..].ends_with(" in 1 file"),
        "{case}.expected does not end with a summary line"
    );
    body[..cut].to_string()
}

/// The extra arguments of a case, one per line in `<case>.args`.
fn case_args(case: &str) -> Vec<String> {
    let path = fixtures().join(format!("{case}.args"));
    if !path.exists() {
        return Vec::new();
    }
    read(&path)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A line diff (longest common subsequence): `  ` same, `- ` expected only,
/// `+ ` actual only.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            out.push_str(&format!("  {}\n", e[i]));
            i += 1;
            j += 1;
        } else if i < e.len() && (j == a.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", e[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", a[j]));
            j += 1;
        }
    }
    if !out
        .lines()
        .any(|l| l.starts_with('+') || l.starts_with('-'))
    {
        out.push_str(
            "(the lines are equal: the texts differ in line endings or the final newline)\n",
        );
    }
    out
}

/// Checks one output against an expectation, describing any mismatch.
fn compare(what: &str, expected: &str, actual: &str) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{what}: stderr differs (- expected, + actual):\n{}",
            diff(expected, actual)
        ))
    }
}

fn cases_on_disk() -> Vec<String> {
    let mut yaml = Vec::new();
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("reading the fixtures folder") {
        let path = entry.expect("a fixtures folder entry").path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => yaml.push(stem),
            Some("expected" | "args") if fixtures().join(format!("{stem}.yaml")).exists() => {}
            _ => stray.push(path.display().to_string()),
        }
    }
    assert!(
        stray.is_empty(),
        "files in the fixtures folder that belong to no case: {stray:?}"
    );
    yaml.sort();
    yaml
}

#[test]
fn every_validation_error_has_its_exact_message() {
    let on_disk = cases_on_disk();
    let listed: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        on_disk,
        listed,
        "the cases in {} and the CASES list differ",
        fixtures().display()
    );
    let bless = blessing();
    let mut failures = Vec::new();
    for case in CASES {
        let file = format!("{case}.yaml");
        let mut args = case_args(case);
        args.push(file);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = validate_in(&fixtures(), &args);
        if out.code != 2 {
            failures.push(format!(
                "{case}: exit code {} (expected 2)\nstdout:\n{}stderr:\n{}",
                out.code, out.stdout, out.stderr
            ));
            continue;
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{case}: printed on stdout:\n{}", out.stdout));
        }
        let expected_path = fixtures().join(format!("{case}.expected"));
        if bless {
            std::fs::write(&expected_path, &out.stderr).expect("writing an expected file");
            continue;
        }
        if !expected_path.exists() {
            failures.push(format!(
                "{case}: no {case}.expected; run with WEFT_BLESS=1 to write it, then read it\nstderr:\n{}",
                out.stderr
            ));
            continue;
        }
        if let Err(e) = compare(case, &read(&expected_path), &out.stderr) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} validate cases failed (WEFT_BLESS=1 rewrites the .expected files; judge the new messages before keeping them):\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_files_print_ok_on_stdout_and_exit_0() {
    let w = Weft::new();
    w.write(
        "one.yaml",
        "name: one\ntasks:\n  hello:\n    run: echo hello\n",
    );
    w.write(
        "two.yaml",
        "name: two\n\
         params:\n  who: { type: string, default: world }\n\
         tasks:\n  greet:\n    run: echo \"greeting=hi {{ params.who }}\" >> \"$WEFT_OUTPUT\"\n    outputs: [greeting]\n\
         \x20 shout:\n    needs: [greet]\n    run: echo \"{{ tasks.greet.outputs.greeting }}\"\n",
    );
    let out = validate_in(w.dir.path(), &["one.yaml", "two.yaml"]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "ok one.yaml: workflow `one`, 1 task\nok two.yaml: workflow `two`, 2 tasks\n"
    );
    assert_eq!(out.code, 0);

    let out = validate_in(w.dir.path(), &["--quiet", "one.yaml", "two.yaml"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn two_bad_files_in_one_call_are_both_reported() {
    let out = validate_in(&fixtures(), &["unknown_top_key.yaml", "cycle.yaml"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    let want = format!(
        "{}{}2 problems in 2 files\n",
        expected_blocks("unknown_top_key"),
        expected_blocks("cycle")
    );
    if let Err(e) = compare("unknown_top_key.yaml + cycle.yaml", &want, &out.stderr) {
        panic!("{e}");
    }
}

#[test]
fn a_good_and_a_bad_file_report_both_and_exit_2() {
    let w = Weft::new();
    w.write("good.yaml", "name: good\ntasks:\n  a:\n    run: 'true'\n");
    w.write("cycle.yaml", &read(&fixtures().join("cycle.yaml")));
    let out = validate_in(w.dir.path(), &["good.yaml", "cycle.yaml"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "ok good.yaml: workflow `good`, 1 task\n");
    if let Err(e) = compare("good.yaml + cycle.yaml", &expected("cycle"), &out.stderr) {
        panic!("{e}");
    }
}

#[test]
fn a_missing_file_is_a_clear_error_and_the_others_are_still_checked() {
    let out = validate_in(&fixtures(), &["does_not_exist.yaml", "cycle.yaml"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    let want = format!(
        "error: cannot read workflow file `does_not_exist.yaml`: No such file or directory (os error 2)\n\n\
         {}2 problems in 2 files\n",
        expected_blocks("cycle")
    );
    if let Err(e) = compare("does_not_exist.yaml + cycle.yaml", &want, &out.stderr) {
        panic!("{e}");
    }

    let out = validate_in(&fixtures(), &["does_not_exist.yaml"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: cannot read workflow file `does_not_exist.yaml`: No such file or directory (os error 2)\n\n\
         1 problem in 1 file\n"
    );
}

/// Independent of the `.expected` file: the problems of one file all come in
/// one call, each once, sorted by line and column, and the count adds up.
#[test]
fn several_problems_in_one_file_are_reported_at_once_in_file_order() {
    let out = validate_in(&fixtures(), &["several_problems.yaml"]);
    assert_eq!(out.code, 2);
    let locs: Vec<(u32, u32)> = out
        .stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> several_problems.yaml:"))
        .map(|at| {
            let (line, col) = at.split_once(':').expect("line:col");
            (line.parse().unwrap(), col.parse().unwrap())
        })
        .collect();
    let errors = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .count();
    assert_eq!(
        errors,
        locs.len(),
        "every error has a location:\n{}",
        out.stderr
    );
    // One problem on each of these lines, found by different passes (keys,
    // values, params, dependencies, templates) yet printed in file order:
    // unknown top key, bad param default, missing required param, duration
    // without unit, unknown task key, undeclared param, unknown dependency,
    // bad `when`, undeclared output.
    let lines: Vec<u32> = locs.iter().map(|l| l.0).collect();
    assert_eq!(lines, [2, 4, 5, 9, 12, 13, 15, 16, 17], "{}", out.stderr);
    assert!(
        locs.windows(2).all(|w| w[0] < w[1]),
        "not in file order: {locs:?}"
    );
    assert!(
        out.stderr
            .ends_with(&format!("\n{} problems in 1 file\n", locs.len())),
        "{}",
        out.stderr
    );
}

/// YAML 1.1 booleans (`y`, `n`, `yes`, `no`, `on`, `off`) are plain strings:
/// a param named `n` and a task named `on` keep their names.
#[test]
fn a_param_named_n_keeps_its_name() {
    let w = Weft::new();
    w.write(
        "n.yaml",
        "name: demo\nparams:\n  n: { type: int, default: 1 }\ntasks:\n  on:\n    run: echo {{ params.n }}\n",
    );
    let out = validate_in(w.dir.path(), &["-p", "n=abc", "n.yaml"]);
    assert!(
        out.stderr.starts_with(
            "error: `-p n` gives `abc` for param `n`, which is declared `int`\n \
             --> n.yaml:3:3\n"
        ) && out.stderr.ends_with("\n1 problem in 1 file\n"),
        "{}",
        out.stderr
    );
    let out = validate_in(w.dir.path(), &["n.yaml"]);
    assert_eq!(out.stdout, "ok n.yaml: workflow `demo`, 1 task\n");
    let plan = w.run(&["plan", "n.yaml", "--json"]);
    assert!(
        plan.stdout.contains("\"on\""),
        "task `on` renamed:\n{}",
        plan.stdout
    );
}
