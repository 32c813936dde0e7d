//! Templates in workflow fields (minijinja, strict undefined): finding the
//! variables a template refers to, so validation can check them before
//! anything runs, and rendering them against a run's context.
//!
//! Comments use `{##` and `##}` instead of Jinja's `{#`, so shell code such
//! as `${#array[@]}` is left alone.
//!
//! A `run:` field is shell code, so a value interpolated into it is escaped
//! for the shell quoting context it stands in ([`Templates::render_shell`]),
//! the way an HTML template engine escapes for HTML: bare, it becomes one
//! single-quoted word; inside `'…'`, `"…"` or `$'…'` it is escaped to stay
//! literal there. `| raw` opts out. Every render is bounded: minijinja fuel
//! caps the steps, and the output may not exceed [`MAX_OUTPUT`] bytes.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value};
use std::io;

/// The most bytes one rendered field may have.
pub const MAX_OUTPUT: usize = 1 << 20;

/// The most steps (minijinja instructions) one render may take.
pub const FUEL: u64 = 1_000_000;

/// The template name that turns on shell escaping.
const SHELL: &str = "shell";

/// Marks an escaped value in the first pass of a shell render: the value's
/// bytes in hex between these two private-use characters, so no value can
/// change the quoting of the code around it before it is escaped.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Template(String),
    #[error("template output exceeds {} MiB", MAX_OUTPUT >> 20)]
    TooLarge,
    #[error("template takes more than {FUEL} steps to evaluate")]
    OutOfFuel,
}

/// The template engine with weft's settings.
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// `text` as a template that renders to exactly `text` (for text weft
/// writes into a workflow: a wrapped command, an imported cron line).
pub fn literal(text: &str) -> String {
    if is_templated(text) {
        format!("{{% raw %}}{text}{{% endraw %}}")
    } else {
        text.to_string()
    }
}

