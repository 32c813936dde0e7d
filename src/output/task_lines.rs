//! Task output as a foreground run prints it, as `docker compose up` does:
//! each line after its task's name, names aligned and (on a terminal)
//! coloured per task. Only formatting: the lines come from the engine's
//! output channel, fed by the log writers.

use super::Style;
use crate::logs::Stream;
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
    /// shown as the line it drew (see [`as_shown`]).
    pub fn line(&self, task: &str, stream: Stream, text: &[u8]) -> String {
        let text = String::from_utf8_lossy(text);
        let text = match stream {
            Stream::Terminal => as_shown(&text),
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

/// A line of terminal output as it ends up on the screen's line: `\r`
/// goes back to the start and what follows overwrites, backspace steps
/// back, `CSI K` erases to the end; other escape sequences (colours,
/// cursor moves, titles) are dropped. Enough for prompts, progress
/// counters and readline's redraws; `weft logs` renders whole screens.
pub fn as_shown(text: &str) -> String {
    let mut cells: Vec<char> = Vec::new();
    let mut col = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\x08' => col = col.saturating_sub(1),
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            if d == 'K' && matches!(params.as_str(), "" | "0") {
                                cells.truncate(col);
                            } else if d == 'K' && params == "2" {
                                cells.clear();
                            }
                            break;
                        }
                        params.push(d);
                    }
                }
                // OSC, DCS and the like: up to BEL or ST.
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(d) = chars.next() {
                        if d == '\x07' || (d == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                // `ESC ( B` and other two- or three-byte sequences.
                Some(' '..='/') => {
                    chars.next();
                }
                _ => {}
            },
            c if c.is_control() && c != '\t' => {}
            c => {
                if col < cells.len() {
                    cells[col] = c;
                } else {
                    cells.resize(col, ' ');
                    cells.push(c);
                }
                col += 1;
            }
        }
    }
    cells.into_iter().collect::<String>().trim_end().to_string()
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
        // readline redrawing its prompt, a typo rubbed out.
        assert_eq!(
            l.line("t", Stream::Terminal, b">>> \r\x1b[K>>> x\x08\x1b[Kexit()"),
            "t | >>> exit()"
        );
        assert_eq!(as_shown("abc\rX"), "Xbc");
        assert_eq!(as_shown("\x1b]0;title\x07\x1b(Bok\x1b[31m!"), "ok!");
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_shown_without_panic_or_escapes(text in "\\PC*|[\x00-\x7f]*") {
            let shown = as_shown(&text);
            proptest::prop_assert!(!shown.contains('\x1b') && !shown.contains('\r'));
        }
    }
}
