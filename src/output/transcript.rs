//! A PTY task's transcript as text, through the terminal parser (`vt100`):
//! the lines that scrolled off the top of the screen, as they scroll, then
//! the final screen; a full-screen program's last screen where it leaves
//! the alternate screen. So a REPL, vim or htop session reads as what was on
//! the screen, not as the bytes that drew it. Memory is bounded: the
//! parser keeps one screen and at most [`SCROLLBACK`] rows, and rows are
//! handed out as soon as they scroll off.

/// Rows of scrollback the parser holds between two looks at it; more than
/// one chunk of input can push (a chunk is at most [`CHUNK`] bytes with at
/// most one escape sequence, which scrolls at most a screen).
const SCROLLBACK: usize = 1024;
const CHUNK: usize = 256;

/// The size used when the log does not say (logs written before sizes
/// were recorded): the PTY default.
pub const DEFAULT_SIZE: (u16, u16) = (24, 80);

pub struct Transcript {
    parser: vt100::Parser,
}

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new(DEFAULT_SIZE.0, DEFAULT_SIZE.1)
    }
}

impl Transcript {
    pub fn new(rows: u16, cols: u16) -> Transcript {
        Transcript {
            // vt100 panics on a screen of one row or one column.
            parser: vt100::Parser::new(rows.max(2), cols.max(2), SCROLLBACK),
        }
    }

    /// The program's terminal changed size from here on.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.parser
            .screen_mut()
            .set_size(rows.clamp(2, 1000), cols.clamp(2, 1000));
    }

    /// Feeds output; `emit` gets each line that scrolls off the top.
    pub fn feed(&mut self, bytes: &[u8], emit: &mut impl FnMut(String)) {
        // Cut before every ESC, so the alternate screen is entered or left
        // only at the start of a piece (see `feed_piece`).
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .skip(1)
                .take(CHUNK - 1)
                .position(|&b| b == 0x1b)
                .map_or(rest.len().min(CHUNK), |i| i + 1);
            self.feed_piece(&rest[..end], emit);
            rest = &rest[end..];
        }
    }

    /// A log line of the transcript: the PTY wrote `\r\n` where the log
    /// has a line end (the log drops the `\r`).
    pub fn feed_line(&mut self, text: &[u8], newline: bool, emit: &mut impl FnMut(String)) {
        self.feed(text, emit);
        if newline {
            self.feed(b"\r\n", emit);
        }
    }

    fn feed_piece(&mut self, piece: &[u8], emit: &mut impl FnMut(String)) {
        let mut rest = piece;
        if self.parser.screen().alternate_screen() {
            // A full-screen program (vim, htop, less) leaving: its last
            // screen goes into the transcript, or the session would read
            // as nothing at all.
            let last_screen =
                leaves_alternate_screen(piece).then(|| screen_lines(self.parser.screen()));
            // Leaving the alternate screen happens in the first bytes of a
            // piece: feed those one at a time, to mark the main screen's
            // scrollback right after.
            let mut i = 0;
            while i < rest.len().min(16) && self.parser.screen().alternate_screen() {
                self.parser.process(&rest[i..=i]);
                i += 1;
            }
            rest = &rest[i..];
            if self.parser.screen().alternate_screen() {
                self.parser.process(rest);
                return;
            }
            if let Some(last_screen) = last_screen {
                // In the order they were seen: what the main screen showed
                // before the program started, then the program's screen;
                // the main screen starts afresh after them.
                for line in screen_lines(self.parser.screen()) {
                    emit(line);
                }
                for line in last_screen {
                    emit(line);
                }
                self.parser.process(b"\x1b[2J\x1b[H");
            }
        }
        // Mark: the scrollback view's offset grows by one per row pushed.
        let screen = self.parser.screen_mut();
        screen.set_scrollback(1);
        let marked = screen.scrollback() == 1;
        self.parser.process(rest);
        if self.parser.screen().alternate_screen() {
            // Entered at the piece's start: nothing scrolled before.
            return;
        }
        let screen = self.parser.screen_mut();
        let new = if marked {
            screen.scrollback().saturating_sub(1)
        } else {
            screen.set_scrollback(usize::MAX);
            screen.scrollback()
        };
        self.emit_newest(new, emit);
    }

    /// Hands out the `n` newest scrollback rows, oldest first.
    fn emit_newest(&mut self, n: usize, emit: &mut impl FnMut(String)) {
        let screen = self.parser.screen_mut();
        let (rows, cols) = screen.size();
        let mut k = n;
        while k > 0 {
            screen.set_scrollback(k);
            for line in screen.rows(0, cols).take(k.min(rows as usize)) {
                emit(line.trim_end().to_string());
            }
            k = k.saturating_sub(rows as usize);
        }
        screen.set_scrollback(0);
    }

    /// The final screen's lines, without the empty rows below the last text.
    pub fn finish(mut self, emit: &mut impl FnMut(String)) {
        self.parser.screen_mut().set_scrollback(0);
        for line in screen_lines(self.parser.screen()) {
            emit(line);
        }
    }
}

