# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_weft_global_optspecs
    string join \n home= config= color= h/help V/version
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
complete -c weft -n "__fish_weft_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c weft -n "__fish_weft_needs_command" -f -a "man" -d 'Print the man page (roff); with a command name, that command\'s page'
complete -c weft -n "__fish_weft_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c weft -n "__fish_weft_using_subcommand run" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand run" -s j -l concurrency -d 'Tasks at once (default: the workflow\'s `concurrency`, else the config, else CPUs)' -r
complete -c weft -n "__fish_weft_using_subcommand run" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand run" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand run" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand run" -s q -l quiet -d 'Print nothing but errors; the exit code tells the result'
complete -c weft -n "__fish_weft_using_subcommand run" -l json -d 'Print the run\'s events as JSON lines'
complete -c weft -n "__fish_weft_using_subcommand run" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand validate" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand validate" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand validate" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand validate" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand validate" -s q -l quiet -d 'Print nothing on success'
complete -c weft -n "__fish_weft_using_subcommand validate" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand plan" -s p -l param -d 'Set a workflow parameter (repeatable); also WEFT_PARAM_<KEY>' -r
complete -c weft -n "__fish_weft_using_subcommand plan" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand plan" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand plan" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand plan" -l dot -d 'Print the graph in Graphviz dot format'
complete -c weft -n "__fish_weft_using_subcommand plan" -l json -d 'Print the plan as JSON'
complete -c weft -n "__fish_weft_using_subcommand plan" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand ps" -s w -l workflow -d 'Only runs of this workflow' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -s s -l status -d 'Only runs with this status (running, succeeded, failed, cancelled, interrupted)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -l since -d 'Only runs started within this long ago (e.g. 2h, 7d)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -s n -l limit -d 'How many runs to list (0: all)' -r
complete -c weft -n "__fish_weft_using_subcommand ps" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand ps" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand ps" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand ps" -l json -d 'Print JSON'
complete -c weft -n "__fish_weft_using_subcommand ps" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand runs" -s w -l workflow -d 'Only runs of this workflow' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -s s -l status -d 'Only runs with this status (running, succeeded, failed, cancelled, interrupted)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -l since -d 'Only runs started within this long ago (e.g. 2h, 7d)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -s n -l limit -d 'How many runs to list (0: all)' -r
complete -c weft -n "__fish_weft_using_subcommand runs" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand runs" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand runs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand runs" -l json -d 'Print JSON'
complete -c weft -n "__fish_weft_using_subcommand runs" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand show" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand show" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand show" -l json
complete -c weft -n "__fish_weft_using_subcommand show" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand logs" -l attempt -d 'Only this attempt (default: all)' -r
complete -c weft -n "__fish_weft_using_subcommand logs" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand logs" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand logs" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand logs" -s f -l follow -d 'Keep printing until the run ends'
complete -c weft -n "__fish_weft_using_subcommand logs" -l json -d 'Print JSON lines: task, attempt, stream, time, text'
complete -c weft -n "__fish_weft_using_subcommand logs" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand output" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand output" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand output" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand output" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand retry" -l from -d 'Rerun this task and everything after it, even if they succeeded' -r
complete -c weft -n "__fish_weft_using_subcommand retry" -s j -l concurrency -r
complete -c weft -n "__fish_weft_using_subcommand retry" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand retry" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand retry" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand retry" -s q -l quiet -d 'Print nothing but errors; the exit code tells the result'
complete -c weft -n "__fish_weft_using_subcommand retry" -l json -d 'Print the run\'s events as JSON lines'
complete -c weft -n "__fish_weft_using_subcommand retry" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand completions" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand completions" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand completions" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand completions" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand man" -l home -d 'Keep everything (config, database, logs) under this folder' -r -F
complete -c weft -n "__fish_weft_using_subcommand man" -l config -d 'Read this config file instead of the default one' -r -F
complete -c weft -n "__fish_weft_using_subcommand man" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c weft -n "__fish_weft_using_subcommand man" -s h -l help -d 'Print help'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "run" -d 'Run a workflow in the foreground, showing its progress'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "validate" -d 'Check workflow files and report every problem'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "plan" -d 'Show what a workflow would do: levels, params, what would be skipped'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "ps" -d 'List runs, newest first'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "show" -d 'Show one run: every task with status, attempts, exit code, duration, outputs'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "logs" -d 'Print a run\'s or a task\'s output; -f follows a run still going'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "output" -d 'Print one output value of a task (for scripts)'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "retry" -d 'Run the failed part of a run again, reusing what succeeded'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "man" -d 'Print the man page (roff); with a command name, that command\'s page'
complete -c weft -n "__fish_weft_using_subcommand help; and not __fish_seen_subcommand_from run validate plan ps show logs output retry completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
