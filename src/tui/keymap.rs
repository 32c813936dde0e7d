//! Keys as data: which key does what, in which situation. The default map
//! follows common terminal tools (j/k or arrows, Enter, Esc, q, /, ?).

use super::action::Action;
use super::state::View;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The situation a key is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a filter, a search, or a param value: keys are text.
    Filtering,
    Confirming,
    /// The embedded terminal has the keys: all go to the task.
    Terminal,
    /// Filling in a form: keys are text, Tab moves between fields.
    Form,
}

/// The views a binding works in (a bit mask).
pub const RUNS: u8 = 1;
pub const RUN: u8 = 2;
pub const LOG: u8 = 4;
pub const TERM: u8 = 8;
const ALL: u8 = RUNS | RUN | LOG | TERM;

fn scope_of(view: &View) -> u8 {
    match view {
        View::Runs => RUNS,
        View::Run => RUN,
        View::Log => LOG,
        View::Terminal => TERM,
    }
}

#[derive(Clone, Debug)]
struct Binding {
    code: KeyCode,
    mods: KeyModifiers,
    action: Action,
    what: &'static str,
    views: u8,
}

#[derive(Clone, Debug)]
pub struct Keymap {
    normal: Vec<Binding>,
    /// The byte that takes the keys back from an embedded terminal.
    detach: u8,
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::*;
        let none = KeyModifiers::NONE;
        let b = |code, mods, action, what, views| Binding {
            code,
            mods,
            action,
            what,
            views,
        };
        Keymap {
            normal: vec![
                b(Char('q'), none, Action::Quit, "quit", ALL),
                b(Char('c'), KeyModifiers::CONTROL, Action::Quit, "quit", ALL),
                b(Char('j'), none, Action::Down, "down", ALL),
                b(Down, none, Action::Down, "down", ALL),
                b(Char('k'), none, Action::Up, "up", ALL),
                b(Up, none, Action::Up, "up", ALL),
                b(PageDown, none, Action::PageDown, "page down", ALL),
                b(PageUp, none, Action::PageUp, "page up", ALL),
                b(Enter, none, Action::Open, "open run", ALL),
                b(Esc, none, Action::Back, "back", ALL),
                b(Char('/'), none, Action::StartFilter, "filter", RUNS | LOG),
                b(Char('S'), none, Action::StatusFilter, "status filter", RUNS),
                b(Char('s'), none, Action::Sort, "sort", RUNS),
                b(
                    Char('n'),
                    none,
                    Action::StartWorkflow,
                    "start a workflow",
                    RUNS,
                ),
                b(Char('x'), none, Action::Cancel, "cancel run", ALL),
                b(
                    Char('r'),
                    none,
                    Action::Retry,
                    "retry (from the selected task)",
                    ALL,
                ),
                b(Char('p'), none, Action::Pause, "pause", ALL),
                b(Char('u'), none, Action::Resume, "resume", ALL),
                b(
                    Char('f'),
                    none,
                    Action::JumpToFailure,
                    "jump to the failed task",
                    RUN,
                ),
                b(Char('l'), none, Action::OpenLog, "open the task's log", RUN),
                b(
                    Char('a'),
                    none,
                    Action::Attach,
                    "open the task's terminal",
                    RUN,
                ),
                b(
                    Char('t'),
                    none,
                    Action::TogglePane,
                    "graph or timeline",
                    RUN,
                ),
                b(
                    Tab,
                    none,
                    Action::NextTerminal,
                    "next interactive task",
                    TERM,
                ),
                b(
                    Char('G'),
                    none,
                    Action::FollowLog,
                    "follow the end of the log",
                    LOG,
                ),
                b(Char('n'), none, Action::SearchNext, "next match", LOG),
                b(Char('N'), none, Action::SearchPrev, "previous match", LOG),
                b(Char('w'), none, Action::ToggleWrap, "wrap long lines", LOG),
                b(Char('c'), none, Action::CopyId, "copy the run id", ALL),
                b(Char('?'), none, Action::ToggleHelp, "help", ALL),
            ],
            detach: 0x1d,
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
    ("status", "status filter"),
    ("sort", "sort"),
    ("new", "start a workflow"),
    ("cancel", "cancel run"),
    ("retry", "retry (from the selected task)"),
    ("pause", "pause"),
    ("resume", "resume"),
    ("failed", "jump to the failed task"),
    ("log", "open the task's log"),
    ("terminal", "open the task's terminal"),
    ("timeline", "graph or timeline"),
    ("next_terminal", "next interactive task"),
    ("follow", "follow the end of the log"),
    ("next_match", "next match"),
    ("previous_match", "previous match"),
    ("wrap", "wrap long lines"),
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
            let bound = map
                .normal
                .iter()
                .find(|b| b.what == *what)
                .cloned()
                .expect("every name is bound by default");
            map.normal.retain(|b| b.what != *what);
            // The key now means this action only, where the action works.
            map.normal
                .retain(|b| !(b.code == code && b.mods == mods && b.views & bound.views != 0));
            map.normal.insert(
                0,
                Binding {
                    code,
                    mods,
                    ..bound
                },
            );
        }
        Ok(map)
    }

    /// The byte that releases an embedded terminal (`daemon.detach_key`).
    pub fn with_detach(mut self, byte: u8) -> Keymap {
        self.detach = byte;
        self
    }

    /// The detach key as the status bar names it.
    pub fn detach_name(&self) -> String {
        match self.detach {
            b @ 0..=0x1f => format!("Ctrl-{}", (b + 0x40) as char),
            b => (b as char).to_string(),
        }
    }

    /// The action a key means now, in this view, if any.
    pub fn action(&self, key: KeyEvent, mode: Mode, view: &View) -> Option<Action> {
        match mode {
            Mode::Confirming => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm(true)),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    Some(Action::Confirm(false))
                }
                _ => None,
            },
            Mode::Filtering => match key.code {
                KeyCode::Enter => Some(Action::EndFilter),
                KeyCode::Esc => Some(Action::EndFilter),
                KeyCode::Backspace => Some(Action::FilterBackspace),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    Some(Action::FilterChar(c))
                }
                _ => None,
            },
            Mode::Form => match key.code {
                KeyCode::Enter => Some(Action::Open),
                KeyCode::Esc => Some(Action::Back),
                KeyCode::Tab | KeyCode::Down => Some(Action::Down),
                KeyCode::BackTab | KeyCode::Up => Some(Action::Up),
                KeyCode::Backspace => Some(Action::FilterBackspace),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    Some(Action::Quit)
                }
                KeyCode::Char(c) => Some(Action::FilterChar(c)),
                _ => None,
            },
            Mode::Terminal => {
                let bytes = key_bytes(key)?;
                if bytes == [self.detach] {
                    Some(Action::ReleaseTerminal)
                } else {
                    Some(Action::TermInput(bytes))
                }
            }
            Mode::Normal => {
                let scope = scope_of(view);
                self.normal
                    .iter()
                    .find(|b| {
                        b.views & scope != 0
                            && b.code == key.code
                            && key.modifiers.contains(b.mods)
                            && (b.mods.is_empty() || !key.modifiers.is_empty())
                    })
                    .map(|b| b.action.clone())
            }
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
        for b in &self.normal {
            let key = key_name(b.code, b.mods);
            match out.iter_mut().find(|(_, w)| *w == b.what) {
                Some(entry) => entry.0 = format!("{}/{key}", entry.0),
                None => out.push((key, b.what)),
            }
        }
        out.push((self.detach_name(), "release the keys of a terminal"));
        out
    }
}

