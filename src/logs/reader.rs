//! Reading logs: the one streaming reader, whole lines in bounded pieces,
//! and raw bytes.

use super::record::*;
use super::text::*;
use super::writer::*;
use super::{LineEnd, LogLine, Stream};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Reads a log forward from an offset, one complete record at a time, in
/// constant memory (one record's bytes).
pub struct LogReader {
    file: BufReader<File>,
    /// File position of the next record.
    pos: u64,
    header_len: u64,
    start: u64,
    /// Output dropped before the offset asked for, not reported yet.
    dropped: u64,
    buf: Vec<u8>,
    at_ms: Option<i64>,
}

impl LogReader {
    /// A reader from log offset `offset`; `None` for a missing file.
    pub fn open(path: &Path, offset: u64) -> io::Result<Option<LogReader>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut file = BufReader::with_capacity(128 << 10, file);
        let mut head = Vec::new();
        (&mut file).take(256).read_until(b'\n', &mut head)?;
        let (header_len, start, at_ms) = match parse_header(&head) {
            Some(h) if head.ends_with(b"\n") => (head.len() as u64, h.start, h.at),
            _ => (0, 0, None),
        };
        let (pos, dropped) = if offset < start {
            (header_len, start - offset)
        } else {
            (header_len + (offset - start), 0)
        };
        file.seek(SeekFrom::Start(pos))?;
        Ok(Some(LogReader {
            file,
            pos,
            header_len,
            start,
            dropped,
            buf: Vec::new(),
            at_ms,
        }))
    }

    /// The log offset after the records returned so far.
    pub fn offset(&self) -> u64 {
        self.start + (self.pos - self.header_len)
    }

    /// Looks back for the time of the records about to be read (when the
    /// reader started in the middle of a log and the caller wants times).
    pub fn find_time(&mut self) -> io::Result<()> {
        if self.pos > self.header_len {
            let found = time_before(self.file.get_mut(), self.pos, self.header_len)?;
            self.file.seek(SeekFrom::Start(self.pos))?;
            if found.is_some() {
                self.at_ms = found;
            }
        }
        Ok(())
    }

    /// Whether the file has bytes after the records returned so far.
    pub fn more_in_file(&mut self) -> io::Result<bool> {
        Ok(self.file.get_ref().metadata()?.len() > self.pos)
    }

    /// The next complete record, with its raw bytes (newline included), or
    /// `None` at the end of what is complete.
    pub fn next_record(&mut self) -> io::Result<Option<(Record<'_>, &[u8])>> {
        if self.dropped > 0 {
            let n = std::mem::take(&mut self.dropped);
            return Ok(Some((Record::Dropped(n), &[])));
        }
        loop {
            self.buf.clear();
            let n = self.file.read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            if !self.buf.ends_with(b"\n") {
                // A record still being written: read it next time.
                self.file.seek(SeekFrom::Start(self.pos))?;
                return Ok(None);
            }
            self.pos += n as u64;
            // What the record is, as positions (no borrow kept across the loop).
            let kind = match parse_record(&self.buf[..n - 1]) {
                Parsed::Time(ms) => {
                    self.at_ms = Some(ms);
                    continue;
                }
                Parsed::Other => continue,
                Parsed::Size(rows, cols) => {
                    return Ok(Some((Record::TerminalSize(rows, cols), &self.buf[..n])));
                }
                Parsed::Text(stream, _, end) => (stream, end, None),
                Parsed::OldText(at, stream, _) => (stream, LineEnd::Newline, Some(at.len())),
            };
            let (stream, end, old_at) = kind;
            let (text, at) = match old_at {
                Some(at_len) => (
                    &self.buf[(at_len + 3).min(n - 1)..n - 1],
                    Stamp::Text(&self.buf[..at_len]),
                ),
                None if end == LineEnd::Unterminated => (
                    &self.buf[..0],
                    self.at_ms.map_or(Stamp::Unknown, Stamp::Millis),
                ),
                None => (
                    &self.buf[1..n - 1],
                    self.at_ms.map_or(Stamp::Unknown, Stamp::Millis),
                ),
            };
            return Ok(Some((
                Record::Text {
                    stream,
                    text,
                    end,
                    at,
                },
                &self.buf[..n],
            )));
        }
    }
}

/// Lines being joined from pieces, per stream, for the readers that return
/// whole lines.
#[derive(Default)]
pub(super) struct Joiner {
    open: Vec<(Stream, String, Vec<u8>)>,
}

impl Joiner {
    /// Adds a piece; returns the line it completes, if any.
    fn add(&mut self, stream: Stream, text: &[u8], end: LineEnd, at: Stamp<'_>) -> Option<LogLine> {
        let i = self.open.iter().position(|(s, _, _)| *s == stream);
        if end == LineEnd::Continues {
            match i {
                Some(i) => self.open[i].2.extend_from_slice(text),
                None => self.open.push((stream, at.format(), text.to_vec())),
            }
            return None;
        }
        let (at, text) = match i {
            Some(i) => {
                let (_, at, mut bytes) = self.open.swap_remove(i);
                bytes.extend_from_slice(text);
                (at, String::from_utf8_lossy(&bytes).into_owned())
            }
            None => (at.format(), String::from_utf8_lossy(text).into_owned()),
        };
        Some(LogLine { at, stream, text })
    }

