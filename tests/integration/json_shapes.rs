//! `docs/json.md` is the contract of every `--json` output: this test reads
//! its tables, runs each command for real, and checks both ways: every
//! documented field is there with its type, every printed field is
//! documented. And every command with `--json` has a section there.

use crate::cron::FakeCrontab;
use crate::harness::Weft;
use serde_json::Value;
use std::collections::BTreeMap;

struct Field {
    /// `tasks[].attempts[].outcome`
    path: String,
    /// `string`, `integer`, ... or another shape's name.
    ty: String,
    nullable: bool,
    optional: bool,
}

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md")).unwrap()
}

/// Each `<!-- shape: NAME -->` and the table after it.
fn shapes(doc: &str) -> BTreeMap<String, Vec<Field>> {
    let mut shapes = BTreeMap::new();
    let mut current: Option<(String, Vec<Field>)> = None;
    for line in doc.lines() {
        if let Some(name) = line
            .strip_prefix("<!-- shape: ")
            .and_then(|r| r.strip_suffix(" -->"))
        {
            current = Some((name.to_string(), Vec::new()));
            continue;
        }
        let Some((_, fields)) = current.as_mut() else {
            continue;
        };
        if line.starts_with("| `") {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (path, ty) = (cells[1].trim_matches('`'), cells[2]);
            let optional = ty.contains("(optional)");
            let ty = ty.replace("(optional)", "");
            let ty = ty.trim();
            fields.push(Field {
                path: path.to_string(),
                ty: ty.trim_end_matches('?').to_string(),
                nullable: ty.ends_with('?'),
                optional,
            });
        } else if line.starts_with('|') {
            continue;
        } else if let Some((name, fields)) = current.take() {
            shapes.insert(name, fields);
        }
    }
    if let Some((name, fields)) = current {
        shapes.insert(name, fields);
    }
    shapes
}

struct Checker {
    shapes: BTreeMap<String, Vec<Field>>,
    problems: Vec<String>,
    /// Shapes that real output was checked against.
    seen: std::collections::BTreeSet<String>,
}

impl Checker {
    fn type_ok(&mut self, v: &Value, ty: &str, ctx: &str) -> bool {
        match ty {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "bool" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            "any" => true,
            shape if self.shapes.contains_key(shape) => {
                self.check(v, &[shape], ctx);
                v.is_object()
            }
            other => {
                self.problems
                    .push(format!("{ctx}: unknown type `{other}` in docs/json.md"));
                false
            }
        }
    }

    /// Checks one value against the union of `names`' fields.
    fn check(&mut self, v: &Value, names: &[&str], ctx: &str) {
        let mut fields = Vec::new();
        for name in names {
            self.seen.insert(name.to_string());
            match self.shapes.get(*name) {
                Some(f) => fields.extend(
                    f.iter()
                        .map(|f| (f.path.clone(), f.ty.clone(), f.nullable, f.optional)),
                ),
                None => self
                    .problems
                    .push(format!("{ctx}: docs/json.md has no shape `{name}`")),
            }
        }
        let documented: Vec<String> = fields.iter().map(|f| f.0.clone()).collect();
        for (path, ty, nullable, optional) in &fields {
            for (at, found) in lookup(v, path) {
                match found {
                    None if *optional => {}
                    None => self
                        .problems
                        .push(format!("{ctx}: `{at}` is documented but missing")),
                    Some(Value::Null) if *nullable => {}
                    Some(value) => {
                        if !self.type_ok(value, ty, &format!("{ctx} {at}")) {
                            self.problems
                                .push(format!("{ctx}: `{at}` is {value}, documented as {ty}"));
                        }
                    }
                }
            }
        }
        undocumented(v, "", &documented, ctx, &mut self.problems);
    }
}

/// The values at a documented path (`a[].b`), with where they are; `None`
/// when absent.
fn lookup<'a>(v: &'a Value, path: &str) -> Vec<(String, Option<&'a Value>)> {
    let mut current = vec![(String::new(), Some(v))];
    for seg in path.split('.') {
        let (key, each) = match seg.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for (at, value) in current {
            let at = if at.is_empty() {
                key.to_string()
            } else {
                format!("{at}.{key}")
            };
            let child = value.and_then(|v| v.get(key));
            if each {
                for (i, item) in child
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    next.push((format!("{at}[{i}]"), Some(item)));
                }
            } else {
                next.push((at, child));
            }
        }
        current = next;
    }
    current
}

