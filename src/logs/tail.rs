//! The last lines of a log, read backwards from its end.

use super::record::*;
use super::{LineEnd, Stream};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

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
