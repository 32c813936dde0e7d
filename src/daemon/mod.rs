//! The background daemon: serves the API on a Unix socket, drives runs with
//! the same engine and store as `weft run`, and stops gracefully. Its files
//! live in the runtime dir (socket, pid file; folder 0700, socket 0600) and
//! the data dir (`daemon.log`, rotated daily). Must not depend on the CLI or
//! its output layer; writes only to its log.

mod api_errors;
mod attach;
mod manager;
mod queue;
mod retention;
pub mod run_host;
mod scheduler;
mod server;
mod workflow_files;

pub use manager::{AttachRefusal, Manager};

use crate::config::Config;
use crate::paths::Paths;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where the daemon of a `Paths` listens.
pub fn socket_path(paths: &Paths) -> PathBuf {
    paths.runtime_dir.join("weft.sock")
}

/// Where it writes its pid.
pub fn pid_path(paths: &Paths) -> PathBuf {
    paths.runtime_dir.join("weft.pid")
}

/// Its log file (the current one; older ones carry a date suffix).
pub fn log_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.clone()
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(
        "a daemon is already running on `{socket}` (pid {pid}); stop it with `weft daemon stop`"
    )]
    AlreadyRunning { socket: String, pid: u32 },
    #[error("cannot prepare `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "the socket path `{path}` is {len} bytes, longer than this platform allows ({max}); set `WEFT_HOME` (or `XDG_RUNTIME_DIR`) to a shorter folder"
    )]
    SocketPathTooLong {
        path: String,
        len: usize,
        max: usize,
    },
    #[error(
        "the runtime folder `{path}` belongs to another user (uid {owner}); the daemon will not use it: remove it, or set `WEFT_HOME` to a folder of your own"
    )]
    ForeignRuntimeDir { path: String, owner: u32 },
    #[error(
        "`{path}` holds the TCP token but other users may read it (mode {mode:04o}); the daemon will not listen on TCP: run `chmod 600 {path}`"
    )]
    ConfigReadable { path: String, mode: u32 },
    #[error("cannot check `{path}`: {source}")]
    Check {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What the daemon checks before it starts (`weft daemon run`, and `weft
/// daemon start` before it spawns one): the socket path fits, the runtime
/// folder is this user's, and a config holding a TCP token is private.
/// Returns warnings worth showing (TCP beyond loopback).
pub fn preflight(
    paths: &Paths,
    config_file: &Path,
    config: &Config,
) -> Result<Vec<String>, DaemonError> {
    let socket = socket_path(paths);
    let len = socket.as_os_str().len();
    if len > crate::api::SOCKET_PATH_MAX {
        return Err(DaemonError::SocketPathTooLong {
            path: socket.display().to_string(),
            len,
            max: crate::api::SOCKET_PATH_MAX,
        });
    }
    use std::os::unix::fs::MetadataExt;
    let dir = &paths.runtime_dir;
    match std::fs::metadata(dir) {
        Ok(meta) if meta.uid() != nix::unistd::getuid().as_raw() => {
            return Err(DaemonError::ForeignRuntimeDir {
                path: dir.display().to_string(),
                owner: meta.uid(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(DaemonError::Check {
                path: dir.display().to_string(),
                source,
            });
        }
    }
    let mut warnings = Vec::new();
    if let (Some(addr), Some(_)) = (&config.daemon.tcp, &config.daemon.token) {
        let meta = std::fs::metadata(config_file).map_err(|source| DaemonError::Check {
            path: config_file.display().to_string(),
            source,
        })?;
        let mode = meta.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(DaemonError::ConfigReadable {
                path: config_file.display().to_string(),
                mode,
            });
        }
        if !is_loopback(addr) {
            warnings.push(format!(
                "the daemon listens on TCP `{addr}`, beyond this machine's loopback: anyone who can reach it may try the token; prefer `127.0.0.1:PORT` and an SSH tunnel"
            ));
        }
    }
    Ok(warnings)
}

/// `127.0.0.1:7420`, `[::1]:7420`, `localhost:7420`.
fn is_loopback(addr: &str) -> bool {
    if let Ok(a) = addr.parse::<std::net::SocketAddr>() {
        return a.ip().is_loopback();
    }
    addr.rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DaemonError + '_ {
    move |source| DaemonError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Runs the daemon in this process until it is told to stop (SIGTERM,
/// SIGINT, or `POST /v1/shutdown`).
pub fn serve(paths: &Paths, config: &Config) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io_err(Path::new("tokio runtime")))?;
    runtime.block_on(serve_async(paths.clone(), config.clone()))
}

async fn serve_async(paths: Paths, config: Config) -> Result<(), DaemonError> {
    let warnings = preflight(&paths, &paths.config_file, &config)?;
    let dir = &paths.runtime_dir;
    crate::private_fs::create_dir_all(dir).map_err(io_err(dir))?;
    crate::private_fs::tighten_home(&paths);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_err(dir))?;
    let socket = socket_path(&paths);
    // A live daemon answers on the socket; a dead one left only a file.
    if socket.exists() {
        let client = crate::api::Client::new(&socket);
        if let Ok(status) = client.status().await {
            return Err(DaemonError::AlreadyRunning {
                socket: socket.display().to_string(),
                pid: status.pid,
            });
        }
        std::fs::remove_file(&socket).map_err(io_err(&socket))?;
    }
    let _log_guard = start_logging(&paths);
    let listener = tokio::net::UnixListener::bind(&socket).map_err(io_err(&socket))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
        .map_err(io_err(&socket))?;
    let pid_file = pid_path(&paths);
    std::fs::write(&pid_file, format!("{}\n", std::process::id())).map_err(io_err(&pid_file))?;
    tracing::info!(pid = std::process::id(), socket = %socket.display(), version = crate::api::VERSION, "daemon started");
    for warning in &warnings {
        tracing::warn!("{warning}");
    }

    let manager_config_tcp = config.daemon.tcp.clone();
    let manager_config_token = config.daemon.token.clone().filter(|t| !t.is_empty());
    let manager = Manager::open(paths.clone(), config, socket.clone())?;
    manager.resume_left_runs().await;
    // Catch-up fires start before the API answers.
    manager.start_schedules().await;
    tokio::spawn(manager.clone().run_schedules());
    tokio::spawn(manager.clone().run_retention());
    let reloader = manager.clone();
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            reloader.reload();
        }
    });
    let tcp = match (&manager_config_tcp, &manager_config_token) {
        (Some(addr), Some(token)) => {
            let listener = tokio::net::TcpListener::bind(addr.as_str())
                .await
                .map_err(io_err(Path::new(addr.as_str())))?;
            tracing::info!(address = %addr, "listening on TCP (token required)");
            Some(server::TcpAccess {
                listener,
                token: token.clone(),
            })
        }
        _ => None,
    };
    let result = server::run(listener, tcp, manager.clone()).await;
    // Normally done when the server began to stop; again in case it failed.
    manager.shutdown().await;
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(&pid_file);
    tracing::info!("daemon stopped");
    result.map_err(io_err(&socket))
}

