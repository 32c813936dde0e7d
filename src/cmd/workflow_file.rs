//! The workflow a command names: a file, or `-` for the text on stdin,
//! loaded and validated, its problems printed once.

use super::CmdError;
use crate::workflow::{LoadError, Loaded, load_file, load_str};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Loads a workflow file, or for `-` the workflow text on stdin (then
/// named `-` in messages, its tasks running in the current folder).
/// Returns it with the absolute path recorded with its runs. An invalid
/// workflow has its problems printed here and is a usage error.
pub(super) fn load_workflow(
    file: &Path,
    params: &[(String, String)],
) -> Result<(Loaded, PathBuf), CmdError> {
    let env = |k: &str| std::env::var(k).ok();
    let (loaded, path) = if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CmdError::Usage(format!("cannot read the workflow from stdin: {e}")))?;
        let cwd = std::env::current_dir()
            .map_err(|e| CmdError::Usage(format!("cannot find the current folder: {e}")))?;
        // Bytes that are not UTF-8 are located as in a file.
        let loaded = crate::workflow::decode_utf8("-", bytes)
            .and_then(|source| load_str("-", &source, params, &env))
            .map_err(LoadError::Invalid);
        (loaded, cwd.join("-"))
    } else {
        (
            load_file(file, params, &env),
            std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()),
        )
    };
    match loaded {
        Ok(l) => Ok((l, path)),
        Err(LoadError::Invalid(report)) => {
            eprint!("{}", report.render());
            let n = report.diagnostics.len();
            Err(CmdError::Invalid {
                problems: n,
                file: report.file.clone(),
            })
        }
        Err(e) => Err(CmdError::Usage(format!("{e}"))),
    }
}
