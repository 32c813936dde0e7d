//! Every call into the YAML library lives here. Parses text into a `Node`
//! tree that remembers where each value came from, so validation can report
//! every problem with its line and column; and decodes typed documents (the
//! config file). Must not depend on anything above the workflow layer.

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

/// A YAML value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
    /// Where its text is in the source, in bytes, when known: gives the
    /// exact spelling of a scalar (`010` stays `010`) and the caret's width.
    pub bytes: Option<std::ops::Range<usize>>,
}

impl Node {
    /// The scalar as written: strings as parsed, other scalars in their
    /// source spelling (so `exec: [echo, 010]` passes `010`, not `10`).
    pub fn text(&self, source: &str) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => self
                .bytes
                .clone()
                .and_then(|r| source.get(r))
                .map(str::to_string)
                .or_else(|| self.value.scalar_text()),
            _ => None,
        }
    }

    /// How many characters the node spans on its first line (quotes
    /// included), for the caret under it.
    pub fn width(&self, source: &str) -> usize {
        let text = self.bytes.clone().and_then(|r| source.get(r));
        match text {
            Some(t) if !t.is_empty() && !t.contains('\n') => t.chars().count(),
            _ => 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in the order written.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// The YAML type's name as a user reads it in an error message.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The scalar as text, as a shell or template would see it.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// A syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub loc: Loc,
}

/// YAML 1.2 core rules: only `true`/`false` are booleans, so a key or value
/// such as `n`, `no` or `off` stays a string (no "Norway problem").
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options
}

/// Parses one YAML document into a located tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    serde_saphyr::from_str_with_options::<Node>(text, {
        // Duplicate keys reach the validator, which names them.
        let mut o = options();
        o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::PassThrough;
        o
    })
    .map_err(|e| {
        let loc = e
            .location()
            .map(|l| Loc {
                line: l.line() as u32,
                col: l.column() as u32,
            })
            .unwrap_or(Loc { line: 1, col: 1 });
        SyntaxError {
            message: first_line(&e.to_string()),
            loc,
        }
    })
}

/// Decodes a typed document (unknown keys are errors when `T` denies them).
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|e| SyntaxError {
        loc: e
            .location()
            .map(|l| Loc {
                line: l.line() as u32,
                col: l.column() as u32,
            })
            .unwrap_or(Loc { line: 1, col: 1 }),
        message: first_line(&e.to_string()),
    })
}

/// The library's message without its own rendering of the source snippet.
fn first_line(message: &str) -> String {
    let mut line = message.lines().next().unwrap_or("invalid YAML").trim();
    line = line.strip_prefix("error:").unwrap_or(line).trim_start();
    // Drop a leading "line X column Y:" too.
    if line.starts_with("line ")
        && let Some(i) = line.find(": ")
        && line[..i].contains("column")
    {
        line = &line[i + 2..];
    }
    // Drop a trailing " at line X column Y": we print the location ourselves.
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        let span = spanned.referenced.span();
        let bytes = span
            .byte_offset()
            .zip(span.byte_len())
            .map(|(o, l)| o as usize..(o + l) as usize);
        Ok(Node {
            value: spanned.value,
            bytes,
            loc: Loc {
                line: spanned.referenced.line() as u32,
                col: spanned.referenced.column() as u32,
            },
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(m) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_keep_their_positions_and_order() {
        let doc = parse("name: x\ntasks:\n  b:\n    run: echo\n  a:\n    needs: [b]\n").unwrap();
        let top = map(&doc);
        assert_eq!(top[0].0.value, Value::Str("name".into()));
        assert_eq!(top[0].0.loc, Loc { line: 1, col: 1 });
        assert_eq!(top[0].1.loc, Loc { line: 1, col: 7 });
        let tasks = map(&top[1].1);
        assert_eq!(tasks[0].0.value, Value::Str("b".into()));
        assert_eq!(tasks[1].0.value, Value::Str("a".into()));
        assert_eq!(tasks[1].0.loc, Loc { line: 5, col: 3 });
        let needs = &map(&tasks[1].1)[0].1;
        match &needs.value {
            Value::Seq(items) => assert_eq!(items[0].loc, Loc { line: 6, col: 13 }),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scalars_get_their_yaml_types() {
        let doc = parse("a: 1\nb: 1.5\nc: true\nd: '1'\ne:\n").unwrap();
        let kinds: Vec<&str> = map(&doc).iter().map(|(_, v)| v.value.kind()).collect();
        assert_eq!(
            kinds,
            ["an integer", "a number", "a boolean", "a string", "null"]
        );
    }

    #[test]
    fn scalars_keep_their_spelling_and_width() {
        let src = "a: [010, 1.50, 0x1F, \"q\"]\n";
        let doc = parse(src).unwrap();
        let Value::Seq(items) = &map(&doc)[0].1.value else {
            panic!()
        };
        let texts: Vec<String> = items.iter().map(|n| n.text(src).unwrap()).collect();
        assert_eq!(texts, ["010", "1.50", "0x1F", "q"]);
        assert_eq!(items[3].width(src), 3, "quotes included");
    }

    #[test]
    fn duplicate_keys_reach_the_caller() {
        let doc = parse("a: 1\na: 2\n").unwrap();
        assert_eq!(map(&doc).len(), 2);
    }

    #[test]
    fn only_true_and_false_are_booleans() {
        let doc = parse("n: no\noff: yes\nt: true\n").unwrap();
        let m = map(&doc);
        assert_eq!(m[0].0.value, Value::Str("n".into()));
        assert_eq!(m[0].1.value, Value::Str("no".into()));
        assert_eq!(m[1].0.value, Value::Str("off".into()));
        assert_eq!(m[2].1.value, Value::Bool(true));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.loc.line >= 1, "{err:?}");
        assert!(!err.message.is_empty());
    }
}
