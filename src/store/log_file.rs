//! One log file per attempt. Frozen format, one line per output line:
//! `<UTC time with ms> <stream> <text>`, stream being `o` (stdout), `e`
//! (stderr), `t` (a PTY's output, escape sequences kept) or `w` (a message
//! from weft itself, such as "program not found"). Also [`strip_escapes`],
//! which turns a `t` line into plain text for display.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
    /// Output of a task running in a PTY: stdout and stderr merged, with
    /// the program's escape sequences (colours, cursor moves) kept as is.
    Terminal,
    Weft,
}

impl Stream {
    fn tag(self) -> char {
        match self {
            Stream::Stdout => 'o',
            Stream::Stderr => 'e',
            Stream::Terminal => 't',
            Stream::Weft => 'w',
        }
    }

    fn from_tag(c: &str) -> Option<Stream> {
        match c {
            "o" => Some(Stream::Stdout),
            "e" => Some(Stream::Stderr),
            "t" => Some(Stream::Terminal),
            "w" => Some(Stream::Weft),
            _ => None,
        }
    }
}

/// One line of a task's output.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    pub stream: Stream,
    pub text: String,
}

/// Appends tagged lines to an attempt's log file. The file is created on
/// the first line, so a task that prints nothing costs no file (readers
/// treat a missing log as empty).
pub struct LogWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    /// The last time stamp written, by millisecond: a fast task writes
    /// hundreds of lines in one, and formatting is the costly part.
    stamp: Box<(i64, String)>,
}

impl LogWriter {
    /// A writer for `path`; nothing touches the disk until the first line.
    pub fn new(path: &Path) -> LogWriter {
        LogWriter {
            path: path.to_path_buf(),
            out: None,
            stamp: Box::new((i64::MIN, String::new())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line (without its newline); invalid UTF-8 is replaced.
    pub fn line(&mut self, stream: Stream, text: &[u8]) -> io::Result<()> {
        let out = match &mut self.out {
            Some(out) => out,
            None => self
                .out
                .insert(BufWriter::new(crate::private_fs::create(&self.path)?)),
        };
        let now = chrono::Utc::now();
        if now.timestamp_millis() != self.stamp.0 {
            *self.stamp = (
                now.timestamp_millis(),
                now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            );
        }
        let text = String::from_utf8_lossy(text);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        writeln!(out, "{} {} {text}", self.stamp.1, stream.tag())
    }

    /// Makes what was written visible to readers (`weft logs -f`).
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

/// Reads the complete lines of a log file from byte `offset`; returns them
/// and the offset after the last complete line (a line still being written
/// is left for the next read).
pub fn read_log(path: &Path, offset: u64) -> io::Result<(Vec<LogLine>, u64)> {
    read_log_chunk(path, offset, usize::MAX).map(|(lines, next, _)| (lines, next))
}

/// Like [`read_log`], but reads at most about `max` bytes, so a follower
/// of a fast log gets it in pieces. The third value says whether more
/// complete lines are waiting after `next`. A line longer than `max` is
/// returned whole.
pub fn read_log_chunk(
    path: &Path,
    offset: u64,
    max: usize,
) -> io::Result<(Vec<LogLine>, u64, bool)> {
    let (bytes, next, more) = read_log_bytes(path, offset, max)?;
    let text = String::from_utf8_lossy(&bytes);
    let lines = text.lines().filter_map(parse_line).collect();
    Ok((lines, next, more))
}

/// The bytes of the complete lines of a log file from `offset`, at most
/// about `max` of them, as the file holds them (for a reader that parses
/// them itself, with [`log_entries`]); then the offset after them and
/// whether more complete lines wait.
pub fn read_log_bytes(path: &Path, offset: u64, max: usize) -> io::Result<(Vec<u8>, u64, bool)> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), offset, false)),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut reader = io::BufReader::new(file);
    reader.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::new();
    if max == usize::MAX {
        reader.read_to_end(&mut buf)?;
    } else {
        (&mut reader).take(max as u64).read_to_end(&mut buf)?;
        if !buf.is_empty() && !buf.contains(&b'\n') {
            // One line longer than `max`: finish it.
            io::BufRead::read_until(&mut reader, b'\n', &mut buf)?;
        }
    }
    let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    // Stopped at `max` with bytes left: the follower should ask again now.
    let more = buf.len() >= max && len > offset + complete as u64;
    buf.truncate(complete);
    Ok((buf, offset + complete as u64, more))
}

