# Shared by bench/run.sh, bench/daemon.sh and bench/dash.sh (sourced, not
# run): stopping with a message, the release binary to measure, and
# stopping the processes a benchmark started. Expects REPO to be set.

die() { echo "bench: $*" >&2; exit 1; }

# build_weft: sets SRC_BIN to the weft binary to measure: WEFT_BENCH_BIN,
# or target/release/weft after `cargo build --release` (skipped with
# WEFT_BENCH_NO_BUILD=1).
build_weft() {
    if [[ -n ${WEFT_BENCH_BIN:-} ]]; then
        SRC_BIN=$WEFT_BENCH_BIN
    else
        if [[ -z ${WEFT_BENCH_NO_BUILD:-} ]]; then
            echo "bench: cargo build --release" >&2
            (cd "$REPO" && cargo build --release --quiet) || die "build failed"
        fi
        SRC_BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/weft
    fi
    [[ -x $SRC_BIN ]] || die "no weft binary at $SRC_BIN"
}

# alive PID: a positive pid whose process still exists (and is not a zombie).
alive() {
    [[ $1 =~ ^[1-9][0-9]*$ ]] || return 1
    [[ -e /proc/$1 ]] || return 1
    [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# stop_pid PID: TERM, then KILL, to that single process only.
stop_pid() {
    local pid=$1 i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# stop_weft_daemon: `weft daemon stop` for the daemon DAEMON_PID of
# HOME_DIR (binary WEFT), then signals if it is still there.
stop_weft_daemon() {
    [[ -n ${DAEMON_PID:-} ]] || return 0
    WEFT_HOME=$HOME_DIR "$WEFT" daemon stop >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do
        alive "$DAEMON_PID" || break
        sleep 0.1
    done
    if alive "$DAEMON_PID"; then
        echo "bench: warning: weft daemon $DAEMON_PID did not stop; sending it SIGTERM" >&2
        stop_pid "$DAEMON_PID"
    fi
    DAEMON_PID=""
}

# helper ARGS...: runs the script's python helper ($PY $HELPER) in the
# background and waits for it, so a signal to the script is handled at once
# (its trap stops the helper, then the daemons), not when the helper is done.
HELPER_PID=""
helper() {
    "$PY" "$HELPER" "$@" &
    HELPER_PID=$!
    local rc=0
    wait "$HELPER_PID" || rc=$?
    HELPER_PID=""
    return "$rc"
}
