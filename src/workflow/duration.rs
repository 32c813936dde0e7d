//! Durations as users write them: `500ms`, `10s`, `5m`, `1h30m`, `2d`.

use std::time::Duration;

/// The longest duration `parse_duration` takes at all (100 years): far above
/// every field's own bound (see `super::bounds`), and far below where the
/// arithmetic on it could overflow.
pub const PARSE_MAX: Duration = Duration::from_secs(36_600 * 86_400);

/// Parses a duration; the error says what is wrong in words. Never panics:
/// an enormous number is an error, not an overflow.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    parse(text).map_err(|e| match e {
        Error::TooLong => too_long(text.trim()),
        Error::Bad(why) => why,
    })
}

/// Why a duration does not parse.
#[derive(Debug, PartialEq)]
pub(super) enum Error {
    /// Longer than `PARSE_MAX` (callers with a bound of their own say it).
    TooLong,
    Bad(String),
}

impl From<String> for Error {
    fn from(why: String) -> Self {
        Error::Bad(why)
    }
}

pub(super) fn parse(text: &str) -> Result<Duration, Error> {
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::Bad("empty duration".into()));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Bad(format!(
            "`{s}` has no unit; write for example `{s}s` or `{s}m`"
        )));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{s}` ends without a unit"))?;
        if digits == 0 {
            return Err(Error::Bad(format!(
                "`{s}` is not a duration; write a number and a unit (ms, s, m, h, d), e.g. `90s` or `1h30m`"
            )));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{}` is not a number", &rest[..digits]))?;
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let unit = rest[digits..digits + unit_len].trim();
        let secs = match unit {
            "ms" | "millis" | "milliseconds" => 0.001,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            other => {
                return Err(Error::Bad(format!(
                    "unknown unit `{other}` in `{s}`; use ms, s, m, h or d"
                )));
            }
        };
        let part = Duration::try_from_secs_f64(number * secs)
            .ok()
            .filter(|d| *d <= PARSE_MAX)
            .ok_or(Error::TooLong)?;
        total = total
            .checked_add(part)
            .filter(|d| *d <= PARSE_MAX)
            .ok_or(Error::TooLong)?;
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

fn too_long(s: &str) -> String {
    format!("`{s}` is too long; no duration in weft is longer than 36600d (100 years)")
}

/// A duration the way a user writes it: `366d`, `1h30m`, `500ms`.
pub fn format_bound(d: Duration) -> String {
    if d.subsec_millis() != 0 || d.is_zero() {
        return format!("{}ms", d.as_millis());
    }
    let mut secs = d.as_secs();
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= len {
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_compounds() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("10 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(parse_duration("5").unwrap_err().contains("`5s`"));
    }
}
