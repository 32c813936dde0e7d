//! Plain data shared by every layer: identifiers, statuses and the run events
//! the engine publishes. Owns no behaviour beyond formatting and parsing of its
//! own values; depends on nothing else in the crate.

mod event;
mod ids;
mod status;
mod time;
mod view;

pub use event::{AttemptOutcome, EventKind, RunEvent};
pub use ids::{AttemptNo, RunId, TaskName};
pub use status::{Overlap, RunStatus, TaskStatus, Trigger, When};
pub use time::{Millis, format_duration_ms, now_ms};
pub use view::{AttemptRecord, Fire, FireOutcome, FireRecord, RunDetail, RunSummary, TaskRecord};
