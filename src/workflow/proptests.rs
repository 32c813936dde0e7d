//! Property tests: no text, however hostile, panics the parser or the
//! validator; every number that validates is within its bound, and the
//! schedule and backoff arithmetic on it stays defined. Templates are left
//! out (their own tests fuzz them): the generated text holds no `{` or `%`.

use super::bounds;
use super::duration::PARSE_MAX;
use super::*;
use crate::schedule::{self, Spec};
use proptest::prelude::*;
use std::time::Duration;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks a little like YAML, without template syntax.
fn yamlish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "name: x\n",
        "tasks:\n",
        "  a:\n",
        "    run: 'true'\n",
        "    delay: ",
        "every: ",
        "schedule:\n",
        "  - ",
        "retry: ",
        "attempts: ",
        "backoff: ",
        "concurrency: ",
        "timeout: ",
        "catchup_window: ",
        "[",
        "]",
        "}",
        ": ",
        "- ",
        "\n",
        "  ",
        "\t",
        "'",
        "\"",
        "9223372036854775807",
        "18446744073709551616",
        "-1",
        "0",
        "1e308",
        ".nan",
        "-.inf",
        "1s",
        "366d",
        "99999999999999999999d",
        "0.0000001ms",
        "&a ",
        "*a",
        "!!str ",
        "? ",
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "\u{feff}",
        "é",
        "\u{0}",
        "#",
        ",",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_string), "[^{%]{0,8}"],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// A number as a user might write it for a duration or a count.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..2000).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[0-9]{1,30}(\\.[0-9]{0,10})?",
    ]
}

fn duration_text() -> impl Strategy<Value = String> {
    let unit = prop::sample::select(vec!["ms", "s", "m", "h", "d", "", "x", "days"]);
    prop::collection::vec((number(), unit), 1..3).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(n, u)| format!("{n}{u}"))
            .collect::<String>()
    })
}

/// A workflow whose every number is drawn at random.
fn numbered_workflow() -> impl Strategy<Value = String> {
    (
        (number(), duration_text(), duration_text(), duration_text()),
        (number(), duration_text(), number(), duration_text()),
        duration_text(),
    )
        .prop_map(|((c, e, w, t), (a, d, b, m), dd)| {
            format!(
                "name: x\nconcurrency: {c}\nschedule:\n  - every: {e}\n  - cron: '*/7 * * * *'\ncatchup: all\ncatchup_window: {w}\ndefaults:\n  timeout: {t}\ntasks:\n  a:\n    run: 'true'\n    retry: {{ attempts: {a}, delay: {d}, backoff: {b}, max_delay: {m}, jitter: true }}\n  b:\n    needs: [a]\n    delay: {dd}\n"
            )
        })
}

/// Everything a valid workflow's numbers feed: no panic, within bounds.
fn exercise(wf: &Workflow, now: i64) {
    if let Some(c) = wf.concurrency {
        assert!((1..=1024).contains(&c));
    }
    assert!(bounds::CATCHUP_WINDOW.contains(wf.policy.catchup_window));
    for spec in &wf.schedules {
        let next = spec.next_after(now);
        if let Some(n) = next {
            assert!(n > now);
        }
        let _ = spec.latest_at_or_before(now);
        let _ = spec.fires_between(now.saturating_sub(3_600_000), now, 10);
        let _ = schedule::missed(spec, now.saturating_sub(86_400_000), now, &wf.policy);
        let _ = (spec.key(), spec.describe(), spec.expression());
        if let Spec::Every { interval } = spec {
            assert!(bounds::EVERY.contains(*interval));
        }
    }
    for task in &wf.tasks {
        let r = &task.retry;
        assert!((1..=100).contains(&r.attempts));
        assert!((1.0..=10.0).contains(&r.backoff));
        assert!(bounds::RETRY_DELAY.contains(r.delay));
        if let Some(m) = r.max_delay {
            assert!(bounds::RETRY_DELAY.contains(m));
        }
        if let Some(t) = task.timeout {
            assert!(bounds::TIMEOUT.contains(t));
        }
        if let TaskBody::Delay(d) = task.body {
            assert!(bounds::DELAY_TASK.contains(d));
        }
    }
}

fn check(source: &str, now: i64) {
    match validate_str("p.yaml", source) {
        Ok(wf) => exercise(&wf, now),
        Err(report) => {
            assert!(!report.diagnostics.is_empty());
            let _ = report.render();
        }
    }
    if let Err(report) = load_str("p.yaml", source, &[("k".into(), "v".into())], &|_| None) {
        let _ = report.render();
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_text_panics_the_validator(source in yamlish(), now in any::<i64>()) {
        check(&source, now);
    }

    #[test]
    fn any_number_in_a_workflow_is_bounded_or_reported(
        source in numbered_workflow(),
        now in prop_oneof![any::<i64>(), 0i64..4_102_444_800_000],
    ) {
        check(&source, now);
    }

    #[test]
    fn any_duration_text_parses_or_says_why(text in prop_oneof![duration_text(), "\\PC{0,12}"]) {
        match parse_duration(&text) {
            Ok(d) => prop_assert!(d <= PARSE_MAX),
            Err(why) => prop_assert!(!why.is_empty()),
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_located(
        prefix in "[a-z: \n]{0,40}",
        first in prop_oneof![0x80u8..0xc0, 0xf8u8..=0xff],
        bad in prop::collection::vec(0x80u8..=0xff, 0..4),
        suffix in "[a-z\n]{0,10}",
    ) {
        let mut bytes = prefix.clone().into_bytes();
        bytes.push(first);
        bytes.extend(&bad);
        bytes.extend(suffix.as_bytes());
        let result = decode_utf8("p.yaml", bytes);
        prop_assert!(result.is_err());
        if let Err(report) = result {
            let d = &report.diagnostics[0];
            let line = prefix.matches('\n').count() + 1;
            prop_assert_eq!(d.loc.line as usize, line);
            let col = prefix.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            prop_assert_eq!(d.loc.col as usize, col);
            let _ = report.render();
        }
    }
}

#[test]
fn the_reported_bounds_hold() {
    // The examples: both used to validate.
    for every in ["9223372036854775807s", "18446744073709551s", "367d"] {
        let src =
            format!("name: x\nschedule:\n  - every: {every}\ntasks:\n  a: {{ run: 'true' }}\n");
        let err = validate_str("w.yaml", &src).unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{}", err.render());
        assert!(err.diagnostics[0].message.contains("between 1s and 366d"));
        assert_eq!(
            (err.diagnostics[0].loc.line, err.diagnostics[0].loc.col),
            (3, 12)
        );
    }
    assert!(parse_duration("100000000000000000000s").is_err());
    assert!(parse_duration("36601d").is_err());
    assert_eq!(
        parse_duration("366d"),
        Ok(Duration::from_secs(366 * 86_400))
    );
    let ok = validate_str(
        "w.yaml",
        "name: x\nschedule:\n  - every: 366d\nconcurrency: 1024\ntasks:\n  a: { run: 'true', retry: { attempts: 100, backoff: 10.0, delay: 1d } }\n",
    );
    assert!(ok.is_ok(), "{}", ok.unwrap_err().render());
}