/// Fields printed but not documented. Objects and arrays are looked into
/// only where the doc lists their inside (`params` stays opaque).
fn undocumented(
    v: &Value,
    prefix: &str,
    documented: &[String],
    ctx: &str,
    problems: &mut Vec<String>,
) {
    let Some(map) = v.as_object() else { return };
    for (key, value) in map {
        let path = format!("{prefix}{key}");
        if !documented.contains(&path) {
            problems.push(format!(
                "{ctx}: `{path}` is printed but not in docs/json.md"
            ));
            continue;
        }
        if value.is_object()
            && documented
                .iter()
                .any(|d| d.starts_with(&format!("{path}.")))
        {
            undocumented(value, &format!("{path}."), documented, ctx, problems);
        }
        if let Some(items) = value.as_array()
            && documented
                .iter()
                .any(|d| d.starts_with(&format!("{path}[].")))
        {
            for item in items {
                undocumented(item, &format!("{path}[]."), documented, ctx, problems);
            }
        }
    }
}

fn document(out: &crate::harness::Out, what: &str) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not one JSON document ({e}): {}\n{}",
            out.stdout, out.stderr
        )
    })
}

fn lines(out: &crate::harness::Out, what: &str) -> Vec<Value> {
    let values: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: not a JSON line ({e}): {l}"))
        })
        .collect();
    assert!(!values.is_empty(), "{what} printed nothing: {}", out.stderr);
    values
}

fn check_events(c: &mut Checker, events: &[Value], what: &str) {
    for e in events {
        let kind = format!("event:{}", e["event"].as_str().unwrap_or("?"));
        let names: Vec<&str> = if c.shapes.contains_key(&kind) {
            vec!["event", &kind]
        } else {
            vec!["event"]
        };
        c.check(e, &names, &format!("{what} {kind}"));
    }
}

const WORKFLOW: &str = "name: shapes\nparams:\n  n: { type: int, default: 2 }\ntasks:\n  a:\n    run: echo \"k=v\" >> \"$WEFT_OUTPUT\"; echo hi; echo oops >&2\n    outputs: [k]\n  pause:\n    delay: 10ms\n  b:\n    needs: a\n    retry: { attempts: 2, delay: 10ms }\n    run: exit 3\n  c:\n    needs: b\n    run: \"true\"\n  slow:\n    timeout: 50ms\n    run: sleep 5\n";

