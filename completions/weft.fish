# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_weft_global_optspecs
    string join \n home= config= color= no-autostart h/help V/version
end

function __fish_weft_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_weft_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_weft_using_subcommand
    set -l cmd (__fish_weft_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c weft -n "__fish_weft_needs_command" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_needs_command" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_needs_command" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c weft -n "__fish_weft_needs_command" -s V -l version -d 'Print version'
complete -c weft -n "__fish_weft_needs_command" -f -a "run" -d 'Run a workflow in the foreground, showing its progress'
complete -c weft -n "__fish_weft_needs_command" -f -a "validate" -d 'Check workflow files and report every problem'
complete -c weft -n "__fish_weft_needs_command" -f -a "plan" -d 'Show what a workflow would do: levels, params, what would be skipped'
complete -c weft -n "__fish_weft_needs_command" -f -a "ps" -d 'List runs, newest first'
complete -c weft -n "__fish_weft_needs_command" -f -a "runs" -d 'List runs, newest first'
complete -c weft -n "__fish_weft_needs_command" -f -a "show" -d 'Show one run: every task with status, attempts, exit code, duration, outputs'
complete -c weft -n "__fish_weft_needs_command" -f -a "logs" -d 'Print a run\'s or a task\'s output; -f follows a run still going'
complete -c weft -n "__fish_weft_needs_command" -f -a "output" -d 'Print one output value of a task (for scripts)'
complete -c weft -n "__fish_weft_needs_command" -f -a "retry" -d 'Run the failed part of a run again, reusing what succeeded'
complete -c weft -n "__fish_weft_needs_command" -f -a "submit" -d 'Hand a workflow to the daemon and print the run id at once'
complete -c weft -n "__fish_weft_needs_command" -f -a "wait" -d 'Wait for runs to end; exit 0 when all succeeded, 1 when any failed'
complete -c weft -n "__fish_weft_needs_command" -f -a "cancel" -d 'Cancel a run the daemon is driving: its tasks are stopped'
complete -c weft -n "__fish_weft_needs_command" -f -a "pause" -d 'Pause a daemon run: no new task starts (running ones go on, or stop with --signal)'
complete -c weft -n "__fish_weft_needs_command" -f -a "resume" -d 'Resume a paused run'
complete -c weft -n "__fish_weft_needs_command" -f -a "events" -d 'Print run and task state changes as JSON lines; -f follows them live'
complete -c weft -n "__fish_weft_needs_command" -f -a "attach" -d 'Attach this terminal to an interactive task (Ctrl-] detaches)'
complete -c weft -n "__fish_weft_needs_command" -f -a "send" -d 'Type text into an interactive task\'s terminal (for scripts)'
complete -c weft -n "__fish_weft_needs_command" -f -a "dash" -d 'The dashboard: live runs, their graphs, timelines and logs, and terminals of interactive tasks'
complete -c weft -n "__fish_weft_needs_command" -f -a "daemon" -d 'Start, stop, inspect or install the background daemon'
complete -c weft -n "__fish_weft_needs_command" -f -a "wrap" -d 'Run any command as a one-task run: history, logs, retries, timeout, its exit code'
complete -c weft -n "__fish_weft_needs_command" -f -a "cron" -d 'Manage weft\'s lines in your crontab: install, ls, rm, import'
complete -c weft -n "__fish_weft_needs_command" -f -a "schedule" -d 'The daemon\'s scheduled workflows: list, pause, resume, fire now'
complete -c weft -n "__fish_weft_needs_command" -f -a "add" -d 'Queue a one-task run of a shell command on the daemon'
complete -c weft -n "__fish_weft_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c weft -n "__fish_weft_needs_command" -f -a "man" -d 'Print the man page (roff); with a command name, that command\'s page'
complete -c weft -n "__fish_weft_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand run" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand run" -s j -l concurrency -d 'Tasks at once (default: the workflow\'s `concurrency`, else the config, else CPUs)' -r
complete -c weft -n "__fish_weft_using_subcommand run" -l overlap -d 'If a run of this workflow is going: skip (exit 75), queue (wait for it) or allow' -r
complete -c weft -n "__fish_weft_using_subcommand run" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand run" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand run" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand run" -s d -l detach -d 'Hand the run to the daemon and print its id instead of running it here'
complete -c weft -n "__fish_weft_using_subcommand run" -s q -l quiet -d 'Print nothing but errors; the exit code tells the result'
complete -c weft -n "__fish_weft_using_subcommand run" -l json -d 'Print the run\'s events as JSON lines'
complete -c weft -n "__fish_weft_using_subcommand run" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand run" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand validate" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand validate" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand validate" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand validate" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand validate" -s q -l quiet -d 'Print nothing on success'
complete -c weft -n "__fish_weft_using_subcommand validate" -l json -d 'Print a JSON list: each file with its workflow or its problems'
complete -c weft -n "__fish_weft_using_subcommand validate" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand validate" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand plan" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand plan" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand plan" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand plan" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand plan" -l dot -d 'Print the graph in Graphviz dot format'
complete -c weft -n "__fish_weft_using_subcommand plan" -l json -d 'Print the plan as JSON'
complete -c weft -n "__fish_weft_using_subcommand plan" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand plan" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand ps" -s w -l workflow -d 'Only runs of this workflow' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -s s -l status -d 'Only runs with this status (queued, running, paused, succeeded, failed, cancelled, interrupted)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -l since -d 'Only runs started within this long ago (e.g. 2h, 7d)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -s n -l limit -d 'How many runs to list (0: all)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand ps" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand ps" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand ps" -l json -d 'Print JSON'
complete -c weft -n "__fish_weft_using_subcommand ps" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand ps" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand runs" -s w -l workflow -d 'Only runs of this workflow' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -s s -l status -d 'Only runs with this status (queued, running, paused, succeeded, failed, cancelled, interrupted)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -l since -d 'Only runs started within this long ago (e.g. 2h, 7d)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -s n -l limit -d 'How many runs to list (0: all)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand runs" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand runs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand runs" -l json -d 'Print JSON'
complete -c weft -n "__fish_weft_using_subcommand runs" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand runs" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand show" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand show" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand show" -l json
complete -c weft -n "__fish_weft_using_subcommand show" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand show" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand logs" -l attempt -d 'Only this attempt (default: all)' -r
complete -c weft -n "__fish_weft_using_subcommand logs" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand logs" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand logs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand logs" -s f -l follow -d 'Keep printing until the run ends'
complete -c weft -n "__fish_weft_using_subcommand logs" -l json -d 'Print JSON lines: task, attempt, stream, time, text'
complete -c weft -n "__fish_weft_using_subcommand logs" -l raw -d 'Show terminal output as it was written, escape sequences included'
complete -c weft -n "__fish_weft_using_subcommand logs" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand logs" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand output" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand output" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand output" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand output" -l json -d 'Print {run, task, key, value}'
complete -c weft -n "__fish_weft_using_subcommand output" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand output" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand retry" -l from -d 'Rerun this task and everything after it, even if they succeeded' -r
complete -c weft -n "__fish_weft_using_subcommand retry" -s j -l concurrency -r
complete -c weft -n "__fish_weft_using_subcommand retry" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand retry" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand retry" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand retry" -s d -l detach -d 'Hand the new run to the daemon and print its id'
complete -c weft -n "__fish_weft_using_subcommand retry" -s q -l quiet -d 'Print nothing but errors; the exit code tells the result'
complete -c weft -n "__fish_weft_using_subcommand retry" -l json -d 'Print the run\'s events as JSON lines'
complete -c weft -n "__fish_weft_using_subcommand retry" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand retry" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand submit" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand submit" -s j -l concurrency -r
complete -c weft -n "__fish_weft_using_subcommand submit" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand submit" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand submit" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand submit" -s q -l quiet -d 'Print only the run id (for scripts)'
complete -c weft -n "__fish_weft_using_subcommand submit" -l json -d 'Print {run, workflow}'
complete -c weft -n "__fish_weft_using_subcommand submit" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand submit" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand wait" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand wait" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand wait" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand wait" -l json -d 'Print one JSON line per run as it ends: {run, status}'
complete -c weft -n "__fish_weft_using_subcommand wait" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c weft -n "__fish_weft_using_subcommand cancel" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cancel" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cancel" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cancel" -l json -d 'Print {run, status}'
complete -c weft -n "__fish_weft_using_subcommand cancel" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cancel" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand pause" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand pause" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand pause" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand pause" -l json -d 'Print {run, status}'
complete -c weft -n "__fish_weft_using_subcommand pause" -l signal -d 'Also stop running tasks with SIGSTOP (resume sends SIGCONT)'
complete -c weft -n "__fish_weft_using_subcommand pause" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand pause" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand resume" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand resume" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand resume" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand resume" -l json -d 'Print {run, status}'
complete -c weft -n "__fish_weft_using_subcommand resume" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand resume" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand events" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand events" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand events" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand events" -s f -l follow -d 'Keep printing events as they happen'
complete -c weft -n "__fish_weft_using_subcommand events" -l json -d 'Print the JSON lines exactly as the API sends them'
complete -c weft -n "__fish_weft_using_subcommand events" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand events" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand attach" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand attach" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand attach" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand attach" -l read-only -d 'Watch without typing'
complete -c weft -n "__fish_weft_using_subcommand attach" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand attach" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand send" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand send" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand send" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand send" -l enter -d 'Press Enter after the text'
complete -c weft -n "__fish_weft_using_subcommand send" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand send" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand dash" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand dash" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand dash" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand dash" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand dash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "start" -d 'Start the daemon in the background'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "run" -d 'Run the daemon in the foreground (for systemd, containers)'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "stop" -d 'Stop the daemon: running tasks get SIGTERM and their grace period'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "status" -d 'Show the daemon\'s pid, uptime, version, socket and running runs'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "install" -d 'Write a systemd user unit (a launchd agent on macOS) and say how to enable it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "reload" -d 'Reread the workflow folders now (as SIGHUP does)'
complete -c weft -n "__fish_weft_using_subcommand daemon; and not __fish_seen_subcommand_from start run stop status install reload help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from start" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from start" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from start" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from start" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from run" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from run" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from run" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from run" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -l json
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -l print -d 'Print the unit instead of writing it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from reload" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start the daemon in the background'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run the daemon in the foreground (for systemd, containers)'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the daemon: running tasks get SIGTERM and their grace period'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the daemon\'s pid, uptime, version, socket and running runs'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "install" -d 'Write a systemd user unit (a launchd agent on macOS) and say how to enable it'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "reload" -d 'Reread the workflow folders now (as SIGHUP does)'
complete -c weft -n "__fish_weft_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand wrap" -l retry -d 'Run the command again up to N times when it fails' -r
complete -c weft -n "__fish_weft_using_subcommand wrap" -l timeout -d 'Stop the command (its whole process group) after this long, e.g. 30s, 10m' -r
complete -c weft -n "__fish_weft_using_subcommand wrap" -l overlap -d 'If a run of NAME is going: skip (exit 75), queue (wait for it) or allow' -r
complete -c weft -n "__fish_weft_using_subcommand wrap" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand wrap" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand wrap" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand wrap" -s q -l quiet -d 'Print nothing but errors; the exit code tells the result'
complete -c weft -n "__fish_weft_using_subcommand wrap" -l json -d 'Print the run\'s events as JSON lines'
complete -c weft -n "__fish_weft_using_subcommand wrap" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand wrap" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -f -a "install" -d 'Add a crontab line that runs a workflow with `weft run` at EXPR'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -f -a "ls" -d 'List weft\'s lines in your crontab (no other line)'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -f -a "rm" -d 'Remove weft\'s lines by id or workflow file; other lines stay as they are'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -f -a "import" -d 'Turn your other crontab lines into `weft wrap` lines; shows the change, --apply makes it'
complete -c weft -n "__fish_weft_using_subcommand cron; and not __fish_seen_subcommand_from install ls rm import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l at -d 'When: five cron fields (`30 2 * * *`) or @hourly, @daily, @weekly... (default: the workflow\'s own `cron:` schedule, when crontab can say it)' -r
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l overlap -d 'Written into the line as `weft run --overlap POLICY`' -r
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l id -d 'The line\'s id (default: the workflow\'s name)' -r
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l crontab -d 'The crontab program to read and write the table with' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l crontab -d 'The crontab program to read and write the table with' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l json
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -l crontab -d 'The crontab program to read and write the table with' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l workflows -d 'Write one workflow file per line (with `schedule:`) into DIR instead' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l crontab -d 'The crontab program to read and write the table with' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l apply -d 'Change the crontab (and write the files); without it nothing changes'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add a crontab line that runs a workflow with `weft run` at EXPR'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List weft\'s lines in your crontab (no other line)'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove weft\'s lines by id or workflow file; other lines stay as they are'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from help" -f -a "import" -d 'Turn your other crontab lines into `weft wrap` lines; shows the change, --apply makes it'
complete -c weft -n "__fish_weft_using_subcommand cron; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "ls" -d 'Workflows with schedules: expression in words, timezone, next fires, last result'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "pause" -d 'Stop firing a workflow\'s schedules (fires due while paused are dropped)'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "resume" -d 'Fire a paused workflow\'s schedules again'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "trigger" -d 'Fire a workflow now (its overlap policy applies); prints the run id'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "export" -d 'Write a systemd .timer and .service pair that run a workflow file on its schedule'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "fires" -d 'A workflow\'s fires, newest first: time, schedule, outcome, run'
complete -c weft -n "__fish_weft_using_subcommand schedule; and not __fish_seen_subcommand_from ls pause resume trigger export fires help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -s a -l all -d 'Also list workflows without a schedule'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -l json
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from pause" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from pause" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from pause" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from pause" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from resume" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from resume" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from resume" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from resume" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from trigger" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l dir -d 'Where to write them (default: the systemd user folder)' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l systemd -d 'Write systemd units (the only format so far)'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l print -d 'Print both units instead of writing them'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -s n -l limit -d 'How many (0: all)' -r
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -l json
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from fires" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "ls" -d 'Workflows with schedules: expression in words, timezone, next fires, last result'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Stop firing a workflow\'s schedules (fires due while paused are dropped)'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Fire a paused workflow\'s schedules again'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "trigger" -d 'Fire a workflow now (its overlap policy applies); prints the run id'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write a systemd .timer and .service pair that run a workflow file on its schedule'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "fires" -d 'A workflow\'s fires, newest first: time, schedule, outcome, run'
complete -c weft -n "__fish_weft_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand add" -l after -d 'Start only once this run has ended, whatever its result (a run id, prefix, or a queued run\'s id)' -r
complete -c weft -n "__fish_weft_using_subcommand add" -l name -d 'The workflow name the run is listed under (default: the command\'s program)' -r
complete -c weft -n "__fish_weft_using_subcommand add" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand add" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand add" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand add" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand add" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand completions" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand completions" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand completions" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand completions" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand completions" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand man" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand man" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand man" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand man" -l no-autostart -d 'Fail (exit 3) instead of starting the daemon when a command needs it'
complete -c weft -n "__fish_weft_using_subcommand man" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "run" -d 'Run a workflow in the foreground, showing its progress'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "validate" -d 'Check workflow files and report every problem'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "plan" -d 'Show what a workflow would do: levels, params, what would be skipped'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "ps" -d 'List runs, newest first'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "show" -d 'Show one run: every task with status, attempts, exit code, duration, outputs'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "logs" -d 'Print a run\'s or a task\'s output; -f follows a run still going'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "output" -d 'Print one output value of a task (for scripts)'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "retry" -d 'Run the failed part of a run again, reusing what succeeded'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "submit" -d 'Hand a workflow to the daemon and print the run id at once'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "wait" -d 'Wait for runs to end; exit 0 when all succeeded, 1 when any failed'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "cancel" -d 'Cancel a run the daemon is driving: its tasks are stopped'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "pause" -d 'Pause a daemon run: no new task starts (running ones go on, or stop with --signal)'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "resume" -d 'Resume a paused run'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "events" -d 'Print run and task state changes as JSON lines; -f follows them live'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "attach" -d 'Attach this terminal to an interactive task (Ctrl-] detaches)'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "send" -d 'Type text into an interactive task\'s terminal (for scripts)'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "dash" -d 'The dashboard: live runs, their graphs, timelines and logs, and terminals of interactive tasks'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "daemon" -d 'Start, stop, inspect or install the background daemon'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "wrap" -d 'Run any command as a one-task run: history, logs, retries, timeout, its exit code'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "cron" -d 'Manage weft\'s lines in your crontab: install, ls, rm, import'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "schedule" -d 'The daemon\'s scheduled workflows: list, pause, resume, fire now'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "add" -d 'Queue a one-task run of a shell command on the daemon'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "man" -d 'Print the man page (roff); with a command name, that command\'s page'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry submit wait cancel pause resume events attach send dash daemon wrap cron schedule add completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "start" -d 'Start the daemon in the background'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "run" -d 'Run the daemon in the foreground (for systemd, containers)'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "stop" -d 'Stop the daemon: running tasks get SIGTERM and their grace period'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "status" -d 'Show the daemon\'s pid, uptime, version, socket and running runs'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "install" -d 'Write a systemd user unit (a launchd agent on macOS) and say how to enable it'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "reload" -d 'Reread the workflow folders now (as SIGHUP does)'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from cron" -f -a "install" -d 'Add a crontab line that runs a workflow with `weft run` at EXPR'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from cron" -f -a "ls" -d 'List weft\'s lines in your crontab (no other line)'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from cron" -f -a "rm" -d 'Remove weft\'s lines by id or workflow file; other lines stay as they are'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from cron" -f -a "import" -d 'Turn your other crontab lines into `weft wrap` lines; shows the change, --apply makes it'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "ls" -d 'Workflows with schedules: expression in words, timezone, next fires, last result'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "pause" -d 'Stop firing a workflow\'s schedules (fires due while paused are dropped)'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "resume" -d 'Fire a paused workflow\'s schedules again'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "trigger" -d 'Fire a workflow now (its overlap policy applies); prints the run id'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "export" -d 'Write a systemd .timer and .service pair that run a workflow file on its schedule'
complete -c weft -n "__fish_weft_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "fires" -d 'A workflow\'s fires, newest first: time, schedule, outcome, run'
