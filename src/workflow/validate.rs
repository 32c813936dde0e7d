//! From a located YAML tree to a `Workflow`, collecting every problem on the
//! way instead of stopping at the first: unknown keys, wrong types, bad
//! dependencies, cycles, bad durations, task bodies, params and template
//! references.

use super::bounds::{self, DurationBound, IntBound};
use super::definition::{Retention, RetryPolicy, ScriptLang, Task, TaskBody, When, Workflow};
use super::diagnostic::{Diagnostic, did_you_mean};
use super::duration;
use super::params::{ParamDef, ParamType, ParamValue};
use super::template::Templates;
use super::yaml::{Loc, Node, Value};
use crate::dag::Dag;
use crate::model::{Overlap, TaskName};
use crate::schedule::{Catchup, Policy, Spec, Zone};
use std::time::Duration;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "params",
    "env",
    "defaults",
    "concurrency",
    "tasks",
    "schedule",
    "overlap",
    "catchup",
    "catchup_window",
    "retention",
];
const RETENTION_KEYS: &[&str] = &["max_age", "keep"];
const OVERLAP_NAMES: &[&str] = &["skip", "queue", "allow", "cancel-previous"];
const SCHEDULE_KEYS: &[&str] = &["cron", "every", "at", "timezone"];
const TASK_KEYS: &[&str] = &[
    "description",
    "needs",
    "if",
    "when",
    "env",
    "working_dir",
    "timeout",
    "retry",
    "outputs",
    "allow_failure",
    "interactive",
    "run",
    "exec",
    "script",
    "delay",
];
const DEFAULTS_KEYS: &[&str] = &["timeout", "retry", "env", "working_dir", "allow_failure"];
const RETRY_KEYS: &[&str] = &[
    "attempts",
    "delay",
    "backoff",
    "max_delay",
    "jitter",
    "on_exit",
];
const PARAM_KEYS: &[&str] = &["type", "default", "required", "description"];
const SCRIPT_KEYS: &[&str] = &["lang", "code"];
const RUN_FIELDS: &[&str] = &["id", "workflow", "status"];

/// Settings a task may inherit from `defaults:`.
#[derive(Clone, Default)]
struct Settings {
    timeout: Option<Duration>,
    retry: RetryFields,
    env: Vec<(String, String)>,
    working_dir: Option<String>,
    allow_failure: Option<bool>,
}

#[derive(Clone, Default)]
struct RetryFields {
    attempts: Option<u32>,
    delay: Option<Duration>,
    backoff: Option<f64>,
    max_delay: Option<Duration>,
    jitter: Option<bool>,
    on_exit: Option<Vec<i32>>,
}

impl RetryFields {
    fn over(&self, base: &RetryFields) -> RetryFields {
        RetryFields {
            attempts: self.attempts.or(base.attempts),
            delay: self.delay.or(base.delay),
            backoff: self.backoff.or(base.backoff),
            max_delay: self.max_delay.or(base.max_delay),
            jitter: self.jitter.or(base.jitter),
            on_exit: self.on_exit.clone().or_else(|| base.on_exit.clone()),
        }
    }

    fn policy(&self) -> RetryPolicy {
        let d = RetryPolicy::default();
        RetryPolicy {
            attempts: self.attempts.unwrap_or(d.attempts),
            delay: self.delay.unwrap_or(d.delay),
            backoff: self.backoff.unwrap_or(d.backoff),
            max_delay: self.max_delay.or(d.max_delay),
            jitter: self.jitter.unwrap_or(d.jitter),
            on_exit: self.on_exit.clone().unwrap_or(d.on_exit),
        }
    }
}

/// A templated field to check once all tasks are known.
struct TemplateField {
    text: String,
    loc: Loc,
    /// `run`, `env.FOO`, `if`...
    field: String,
    condition: bool,
}

/// A task as parsed, before its dependencies are resolved.
struct Draft {
    name: String,
    loc: Loc,
    needs: Vec<(String, Loc)>,
    needs_loc: Option<Loc>,
    task: Task,
    fields: Vec<TemplateField>,
}

pub(super) struct Validator<'a> {
    source: &'a str,
    templates: Templates,
    pub(super) diags: Vec<Diagnostic>,
}

/// The parts of a workflow file that validation produced.
pub(super) struct Parsed {
    pub workflow: Option<Workflow>,
    pub params: Vec<ParamDef>,
    pub params_loc: Loc,
}

