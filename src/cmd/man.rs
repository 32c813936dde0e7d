//! `weft man [COMMAND]`: the manual pages. clap_mangen renders the name,
//! description and options from the command line's own definition; this
//! adds what a man page needs beyond that: a synopsis named as typed
//! (`weft run`, with argument names), and ENVIRONMENT, FILES, EXIT STATUS,
//! EXAMPLES and SEE ALSO. `weft man workflow` is the workflow file's
//! reference, `weft-workflow(5)`.

use super::{CmdError, CmdResult, EXIT_OK};
use crate::cli::Cli;
use clap::{Arg, ArgAction, CommandFactory};
use std::io::Write;

/// The workflow file reference, section 5 (written by hand in roff).
const WORKFLOW_PAGE: &str = include_str!("../../man/weft-workflow.5");

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "WEFT_HOME",
        "Keep everything (config, database, logs, locks, the daemon's socket) under this folder instead of the platform folders. The same as --home.",
    ),
    (
        "WEFT_CONFIG",
        "The config file to read instead of the default one. The same as --config.",
    ),
    ("WEFT_COLOR", "auto, always or never. The same as --color."),
    ("NO_COLOR", "When set (to anything), no colour."),
    (
        "WEFT_NO_AUTOSTART",
        "When true, a command that needs the daemon fails (exit 3) instead of starting it.",
    ),
    ("WEFT_CONCURRENCY", "Tasks at once, as -j."),
    (
        "WEFT_PARAM_<KEY>",
        "A workflow parameter (KEY upper-cased); -p KEY=VALUE wins over it.",
    ),
    (
        "WEFT_CRONTAB",
        "The crontab program weft cron runs (default crontab).",
    ),
    (
        "WEFT_RUN_ID, WEFT_WORKFLOW, WEFT_TASK, WEFT_ATTEMPT, WEFT_OUTPUT, WEFT_OUT_<TASK>_<KEY>",
        "Set by weft for every task: the run, the task, its attempt (from 1), the file it writes outputs to (key=value lines), and the outputs of the tasks upstream.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.config/weft/config.yaml",
        "The config ($WEFT_HOME/config.yaml when WEFT_HOME is set). Every key is shown in config.example.yaml.",
    ),
    (
        "~/.local/share/weft/weft.db",
        "The run history (SQLite, WAL mode), in $WEFT_HOME when it is set.",
    ),
    (
        "~/.local/share/weft/logs/RUN/TASK.ATTEMPT.log",
        "Each attempt's output, next to the database.",
    ),
    (
        "~/.local/share/weft/locks/WORKFLOW.lock",
        "The overlap lock of a workflow, held by the weft run or weft wrap running it.",
    ),
    (
        "$XDG_RUNTIME_DIR/weft/weft.sock",
        "The daemon's socket (under $WEFT_HOME when it is set); its log is daemon.log next to the database.",
    ),
];

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success; for run and retry, the run succeeded."),
    ("1", "The workflow ran and failed."),
    (
        "2",
        "Usage or validation error: bad arguments, an invalid workflow, an unknown run, task or output. Nothing was run or changed.",
    ),
    (
        "3",
        "The store cannot be opened or written, no daemon answers (and autostart is off), or the crontab program fails.",
    ),
    (
        "75",
        "Skipped: --overlap skip found a run of the same workflow going.",
    ),
    ("130", "Interrupted: Ctrl-C or SIGTERM cancelled the run."),
];

