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
    // A number out of its field's range names the field, the value and the range.
    for (expr, reason) in [
        ("61 * * * *", "minute 61 is out of 0-59"),
        ("0 24 * * *", "hour 24 is out of 0-23"),
        ("0 0 0 * *", "day of month 0 is out of 1-31"),
        ("0 0 1,32 * *", "day of month 32 is out of 1-31"),
        ("0 0 * 1-13 *", "month 13 is out of 1-12"),
        ("0 0 * * 8", "day of week 8 is out of 0-7"),
        ("60 0 0 * * *", "second 60 is out of 0-59"),
        ("*/5 99/2 * * *", "hour 99 is out of 0-23"),
    ] {
        assert_eq!(
            Spec::cron(expr, Zone::Local).unwrap_err().to_string(),
            format!("`{expr}` is not a cron expression: {reason}")
        );
    }
    for ok in [
        "59 23 31 12 7",
        "0 0 * * 0",
        "*/59 * L * 5#3",
        "0 0 15W JAN-DEC MON",
    ] {
        assert!(Spec::cron(ok, Zone::Local).is_ok(), "{ok}");
    }
    assert_eq!(
        Zone::parse("Europe/Berln").unwrap_err(),
        ScheduleError::UnknownZone("Europe/Berln".into())
    );
}

#[test]
fn a_stored_key_reads_as_its_expression() {
    for spec in [
        Spec::every(Duration::from_secs(2)).unwrap(),
        Spec::every(Duration::from_secs(5400)).unwrap(),
        Spec::cron("0 3 * * *", Zone::Local).unwrap(),
        Spec::at("2026-12-01T09:00:00Z", Zone::Local).unwrap(),
    ] {
        assert_eq!(key_text(&spec.key()), spec.expression());
    }
    assert_eq!(key_text("every:2000ms"), "every 2s");
    assert_eq!(
        key_text(&Spec::cron("0 3 * * *", berlin()).unwrap().key()),
        "0 3 * * * (Europe/Berlin)"
    );
    assert_eq!(key_text("trigger"), "trigger");
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

mod properties {
    //! No expression, interval or instant panics the schedule code.
    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_string()),
            "[0-9]{1,3}",
            "[0-9]{1,2}-[0-9]{1,2}",
            "\\*/[0-9]{1,3}",
            "[0-9]{1,2},[0-9]{1,2}",
            "[0-9]{1,2}[LW#?]?[0-9]?",
            Just("L".to_string()),
            Just("?".to_string()),
            "(MON|SUN|JAN|DEC|FOO)(-[A-Z]{3})?",
            "[-*/,#?LW0-9A-Z]{0,4}",
        ]
    }

    fn expression() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(field(), 4..8).prop_map(|f| f.join(" ")),
            "\\PC{0,24}",
            Just("@yearly".to_string()),
            Just("0 0 29 2 1".to_string()),
        ]
    }

    fn instant() -> impl Strategy<Value = Millis> {
        prop_oneof![
            any::<i64>(),
            0i64..4_102_444_800_000,
            Just(i64::MAX),
            Just(i64::MIN)
        ]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn no_cron_expression_panics(expr in expression(), zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "Australia/Lord_Howe"]), now in instant()) {
            let zone = Zone::parse(zone).unwrap();
            if let Ok(spec) = Spec::cron(&expr, zone) {
                if let Some(n) = spec.next_after(now) {
                    prop_assert!(n > now);
                }
                let _ = spec.latest_at_or_before(now);
                let _ = spec.describe();
                let policy = Policy { catchup: Catchup::All, ..Policy::default() };
                let _ = missed(&spec, now.saturating_sub(3_600_000), now, &policy);
            }
        }

        #[test]
        fn the_field_check_refuses_only_what_croner_refuses(expr in expression()) {
            // Naming the field must not turn away an expression croner takes.
            if let Err(reason) = check_fields(&expr) {
                prop_assert!(cron_parser().parse(&expr).is_err(), "{expr}: {reason}");
                prop_assert!(reason.contains(" is out of "), "{reason}");
            }
        }

        #[test]
        fn no_interval_or_instant_panics(secs in any::<u64>(), nanos in 0u32..1_000_000_000, now in instant(), window in any::<u64>(), catchup in 0..3usize) {
            let interval = Duration::new(secs, nanos);
            match Spec::every(interval) {
                Ok(spec) => {
                    prop_assert!(interval <= EVERY_MAX);
                    if let Some(n) = spec.next_after(now) {
                        prop_assert!(n > now);
                    }
                    if let Some(l) = spec.latest_at_or_before(now) {
                        prop_assert!(l <= now);
                    }
                    let policy = Policy {
                        catchup: [Catchup::None, Catchup::Latest, Catchup::All][catchup],
                        catchup_window: Duration::from_millis(window),
                        ..Policy::default()
                    };
                    prop_assert!(missed(&spec, now.saturating_sub(1), now, &policy).len() <= MAX_CATCHUP);
                    let _ = (spec.key(), spec.describe(), spec.expression());
                }
                Err(_) => prop_assert!(interval < Duration::from_secs(1) || interval > EVERY_MAX),
            }
        }

        #[test]
        fn no_at_text_panics(text in "\\PC{0,30}", zone in prop::sample::select(vec!["UTC", "Europe/Berlin"])) {
            if let Ok(spec) = Spec::at(&text, Zone::parse(zone).unwrap()) {
                let _ = (spec.describe(), spec.next_after(0));
            }
        }
    }

    #[test]
    fn the_largest_intervals_do_not_overflow() {
        // `every: 9223372036854775807s` once divided by zero; now the
        // validator refuses it and the arithmetic is checked anyway.
        for interval in [
            Duration::MAX,
            Duration::from_secs(i64::MAX as u64),
            Duration::from_secs(18_446_744_073_709_551),
        ] {
            assert!(Spec::every(interval).is_err());
            let spec = Spec::Every { interval };
            let _ = spec.next_after(now_like());
            let _ = spec.latest_at_or_before(now_like());
        }
        let spec = Spec::every(EVERY_MAX).unwrap();
        assert!(spec.next_after(i64::MAX).is_none());
        let policy = Policy {
            catchup: Catchup::All,
            catchup_window: Duration::MAX,
            ..Policy::default()
        };
        assert!(missed(&spec, i64::MIN, i64::MIN, &policy).is_empty());
    }

    fn now_like() -> Millis {
        1_796_000_000_000
    }
}
