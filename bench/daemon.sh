#!/usr/bin/env bash
# weft daemon benchmark: submit-to-start latency, attach-to-first-repaint
# latency, and the daemon's memory; optionally against pueue.
#
#   bash bench/daemon.sh            # also run at the end of bash bench/run.sh
#
# Environment:
#   WEFT_BENCH_NO_BUILD=1     skip `cargo build --release`
#   WEFT_BENCH_BIN=PATH       benchmark this weft binary (implies no build)
#   WEFT_BENCH_BIN_LABEL=TEXT how to name that binary in the report
#   WEFT_BENCH_SUBMITS=N      submissions per latency measurement (default 200)
#   WEFT_BENCH_ATTACHES=N     attaches (and `weft --version`s) (default 50)
#   WEFT_BENCH_PUEUE_DIR=DIR  a folder with `pueue` and `pueued` to compare with
#                             (default: both on PATH, if they are)
#   WEFT_BENCH_PUEUE_BUILD=1  no pueue? `cargo install pueue` into the temp dir
#                             first (several minutes on 2 cores)
#   WEFT_BENCH_PUEUE_ADDS=N   pueue adds to time (default 50)
#   WEFT_BENCH_IDLE_WAIT=S    wait up to S seconds for running compilers
#                             (rustc, cc1, ld) to finish first (default 300)
#   WEFT_BENCH_KEEP=1         keep the temp dir (results.json has every sample)
#   TMPDIR                    where the temp dir (and the WEFT_HOME) goes
#
# See bench/README.md, "The daemon", for what is measured and how.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

SUBMITS=${WEFT_BENCH_SUBMITS:-200}
ATTACHES=${WEFT_BENCH_ATTACHES:-50}
PUEUE_ADDS=${WEFT_BENCH_PUEUE_ADDS:-50}
IDLE_WAIT=${WEFT_BENCH_IDLE_WAIT:-300}

for v in SUBMITS ATTACHES PUEUE_ADDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ $IDLE_WAIT =~ ^[0-9]+$ ]] || die "WEFT_BENCH_IDLE_WAIT must be a number of seconds"

HELPER=$REPO/bench/daemon_bench.py
PY=$(command -v python3) || die "python3 (3.11 or later) is required"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 must be 3.11 or later"

# --- build -------------------------------------------------------------------
build_weft

# --- a quiet machine -----------------------------------------------------------
# Someone compiling or running tests on a 2-core machine makes every latency
# here meaningless: wait (up to IDLE_WAIT s) until no compiler or linker runs
# and the machine was less than half a CPU busy over a second.
busy_compilers() { ps -eo comm= | grep -cxE 'rustc|cc1|cc1plus|ld|ld\.lld|ld\.gold|mold|collect2' || true; }
cpu_busy() { # busy jiffies of all CPUs: user nice system irq softirq steal
    local f
    read -r -a f </proc/stat
    echo $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8]))
}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
machine_busy() { # prints how many CPUs were busy over the next second, x100
    local b0 b1
    b0=$(cpu_busy)
    sleep 1
    b1=$(cpu_busy)
    echo $(((b1 - b0) * 100 / HZ))
}
waited=0
while :; do
    compilers=$(busy_compilers)
    busy=$(machine_busy)
    if ((compilers == 0 && busy < 50)); then
        break
    fi
    if ((waited >= IDLE_WAIT)); then
        echo "bench: warning: still busy after ${IDLE_WAIT}s ($compilers compiler processes, $((busy))% of a CPU); measuring anyway (see 'other CPU s' below)" >&2
        break
    fi
    ((waited == 0)) && echo "bench: the machine is busy ($compilers compiler processes, $((busy))% of a CPU); waiting up to ${IDLE_WAIT}s" >&2
    sleep 4
    waited=$((waited + 5))
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weft-daemon-bench.XXXXXX")
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR"
WEFT=$WORK/weft
cp "$SRC_BIN" "$WEFT" # a private copy: target/ may be rebuilt meanwhile

DAEMON_PID=""
PUEUED_PID=""
PUEUE=""
PUEUED=""
PUEUE_CFG=$WORK/pueue/pueue.yml

