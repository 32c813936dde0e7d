//! Where weft keeps things. `WEFT_HOME` (or `--home`) puts everything under
//! one folder; otherwise the platform's config, data and runtime dirs.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Paths {
    /// `config.yaml`.
    pub config_file: PathBuf,
    /// The SQLite database and the logs.
    pub data_dir: PathBuf,
    /// Sockets and pid files.
    pub runtime_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory for weft's files; set `WEFT_HOME` to a folder weft may use")]
pub struct NoHomeError;

impl Paths {
    /// `home` is `WEFT_HOME` when set.
    pub fn resolve(home: Option<&Path>) -> Result<Paths, NoHomeError> {
        if let Some(home) = home {
            return Ok(Paths::under(home));
        }
        let dirs = directories::ProjectDirs::from("", "", "weft").ok_or(NoHomeError)?;
        let data_dir = dirs.data_dir().to_path_buf();
        let runtime_dir = dirs
            .runtime_dir()
            .or_else(|| dirs.state_dir())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| data_dir.join("run"));
        Ok(Paths {
            config_file: dirs.config_dir().join("config.yaml"),
            data_dir,
            runtime_dir,
        })
    }

    /// Everything in one folder.
    pub fn under(home: &Path) -> Paths {
        Paths {
            config_file: home.join("config.yaml"),
            data_dir: home.to_path_buf(),
            runtime_dir: home.join("run"),
        }
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("weft.db")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Overlap locks of foreground runs. In the data dir, not the runtime
    /// dir: cron jobs have no `XDG_RUNTIME_DIR`, and a run from cron must
    /// see the lock of a run from a login shell.
    pub fn locks_dir(&self) -> PathBuf {
        self.data_dir.join("locks")
    }
}
