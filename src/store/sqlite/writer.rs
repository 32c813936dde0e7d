//! The one writer thread of a process: takes event batches from every task
//! of every run this process drives, applies as many as are waiting in one
//! `BEGIN IMMEDIATE` transaction, and acknowledges each once committed.

use crate::model::RunEvent;
use crate::store::StoreError;
use rusqlite::Connection;
use std::sync::mpsc;
use tokio::sync::oneshot;

pub(super) struct Job {
    pub events: Vec<RunEvent>,
    pub done: oneshot::Sender<Result<(), StoreError>>,
}

/// Most jobs applied in one transaction, to bound latency under load.
const MAX_BATCH: usize = 512;

/// The last write that failed, until one succeeds (shown by `weft daemon
/// status`, so a full disk is visible while weft waits for room).
pub(super) type WriteError = std::sync::Arc<std::sync::Mutex<Option<String>>>;

pub(super) fn note(health: &WriteError, result: &Result<(), StoreError>) {
    let mut last = health.lock().unwrap_or_else(|p| p.into_inner());
    *last = result.as_ref().err().map(ToString::to_string);
}

pub(super) fn spawn(
    mut conn: Connection,
    health: WriteError,
) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Job>();
    let handle = std::thread::Builder::new()
        .name("weft-store-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let all: Vec<&RunEvent> = jobs.iter().flat_map(|j| j.events.iter()).collect();
                let together = apply(&mut conn, &all);
                note(&health, &together);
                if together.is_ok() {
                    for job in jobs {
                        let _ = job.done.send(Ok(()));
                    }
                } else {
                    // One bad batch must not fail the others: retry each alone.
                    for job in jobs {
                        let events: Vec<&RunEvent> = job.events.iter().collect();
                        let alone = apply(&mut conn, &events);
                        note(&health, &alone);
                        let _ = job.done.send(alone);
                    }
                }
            }
        })
        .expect("spawning the store writer thread");
    (tx, handle)
}

fn apply(conn: &mut Connection, events: &[&RunEvent]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for event in events {
        super::events::apply_event(&tx, event)?;
    }
    tx.commit()?;
    Ok(())
}