stop_pueued() {
    [[ -n $PUEUED_PID ]] || return 0
    "$PUEUE" -c "$PUEUE_CFG" shutdown >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do
        alive "$PUEUED_PID" || break
        sleep 0.1
    done
    stop_pid "$PUEUED_PID"
    wait "$PUEUED_PID" 2>/dev/null || true
    PUEUED_PID=""
}
cleanup() {
    if [[ -n $HELPER_PID ]]; then
        stop_pid "$HELPER_PID"
        wait "$HELPER_PID" 2>/dev/null || true
    fi
    stop_weft_daemon
    stop_pueued
    if [[ -n ${WEFT_BENCH_KEEP:-} ]]; then
        echo "bench: kept $WORK (results.json, pueue.json: every sample)" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- workflows -----------------------------------------------------------------
cat >"$WORK/one-true.yaml" <<'EOF'
name: one-true
tasks:
  t: { run: "true" }
EOF
cat >"$WORK/one-date.yaml" <<'EOF'
name: one-date
tasks:
  t: { run: "date +%s.%N" }
EOF
cat >"$WORK/attach.yaml" <<'EOF'
name: attach
tasks:
  shell:
    interactive: true
    run: "echo ready; read x"
EOF
for f in one-true one-date attach; do
    WEFT_HOME=$HOME_DIR "$WEFT" validate "$WORK/$f.yaml" >/dev/null || die "$f.yaml does not validate"
done

# --- weft ----------------------------------------------------------------------
# `true`, not `1`: weft (aae272a) rejects WEFT_NO_AUTOSTART=1, see the README section.
export WEFT_NO_AUTOSTART=true
echo "bench: weft daemon: $SUBMITS submissions, $ATTACHES attaches; dir=$WORK ($(df -PT "$WORK" | awk 'NR==2{print $2}')); $(uptime | sed 's/^ *//')" >&2
WEFT_HOME=$HOME_DIR "$WEFT" daemon start >/dev/null || die "weft daemon start failed"
DAEMON_PID=$(WEFT_HOME=$HOME_DIR "$WEFT" daemon status --json |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["pid"])') || die "weft daemon status --json failed"
alive "$DAEMON_PID" || die "no daemon process $DAEMON_PID"
helper weft --weft "$WEFT" --home "$HOME_DIR" --work "$WORK" --pid "$DAEMON_PID" \
    --out "$WORK/results.json" -n "$SUBMITS" --attaches "$ATTACHES"
stop_weft_daemon

# --- pueue -----------------------------------------------------------------------
PUEUE_NOTE=""
if [[ -n ${WEFT_BENCH_PUEUE_DIR:-} ]]; then
    PUEUE=$WEFT_BENCH_PUEUE_DIR/pueue
    PUEUED=$WEFT_BENCH_PUEUE_DIR/pueued
elif command -v pueue >/dev/null && command -v pueued >/dev/null; then
    PUEUE=$(command -v pueue)
    PUEUED=$(command -v pueued)
elif [[ -n ${WEFT_BENCH_PUEUE_BUILD:-} ]]; then
    echo "bench: cargo install pueue (into $WORK/pueue-root; several minutes)" >&2
    if CARGO_TARGET_DIR=$WORK/pueue-target cargo install --quiet pueue --root "$WORK/pueue-root" >&2; then
        PUEUE=$WORK/pueue-root/bin/pueue
        PUEUED=$WORK/pueue-root/bin/pueued
    else
        PUEUE_NOTE="skipped: cargo install pueue failed"
    fi
else
    PUEUE_NOTE="skipped: no pueue; set WEFT_BENCH_PUEUE_DIR, put pueue on PATH, or WEFT_BENCH_PUEUE_BUILD=1"
fi
if [[ -n $PUEUE ]]; then
    if [[ -x $PUEUE && -x $PUEUED ]]; then
        mkdir -p "$WORK/pueue/data" "$WORK/pueue/run"
        cat >"$PUEUE_CFG" <<EOF
shared:
  pueue_directory: $WORK/pueue/data
  runtime_directory: $WORK/pueue/run
  use_unix_socket: true
  unix_socket_path: $WORK/pueue/run/pueue.sock
EOF
        echo "bench: pueue: $("$PUEUE" --version), $PUEUE_ADDS adds" >&2
        "$PUEUED" -c "$PUEUE_CFG" >"$WORK/pueue/pueued.out" 2>&1 &
        PUEUED_PID=$!
        for ((i = 0; i < 100; i++)); do
            "$PUEUE" -c "$PUEUE_CFG" status >/dev/null 2>&1 && break
            alive "$PUEUED_PID" || break
            sleep 0.1
        done
        if "$PUEUE" -c "$PUEUE_CFG" status >/dev/null 2>&1; then
            helper pueue --pueue "$PUEUE" --config "$PUEUE_CFG" --pid "$PUEUED_PID" \
                --out "$WORK/pueue.json" -n "$PUEUE_ADDS" || PUEUE_NOTE="failed (see above)"
        else
            PUEUE_NOTE="skipped: pueued did not come up ($(tail -n 3 "$WORK/pueue/pueued.out" | tr '\n' ' '))"
        fi
        stop_pueued
    else
        PUEUE_NOTE="skipped: no executable pueue and pueued at $PUEUE, $PUEUED"
    fi
fi

# --- report --------------------------------------------------------------------
commit=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$REPO" && git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo "+dirty" || true)
if [[ -n ${WEFT_BENCH_BIN:-} ]]; then
    what="weft binary ${WEFT_BENCH_BIN_LABEL:-$WEFT_BENCH_BIN} (repo at $commit$dirty)"
else
    what="weft $commit$dirty"
fi
echo
echo "weft daemon bench: $(nproc) CPUs, $what, $(date -u +%Y-%m-%dT%H:%MZ)"
"$PY" "$HELPER" report "$WORK/results.json" "$WORK/pueue.json" --pueue-note "$PUEUE_NOTE"
