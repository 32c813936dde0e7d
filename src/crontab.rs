//! The user's crontab as text: parsing its lines, checking a schedule,
//! finding, adding and removing weft's own lines (marked with a trailing
//! `# weft:<id>`), and turning the user's other lines into `weft wrap`
//! lines or workflow files (`weft cron import`). Pure text in, text out:
//! running the `crontab` program and printing belong to `cmd/cron.rs`.
//! Must not depend on the store, the engine or anything above them.

use std::fmt::Write as _;

/// The mark that ends every line weft manages: `# weft:<id>`.
/// Frozen format: weft finds its lines in existing crontabs by it.
pub const MARK: &str = "# weft:";

/// One line of a crontab, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Empty or a comment.
    Blank,
    /// `NAME=value` (MAILTO, PATH, SHELL, CRON_TZ...).
    Env { name: String, value: String },
    /// A job: its schedule (five fields or an `@` macro) and its command,
    /// as written (crontab `%` escapes included). `id` is set on weft's lines.
    Job {
        schedule: String,
        command: String,
        id: Option<String>,
    },
    /// Something cron itself would reject; kept untouched.
    Unknown,
}

/// Classifies one crontab line.
pub fn parse_line(raw: &str) -> Line {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return Line::Blank;
    }
    if let Some((name, value)) = line.split_once('=') {
        let name = name.trim();
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Line::Env {
                name: name.to_string(),
                value: unquote(value.trim()).to_string(),
            };
        }
    }
    let (schedule, command) = if line.starts_with('@') {
        match line.split_once(char::is_whitespace) {
            Some((s, c)) => (s.to_string(), c.trim_start()),
            None => return Line::Unknown,
        }
    } else {
        let mut rest = line;
        let mut fields = Vec::new();
        for _ in 0..5 {
            let Some((f, r)) = rest.split_once(char::is_whitespace) else {
                return Line::Unknown;
            };
            fields.push(f);
            rest = r.trim_start();
        }
        (fields.join(" "), rest)
    };
    if command.is_empty() {
        return Line::Unknown;
    }
    let (command, id) = match command.rfind(MARK) {
        Some(i) => {
            let id = command[i + MARK.len()..].trim();
            (command[..i].trim_end(), Some(id.to_string()))
        }
        None => (command, None),
    };
    Line::Job {
        schedule,
        command: command.to_string(),
        id,
    }
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Why a schedule is not one cron accepts.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error(
        "`{0}` has {1} fields; a cron schedule has five: minute hour day-of-month month day-of-week, e.g. `30 2 * * *`"
    )]
    FieldCount(String, usize),
    #[error("`{value}` is not a valid {field} (expected {range}) in `{schedule}`")]
    Field {
        schedule: String,
        field: &'static str,
        value: String,
        range: &'static str,
    },
    #[error(
        "unknown schedule `{0}`; the `@` forms are @reboot @hourly @daily @midnight @weekly @monthly @yearly @annually"
    )]
    Macro(String),
}

const FIELDS: [(&str, u32, u32, &str); 5] = [
    ("minute", 0, 59, "0-59"),
    ("hour", 0, 23, "0-23"),
    ("day of month", 1, 31, "1-31"),
    ("month", 1, 12, "1-12 or jan-dec"),
    ("day of week", 0, 7, "0-7 or sun-sat"),
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The five-field form of an `@` macro (`None` for `@reboot`, which is no time).
pub fn expand_macro(schedule: &str) -> Option<&'static str> {
    match schedule {
        "@hourly" => Some("0 * * * *"),
        "@daily" | "@midnight" => Some("0 0 * * *"),
        "@weekly" => Some("0 0 * * 0"),
        "@monthly" => Some("0 0 1 * *"),
        "@yearly" | "@annually" => Some("0 0 1 1 *"),
        _ => None,
    }
}

