//! What every command starts from: resolved paths, the config, the colour
//! choice, and the store opened on demand.

use super::CmdError;
use crate::cli::{ColorArg, GlobalArgs};
use crate::config::{ColorChoice, Config};
use crate::output::Style;
use crate::paths::Paths;
use crate::store::Store;
use std::io::IsTerminal;
use std::sync::Arc;

pub struct Context {
    pub paths: Paths,
    pub config: Config,
    /// Styling for stdout.
    pub style: Style,
    pub stdout_tty: bool,
    /// `TERM=dumb`: a terminal that cannot draw (no progress bars, no colour).
    pub dumb_terminal: bool,
    /// Start the daemon when a command needs it and none runs.
    pub autostart: bool,
    /// `--home`/`WEFT_HOME` was given (a daemon started from here gets it too).
    pub home_is_explicit: bool,
    /// `--config`/`WEFT_CONFIG`, passed on to a daemon started from here.
    pub config_file_override: Option<std::path::PathBuf>,
}

impl Context {
    pub fn new(global: &GlobalArgs) -> Result<Context, CmdError> {
        let paths =
            Paths::resolve(global.home.as_deref()).map_err(|e| CmdError::Usage(format!("{e}")))?;
        crate::private_fs::tighten_home(&paths);
        let config_file = global
            .config
            .clone()
            .unwrap_or_else(|| paths.config_file.clone());
        let config = Config::load(&config_file).map_err(|e| CmdError::Usage(format!("{e}")))?;
        let stdout_tty = std::io::stdout().is_terminal();
        let dumb_terminal = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let choice = match global.color {
            Some(ColorArg::Always) => ColorChoice::Always,
            Some(ColorArg::Never) => ColorChoice::Never,
            Some(ColorArg::Auto) => ColorChoice::Auto,
            None => config.ui.color,
        };
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_tty
                    && !dumb_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Context {
            paths,
            autostart: config.daemon.autostart && !global.no_autostart,
            config,
            style: Style { color },
            stdout_tty,
            dumb_terminal,
            home_is_explicit: global.home.is_some(),
            config_file_override: global.config.clone(),
        })
    }

    /// Opens the store and marks runs whose process died as interrupted.
    pub fn store(&self) -> Result<Arc<dyn Store>, CmdError> {
        let store = crate::store::open(&self.paths.database(), self.config.store.durability)?;
        store.reap_interrupted()?;
        Ok(store)
    }

    /// The store for a command that only reads (`ps`, `show`, `logs`,
    /// `output`): opened read-only when it cannot be written (a full disk,
    /// a read-only `WEFT_HOME`), and reaping is best effort there.
    pub fn reading_store(&self) -> Result<Arc<dyn Store>, CmdError> {
        let store =
            crate::store::open_for_reading(&self.paths.database(), self.config.store.durability)?;
        let _ = store.reap_interrupted();
        Ok(store)
    }
}