impl<'a> Validator<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Validator {
            source,
            templates: Templates::new(),
            diags: Vec::new(),
        }
    }

    fn err(&mut self, loc: Loc, len: usize, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(loc, len, message));
        self.diags.last_mut().expect("just pushed")
    }

    pub(super) fn workflow(&mut self, file: &str, root: &Node) -> Parsed {
        let mut parsed = Parsed {
            workflow: None,
            params: Vec::new(),
            params_loc: Loc { line: 1, col: 1 },
        };
        let Some(top) = self.map(root, "the workflow file") else {
            return parsed;
        };
        self.check_keys(top, TOP_KEYS, "at the top level");

        let mut name = None;
        let mut description = None;
        let mut env = Vec::new();
        let mut env_fields = Vec::new();
        let mut defaults = Settings::default();
        let mut concurrency = None;
        let mut tasks_node = None;
        let mut schedules = Vec::new();
        let mut policy = Policy::default();
        let mut retention = Retention::default();
        for (k, v) in top {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                "name" => name = self.workflow_name(v),
                "description" => description = self.string(v, "`description`"),
                "params" => {
                    parsed.params_loc = k.loc;
                    parsed.params = self.params(v);
                }
                "env" => env = self.env(v, "workflow", &mut env_fields),
                "defaults" => defaults = self.defaults(v),
                "concurrency" => {
                    concurrency = self
                        .int_in(v, "`concurrency`", bounds::CONCURRENCY)
                        .map(|n| n as usize)
                }
                "tasks" => tasks_node = Some((k, v)),
                "schedule" => schedules = self.schedules(v),
                "overlap" => {
                    if let Some(text) = self.string(v, "`overlap`") {
                        match text.parse::<Overlap>() {
                            Ok(o) => policy.overlap = o,
                            Err(_) => self.bad_choice(v, "overlap", &text, OVERLAP_NAMES),
                        }
                    }
                }
                "catchup" => {
                    if let Some(text) = self.string(v, "`catchup`") {
                        match Catchup::parse(&text) {
                            Some(c) => policy.catchup = c,
                            None => self.bad_choice(v, "catchup", &text, Catchup::NAMES),
                        }
                    }
                }
                "catchup_window" => {
                    if let Some(d) = self.duration(v, "`catchup_window`", bounds::CATCHUP_WINDOW) {
                        policy.catchup_window = d;
                    }
                }
                "retention" => retention = self.retention(v),
                _ => {}
            }
        }
        let root_loc = Loc { line: 1, col: 1 };
        if name.is_none()
            && !top
                .iter()
                .any(|(k, _)| k.value == Value::Str("name".into()))
        {
            self.err(root_loc, 1, "the workflow has no `name`").help =
                Some("add a line like `name: nightly-backup` at the top".into());
        }
        let Some((tasks_key, tasks_node)) = tasks_node else {
            self.err(root_loc, 1, "the workflow has no `tasks`").help =
                Some("add a `tasks:` mapping with at least one task".into());
            return parsed;
        };
        let Some(task_entries) = self.map(tasks_node, "`tasks`") else {
            return parsed;
        };
        if task_entries.is_empty() {
            self.err(tasks_key.loc, 5, "`tasks` is empty").help =
                Some("add at least one task, e.g. `hello: { run: echo hello }`".into());
        }

        let mut drafts: Vec<Draft> = Vec::new();
        for (k, v) in task_entries {
            let Some(task_name) = self.key_text(k) else {
                continue;
            };
            if !TaskName::is_valid(&task_name) {
                self.err(
                    k.loc,
                    task_name.len(),
                    format!("task name `{task_name}` is not allowed"),
                )
                .help = Some("task names may contain only letters, digits, `-` and `_`".into());
                continue;
            }
            if drafts.iter().any(|d| d.name == task_name) {
                self.err(
                    k.loc,
                    task_name.len(),
                    format!("task `{task_name}` is defined twice"),
                )
                .help = Some("rename one of them".into());
                continue;
            }
            if let Some(draft) = self.task(&task_name, k.loc, v, &defaults) {
                drafts.push(draft);
            }
        }

        // Resolve dependencies by name.
        let names: Vec<String> = drafts.iter().map(|d| d.name.clone()).collect();
        let mut needs_idx: Vec<Vec<usize>> = Vec::with_capacity(drafts.len());
        for d in &drafts {
            let mut idx = Vec::new();
            for (i, (need, loc)) in d.needs.iter().enumerate() {
                if need == &d.name {
                    self.err(*loc, need.len(), format!("task `{}` needs itself", d.name))
                        .help = Some("remove it from its own `needs`".into());
                } else if d.needs[..i].iter().any(|(n, _)| n == need) {
                    self.err(
                        *loc,
                        need.len(),
                        format!("task `{}` lists `{need}` twice in `needs`", d.name),
                    )
                    .help = Some("remove the second one".into());
                } else if let Some(pos) = names.iter().position(|n| n == need) {
                    idx.push(pos);
                } else {
                    let others: Vec<String> =
                        names.iter().filter(|n| **n != d.name).cloned().collect();
                    let help = did_you_mean(need, others.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("other tasks in this file: {}", quoted_list(&others))
                        });
                    self.err(
                        *loc,
                        need.len(),
                        format!("task `{}` needs `{need}`, which is not a task", d.name),
                    )
                    .help = Some(help);
                }
            }
            needs_idx.push(idx);
        }
        let dag = match Dag::new(needs_idx.clone()) {
            Ok(dag) => Some(dag),
            Err(cycle) => {
                let path: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
                let first = &drafts[cycle[1]];
                let loc = first.needs_loc.unwrap_or(first.loc);
                self.err(loc, 5, format!("dependency cycle: {}", path.join(" -> ")))
                    .help = Some("a task cannot depend, directly or through others, on itself; remove one of these `needs`".into());
                None
            }
        };

        // Templates, now that every task and its upstream set are known.
        let params = parsed.params.clone();
        for field in &env_fields {
            self.check_template(field, &params, &drafts, None, None);
        }
        for (i, d) in drafts.iter().enumerate() {
            let upstream = dag.as_ref().map(|g| g.ancestors(i));
            for field in &d.fields {
                self.check_template(field, &params, &drafts, Some(i), upstream.as_deref());
            }
        }

        if let (Some(name), Some(dag)) = (name, dag) {
            let tasks = drafts
                .into_iter()
                .zip(needs_idx)
                .map(|(d, needs)| Task { needs, ..d.task })
                .collect();
            parsed.workflow = Some(Workflow {
                name,
                description,
                file: file.to_string(),
                source: self.source.to_string(),
                params: parsed.params.clone(),
                env,
                concurrency,
                tasks,
                dag,
                schedules,
                policy,
                retention,
            });
        }
        parsed
    }

    fn task(&mut self, name: &str, loc: Loc, node: &Node, defaults: &Settings) -> Option<Draft> {
        let what = format!("task `{name}`");
        let entries = self.map(node, &what)?;
        self.check_keys(entries, TASK_KEYS, &format!("in {what}"));
        let mut draft = Draft {
            name: name.to_string(),
            loc,
            needs: Vec::new(),
            needs_loc: None,
            task: Task {
                name: TaskName::new(name),
                description: None,
                needs: Vec::new(),
                condition: None,
                when: When::Success,
                env: Vec::new(),
                working_dir: None,
                timeout: None,
                retry: RetryPolicy::default(),
                outputs: Vec::new(),
                allow_failure: false,
                interactive: false,
                body: TaskBody::Run(String::new()),
            },
            fields: Vec::new(),
        };
        let mut settings = Settings::default();
        let mut body: Option<(String, TaskBody)> = None;
        let mut interactive_loc = None;
        for (k, v) in entries {
            let Value::Str(key) = &k.value else { continue };
            let field = |text: &str, field: &str, condition: bool| TemplateField {
                text: text.to_string(),
                loc: v.loc,
                field: field.to_string(),
                condition,
            };
            match key.as_str() {
                "description" => draft.task.description = self.string(v, "`description`"),
                "needs" => {
                    draft.needs_loc = Some(k.loc);
                    draft.needs = self.string_list(v, "`needs`", true);
                }
                "if" => match &v.value {
                    Value::Bool(b) => draft.task.condition = Some(b.to_string()),
                    _ => {
                        if let Some(text) = self.string(v, "`if`") {
                            draft.fields.push(field(&text, "if", true));
                            draft.task.condition = Some(text);
                        }
                    }
                },
                "when" => {
                    if let Some(text) = self.string(v, "`when`") {
                        draft.task.when = match text.as_str() {
                            "success" => When::Success,
                            "failure" => When::Failure,
                            "always" => When::Always,
                            other => {
                                let help = did_you_mean(other, ["success", "failure", "always"])
                                    .unwrap_or_else(|| {
                                        "use `success`, `failure` or `always`".into()
                                    });
                                self.err(
                                    v.loc,
                                    other.len(),
                                    format!(
                                        "`when` must be success, failure or always, not `{other}`"
                                    ),
                                )
                                .help = Some(help);
                                When::Success
                            }
                        }
                    }
                }
                "outputs" => {
                    for (out, oloc) in self.string_list(v, "`outputs`", true) {
                        if !is_identifier(&out) {
                            self.err(oloc, out.len(), format!("output name `{out}` is not allowed"))
                                .help = Some("output names are identifiers: letters, digits and `_`, not starting with a digit".into());
                        } else if draft.task.outputs.contains(&out) {
                            self.err(oloc, out.len(), format!("output `{out}` is declared twice"));
                        } else {
                            draft.task.outputs.push(out);
                        }
                    }
                }
                "interactive" => {
                    draft.task.interactive = self.boolean(v, "`interactive`").unwrap_or(false);
                    interactive_loc = Some(k.loc);
                }
                "run" | "exec" | "script" | "delay" => {
                    if let Some((first, _)) = &body {
                        self.err(
                            k.loc,
                            key.len(),
                            format!("{what} has both `{first}` and `{key}`"),
                        )
                        .help = Some(
                            "a task does one thing: keep one of `run`, `exec`, `script` or `delay`"
                                .into(),
                        );
                        continue;
                    }
                    let parsed = match key.as_str() {
                        "run" => self.scalar_text(v, "`run`").map(|text| {
                            draft.fields.push(field(&text, "run", false));
                            TaskBody::Run(text)
                        }),
                        "exec" => self.exec(v).map(|argv| {
                            for (i, arg) in argv.iter().enumerate() {
                                draft.fields.push(field(arg, &format!("exec[{i}]"), false));
                            }
                            TaskBody::Exec(argv)
                        }),
                        "script" => self.script(k, v).map(|(lang, code)| {
                            draft.fields.push(field(&code, "script", false));
                            TaskBody::Script { lang, code }
                        }),
                        _ => self
                            .duration(v, "`delay`", bounds::DELAY_TASK)
                            .map(TaskBody::Delay),
                    };
                    // Record the key even when its value is bad: it is not "missing".
                    body = Some((key.clone(), parsed.unwrap_or(TaskBody::Run(String::new()))));
                }
                _ => {
                    self.setting(k, v, &mut settings, &mut draft.fields);
                }
            }
        }
        if let (Some(at), Some((_, TaskBody::Delay(_)))) = (interactive_loc, &body)
            && draft.task.interactive
        {
            self.err(at, 11, format!("{what} is a `delay`, which cannot be interactive"))
                .help = Some("interactive tasks run a program in a terminal; remove `interactive` or give it `run`, `exec` or `script`".into());
        }
        if body.is_none() {
            self.err(loc, name.len(), format!("{what} has nothing to do"))
                .help = Some("give it one of `run`, `exec`, `script` or `delay`".into());
        }
        let mut env = defaults.env.clone();
        for (k, v) in settings.env {
            env.retain(|(e, _)| e != &k);
            env.push((k, v));
        }
        draft.task.env = env;
        draft.task.timeout = settings.timeout.or(defaults.timeout);
        draft.task.working_dir = settings.working_dir.or(defaults.working_dir.clone());
        draft.task.allow_failure = settings
            .allow_failure
            .or(defaults.allow_failure)
            .unwrap_or(false);
        draft.task.retry = settings.retry.over(&defaults.retry).policy();
        draft.task.body = body.map(|(_, b)| b).unwrap_or(TaskBody::Run(String::new()));
        Some(draft)
    }

    /// Keys shared by tasks and `defaults`: timeout, retry, env, working_dir, allow_failure.
    fn setting(&mut self, k: &Node, v: &Node, s: &mut Settings, fields: &mut Vec<TemplateField>) {
        let Value::Str(key) = &k.value else { return };
        match key.as_str() {
            "timeout" => s.timeout = self.duration(v, "`timeout`", bounds::TIMEOUT),
            "retry" => s.retry = self.retry(v),
            "env" => s.env = self.env(v, "task", fields),
            "working_dir" => {
                if let Some(dir) = self.string(v, "`working_dir`") {
                    fields.push(TemplateField {
                        text: dir.clone(),
                        loc: v.loc,
                        field: "working_dir".into(),
                        condition: false,
                    });
                    s.working_dir = Some(dir);
                }
            }
            "allow_failure" => s.allow_failure = self.boolean(v, "`allow_failure`"),
            _ => {}
        }
    }

    fn retention(&mut self, node: &Node) -> Retention {
        let mut r = Retention::default();
        let Some(entries) = self.map(node, "`retention`") else {
            return r;
        };
        self.check_keys(entries, RETENTION_KEYS, "in `retention`");
        for (k, v) in entries {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                "max_age" => {
                    r.max_age = self.duration(v, "`retention.max_age`", bounds::RETENTION_AGE)
                }
                "keep" => {
                    r.keep = self
                        .int_in(v, "`retention.keep`", bounds::RETENTION_KEEP)
                        .map(|n| n as u32)
                }
                _ => {}
            }
        }
        r
    }

    fn defaults(&mut self, node: &Node) -> Settings {
        let mut settings = Settings::default();
        let Some(entries) = self.map(node, "`defaults`") else {
            return settings;
        };
        self.check_keys(entries, DEFAULTS_KEYS, "in `defaults`");
        // Templates in defaults are checked where each task inherits them.
        let mut fields = Vec::new();
        for (k, v) in entries {
            self.setting(k, v, &mut settings, &mut fields);
        }
        settings
    }

    fn retry(&mut self, node: &Node) -> RetryFields {
        let mut r = RetryFields::default();
        if let Value::Int(_) = node.value {
            r.attempts = self
                .int_in(node, "`retry`", bounds::ATTEMPTS)
                .map(|n| n as u32);
            return r;
        }
        let Some(entries) = self.map(node, "`retry`") else {
            return r;
        };
        self.check_keys(entries, RETRY_KEYS, "in `retry`");
        for (k, v) in entries {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                "attempts" => {
                    r.attempts = self
                        .int_in(v, "`attempts`", bounds::ATTEMPTS)
                        .map(|n| n as u32)
                }
                "delay" => r.delay = self.duration(v, "`delay`", bounds::RETRY_DELAY),
                "max_delay" => r.max_delay = self.duration(v, "`max_delay`", bounds::RETRY_DELAY),
                "jitter" => r.jitter = self.boolean(v, "`jitter`"),
                "backoff" => {
                    r.backoff = match v.value {
                        Value::Int(i) if (1..=10).contains(&i) => Some(i as f64),
                        Value::Float(f)
                            if (bounds::BACKOFF_MIN..=bounds::BACKOFF_MAX).contains(&f) =>
                        {
                            Some(f)
                        }
                        _ => {
                            self.err(v.loc, v.width(self.source), format!("`backoff` must be a number from {:.1} to {:.1}", bounds::BACKOFF_MIN, bounds::BACKOFF_MAX))
                                .help = Some("each wait is the previous one times this factor; 1.0 keeps it constant".into());
                            None
                        }
                    }
                }
                "on_exit" => {
                    let mut codes = Vec::new();
                    match &v.value {
                        Value::Seq(items) => {
                            for item in items {
                                match item.value {
                                    Value::Int(c) if bounds::EXIT_CODE.contains(c) => {
                                        codes.push(c as i32)
                                    }
                                    _ => {
                                        self.err(
                                            item.loc,
                                            item.width(self.source),
                                            "`on_exit` codes must be integers from 0 to 255",
                                        );
                                    }
                                }
                            }
                        }
                        _ => {
                            self.err(
                                v.loc,
                                v.width(self.source),
                                format!(
                                    "`on_exit` must be a list of exit codes, found {}",
                                    v.value.kind()
                                ),
                            )
                            .help = Some("for example `on_exit: [75, 111]`".into());
                        }
                    }
                    r.on_exit = Some(codes);
                }
                _ => {}
            }
        }
        r
    }

    fn params(&mut self, node: &Node) -> Vec<ParamDef> {
        let mut defs: Vec<ParamDef> = Vec::new();
        let Some(entries) = self.map(node, "`params`") else {
            return defs;
        };
        for (k, v) in entries {
            let Some(name) = self.key_text(k) else {
                continue;
            };
            if !is_identifier(&name) {
                self.err(k.loc, name.len(), format!("param name `{name}` is not allowed"))
                    .help = Some("param names are identifiers: letters, digits and `_`, not starting with a digit".into());
                continue;
            }
            if defs.iter().any(|d| d.name == name) {
                self.err(
                    k.loc,
                    name.len(),
                    format!("param `{name}` is declared twice"),
                );
                continue;
            }
            let mut def = ParamDef {
                name: name.clone(),
                ty: ParamType::String,
                default: None,
                required: false,
                description: None,
                loc: k.loc,
            };
            match &v.value {
                Value::Map(fields) => {
                    self.check_keys(fields, PARAM_KEYS, &format!("in param `{name}`"));
                    let mut declared_ty = None;
                    let mut default_node = None;
                    for (fk, fv) in fields {
                        let Value::Str(fkey) = &fk.value else {
                            continue;
                        };
                        match fkey.as_str() {
                            "type" => {
                                if let Some(t) = self.string(fv, "`type`") {
                                    match ParamType::parse(&t) {
                                        Some(ty) => declared_ty = Some(ty),
                                        None => {
                                            let help = did_you_mean(
                                                &t,
                                                ["string", "int", "float", "bool"],
                                            )
                                            .unwrap_or_else(|| {
                                                "use string, int, float or bool".into()
                                            });
                                            self.err(
                                                fv.loc,
                                                t.len(),
                                                format!("unknown param type `{t}`"),
                                            )
                                            .help = Some(help);
                                        }
                                    }
                                }
                            }
                            "default" => default_node = Some(fv),
                            "required" => {
                                def.required = self.boolean(fv, "`required`").unwrap_or(false)
                            }
                            "description" => def.description = self.string(fv, "`description`"),
                            _ => {}
                        }
                    }
                    def.ty = declared_ty
                        .or_else(|| default_node.and_then(|d| infer_type(&d.value)))
                        .unwrap_or(ParamType::String);
                    if let Some(d) = default_node {
                        def.default = self.param_default(&name, def.ty, d);
                    }
                }
                Value::Null => {}
                scalar => {
                    // Shorthand: `retries: 3` declares an int param defaulting to 3.
                    def.ty = infer_type(scalar).unwrap_or(ParamType::String);
                    def.default = self.param_default(&name, def.ty, v);
                }
            }
            defs.push(def);
        }
        defs
    }

    fn param_default(&mut self, name: &str, ty: ParamType, node: &Node) -> Option<ParamValue> {
        let value = match (&node.value, ty) {
            (Value::Str(s), ParamType::String) => Some(ParamValue::String(s.clone())),
            (Value::Int(i), ParamType::Int) => Some(ParamValue::Int(*i)),
            (Value::Int(i), ParamType::Float) => Some(ParamValue::Float(*i as f64)),
            (Value::Float(f), ParamType::Float) => Some(ParamValue::Float(*f)),
            (Value::Bool(b), ParamType::Bool) => Some(ParamValue::Bool(*b)),
            (v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)), ParamType::String) => {
                v.scalar_text().map(ParamValue::String)
            }
            _ => None,
        };
        if value.is_none() {
            self.err(
                node.loc,
                node.width(self.source),
                format!(
                    "default of param `{name}` is {}, but the param is declared `{}`",
                    node.value.kind(),
                    ty.name()
                ),
            )
            .help = Some(format!(
                "give {} default or change `type`",
                ty.with_article()
            ));
        }
        value
    }

    fn env(
        &mut self,
        node: &Node,
        owner: &str,
        fields: &mut Vec<TemplateField>,
    ) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = Vec::new();
        let Some(entries) = self.map(node, "`env`") else {
            return vars;
        };
        for (k, v) in entries {
            let Some(key) = self.key_text(k) else {
                continue;
            };
            if !is_identifier(&key) {
                self.err(
                    k.loc,
                    key.len(),
                    format!("environment variable name `{key}` is not allowed"),
                )
                .help = Some("use letters, digits and `_`, not starting with a digit".into());
                continue;
            }
            let Some(value) = self.scalar_text(v, &format!("{owner} env `{key}`")) else {
                continue;
            };
            fields.push(TemplateField {
                text: value.clone(),
                loc: v.loc,
                field: format!("env.{key}"),
                condition: false,
            });
            vars.retain(|(e, _)| e != &key);
            vars.push((key, value));
        }
        vars
    }

    fn exec(&mut self, node: &Node) -> Option<Vec<String>> {
        if let Value::Str(_) = node.value {
            self.err(
                node.loc,
                node.width(self.source),
                "`exec` takes a list: the program and its arguments",
            )
            .help = Some(
                "write `exec: [prog, arg1, arg2]`, or use `run:` for a shell command line".into(),
            );
            return None;
        }
        let argv: Vec<String> = self
            .string_list(node, "`exec`", false)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        if argv.is_empty() {
            self.err(node.loc, 1, "`exec` is empty").help =
                Some("name the program to run: `exec: [prog, arg]`".into());
            return None;
        }
        Some(argv)
    }

    fn script(&mut self, key: &Node, node: &Node) -> Option<(ScriptLang, String)> {
        let entries = self.map(node, "`script`")?;
        self.check_keys(entries, SCRIPT_KEYS, "in `script`");
        let mut lang = None;
        let mut code = None;
        let mut lang_seen = false;
        for (k, v) in entries {
            let Value::Str(key) = &k.value else { continue };
            match key.as_str() {
                "lang" => {
                    lang_seen = true;
                    if let Some(text) = self.string(v, "`lang`") {
                        lang = ScriptLang::parse(&text);
                        if lang.is_none() {
                            let names: Vec<&str> =
                                ScriptLang::ALL.iter().map(|l| l.name()).collect();
                            let help = did_you_mean(&text, names.iter().copied())
                                .unwrap_or_else(|| format!("supported: {}", names.join(", ")));
                            self.err(
                                v.loc,
                                text.len(),
                                format!("unknown script language `{text}`"),
                            )
                            .help = Some(help);
                        }
                    }
                }
                "code" => code = self.string(v, "`code`"),
                _ => {}
            }
        }
        if !lang_seen {
            self.err(key.loc, 6, "`script` has no `lang`").help =
                Some("add `lang:` with one of python, node, bash, sh, ruby, perl, php".into());
        }
        if code.is_none()
            && !entries
                .iter()
                .any(|(k, _)| k.value == Value::Str("code".into()))
        {
            self.err(key.loc, 6, "`script` has no `code`").help =
                Some("add `code: |` followed by the script".into());
        }
        Some((lang?, code?))
    }

    fn check_template(
        &mut self,
        field: &TemplateField,
        params: &[ParamDef],
        drafts: &[Draft],
        task: Option<usize>,
        upstream: Option<&[bool]>,
    ) {
        let owner = match task {
            Some(i) => format!("task `{}`", drafts[i].name),
            None => "the workflow".to_string(),
        };
        let refs = if field.condition {
            self.templates.condition_references(&field.text)
        } else {
            self.templates.references(&field.text)
        };
        let refs = match refs {
            Ok(r) => r,
            Err(e) => {
                self.err(
                    field.loc,
                    len_of_text(&field.text),
                    format!("bad template in `{}` of {owner}: {e}", field.field),
                )
                .help = Some(
                    "templates use `{{ expression }}`; write `{{ '{{' }}` for literal braces"
                        .into(),
                );
                return;
            }
        };
        for path in refs {
            let parts: Vec<&str> = path.split('.').collect();
            let loc = locate(self.source, field.loc, &path);
            let problem: Option<(String, Option<String>)> = match parts[0] {
                "params" => match parts.get(1) {
                    Some(p) if !params.iter().any(|d| d.name == *p) => Some((
                        format!("{owner} uses param `{p}`, which is not declared"),
                        Some(
                            did_you_mean(p, params.iter().map(|d| d.name.as_str())).unwrap_or_else(
                                || {
                                    format!(
                                        "declare it under `params:` as `{p}: {{ type: string }}`"
                                    )
                                },
                            ),
                        ),
                    )),
                    _ => None,
                },
                "env" => None,
                "run" => {
                    match parts.get(1) {
                        Some(f) if !RUN_FIELDS.contains(f) => Some((
                            format!("unknown run field `run.{f}` in {owner}"),
                            Some(did_you_mean(f, RUN_FIELDS.iter().copied()).unwrap_or_else(
                                || "runs have `run.id`, `run.workflow` and `run.status`".into(),
                            )),
                        )),
                        _ => None,
                    }
                }
                "tasks" => self.task_reference(&parts, &owner, drafts, task, upstream),
                other => Some((
                    format!("unknown variable `{other}` in {owner}"),
                    Some(
                        did_you_mean(other, ["params", "tasks", "run", "env"].iter().copied())
                            .unwrap_or_else(|| {
                                "templates can read `params`, `tasks`, `run` and `env`".into()
                            }),
                    ),
                )),
            };
            if let Some((message, help)) = problem {
                self.diags
                    .push(Diagnostic::new(loc, path.len(), message).help_opt(help));
            }
        }
    }

    fn task_reference(
        &self,
        parts: &[&str],
        owner: &str,
        drafts: &[Draft],
        task: Option<usize>,
        upstream: Option<&[bool]>,
    ) -> Option<(String, Option<String>)> {
        let target_name = parts.get(1)?;
        let names = || drafts.iter().map(|d| d.name.as_str());
        let Some(target) = drafts.iter().position(|d| d.name == *target_name) else {
            let all: Vec<String> = names().map(String::from).collect();
            return Some((
                format!("{owner} refers to task `{target_name}`, which does not exist"),
                Some(
                    did_you_mean(target_name, names())
                        .unwrap_or_else(|| format!("tasks in this file: {}", quoted_list(&all))),
                ),
            ));
        };
        let Some(me) = task else {
            return Some((
                format!(
                    "the workflow's `env` cannot read task `{target_name}`: no task has run when it is set"
                ),
                Some("move this variable into the `env` of the tasks that need it".into()),
            ));
        };
        if target == me {
            return Some((
                format!("{owner} refers to its own outputs"),
                Some("a task can only read the outputs of tasks upstream of it".into()),
            ));
        }
        if let Some(up) = upstream
            && !up[target]
        {
            return Some((
                format!("{owner} reads task `{target_name}`, which is not upstream of it"),
                Some(format!(
                    "add `{target_name}` to the `needs` of `{}`",
                    drafts[me].name
                )),
            ));
        }
        match parts.get(2) {
            None | Some(&"status") => None,
            Some(&"outputs") => {
                let key = parts.get(3)?;
                let declared = &drafts[target].task.outputs;
                if declared.iter().any(|o| o == key) {
                    None
                } else {
                    Some((
                        format!("task `{target_name}` does not declare output `{key}`"),
                        Some(
                            did_you_mean(key, declared.iter().map(String::as_str)).unwrap_or_else(
                                || format!("add `{key}` to the `outputs` of `{target_name}`"),
                            ),
                        ),
                    ))
                }
            }
            Some(other) => Some((
                format!("unknown field `{other}` of task `{target_name}` in {owner}"),
                Some("a task has `outputs` and `status`".into()),
            )),
        }
    }

    // ---- small typed readers, each reporting its own problem ----

    /// `schedule:`: a list of entries (or one), each a mapping with one of
    /// `cron`, `every`, `at` (and `timezone` for the first and last), or a
    /// bare string meaning `cron`.
    fn schedules(&mut self, node: &Node) -> Vec<Spec> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Map(_) | Value::Str(_) => vec![node],
            Value::Null => Vec::new(),
            other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("`schedule` must be a list, found {}", other.kind()),
                )
                .help = Some(
                    "write a list of entries like `- cron: \"0 3 * * *\"` or `- every: 15m`".into(),
                );
                return Vec::new();
            }
        };
        items
            .into_iter()
            .filter_map(|item| self.schedule(item))
            .collect()
    }

    fn schedule(&mut self, node: &Node) -> Option<Spec> {
        if let Value::Str(expr) = &node.value {
            return self.cron(node, expr, Zone::Local);
        }
        let entries = self.map(node, "a `schedule` entry")?;
        self.check_keys(entries, SCHEDULE_KEYS, "in a `schedule` entry");
        let get = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.value == Value::Str(name.into()))
        };
        let zone = match get("timezone") {
            None => Some(Zone::Local),
            Some((_, v)) => {
                let name = self.string(v, "`timezone`")?;
                match Zone::parse(&name) {
                    Ok(z) => Some(z),
                    Err(e) => {
                        let help = did_you_mean(&name, Zone::all_names()).unwrap_or_else(|| {
                            "use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`".into()
                        });
                        self.err(v.loc, v.width(self.source), e.to_string()).help = Some(help);
                        None
                    }
                }
            }
        };
        let kinds: Vec<&(Node, Node)> = ["cron", "every", "at"]
            .iter()
            .filter_map(|k| get(k))
            .collect();
        let (k, v) = match kinds.as_slice() {
            [one] => *one,
            [] => {
                self.err(node.loc, node.width(self.source), "a `schedule` entry needs `cron`, `every` or `at`")
                    .help = Some("for example `- cron: \"0 3 * * *\"`, `- every: 15m` or `- at: \"2026-12-01 09:00\"`".into());
                return None;
            }
            [_, (second, _), ..] => {
                self.err(
                    second.loc,
                    1,
                    "a `schedule` entry has one of `cron`, `every` and `at`",
                )
                .help = Some("write each as its own entry of the list".into());
                return None;
            }
        };
        let zone = zone?;
        match &k.value {
            Value::Str(kind) if kind == "cron" => {
                let expr = self.string(v, "`cron`")?;
                self.cron(v, &expr, zone)
            }
            Value::Str(kind) if kind == "every" => {
                if let Some((tk, _)) = get("timezone") {
                    self.err(
                        tk.loc,
                        "timezone".len(),
                        "`timezone` does not apply to `every`",
                    )
                    .help = Some(
                        "`every` counts real time; use `cron` for times of day in a zone".into(),
                    );
                    return None;
                }
                let interval = self.duration(v, "`every`", bounds::EVERY)?;
                match Spec::every(interval) {
                    Ok(spec) => Some(spec),
                    Err(e) => {
                        self.err(v.loc, v.width(self.source), format!("bad `every`: {e}"));
                        None
                    }
                }
            }
            _ => {
                let text = v.text(self.source).or_else(|| self.string(v, "`at`"))?;
                match Spec::at(&text, zone) {
                    Ok(spec) => Some(spec),
                    Err(e) => {
                        self.err(v.loc, v.width(self.source), e.to_string());
                        None
                    }
                }
            }
        }
    }

    fn cron(&mut self, node: &Node, expr: &str, zone: Zone) -> Option<Spec> {
        match Spec::cron(expr, zone) {
            Ok(spec) => Some(spec),
            Err(e) => {
                self.err(node.loc, node.width(self.source), e.to_string()).help = Some(
                    "five fields: minute hour day-of-month month day-of-week (an optional seconds field first), e.g. `0 3 * * 1-5`".into(),
                );
                None
            }
        }
    }

    /// "`overlap` is `skp`; did you mean `skip`?"
    fn bad_choice(&mut self, node: &Node, key: &str, text: &str, names: &[&str]) {
        let help = did_you_mean(text, names.iter().copied())
            .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
        self.err(
            node.loc,
            node.width(self.source),
            format!("unknown `{key}` value `{text}`"),
        )
        .help = Some(help);
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            Value::Null => Some(&[]),
            other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("{what} must be a mapping, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn check_keys(&mut self, entries: &[(Node, Node)], allowed: &[&str], where_: &str) {
        let mut seen: Vec<&str> = Vec::new();
        for (k, _) in entries {
            let Value::Str(key) = &k.value else {
                self.err(
                    k.loc,
                    k.width(self.source),
                    format!("keys {where_} must be strings, found {}", k.value.kind()),
                );
                continue;
            };
            if seen.contains(&key.as_str()) {
                self.err(
                    k.loc,
                    key.len(),
                    format!("key `{key}` appears twice {where_}"),
                )
                .help = Some("remove one of them".into());
            }
            seen.push(key);
            if !allowed.contains(&key.as_str()) {
                let help = did_you_mean(key, allowed.iter().copied())
                    .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", ")));
                self.err(k.loc, key.len(), format!("unknown key `{key}` {where_}"))
                    .help = Some(help);
            }
        }
    }

    fn key_text(&mut self, k: &Node) -> Option<String> {
        match &k.value {
            Value::Str(s) => Some(s.clone()),
            other => other.scalar_text().or_else(|| {
                self.err(
                    k.loc,
                    1,
                    format!("a name must be a string, found {}", other.kind()),
                );
                None
            }),
        }
    }

    fn workflow_name(&mut self, node: &Node) -> Option<String> {
        let name = self.string(node, "`name`")?;
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok {
            self.err(node.loc, node.width(self.source), format!("workflow name `{name}` is not allowed"))
                .help = Some("use letters, digits, `-`, `_` and `.`: the name is how runs are looked up (`weft show NAME`)".into());
            return None;
        }
        Some(name)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("{what} must be a string, found {}", other.kind()),
                );
                None
            }
        }
    }

    /// A string, or a number or boolean taken as its text.
    fn scalar_text(&mut self, node: &Node, what: &str) -> Option<String> {
        node.value.scalar_text().or_else(|| {
            self.err(
                node.loc,
                node.width(self.source),
                format!("{what} must be a string, found {}", node.value.kind()),
            );
            None
        })
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            ref other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("{what} must be true or false, found {}", other.kind()),
                );
                None
            }
        }
    }

    /// A whole number within `bound`.
    fn int_in(&mut self, node: &Node, what: &str, bound: IntBound) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= 1 && bound.contains(i) => u64::try_from(i).ok(),
            Value::Int(i) if i >= 1 => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!(
                        "{what} must be a whole number {}, found `{i}`",
                        bound.describe()
                    ),
                )
                .help = Some(bounds::HINT.into());
                None
            }
            ref other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!(
                        "{what} must be a whole number of at least 1, found {}",
                        describe_value(other)
                    ),
                );
                None
            }
        }
    }

    /// A duration within `bound`.
    fn duration(&mut self, node: &Node, what: &str, bound: DurationBound) -> Option<Duration> {
        let d = self.any_duration(node, what);
        match d {
            Some(Some(d)) if bound.contains(d) => return Some(d),
            None => return None,
            _ => {}
        }
        let text = node.text(self.source).unwrap_or_default();
        self.err(
            node.loc,
            node.width(self.source),
            format!(
                "{what} must be {}, found `{}`",
                bound.describe(),
                text.trim()
            ),
        )
        .help = Some(bounds::HINT.into());
        None
    }

    /// A duration; `Some(None)` when it is too long to hold at all.
    fn any_duration(&mut self, node: &Node, what: &str) -> Option<Option<Duration>> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!(
                        "{what} must be a duration like `30s` or `5m`, found {}",
                        other.kind()
                    ),
                );
                return None;
            }
        };
        match duration::parse(&text) {
            Ok(d) => Some(Some(d)),
            Err(duration::Error::TooLong) => Some(None),
            Err(duration::Error::Bad(why)) => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("bad duration in {what}: {why}"),
                )
                .help =
                    Some("durations are a number and a unit: `500ms`, `30s`, `5m`, `1h30m`".into());
                None
            }
        }
    }

    /// A list of strings (or, when `single_ok`, one string), each with its place.
    fn string_list(&mut self, node: &Node, what: &str, single_ok: bool) -> Vec<(String, Loc)> {
        match &node.value {
            Value::Str(s) if single_ok => vec![(s.clone(), node.loc)],
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| match item.text(self.source) {
                    Some(s) => Some((s, item.loc)),
                    None => {
                        self.err(
                            item.loc,
                            item.width(self.source),
                            format!(
                                "items of {what} must be strings, found {}",
                                item.value.kind()
                            ),
                        );
                        None
                    }
                })
                .collect(),
            Value::Null => Vec::new(),
            other => {
                self.err(
                    node.loc,
                    node.width(self.source),
                    format!("{what} must be a list, found {}", other.kind()),
                );
                Vec::new()
            }
        }
    }
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("`{i}`"),
        Value::Float(f) => format!("`{f}`"),
        Value::Str(s) => format!("`{s}`"),
        other => other.kind().to_string(),
    }
}

