//! `--overlap` without a daemon: every foreground run (`weft run`, `weft
//! wrap`) locks a file named after its workflow in the data dir's `locks/`
//! (the same for cron and a login shell) and holds it until the process
//! ends: `skip` and `queue` runs an exclusive lock, `allow` runs a shared
//! one (so that `skip` and `queue` runs see them too). The kernel drops a
//! lock with its process, so a `kill -9` never leaves a stale lock.

use super::{CmdError, Context};
use crate::model::Overlap;
use crate::workflow::Workflow;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;

/// Exit code of a run that `--overlap skip` did not start (EX_TEMPFAIL):
/// not a failure, "try again later".
pub const EXIT_SKIPPED: i32 = 75;

/// The policy for a run: `--overlap` when given, else the workflow's own
/// `overlap:`. `cancel-previous` needs the daemon (it stops the run it
/// replaces), so a run without one treats the workflow's as `allow`.
pub fn policy(flag: Option<Overlap>, workflow: &Workflow) -> Overlap {
    match flag.unwrap_or(workflow.policy.overlap) {
        Overlap::CancelPrevious => Overlap::Allow,
        other => other,
    }
}

/// What the lock said.
pub enum Admission {
    /// Go ahead; keep the guard (if any) until the run has ended.
    Go(Option<Flock<File>>),
    /// Another run of the workflow holds the lock.
    Skip,
}

/// Takes the workflow's lock as `policy` says: `allow` takes a shared lock
/// when it can and runs anyway, `skip` gives up when any run holds it,
/// `queue` waits until none does.
pub fn admit(
    ctx: &Context,
    workflow: &str,
    policy: Overlap,
    quiet: bool,
) -> Result<Admission, CmdError> {
    let dir = ctx.paths.locks_dir();
    let path = dir.join(format!("{workflow}.lock"));
    let unavailable = |e: std::io::Error| {
        CmdError::Unavailable(format!(
            "cannot open the overlap lock `{}`: {e}",
            path.display()
        ))
    };
    crate::private_fs::create_dir_all(&dir).map_err(unavailable)?;
    let file = crate::private_fs::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(unavailable)?;
    let lock_error =
        |e: Errno| CmdError::Unavailable(format!("cannot lock `{}`: {e}", path.display()));
    if policy == Overlap::Allow {
        return Ok(Admission::Go(
            Flock::lock(file, FlockArg::LockSharedNonblock).ok(),
        ));
    }
    let guard = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(guard) => guard,
        Err((_, Errno::EWOULDBLOCK)) if policy == Overlap::Skip => return Ok(Admission::Skip),
        Err((file, Errno::EWOULDBLOCK)) => {
            if !quiet {
                eprintln!(
                    "weft: a run of `{workflow}` is going; waiting for it to end (--overlap queue)"
                );
            }
            Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| lock_error(e))?
        }
        Err((_, e)) => return Err(lock_error(e)),
    };
    Ok(Admission::Go(Some(guard)))
}

/// What a skipped run says on stderr (nothing with `--quiet`).
pub fn report_skip(workflow: &str, quiet: bool) {
    if !quiet {
        eprintln!(
            "weft: skipped: a run of `{workflow}` is still going; nothing was run (--overlap skip, exit {EXIT_SKIPPED})"
        );
    }
}
