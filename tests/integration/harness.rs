//! A small fluent harness: a temporary `WEFT_HOME` and working folder, the
//! real `weft` binary, and bounded polling (never a bare sleep).

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub struct Weft {
    pub home: tempfile::TempDir,
    pub dir: tempfile::TempDir,
}

/// The output of one finished `weft` invocation.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Weft {
    pub fn new() -> Weft {
        Weft {
            home: tempfile::tempdir().expect("temp WEFT_HOME"),
            dir: tempfile::tempdir().expect("temp work dir"),
        }
    }

    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_weft"))
    }

    /// A `weft` command with this test's home, no colour, run in `dir`.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(Self::bin());
        c.env("WEFT_HOME", self.home.path())
            .env_remove("WEFT_CONFIG")
            .env_remove("WEFT_CONCURRENCY")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            // A hung command fails its test instead of hanging the suite.
            .timeout(Duration::from_secs(120));
        c
    }

    /// Runs `weft ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Out {
        let out = self.cmd().args(args).output().expect("running weft");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Starts `weft ARGS` in the background (stdout and stderr piped).
    pub fn spawn(&self, args: &[&str]) -> Child {
        std::process::Command::new(Self::bin())
            .args(args)
            .env("WEFT_HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env_remove("WEFT_CONCURRENCY")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning weft")
    }

    /// Writes a file under the work dir and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating parent dir");
        }
        std::fs::write(&path, text).expect("writing file");
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Makes the folder `name` (in the work dir) the daemon's one
    /// `workflow_dirs` entry, in a fresh config.yaml; returns the folder.
    pub fn workflow_dir(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            self.home.path().join("config.yaml"),
            format!("workflow_dirs: [{}]\n", dir.display()),
        )
        .unwrap();
        dir
    }

    /// Everything the daemon has logged so far (all its daily files).
    pub fn daemon_log(&self) -> String {
        std::fs::read_dir(self.home.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("daemon.log"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect()
    }

    /// `weft show RUN --json` parsed.
    pub fn show_json(&self, run: &str) -> serde_json::Value {
        let out = self.run(&["show", run, "--json"]);
        assert_eq!(out.code, 0, "weft show failed: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("show --json is JSON")
    }

    /// The id of the latest run of a workflow.
    pub fn latest(&self, workflow: &str) -> String {
        self.show_json(workflow)["id"]
            .as_str()
            .expect("run id")
            .to_string()
    }
}

/// Everything a stream yields, gathered by a thread, to poll while the
/// writer still runs (`logs -f`, `events -f`, stderr). The thread ends
/// with the stream.
pub struct Captured {
    text: std::sync::Arc<std::sync::Mutex<String>>,
    thread: std::thread::JoinHandle<()>,
}

impl Captured {
    pub fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text.lock().unwrap().contains(needle)
    }

    /// Waits for the stream to end; all it said.
    pub fn finish(self) -> String {
        self.thread.join().expect("the capturing thread");
        self.text.lock().unwrap().clone()
    }
}

pub fn capture(mut stream: impl std::io::Read + Send + 'static) -> Captured {
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = text.clone();
    let thread = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    Captured { text, thread }
}

/// Polls `cond` every 20 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid a task wrote to `path` (`echo $$ > path`), once it is there.
pub fn pid_in(path: &Path) -> i32 {
    assert!(
        wait_for_file(path, Duration::from_secs(20)),
        "{} was never written",
        path.display()
    );
    let text = std::fs::read_to_string(path).expect("reading a pid file");
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a pid: {text:?}"))
}

/// Waits for a file to exist (and be non-empty), bounded.
pub fn wait_for_file(path: &Path, limit: Duration) -> bool {
    wait_until(limit, || {
        std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
    })
}

/// Whether a process with this pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

/// Sends a signal (by name, e.g. `INT`, `KILL`) to one process.
pub fn signal(pid: u32, sig: &str) {
    let sig: nix::sys::signal::Signal = format!("SIG{sig}").parse().expect("a signal name");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig).expect("sending a signal");
}

/// SIGKILL to a whole process group (never through the `kill` program:
/// procps `kill -9 -PGID` signals every process on the machine).
pub fn kill_group(pgid: i32) {
    assert!(pgid > 1, "refusing to signal process group {pgid}");
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// Waits for a child to exit, bounded; returns its exit code.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<i32> {
    let mut code = None;
    wait_until(limit, || match child.try_wait() {
        Ok(Some(status)) => {
            code = Some(status.code().unwrap_or(-1));
            true
        }
        _ => false,
    });
    code
}

/// A real daemon (`weft daemon run`) in this test's home, stopped on drop.
pub struct DaemonGuard {
    pub child: Child,
}

