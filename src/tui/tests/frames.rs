//! Whole frames whatever the view: the help, a lost daemon, no colour,
//! and any terminal size without a panic.

use super::*;

#[test]
fn the_help_and_a_lost_daemon() {
    let mut s = loaded();
    update(&mut s, Action::ToggleHelp);
    insta::assert_snapshot!("help", draw(&s));
    update(&mut s, Action::Back);
    update(&mut s, Action::DaemonLost("connection refused".into()));
    insta::assert_snapshot!("lost", draw(&s));
}

#[test]
fn without_colour_statuses_still_read_and_the_selection_still_shows() {
    let s = loaded();
    let mut terminal = Terminal::new(TestBackend::new(100, 18)).unwrap();
    terminal
        .draw(|f| {
            render::render(&s, &Keymap::default(), f);
            render::drop_colours(f.buffer_mut());
        })
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "no colour is left"
    );
    let frame = format!("{}", terminal.backend());
    assert!(
        frame.contains("✗ failed") && frame.contains("● running"),
        "{frame}"
    );
    let selected = (0..18)
        .find(|&y| buffer[(0, y)].symbol() == "›")
        .expect("a selected row");
    assert!(
        buffer[(4, selected)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "the selection is reversed, not coloured"
    );
}

#[test]
fn every_view_draws_at_any_terminal_size_without_panicking() {
    use crate::logs::Stream;
    let mut states = Vec::new();
    let mut s = loaded();
    states.push(s.clone());
    update(&mut s, Action::ToggleHelp);
    states.push(s.clone());
    update(&mut s, Action::ToggleHelp);
    update(&mut s, Action::Down);
    update(&mut s, Action::Open);
    update(&mut s, Action::DetailLoaded(Box::new(detail())));
    states.push(s.clone());
    update(&mut s, Action::TogglePane);
    states.push(s.clone());
    update(&mut s, Action::TogglePane);
    update(&mut s, Action::OpenLog);
    update(
        &mut s,
        Action::LogLoaded {
            task: TaskName::new("build"),
            from: 0,
            chunk: piece(
                1,
                vec![line(
                    Stream::Stdout,
                    &format!("\u{1b}[31m{}\u{1b}[0m", "é".repeat(300)),
                )],
                10,
                false,
            ),
        },
    );
    update(&mut s, Action::ToggleWrap);
    states.push(s.clone());
    update(&mut s, Action::Back);
    if let Some(d) = &mut s.detail {
        d.tasks[0].interactive = true;
    }
    update(&mut s, Action::Up);
    update(&mut s, Action::Up);
    update(&mut s, Action::Attach);
    let mut parser = vt100::Parser::new(30, 120, 0);
    parser.process("a wide screen: ".repeat(20).as_bytes());
    update(
        &mut s,
        Action::TermScreen {
            task: TaskName::new("build"),
            screen: state::TermScreen(Box::new(parser.screen().clone())),
        },
    );
    assert_eq!(s.view, View::Terminal);
    states.push(s.clone());
    update(&mut s, Action::Back);
    update(&mut s, Action::Back);
    update(&mut s, Action::StartWorkflow);
    states.push(s.clone());
    for state in &states {
        for (w, h) in [(1, 1), (5, 3), (20, 6), (40, 10), (80, 24), (250, 70)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| render::render(state, &Keymap::default(), f))
                .unwrap();
        }
    }
}
