//! One log file per attempt: its format, its writer and the one streaming
//! reader every command and the daemon use. Also [`strip_escapes`], which
//! turns a PTY's output into plain text for display.
//!
//! Format 2 (written since issue 9), one record per line:
//! - `#weft-log 2 start=S[ at=MS]`: the header, the first line. `S` is the
//!   offset (in the log's own byte count) of the first byte after the
//!   header: more than 0 when the size cap dropped earlier output. `MS` is
//!   the time of the first record when no time record precedes it.
//! - `@MS`: the time (Unix milliseconds) of the records that follow; only
//!   written when it changes.
//! - `oTEXT`, `eTEXT`, `tTEXT`, `wTEXT`: the end of a line of stdout,
//!   stderr, a PTY's output (escapes kept) or a message from weft itself.
//! - `OTEXT`, `ETEXT`, `TTEXT`, `WTEXT`: a piece of a longer line that the
//!   next piece of the same stream continues (output is cut into pieces of
//!   at most 64 KiB; readers join them).
//! - `-o` (`-e`, `-t`): the stream ended without a final newline.
//!
//! TEXT is the output's bytes as printed (a `\r` before the newline is
//! dropped). Format 1 (`<RFC 3339 time> <o|e|t|w> <text>` per line) is
//! still read. Readers only see complete records, so a line still being
//! written waits for the next read; offsets are the log's own byte count
//! (after the header), which stays valid when the cap rewrites the file.
//! This module must not depend on the database, the engine or anything
//! above the store.

use crate::config::{DEFAULT_MAX_ATTEMPT_SIZE, MIN_ATTEMPT_SIZE};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const HEADER: &str = "#weft-log 2";

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
    fn tag(self) -> u8 {
        match self {
            Stream::Stdout => b'o',
            Stream::Stderr => b'e',
            Stream::Terminal => b't',
            Stream::Weft => b'w',
        }
    }

    fn from_tag(c: u8) -> Option<Stream> {
        match c {
            b'o' => Some(Stream::Stdout),
            b'e' => Some(Stream::Stderr),
            b't' => Some(Stream::Terminal),
            b'w' => Some(Stream::Weft),
            _ => None,
        }
    }
}

/// How a piece of output ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnd {
    /// With a newline: the line is complete.
    Newline,
    /// The line goes on in the stream's next piece.
    Continues,
    /// The stream ended here without a newline.
    Unterminated,
}

/// One line of a task's output.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    pub stream: Stream,
    pub text: String,
}

/// Creates (truncates) a log file for writing: the one place log files are
/// opened for writing.
fn create_log_file(path: &Path) -> io::Result<File> {
    crate::private_fs::create(path)
}

/// Receives each piece of output a [`LogWriter`] wrote, once it is in the
/// file (after the flush that makes it visible to readers): how the
/// foreground `weft run` shows task output live without a second path
/// that could disagree with the log.
pub type Tee = Box<dyn FnMut(Stream, &[u8], LineEnd) + Send>;

/// How far whoever reads a tee is behind, in bytes. The pumps that feed a
/// log wait while it is past its limit, so a task printing faster than its
/// output can be shown slows to that pace (as it would writing to the
/// terminal itself) and nothing is left out. A piece counts until the
/// reader drops its [`Taken`].
pub struct Backlog {
    bytes: AtomicUsize,
    limit: usize,
    room: tokio::sync::Notify,
}

impl Backlog {
    pub fn new(limit: usize) -> Arc<Backlog> {
        Arc::new(Backlog {
            bytes: AtomicUsize::new(0),
            limit,
            room: tokio::sync::Notify::new(),
        })
    }

    /// Counts `n` bytes handed to the reader until the returned guard drops.
    pub fn hand_out(self: &Arc<Self>, n: usize) -> Taken {
        self.bytes.fetch_add(n, Ordering::AcqRel);
        Taken(self.clone(), n)
    }

    /// The bytes handed out and not yet taken.
    pub fn behind(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    pub fn is_full(&self) -> bool {
        self.behind() > self.limit
    }

    /// Returns once the reader is no more than the limit behind.
    pub async fn room(&self) {
        loop {
            // Made before the check, so a wake-up in between is not lost.
            let notified = self.room.notified();
            if !self.is_full() {
                return;
            }
            notified.await;
        }
    }
}

/// A piece of output the reader holds; dropping it makes room.
pub struct Taken(Arc<Backlog>, usize);

impl Drop for Taken {
    fn drop(&mut self) {
        let before = self.0.bytes.fetch_sub(self.1, Ordering::AcqRel);
        if before > self.0.limit && before - self.1 <= self.0.limit {
            self.0.room.notify_waiters();
        }
    }
}

impl std::fmt::Debug for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Taken({})", self.1)
    }
}

