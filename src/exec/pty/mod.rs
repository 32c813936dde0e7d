//! Interactive tasks: a program in its own PTY and session, with the one
//! authoritative `vt100` screen of that PTY (resized together with it), the
//! raw output teed into the attempt's log (tag `t`) and broadcast to
//! attached clients, input written back, and the facts a supervisor needs
//! (exit status, idle time, whether it waits for input, signalling the
//! whole session). Blocking PTY I/O stays on three threads per PTY (reader,
//! writer, waiter); everything the rest of weft calls is non-blocking or
//! async. Must not depend on the engine or anything above it; never prints.

mod clients;
mod input;
mod output;
mod screen;
mod spawn;
#[cfg(test)]
mod test_support;

pub use clients::PtyClient;
pub use screen::Subscription;

use super::StartError;
use crate::logs::LogWriter;
use clients::Clients;
use input::write_input;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use output::read_output;
use portable_pty::{MasterPty, PtySize};
use spawn::{Started, start, wait_for_exit};
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::Instant;
use tokio::sync::{broadcast, watch};

/// A terminal's size in character cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermSize {
    pub rows: u16,
    pub cols: u16,
}

impl Default for TermSize {
    fn default() -> Self {
        TermSize { rows: 24, cols: 80 }
    }
}

/// What to start in a PTY.
pub struct PtySpec {
    pub program: String,
    pub args: Vec<String>,
    /// Added to (or replacing in) the environment weft runs with. `TERM`
    /// defaults to `xterm-256color` (what the screen emulates), whatever
    /// weft's own terminal is; `COLUMNS` and `LINES` are removed so the
    /// program asks the PTY for its size.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub size: TermSize,
    /// The attempt's log; every output line goes there tagged `t`.
    pub log: LogWriter,
}

