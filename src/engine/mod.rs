//! The engine: a pure scheduler and the tokio driver that carries out its
//! commands, owns timers and cancellation, and publishes `RunEvent`s. The
//! foreground `weft run`, the daemon and fleet workers all use it unchanged.
//! Must not depend on the CLI, output, API or daemon; never prints.

pub mod backoff;
mod driver;
mod journal;
mod launch;
pub mod outputs;
pub mod plan;
pub mod scheduler;

pub use driver::{Driver, EngineError, Prior, RunControl, RunSetup, TaskOutput};
pub use launch::{Launch, RetryError, plan_resume, plan_retry, record_run, record_run_as};
