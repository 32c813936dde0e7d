//! Facts about processes from the operating system: whether a pid is still
//! the process we started (pid plus kernel start time, so a reused pid is
//! caught) and the host name; and the one place that stops a leftover
//! process group, only once it is verified to be the process recorded.

/// The kernel's start time of a process (clock ticks since boot on Linux),
/// or `None` when there is no such process.
pub fn process_start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        // One read: /proc files report no size, so read_to_string would
        // take several small reads.
        use std::io::Read;
        let mut buf = [0u8; 1024];
        let mut file = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
        let n = file.read(&mut buf).ok()?;
        let stat = std::str::from_utf8(&buf[..n]).ok()?;
        // The command name (field 2) is in parentheses and may contain spaces.
        let after = &stat[stat.rfind(')')? + 2..];
        // After the name: state is field 3; starttime is field 22.
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.first() == Some(&"Z") {
            return None; // a zombie has finished
        }
        fields.get(19)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok();
        alive.then_some(0)
    }
}

/// Whether a process is stopped by job control (state `T`), as a task that
/// tried to read the terminal from the background is (SIGTTIN).
pub fn process_is_stopped(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rfind(')')
                    .map(|i| s[i + 1..].trim_start().starts_with('T'))
            })
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        false
    }
}

/// Whether `pid` is alive and is the same process that had `start` (when known).
pub fn process_is(pid: u32, start: Option<u64>) -> bool {
    match (process_start_time(pid), start) {
        (None, _) => false,
        (Some(now), Some(then)) => now == then || cfg!(not(target_os = "linux")),
        (Some(_), None) => true,
    }
}

/// Kills the process group of a task attempt whose watcher died, when `pid`
/// is still the process that was recorded (same kernel start time, so a
/// reused pid is never hit). Returns whether it was there to stop.
pub fn stop_leftover_group(pid: u32, start: Option<u64>) -> bool {
    // Without a start time a reused pid cannot be told apart: leave it.
    if start.is_none() || !process_is(pid, start) {
        return false;
    }
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let pid = nix::unistd::Pid::from_raw(raw);
    // A task leads its own process group; kill the process too in case
    // it left that group.
    let group = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL).is_ok();
    let single = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).is_ok();
    group || single
}

/// Kills every process (and its process group) whose environment says it
/// belongs to run `run` (`WEFT_RUN_ID`, which weft gives every task), other
/// than this process and its group; returns how many it found. This is how
/// an attempt that started but was never recorded (its process spawned, a
/// `kill -9` before the record was committed) is found: by what it is, not
/// by a pid the store never got. Linux only (reads `/proc/*/environ`);
/// elsewhere it finds nothing.
pub fn stop_processes_of_run(run: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let needle = format!("WEFT_RUN_ID={run}");
    let me = std::process::id();
    let my_group = nix::unistd::getpgrp();
    let mut found = 0;
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !environ
            .split(|&b| b == 0)
            .any(|var| var == needle.as_bytes())
        {
            continue;
        }
        let Ok(raw) = i32::try_from(pid) else {
            continue;
        };
        let pid = nix::unistd::Pid::from_raw(raw);
        if let Ok(group) = nix::unistd::getpgid(Some(pid))
            && group != my_group
            && group.as_raw() > 1
        {
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        }
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        found += 1;
    }
    found
}

/// This machine's host name, to tell local runs from others in a shared store.
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_processes_of_a_run_are_found_by_its_id_and_no_others() {
        use std::os::unix::process::CommandExt;
        let spawn = |run: &str| {
            let mut cmd = std::process::Command::new("sleep");
            cmd.arg("30").env("WEFT_RUN_ID", run).process_group(0);
            cmd.spawn().unwrap()
        };
        let mut mine = spawn("sweeptest01");
        let mut other = spawn("sweeptest02");
        assert_eq!(stop_processes_of_run("sweeptest01"), 1);
        let status = mine.wait().unwrap();
        assert!(!status.success(), "killed");
        assert!(
            other.try_wait().unwrap().is_none(),
            "another run's process is left alone"
        );
        assert_eq!(stop_processes_of_run("sweeptest"), 0, "whole ids only");
        other.kill().unwrap();
        other.wait().unwrap();
    }

    #[test]
    fn this_process_is_itself_and_a_dead_pid_is_not() {
        let me = std::process::id();
        let start = process_start_time(me);
        assert!(start.is_some());
        assert!(process_is(me, start));
        assert!(!process_is(me, start.map(|s| s + 1)));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_is(pid, None));
    }
}
