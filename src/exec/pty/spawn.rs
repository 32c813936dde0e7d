//! Starting a program in a new PTY: resolving it as `process` does,
//! catching a missing interpreter or a failed `execve` (which portable-pty
//! reports as a start), and reaping it with its real exit status.

use super::super::find_on;
use super::{BoxError, PtyError, TermSize, check_size, pty_size};
use nix::unistd::Pid;
use portable_pty::{CommandBuilder, MasterPty, native_pty_system};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
#[cfg(target_os = "linux")]
use std::time::{Duration, Instant};

/// A spawned program and the ends of its PTY.
pub(super) struct Started {
    pub(super) pid: u32,
    pub(super) master: Box<dyn MasterPty + Send>,
    pub(super) reader: Box<dyn Read + Send>,
    pub(super) writer: Box<dyn Write + Send>,
    pub(super) child: Box<dyn portable_pty::Child + Send + Sync>,
}

pub(super) fn start(
    program: &str,
    args: &[String],
    env: &[(String, String)],
    cwd: &Path,
    size: TermSize,
) -> Result<Started, PtyError> {
    check_size(size)?;
    // portable-pty quietly starts the program in the home directory when
    // the working directory is missing.
    if !cwd.is_dir() {
        return Err(PtyError::NoWorkingDirectory(cwd.to_path_buf()));
    }
    let resolved = resolve(program, env, cwd)?;
    check_interpreter(&resolved)?;
    let pair = native_pty_system()
        .openpty(pty_size(size))
        .map_err(|e| PtyError::Open(e.into()))?;
    let mut cmd = CommandBuilder::new(&resolved);
    cmd.args(args);
    cmd.cwd(cwd);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("COLUMNS");
    cmd.env_remove("LINES");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let spawn_error = |source: BoxError| PtyError::Spawn {
        program: program.to_string(),
        source,
    };
    // The fork happens on a thread of a known name, which the child keeps
    // until it executes the program: see `confirm_exec`.
    let slave = pair.slave;
    let child = std::thread::Builder::new()
        .name(FORK_THREAD.into())
        .spawn(move || {
            let child = slave.spawn_command(cmd);
            // Only the child may hold the terminal's other end: while weft
            // holds it too, the output never ends.
            drop(slave);
            child
        })
        .map_err(|e| spawn_error(e.into()))?
        .join()
        .map_err(|_| spawn_error("the thread starting it panicked".into()))?
        .map_err(|e| spawn_error(e.into()))?;
    let pid = child
        .process_id()
        .ok_or_else(|| spawn_error("the new process has no pid".into()))?;
    confirm_exec(pid, &resolved)?;
    let reader = pair
        .master
        .try_clone_reader()
        .map_err(|e| PtyError::Open(e.into()))?;
    let writer = pair
        .master
        .take_writer()
        .map_err(|e| PtyError::Open(e.into()))?;
    Ok(Started {
        pid,
        master: pair.master,
        reader,
        writer,
        child,
    })
}

/// The name of the thread that forks PTY children (at most 15 bytes, the
/// kernel's limit for a task name).
const FORK_THREAD: &str = "weft-pty-fork";

