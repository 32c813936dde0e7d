//! Writing an attempt's log: records appended, the size cap, and the tee
//! that hands each piece to a live display (with its backlog).

use super::record::*;
use super::{HEADER, LineEnd, Stream, create_log_file};
use crate::config::{DEFAULT_MAX_ATTEMPT_SIZE, MIN_ATTEMPT_SIZE};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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
pub(super) const TEE_PENDING_MAX: usize = 1 << 20;

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

pub(super) struct TeeState {
    send: Tee,
    pending: Vec<(Stream, Vec<u8>, LineEnd)>,
    pending_bytes: usize,
    backlog: Option<Arc<Backlog>>,
}

pub(super) struct Counters {
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
pub(super) fn time_before(file: &mut File, pos: u64, header_len: u64) -> io::Result<Option<i64>> {
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
