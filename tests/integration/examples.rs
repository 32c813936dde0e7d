//! The example workflows in `workflows/` run for real and do what their
//! comments say. Nothing is written inside the repository: every output
//! folder and scratch folder is a temporary one passed in as a param or
//! through `TMPDIR`.

use crate::harness::{Out, Weft, alive, example, wait_until};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `weft run FILE ARGS...` with `TMPDIR` pointing into the test's work dir,
/// so whatever a task puts in a temporary folder is cleaned up with the test.
fn run_example(w: &Weft, file: &str, args: &[&str]) -> Out {
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).expect("creating TMPDIR");
    let out = w
        .cmd()
        .env("TMPDIR", &tmp)
        .arg("run")
        .arg(example(file))
        .args(args)
        .output()
        .expect("running weft");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `weft output RUN TASK KEY`, without the newline it adds.
fn output(w: &Weft, run: &str, task: &str, key: &str) -> String {
    let out = w.run(&["output", run, task, key]);
    assert_eq!(
        out.code, 0,
        "weft output {run} {task} {key}: {}",
        out.stderr
    );
    out.stdout
        .strip_suffix('\n')
        .unwrap_or(&out.stdout)
        .to_string()
}

/// `weft logs RUN TASK`.
fn logs(w: &Weft, run: &str, task: &str) -> String {
    let out = w.run(&["logs", run, task]);
    assert_eq!(out.code, 0, "weft logs {run} {task}: {}", out.stderr);
    out.stdout
}

fn task<'a>(show: &'a Value, name: &str) -> &'a Value {
    show["tasks"]
        .as_array()
        .expect("tasks in show --json")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("task `{name}` in show --json"))
}

fn attempts(show: &Value, name: &str) -> Vec<Value> {
    task(show, name)["attempts"]
        .as_array()
        .expect("attempts")
        .clone()
}

fn ms(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("a time in ms, found {v}"))
}

/// Whether a program is on `PATH`, as weft looks for interpreters.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn every_example_workflow_validates() {
    let w = Weft::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let mut files: Vec<PathBuf> = entries(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "hello.yaml",
        "diamond.yaml",
        "retries.yaml",
        "languages.yaml",
        "report.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from workflows/: {names:?}"
        );
    }
    for file in &files {
        let path = file.display().to_string();
        let out = w.run(&["validate", &path]);
        assert_eq!(out.code, 0, "{path} does not validate:\n{}", out.stderr);
        assert!(out.stdout.starts_with("ok "), "{path}: {}", out.stdout);
    }
}

