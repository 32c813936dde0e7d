#!/usr/bin/env python3
"""Measurements of `weft dash`, driven by bench/dash.sh (Python 3.11,
standard library only). See bench/README.md, "The dashboard".

  dash_bench.py run    --weft BIN --home DIR --work DIR --pid PID --out FILE [knobs]
  dash_bench.py report FILE

`run` expects the daemon to be running already (dash.sh starts and stops
it). It fills the store through the daemon's API, drives `weft dash` in a
private tmux server (keys in, screen out, through one tmux control-mode
client so a look at the screen costs ~0.3 ms, not a process start), and
writes JSON with every sample; `report` prints the tables.
"""

import argparse
import json
import os
import re
from statistics import median
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_bench as db  # noqa: E402  (http, api_json, summary, pctl, proc_status)

log = db.log
die = db.die
summary = db.summary
pctl = db.pctl

COMPILERS = {"rustc", "cc1", "cc1plus", "ld", "ld.lld", "ld.gold", "mold", "collect2"}


# --- a quiet machine --------------------------------------------------------------


def compilers_running():
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() in COMPILERS:
                    n += 1
        except OSError:
            pass
    return n


def wait_idle(max_wait, what):
    """Waits (up to max_wait s) until no compiler or linker runs and the
    machine was less than half a CPU busy over a second. Returns a note for
    the results: how long it waited and whether it gave up."""
    t0 = time.monotonic()
    while True:
        n = compilers_running()
        b0 = db.machine_busy_s()
        time.sleep(1.0)
        busy = db.machine_busy_s() - b0
        if n == 0 and busy < 0.5:
            return {"waited_s": round(time.monotonic() - t0, 1), "quiet": True}
        if time.monotonic() - t0 >= max_wait:
            log(f"warning: {what}: still busy after {max_wait}s ({n} compilers, {busy:.2f} CPUs); measuring anyway")
            return {"waited_s": round(time.monotonic() - t0, 1), "quiet": False,
                    "compilers": n, "busy_cpus": round(busy, 2)}
        if time.monotonic() - t0 < 1.5:
            log(f"{what}: the machine is busy ({n} compilers, {busy:.2f} CPUs); waiting up to {max_wait}s")
        time.sleep(2.0)


class Noise:
    """Machine CPU over a phase, and whether a compiler ran during it
    (checked at the start, the end, and whenever `poll` is called)."""

    def __init__(self):
        self.compilers_seen = 0
        self.last_poll = 0.0

    def __enter__(self):
        self.b0 = db.machine_busy_s()
        self.t0 = time.monotonic()
        self.poll(force=True)
        return self

    def poll(self, force=False):
        now = time.monotonic()
        if force or now - self.last_poll > 0.5:
            self.last_poll = now
            self.compilers_seen = max(self.compilers_seen, compilers_running())

    def __exit__(self, *exc):
        self.poll(force=True)
        self.wall = time.monotonic() - self.t0
        self.cpu = db.machine_busy_s() - self.b0
        return False

    def info(self):
        return {"wall_s": round(self.wall, 2), "machine_cpu_s": round(self.cpu, 2),
                "compilers_seen": self.compilers_seen}


def proc_cpu(pid):
    """utime+stime of one process (seconds), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


# --- tmux, through one control-mode client -----------------------------------------


def tmux_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


class Tmux:
    """A private tmux server with one session running `command` in a
    width x height window; keys and screen captures go through a single
    control-mode client (no process start per look at the screen)."""

    def __init__(self, sock, command, env, width=160, height=48):
        self.sock = sock
        self.base = ["tmux", "-S", sock]
        args = [*self.base, "-f", "/dev/null", "new-session", "-d", "-s", "bench",
                "-x", str(width), "-y", str(height)]
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        args += [command]
        subprocess.run(args, check=True)
        subprocess.run([*self.base, "set-option", "-g", "window-size", "manual"], check=True)
        subprocess.run([*self.base, "resize-window", "-t", "bench", "-x", str(width), "-y", str(height)],
                       check=True)
        self.ctl = subprocess.Popen(
            [*self.base, "-C", "attach-session", "-t", "bench", "-f", "no-output"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lock = threading.Lock()
        # Skip whatever the attach itself printed: wait for our marker.
        self._send("display-message -p SYNC-MARK")
        while True:
            block = self._block()
            if block is None:
                raise RuntimeError("tmux control client ended at start")
            if "SYNC-MARK" in block:
                break

    def _send(self, line):
        self.ctl.stdin.write(line.encode() + b"\n")
        self.ctl.stdin.flush()

    def _block(self):
        """The next %begin..%end block's lines (None at EOF)."""
        out = None
        while True:
            raw = self.ctl.stdout.readline()
            if not raw:
                return None
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if out is None:
                # Only blocks answering this client's commands (flags 1),
                # not the attach's own (flags 0).
                if line.startswith("%begin") and line.split()[-1] == "1":
                    out = []
                continue  # notifications between blocks
            if line.startswith("%end") or line.startswith("%error"):
                return out
            out.append(line)

    def cmd(self, line):
        with self.lock:
            self._send(line)
            block = self._block()
        if block is None:
            raise RuntimeError(f"tmux control client ended (command {line!r})")
        return block

    def screen(self):
        return "\n".join(self.cmd("capture-pane -p -t bench"))

    def keys(self, *keys, literal=False):
        self.cmd("send-keys -t bench " + ("-l " if literal else "") + " ".join(tmux_quote(k) for k in keys))

    def pane_pid(self):
        return int(self.cmd("display-message -p -t bench '#{pane_pid}'")[0])

    def close(self):
        subprocess.run([*self.base, "kill-server"], capture_output=True)
        try:
            self.ctl.stdin.close()
        except OSError:
            pass
        try:
            self.ctl.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.ctl.kill()  # our own child, one positive pid
            self.ctl.wait()


