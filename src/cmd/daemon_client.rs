//! The client side of the local daemon connection: the commands that talk
//! to the daemon, `submit` (and `run --detach`), `wait`,
//! `cancel`, `pause`, `resume`, `retry --detach`, `events`. Each finds the
//! daemon on its socket, starting it when allowed.

use super::{CmdError, CmdResult, Context, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::api::{
    Client, ClientError, ErrorCode, PauseRequest, RetryRequest, RunState, SubmitRequest,
};
use crate::cli::{EventsArgs, PauseArgs, RunNameArgs, SubmitArgs, WaitArgs};
use crate::model::RunStatus;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A current-thread runtime for one command.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CmdError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CmdError::Unavailable(format!("cannot start the async runtime: {e}")))
}

/// What an API error means for the command line.
pub(super) fn client_error(e: ClientError) -> CmdError {
    match e {
        ClientError::NotRunning { socket, .. } => CmdError::Unavailable(format!(
            "no daemon is listening on `{socket}`; start one with `weft daemon start`"
        )),
        e @ ClientError::SocketPathTooLong { .. } => CmdError::Unavailable(format!(
            "{e}\n  set `WEFT_HOME` (or `XDG_RUNTIME_DIR`) to a shorter folder"
        )),
        ClientError::Api(api) => {
            let hint = api.hint.map(|h| format!("\n  {h}")).unwrap_or_default();
            let text = format!("{}{hint}", api.message.trim_end());
            match api.code {
                ErrorCode::Store | ErrorCode::VersionMismatch | ErrorCode::Unknown => {
                    CmdError::Unavailable(text)
                }
                _ => CmdError::Usage(text),
            }
        }
        other @ ClientError::Transport { .. } => CmdError::Unavailable(format!("{other}")),
    }
}

/// A client for the running daemon, starting one if none answers and
/// autostart is allowed.
pub(super) async fn connect(ctx: &Context) -> Result<Client, CmdError> {
    let socket = crate::daemon::socket_path(&ctx.paths);
    let client = Client::new(&socket);
    match client.status().await {
        Ok(_) => return Ok(client),
        Err(ClientError::NotRunning { .. }) => {}
        Err(e) => return Err(client_error(e)),
    }
    if !ctx.autostart {
        return Err(CmdError::Unavailable(format!(
            "no daemon is listening on `{}`; start one with `weft daemon start` (autostart is off)",
            socket.display()
        )));
    }
    eprintln!("weft: starting the daemon (socket `{}`)", socket.display());
    super::daemon::spawn_daemon(ctx)?;
    wait_for_daemon(&client).await?;
    Ok(client)
}

/// The daemon for `weft wait`. When none answers and a run to wait for is
/// `suspended` (`weft daemon stop` stopped the daemon before it ended), no
/// daemon is started: the user stopped it. This says so and waits for one
/// to start (the run goes on then), like a wait the stop cut short.
async fn connect_unless_suspended(ctx: &Context, runs: &[String]) -> Result<Client, CmdError> {
    let client = Client::new(&crate::daemon::socket_path(&ctx.paths));
    if client.status().await.is_ok() {
        return Ok(client);
    }
    let store = ctx.reading_store()?;
    let suspended: Vec<crate::model::RunId> = runs
        .iter()
        .filter_map(|name| {
            let id = crate::store::Store::resolve(&*store, name).ok()?;
            let run = crate::store::Store::run(&*store, &id).ok()?;
            (run.summary.status == RunStatus::Suspended).then_some(id)
        })
        .collect();
    if suspended.is_empty() {
        return connect(ctx).await;
    }
    for id in &suspended {
        eprintln!(
            "weft: run {id} is suspended: the daemon was stopped (`weft daemon stop`) before it ended; it goes on when a daemon starts again; waiting for one (`weft daemon start`)"
        );
    }
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if client.status().await.is_ok() {
            return Ok(client);
        }
    }
}

