//! Tests of the log format: writer, readers, tail and the size cap.

use super::*;
use std::io::Write;

#[test]
fn a_log_is_read_in_bounded_pieces_that_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.log");
    let mut w = LogWriter::new(&path);
    for i in 0..1000 {
        w.line(Stream::Stdout, format!("line {i}").as_bytes())
            .unwrap();
    }
    w.line(Stream::Stdout, "x".repeat(5000).as_bytes()).unwrap();
    w.flush().unwrap();
    let (mut offset, mut all, mut reads) = (0, Vec::new(), 0);
    loop {
        let (lines, next, more) = read_log_chunk(&path, offset, 1024).unwrap();
        assert!(
            lines.len() < 150,
            "a piece holds about 1 KiB, not {} lines",
            lines.len()
        );
        all.extend(lines);
        offset = next;
        reads += 1;
        if !more {
            break;
        }
    }
    assert!(reads > 5, "{reads}");
    assert_eq!(all.len(), 1001, "no line lost or doubled");
    assert_eq!(all[999].text, "line 999");
    assert_eq!(
        all[1000].text.len(),
        5000,
        "a line longer than the piece comes whole"
    );
    assert_eq!(read_log_chunk(&path, offset, 1024).unwrap().0.len(), 0);
    // The raw bytes say the same, without time stamps.
    let (bytes, next, more) = read_log_bytes(&path, 0, usize::MAX).unwrap();
    assert_eq!((next, more), (offset, false));
    let text = String::from_utf8(bytes).unwrap();
    let entries: Vec<(Stream, String)> = log_entries(&text)
        .map(|(s, t)| (s, t.into_owned()))
        .collect();
    assert_eq!(entries.len(), 1001);
    assert_eq!(entries[999], (Stream::Stdout, "line 999".to_string()));
}

#[test]
fn lines_round_trip_and_partial_lines_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.log");
    let mut w = LogWriter::new(&path);
    w.line(Stream::Stdout, b"hello world").unwrap();
    w.line(Stream::Stderr, b"oops\r").unwrap();
    w.line(Stream::Weft, b"").unwrap();
    w.flush().unwrap();
    let (lines, off) = read_log(&path, 0).unwrap();
    let got: Vec<(Stream, &str)> = lines.iter().map(|l| (l.stream, l.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (Stream::Stdout, "hello world"),
            (Stream::Stderr, "oops"),
            (Stream::Weft, "")
        ]
    );
    assert!(
        lines[0].at.ends_with('Z') && lines[0].at.len() == 24,
        "{}",
        lines[0].at
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"2026-01-01T00:00:00.000Z o part")
        .unwrap();
    let (more, off2) = read_log(&path, off).unwrap();
    let quiet = dir.path().join("2.log");
    LogWriter::new(&quiet).flush().unwrap();
    assert!(!quiet.exists(), "no output, no file");
    assert!(read_log(&quiet, 0).unwrap().0.is_empty());
    assert!(more.is_empty());
    assert_eq!(off2, off);
}

#[test]
fn terminal_lines_round_trip_with_their_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.log");
    let mut w = LogWriter::new(&path);
    w.line(Stream::Terminal, b"\x1b[32mok\x1b[0m\r").unwrap();
    w.flush().unwrap();
    let (lines, _) = read_log(&path, 0).unwrap();
    assert_eq!(lines[0].stream, Stream::Terminal);
    assert_eq!(lines[0].text, "\x1b[32mok\x1b[0m");
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.contains("\nt\x1b[32mok"), "{raw:?}");
}