/// Each command's examples: the command line and what it does.
const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            (
                "weft run workflows/hello.yaml",
                "Run a workflow here, showing its progress and its tasks' output.",
            ),
            (
                "weft ps --status failed --since 1d",
                "The runs that failed today.",
            ),
            (
                "weft logs report transform --tail 20",
                "The end of one task's output.",
            ),
            (
                "weft retry report",
                "Rerun what failed and what follows it, reusing the rest.",
            ),
        ],
    ),
    (
        "run",
        &[
            (
                "weft run release.yaml -p version=1.2.3",
                "Run with a parameter.",
            ),
            (
                "weft run nightly.yaml --quiet || echo failed",
                "Nothing but errors; the exit code is the result.",
            ),
            (
                "weft run build.yaml --json | jq -c 'select(.event == \"task_finished\")'",
                "Events as JSON lines.",
            ),
            (
                "echo 'name: x\ntasks: { a: { run: date } }' | weft run -",
                "A workflow from stdin.",
            ),
        ],
    ),
    (
        "validate",
        &[(
            "weft validate workflows/*.yaml",
            "Every problem of every file, with file:line:col and a hint.",
        )],
    ),
    (
        "plan",
        &[
            (
                "weft plan report.yaml",
                "Levels, params and what would be skipped.",
            ),
            (
                "weft plan report.yaml --dot | dot -Tpng -o report.png",
                "The DAG as a picture.",
            ),
        ],
    ),
    (
        "ps",
        &[
            ("weft ps", "Runs, newest first."),
            (
                "weft ps --workflow report --status failed --json",
                "A workflow's failed runs, as JSON lines.",
            ),
        ],
    ),
    (
        "show",
        &[
            (
                "weft show report",
                "The latest run of a workflow: every task, attempt, exit code, output.",
            ),
            (
                "weft show 7m2k --json",
                "A run by a unique prefix of its id, as JSON.",
            ),
        ],
    ),
    (
        "logs",
        &[
            ("weft logs report", "All output of the run, task by task."),
            (
                "weft logs report fetch --attempt 2",
                "One attempt of one task.",
            ),
            (
                "weft logs -f report",
                "Follow a run another process is running.",
            ),
            (
                "weft logs report transform --tail 20",
                "The last lines, read from the end of the log.",
            ),
        ],
    ),
    (
        "output",
        &[(
            "version=$(weft output build make version)",
            "One output value, for a script.",
        )],
    ),
    (
        "retry",
        &[
            (
                "weft retry report",
                "Rerun what did not succeed and what follows it.",
            ),
            (
                "weft retry report --from transform",
                "Rerun a task and everything after it.",
            ),
        ],
    ),
    (
        "submit",
        &[(
            "id=$(weft submit nightly.yaml)",
            "Hand a run to the daemon; prints its id.",
        )],
    ),
    (
        "wait",
        &[(
            "weft wait \"$a\" \"$b\"",
            "Wait for runs to end; the exit code is 1 if any failed.",
        )],
    ),
    (
        "cancel",
        &[("weft cancel report", "Cancel a run the daemon is running.")],
    ),
    (
        "pause",
        &[(
            "weft pause report",
            "Start no new task of the run until it is resumed.",
        )],
    ),
    (
        "resume",
        &[("weft resume report", "Go on with a paused run.")],
    ),
    ("events", &[("weft events", "Follow the daemon's events.")]),
    (
        "attach",
        &[(
            "weft attach report edit",
            "Attach this terminal to an interactive task; Ctrl-] detaches.",
        )],
    ),
    (
        "send",
        &[(
            "weft send report edit ':wq\\r'",
            "Type into an interactive task without attaching.",
        )],
    ),
    (
        "dash",
        &[("weft dash", "The dashboard of live runs, logs and DAGs.")],
    ),
    (
        "daemon",
        &[
            ("weft daemon start", "Start the daemon in the background."),
            (
                "weft daemon status --json",
                "Whether it runs, its pid, runs and schedules.",
            ),
        ],
    ),
    (
        "wrap",
        &[(
            "weft wrap backup --retry 2 --timeout 10m -- ~/bin/backup.sh",
            "Any command with history, retries and a timeout; its output and exit code as its own.",
        )],
    ),
    (
        "cron",
        &[
            (
                "weft cron install nightly.yaml --at '30 2 * * *'",
                "A crontab line that runs the workflow.",
            ),
            (
                "weft cron import",
                "Wrap the crontab's own lines, so their runs are kept.",
            ),
            (
                "weft cron rm backup",
                "Put back the line an imported job came from.",
            ),
        ],
    ),
    (
        "schedule",
        &[
            (
                "weft schedule ls",
                "The schedules the daemon fires, with their next and last fire.",
            ),
            (
                "weft schedule trigger backup -p source=photos",
                "Fire a schedule now.",
            ),
        ],
    ),
    (
        "prune",
        &[
            (
                "weft prune --older-than 30d --dry-run",
                "List the finished runs that ended over 30 days ago, deleting nothing.",
            ),
            (
                "weft prune --keep 100 --workflow nightly",
                "Keep the newest 100 finished runs of nightly, delete the older ones and their logs.",
            ),
            (
                "weft prune --status failed,cancelled --older-than 7d --json",
                "Delete week-old failures and cancellations; print what went as JSON.",
            ),
        ],
    ),
    (
        "add",
        &[(
            "weft add --after \"$id\" -- make deploy",
            "Queue a command to run when another run ends.",
        )],
    ),
];