/// The stream and text of each line of log text (time stamps dropped).
pub fn log_entries(text: &str) -> impl Iterator<Item = (Stream, &str)> {
    text.lines().filter_map(|line| {
        let (_, rest) = line.split_once(' ')?;
        let (tag, text) = rest.split_once(' ').unwrap_or((rest, ""));
        Some((Stream::from_tag(tag)?, text))
    })
}

fn parse_line(line: &str) -> Option<LogLine> {
    let mut parts = line.splitn(3, ' ');
    let at = parts.next()?.to_string();
    let stream = Stream::from_tag(parts.next()?)?;
    let text = parts.next().unwrap_or("").to_string();
    Some(LogLine { at, stream, text })
}

/// `text` without terminal escape sequences (CSI such as colours and cursor
/// moves, OSC such as window titles, DCS/APC/PM/SOS strings, two- and
/// three-byte `ESC` sequences, and their 8-bit C1 forms) and without control
/// characters other than tab, so a PTY's output reads as plain text. An
/// unterminated sequence at the end is dropped.
pub fn strip_escapes(text: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Text,
        /// After `ESC`.
        Escape,
        /// After `ESC` and intermediate bytes (`ESC ( B`): one final byte left.
        EscapeIntermediate,
        /// In a CSI sequence, until its final byte (`@` to `~`).
        Csi,
        /// In an OSC/DCS/APC/PM/SOS string, until BEL, ST or `ESC` (which
        /// starts the `ESC \` terminator, or aborts the string).
        Str,
    }
    let mut out = String::with_capacity(text.len());
    let mut state = State::Text;
    for c in text.chars() {
        state = match (state, c) {
            // ESC starts a new sequence wherever it appears.
            (_, '\x1b') => State::Escape,
            (State::Text, '\t') => {
                out.push(c);
                State::Text
            }
            (State::Text, '\u{9b}') => State::Csi,
            (State::Text, '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}') => State::Str,
            (State::Text, c) if c.is_control() => State::Text,
            (State::Text, c) => {
                out.push(c);
                State::Text
            }
            (State::Escape, '[') => State::Csi,
            (State::Escape, ']' | 'P' | 'X' | '^' | '_') => State::Str,
            (State::Escape | State::EscapeIntermediate, ' '..='/') => State::EscapeIntermediate,
            (State::Escape | State::EscapeIntermediate, _) => State::Text,
            (State::Csi, '@'..='~') => State::Text,
            (State::Csi, _) => State::Csi,
            (State::Str, '\x07' | '\u{9c}') => State::Text,
            (State::Str, _) => State::Str,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_is_read_in_bounded_pieces_that_add_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.log");
        let mut w = LogWriter::new(&path);
        for i in 0..1000 {
            w.line(Stream::Stdout, format!("line {i}").as_bytes())
                .unwrap();
        }
        w.line(Stream::Stdout, "x".repeat(5000).as_bytes()).unwrap();
        w.flush().unwrap();
        let (mut offset, mut all, mut reads) = (0, Vec::new(), 0);
        loop {
            let (lines, next, more) = read_log_chunk(&path, offset, 4096).unwrap();
            assert!(
                lines.len() < 200,
                "a piece holds about 4 KiB, not {} lines",
                lines.len()
            );
            all.extend(lines);
            offset = next;
            reads += 1;
            if !more {
                break;
            }
        }
        assert!(reads > 5, "{reads}");
        assert_eq!(all.len(), 1001, "no line lost or doubled");
        assert_eq!(all[999].text, "line 999");
        assert_eq!(
            all[1000].text.len(),
            5000,
            "a line longer than the piece comes whole"
        );
        assert_eq!(read_log_chunk(&path, offset, 4096).unwrap().0.len(), 0);
        // The raw bytes say the same, without time stamps.
        let (bytes, next, more) = read_log_bytes(&path, 0, usize::MAX).unwrap();
        assert_eq!((next, more), (offset, false));
        let text = String::from_utf8(bytes).unwrap();
        let entries: Vec<(Stream, &str)> = log_entries(&text).collect();
        assert_eq!(entries.len(), 1001);
        assert_eq!(entries[999], (Stream::Stdout, "line 999"));
    }

    #[test]
    fn lines_round_trip_and_partial_lines_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.log");
        let mut w = LogWriter::new(&path);
        w.line(Stream::Stdout, b"hello world").unwrap();
        w.line(Stream::Stderr, b"oops\r").unwrap();
        w.line(Stream::Weft, b"").unwrap();
        w.flush().unwrap();
        let (lines, off) = read_log(&path, 0).unwrap();
        let got: Vec<(Stream, &str)> = lines.iter().map(|l| (l.stream, l.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Stream::Stdout, "hello world"),
                (Stream::Stderr, "oops"),
                (Stream::Weft, "")
            ]
        );
        assert!(
            lines[0].at.ends_with('Z') && lines[0].at.len() == 24,
            "{}",
            lines[0].at
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"2026-01-01T00:00:00.000Z o part")
            .unwrap();
        let (more, off2) = read_log(&path, off).unwrap();
        let quiet = dir.path().join("2.log");
        LogWriter::new(&quiet).flush().unwrap();
        assert!(!quiet.exists(), "no output, no file");
        assert!(read_log(&quiet, 0).unwrap().0.is_empty());
        assert!(more.is_empty());
        assert_eq!(off2, off);
    }

    #[test]
    fn terminal_lines_round_trip_with_their_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        let mut w = LogWriter::new(&path);
        w.line(Stream::Terminal, b"\x1b[32mok\x1b[0m\r").unwrap();
        w.flush().unwrap();
        let (lines, _) = read_log(&path, 0).unwrap();
        assert_eq!(lines[0].stream, Stream::Terminal);
        assert_eq!(lines[0].text, "\x1b[32mok\x1b[0m");
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(raw.contains(" t \x1b[32mok"), "{raw:?}");
    }

    #[test]
    fn strip_escapes_leaves_the_text_a_terminal_would_show() {
        let cases = [
            ("plain text", "plain text"),
            (
                "\x1b[1;31mred\x1b[0m and \x1b[38;5;208mamber\x1b[m",
                "red and amber",
            ),
            ("\x1b[?2004hname? \x1b[?2004l", "name? "),
            ("\x1b[2J\x1b[H\x1b[10;20Hat", "at"),
            ("\x1b]0;my title\x07prompt$ ", "prompt$ "),
            ("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("\x1bP+q544e\x1b\\after", "after"),
            (
                "\x1b(Bcharset \x1b7saved\x1b8 \x1b=keypad\x1b>",
                "charset saved keypad",
            ),
            ("a\tb\r\x07\x08c\x7f", "a\tbc"),
            ("\u{9b}31mc1\u{9b}0m", "c1"),
            ("ünïcödé ✓ \x1b[1m日本\x1b[0m", "ünïcödé ✓ 日本"),
            ("cut \x1b[3", "cut "),
            ("cut \x1b]0;never ends", "cut "),
            ("\x1b\x1b[31mx", "x"),
        ];
        for (raw, plain) in cases {
            assert_eq!(strip_escapes(raw), plain, "{raw:?}");
        }
    }
}
