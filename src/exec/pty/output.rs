//! The PTY's output as the reader thread takes it: onto the screen and to
//! the subscribers, and into the attempt's log cut into lines.

use super::{Shared, lock};
use crate::logs::{LineEnd, Stream};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::watch;

/// The longest log line kept whole; longer runs without a newline are cut
/// into lines of this size (as `process` does), so memory stays bounded.
const MAX_LINE: usize = 64 * 1024;

/// The reader thread: every chunk goes to the screen and the subscribers
/// (under one lock), then to the log, flushed.
pub(super) fn read_output(
    mut reader: Box<dyn Read + Send>,
    shared: &Shared,
    closed: watch::Sender<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut lines = LineSplitter::default();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // portable-pty turns EIO (the last holder closed the terminal)
            // into end of file; anything else ends the output too.
            Err(_) => break,
        };
        let chunk = &buf[..n];
        let since_start = shared.started.elapsed().as_nanos();
        shared.last_output.store(
            u64::try_from(since_start).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        {
            let mut term = lock(&shared.term);
            term.parser.process(chunk);
            if let Some(tx) = &term.output {
                // No subscriber is fine.
                let _ = tx.send(Arc::from(chunk));
            }
        }
        let mut log = lock(&shared.log);
        lines.push(chunk, |line, end| {
            let _ = log.piece(Stream::Terminal, line, end);
        });
        let _ = log.flush();
    }
    {
        let mut log = lock(&shared.log);
        lines.finish(|line, end| {
            let _ = log.piece(Stream::Terminal, line, end);
        });
        let _ = log.flush();
    }
    lock(&shared.term).output = None;
    let _ = closed.send(true);
}

/// Cuts output into log lines at `\n` (the `\r` before it is dropped by the
/// log), and lines longer than [`MAX_LINE`] into pieces the log joins again.
#[derive(Default)]
struct LineSplitter {
    partial: Vec<u8>,
    /// A piece of the current line went out already.
    continuing: bool,
}

impl LineSplitter {
    fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(&[u8], LineEnd)) {
        while !chunk.is_empty() {
            let room = MAX_LINE - self.partial.len();
            match chunk.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => {
                    self.partial.extend_from_slice(&chunk[..i]);
                    emit(&self.partial, LineEnd::Newline);
                    self.partial.clear();
                    self.continuing = false;
                    chunk = &chunk[i + 1..];
                }
                None => {
                    let n = chunk.len().min(room);
                    self.partial.extend_from_slice(&chunk[..n]);
                    chunk = &chunk[n..];
                    if self.partial.len() >= MAX_LINE {
                        emit(&self.partial, LineEnd::Continues);
                        self.partial.clear();
                        self.continuing = true;
                    }
                }
            }
        }
    }

    /// The last line, when the output did not end with a newline.
    fn finish(&mut self, mut emit: impl FnMut(&[u8], LineEnd)) {
        if !self.partial.is_empty() || self.continuing {
            emit(&self.partial, LineEnd::Unterminated);
            self.partial.clear();
            self.continuing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_cut_into_log_lines() {
        let mut lines = Vec::new();
        let mut split = LineSplitter::default();
        let mut ends = Vec::new();
        let mut add = |l: &[u8], end| {
            lines.push(l.to_vec());
            ends.push(end);
        };
        split.push(b"one\r\ntw", &mut add);
        split.push(b"o\n\nthree", &mut add);
        split.push(&vec![b'x'; MAX_LINE + 10], &mut add);
        split.finish(&mut add);
        assert_eq!(ends[3..], [LineEnd::Continues, LineEnd::Unterminated]);
        assert_eq!(
            lines[..3],
            [b"one\r".to_vec(), b"two".to_vec(), b"".to_vec()]
        );
        assert_eq!(lines[3].len(), MAX_LINE);
        assert!(lines[3].starts_with(b"threex"));
        assert_eq!(lines[4], b"x".repeat(15));
        assert_eq!(lines.len(), 5);
    }
}
