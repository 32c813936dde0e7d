//! Validation tests on whole workflow texts.

use super::*;

fn load(src: &str) -> Result<Loaded, Report> {
    load_str("w.yaml", src, &[], &|_| None)
}

fn messages(src: &str) -> Vec<String> {
    match load(src) {
        Ok(_) => panic!("expected errors"),
        Err(r) => r.diagnostics.iter().map(|d| d.message.clone()).collect(),
    }
}

#[test]
fn a_full_workflow_loads_with_defaults_merged() {
    let src = r#"
name: release
params:
  version: { type: string, default: "1.0" }
  dry_run: false
env:
  A: "{{ params.version }}"
defaults:
  timeout: 10m
  retry: { attempts: 3, delay: 2s }
tasks:
  build:
    run: make {{ params.version }}
    outputs: [artifact]
  test:
    needs: build
    exec: [cargo, test]
    retry: { attempts: 2, on_exit: [75] }
  publish:
    needs: [test]
    if: "{{ not params.dry_run }}"
    run: ./publish {{ tasks.build.outputs.artifact }}
  wait:
    delay: 1s
  py:
    script: { lang: python3, code: "print(1)" }
"#;
    let loaded = load(src).unwrap();
    let w = &loaded.workflow;
    assert_eq!(w.name, "release");
    let names: Vec<&str> = w.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["build", "test", "publish", "wait", "py"]);
    assert_eq!(w.tasks[1].retry.attempts, 2);
    assert_eq!(w.tasks[1].retry.delay, std::time::Duration::from_secs(2));
    assert_eq!(w.tasks[1].retry.on_exit, vec![75]);
    assert_eq!(w.tasks[0].retry.attempts, 3);
    assert_eq!(
        w.tasks[0].timeout,
        Some(std::time::Duration::from_secs(600))
    );
    assert_eq!(w.tasks[2].needs, vec![1]);
    assert_eq!(
        w.tasks[4].body,
        TaskBody::Script {
            lang: ScriptLang::Python,
            code: "print(1)".into()
        }
    );
    assert_eq!(
        loaded.params,
        vec![
            ("version".to_string(), ParamValue::String("1.0".into())),
            ("dry_run".to_string(), ParamValue::Bool(false))
        ]
    );
    assert_eq!(w.dag.levels().len(), 3);
}

#[test]
fn every_problem_is_reported_at_once() {
    let src = "name: x\ntasks:\n  a:\n    nedds: [b]\n    run: echo\n  b:\n    needs: [zz, b]\n    run: x\n    exec: [y]\n  c:\n    timeout: soon\n";
    assert_eq!(
        messages(src),
        [
            "unknown key `nedds` in task `a`",
            "task `b` needs `zz`, which is not a task",
            "task `b` needs itself",
            "task `b` has both `run` and `exec`",
            "task `c` has nothing to do",
            "bad duration in `timeout`: `soon` is not a duration; write a number and a unit (ms, s, m, h, d), e.g. `90s` or `1h30m`",
        ]
    );
}

#[test]
fn cycles_are_named() {
    let src = "name: x\ntasks:\n  a: { needs: [c], run: x }\n  b: { needs: [a], run: x }\n  c: { needs: [b], run: x }\n";
    let msgs = messages(src);
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].starts_with("dependency cycle: "), "{msgs:?}");
    for t in ["a", "b", "c"] {
        assert!(msgs[0].contains(t));
    }
}

#[test]
fn template_references_are_checked_against_the_graph() {
    let src = r#"
name: x
tasks:
  a: { run: x, outputs: [out] }
  b: { run: "echo {{ tasks.a.outputs.out }}" }
  c: { needs: [a], run: "echo {{ tasks.a.outputs.ot }} {{ params.p }} {{ tasks.zz.outputs.q }} {{ foo }}" }
"#;
    assert_eq!(
        messages(src),
        [
            "task `b` reads task `a`, which is not upstream of it",
            "task `a` does not declare output `ot`",
            "task `c` uses param `p`, which is not declared",
            "task `c` refers to task `zz`, which does not exist",
            "unknown variable `foo` in task `c`",
        ]
    );
}

#[test]
fn schedules_are_read_and_interactive_delays_are_refused() {
    let src = "name: x\nschedule: [{cron: '* * * * *'}]\ntasks:\n  a: { run: vim, interactive: true }\n  b: { delay: 1s, interactive: true }\n";
    assert_eq!(
        messages(src),
        ["task `b` is a `delay`, which cannot be interactive"]
    );
    let wf = load("name: x\nschedule:\n  - cron: '0 3 * * *'\n    timezone: UTC\n  - every: 15m\n  - '*/5 * * * *'\noverlap: queue\ncatchup: latest\ncatchup_window: 2h\ntasks:\n  a: { run: 'true' }\n")
        .unwrap()
        .workflow;
    let keys: Vec<String> = wf.schedules.iter().map(|s| s.key()).collect();
    assert_eq!(
        keys,
        [
            "cron:0 3 * * *@UTC",
            "every:900000ms",
            "cron:*/5 * * * *@local"
        ]
    );
    assert_eq!(wf.policy.overlap, crate::model::Overlap::Queue);
    assert_eq!(wf.policy.catchup, crate::schedule::Catchup::Latest);
    assert_eq!(
        wf.policy.catchup_window,
        std::time::Duration::from_secs(7200)
    );
    let ok = load("name: x\ntasks:\n  a: { run: vim, interactive: true }\n").unwrap();
    assert!(ok.workflow.tasks[0].interactive);
}

#[test]
fn yaml_syntax_errors_are_located() {
    let err = load("name: x\ntasks: [\n").unwrap_err();
    assert_eq!(err.diagnostics.len(), 1);
    assert!(err.diagnostics[0].message.starts_with("invalid YAML"));
}
