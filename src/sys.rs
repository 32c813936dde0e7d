//! Facts about processes from the operating system: whether a pid is still
//! the process we started (pid plus kernel start time, so a reused pid is
//! caught) and the host name; and the one place that stops a leftover
//! process group, only once it is verified to be the process recorded.

/// One process as `/proc/<pid>/stat` describes it: the fields weft uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcStat {
    /// The command name (field 2), without its parentheses.
    pub comm: String,
    /// The state letter (field 3): `R`, `S`, `T`, `Z`…
    pub state: char,
    /// The process group (field 5).
    pub pgrp: i32,
    /// The session (field 6).
    pub session: i32,
    /// The start time in clock ticks since boot (field 22).
    pub start_time: u64,
}

/// Parses a `/proc/<pid>/stat` line, or `None` when it is not one. The
/// command name is in parentheses and may itself contain spaces and `)`,
/// so the fields after it start at the last `)`.
pub fn parse_proc_stat(stat: &str) -> Option<ProcStat> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    // After the name: state is field 3; starttime is field 22.
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    Some(ProcStat {
        comm,
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        session: fields.get(3)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Reads and parses `/proc/<pid>/stat`; `None` when there is no such
/// process (or the kernel says something unreadable).
#[cfg(target_os = "linux")]
pub fn proc_stat(pid: u32) -> Option<ProcStat> {
    // One read: /proc files report no size, so read_to_string would
    // take several small reads.
    use std::io::Read;
    let mut buf = [0u8; 1024];
    let mut file = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
    let n = file.read(&mut buf).ok()?;
    parse_proc_stat(&String::from_utf8_lossy(&buf[..n]))
}

/// The live processes (zombies excluded) that match.
#[cfg(target_os = "linux")]
pub fn proc_scan(wanted: impl Fn(&ProcStat) -> bool) -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|name| name.parse::<u32>().ok())
        .filter_map(proc_stat)
        .filter(|p| p.state != 'Z' && wanted(p))
        .collect()
}

/// The kernel's start time of a process (clock ticks since boot on Linux),
/// or `None` when there is no such process.
pub fn process_start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let stat = proc_stat(pid)?;
        if stat.state == 'Z' {
            return None; // a zombie has finished
        }
        Some(stat.start_time)
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
        proc_stat(pid).is_some_and(|s| s.state == 'T')
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
    use proptest::prelude::*;

    #[test]
    fn a_stat_line_is_split_at_the_last_parenthesis() {
        let line = "4242 (a) b (c) S 1 4242 4240 34816 4242 4194304 0 0 0 0 1 2 0 0 \
                    20 0 1 0 987654 1000 10 18446744073709551615\n";
        let stat = parse_proc_stat(line).unwrap();
        assert_eq!(
            stat,
            ProcStat {
                comm: "a) b (c".into(),
                state: 'S',
                pgrp: 4242,
                session: 4240,
                start_time: 987654,
            }
        );
        assert_eq!(parse_proc_stat("4242 (sh) S 1 2"), None, "cut short");
        assert_eq!(parse_proc_stat(""), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_reads_as_itself() {
        let stat = proc_stat(std::process::id()).unwrap();
        assert_eq!(stat.pgrp, nix::unistd::getpgrp().as_raw());
        assert_eq!(
            Some(stat.start_time),
            process_start_time(std::process::id())
        );
        assert!(!process_is_stopped(std::process::id()));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_line_parses_without_a_panic(line in "\\PC*", name in "[ ()a-z]{0,16}") {
            let _ = parse_proc_stat(&line);
            let built = format!("1 ({name}) R 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0");
            let stat = parse_proc_stat(&built).unwrap();
            prop_assert_eq!(stat.comm, name);
            prop_assert_eq!(stat.start_time, 5);
        }
    }

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