#[test]
fn every_documented_shape_matches_real_output() {
    let mut c = Checker {
        shapes: shapes(&doc()),
        problems: Vec::new(),
        seen: Default::default(),
    };
    assert!(
        c.shapes.len() >= 15,
        "docs/json.md shapes: {:?}",
        c.shapes.keys()
    );
    let w = Weft::new();
    w.write("shapes.yaml", WORKFLOW);
    w.write("bad.yaml", "name: bad\ntasks:\n  t:\n    rnu: x\n");

    let out = w.run(&["run", "shapes.yaml", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    check_events(&mut c, &lines(&out, "run --json"), "run --json");
    // One slot for two tasks: the second waits for it.
    w.write(
        "one-slot.yaml",
        "name: one-slot\ntasks:\n  a:\n    run: \"true\"\n  b:\n    run: \"true\"\n",
    );
    let out = w.run(&["run", "one-slot.yaml", "-j", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    check_events(&mut c, &lines(&out, "run -j 1 --json"), "run -j 1 --json");
    let out = w.run(&[
        "wrap",
        "wrapped",
        "--json",
        "--",
        "sh",
        "-c",
        "kill -KILL $$",
    ]);
    check_events(&mut c, &lines(&out, "wrap --json"), "wrap --json");
    let out = w.run(&["retry", "shapes", "--json"]);
    check_events(&mut c, &lines(&out, "retry --json"), "retry --json");

    let ps = document(&w.run(&["ps", "--json"]), "ps");
    for run in ps.as_array().unwrap() {
        c.check(run, &["ps"], "ps --json");
    }
    for _ in 0..3 {
        assert_eq!(w.run(&["wrap", "pruned", "--", "true"]).code, 0);
    }
    for dry in [true, false] {
        let mut args = vec!["prune", "--keep", "1", "-w", "pruned", "--json"];
        if dry {
            args.push("--dry-run");
        }
        let pruned = document(&w.run(&args), "prune");
        assert!(!pruned["runs"].as_array().unwrap().is_empty(), "{pruned}");
        c.check(&pruned, &["prune"], "prune --json");
    }
    let show = document(&w.run(&["show", "shapes", "--json"]), "show");
    c.check(&show, &["show"], "show --json");
    for line in lines(&w.run(&["logs", "shapes", "--json"]), "logs") {
        c.check(&line, &["logs"], "logs --json");
    }
    c.check(
        &document(&w.run(&["plan", "shapes.yaml", "--json"]), "plan"),
        &["plan"],
        "plan --json",
    );
    let out = w.run(&[
        "validate",
        "shapes.yaml",
        "bad.yaml",
        "missing.yaml",
        "--json",
    ]);
    assert_eq!(out.code, 2);
    let validated = document(&out, "validate");
    assert_eq!(validated.as_array().unwrap().len(), 3);
    assert_eq!(validated[1]["ok"], false);
    assert_eq!(validated[2]["problems"][0]["line"], Value::Null);
    for file in validated.as_array().unwrap() {
        c.check(file, &["validate"], "validate --json");
    }
    let out = w.run(&["output", "shapes", "a", "k", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    c.check(&document(&out, "output"), &["output"], "output --json");

    let cron = FakeCrontab::new(&w, Some("0 1 * * * echo mine\n"));
    cron.weft(&w, &["install", "shapes.yaml", "--at", "@daily"]);
    let listed = document(&cron.weft(&w, &["ls", "--json"]), "cron ls");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    for line in listed.as_array().unwrap() {
        c.check(line, &["cron-ls"], "cron ls --json");
    }

    let out = w.run(&["daemon", "status", "--json"]);
    assert_eq!(out.code, 3);
    c.check(
        &document(&out, "daemon status"),
        &["daemon-status-stopped"],
        "daemon status --json",
    );
    // Schedules: a daemon that loads a folder of workflows.
    w.workflow_dir("wf");
    w.write(
        "wf/tick.yaml",
        "name: tick\nparams:\n  who: { type: string, default: me }\nschedule:\n  - every: 1s\n  - cron: '0 3 * * *'\n    timezone: Europe/Berlin\noverlap: skip\ntasks:\n  t: { run: 'echo {{ params.who }}' }\n",
    );
    w.write("wf/broken.yaml", "name: broken\ntasks:\n  t: { rnu: x }\n");
    {
        let _daemon = w.daemon();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let fires = loop {
            let fires = document(
                &w.run(&["schedule", "fires", "tick", "--json"]),
                "schedule fires",
            );
            if fires.as_array().is_some_and(|f| !f.is_empty()) {
                break fires;
            }
            assert!(std::time::Instant::now() < deadline, "no fire recorded");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        for fire in fires.as_array().unwrap() {
            c.check(fire, &["fire"], "schedule fires --json");
        }
        let listed = document(
            &w.run(&["schedule", "ls", "--all", "--json"]),
            "schedule ls",
        );
        assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
        for workflow in listed.as_array().unwrap() {
            c.check(workflow, &["workflow"], "schedule ls --json");
        }
    }
    std::fs::remove_file(w.home.path().join("config.yaml")).unwrap();
    {
        let _daemon = w.daemon();
        let out = w.run(&["daemon", "status", "--json"]);
        c.check(
            &document(&out, "daemon status"),
            &["daemon-status"],
            "daemon status --json",
        );
        w.write("long.yaml", "name: long\ntasks:\n  t:\n    run: sleep 30\n");
        let out = w.run(&["submit", "long.yaml", "--json"]);
        let submitted = document(&out, "submit");
        c.check(&submitted, &["submit"], "submit --json");
        let id = submitted["run"].as_str().unwrap().to_string();
        let out = w.run(&["run", "shapes.yaml", "--detach", "--json"]);
        let other = document(&out, "run --detach");
        c.check(&other, &["submit"], "run --detach --json");
        for verb in ["pause", "resume", "cancel"] {
            let out = w.run(&[verb, &id, "--json"]);
            assert_eq!(out.code, 0, "{verb}: {}", out.stderr);
            c.check(
                &document(&out, verb),
                &["run-state"],
                &format!("{verb} --json"),
            );
        }
        let out = w.run(&["wait", &id, other["run"].as_str().unwrap(), "--json"]);
        for line in lines(&out, "wait") {
            c.check(&line, &["run-state"], "wait --json");
        }
        let out = w.run(&["events", "--json"]);
        check_events(&mut c, &lines(&out, "events --json"), "events --json");
    }

    assert!(
        c.problems.is_empty(),
        "docs/json.md and the output differ:\n{}",
        c.problems.join("\n")
    );
    let unchecked: Vec<&String> = c.shapes.keys().filter(|k| !c.seen.contains(*k)).collect();
    assert!(
        unchecked.is_empty(),
        "shapes no real output was checked against: {unchecked:?}"
    );
}

#[test]
fn every_command_with_json_has_a_section() {
    use clap::CommandFactory;
    let doc = doc();
    let headings: Vec<&str> = doc.lines().filter(|l| l.starts_with('#')).collect();
    let mut missing = Vec::new();
    fn walk(cmd: &clap::Command, prefix: &str, found: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            let path = format!("{prefix}{}", sub.get_name());
            if sub.get_arguments().any(|a| a.get_id() == "json") {
                found.push(path.clone());
            }
            walk(sub, &format!("{path} "), found);
        }
    }
    let mut with_json = Vec::new();
    walk(&weft::cli::Cli::command(), "", &mut with_json);
    assert!(with_json.len() >= 15, "{with_json:?}");
    for path in with_json {
        let named = |h: &&str| h.contains(&format!("`weft {path} ")) && h.contains("--json");
        if !headings.iter().any(named) {
            missing.push(path);
        }
    }
    assert!(
        missing.is_empty(),
        "commands with --json that docs/json.md does not document: {missing:?}"
    );
}
