//! Next-fire computation with an injected clock, across daylight-saving
//! changes (Europe/Berlin, 2026: spring forward on 29 March at 02:00 CET,
//! fall back on 25 October at 03:00 CEST).

use super::*;

fn utc(text: &str) -> Millis {
    DateTime::parse_from_rfc3339(text)
        .expect("a test time")
        .timestamp_millis()
}

fn berlin() -> Zone {
    Zone::parse("Europe/Berlin").unwrap()
}

fn next_n(spec: &Spec, from: &str, n: usize) -> Vec<String> {
    let mut t = utc(from);
    (0..n)
        .map(|_| {
            t = spec.next_after(t).expect("a next fire");
            rfc3339(t)
        })
        .collect()
}

#[test]
fn a_fixed_time_in_the_spring_gap_fires_when_the_gap_ends() {
    let spec = Spec::cron("30 2 * * *", berlin()).unwrap();
    assert_eq!(
        next_n(&spec, "2026-03-28T12:00:00Z", 3),
        [
            // 02:30 does not exist on the 29th: 03:00 CEST, the gap's end.
            "2026-03-29T01:00:00Z",
            "2026-03-30T00:30:00Z",
            "2026-03-31T00:30:00Z",
        ]
    );
}

#[test]
fn a_step_expression_has_no_fires_inside_the_spring_gap() {
    let spec = Spec::cron("*/30 * * * *", berlin()).unwrap();
    assert_eq!(
        next_n(&spec, "2026-03-29T00:15:00Z", 4),
        [
            "2026-03-29T00:30:00Z", // 01:30 CET
            "2026-03-29T01:00:00Z", // 03:00 CEST: 02:00 and 02:30 never happened
            "2026-03-29T01:30:00Z",
            "2026-03-29T02:00:00Z",
        ]
    );
}

#[test]
fn a_fixed_time_in_the_repeated_autumn_hour_fires_once() {
    let spec = Spec::cron("30 2 * * *", berlin()).unwrap();
    assert_eq!(
        next_n(&spec, "2026-10-24T12:00:00Z", 2),
        [
            "2026-10-25T00:30:00Z", // the first 02:30 (CEST); not again at 01:30Z
            "2026-10-26T01:30:00Z", // 02:30 CET the next day
        ]
    );
}

#[test]
fn a_step_expression_fires_in_both_passes_of_the_repeated_hour() {
    let spec = Spec::cron("*/30 * * * *", berlin()).unwrap();
    assert_eq!(
        next_n(&spec, "2026-10-25T00:00:00Z", 4),
        [
            "2026-10-25T00:30:00Z", // 02:30 CEST
            "2026-10-25T01:00:00Z", // 02:00 CET
            "2026-10-25T01:30:00Z", // 02:30 CET
            "2026-10-25T02:00:00Z", // 03:00 CET
        ]
    );
}

#[test]
fn utc_and_seconds_fields_work() {
    let spec = Spec::cron("*/20 * * * * *", Zone::parse("UTC").unwrap()).unwrap();
    assert_eq!(
        next_n(&spec, "2026-01-01T00:00:05Z", 2),
        ["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z"]
    );
    let last_friday = Spec::cron("0 9 * * 5L", Zone::parse("UTC").unwrap()).unwrap();
    assert_eq!(
        next_n(&last_friday, "2026-01-01T00:00:00Z", 1),
        ["2026-01-30T09:00:00Z"]
    );
}

#[test]
fn every_counts_real_time_from_the_epoch() {
    let spec = Spec::every(Duration::from_secs(15 * 60)).unwrap();
    assert_eq!(
        next_n(&spec, "2026-10-25T00:07:00Z", 2),
        ["2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z"]
    );
    assert_eq!(spec.key(), "every:900000ms");
    assert_eq!(spec.describe(), "Every 15m.");
    assert_eq!(
        Spec::every(Duration::from_millis(500)).unwrap_err(),
        ScheduleError::TooShort
    );
}