/// Daily-rotated `daemon.log` in the data dir.
fn start_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let appender = tracing_appender::rolling::daily(log_dir(paths), "daemon.log");
    // A small queue: the default (128k lines) reserves 4 MB up front, more
    // than a third of an idle daemon's memory.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .finish(appender);
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_config() -> Config {
        let mut c = Config::default();
        c.daemon.tcp = Some("127.0.0.1:7420".into());
        c.daemon.token = Some("0123456789abcdef0123456789abcdef".into());
        c
    }

    #[test]
    fn a_config_with_a_token_must_be_private() {
        let home = tempfile::tempdir().expect("temp dir");
        let paths = Paths::under(home.path());
        let file = home.path().join("config.yaml");
        std::fs::write(&file, "daemon: {}\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = preflight(&paths, &file, &tcp_config()).expect_err("refused");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("chmod 600 {}", file.display())),
            "{msg}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(
            preflight(&paths, &file, &tcp_config()).expect("ok").len(),
            0
        );
        // Without TCP the file's mode is not the daemon's business.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(preflight(&paths, &file, &Config::default()).is_ok());
    }

    #[test]
    fn tcp_beyond_loopback_is_warned_about() {
        assert!(is_loopback("127.0.0.1:7420"));
        assert!(is_loopback("[::1]:7420"));
        assert!(is_loopback("localhost:7420"));
        assert!(!is_loopback("0.0.0.0:7420"));
        assert!(!is_loopback("192.168.1.5:7420"));
        let home = tempfile::tempdir().expect("temp dir");
        let paths = Paths::under(home.path());
        let file = home.path().join("config.yaml");
        std::fs::write(&file, "daemon: {}\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let mut c = tcp_config();
        c.daemon.tcp = Some("0.0.0.0:7420".into());
        let warnings = preflight(&paths, &file, &c).expect("ok");
        assert!(warnings[0].contains("beyond"), "{warnings:?}");
    }

    #[test]
    fn a_socket_path_too_long_is_named() {
        let long = std::path::PathBuf::from("/tmp").join("x".repeat(120));
        let paths = Paths::under(&long);
        let err =
            preflight(&paths, &long.join("config.yaml"), &Config::default()).expect_err("refused");
        let msg = err.to_string();
        assert!(msg.contains("longer than this platform allows"), "{msg}");
        assert!(msg.contains("WEFT_HOME"), "{msg}");
    }

    #[test]
    fn a_runtime_folder_of_another_user_is_refused() {
        // `/` belongs to root; only meaningful when the tests do not run as root.
        if nix::unistd::getuid().is_root() {
            return;
        }
        let paths = Paths {
            config_file: "/nonexistent/config.yaml".into(),
            data_dir: "/nonexistent".into(),
            runtime_dir: "/".into(),
        };
        let err = preflight(&paths, &paths.config_file, &Config::default()).expect_err("refused");
        let msg = err.to_string();
        assert!(msg.contains("`/`") && msg.contains("uid 0"), "{msg}");
    }
}