/// Pieces written but not flushed yet hold at most this many bytes before
/// the writer flushes by itself (so a tee never waits on an unbounded list).
const TEE_PENDING_MAX: usize = 1 << 20;

/// Appends records to an attempt's log file. The file is created on the
/// first line, so a task that prints nothing costs no file (readers treat a
/// missing log as empty). Past `cap` bytes the file is rewritten with only
/// its newest half, its header saying how much was dropped.
pub struct LogWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    /// Boxed: the writer travels in `Result`s, kept small.
    s: Box<Counters>,
    tee: Option<Box<TeeState>>,
}

struct TeeState {
    send: Tee,
    pending: Vec<(Stream, Vec<u8>, LineEnd)>,
    pending_bytes: usize,
    backlog: Option<Arc<Backlog>>,
}

struct Counters {
    /// Bytes in the file (written or buffered), header included.
    len: u64,
    /// Length of the file's header line.
    header_len: u64,
    /// Log offset of the first byte after the header.
    start: u64,
    cap: u64,
    /// The last time record written (Unix ms).
    last_ms: i64,
}

impl LogWriter {
    /// A writer for `path` with the default cap; nothing touches the disk
    /// until the first line.
    pub fn new(path: &Path) -> LogWriter {
        LogWriter {
            path: path.to_path_buf(),
            out: None,
            s: Box::new(Counters {
                len: 0,
                header_len: 0,
                start: 0,
                cap: DEFAULT_MAX_ATTEMPT_SIZE,
                last_ms: i64::MIN,
            }),
            tee: None,
        }
    }

    /// The same writer, also handing each piece it writes to `tee` after
    /// the flush that puts it in the file. The tee's reader is `backlog`
    /// behind, if it says.
    pub fn with_tee(mut self, tee: Tee, backlog: Option<Arc<Backlog>>) -> LogWriter {
        self.tee = Some(Box::new(TeeState {
            send: tee,
            pending: Vec::new(),
            pending_bytes: 0,
            backlog,
        }));
        self
    }

    /// The backlog of this writer's tee when it is full: a writer that can
    /// wait should, before it writes more.
    pub fn full_backlog(&self) -> Option<Arc<Backlog>> {
        self.tee
            .as_ref()
            .and_then(|t| t.backlog.clone())
            .filter(|b| b.is_full())
    }

    /// Records the size of the terminal a PTY task's output is drawn for,
    /// from here on (a `~ROWSxCOLS` record; readers that do not render
    /// terminals skip it).
    pub fn terminal_size(&mut self, rows: u16, cols: u16) -> io::Result<()> {
        self.ensure_open()?;
        if let Some(out) = self.out.as_mut() {
            let rec = format!("~{rows}x{cols}\n");
            out.write_all(rec.as_bytes())?;
            self.s.len += rec.len() as u64;
        }
        Ok(())
    }

    /// The same writer with another size cap (bytes on disk).
    pub fn with_cap(mut self, cap: u64) -> LogWriter {
        self.s.cap = cap.max(MIN_ATTEMPT_SIZE);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one complete line (without its newline).
    pub fn line(&mut self, stream: Stream, text: &[u8]) -> io::Result<()> {
        self.piece(stream, text, LineEnd::Newline)
    }

    /// Writes a piece of a line; a newline inside `text` ends a line there.
    pub fn piece(&mut self, stream: Stream, text: &[u8], end: LineEnd) -> io::Result<()> {
        let mut rest = text;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.record(stream, &rest[..i], LineEnd::Newline)?;
            rest = &rest[i + 1..];
        }
        self.record(stream, rest, end)?;
        if self.s.len > self.s.cap {
            self.compact()?;
        }
        if self
            .tee
            .as_ref()
            .is_some_and(|t| t.pending_bytes > TEE_PENDING_MAX)
        {
            self.flush()?;
        }
        Ok(())
    }

    fn ensure_open(&mut self) -> io::Result<()> {
        if self.out.is_none() {
            let mut out = BufWriter::with_capacity(64 << 10, create_log_file(&self.path)?);
            let header = format!("{HEADER} start=0\n");
            out.write_all(header.as_bytes())?;
            self.s.header_len = header.len() as u64;
            self.s.len = self.s.header_len;
            self.out = Some(out);
        }
        Ok(())
    }

