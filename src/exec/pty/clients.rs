//! The terminals attached to one PTY and the size they give it: the
//! smallest rows and columns of them all (tmux's `window-size smallest`).

use super::{PtyError, PtySession, TermSize, check_size, lock};
use std::sync::Arc;

/// The terminals attached to one PTY, by id, with the size each last
/// reported (none until it does).
#[derive(Default)]
pub(super) struct Clients {
    next: u64,
    sizes: std::collections::BTreeMap<u64, TermSize>,
}

impl Clients {
    /// The smallest rows and the smallest columns of all (tmux's
    /// `window-size smallest`); `None` while no client has a size.
    fn smallest(&self) -> Option<TermSize> {
        self.sizes.values().copied().reduce(|a, b| TermSize {
            rows: a.rows.min(b.rows),
            cols: a.cols.min(b.cols),
        })
    }
}

/// One terminal attached to a PTY that sizes it. The PTY takes the
/// smallest rows and the smallest columns of the terminals attached
/// (tmux's `window-size smallest`), so every one of them shows the whole
/// screen; when one goes (this handle drops) the PTY grows to fit those
/// that remain; when the last goes it keeps its size. Watchers that only
/// look (read-only attaches) take no handle and do not size it.
pub struct PtyClient {
    session: Arc<PtySession>,
    id: u64,
}

impl PtyClient {
    /// This terminal's size changed (or is first known).
    pub fn resize(&self, size: TermSize) -> Result<(), PtyError> {
        check_size(size)?;
        let mut clients = lock(&self.session.clients);
        clients.sizes.insert(self.id, size);
        self.session.fit(&clients)
    }
}

impl Drop for PtyClient {
    fn drop(&mut self) {
        let mut clients = lock(&self.session.clients);
        clients.sizes.remove(&self.id);
        let _ = self.session.fit(&clients);
    }
}

impl PtySession {
    /// A terminal attaching: it sizes the PTY with the others attached
    /// until the handle drops (see [`PtyClient`]).
    pub fn client(self: &Arc<Self>) -> PtyClient {
        let mut clients = lock(&self.clients);
        clients.next += 1;
        PtyClient {
            session: self.clone(),
            id: clients.next,
        }
    }

    /// Resizes to what the attached clients need, when that changed.
    fn fit(&self, clients: &Clients) -> Result<(), PtyError> {
        match clients.smallest() {
            Some(size) if size != self.size() => self.resize(size),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use nix::sys::signal::Signal;

    #[tokio::test]
    async fn attached_clients_size_the_pty_by_the_smallest_of_them() {
        let dir = tempfile::tempdir().unwrap();
        // `stty size` for every line typed, as the program sees it.
        let s = spawn(spec(
            dir.path(),
            &[
                "bash",
                "-c",
                "while read l; do echo \"$l: $(stty size)\"; done",
            ],
            TermSize { rows: 24, cols: 80 },
        ));
        let size = |rows, cols| TermSize { rows, cols };
        let big = s.client();
        let small = s.client();
        // A client without a size yet counts for nothing.
        big.resize(size(40, 150)).unwrap();
        assert_eq!(s.size(), size(40, 150));
        // Rows and columns each from the smallest.
        small.resize(size(30, 200)).unwrap();
        assert_eq!(s.size(), size(30, 150));
        small.resize(size(20, 60)).unwrap();
        assert_eq!(s.size(), size(20, 60));
        s.write(b"a\r").unwrap();
        until_screen_shows(&s, "a: 20 60").await;
        // The small one goes: the PTY grows to fit the one that remains.
        drop(small);
        assert_eq!(s.size(), size(40, 150));
        s.write(b"b\r").unwrap();
        until_screen_shows(&s, "b: 40 150").await;
        // The last one goes: the size stays.
        drop(big);
        assert_eq!(s.size(), size(40, 150));
        assert!(matches!(
            s.client().resize(size(0, 10)),
            Err(PtyError::BadSize { .. })
        ));
        s.kill_group(Signal::SIGKILL).unwrap();
    }
}
