//! `weft retry RUN [--from TASK]`: a new run of the same definition and
//! params that reuses the outputs of tasks that succeeded and reruns the
//! rest (and, with `--from`, that task and everything downstream of it).

use super::run::launch;
use super::{CmdError, CmdResult, Context};
use crate::cli::RetryArgs;
use crate::engine::{RetryError, plan_retry};

pub fn retry(ctx: &Context, args: RetryArgs) -> CmdResult {
    if args.detach {
        return super::daemon_client::retry_detached(ctx, &args.run, args.from, args.output.quiet);
    }
    let store = ctx.store()?;
    let id = store.resolve(&args.run)?;
    let old = store.run(&id)?;
    let mut plan = plan_retry(&old, args.from.as_deref()).map_err(|e| match e {
        RetryError::UnknownTask { run, task, tasks } => {
            super::unknown_task(&run, &task, tasks.iter().map(String::as_str))
        }
        RetryError::StillRunning(ref run) => {
            CmdError::Usage(format!("{e}\n  follow it with `weft logs -f {run}`"))
        }
        RetryError::NothingToRetry(ref run) => CmdError::Usage(format!(
            "{e}\n  to run a task and what follows it again, use `weft retry {run} --from TASK`"
        )),
        RetryError::Invalid { .. } => CmdError::Usage(format!("{e}")),
    })?;
    plan.concurrency = args.concurrency.map(|c| c as usize);
    launch(ctx, plan, &args.output, args.task_output.into())
}
