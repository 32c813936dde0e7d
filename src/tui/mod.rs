//! The dashboard (`weft dash`): state, actions, a pure update function and
//! a render function over `&State`, as STYLE.md describes. It learns about
//! runs from the daemon's API only. Must not print (it owns the screen
//! while it runs) and must not depend on the CLI layer.

pub mod action;
mod ansi;
pub mod app;
mod graph;
pub mod keymap;
pub mod render;
pub mod state;
mod terminal_link;
mod timeline;
pub mod update;

pub use action::{Action, Effect};
pub use keymap::Keymap;
pub use state::{DaemonState, State, View};
pub use update::update;

#[cfg(test)]
mod tests;