#[test]
fn hello_greets_and_shouts() {
    let w = Weft::new();
    let out = run_example(&w, "hello.yaml", &["-p", "who=integration tests"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        output(&w, "hello", "greet", "greeting"),
        "hello, integration tests"
    );
    assert!(
        logs(&w, "hello", "shout").contains("HELLO, INTEGRATION TESTS"),
        "shout did not shout"
    );
    let show = w.show_json("hello");
    assert_eq!(show["status"], "succeeded");
    assert_eq!(show["params"]["who"], "integration tests");
}

#[test]
fn diamond_passes_outputs_through_both_branches() {
    let w = Weft::new();
    let out = run_example(&w, "diamond.yaml", &["-p", "fruits=kiwi fig banana"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // a: a multi-line `key<<EOF` output, kept line for line.
    assert_eq!(output(&w, "diamond", "a", "manifest"), "kiwi\nfig\nbanana");
    assert_eq!(output(&w, "diamond", "a", "count"), "3");
    // b read the count through a template.
    assert_eq!(output(&w, "diamond", "b", "doubled"), "6");
    // c read the whole block through WEFT_OUT_A_MANIFEST.
    assert_eq!(output(&w, "diamond", "c", "first"), "banana");
    assert_eq!(output(&w, "diamond", "c", "last"), "kiwi");
    assert_eq!(output(&w, "diamond", "c", "sorted"), "banana\nfig\nkiwi");
    // d joined both branches.
    assert_eq!(
        output(&w, "diamond", "d", "summary"),
        "3 words, doubled 6, from banana to kiwi"
    );
    assert!(logs(&w, "diamond", "d").contains("3 words, doubled 6, from banana to kiwi"));

    // The shape held: b and c after a, d after both.
    let show = w.show_json("diamond");
    assert_eq!(show["status"], "succeeded");
    let start = |t: &str| ms(&task(&show, t)["started_at"]);
    let end = |t: &str| ms(&task(&show, t)["finished_at"]);
    for t in ["a", "b", "c", "d"] {
        assert_eq!(task(&show, t)["status"], "succeeded", "{t}");
    }
    assert!(start("b") >= end("a") && start("c") >= end("a"));
    assert!(start("d") >= end("b") && start("d") >= end("c"));

    // The defaults work too.
    let out = run_example(&w, "diamond.yaml", &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        output(&w, "diamond", "d", "summary"),
        "3 words, doubled 6, from apple to cherry"
    );
}

#[test]
fn retries_recover_stop_on_unlisted_codes_and_time_out_without_failing_the_run() {
    let w = Weft::new();
    let out = run_example(&w, "retries.yaml", &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let show = w.show_json("retries");
    assert_eq!(show["status"], "succeeded");
    let took = ms(&show["finished_at"]) - ms(&show["created_at"]);
    assert!(took < 5000, "the retries example took {took}ms");

    // flaky: failed twice, then succeeded, waiting 200ms then 400ms.
    let flaky = attempts(&show, "flaky");
    assert_eq!(task(&show, "flaky")["status"], "succeeded");
    let codes: Vec<Value> = flaky.iter().map(|a| a["outcome"]["code"].clone()).collect();
    assert_eq!(codes, [1, 1, 0]);
    assert_eq!(output(&w, "retries", "flaky", "attempts"), "3");
    let gap = |i: usize| ms(&flaky[i]["started_at"]) - ms(&flaky[i - 1]["finished_at"]);
    assert!(gap(1) >= 195, "first retry after {}ms, not 200ms", gap(1));
    assert!(gap(2) >= 395, "second retry after {}ms, not 400ms", gap(2));
    let flaky_log = logs(&w, "retries", "flaky");
    for n in 1..=3 {
        assert!(
            flaky_log.contains(&format!("attempt {n} of 4")),
            "{flaky_log}"
        );
    }

    // picky: 75 is retried, 3 is not, although 5 attempts were allowed.
    let picky = task(&show, "picky");
    assert_eq!(picky["status"], "failed");
    let codes: Vec<Value> = attempts(&show, "picky")
        .iter()
        .map(|a| a["outcome"]["code"].clone())
        .collect();
    assert_eq!(codes, [75, 3]);
    assert_eq!(picky["reason"], "exit 3 after 2 attempts");

    // slow: stopped by its timeout after one attempt, its process gone.
    let slow = attempts(&show, "slow");
    assert_eq!(task(&show, "slow")["status"], "failed");
    assert_eq!(slow.len(), 1);
    assert_eq!(slow[0]["outcome"]["result"], "timed_out");
    assert_eq!(slow[0]["outcome"]["after_ms"], 500);
    let pid = slow[0]["pid"].as_i64().expect("slow had a pid") as i32;
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "the timed-out task's process {pid} is still running"
    );
    let slow_log = logs(&w, "retries", "slow");
    assert!(slow_log.contains("starting something slow"), "{slow_log}");
    assert!(slow_log.contains("timed out after"), "{slow_log}");
    assert!(!slow_log.contains("never printed"), "{slow_log}");

    // Allowed failures let `after` run; `cleanup` always runs.
    let after_log = logs(&w, "retries", "after");
    assert!(
        after_log.contains("flaky succeeded on attempt 3"),
        "{after_log}"
    );
    assert!(
        after_log.contains("picky: failed, slow: failed"),
        "{after_log}"
    );
    assert_eq!(task(&show, "cleanup")["status"], "succeeded");
    assert!(logs(&w, "retries", "cleanup").contains("cleaning up; the run so far has succeeded"));
}

#[test]
fn languages_run_each_installed_interpreter_and_name_the_missing_ones() {
    let langs = [
        ("python", "python3"),
        ("node", "node"),
        ("bash", "bash"),
        ("sh", "sh"),
        ("ruby", "ruby"),
        ("perl", "perl"),
        ("php", "php"),
    ];
    let w = Weft::new();
    let out = run_example(&w, "languages.yaml", &["-p", "who=tests"]);
    let show = w.show_json("languages");
    let mut missing = Vec::new();
    for (lang, interpreter) in langs {
        let t = task(&show, lang);
        if on_path(interpreter) {
            assert_eq!(t["status"], "succeeded", "{lang}: {t}");
            let greeting = format!("hello from {lang}, tests");
            assert_eq!(output(&w, "languages", lang, "greeting"), greeting);
            let log = logs(&w, "languages", lang);
            assert!(
                log.contains(&format!("{greeting} (")),
                "{lang} printed: {log}"
            );
        } else {
            assert_eq!(t["status"], "failed", "{lang}: {t}");
            let reason = t["reason"].as_str().unwrap_or_default();
            let expected =
                format!("interpreter `{interpreter}` for this {lang} script is not on PATH");
            assert!(reason.contains(&expected), "{lang}: {reason}");
            assert_eq!(
                attempts(&show, lang)[0]["outcome"]["result"],
                "failed_to_start"
            );
            assert!(logs(&w, "languages", lang).contains(&expected));
            eprintln!("skipped {lang}: {interpreter} is not installed");
            missing.push(lang);
        }
    }
    let expected_code = if missing.is_empty() { 0 } else { 1 };
    assert_eq!(
        out.code, expected_code,
        "missing: {missing:?}\n{}{}",
        out.stdout, out.stderr
    );
}

#[test]
fn report_publishes_totals_per_category_and_cleans_up() {
    let w = Weft::new();
    let out_dir = w.path("published");
    let out_arg = format!("out_dir={}", out_dir.display());
    let out = run_example(
        &w,
        "report.yaml",
        &["-p", &out_arg, "-p", "title=March sales"],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let report_path = out_dir.join("report.md");
    assert_eq!(
        output(&w, "report", "publish", "report"),
        report_path.display().to_string()
    );
    let report = std::fs::read_to_string(&report_path).expect("report.md was published");
    let run_id = w.latest("report");
    let expected = format!(
        "# March sales

Source: data/sales.csv (14 rows used, 1 left out)
Run: {run_id}

| category | revenue |
|---|---:|
| garden | 214.80 |
| hardware | 208.97 |
| paint | 140.20 |
| **total** | **563.97** |

Best category: garden
"
    );
    assert_eq!(report, expected);

    assert_eq!(output(&w, "report", "fetch", "raw_rows"), "15");
    assert_eq!(output(&w, "report", "transform", "rows"), "14");
    assert_eq!(output(&w, "report", "transform", "rejected"), "1");
    assert_eq!(output(&w, "report", "summarise", "top_category"), "garden");
    assert_eq!(output(&w, "report", "summarise", "total"), "563.97");
    assert!(logs(&w, "report", "transform").contains("line 14: cannot read quantity 'n/a'"));

    // The scratch folder is gone; TMPDIR keeps only the cached copy of
    // the source.
    let workdir = PathBuf::from(output(&w, "report", "transform", "workdir"));
    assert!(workdir.starts_with(w.path("tmp")), "{}", workdir.display());
    assert!(!workdir.exists(), "{} was not removed", workdir.display());
    let cache = w.path("tmp").join("weft-report-cache");
    assert_eq!(entries(&w.path("tmp")), vec![cache.clone()]);
    let raw = PathBuf::from(output(&w, "report", "fetch", "raw"));
    assert_eq!(entries(&cache), vec![raw]);

    // Rerunning from `transform` reuses `fetch`, whose copy is still there.
    std::fs::remove_file(&report_path).unwrap();
    let out = w
        .cmd()
        .args(["retry", "report", "--from", "transform"])
        .env("TMPDIR", w.path("tmp"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let retried = w.show_json("report");
    assert!(
        task(&retried, "fetch")["reused_from"].is_string(),
        "{retried}"
    );
    assert_eq!(retried["status"], "succeeded");
    assert!(report_path.exists(), "the retry published the report again");
    assert_eq!(entries(&w.path("tmp")), vec![cache]);
}

#[test]
fn report_reads_another_source_and_fails_fast_on_a_missing_one() {
    let w = Weft::new();
    let csv = w.write(
        "other.csv",
        "date,region,category,product,quantity,unit_price\n\
         2024-04-01,north,Tools,pliers,2,8.50\n\
         2024-04-02,south,tools,vice,1,40.00\n\
         2024-04-02,east,Lighting,bulb,10,1.20\n",
    );
    let out_dir = w.path("other-report");
    let source = format!("source={}", csv.display());
    let out_arg = format!("out_dir={}", out_dir.display());
    let out = run_example(&w, "report.yaml", &["-p", &source, "-p", &out_arg]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report = std::fs::read_to_string(out_dir.join("report.md")).expect("report.md");
    assert!(report.starts_with("# Sales report\n"), "{report}");
    assert!(report.contains("(3 rows used, 0 left out)"), "{report}");
    assert!(
        report.contains("| tools | 57.00 |\n| lighting | 12.00 |\n| **total** | **69.00** |"),
        "{report}"
    );

    // A missing file is not a network error: no retry, the rest skipped,
    // cleanup still runs, nothing published, no scratch folder left behind.
    let missing_dir = w.path("never-published");
    let source = format!("source={}", w.path("missing.csv").display());
    let out_arg = format!("out_dir={}", missing_dir.display());
    let out = run_example(&w, "report.yaml", &["-p", &source, "-p", &out_arg]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("No such file or directory"),
        "{}",
        out.stdout
    );
    let show = w.show_json("report");
    assert_eq!(show["status"], "failed");
    assert_eq!(task(&show, "fetch")["status"], "failed");
    assert_eq!(attempts(&show, "fetch").len(), 1);
    for t in ["transform", "summarise", "publish"] {
        assert_eq!(task(&show, t)["status"], "skipped", "{t}");
    }
    assert_eq!(task(&show, "cleanup")["status"], "succeeded");
    assert!(!missing_dir.exists());
    // No half-copied source is left in the cache: only the copy of the
    // source that worked above.
    let cache = w.path("tmp").join("weft-report-cache");
    assert_eq!(entries(&w.path("tmp")), vec![cache.clone()]);
    let cached = entries(&cache);
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(
        cached[0].extension().is_some_and(|e| e == "csv"),
        "{cached:?}"
    );
}