/// Checks a schedule as cron reads it: five fields of numbers, ranges,
/// steps, lists and month/day names within their ranges, or an `@` macro.
/// Returns it normalised (fields separated by one space).
pub fn check_schedule(schedule: &str) -> Result<String, ScheduleError> {
    let s = schedule.trim();
    if s.starts_with('@') {
        return if s == "@reboot" || expand_macro(s).is_some() {
            Ok(s.to_string())
        } else {
            Err(ScheduleError::Macro(s.to_string()))
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(ScheduleError::FieldCount(s.to_string(), fields.len()));
    }
    for (i, value) in fields.iter().enumerate() {
        let (field, lo, hi, range) = FIELDS[i];
        let names: &[&str] = match i {
            3 => &MONTHS,
            4 => &DAYS,
            _ => &[],
        };
        let bad = || ScheduleError::Field {
            schedule: s.to_string(),
            field,
            value: value.to_string(),
            range,
        };
        let number = |t: &str| -> Result<u32, ScheduleError> {
            let n = match names.iter().position(|n| n.eq_ignore_ascii_case(t)) {
                Some(p) => p as u32 + if i == 3 { 1 } else { 0 },
                None => t.parse().map_err(|_| bad())?,
            };
            if n < lo || n > hi { Err(bad()) } else { Ok(n) }
        };
        for part in value.split(',') {
            let (base, step) = match part.split_once('/') {
                Some((b, st)) => (b, Some(st)),
                None => (part, None),
            };
            if let Some(st) = step {
                match st.parse::<u32>() {
                    Ok(n) if n >= 1 && n <= hi.max(1) => {}
                    _ => return Err(bad()),
                }
            }
            if base == "*" {
                continue;
            }
            match base.split_once('-') {
                Some((a, b)) => {
                    if number(a)? > number(b)? {
                        return Err(bad());
                    }
                }
                None => {
                    number(base)?;
                }
            }
        }
    }
    Ok(fields.join(" "))
}

/// The value the last `NAME=` line of the table gives (cron reads them in
/// order; a job appended at the end sees the last one).
pub fn env_value(table: &str, name: &str) -> Option<String> {
    table.lines().rev().find_map(|raw| match parse_line(raw) {
        Line::Env { name: n, value } if n == name => Some(value),
        _ => None,
    })
}

/// A line weft manages, found in a crontab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeftLine {
    pub id: String,
    pub schedule: String,
    pub command: String,
    /// The workflow file a `weft run` line runs, or the name a `weft wrap`
    /// line gives its command.
    pub target: Option<String>,
    /// The whole line as it stands in the crontab.
    pub line: String,
}

/// Weft's own lines, in crontab order.
pub fn weft_lines(table: &str) -> Vec<WeftLine> {
    table
        .lines()
        .filter_map(|raw| match parse_line(raw) {
            Line::Job {
                schedule,
                command,
                id: Some(id),
            } => Some(WeftLine {
                target: target_of(&command),
                id,
                schedule,
                command,
                line: raw.to_string(),
            }),
            _ => None,
        })
        .collect()
}

/// The word after ` run ` (its last argument: the file) or ` wrap ` (the name).
fn target_of(command: &str) -> Option<String> {
    let words = shell_words(command);
    let pos = words
        .iter()
        .position(|w| w == "run" || w == "wrap")
        .filter(|&p| p > 0 && words[p - 1].ends_with("weft"))?;
    if words[pos] == "wrap" {
        return words.get(pos + 1).cloned();
    }
    let rest = &words[pos + 1..];
    let mut i = 0;
    let mut file = None;
    while i < rest.len() {
        let w = &rest[i];
        if w == "--overlap" || w == "-p" || w == "--param" || w == "-j" {
            i += 2;
            continue;
        }
        if !w.starts_with('-') {
            file = Some(w.clone());
        }
        i += 1;
    }
    file
}