# --- files the tasks run -------------------------------------------------------------

GEN_PY = r'''
import sys
# N bytes of lines of exactly 100 bytes: "line 00000042 " + filler + "\n".
n = int(sys.argv[1]) // 100
filler = "abcdefghijklmnopqrstuvwxyz0123456789" * 3
out = sys.stdout.buffer
for i in range(n):
    out.write(("line %08d %s\n" % (i, filler[: 100 - 14 - 1])).encode())
out.flush()
'''

# Rate-controlled writer: prints "ready", waits for the go file, then writes
# RATE MB/s for SECS seconds in lines of 100 bytes with a sequence number,
# then a sentinel line; its own timeline (time, lines written) goes to STAMP.
FLOOD_PY = r'''
import json, os, sys, time
go, stamp, rate, secs, sentinel = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
fd = 1
os.write(fd, b"ready\n")
while not os.path.exists(go):
    time.sleep(0.002)
filler = b"abcdefghijklmnopqrstuvwxyz0123456789" * 3
LINE = 100
per_s = rate * 1e6 / LINE          # lines per second
total = int(per_s * secs)
t0 = time.time()
done = 0
timeline = [(t0, 0)]
last_mark = t0
while done < total:
    now = time.time()
    due = min(total, int((now - t0) * per_s) + int(per_s * 0.005))
    if due > done:
        chunk = b"".join(b"seq %010d " % i + filler[: LINE - 16] + b"\n" for i in range(done, due))
        view = memoryview(chunk)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        done = due
    now = time.time()
    if now - last_mark >= 0.05:
        timeline.append((now, done))
        last_mark = now
    if done < total:
        nxt = t0 + (done - int(per_s * 0.005)) / per_s
        if nxt > time.time():
            time.sleep(min(0.005, nxt - time.time()))
t_end = time.time()
timeline.append((t_end, done))
os.write(fd, sentinel.encode() + b"\n")
t_sentinel = time.time()
with open(stamp, "w") as f:
    json.dump({"t0": t0, "t_end": t_end, "t_sentinel": t_sentinel, "lines": total,
               "bytes": total * LINE, "timeline": timeline}, f)
'''


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


# --- weft --------------------------------------------------------------------------


