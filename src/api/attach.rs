//! The attach protocol: after `GET /v1/runs/{run}/tasks/{task}/attach`
//! upgrades the connection (`Upgrade: weft-attach`), both sides exchange
//! frames. Frozen format: one kind byte, a big-endian u32 length, then the
//! payload.
//!
//! | kind | direction | payload |
//! |---|---|---|
//! | 1 output | daemon → client | terminal bytes (the first one repaints the screen) |
//! | 2 input | client → daemon | bytes typed |
//! | 3 resize | client → daemon | rows u16, cols u16 (big-endian) |
//! | 4 exit | daemon → client | exit code i32 (big-endian; -1 unknown), then a UTF-8 description |

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The `Upgrade` protocol name.
pub const ATTACH_PROTOCOL: &str = "weft-attach";

/// Frames larger than this are refused (a broken or hostile peer).
const MAX_FRAME: u32 = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Output(Vec<u8>),
    Input(Vec<u8>),
    Resize { rows: u16, cols: u16 },
    Exit { code: i32, text: String },
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let (kind, payload): (u8, Vec<u8>) = match self {
            Frame::Output(b) => (1, b.clone()),
            Frame::Input(b) => (2, b.clone()),
            Frame::Resize { rows, cols } => (3, [rows.to_be_bytes(), cols.to_be_bytes()].concat()),
            Frame::Exit { code, text } => (4, [&code.to_be_bytes()[..], text.as_bytes()].concat()),
        };
        let mut out = Vec::with_capacity(payload.len() + 5);
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Reads one frame; `Ok(None)` at a clean end of the stream.
    pub async fn read(r: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<Frame>> {
        let mut head = [0u8; 5];
        match r.read_exact(&mut head).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        if len > MAX_FRAME {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "attach frame too large",
            ));
        }
        let mut payload = vec![0u8; len as usize];
        r.read_exact(&mut payload).await?;
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed attach frame");
        Ok(Some(match head[0] {
            1 => Frame::Output(payload),
            2 => Frame::Input(payload),
            3 if payload.len() == 4 => Frame::Resize {
                rows: u16::from_be_bytes([payload[0], payload[1]]),
                cols: u16::from_be_bytes([payload[2], payload[3]]),
            },
            4 if payload.len() >= 4 => Frame::Exit {
                code: i32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]),
                text: String::from_utf8_lossy(&payload[4..]).into_owned(),
            },
            _ => return Err(bad()),
        }))
    }

    pub async fn write(&self, w: &mut (impl AsyncWrite + Unpin)) -> std::io::Result<()> {
        w.write_all(&self.encode()).await?;
        w.flush().await
    }
}

/// `POST /v1/runs/{run}/tasks/{task}/input`: text for a task's terminal.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InputRequest {
    pub text: String,
    /// Press Enter after the text.
    #[serde(default)]
    pub enter: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let frames = [
            Frame::Output(b"\x1b[2Jhello".to_vec()),
            Frame::Input(b"bob\r".to_vec()),
            Frame::Resize {
                rows: 30,
                cols: 100,
            },
            Frame::Exit {
                code: 3,
                text: "exit 3".into(),
            },
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut r = &bytes[..];
            for f in &frames {
                assert_eq!(Frame::read(&mut r).await.unwrap().as_ref(), Some(f));
            }
            assert_eq!(Frame::read(&mut r).await.unwrap(), None);
            let mut bad: &[u8] = &[9, 0, 0, 0, 0];
            assert!(Frame::read(&mut bad).await.is_err());
        });
    }
}