#[test]
fn a_long_line_comes_back_whole_from_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut w = LogWriter::new(&path);
    let piece = |i: u8| vec![b'a' + i; 64 << 10];
    w.line(Stream::Stderr, b"before").unwrap();
    for i in 0..3 {
        w.piece(Stream::Stdout, &piece(i), LineEnd::Continues)
            .unwrap();
    }
    // Another stream's line in the middle of the long one.
    w.line(Stream::Stderr, b"meanwhile").unwrap();
    w.piece(Stream::Stdout, b"end", LineEnd::Unterminated)
        .unwrap();
    w.flush().unwrap();
    let whole: Vec<u8> = [piece(0), piece(1), piece(2), b"end".to_vec()].concat();
    let (lines, _) = read_log(&path, 0).unwrap();
    let texts: Vec<(Stream, usize)> = lines.iter().map(|l| (l.stream, l.text.len())).collect();
    assert_eq!(
        texts,
        [
            (Stream::Stderr, 6),
            (Stream::Stderr, 9),
            (Stream::Stdout, whole.len())
        ]
    );
    assert_eq!(lines[2].text.as_bytes(), &whole[..]);
    // In small pieces too: the long line still comes whole, once.
    let (first, next, more) = read_log_chunk(&path, 0, 5).unwrap();
    assert_eq!(first.len(), 1);
    assert!(more);
    let (rest, _, _) = read_log_chunk(&path, next, 10).unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1].text.len(), whole.len());
    let (bytes, _, _) = read_log_bytes(&path, 0, 1 << 20).unwrap();
    let entries: Vec<(Stream, usize)> = log_entries(std::str::from_utf8(&bytes).unwrap())
        .map(|(s, t)| (s, t.len()))
        .collect();
    assert_eq!(entries, texts);
    // The record reader gives the bytes as printed, and says the end had no newline.
    let mut r = LogReader::open(&path, 0).unwrap().unwrap();
    let mut stdout = Vec::new();
    let mut last_end = None;
    while let Some((rec, _)) = r.next_record().unwrap() {
        if let Record::Text {
            stream: Stream::Stdout,
            text,
            end,
            ..
        } = rec
        {
            stdout.extend_from_slice(text);
            last_end = Some(end);
        }
    }
    assert_eq!(stdout, whole);
    assert_eq!(last_end, Some(LineEnd::Unterminated));
    let tail = tail_lines(&path, 2, 100).unwrap();
    assert_eq!(tail.lines[0], (Stream::Stderr, "meanwhile".to_string()));
    assert_eq!(tail.lines[1].1, format!("…{}end", "c".repeat(97)));
    assert!(tail.earlier);
}

#[test]
fn short_lines_cost_little_more_than_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("y.log");
    let mut w = LogWriter::new(&path);
    for _ in 0..500_000 {
        w.line(Stream::Stdout, b"y").unwrap();
    }
    w.flush().unwrap();
    let on_disk = std::fs::metadata(&path).unwrap().len() as f64;
    let printed = 1_000_000.0;
    assert!(on_disk / printed < 1.6, "{on_disk} bytes for {printed}");
}

#[test]
fn the_cap_keeps_the_newest_output_and_says_what_it_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capped.log");
    let cap = 64 << 10;
    let mut w = LogWriter::new(&path).with_cap(cap);
    let mut follower = 0;
    let mut followed = Vec::new();
    for i in 0..20_000 {
        w.line(Stream::Stdout, format!("line {i:05}").as_bytes())
            .unwrap();
        if i == 100 {
            w.flush().unwrap();
            let (lines, next, _) = read_log_chunk(&path, follower, 1 << 20).unwrap();
            followed.extend(lines);
            follower = next;
        }
    }
    w.flush().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= cap + 100, "{size}");
    let (lines, end) = read_log(&path, 0).unwrap();
    assert_eq!(lines[0].stream, Stream::Weft);
    assert!(
        lines[0].text.starts_with("[weft: ")
            && lines[0].text.ends_with(" KiB of earlier output dropped]"),
        "{}",
        lines[0].text
    );
    assert_eq!(lines.last().unwrap().text, "line 19999");
    assert!(!lines[1].at.is_empty(), "the first kept line has its time");
    // Consecutive, newest kept.
    let first: usize = lines[1].text[5..].parse().unwrap();
    assert_eq!(lines.len() - 1, 20_000 - first);
    // A follower that fell behind the cap is told, and goes on.
    let (more, _, _) = read_log_chunk(&path, follower, 1 << 30).unwrap();
    assert!(more[0].text.contains("dropped"));
    assert_eq!(more.last().unwrap().text, "line 19999");
    // One that kept up reads on where it was.
    let (none, next, _) = read_log_chunk(&path, end, 1 << 20).unwrap();
    assert!(none.is_empty());
    assert_eq!(next, end);
    w.line(Stream::Stdout, b"after").unwrap();
    w.flush().unwrap();
    let (after, _, _) = read_log_chunk(&path, end, 1 << 20).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].text, "after");
    let tail = tail_lines(&path, 3, 100).unwrap();
    assert_eq!(tail.lines[2].1, "after");
    assert!(tail.earlier);
}

