//! `weft logs RUN [TASK] [-f]`: a run's or a task's output from the log
//! files. `-f` follows a run that another process is executing, printing
//! lines as they are written, and ends when the run ends.

use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::cli::LogsArgs;
use crate::logs::{
    LineEnd, LogLine, LogReader, Record, Stream, dropped_message, read_log_chunk, strip_escapes,
    tail_lines,
};
use crate::model::RunDetail;
use crate::model::RunId;
use crate::output::Transcript;
use crate::store::{Store, StoreError};
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
    open: Open,
}

/// Whether the last thing printed left a line open.
#[derive(Clone, PartialEq)]
enum Open {
    No,
    /// This task's attempt's stream goes on on this line.
    Continues(String, u32, Stream),
    /// The output ended without a newline: anything else starts a new line.
    Dangling,
}

impl Printer<'_> {
    /// Prints a piece of a line as it is in the log (one record: constant
    /// memory whatever the length of the line).
    #[allow(clippy::too_many_arguments)]
    fn piece(
        &mut self,
        out: &mut impl Write,
        task: &str,
        attempt: u32,
        attempts: usize,
        stream: Stream,
        text: &[u8],
        end: LineEnd,
    ) -> std::io::Result<()> {
        let s = &self.ctx.style;
        let continues = match &self.open {
            Open::Continues(t, a, st) => t == task && *a == attempt && *st == stream,
            _ => false,
        };
        if !continues {
            if self.open != Open::No {
                out.write_all(b"\n")?;
            }
            let key = (task.to_string(), attempt);
            if attempts > 1 && self.last_header.as_ref() != Some(&key) {
                writeln!(out, "{}", s.dim(&format!("── {task} attempt {attempt} ──")))?;
            }
            self.last_header = Some(key);
            if self.prefix > 0 {
                write!(out, "{}", s.dim(&format!("{task:<w$} │ ", w = self.prefix)))?;
            }
        }
        match stream {
            Stream::Stdout => out.write_all(text)?,
            Stream::Stderr if s.color => {
                write!(out, "{}", s.warn(&String::from_utf8_lossy(text)))?;
            }
            Stream::Stderr => out.write_all(text)?,
            // A PTY's output as text: its colours and cursor moves would
            // garble this terminal (`--json` keeps them).
            Stream::Terminal if self.raw => out.write_all(text)?,
            Stream::Terminal => {
                write!(out, "{}", strip_escapes(&String::from_utf8_lossy(text)))?;
            }
            Stream::Weft => {
                let text = String::from_utf8_lossy(text);
                let text = if continues {
                    s.dim(&text)
                } else {
                    s.dim(&format!("weft: {text}"))
                };
                write!(out, "{text}")?;
            }
        }
        self.open = match end {
            LineEnd::Newline => {
                out.write_all(b"\n")?;
                Open::No
            }
            LineEnd::Continues => Open::Continues(task.to_string(), attempt, stream),
            LineEnd::Unterminated => Open::Dangling,
        };
        Ok(())
    }

    /// One whole line as JSON.
    fn json_line(
        &mut self,
        out: &mut impl Write,
        task: &str,
        attempt: u32,
        line: &LogLine,
    ) -> std::io::Result<()> {
        let v = serde_json::json!({"task": task, "attempt": attempt, "stream": line.stream, "at": line.at, "text": line.text});
        serde_json::to_writer(&mut *out, &v)?;
        writeln!(out)
    }

    /// Ends a line left open, before something that is not log output.
    fn close(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if self.open != Open::No {
            out.write_all(b"\n")?;
            self.open = Open::No;
        }
        Ok(())
    }
}

pub fn logs(ctx: &Context, args: LogsArgs) -> CmdResult {
    let store = ctx.reading_store()?;
    let id = match store.resolve(&args.run) {
        Err(StoreError::Queued { run, .. }) => match wait_until_started(ctx, &*store, &run, &args)?
        {
            Some(id) => id,
            None => return Ok(EXIT_OK),
        },
        other => other?,
    };
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
    if let Some(n) = args.attempt
        && shown_attempts(&run, &args).next().is_none()
    {
        let what = args.task.as_deref().map_or_else(
            || format!("run {id}"),
            |task| format!("task `{task}` of run {id}"),
        );
        return Err(CmdError::Usage(format!(
            "{what} has no attempt {n}; see `weft show {id}` for its attempts"
        )));
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
        open: Open::No,
    };
    if let Some(n) = args.tail {
        return print_tails(&mut printer, &run, &args, n);
    }
    let mut offsets: HashMap<String, u64> = HashMap::new();
    // Buffered (stdout alone flushes every line), flushed after each read.
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
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
        printer.close(&mut out)?;
        let s = &ctx.style;
        writeln!(
            out,
            "{}",
            s.dim(&format!("run {} {}", id, run.summary.status))
        )?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

/// The attempts `args` asks for, each with its task and how many attempts
/// of that task are shown (headers appear when there is more than one).
fn shown_attempts<'a>(
    run: &'a RunDetail,
    args: &'a LogsArgs,
) -> impl Iterator<
    Item = (
        &'a crate::model::TaskRecord,
        &'a crate::model::AttemptRecord,
        usize,
    ),