/// Splits a command into words as `sh` would for plain and quoted words
/// (no expansions): enough to read weft's own lines back.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The crontab line `weft cron import` turned into this weft line:
/// `weft wrap NAME [...] -- SHELL -c 'COMMAND'` gives back `SCHEDULE
/// COMMAND` (its `%` escaped again for cron). `None` for other lines.
pub fn original_line(line: &WeftLine) -> Option<String> {
    // The words as sh gets them from cron (`\%` is `%` by then).
    let words = shell_words(&unescape_percent(&line.command)?);
    let wrap = words
        .iter()
        .position(|w| w == "wrap")
        .filter(|&p| p > 0 && words[p - 1].ends_with("weft"))?;
    let dash = wrap + words[wrap..].iter().position(|w| w == "--")?;
    match &words[dash + 1..] {
        [_shell, c, command] if c == "-c" => {
            Some(format!("{} {}", line.schedule, escape_percent(command)))
        }
        _ => None,
    }
}

/// Quotes a word for `sh` (single quotes unless it is plainly safe).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Escapes `%` for a crontab command (cron turns a bare `%` into a newline).
pub fn escape_percent(command: &str) -> String {
    command.replace('%', r"\%")
}

/// The command as `sh` receives it from cron, or `None` when it uses a
/// bare `%` (cron's "the rest is stdin"), which weft does not convert.
pub fn unescape_percent(command: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                out.push('%');
                chars.next();
            }
            '%' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A marked line: `SCHEDULE COMMAND # weft:ID`.
pub fn marked_line(schedule: &str, command: &str, id: &str) -> String {
    format!("{schedule} {command} {MARK}{id}")
}

/// An id not used by any weft line yet: `base`, else `base-2`, `base-3`...
pub fn free_id(table: &str, base: &str) -> String {
    let taken: Vec<String> = weft_lines(table).into_iter().map(|l| l.id).collect();
    let mut id = base.to_string();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The table with `line` appended (and a final newline, as cron wants).
pub fn append(table: &str, line: &str) -> String {
    let mut out = table.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out
}

/// The table without the weft lines `remove` picks; every other line is
/// kept byte for byte. Returns the new table and the removed lines.
pub fn remove(table: &str, remove: impl Fn(&WeftLine) -> bool) -> (String, Vec<WeftLine>) {
    replace(table, |l| remove(l).then_some(None))
}

/// The table with each weft line `with` picks (`Some`) replaced by the line
/// it gives, or dropped for `Some(None)`; every other line is kept byte for
/// byte. Returns the new table and the lines picked.
pub fn replace(
    table: &str,
    with: impl Fn(&WeftLine) -> Option<Option<String>>,
) -> (String, Vec<WeftLine>) {
    let mut out = String::new();
    let mut picked = Vec::new();
    for raw in table.split_inclusive('\n') {
        let line = raw.trim_end_matches('\n');
        let Some(w) = weft_lines(line).pop() else {
            out.push_str(raw);
            continue;
        };
        match with(&w) {
            None => out.push_str(raw),
            Some(new) => {
                if let Some(new) = new {
                    out.push_str(&new);
                    if raw.ends_with('\n') {
                        out.push('\n');
                    }
                }
                picked.push(w);
            }
        }
    }
    (out, picked)
}

/// How `weft cron import` converts the user's lines.
#[derive(Clone, Debug)]
pub enum ImportMode {
    /// Each job stays in the crontab as `weft wrap NAME -- sh -c '...'`.
    Wrap,
    /// Each job becomes a workflow file in `dir` with `schedule:`, and its
    /// crontab line is commented out (the daemon runs it from then on).
    Workflows { dir: String },
}

/// What import would do to one job line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The name given to the job (workflow and wrap name, and the weft id).
    pub name: String,
    pub old_line: String,
    pub new_line: String,
    /// A workflow file to write: (file name inside the dir, its text).
    pub file: Option<(String, String)>,
}

/// The result of planning an import: the new table, each conversion, and
/// the lines left alone with why.
#[derive(Clone, Debug, Default)]
pub struct ImportPlan {
    pub table: String,
    pub converted: Vec<Converted>,
    pub skipped: Vec<(String, String)>,
}

/// What the converted lines need to run under cron's minimal environment.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// `PATH=... WEFT_HOME=...` assignments (already shell-quoted), or empty.
    pub env_prefix: String,
    /// The absolute path of the weft binary (shell-quoted).
    pub weft: String,
    /// The user's home, where cron runs commands (the workflows' working_dir).
    pub home: Option<String>,
}

