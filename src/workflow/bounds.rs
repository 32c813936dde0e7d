//! The bounds of every number a user writes, in one place: each is checked
//! at validation (workflow files) or when the config is read, with a located
//! message, so the arithmetic downstream never meets an absurd value. The
//! table in README.md ("Bounds") lists the same numbers; keep them equal.

use std::time::Duration;

/// A range of durations, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationBound {
    pub min: Duration,
    pub max: Duration,
}

/// A range of whole numbers, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntBound {
    pub min: i64,
    pub max: i64,
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

const DAY: u64 = 86_400;

/// `timeout` (a task or `defaults`): more than nothing, at most a year.
pub const TIMEOUT: DurationBound = DurationBound {
    min: Duration::from_millis(1),
    max: secs(366 * DAY),
};
/// A `delay:` task.
pub const DELAY_TASK: DurationBound = DurationBound {
    min: Duration::ZERO,
    max: secs(366 * DAY),
};
/// `retry.delay` and `retry.max_delay`: no single wait is longer than a day.
pub const RETRY_DELAY: DurationBound = DurationBound {
    min: Duration::ZERO,
    max: secs(DAY),
};
/// `schedule: - every:`.
pub const EVERY: DurationBound = DurationBound {
    min: secs(1),
    max: crate::schedule::EVERY_MAX,
};
/// `catchup_window`.
pub const CATCHUP_WINDOW: DurationBound = DurationBound {
    min: Duration::ZERO,
    max: secs(366 * DAY),
};
/// `retry.attempts` (or `retry: N`): the first attempt included.
pub const ATTEMPTS: IntBound = IntBound { min: 1, max: 100 };
/// A workflow's `concurrency`.
pub const CONCURRENCY: IntBound = IntBound { min: 1, max: 1024 };
/// `retry.backoff`, the factor between two waits.
pub const BACKOFF_MIN: f64 = 1.0;
pub const BACKOFF_MAX: f64 = 10.0;
/// `retry.on_exit` codes.
pub const EXIT_CODE: IntBound = IntBound { min: 0, max: 255 };

/// `retention.max_age` (config.yaml and workflow files).
pub const RETENTION_AGE: DurationBound = DurationBound {
    min: secs(60),
    max: secs(3660 * DAY),
};
/// `retention.keep` (config.yaml and workflow files).
pub const RETENTION_KEEP: IntBound = IntBound {
    min: 1,
    max: 10_000_000,
};
/// config.yaml `retention.interval`.
pub const RETENTION_INTERVAL: DurationBound = DurationBound {
    min: secs(1),
    max: secs(DAY),
};

/// config.yaml `run.concurrency` (0 = as many as CPUs).
pub const CONFIG_CONCURRENCY: IntBound = IntBound { min: 0, max: 1024 };
/// config.yaml `run.kill_grace`.
pub const KILL_GRACE: DurationBound = DurationBound {
    min: Duration::ZERO,
    max: secs(3_600),
};
/// config.yaml `daemon.input_wait`.
pub const INPUT_WAIT: DurationBound = DurationBound {
    min: Duration::from_millis(10),
    max: secs(DAY),
};
/// config.yaml `daemon.tcp`: the port of `host:port`.
pub const PORT: IntBound = IntBound {
    min: 1,
    max: 65_535,
};

impl DurationBound {
    pub fn contains(&self, d: Duration) -> bool {
        self.min <= d && d <= self.max
    }

    /// `between 1s and 366d` / `at most 1d`.
    pub fn describe(&self) -> String {
        let max = super::duration::format_bound(self.max);
        if self.min.is_zero() {
            format!("at most {max}")
        } else {
            format!(
                "between {} and {max}",
                super::duration::format_bound(self.min)
            )
        }
    }
}

impl IntBound {
    pub fn contains(&self, n: i64) -> bool {
        self.min <= n && n <= self.max
    }

    pub fn describe(&self) -> String {
        format!("from {} to {}", self.min, self.max)
    }
}

/// Where every bound is listed, for the hints.
pub const HINT: &str =
    "the bounds of every number weft reads are listed under \"Bounds\" in README.md";