#[test]
fn at_times_in_a_gap_or_a_repeated_hour_are_defined() {
    let gap = Spec::at("2026-03-29 02:30", berlin()).unwrap();
    assert_eq!(
        gap.next_after(0).map(rfc3339).unwrap(),
        "2026-03-29T01:00:00Z"
    );
    let twice = Spec::at("2026-10-25T02:30", berlin()).unwrap();
    assert_eq!(
        twice.next_after(0).map(rfc3339).unwrap(),
        "2026-10-25T00:30:00Z"
    );
    let exact = Spec::at("2026-10-25T02:30:00+01:00", berlin()).unwrap();
    assert_eq!(
        exact.next_after(0).map(rfc3339).unwrap(),
        "2026-10-25T01:30:00Z"
    );
    // One-off: nothing after it.
    assert_eq!(exact.next_after(utc("2026-10-25T01:30:00Z")), None);
    assert!(matches!(
        Spec::at("tomorrow", berlin()),
        Err(ScheduleError::BadTime(_))
    ));
}

#[test]
fn bad_expressions_and_zones_say_what_is_wrong() {
    let err = Spec::cron("0 3 * *", Zone::Local).unwrap_err().to_string();
    assert!(
        err.starts_with("`0 3 * *` is not a cron expression: "),
        "{err}"
    );
    let err = Spec::cron("0 0 30 2 *", Zone::Local)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "`0 0 30 2 *` is not a cron expression: it never matches a real date"
    );
    assert_eq!(
        Zone::parse("Europe/Berln").unwrap_err(),
        ScheduleError::UnknownZone("Europe/Berln".into())
    );
}

#[test]
fn missed_fires_follow_catchup_and_its_window() {
    let spec = Spec::every(Duration::from_secs(60)).unwrap();
    let last = utc("2026-01-01T00:00:00Z");
    let now = utc("2026-01-01T00:05:30Z");
    let mut policy = Policy::default();
    assert!(missed(&spec, last, now, &policy).is_empty());
    policy.catchup = Catchup::Latest;
    assert_eq!(
        missed(&spec, last, now, &policy)
            .into_iter()
            .map(rfc3339)
            .collect::<Vec<_>>(),
        ["2026-01-01T00:05:00Z"]
    );
    policy.catchup = Catchup::All;
    assert_eq!(missed(&spec, last, now, &policy).len(), 5);
    policy.catchup_window = Duration::from_secs(150);
    assert_eq!(
        missed(&spec, last, now, &policy)
            .into_iter()
            .map(rfc3339)
            .collect::<Vec<_>>(),
        ["2026-01-01T00:04:00Z", "2026-01-01T00:05:00Z"]
    );
    // Nothing missed when the last fire is the latest due one.
    policy.catchup = Catchup::Latest;
    assert!(missed(&spec, utc("2026-01-01T00:05:00Z"), now, &policy).is_empty());
}

#[test]
fn schedules_read_in_words() {
    let spec = Spec::cron("0 3 * * 1-5", berlin()).unwrap();
    assert_eq!(spec.key(), "cron:0 3 * * 1-5@Europe/Berlin");
    let words = spec.describe();
    assert!(
        words.contains("Monday") && words.contains("Friday"),
        "{words}"
    );
}

#[test]
fn a_next_fire_is_strictly_later_even_from_inside_a_second() {
    let utc_zone = Zone::parse("UTC").unwrap();
    for expr in ["* * * * * *", "*/2 * * * * *", "0 * * * *"] {
        let spec = Spec::cron(expr, utc_zone).unwrap();
        let mut t = utc("2026-01-01T00:00:00Z") + 500;
        for _ in 0..5 {
            let next = spec.next_after(t).expect("a next fire");
            assert!(next > t && next % 1000 == 0, "{expr}: {t} -> {next}");
            t = next;
        }
        // From exactly a fire time, the next one is the one after it.
        let at = spec.next_after(t).unwrap();
        assert!(at > t);
    }
    assert_eq!(
        Spec::cron("* * * * * *", utc_zone)
            .unwrap()
            .next_after(utc("2026-01-01T00:00:00Z") + 500),
        Some(utc("2026-01-01T00:00:01Z"))
    );
}

#[test]
fn the_latest_fire_at_or_before_a_time_includes_that_time() {
    let spec = Spec::cron("* * * * * *", Zone::parse("UTC").unwrap()).unwrap();
    let t = utc("2026-01-01T00:00:10Z");
    assert_eq!(spec.latest_at_or_before(t), Some(t));
    assert_eq!(spec.latest_at_or_before(t + 500), Some(t));
    let every = Spec::every(Duration::from_secs(1)).unwrap();
    assert_eq!(every.latest_at_or_before(t + 500), Some(t));
}
