//! Left-aligned text tables whose columns fit their widest cell, measured
//! without colour codes.

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn visible_len(s: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self, style: &super::Style) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(visible_len(cell));
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate().take(cols) {
                out.push_str(cell);
                if i + 1 < cols {
                    out.push_str(&" ".repeat(widths[i] - visible_len(cell) + 2));
                }
            }
            out.trim_end().to_string()
        };
        let mut out = style.bold(&line(&self.header));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_ignoring_colour_codes() {
        let mut t = Table::new(&["A", "STATUS"]);
        t.row(vec!["long-name".into(), "\x1b[32mok\x1b[0m".into()]);
        t.row(vec!["x".into(), "failed".into()]);
        let s = t.render(&crate::output::Style { color: false });
        assert_eq!(
            s,
            "A          STATUS\nlong-name  \x1b[32mok\x1b[0m\nx          failed\n"
        );
    }
}
