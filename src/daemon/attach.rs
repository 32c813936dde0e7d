//! One attached terminal, on the daemon's side: repaint, then stream the
//! task's output; apply the client's input; count its size with the other
//! attached terminals' (the PTY takes the smallest, `exec::PtyClient`);
//! report the exit.

use crate::api::Frame;
use crate::exec::{PtySession, TermSize};
use std::os::unix::process::ExitStatusExt;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast::error::RecvError;

/// Types `req` into a task's terminal (`weft send`), for the daemon and a
/// foreground run's host alike.
pub fn type_into(
    session: &PtySession,
    req: crate::api::InputRequest,
    task: &str,
) -> Result<serde_json::Value, crate::api::ApiError> {
    let mut bytes = req.text.into_bytes();
    if req.enter {
        bytes.push(b'\r');
    }
    session.write(&bytes).map_err(|e| {
        crate::api::ApiError::new(
            crate::api::ErrorCode::Conflict,
            format!("cannot type into task `{task}`: {e}"),
        )
    })?;
    Ok(serde_json::json!({"written": bytes.len()}))
}

pub async fn serve(
    io: impl AsyncRead + AsyncWrite + Unpin + Send,
    session: Arc<PtySession>,
    read_only: bool,
) {
    let (mut reader, mut writer) = tokio::io::split(io);
    // Sizes the PTY with the other attached terminals until this one goes.
    let client = (!read_only).then(|| session.client());
    let mut sub = session.subscribe();
    if Frame::Output(sub.repaint).write(&mut writer).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            out = sub.output.recv() => match out {
                Ok(bytes) => {
                    if Frame::Output(bytes.to_vec()).write(&mut writer).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Too slow to keep up: start again from the screen as it is.
                    sub = session.subscribe();
                    if Frame::Output(sub.repaint).write(&mut writer).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            frame = Frame::read(&mut reader) => match frame {
                Ok(Some(Frame::Input(bytes))) if !read_only => {
                    let _ = session.write(&bytes);
                }
                Ok(Some(Frame::Resize { rows, cols })) => {
                    if let Some(client) = &client {
                        let _ = client.resize(TermSize { rows, cols });
                    }
                }
                Ok(Some(_)) => {}
                // The client detached (or went away).
                Ok(None) | Err(_) => return,
            },
        }
    }
    let (code, text) = match session.wait().await {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => (code, format!("exit {code}")),
            (None, Some(signal)) => (128 + signal, format!("killed by signal {signal}")),
            _ => (-1, "ended".to_string()),
        },
        Err(e) => (-1, e.to_string()),
    };
    let _ = Frame::Exit { code, text }.write(&mut writer).await;
}
