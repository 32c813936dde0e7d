//! Schedules as systemd timer settings, for `weft schedule export
//! --systemd`: a cron expression becomes `OnCalendar=` (with its timezone),
//! `every` becomes `OnUnitActiveSec=`, `at` a one-time `OnCalendar=` in UTC.
//! What systemd cannot say (`L`, `W`, `#`, day-of-month *or* day-of-week)
//! is an error rather than a timer that fires at other times.

use super::{Spec, Zone, human_interval};

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The `[Timer]` lines of one schedule.
pub fn timer_lines(spec: &Spec) -> Result<Vec<String>, String> {
    match spec {
        Spec::Every { interval } => {
            let every = human_interval(*interval);
            Ok(vec![
                format!("OnActiveSec={every}"),
                format!("OnUnitActiveSec={every}"),
            ])
        }
        Spec::At { at, .. } => Ok(vec![format!(
            "OnCalendar={} UTC",
            super::rfc3339(*at).trim_end_matches('Z').replace('T', " ")
        )]),
        Spec::Cron { expr, zone, .. } => {
            let calendar = on_calendar(expr)?;
            let zone = match zone {
                Zone::Local => String::new(),
                Zone::Named(tz) => format!(" {}", tz.name()),
            };
            Ok(vec![format!("OnCalendar={calendar}{zone}")])
        }
    }
}

/// A cron expression (5 fields, or 6 with seconds) as an `OnCalendar=` value.
fn on_calendar(expr: &str) -> Result<String, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let (sec, rest) = match fields.len() {
        5 => ("0", &fields[..]),
        6 => (fields[0], &fields[1..]),
        _ => return Err(format!("`{expr}` does not have 5 or 6 fields")),
    };
    let [min, hour, dom, mon, dow] = rest else {
        unreachable!("five fields")
    };
    if expr.contains(['L', 'W', '#', '?']) || expr.starts_with('@') {
        return Err(format!(
            "`{expr}` uses `L`, `W`, `#`, `?` or an alias, which systemd's OnCalendar cannot express"
        ));
    }
    if *dom != "*" && *dow != "*" {
        return Err(format!(
            "`{expr}` restricts both day of month and day of week: cron fires on either, systemd only on both"
        ));
    }
    let weekday = if *dow == "*" {
        String::new()
    } else {
        format!("{} ", weekdays(dow)?)
    };
    Ok(format!(
        "{weekday}*-{}-{} {}:{}:{}",
        field(mon)?,
        field(dom)?,
        field(hour)?,
        field(min)?,
        field(sec)?
    ))
}

/// `*/15` → `0/15`, `1-5` → `1..5`; lists stay lists.
fn field(f: &str) -> Result<String, String> {
    f.split(',')
        .map(|part| {
            if part.chars().any(|c| c.is_ascii_alphabetic()) {
                return Err(format!("`{part}`: write months and days as numbers"));
            }
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (part, None),
            };
            let range = match range {
                "*" if step.is_some() => "0".to_string(),
                r => r.replace('-', ".."),
            };
            Ok(match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|parts| parts.join(","))
}

/// `1-5` → `Mon..Fri`, `0,6` → `Sun,Sat`.
fn weekdays(f: &str) -> Result<String, String> {
    let day = |d: &str| -> Result<&str, String> {
        let n: usize = d
            .parse()
            .map_err(|_| format!("`{d}`: write days of the week as numbers 0-7"))?;
        DAYS.get(n % 7)
            .copied()
            .filter(|_| n <= 7)
            .ok_or_else(|| format!("`{d}` is not a day of the week"))
    };
    f.split(',')
        .map(|part| {
            if part.contains('/') {
                return Err(format!(
                    "`{part}`: steps in the day of week are not supported"
                ));
            }
            match part.split_once('-') {
                Some((a, b)) => Ok(format!("{}..{}", day(a)?, day(b)?)),
                None => day(part).map(str::to_string),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|parts| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn cron(expr: &str, zone: &str) -> Result<Vec<String>, String> {
        timer_lines(&Spec::cron(expr, Zone::parse(zone).unwrap()).unwrap())
    }

    #[test]
    fn cron_expressions_become_on_calendar() {
        assert_eq!(
            cron("0 3 * * 1-5", "Europe/Berlin").unwrap(),
            ["OnCalendar=Mon..Fri *-*-* 3:0:0 Europe/Berlin"]
        );
        assert_eq!(
            cron("*/15 9-17 1,15 * *", "UTC").unwrap(),
            ["OnCalendar=*-*-1,15 9..17:0/15:0 UTC"]
        );
        assert_eq!(
            cron("30 */5 * * * *", "UTC").unwrap(),
            ["OnCalendar=*-*-* *:0/5:30 UTC"]
        );
        let err = cron("0 3 * * 5L", "UTC").unwrap_err();
        assert!(err.contains("systemd"), "{err}");
        let err = cron("0 3 1 * 1", "UTC").unwrap_err();
        assert!(err.contains("either"), "{err}");
    }

    #[test]
    fn every_and_at_have_their_own_settings() {
        let every = Spec::every(Duration::from_secs(900)).unwrap();
        assert_eq!(
            timer_lines(&every).unwrap(),
            ["OnActiveSec=15m", "OnUnitActiveSec=15m"]
        );
        let at = Spec::at("2026-12-01T09:00:00Z", Zone::Local).unwrap();
        assert_eq!(
            timer_lines(&at).unwrap(),
            ["OnCalendar=2026-12-01 09:00:00 UTC"]
        );
    }
}
