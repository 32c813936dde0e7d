//! The API client: one HTTP/1.1 request per connection over the daemon's
//! Unix socket, typed with the wire module, errors decoded from
//! `{code, message, hint}`.

use super::wire::*;
use crate::model::RunEvent;
use crate::model::{RunDetail, RunSummary};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Talks to one daemon.
#[derive(Clone, Debug)]
pub struct Client {
    socket: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket.
    #[error("no daemon is listening on `{socket}`")]
    NotRunning {
        socket: String,
        #[source]
        source: std::io::Error,
    },
    /// The socket's path is longer than a Unix socket address holds.
    #[error(
        "the daemon's socket path `{socket}` is {len} bytes, longer than this platform allows ({SOCKET_PATH_MAX})"
    )]
    SocketPathTooLong { socket: String, len: usize },
    /// The daemon answered with an error.
    #[error("{0}")]
    Api(ApiError),
    /// The connection broke or the answer made no sense.
    #[error("talking to the daemon at `{socket}` failed: {message}")]
    Transport { socket: String, message: String },
}

impl Client {
    pub fn new(socket: &Path) -> Client {
        Client {
            socket: socket.to_path_buf(),
        }
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn transport(&self, message: impl std::fmt::Display) -> ClientError {
        ClientError::Transport {
            socket: self.socket.display().to_string(),
            message: message.to_string(),
        }
    }

    /// Sends a request; returns the response once its head has arrived.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
        let len = self.socket.as_os_str().len();
        if len > SOCKET_PATH_MAX {
            return Err(ClientError::SocketPathTooLong {
                socket: self.socket.display().to_string(),
                len,
            });
        }
        let stream = tokio::net::UnixStream::connect(&self.socket)
            .await
            .map_err(|source| ClientError::NotRunning {
                socket: self.socket.display().to_string(),
                source,
            })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.transport(e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "weft")
            .header("content-type", "application/json")
            .header(VERSION_HEADER, VERSION)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| self.transport(e))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.transport(e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.transport(e))?
            .to_bytes();
        Err(match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(e) => ClientError::Api(e),
            Err(_) if status == StatusCode::NOT_FOUND => ClientError::Api(
                ApiError::new(ErrorCode::VersionMismatch, format!("the daemon does not know `{path}`"))
                    .hint("the daemon is probably another version; restart it with `weft daemon stop && weft daemon start`"),
            ),
            Err(_) => self.transport(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes))),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, ClientError> {
        let response = self.send(method, path, body).await?;
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.transport(e))?
            .to_bytes();
        serde_json::from_slice(&bytes).map_err(|e| self.transport(format!("bad answer: {e}")))
    }

    /// POSTs `req` as JSON and reads the JSON answer.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        req: &impl serde::Serialize,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_value(req).map_err(|e| self.transport(e))?;
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn status(&self) -> Result<DaemonStatus, ClientError> {
        self.call(Method::GET, "/v1/status", None).await
    }

    pub async fn submit(&self, req: &SubmitRequest) -> Result<SubmitResponse, ClientError> {
        self.post("/v1/runs", req).await
    }

    pub async fn runs(&self, query: &RunsQuery) -> Result<Vec<RunSummary>, ClientError> {
        let mut path = String::from("/v1/runs?");
        if let Some(w) = &query.workflow {
            path.push_str(&format!("workflow={}&", encode(w)));
        }
        if let Some(s) = &query.status {
            path.push_str(&format!("status={}&", encode(s)));
        }
        if let Some(l) = query.limit {
            path.push_str(&format!("limit={l}&"));
        }
        if let Some(o) = query.offset {
            path.push_str(&format!("offset={o}&"));
        }
        if query.active == Some(true) {
            path.push_str("active=true&");
        }
        self.call(Method::GET, path.trim_end_matches(['?', '&']), None)
            .await
    }

    pub async fn run(&self, name: &str) -> Result<RunDetail, ClientError> {
        self.call(Method::GET, &format!("/v1/runs/{}", encode(name)), None)
            .await
    }

    /// Blocks until the run ends.
    pub async fn wait(&self, name: &str) -> Result<RunState, ClientError> {
        self.call(
            Method::GET,
            &format!("/v1/runs/{}/wait", encode(name)),
            None,
        )
        .await
    }

    pub async fn cancel(&self, name: &str) -> Result<RunState, ClientError> {
        self.call(
            Method::POST,
            &format!("/v1/runs/{}/cancel", encode(name)),
            None,
        )
        .await
    }

    pub async fn pause(&self, name: &str, req: &PauseRequest) -> Result<RunState, ClientError> {
        self.post(&format!("/v1/runs/{}/pause", encode(name)), req)
            .await
    }

    pub async fn resume(&self, name: &str) -> Result<RunState, ClientError> {
        self.call(
            Method::POST,
            &format!("/v1/runs/{}/resume", encode(name)),
            None,
        )
        .await
    }

    pub async fn retry(
        &self,
        name: &str,
        req: &RetryRequest,
    ) -> Result<SubmitResponse, ClientError> {
        self.post(&format!("/v1/runs/{}/retry", encode(name)), req)
            .await
    }

    /// The workflow files the daemon loaded, valid or not.
    pub async fn workflows(&self) -> Result<Vec<WorkflowInfo>, ClientError> {
        self.call(Method::GET, "/v1/workflows", None).await
    }

    /// Pauses (`true`) or resumes a workflow's schedules.
    pub async fn pause_schedules(&self, workflow: &str, pause: bool) -> Result<(), ClientError> {
        let verb = if pause { "pause" } else { "resume" };
        let _: serde_json::Value = self
            .call(
                Method::POST,
                &format!("/v1/workflows/{}/{verb}", encode(workflow)),
                None,
            )
            .await?;
        Ok(())
    }

    pub async fn trigger(
        &self,
        workflow: &str,
        req: &TriggerRequest,
    ) -> Result<TriggerResponse, ClientError> {
        self.post(&format!("/v1/workflows/{}/trigger", encode(workflow)), req)
            .await
    }

    pub async fn fires(
        &self,
        workflow: &str,
        limit: usize,
    ) -> Result<Vec<crate::model::FireRecord>, ClientError> {
        self.call(
            Method::GET,
            &format!("/v1/workflows/{}/fires?limit={limit}", encode(workflow)),
            None,
        )
        .await
    }

    /// Rescans the workflow folders now.
    pub async fn reload(&self) -> Result<ReloadResponse, ClientError> {
        self.call(Method::POST, "/v1/reload", None).await
    }

    pub async fn add(&self, req: &AddRequest) -> Result<AddResponse, ClientError> {
        self.post("/v1/add", req).await
    }

    /// Asks the daemon to stop: running tasks get SIGTERM and their grace.
    pub async fn shutdown(&self) -> Result<(), ClientError> {
        let _: serde_json::Value = self.call(Method::POST, "/v1/shutdown", None).await?;
        Ok(())
    }

    /// Opens the attach protocol to a task's terminal.
    pub async fn attach(
        &self,
        run: &str,
        task: &str,
        read_only: bool,
    ) -> Result<TokioIo<hyper::upgrade::Upgraded>, ClientError> {
        let len = self.socket.as_os_str().len();
        if len > SOCKET_PATH_MAX {
            return Err(ClientError::SocketPathTooLong {
                socket: self.socket.display().to_string(),
                len,
            });
        }
        let stream = tokio::net::UnixStream::connect(&self.socket)
            .await
            .map_err(|source| ClientError::NotRunning {
                socket: self.socket.display().to_string(),
                source,
            })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.transport(e))?;
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
        let path = format!(
            "/v1/runs/{}/tasks/{}/attach{}",
            encode(run),
            encode(task),
            if read_only { "?read_only=true" } else { "" }
        );
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header("host", "weft")
            .header("connection", "upgrade")
            .header("upgrade", super::ATTACH_PROTOCOL)
            .header(VERSION_HEADER, VERSION)
            .body(Full::new(Bytes::new()))
            .map_err(|e| self.transport(e))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.transport(e))?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| self.transport(e))?
                .to_bytes();
            return Err(match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(e) => ClientError::Api(e),
                Err(_) => self.transport(String::from_utf8_lossy(&bytes)),
            });
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|e| self.transport(e))?;
        Ok(TokioIo::new(upgraded))
    }

    /// A task's log lines after `offset` (its latest attempt).
    pub async fn log(&self, run: &str, task: &str, offset: u64) -> Result<LogChunk, ClientError> {
        self.call(
            Method::GET,
            &format!(
                "/v1/runs/{}/tasks/{}/log?offset={offset}",
                encode(run),
                encode(task)
            ),
            None,
        )
        .await
    }

    /// A piece of a task's log as raw text (`format=raw`): cheaper than
    /// [`Client::log`] for a follower of a fast log.
    pub async fn log_raw(
        &self,
        run: &str,
        task: &str,
        offset: u64,
        max: usize,
    ) -> Result<super::RawLog, ClientError> {
        let path = format!(
            "/v1/runs/{}/tasks/{}/log?offset={offset}&max={max}&format=raw",
            encode(run),
            encode(task)
        );
        let response = self.send(Method::GET, &path, None).await?;
        let header = |name: &str| -> Option<String> {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let bad = || self.transport("bad answer: a raw log without its headers");
        let attempt = header(super::RAW_ATTEMPT)
            .and_then(|v| v.parse().ok())
            .ok_or_else(bad)?;
        let next_offset = header(super::RAW_NEXT)
            .and_then(|v| v.parse().ok())
            .ok_or_else(bad)?;
        let more = header(super::RAW_MORE).is_some_and(|v| v == "true");
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| self.transport(e))?
            .to_bytes();
        Ok(super::RawLog {
            attempt,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            next_offset,
            more,
        })
    }

    /// Interactive tasks waiting for input now.
    pub async fn waiting(&self) -> Result<Vec<WaitingTask>, ClientError> {
        self.call(Method::GET, "/v1/waiting", None).await
    }

    /// Types text into a task's terminal.
    pub async fn send_input(
        &self,
        run: &str,
        task: &str,
        req: &super::InputRequest,
    ) -> Result<(), ClientError> {
        let _: serde_json::Value = self
            .post(
                &format!("/v1/runs/{}/tasks/{}/input", encode(run), encode(task)),
                req,
            )
            .await?;
        Ok(())
    }

    /// Run events as they happen (`follow`), or the recent ones and an end.
    pub async fn events(&self, follow: bool) -> Result<mpsc::Receiver<RunEvent>, ClientError> {
        let path = if follow {
            "/v1/events?follow=true"
        } else {
            "/v1/events"
        };
        let mut body = self.send(Method::GET, path, None).await?.into_body();
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(async move {
            let mut pending: Vec<u8> = Vec::new();
            while let Some(frame) = body.frame().await {
                let Ok(frame) = frame else { break };
                let Some(data) = frame.data_ref() else {
                    continue;
                };
                pending.extend_from_slice(data);
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    if let Ok(event) = serde_json::from_slice::<RunEvent>(&line)
                        && tx.send(event).await.is_err()
                    {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}

/// Percent-encodes a path segment or query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
