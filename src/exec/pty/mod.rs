//! Interactive tasks: a program in its own PTY and session, with the one
//! authoritative `vt100` screen of that PTY (resized together with it), the
//! raw output teed into the attempt's log (tag `t`) and broadcast to
//! attached clients, input written back, and the facts a supervisor needs
//! (exit status, idle time, whether it waits for input, signalling the
//! whole session). Blocking PTY I/O stays on three threads per PTY (reader,
//! writer, waiter); everything the rest of weft calls is non-blocking or
//! async. Must not depend on the engine or anything above it; never prints.

use super::{StartError, find_on};
use crate::store::{LineEnd, LogWriter, Stream};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};
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

/// What a client needs to show a PTY: bytes that repaint a terminal to the
/// current screen, then every later output chunk, with nothing lost or
/// repeated in between.
pub struct Subscription {
    pub repaint: Vec<u8>,
    /// Raw output. `Lagged` means this client fell behind and missed
    /// chunks: subscribe again for a fresh repaint. `Closed` means the
    /// output has ended (every process holding the terminal is gone).
    pub output: broadcast::Receiver<Arc<[u8]>>,
}

/// Output chunks kept for a slow subscriber before it lags.
const BROADCAST_CHUNKS: usize = 1024;

/// The longest log line kept whole; longer runs without a newline are cut
/// into lines of this size (as `process` does), so memory stays bounded.
const MAX_LINE: usize = 64 * 1024;

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

/// The terminals attached to one PTY, by id, with the size each last
/// reported (none until it does).
#[derive(Default)]
struct Clients {
    next: u64,
    sizes: std::collections::BTreeMap<u64, TermSize>,
}

impl Clients {
    /// The smallest rows and the smallest columns of all (tmux's
    /// `window-size smallest`); `None` while no client has a size.
    fn smallest(&self) -> Option<TermSize> {
        self.sizes.values().copied().reduce(|a, b| TermSize {
            rows: a.rows.min(b.rows),
            cols: a.cols.min(b.cols),
        })
    }
}

/// One terminal attached to a PTY that sizes it. The PTY takes the
/// smallest rows and the smallest columns of the terminals attached
/// (tmux's `window-size smallest`), so every one of them shows the whole
/// screen; when one goes (this handle drops) the PTY grows to fit those
/// that remain; when the last goes it keeps its size. Watchers that only
/// look (read-only attaches) take no handle and do not size it.
pub struct PtyClient {
    session: Arc<PtySession>,
    id: u64,
}

impl PtyClient {
    /// This terminal's size changed (or is first known).
    pub fn resize(&self, size: TermSize) -> Result<(), PtyError> {
        check_size(size)?;
        let mut clients = lock(&self.session.clients);
        clients.sizes.insert(self.id, size);
        self.session.fit(&clients)
    }
}

impl Drop for PtyClient {
    fn drop(&mut self) {
        let mut clients = lock(&self.session.clients);
        clients.sizes.remove(&self.id);
        let _ = self.session.fit(&clients);
    }
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

    /// A terminal attaching: it sizes the PTY with the others attached
    /// until the handle drops (see [`PtyClient`]).
    pub fn client(self: &Arc<Self>) -> PtyClient {
        let mut clients = lock(&self.clients);
        clients.next += 1;
        PtyClient {
            session: self.clone(),
            id: clients.next,
        }
    }

    /// Resizes to what the attached clients need, when that changed.
    fn fit(&self, clients: &Clients) -> Result<(), PtyError> {
        match clients.smallest() {
            Some(size) if size != self.size() => self.resize(size),
            _ => Ok(()),
        }
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

    /// Reads the current screen (to draw it in the dashboard, or test it).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(lock(&self.shared.term).parser.screen())
    }

    /// Bytes that repaint a client terminal of the same size to the current
    /// screen: the alternate screen when the program uses it, then
    /// attributes reset, screen cleared, every cell, cursor position and
    /// visibility, and the input modes the program set (application
    /// keypad/cursor keys, bracketed paste, mouse reporting), so the
    /// client's keys are encoded as the program expects.
    pub fn screen_repaint(&self) -> Vec<u8> {
        repaint(lock(&self.shared.term).parser.screen())
    }

