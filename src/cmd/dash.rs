//! `weft dash`: checks for a terminal, connects to the daemon (starting it
//! when allowed), and runs the dashboard (`tui::app`) on the terminal,
//! restored on every way out (quit, panic, SIGTERM, SIGHUP).

use super::daemon_client::{connect, runtime};
use super::{CmdError, CmdResult, Context, EXIT_OK};
use crate::tui::Keymap;
use std::io::IsTerminal;

pub fn dash(ctx: &Context) -> CmdResult {
    let keymap = Keymap::with_overrides(&ctx.config.dash.keys)
        .map_err(|e| CmdError::Usage(e.to_string()))?
        .with_detach(ctx.config.detach_key());
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CmdError::Usage("`weft dash` needs a terminal; for scripts use `weft ps --json` or `weft events -f --json`".into()));
    }
    let rt = runtime()?;
    let client = rt.block_on(connect(ctx))?;
    let mut terminal = ratatui::try_init()?;
    let stats = std::env::var_os("WEFT_DASH_STATS").map(std::path::PathBuf::from);
    // NO_COLOR, `--color never` and `ui.color: never` hold here too:
    // statuses keep their symbols and words, selections are reversed.
    let color = ctx.style.color;
    let result = rt.block_on(crate::tui::app::run(
        &mut terminal,
        client,
        keymap,
        stats,
        color,
    ));
    ratatui::restore();
    result.map(|()| EXIT_OK).map_err(CmdError::from)
}
