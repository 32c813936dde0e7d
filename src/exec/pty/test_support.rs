//! What the PTY tests share: a spec in a temporary folder, spawning, and
//! waiting (within a bound) for the screen, the exit and the output's end.

use super::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every wait in these tests ends by this bound, with the screen shown.
pub(super) const BOUND: Duration = Duration::from_secs(15);

pub(super) fn spec(dir: &Path, argv: &[&str], size: TermSize) -> PtySpec {
    PtySpec {
        program: argv[0].to_string(),
        args: argv[1..].iter().map(|a| a.to_string()).collect(),
        env: vec![("WEFT_TEST".into(), "1".into())],
        cwd: dir.to_path_buf(),
        size,
        log: LogWriter::new(&dir.join("attempt.log")),
    }
}

pub(super) fn spawn(spec: PtySpec) -> Arc<PtySession> {
    PtySession::spawn(spec).map_err(|(e, _)| e).unwrap()
}

pub(super) fn spawn_err(spec: PtySpec) -> PtyError {
    match PtySession::spawn(spec) {
        Ok(s) => panic!("{} started (pid {})", s.program(), s.pid()),
        Err((e, _log)) => e,
    }
}

pub(super) fn screen(s: &PtySession) -> String {
    s.with_screen(|sc| sc.contents())
}

/// Waits, output chunk by output chunk, until the screen shows `text`.
pub(super) async fn until_screen_shows(s: &PtySession, text: &str) {
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

pub(super) async fn exit_status(s: &PtySession) -> ExitStatus {
    tokio::time::timeout(BOUND, s.wait())
        .await
        .expect("the program exits in time")
        .expect("its status is known")
}

pub(super) async fn output_closed(s: &PtySession) {
    tokio::time::timeout(BOUND, s.output_closed())
        .await
        .expect("the output ends in time");
}

/// A fresh terminal fed a subscription (repaint, then every chunk until
/// the output ends) shows what the session shows.
pub(super) async fn replay(sub: Subscription, size: TermSize) -> vt100::Parser {
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

pub(super) fn pid_on_screen(s: &PtySession, key: &str) -> u32 {
    let text = screen(s);
    let at = text.find(key).expect("the pid is on the screen") + key.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

pub(super) async fn until_gone(pid: u32) {
    let deadline = Instant::now() + BOUND;
    // `process_start_time` is `None` for a process that is gone or a zombie.
    while crate::sys::process_start_time(pid).is_some() {
        assert!(Instant::now() < deadline, "process {pid} still runs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