    fn record(&mut self, stream: Stream, text: &[u8], end: LineEnd) -> io::Result<()> {
        self.ensure_open()?;
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let now = chrono::Utc::now().timestamp_millis();
        if now != self.s.last_ms {
            self.s.last_ms = now;
            let stamp = format!("@{now}\n");
            out.write_all(stamp.as_bytes())?;
            self.s.len += stamp.len() as u64;
        }
        let tag = stream.tag();
        let text = match end {
            LineEnd::Newline => text.strip_suffix(b"\r").unwrap_or(text),
            _ => text,
        };
        if end == LineEnd::Newline || !text.is_empty() {
            let tag = if end == LineEnd::Newline {
                tag
            } else {
                tag.to_ascii_uppercase()
            };
            out.write_all(&[tag])?;
            out.write_all(text)?;
            out.write_all(b"\n")?;
            self.s.len += 2 + text.len() as u64;
        }
        if end == LineEnd::Unterminated {
            out.write_all(&[b'-', stream.tag(), b'\n'])?;
            self.s.len += 3;
        }
        if let Some(tee) = self.tee.as_mut()
            && (end != LineEnd::Unterminated || !text.is_empty())
        {
            tee.pending_bytes += text.len();
            tee.pending.push((stream, text.to_vec(), end));
        }
        Ok(())
    }

    /// Rewrites the file with its newest half only (at a record boundary),
    /// the header saying how much is gone.
    fn compact(&mut self) -> io::Result<()> {
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        out.flush()?;
        drop(out);
        let mut old = File::open(&self.path)?;
        let cut = self.s.len - self.s.cap / 2;
        old.seek(SeekFrom::Start(cut))?;
        let mut reader = BufReader::with_capacity(64 << 10, old);
        let mut skipped = 0u64;
        // To the next record boundary.
        loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    reader.consume(i + 1);
                    skipped += i as u64 + 1;
                    break;
                }
                None => {
                    let n = buf.len();
                    reader.consume(n);
                    skipped += n as u64;
                }
            }
        }
        let keep_from = cut + skipped;
        let at = time_before(reader.get_mut(), keep_from, self.s.header_len)?;
        reader.seek(SeekFrom::Start(keep_from))?;
        let start = self.s.start + (keep_from - self.s.header_len);
        let tmp = self.path.with_extension("log.cap");
        let mut new = BufWriter::with_capacity(64 << 10, create_log_file(&tmp)?);
        let header = match at {
            Some(ms) => format!("{HEADER} start={start} at={ms}\n"),
            None => format!("{HEADER} start={start}\n"),
        };
        new.write_all(header.as_bytes())?;
        let copied = io::copy(&mut reader, &mut new)?;
        new.flush()?;
        std::fs::rename(&tmp, &self.path)?;
        self.s.header_len = header.len() as u64;
        self.s.start = start;
        self.s.len = self.s.header_len + copied;
        self.out = Some(new);
        Ok(())
    }

    /// Makes what was written visible to readers (`weft logs -f`).
    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(out) = &mut self.out {
            out.flush()?;
        }
        if let Some(tee) = self.tee.as_mut() {
            tee.pending_bytes = 0;
            for (stream, text, end) in tee.pending.drain(..) {
                (tee.send)(stream, &text, end);
            }
        }
        Ok(())
    }
}

