//! A task's colours, as the dashboard shows them: SGR escape sequences
//! (`ESC [ ... m`) in a log line become styled spans; every other escape
//! sequence and control character is dropped.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

/// The line's text as spans, each with the style its escapes set, on top
/// of `base`.
pub fn spans(text: &str, base: Style) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut style = base;
    let mut run = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut last = None;
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            last = Some(p);
                            break;
                        }
                        params.push(p);
                    }
                    if last == Some('m') {
                        if !run.is_empty() {
                            out.push(Span::styled(std::mem::take(&mut run), style));
                        }
                        style = apply_sgr(style, base, &params);
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') | Some('X') => {
                    // A string (title, DCS...) up to BEL or ESC \.
                    chars.next();
                    while let Some(p) = chars.next() {
                        if p == '\u{7}' {
                            break;
                        }
                        if p == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                Some(_) => {
                    // Two- or three-byte sequences (`ESC =`, `ESC ( B`).
                    if let Some(p) = chars.next()
                        && (' '..='/').contains(&p)
                    {
                        chars.next();
                    }
                }
                None => {}
            },
            '\t' => run.push_str("    "),
            c if c.is_control() => {}
            c => run.push(c),
        }
    }
    if !run.is_empty() || out.is_empty() {
        out.push(Span::styled(run, style));
    }
    out
}

fn apply_sgr(mut style: Style, base: Style, params: &str) -> Style {
    let codes: Vec<u16> = if params.is_empty() {
        vec![0]
    } else {
        params
            .split([';', ':'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let mut i = 0;
    while i < codes.len() {
        let code = codes[i];
        match code {
            0 => style = base,
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => style = style.add_modifier(Modifier::UNDERLINED),
            7 => style = style.add_modifier(Modifier::REVERSED),
            9 => style = style.add_modifier(Modifier::CROSSED_OUT),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            27 => style = style.remove_modifier(Modifier::REVERSED),
            29 => style = style.remove_modifier(Modifier::CROSSED_OUT),
            30..=37 => style = style.fg(Color::Indexed((code - 30) as u8)),
            90..=97 => style = style.fg(Color::Indexed((code - 90 + 8) as u8)),
            40..=47 => style = style.bg(Color::Indexed((code - 40) as u8)),
            100..=107 => style = style.bg(Color::Indexed((code - 100 + 8) as u8)),
            39 => style.fg = base.fg,
            49 => style.bg = base.bg,
            38 | 48 => {
                let color = match codes.get(i + 1) {
                    Some(5) => {
                        let c = codes.get(i + 2).map(|&n| Color::Indexed(n as u8));
                        i += 2;
                        c
                    }
                    Some(2) => {
                        let rgb = (codes.get(i + 2), codes.get(i + 3), codes.get(i + 4));
                        i += 4;
                        match rgb {
                            (Some(&r), Some(&g), Some(&b)) => {
                                Some(Color::Rgb(r as u8, g as u8, b as u8))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some(color) = color {
                    style = if code == 38 {
                        style.fg(color)
                    } else {
                        style.bg(color)
                    };
                }
            }
            _ => {}
        }
        i += 1;
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_styles_and_other_escapes_vanish() {
        let s = spans(
            "plain \u{1b}[1;31mred bold\u{1b}[0m back \u{1b}[2Kgone",
            Style::new(),
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].content, "plain ");
        assert_eq!(s[1].content, "red bold");
        assert_eq!(s[1].style.fg, Some(Color::Indexed(1)));
        assert!(s[1].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(
            s[2].content, " back gone",
            "a cursor sequence is dropped, not shown"
        );
        assert_eq!(s[2].style, Style::new());
    }

    #[test]
    fn extended_colours_titles_and_resets() {
        let s = spans(
            "\u{1b}]0;title\u{7}\u{1b}[38;5;208mo\u{1b}[48;2;1;2;3mb\u{1b}[39mx\u{1b}[m.",
            Style::new().fg(Color::Yellow),
        );
        let text: String = s.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "obx.");
        assert_eq!(s[0].style.fg, Some(Color::Indexed(208)));
        assert_eq!(s[1].style.bg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(
            s[2].style.fg,
            Some(Color::Yellow),
            "39 goes back to the line's colour"
        );
        assert_eq!(s[3].style, Style::new().fg(Color::Yellow));
    }
}
