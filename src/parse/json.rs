//! JSON (with the comments ARM templates allow) read into span-exact [`Node`] trees.

use jsonc_parser::ast::{ObjectPropName, Value as J};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::node::{Node, Style, Value};
use super::{Limits, ParseError};
use crate::source::LineIndex;

/// Parses one JSON text. Nesting is checked before the (recursive) parser sees the text.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, ParseError> {
    let idx = LineIndex::new(text);
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
        Some(v) => Ok(convert(&v, &idx)),
        None => Err(ParseError::new(idx.pos(0), "no JSON value".into())),
    }
}

fn convert(v: &J<'_>, idx: &LineIndex<'_>) -> Node {
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
            value: Value::Seq(a.elements.iter().map(|e| convert(e, idx)).collect()),
            span: span(a.range),
            via: None,
        },
        J::Object(o) => Node {
            value: Value::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let key = match &p.name {
                            ObjectPropName::String(s) => {
                                Node::scalar(s.value.as_ref(), Style::DoubleQuoted, span(s.range))
                            }
                            ObjectPropName::Word(w) => {
                                Node::scalar(w.value, Style::Plain, span(w.range))
                            }
                        };
                        (key, convert(&p.value, idx))
                    })
                    .collect(),
            ),
            span: span(o.range),
            via: None,
        },
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
