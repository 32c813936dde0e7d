//! `weft plan FILE`: what a run would do, without running anything: the
//! levels of the graph, the resolved params, and which tasks their `if`
//! already decides to skip. `--dot` prints the graph for Graphviz.

use super::{CmdResult, Context, EXIT_OK};
use crate::cli::PlanArgs;
use crate::engine::plan::{Condition, Fate, predict};
use crate::workflow::template::Templates;
use crate::workflow::{TaskBody, When};
use std::io::Write;

pub fn plan(ctx: &Context, args: PlanArgs) -> CmdResult {
    let (loaded, _) = super::workflow_file::load_workflow(&args.file, &args.params.params)?;
    let wf = &loaded.workflow;
    let levels = wf.dag.levels();
    let templates = Templates::new();
    let ctx_json = serde_json::json!({
        "params": loaded.params_json(),
        "run": {"id": "(planned)", "workflow": wf.name, "status": "succeeded"},
        "env": std::env::vars().collect::<std::collections::BTreeMap<_, _>>(),
    });
    // The run's own scheduler decides; only `if:` is evaluated here, with
    // what is known before the run.
    let fate = predict(wf, |i| {
        let Some(cond) = &wf.tasks[i].condition else {
            return Condition::Holds;
        };
        let refs = templates.condition_references(cond).unwrap_or_default();
        if refs.iter().any(|r| r.starts_with("tasks")) {
            return Condition::AtRunTime(format!("if: {cond}"));
        }
        match templates.condition(cond, &ctx_json) {
            Ok(true) => Condition::Holds,
            Ok(false) => Condition::False(format!("`if: {cond}` is false")),
            Err(e) => Condition::AtRunTime(format!("if: {cond} ({e})")),
        }
    });
    let mut out = std::io::stdout().lock();
    if args.dot {
        writeln!(out, "digraph \"{}\" {{", wf.name)?;
        writeln!(out, "  rankdir=LR;\n  node [shape=box];")?;
        for (i, t) in wf.tasks.iter().enumerate() {
            let style = if fate[i].0 == Fate::Skipped {
                " style=dashed"
            } else {
                ""
            };
            writeln!(
                out,
                "  \"{}\" [label=\"{}\\n{}\"{style}];",
                t.name,
                t.name,
                t.body.kind()
            )?;
        }
        for t in &wf.tasks {
            for &n in &t.needs {
                let label = match t.when {
                    When::Success => String::new(),
                    other => format!(" [label=\"{}\"]", other.as_str()),
                };
                writeln!(out, "  \"{}\" -> \"{}\"{label};", wf.tasks[n].name, t.name)?;
            }
        }
        writeln!(out, "}}")?;
        return Ok(EXIT_OK);
    }
    if args.json {
        let tasks: Vec<_> = wf
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                serde_json::json!({
                    "name": t.name,
                    "kind": t.body.kind(),
                    "needs": t.needs.iter().map(|&n| wf.tasks[n].name.as_str()).collect::<Vec<_>>(),
                    "when": t.when.as_str(),
                    "level": levels.iter().position(|l| l.contains(&i)),
                    "fate": fate[i].0,
                    "reason": fate[i].1,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "workflow": wf.name,
            "params": loaded.params_json(),
            "concurrency": wf.concurrency,
            "levels": levels.iter().map(|l| l.iter().map(|&i| wf.tasks[i].name.as_str()).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "tasks": tasks,
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    let s = &ctx.style;
    writeln!(
        out,
        "{} {}: {} tasks in {} levels{}",
        s.bold("workflow"),
        s.bold(&wf.name),
        wf.tasks.len(),
        levels.len(),
        wf.concurrency
            .map(|c| format!(", concurrency {c}"))
            .unwrap_or_default()
    )?;
    if let Some(d) = &wf.description {
        writeln!(out, "  {}", s.dim(d))?;
    }
    if !loaded.params.is_empty() {
        writeln!(out, "\n{}", s.bold("params"))?;
        for (k, v) in &loaded.params {
            writeln!(out, "  {k} = {}", v.display())?;
        }
    }
    if !wf.schedules.is_empty() {
        // What the daemon would do with it, so a cron line can be checked
        // before it is trusted.
        writeln!(
            out,
            "\n{} (overlap {}, catch-up {})",
            s.bold("schedule"),
            wf.policy.overlap,
            wf.policy.catchup.as_str()
        )?;
        let now = crate::model::now_ms();
        for spec in &wf.schedules {
            let zone = spec.zone().unwrap_or(crate::schedule::Zone::Local);
            let mut next = Vec::new();
            let mut at = now;
            while next.len() < 3 {
                match spec.next_after(at) {
                    Some(t) => {
                        next.push(crate::schedule::in_zone(t, zone));
                        at = t;
                    }
                    None => break,
                }
            }
            writeln!(
                out,
                "  {}  {}{}",
                spec.expression(),
                s.dim(spec.describe().trim_end_matches('.')),
                spec.zone()
                    .map(|z| format!(" ({})", z.name()))
                    .unwrap_or_default()
            )?;
            if next.is_empty() {
                writeln!(out, "    {}", s.dim("no fire to come"))?;
            } else {
                writeln!(out, "    next: {}", next.join(", "))?;
            }
        }
    }
    let width = wf
        .tasks
        .iter()
        .map(|t| t.name.as_str().len())
        .max()
        .unwrap_or(0);
    for (n, level) in levels.iter().enumerate() {
        writeln!(out, "\n{}", s.bold(&format!("level {n}")))?;
        for &i in level {
            let t = &wf.tasks[i];
            let what = match &t.body {
                TaskBody::Run(line) => first_line(line),
                TaskBody::Exec(argv) => argv.join(" "),
                TaskBody::Script { lang, .. } => format!("{} script", lang.name()),
                TaskBody::Delay(d) => format!(
                    "wait {}",
                    crate::model::format_duration_ms(d.as_millis() as u64)
                ),
            };
            let mut notes = Vec::new();
            if !t.needs.is_empty() {
                notes.push(format!(
                    "needs {}",
                    t.needs
                        .iter()
                        .map(|&n| wf.tasks[n].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if t.when != When::Success {
                notes.push(format!("when {}", t.when.as_str()));
            }
            match &fate[i] {
                (Fate::Skipped, r) => {
                    notes.push(s.warn(&format!("would be skipped: {}", r.as_deref().unwrap_or(""))))
                }
                (Fate::DecidedAtRunTime, Some(r)) => {
                    notes.push(s.dim(&format!("decided at run time ({r})")))
                }
                _ => {}
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  {}", s.dim("·")) + " " + &notes.join("; ")
            };
            writeln!(
                out,
                "  {:<width$}  {}{notes}",
                t.name.as_str(),
                s.dim(&what)
            )?;
        }
    }
    Ok(EXIT_OK)
}

fn first_line(text: &str) -> String {
    let mut lines = text.trim().lines();
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}