/// Why a PTY could not be started or used.
#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    #[error("program `{program}` not found on PATH; install it or give its full path")]
    ProgramNotOnPath { program: String },
    #[error("program `{}` not found", .path.display())]
    ProgramMissing { path: PathBuf },
    #[error(
        "program `{}` names `{interpreter}` on its `#!` line, which is not there; \
         fix the line or install it",
        .path.display()
    )]
    MissingInterpreter { path: PathBuf, interpreter: String },
    #[error(
        "the system could not execute `{}`: check that it is executable, built for \
         this machine, on a filesystem that allows executing, and that its `#!` line \
         names a working interpreter",
        .path.display()
    )]
    ExecFailed { path: PathBuf },
    #[error("working directory `{}` does not exist or is not a directory", .0.display())]
    NoWorkingDirectory(PathBuf),
    #[error("a terminal of {rows}x{cols} is impossible; rows and columns must be at least 1")]
    BadSize { rows: u16, cols: u16 },
    #[error("cannot open a PTY: {0}")]
    Open(#[source] BoxError),
    #[error("cannot start `{program}` in a PTY: {source}")]
    Spawn {
        program: String,
        #[source]
        source: BoxError,
    },
    #[error("cannot resize the PTY of process {pid}: {source}")]
    Resize {
        pid: u32,
        #[source]
        source: BoxError,
    },
    #[error("the PTY of process {pid} is closed: the task has ended")]
    Closed { pid: u32 },
    #[error("cannot signal the processes of the PTY of process {pid}: {source}")]
    Signal {
        pid: u32,
        #[source]
        source: nix::errno::Errno,
    },
    #[error("the exit status of process {pid} was lost: {kind}")]
    StatusLost { pid: u32, kind: std::io::ErrorKind },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl From<PtyError> for StartError {
    fn from(e: PtyError) -> Self {
        StartError(e.to_string())
    }
}

/// Output chunks kept for a slow subscriber before it lags.
const BROADCAST_CHUNKS: usize = 1024;

/// A program running in a PTY of its own. The program is the leader of a
/// new session (and so of a process group whose id is its pid), with the
/// PTY as its controlling terminal.
///
/// Dropping the session kills whatever still runs in it (SIGKILL): stop it
/// gracefully first with [`PtySession::kill_group`] if that matters.
pub struct PtySession {
    pid: u32,
    program: String,
    shared: Arc<Shared>,
    /// The PTY's controlling side; only resize and foreground queries use it
    /// (the reader and writer threads hold their own descriptors).
    master: Mutex<Box<dyn MasterPty + Send>>,
    input: mpsc::Sender<Vec<u8>>,
    exit: watch::Receiver<Option<Result<ExitStatus, std::io::ErrorKind>>>,
    closed: watch::Receiver<bool>,
    /// The terminals attached now, and their sizes (see [`PtyClient`]).
    clients: Mutex<Clients>,
}

/// What the session shares with its reader thread.
struct Shared {
    /// The screen and the broadcast are changed under one lock, so a
    /// subscriber's repaint and its stream fit together exactly.
    term: Mutex<Term>,
    log: Mutex<LogWriter>,
    started: Instant,
    /// Nanoseconds from `started` to the last output.
    last_output: AtomicU64,
}

struct Term {
    parser: vt100::Parser,
    /// `None` once the PTY's output has ended.
    output: Option<broadcast::Sender<Arc<[u8]>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PtySession {
    /// Starts `spec.program` in a new PTY. Blocks for the fork and `execve`
    /// (about a millisecond; from async code that minds, use
    /// `spawn_blocking`). On failure the log is handed back, so the caller
    /// can record why.
    pub fn spawn(spec: PtySpec) -> Result<Arc<PtySession>, (PtyError, LogWriter)> {
        let PtySpec {
            program,
            args,
            env,
            cwd,
            size,
            log,
        } = spec;
        match start(&program, &args, &env, &cwd, size) {
            Ok(started) => Ok(PtySession::run(program, started, size, log)),
            Err(e) => Err((e, log)),
        }
    }

    fn run(program: String, started: Started, size: TermSize, mut log: LogWriter) -> Arc<Self> {
        // Readers render the transcript at the size it was drawn for.
        let _ = log.terminal_size(size.rows, size.cols);
        let Started {
            pid,
            master,
            reader,
            writer,
            child,
        } = started;
        let (output, _) = broadcast::channel(BROADCAST_CHUNKS);
        let shared = Arc::new(Shared {
            term: Mutex::new(Term {
                parser: vt100::Parser::new(size.rows.max(2), size.cols.max(2), 0),
                output: Some(output),
            }),
            log: Mutex::new(log),
            started: Instant::now(),
            last_output: AtomicU64::new(0),
        });
        let (closed_tx, closed) = watch::channel(false);
        let (exit_tx, exit) = watch::channel(None);
        let (input, input_rx) = mpsc::channel::<Vec<u8>>();
        // Thread spawns fail only when the system is out of threads; the
        // session cannot work without them.
        {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("weft-pty-read-{pid}"))
                .spawn(move || read_output(reader, &shared, closed_tx))
                .expect("starting a PTY reader thread");
        }
        std::thread::Builder::new()
            .name(format!("weft-pty-write-{pid}"))
            .spawn(move || write_input(writer, input_rx))
            .expect("starting a PTY writer thread");
        std::thread::Builder::new()
            .name(format!("weft-pty-wait-{pid}"))
            .spawn(move || {
                let status = wait_for_exit(pid);
                // Reaped: the child handle has nothing left to do.
                drop(child);
                let _ = exit_tx.send(Some(status));
            })
            .expect("starting a PTY waiter thread");
        Arc::new(PtySession {
            pid,
            program,
            shared,
            master: Mutex::new(master),
            input,
            exit,
            closed,
            clients: Mutex::new(Clients::default()),
        })
    }

    /// The program's pid, which is also its session and process group id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The program as the spec named it.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The size of the PTY (and of its screen).
    pub fn size(&self) -> TermSize {
        let (rows, cols) = lock(&self.shared.term).parser.screen().size();
        TermSize { rows, cols }
    }

    /// Resizes the PTY (the program gets SIGWINCH) and the screen together.
    pub fn resize(&self, size: TermSize) -> Result<(), PtyError> {
        check_size(size)?;
        // Under the screen's lock: output that arrives meanwhile is parsed
        // at the new size, as the program produced it.
        let mut term = lock(&self.shared.term);
        lock(&self.master)
            .resize(pty_size(size))
            .map_err(|e| PtyError::Resize {
                pid: self.pid,
                source: e.into(),
            })?;
        // The parser panics on a screen of one row or column; the program
        // still gets the size it asked for.
        term.parser
            .screen_mut()
            .set_size(size.rows.max(2), size.cols.max(2));
        let _ = lock(&self.shared.log).terminal_size(size.rows, size.cols);
        Ok(())
    }

    /// Sends `signal` to every process of the session: the program's own
    /// process group and, on Linux, the other groups its job control made
    /// (`set -m`, an interactive shell's jobs). Processes that started a
    /// session of their own (`setsid`, daemons) are beyond reach. Having
    /// nothing left to signal is not an error. TERM, a grace period, then
    /// KILL is the caller's policy.
    pub fn kill_group(&self, signal: Signal) -> Result<(), PtyError> {
        let mut groups = vec![self.pid as i32];
        #[cfg(target_os = "linux")]
        for p in crate::sys::proc_scan(|p| p.session == self.pid as i32) {
            if !groups.contains(&p.pgrp) {
                groups.push(p.pgrp);
            }
        }
        for group in groups {
            match killpg(Pid::from_raw(group), signal) {
                Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
                Err(source) => {
                    return Err(PtyError::Signal {
                        pid: self.pid,
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    /// The exit status once the program has exited (its own, not that of
    /// what it left running).
    pub fn try_status(&self) -> Option<ExitStatus> {
        match *self.exit.borrow() {
            Some(Ok(status)) => Some(status),
            _ => None,
        }
    }

    /// Waits for the program to exit. Its output may still be arriving (or
    /// held open by something it started): see [`PtySession::output_closed`].
    pub async fn wait(&self) -> Result<ExitStatus, PtyError> {
        let mut exit = self.exit.clone();
        let status = match exit.wait_for(Option::is_some).await {
            Ok(status) => *status,
            // The waiter thread always reports before it goes.
            Err(_) => None,
        };
        match status {
            Some(Ok(status)) => Ok(status),
            Some(Err(kind)) => Err(PtyError::StatusLost {
                pid: self.pid,
                kind,
            }),
            None => Err(PtyError::StatusLost {
                pid: self.pid,
                kind: std::io::ErrorKind::Other,
            }),
        }
    }

    /// Waits until the PTY's output has ended: every process holding the
    /// terminal has gone, and all it printed is on the screen, in the log
    /// (flushed) and sent to subscribers.
    pub async fn output_closed(&self) {
        let mut closed = self.closed.clone();
        let _ = closed.wait_for(|c| *c).await;
    }

    /// Whether the output has ended (see [`PtySession::output_closed`]).
    pub fn is_output_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// The attempt's log, for weft's own lines (`Stream::Weft`) about this
    /// task. The reader thread waits while it is held.
    pub fn log(&self) -> MutexGuard<'_, LogWriter> {
        lock(&self.shared.log)
    }
}

impl Drop for PtySession {
    fn drop(&mut self) {
        // Nothing can attach to or stop what is left once the handle is
        // gone. When the program has exited and its terminal is closed,
        // the group is gone too and its id may belong to someone else.
        if self.try_status().is_none() || !self.is_output_closed() {
            let _ = self.kill_group(Signal::SIGKILL);
        }
    }
}

impl std::fmt::Debug for PtySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the screen: it may show secrets the user typed.
        f.debug_struct("PtySession")
            .field("pid", &self.pid)
            .field("program", &self.program)
            .field("size", &self.size())
            .finish_non_exhaustive()
    }
}

fn check_size(size: TermSize) -> Result<(), PtyError> {
    if size.rows == 0 || size.cols == 0 {
        return Err(PtyError::BadSize {
            rows: size.rows,
            cols: size.cols,
        });
    }
    Ok(())
}

fn pty_size(size: TermSize) -> PtySize {
    PtySize {
        rows: size.rows,
        cols: size.cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[tokio::test]
    async fn resizing_changes_the_pty_and_the_screen_together() {
        let dir = tempfile::tempdir().unwrap();
        let s = spawn(spec(
            dir.path(),
            &["bash", "-c", "read; stty size"],
            TermSize { rows: 24, cols: 80 },
        ));
        let bigger = TermSize {
            rows: 30,
            cols: 100,
        };
        s.resize(bigger).unwrap();
        s.write(b"\r").unwrap();
        until_screen_shows(&s, "30 100").await;
        assert_eq!(s.size(), bigger);
        assert_eq!(s.with_screen(|sc| sc.size()), (30, 100));
        assert!(matches!(
            s.resize(TermSize { rows: 0, cols: 10 }),
            Err(PtyError::BadSize { .. })
        ));
        assert!(exit_status(&s).await.success());
    }

    #[tokio::test]
    async fn kill_group_stops_the_program_and_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        // One grandchild in the program's group, one in a group of its own
        // (job control), both in the PTY's session.
        let script = r#"sleep 300 & echo "same=$!"; set -m; sleep 301 & echo "own=$!"; wait"#;
        let s = spawn(spec(
            dir.path(),
            &["bash", "-c", script],
            TermSize::default(),
        ));
        until_screen_shows(&s, "own=").await;
        let same = pid_on_screen(&s, "same=");
        let own = pid_on_screen(&s, "own=");
        let own_group = crate::sys::proc_stat(own).expect("it runs").pgrp;
        assert_ne!(own_group, s.pid() as i32, "the test needs a second group");

        s.kill_group(Signal::SIGTERM).unwrap();
        let status = exit_status(&s).await;
        assert_eq!(status.signal(), Some(Signal::SIGTERM as i32), "{status:?}");
        until_gone(same).await;
        until_gone(own).await;
        output_closed(&s).await;
        // Nothing left: still no error.
        s.kill_group(Signal::SIGKILL).unwrap();
    }

    #[tokio::test]
    async fn dropping_a_session_stops_what_runs_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = spawn(spec(
            dir.path(),
            &[
                "bash",
                "-c",
                r#"trap "" HUP TERM; echo "pid=$$"; sleep 300"#,
            ],
            TermSize::default(),
        ));
        until_screen_shows(&s, "pid=").await;
        let pid = s.pid();
        drop(s);
        until_gone(pid).await;
    }
}