    /// The current screen and all later output, atomically (see
    /// [`Subscription`]). After the output has ended the stream is closed
    /// at once; the repaint still shows the last screen.
    pub fn subscribe(&self) -> Subscription {
        let term = lock(&self.shared.term);
        let repaint = repaint(term.parser.screen());
        let output = match &term.output {
            Some(tx) => tx.subscribe(),
            None => broadcast::channel(1).1,
        };
        Subscription { repaint, output }
    }

    /// Queues input for the program, as typed keys (`\r` is Enter).
    /// Never blocks: a writer thread waits when the program reads slowly.
    /// Refused once the output has ended: nobody is left to read it.
    pub fn write(&self, bytes: &[u8]) -> Result<(), PtyError> {
        let closed = PtyError::Closed { pid: self.pid };
        if self.is_output_closed() {
            return Err(closed);
        }
        self.input.send(bytes.to_vec()).map_err(|_| closed)
    }

    /// Time since the program last printed anything (since the start when
    /// it has printed nothing).
    pub fn idle_for(&self) -> Duration {
        let last = Duration::from_nanos(self.shared.last_output.load(Ordering::Relaxed));
        self.shared.started.elapsed().saturating_sub(last)
    }

    /// Whether the program seems to wait for its user: no output for
    /// `quiet`, still running, and (on Linux) every process of the PTY's
    /// foreground process group asleep. A program sleeping without reading
    /// also counts; one computing does not.
    pub fn is_waiting_for_input(&self, quiet: Duration) -> bool {
        if self.idle_for() < quiet || self.try_status().is_some() {
            return false;
        }
        #[cfg(target_os = "linux")]
        {
            let group = self.foreground_group().unwrap_or(self.pid);
            let members = proc_scan(|p| p.pgrp == group as i32);
            !members.is_empty() && members.iter().all(|p| p.state == 'S')
        }
        #[cfg(not(target_os = "linux"))]
        {
            true
        }
    }

