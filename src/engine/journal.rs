//! The run's journal: hands event batches to the store in order, without
//! making the driver wait for each commit, and passes every batch on to the
//! watchers only once it is durable. The driver waits for durability only
//! where it must: before starting a task whose dependencies' results are not
//! yet committed, and before it reports the run finished. The store thus
//! always holds a prefix of the run's history, and nothing is shown that a
//! crash could take back.

use crate::model::RunEvent;
use crate::store::{Pending, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Batch number: 1 for the first batch submitted, 0 for "nothing".
pub type Seq = u64;

pub struct Journal {
    store: Arc<dyn Store>,
    queue: mpsc::UnboundedSender<(Seq, Pending, Vec<RunEvent>)>,
    submitted: Seq,
    durable: watch::Receiver<Result<Seq, String>>,
}

impl Journal {
    /// Starts the task that awaits commits in order and then publishes.
    pub fn start(
        store: Arc<dyn Store>,
        watchers: Option<mpsc::UnboundedSender<RunEvent>>,
    ) -> Journal {
        let (queue, mut rx) = mpsc::unbounded_channel::<(Seq, Pending, Vec<RunEvent>)>();
        let (durable_tx, durable) = watch::channel(Ok(0));
        tokio::spawn(async move {
            while let Some((seq, pending, events)) = rx.recv().await {
                match pending.await {
                    Ok(()) => {
                        let _ = durable_tx.send(Ok(seq));
                        if let Some(w) = &watchers {
                            for e in events {
                                let _ = w.send(e);
                            }
                        }
                    }
                    Err(e) => {
                        let _ = durable_tx.send(Err(e.to_string()));
                        break;
                    }
                }
            }
        });
        Journal {
            store,
            queue,
            submitted: 0,
            durable,
        }
    }

    /// Queues a batch for the store; returns its number.
    pub fn submit(&mut self, events: Vec<RunEvent>) -> Seq {
        if events.is_empty() {
            return self.submitted;
        }
        self.submitted += 1;
        let pending = self.store.record(events.clone());
        let _ = self.queue.send((self.submitted, pending, events));
        self.submitted
    }

    /// Waits until batch `seq` (and every one before it) is committed.
    pub async fn wait(&mut self, seq: Seq) -> Result<(), String> {
        if seq == 0 {
            return Ok(());
        }
        let state = self
            .durable
            .wait_for(|d| d.as_ref().map_or(true, |done| *done >= seq))
            .await
            .map_err(|_| "the store writer stopped".to_string())?;
        state.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// Waits for everything submitted so far.
    pub async fn flush(&mut self) -> Result<(), String> {
        self.wait(self.submitted).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Durability;
    use crate::model::{EventKind, RunId, RunStatus, TaskName, Trigger, now_ms};
    use crate::store::{NewRun, NewTask, Owner, SqliteStore};

    #[test]
    fn batches_are_published_in_order_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Arc::new(SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap());
        let run = RunId::from_string("r1");
        store
            .create_run(&NewRun {
                id: run.clone(),
                workflow: "w".into(),
                file: "w.yaml".into(),
                source: String::new(),
                params: serde_json::json!({}),
                trigger: Trigger::Manual,
                retry_of: None,
                tasks: vec![NewTask {
                    name: TaskName::new("a"),
                    needs: vec![],
                    when: Default::default(),
                    reused: None,
                }],
                owner: Owner::this_process(),
                concurrency: None,
                created_at: now_ms(),
            })
            .unwrap();
        let event = |kind| RunEvent {
            run: run.clone(),
            at: now_ms(),
            kind,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let mut journal = Journal::start(store.clone(), Some(tx));
            let first = journal.submit(vec![event(EventKind::RunStarted {
                workflow: "w".into(),
                tasks: vec![],
            })]);
            let second = journal.submit(vec![event(EventKind::RunFinished {
                status: RunStatus::Succeeded,
            })]);
            assert_eq!((first, second), (1, 2));
            assert_eq!(journal.submit(vec![]), 2, "an empty batch is no batch");
            journal.wait(second).await.unwrap();
            // Durable: another reader sees the finished run.
            let reader =
                SqliteStore::open(&dir.path().join("weft.db"), Durability::Normal).unwrap();
            assert_eq!(
                reader.run(&run).unwrap().summary.status,
                RunStatus::Succeeded
            );
            let names: Vec<&str> = [rx.recv().await.unwrap(), rx.recv().await.unwrap()]
                .iter()
                .map(|e| e.kind.name())
                .collect();
            assert_eq!(names, ["run_started", "run_finished"]);
        });
    }
}
