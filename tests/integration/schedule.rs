//! Schedules in a real daemon: `every: 1s` fires, each overlap policy,
//! catch-up after the daemon was stopped across fire times, a fire recorded
//! once across a `kill -9` restart, workflow files noticed while the daemon
//! runs, and `weft add --after`. Everything is awaited with bounded polls on
//! the store (through `weft ps`/`weft schedule fires`) or on files.

use crate::harness::{Weft, wait_for_file, wait_until};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

/// A test home whose config loads workflows from `<dir>/flows`.
fn with_flows() -> Weft {
    let w = Weft::new();
    w.workflow_dir("flows");
    w
}

fn flow(w: &Weft, name: &str, text: &str) -> PathBuf {
    w.write(&format!("flows/{name}.yaml"), text)
}

fn json(w: &Weft, args: &[&str]) -> Value {
    let out = w.run(args);
    assert_eq!(out.code, 0, "weft {args:?} failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stdout))
}

/// A workflow's runs that have started (`weft ps` also lists queued ones).
fn runs(w: &Weft, workflow: &str) -> Vec<Value> {
    json(w, &["ps", "-w", workflow, "-n", "0", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "queued")
        .cloned()
        .collect()
}

fn fires(w: &Weft, workflow: &str) -> Vec<Value> {
    json(w, &["schedule", "fires", workflow, "-n", "0", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn with_outcome(fires: &[Value], outcome: &str) -> usize {
    fires.iter().filter(|f| f["outcome"] == outcome).count()
}

fn schedule_ls(w: &Weft) -> Vec<Value> {
    json(w, &["schedule", "ls", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// A gate file: tasks wait for it; dropping the guard opens it, so no task
/// outlives its test whatever happened.
pub(crate) struct Gate(PathBuf);

impl Gate {
    pub(crate) fn new(w: &Weft) -> Gate {
        Gate(w.path("gate"))
    }

    /// A shell line that waits (bounded) for the gate.
    pub(crate) fn wait_line(&self) -> String {
        format!(
            "i=0; while [ ! -e {} ] && [ $i -lt 1500 ]; do sleep 0.02; i=$((i+1)); done",
            self.0.display()
        )
    }

    pub(crate) fn open(&self) {
        std::fs::write(&self.0, "").unwrap();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.0, "");
    }
}

/// A workflow fired every second whose task waits for the gate.
fn held(w: &Weft, gate: &Gate, overlap: &str) {
    flow(
        w,
        "held",
        &format!(
            "name: held\nschedule:\n  - every: 1s\noverlap: {overlap}\ntasks:\n  hold:\n    run: {}\n",
            gate.wait_line()
        ),
    );
}

fn statuses(runs: &[Value], status: &str) -> usize {
    runs.iter().filter(|r| r["status"] == status).count()
}

#[test]
fn schedule_every_second_fires_runs_triggered_by_the_schedule() {
    let w = with_flows();
    flow(
        &w,
        "tick",
        "name: tick\nschedule:\n  - every: 1s\ntasks:\n  say:\n    run: echo tick\n",
    );
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "tick"), "succeeded") >= 3),
        "three fires never ran"
    );
    let runs = runs(&w, "tick");
    assert!(runs.iter().all(|r| r["trigger"] == "schedule"), "{runs:?}");
    let ps = w.run(&["ps", "-w", "tick"]);
    assert!(ps.stdout.contains("schedule"), "{}", ps.stdout);
    let show = w.show_json(runs[0]["id"].as_str().unwrap());
    assert_eq!(show["trigger"], "schedule");
    // Each fire is on a whole second and has its own run.
    let fired = fires(&w, "tick");
    let mut ids: Vec<&str> = fired.iter().filter_map(|f| f["run"].as_str()).collect();
    assert!(
        fired
            .iter()
            .all(|f| f["fire_at"].as_i64().unwrap() % 1000 == 0)
    );
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "two fires share a run: {fired:?}");
    // `schedule ls` shows the expression, in words, and the next fires.
    let ls = schedule_ls(&w);
    let tick = &ls[0]["schedules"][0];
    assert_eq!(tick["expression"], "every 1s");
    assert_eq!(tick["description"], "Every 1s.");
    assert_eq!(tick["next"].as_array().unwrap().len(), 3);
    let text = w.run(&["schedule", "ls"]).stdout;
    assert!(text.contains("tick") && text.contains("every 1s"), "{text}");
    // `schedule fires` writes the interval as `schedule ls` does.
    let text = w.run(&["schedule", "fires", "tick"]).stdout;
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.contains(" every 1s ")),
        "{text}"
    );
    assert!(!text.contains("every:"), "{text}");
    // Paused: no next fire, and no new run; resumed: fires again.
    assert_eq!(w.run(&["schedule", "pause", "tick"]).code, 0);
    let ls = schedule_ls(&w);
    assert_eq!(ls[0]["paused"], true);
    assert!(ls[0]["schedules"][0]["next"].as_array().unwrap().is_empty());
    assert!(w.run(&["schedule", "ls"]).stdout.contains("paused"));
    let paused_at = fires(&w, "tick").len();
    assert_eq!(w.run(&["schedule", "resume", "tick"]).code, 0);
    assert!(
        wait_until(LIMIT, || fires(&w, "tick").len() > paused_at),
        "no fire after resume"
    );
    let unknown = w.run(&["schedule", "pause", "tik"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `tick`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn overlap_skip_records_the_fire_and_starts_nothing() {
    let w = with_flows();
    let gate = Gate::new(&w);
    held(&w, &gate, "skip");
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || with_outcome(&fires(&w, "held"), "skipped") >= 2),
        "no fire was skipped while the first run held"
    );
    assert_eq!(runs(&w, "held").len(), 1, "a skipped fire started a run");
    gate.open();
    // Once the first run ends, the next fire starts a run again.
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "held"), "succeeded") >= 2),
        "fires did not start runs again after the first one ended"
    );
}

