//! Parsing a task's `$WEFT_OUTPUT` file: `key=value` lines and
//! `key<<DELIMITER` blocks ended by a line holding only `DELIMITER`, as
//! GitHub Actions reads `$GITHUB_OUTPUT`. A later value for a key wins.

/// The outputs in the order first written, or what is wrong and on which line.
pub fn parse_outputs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| match out.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v,
        None => out.push((k.to_string(), v)),
    };
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let eq = line.find('=');
        match (heredoc, eq) {
            (Some(h), e) if e.is_none_or(|e| h < e) => {
                let key = line[..h].trim();
                let delim = line[h + 2..].trim();
                check_key(key, i)?;
                if delim.is_empty() {
                    return Err(format!(
                        "line {}: `{key}<<` needs a delimiter, e.g. `{key}<<EOF`",
                        i + 1
                    ));
                }
                let mut body: Vec<&str> = Vec::new();
                loop {
                    match lines.next() {
                        Some((_, l)) if l == delim => break,
                        Some((_, l)) => body.push(l),
                        None => {
                            return Err(format!(
                                "line {}: the block `{key}<<{delim}` is never closed by a line `{delim}`",
                                i + 1
                            ));
                        }
                    }
                }
                set(key, body.join("\n"));
            }
            (_, Some(e)) => {
                let key = line[..e].trim();
                check_key(key, i)?;
                set(key, line[e + 1..].to_string());
            }
            _ => {
                return Err(format!(
                    "line {}: expected `key=value` or `key<<DELIMITER`, found `{line}`",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

fn check_key(key: &str, line: usize) -> Result<(), String> {
    let ok = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "line {}: `{key}` is not an output name (letters, digits and `_`)",
            line + 1
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_blocks_parse_and_later_values_win() {
        let text = "a=1\nb<<EOF\nline one\nx=y\nEOF\n\na=2\nc=has=equals\n";
        assert_eq!(
            parse_outputs(text).unwrap(),
            vec![
                ("a".to_string(), "2".to_string()),
                ("b".to_string(), "line one\nx=y".to_string()),
                ("c".to_string(), "has=equals".to_string()),
            ]
        );
        assert_eq!(parse_outputs("").unwrap(), vec![]);
    }

    #[test]
    fn malformed_files_say_which_line() {
        assert_eq!(
            parse_outputs("a=1\njunk\n").unwrap_err(),
            "line 2: expected `key=value` or `key<<DELIMITER`, found `junk`"
        );
        assert!(
            parse_outputs("b<<EOF\nno end\n")
                .unwrap_err()
                .contains("never closed")
        );
        assert!(
            parse_outputs("9x=1\n")
                .unwrap_err()
                .contains("not an output name")
        );
    }
}
