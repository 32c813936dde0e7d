//! Input to the PTY's program (typed keys, written in order by a thread of
//! its own) and telling when the program waits for its user.

use super::{PtyError, PtySession, lock};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

impl PtySession {
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
            let members = crate::sys::proc_scan(|p| p.pgrp == group as i32);
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
}

/// The writer thread: input in order, until the session is dropped or the
/// terminal is gone.
pub(super) fn write_input(mut writer: Box<dyn Write + Send>, input: mpsc::Receiver<Vec<u8>>) {
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

#[cfg(test)]
mod tests {
    use super::super::TermSize;
    use super::super::test_support::*;
    use nix::sys::signal::Signal;
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

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
}
