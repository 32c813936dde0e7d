//! Keys as data: which key does what, in which situation. The default map
//! follows common terminal tools (j/k or arrows, Enter, Esc, q, /, ?).

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The situation a key is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filtering,
    Confirming,
}

#[derive(Clone, Debug)]
pub struct Keymap {
    normal: Vec<(KeyCode, KeyModifiers, Action, &'static str)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::*;
        let none = KeyModifiers::NONE;
        Keymap {
            normal: vec![
                (Char('q'), none, Action::Quit, "quit"),
                (Char('c'), KeyModifiers::CONTROL, Action::Quit, "quit"),
                (Char('j'), none, Action::Down, "down"),
                (Down, none, Action::Down, "down"),
                (Char('k'), none, Action::Up, "up"),
                (Up, none, Action::Up, "up"),
                (PageDown, none, Action::PageDown, "page down"),
                (PageUp, none, Action::PageUp, "page up"),
                (Enter, none, Action::Open, "open run"),
                (Esc, none, Action::Back, "back"),
                (Char('/'), none, Action::StartFilter, "filter"),
                (Char('x'), none, Action::Cancel, "cancel run"),
                (
                    Char('r'),
                    none,
                    Action::Retry,
                    "retry (from the selected task)",
                ),
                (Char('p'), none, Action::Pause, "pause"),
                (Char('u'), none, Action::Resume, "resume"),
                (
                    Char('f'),
                    none,
                    Action::JumpToFailure,
                    "jump to the failed task",
                ),
                (Char('?'), none, Action::ToggleHelp, "help"),
            ],
        }
    }
}

impl Keymap {
    /// The action a key means now, if any.
    pub fn action(&self, key: KeyEvent, mode: Mode) -> Option<Action> {
        match mode {
            Mode::Confirming => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm(true)),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    Some(Action::Confirm(false))
                }
                _ => None,
            },
            Mode::Filtering => match key.code {
                KeyCode::Enter | KeyCode::Esc => Some(Action::EndFilter),
                KeyCode::Backspace => Some(Action::FilterBackspace),
                KeyCode::Char(c) => Some(Action::FilterChar(c)),
                _ => None,
            },
            Mode::Normal => self
                .normal
                .iter()
                .find(|(code, mods, _, _)| {
                    *code == key.code
                        && key.modifiers.contains(*mods)
                        && (mods.is_empty() || !key.modifiers.is_empty())
                })
                .map(|(_, _, action, _)| action.clone()),
        }
    }

    /// Key and meaning, for the help view, in map order without repeats.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        for (code, mods, _, what) in &self.normal {
            let key = key_name(*code, *mods);
            match out.iter_mut().find(|(_, w)| w == what) {
                Some(entry) => entry.0 = format!("{}/{key}", entry.0),
                None => out.push((key, what)),
            }
        }
        out
    }
}

fn key_name(code: KeyCode, mods: KeyModifiers) -> String {
    let base = match code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_mean_actions_by_mode() {
        let map = Keymap::default();
        assert_eq!(
            map.action(key(KeyCode::Char('j')), Mode::Normal),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(key(KeyCode::Enter), Mode::Normal),
            Some(Action::Open)
        );
        assert_eq!(
            map.action(key(KeyCode::Char('x')), Mode::Normal),
            Some(Action::Cancel)
        );
        assert_eq!(
            map.action(
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Mode::Normal
            ),
            Some(Action::Quit)
        );
        // In a filter, letters are text, not commands.
        assert_eq!(
            map.action(key(KeyCode::Char('q')), Mode::Filtering),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            map.action(key(KeyCode::Char('y')), Mode::Confirming),
            Some(Action::Confirm(true))
        );
        assert_eq!(map.action(key(KeyCode::Char('q')), Mode::Confirming), None);
        assert_eq!(map.action(key(KeyCode::F(5)), Mode::Normal), None);
    }

    #[test]
    fn help_lists_each_meaning_once() {
        let help = Keymap::default().help();
        let down = help.iter().find(|(_, w)| *w == "down").unwrap();
        assert_eq!(down.0, "j/↓");
        assert_eq!(help.iter().filter(|(_, w)| *w == "quit").count(), 1);
    }
}