#[test]
fn overlap_queue_starts_each_fire_after_the_previous_run() {
    let w = with_flows();
    let gate = Gate::new(&w);
    held(&w, &gate, "queue");
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || with_outcome(&fires(&w, "held"), "queued") >= 2),
        "no fire was queued while the first run held"
    );
    assert_eq!(w.run(&["schedule", "pause", "held"]).code, 0);
    assert_eq!(runs(&w, "held").len(), 1, "a queued fire started early");
    let listed = json(&w, &["ps", "-w", "held", "-s", "queued", "--json"]);
    assert!(
        listed.as_array().unwrap().len() >= 2,
        "ps lists the queued fires: {listed}"
    );
    let ls = schedule_ls(&w);
    assert!(ls[0]["queued"].as_u64().unwrap() >= 2, "{ls:?}");
    assert_eq!(ls[0]["paused"], true);
    gate.open();
    let queued: Vec<String> = fires(&w, "held")
        .iter()
        .filter(|f| f["outcome"] == "queued")
        .map(|f| f["run"].as_str().unwrap().to_string())
        .collect();
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "held"), "succeeded")
            == queued.len() + 1),
        "the queued runs did not all run"
    );
    // One after the other: each started once the one before had ended.
    let mut all = runs(&w, "held");
    all.sort_by_key(|r| r["created_at"].as_i64());
    for pair in all.windows(2) {
        assert!(
            pair[1]["created_at"].as_i64() >= pair[0]["finished_at"].as_i64(),
            "runs overlapped: {pair:?}"
        );
    }
    for id in &queued {
        assert!(all.iter().any(|r| r["id"] == id.as_str()), "{id} never ran");
    }
}

#[test]
fn overlap_allow_runs_fires_side_by_side() {
    let w = with_flows();
    let gate = Gate::new(&w);
    held(&w, &gate, "allow");
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "held"), "running") >= 2),
        "two fires never ran at once"
    );
    assert_eq!(with_outcome(&fires(&w, "held"), "skipped"), 0);
}

