//! The user's terminal during an attach: raw mode and the task's terminal
//! modes, always undone, and a reader of keystrokes.
//!
//! A task on the alternate screen with mouse tracking and application
//! keypad (htop, vim) turns those modes on in *this* terminal while it is
//! attached. Leaving (detach key, the task's end, a lost daemon, a signal,
//! a panic) must give the shell the terminal it had, as tmux's detach
//! does: [`RawMode`]'s drop (and the panic hook) writes [`RESTORE`]
//! unconditionally, whatever the task turned on, then turns raw mode off.
//! The one mode not reset blindly is the alternate screen: leaving it
//! when it is not on would move the cursor to where nobody saved it, so
//! a [`ModeTracker`] fed with what the task printed says whether it is.

use std::io::{Read, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// What leaving an attach writes, after [`LEAVE_ALTERNATE`] when the task
/// is on its alternate screen: cursor visible, normal cursor keys
/// and keypad, every mouse tracking mode and encoding off, bracketed paste
/// off, focus reporting off, attributes reset. tmux sends the same on detach (and
/// resets the scroll region, which moves the cursor home: it redraws the
/// whole screen afterwards, a shell's prompt would not).
pub const RESTORE: &[u8] = b"\x1b[?25h\
\x1b[?1l\x1b>\
\x1b[?1000l\x1b[?1001l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l\
\x1b[?2004l\
\x1b[?1004l\
\x1b[0m";

/// Back to the main screen, the cursor where it was before the alternate one.
pub const LEAVE_ALTERNATE: &[u8] = b"\x1b[?1049l";

/// Whether the attached task's screen is the alternate one now.
static ON_ALTERNATE: AtomicBool = AtomicBool::new(false);

/// Follows the modes an attached task sets in this terminal, through a
/// parser of everything written to it (the task's own screen is in the
/// daemon; this is only what this terminal was told).
pub struct ModeTracker(vt100::Parser);

impl ModeTracker {
    pub fn new() -> ModeTracker {
        ON_ALTERNATE.store(false, Ordering::Relaxed);
        ModeTracker(vt100::Parser::new(24, 80, 0))
    }

    /// Notes what was just written to this terminal.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.0.process(bytes);
        ON_ALTERNATE.store(self.0.screen().alternate_screen(), Ordering::Relaxed);
    }
}

/// The bytes that give a shell its terminal back now.
pub fn restore_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    if ON_ALTERNATE.swap(false, Ordering::Relaxed) {
        out.extend_from_slice(LEAVE_ALTERNATE);
    }
    out.extend_from_slice(RESTORE);
    out
}

/// Writes [`restore_bytes`] to the terminal; errors are ignored (there is
/// no one left to tell when the terminal itself is gone).
pub fn restore_modes() {
    let mut out = std::io::stdout();
    let _ = out.write_all(&restore_bytes());
    let _ = out.flush();
}

/// Raw mode for as long as it lives; its drop restores the terminal.
pub struct RawMode;

impl RawMode {
    pub fn enter() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        // A panic must not leave the terminal raw or on the task's screen
        // either. Installed once, however many attaches a run makes.
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_modes();
                let _ = crossterm::terminal::disable_raw_mode();
                previous(info);
            }));
        });
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Modes first: the task's screen goes, the shell's comes back.
        restore_modes();
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = std::io::stdout().write_all(b"\r\n");
        let _ = std::io::stdout().flush();
    }
}

/// Keystrokes from stdin, read by a blocking thread.
pub fn key_reader() -> tokio::sync::mpsc::Receiver<Vec<u8>> {
    let (keys_tx, keys) = tokio::sync::mpsc::channel::<Vec<u8>>(64);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 1024];
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || keys_tx.blocking_send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    keys
}

#[cfg(test)]
mod tests {
    use super::{ModeTracker, restore_bytes};

    /// After a task's modes and then [`RESTORE`], a terminal is as a shell
    /// expects it (vt100 is the same parser that tracks tasks' screens).
    #[test]
    fn restore_undoes_what_a_full_screen_program_turns_on() {
        let mut parser = vt100::Parser::new(24, 80, 0);
        parser.process(
            b"\x1b[?1049h\x1b[?25l\x1b[?1h\x1b=\x1b[?1003h\x1b[?1006h\x1b[?2004h\x1b[1;31m",
        );
        let s = parser.screen();
        assert!(s.alternate_screen() && s.hide_cursor() && s.application_cursor());
        let mut tracker = ModeTracker::new();
        tracker.feed(b"\x1b[?1049h");
        parser.process(&restore_bytes());
        let s = parser.screen();
        assert!(!s.alternate_screen());
        assert!(!s.hide_cursor());
        assert!(!s.application_cursor());
        assert!(!s.application_keypad());
        assert!(!s.bracketed_paste());
        assert_eq!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
        assert_eq!(
            s.mouse_protocol_encoding(),
            vt100::MouseProtocolEncoding::Default
        );
        assert!(!s.bold());
        // Off the alternate screen already: the cursor is not moved.
        assert!(!restore_bytes().starts_with(b"\x1b[?1049l"));
    }
}
