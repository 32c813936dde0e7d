//! The terminal of an interactive task inside `weft dash`: one attach
//! connection to the daemon, whose output feeds a vt100 screen that goes
//! back to the dashboard as snapshots; keys and resizes go the other way.

use crate::api::{Client, ClientError, Frame};
use crate::model::TaskName;
use crate::tui::Action;
use crate::tui::state::TermScreen;
use tokio::sync::mpsc;

/// What the runtime sends to the connection of the attached terminal.
pub enum TermCommand {
    Input(Vec<u8>),
    Resize(u16, u16),
}

/// Connects to a task's terminal: its output drives a screen whose
/// snapshots come back as actions; the returned sender carries keys and
/// resizes to it. Dropping the sender ends the connection (the task goes on).
pub fn attach(
    client: &Client,
    tx: &mpsc::UnboundedSender<Action>,
    run: String,
    task: TaskName,
    rows: u16,
    cols: u16,
) -> mpsc::UnboundedSender<TermCommand> {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<TermCommand>();
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let ended = |why: String| Action::TermEnded {
            task: task.clone(),
            why,
        };
        let io = match client.attach(&run, task.as_str(), false).await {
            Ok(io) => io,
            Err(ClientError::Api(e)) => {
                let _ = tx.send(ended(e.message));
                return;
            }
            Err(e) => {
                let _ = tx.send(ended(e.to_string()));
                return;
            }
        };
        let (mut reader, mut writer) = tokio::io::split(io);
        let _ = Frame::Resize { rows, cols }.write(&mut writer).await;
        // Frames are read on their own task (reading is not cancel-safe).
        let (frames_tx, mut frames) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let frame = Frame::read(&mut reader).await;
                let end = !matches!(frame, Ok(Some(Frame::Output(_))));
                if frames_tx.send(frame).is_err() || end {
                    break;
                }
            }
        });
        let mut parser = vt100::Parser::new(rows.max(2), cols.max(2), 0);
        loop {
            tokio::select! {
                command = cmd_rx.recv() => match command {
                    Some(TermCommand::Input(bytes)) => {
                        if Frame::Input(bytes).write(&mut writer).await.is_err() {
                            let _ = tx.send(ended("the connection closed".into()));
                            return;
                        }
                    }
                    Some(TermCommand::Resize(r, c)) => {
                        parser.screen_mut().set_size(r.max(2), c.max(2));
                        let _ = Frame::Resize { rows: r, cols: c }.write(&mut writer).await;
                    }
                    // Detached: the task goes on.
                    None => return,
                },
                frame = frames.recv() => {
                    let mut next = frame;
                    // Everything already here makes one screen.
                    loop {
                        match next {
                            Some(Ok(Some(Frame::Output(bytes)))) => parser.process(&bytes),
                            Some(Ok(Some(Frame::Exit { text, .. }))) => {
                                let _ = tx.send(Action::TermScreen { task: task.clone(), screen: TermScreen(Box::new(parser.screen().clone())) });
                                let _ = tx.send(ended(text));
                                return;
                            }
                            Some(Ok(Some(_))) => {}
                            Some(Ok(None)) | None => {
                                let _ = tx.send(ended("the connection closed".into()));
                                return;
                            }
                            Some(Err(e)) => {
                                let _ = tx.send(ended(e.to_string()));
                                return;
                            }
                        }
                        match frames.try_recv() {
                            Ok(f) => next = Some(f),
                            Err(_) => break,
                        }
                    }
                    let screen = TermScreen(Box::new(parser.screen().clone()));
                    if tx.send(Action::TermScreen { task: task.clone(), screen }).is_err() {
                        return;
                    }
                }
            }
        }
    });
    cmd_tx
}