/// The runs given to `weft wait` that are still queued, as `(name, id)`,
/// each noted on stderr with what it waits for.
fn queued_runs_noted(
    ctx: &Context,
    runs: &[String],
) -> Result<Vec<(String, crate::model::RunId)>, CmdError> {
    let store = ctx.reading_store()?;
    let mut queued = Vec::new();
    for name in runs {
        if let Err(crate::store::StoreError::Queued { run, .. }) =
            crate::store::Store::resolve(&*store, name)
            && let Some(waits) = super::show::queued_waits(&*store, &run)?
        {
            eprintln!(
                "weft: run {run} is queued: it waits for {}; waiting for it to start and end",
                waits.describe()
            );
            queued.push((name.clone(), waits.queued.run));
        }
    }
    Ok(queued)
}

/// Polls the socket until the daemon answers, for at most 10 s.
pub(super) async fn wait_for_daemon(client: &Client) -> Result<(), CmdError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match client.status().await {
            Ok(_) => return Ok(()),
            Err(ClientError::NotRunning { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(client_error(e)),
        }
    }
}

/// Validates here (so problems show with their lines) and hands the run over.
pub fn submit_file(
    ctx: &Context,
    file: &Path,
    params: &[(String, String)],
    concurrency: Option<u32>,
    quiet: bool,
    json: bool,
) -> CmdResult {
    let (loaded, abs) = super::workflow_file::load_workflow(file, params)?;
    // The params as resolved here, environment included, so the daemon runs
    // what was validated.
    let params: Vec<(String, String)> = loaded
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.display()))
        .collect();
    let req = SubmitRequest {
        file: abs.display().to_string(),
        source: loaded.workflow.source.clone(),
        params,
        concurrency,
    };
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let answer = client.submit(&req).await.map_err(client_error)?;
        if json {
            let doc = serde_json::json!({"run": answer.run, "workflow": loaded.workflow.name});
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
            return Ok(EXIT_OK);
        }
        print_run_id(&answer.run.to_string(), &loaded.workflow.name, quiet)
    })
}

fn print_run_id(run: &str, workflow: &str, quiet: bool) -> CmdResult {
    let mut out = std::io::stdout().lock();
    if quiet {
        writeln!(out, "{run}")?;
    } else {
        writeln!(out, "{run}")?;
        eprintln!(
            "weft: run {run} of {workflow} submitted; follow it with `weft logs -f {run}`, wait with `weft wait {run}`"
        );
    }
    Ok(EXIT_OK)
}

pub fn submit(ctx: &Context, args: SubmitArgs) -> CmdResult {
    submit_file(
        ctx,
        &args.file,
        &args.params.params,
        args.concurrency,
        args.quiet,
        args.json,
    )
}

pub fn retry_detached(ctx: &Context, run: &str, from: Option<String>, quiet: bool) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let answer = client
            .retry(run, &RetryRequest { from })
            .await
            .map_err(client_error)?;
        print_run_id(&answer.run.to_string(), run, quiet)
    })
}

/// Waits for every run at once and reports each as it ends (a JSON line
/// `{run, status}` on stdout with `--json`, a note on stderr otherwise).
/// Exit: 1 when any failed, else 130 when any was cancelled or
/// interrupted, else 0.
pub fn wait(ctx: &Context, args: WaitArgs) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect_unless_suspended(ctx, &args.runs).await?;
        let queued = queued_runs_noted(ctx, &args.runs)?;
        let mut pending: futures_util::stream::FuturesUnordered<_> = args
            .runs
            .iter()
            .map(|run| {
                let seen = queued
                    .iter()
                    .find(|(name, _)| name == run)
                    .map(|(_, id)| id);
                wait_through_restarts(
                    &client,
                    seen.map_or(run.as_str(), |id| id.as_str()),
                    seen.is_some(),
                )
            })
            .collect();
        let mut statuses = Vec::new();
        while let Some(answer) = futures_util::StreamExt::next(&mut pending).await {
            let state = answer.map_err(client_error)?;
            if args.json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"run": state.run, "status": state.status}),
                )
                .map_err(std::io::Error::from)?;
                writeln!(out)?;
                out.flush()?;
            } else {
                eprintln!("weft: run {} {}", state.run, state.status);
            }
            statuses.push(state.status);
        }
        Ok(wait_exit(&statuses))
    })
}

