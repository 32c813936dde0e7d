//! One log file per attempt: its format, its writer and the one streaming
//! reader every command and the daemon use. Executors write logs, so this
//! module knows nothing of the database. Also [`strip_escapes`], which
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

mod reader;
mod record;
mod tail;
#[cfg(test)]
mod tests;
mod text;
mod writer;

#[cfg(test)]
pub use reader::read_log;
pub use reader::{LogReader, log_entries, read_log_bytes, read_log_chunk};
pub use record::{Record, Stamp};
pub use tail::{Tail, tail_lines};
pub use text::{dropped_message, human_size, strip_escapes};
pub use writer::{Backlog, LogWriter, Taken, Tee};

use std::fs::File;
use std::io;
use std::path::Path;

pub(super) const HEADER: &str = "#weft-log 2";

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
    pub(super) fn tag(self) -> u8 {
        match self {
            Stream::Stdout => b'o',
            Stream::Stderr => b'e',
            Stream::Terminal => b't',
            Stream::Weft => b'w',
        }
    }

    pub(super) fn from_tag(c: u8) -> Option<Stream> {
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
pub(super) fn create_log_file(path: &Path) -> io::Result<File> {
    crate::private_fs::create(path)
}
