//! Task output as a foreground run prints it, as `docker compose up` does:
//! each line after its task's name, names aligned and (on a terminal)
//! coloured per task. Only formatting: the lines come from the engine's
//! output channel, fed by the log writers.

use super::Style;
use crate::store::{Stream, strip_escapes};
use std::collections::HashMap;

/// Colours that read on dark and light backgrounds, one per task in turn.
const COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

pub struct TaskLines {
    style: Style,
    width: usize,
    colours: HashMap<String, &'static str>,
}

impl TaskLines {
    /// For tasks named `names`, in the workflow's order.
    pub fn new<'a>(style: Style, names: impl IntoIterator<Item = &'a str>) -> TaskLines {
        let mut colours = HashMap::new();
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width = width.max(name.chars().count());
            colours.insert(name.to_string(), COLOURS[i % COLOURS.len()]);
        }
        TaskLines {
            style,
            width,
            colours,
        }
    }

    /// The line to print for a piece of `task`'s output. A PTY's output is
    /// shown as text: what follows the last `\r`, escapes dropped.
    pub fn line(&self, task: &str, stream: Stream, text: &[u8]) -> String {
        let text = String::from_utf8_lossy(text);
        let text = match stream {
            Stream::Terminal => strip_escapes(text.rsplit('\r').next().unwrap_or_default()),
            Stream::Weft => self.style.dim(&format!("weft: {text}")),
            Stream::Stdout | Stream::Stderr => text.into_owned(),
        };
        format!("{} {text}", self.prefix(task))
    }

    /// `name |`, padded to the longest name, in the task's colour.
    pub fn prefix(&self, task: &str) -> String {
        let padded = format!("{task:<w$} |", w = self.width);
        if self.style.color {
            let code = self.colours.get(task).copied().unwrap_or("36");
            format!("\x1b[{code}m{padded}\x1b[0m")
        } else {
            padded
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_aligned_and_coloured_only_with_colour() {
        let plain = TaskLines::new(Style { color: false }, ["a", "build"]);
        assert_eq!(plain.line("a", Stream::Stdout, b"hi"), "a     | hi");
        assert_eq!(plain.line("build", Stream::Stderr, b"oops"), "build | oops");
        let tty = TaskLines::new(Style { color: true }, ["a", "build"]);
        assert_eq!(
            tty.line("build", Stream::Stdout, b"x"),
            "\x1b[33mbuild |\x1b[0m x"
        );
    }

    #[test]
    fn terminal_output_shows_as_text() {
        let l = TaskLines::new(Style { color: false }, ["t"]);
        assert_eq!(
            l.line("t", Stream::Terminal, b"10%\r\x1b[1m100%\x1b[0m"),
            "t | 100%"
        );
    }
}