/// Plans `weft cron import`: converts every job that is not weft's own.
pub fn plan_import(table: &str, mode: &ImportMode, how: &Invocation) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let mut taken: Vec<String> = weft_lines(table).into_iter().map(|l| l.id).collect();
    let mut env: Vec<(String, String)> = Vec::new();
    for raw in table.split_inclusive('\n') {
        let line = raw.trim_end_matches('\n');
        let keep = |plan: &mut ImportPlan| plan.table.push_str(raw);
        match parse_line(line) {
            Line::Env { name, value } => {
                env.retain(|(n, _)| *n != name);
                env.push((name, value));
                keep(&mut plan);
            }
            Line::Job {
                schedule,
                command,
                id: None,
            } => {
                let Some(shell) = unescape_percent(&command) else {
                    plan.skipped.push((
                        line.to_string(),
                        "it uses `%` to feed stdin, which weft does not convert".into(),
                    ));
                    keep(&mut plan);
                    continue;
                };
                let name = unique(&job_name(&shell), &mut taken);
                let converted = match mode {
                    ImportMode::Wrap => {
                        // The command keeps running under the crontab's SHELL.
                        let cmd = format!(
                            "{}{} wrap {name} --cron -- {} -c {}",
                            how.env_prefix,
                            how.weft,
                            shell_quote(job_shell(&env).unwrap_or("sh")),
                            escape_percent(&shell_quote(&shell))
                        );
                        Converted {
                            new_line: marked_line(&schedule, &cmd, &name),
                            name,
                            old_line: line.to_string(),
                            file: None,
                        }
                    }
                    ImportMode::Workflows { dir } => {
                        let Some(cron) = (if schedule.starts_with('@') {
                            expand_macro(&schedule).map(str::to_string)
                        } else {
                            Some(schedule.clone())
                        }) else {
                            plan.skipped.push((
                                line.to_string(),
                                format!("`{schedule}` is not a time; leave it in the crontab"),
                            ));
                            keep(&mut plan);
                            continue;
                        };
                        let file = format!("{name}.yaml");
                        let text = workflow_text(&name, &cron, &shell, &env, how.home.as_deref());
                        Converted {
                            new_line: format!(
                                "# {line}  # moved by weft cron import to {dir}/{file}"
                            ),
                            name,
                            old_line: line.to_string(),
                            file: Some((file, text)),
                        }
                    }
                };
                plan.table.push_str(&converted.new_line);
                if raw.ends_with('\n') {
                    plan.table.push('\n');
                }
                plan.converted.push(converted);
            }
            Line::Unknown => {
                plan.skipped.push((
                    line.to_string(),
                    "cron would not read it as a job either".into(),
                ));
                keep(&mut plan);
            }
            _ => keep(&mut plan),
        }
    }
    plan
}

/// A workflow name from a command: its program's base name (`backup.sh`
/// gives `backup`), in the letters weft allows.
pub fn job_name(command: &str) -> String {
    let words = shell_words(command);
    let program = words
        .iter()
        .find(|w| !w.contains('=') && *w != "cd" && *w != "exec")
        .map(String::as_str)
        .unwrap_or("job");
    let base = program.rsplit('/').next().unwrap_or(program);
    let base = base.split('.').next().unwrap_or(base);
    let name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("job-{name}").trim_end_matches('-').to_string()
    } else {
        name
    }
}

