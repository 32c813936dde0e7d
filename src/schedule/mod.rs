//! When a scheduled workflow fires: the `schedule:` entries of a workflow
//! (`cron` with an optional IANA timezone, `every` interval, one-off `at`),
//! the next-fire computation over an injected "now", the daylight-saving
//! rules, the fires missed while no daemon ran (`catchup`), and each
//! schedule in words. Pure: no clock, no I/O; never prints or exits. Must not
//! depend on the workflow layer (which builds these) or anything above.
//!
//! Daylight saving (cron in a zone with DST; `every` counts real time and
//! `at` names one instant, so neither is affected):
//! - a time in the spring-forward gap (02:30 on a day that jumps from 02:00
//!   to 03:00) fires at the first valid moment after the gap (03:00) when
//!   the expression names a fixed hour and minute; an expression with `*` or
//!   a step in its time fields simply has no fires inside the gap;
//! - in the autumn hour that happens twice, a fixed time (01:30) fires once,
//!   at its first occurrence; a wildcard or step expression fires in both
//!   passes (every 15 minutes stays every 15 minutes of real time).
//!
//! These are croner's rules (those of Vixie cron and the Open Cron Pattern
//! Specification); `at:` times in a gap or overlap follow the same idea.

pub mod systemd;

use crate::model::{Millis, Overlap};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use std::str::FromStr;
use std::time::Duration;

/// The zone a `cron` or `at` time is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// The daemon's local zone (`TZ`, `/etc/localtime`).
    Local,
    Named(chrono_tz::Tz),
}

impl Zone {
    /// An IANA name (`Europe/Berlin`, `UTC`); the error lists near names.
    pub fn parse(name: &str) -> Result<Zone, ScheduleError> {
        chrono_tz::Tz::from_str(name)
            .map(Zone::Named)
            .map_err(|_| ScheduleError::UnknownZone(name.to_string()))
    }

    pub fn name(&self) -> String {
        match self {
            Zone::Local => "local".to_string(),
            Zone::Named(tz) => tz.name().to_string(),
        }
    }

    /// All IANA names, for "did you mean".
    pub fn all_names() -> impl Iterator<Item = &'static str> + Clone {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

/// One entry of `schedule:`.
#[derive(Clone, Debug)]
pub enum Spec {
    /// A cron expression: 5 fields, or 6 with seconds first; `L`, `W`, `#`.
    Cron {
        expr: String,
        cron: Box<croner::Cron>,
        zone: Zone,
    },
    /// Every interval of real time, counted from the Unix epoch (so
    /// `every: 15m` fires at :00, :15, :30 and :45 UTC, the same on every
    /// daemon and across restarts).
    Every { interval: Duration },
    /// Once, at this instant.
    At { at: Millis, zone: Zone },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("`{expr}` is not a cron expression: {reason}")]
    BadCron { expr: String, reason: String },
    #[error("unknown timezone `{0}`")]
    UnknownZone(String),
    #[error(
        "`{0}` is not a time; write `2026-12-01 09:00`, `2026-12-01T09:00:00` or RFC 3339 with an offset"
    )]
    BadTime(String),
    #[error("an `every` interval must be at least 1s")]
    TooShort,
    #[error("an `every` interval must be at most 366d")]
    TooLong,
}

impl Spec {
    pub fn cron(expr: &str, zone: Zone) -> Result<Spec, ScheduleError> {
        check_fields(expr).map_err(|reason| ScheduleError::BadCron {
            expr: expr.to_string(),
            reason,
        })?;
        let cron = cron_parser()
            .parse(expr)
            .map_err(|e| ScheduleError::BadCron {
                expr: expr.to_string(),
                reason: cron_reason(&e),
            })?;
        // An expression that never matches (`0 0 30 2 *`) is an error now,
        // not a silent schedule that never fires.
        let probe = Utc.timestamp_millis_opt(0).single().expect("epoch");
        if cron.find_next_occurrence(&probe, false).is_err() {
            return Err(ScheduleError::BadCron {
                expr: expr.to_string(),
                reason: "it never matches a real date".into(),
            });
        }
        Ok(Spec::Cron {
            expr: expr.to_string(),
            cron: Box::new(cron),
            zone,
        })
    }

    pub fn every(interval: Duration) -> Result<Spec, ScheduleError> {
        if interval < Duration::from_secs(1) {
            return Err(ScheduleError::TooShort);
        }
        if interval > EVERY_MAX {
            return Err(ScheduleError::TooLong);
        }
        Ok(Spec::Every { interval })
    }

    pub fn at(text: &str, zone: Zone) -> Result<Spec, ScheduleError> {
        let at = parse_at(text, zone).ok_or_else(|| ScheduleError::BadTime(text.to_string()))?;
        Ok(Spec::At { at, zone })
    }

