#!/usr/bin/env bash
# weft prune benchmark: a store of N runs (default 100000) as an `every: 2s`
# schedule leaves them (2.3 days of history), each a copy of one real run of
# a three-task workflow (its tasks, attempts, outputs, events and log files),
# then `weft prune` on it: the dry run, `--older-than 1d`, `--keep 1000`.
# Reports seconds, the database's size before and after, and the longest a
# concurrent writer (another process, `BEGIN IMMEDIATE` every 20 ms) waited
# for the write lock while weft pruned.
#
#   bash bench/prune.sh [N]
#
# Three cases: the database alone (log folders empty), on a store made by
# this weft (incremental vacuum on) and on the same store switched to
# `auto_vacuum=NONE` (a store made before weft had prune: its first big
# prune runs one full VACUUM); then with its log files, and `rm -rf` of the
# same files as the floor of that part.
#
# Environment: WEFT_BENCH_NO_BUILD=1, WEFT_BENCH_BIN=PATH (see lib.sh),
# WEFT_BENCH_KEEP=1 keeps the temp folder.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/lib.sh"
N=${1:-100000}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive whole number, not \`$N\`"
PY=${PY:-python3}
command -v "$PY" >/dev/null || die "needs python3 (for generating the store)"
build_weft
TMP=$(mktemp -d)
WRITER_PID=""
cleanup() {
    [[ -n $WRITER_PID ]] && stop_pid "$WRITER_PID"
    [[ -n ${WEFT_BENCH_KEEP:-} ]] && { echo "bench: kept $TMP" >&2; return; }
    rm -rf "$TMP"
}
trap cleanup EXIT
WEFT=$TMP/weft
cp "$SRC_BIN" "$WEFT"
export NO_COLOR=1

# One real run to copy.
cat > "$TMP/tick.yaml" <<'YAML'
name: tick
tasks:
  fetch: { run: 'echo "fetched 42 rows"; echo "n=42" >> "$WEFT_OUTPUT"', outputs: [n] }
  transform: { needs: [fetch], run: 'echo "transforming {{ tasks.fetch.outputs.n }} rows"' }
  load: { needs: [transform], run: 'echo loaded; echo "done" >&2' }
YAML

cat > "$TMP/gen.py" <<'PY'
"""Copies the one run in the store N times: ids, times (every 2 s back from
now) and log folders new, everything else as recorded."""
import os, shutil, sqlite3, sys, time
home, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(os.path.join(home, "weft.db"), isolation_level=None)
(src,) = db.execute("SELECT id FROM runs").fetchone()
cols = lambda t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
rows = lambda t, key: (cols(t), db.execute(f"SELECT * FROM {t} WHERE {key} = ?", (src,)).fetchall())
alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
def rid(i):
    s = ""
    for _ in range(10):
        s, i = alphabet[i % 32] + s, i // 32
    return s
now = int(time.time() * 1000)
db.execute("BEGIN")
for table, key in [("runs", "id"), ("tasks", "run_id"), ("attempts", "run_id"),
                   ("outputs", "run_id"), ("events", "run_id")]:
    names, template = rows(table, key)
    if table == "events":
        names = [c for c in names if c != "seq"]
        template = [r[1:] for r in template]
    ki = names.index(key)
    timed = [i for i, c in enumerate(names) if c in ("created_at", "finished_at", "started_at", "at")]
    logi = names.index("log_path") if "log_path" in names else None
    base = min((r[i] for r in template for i in timed if r[i] is not None), default=now)
    def gen():
        for j in range(n):
            new = rid(j)
            t0 = now - (n - j) * 2000
            for r in template:
                r = list(r)
                r[ki] = new
                for i in timed:
                    if r[i] is not None:
                        r[i] = t0 + (r[i] - base)
                if logi is not None:
                    r[logi] = r[logi].replace(src, new)
                yield r
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    db.executemany(sql, gen())
db.execute("DELETE FROM events WHERE run_id = ?", (src,))
for t in ("outputs", "attempts", "tasks"):
    db.execute(f"DELETE FROM {t} WHERE run_id = ?", (src,))
db.execute("DELETE FROM runs WHERE id = ?", (src,))
db.execute("COMMIT")
logs = os.path.join(home, "logs")
files = [(f, open(os.path.join(logs, src, f), "rb").read()) for f in os.listdir(os.path.join(logs, src))]
for j in range(n):
    d = os.path.join(logs, rid(j))
    os.mkdir(d, 0o700)
    for f, data in files:
        with open(os.path.join(d, f), "wb") as out:
            out.write(data)
shutil.rmtree(os.path.join(logs, src))
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY

cat > "$TMP/writer.py" <<'PY'
"""Another writer on the store: BEGIN IMMEDIATE, one small write, COMMIT,
every 20 ms, until killed; prints the longest wait for the lock (ms) on
each line it writes to its file."""
import os, sqlite3, sys, time, signal
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
worst, out = 0.0, sys.argv[2]
def done(*_):
    open(out, "w").write(f"{worst:.0f}\n"); sys.exit(0)
signal.signal(signal.SIGTERM, done)
i = 0
while True:
    t = time.monotonic()
    db.execute("BEGIN IMMEDIATE")
    worst = max(worst, (time.monotonic() - t) * 1000)
    db.execute("INSERT OR REPLACE INTO schedules_seen VALUES ('bench', 'w', ?)", (i,))
    db.execute("COMMIT")
    i += 1
    time.sleep(0.02)
PY

size() { # size HOME: bytes of weft.db and its WAL
    local b=0 f
    for f in "$1/weft.db" "$1/weft.db-wal"; do [[ -e $f ]] && b=$((b + $(stat -c %s "$f"))); done
    echo "$b"
}
mib() { awk "BEGIN{printf \"%.1f MiB\", $1/1048576}"; }
timed() { # timed LABEL CMD...: prints LABEL, seconds and the command's last line
    local label=$1 start end last
    shift
    start=$(date +%s.%N)
    last=$("$@" | tail -n 1)
    end=$(date +%s.%N)
    printf '  %-28s %6.2fs  %s\n' "$label" "$(awk "BEGIN{print $end-$start}")" "$last"
}

H0=$TMP/template
mkdir -p "$H0"
(cd "$TMP" && WEFT_HOME=$H0 "$WEFT" run tick.yaml --quiet) || die "the template run failed"
echo "bench: generating $N runs" >&2
start=$(date +%s)
"$PY" "$TMP/gen.py" "$H0" "$N"
echo "bench: generated in $(($(date +%s) - start))s" >&2

# case NAME LOGS: a copy of the store (with its log files when LOGS is 1),
# its auto_vacuum NONE when NAME is `none`, pruned as described above.
case_() {
    local kind=$1 with_logs=$2 H=$TMP/$1-$2 runs left
    rm -rf "$H"
    mkdir -p "$H"
    cp "$H0/weft.db" "$H/"
    if [[ $with_logs == 1 ]]; then cp -a "$H0/logs" "$H/"; else mkdir -m 700 "$H/logs"; fi
    if [[ $kind == none ]]; then
        "$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA auto_vacuum=NONE'); c.execute('VACUUM')" "$H/weft.db"
    fi
    run() { WEFT_HOME=$H "$WEFT" "$@"; }
    runs=$(run prune --keep 0 --dry-run --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
    echo "auto_vacuum=$kind, $([[ $with_logs == 1 ]] && echo "with log files ($(find "$H/logs" -type f | wc -l))" || echo "database only (no log files)"): $runs runs, $(mib "$(size "$H")")"
    timed "prune --keep 0 --dry-run" run prune --keep 0 --dry-run
    "$PY" "$TMP/writer.py" "$H/weft.db" "$TMP/worst" &
    WRITER_PID=$!
    timed "prune --older-than 1d" run prune --older-than 1d
    timed "prune --keep 1000" run prune --keep 1000
    stop_pid "$WRITER_PID"
    wait "$WRITER_PID" 2>/dev/null || true
    WRITER_PID=""
    left=$(run ps -n 0 --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
    [[ $left == 1000 ]] || die "expected 1000 runs left, found $left"
    echo "  left: $left runs, $(mib "$(size "$H")"), $(find "$H/logs" -type f | wc -l) log files;" \
        "longest wait of a concurrent writer: $(cat "$TMP/worst" 2>/dev/null || echo '?') ms"
    rm -rf "$H"
}

case_ incremental 0
case_ none 0
case_ incremental 1
# The floor of the log part: removing the same number of files with rm.
cp -a "$H0/logs" "$TMP/floor"
start=$(date +%s.%N)
rm -rf "$TMP/floor"
end=$(date +%s.%N)
printf 'rm -rf of all %s log folders (the floor of removing the files): %.2fs\n' "$N" "$(awk "BEGIN{print $end-$start}")"