#[test]
fn overlap_cancel_previous_cancels_the_running_run() {
    let w = with_flows();
    let gate = Gate::new(&w);
    held(&w, &gate, "cancel-previous");
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || {
            let runs = runs(&w, "held");
            statuses(&runs, "cancelled") >= 1 && statuses(&runs, "running") == 1
        }),
        "a fire did not cancel the run before it"
    );
    // The newest run is the one going; older ones were cancelled.
    let runs = runs(&w, "held");
    assert_eq!(runs[0]["status"], "running", "{runs:?}");
    assert!(runs[1..].iter().all(|r| r["status"] != "running"));
}

/// A 6-field UTC cron firing at three consecutive seconds starting `at`.
fn three_seconds_cron(at: i64) -> String {
    let s: Vec<String> = (0..3).map(|i| ((at / 1000 + i) % 60).to_string()).collect();
    format!("{} * * * * *", s.join(","))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn catchup_after_the_daemon_was_stopped_across_fire_times() {
    let w = with_flows();
    let daemon = w.daemon();
    // Fire times a few seconds ahead, all while no daemon runs.
    let first = (now_ms() / 1000 + 5) * 1000;
    let cron = three_seconds_cron(first);
    for catchup in ["none", "latest", "all"] {
        flow(
            &w,
            catchup,
            &format!(
                "name: {catchup}\nschedule:\n  - cron: \"{cron}\"\n    timezone: UTC\ncatchup: {catchup}\ncatchup_window: 1h\ntasks:\n  say:\n    run: echo {catchup}\n"
            ),
        );
    }
    // The daemon sees the schedules, then stops before they are due.
    assert_eq!(w.run(&["daemon", "reload"]).code, 0);
    assert_eq!(schedule_ls(&w).len(), 3);
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
    drop(daemon);
    assert!(
        now_ms() < first,
        "the machine was too slow: the daemon was still up at the first fire time"
    );
    assert!(
        wait_until(LIMIT, || now_ms() > first + 2500),
        "the clock did not move"
    );
    let _daemon = w.daemon();
    // Catch-up happens before the daemon answers.
    let fire_times = |name: &str| -> Vec<i64> {
        let mut t: Vec<i64> = fires(&w, name)
            .iter()
            .map(|f| f["fire_at"].as_i64().unwrap())
            .collect();
        t.sort();
        t
    };
    assert_eq!(fire_times("none"), Vec::<i64>::new());
    assert_eq!(fire_times("latest"), vec![first + 2000]);
    assert_eq!(fire_times("all"), vec![first, first + 1000, first + 2000]);
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "all"), "succeeded") == 3),
        "the caught-up runs did not run"
    );
    assert_eq!(runs(&w, "latest").len(), 1);
    assert!(runs(&w, "none").is_empty());
}

#[test]
fn a_fire_is_recorded_once_across_a_kill_9_restart() {
    let w = with_flows();
    flow(
        &w,
        "tick",
        "name: tick\nschedule:\n  - every: 1s\ncatchup: all\ncatchup_window: 1h\ntasks:\n  say:\n    run: echo tick\n",
    );
    let daemon = w.daemon();
    assert!(wait_until(LIMIT, || fires(&w, "tick").len() >= 2));
    drop(daemon); // SIGKILL
    // (The new daemon first: a CLI call now would start one of its own.)
    let _daemon = w.daemon();
    let before = fires(&w, "tick").len();
    assert!(
        wait_until(LIMIT, || fires(&w, "tick").len() >= before + 2),
        "the new daemon did not fire"
    );
    assert_eq!(w.run(&["schedule", "pause", "tick"]).code, 0);
    // Every run ends (none stays "running" after the kill), and there is
    // exactly one run per started fire: nothing fired twice.
    assert!(
        wait_until(LIMIT, || runs(&w, "tick")
            .iter()
            .all(|r| r["status"] != "running")),
        "a run stayed running"
    );
    let fires = fires(&w, "tick");
    let runs = runs(&w, "tick");
    let started: Vec<&str> = fires
        .iter()
        .filter(|f| f["outcome"] == "started")
        .map(|f| f["run"].as_str().unwrap())
        .collect();
    assert_eq!(started.len(), fires.len(), "{fires:?}");
    assert_eq!(runs.len(), started.len(), "runs {runs:?}\nfires {fires:?}");
    for r in &runs {
        assert!(started.contains(&r["id"].as_str().unwrap()));
    }
    // Consecutive seconds, none twice, none missing across the restart.
    let mut times: Vec<i64> = fires
        .iter()
        .map(|f| f["fire_at"].as_i64().unwrap())
        .collect();
    times.sort();
    for pair in times.windows(2) {
        assert_eq!(pair[1] - pair[0], 1000, "{times:?}");
    }
}

