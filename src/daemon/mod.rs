//! The background daemon: serves the API on a Unix socket, drives runs with
//! the same engine and store as `weft run`, and stops gracefully. Its files
//! live in the runtime dir (socket, pid file; folder 0700, socket 0600) and
//! the data dir (`daemon.log`, rotated daily). Must not depend on the CLI or
//! its output layer; writes only to its log.

mod attach;
mod manager;
mod queue;
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

    let manager_config_tcp = config.daemon.tcp.clone();
    let manager_config_token = config.daemon.token.clone().filter(|t| !t.is_empty());
    let manager = Manager::open(paths.clone(), config, socket.clone())?;
    manager.resume_left_runs().await;
    // Catch-up fires start before the API answers.
    manager.start_schedules().await;
    tokio::spawn(manager.clone().run_schedules());
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