pub fn man(command: Option<&str>) -> CmdResult {
    let mut out = std::io::stdout().lock();
    if command == Some("workflow") {
        out.write_all(WORKFLOW_PAGE.as_bytes())?;
        return Ok(EXIT_OK);
    }
    let root = Cli::command();
    let (page, name) = match command {
        None => (root, String::new()),
        Some(name) => {
            let Some(sub) = root.find_subcommand(name) else {
                let names: Vec<String> = root
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .chain(["workflow".to_string()])
                    .collect();
                return Err(CmdError::Usage(format!(
                    "no manual page `{name}`; pages: {}",
                    names.join(", ")
                )));
            };
            let page = sub
                .clone()
                // clap wants a static name; the process ends after printing.
                .name(format!("weft-{name}").leak() as &str)
                .bin_name(format!("weft {name}"))
                .version(env!("CARGO_PKG_VERSION"));
            (page, name.to_string())
        }
    };
    let usage = synopsis(&page, &name);
    let page = page.override_usage(usage);
    clap_mangen::Man::new(page).render(&mut out)?;
    let mut extra = String::new();
    if name.is_empty() {
        section(&mut extra, "ENVIRONMENT", ENVIRONMENT);
        section(&mut extra, "FILES", FILES);
        section(&mut extra, "EXIT STATUS", EXIT_STATUS);
    } else {
        section(
            &mut extra,
            "EXIT STATUS",
            &[(
                "0, 1, 2, 3, 75, 130",
                "As for every weft command: see weft(1). weft wrap exits with its command's own code.",
            )],
        );
    }
    if let Some((_, examples)) = EXAMPLES.iter().find(|(n, _)| *n == name) {
        section(&mut extra, "EXAMPLES", examples);
    }
    extra.push_str(".SH \"SEE ALSO\"\n");
    let mut see: Vec<String> = if name.is_empty() {
        Cli::command()
            .get_subcommands()
            .filter(|c| !matches!(c.get_name(), "man" | "completions" | "help"))
            .map(|c| format!("weft\\-{}(1)", roff(c.get_name())))
            .collect()
    } else {
        vec!["weft(1)".to_string()]
    };
    see.push("weft\\-workflow(5)".to_string());
    extra.push_str(&see.join(", "));
    extra.push('\n');
    out.write_all(extra.as_bytes())?;
    Ok(EXIT_OK)
}

/// `weft run [-p|--param KEY=VALUE]... [-d|--detach] FILE`: the command as
/// typed, each option with its value's name.
fn synopsis(cmd: &clap::Command, name: &str) -> String {
    let mut parts = vec![if name.is_empty() {
        "weft".to_string()
    } else {
        format!("weft {name}")
    }];
    let options = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set() && !a.is_global_set());
    for arg in options {
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(s), Some(l)) => format!("-{s}|--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, Some(l)) => format!("--{l}"),
            (None, None) => continue,
        };
        if matches!(flag.as_str(), "-h|--help" | "-V|--version") {
            continue;
        }
        let value = takes_value(arg)
            .then(|| value_name(arg))
            .map_or_else(String::new, |v| format!(" {v}"));
        let repeat = if matches!(arg.get_action(), ArgAction::Append | ArgAction::Count) {
            "..."
        } else {
            ""
        };
        if arg.is_required_set() {
            parts.push(format!("{flag}{value}{repeat}"));
        } else {
            parts.push(format!("[{flag}{value}]{repeat}"));
        }
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let mut v = value_name(arg);
        if matches!(arg.get_action(), ArgAction::Append) || arg.is_last_set() {
            v.push_str("...");
        }
        if arg.is_last_set() {
            v = format!("-- {v}");
        }
        parts.push(if arg.is_required_set() {
            v
        } else {
            format!("[{v}]")
        });
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        parts.push("COMMAND".to_string());
    }
    parts.join(" ")
}

fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
        && arg.get_num_args().is_none_or(|n| n.takes_values())
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .map(|v| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// A section of tagged paragraphs.
fn section(out: &mut String, title: &str, items: &[(&str, &str)]) {
    out.push_str(&format!(".SH \"{title}\"\n"));
    for (tag, text) in items {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(tag), roff(text)));
    }
}

/// Text as roff: backslashes and hyphens escaped, a leading `.` or `'`
/// kept literal.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synopsis_names_the_command_as_typed_with_value_names() {
        let root = Cli::command();
        let run = root.find_subcommand("run").unwrap();
        let s = synopsis(run, "run");
        assert!(s.starts_with("weft run "), "{s}");
        assert!(s.contains("[-p|--param KEY=VALUE]..."), "{s}");
        assert!(s.contains("[-d|--detach]"), "{s}");
        assert!(s.ends_with(" FILE"), "{s}");
        let logs = root.find_subcommand("logs").unwrap();
        let s = synopsis(logs, "logs");
        assert!(s.ends_with("RUN [TASK]"), "{s}");
        let wrap = root.find_subcommand("wrap").unwrap();
        assert!(
            synopsis(wrap, "wrap").contains("NAME"),
            "{}",
            synopsis(wrap, "wrap")
        );
    }

    #[test]
    fn roff_keeps_text_literal() {
        assert_eq!(roff("a-b"), "a\\-b");
        assert_eq!(roff(".hidden"), "\\&.hidden");
        assert_eq!(roff("a\\b"), "a\\eb");
    }

    #[test]
    fn every_command_has_examples() {
        for c in Cli::command().get_subcommands() {
            let name = c.get_name();
            if matches!(name, "man" | "completions" | "help") {
                continue;
            }
            assert!(
                EXAMPLES.iter().any(|(n, _)| *n == name),
                "no examples for `weft {name}`"
            );
        }
    }
}