fn infer_type(v: &Value) -> Option<ParamType> {
    match v {
        Value::Str(_) => Some(ParamType::String),
        Value::Int(_) => Some(ParamType::Int),
        Value::Float(_) => Some(ParamType::Float),
        Value::Bool(_) => Some(ParamType::Bool),
        _ => None,
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn len_of_text(text: &str) -> usize {
    if text.contains('\n') {
        1
    } else {
        text.chars().count().max(1)
    }
}

/// Where `needle` is first written at or after `from`, so a caret can point
/// at the reference inside a template rather than at the start of the field.
fn locate(source: &str, from: Loc, needle: &str) -> Loc {
    let mut offset = 0usize;
    for (i, line) in source.split_inclusive('\n').enumerate() {
        if i + 1 == from.line as usize {
            offset += line
                .char_indices()
                .nth(from.col.saturating_sub(1) as usize)
                .map_or(0, |(b, _)| b);
            break;
        }
        offset += line.len();
    }
    // The whole reference: not followed by more of a name (`params.version`
    // must not match inside `params.versions`).
    let whole = |rest: &str, at: usize| {
        !rest[at + needle.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    };
    let found = source.get(offset..).and_then(|rest| {
        rest.match_indices(needle)
            .map(|(i, _)| i)
            .find(|&i| whole(rest, i))
    });
    let Some(found) = found else {
        return from;
    };
    let at = offset + found;
    let line = source[..at].matches('\n').count() as u32 + 1;
    let line_start = source[..at].rfind('\n').map_or(0, |p| p + 1);
    let col = source[line_start..at].chars().count() as u32 + 1;
    Loc { line, col }
}
