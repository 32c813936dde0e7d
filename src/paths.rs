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
        // Without XDG_RUNTIME_DIR (cron, ssh without a PAM session) use
        // the folder it would have named, so a cron job finds the daemon
        // a login shell started, rather than starting a second one.
        let runtime_dir = dirs
            .runtime_dir()
            .map(Path::to_path_buf)
            .or_else(|| {
                user_runtime_dir(Path::new("/run/user"), nix::unistd::Uid::current().as_raw())
                    .map(|d| d.join("weft"))
            })
            .or_else(|| dirs.state_dir().map(Path::to_path_buf))
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

/// `base/<uid>` when it is a folder this user owns (what systemd-logind
/// makes XDG_RUNTIME_DIR point at).
fn user_runtime_dir(base: &Path, uid: u32) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let dir = base.join(uid.to_string());
    let meta = std::fs::metadata(&dir).ok()?;
    (meta.is_dir() && meta.uid() == uid).then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_xdg_runtime_dir_the_users_run_folder_is_used_when_it_is_theirs() {
        let base = tempfile::tempdir().unwrap();
        let me = nix::unistd::Uid::current().as_raw();
        assert_eq!(user_runtime_dir(base.path(), me), None, "no folder: none");
        std::fs::create_dir(base.path().join(me.to_string())).unwrap();
        assert_eq!(
            user_runtime_dir(base.path(), me),
            Some(base.path().join(me.to_string()))
        );
        std::fs::create_dir(base.path().join((me + 1).to_string())).unwrap();
        assert_eq!(
            user_runtime_dir(base.path(), me + 1),
            None,
            "a folder someone else owns is not used"
        );
    }
}
