//! The dashboard's runtime: keys and the daemon's answers become actions;
//! `update` turns them into state and effects; the effects become API
//! calls whose answers are actions again. The screen is redrawn after each
//! batch; a lost daemon shows a banner while it keeps trying. (`weft dash`
//! sets the terminal up and restores it on every way out.)

use super::action::{LogPiece, RunsPage};
use super::keymap::Mode;
use super::state::KnownWorkflow;
use super::terminal_link::{TermCommand, attach};
use super::{Action, Effect, Keymap, State, View, update};
use crate::api::{Client, ClientError, PauseRequest, RetryRequest, RunsQuery};
use crate::model::now_ms;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Log bytes asked for at once (a fast log is read piece after piece).
const LOG_PIECE: usize = 2 << 20;
/// How soon a log that is being written is read again.
const LOG_POLL: Duration = Duration::from_millis(100);

/// Frame times, written to `WEFT_DASH_STATS` on the way out (for the
/// benchmark in bench/dash.sh): a line per frame with the time it was
/// drawn (ms since the epoch) and how long drawing took (µs), then the
/// process's memory from /proc (`# VmRSS: ...`, `# VmHWM: ...`).
struct Stats {
    path: std::path::PathBuf,
    frames: Vec<(i64, u128)>,
}

impl Drop for Stats {
    fn drop(&mut self) {
        let mut text: String = self
            .frames
            .iter()
            .map(|(at, took)| format!("{at} {took}\n"))
            .collect();
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            for line in status
                .lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
            {
                text.push_str(&format!("# {line}\n"));
            }
        }
        let _ = std::fs::write(&self.path, text);
    }
}

/// Runs the dashboard on `terminal` until the user quits (or a signal
/// ends it), talking to the daemon through `client`.
pub async fn run(
    terminal: &mut ratatui::DefaultTerminal,
    client: Client,
    keymap: Keymap,
    stats: Option<std::path::PathBuf>,
    color: bool,
) -> std::io::Result<()> {
    let mut stats = stats.map(|path| Stats {
        path,
        frames: Vec::new(),
    });
    let mut state = State::new(now_ms());
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    // Keys, from a blocking reader thread.
    let (keys_tx, mut keys) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(event) = crossterm::event::read() {
            if keys_tx.send(event).is_err() {
                break;
            }
        }
    });
    let mut term_conn: Option<mpsc::UnboundedSender<TermCommand>> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    // At most one frame per this long: output bursts are drawn together.
    let frame_gap = Duration::from_millis(16);
    let mut last_draw = Instant::now() - frame_gap;
    let mut dirty = true;
    loop {
        let mut actions = Vec::new();
        // Sizes follow the terminal's.
        if let Ok(size) = terminal.size() {
            let screen = ratatui::layout::Rect::new(0, 0, size.width, size.height);
            state.log_height = super::render::list_height(screen);
            state.list_height = state.log_height;
            if state.view == View::Terminal {
                let (rows, cols) = super::render::terminal_size(screen);
                if state.term.as_ref().is_some_and(|t| t.size != (rows, cols)) {
                    actions.push(Action::PaneSize(rows, cols));
                }
            }
        }
        if dirty && actions.is_empty() && last_draw.elapsed() >= frame_gap {
            let started = Instant::now();
            terminal.draw(|f| {
                super::render::render(&state, &keymap, f);
                if !color {
                    super::render::drop_colours(f.buffer_mut());
                }
            })?;
            if let Some(stats) = &mut stats {
                stats.frames.push((now_ms(), started.elapsed().as_micros()));
            }
            last_draw = Instant::now();
            dirty = false;
        }
        if actions.is_empty() {
            let next_frame = tokio::time::Instant::from_std(last_draw + frame_gap);
            tokio::select! {
                // A change came too soon after the last frame: draw it now.
                _ = tokio::time::sleep_until(next_frame), if dirty => continue,
                _ = tick.tick() => {
                    actions.push(Action::Tick(now_ms()));
                    let (client, tx) = (client.clone(), tx.clone());
                    tokio::spawn(async move {
                        // A daemon that hangs is as lost as one that is gone.
                        let answer = tokio::time::timeout(Duration::from_secs(3), client.status()).await;
                        let _ = tx.send(match answer {
                            Ok(Ok(s)) => Action::DaemonBack(s.version),
                            Ok(Err(e)) => Action::DaemonLost(e.to_string()),
                            Err(_) => Action::DaemonLost("the daemon does not answer".into()),
                        });
                    });
                }
                Some(event) = keys.recv() => {
                    actions.extend(key_action(&state, &keymap, event.clone()));
                    if matches!(event, crossterm::event::Event::Resize(..)) {
                        dirty = true;
                    }
                }
                Some(action) = rx.recv() => actions.push(action),
                _ = term.recv() => return Ok(()),
                _ = hup.recv() => return Ok(()),
            }
        }
        // Take what else is waiting, then draw once.
        while let Ok(action) = rx.try_recv() {
            actions.push(action);
        }
        dirty |= !actions.is_empty();
        for action in actions {
            for effect in update(&mut state, action) {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Copy(text) => {
                        // OSC 52: the terminal (even over ssh) sets its
                        // clipboard; written through ratatui's backend.
                        use std::io::Write;
                        let out = terminal.backend_mut();
                        let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
                        let _ = out.flush();
                    }
                    Effect::Attach {
                        run,
                        task,
                        rows,
                        cols,
                    } => {
                        term_conn = Some(attach(&client, &tx, run.to_string(), task, rows, cols));
                    }
                    Effect::TermInput(bytes) => {
                        if let Some(conn) = &term_conn {
                            let _ = conn.send(TermCommand::Input(bytes));
                        }
                    }
                    Effect::TermResize { rows, cols } => {
                        if let Some(conn) = &term_conn {
                            let _ = conn.send(TermCommand::Resize(rows, cols));
                        }
                    }
                    Effect::Detach => term_conn = None,
                    other => perform(other, &client, &tx),
                }
            }
        }
    }
}

