//! Output as text for people: sizes, the dropped-output message and
//! escape sequences removed from a PTY's output.

/// A size for people: `123.4 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The line a reader shows where the cap dropped output.
pub fn dropped_message(bytes: u64) -> String {
    format!("[weft: {} of earlier output dropped]", human_size(bytes))
}

/// One record of a log, as [`LogReader`] returns it.
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
