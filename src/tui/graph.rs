//! A run's tasks as a graph for the run view: levels left to right (a task
//! sits one level right of the last task it needs), with the edges drawn
//! between levels in box-drawing characters. A need that skips levels
//! passes through the levels between as a line. When that is wider than
//! the pane, the tasks are listed as an indented tree instead, each with
//! what it needs.

use crate::model::RunDetail;
use crate::model::When;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;
const ARROW: u8 = 16;
/// The arrow into a task that runs even when a need did not succeed
/// (`when: always` or `when: failure`).
const ARROW_ANYWAY: u8 = 32;

#[derive(Clone, Copy, PartialEq)]
enum Node {
    Task(usize),
    /// A point of a need that skips a level.
    Through,
}

/// Lines that draw the run's graph in at most `width` columns.
pub fn lines(
    d: &RunDetail,
    width: usize,
    cell: &dyn Fn(usize) -> (String, Color),
) -> Vec<Line<'static>> {
    let n = d.tasks.len();
    let needs: Vec<Vec<usize>> = d
        .tasks
        .iter()
        .map(|t| {
            t.needs
                .iter()
                .filter_map(|need| d.tasks.iter().position(|o| &o.name == need))
                .collect()
        })
        .collect();
    let level = levels(&needs);
    let depth = level.iter().copied().max().map_or(0, |m| m + 1);
    // Columns of nodes, and edges between adjacent columns as
    // (from column, from index, to index).
    let mut columns: Vec<Vec<Node>> = vec![Vec::new(); depth];
    let mut at = vec![0usize; n];
    for (l, column) in columns.iter_mut().enumerate() {
        for i in (0..n).filter(|&i| level[i] == l) {
            at[i] = column.len();
            column.push(Node::Task(i));
        }
    }
    let mut edges: Vec<(usize, usize, usize)> = Vec::new();
    for (v, vneeds) in needs.iter().enumerate() {
        for &u in vneeds {
            let (mut c, mut from) = (level[u], at[u]);
            while c + 1 < level[v] {
                columns[c + 1].push(Node::Through);
                let idx = columns[c + 1].len() - 1;
                edges.push((c, from, idx));
                c += 1;
                from = idx;
            }
            edges.push((c, from, at[v]));
        }
    }
    let anyway: Vec<bool> = d.tasks.iter().map(|t| t.when != When::Success).collect();
    // Order each column by where its inputs come from, to keep lines short.
    let mut row: Vec<Vec<usize>> = columns.iter().map(|c| (0..c.len()).collect()).collect();
    for c in 1..depth {
        let mut keyed: Vec<(f64, usize)> = (0..columns[c].len())
            .map(|i| {
                let from: Vec<usize> = edges
                    .iter()
                    .filter(|e| e.0 + 1 == c && e.2 == i)
                    .map(|e| row[c - 1][e.1])
                    .collect();
                let key = if from.is_empty() {
                    f64::MAX
                } else {
                    from.iter().sum::<usize>() as f64 / from.len() as f64
                };
                (key, i)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (r, (_, i)) in keyed.into_iter().enumerate() {
            row[c][i] = r;
        }
    }
    let height = columns.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = columns
        .iter()
        .map(|col| {
            col.iter()
                .map(|node| match node {
                    Node::Task(i) => cell(*i).0.chars().count(),
                    Node::Through => 1,
                })
                .max()
                .unwrap_or(1)
        })
        .collect();
    // Each gap has a vertical track per node that has lines leaving it.
    let mut gaps: Vec<Vec<Vec<u8>>> = Vec::new();
    for c in 0..depth.saturating_sub(1) {
        let mut sources: Vec<usize> = edges
            .iter()
            .filter(|e| e.0 == c)
            .map(|e| row[c][e.1])
            .collect();
        sources.sort_unstable();
        sources.dedup();
        let gap_width = sources.len() + 3;
        let mut grid = vec![vec![0u8; gap_width]; height];
        for e in edges.iter().filter(|e| e.0 == c) {
            let (rs, rt) = (row[c][e.1], row[c + 1][e.2]);
            let x = 1 + sources.iter().position(|&s| s == rs).unwrap_or(0);
            for cell in grid[rs].iter_mut().take(x) {
                *cell |= LEFT | RIGHT;
            }
            grid[rs][x] |= LEFT;
            if rs != rt {
                let (lo, hi) = (rs.min(rt), rs.max(rt));
                grid[lo][x] |= DOWN;
                grid[hi][x] |= UP;
                for g in grid.iter_mut().take(hi).skip(lo + 1) {
                    g[x] |= UP | DOWN;
                }
            }
            grid[rt][x] |= RIGHT;
            for cell in grid[rt].iter_mut().take(gap_width - 1).skip(x + 1) {
                *cell |= LEFT | RIGHT;
            }
            grid[rt][gap_width - 1] |= ARROW;
            if let Node::Task(v) = columns[c + 1][e.2]
                && anyway[v]
            {
                grid[rt][gap_width - 1] |= ARROW_ANYWAY;
            }
        }
        gaps.push(grid);
    }
    let total: usize = widths.iter().sum::<usize>()
        + gaps
            .iter()
            .map(|g| g.first().map_or(0, Vec::len) + 2)
            .sum::<usize>();
    if total > width {
        return tree(d, &needs, &level, cell);
    }
    let edge_style = Style::new().fg(Color::DarkGray);
    let mut lines: Vec<Line<'static>> = (0..height)
        .map(|r| {
            let mut spans = Vec::new();
            for (c, column) in columns.iter().enumerate() {
                let node = (0..column.len())
                    .find(|&i| row[c][i] == r)
                    .map(|i| column[i]);
                match node {
                    Some(Node::Task(i)) => {
                        let (text, color) = cell(i);
                        let pad = widths[c].saturating_sub(text.chars().count());
                        spans.push(Span::styled(text, Style::new().fg(color)));
                        spans.push(Span::raw(" ".repeat(pad)));
                    }
                    Some(Node::Through) => {
                        spans.push(Span::styled("─".repeat(widths[c]), edge_style));
                    }
                    None => spans.push(Span::raw(" ".repeat(widths[c]))),
                }
                if let Some(grid) = gaps.get(c) {
                    let text: String = std::iter::once(' ')
                        .chain(grid[r].iter().map(|&m| glyph(m)))
                        .chain(std::iter::once(' '))
                        .collect();
                    spans.push(Span::styled(text, edge_style));
                }
            }
            Line::from(spans)
        })
        .collect();
    if let Some(note) = legend(d) {
        lines.push(Line::styled(note, edge_style));
    }
    lines
}

/// What `▷` means, when the graph has one.
fn legend(d: &RunDetail) -> Option<String> {
    let mut kinds: Vec<&str> = d
        .tasks
        .iter()
        .filter(|t| t.when != When::Success)
        .map(|t| t.when.as_str())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    (!kinds.is_empty()).then(|| {
        format!(
            "▷ runs whatever its needs did (when: {})",
            kinds.join(" or ")
        )
    })
}

/// Longest path from a root, per task.
fn levels(needs: &[Vec<usize>]) -> Vec<usize> {
    let n = needs.len();
    let mut level = vec![0usize; n];
    // n rounds settle any order the file used (the graph has no cycle).
    for _ in 0..n {
        let mut changed = false;
        for i in 0..n {
            let l = needs[i].iter().map(|&j| level[j] + 1).max().unwrap_or(0);
            if l != level[i] {
                level[i] = l;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    level
}

fn glyph(mask: u8) -> char {
    if mask & ARROW_ANYWAY != 0 {
        return '▷';
    }
    if mask & ARROW != 0 {
        return '▶';
    }
    match mask {
        0 => ' ',
        m if m == LEFT | RIGHT || m == LEFT || m == RIGHT => '─',
        m if m == UP | DOWN || m == UP || m == DOWN => '│',
        m if m == DOWN | RIGHT => '┌',
        m if m == DOWN | LEFT => '┐',
        m if m == UP | RIGHT => '└',
        m if m == UP | LEFT => '┘',
        m if m == UP | DOWN | RIGHT => '├',
        m if m == UP | DOWN | LEFT => '┤',
        m if m == LEFT | RIGHT | DOWN => '┬',
        m if m == LEFT | RIGHT | UP => '┴',
        _ => '┼',
    }
}

/// The tasks level by level, indented by level, each with what it needs.
fn tree(
    d: &RunDetail,
    needs: &[Vec<usize>],
    level: &[usize],
    cell: &dyn Fn(usize) -> (String, Color),
) -> Vec<Line<'static>> {
    let mut order: Vec<usize> = (0..d.tasks.len()).collect();
    order.sort_by_key(|&i| level[i]);
    order
        .into_iter()
        .map(|i| {
            let (text, color) = cell(i);
            let mut spans = vec![
                Span::raw("  ".repeat(level[i].min(8))),
                Span::styled(text, Style::new().fg(color)),
            ];
            if !needs[i].is_empty() {
                let names: Vec<String> = needs[i]
                    .iter()
                    .map(|&j| d.tasks[j].name.to_string())
                    .collect();
                let when = match d.tasks[i].when {
                    When::Success => String::new(),
                    other => format!(" (when: {other})"),
                };
                spans.push(Span::styled(
                    format!("  ◀ {}{when}", names.join(", ")),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            Line::from(spans)
        })
        .collect()
}
