//! JSON (with the comments ARM templates allow) read into span-exact [`Node`] trees.

use jsonc_parser::ast::{ObjectPropName, Value as J};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use std::collections::HashMap;

use super::node::{Node, Style, Value, pointer, pointer_idx};
use super::{Limits, ParseError};
use crate::source::{LineIndex, Span};

/// A key written twice in one JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    /// The later key, whose value is kept.
    pub at: Span,
    /// The JSON pointer of the kept value.
    pub path: String,
    /// The line of the first time the key is written.
    pub first_line: u32,
}

/// Parses one JSON text as Kubernetes reads it: a key written twice in one object is refused, as
/// kube-apiserver's strict field validation (kubectl's default) refuses it.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, ParseError> {
    let (root, duplicates) = parse_keeping_last(text, limits)?;
    match duplicates.into_iter().next() {
        None => Ok(root),
        Some(d) => Err(duplicate_field(&d)),
    }
}

/// The error for a duplicate key in Kubernetes JSON, at the second key.
pub fn duplicate_field(d: &Duplicate) -> ParseError {
    ParseError::new(
        d.at.start,
        format!(
            "duplicate field {:?} (already defined at line {})",
            d.key, d.first_line
        ),
    )
}

/// Parses one JSON text keeping the last value of a key written twice (what JSON readers, ARM's
/// among them, keep), and says which keys were. Nesting is checked before the (recursive) parser
/// sees the text.
pub fn parse_keeping_last(
    text: &str,
    limits: &Limits,
) -> Result<(Node, Vec<Duplicate>), ParseError> {
    let idx = LineIndex::new(text);
    if let Some(at) = text.find('\0') {
        return Err(ParseError::new(
            idx.pos(at),
            "NUL byte: not a JSON text".into(),
        ));
    }
    if let Some(at) = too_deep(text, limits.max_depth) {
        return Err(ParseError::new(
            idx.pos(at),
            format!("nesting deeper than {} levels", limits.max_depth),
        ));
    }
    let opts = ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..Default::default()
    };
    let parsed = parse_to_ast(text, &CollectOptions::default(), &opts)
        .map_err(|e| ParseError::new(idx.pos(e.range().start), e.kind().to_string()))?;
    match parsed.value {
        Some(v) => {
            let mut duplicates = Vec::new();
            let root = convert(&v, &idx, "", &mut duplicates);
            Ok((root, duplicates))
        }
        None => Err(ParseError::new(idx.pos(0), "no JSON value".into())),
    }
}

/// Whether a JSON root is an ARM template or parameter file (its `$schema` is Azure's, or it
/// deploys `Microsoft.*` resources).
pub fn is_arm(root: &Node) -> bool {
    let schema = root
        .get_ci("$schema")
        .and_then(Node::as_str)
        .is_some_and(|s| s.contains("schema.management.azure.com"));
    let resources = match root.get_ci("resources").map(|r| &r.value) {
        Some(Value::Seq(items)) => items.iter().collect::<Vec<_>>(),
        Some(Value::Map(entries)) => entries.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    schema
        || resources.iter().any(|r| {
            r.get_ci("type").and_then(Node::as_str).is_some_and(|t| {
                // bytes, not a str slice: the type may hold a multi-byte character there
                t.len() > 10 && t.as_bytes()[..10].eq_ignore_ascii_case(b"microsoft.")
            })
        })
}

fn convert(v: &J<'_>, idx: &LineIndex<'_>, at: &str, dups: &mut Vec<Duplicate>) -> Node {
    let span = |r: jsonc_parser::common::Range| idx.span(r.start, r.end);
    match v {
        J::StringLit(s) => Node::scalar(s.value.as_ref(), Style::DoubleQuoted, span(s.range)),
        J::NumberLit(n) => Node::scalar(n.value, Style::Plain, span(n.range)),
        J::BooleanLit(b) => Node::scalar(
            if b.value { "true" } else { "false" },
            Style::Plain,
            span(b.range),
        ),
        J::NullKeyword(n) => Node::scalar("null", Style::Plain, span(n.range)),
        J::Array(a) => Node {
            value: Value::Seq(
                a.elements
                    .iter()
                    .enumerate()
                    .map(|(i, e)| convert(e, idx, &pointer_idx(at, i), dups))
                    .collect(),
            ),
            span: span(a.range),
            via: None,
        },
        J::Object(o) => {
            let mut entries: Vec<(Node, Node)> = Vec::with_capacity(o.properties.len());
            // Each key's entry, and the line it is first written on.
            let mut seen: HashMap<&str, (usize, u32)> = HashMap::new();
            for p in &o.properties {
                let (name, key) = match &p.name {
                    ObjectPropName::String(s) => (
                        s.value.as_ref(),
                        Node::scalar(s.value.as_ref(), Style::DoubleQuoted, span(s.range)),
                    ),
                    ObjectPropName::Word(w) => {
                        (w.value, Node::scalar(w.value, Style::Plain, span(w.range)))
                    }
                };
                let path = pointer(at, name);
                let value = convert(&p.value, idx, &path, dups);
                match seen.get(name) {
                    Some(&(i, first_line)) => {
                        dups.push(Duplicate {
                            key: name.to_string(),
                            at: key.span,
                            path,
                            first_line,
                        });
                        entries[i] = (key, value);
                    }
                    None => {
                        seen.insert(name, (entries.len(), key.span.start.line));
                        entries.push((key, value));
                    }
                }
            }
            Node {
                value: Value::Map(entries),
                span: span(o.range),
                via: None,
            }
        }
    }
}

/// The byte offset where bracket nesting first exceeds `max`, ignoring strings and comments.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;

    #[test]
    fn json_keeps_positions_and_comments_are_allowed() {
        let n = parse(
            "{\n  // arm\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(n.get("kind").unwrap().span.start, Pos::new(3, 11));
        assert!(n.at(&["spec", "hostPID"]).unwrap().is_true());
    }

    #[test]
    fn json_errors_have_positions_and_depth_is_bounded() {
        let e = parse("{\n  \"a\": [1,\n", &Limits::default()).unwrap_err();
        assert_eq!(e.pos.line, 2); // where the unterminated array opens
        let e = parse(&"[".repeat(10_000), &Limits::default()).unwrap_err();
        assert!(e.message.contains("nesting"));
    }
}
