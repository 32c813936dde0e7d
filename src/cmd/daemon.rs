//! `weft daemon start|run|stop|status|install`.

use super::daemon_client::{client_error, runtime, wait_for_daemon};
use super::{CmdError, CmdResult, Context, EXIT_OK, EXIT_UNAVAILABLE};
use crate::api::{Client, ClientError};
use crate::cli::DaemonCommand;
use crate::daemon::{pid_path, serve, socket_path};
use crate::model::{format_duration_ms, now_ms};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

pub fn daemon(ctx: &Context, cmd: DaemonCommand) -> CmdResult {
    match cmd {
        DaemonCommand::Run => {
            // The daemon rereads its config file on reload: the one in use.
            let mut paths = ctx.paths.clone();
            if let Some(file) = &ctx.config_file_override {
                paths.config_file = file.clone();
            }
            serve(&paths, &ctx.config).map_err(|e| match e {
                crate::daemon::DaemonError::AlreadyRunning { .. }
                | crate::daemon::DaemonError::ConfigReadable { .. } => {
                    CmdError::Usage(format!("{e}"))
                }
                other => CmdError::Unavailable(format!("{other}")),
            })?;
            Ok(EXIT_OK)
        }
        DaemonCommand::Start => start(ctx),
        DaemonCommand::Stop => stop(ctx),
        DaemonCommand::Status { json } => status(ctx, json),
        DaemonCommand::Install { print } => install(ctx, print),
        DaemonCommand::Reload => reload(ctx),
    }
}

/// Asks a running daemon to reread its workflow folders (never starts one).
fn reload(ctx: &Context) -> CmdResult {
    let client = Client::new(&socket_path(&ctx.paths));
    let answer = runtime()?.block_on(client.reload()).map_err(client_error)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "reloaded: {} workflow{}, {} invalid file{}",
        answer.workflows,
        if answer.workflows == 1 { "" } else { "s" },
        answer.invalid,
        if answer.invalid == 1 { "" } else { "s" },
    )?;
    Ok(EXIT_OK)
}

/// Starts `weft daemon run` in its own session, detached from this
/// terminal, its early output in `daemon.out` beside its log.
pub(super) fn spawn_daemon(ctx: &Context) -> Result<u32, CmdError> {
    let exe = std::env::current_exe().map_err(|e| {
        CmdError::Unavailable(format!(
            "cannot find the weft binary to start the daemon: {e}"
        ))
    })?;
    crate::private_fs::create_dir_all(&ctx.paths.data_dir).map_err(|e| {
        CmdError::Unavailable(format!(
            "cannot create `{}`: {e}",
            ctx.paths.data_dir.display()
        ))
    })?;
    let out_path = ctx.paths.data_dir.join("daemon.out");
    let out = crate::private_fs::options()
        .create(true)
        .append(true)
        .open(&out_path)
        .map_err(|e| CmdError::Unavailable(format!("cannot open `{}`: {e}", out_path.display())))?;
    let err = out.try_clone()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["daemon", "run"])
        // Started from inside a task (`weft submit` in a `run:`), the daemon
        // is not part of that task: a sweep of the task's leftovers by run
        // id must not find it.
        .env_remove("WEFT_RUN_ID")
        .env_remove("WEFT_TASK")
        .env_remove("WEFT_ATTEMPT")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    if ctx.home_is_explicit {
        cmd.env("WEFT_HOME", &ctx.paths.data_dir);
    } else {
        cmd.env_remove("WEFT_HOME");
    }
    if let Some(config) = &ctx.config_file_override {
        cmd.env("WEFT_CONFIG", config);
    }
    // Its own session: no controlling terminal, no SIGHUP when this shell goes.
    use std::os::unix::process::CommandExt;
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| CmdError::Unavailable(format!("cannot start the daemon: {e}")))?;
    Ok(child.id())
}

/// The daemon's own checks, run here too so their message reaches the
/// terminal rather than only the daemon's log.
fn preflight(ctx: &Context) -> Result<(), CmdError> {
    let config_file = ctx
        .config_file_override
        .clone()
        .unwrap_or_else(|| ctx.paths.config_file.clone());
    match crate::daemon::preflight(&ctx.paths, &config_file, &ctx.config) {
        Ok(warnings) => {
            for w in warnings {
                eprintln!("weft: warning: {w}");
            }
            Ok(())
        }
        Err(e @ crate::daemon::DaemonError::ConfigReadable { .. }) => {
            Err(CmdError::Usage(format!("{e}")))
        }
        Err(e) => Err(CmdError::Unavailable(format!("{e}"))),
    }
}

fn start(ctx: &Context) -> CmdResult {
    preflight(ctx)?;
    let socket = socket_path(&ctx.paths);
    let client = Client::new(&socket);
    runtime()?.block_on(async {
        if let Ok(status) = client.status().await {
            eprintln!(
                "weft: the daemon is already running (pid {}, socket `{}`)",
                status.pid,
                socket.display()
            );
            return Ok(EXIT_OK);
        }
        spawn_daemon(ctx)?;
        wait_for_daemon(&client).await?;
        let status = client.status().await.map_err(client_error)?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "daemon started: pid {}, socket {}",
            status.pid, status.socket
        )?;
        Ok(EXIT_OK)
    })
}

