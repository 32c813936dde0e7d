//! The database schema and its migrations. Frozen format: a migration, once
//! released, is never edited; changes are new migrations appended here.
//! `PRAGMA user_version` holds how many have been applied.

pub const MIGRATIONS: &[&str] = &[
    // 1: runs, tasks, attempts, outputs, events.
    r#"
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    workflow    TEXT NOT NULL,
    file        TEXT NOT NULL,
    source      TEXT NOT NULL,
    params      TEXT NOT NULL,
    status      TEXT NOT NULL,
    trigger_    TEXT NOT NULL,
    retry_of    TEXT,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    owner_pid   INTEGER,
    owner_start INTEGER,
    owner_host  TEXT,
    -- 'cli' (a foreground `weft run`) or 'daemon'.
    owner_kind  TEXT NOT NULL DEFAULT 'cli',
    -- 0: no; 1: its daemon died (interrupted attempts count against
    -- retries); 2: its daemon was stopped (they do not).
    resumable   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_created ON runs (created_at DESC);
CREATE INDEX runs_by_workflow ON runs (workflow, created_at DESC);
CREATE INDEX runs_by_status ON runs (status) WHERE status IN ('running', 'paused');

CREATE TABLE tasks (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    reused_from TEXT,
    -- JSON list of the task names it needs.
    needs       TEXT NOT NULL DEFAULT '[]',
    started_at  INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

CREATE TABLE attempts (
    run_id      TEXT NOT NULL,
    task        TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    pid         INTEGER,
    pid_start   INTEGER,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    log_path    TEXT NOT NULL,
    PRIMARY KEY (run_id, task, attempt)
) WITHOUT ROWID;

CREATE TABLE outputs (
    run_id   TEXT NOT NULL,
    task     TEXT NOT NULL,
    position INTEGER NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (run_id, task, key)
) WITHOUT ROWID;

CREATE TABLE events (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    body   TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id, seq);
"#,
    // 2: schedule fires, paused schedules, runs waiting for another run; a
    // run's -j.
    r#"
-- One row per fire of a schedule, written before its run starts: the
-- primary key makes a fire happen once across restarts and daemons.
CREATE TABLE fires (
    workflow    TEXT NOT NULL,
    -- The schedule's key (`cron:0 3 * * *@UTC`, `every:60000ms`, `at:...`),
    -- or `trigger` for `weft schedule trigger`.
    schedule    TEXT NOT NULL,
    fire_at     INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    -- 'started', 'queued', 'skipped' or 'failed'.
    outcome     TEXT NOT NULL,
    -- The run it starts (its id is chosen before it starts); NULL if none.
    run_id      TEXT,
    -- Why it failed to start.
    error       TEXT,
    -- JSON list of [key, value] params (`weft schedule trigger -p`).
    params      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (workflow, schedule, fire_at)
) WITHOUT ROWID;
CREATE INDEX fires_by_time ON fires (workflow, fire_at DESC);

-- When a daemon first saw each schedule: catch-up never reaches before it.
CREATE TABLE schedules_seen (
    workflow TEXT NOT NULL,
    schedule TEXT NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (workflow, schedule)
) WITHOUT ROWID;

-- Workflows whose schedules are paused (`weft schedule pause`).
CREATE TABLE schedules_paused (
    workflow  TEXT PRIMARY KEY,
    paused_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Runs waiting for another run to end (`overlap: queue`, `weft add
-- --after`). Their id is chosen when queued; the row goes once the run
-- exists.
CREATE TABLE queued_runs (
    run_id     TEXT PRIMARY KEY,
    workflow   TEXT NOT NULL,
    file       TEXT NOT NULL,
    source     TEXT NOT NULL,
    -- JSON list of [key, value] params.
    params     TEXT NOT NULL,
    trigger_   TEXT NOT NULL,
    -- It starts once this run has ended.
    after_run  TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The -j a run was started with, so a resumed run keeps it.
ALTER TABLE runs ADD COLUMN concurrency INTEGER;
"#,
    // 3: each task's `when:`, for the dashboard's graph.
    r#"
ALTER TABLE tasks ADD COLUMN run_when TEXT NOT NULL DEFAULT 'success';
"#,
    // 4: fires found by their run (`weft prune` deletes or unlinks them).
    r#"
CREATE INDEX fires_by_run ON fires (run_id) WHERE run_id IS NOT NULL;
"#,
    // 5: a run a graceful `weft daemon stop` suspended has its own status.
    r#"
UPDATE runs SET status = 'suspended' WHERE status = 'interrupted' AND resumable = 2;
"#,
    // 6: why a task ready to start has not (`waiting for a slot, 2 of 2 in
    // use`); NULL once it starts or ends.
    r#"
ALTER TABLE tasks ADD COLUMN waiting TEXT;
"#,
];
