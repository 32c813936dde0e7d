//! The records of the log format: the header, time stamps and output
//! records, parsed and formatted.

use super::{HEADER, LineEnd, Stream};

pub(super) fn parse_ms(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

pub(super) struct Header {
    pub(super) start: u64,
    pub(super) at: Option<i64>,
}

pub(super) fn parse_header(line: &[u8]) -> Option<Header> {
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let rest = line.strip_prefix(HEADER)?;
    let mut h = Header { start: 0, at: None };
    for field in rest.split_whitespace() {
        if let Some(v) = field.strip_prefix("start=") {
            h.start = v.parse().ok()?;
        } else if let Some(v) = field.strip_prefix("at=") {
            h.at = v.parse().ok();
        }
    }
    Some(h)
}

pub(super) fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[derive(Debug, PartialEq)]
pub enum Record<'a> {
    /// This much output before the reader's offset is gone (the size cap).
    Dropped(u64),
    /// The PTY's size from here on (rows, columns).
    TerminalSize(u16, u16),
    /// Text of a stream.
    Text {
        stream: Stream,
        text: &'a [u8],
        end: LineEnd,
        at: Stamp<'a>,
    },
}

/// When a record was written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stamp<'a> {
    Unknown,
    /// Unix milliseconds.
    Millis(i64),
    /// A format 1 line's own RFC 3339 text.
    Text(&'a [u8]),
}

impl Stamp<'_> {
    /// RFC 3339 UTC with milliseconds (empty when unknown).
    pub fn format(self) -> String {
        match self {
            Stamp::Unknown => String::new(),
            Stamp::Millis(ms) => format_ms(ms),
            Stamp::Text(t) => String::from_utf8_lossy(t).into_owned(),
        }
    }
}

/// Parses one record (without its newline) of either format: its text and
/// end, a time, or nothing (a header, a line it cannot read).
pub(super) enum Parsed<'a> {
    Text(Stream, &'a [u8], LineEnd),
    Time(i64),
    Size(u16, u16),
    /// A format 1 line, with its own time stamp.
    OldText(&'a [u8], Stream, &'a [u8]),
    Other,
}

pub(super) fn parse_record(rec: &[u8]) -> Parsed<'_> {
    let Some((&first, rest)) = rec.split_first() else {
        return Parsed::Other;
    };
    if let Some(s) = Stream::from_tag(first) {
        return Parsed::Text(s, rest, LineEnd::Newline);
    }
    if let Some(s) = Stream::from_tag(first.to_ascii_lowercase()) {
        return Parsed::Text(s, rest, LineEnd::Continues);
    }
    match first {
        b'@' => parse_ms(rest).map_or(Parsed::Other, Parsed::Time),
        b'~' => std::str::from_utf8(rest)
            .ok()
            .and_then(|t| t.split_once('x'))
            .and_then(|(r, c)| Some(Parsed::Size(r.parse().ok()?, c.parse().ok()?)))
            .unwrap_or(Parsed::Other),
        b'-' => match rest.first().copied().and_then(Stream::from_tag) {
            Some(s) => Parsed::Text(s, b"", LineEnd::Unterminated),
            None => Parsed::Other,
        },
        b'0'..=b'9' => {
            // Format 1: `<time> <tag> <text>`.
            let Some(sp) = rec.iter().position(|&b| b == b' ') else {
                return Parsed::Other;
            };
            let (at, rest) = (&rec[..sp], &rec[sp + 1..]);
            let (tag, text) = match rest.iter().position(|&b| b == b' ') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &b""[..]),
            };
            match tag {
                [t] => match Stream::from_tag(*t) {
                    Some(s) => Parsed::OldText(at, s, text),
                    None => Parsed::Other,
                },
                _ => Parsed::Other,
            }
        }
        _ => Parsed::Other,
    }
}
