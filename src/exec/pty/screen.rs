//! The PTY's screen for those who show it: reading the one `vt100`
//! screen, the bytes that repaint a client terminal to it (for an attach),
//! and subscribing to the output from exactly that screen on.

use super::{PtySession, lock};
use std::sync::Arc;
use tokio::sync::broadcast;

/// What a client needs to show a PTY: bytes that repaint a terminal to the
/// current screen, then every later output chunk, with nothing lost or
/// repeated in between.
pub struct Subscription {
    pub repaint: Vec<u8>,
    /// Raw output. `Lagged` means this client fell behind and missed
    /// chunks: subscribe again for a fresh repaint. `Closed` means the
    /// output has ended (every process holding the terminal is gone).
    pub output: broadcast::Receiver<Arc<[u8]>>,
}

impl PtySession {
    /// Reads the current screen (to draw it in the dashboard, or test it).
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(lock(&self.shared.term).parser.screen())
    }

    /// Bytes that repaint a client terminal of the same size to the current
    /// screen: the alternate screen when the program uses it, then
    /// attributes reset, screen cleared, every cell, cursor position and
    /// visibility, and the input modes the program set (application
    /// keypad/cursor keys, bracketed paste, mouse reporting), so the
    /// client's keys are encoded as the program expects.
    pub fn screen_repaint(&self) -> Vec<u8> {
        repaint(lock(&self.shared.term).parser.screen())
    }

    /// The current screen and all later output, atomically (see
    /// [`Subscription`]). After the output has ended the stream is closed
    /// at once; the repaint still shows the last screen.
    pub fn subscribe(&self) -> Subscription {
        let term = lock(&self.shared.term);
        let repaint = repaint(term.parser.screen());
        let output = match &term.output {
            Some(tx) => tx.subscribe(),
            None => broadcast::channel(1).1,
        };
        Subscription { repaint, output }
    }
}

fn repaint(screen: &vt100::Screen) -> Vec<u8> {
    let mut out = Vec::new();
    if screen.alternate_screen() {
        out.extend_from_slice(b"\x1b[?1049h");
    }
    // vt100's state: attributes reset, clear, the cells, the cursor's
    // position and visibility, then the input modes.
    out.extend_from_slice(&screen.state_formatted());
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{PtyError, TermSize};
    use crate::logs::{Stream, read_log, strip_escapes};

    #[tokio::test]
    async fn a_prompt_is_answered_and_a_late_subscriber_sees_the_screen() {
        let dir = tempfile::tempdir().unwrap();
        let size = TermSize::default();
        let script = r#"read -p "name? " n; echo "hello $n"; read -p "again? " m; echo "bye $m""#;
        let s = spawn(spec(dir.path(), &["bash", "-c", script], size));
        let early = s.subscribe();
        until_screen_shows(&s, "name? ").await;
        s.write(b"bob\r").unwrap();
        until_screen_shows(&s, "again? ").await;
        assert!(screen(&s).contains("hello bob"), "{}", screen(&s));

        // Attaching now repaints what is on the screen, not a blank.
        let late = s.subscribe();
        let mut repainted = vt100::Parser::new(size.rows, size.cols, 0);
        repainted.process(&late.repaint);
        assert_eq!(repainted.screen().contents(), screen(&s));
        assert!(
            repainted
                .screen()
                .contents()
                .contains("name? bob\nhello bob\nagain? ")
        );
        assert_eq!(
            repainted.screen().cursor_position(),
            s.with_screen(|sc| sc.cursor_position())
        );
        assert_eq!(s.screen_repaint(), late.repaint);

        s.write(b"x\r").unwrap();
        let status = exit_status(&s).await;
        assert_eq!(status.code(), Some(0), "{status:?}");
        output_closed(&s).await;
        assert!(screen(&s).contains("bye x"), "{}", screen(&s));

        // Both subscribers, early and late, end up with the session's screen.
        let last = screen(&s);
        assert_eq!(replay(early, size).await.screen().contents(), last);
        assert_eq!(replay(late, size).await.screen().contents(), last);
        assert!(matches!(s.write(b"late\r"), Err(PtyError::Closed { .. })));

        let (lines, _) = read_log(&dir.path().join("attempt.log"), 0).unwrap();
        assert!(
            lines.iter().all(|l| l.stream == Stream::Terminal),
            "{lines:?}"
        );
        let text: Vec<String> = lines.iter().map(|l| strip_escapes(&l.text)).collect();
        assert_eq!(
            text,
            ["name? bob", "hello bob", "again? x", "bye x"],
            "{lines:?}"
        );
        for t in &text {
            assert!(!t.chars().any(|c| c.is_control()), "{t:?}");
        }
    }

    #[tokio::test]
    async fn a_repaint_restores_the_alternate_screen_and_input_modes() {
        let dir = tempfile::tempdir().unwrap();
        let size = TermSize { rows: 10, cols: 40 };
        let script = r#"printf '\033[?1049h\033[?1h\033[?2004h\033[3;5Hfull screen'; read"#;
        let s = spawn(spec(dir.path(), &["bash", "-c", script], size));
        until_screen_shows(&s, "full screen").await;
        let repaint = s.screen_repaint();
        assert!(repaint.starts_with(b"\x1b[?1049h"));
        let mut client = vt100::Parser::new(size.rows, size.cols, 0);
        client.process(&repaint);
        let shown = client.screen();
        assert!(shown.alternate_screen() && shown.application_cursor());
        assert!(shown.bracketed_paste());
        assert_eq!(shown.cursor_position(), (2, 15));
        assert_eq!(shown.contents(), screen(&s));
        s.write(b"\r").unwrap();
        assert!(exit_status(&s).await.success());
    }
}
