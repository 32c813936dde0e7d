//! A task's log: following and scrolling it, searching and wrapping it,
//! and the bound on what a flood leaves kept.

use super::*;

#[test]
fn a_task_log_follows_and_scrolls() {
    use crate::logs::Stream;
    let mut s = loaded();
    s.log_height = 3;
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::Down);
    assert_eq!(
        update(&mut s, Action::Open),
        vec![Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("test"),
            offset: 0
        }]
    );
    let chunk = |attempt, lines: Vec<crate::logs::LogLine>, next_offset| {
        piece(attempt, lines, next_offset, false)
    };
    let effects = update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("test"),
            from: 0,
            chunk: chunk(
                1,
                vec![
                    line(Stream::Stdout, "one"),
                    line(Stream::Stderr, "two"),
                    line(Stream::Weft, "three"),
                    line(Stream::Terminal, "\u{1b}[1mfour\u{1b}[0m"),
                ],
                40,
            ),
        },
    );
    let log = s.log.as_ref().unwrap();
    assert_eq!(
        (log.top, log.follow, log.offset),
        (1, true, 40),
        "following shows the last lines"
    );
    // A log being written is read again soon, from where this read ended
    // (and the tick does not ask a second time meanwhile).
    let again = Effect::LoadLogSoon {
        run: RunId::from_string("r2failed01"),
        task: TaskName::new("test"),
        offset: 40,
    };
    assert_eq!(effects, vec![again]);
    assert!(
        !update(&mut s, Action::Tick(NOW))
            .iter()
            .any(|e| matches!(e, Effect::LoadLog { .. } | Effect::LoadLogSoon { .. }))
    );
    // Nothing new: the next look is at the tick.
    assert!(
        update(
            &mut s,
            Action::LogLoaded {
                task: TaskName::new("test"),
                from: 40,
                chunk: chunk(1, vec![], 40),
            },
        )
        .is_empty()
    );
    assert!(
        update(&mut s, Action::Tick(NOW)).contains(&Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("test"),
            offset: 40
        })
    );
    update(&mut s, Action::Up);
    assert!(
        !s.log.as_ref().unwrap().follow,
        "scrolling up stops following"
    );
    insta::assert_snapshot!(draw(&s));
    update(&mut s, Action::FollowLog);
    assert!(s.log.as_ref().unwrap().follow);
    // A new attempt starts its own log.
    update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("test"),
            from: 0,
            chunk: chunk(2, vec![line(Stream::Stdout, "again")], 6),
        },
    );
    assert_eq!(s.log.as_ref().unwrap().lines.len(), 1);
    update(&mut s, Action::Back);
    assert_eq!(s.view, View::Run);
}

#[test]
fn a_log_is_searched_wrapped_and_coloured() {
    use crate::logs::Stream;
    let mut s = loaded();
    s.log_height = 16;
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::OpenLog);
    let mut lines: Vec<_> = (0..40)
        .map(|i| line(Stream::Stdout, &format!("step {i} ok")))
        .collect();
    lines[5] = line(Stream::Stdout, "\u{1b}[31mERROR\u{1b}[0m disk full");
    lines[30] = line(Stream::Stderr, "error: retrying");
    lines[39] = line(Stream::Stdout, &format!("long {}", "x".repeat(150)));
    let effects = update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("build"),
            from: 0,
            chunk: piece(1, lines, 4000, true),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::LoadLog {
            run: RunId::from_string("r2failed01"),
            task: TaskName::new("build"),
            offset: 4000
        }],
        "more waiting is read at once, not at the next tick"
    );
    assert!(
        !update(&mut s, Action::Tick(NOW))
            .iter()
            .any(|e| matches!(e, Effect::LoadLog { .. })),
        "no second read while one is under way"
    );
    update(&mut s, Action::StartFilter);
    for c in "error".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    update(&mut s, Action::EndFilter);
    let search = s.log.as_ref().unwrap().search.clone().unwrap();
    assert_eq!(
        search.matches,
        vec![5, 30],
        "case-insensitive, escapes ignored"
    );
    assert!(!s.log.as_ref().unwrap().follow, "a search stops following");
    insta::assert_snapshot!("searched", draw(&s));
    assert_eq!(
        search.current, 1,
        "the first match below the top line is shown"
    );
    update(&mut s, Action::SearchNext);
    assert_eq!(
        s.log.as_ref().unwrap().search.as_ref().unwrap().current,
        0,
        "wraps around"
    );
    // The colour of `ERROR` is the task's red.
    let mut terminal = Terminal::new(TestBackend::new(100, 18)).unwrap();
    terminal
        .draw(|f| render::render(&s, &Keymap::default(), f))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let row = (0..18)
        .find(|&y| {
            (0..10)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
                .starts_with("ERROR")
        })
        .expect("the ERROR line is shown");
    assert_eq!(buffer[(0, row)].fg, ratatui::style::Color::Indexed(1));
    update(&mut s, Action::SearchPrev);
    assert_eq!(s.log.as_ref().unwrap().search.as_ref().unwrap().current, 1);
    update(&mut s, Action::Back);
    assert!(
        s.log.as_ref().unwrap().search.is_none(),
        "Esc clears the search first"
    );
    assert_eq!(s.view, View::Log);
    update(&mut s, Action::FollowLog);
    update(&mut s, Action::ToggleWrap);
    insta::assert_snapshot!("wrapped", draw(&s));
}

#[test]
fn a_log_flood_keeps_only_the_newest_lines() {
    use crate::logs::Stream;
    let mut s = loaded();
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    update(&mut s, Action::OpenLog);
    update(&mut s, Action::StartFilter);
    for c in "needle".chars() {
        update(&mut s, Action::FilterChar(c));
    }
    update(&mut s, Action::EndFilter);
    // 40 chunks of 10,000 lines of 100 bytes: 40 MB, more than is kept.
    let mut offset = 0;
    for chunk_no in 0..40u64 {
        let lines: Vec<_> = (0..10_000)
            .map(|i| {
                let n = chunk_no * 10_000 + i;
                let word = if n % 50_000 == 0 { "needle" } else { "hay" };
                line(
                    Stream::Stdout,
                    &format!("{n:>10} {word} {}", "x".repeat(80)),
                )
            })
            .collect();
        update(
            &mut s,
            Action::LogLoaded {
                task: TaskName::new("build"),
                from: offset,
                chunk: piece(1, lines, offset + 1_000_000, true),
            },
        );
        offset += 1_000_000;
    }
    let log = s.log.as_ref().unwrap();
    assert!(log.kept <= update::LOG_KEPT, "{} bytes kept", log.kept);
    assert_eq!(
        log.dropped + log.lines.len(),
        400_000,
        "every line is counted"
    );
    assert!(log.dropped > 0);
    assert!(log.lines.last().unwrap().text.starts_with("    399999 hay"));
    let first_kept = log.dropped;
    let search = log.search.as_ref().unwrap();
    assert!(!search.matches.is_empty());
    for &m in &search.matches {
        assert!(
            log.lines[m].text.contains("needle"),
            "match {m} still points at a match"
        );
    }
    assert_eq!(
        search.matches.len(),
        (first_kept..400_000).filter(|n| n % 50_000 == 0).count()
    );
    assert!(draw(&s).contains("not kept"));
}