#[test]
fn format_1_logs_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.log");
    std::fs::write(
        &path,
        "2026-01-01T00:00:00.000Z o hello world\n2026-01-01T00:00:01.000Z e oops\n2026-01-01T00:00:02.000Z w \n",
    )
    .unwrap();
    let (lines, next) = read_log(&path, 0).unwrap();
    assert_eq!(lines[0].at, "2026-01-01T00:00:00.000Z");
    assert_eq!(lines[0].text, "hello world");
    assert_eq!(
        (lines[1].stream, lines[1].text.as_str()),
        (Stream::Stderr, "oops")
    );
    assert_eq!(
        (lines[2].stream, lines[2].text.as_str()),
        (Stream::Weft, "")
    );
    assert_eq!(next, std::fs::metadata(&path).unwrap().len());
    let tail = tail_lines(&path, 1, 100).unwrap();
    assert_eq!(tail.lines, [(Stream::Weft, String::new())]);
    assert!(tail.earlier);
    let raw = std::fs::read_to_string(&path).unwrap();
    assert_eq!(log_entries(&raw).count(), 3);
}

#[test]
fn a_tail_reads_only_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut w = LogWriter::new(&path);
    for i in 0..200_000 {
        w.line(Stream::Stdout, format!("line {i}").as_bytes())
            .unwrap();
    }
    w.line(Stream::Stderr, b"error: it broke").unwrap();
    w.flush().unwrap();
    let tail = tail_lines(&path, 3, 4096).unwrap();
    assert_eq!(
        tail.lines,
        [
            (Stream::Stdout, "line 199998".to_string()),
            (Stream::Stdout, "line 199999".to_string()),
            (Stream::Stderr, "error: it broke".to_string()),
        ]
    );
    assert!(tail.earlier);
    let all = tail_lines(&path, 1_000_000, 4096).unwrap();
    assert_eq!(all.lines.len(), 200_001);
    assert!(!all.earlier);
    assert_eq!(all.lines[0].1, "line 0");
    assert_eq!(
        tail_lines(&dir.path().join("none"), 3, 10).unwrap(),
        Tail::default()
    );
}

#[test]
fn strip_escapes_leaves_the_text_a_terminal_would_show() {
    let cases = [
        ("plain text", "plain text"),
        (
            "\x1b[1;31mred\x1b[0m and \x1b[38;5;208mamber\x1b[m",
            "red and amber",
        ),
        ("\x1b[?2004hname? \x1b[?2004l", "name? "),
        ("\x1b[2J\x1b[H\x1b[10;20Hat", "at"),
        ("\x1b]0;my title\x07prompt$ ", "prompt$ "),
        ("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1bP+q544e\x1b\\after", "after"),
        (
            "\x1b(Bcharset \x1b7saved\x1b8 \x1b=keypad\x1b>",
            "charset saved keypad",
        ),
        ("a\tb\r\x07\x08c\x7f", "a\tbc"),
        ("\u{9b}31mc1\u{9b}0m", "c1"),
        ("ünïcödé ✓ \x1b[1m日本\x1b[0m", "ünïcödé ✓ 日本"),
        ("cut \x1b[3", "cut "),
        ("cut \x1b]0;never ends", "cut "),
        ("\x1b\x1b[31mx", "x"),
    ];
    for (raw, plain) in cases {
        assert_eq!(strip_escapes(raw), plain, "{raw:?}");
    }
}
