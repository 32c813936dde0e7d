//! weft's integration tests: the real `weft` binary in a temporary
//! `WEFT_HOME`, one test binary with a module per area.

mod harness;

mod architecture;
mod attach;
mod cli;
mod daemon;
mod dash;
mod examples;
mod generated;
mod inspect;
mod run;
mod schedule;
mod validate;