fn unique(base: &str, taken: &mut Vec<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// A JSON string is a valid YAML double-quoted scalar.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The text of an imported job's workflow file.
fn workflow_text(
    name: &str,
    cron: &str,
    shell: &str,
    env: &[(String, String)],
    home: Option<&str>,
) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Imported from your crontab by `weft cron import`.");
    let _ = writeln!(t, "name: {name}");
    let tz = env
        .iter()
        .find(|(n, _)| n == "CRON_TZ" || n == "TZ")
        .map(|(_, v)| v.clone());
    let _ = write!(t, "schedule:\n  - cron: {}", yaml_str(cron));
    if let Some(tz) = tz {
        let _ = write!(t, "\n    timezone: {}", yaml_str(&tz));
    }
    t.push('\n');
    let vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "MAILTO" | "MAILFROM" | "CRON_TZ" | "TZ"))
        .collect();
    if !vars.is_empty() {
        t.push_str("env:\n");
        for (n, v) in vars {
            let v = if n == "PATH" {
                path_union(v, "")
            } else {
                v.clone()
            };
            let _ = writeln!(t, "  {n}: {}", yaml_str(&v));
        }
    }
    let _ = writeln!(t, "tasks:\n  {}:", name.replace('.', "_"));
    if let Some(home) = home {
        let _ = writeln!(t, "    working_dir: {}", yaml_str(home));
    }
    let line = yaml_str(&crate::workflow::template::literal(shell));
    match job_shell(env) {
        // cron runs the line with `$SHELL -c`; so does the task.
        Some(sh) => {
            let _ = writeln!(t, "    exec: [{}, \"-c\", {line}]", yaml_str(sh));
        }
        None => {
            let _ = writeln!(t, "    run: {line}");
        }
    }
    t
}

