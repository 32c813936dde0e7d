//! `weft logs RUN [TASK] [-f]`: a run's or a task's output from the log
//! files. `-f` follows a run that another process is executing, printing
//! lines as they are written, and ends when the run ends.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::LogsArgs;
use crate::store::{LogLine, RunDetail, Store, Stream, read_log, strip_escapes};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

struct Printer<'a> {
    ctx: &'a Context,
    json: bool,
    /// Terminal output as written, escapes included.
    raw: bool,
    /// Width of the task-name prefix; 0 = no prefix (one task).
    prefix: usize,
    last_header: Option<(String, u32)>,
}

impl Printer<'_> {
    fn print(
        &mut self,
        out: &mut impl Write,
        task: &str,
        attempt: u32,
        attempts: usize,
        line: &LogLine,
    ) -> std::io::Result<()> {
        if self.json {
            let v = serde_json::json!({"task": task, "attempt": attempt, "stream": line.stream, "at": line.at, "text": line.text});
            serde_json::to_writer(&mut *out, &v)?;
            return writeln!(out);
        }
        let s = &self.ctx.style;
        let key = (task.to_string(), attempt);
        if attempts > 1 && self.last_header.as_ref() != Some(&key) {
            writeln!(out, "{}", s.dim(&format!("── {task} attempt {attempt} ──")))?;
        }
        self.last_header = Some(key);
        let prefix = if self.prefix > 0 {
            s.dim(&format!("{task:<w$} │ ", w = self.prefix))
        } else {
            String::new()
        };
        match line.stream {
            Stream::Stdout => writeln!(out, "{prefix}{}", line.text),
            Stream::Stderr => writeln!(
                out,
                "{prefix}{}",
                if s.color {
                    s.warn(&line.text)
                } else {
                    line.text.clone()
                }
            ),
            // A PTY's output as text: its colours and cursor moves would
            // garble this terminal (`--json` keeps them).
            Stream::Terminal if self.raw => writeln!(out, "{prefix}{}", line.text),
            Stream::Terminal => writeln!(out, "{prefix}{}", strip_escapes(&line.text)),
            Stream::Weft => writeln!(out, "{prefix}{}", s.dim(&format!("weft: {}", line.text))),
        }
    }
}

pub fn logs(ctx: &Context, args: LogsArgs) -> CmdResult {
    let store = ctx.reading_store()?;
    let id = store.resolve(&args.run)?;
    let run = store.run(&id)?;
    if let Some(task) = &args.task
        && !run.tasks.iter().any(|t| t.name.as_str() == task)
    {
        return Err(super::unknown_task(
            &id,
            task,
            run.tasks.iter().map(|t| t.name.as_str()),
        ));
    }
    let prefix = if args.task.is_some() {
        0
    } else {
        run.tasks
            .iter()
            .map(|t| t.name.as_str().len())
            .max()
            .unwrap_or(0)
    };
    let mut printer = Printer {
        raw: args.raw,
        ctx,
        json: args.json,
        prefix,
        last_header: None,
    };
    let mut offsets: HashMap<String, u64> = HashMap::new();
    let mut out = std::io::stdout().lock();
    let mut run = run;
    let mut ticks = 0u32;
    loop {
        let finished = run.summary.status.is_terminal();
        print_new(&mut out, &mut printer, &run, &args, &mut offsets)?;
        out.flush()?;
        if !args.follow || finished {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        ticks += 1;
        if ticks.is_multiple_of(10) {
            // Notice a runner that died, so following ends instead of waiting forever.
            let _ = store.reap_interrupted();
        }
        run = store.run(&id)?;
    }
    if args.follow && !args.json {
        let s = &ctx.style;
        writeln!(
            out,
            "{}",
            s.dim(&format!("run {} {}", id, run.summary.status))
        )?;
    }
    Ok(EXIT_OK)
}

fn print_new(
    out: &mut impl Write,
    printer: &mut Printer<'_>,
    run: &RunDetail,
    args: &LogsArgs,
    offsets: &mut HashMap<String, u64>,
) -> Result<(), CmdError> {
    for task in &run.tasks {
        if args
            .task
            .as_deref()
            .is_some_and(|t| t != task.name.as_str())
        {
            continue;
        }
        for attempt in &task.attempts {
            if args.attempt.is_some_and(|a| a != attempt.attempt) {
                continue;
            }
            let offset = offsets.entry(attempt.log.clone()).or_insert(0);
            let (lines, next) = read_log(Path::new(&attempt.log), *offset)?;
            *offset = next;
            for line in &lines {
                let shown = if args.attempt.is_some() {
                    1
                } else {
                    task.attempts.len()
                };
                printer.print(out, task.name.as_str(), attempt.attempt, shown, line)?;
            }
        }
    }
    Ok(())
}