    /// Names this schedule within its workflow. Frozen format: stored with
    /// every fire, so a fire is recorded once per schedule and time.
    pub fn key(&self) -> String {
        match self {
            Spec::Cron { expr, zone, .. } => format!("cron:{expr}@{}", zone.name()),
            Spec::Every { interval } => format!("every:{}ms", interval.as_millis()),
            Spec::At { at, .. } => format!("at:{at}"),
        }
    }

    pub fn zone(&self) -> Option<Zone> {
        match self {
            Spec::Cron { zone, .. } | Spec::At { zone, .. } => Some(*zone),
            Spec::Every { .. } => None,
        }
    }

    /// The expression as written (`0 3 * * *`, `every 15m`, `at ...`).
    pub fn expression(&self) -> String {
        match self {
            Spec::Cron { expr, .. } => expr.clone(),
            Spec::Every { interval } => every_text(*interval),
            Spec::At { at, .. } => at_text(*at),
        }
    }

    /// The schedule in words.
    pub fn describe(&self) -> String {
        match self {
            Spec::Cron { cron, .. } => cron.describe(),
            Spec::Every { interval } => format!("Every {}.", human_interval(*interval)),
            Spec::At { at, zone } => format!("Once, at {}.", in_zone(*at, *zone)),
        }
    }

    /// The first fire strictly after `after`, if any.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        match self {
            Spec::Cron { cron, zone, .. } => {
                let after = Utc.timestamp_millis_opt(after).single()?;
                let next = match zone {
                    Zone::Local => cron
                        .find_next_occurrence(&after.with_timezone(&chrono::Local), false)
                        .ok()
                        .map(|t| t.timestamp_millis()),
                    Zone::Named(tz) => cron
                        .find_next_occurrence(&after.with_timezone(tz), false)
                        .ok()
                        .map(|t| t.timestamp_millis()),
                };
                // croner works in whole seconds; never return `after` itself.
                next.filter(|&n| n > after.timestamp_millis())
            }
            Spec::Every { interval } => {
                let step = every_step(*interval)?;
                after.div_euclid(step).checked_add(1)?.checked_mul(step)
            }
            Spec::At { at, .. } => (*at > after).then_some(*at),
        }
    }

    /// The last fire at or before `t`, if any.
    pub fn latest_at_or_before(&self, t: Millis) -> Option<Millis> {
        match self {
            Spec::Cron { cron, zone, .. } => {
                let t = Utc.timestamp_millis_opt(t).single()?;
                match zone {
                    Zone::Local => cron
                        .find_previous_occurrence(&t.with_timezone(&chrono::Local), true)
                        .ok()
                        .map(|t| t.timestamp_millis()),
                    Zone::Named(tz) => cron
                        .find_previous_occurrence(&t.with_timezone(tz), true)
                        .ok()
                        .map(|t| t.timestamp_millis()),
                }
            }
            Spec::Every { interval } => {
                let step = every_step(*interval)?;
                t.div_euclid(step).checked_mul(step)
            }
            Spec::At { at, .. } => (*at <= t).then_some(*at),
        }
    }

    /// The fires in `(from, to]`, oldest first, at most `limit`.
    pub fn fires_between(&self, from: Millis, to: Millis, limit: usize) -> Vec<Millis> {
        let mut out = Vec::new();
        let mut t = from;
        while out.len() < limit {
            match self.next_after(t) {
                Some(n) if n <= to => {
                    out.push(n);
                    t = n;
                }
                _ => break,
            }
        }
        out
    }
}

/// The longest `every` interval (the workflow layer checks the same bound
/// with a located message).
pub const EVERY_MAX: Duration = Duration::from_secs(366 * 86_400);

/// An `every` interval in milliseconds, at least 1; `None` past `i64`.
fn every_step(interval: Duration) -> Option<i64> {
    i64::try_from(interval.as_millis()).ok().map(|s| s.max(1))
}

/// What happens to fires missed while no daemon ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Catchup {
    /// Forget them (the default).
    #[default]
    None,
    /// Run once for the most recent one.
    Latest,
    /// Run once for each (within `catchup_window`).
    All,
}

impl Catchup {
    pub const NAMES: &'static [&'static str] = &["none", "latest", "all"];

    pub fn parse(s: &str) -> Option<Catchup> {
        match s {
            "none" => Some(Catchup::None),
            "latest" => Some(Catchup::Latest),
            "all" => Some(Catchup::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Catchup::None => "none",
            Catchup::Latest => "latest",
            Catchup::All => "all",
        }
    }
}

/// How a workflow's fires behave: `overlap`, `catchup`, `catchup_window`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    pub overlap: Overlap,
    pub catchup: Catchup,
    /// Missed fires older than this are forgotten.
    pub catchup_window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            overlap: Overlap::Allow,
            catchup: Catchup::None,
            catchup_window: Duration::from_secs(24 * 3600),
        }
    }
}

/// The most fires one schedule catches up at once.
pub const MAX_CATCHUP: usize = 100;