/// Whether a field is a template at all; plain text is used as written.
pub fn is_templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = SyntaxConfig::builder()
            .comment_delimiters("{##", "##}")
            .keep_trailing_newline(true)
            .build()
            .expect("static delimiters are valid");
        env.set_syntax(syntax);
        env.set_fuel(Some(FUEL));
        env.set_auto_escape_callback(|name| {
            if name == SHELL {
                AutoEscape::Custom(SHELL.into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(format_value);
        env.add_filter("raw", raw);
        Templates { env }
    }

    /// The variables a template reads, as dotted paths
    /// (`tasks.build.outputs.artifact`), sorted. Text that is not a template
    /// has none.
    pub fn references(&self, text: &str) -> Result<Vec<String>, String> {
        if !is_templated(text) {
            return Ok(Vec::new());
        }
        let tmpl = self.env.template_from_str(text).map_err(|e| describe(&e))?;
        let mut refs: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
        refs.sort();
        Ok(refs)
    }

    /// The variables an `if:` condition reads. A condition is either a
    /// template (`{{ not params.dry_run }}`) or a bare expression
    /// (`not params.dry_run`).
    pub fn condition_references(&self, text: &str) -> Result<Vec<String>, String> {
        if is_templated(text) {
            return self.references(text);
        }
        let expr = self
            .env
            .compile_expression(text)
            .map_err(|e| describe(&e))?;
        let mut refs: Vec<String> = expr.undeclared_variables(true).into_iter().collect();
        refs.sort();
        Ok(refs)
    }

    /// Renders a field; text that is not a template comes back unchanged.
    pub fn render(&self, text: &str, ctx: &serde_json::Value) -> Result<String, RenderError> {
        if !is_templated(text) {
            return Ok(text.to_string());
        }
        self.bounded("<string>", text, ctx, MAX_OUTPUT)
    }

    /// Renders a `run:` field: shell code, where every `{{ }}` value is
    /// escaped for the quoting context it stands in, so it arrives as one
    /// literal word or string whatever it contains; `| raw` inserts a
    /// value as code.
    pub fn render_shell(&self, text: &str, ctx: &serde_json::Value) -> Result<String, RenderError> {
        if !is_templated(text) {
            return Ok(text.to_string());
        }
        // Hex doubles a value's size in the first pass; the final size is
        // checked again after escaping.
        let marked = self.bounded(SHELL, text, ctx, 3 * MAX_OUTPUT)?;
        let out = shell_substitute(&marked)?;
        if out.len() > MAX_OUTPUT {
            return Err(RenderError::TooLarge);
        }
        Ok(out)
    }

    /// Renders with the fuel and size limits.
    fn bounded(
        &self,
        name: &'static str,
        text: &str,
        ctx: &serde_json::Value,
        limit: usize,
    ) -> Result<String, RenderError> {
        let tmpl = self
            .env
            .template_from_named_str(name, text)
            .map_err(|e| RenderError::Template(describe(&e)))?;
        let mut out = Capped {
            buf: Vec::new(),
            limit,
            over: false,
        };
        let result = tmpl.render_captured_to(Value::from(minijinja::value::Serde(ctx)), &mut out);
        if out.over {
            return Err(RenderError::TooLarge);
        }
        match result {
            Ok(_) => String::from_utf8(out.buf)
                .map_err(|_| RenderError::Template("output is not UTF-8".into())),
            Err(e) if e.kind() == ErrorKind::OutOfFuel => Err(RenderError::OutOfFuel),
            Err(e) => Err(RenderError::Template(describe(&e))),
        }
    }

    /// Evaluates an `if:` condition. A template is true unless it renders to
    /// empty, `false`, `0`, `no` or `none` (any case).
    pub fn condition(&self, text: &str, ctx: &serde_json::Value) -> Result<bool, RenderError> {
        if is_templated(text) {
            let out = self.render(text, ctx)?;
            let t = out.trim().to_ascii_lowercase();
            return Ok(!matches!(t.as_str(), "" | "false" | "0" | "no" | "none"));
        }
        let expr = self
            .env
            .compile_expression(text)
            .map_err(|e| RenderError::Template(describe(&e)))?;
        expr.eval(Value::from(minijinja::value::Serde(ctx)))
            .map(|v| v.is_true())
            .map_err(|e| match e.kind() {
                ErrorKind::OutOfFuel => RenderError::OutOfFuel,
                _ => RenderError::Template(describe(&e)),
            })
    }
}

/// An output that refuses to grow past `limit` bytes.
struct Capped {
    buf: Vec<u8>,
    limit: usize,
    over: bool,
}

impl io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.limit {
            self.over = true;
            return Err(io::Error::other("template output is too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `| raw`: the value as code, not escaped.
fn raw(value: Value) -> Value {
    match value.as_str() {
        Some(s) => Value::from_safe_string(s.to_string()),
        None => Value::from_safe_string(value.to_string()),
    }
}

/// Writes a value: in a shell template, marked for escaping (or as is, if
/// `| raw`); elsewhere as minijinja would.
fn format_value(
    out: &mut Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if *state.auto_escape() != AutoEscape::Custom(SHELL.into()) {
        return minijinja::escape_formatter(out, &mut *state, value);
    }
    let owned;
    let text = match value.as_str() {
        Some(s) if value.is_safe() => return out.write_str(s).map_err(minijinja::Error::from),
        Some(s) => s,
        None => {
            owned = value.to_string();
            owned.as_str()
        }
    };
    // Written in pieces, so a huge value trips the output cap after its
    // first megabytes instead of being copied whole first.
    const PIECE: usize = 16 << 10;
    let mut marked = String::with_capacity(PIECE + 8);
    marked.push(OPEN);
    for b in text.bytes() {
        marked.push(char::from(HEX[usize::from(b >> 4)]));
        marked.push(char::from(HEX[usize::from(b & 15)]));
        if marked.len() >= PIECE {
            out.write_str(&marked).map_err(minijinja::Error::from)?;
            marked.clear();
        }
    }
    marked.push(CLOSE);
    out.write_str(&marked).map_err(minijinja::Error::from)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The value between the markers at the start of `s` (after `OPEN`), and
/// the bytes the marked value takes; `None` if `s` is not a marked value.
fn unmark(s: &str) -> Option<(String, usize)> {
    let end = s.find(CLOSE)?;
    let hex = &s.as_bytes()[..end];
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = hex
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect::<Option<Vec<u8>>>()?;
    Some((String::from_utf8(bytes).ok()?, end + CLOSE.len_utf8()))
}

/// Where a value stands in shell code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// Outside quotes (also in `$(…)` and backticks).
    Bare,
    /// Inside `'…'`.
    Single,
    /// Inside `"…"`.
    Double,
    /// Inside `$'…'`.
    Ansi,
    /// In the body of a here-document whose delimiter is not quoted.
    Heredoc,
    /// In the body of a here-document whose delimiter is quoted.
    QuotedHeredoc,
    /// Outside quotes inside backticks, where `\\`, `` ` `` and `$` are
    /// escapes before the command inside is read.
    Backtick,
    /// In a `#` comment.
    Comment,
}

/// `value` escaped so that, standing in `quoting`, the shell reads it as
/// exactly `value`: one word when bare, literal text inside quotes.
pub fn shell_escape(value: &str, quoting: Quoting) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    match quoting {
        Quoting::Bare => {
            out.push('\'');
            out.push_str(&value.replace('\'', "'\\''"));
            out.push('\'');
        }
        Quoting::Backtick => {
            for c in shell_escape(value, Quoting::Bare).chars() {
                if matches!(c, '\\' | '`' | '$') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        Quoting::Single => out.push_str(&value.replace('\'', "'\\''")),
        Quoting::Double | Quoting::Heredoc => {
            for c in value.chars() {
                let special = match c {
                    '$' | '`' | '\\' => true,
                    '"' => quoting == Quoting::Double,
                    _ => false,
                };
                if special {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        Quoting::Ansi => {
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    '\n' => out.push_str("\\n"),
                    _ => out.push(c),
                }
            }
        }
        Quoting::QuotedHeredoc => out.push_str(value),
        // A newline would end the comment and run the rest as code.
        Quoting::Comment => out.push_str(&value.replace(['\n', '\r'], " ")),
    }
    out
}

/// A frame of the quoting stack.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Frame {
    /// Bare code: the top level, `$(…)` (`parens` open inside it) or
    /// backticks.
    Code {
        parens: usize,
        backtick: bool,
        sub: bool,
    },
    Single,
    Double,
    Ansi,
    /// A `#` comment, to the end of the line.
    Comment,
}

/// The second pass of a shell render: walks the code with a small shell
/// quoting state machine and replaces each marked value with the value
/// escaped for where it stands.
fn shell_substitute(marked: &str) -> Result<String, RenderError> {
    let mut out = String::with_capacity(marked.len());
    let mut stack = vec![Frame::Code {
        parens: 0,
        backtick: false,
        sub: false,
    }];
    // Here-documents whose bodies start at the next newline:
    // (delimiter, quoted, strip leading tabs).
    let mut pending: Vec<(String, bool, bool)> = Vec::new();
    // The here-document being read: its body lines until the delimiter.
    let mut heredoc: Option<(String, bool, bool)> = None;
    let mut line_start = true;
    let mut prev: Option<char> = None;
    // The code just before is an unescaped `$` or `\\`, which would change
    // the meaning of the value's first character.
    let mut dangling = false;
    let mut rest = marked;
    while let Some(c) = rest.chars().next() {
        if c == OPEN
            && let Some((value, used)) = unmark(&rest[c.len_utf8()..])
        {
            let quoting = match (&heredoc, stack.last()) {
                (Some((_, true, _)), _) => Quoting::QuotedHeredoc,
                (Some(_), _) => Quoting::Heredoc,
                (None, Some(Frame::Single)) => Quoting::Single,
                (None, Some(Frame::Double)) => Quoting::Double,
                (None, Some(Frame::Ansi)) => Quoting::Ansi,
                (None, Some(Frame::Comment)) => Quoting::Comment,
                (None, Some(Frame::Code { backtick: true, .. })) => Quoting::Backtick,
                (None, _) => Quoting::Bare,
            };
            if dangling {
                return Err(RenderError::Template(
                    "a `{{ }}` right after `$` or `\\` in shell code cannot be escaped; \
                     write the value on its own (`{{ x }}`, not `${{ x }}`), or use `| raw` \
                     for code"
                        .into(),
                ));
            }
            if let Some((delim, _, strip)) = &heredoc
                && value.split('\n').any(|l| {
                    let l = if *strip {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    l == delim
                })
            {
                return Err(RenderError::Template(format!(
                    "a value has a line `{delim}`, which would end the here-document"
                )));
            }
            out.push_str(&shell_escape(&value, quoting));
            rest = &rest[c.len_utf8() + used..];
            prev = Some('x');
            line_start = false;
            continue;
        }
        let len = c.len_utf8();
        let next = rest[len..].chars().next();
        // Inside a here-document body: only the delimiter line ends it.
        if let Some((delim, _, strip)) = &heredoc {
            if line_start {
                let line = rest.split('\n').next().unwrap_or("");
                let line = if *strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == delim {
                    heredoc = None;
                }
            }
            out.push(c);
            dangling = heredoc.as_ref().is_some_and(|h| !h.1)
                && (c == '$' || (c == '\\' && prev != Some('\\')));
            prev = Some(c);
            line_start = c == '\n';
            if line_start && heredoc.is_none() && !pending.is_empty() {
                heredoc = Some(pending.remove(0));
            }
            rest = &rest[len..];
            continue;
        }
        let mut take = len;
        match stack.last_mut() {
            Some(Frame::Single) if c == '\'' => {
                stack.pop();
            }
            Some(Frame::Single) => {}
            Some(Frame::Comment) if c == '\n' => {
                stack.pop();
            }
            Some(Frame::Comment) => {}
            Some(Frame::Ansi) => match c {
                '\\' => take += next.map_or(0, char::len_utf8),
                '\'' => {
                    stack.pop();
                }
                _ => {}
            },
            Some(Frame::Double) => match c {
                '\\' => take += next.map_or(0, char::len_utf8),
                '"' => {
                    stack.pop();
                }
                '$' if next == Some('(') => {
                    take += 1;
                    stack.push(Frame::Code {
                        parens: 0,
                        backtick: false,
                        sub: true,
                    });
                }
                '`' => stack.push(Frame::Code {
                    parens: 0,
                    backtick: true,
                    sub: true,
                }),
                _ => {}
            },
            Some(Frame::Code {
                parens,
                backtick,
                sub,
            }) => {
                let word_start = prev.is_none_or(|p| p.is_whitespace() || ";&|()<>".contains(p));
                match c {
                    '\\' => take += next.map_or(0, char::len_utf8),
                    '#' if word_start => stack.push(Frame::Comment),
                    '\'' => stack.push(Frame::Single),
                    '"' => stack.push(Frame::Double),
                    '$' if next == Some('\'') => {
                        take += 1;
                        stack.push(Frame::Ansi);
                    }
                    '$' if next == Some('(') => {
                        take += 1;
                        stack.push(Frame::Code {
                            parens: 0,
                            backtick: false,
                            sub: true,
                        });
                    }
                    '(' if *sub && !*backtick => *parens += 1,
                    ')' if *sub && !*backtick => {
                        if *parens == 0 {
                            stack.pop();
                        } else {
                            *parens -= 1;
                        }
                    }
                    '`' if *backtick => {
                        stack.pop();
                    }
                    '`' => stack.push(Frame::Code {
                        parens: 0,
                        backtick: true,
                        sub: true,
                    }),
                    '<' if next == Some('<') && !rest[2..].starts_with('<') => {
                        take = 2;
                        if let Some((delim, quoted, strip, used)) = heredoc_word(&rest[2..]) {
                            pending.push((delim, quoted, strip));
                            take += used;
                        }
                    }
                    _ => {}
                }
                if stack.is_empty() {
                    stack.push(Frame::Code {
                        parens: 0,
                        backtick: false,
                        sub: false,
                    });
                }
            }
            None => {}
        }
        let taken = &rest[..take.min(rest.len())];
        // A marked value inside a span taken whole (after a backslash, a
        // here-document's word): the next round handles it.
        let taken = match taken.find(OPEN) {
            Some(0) | None => taken,
            Some(i) => &taken[..i],
        };
        let special = !matches!(stack.last(), Some(Frame::Single | Frame::Comment));
        dangling = special && (taken == "$" || taken == "\\");
        out.push_str(taken);
        prev = taken.chars().last();
        if taken.contains('\n') {
            line_start = true;
            if heredoc.is_none() && !pending.is_empty() {
                heredoc = Some(pending.remove(0));
            }
        } else {
            line_start = false;
        }
        rest = &rest[taken.len()..];
    }
    Ok(out)
}

/// The delimiter after `<<`: (word, quoted, strip tabs, bytes used).
fn heredoc_word(s: &str) -> Option<(String, bool, bool, usize)> {
    let mut used = 0;
    let strip = s.starts_with('-');
    if strip {
        used += 1;
    }
    let after = &s[used..];
    let trimmed = after.trim_start_matches([' ', '\t']);
    used += after.len() - trimmed.len();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = trimmed.char_indices().peekable();
    let mut end = trimmed.len();
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quoted = true;
                quote = Some(c);
            }
            (None, '\\') => {
                quoted = true;
                if let Some((_, n)) = chars.next() {
                    word.push(n);
                }
            }
            (None, c) if c.is_whitespace() || ";&|()<>".contains(c) || c == OPEN => {
                end = i;
                break;
            }
            (None, c) => word.push(c),
        }
    }
    if word.is_empty() {
        return None;
    }
    Some((word, quoted, strip, used + end))
}

/// minijinja's message without its own location prefix or source dump.
fn describe(e: &minijinja::Error) -> String {
    let mut msg = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    if e.kind() == minijinja::ErrorKind::UndefinedError {
        msg = "undefined value".to_string();
        if let Some(detail) = e.detail() {
            msg = format!("undefined value: {detail}");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_dotted_paths() {
        let t = Templates::new();
        let refs = t
            .references("cp {{ tasks.build.outputs.artifact }} {{ params.dest }}-{{ run.id }}")
            .unwrap();
        assert_eq!(
            refs,
            ["params.dest", "run.id", "tasks.build.outputs.artifact"]
        );
        assert!(t.references("echo ${#x[@]} plain").unwrap().is_empty());
    }

    #[test]
    fn shell_length_syntax_survives_inside_templates() {
        let t = Templates::new();
        let out = t
            .render(
                "a=(1 2); echo ${#a[@]} {{ params.x }}",
                &json!({"params": {"x": 7}}),
            )
            .unwrap();
        assert_eq!(out, "a=(1 2); echo ${#a[@]} 7");
    }

    #[test]
    fn rendering_is_strict_about_undefined_values() {
        let t = Templates::new();
        let err = t
            .render("{{ params.nope }}", &json!({"params": {}}))
            .unwrap_err();
        assert!(err.to_string().contains("undefined"), "{err}");
        assert!(t.references("{{ oops").is_err());
    }

    #[test]
    fn conditions_accept_templates_and_bare_expressions() {
        let t = Templates::new();
        let ctx = json!({"params": {"dry_run": false, "n": 3}});
        assert!(t.condition("{{ not params.dry_run }}", &ctx).unwrap());
        assert!(!t.condition("params.dry_run", &ctx).unwrap());
        assert!(t.condition("params.n > 2", &ctx).unwrap());
        assert!(!t.condition("{{ params.n > 5 }}", &ctx).unwrap());
        assert_eq!(
            t.condition_references("params.n > 2 and tasks.a.outputs.ok")
                .unwrap(),
            ["params.n", "tasks.a.outputs.ok"]
        );
    }
}

#[cfg(test)]
mod proptests {
    //! Random templates never panic; a random value interpolated into a
    //! `run:` line reaches the shell as exactly itself, in every context.
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{{".to_string()),
            Just("}}".to_string()),
            Just("{%".to_string()),
            Just("%}".to_string()),
            Just("{#".to_string()),
            Just(" params.v ".to_string()),
            Just(" | raw ".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("$".to_string()),
            Just("`".to_string()),
            Just("\\".to_string()),
            Just("\n".to_string()),
            Just(" for x in range(3) ".to_string()),
            Just(" endfor ".to_string()),
            Just("<<EOF".to_string()),
            "[ -~]{0,6}",
        ]
    }

    fn ctx(v: &str) -> serde_json::Value {
        json!({"params": {"v": v}, "run": {"id": "r", "status": "succeeded"}})
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn no_template_panics(parts in proptest::collection::vec(piece(), 0..12), v in "\\PC{0,8}") {
            let text: String = parts.concat();
            let t = Templates::new();
            let _ = t.references(&text);
            let _ = t.condition_references(&text);
            let _ = t.render(&text, &ctx(&v));
            let _ = t.render_shell(&text, &ctx(&v));
            let _ = t.condition(&text, &ctx(&v));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn a_value_reaches_the_shell_as_itself(v in "[^\\x00]{0,12}") {
            let t = Templates::new();
            for code in [
                "printf %s {{ params.v }}",
                "printf %s '{{ params.v }}'",
                "printf %s \"{{ params.v }}\"",
                "printf %s \"$(printf %s {{ params.v }})\"",
            ] {
                let line = t.render_shell(code, &ctx(&v)).expect("renders");
                let out = std::process::Command::new("bash")
                    .args(["-c", &line])
                    .output()
                    .expect("bash runs");
                let got = String::from_utf8_lossy(&out.stdout).into_owned();
                // `$(…)` drops trailing newlines, as the shell always does.
                let want = if code.contains("$(") { v.trim_end_matches('\n') } else { v.as_str() };
                prop_assert_eq!(got.as_str(), want, "{} rendered {}", code, line);
            }
        }
    }
}
