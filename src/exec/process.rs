//! Processes: each attempt in its own process group, stdout and stderr
//! tagged line by line into the attempt's log, the whole group stopped on
//! timeout, on cancellation, and when the main process exits (so nothing it
//! left behind keeps running or holds the log open).

use super::{Action, Executor, Job, StartError, Started};
use crate::logs::{LineEnd, LogWriter, Stream};
use crate::model::AttemptOutcome;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Child;

pub struct ProcessExecutor;

impl Executor for ProcessExecutor {
    fn start(&self, job: Job) -> Result<Started, (StartError, LogWriter)> {
        let Action::Process { program, args } = &job.action else {
            return Err((StartError("not a process".into()), job.log));
        };
        if !job.cwd.is_dir() {
            let why = format!(
                "working directory `{}` does not exist or is not a directory",
                job.cwd.display()
            );
            return Err((StartError(why), job.log));
        }
        // Look the program up once here (cached) rather than letting the
        // child try every `PATH` entry; a task's own `PATH` is honoured.
        let path_var = job
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| std::ffi::OsString::from(v))
            .or_else(|| std::env::var_os("PATH"));
        let resolved = match super::find_on(program, path_var.as_deref()) {
            Some(p) => p,
            None if program.contains('/') => std::path::PathBuf::from(program),
            None => {
                let e = std::io::Error::from(std::io::ErrorKind::NotFound);
                return Err((StartError(spawn_error(program, &e)), job.log));
            }
        };
        let mut cmd = tokio::process::Command::new(&resolved);
        cmd.arg0(program)
            .args(args)
            .envs(job.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&job.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => return Err((StartError(spawn_error(program, &e)), job.log)),
        };
        let pid = child.id().expect("a child that was just spawned has a pid");
        let pid_start = crate::sys::process_start_time(pid);
        let log = Arc::new(Mutex::new(job.log));
        let out = child.stdout.take();
        let err = child.stderr.take();
        // Both streams are read inside the supervising future itself: no
        // extra tasks to schedule for each attempt.
        let pumps = {
            let log = log.clone();
            async move {
                let o = async {
                    if let Some(o) = out {
                        pump(o, Stream::Stdout, log.clone()).await;
                    }
                };
                let e = async {
                    if let Some(e) = err {
                        pump(e, Stream::Stderr, log.clone()).await;
                    }
                };
                tokio::join!(o, e);
            }
        };
        let done = supervise(child, pid, job.timeout, job.grace, job.cancel, pumps, log);
        Ok(Started {
            pid: Some(pid),
            pid_start,
            done: Box::pin(done),
        })
    }
}

fn spawn_error(program: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound if program.contains('/') => {
            format!("program `{program}` not found")
        }
        std::io::ErrorKind::NotFound => {
            format!("program `{program}` not found on PATH; install it or give its full path")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("program `{program}` cannot be executed: permission denied (is it executable?)")
        }
        _ => format!("cannot start `{program}`: {e}"),
    }
}

/// The longest piece of a line written at once; a longer run of bytes
/// without a newline (binary output, a progress bar redrawn with `\r`) is
/// written in pieces of this size that readers join again, so memory stays
/// bounded whatever a task prints.
const MAX_LINE: usize = 64 * 1024;