/// Makes sure the child executed the program. portable-pty's child closes
/// every inherited descriptor before `execve`, std's error-reporting pipe
/// included, so a failed `execve` looks like a successful spawn (the child
/// then aborts). On Linux the child's task name tells: it is the forking
/// thread's name until `execve` succeeds, and a child that ends still
/// bearing it never ran the program (it is reaped here).
fn confirm_exec(pid: u32, path: &Path) -> Result<(), PtyError> {
    #[cfg(target_os = "linux")]
    {
        // Executing takes a millisecond or so; the bound only guards
        // against a child stuck before it (then the waiter reports).
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut pause = Duration::from_micros(100);
        while let Some(stat) = crate::sys::proc_stat(pid) {
            if stat.comm != FORK_THREAD || Instant::now() > deadline {
                return Ok(());
            }
            if stat.state == 'Z' {
                let _ = nix::sys::wait::waitpid(Pid::from_raw(pid as i32), None);
                return Err(PtyError::ExecFailed {
                    path: path.to_path_buf(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
    let _ = (pid, path);
    Ok(())
}

/// For a script, the interpreter on its `#!` line must exist: when it
/// does not, `execve` fails inside the child (see `confirm_exec`) and says
/// nothing useful.
fn check_interpreter(path: &Path) -> Result<(), PtyError> {
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let Some(line) = head[..n].strip_prefix(b"#!") else {
        return Ok(());
    };
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    match line.split_whitespace().next() {
        Some(interpreter) if !Path::new(interpreter).is_file() => {
            Err(PtyError::MissingInterpreter {
                path: path.to_path_buf(),
                interpreter: interpreter.to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// The program's path, looked up as `process` does (the task's own `PATH`
/// first), so a missing program is a clear error before anything starts.
fn resolve(program: &str, env: &[(String, String)], cwd: &Path) -> Result<PathBuf, PtyError> {
    if program.contains('/') {
        let path = cwd.join(program);
        return match path.is_file() {
            true => Ok(path),
            false => Err(PtyError::ProgramMissing { path }),
        };
    }
    let path_var = env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| std::ffi::OsString::from(v))
        .or_else(|| std::env::var_os("PATH"));
    find_on(program, path_var.as_deref()).ok_or_else(|| PtyError::ProgramNotOnPath {
        program: program.to_string(),
    })
}

/// Reaps the program. `waitpid` rather than portable-pty's `wait`, whose
/// status names a signal in words ("Terminated") instead of its number.
pub(super) fn wait_for_exit(pid: u32) -> Result<ExitStatus, std::io::ErrorKind> {
    use nix::sys::wait::{WaitStatus, waitpid};
    loop {
        match waitpid(Pid::from_raw(pid as i32), None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(ExitStatus::from_raw((code & 0xff) << 8)),
            Ok(WaitStatus::Signaled(_, signal, core)) => {
                return Ok(ExitStatus::from_raw(
                    signal as i32 | if core { 0x80 } else { 0 },
                ));
            }
            // Stopped/continued are not reported without WUNTRACED.
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(std::io::Error::from(e).kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{PtyError, TermSize};
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn a_program_that_cannot_start_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let started = Instant::now();
        let size = TermSize::default();

        let e = spawn_err(spec(d, &["definitely-not-a-program-weft"], size));
        assert!(matches!(e, PtyError::ProgramNotOnPath { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "program `definitely-not-a-program-weft` not found on PATH; \
             install it or give its full path"
        );

        let e = spawn_err(spec(d, &["./missing.sh"], size));
        assert!(matches!(e, PtyError::ProgramMissing { .. }), "{e}");
        assert!(e.to_string().ends_with("missing.sh` not found"), "{e}");

        let mut in_nowhere = spec(d, &["bash"], size);
        in_nowhere.cwd = d.join("nowhere");
        let e = spawn_err(in_nowhere);
        assert!(matches!(e, PtyError::NoWorkingDirectory(_)), "{e}");

        // A script whose interpreter is missing: caught before the start.
        use std::os::unix::fs::PermissionsExt;
        let executable = std::fs::Permissions::from_mode(0o755);
        let script = d.join("old.sh");
        std::fs::write(&script, "#!/nonexistent/bin/tclsh -f\nputs hi\n").unwrap();
        std::fs::set_permissions(&script, executable.clone()).unwrap();
        let e = spawn_err(spec(d, &["./old.sh"], size));
        assert!(
            e.to_string()
                .contains("names `/nonexistent/bin/tclsh` on its `#!` line"),
            "{e}"
        );

        // An interpreter that is there but cannot be executed: `execve`
        // fails inside the child, which portable-pty reports as started.
        let interp = d.join("interp");
        std::fs::write(&interp, "not a program").unwrap();
        std::fs::write(&script, format!("#!{}\necho hi\n", interp.display())).unwrap();
        let e = spawn_err(spec(d, &["./old.sh"], size));
        assert!(matches!(e, PtyError::ExecFailed { .. }), "{e}");
        assert!(
            e.to_string().starts_with("the system could not execute `"),
            "{e}"
        );

        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
