//! `weft attach RUN TASK` and `weft send RUN TASK TEXT`: a terminal on an
//! interactive task the daemon runs. Attaching puts this terminal in raw
//! mode, repaints the task's current screen, then passes keys one way and
//! output the other; the detach key (Ctrl-] unless `daemon.detach_key`
//! says otherwise) detaches and leaves the task running. A task of a
//! foreground `weft run` is reached on that run's own socket
//! (`daemon::run_host`), any other through the daemon. The
//! terminal is restored on every way out: detach, the task's end, a lost
//! daemon, a signal, a panic.

use super::daemon_client::{client_error, connect, runtime};
use super::terminal::{ModeTracker, RawMode, key_reader};
use super::{CmdError, CmdResult, Context, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE};
use crate::api::{ClientError, ErrorCode, Frame, InputRequest};
use crate::cli::{AttachArgs, LogsArgs, SendArgs};
use std::io::{IsTerminal, Write};
use tokio::signal::unix::{SignalKind, signal};

enum End {
    Detached,
    Exited { code: i32, text: String },
    Lost(String),
    Signalled(&'static str),
}

pub fn attach(ctx: &Context, args: AttachArgs) -> CmdResult {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CmdError::Usage(
            "`weft attach` needs a terminal; use `weft send` to type into a task from a script"
                .into(),
        ));
    }
    let rt = runtime()?;
    let io = rt.block_on(async {
        let (client, run) = match foreground_host(ctx, &args.run).await {
            Some(found) => found,
            None => (connect(ctx).await?, args.run.clone()),
        };
        match client.attach(&run, &args.task, args.read_only).await {
            Ok(io) => Ok(Some(io)),
            Err(ClientError::Api(e)) if e.code == ErrorCode::NotInteractive => Ok(None),
            Err(e) => Err(client_error(e)),
        }
    })?;
    let Some(io) = io else {
        eprintln!(
            "weft: task `{}` is not interactive; following its log instead (Ctrl-C to stop)",
            args.task
        );
        drop(rt);
        return super::logs::logs(
            ctx,
            LogsArgs {
                run: args.run,
                task: Some(args.task),
                follow: true,
                attempt: None,
                json: false,
                raw: false,
                tail: None,
            },
        );
    };
    let end = {
        let _raw = RawMode::enter()?;
        rt.block_on(session(io, args.read_only, ctx.config.detach_key()))?
    };
    // The terminal is cooked again: say how it ended.
    match end {
        End::Detached => {
            eprintln!(
                "weft: detached; the task goes on (`weft attach {} {}` again)",
                args.run, args.task
            );
            Ok(EXIT_OK)
        }
        End::Exited { code, text } => {
            eprintln!("weft: task `{}` ended: {text}", args.task);
            Ok(if code == 0 {
                EXIT_OK
            } else {
                super::EXIT_FAILED
            })
        }
        End::Lost(why) => {
            eprintln!("weft: lost the daemon: {why}");
            Ok(EXIT_UNAVAILABLE)
        }
        End::Signalled(which) => {
            eprintln!("weft: {which}; detached");
            Ok(super::EXIT_INTERRUPTED)
        }
    }
}

async fn session(
    io: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
    read_only: bool,
    detach_key: u8,
) -> Result<End, CmdError> {
    let (mut reader, mut writer) = tokio::io::split(io);
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    if !read_only {
        let _ = Frame::Resize { rows, cols }.write(&mut writer).await;
    }
    let mut keys = key_reader();
    let mut winch = signal(SignalKind::window_change()).map_err(CmdError::Io)?;
    let mut term = signal(SignalKind::terminate()).map_err(CmdError::Io)?;
    let mut hup = signal(SignalKind::hangup()).map_err(CmdError::Io)?;
    // Raw mode turns Ctrl-C into a key for the task; this is `kill -INT`.
    let mut int = signal(SignalKind::interrupt()).map_err(CmdError::Io)?;
    let mut modes = ModeTracker::new();
    let mut out = std::io::stdout();
    loop {
        tokio::select! {
            frame = Frame::read(&mut reader) => match frame {
                Ok(Some(Frame::Output(bytes))) => {
                    modes.feed(&bytes);
                    out.write_all(&bytes)?;
                    out.flush()?;
                }
                Ok(Some(Frame::Exit { code, text })) => return Ok(End::Exited { code, text }),
                Ok(Some(_)) => {}
                Ok(None) => return Ok(End::Lost("the connection closed".into())),
                Err(e) => return Ok(End::Lost(e.to_string())),
            },
            key = keys.recv() => {
                let Some(bytes) = key else { return Ok(End::Detached) };
                if let Some(at) = bytes.iter().position(|&b| b == detach_key) {
                    if !read_only && at > 0 {
                        let _ = Frame::Input(bytes[..at].to_vec()).write(&mut writer).await;
                    }
                    return Ok(End::Detached);
                }
                if !read_only && Frame::Input(bytes).write(&mut writer).await.is_err() {
                    return Ok(End::Lost("the connection closed".into()));
                }
            },
            _ = winch.recv() => {
                if let (false, Ok((c, r))) = (read_only, crossterm::terminal::size()) {
                    let _ = Frame::Resize { rows: r, cols: c }.write(&mut writer).await;
                }
            },
            _ = term.recv() => return Ok(End::Signalled("terminated")),
            _ = hup.recv() => return Ok(End::Signalled("hung up")),
            _ = int.recv() => return Ok(End::Signalled("interrupted")),
        }
    }
}

/// The endpoint of a foreground `weft run` hosting `run`, when one
/// answers: its client and the run's full id. Anything else (no such run,
/// no store, a socket left by a killed run) means asking the daemon.
async fn foreground_host(ctx: &Context, run: &str) -> Option<(crate::api::Client, String)> {
    let store = ctx.reading_store().ok()?;
    let id = store.resolve(run).ok()?;
    let socket = crate::daemon::run_host::run_socket_path(&ctx.paths, &id);
    if !socket.exists() {
        return None;
    }
    tokio::net::UnixStream::connect(&socket).await.ok()?;
    Some((crate::api::Client::new(&socket), id.to_string()))
}

pub fn send(ctx: &Context, args: SendArgs) -> CmdResult {
    runtime()?.block_on(async {
        let (client, run) = match foreground_host(ctx, &args.run).await {
            Some(found) => found,
            None => (connect(ctx).await?, args.run.clone()),
        };
        let req = InputRequest {
            text: args.text,
            enter: args.enter,
        };
        match client.send_input(&run, &args.task, &req).await {
            Ok(()) => Ok(EXIT_OK),
            Err(ClientError::Api(e)) if e.code == ErrorCode::NotInteractive => {
                eprintln!("error: {}\n  {}", e.message, e.hint.unwrap_or_default());
                Ok(EXIT_USAGE)
            }
            Err(e) => Err(client_error(e)),
        }
    })
}
