//! Problems found in a workflow file, and their rendering as text: what,
//! where (`file:line:col`, the source line, a caret under the spot) and how
//! to fix it. Rendering returns a `String`; printing is the caller's job.

use super::yaml::Loc;
use std::fmt::Write;

/// One problem in a workflow file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    pub loc: Loc,
    /// How many characters the caret underlines (at least one).
    pub len: usize,
    /// A hint: how to fix it, or "did you mean `x`?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(loc: Loc, len: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            loc,
            len,
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Every problem in one file, with what is needed to show them.
#[derive(Clone, Debug)]
pub struct Report {
    pub file: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// All problems, in file order, each as a rustc-style block.
    pub fn render(&self) -> String {
        let mut diags = self.diagnostics.clone();
        diags.sort_by_key(|d| d.loc);
        let mut out = String::new();
        for d in &diags {
            render_one(&mut out, &self.file, &self.source, d);
        }
        out
    }
}

fn render_one(out: &mut String, file: &str, source: &str, d: &Diagnostic) {
    let line_no = d.loc.line.max(1);
    let col = d.loc.col.max(1) as usize;
    let text = source
        .lines()
        .nth(line_no as usize - 1)
        .unwrap_or("")
        .trim_end();
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "error: {}", d.message);
    let _ = writeln!(out, "{pad}--> {file}:{line_no}:{col}");
    let _ = writeln!(out, "{pad} |");
    if text.is_empty() {
        let _ = writeln!(out, "{line_no} |");
    } else {
        let _ = writeln!(out, "{line_no} | {text}");
    }
    let indent: String = text
        .chars()
        .take(col - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{pad} | {indent}{}", "^".repeat(d.len.max(1)));
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out.push('\n');
}

/// The closest candidate within a small edit distance, for "did you mean".
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (word.chars().count() / 3).max(2);
    // A shortened or lengthened word (`language` for `lang`) counts as close.
    let prefix =
        |c: &str| c.len() >= 3 && word.len() >= 3 && (word.starts_with(c) || c.starts_with(word));
    candidates
        .into_iter()
        .map(|c| (if prefix(c) { 1 } else { edit_distance(word, c) }, c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_shows_file_line_caret_and_help() {
        let report = Report {
            file: "w.yaml".into(),
            source: "name: x\ntasks:\n  a:\n    nedds: [b]\n".into(),
            diagnostics: vec![
                Diagnostic::new(
                    Loc { line: 4, col: 5 },
                    5,
                    "unknown key `nedds` in task `a`",
                )
                .help("did you mean `needs`?"),
            ],
        };
        assert_eq!(
            report.render(),
            "error: unknown key `nedds` in task `a`\n --> w.yaml:4:5\n  |\n4 |     nedds: [b]\n  |     ^^^^^\n  = help: did you mean `needs`?\n\n"
        );
    }

    #[test]
    fn suggestions_need_a_close_match() {
        assert_eq!(
            did_you_mean("biuld", ["build", "test"]),
            Some("did you mean `build`?".into())
        );
        assert_eq!(did_you_mean("zzzzzz", ["build", "test"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
