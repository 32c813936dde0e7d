//! weft: a terminal-first workflow orchestrator.
//!
//! Layers, lowest first (arrows point down only; see DESIGN.md §2):
//! L0 `model`, `dag`, `paths`, `private_fs`, `sys`; L1 `workflow`, `store`, `config`, `crontab`, `schedule`;
//! L2 `engine`, `exec`; L3 `api`; L4 `daemon`, `output`; L5 `cli`, `cmd`.
//! The core (L0–L2) never prints, never exits and never imports an upper layer.

pub mod api;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod crontab;
pub mod daemon;
pub mod dag;
pub mod engine;
pub mod exec;
pub mod logs;
pub mod model;
pub mod output;
pub mod paths;
pub mod private_fs;
pub mod schedule;
pub mod store;
pub mod sys;
pub mod tui;
pub mod workflow;
