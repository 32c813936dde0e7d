//! The user's terminal during an attach: raw mode that is always undone,
//! and a reader of keystrokes.

use std::io::{Read, Write};

/// Raw mode for as long as it lives.
pub struct RawMode;

impl RawMode {
    pub fn enter() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        // A panic must not leave the terminal raw either.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::terminal::disable_raw_mode();
            previous(info);
        }));
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
        // Leave attributes and the cursor as a shell expects them.
        let _ = std::io::stdout().write_all(b"\x1b[0m\x1b[?25h\r\n");
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
