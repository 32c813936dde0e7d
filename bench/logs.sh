#!/usr/bin/env bash
# weft log benchmark: `weft logs` against the floor (`cat` of the raw log
# file), the failure tail against `tail -n 20`, and the log's size on disk.
#
#   bash bench/logs.sh [MB]     # MB of task output, default 200
#
# Environment: WEFT_BENCH_NO_BUILD=1, WEFT_BENCH_BIN=PATH (see lib.sh).
# Reports peak RSS (from /usr/bin/time -v), seconds and ratios.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/lib.sh"
MB=${1:-200}
build_weft
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (GNU time)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export WEFT_HOME=$TMP/home NO_COLOR=1
mkdir -p "$WEFT_HOME"
# Uncapped: the default cap (100 MiB) would keep only the newest output.
printf 'logs:\n  max_attempt_size: 2GiB\n' > "$WEFT_HOME/config.yaml"

measure() { # measure OUT CMD...: seconds and peak KiB of CMD, stdout to /dev/null
    local out=$1; shift
    /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
}

# 1. weft logs on MB of 100-byte lines.
cat > "$TMP/big.yaml" <<YAML
name: big
tasks:
  out: { run: "yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -c ${MB}000000" }
YAML
# `yes` ends on SIGPIPE, which pipefail reports: the run "fails", its log is whole.
(cd "$TMP" && "$SRC_BIN" run big.yaml --quiet) >/dev/null 2>&1 || true
id=$(cd "$TMP" && "$SRC_BIN" ps --json | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -n 1)
log=$(find "$WEFT_HOME/logs" -name '*.log' | head -n 1)
measure "$TMP/t.weft" "$SRC_BIN" logs "$id" out
measure "$TMP/t.cat" cat "$log"
read -r ws wk < "$TMP/t.weft"
read -r cs ck < "$TMP/t.cat"
disk=$(stat -c %s "$log")
echo "weft logs, ${MB} MB: ${ws}s ($(awk "BEGIN{printf \"%.0f\", $MB/($ws+0.001)}") MB/s), peak RSS $((wk/1024)) MiB"
echo "cat of the log:     ${cs}s, peak RSS $((ck/1024)) MiB; weft/cat time $(awk "BEGIN{printf \"%.1f\", ($ws+0.001)/($cs+0.001)}")x"
echo "on disk: $disk bytes for ${MB}000000 printed: $(awk "BEGIN{printf \"%.3f\", $disk/(${MB}*1000000)}")x"

# 2. Failure tail of a 1 GB log against tail -n 20: the reader `weft run`
# prints a failed task's end with, through `weft logs --tail 20`.
cat > "$TMP/fail.yaml" <<YAML
name: fail
tasks:
  out: { run: "yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -c 1000000000; exit 1" }
YAML
(cd "$TMP" && "$SRC_BIN" run fail.yaml --quiet) >/dev/null 2>&1 || true
flog=$(find "$WEFT_HOME/logs" -name '*.log' -size +900M | head -n 1)
[[ -n $flog ]] || die "the 1 GB log was not written"
best() { # best milliseconds of 5 runs of CMD, stdout to /dev/null
    local b="" t0 t1 ms
    for _ in 1 2 3 4 5; do
        t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000 ))
        [[ -z $b || $ms -lt $b ]] && b=$ms
    done
    awk "BEGIN{printf \"%.1f\", $b/1000}"
}
wt=$(best "$SRC_BIN" logs fail out --tail 20)
tt=$(best tail -n 20 "$flog")
ct=$(best "$SRC_BIN" show fail)
echo "1 GB log ($(stat -c %s "$flog") bytes), best of 5: weft logs --tail 20 ${wt} ms, tail -n 20 ${tt} ms, weft show (the fixed cost of opening the store) ${ct} ms"