impl Drop for LogWriter {
    /// What was written reaches the file (as `BufWriter` does) and the tee.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The time of the last `@` record before `pos` (looking back at most
/// 1 MiB), or the header's.
fn time_before(file: &mut File, pos: u64, header_len: u64) -> io::Result<Option<i64>> {
    let from = pos.saturating_sub(1 << 20).max(header_len);
    let mut buf = vec![0; (pos - from.min(pos)) as usize];
    file.seek(SeekFrom::Start(from))?;
    file.read_exact(&mut buf)?;
    let found = buf
        .split(|&b| b == b'\n')
        .rev()
        .find_map(|rec| rec.strip_prefix(b"@").and_then(parse_ms));
    if found.is_some() {
        return Ok(found);
    }
    file.seek(SeekFrom::Start(0))?;
    let mut head = Vec::new();
    BufReader::new(&mut *file)
        .take(256)
        .read_until(b'\n', &mut head)?;
    Ok(parse_header(&head).and_then(|h| h.at))
}

fn parse_ms(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

struct Header {
    start: u64,
    at: Option<i64>,
}

fn parse_header(line: &[u8]) -> Option<Header> {
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

fn format_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

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
enum Parsed<'a> {
    Text(Stream, &'a [u8], LineEnd),
    Time(i64),
    Size(u16, u16),
    /// A format 1 line, with its own time stamp.
    OldText(&'a [u8], Stream, &'a [u8]),
    Other,
}

fn parse_record(rec: &[u8]) -> Parsed<'_> {
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
struct Joiner {
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

/// The last lines of a log.
#[derive(Debug, Default, PartialEq)]
pub struct Tail {
    /// Oldest first; each at most the `max_line` bytes it ends with.
    pub lines: Vec<(Stream, String)>,
    /// Output comes before these lines (or was dropped by the cap).
    pub earlier: bool,
}

/// The last `n` lines of a log, read from the end of the file backwards:
/// the time does not grow with the log. A line longer than `max_line`
/// bytes keeps its end, after `…`.
pub fn tail_lines(path: &Path, n: usize, max_line: usize) -> io::Result<Tail> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Tail::default()),
        Err(e) => return Err(e),
    };
    let mut head = Vec::new();
    BufReader::new(&mut file)
        .take(256)
        .read_until(b'\n', &mut head)?;
    let (data_start, start) = match parse_header(&head) {
        Some(h) if head.ends_with(b"\n") => (head.len() as u64, h.start),
        _ => (0, 0),
    };
    // Newest first; per line: stream, its bytes (reversed pieces), cut,
    // and whether its beginning has been seen.
    struct Building {
        stream: Stream,
        pieces: Vec<Vec<u8>>,
        len: usize,
        cut: bool,
    }
    let mut lines: Vec<Building> = Vec::new();
    // Per stream, the index of its oldest line so far, until its start is known.
    let mut unfinished: Vec<(Stream, usize)> = Vec::new();
    let mut end = file.metadata()?.len();
    let mut carry: Vec<u8> = Vec::new();
    let mut first_block = true;
    const BLOCK: u64 = 64 << 10;
    let done = |lines: &Vec<Building>, unfinished: &Vec<(Stream, usize)>| {
        lines.len() > n && unfinished.iter().all(|(_, i)| *i >= n)
    };
    let mut reached_start = false;
    'blocks: while !done(&lines, &unfinished) {
        if end <= data_start {
            reached_start = true;
            break;
        }
        let from = end.saturating_sub(BLOCK).max(data_start);
        let mut buf = vec![0; (end - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut buf)?;
        buf.extend_from_slice(&carry);
        end = from;
        if first_block {
            // A record still being written at the end is not part of the log yet.
            let complete = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            buf.truncate(complete);
            first_block = false;
        }
        // The first record of the block may have begun in the block before.
        let first_end = if from > data_start {
            match buf.iter().position(|&b| b == b'\n') {
                Some(p) => p + 1,
                None => {
                    carry = buf;
                    continue;
                }
            }
        } else {
            0
        };
        let records = &buf[first_end..];
        let records = records.strip_suffix(b"\n").unwrap_or(records);
        {
            for rec in records.rsplit(|&b| b == b'\n') {
                let (stream, text, end_kind) = match parse_record(rec) {
                    Parsed::Text(s, t, e) => (s, t, e),
                    Parsed::OldText(_, s, t) => (s, t, LineEnd::Newline),
                    Parsed::Time(_) | Parsed::Size(..) | Parsed::Other => continue,
                };
                let slot = unfinished.iter().position(|(s, _)| *s == stream);
                let text = if end_kind == LineEnd::Unterminated {
                    &b""[..]
                } else {
                    text
                };
                if end_kind == LineEnd::Continues
                    && let Some(slot) = slot
                {
                    // A piece at the start of a line already begun (read backwards).
                    let b = &mut lines[unfinished[slot].1];
                    if b.len < max_line {
                        b.pieces.push(text.to_vec());
                        b.len += text.len();
                    } else {
                        b.cut = true;
                    }
                    continue;
                }
                if done(&lines, &unfinished) {
                    break 'blocks;
                }
                // The end of a line: a new line, the one before finished.
                unfinished.retain(|(s, _)| *s != stream);
                unfinished.push((stream, lines.len()));
                lines.push(Building {
                    stream,
                    pieces: vec![text.to_vec()],
                    len: text.len(),
                    cut: false,
                });
            }
        }
        carry = buf[..first_end].to_vec();
        if from <= data_start {
            reached_start = true;
            break;
        }
    }
    let earlier = lines.len() > n || !reached_start || start > 0;
    lines.truncate(n);
    let lines = lines
        .into_iter()
        .rev()
        .map(|b| {
            let mut bytes: Vec<u8> = b.pieces.into_iter().rev().flatten().collect();
            let mut cut = b.cut;
            if bytes.len() > max_line {
                bytes.drain(..bytes.len() - max_line);
                cut = true;
            }
            let text = String::from_utf8_lossy(&bytes);
            let text = if cut {
                format!("…{text}")
            } else {
                text.into_owned()
            };
            (b.stream, text)
        })
        .collect();
    Ok(Tail { lines, earlier })
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
            let (lines, next, more) = read_log_chunk(&path, offset, 1024).unwrap();
            assert!(
                lines.len() < 150,
                "a piece holds about 1 KiB, not {} lines",
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
        assert_eq!(read_log_chunk(&path, offset, 1024).unwrap().0.len(), 0);
        // The raw bytes say the same, without time stamps.
        let (bytes, next, more) = read_log_bytes(&path, 0, usize::MAX).unwrap();
        assert_eq!((next, more), (offset, false));
        let text = String::from_utf8(bytes).unwrap();
        let entries: Vec<(Stream, String)> = log_entries(&text)
            .map(|(s, t)| (s, t.into_owned()))
            .collect();
        assert_eq!(entries.len(), 1001);
        assert_eq!(entries[999], (Stream::Stdout, "line 999".to_string()));
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
        assert!(raw.contains("\nt\x1b[32mok"), "{raw:?}");
    }

    #[test]
    fn a_long_line_comes_back_whole_from_every_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.log");
        let mut w = LogWriter::new(&path);
        let piece = |i: u8| vec![b'a' + i; 64 << 10];
        w.line(Stream::Stderr, b"before").unwrap();
        for i in 0..3 {
            w.piece(Stream::Stdout, &piece(i), LineEnd::Continues)
                .unwrap();
        }
        // Another stream's line in the middle of the long one.
        w.line(Stream::Stderr, b"meanwhile").unwrap();
        w.piece(Stream::Stdout, b"end", LineEnd::Unterminated)
            .unwrap();
        w.flush().unwrap();
        let whole: Vec<u8> = [piece(0), piece(1), piece(2), b"end".to_vec()].concat();
        let (lines, _) = read_log(&path, 0).unwrap();
        let texts: Vec<(Stream, usize)> = lines.iter().map(|l| (l.stream, l.text.len())).collect();
        assert_eq!(
            texts,
            [
                (Stream::Stderr, 6),
                (Stream::Stderr, 9),
                (Stream::Stdout, whole.len())
            ]
        );
        assert_eq!(lines[2].text.as_bytes(), &whole[..]);
        // In small pieces too: the long line still comes whole, once.
        let (first, next, more) = read_log_chunk(&path, 0, 5).unwrap();
        assert_eq!(first.len(), 1);
        assert!(more);
        let (rest, _, _) = read_log_chunk(&path, next, 10).unwrap();
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[1].text.len(), whole.len());
        let (bytes, _, _) = read_log_bytes(&path, 0, 1 << 20).unwrap();
        let entries: Vec<(Stream, usize)> = log_entries(std::str::from_utf8(&bytes).unwrap())
            .map(|(s, t)| (s, t.len()))
            .collect();
        assert_eq!(entries, texts);
        // The record reader gives the bytes as printed, and says the end had no newline.
        let mut r = LogReader::open(&path, 0).unwrap().unwrap();
        let mut stdout = Vec::new();
        let mut last_end = None;
        while let Some((rec, _)) = r.next_record().unwrap() {
            if let Record::Text {
                stream: Stream::Stdout,
                text,
                end,
                ..
            } = rec
            {
                stdout.extend_from_slice(text);
                last_end = Some(end);
            }
        }
        assert_eq!(stdout, whole);
        assert_eq!(last_end, Some(LineEnd::Unterminated));
        let tail = tail_lines(&path, 2, 100).unwrap();
        assert_eq!(tail.lines[0], (Stream::Stderr, "meanwhile".to_string()));
        assert_eq!(tail.lines[1].1, format!("…{}end", "c".repeat(97)));
        assert!(tail.earlier);
    }

    #[test]
    fn short_lines_cost_little_more_than_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("y.log");
        let mut w = LogWriter::new(&path);
        for _ in 0..500_000 {
            w.line(Stream::Stdout, b"y").unwrap();
        }
        w.flush().unwrap();
        let on_disk = std::fs::metadata(&path).unwrap().len() as f64;
        let printed = 1_000_000.0;
        assert!(on_disk / printed < 1.6, "{on_disk} bytes for {printed}");
    }

    #[test]
    fn the_cap_keeps_the_newest_output_and_says_what_it_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("capped.log");
        let cap = 64 << 10;
        let mut w = LogWriter::new(&path).with_cap(cap);
        let mut follower = 0;
        let mut followed = Vec::new();
        for i in 0..20_000 {
            w.line(Stream::Stdout, format!("line {i:05}").as_bytes())
                .unwrap();
            if i == 100 {
                w.flush().unwrap();
                let (lines, next, _) = read_log_chunk(&path, follower, 1 << 20).unwrap();
                followed.extend(lines);
                follower = next;
            }
        }
        w.flush().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= cap + 100, "{size}");
        let (lines, end) = read_log(&path, 0).unwrap();
        assert_eq!(lines[0].stream, Stream::Weft);
        assert!(
            lines[0].text.starts_with("[weft: ")
                && lines[0].text.ends_with(" KiB of earlier output dropped]"),
            "{}",
            lines[0].text
        );
        assert_eq!(lines.last().unwrap().text, "line 19999");
        assert!(!lines[1].at.is_empty(), "the first kept line has its time");
        // Consecutive, newest kept.
        let first: usize = lines[1].text[5..].parse().unwrap();
        assert_eq!(lines.len() - 1, 20_000 - first);
        // A follower that fell behind the cap is told, and goes on.
        let (more, _, _) = read_log_chunk(&path, follower, 1 << 30).unwrap();
        assert!(more[0].text.contains("dropped"));
        assert_eq!(more.last().unwrap().text, "line 19999");
        // One that kept up reads on where it was.
        let (none, next, _) = read_log_chunk(&path, end, 1 << 20).unwrap();
        assert!(none.is_empty());
        assert_eq!(next, end);
        w.line(Stream::Stdout, b"after").unwrap();
        w.flush().unwrap();
        let (after, _, _) = read_log_chunk(&path, end, 1 << 20).unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].text, "after");
        let tail = tail_lines(&path, 3, 100).unwrap();
        assert_eq!(tail.lines[2].1, "after");
        assert!(tail.earlier);
    }

    #[test]
    fn format_1_logs_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.log");
        std::fs::write(
            &path,
            "2026-01-01T00:00:00.000Z o hello world\n2026-01-01T00:00:01.000Z e oops\n2026-01-01T00:00:02.000Z w \n",
        )
        .unwrap();
        let (lines, next) = read_log(&path, 0).unwrap();
        assert_eq!(lines[0].at, "2026-01-01T00:00:00.000Z");
        assert_eq!(lines[0].text, "hello world");
        assert_eq!(
            (lines[1].stream, lines[1].text.as_str()),
            (Stream::Stderr, "oops")
        );
        assert_eq!(
            (lines[2].stream, lines[2].text.as_str()),
            (Stream::Weft, "")
        );
        assert_eq!(next, std::fs::metadata(&path).unwrap().len());
        let tail = tail_lines(&path, 1, 100).unwrap();
        assert_eq!(tail.lines, [(Stream::Weft, String::new())]);
        assert!(tail.earlier);
        let raw = std::fs::read_to_string(&path).unwrap();
        assert_eq!(log_entries(&raw).count(), 3);
    }

    #[test]
    fn a_tail_reads_only_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let mut w = LogWriter::new(&path);
        for i in 0..200_000 {
            w.line(Stream::Stdout, format!("line {i}").as_bytes())
                .unwrap();
        }
        w.line(Stream::Stderr, b"error: it broke").unwrap();
        w.flush().unwrap();
        let tail = tail_lines(&path, 3, 4096).unwrap();
        assert_eq!(
            tail.lines,
            [
                (Stream::Stdout, "line 199998".to_string()),
                (Stream::Stdout, "line 199999".to_string()),
                (Stream::Stderr, "error: it broke".to_string()),
            ]
        );
        assert!(tail.earlier);
        let all = tail_lines(&path, 1_000_000, 4096).unwrap();
        assert_eq!(all.lines.len(), 200_001);
        assert!(!all.earlier);
        assert_eq!(all.lines[0].1, "line 0");
        assert_eq!(
            tail_lines(&dir.path().join("none"), 3, 10).unwrap(),
            Tail::default()
        );
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