fn stop(ctx: &Context) -> CmdResult {
    let socket = socket_path(&ctx.paths);
    let client = Client::new(&socket);
    runtime()?.block_on(async {
        let status = match client.status().await {
            Ok(s) => s,
            Err(ClientError::NotRunning { .. }) => {
                eprintln!("weft: no daemon is running (socket `{}`)", socket.display());
                return Ok(EXIT_OK);
            }
            Err(e) => return Err(client_error(e)),
        };
        client.shutdown().await.map_err(client_error)?;
        // Its runs get their grace period; then it exits.
        let limit = ctx.config.kill_grace() + Duration::from_secs(10);
        let deadline = tokio::time::Instant::now() + limit;
        while crate::sys::process_start_time(status.pid).is_some() {
            if tokio::time::Instant::now() > deadline {
                return Err(CmdError::Unavailable(format!(
                    "the daemon (pid {}) did not stop within {}; see its log in `{}`",
                    status.pid,
                    format_duration_ms(limit.as_millis() as u64),
                    ctx.paths.data_dir.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "daemon stopped (pid {})", status.pid)?;
        Ok(EXIT_OK)
    })
}

fn status(ctx: &Context, json: bool) -> CmdResult {
    let socket = socket_path(&ctx.paths);
    let client = Client::new(&socket);
    runtime()?.block_on(async {
        let status = match client.status().await {
            Ok(s) => s,
            Err(ClientError::NotRunning { .. }) => {
                if json {
                    println!("{}", serde_json::json!({"running": false, "socket": socket.display().to_string()}));
                } else {
                    eprintln!(
                        "weft: no daemon is running (socket `{}`); start one with `weft daemon start`",
                        socket.display()
                    );
                }
                return Ok(EXIT_UNAVAILABLE);
            }
            Err(e) => return Err(client_error(e)),
        };
        let mut out = std::io::stdout().lock();
        if json {
            let mut v = serde_json::to_value(&status).map_err(std::io::Error::from)?;
            v["running"] = serde_json::Value::Bool(true);
            v["runs"] = serde_json::to_value(&status.running).map_err(std::io::Error::from)?;
            serde_json::to_writer_pretty(&mut out, &v).map_err(std::io::Error::from)?;
            writeln!(out)?;
            return Ok(EXIT_OK);
        }
        let uptime = format_duration_ms((now_ms() - status.started_at).max(0) as u64);
        writeln!(out, "daemon running")?;
        writeln!(out, "  pid      {}", status.pid)?;
        writeln!(out, "  uptime   {uptime}")?;
        writeln!(out, "  version  {}", status.version)?;
        writeln!(out, "  socket   {}", status.socket)?;
        writeln!(out, "  pid file {}", pid_path(&ctx.paths).display())?;
        if let Some(e) = &status.store_error {
            writeln!(out, "  store    cannot write: {e}")?;
        }
        let runs: Vec<String> = status.running.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "  runs     {}",
            if runs.is_empty() { "none running".to_string() } else { runs.join(", ") }
        )?;
        Ok(EXIT_OK)
    })
}

fn install(ctx: &Context, print: bool) -> CmdResult {
    let exe = std::env::current_exe()?;
    let home_env = if ctx.home_is_explicit {
        format!("Environment=WEFT_HOME={}\n", ctx.paths.data_dir.display())
    } else {
        String::new()
    };
    let (unit, path, enable) = if cfg!(target_os = "macos") {
        let home = std::env::var("HOME").unwrap_or_default();
        let plist = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>dev.weft.daemon</string>
  <key>ProgramArguments</key><array><string>{}</string><string>daemon</string><string>run</string></array>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
</dict>
</plist>
"#,
            exe.display()
        );
        (
            plist,
            std::path::PathBuf::from(home).join("Library/LaunchAgents/dev.weft.daemon.plist"),
            "launchctl load ~/Library/LaunchAgents/dev.weft.daemon.plist".to_string(),
        )
    } else {
        let unit = format!(
            "[Unit]\nDescription=weft workflow daemon\n\n[Service]\nType=simple\nExecStart={} daemon run\n{home_env}Restart=on-failure\nKillMode=mixed\nTimeoutStopSec={}\n\n[Install]\nWantedBy=default.target\n",
            exe.display(),
            (ctx.config.kill_grace() + Duration::from_secs(10)).as_secs()
        );
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config")))
            .ok_or_else(|| CmdError::Usage("neither XDG_CONFIG_HOME nor HOME is set; use `--print` and place the unit yourself".into()))?;
        (
            unit,
            config_home.join("systemd/user/weft.service"),
            "systemctl --user daemon-reload && systemctl --user enable --now weft".to_string(),
        )
    };
    let mut out = std::io::stdout().lock();
    if print {
        write!(out, "{unit}")?;
        return Ok(EXIT_OK);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CmdError::Usage(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    std::fs::write(&path, unit)
        .map_err(|e| CmdError::Usage(format!("cannot write `{}`: {e}", path.display())))?;
    writeln!(out, "wrote {}\nenable it with: {enable}", path.display())?;
    Ok(EXIT_OK)
}