/// The shell a crontab's `SHELL=` names for the jobs below it (cron's
/// default, `/bin/sh`, when none does).
fn job_shell(env: &[(String, String)]) -> Option<&str> {
    env.iter()
        .rev()
        .find(|(n, v)| n == "SHELL" && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// The entries of the `PATH` `first`, then those of `then` it lacks, each
/// once, in order (empty entries dropped): adding one `PATH` to another
/// repeats nothing.
pub fn path_union(first: &str, then: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for entry in first.split(':').chain(then.split(':')) {
        if !entry.is_empty() && !seen.contains(&entry) {
            seen.push(entry);
        }
    }
    seen.join(":")
}

/// A unified-style diff of two tables: removed lines with `-`, added with
/// `+`, unchanged ones with two spaces.
pub fn diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence; crontabs are small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "  {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", b[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "MAILTO=me@example.com\n# nightly things\n30 2 * * * /home/me/bin/backup.sh --full > /tmp/b.log 2>&1\n@reboot /usr/bin/start-thing\n*/5 * * * * date +\\%s >> /tmp/ticks\n0 3 * * * /usr/bin/weft run /w/nightly.yaml # weft:nightly\n";

    #[test]
    fn lines_are_classified() {
        assert_eq!(parse_line("# x"), Line::Blank);
        assert_eq!(
            parse_line("MAILTO=\"a@b\""),
            Line::Env {
                name: "MAILTO".into(),
                value: "a@b".into()
            }
        );
        assert_eq!(
            parse_line("0  3 * * 1-5   echo hi # weft:x"),
            Line::Job {
                schedule: "0 3 * * 1-5".into(),
                command: "echo hi".into(),
                id: Some("x".into())
            }
        );
        assert_eq!(
            parse_line("@daily echo a=b"),
            Line::Job {
                schedule: "@daily".into(),
                command: "echo a=b".into(),
                id: None
            }
        );
        assert_eq!(parse_line("0 3 * *"), Line::Unknown);
    }

    #[test]
    fn schedules_are_checked_field_by_field() {
        assert_eq!(check_schedule(" 0  3 * * 1-5 ").unwrap(), "0 3 * * 1-5");
        for ok in [
            "*/15 * * * *",
            "0 0 1,15 jan-jun mon",
            "0 22 * * 7",
            "@hourly",
            "@reboot",
        ] {
            assert!(check_schedule(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_schedule("0 25 * * *").unwrap_err().to_string(),
            "`25` is not a valid hour (expected 0-23) in `0 25 * * *`"
        );
        assert!(matches!(
            check_schedule("0 3 * *"),
            Err(ScheduleError::FieldCount(_, 4))
        ));
        assert!(check_schedule("*/0 * * * *").is_err());
        assert!(check_schedule("5-1 * * * *").is_err());
        assert!(check_schedule("@sometimes").is_err());
    }

    #[test]
    fn weft_lines_are_found_and_removed_without_touching_others() {
        let found = weft_lines(TABLE);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "nightly");
        assert_eq!(found[0].schedule, "0 3 * * *");
        assert_eq!(found[0].target.as_deref(), Some("/w/nightly.yaml"));
        let (left, removed) = remove(TABLE, |l| l.id == "nightly");
        assert_eq!(removed.len(), 1);
        assert_eq!(left, TABLE.replace(&format!("{}\n", found[0].line), ""));
        let (same, none) = remove(TABLE, |l| l.id == "other");
        assert!(none.is_empty());
        assert_eq!(same, TABLE);
    }

    #[test]
    fn ids_stay_unique_and_appending_keeps_a_final_newline() {
        assert_eq!(free_id(TABLE, "nightly"), "nightly-2");
        assert_eq!(free_id(TABLE, "backup"), "backup");
        assert_eq!(append("a b c d e f", "x"), "a b c d e f\nx\n");
        assert_eq!(append("", "x"), "x\n");
    }

    #[test]
    fn the_targets_of_run_and_wrap_lines_are_read_back() {
        assert_eq!(
            target_of("PATH='/a b' /x/weft run --overlap skip '/w/my wf.yaml'").as_deref(),
            Some("/w/my wf.yaml")
        );
        assert_eq!(
            target_of("/x/weft wrap backup -- sh -c 'b.sh'").as_deref(),
            Some("backup")
        );
        assert_eq!(target_of("echo run x"), None);
    }

    fn how() -> Invocation {
        Invocation {
            env_prefix: "PATH=/usr/bin ".into(),
            weft: "/opt/weft".into(),
            home: Some("/home/me".into()),
        }
    }

    #[test]
    fn import_wraps_each_job_in_place_and_leaves_the_rest() {
        let plan = plan_import(TABLE, &ImportMode::Wrap, &how());
        let names: Vec<&str> = plan.converted.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["backup", "start-thing", "date"]);
        assert_eq!(
            plan.converted[0].new_line,
            "30 2 * * * PATH=/usr/bin /opt/weft wrap backup --cron -- sh -c '/home/me/bin/backup.sh --full > /tmp/b.log 2>&1' # weft:backup"
        );
        // `\%` stays escaped for cron, inside the quoted command.
        assert_eq!(
            plan.converted[2].new_line,
            "*/5 * * * * PATH=/usr/bin /opt/weft wrap date --cron -- sh -c 'date +\\%s >> /tmp/ticks' # weft:date"
        );
        assert!(
            plan.table
                .starts_with("MAILTO=me@example.com\n# nightly things\n")
        );
        assert!(plan.table.ends_with("/w/nightly.yaml # weft:nightly\n"));
        assert_eq!(plan.table.lines().count(), TABLE.lines().count());
        // Importing again changes nothing: every job is weft's now.
        let again = plan_import(&plan.table, &ImportMode::Wrap, &how());
        assert!(again.converted.is_empty());
        assert_eq!(again.table, plan.table);
    }

    #[test]
    fn import_into_workflows_writes_a_schedule_and_comments_the_line_out() {
        let mode = ImportMode::Workflows { dir: "/w".into() };
        let plan = plan_import(TABLE, &mode, &how());
        assert_eq!(plan.converted.len(), 2, "{:?}", plan.converted);
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].0.starts_with("@reboot"));
        let (file, text) = plan.converted[1].file.clone().unwrap();
        assert_eq!(file, "date.yaml");
        assert_eq!(
            text,
            "# Imported from your crontab by `weft cron import`.\nname: date\nschedule:\n  - cron: \"*/5 * * * *\"\ntasks:\n  date:\n    working_dir: \"/home/me\"\n    run: \"date +%s >> /tmp/ticks\"\n"
        );
        assert!(plan.table.contains(
            "# */5 * * * * date +\\%s >> /tmp/ticks  # moved by weft cron import to /w/date.yaml\n"
        ));
    }

    #[test]
    fn removing_an_imported_line_gives_back_the_original() {
        let plan = plan_import(TABLE, &ImportMode::Wrap, &how());
        let imported = weft_lines(&plan.table);
        assert_eq!(imported.len(), 4);
        assert_eq!(
            original_line(&imported[0]).as_deref(),
            Some("30 2 * * * /home/me/bin/backup.sh --full > /tmp/b.log 2>&1")
        );
        // Every imported line back in place: the table as it was.
        let (back, picked) = replace(&plan.table, |l| Some(original_line(l)));
        assert_eq!(picked.len(), 4);
        let nightly = "0 3 * * * /usr/bin/weft run /w/nightly.yaml # weft:nightly\n";
        assert_eq!(back, TABLE.replace(nightly, ""));
        // `weft cron install`'s lines and hand-made ones have no original.
        assert_eq!(original_line(&weft_lines(TABLE)[0]), None);
        let odd = weft_lines("* * * * * /x/weft wrap a -- sh -c 'x' y # weft:a\n");
        assert_eq!(original_line(&odd[0]), None);
        // A bare word with `\%`, and quotes in the command, survive the trip.
        for line in [
            "* * * * * /bin/stamp\\%d",
            "0 1 * * * echo 'it'\"'\"'s' \"$HOME\" > /tmp/x",
        ] {
            let plan = plan_import(&format!("{line}\n"), &ImportMode::Wrap, &how());
            let (back, _) = replace(&plan.table, |l| Some(original_line(l)));
            assert_eq!(back, format!("{line}\n"), "{}", plan.table);
        }
    }

    #[test]
    fn import_keeps_the_crontabs_shell_and_path() {
        let table = "SHELL=/bin/bash\nPATH=/opt/bin:/usr/bin:/bin:/usr/bin\n0 1 * * * [[ -d /tmp ]] && echo $'a\\tb'\n";
        let plan = plan_import(table, &ImportMode::Wrap, &how());
        assert!(
            plan.converted[0]
                .new_line
                .contains(" wrap job --cron -- /bin/bash -c '[[ -d /tmp ]] && echo $'\\''a\\tb'\\''' # weft:job"),
            "{}",
            plan.converted[0].new_line
        );
        let mode = ImportMode::Workflows { dir: "/w".into() };
        let (_, text) = plan_import(table, &mode, &how()).converted[0]
            .file
            .clone()
            .unwrap();
        assert!(
            text.contains("env:\n  SHELL: \"/bin/bash\"\n  PATH: \"/opt/bin:/usr/bin:/bin\"\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "    exec: [\"/bin/bash\", \"-c\", \"[[ -d /tmp ]] && echo $'a\\\\tb'\"]\n"
            ),
            "{text}"
        );
        assert_eq!(
            env_value(table, "PATH").as_deref(),
            Some("/opt/bin:/usr/bin:/bin:/usr/bin")
        );
        assert_eq!(env_value(table, "MAILTO"), None);
        assert_eq!(path_union("/a:/b::/a", "/b:/c:/a"), "/a:/b:/c");
        assert_eq!(path_union("", "/c"), "/c");
    }

    #[test]
    fn a_bare_percent_is_left_alone() {
        let plan = plan_import("0 1 * * * mail -s hi me%body\n", &ImportMode::Wrap, &how());
        assert!(plan.converted.is_empty());
        assert_eq!(plan.table, "0 1 * * * mail -s hi me%body\n");
        assert_eq!(plan.skipped.len(), 1);
    }

    #[test]
    fn job_names_come_from_the_program() {
        assert_eq!(job_name("/home/me/bin/backup.sh --full"), "backup");
        assert_eq!(job_name("cd /srv && make"), "srv");
        assert_eq!(job_name("FOO=1 python3 x.py"), "python3");
        assert_eq!(job_name("7z a x"), "job-7z");
    }

    #[test]
    fn the_diff_marks_changed_lines() {
        assert_eq!(
            diff("a\nb\nc\n", "a\nB\nc\nd\n"),
            "  a\n- b\n+ B\n  c\n+ d\n"
        );
    }

    #[test]
    fn quoting_is_sh_safe() {
        assert_eq!(shell_quote("/a/b.yaml"), "/a/b.yaml");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_words(&shell_quote("it's $x")), ["it's $x"]);
    }
}
