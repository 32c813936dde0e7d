//! weft's integration tests: the real `weft` binary in a temporary
//! `WEFT_HOME`, one test binary with a module per area.

mod harness;

mod api_errors;
mod architecture;
mod attach;
mod cli;
mod completion;
mod cron;
mod daemon;
mod dash;
mod examples;
mod faults;
mod generated;
mod hostile;
mod inspect;
mod json_shapes;
mod logs;
mod prune;
mod queued;
mod readme_scripts;
mod run;
mod schedule;
mod scripting;
mod shell_escape;
mod slots;
mod task_output;
mod terminal_restore;
mod tour;
mod validate;
