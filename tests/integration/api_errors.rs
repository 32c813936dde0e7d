//! The API speaks JSON, always: every refusal, the framework's own
//! included, is `{code, message, hint}` with a fitting status. Raw bytes
//! over the daemon's Unix socket, as `curl --unix-socket` would send them.

use crate::harness::{Weft, wait_until};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// Sends `request` as is and reads the whole answer (the request asks the
/// daemon to close the connection).
fn raw(w: &Weft, request: &[u8]) -> (u16, String) {
    let mut stream = UnixStream::connect(w.socket()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(request).expect("send");
    read_answer(stream)
}

fn read_answer(mut stream: UnixStream) -> (u16, String) {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn request(method: &str, path: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: weft\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const JSON: &str = "Content-Type: application/json\r\n";

/// The answer's status and `{code, message, hint}` body, checked.
#[track_caller]
fn expect_error(answer: (u16, String), status: u16, code: &str) -> serde_json::Value {
    let (got, body) = answer;
    let json: serde_json::Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {got}: {body:?}"));
    assert_eq!(got, status, "{body}");
    assert_eq!(json["code"], code, "{body}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(json.get("hint").is_some(), "{body}");
    json
}

#[test]
fn every_malformed_request_gets_a_json_error() {
    let w = Weft::new();
    let _d = w.daemon();
    let ask = |method: &str, path: &str, headers: &str, body: &str| {
        raw(&w, &request(method, path, headers, body))
    };
    expect_error(
        ask("POST", "/v1/runs", JSON, "{not json"),
        400,
        "bad_request",
    );
    expect_error(
        ask("POST", "/v1/runs", JSON, r#"{"file": 5, "source": ""}"#),
        422,
        "invalid_body",
    );
    expect_error(
        ask(
            "POST",
            "/v1/runs",
            "",
            r#"{"file": "/a.yaml", "source": ""}"#,
        ),
        415,
        "unsupported_media_type",
    );
    expect_error(ask("GET", "/v1/runs?limit=abc", "", ""), 400, "bad_request");
    expect_error(
        ask("DELETE", "/v1/status", "", ""),
        405,
        "method_not_allowed",
    );
    expect_error(ask("GET", "/v1/no-such-route", "", ""), 404, "not_found");
    expect_error(ask("GET", "/v1/runs/zzzzzz", "", ""), 404, "not_found");
    expect_error(
        ask("GET", "/v1/runs/zzzzzz/tasks/t/log", "", ""),
        404,
        "not_found",
    );
    // A `file` the daemon cannot run in.
    for file in ["", "relative.yaml", "/tmp/a\\u0000b.yaml"] {
        let body = format!(r#"{{"file": "{file}", "source": "name: x\ntasks: {{}}\n"}}"#);
        let json = expect_error(ask("POST", "/v1/runs", JSON, &body), 400, "bad_request");
        assert!(
            json["message"].as_str().unwrap_or("").contains("`file`"),
            "{json}"
        );
    }
}

#[test]
fn a_body_over_the_limit_is_a_413() {
    let w = Weft::new();
    let _d = w.daemon();
    let size = 3 << 20;
    let stream = UnixStream::connect(w.socket()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST /v1/runs HTTP/1.1\r\nHost: weft\r\nConnection: close\r\n{JSON}Content-Length: {size}\r\n\r\n"
    );
    let mut writer = stream.try_clone().expect("clone");
    // The daemon may answer and close before it has read it all.
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&vec![b' '; size]);
    });
    expect_error(read_answer(stream), 413, "payload_too_large");
    let _ = sender.join();
}

#[test]
fn a_half_sent_request_does_not_hold_its_connection() {
    let w = Weft::new();
    let _d = w.daemon();
    let started = Instant::now();
    // Headers never finished: the daemon closes the connection.
    let head = std::thread::spawn({
        let socket = w.socket();
        move || {
            let mut s = UnixStream::connect(socket).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(40)))
                .expect("timeout");
            s.write_all(b"GET /v1/status HTTP/1.1\r\nHost: weft\r\n")
                .expect("send");
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).is_ok()
        }
    });
    // A body that stops half-way: a 408 in JSON.
    let mut s = UnixStream::connect(w.socket()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(40)))
        .expect("timeout");
    s.write_all(
        format!("POST /v1/runs HTTP/1.1\r\nHost: weft\r\nConnection: close\r\n{JSON}Content-Length: 100\r\n\r\n{{\"file\"").as_bytes(),
    )
    .expect("send");
    expect_error(read_answer(s), 408, "timeout");
    assert!(head.join().expect("thread"), "the half-sent head was held");
    assert!(
        started.elapsed() < Duration::from_secs(35),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn input_to_a_task_without_a_terminal_is_a_400() {
    let w = Weft::new();
    let _d = w.daemon();
    let gate = w.path("gate");
    w.write(
        "plain.yaml",
        &format!(
            "name: plain\ntasks:\n  t: {{ run: 'while [ ! -e {} ]; do sleep 0.02; done' }}\n",
            gate.display()
        ),
    );
    let out = w.run(&["submit", "-q", "plain.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let id = out.stdout.trim().to_string();
    let path = format!("/v1/runs/{id}/tasks/t/input");
    let body = r#"{"text": "hi", "enter": true}"#;
    let mut answer = (0, String::new());
    // Until the task is running: before that it is a conflict.
    assert!(wait_until(Duration::from_secs(20), || {
        answer = raw(&w, &request("POST", &path, JSON, body));
        answer.0 != 409
    }));
    expect_error(answer, 400, "not_interactive");
    std::fs::write(&gate, "").expect("gate");
    assert_eq!(w.run(&["wait", &id]).code, 0);
}

#[test]
fn a_socket_path_too_long_gets_its_own_message() {
    let w = Weft::new();
    let home = w.dir.path().join("h".repeat(110));
    for args in [&["daemon", "start"][..], &["daemon", "status"][..]] {
        let out = std::process::Command::new(Weft::bin())
            .args(args)
            .env("WEFT_HOME", &home)
            .env_remove("WEFT_CONFIG")
            .output()
            .expect("weft");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.contains("longer than this platform allows") && stderr.contains("WEFT_HOME"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("start one with"), "{args:?}: {stderr}");
    }
}
