#!/usr/bin/env bash
# weft dashboard benchmark: frame draw times and memory of `weft dash` with
# 10,000 runs in the store and a task's 10 MB log, and how it follows a log
# written at 50 MB/s, side by side with `tail -f` and `less +F`.
#
#   bash bench/dash.sh
#
# Environment:
#   WEFT_BENCH_NO_BUILD=1      skip `cargo build --release`
#   WEFT_BENCH_BIN=PATH        benchmark this weft binary (implies no build)
#   WEFT_BENCH_BIN_LABEL=TEXT  how to name that binary in the report
#   WEFT_BENCH_RUNS=N          runs in the store (default 10000)
#   WEFT_BENCH_LOG_MB=M        the big task's log, in MB (default 10)
#   WEFT_BENCH_FLOOD_MBPS=R    the flooding task's rate, MB/s (default 50)
#   WEFT_BENCH_FLOOD_SECS=S    for how long (default 5)
#   WEFT_BENCH_FLOOD_REPS=K    floods per viewer (default 2)
#   WEFT_BENCH_IDLE_WAIT=S     before each timed phase wait up to S seconds for
#                              running compilers (rustc, cc1, ld) to finish and
#                              the machine to be under half a CPU busy (default 300)
#   WEFT_BENCH_KEEP=1          keep the temp dir (results.json has every sample)
#   TMPDIR                     where the temp dir (and the WEFT_HOME) goes
#
# Needs python3 (3.11+), tmux (3.2+), and less for the `less +F` peer.
# See bench/README.md, "The dashboard", for what is measured and how.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

RUNS=${WEFT_BENCH_RUNS:-10000}
LOG_MB=${WEFT_BENCH_LOG_MB:-10}
FLOOD_MBPS=${WEFT_BENCH_FLOOD_MBPS:-50}
FLOOD_SECS=${WEFT_BENCH_FLOOD_SECS:-5}
FLOOD_REPS=${WEFT_BENCH_FLOOD_REPS:-2}
IDLE_WAIT=${WEFT_BENCH_IDLE_WAIT:-300}

for v in RUNS LOG_MB FLOOD_MBPS FLOOD_SECS FLOOD_REPS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ $IDLE_WAIT =~ ^[0-9]+$ ]] || die "WEFT_BENCH_IDLE_WAIT must be a number of seconds"

HELPER=$REPO/bench/dash_bench.py
PY=$(command -v python3) || die "python3 (3.11 or later) is required"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 must be 3.11 or later"
command -v tmux >/dev/null || die "tmux is required (apt-get install tmux)"
LESS_FLAG=""
if command -v less >/dev/null; then LESS_FLAG=--less; fi

# --- build -------------------------------------------------------------------
build_weft

# A quiet machine: dash_bench.py waits before each timed phase (up to
# IDLE_WAIT s) until no compiler or linker runs and the machine is less than
# half a CPU busy; the report says how busy each phase was.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weft-dash-bench.XXXXXX")
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR"
WEFT=$WORK/weft
cp "$SRC_BIN" "$WEFT" # a private copy: target/ may be rebuilt meanwhile

DAEMON_PID=""
# The private tmux servers the helper starts (one socket each under $WORK).
stop_tmux_servers() {
    local s
    for s in "$WORK"/tmux-*.sock; do
        [[ -S $s ]] && tmux -S "$s" kill-server >/dev/null 2>&1 || true
    done
}
cleanup() {
    if [[ -n $HELPER_PID ]]; then
        stop_pid "$HELPER_PID"
        wait "$HELPER_PID" 2>/dev/null || true
    fi
    stop_tmux_servers
    stop_weft_daemon
    if [[ -n ${WEFT_BENCH_KEEP:-} ]]; then
        echo "bench: kept $WORK (results.json: every sample)" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export WEFT_NO_AUTOSTART=true
echo "bench: weft dash: $RUNS runs, a ${LOG_MB} MB log, a ${FLOOD_MBPS} MB/s x ${FLOOD_SECS} s flood x $FLOOD_REPS; dir=$WORK ($(df -PT "$WORK" | awk 'NR==2{print $2}')); $(uptime | sed 's/^ *//')" >&2
WEFT_HOME=$HOME_DIR "$WEFT" daemon start >/dev/null || die "weft daemon start failed"
DAEMON_PID=$(WEFT_HOME=$HOME_DIR "$WEFT" daemon status --json |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["pid"])') || die "weft daemon status --json failed"
alive "$DAEMON_PID" || die "no daemon process $DAEMON_PID"
helper run --weft "$WEFT" --home "$HOME_DIR" --work "$WORK" --pid "$DAEMON_PID" \
    --out "$WORK/results.json" --runs "$RUNS" --log-mb "$LOG_MB" \
    --flood-mbps "$FLOOD_MBPS" --flood-secs "$FLOOD_SECS" --flood-reps "$FLOOD_REPS" \
    --idle-wait "$IDLE_WAIT" $LESS_FLAG
stop_weft_daemon

commit=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$REPO" && git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo "+dirty" || true)
if [[ -n ${WEFT_BENCH_BIN:-} ]]; then
    what="weft binary ${WEFT_BENCH_BIN_LABEL:-$WEFT_BENCH_BIN} (repo at $commit$dirty)"
else
    what="weft $commit$dirty"
fi
echo
echo "weft dash bench: $(nproc) CPUs, $what, $(date -u +%Y-%m-%dT%H:%MZ)"
"$PY" "$HELPER" report "$WORK/results.json"