/// The bytes a terminal sends for a key, as a task in a PTY reads them.
pub fn key_bytes(key: KeyEvent) -> Option<Vec<u8>> {
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let mut out = Vec::new();
    if alt {
        out.push(0x1b);
    }
    match key.code {
        KeyCode::Char(c) if ctrl => out.push(match c {
            'a'..='z' => c as u8 - b'a' + 1,
            'A'..='Z' => c as u8 - b'A' + 1,
            ' ' | '@' | '2' => 0,
            '[' | '3' => 0x1b,
            '\\' | '4' => 0x1c,
            ']' | '5' => 0x1d,
            '^' | '6' => 0x1e,
            '_' | '7' | '/' => 0x1f,
            '?' | '8' => 0x7f,
            _ => return None,
        }),
        KeyCode::Char(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Backspace => out.push(0x7f),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        KeyCode::Insert => out.extend_from_slice(b"\x1b[2~"),
        KeyCode::Delete => out.extend_from_slice(b"\x1b[3~"),
        KeyCode::F(n @ 1..=4) => out.extend_from_slice(&[0x1b, b'O', b'P' + n - 1]),
        KeyCode::F(n @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            out.extend_from_slice(format!("\x1b[{code}~").as_bytes());
        }
        _ => return None,
    }
    Some(out)
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
            map.action(key(KeyCode::Char('j')), Mode::Normal, &View::Runs),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(key(KeyCode::Enter), Mode::Normal, &View::Runs),
            Some(Action::Open)
        );
        assert_eq!(
            map.action(key(KeyCode::Char('x')), Mode::Normal, &View::Runs),
            Some(Action::Cancel)
        );
        assert_eq!(
            map.action(
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Mode::Normal,
                &View::Runs
            ),
            Some(Action::Quit)
        );
        // In a filter, letters are text, not commands.
        assert_eq!(
            map.action(key(KeyCode::Char('q')), Mode::Filtering, &View::Runs),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            map.action(key(KeyCode::Char('y')), Mode::Confirming, &View::Runs),
            Some(Action::Confirm(true))
        );
        assert_eq!(
            map.action(key(KeyCode::Char('q')), Mode::Confirming, &View::Runs),
            None
        );
        assert_eq!(
            map.action(key(KeyCode::F(5)), Mode::Normal, &View::Runs),
            None
        );
    }

    #[test]
    fn the_config_rebinds_keys() {
        let mut keys = std::collections::BTreeMap::new();
        keys.insert("cancel".to_string(), "X".to_string());
        keys.insert("quit".to_string(), "ctrl-q".to_string());
        let map = Keymap::with_overrides(&keys).unwrap();
        assert_eq!(
            map.action(key(KeyCode::Char('X')), Mode::Normal, &View::Runs),
            Some(Action::Cancel)
        );
        assert_eq!(
            map.action(key(KeyCode::Char('x')), Mode::Normal, &View::Runs),
            None,
            "the old key is free"
        );
        assert_eq!(
            map.action(key(KeyCode::Char('q')), Mode::Normal, &View::Runs),
            None
        );
        assert_eq!(
            map.action(
                KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL),
                Mode::Normal,
                &View::Runs
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
    fn a_key_means_what_its_view_says() {
        let map = Keymap::default();
        let n = key(KeyCode::Char('n'));
        assert_eq!(
            map.action(n, Mode::Normal, &View::Runs),
            Some(Action::StartWorkflow)
        );
        assert_eq!(
            map.action(n, Mode::Normal, &View::Log),
            Some(Action::SearchNext)
        );
        assert_eq!(map.action(n, Mode::Normal, &View::Run), None);
        assert_eq!(
            map.action(key(KeyCode::Char('a')), Mode::Normal, &View::Run),
            Some(Action::Attach)
        );
        // A focused terminal gets every key as bytes, but the detach key.
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(
            map.action(key(KeyCode::Char('q')), Mode::Terminal, &View::Terminal),
            Some(Action::TermInput(b"q".to_vec()))
        );
        assert_eq!(
            map.action(ctrl('c'), Mode::Terminal, &View::Terminal),
            Some(Action::TermInput(vec![3])),
            "Ctrl-C interrupts the task, not the dashboard"
        );
        // crossterm reads the byte 0x1d (Ctrl-]) as Ctrl-5.
        assert_eq!(
            map.action(ctrl('5'), Mode::Terminal, &View::Terminal),
            Some(Action::ReleaseTerminal)
        );
        assert_eq!(
            map.action(ctrl(']'), Mode::Terminal, &View::Terminal),
            Some(Action::ReleaseTerminal)
        );
        let other = Keymap::default().with_detach(0x01);
        assert_eq!(
            other.action(ctrl('a'), Mode::Terminal, &View::Terminal),
            Some(Action::ReleaseTerminal)
        );
        assert_eq!(other.detach_name(), "Ctrl-A");
    }

    #[test]
    fn keys_become_the_bytes_a_terminal_sends() {
        assert_eq!(key_bytes(key(KeyCode::Enter)), Some(b"\r".to_vec()));
        assert_eq!(key_bytes(key(KeyCode::Up)), Some(b"\x1b[A".to_vec()));
        assert_eq!(key_bytes(key(KeyCode::Backspace)), Some(vec![0x7f]));
        assert_eq!(
            key_bytes(key(KeyCode::Char('é'))),
            Some("é".as_bytes().to_vec())
        );
        assert_eq!(
            key_bytes(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT)),
            Some(b"\x1bx".to_vec())
        );
        assert_eq!(key_bytes(key(KeyCode::F(5))), Some(b"\x1b[15~".to_vec()));
        assert_eq!(key_bytes(key(KeyCode::F(1))), Some(b"\x1bOP".to_vec()));
    }

    #[test]
    fn help_lists_each_meaning_once() {
        let help = Keymap::default().help();
        let down = help.iter().find(|(_, w)| *w == "down").unwrap();
        assert_eq!(down.0, "j/↓");
        assert_eq!(help.iter().filter(|(_, w)| *w == "quit").count(), 1);
    }
}