/// Waits for a run to end, also across a graceful daemon restart: a run
/// the daemon suspended on `weft daemon stop` goes on when a daemon starts
/// again, so this waits for one to answer (without starting it: the user
/// stopped it) and waits on.
async fn wait_through_restarts(
    client: &Client,
    run: &str,
    seen_queued: bool,
) -> Result<RunState, ClientError> {
    loop {
        match client.wait(run).await {
            // Seen queued a moment ago, gone now without a run: `weft
            // cancel` took it out of the queue.
            Err(ClientError::Api(e)) if seen_queued && e.code == ErrorCode::NotFound => {
                return Ok(RunState {
                    run: crate::model::RunId::from_string(run),
                    status: RunStatus::Cancelled,
                });
            }
            Err(ClientError::Api(e)) if e.code == ErrorCode::Suspended => {
                eprintln!("weft: {}; waiting for one (`weft daemon start`)", e.message);
                loop {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    if client.status().await.is_ok() {
                        break;
                    }
                }
            }
            other => return other,
        }
    }
}

/// The exit code of `weft wait` for the runs' end statuses.
fn wait_exit(statuses: &[RunStatus]) -> i32 {
    if statuses.contains(&RunStatus::Failed) {
        EXIT_FAILED
    } else if statuses
        .iter()
        .any(|s| matches!(s, RunStatus::Cancelled | RunStatus::Interrupted))
    {
        EXIT_INTERRUPTED
    } else {
        EXIT_OK
    }
}

fn report(state: RunState, what: &str, json: bool) -> CmdResult {
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({"run": state.run, "status": state.status});
        serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    writeln!(out, "run {} {what}", state.run)?;
    Ok(EXIT_OK)
}

pub fn cancel(ctx: &Context, args: RunNameArgs) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        report(
            client.cancel(&args.run).await.map_err(client_error)?,
            "cancelling",
            args.json,
        )
    })
}

pub fn pause(ctx: &Context, args: PauseArgs) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let state = client
            .pause(
                &args.run,
                &PauseRequest {
                    signal: args.signal,
                },
            )
            .await
            .map_err(client_error)?;
        report(
            state,
            if args.signal {
                "paused, its tasks stopped"
            } else {
                "paused"
            },
            args.json,
        )
    })
}

pub fn resume(ctx: &Context, args: RunNameArgs) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        report(
            client.resume(&args.run).await.map_err(client_error)?,
            "resumed",
            args.json,
        )
    })
}

pub fn events(ctx: &Context, args: EventsArgs) -> CmdResult {
    runtime()?.block_on(async {
        let client = connect(ctx).await?;
        let mut rx = client.events(args.follow).await.map_err(client_error)?;
        let mut out = std::io::stdout().lock();
        while let Some(event) = rx.recv().await {
            if args.json {
                serde_json::to_writer(&mut out, &event).map_err(std::io::Error::from)?;
                writeln!(out)?;
            } else {
                let body = serde_json::to_value(&event.kind).unwrap_or_default();
                let mut detail: Vec<String> = body
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, v)| *k != "event" && !v.is_null())
                            .map(|(k, v)| match v {
                                serde_json::Value::String(s) => format!("{k}={s}"),
                                other => format!("{k}={other}"),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                detail.truncate(4);
                writeln!(
                    out,
                    "{} {} {} {}",
                    crate::output::clock(event.at),
                    event.run,
                    event.kind.name(),
                    detail.join(" ")
                )?;
            }
            out.flush()?;
        }
        Ok(EXIT_OK)
    })
}

/// Interactive tasks waiting for input, when a daemon runs (none otherwise:
/// only a daemon watches terminals). Never starts a daemon.
pub(super) fn waiting_for_input(ctx: &Context) -> Vec<crate::api::WaitingTask> {
    let client = Client::new(&crate::daemon::socket_path(&ctx.paths));
    if !client.socket().exists() {
        return Vec::new();
    }
    let Ok(rt) = runtime() else { return Vec::new() };
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(2), client.waiting())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    })
}
