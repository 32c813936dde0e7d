//! `weft cron install|ls|rm|import` against a stand-in `crontab` program
//! that keeps the table in a file: weft's lines are added, listed and
//! removed, every other line stays byte for byte, and the lines weft
//! writes really run under cron's bare environment.

use crate::harness::{Out, Weft};
use std::path::PathBuf;

/// A `crontab` stand-in (`-l` prints the table, `-` replaces it) keeping
/// the table in `table` beside it; "no crontab" when there is none.
pub struct FakeCrontab {
    pub program: PathBuf,
    pub table: PathBuf,
}

impl FakeCrontab {
    pub fn new(w: &Weft, initial: Option<&str>) -> FakeCrontab {
        let table = w.home.path().join("crontab.table");
        let program = w.home.path().join("fake-crontab");
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\ntable='{}'\ncase \"$1\" in\n  -l) if [ -f \"$table\" ]; then cat \"$table\"; else echo \"no crontab for tester\" >&2; exit 1; fi ;;\n  -) cat > \"$table\" ;;\n  *) echo \"fake-crontab: unexpected $*\" >&2; exit 1 ;;\nesac\n",
                table.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        if let Some(text) = initial {
            std::fs::write(&table, text).unwrap();
        }
        FakeCrontab { program, table }
    }

    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.table).unwrap_or_default()
    }

    /// `weft cron ARGS --crontab <stand-in>`.
    pub fn weft(&self, w: &Weft, args: &[&str]) -> Out {
        let mut all = vec!["cron"];
        all.extend_from_slice(args);
        let program = self.program.display().to_string();
        all.extend_from_slice(&["--crontab", &program]);
        w.run(&all)
    }
}

/// Runs the command of a crontab line as cron would: `sh -c` with a bare
/// environment (no PATH beyond the default, no WEFT_HOME), in `$HOME`.
pub fn run_as_cron(line: &str, home: &std::path::Path) -> std::process::Output {
    run_as_cron_under("/bin/sh", line, home)
}

/// [`run_as_cron`] under a crontab's `SHELL=`, as cron runs its lines.
pub fn run_as_cron_under(shell: &str, line: &str, home: &std::path::Path) -> std::process::Output {
    let fields = if line.starts_with('@') { 1 } else { 5 };
    let command = line.splitn(fields + 1, ' ').last().unwrap();
    let command = command.rsplit_once(" # weft:").map_or(command, |(c, _)| c);
    // cron turns `\%` into `%` before handing the line to sh.
    let command = command.replace("\\%", "%");
    std::process::Command::new(shell)
        .args(["-c", &command])
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", shell)
        .current_dir(home)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running the cron line")
}

const OTHERS: &str = "MAILTO=me@example.com\n# my own things, untouched\n17 * * * * cd / && run-parts --report /etc/cron.hourly\n0 4 * * 1 /usr/local/bin/backup --weekly > /dev/null 2>&1";