/// The fires of `spec` a daemon missed: due after `last` (the last time
/// this schedule was handled: its last fire, or when a daemon first saw
/// it) and at or before `now`, as `catchup` and the window decide.
pub fn missed(spec: &Spec, last: Millis, now: Millis, policy: &Policy) -> Vec<Millis> {
    let window = i64::try_from(policy.catchup_window.as_millis()).unwrap_or(i64::MAX);
    let window_start = now.saturating_sub(window);
    let from = last.max(window_start);
    match policy.catchup {
        Catchup::None => Vec::new(),
        Catchup::All => spec.fires_between(from, now, MAX_CATCHUP),
        Catchup::Latest => spec
            .latest_at_or_before(now)
            .filter(|&t| t > from)
            .into_iter()
            .collect(),
    }
}

/// Five fields, or six with seconds first; no year.
fn cron_parser() -> croner::parser::CronParser {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .build()
}

/// The fields of a five- or six-field expression (seconds first in six),
/// with the numbers each takes.
const CRON_FIELDS: [(&str, u32, u32); 6] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];

/// Names the field of a plain number out of its range (`minute 61 is out
/// of 0-59`), before croner, whose errors do not say which field. Only
/// plain numbers (alone, as range ends, in lists) are checked here; names,
/// `L`, `W`, `#`, `?` and the shape of the expression are croner's to judge.
fn check_fields(expr: &str) -> Result<(), String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let names = match fields.len() {
        5 => &CRON_FIELDS[1..],
        6 => &CRON_FIELDS[..],
        _ => return Ok(()),
    };
    for (value, &(field, lo, hi)) in fields.iter().zip(names) {
        for part in value.split(',') {
            let base = part.split_once('/').map_or(part, |(b, _)| b);
            for end in base.split('-') {
                if end.is_empty() || !end.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                match end.parse::<u64>() {
                    Ok(n) if n >= u64::from(lo) && n <= u64::from(hi) => {}
                    _ => return Err(format!("{field} {end} is out of {lo}-{hi}")),
                }
            }
        }
    }
    Ok(())
}

fn cron_reason(e: &croner::errors::CronError) -> String {
    let text = e.to_string();
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "it does not parse".into(),
    }
}

/// `2026-12-01 09:00[:ss]`, with `T` or a space, in `zone`; or RFC 3339.
fn parse_at(text: &str, zone: Zone) -> Option<Millis> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
    match zone {
        Zone::Local => local_instant(&chrono::Local, naive),
        Zone::Named(tz) => local_instant(&tz, naive),
    }
}

/// A wall-clock time in a zone as an instant: the earlier one when the
/// hour repeats, the first valid minute after the gap when it is skipped.
fn local_instant<Z: TimeZone>(zone: &Z, naive: NaiveDateTime) -> Option<Millis> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.timestamp_millis()),
        LocalResult::Ambiguous(a, _) => Some(a.timestamp_millis()),
        LocalResult::None => {
            // Gaps start on a whole minute: walk whole minutes to its end.
            let minute = naive - chrono::Duration::seconds(naive.and_utc().timestamp() % 60);
            (1..=180).find_map(|m| {
                match zone.from_local_datetime(&(minute + chrono::Duration::minutes(m))) {
                    LocalResult::Single(t) => Some(t.timestamp_millis()),
                    _ => None,
                }
            })
        }
    }
}

/// A schedule's key (`Spec::key`, stored with each fire) written as its
/// expression is (`every 2s`, `0 3 * * *`, `at 2026-12-01T09:00:00Z`), with
/// a cron schedule's zone after it unless local; `trigger` and keys of
/// another form are returned as they are.
pub fn key_text(key: &str) -> String {
    if let Some(ms) = key
        .strip_prefix("every:")
        .and_then(|k| k.strip_suffix("ms"))
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        return every_text(Duration::from_millis(ms));
    }
    if let Some((expr, zone)) = key.strip_prefix("cron:").and_then(|k| k.rsplit_once('@')) {
        return if zone == "local" {
            expr.to_string()
        } else {
            format!("{expr} ({zone})")
        };
    }
    if let Some(at) = key
        .strip_prefix("at:")
        .and_then(|a| a.parse::<Millis>().ok())
    {
        return at_text(at);
    }
    key.to_string()
}

fn every_text(interval: Duration) -> String {
    format!("every {}", human_interval(interval))
}

fn at_text(at: Millis) -> String {
    format!("at {}", rfc3339(at))
}

/// `15m`, `1h30m`, `2d`, `90s`.
pub fn human_interval(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= len {
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    out
}

/// An instant as RFC 3339 in UTC, seconds precision.
pub fn rfc3339(at: Millis) -> String {
    Utc.timestamp_millis_opt(at)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| at.to_string())
}

/// An instant in a zone, `2026-03-29 03:00 CEST`.
pub fn in_zone(at: Millis, zone: Zone) -> String {
    let Some(t) = Utc.timestamp_millis_opt(at).single() else {
        return at.to_string();
    };
    match zone {
        Zone::Local => t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        Zone::Named(tz) => t
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
    }
}

#[cfg(test)]
mod tests;
