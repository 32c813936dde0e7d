//! `weft dash`: the dashboard's runtime. Keys and the daemon's answers
//! become actions; `tui::update` turns them into state and effects; the
//! effects become API calls whose answers are actions again. The screen is
//! redrawn after each batch, and restored on every way out (quit, panic,
//! SIGTERM, SIGHUP); a lost daemon shows a banner while it keeps trying.

use super::remote::{connect, runtime};
use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::api::{Client, PauseRequest, RetryRequest, RunsQuery};
use crate::model::now_ms;
use crate::tui::keymap::Mode;
use crate::tui::{Action, Effect, Keymap, State, update};
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc;

/// Runs listed at most (newest first).
const RUNS_SHOWN: usize = 500;

pub fn dash(ctx: &Context) -> CmdResult {
    let keymap = Keymap::with_overrides(&ctx.config.dash.keys)
        .map_err(|e| CmdError::Usage(format!("error: {e}")))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CmdError::Usage("error: `weft dash` needs a terminal; for scripts use `weft ps --json` or `weft events -f --json`".into()));
    }
    let rt = runtime()?;
    let client = rt.block_on(connect(ctx))?;
    let mut terminal = ratatui::try_init()?;
    let result = rt.block_on(run(&mut terminal, client, keymap));
    ratatui::restore();
    result.map(|()| EXIT_OK)
}

async fn run(
    terminal: &mut ratatui::DefaultTerminal,
    client: Client,
    keymap: Keymap,
) -> Result<(), CmdError> {
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
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    loop {
        // The log pane's height follows the terminal's (less the bars).
        state.log_height = terminal
            .size()
            .map_or(20, |s| s.height.saturating_sub(3) as usize);
        terminal.draw(|f| crate::tui::render::render(&state, &keymap, f))?;
        let mut actions = Vec::new();
        tokio::select! {
            _ = tick.tick() => {
                actions.push(Action::Tick(now_ms()));
                let (client, tx) = (client.clone(), tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(match client.status().await {
                        Ok(s) => Action::DaemonBack(s.version),
                        Err(e) => Action::DaemonLost(e.to_string()),
                    });
                });
            }
            Some(event) = keys.recv() => {
                if let crossterm::event::Event::Key(key) = event
                    && key.kind == crossterm::event::KeyEventKind::Press
                {
                    let mode = if state.confirm.is_some() {
                        Mode::Confirming
                    } else if state.filtering {
                        Mode::Filtering
                    } else {
                        Mode::Normal
                    };
                    actions.extend(keymap.action(key, mode));
                }
            }
            Some(action) = rx.recv() => actions.push(action),
            _ = term.recv() => return Ok(()),
            _ = hup.recv() => return Ok(()),
        }
        // Take what else is waiting, then draw once.
        while let Ok(action) = rx.try_recv() {
            actions.push(action);
        }
        for action in actions {
            for effect in update(&mut state, action) {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Copy(text) => {
                        // OSC 52: the terminal (even over ssh) sets its clipboard.
                        use std::io::Write;
                        let mut out = std::io::stdout();
                        let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
                        let _ = out.flush();
                        continue;
                    }
                    _ => {}
                }
                perform(effect, &client, &tx);
            }
        }
    }
}

/// Carries out an effect in the background; its answer comes back as an action.
fn perform(effect: Effect, client: &Client, tx: &mpsc::UnboundedSender<Action>) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let answer = match effect {
            Effect::LoadRuns => {
                let query = RunsQuery {
                    limit: Some(RUNS_SHOWN),
                    ..RunsQuery::default()
                };
                match client.runs(&query).await {
                    Ok(runs) => Action::RunsLoaded(runs),
                    Err(e) => Action::DaemonLost(e.to_string()),
                }
            }
            Effect::LoadLog { run, task, offset } => {
                match client.log(run.as_str(), task.as_str(), offset).await {
                    Ok(chunk) => Action::LogLoaded {
                        task,
                        from: offset,
                        chunk,
                    },
                    Err(e) => Action::Notice(e.to_string()),
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
            Effect::Quit | Effect::Copy(_) => return,
        };
        let _ = tx.send(answer);
    });
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
