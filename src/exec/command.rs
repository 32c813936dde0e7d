//! From a task body to the program and arguments to start: a shell for
//! command lines that need one, the program itself for those that don't,
//! the interpreter for scripts.

use crate::config::Shell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// What an attempt does once rendered.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Process { program: String, args: Vec<String> },
    Delay(Duration),
}

/// Finds a program the way a shell would: a path as given, a bare name on `PATH`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    find_on(name, std::env::var_os("PATH").as_deref())
}

/// Finds a program on a given `PATH`, remembering what it found: a workflow
/// starting the same program a thousand times looks it up once (a failed
/// `execve` per `PATH` entry is most of what a spawn costs).
pub fn find_on(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::sync::Mutex;
    if name.contains('/') {
        let p = Path::new(name);
        return p.is_file().then(|| p.to_path_buf());
    }
    static FOUND: OnceLock<Mutex<HashMap<(OsString, String), PathBuf>>> = OnceLock::new();
    let key = (
        path.map(OsString::from).unwrap_or_default(),
        name.to_string(),
    );
    let cache = FOUND.get_or_init(Default::default);
    // A hit is not checked again: if the program went away since, starting
    // it fails with "not found" all the same.
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Some(hit);
    }
    let found = std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, found.clone());
    }
    Some(found)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Shell words that are not programs: a command line starting with one needs a shell.
const SHELL_ONLY: &[&str] = &[
    "cd",
    "export",
    "exit",
    "source",
    ".",
    "set",
    "unset",
    "alias",
    "eval",
    "exec",
    "read",
    "shift",
    "trap",
    "wait",
    "ulimit",
    "umask",
    "return",
    "local",
    "declare",
    "typeset",
    "readonly",
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "for",
    "while",
    "until",
    "do",
    "done",
    "case",
    "esac",
    "function",
    "time",
    "!",
    "[[",
    "type",
    "command",
    "hash",
    "jobs",
    "fg",
    "bg",
    "builtin",
    "let",
    "pushd",
    "popd",
    "dirs",
    "history",
    "getopts",
    "shopt",
    "mapfile",
    "readarray",
    "disown",
    "break",
    "continue",
    "select",
    "coproc",
    "enable",
];

/// The words of a command line that has no shell syntax at all (no quotes,
/// variables, globs, redirections, pipes, comments or assignments), so it
/// can be started without a shell. `None` when a shell is needed.
pub fn simple_words(line: &str) -> Option<Vec<String>> {
    let plain = |c: char| c.is_ascii_alphanumeric() || " -_./,:=+@%^".contains(c);
    if !line.chars().all(plain) {
        return None;
    }
    let words: Vec<String> = line
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    let first = words.first()?;
    if first.contains('=') || SHELL_ONLY.contains(&first.as_str()) {
        return None;
    }
    Some(words)
}

/// `bash -eo pipefail -c LINE`, or `sh -c LINE` where bash is missing or
/// `sh` is configured; the program itself when the line needs no shell.
pub fn shell_command(line: &str, shell: Shell) -> Action {
    if let Some(mut words) = simple_words(line) {
        let program = words.remove(0);
        return Action::Process {
            program,
            args: words,
        };
    }
    static HAS_BASH: OnceLock<bool> = OnceLock::new();
    let bash = shell == Shell::Bash && *HAS_BASH.get_or_init(|| find_program("bash").is_some());
    if bash {
        Action::Process {
            program: "bash".into(),
            args: vec!["-eo".into(), "pipefail".into(), "-c".into(), line.into()],
        }
    } else {
        Action::Process {
            program: "sh".into(),
            args: vec!["-c".into(), line.into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_command_lines_skip_the_shell() {
        assert_eq!(simple_words("true"), Some(vec!["true".to_string()]));
        assert_eq!(
            simple_words("cargo build --release -j2"),
            Some(
                vec!["cargo", "build", "--release", "-j2"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
        for needs_shell in [
            "echo $HOME",
            "a | b",
            "a && b",
            "echo 'x'",
            "ls *.rs",
            "cd /tmp",
            "X=1 env",
            "echo hi > f",
            "exit 3",
            "sleep 1 &",
            "echo a # c",
            "echo ~",
        ] {
            assert_eq!(simple_words(needs_shell), None, "{needs_shell}");
        }
    }

    #[test]
    fn shell_lines_use_bash_with_pipefail() {
        match shell_command("false | true", Shell::Bash) {
            Action::Process { program, args } => {
                assert_eq!(program, "bash");
                assert_eq!(args[..3], ["-eo", "pipefail", "-c"]);
            }
            other => panic!("{other:?}"),
        }
        match shell_command("echo $X", Shell::Sh) {
            Action::Process { program, .. } => assert_eq!(program, "sh"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(find_program("sh").is_some());
        assert!(find_program("definitely-not-a-program-weft").is_none());
    }
}
