//! The daemon's API as both sides see it: the request and response types
//! (one module, shared by server and client) and the client that speaks
//! HTTP+JSON over the daemon's Unix socket. Frozen format: the routes and
//! JSON shapes are documented in the README for `curl --unix-socket`.
//! Must not depend on the daemon, the CLI or the output layer; never prints.

mod attach;
mod client;
mod wire;

pub use attach::{ATTACH_PROTOCOL, Frame, InputRequest};
pub use client::{Client, ClientError};
pub use wire::*;