async fn pump(stream: impl AsyncRead + Unpin, tag: Stream, log: Arc<Mutex<LogWriter>>) {
    let mut reader = BufReader::new(stream);
    let mut line: Vec<u8> = Vec::with_capacity(256);
    // A piece of the current line was written already.
    let mut continuing = false;
    loop {
        let (end, used, eof) = match reader.fill_buf().await {
            Err(_) => (
                (!line.is_empty() || continuing).then_some(LineEnd::Unterminated),
                0,
                true,
            ),
            Ok([]) => (
                (!line.is_empty() || continuing).then_some(LineEnd::Unterminated),
                0,
                true,
            ),
            Ok(buf) => {
                let room = MAX_LINE - line.len();
                match buf.iter().take(room).position(|&b| b == b'\n') {
                    Some(i) => {
                        line.extend_from_slice(&buf[..i]);
                        (Some(LineEnd::Newline), i + 1, false)
                    }
                    None => {
                        let n = buf.len().min(room);
                        line.extend_from_slice(&buf[..n]);
                        (
                            (line.len() >= MAX_LINE).then_some(LineEnd::Continues),
                            n,
                            false,
                        )
                    }
                }
            }
        };
        reader.consume(used);
        if let Some(end) = end {
            let full = {
                let mut w = log.lock().unwrap_or_else(|p| p.into_inner());
                let _ = w.piece(tag, &line, end);
                // Flush when nothing more is waiting, so followers see it now.
                if eof || reader.buffer().is_empty() {
                    let _ = w.flush();
                }
                w.full_backlog()
            };
            continuing = end == LineEnd::Continues;
            line.clear();
            // Whoever shows the output live fell behind: read no more (the
            // task waits on its pipe) until they catch up.
            if let Some(backlog) = full {
                let _ = log.lock().map(|mut w| w.flush());
                backlog.room().await;
            }
        }
        if eof {
            break;
        }
    }
}

fn signal_group(pid: u32, signal: Signal) {
    let _ = killpg(Pid::from_raw(pid as i32), signal);
}

/// SIGTERM to the group, up to `grace` for the main process to go, then SIGKILL.
async fn stop_group(
    child: &mut Child,
    pid: u32,
    grace: Duration,
) -> std::io::Result<std::process::ExitStatus> {
    signal_group(pid, Signal::SIGTERM);
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => status,
        Err(_) => {
            signal_group(pid, Signal::SIGKILL);
            child.wait().await
        }
    }
}

async fn supervise(
    mut child: Child,
    pid: u32,
    timeout: Option<Duration>,
    grace: Duration,
    mut cancel: tokio::sync::watch::Receiver<bool>,
    pumps: impl std::future::Future<Output = ()>,
    log: Arc<Mutex<LogWriter>>,
) -> AttemptOutcome {
    let deadline = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    enum Ended {
        Exited(std::io::Result<std::process::ExitStatus>),
        TimedOut,
        Cancelled,
    }
    let mut pumps = std::pin::pin!(pumps);
    let mut deadline = std::pin::pin!(deadline);
    let mut pumps_done = false;
    let ended = loop {
        tokio::select! {
            status = child.wait() => break Ended::Exited(status),
            _ = &mut pumps, if !pumps_done => pumps_done = true,
            _ = &mut deadline => break Ended::TimedOut,
            _ = async { let _ = cancel.wait_for(|c| *c).await; } => break Ended::Cancelled,
        }
    };
    let status = match ended {
        Ended::Exited(status) => status.map(Ok),
        Ended::TimedOut => stop_group(&mut child, pid, grace).await.map(|_| Err(true)),
        Ended::Cancelled => stop_group(&mut child, pid, grace).await.map(|_| Err(false)),
    };
    // Whatever the main process left in its group goes too (usually
    // nothing: one probe, and no signals, when the group is already gone).
    let leftovers = killpg(Pid::from_raw(pid as i32), None).is_ok();
    if leftovers {
        signal_group(pid, Signal::SIGTERM);
    }
    if !pumps_done {
        pumps_done = tokio::time::timeout(grace, &mut pumps).await.is_ok();
    }
    if leftovers || !pumps_done {
        signal_group(pid, Signal::SIGKILL);
    }
    if !pumps_done {
        // Killed: whatever held the output open is gone now.
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut pumps).await;
    }
    let mut w = log.lock().unwrap_or_else(|p| p.into_inner());
    if !pumps_done {
        let _ = w.line(
            Stream::Weft,
            b"output still open after the task ended; stopped what it left running",
        );
    }
    let outcome = match status {
        Ok(Ok(status)) => super::exited(status),
        Ok(Err(true)) => super::timed_out(&mut w, timeout.unwrap_or_default()),
        Ok(Err(false)) => {
            let _ = w.line(
                Stream::Weft,
                b"cancelled; stopped the task and its child processes",
            );
            AttemptOutcome::Cancelled
        }
        Err(e) => AttemptOutcome::FailedToStart {
            message: format!("lost track of the process: {e}"),
        },
    };
    let _ = w.flush();
    outcome
}
