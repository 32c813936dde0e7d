//! The `weft` binary: parse the command line, run the command, print its
//! error in one place and exit with the documented code.

use clap::Parser;
use weft::cli::Cli;

fn main() {
    // A shell asking for completions gets them and nothing else.
    weft::cli::complete::answer_if_asked();
    let cli = Cli::parse();
    let code = match weft::cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            if !err.is_broken_pipe() {
                let text = err.to_string();
                if !text.is_empty() {
                    eprintln!("{}", text.trim_end());
                }
            }
            err.exit_code()
        }
    };
    std::process::exit(code);
}