/// The action a key means in the dashboard's current situation.
fn key_action(state: &State, keymap: &Keymap, event: crossterm::event::Event) -> Option<Action> {
    let crossterm::event::Event::Key(key) = event else {
        return None;
    };
    if key.kind != crossterm::event::KeyEventKind::Press {
        return None;
    }
    let typing_search = state.typing_search();
    let mode = if state.confirm.is_some() {
        Mode::Confirming
    } else if state.start.as_ref().is_some_and(|d| d.form.is_some()) {
        Mode::Form
    } else if state.filtering || typing_search {
        Mode::Filtering
    } else if state.view == View::Terminal && state.term.as_ref().is_some_and(|t| t.focused) {
        Mode::Terminal
    } else {
        Mode::Normal
    };
    keymap.action(key, mode, &state.view)
}

/// Carries out an effect in the background; its answer comes back as an action.
fn perform(effect: Effect, client: &Client, tx: &mpsc::UnboundedSender<Action>) {
    let (client, tx) = (client.clone(), tx.clone());
    let soon = matches!(effect, Effect::LoadLogSoon { .. });
    tokio::spawn(async move {
        let answer = match effect {
            Effect::LoadRuns { page, limit } => {
                let query = RunsQuery {
                    limit: Some(limit),
                    offset: match page {
                        RunsPage::Older { offset } => Some(offset),
                        _ => None,
                    },
                    active: Some(page == RunsPage::Active),
                    ..RunsQuery::default()
                };
                match client.runs(&query).await {
                    Ok(runs) => Action::RunsLoaded { page, limit, runs },
                    Err(e) => Action::DaemonLost(e.to_string()),
                }
            }
            Effect::LoadLog { run, task, offset } | Effect::LoadLogSoon { run, task, offset } => {
                if soon {
                    tokio::time::sleep(LOG_POLL).await;
                }
                match client
                    .log_raw(run.as_str(), task.as_str(), offset, LOG_PIECE)
                    .await
                {
                    Ok(raw) => Action::LogLoaded {
                        task,
                        from: offset,
                        chunk: LogPiece::from_raw(&raw),
                    },
                    Err(e) => Action::LogFailed(e.to_string()),
                }
            }
            Effect::LoadDetail(run) => match client.run(run.as_str()).await {
                Ok(detail) => Action::DetailLoaded(Box::new(detail)),
                Err(e) => Action::Notice(e.to_string()),
            },
            Effect::Cancel(run) => notice(
                client
                    .cancel(run.as_str())
                    .await
                    .map(|_| format!("cancelling {run}")),
            ),
            Effect::Pause(run) => notice(
                client
                    .pause(run.as_str(), &PauseRequest::default())
                    .await
                    .map(|_| format!("{run} paused")),
            ),
            Effect::Resume(run) => notice(
                client
                    .resume(run.as_str())
                    .await
                    .map(|_| format!("{run} resumed")),
            ),
            Effect::Retry { run, from } => notice(
                client
                    .retry(
                        run.as_str(),
                        &RetryRequest {
                            from: from.map(|t| t.to_string()),
                        },
                    )
                    .await
                    .map(|a| format!("retrying {run} as {}", a.run)),
            ),
            Effect::LoadWaiting => match client.waiting().await {
                Ok(list) => {
                    Action::WaitingLoaded(list.into_iter().map(|w| (w.run, w.task)).collect())
                }
                Err(e) => Action::DaemonLost(e.to_string()),
            },
            Effect::LoadWorkflows => match client.workflows().await {
                Ok(list) => Action::WorkflowsLoaded(list.into_iter().map(known).collect()),
                Err(e) => Action::StartFailed(e.to_string()),
            },
            Effect::Start { file, params } => {
                // Submitted like `weft submit FILE`: the file as it is now.
                match std::fs::read_to_string(&file) {
                    Err(e) => Action::StartFailed(format!("cannot read {file}: {e}")),
                    Ok(source) => {
                        let req = crate::api::SubmitRequest {
                            file,
                            source,
                            params,
                            concurrency: None,
                        };
                        match client.submit(&req).await {
                            Ok(answer) => Action::Started(answer.run),
                            Err(ClientError::Api(e)) => Action::StartFailed(e.message),
                            Err(e) => Action::StartFailed(e.to_string()),
                        }
                    }
                }
            }
            Effect::Quit
            | Effect::Copy(_)
            | Effect::Attach { .. }
            | Effect::TermInput(_)
            | Effect::TermResize { .. }
            | Effect::Detach => return,
        };
        let _ = tx.send(answer);
    });
}

/// A workflow the daemon knows, as the start dialog shows it.
fn known(w: crate::api::WorkflowInfo) -> KnownWorkflow {
    KnownWorkflow {
        name: w.name,
        file: w.file,
        params: w
            .params
            .into_iter()
            .map(|p| {
                let default = p.default.map(|v| match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                });
                (p.name, p.required, default)
            })
            .collect(),
        problem: (!w.valid).then(|| {
            w.diagnostics
                .as_deref()
                .and_then(|d| d.lines().next())
                .unwrap_or("invalid")
                .trim_start_matches("error: ")
                .to_string()
        }),
    }
}

fn notice(result: Result<String, crate::api::ClientError>) -> Action {
    Action::Notice(match result {
        Ok(text) => text,
        Err(e) => e.to_string(),
    })
}

/// Standard base64, for OSC 52.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"r2failed01"), "cjJmYWlsZWQwMQ==");
    }
}