    /// Ends every open line (a message from weft comes after a task that
    /// died mid-line, which never finishes it).
    fn close_all(&mut self) -> impl Iterator<Item = LogLine> + '_ {
        self.open.drain(..).map(|(stream, at, bytes)| LogLine {
            at,
            stream,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

/// Reads the complete lines of a log file from offset `offset`, in pieces:
/// at most about `max` bytes of the file, more only to finish a line (a
/// long line comes whole). Returns the lines, the offset after them and
/// whether more complete lines wait now. A line whose end is not written
/// yet is left for the next read.
pub fn read_log_chunk(
    path: &Path,
    offset: u64,
    max: usize,
) -> io::Result<(Vec<LogLine>, u64, bool)> {
    let Some(mut r) = LogReader::open(path, offset)? else {
        return Ok((Vec::new(), offset, false));
    };
    r.find_time()?;
    let mut lines = Vec::new();
    let mut joiner = Joiner::default();
    let (mut committed, mut kept, mut bytes, mut more) = (r.offset(), 0, 0usize, false);
    while let Some((rec, raw)) = r.next_record()? {
        bytes += raw.len();
        match rec {
            Record::Dropped(n) => lines.push(LogLine {
                at: String::new(),
                stream: Stream::Weft,
                text: dropped_message(n),
            }),
            Record::TerminalSize(..) => {}
            Record::Text {
                stream,
                text,
                end,
                at,
            } => {
                if stream == Stream::Weft {
                    lines.extend(joiner.close_all());
                }
                lines.extend(joiner.add(stream, text, end, at));
            }
        }
        if joiner.open.is_empty() {
            committed = r.offset();
            kept = lines.len();
            if bytes >= max {
                more = r.more_in_file()?;
                break;
            }
        }
    }
    lines.truncate(kept);
    Ok((lines, committed, more))
}

/// Every line of a log from `offset` (tests only: real readers read in
/// pieces).
#[cfg(test)]
pub fn read_log(path: &Path, offset: u64) -> io::Result<(Vec<LogLine>, u64)> {
    read_log_chunk(path, offset, usize::MAX).map(|(lines, next, _)| (lines, next))
}

/// The records of a log from `offset` as the file holds them, at most
/// about `max` bytes (more only to finish a line), for a client that parses
/// them itself with [`log_entries`]; then the offset after them and whether
/// more wait. Output the cap dropped is reported as a weft line.
pub fn read_log_bytes(path: &Path, offset: u64, max: usize) -> io::Result<(Vec<u8>, u64, bool)> {
    let Some(mut r) = LogReader::open(path, offset)? else {
        return Ok((Vec::new(), offset, false));
    };
    let mut buf = Vec::new();
    let (mut committed, mut kept, mut more) = (r.offset(), 0, false);
    let mut open: Vec<Stream> = Vec::new();
    while let Some((rec, raw)) = r.next_record()? {
        match rec {
            Record::Dropped(n) => {
                buf.push(b'w');
                buf.extend_from_slice(dropped_message(n).as_bytes());
                buf.push(b'\n');
            }
            Record::TerminalSize(..) => buf.extend_from_slice(raw),
            Record::Text { stream, end, .. } => {
                if stream == Stream::Weft {
                    open.clear();
                }
                open.retain(|s| *s != stream);
                if end == LineEnd::Continues {
                    open.push(stream);
                }
                buf.extend_from_slice(raw);
            }
        }
        if open.is_empty() {
            committed = r.offset();
            kept = buf.len();
            if kept >= max {
                more = r.more_in_file()?;
                break;
            }
        }
    }
    buf.truncate(kept);
    Ok((buf, committed, more))
}

/// The stream and text of each line of log records (either format; time
/// stamps dropped), pieces joined into their lines.
pub fn log_entries(text: &str) -> impl Iterator<Item = (Stream, Cow<'_, str>)> {
    let mut records = text.lines();
    let mut open: Vec<(Stream, String)> = Vec::new();
    std::iter::from_fn(move || {
        loop {
            let rec = records.next()?;
            let (stream, text, end) = match parse_record(rec.as_bytes()) {
                Parsed::Text(s, t, end) => (s, t, end),
                Parsed::OldText(_, s, t) => (s, t, LineEnd::Newline),
                Parsed::Time(_) | Parsed::Size(..) | Parsed::Other => continue,
            };
            // The slices are of `rec`, a str; its tag is one ASCII byte.
            let text = std::str::from_utf8(text).unwrap_or_default();
            let i = open.iter().position(|(s, _)| *s == stream);
            match (end, i) {
                (LineEnd::Continues, Some(i)) => open[i].1.push_str(text),
                (LineEnd::Continues, None) => open.push((stream, text.to_string())),
                (_, Some(i)) => {
                    let (_, mut joined) = open.swap_remove(i);
                    joined.push_str(text);
                    return Some((stream, Cow::Owned(joined)));
                }
                (_, None) => return Some((stream, Cow::Borrowed(text))),
            }
        }
    })
}