class Weft:
    def __init__(self, args):
        self.bin = args.weft
        self.home = args.home
        self.sock = os.path.join(args.home, "run", "weft.sock")
        self.env = dict(os.environ)
        self.env["WEFT_HOME"] = args.home
        self.env["WEFT_NO_AUTOSTART"] = "true"
        self.env["NO_COLOR"] = "1"

    def cli(self, *argv, check=True):
        p = subprocess.run([self.bin, *argv], capture_output=True, text=True, env=self.env)
        if check and p.returncode != 0:
            die(f"weft {' '.join(argv)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    def submit(self, path, source):
        answer = db.api_json(self.sock, "POST", "/v1/runs",
                             {"file": os.path.abspath(path), "source": source}, expect=(200, 201))
        return answer["run"]

    def wait(self, run):
        return db.api_json(self.sock, "GET", f"/v1/runs/{run}/wait")

    def show(self, run):
        return json.loads(self.cli("show", run, "--json").stdout)

    def ps_all(self):
        return json.loads(self.cli("ps", "--json", "--limit", "0").stdout)


def fill(weft, work, n, threads=3):
    """n one-task runs through POST /v1/runs (what `weft submit` does),
    from a few threads; four workflows, one in ten fails."""
    kinds = {
        "etl-ok": '"true"', "etl-fail": '"false"', "deploy": '"true"', "report": '"true"',
    }
    files = {}
    for name, cmd in kinds.items():
        path = os.path.join(work, f"{name}.yaml")
        write_file(path, f"name: {name}\ntasks:\n  t: {{ run: {cmd} }}\n")
        weft.cli("validate", path)
        with open(path) as f:
            files[name] = (path, f.read())

    def kind(i):
        return ["etl-fail", "deploy", "deploy", "deploy", "report", "report",
                "etl-ok", "etl-ok", "etl-ok", "etl-ok"][i % 10]

    errors = []
    next_i = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n or errors:
                return
            try:
                weft.submit(*files[kind(i)])
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
                return
            if i % 1000 == 999:
                log(f"  {i + 1} runs submitted")

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        die(f"filling the store: {errors[0]}")
    # Wait until every run has finished.
    deadline = time.monotonic() + 300
    while True:
        active = db.api_json(weft.sock, "GET", "/v1/runs?active=true&limit=0")
        if not active:
            break
        if time.monotonic() > deadline:
            die(f"{len(active)} runs still active 300 s after filling the store")
        time.sleep(0.5)
    return time.monotonic() - t0


# --- measuring the dashboard -----------------------------------------------------------


def selected_key(screen):
    """The selected row of the runs table (the `› ` row) without its time
    columns: status, workflow, id."""
    for line in screen.splitlines():
        s = line.lstrip()
        if s.startswith("›"):
            return " ".join(s.split()[1:5])
    return None


class Dash:
    """`weft dash` in tmux, with the key-to-screen timer."""

    def __init__(self, weft, work, tag, width, height):
        self.stats = os.path.join(work, f"dash-stats-{tag}.txt")
        self.tmux = Tmux(os.path.join(work, f"tmux-{tag}.sock"),
                         f"exec {weft.bin} dash",
                         {"WEFT_HOME": weft.home, "WEFT_NO_AUTOSTART": "true",
                          "WEFT_DASH_STATS": self.stats, "TERM": "tmux-256color"},
                         width, height)
        self.pid = self.tmux.pane_pid()
        self.keylat = []  # (phase, key, ms)
        self.phase = "?"

    def expect(self, pred, timeout=30.0, what=""):
        deadline = time.monotonic() + timeout
        while True:
            s = self.tmux.screen()
            if pred(s):
                return s
            if time.monotonic() > deadline:
                die(f"dash: the screen never showed {what}; it shows:\n{s}")
            time.sleep(0.005)

    def press(self, key, pred=None, literal=False, timeout=20.0, label=None, optional=False):
        """Sends a key and times it until the screen satisfies pred(before, now)
        (default: the screen differs). Returns ms. With `optional` (a key
        that may legitimately change nothing, such as PgDn at the end of a
        short list) gives up after 2 s without a sample."""
        if optional:
            timeout = 2.0
        before = self.tmux.screen()
        if pred is None:
            pred = lambda b, s: s != b  # noqa: E731
        t0 = time.perf_counter()
        self.tmux.keys(key, literal=literal)
        deadline = time.monotonic() + timeout
        while True:
            s = self.tmux.screen()
            if pred(before, s):
                ms = (time.perf_counter() - t0) * 1000
                self.keylat.append((self.phase, label or key, ms))
                time.sleep(0.03)  # a pause between keys, as a person's
                return ms
            if time.monotonic() > deadline:
                if optional:
                    return None
                die(f"dash: key {key!r} ({label}): no change within {timeout}s; screen:\n{s}")
            time.sleep(0.001)

    def quit(self):
        try:
            self.tmux.keys("q")
        except RuntimeError:
            pass
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{self.pid}") and time.monotonic() < deadline:
            time.sleep(0.02)
        self.tmux.close()
        return read_stats(self.stats)


def read_stats(path):
    frames, mem = [], {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                k, _, v = line[1:].partition(":")
                mem[k.strip()] = int(v.split()[0])
            elif line.strip():
                at, took = line.split()
                frames.append((int(at), int(took)))
    return frames, mem


def frame_summary(frames, t_from=None, t_to=None):
    us = [took for at, took in frames
          if (t_from is None or at >= t_from) and (t_to is None or at <= t_to)]
    s = summary([u / 1000 for u in us])  # ms
    if s:
        s["over_16ms"] = sum(1 for u in us if u > 16000)
    return s


def now_ms():
    return int(time.time() * 1000)


def bench_list_and_log(weft, args, res, total_runs, big_run):
    tag = "list"
    dash = Dash(weft, args.work, tag, args.width, args.height)
    res["list_log"] = out = {"phases": {}}
    # Loading: from start to every run in the list.
    t0 = time.monotonic()
    dash.phase = "load"
    dash.expect(lambda s: f" {total_runs} runs ·" in s, timeout=120, what=f"{total_runs} runs")
    out["load_all_runs_s"] = round(time.monotonic() - t0, 3)
    log(f"dash listed all {total_runs} runs after {out['load_all_runs_s']} s")
    time.sleep(1.5)

    out["idle_list"] = wait_idle(args.idle_wait, "runs list")
    # --- the runs list --------------------------------------------------------------
    sel_changed = lambda b, s: selected_key(s) is not None and selected_key(s) != selected_key(b)  # noqa: E731
    t_list0 = now_ms()
    dash.phase = "runs list"
    with Noise() as nz:
        pages = max(1, min(args.pages, total_runs // max(1, args.height - 4) - 3))
        for _ in range(pages):
            dash.press("PageDown", sel_changed, label="PgDn")
            nz.poll()
        for _ in range(30):
            dash.press("j", sel_changed, optional=True)
        for _ in range(10):
            dash.press("PageUp", sel_changed, label="PgUp", optional=True)
        for label in ["oldest first", "longest first", "by workflow", "by status", "newest first"]:
            dash.press("s", lambda b, s, l=label: f"· {l} " in s, label=f"s ({label})")
            for _ in range(3):
                dash.press("PageDown", sel_changed, label="PgDn", optional=True)
            nz.poll()
        for st in ["running", "failed", "succeeded", "cancelled", "interrupted", "paused", "queued", None]:
            want = (lambda b, s, st=st: f"status: {st}" in s) if st else (lambda b, s: "status:" not in s)
            dash.press("S", want, label=f"S ({st or 'all'})")
        dash.press("/", lambda b, s: "filter: ▏" in s or "filter:" in s, label="/")
        q = ""
        for c in "etl-fail":
            q += c
            dash.press(c, lambda b, s, q=q: f"filter: {q}" in s, literal=True, label=f"filter char")
        dash.press("Enter", lambda b, s: "▏" not in s, label="Enter (end filter)")
        for _ in range(5):
            dash.press("PageDown", sel_changed, label="PgDn", optional=True)
        dash.press("Escape", lambda b, s: "filter:" not in s, label="Esc (clear filter)")
    t_list1 = now_ms()
    out["phases"]["runs list"] = {"from_ms": t_list0, "to_ms": t_list1, **nz.info()}
    out["rss_after_list"] = db.proc_status(dash.pid)

    # --- open the big run, its log --------------------------------------------------------
    dash.phase = "open"
    dash.press("/", lambda b, s: "filter:" in s, label="/")
    dash.press("biglog", lambda b, s: "filter: biglog" in s and "runs (1 of" in s, literal=True,
               label="type biglog")
    dash.press("Enter", lambda b, s: "▏" not in s, label="Enter (end filter)")
    dash.press("Enter", lambda b, s: " print " in s and "ATTEMPTS" in s, label="Enter (open run)")
    out["idle_log"] = wait_idle(args.idle_wait, "log")
    t_log0 = now_ms()
    want_lines = big_run["lines"]
    t0 = time.perf_counter()
    ms_first = dash.press("Enter", lambda b, s: " log · print" in s and "loading" not in s,
                          label="Enter (open log: first lines)")
    dash.expect(lambda s: f"· {want_lines} lines" in s, timeout=120, what=f"{want_lines} lines")
    out["log_open_first_ms"] = ms_first
    out["log_open_all_ms"] = (time.perf_counter() - t0) * 1000
    log(f"the {big_run['bytes'] / 1e6:.0f} MB log: first screen {ms_first:.1f} ms, all {want_lines} lines "
        f"{out['log_open_all_ms']:.0f} ms")
    time.sleep(1.0)
    out["rss_log_loaded"] = db.proc_status(dash.pid)
    dash.phase = "log"
    with Noise() as nz:
        for _ in range(20):
            dash.press("PageUp", label="PgUp")
        for _ in range(20):
            dash.press("k")
        for _ in range(10):
            dash.press("PageDown", label="PgDn")
        dash.press("/", lambda b, s: "· /▏" in s, label="/ (search)")
        q = ""
        # Matches 100 lines (line numbers 0.777 n to 0.777 n + 99).
        query = "line %06d" % (int(want_lines * 0.777) // 100)
        out["search_query"] = query
        for c in query:
            q += c
            dash.press(c, lambda b, s, q=q: f"· /{q}▏" in s, literal=True, label="search char")
            nz.poll()
        dash.press("Enter", lambda b, s: "▏" not in s, label="Enter (end search)")
        for i in range(20):
            dash.press("n", label="n (next match)")
        for i in range(5):
            dash.press("N", label="N (prev match)")
        dash.press("Escape", lambda b, s: "/line" not in s, label="Esc (clear search)")
        dash.press("w", lambda b, s: "· wrap" in s, label="w (wrap)")
        for _ in range(10):
            dash.press("PageUp", label="PgUp (wrapped)")
        dash.press("G", lambda b, s: "following" in s, label="G (follow, wrapped)")
        dash.press("w", lambda b, s: "· wrap" not in s, label="w (cut)")
        dash.press("?", lambda b, s: "keys (? or Esc closes)" in s, label="? (help)")
        dash.press("Escape", lambda b, s: "keys (? or Esc closes)" not in s, label="Esc (close help)")
    t_log1 = now_ms()
    out["phases"]["log"] = {"from_ms": t_log0, "to_ms": t_log1, **nz.info()}
    out["rss_after_log"] = db.proc_status(dash.pid)
    frames, mem = dash.quit()
    out["frames_all"] = frame_summary(frames)
    out["frames_list"] = frame_summary(frames, t_list0, t_list1)
    out["frames_log"] = frame_summary(frames, t_log0, t_log1)
    out["memory_at_exit_kib"] = mem
    out["keys"] = dash.keylat
    out["raw_frames"] = frames


# --- log follow under a flood --------------------------------------------------------------


def submit_flood(weft, args, tag):
    go = os.path.join(args.work, f"go-{tag}")
    stamp = os.path.join(args.work, f"stamp-{tag}.json")
    sentinel = f"SENTINEL-{tag}-END"
    name = f"flood-{tag}"
    path = os.path.join(args.work, f"{name}.yaml")
    write_file(path, f"name: {name}\ntasks:\n  flood: {{ run: \"python3 {args.work}/flood.py {go} {stamp} "
                     f"{args.flood_mbps} {args.flood_secs} {sentinel}\" }}\n")
    with open(path) as f:
        run = weft.submit(path, f.read())
    # The task is running and has printed `ready`: its log exists.
    deadline = time.monotonic() + 20
    while True:
        d = weft.show(run)
        atts = d["tasks"][0].get("attempts") or []
        if atts and atts[-1].get("log") and os.path.exists(atts[-1]["log"]):
            with open(atts[-1]["log"]) as f:
                if "ready" in f.read():
                    break
        if time.monotonic() > deadline:
            die(f"flood run {run} never printed ready: {json.dumps(d)[:500]}")
        time.sleep(0.05)
    return {"run": run, "name": name, "go": go, "stamp": stamp, "sentinel": sentinel,
            "log": atts[-1]["log"], "daemon_pid": None}


SEQ = re.compile(r"seq (\d{10}) ")


def max_seq(screen):
    m = SEQ.findall(screen)
    return max(int(x) for x in m) if m else None


class SizeSampler(threading.Thread):
    """The log file's size every 10 ms."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.samples = []
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                self.samples.append((time.time(), os.stat(self.path).st_size))
            except OSError:
                pass
            time.sleep(0.01)


def follow_one(weft, args, viewer, tag, daemon_pid):
    """One flood followed by one viewer; returns its samples."""
    f = submit_flood(weft, args, tag)
    res = {"viewer": viewer, "run": f["run"], "help_idle_ms": [], "help_flood_ms": []}
    HELP = "keys (? or Esc closes)"
    dash = None
    if viewer == "weft dash":
        dash = Dash(weft, args.work, tag, args.width, args.height)
        term = dash.tmux
        pid = dash.pid
        dash.expect(lambda s: " runs ·" in s and f"flood-{tag}" in s, what="the flood run")
        dash.press("/", lambda b, s: "filter:" in s, label="/")
        dash.press(f["name"], lambda b, s: f"filter: {f['name']}" in s and "runs (1 of" in s, literal=True)
        dash.press("Enter", lambda b, s: "▏" not in s)
        dash.press("Enter", lambda b, s: " flood " in s and "ATTEMPTS" in s)
        dash.press("Enter", lambda b, s: "ready" in s and "following" in s)
    else:
        cmd = {"tail -f": f"exec tail -n +1 -f {f['log']}",
               "less +F": f"exec less +F {f['log']}"}[viewer]
        term = Tmux(os.path.join(args.work, f"tmux-{tag}.sock"), cmd,
                    {"TERM": "tmux-256color", "LESSHISTFILE": "-"}, args.width, args.height)
        pid = term.pane_pid()
        deadline = time.monotonic() + 10
        while "ready" not in term.screen():
            if time.monotonic() > deadline:
                die(f"{viewer} never showed ready: {term.screen()}")
            time.sleep(0.01)

    def probe(into):
        t0 = time.perf_counter()
        term.keys("?")
        deadline = time.monotonic() + 30
        while HELP not in term.screen():
            if time.monotonic() > deadline:
                into.append(None)
                return
            time.sleep(0.001)
        into.append((time.perf_counter() - t0) * 1000)
        term.keys("Escape")
        deadline = time.monotonic() + 30
        while HELP in term.screen() and time.monotonic() < deadline:
            time.sleep(0.001)

    res["idle"] = wait_idle(args.idle_wait, f"flood {tag}")
    if dash:
        for _ in range(args.help_probes):
            probe(res["help_idle_ms"])
            time.sleep(0.1)
    sampler = SizeSampler(f["log"])
    sampler.start()
    cpu0 = {"viewer": proc_cpu(pid), "daemon": proc_cpu(daemon_pid)}
    seen = []  # (t, max seq on screen)
    t_seen = None
    probe_at = [1.0 + i for i in range(max(0, int(args.flood_secs) - 1))] if dash else []
    rss_max = 0
    with Noise() as nz:
        write_file(f["go"], "")
        t_go = time.time()
        deadline = time.monotonic() + args.flood_timeout
        while True:
            s = term.screen()
            now = time.time()
            ms = max_seq(s)
            if ms is not None:
                seen.append((now, ms))
            if f["sentinel"] in s:
                t_seen = now
                break
            if probe_at and now - t_go >= probe_at[0]:
                probe_at.pop(0)
                probe(res["help_flood_ms"])
                continue
            if time.monotonic() > deadline:
                log(f"warning: {viewer}: no sentinel on screen {args.flood_timeout}s after go")
                break
            try:
                rss_max = max(rss_max, db.proc_status(pid)["VmRSS"])
            except OSError:
                pass
            nz.poll()
            time.sleep(0.002)
    cpu1 = {"viewer": proc_cpu(pid), "daemon": proc_cpu(daemon_pid)}
    res["cpu_s"] = {k: (None if cpu0[k] is None or cpu1[k] is None else round(cpu1[k] - cpu0[k], 2))
                    for k in cpu0}
    res["noise"] = nz.info()
    res["viewer_rss_max_kib"] = rss_max
    try:
        res["viewer_status_end"] = db.proc_status(pid)
    except OSError:
        pass
    state = weft.wait(f["run"])
    sampler.stop = True
    sampler.join()
    if dash:
        frames, mem = dash.quit()
        res["frames_flood"] = frame_summary(frames, int(t_go * 1000), int((t_seen or time.time()) * 1000))
        res["frames_all"] = frame_summary(frames)
        res["memory_at_exit_kib"] = mem
        res["keys"] = dash.keylat
    else:
        term.close()
    with open(f["stamp"]) as fh:
        w = json.load(fh)
    res["writer"] = {k: w[k] for k in ("t0", "t_end", "t_sentinel", "lines", "bytes")}
    res["writer_mb_s"] = w["bytes"] / 1e6 / (w["t_end"] - w["t0"])
    res["run_status"] = state.get("status")
    res["t_go"] = t_go
    res["t_seen"] = t_seen
    res["sentinel_lag_ms"] = None if t_seen is None else (t_seen - w["t_sentinel"]) * 1000
    # When did each seq reach the screen, against when the writer wrote it
    # (its timeline, interpolated): how far behind the view was.
    tl = w["timeline"]

    def written_at(seq):
        for (ta, na), (tb, nb) in zip(tl, tl[1:]):
            if na <= seq < nb:
                return ta + (tb - ta) * (seq - na) / max(1, nb - na)
        return tl[-1][0]

    lags = [(t - written_at(sq)) * 1000 for t, sq in seen]
    res["view_lag_ms"] = summary(lags)
    res["view_samples"] = len(seen)
    # How fast the view moved through the log, first to last seq seen
    # (task bytes per second: lines x 100 bytes).
    if len(seen) >= 2 and seen[-1][0] > seen[0][0]:
        res["view_mb_s"] = (seen[-1][1] - seen[0][1]) * 100 / 1e6 / (seen[-1][0] - seen[0][0])
    # (s after go, newest seq on screen, lag ms): the view's steps, thinned.
    res["view_timeline"] = [(round(t - t_go, 3), sq, round(lag)) for (t, sq), lag
                            in list(zip(seen, lags))[:: max(1, len(seen) // 300)]]
    # The daemon's capture: the log file's growth, and the log's content.
    sz = sampler.samples
    res["log_size_timeline"] = [(round(t - t_go, 3), n) for t, n in sz[:: max(1, len(sz) // 200)]]
    check = check_flood_log(f["log"], w["lines"], f["sentinel"])
    res["log_check"] = check
    if sz:
        # Time at which the log file reached its final size.
        final = sz[-1][1]
        t_full = next(t for t, n in sz if n >= final)
        res["log_complete_after_go_s"] = t_full - t_go
        res["log_bytes"] = final
        # The sentinel written -> in the log file (10 ms sampling): no
        # follower can show it sooner.
        res["capture_lag_ms"] = (t_full - w["t_sentinel"]) * 1000
    res["writer_done_after_go_s"] = w["t_end"] - t_go
    return res


def check_flood_log(path, lines, sentinel):
    """Every seq line in order, none missing, and the sentinel; the
    daemon's time stamp on the sentinel line."""
    n = 0
    bad = 0
    sentinel_at = None
    with open(path, "rb") as f:
        for raw in f:
            parts = raw.rstrip(b"\n").split(b" ", 2)
            if len(parts) < 3:
                continue
            text = parts[2]
            if text.startswith(b"seq "):
                if int(text[4:14]) != n:
                    bad += 1
                n += 1
            elif text.startswith(sentinel.encode()):
                sentinel_at = parts[0].decode()
    return {"seq_lines": n, "expected": lines, "out_of_order": bad, "sentinel_at": sentinel_at,
            "complete": n == lines and bad == 0 and sentinel_at is not None}


def capture_floor(args, how, tag):
    """The writer alone, its stdout a plain file or a pipe to `cat > file`."""
    go = os.path.join(args.work, f"go-{tag}")
    stamp = os.path.join(args.work, f"stamp-{tag}.json")
    out = os.path.join(args.work, f"floor-{tag}.out")
    write_file(go, "")
    argv = ["python3", os.path.join(args.work, "flood.py"), go, stamp,
            str(args.flood_mbps), str(args.flood_secs), f"SENTINEL-{tag}-END"]
    wait_idle(args.idle_wait, f"floor {tag}")
    if how == "file":
        with open(out, "wb") as fh:
            subprocess.run(argv, stdout=fh, check=True)
    else:
        with open(out, "wb") as fh:
            cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=fh)
            subprocess.run(argv, stdout=cat.stdin, check=True)
            cat.stdin.close()
            cat.wait()
    with open(stamp) as fh:
        w = json.load(fh)
    size = os.path.getsize(out)
    os.unlink(out)
    return {"how": how, "writer_mb_s": w["bytes"] / 1e6 / (w["t_end"] - w["t0"]),
            "writer_s": w["t_end"] - w["t0"], "bytes": size}


def cmd_run(args):
    weft = Weft(args)
    res = {"runs": args.runs, "log_mb": args.log_mb, "flood_mbps": args.flood_mbps,
           "flood_secs": args.flood_secs, "size": [args.width, args.height]}
    status = db.api_json(weft.sock, "GET", "/v1/status")
    res["daemon_version"] = status.get("version")
    write_file(os.path.join(args.work, "gen.py"), GEN_PY)
    write_file(os.path.join(args.work, "flood.py"), FLOOD_PY)

    log(f"filling the store with {args.runs} runs through the daemon's API")
    res["fill_s"] = fill(weft, args.work, args.runs)
    big_path = os.path.join(args.work, "biglog.yaml")
    big_bytes = int(args.log_mb * 1_000_000)
    write_file(big_path, f"name: biglog\ntasks:\n  print: {{ run: \"python3 {args.work}/gen.py {big_bytes}\" }}\n")
    with open(big_path) as f:
        big = weft.submit(big_path, f.read())
    st = weft.wait(big)
    if st.get("status") != "succeeded":
        die(f"the big-log run {big} ended {st}")
    runs = weft.ps_all()
    n_fill = sum(1 for r in runs if r["workflow"] in ("etl-ok", "etl-fail", "deploy", "report"))
    if n_fill != args.runs:
        die(f"weft ps --json --limit 0 lists {n_fill} filler runs, expected {args.runs}")
    res["store_runs"] = len(runs)
    res["store_by_status"] = {}
    for r in runs:
        res["store_by_status"][r["status"]] = res["store_by_status"].get(r["status"], 0) + 1
    d = weft.show(big)
    big_log = d["tasks"][0]["attempts"][-1]["log"]
    res["big_log_file_bytes"] = os.path.getsize(big_log)
    log(f"store: {len(runs)} runs ({res['store_by_status']}), filled in {res['fill_s']:.1f} s; "
        f"the big log: {res['big_log_file_bytes']} bytes on disk")
    res["mem_daemon_after_fill"] = db.proc_status(args.pid)

    bench_list_and_log(weft, args, res, len(runs),
                       {"lines": big_bytes // 100, "bytes": big_bytes})

    # --- the flood -------------------------------------------------------------------
    res["capture_floor"] = []
    for rep in range(args.flood_reps):
        for how in ("file", "cat"):
            log(f"floor: the writer into {'a plain file' if how == 'file' else 'cat > file'} (rep {rep + 1})")
            res["capture_floor"].append(capture_floor(args, how, f"floor-{how}-{rep}"))
    viewers = ["weft dash", "tail -f"]
    if args.less:
        viewers.append("less +F")
    res["follow"] = []
    for rep in range(args.flood_reps):
        order = viewers if rep % 2 == 0 else list(reversed(viewers))
        for v in order:
            tag = f"{v.split()[0]}-{rep}"
            log(f"flood {args.flood_mbps} MB/s x {args.flood_secs} s, followed by {v} (rep {rep + 1})")
            r = follow_one(weft, args, v, tag, args.pid)
            r["rep"] = rep
            lag = r["sentinel_lag_ms"]
            log(f"  writer {r['writer_mb_s']:.1f} MB/s; log complete {r.get('log_complete_after_go_s', 0):.2f} s "
                f"after go; sentinel on screen {'never' if lag is None else f'{lag:.0f} ms'} after written; "
                f"log check {r['log_check']}")
            if r.get("help_flood_ms"):
                log(f"  help: idle {r['help_idle_ms']}, flood {r['help_flood_ms']}")
            res["follow"].append(r)
    # A trickle: the same task at 100 lines a second, so the followers are
    # never behind on bytes and the lag is only how often they look.
    targs = argparse.Namespace(**vars(args))
    targs.flood_mbps = args.trickle_mbps
    targs.flood_secs = args.trickle_secs
    res["trickle_mbps"], res["trickle_secs"] = targs.flood_mbps, targs.flood_secs
    res["trickle"] = []
    for rep in range(args.flood_reps):
        for v in ["weft dash", "tail -f"]:
            tag = f"trickle-{v.split()[0]}-{rep}"
            log(f"trickle {targs.flood_mbps * 1e4:g} lines/s x {targs.flood_secs} s, followed by {v} (rep {rep + 1})")
            r = follow_one(weft, targs, v, tag, args.pid)
            r["rep"] = rep
            lag = r["sentinel_lag_ms"]
            log(f"  sentinel on screen {'never' if lag is None else f'{lag:.0f} ms'} after written; "
                f"view lag {r['view_lag_ms']}")
            res["trickle"].append(r)
    res["mem_daemon_end"] = db.proc_status(args.pid)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


# --- report ----------------------------------------------------------------------------


def cmd_report(args):
    with open(args.results) as f:
        r = json.load(f)
    L = r["list_log"]
    print(f"store: {r['store_runs']} runs {r['store_by_status']}; a task's log of {r['log_mb']:g} MB "
          f"({r['big_log_file_bytes'] / 1e6:.1f} MB on disk with weft's time stamps); "
          f"terminal {r['size'][0]}x{r['size'][1]}")
    print()

    def fr(name, s, goal=True):
        if not s:
            print(f"{name:<44} {'-':>6}")
            return
        g = f"p99 < 16 ms: {'yes' if s['p99'] < 16 else 'NO'}" if goal else ""
        print(f"{name:<44} {s['n']:>6} {s['p50']:>8.2f} {s['p99']:>8.2f} {s['max']:>8.2f} {s['over_16ms']:>6}  {g}")

    print(f"{'frame draw time (WEFT_DASH_STATS)':<44} {'frames':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'>16ms':>6}  goal")
    fr(f"runs list: scroll, sort, filter ({r['store_runs']} runs)", L["frames_list"])
    fr(f"log: scroll, search, wrap ({r['log_mb']:g} MB log)", L["frames_log"])
    fr("whole session (load, list, log)", L["frames_all"])
    for x in r["follow"]:
        if x["viewer"] == "weft dash":
            fr(f"following a {r['flood_mbps']:g} MB/s flood (rep {x['rep'] + 1})", x["frames_flood"])
    print()

    # Key to screen.
    keys = {}
    for phase, key, ms in L["keys"]:
        k = re.sub(r" \(.*\)$", "", key) if key.startswith(("s (", "S (")) else key
        keys.setdefault((phase, k), []).append(ms)
    print(f"{'key -> screen changed (tmux capture)':<44} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for (phase, k), v in keys.items():
        s = summary(v)
        print(f"{phase + ': ' + k:<44} {s['n']:>6} {s['p50']:>8.1f} {s['p99']:>8.1f} {s['max']:>8.1f}")
    print(f"{'open the big log: first screen':<44} {1:>6} {L['log_open_first_ms']:>8.1f}")
    print(f"{'open the big log: all lines loaded':<44} {1:>6} {L['log_open_all_ms']:>8.1f}")
    print(f"{'start -> all runs listed':<44} {1:>6} {L['load_all_runs_s'] * 1000:>8.0f}")
    print()

    def mb(kib):
        return kib / 1024

    print(f"{'memory of weft dash':<44} {'MB':>8}  goal")
    m = L["rss_log_loaded"]
    print(f"{'VmRSS, all runs listed':<44} {mb(L['rss_after_list']['VmRSS']):>8.1f}  < 50 MB: {'yes' if mb(L['rss_after_list']['VmRSS']) < 50 else 'NO'}")
    print(f"{'VmRSS, the big log loaded':<44} {mb(m['VmRSS']):>8.1f}  < 50 MB: {'yes' if mb(m['VmRSS']) < 50 else 'NO'} (anon {mb(m['RssAnon']):.1f})")
    me = L["memory_at_exit_kib"]
    print(f"{'VmHWM (peak) of that session, at exit':<44} {mb(me['VmHWM']):>8.1f}  < 50 MB: {'yes' if mb(me['VmHWM']) < 50 else 'NO'}")
    for x in r["follow"]:
        if x["viewer"] == "weft dash":
            me = x["memory_at_exit_kib"]
            total = x["writer"]["bytes"] / 1e6
            label = f"VmHWM after following {total:.0f} MB (rep {x['rep'] + 1})"
            print(f"{label:<44} {mb(me['VmHWM']):>8.1f}  < 50 MB: {'yes' if mb(me['VmHWM']) < 50 else 'NO'}")
    for x in r["follow"]:
        if x["viewer"] != "weft dash":
            label = f"{x['viewer']}: peak VmRSS seen (rep {x['rep'] + 1})"
            print(f"{label:<44} {mb(x['viewer_rss_max_kib']):>8.1f}")
    print()

    # Flood.
    print(f"log follow: a task writing {r['flood_mbps']:g} MB/s for {r['flood_secs']:g} s "
          f"({r['flood_mbps'] * r['flood_secs']:g} MB in 100-byte lines), then a sentinel line")
    print(f"{'writer alone (floor)':<30} {'MB/s':>7}")
    for c in r["capture_floor"]:
        print(f"{'  stdout = ' + ('a plain file' if c['how'] == 'file' else 'cat > file'):<30} {c['writer_mb_s']:>7.1f}")
    print()
    def follow_table(rows):
        hdr = (f"{'viewer':<12} {'rep':>3} {'writer MB/s':>11} {'log done s':>10} {'in file ms':>10} {'daemon CPU s':>12} "
               f"{'viewer CPU s':>12} {'view MB/s':>9} {'sentinel lag ms':>15} {'view lag p50/max ms':>19} {'log ok':>6}")
        print(hdr)
        for x in rows:
            lag = x["sentinel_lag_ms"]
            vl = x["view_lag_ms"]
            lag_s = "never" if lag is None else f"{lag:.0f}"
            vl_s = f"{vl['p50']:.0f}/{vl['max']:.0f}" if vl else "-"
            print(f"{x['viewer']:<12} {x['rep'] + 1:>3} {x['writer_mb_s']:>11.2f} "
                  f"{x.get('log_complete_after_go_s', float('nan')):>10.2f} {x.get('capture_lag_ms', float('nan')):>10.0f} "
                  f"{x['cpu_s']['daemon'] or 0:>12.2f} "
                  f"{x['cpu_s']['viewer'] or 0:>12.2f} {x.get('view_mb_s') or float('nan'):>9.2f} {lag_s:>15} "
                  f"{vl_s:>19} {'yes' if x['log_check']['complete'] else 'NO':>6}"
                  f"{'  (a compiler ran meanwhile)' if x['noise']['compilers_seen'] else ''}")
        print()
        by = {}
        for x in rows:
            if x["sentinel_lag_ms"] is not None:
                by.setdefault(x["viewer"], []).append(x["sentinel_lag_ms"])
        cap = [x["capture_lag_ms"] for x in rows if x.get("capture_lag_ms") is not None]
        if cap:
            print(f"sentinel written -> in weft's log file (the floor for any follower): median {median(cap):.0f} ms, "
                  f"max {max(cap):.0f} ms (10 ms sampling)")
        if "tail -f" in by:
            floor = median(by["tail -f"])
            for v, lags in by.items():
                med = median(lags)
                print(f"sentinel written -> on screen, {v}: median {med:.0f} ms = {med / max(floor, 1.0):.2f}x tail -f")

    follow_table(r["follow"])
    idle = [ms for x in r["follow"] for ms in x.get("help_idle_ms", []) if ms is not None]
    flood = [ms for x in r["follow"] for ms in x.get("help_flood_ms", [])]
    if idle:
        si = summary(idle)
        print(f"`?` -> help on screen, no flood: p50 {si['p50']:.1f} ms, max {si['max']:.1f} ms (n={si['n']})")
    if flood:
        ok = [ms for ms in flood if ms is not None]
        if ok:
            sf = summary(ok)
            ratio = f" = {sf['p50'] / si['p50']:.1f}x no flood" if idle else ""
            print(f"`?` -> help on screen, during the flood: p50 {sf['p50']:.1f} ms{ratio}, max {sf['max']:.1f} ms "
                  f"(n={sf['n']}, {len(flood) - len(ok)} never within 30 s)")
    if r.get("trickle"):
        print()
        print(f"log follow: the same task at {r['trickle_mbps'] * 1e4:g} lines/s for {r['trickle_secs']:g} s (a trickle)")
        follow_table(r["trickle"])
        for key, what in (("help_idle_ms", "before"), ("help_flood_ms", "during")):
            v = [ms for x in r["trickle"] for ms in x.get(key, []) if ms is not None]
            if v:
                sv = summary(v)
                print(f"`?` -> help on screen, {what} the trickle: p50 {sv['p50']:.1f} ms, max {sv['max']:.1f} ms (n={sv['n']})")
    print()
    print("phase noise (machine CPU s over the phase; compilers seen):")
    for name, ph in L["phases"].items():
        print(f"  {name}: {ph['wall_s']} s wall, {ph['machine_cpu_s']} CPU s, compilers {ph['compilers_seen']}")
    for x in r["follow"]:
        print(f"  flood {x['viewer']} rep {x['rep'] + 1}: {x['noise']['wall_s']} s wall, "
              f"{x['noise']['machine_cpu_s']} CPU s, compilers {x['noise']['compilers_seen']}; "
              f"idle wait {x['idle']}")
    for x in r.get("trickle", []):
        print(f"  trickle {x['viewer']} rep {x['rep'] + 1}: {x['noise']['wall_s']} s wall, "
              f"{x['noise']['machine_cpu_s']} CPU s, compilers {x['noise']['compilers_seen']}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("run")
    w.add_argument("--weft", required=True)
    w.add_argument("--home", required=True)
    w.add_argument("--work", required=True)
    w.add_argument("--pid", type=int, required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--runs", type=int, default=10000)
    w.add_argument("--log-mb", type=float, default=10)
    w.add_argument("--flood-mbps", type=float, default=50)
    w.add_argument("--flood-secs", type=float, default=5)
    w.add_argument("--flood-reps", type=int, default=2)
    w.add_argument("--flood-timeout", type=float, default=90)
    w.add_argument("--trickle-mbps", type=float, default=0.01)
    w.add_argument("--trickle-secs", type=float, default=3)
    w.add_argument("--help-probes", type=int, default=10)
    w.add_argument("--pages", type=int, default=40)
    w.add_argument("--width", type=int, default=160)
    w.add_argument("--height", type=int, default=48)
    w.add_argument("--idle-wait", type=int, default=300)
    w.add_argument("--less", action="store_true")
    r = sub.add_parser("report")
    r.add_argument("results")
    args = ap.parse_args()
    {"run": cmd_run, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