#[test]
fn install_ls_and_rm_touch_only_weft_lines() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, Some(OTHERS));
    w.write(
        "jobs/nightly.yaml",
        "name: nightly\ntasks:\n  stamp:\n    run: echo ran > stamp.txt\n",
    );

    let out = cron.weft(&w, &["install", "jobs/nightly.yaml", "--at", "30 2 * * *"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("installed `nightly`"), "{}", out.stdout);
    let table = cron.text();
    // The user's lines, byte for byte, then weft's (a newline added after
    // the last one, which had none).
    assert!(table.starts_with(&format!("{OTHERS}\n")), "{table}");
    let line = table.lines().last().unwrap().to_string();
    let file = std::fs::canonicalize(w.path("jobs/nightly.yaml")).unwrap();
    let bin = std::fs::canonicalize(Weft::bin()).unwrap();
    assert!(line.starts_with("30 2 * * * PATH="), "{line}");
    assert!(
        line.contains(&format!("WEFT_HOME={} ", w.home.path().display())),
        "{line}"
    );
    assert!(
        line.contains(&format!("{} run --cron {}", bin.display(), file.display())),
        "{line}"
    );
    assert!(line.ends_with(" # weft:nightly"), "{line}");

    // The same file at the same time again is installed already.
    let once = cron.text();
    let out = cron.weft(&w, &["install", "jobs/nightly.yaml", "--at", "30 2 * * *"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("installed already as `nightly`")
            && out.stdout.contains("nothing was changed"),
        "{}",
        out.stdout
    );
    assert_eq!(cron.text(), once);

    // At another time it gets its own id; a bad schedule changes nothing.
    let out = cron.weft(
        &w,
        &[
            "install",
            "jobs/nightly.yaml",
            "--at",
            "@hourly",
            "--overlap",
            "skip",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(cron.text().contains("run --cron --overlap skip "));
    assert!(cron.text().trim_end().ends_with("# weft:nightly-2"));
    let before = cron.text();
    let out = cron.weft(&w, &["install", "jobs/nightly.yaml", "--at", "0 25 * * *"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("`25` is not a valid hour (expected 0-23)"),
        "{}",
        out.stderr
    );
    let out = cron.weft(&w, &["install", "jobs/nightly.yaml", "--at", "0 3 * *"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has 4 fields"), "{}", out.stderr);
    assert_eq!(cron.text(), before);

    // ls lists weft's two lines and nothing else.
    let out = cron.weft(&w, &["ls", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], "nightly");
    assert_eq!(listed[0]["schedule"], "30 2 * * *");
    assert_eq!(listed[0]["target"], file.display().to_string());
    assert_eq!(listed[1]["schedule"], "@hourly");
    let out = cron.weft(&w, &["ls"]);
    assert!(out.stdout.contains("nightly-2"), "{}", out.stdout);
    assert!(!out.stdout.contains("run-parts"), "{}", out.stdout);
    // The table once: a header and one row per line, nothing after.
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    assert_eq!(out.stdout.matches("nightly-2").count(), 1, "{}", out.stdout);

    // The line works under cron's bare environment: a run is recorded in
    // this home, and the task ran in the workflow's folder.
    let ran = run_as_cron(&line, w.dir.path());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(w.path("jobs/stamp.txt")).unwrap(),
        "ran\n"
    );
    let shown = w.show_json("nightly");
    assert_eq!(shown["status"], "succeeded");
    // cron started it, and show, ps and --json say so.
    assert_eq!(shown["trigger"], "cron");
    let show = w.run(&["show", "nightly"]);
    assert!(show.stdout.contains(", cron)"), "{}", show.stdout);
    let ps = w.run(&["ps", "-w", "nightly"]);
    assert!(
        ps.stdout.lines().nth(1).is_some_and(|r| r.contains("cron")),
        "{}",
        ps.stdout
    );
    let ps: serde_json::Value = serde_json::from_str(&w.run(&["ps", "--json"]).stdout).unwrap();
    assert_eq!(ps[0]["trigger"], "cron");
    // By hand it is still manual.
    let out = w.run(&["run", "-q", "jobs/nightly.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.show_json("nightly")["trigger"], "manual");

    // rm by id, then by file: the table is exactly what it was.
    let out = cron.weft(&w, &["rm", "nope"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("weft's lines: nightly, nightly-2"),
        "{}",
        out.stderr
    );
    assert_eq!(cron.text(), before);
    let out = cron.weft(&w, &["rm", "nightly"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("removed `nightly`"));
    assert_eq!(cron.text().lines().count(), OTHERS.lines().count() + 1);
    let out = cron.weft(&w, &["rm", "jobs/nightly.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("removed `nightly-2`"));
    assert_eq!(cron.text(), format!("{OTHERS}\n"));
}

#[test]
fn no_crontab_yet_is_an_empty_one_and_a_broken_program_is_exit_3() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, None);
    let out = cron.weft(&w, &["ls"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("no weft lines"), "{}", out.stdout);
    w.write("a.yaml", "name: a\ntasks:\n  t:\n    run: \"true\"\n");
    let out = cron.weft(&w, &["install", "a.yaml", "--at", "@daily"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(cron.text().lines().count(), 1);

    let out = w
        .cmd()
        .args(["cron", "ls"])
        .env("WEFT_CRONTAB", "/nonexistent/crontab")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`/nonexistent/crontab -l` failed"), "{err}");
    assert!(err.contains("WEFT_CRONTAB"), "{err}");
}

const MINE: &str = "MAILTO=\"\"\n# ticks\n*/5 * * * * echo tick >> ticks.txt\n@reboot /usr/bin/true\n30 1 * * * date +\\%Y >> years.txt\n";

#[test]
fn import_shows_the_change_and_applies_it_only_when_asked() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, Some(MINE));
    let out = cron.weft(&w, &["import"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("- */5 * * * * echo tick >> ticks.txt"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("+ */5 * * * * "), "{}", out.stdout);
    assert!(out.stdout.contains("nothing was changed"), "{}", out.stdout);
    assert_eq!(cron.text(), MINE);

    let out = cron.weft(&w, &["import", "--apply"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let table = cron.text();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), MINE.lines().count());
    assert_eq!(&lines[..2], &["MAILTO=\"\"", "# ticks"]);
    assert!(
        lines[2].contains(" wrap echo --cron -- sh -c 'echo tick >> ticks.txt' # weft:echo"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("@reboot ") && lines[3].ends_with("# weft:true"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].contains("sh -c 'date +\\%Y >> years.txt' # weft:date"),
        "{}",
        lines[4]
    );

    // The wrapped line runs under cron's environment, recorded in history.
    let ran = run_as_cron(lines[2], w.dir.path());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(w.path("ticks.txt")).unwrap(),
        "tick\n"
    );
    let ran = run_as_cron(lines[4], w.dir.path());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let year = std::fs::read_to_string(w.path("years.txt")).unwrap();
    assert!(year.trim().len() == 4 && year.starts_with("20"), "{year}");
    assert_eq!(w.show_json("echo")["status"], "succeeded");
    assert_eq!(w.show_json("echo")["trigger"], "cron");

    // Importing again finds nothing left to take over.
    let out = cron.weft(&w, &["import"]);
    assert!(out.stdout.contains("nothing to import"), "{}", out.stdout);
    assert_eq!(cron.text(), table);
    assert_eq!(
        cron.weft(&w, &["ls", "--json"])
            .stdout
            .matches("\"id\"")
            .count(),
        3
    );

    // rm puts an imported line back as it was; --delete deletes it.
    let out = cron.weft(&w, &["rm", "date"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "restored `date` to the line it was imported from: 30 1 * * * date +\\%Y >> years.txt"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(cron.text().lines().nth(4), MINE.lines().nth(4));
    let out = cron.weft(&w, &["rm", "true", "--delete"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("removed `true`: @reboot "),
        "{}",
        out.stdout
    );
    assert!(!cron.text().contains("@reboot"), "{}", cron.text());
    let out = cron.weft(&w, &["rm", "echo"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(cron.text(), MINE.replace("@reboot /usr/bin/true\n", ""));
}

/// A crontab whose lines need bash, with a PATH that repeats an entry.
const BASH: &str = "SHELL=/bin/bash\nPATH=/usr/local/bin:/usr/bin:/bin:/usr/bin\n*/10 * * * * [[ $SHELL == /bin/bash ]] && echo $'bash\\tok' > bash.txt\n";

#[test]
fn import_keeps_the_crontabs_shell_so_bash_lines_still_work() {
    let w = Weft::new();
    // The stand-in for cron's environment: the job's HOME is the work folder.
    let home = w.dir.path();
    let cron = FakeCrontab::new(&w, Some(BASH));
    let out = cron.weft(&w, &["import", "--apply"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let table = cron.text();
    let line = table.lines().nth(2).unwrap();
    assert!(line.contains(" wrap job --cron -- /bin/bash -c "), "{line}");
    // cron runs the line with the crontab's SHELL, and weft runs the command with it.
    let ran = run_as_cron_under("/bin/bash", line, home);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(home.join("bash.txt")).unwrap(),
        "bash\tok\n"
    );
    assert_eq!(w.show_json("job")["status"], "succeeded");
    std::fs::remove_file(home.join("bash.txt")).unwrap();

    // As a workflow file: the task runs under that shell, with the
    // crontab's PATH (each entry once).
    std::fs::write(&cron.table, BASH).unwrap();
    let out = w
        .cmd()
        .args([
            "cron",
            "import",
            "--workflows",
            "flows",
            "--apply",
            "--crontab",
        ])
        .arg(&cron.program)
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let flow = std::fs::read_to_string(w.path("flows/job.yaml")).unwrap();
    assert!(
        flow.contains("  PATH: \"/usr/local/bin:/usr/bin:/bin\"\n"),
        "{flow}"
    );
    assert!(
        flow.contains("    exec: [\"/bin/bash\", \"-c\", "),
        "{flow}"
    );
    let out = w.run(&["run", "-q", "flows/job.yaml"]);
    assert_eq!(out.code, 0, "{}{flow}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(home.join("bash.txt")).unwrap(),
        "bash\tok\n"
    );
}

#[test]
fn install_puts_the_crontabs_path_first_and_repeats_no_entry() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, Some("PATH=/opt/tools/bin:/usr/bin\n"));
    w.write("a.yaml", "name: a\ntasks:\n  t:\n    run: \"true\"\n");
    let out = w
        .cmd()
        .args(["cron", "install", "a.yaml", "--at", "@daily", "--crontab"])
        .arg(&cron.program)
        .env("PATH", "/usr/bin:/bin:/opt/tools/bin")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = cron.text();
    let line = table.lines().last().unwrap();
    assert!(
        line.starts_with("@daily PATH=/opt/tools/bin:/usr/bin:/bin "),
        "{line}"
    );
}

#[test]
fn import_into_workflow_files_writes_them_only_with_apply() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, Some(MINE));
    let out = cron.weft(&w, &["import", "--workflows", "flows"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("would write"), "{}", out.stdout);
    assert!(
        out.stdout.contains("leaving alone: @reboot /usr/bin/true"),
        "{}",
        out.stdout
    );
    assert!(!w.path("flows").exists());
    assert_eq!(cron.text(), MINE);

    let out = cron.weft(&w, &["import", "--workflows", "flows", "--apply"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let echo = std::fs::read_to_string(w.path("flows/echo.yaml")).unwrap();
    assert!(
        echo.contains("name: echo\nschedule:\n  - cron: \"*/5 * * * *\"\n"),
        "{echo}"
    );
    assert!(
        echo.contains("    run: \"echo tick >> ticks.txt\"\n"),
        "{echo}"
    );
    let date = std::fs::read_to_string(w.path("flows/date.yaml")).unwrap();
    assert!(date.contains("run: \"date +%Y >> years.txt\""), "{date}");
    let table = cron.text();
    assert!(
        table.contains("# */5 * * * * echo tick >> ticks.txt  # moved by weft cron import to "),
        "{table}"
    );
    assert!(table.contains("\n@reboot /usr/bin/true\n"), "{table}");

    // A second apply would overwrite the files: refused, nothing changed.
    std::fs::write(&cron.table, MINE).unwrap();
    let out = cron.weft(&w, &["import", "--workflows", "flows", "--apply"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("exists already"), "{}", out.stderr);
    assert_eq!(cron.text(), MINE);
}

#[test]
fn install_without_at_takes_the_workflows_own_cron_schedule() {
    let w = Weft::new();
    let cron = FakeCrontab::new(&w, Some(OTHERS));
    w.write(
        "nightly.yaml",
        "name: nightly\nschedule:\n  - cron: \"15 4 * * 1-5\"\ntasks:\n  t:\n    run: \"true\"\n",
    );
    let out = cron.weft(&w, &["install", "nightly.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = cron.text().lines().last().unwrap().to_string();
    assert!(line.starts_with("15 4 * * 1-5 "), "{line}");
    // What crontab cannot say is refused with the reason, changing nothing.
    let before = cron.text();
    for (name, schedule, why) in [
        ("plain", "", "has no `cron:` schedule"),
        (
            "zoned",
            "  - cron: \"0 3 * * *\"\n    timezone: Asia/Tokyo\n",
            "is in Asia/Tokyo",
        ),
        ("fine", "  - cron: \"*/10 * * * * *\"\n", "has seconds"),
        (
            "twice",
            "  - cron: \"0 1 * * *\"\n  - cron: \"0 2 * * *\"\n",
            "has 2 `cron:` schedules",
        ),
    ] {
        let text = if schedule.is_empty() {
            format!("name: {name}\ntasks:\n  t:\n    run: \"true\"\n")
        } else {
            format!("name: {name}\nschedule:\n{schedule}tasks:\n  t:\n    run: \"true\"\n")
        };
        w.write(&format!("{name}.yaml"), &text);
        let out = cron.weft(&w, &["install", &format!("{name}.yaml")]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{name}: {}", out.stderr);
        assert!(out.stderr.contains("--at EXPR"), "{name}: {}", out.stderr);
        assert_eq!(cron.text(), before, "{name} changed the crontab");
    }
}
