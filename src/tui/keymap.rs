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
                (Char('l'), none, Action::OpenLog, "open the task's log"),
                (
                    Char('G'),
                    none,
                    Action::FollowLog,
                    "follow the end of the log",
                ),
                (Char('c'), none, Action::CopyId, "copy the run id"),
                (Char('?'), none, Action::ToggleHelp, "help"),
            ],
        }
    }
}

/// Names of the actions a config may bind, as `dash.keys` spells them.
const NAMES: &[(&str, &str)] = &[
    ("quit", "quit"),
    ("down", "down"),
    ("up", "up"),
    ("page_down", "page down"),
    ("page_up", "page up"),
    ("open", "open run"),
    ("back", "back"),
    ("filter", "filter"),
    ("cancel", "cancel run"),
    ("retry", "retry (from the selected task)"),
    ("pause", "pause"),
    ("resume", "resume"),
    ("failed", "jump to the failed task"),
    ("log", "open the task's log"),
    ("follow", "follow the end of the log"),
    ("copy", "copy the run id"),
    ("help", "help"),
];

/// A key as written in the config: `x`, `X`, `enter`, `esc`, `up`, `down`,
/// `pgup`, `pgdn`, `tab`, `ctrl-x`.
fn parse_key(spec: &str) -> Option<(KeyCode, KeyModifiers)> {
    let lower = spec.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("ctrl-") {
        let mut chars = rest.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) => Some((KeyCode::Char(c), KeyModifiers::CONTROL)),
            _ => None,
        };
    }
    let code = match lower.as_str() {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "tab" => KeyCode::Tab,
        _ => {
            let mut chars = spec.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => return None,
            }
        }
    };
    Some((code, KeyModifiers::NONE))
}

impl Keymap {
    /// The default map with the config's `dash.keys` bindings in place of
    /// the default keys of those actions.
    pub fn with_overrides(
        keys: &std::collections::BTreeMap<String, String>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, spec) in keys {
            let Some((_, what)) = NAMES.iter().find(|(n, _)| n == name) else {
                let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown action `{name}` in `dash.keys`; actions: {}",
                    names.join(", ")
                ));
            };
            let (code, mods) = parse_key(spec).ok_or_else(|| {
                format!("bad key `{spec}` for `{name}` in `dash.keys`; write a character, `enter`, `esc`, `up`, `down`, `pgup`, `pgdn`, `tab` or `ctrl-x`")
            })?;
            let action = map
                .normal
                .iter()
                .find(|(_, _, _, w)| w == what)
                .map(|(_, _, a, _)| a.clone())
                .expect("every name is bound by default");
            map.normal.retain(|(_, _, _, w)| w != what);
            // The key now means this action only.
            map.normal
                .retain(|(c, m, _, _)| !(*c == code && *m == mods));
            map.normal.insert(0, (code, mods, action, what));
        }
        Ok(map)
    }

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

    /// The key (or keys) bound to a meaning, as the help names them.
    pub fn key_for(&self, what: &str) -> Option<String> {
        self.help()
            .into_iter()
            .find(|(_, w)| *w == what)
            .map(|(k, _)| k)
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
    fn the_config_rebinds_keys() {
        let mut keys = std::collections::BTreeMap::new();
        keys.insert("cancel".to_string(), "X".to_string());
        keys.insert("quit".to_string(), "ctrl-q".to_string());
        let map = Keymap::with_overrides(&keys).unwrap();
        assert_eq!(
            map.action(key(KeyCode::Char('X')), Mode::Normal),
            Some(Action::Cancel)
        );
        assert_eq!(
            map.action(key(KeyCode::Char('x')), Mode::Normal),
            None,
            "the old key is free"
        );
        assert_eq!(map.action(key(KeyCode::Char('q')), Mode::Normal), None);
        assert_eq!(
            map.action(
                KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL),
                Mode::Normal
            ),
            Some(Action::Quit)
        );
        // Every action a config may name is bound by default.
        for (name, _) in NAMES {
            let mut one = std::collections::BTreeMap::new();
            one.insert(name.to_string(), "Z".to_string());
            assert!(Keymap::with_overrides(&one).is_ok(), "{name}");
        }
        keys.insert("explode".to_string(), "e".to_string());
        assert!(
            Keymap::with_overrides(&keys)
                .unwrap_err()
                .contains("unknown action `explode`")
        );
        let mut bad = std::collections::BTreeMap::new();
        bad.insert("help".to_string(), "f13x".to_string());
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("bad key `f13x`")
        );
    }

    #[test]
    fn help_lists_each_meaning_once() {
        let help = Keymap::default().help();
        let down = help.iter().find(|(_, w)| *w == "down").unwrap();
        assert_eq!(down.0, "j/↓");
        assert_eq!(help.iter().filter(|(_, w)| *w == "quit").count(), 1);
    }
}