/// Whether a piece of output starts by switching back to the main screen
/// (`CSI ? 1049 l`, `CSI ? 1047 l`, `CSI ? 47 l`).
fn leaves_alternate_screen(piece: &[u8]) -> bool {
    [&b"\x1b[?1049l"[..], b"\x1b[?1047l", b"\x1b[?47l"]
        .iter()
        .any(|seq| piece.starts_with(seq))
}

/// A screen's rows as text, without the empty rows below the last text.
fn screen_lines(screen: &vt100::Screen) -> Vec<String> {
    let cols = screen.size().1;
    let mut lines: Vec<String> = screen
        .rows(0, cols)
        .map(|r| r.trim_end().to_string())
        .collect();
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines.truncate(last);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: u16, cols: u16, bytes: &[u8]) -> Vec<String> {
        let mut t = Transcript::new(rows, cols);
        let mut out = Vec::new();
        t.feed(bytes, &mut |l| out.push(l));
        t.finish(&mut |l| out.push(l));
        out
    }

    #[test]
    fn lines_that_scroll_off_come_first_then_the_screen_without_loss() {
        let text: String = (0..5000).map(|i| format!("line {i}\r\n")).collect();
        let out = render(24, 80, text.as_bytes());
        assert_eq!(out.len(), 5000);
        assert_eq!(out[0], "line 0");
        assert_eq!(out[4999], "line 4999");
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, l)| *l == format!("line {i}"))
        );
    }

    #[test]
    fn carriage_returns_and_redraws_show_what_was_on_screen() {
        // A REPL prompt redrawn by readline, then the typed command echoed.
        let out = render(
            24,
            80,
            b">>> \r\x1b[K>>> x\x08\x1b[Kexit()\r\nbye\r\n50%\r100%\r\n",
        );
        assert_eq!(out, vec![">>> exit()", "bye", "100%"]);
    }

    #[test]
    fn a_full_screen_program_leaves_the_main_screen_readable() {
        let mut bytes = b"before\r\n".to_vec();
        bytes.extend_from_slice(b"\x1b[?1049h\x1b[H\x1b[2Jvim text\r\n~\r\n");
        bytes.extend_from_slice(b"\x1b[?1049l");
        bytes.extend_from_slice(b"after\r\n");
        let out = render(5, 40, &bytes);
        assert_eq!(out, vec!["before", "vim text", "~", "after"]);
    }

    #[test]
    fn lines_scrolled_right_after_leaving_the_alternate_screen_are_kept() {
        let mut bytes = b"\x1b[?1049hfull screen".to_vec();
        bytes.extend_from_slice(b"\x1b[?1049l");
        for i in 0..10 {
            bytes.extend_from_slice(format!("l{i}\r\n").as_bytes());
        }
        let out = render(3, 20, &bytes);
        let want: Vec<String> = std::iter::once("full screen".to_string())
            .chain((0..10).map(|i| format!("l{i}")))
            .collect();
        assert_eq!(out, want);
    }

    proptest::proptest! {
        /// Any bytes at any size: never a panic, and text without escapes
        /// and line ends comes out in order, each line once.
        #[test]
        fn any_bytes_render_without_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
            rows in 1u16..40,
            cols in 1u16..120,
        ) {
            let _ = render(rows, cols, &bytes);
        }

        #[test]
        fn plain_lines_come_out_as_they_went_in(
            lines in proptest::collection::vec("[a-z ]{0,30}[a-z]", 0..200),
        ) {
            let text: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
            let out = render(24, 80, text.as_bytes());
            proptest::prop_assert_eq!(out, lines);
        }
    }
}