    /// The process group the PTY currently gives its input to (the shell,
    /// or the job a shell with job control put in the foreground), if any.
    pub fn foreground_group(&self) -> Option<u32> {
        let group = lock(&self.master).process_group_leader()?;
        u32::try_from(group).ok()
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
        for p in proc_scan(|p| p.session == self.pid as i32) {
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

fn repaint(screen: &vt100::Screen) -> Vec<u8> {
    let mut out = Vec::new();
    if screen.alternate_screen() {
        out.extend_from_slice(b"\x1b[?1049h");
    }
    // vt100's state: attributes reset, clear, the cells, the cursor's
    // position and visibility, then the input modes.
    out.extend_from_slice(&screen.state_formatted());
    out
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

/// A spawned program and the ends of its PTY.
struct Started {
    pid: u32,
    master: Box<dyn MasterPty + Send>,
    reader: Box<dyn Read + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

fn start(
    program: &str,
    args: &[String],
    env: &[(String, String)],
    cwd: &Path,
    size: TermSize,
) -> Result<Started, PtyError> {
    check_size(size)?;
    // portable-pty quietly starts the program in the home directory when
    // the working directory is missing.
    if !cwd.is_dir() {
        return Err(PtyError::NoWorkingDirectory(cwd.to_path_buf()));
    }
    let resolved = resolve(program, env, cwd)?;
    check_interpreter(&resolved)?;
    let pair = native_pty_system()
        .openpty(pty_size(size))
        .map_err(|e| PtyError::Open(e.into()))?;
    let mut cmd = CommandBuilder::new(&resolved);
    cmd.args(args);
    cmd.cwd(cwd);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("COLUMNS");
    cmd.env_remove("LINES");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let spawn_error = |source: BoxError| PtyError::Spawn {
        program: program.to_string(),
        source,
    };
    // The fork happens on a thread of a known name, which the child keeps
    // until it executes the program: see `confirm_exec`.
    let slave = pair.slave;
    let child = std::thread::Builder::new()
        .name(FORK_THREAD.into())
        .spawn(move || {
            let child = slave.spawn_command(cmd);
            // Only the child may hold the terminal's other end: while weft
            // holds it too, the output never ends.
            drop(slave);
            child
        })
        .map_err(|e| spawn_error(e.into()))?
        .join()
        .map_err(|_| spawn_error("the thread starting it panicked".into()))?
        .map_err(|e| spawn_error(e.into()))?;
    let pid = child
        .process_id()
        .ok_or_else(|| spawn_error("the new process has no pid".into()))?;
    confirm_exec(pid, &resolved)?;
    let reader = pair
        .master
        .try_clone_reader()
        .map_err(|e| PtyError::Open(e.into()))?;
    let writer = pair
        .master
        .take_writer()
        .map_err(|e| PtyError::Open(e.into()))?;
    Ok(Started {
        pid,
        master: pair.master,
        reader,
        writer,
        child,
    })
}

/// The name of the thread that forks PTY children (at most 15 bytes, the
/// kernel's limit for a task name).
const FORK_THREAD: &str = "weft-pty-fork";

/// Makes sure the child executed the program. portable-pty's child closes
/// every inherited descriptor before `execve`, std's error-reporting pipe
/// included, so a failed `execve` looks like a successful spawn (the child
/// then aborts). On Linux the child's task name tells: it is the forking
/// thread's name until `execve` succeeds, and a child that ends still
/// bearing it never ran the program (it is reaped here).
fn confirm_exec(pid: u32, path: &Path) -> Result<(), PtyError> {
    #[cfg(target_os = "linux")]
    {
        // Executing takes a millisecond or so; the bound only guards
        // against a child stuck before it (then the waiter reports).
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut pause = Duration::from_micros(100);
        while let Some(stat) = proc_stat(&pid.to_string()) {
            if stat.comm != FORK_THREAD || Instant::now() > deadline {
                return Ok(());
            }
            if stat.state == 'Z' {
                let _ = nix::sys::wait::waitpid(Pid::from_raw(pid as i32), None);
                return Err(PtyError::ExecFailed {
                    path: path.to_path_buf(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
    let _ = (pid, path);
    Ok(())
}

/// For a script, the interpreter on its `#!` line must exist: when it
/// does not, `execve` fails inside the child (see `confirm_exec`) and says
/// nothing useful.
fn check_interpreter(path: &Path) -> Result<(), PtyError> {
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let Some(line) = head[..n].strip_prefix(b"#!") else {
        return Ok(());
    };
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    match line.split_whitespace().next() {
        Some(interpreter) if !Path::new(interpreter).is_file() => {
            Err(PtyError::MissingInterpreter {
                path: path.to_path_buf(),
                interpreter: interpreter.to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// The program's path, looked up as `process` does (the task's own `PATH`
/// first), so a missing program is a clear error before anything starts.
fn resolve(program: &str, env: &[(String, String)], cwd: &Path) -> Result<PathBuf, PtyError> {
    if program.contains('/') {
        let path = cwd.join(program);
        return match path.is_file() {
            true => Ok(path),
            false => Err(PtyError::ProgramMissing { path }),
        };
    }
    let path_var = env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| std::ffi::OsString::from(v))
        .or_else(|| std::env::var_os("PATH"));
    find_on(program, path_var.as_deref()).ok_or_else(|| PtyError::ProgramNotOnPath {
        program: program.to_string(),
    })
}

/// The reader thread: every chunk goes to the screen and the subscribers
/// (under one lock), then to the log, flushed.
fn read_output(mut reader: Box<dyn Read + Send>, shared: &Shared, closed: watch::Sender<bool>) {
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

/// The writer thread: input in order, until the session is dropped or the
/// terminal is gone.
fn write_input(mut writer: Box<dyn Write + Send>, input: mpsc::Receiver<Vec<u8>>) {
    while let Ok(bytes) = input.recv() {
        if writer
            .write_all(&bytes)
            .and_then(|()| writer.flush())
            .is_err()
        {
            break;
        }
    }
}

/// Reaps the program. `waitpid` rather than portable-pty's `wait`, whose
/// status names a signal in words ("Terminated") instead of its number.
fn wait_for_exit(pid: u32) -> Result<ExitStatus, std::io::ErrorKind> {
    use nix::sys::wait::{WaitStatus, waitpid};
    loop {
        match waitpid(Pid::from_raw(pid as i32), None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(ExitStatus::from_raw((code & 0xff) << 8)),
            Ok(WaitStatus::Signaled(_, signal, core)) => {
                return Ok(ExitStatus::from_raw(
                    signal as i32 | if core { 0x80 } else { 0 },
                ));
            }
            // Stopped/continued are not reported without WUNTRACED.
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(std::io::Error::from(e).kind()),
        }
    }
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

/// One process as `/proc/<pid>/stat` describes it.
#[cfg(target_os = "linux")]
struct ProcStat {
    comm: String,
    state: char,
    pgrp: i32,
    session: i32,
}

#[cfg(target_os = "linux")]
fn proc_stat(pid: &str) -> Option<ProcStat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let mut fields = stat.get(close + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    Some(ProcStat {
        comm,
        state,
        pgrp,
        session,
    })
}

/// The live processes (zombies excluded) that match.
#[cfg(target_os = "linux")]
fn proc_scan(wanted: impl Fn(&ProcStat) -> bool) -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|pid| proc_stat(&pid))
        .filter(|p| p.state != 'Z' && wanted(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{read_log, strip_escapes};

    /// Every wait in these tests ends by this bound, with the screen shown.
    const BOUND: Duration = Duration::from_secs(15);

    fn spec(dir: &Path, argv: &[&str], size: TermSize) -> PtySpec {
        PtySpec {
            program: argv[0].to_string(),
            args: argv[1..].iter().map(|a| a.to_string()).collect(),
            env: vec![("WEFT_TEST".into(), "1".into())],
            cwd: dir.to_path_buf(),
            size,
            log: LogWriter::new(&dir.join("attempt.log")),
        }
    }

    fn spawn(spec: PtySpec) -> Arc<PtySession> {
        PtySession::spawn(spec).map_err(|(e, _)| e).unwrap()
    }

    fn spawn_err(spec: PtySpec) -> PtyError {
        match PtySession::spawn(spec) {
            Ok(s) => panic!("{} started (pid {})", s.program(), s.pid()),
            Err((e, _log)) => e,
        }
    }

    fn screen(s: &PtySession) -> String {
        s.with_screen(|sc| sc.contents())
    }

    /// Waits, output chunk by output chunk, until the screen shows `text`.
    async fn until_screen_shows(s: &PtySession, text: &str) {
        let mut sub = s.subscribe();
        let deadline = tokio::time::Instant::now() + BOUND;
        while !screen(s).contains(text) {
            match tokio::time::timeout_at(deadline, sub.output.recv()).await {
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) => {
                    assert!(
                        screen(s).contains(text),
                        "output ended; screen:\n{}",
                        screen(s)
                    );
                }
                Err(_) => panic!("no {text:?} on the screen:\n{}", screen(s)),
            }
        }
    }

    async fn exit_status(s: &PtySession) -> ExitStatus {
        tokio::time::timeout(BOUND, s.wait())
            .await
            .expect("the program exits in time")
            .expect("its status is known")
    }

    async fn output_closed(s: &PtySession) {
        tokio::time::timeout(BOUND, s.output_closed())
            .await
            .expect("the output ends in time");
    }

    /// A fresh terminal fed a subscription (repaint, then every chunk until
    /// the output ends) shows what the session shows.
    async fn replay(sub: Subscription, size: TermSize) -> vt100::Parser {
        let mut term = vt100::Parser::new(size.rows, size.cols, 0);
        term.process(&sub.repaint);
        let mut output = sub.output;
        loop {
            match tokio::time::timeout(BOUND, output.recv()).await {
                Ok(Ok(chunk)) => term.process(&chunk),
                Ok(Err(broadcast::error::RecvError::Closed)) => return term,
                Ok(Err(e)) => panic!("{e}"),
                Err(_) => panic!("the stream never closed"),
            }
        }
    }

    #[tokio::test]
    async fn a_prompt_is_answered_and_a_late_subscriber_sees_the_screen() {
        let dir = tempfile::tempdir().unwrap();
        let size = TermSize::default();
        let script = r#"read -p "name? " n; echo "hello $n"; read -p "again? " m; echo "bye $m""#;
        let s = spawn(spec(dir.path(), &["bash", "-c", script], size));
        let early = s.subscribe();
        until_screen_shows(&s, "name? ").await;
        s.write(b"bob\r").unwrap();
        until_screen_shows(&s, "again? ").await;
        assert!(screen(&s).contains("hello bob"), "{}", screen(&s));

        // Attaching now repaints what is on the screen, not a blank.
        let late = s.subscribe();
        let mut repainted = vt100::Parser::new(size.rows, size.cols, 0);
        repainted.process(&late.repaint);
        assert_eq!(repainted.screen().contents(), screen(&s));
        assert!(
            repainted
                .screen()
                .contents()
                .contains("name? bob\nhello bob\nagain? ")
        );
        assert_eq!(
            repainted.screen().cursor_position(),
            s.with_screen(|sc| sc.cursor_position())
        );
        assert_eq!(s.screen_repaint(), late.repaint);

        s.write(b"x\r").unwrap();
        let status = exit_status(&s).await;
        assert_eq!(status.code(), Some(0), "{status:?}");
        output_closed(&s).await;
        assert!(screen(&s).contains("bye x"), "{}", screen(&s));

        // Both subscribers, early and late, end up with the session's screen.
        let last = screen(&s);
        assert_eq!(replay(early, size).await.screen().contents(), last);
        assert_eq!(replay(late, size).await.screen().contents(), last);
        assert!(matches!(s.write(b"late\r"), Err(PtyError::Closed { .. })));

        let (lines, _) = read_log(&dir.path().join("attempt.log"), 0).unwrap();
        assert!(
            lines.iter().all(|l| l.stream == Stream::Terminal),
            "{lines:?}"
        );
        let text: Vec<String> = lines.iter().map(|l| strip_escapes(&l.text)).collect();
        assert_eq!(
            text,
            ["name? bob", "hello bob", "again? x", "bye x"],
            "{lines:?}"
        );
        for t in &text {
            assert!(!t.chars().any(|c| c.is_control()), "{t:?}");
        }
    }

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
    async fn attached_clients_size_the_pty_by_the_smallest_of_them() {
        let dir = tempfile::tempdir().unwrap();
        // `stty size` for every line typed, as the program sees it.
        let s = spawn(spec(
            dir.path(),
            &[
                "bash",
                "-c",
                "while read l; do echo \"$l: $(stty size)\"; done",
            ],
            TermSize { rows: 24, cols: 80 },
        ));
        let size = |rows, cols| TermSize { rows, cols };
        let big = s.client();
        let small = s.client();
        // A client without a size yet counts for nothing.
        big.resize(size(40, 150)).unwrap();
        assert_eq!(s.size(), size(40, 150));
        // Rows and columns each from the smallest.
        small.resize(size(30, 200)).unwrap();
        assert_eq!(s.size(), size(30, 150));
        small.resize(size(20, 60)).unwrap();
        assert_eq!(s.size(), size(20, 60));
        s.write(b"a\r").unwrap();
        until_screen_shows(&s, "a: 20 60").await;
        // The small one goes: the PTY grows to fit the one that remains.
        drop(small);
        assert_eq!(s.size(), size(40, 150));
        s.write(b"b\r").unwrap();
        until_screen_shows(&s, "b: 40 150").await;
        // The last one goes: the size stays.
        drop(big);
        assert_eq!(s.size(), size(40, 150));
        assert!(matches!(
            s.client().resize(size(0, 10)),
            Err(PtyError::BadSize { .. })
        ));
        s.kill_group(Signal::SIGKILL).unwrap();
    }

    #[tokio::test]
    async fn a_program_that_cannot_start_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let started = Instant::now();
        let size = TermSize::default();

        let e = spawn_err(spec(d, &["definitely-not-a-program-weft"], size));
        assert!(matches!(e, PtyError::ProgramNotOnPath { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "program `definitely-not-a-program-weft` not found on PATH; \
             install it or give its full path"
        );

        let e = spawn_err(spec(d, &["./missing.sh"], size));
        assert!(matches!(e, PtyError::ProgramMissing { .. }), "{e}");
        assert!(e.to_string().ends_with("missing.sh` not found"), "{e}");

        let mut in_nowhere = spec(d, &["bash"], size);
        in_nowhere.cwd = d.join("nowhere");
        let e = spawn_err(in_nowhere);
        assert!(matches!(e, PtyError::NoWorkingDirectory(_)), "{e}");

        // A script whose interpreter is missing: caught before the start.
        use std::os::unix::fs::PermissionsExt;
        let executable = std::fs::Permissions::from_mode(0o755);
        let script = d.join("old.sh");
        std::fs::write(&script, "#!/nonexistent/bin/tclsh -f\nputs hi\n").unwrap();
        std::fs::set_permissions(&script, executable.clone()).unwrap();
        let e = spawn_err(spec(d, &["./old.sh"], size));
        assert!(
            e.to_string()
                .contains("names `/nonexistent/bin/tclsh` on its `#!` line"),
            "{e}"
        );

        // An interpreter that is there but cannot be executed: `execve`
        // fails inside the child, which portable-pty reports as started.
        let interp = d.join("interp");
        std::fs::write(&interp, "not a program").unwrap();
        std::fs::write(&script, format!("#!{}\necho hi\n", interp.display())).unwrap();
        let e = spawn_err(spec(d, &["./old.sh"], size));
        assert!(matches!(e, PtyError::ExecFailed { .. }), "{e}");
        assert!(
            e.to_string().starts_with("the system could not execute `"),
            "{e}"
        );

        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_read_prompt_waits_for_input_and_a_busy_program_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let size = TermSize::default();
        let quiet = Duration::from_millis(300);

        let prompt = spawn(spec(
            dir.path(),
            &["bash", "-c", r#"read -p "answer: " a; echo "got $a""#],
            size,
        ));
        until_screen_shows(&prompt, "answer: ").await;
        assert!(!prompt.is_waiting_for_input(Duration::from_secs(3600)));
        let deadline = Instant::now() + BOUND;
        while !prompt.is_waiting_for_input(quiet) {
            assert!(
                Instant::now() < deadline,
                "never waiting: {}",
                screen(&prompt)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(prompt.idle_for() >= quiet);
        assert_eq!(prompt.foreground_group(), Some(prompt.pid()));
        prompt.write(b"y\r").unwrap();
        until_screen_shows(&prompt, "got y").await;
        assert!(exit_status(&prompt).await.success());
        assert!(
            !prompt.is_waiting_for_input(Duration::ZERO),
            "it has exited"
        );

        // Printing all the time: never quiet long enough.
        let ticker = spawn(spec(
            dir.path(),
            &["bash", "-c", "while :; do echo tick; sleep 0.02; done"],
            size,
        ));
        let mut sub = ticker.subscribe();
        let watched = Instant::now();
        let mut chunks = 0;
        while watched.elapsed() < quiet * 3 {
            tokio::time::timeout(BOUND, sub.output.recv())
                .await
                .expect("it keeps printing")
                .expect("its output is open");
            chunks += 1;
            assert!(!ticker.is_waiting_for_input(quiet), "after {chunks} chunks");
        }

        // Computing without printing: quiet, but not asleep.
        let busy = spawn(spec(
            dir.path(),
            &["bash", "-c", "while :; do :; done"],
            size,
        ));
        let deadline = Instant::now() + BOUND;
        while busy.idle_for() < quiet * 2 {
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!busy.is_waiting_for_input(quiet));
        for s in [&ticker, &busy] {
            s.kill_group(Signal::SIGKILL).unwrap();
            assert_eq!(exit_status(s).await.signal(), Some(Signal::SIGKILL as i32));
        }
    }

    fn pid_on_screen(s: &PtySession, key: &str) -> u32 {
        let text = screen(s);
        let at = text.find(key).expect("the pid is on the screen") + key.len();
        let digits: String = text[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    }

    async fn until_gone(pid: u32) {
        let deadline = Instant::now() + BOUND;
        // `process_start_time` is `None` for a process that is gone or a zombie.
        while crate::sys::process_start_time(pid).is_some() {
            assert!(Instant::now() < deadline, "process {pid} still runs");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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
        let own_group = proc_stat(&own.to_string()).expect("it runs").pgrp;
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

    #[tokio::test]
    async fn a_repaint_restores_the_alternate_screen_and_input_modes() {
        let dir = tempfile::tempdir().unwrap();
        let size = TermSize { rows: 10, cols: 40 };
        let script = r#"printf '\033[?1049h\033[?1h\033[?2004h\033[3;5Hfull screen'; read"#;
        let s = spawn(spec(dir.path(), &["bash", "-c", script], size));
        until_screen_shows(&s, "full screen").await;
        let repaint = s.screen_repaint();
        assert!(repaint.starts_with(b"\x1b[?1049h"));
        let mut client = vt100::Parser::new(size.rows, size.cols, 0);
        client.process(&repaint);
        let shown = client.screen();
        assert!(shown.alternate_screen() && shown.application_cursor());
        assert!(shown.bracketed_paste());
        assert_eq!(shown.cursor_position(), (2, 15));
        assert_eq!(shown.contents(), screen(&s));
        s.write(b"\r").unwrap();
        assert!(exit_status(&s).await.success());
    }

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