> + 'a {
    run.tasks
        .iter()
        .filter(|task| args.task.as_deref().is_none_or(|t| t == task.name.as_str()))
        .flat_map(move |task| {
            let shown = if args.attempt.is_some() {
                1
            } else {
                task.attempts.len()
            };
            task.attempts
                .iter()
                .filter(|a| args.attempt.is_none_or(|n| n == a.attempt))
                .map(move |attempt| (task, attempt, shown))
        })
}

/// `--tail N`: the last N lines of each attempt shown, each read from the
/// end of its log.
fn print_tails(printer: &mut Printer<'_>, run: &RunDetail, args: &LogsArgs, n: usize) -> CmdResult {
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    for (task, attempt, shown) in shown_attempts(run, args) {
        // Whole lines, however long: the reader keeps only these N.
        let tail = tail_lines(Path::new(&attempt.log), n, usize::MAX)?;
        for (stream, text) in &tail.lines {
            printer.piece(
                &mut out,
                task.name.as_str(),
                attempt.attempt,
                shown,
                *stream,
                text.as_bytes(),
                LineEnd::Newline,
            )?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn print_new(
    out: &mut impl Write,
    printer: &mut Printer<'_>,
    run: &RunDetail,
    args: &LogsArgs,
    offsets: &mut HashMap<String, u64>,
) -> Result<(), CmdError> {
    for (task, attempt, shown) in shown_attempts(run, args) {
        let offset = offsets.entry(attempt.log.clone()).or_insert(0);
        let path = Path::new(&attempt.log);
        let name = task.name.as_str();
        if printer.json {
            // Whole lines, read in pieces of about 1 MiB.
            loop {
                let (lines, next, more) = read_log_chunk(path, *offset, 1 << 20)?;
                *offset = next;
                for line in &lines {
                    printer.json_line(out, name, attempt.attempt, line)?;
                }
                if !more {
                    break;
                }
            }
            continue;
        }
        let Some(mut reader) = LogReader::open(path, *offset)? else {
            continue;
        };
        // A finished attempt's terminal output is rendered as screens; one
        // still running (`-f`) is shown as it comes, as text.
        let render = !printer.raw && *offset == 0 && attempt.finished_at.is_some();
        let mut screen: Option<Transcript> = None;
        let mut lines: Vec<String> = Vec::new();
        while let Some((record, _)) = reader.next_record()? {
            match record {
                Record::Dropped(n) => printer.piece(
                    out,
                    name,
                    attempt.attempt,
                    shown,
                    Stream::Weft,
                    dropped_message(n).as_bytes(),
                    LineEnd::Newline,
                )?,
                Record::TerminalSize(rows, cols) if render => match &mut screen {
                    Some(s) => s.resize(rows, cols),
                    None => screen = Some(Transcript::new(rows, cols)),
                },
                Record::TerminalSize(..) => {}
                Record::Text {
                    stream: Stream::Terminal,
                    text,
                    end,
                    ..
                } if render => {
                    let s = screen.get_or_insert_with(Transcript::default);
                    s.feed_line(text, end == LineEnd::Newline, &mut |l| lines.push(l));
                    print_screen_lines(out, printer, name, attempt.attempt, shown, &mut lines)?;
                }
                Record::Text {
                    stream, text, end, ..
                } => printer.piece(out, name, attempt.attempt, shown, stream, text, end)?,
            }
        }
        if let Some(s) = screen.take() {
            s.finish(&mut |l| lines.push(l));
            print_screen_lines(out, printer, name, attempt.attempt, shown, &mut lines)?;
        }
        *offset = reader.offset();
    }
    Ok(())
}

/// Prints (and empties) lines a terminal transcript rendered.
fn print_screen_lines(
    out: &mut impl Write,
    printer: &mut Printer<'_>,
    name: &str,
    attempt: u32,
    shown: usize,
    lines: &mut Vec<String>,
) -> Result<(), CmdError> {
    for line in lines.drain(..) {
        printer.piece(
            out,
            name,
            attempt,
            shown,
            Stream::Terminal,
            line.as_bytes(),
            LineEnd::Newline,
        )?;
    }
    Ok(())
}

/// A queued run has no output yet. Without `-f`, says so; with `-f`, waits
/// until it starts and returns its id (`None`: it was taken out of the
/// queue, or `-f` was not given).
fn wait_until_started(
    ctx: &Context,
    store: &dyn Store,
    run: &str,
    args: &LogsArgs,
) -> Result<Option<RunId>, CmdError> {
    let Some(waits) = super::show::queued_waits(store, run)? else {
        // It started between the two reads.
        return Ok(Some(store.resolve(run)?));
    };
    if !args.follow {
        eprintln!(
            "weft: run {run} is queued: it waits for {}; it has no output yet (`weft logs -f {run}` follows it once it starts)",
            waits.describe()
        );
        return Ok(None);
    }
    eprintln!(
        "weft: run {run} is queued: it waits for {}; following it once it starts",
        waits.describe()
    );
    loop {
        std::thread::sleep(Duration::from_millis(100));
        match store.resolve(run) {
            Ok(id) => return Ok(Some(id)),
            Err(StoreError::Queued { .. }) => continue,
            Err(StoreError::NotFound(_)) => {
                // Out of the queue without starting: `weft cancel` took it out.
                if !args.json {
                    let mut out = std::io::stdout().lock();
                    writeln!(
                        out,
                        "{}",
                        ctx.style.dim(&format!(
                            "run {run} cancelled: taken out of the queue before it started"
                        ))
                    )?;
                }
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        }
    }
}