impl Weft {
    /// Starts a daemon and waits (bounded) until it answers on its socket.
    pub fn daemon(&self) -> DaemonGuard {
        let child = std::process::Command::new(Self::bin())
            .args(["daemon", "run"])
            .env("WEFT_HOME", self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting weft daemon run");
        let guard = DaemonGuard { child };
        assert!(
            wait_until(Duration::from_secs(20), || self
                .run(&["daemon", "status"])
                .code
                == 0),
            "the daemon never answered on its socket"
        );
        guard
    }

    pub fn socket(&self) -> PathBuf {
        self.home.path().join("run").join("weft.sock")
    }
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real terminal (a PTY) running a command, with its screen kept by a
/// vt100 parser: for testing `weft attach` as a user at a terminal.
pub struct Terminal {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn std::io::Write + Send>,
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    /// Runs `sh -c SCRIPT` in a 24x80 terminal with this test's home.
    pub fn open(w: &Weft, script: &str) -> Terminal {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("opening a pty");
        let mut cmd = CommandBuilder::new("sh");
        cmd.args(["-c", script]);
        cmd.env("WEFT_HOME", w.home.path());
        cmd.env("WEFT", Weft::bin());
        cmd.env("TERM", "xterm");
        cmd.env("NO_COLOR", "1");
        cmd.cwd(w.dir.path());
        let child = pair.slave.spawn_command(cmd).expect("spawning in the pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let screen = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(24, 80, 0)));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Terminal {
            child,
            writer,
            screen,
            _master: pair.master,
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits (bounded) until the screen shows `text`.
    pub fn expect(&self, text: &str) {
        assert!(
            wait_until(Duration::from_secs(20), || self.contents().contains(text)),
            "the terminal never showed {text:?}; it shows:\n{}",
            self.contents()
        );
    }

    pub fn type_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("typing");
        self.writer.flush().expect("typing");
    }

    /// Waits (bounded) for the command to end; its exit code.
    pub fn wait(&mut self) -> Option<u32> {
        let mut code = None;
        wait_until(Duration::from_secs(20), || match self.child.try_wait() {
            Ok(Some(status)) => {
                code = Some(status.exit_code());
                true
            }
            _ => false,
        });
        code
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // Everything started in this terminal, not only its shell.
        if let Some(pid) = self.child.process_id() {
            kill_group(pid as i32);
        }
        let _ = self.child.kill();
    }
}

/// The absolute path of an example workflow.
pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("workflows")
        .join(name)
        .display()
        .to_string()
}

/// A real tmux server of its own (its socket in a temp folder), running
/// one command in a detached session: keys go in with `send-keys`, the
/// screen comes out with `capture-pane`, as a user's terminal would.
pub struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `script` (sh) in a 120x32 window, with WEFT_HOME and $WEFT set.
    pub fn start(w: &Weft, script: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let status = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "32",
            ])
            .arg("-c")
            .arg(w.dir.path())
            .arg("-e")
            .arg(format!("WEFT_HOME={}", w.home.path().display()))
            .arg("-e")
            .arg(format!("WEFT={}", Weft::bin().display()))
            .args(["-e", "TERM=tmux-256color", "sh", "-c", script])
            .status()
            .expect("tmux runs (apt-get install tmux)");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket, _dir: dir }
    }

    /// Sends keys as tmux names them (`Enter`, `Escape`, `C-]`, or text
    /// with `-l`).
    pub fn keys(&self, keys: &[&str]) {
        let status = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["send-keys", "-t", "0"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Resizes the window (and so the program's terminal).
    pub fn resize(&self, cols: u16, rows: u16) {
        let status = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args([
                "resize-window",
                "-t",
                "0",
                "-x",
                &cols.to_string(),
                "-y",
                &rows.to_string(),
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The pane's size as tmux gives it to the program: `(rows, cols)`.
    pub fn pane_size(&self) -> (u16, u16) {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args([
                "display-message",
                "-p",
                "-t",
                "0",
                "#{pane_height} #{pane_width}",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut n = text.split_whitespace().map(|n| n.parse().unwrap());
        (n.next().unwrap(), n.next().unwrap())
    }

    /// Types text literally.
    pub fn text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// The pane's terminal modes as tmux tracks them, by name:
    /// `alternate_on`, `mouse_any_flag`, `mouse_sgr_flag`, `keypad_flag`,
    /// `keypad_cursor_flag`, `cursor_flag`, each `0` or `1`.
    pub fn modes(&self) -> std::collections::BTreeMap<&'static str, String> {
        const NAMES: [&str; 6] = [
            "alternate_on",
            "mouse_any_flag",
            "mouse_sgr_flag",
            "keypad_flag",
            "keypad_cursor_flag",
            "cursor_flag",
        ];
        let format = NAMES.map(|n| format!("#{{{n}}}")).join(" ");
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["display-message", "-p", "-t", "0", &format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        NAMES
            .into_iter()
            .zip(text.split_whitespace().map(str::to_string))
            .collect()
    }

    pub fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its colours and attributes as escape sequences.
    pub fn styled_screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["capture-pane", "-p", "-e", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (up to 20 s) until the screen shows `text`; returns the screen.
    pub fn expect(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}