#[test]
fn workflow_files_are_noticed_and_invalid_ones_are_reported() {
    let w = with_flows();
    flow(&w, "a", "name: a\ntasks:\n  t:\n    run: \"true\"\n");
    let daemon = w.daemon();
    let names = |w: &Weft| -> Vec<String> {
        json(w, &["schedule", "ls", "--all", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&w), ["a"]);
    // An invalid file shows with its diagnostics, in ls and in the log.
    flow(
        &w,
        "broken",
        "name: broken\nschedule:\n  - cron: \"0 3 * *\"\ntasks:\n  t:\n    run: \"true\"\n",
    );
    assert_eq!(w.run(&["daemon", "reload"]).code, 0);
    let ls = w.run(&["schedule", "ls"]);
    assert!(
        ls.stdout
            .contains("broken.yaml is invalid and not scheduled")
            && ls.stdout.contains("`0 3 * *` is not a cron expression")
            && ls.stdout.contains("broken.yaml:3:11"),
        "{}",
        ls.stdout
    );
    // One `error:` for its one problem, not one more for the file.
    assert_eq!(ls.stdout.matches("error:").count(), 1, "{}", ls.stdout);
    let log = || w.daemon_log();
    assert!(log().contains("is not a cron expression"), "{}", log());
    // So is a schedule whose fires could never start: a required param
    // without a default.
    flow(
        &w,
        "needy",
        "name: needy\nparams:\n  target: { type: string, required: true }\nschedule:\n  - every: 1h\ntasks:\n  t:\n    run: \"true\"\n",
    );
    assert_eq!(w.run(&["daemon", "reload"]).code, 0);
    let ls = w.run(&["schedule", "ls"]);
    assert!(
        ls.stdout
            .contains("needy.yaml is invalid and not scheduled")
            && ls
                .stdout
                .contains("param `target` is required, but a schedule's fires give no params"),
        "{}",
        ls.stdout
    );
    std::fs::remove_file(flow(&w, "needy", "")).unwrap();
    // SIGHUP rereads the folders too.
    let reloads = log().matches("workflow files reloaded").count();
    crate::harness::signal(daemon.child.id(), "HUP");
    assert!(
        wait_until(LIMIT, || log().matches("workflow files reloaded").count()
            > reloads),
        "SIGHUP did not reload"
    );
    // Changed and removed files are noticed without a reload.
    flow(
        &w,
        "a",
        "name: a\nschedule:\n  - cron: \"0 4 * * *\"\n    timezone: Europe/Paris\ntasks:\n  t:\n    run: \"true\"\n",
    );
    std::fs::remove_file(w.path("flows/broken.yaml")).unwrap();
    assert!(
        wait_until(LIMIT, || {
            let ls = schedule_ls(&w);
            ls.len() == 1 && ls[0]["schedules"][0]["timezone"] == "Europe/Paris"
        }),
        "the changes were not noticed"
    );
    // The dashboard's list of workflows has their params and validity.
    let trig = w.run(&["schedule", "trigger", "nope"]);
    assert_eq!(trig.code, 2);
    assert!(
        trig.stderr.contains("no valid workflow `nope`"),
        "{}",
        trig.stderr
    );
}

#[test]
fn trigger_fires_now_with_params() {
    let w = with_flows();
    flow(
        &w,
        "greet",
        &format!(
            "name: greet\nparams:\n  who: {{ type: string, required: true }}\ntasks:\n  say:\n    run: echo {{{{ params.who }}}} > {}\n",
            w.path("greeted").display()
        ),
    );
    let _daemon = w.daemon();
    let bad = w.run(&["schedule", "trigger", "greet"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("who"), "{}", bad.stderr);
    let out = w.run(&["schedule", "trigger", "greet", "-p", "who=world"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = out.stdout.trim().to_string();
    assert_eq!(w.run(&["wait", &run]).code, 0);
    assert_eq!(
        std::fs::read_to_string(w.path("greeted")).unwrap(),
        "world\n"
    );
    let wfs = json(&w, &["schedule", "ls", "--all", "--json"]);
    assert_eq!(wfs[0]["params"][0]["name"], "who");
    assert_eq!(wfs[0]["params"][0]["type"], "string");
    assert_eq!(wfs[0]["params"][0]["required"], true);
}

#[test]
fn add_after_waits_for_the_run_across_a_daemon_restart() {
    let w = Weft::new();
    let gate = Gate::new(&w);
    let daemon = w.daemon();
    let first = w.run(&["add", "--name", "first", "--", &gate.wait_line()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first = first.stdout.trim().to_string();
    let second = w.run(&["add", "--after", &first, "--", "echo done > second.txt"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let second = second.stdout.trim().to_string();
    // A third waits for the second, which is itself still queued.
    let third = w.run(&["add", "--after", &second, "--", "echo done > third.txt"]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    let third = third.stdout.trim().to_string();
    assert_eq!(
        w.show_json(&second)["status"],
        "queued",
        "the second run started early"
    );
    // `weft ps` lists the queued runs, first.
    let ps = json(&w, &["ps", "--json"]);
    let statuses: Vec<(&str, &str)> = ps
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        &statuses[..3],
        [
            (third.as_str(), "queued"),
            (second.as_str(), "queued"),
            (first.as_str(), "running")
        ],
        "{ps}"
    );
    let listed = w.run(&["ps", "--status", "queued"]);
    assert!(
        listed.stdout.contains(&third) && !listed.stdout.contains(&first),
        "{}",
        listed.stdout
    );
    // A queued run can be cancelled: it never starts.
    let fourth = w.run(&["add", "--after", &third, "--", "echo done > fourth.txt"]);
    let fourth = fourth.stdout.trim().to_string();
    // (Queued after it, behind the same run: started in the same pass.)
    let fifth = w.run(&["add", "--after", &third, "--", "echo done > fifth.txt"]);
    assert_eq!(fifth.code, 0, "{}", fifth.stderr);
    let cancel = w.run(&["cancel", &fourth]);
    assert_eq!(cancel.code, 0, "{}", cancel.stderr);
    assert!(cancel.stdout.contains(&fourth), "{}", cancel.stdout);
    // The queue survives a daemon restart. (Stopped, not killed: after a
    // `kill -9` the first run's interrupted task has no attempt left, so the
    // first run fails and the second starts, as `--after` says.)
    assert_eq!(w.run(&["daemon", "stop"]).code, 0);
    drop(daemon);
    let _daemon = w.daemon();
    assert!(
        wait_until(LIMIT, || w.show_json(&first)["status"] == "running"),
        "the first run was not resumed"
    );
    assert_eq!(
        w.show_json(&second)["status"],
        "queued",
        "the second run started early"
    );
    gate.open();
    assert!(
        wait_for_file(&w.path("third.txt"), LIMIT),
        "the third never ran"
    );
    assert_eq!(w.run(&["wait", &third]).code, 0);
    let a = w.show_json(&first);
    let b = w.show_json(&second);
    let c = w.show_json(&third);
    assert!(b["created_at"].as_i64() >= a["finished_at"].as_i64());
    assert!(c["created_at"].as_i64() >= b["finished_at"].as_i64());
    assert_eq!(b["workflow"], "echo");
    assert_eq!(b["trigger"], "manual");
    assert!(
        wait_for_file(&w.path("fifth.txt"), LIMIT),
        "the fifth never ran"
    );
    assert_eq!(
        w.run(&["show", &fourth]).code,
        2,
        "the cancelled run started"
    );
    assert!(!w.path("fourth.txt").exists());
    // After a run that has ended already, there is nothing to wait for.
    let late = w.run(&["add", "--after", &first, "--", "echo done > late.txt"]);
    assert_eq!(late.code, 0, "{}", late.stderr);
    assert!(!late.stderr.contains("waits for"), "{}", late.stderr);
    assert_eq!(w.run(&["wait", late.stdout.trim()]).code, 0);
    assert!(w.path("late.txt").exists());
}

#[test]
fn export_systemd_writes_a_timer_and_a_service() {
    let w = Weft::new();
    w.write(
        "nightly.yaml",
        "name: nightly\nschedule:\n  - cron: \"0 3 * * 1-5\"\n    timezone: Europe/Berlin\n  - every: 15m\ncatchup: latest\ntasks:\n  t:\n    run: \"true\"\n",
    );
    let out = w.run(&[
        "schedule",
        "export",
        "--systemd",
        "nightly.yaml",
        "--dir",
        "units",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let timer = std::fs::read_to_string(w.path("units/weft-nightly.timer")).unwrap();
    assert!(
        timer.contains("OnCalendar=Mon..Fri *-*-* 3:0:0 Europe/Berlin\n")
            && timer.contains("OnUnitActiveSec=15m\n")
            && timer.contains("Persistent=true\n")
            && timer.contains("Unit=weft-nightly.service\n"),
        "{timer}"
    );
    let service = std::fs::read_to_string(w.path("units/weft-nightly.service")).unwrap();
    let file = std::fs::canonicalize(w.path("nightly.yaml")).unwrap();
    assert!(
        service.contains(&format!("run --quiet {}\n", file.display())),
        "{service}"
    );
    // What systemd cannot express is refused, not approximated.
    w.write(
        "last.yaml",
        "name: last\nschedule:\n  - cron: \"0 3 * * 5L\"\ntasks:\n  t:\n    run: \"true\"\n",
    );
    let out = w.run(&["schedule", "export", "--systemd", "last.yaml", "--print"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("systemd's OnCalendar cannot express"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_fire_recorded_before_a_crash_starts_once_with_its_params() {
    use weft::model::{Fire, FireOutcome};
    use weft::store::{SqliteStore, Store};
    let w = with_flows();
    flow(
        &w,
        "greet",
        &format!(
            "name: greet\nparams:\n  who: {{ type: string, required: true }}\ntasks:\n  say:\n    run: echo {{{{ params.who }}}} >> {}\n",
            w.path("greeted").display()
        ),
    );
    // What a daemon killed between recording a fire and starting its run
    // leaves: the fire, with the run id it chose, and no run.
    let store = SqliteStore::open(
        &w.home.path().join("weft.db"),
        weft::config::Durability::Normal,
    )
    .unwrap();
    let run = weft::model::RunId::generate();
    let fire = Fire {
        workflow: "greet".into(),
        schedule: "trigger".into(),
        fire_at: 1_000,
        outcome: FireOutcome::Started,
        run: Some(run.clone()),
        params: vec![("who".into(), "crash".into())],
    };
    assert!(store.record_fire(&fire, None).unwrap());
    drop(store);
    let daemon = w.daemon();
    assert_eq!(w.run(&["wait", run.as_str()]).code, 0);
    assert_eq!(w.show_json(run.as_str())["trigger"], "manual");
    // Another restart does not start it again.
    drop(daemon);
    let _daemon = w.daemon();
    assert_eq!(runs(&w, "greet").len(), 1);
    assert_eq!(
        std::fs::read_to_string(w.path("greeted")).unwrap(),
        "crash\n"
    );
}

#[test]
fn add_after_a_killed_foreground_run_does_not_wait_forever() {
    let w = Weft::new();
    let gate = Gate::new(&w);
    w.write(
        "held.yaml",
        &format!(
            "name: held\ntasks:\n  hold:\n    run: {}\n",
            gate.wait_line()
        ),
    );
    let _daemon = w.daemon();
    let mut foreground = w.spawn(&["run", "held.yaml"]);
    assert!(
        wait_until(LIMIT, || statuses(&runs(&w, "held"), "running") == 1),
        "the foreground run never started"
    );
    let held = runs(&w, "held")[0]["id"].as_str().unwrap().to_string();
    let out = w.run(&["add", "--after", &held, "--", "echo after > after.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    foreground.kill().unwrap(); // SIGKILL: its run is left "running"
    foreground.wait().unwrap();
    assert!(
        wait_for_file(&w.path("after.txt"), LIMIT),
        "the queued run waited for a dead run"
    );
    assert_eq!(w.show_json(&held)["status"], "interrupted");
    drop(gate);
}

#[test]
fn reload_rereads_workflow_dirs_from_the_config() {
    let w = Weft::new();
    flow(&w, "a", "name: a\ntasks:\n  t:\n    run: \"true\"\n");
    let daemon = w.daemon();
    let ls = w.run(&["schedule", "ls", "--all"]);
    assert!(
        ls.stdout.contains("no scheduled workflows"),
        "{}",
        ls.stdout
    );
    // A folder added to the config counts after a reload, no restart.
    w.workflow_dir("flows");
    assert_eq!(w.run(&["daemon", "reload"]).code, 0);
    let names = json(&w, &["schedule", "ls", "--all", "--json"]);
    assert_eq!(names[0]["name"], "a", "{names}");
    // A config that no longer parses keeps the folders (SIGHUP: the CLI
    // itself would refuse that config), and the log says why.
    let good = std::fs::read_to_string(w.home.path().join("config.yaml")).unwrap();
    std::fs::write(w.home.path().join("config.yaml"), "workflow_dirs: [\n").unwrap();
    crate::harness::signal(daemon.child.id(), "HUP");
    let log = || w.daemon_log();
    assert!(
        wait_until(LIMIT, || log().contains("config not reread")),
        "{}",
        log()
    );
    std::fs::write(w.home.path().join("config.yaml"), good).unwrap();
    assert_eq!(
        json(&w, &["schedule", "ls", "--all", "--json"])[0]["name"],
        "a"
    );
}

#[test]
fn a_cron_field_out_of_range_is_named_with_its_range() {
    let w = Weft::new();
    for (expr, reason) in [
        ("61 * * * *", "minute 61 is out of 0-59"),
        ("0 3 * 13 *", "month 13 is out of 1-12"),
        ("0 0 3 32 * *", "day of month 32 is out of 1-31"),
    ] {
        w.write(
            "bad.yaml",
            &format!(
                "name: bad\nschedule:\n  - cron: \"{expr}\"\ntasks:\n  t:\n    run: \"true\"\n"
            ),
        );
        let out = w.run(&["validate", "bad.yaml"]);
        assert_eq!(out.code, 2, "{expr}: {}", out.stdout);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all.contains(&format!(
                "error: `{expr}` is not a cron expression: {reason}\n"
            )),
            "{all}"
        );
        assert!(!all.contains("component"), "{all}");
    }
}

#[test]
fn plan_shows_a_schedule_in_words_with_its_next_fires() {
    let w = Weft::new();
    w.write(
        "nightly.yaml",
        "name: nightly\nschedule:\n  - cron: \"30 2 * * *\"\n    timezone: Europe/Berlin\n  - at: \"2001-01-01T00:00:00Z\"\noverlap: queue\ntasks:\n  t:\n    run: \"true\"\n",
    );
    let out = w.run(&["plan", "nightly.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("schedule (overlap queue, catch-up none)"),
        "{}",
        out.stdout
    );
    let line = out
        .stdout
        .lines()
        .skip_while(|l| !l.contains("30 2 * * *"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        out.stdout.contains("At 02:30 (Europe/Berlin)"),
        "{}",
        out.stdout
    );
    assert_eq!(
        line.matches("02:30:00 CE").count(),
        3,
        "three next fires in Berlin time: {line}"
    );
    assert!(
        out.stdout.contains("no fire to come"),
        "a past `at`: {}",
        out.stdout
    );
}
