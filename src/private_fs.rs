//! Everything weft creates is private to its user: folders 0700, files
//! 0600, whatever the umask. The one place that creates weft's folders and
//! files with those modes, and tightens a tree an older weft left open.
//! L0: depends only on `paths` and the standard library.

use crate::paths::Paths;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// `create_dir_all` whose new folders are 0700 (an existing one is left as
/// it is; see `tighten`).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Options that create a file 0600.
pub fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

/// Creates (or truncates) a private file for writing.
pub fn create(path: &Path) -> io::Result<File> {
    options().write(true).create(true).truncate(true).open(path)
}

/// Takes group and other permissions off `path` when it is this user's
/// and has any; a missing path is fine.
pub fn tighten(path: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() || meta.uid() != nix::unistd::Uid::current().as_raw() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    // The user's own bits stay as they are.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
}

/// Tightens the folders weft keeps state in and the files at their top
/// (the database and its journal, the daemon's logs), so a tree made by an
/// older weft or under a loose umask is private again. Everything below
/// those folders is then out of other users' reach. Best effort: a
/// read-only home stays as it is.
pub fn tighten_home(paths: &Paths) {
    for dir in [
        paths.data_dir.as_path(),
        &paths.logs_dir(),
        &paths.locks_dir(),
        &paths.runtime_dir,
    ] {
        let _ = tighten(dir);
    }
    if let Ok(entries) = std::fs::read_dir(&paths.data_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("weft.db") || name.starts_with("daemon.") {
                let _ = tighten(&entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_private_whatever_the_umask() {
        let base = tempfile::tempdir().unwrap();
        let deep = base.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&base.path().join(d)), 0o700, "{d}");
        }
        let f = deep.join("f");
        create(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
    }

    #[test]
    fn an_open_tree_is_tightened() {
        let base = tempfile::tempdir().unwrap();
        let paths = Paths::under(base.path());
        std::fs::create_dir_all(paths.logs_dir()).unwrap();
        std::fs::write(paths.database(), "").unwrap();
        for p in [base.path().to_path_buf(), paths.logs_dir()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(paths.database(), std::fs::Permissions::from_mode(0o644)).unwrap();
        tighten_home(&paths);
        assert_eq!(mode(base.path()), 0o700);
        assert_eq!(mode(&paths.logs_dir()), 0o700);
        assert_eq!(mode(&paths.database()), 0o600);
    }
}
