//! The span-exact document tree that every structured input (YAML, JSON) is read into.

use smol_str::SmolStr;

use crate::source::{Span, Via};

/// How a scalar was written; plain scalars are the only ones YAML 1.1 resolves to booleans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(SmolStr, Style),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A value with the span of its text and, when reached through an alias, where.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub via: Option<Box<Via>>,
}

impl Node {
    pub fn scalar(text: impl Into<SmolStr>, style: Style, span: Span) -> Self {
        Node {
            value: Value::Scalar(text.into(), style),
            span,
            via: None,
        }
    }

    /// Where a finding on this node is reported: the alias use site when reached through one.
    pub fn report_span(&self) -> Span {
        self.via.as_ref().map_or(self.span, |v| v.use_site)
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text, whatever its style (`null`, `~` and the empty plain scalar are `None`).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, Style::Plain) if is_null(s) => None,
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// A boolean as Kubernetes reads one: YAML 1.1 (`yes`, `on`, `y`, `True`, ...) for plain
    /// scalars, as sigs.k8s.io/yaml does; a quoted string is never a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s, Style::Plain) => yaml11_bool(s),
            _ => None,
        }
    }

    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    /// An integer (plain scalar, decimal, `0x` hex or `0o`/YAML 1.1 leading-zero octal).
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s, Style::Plain) => parse_int(s),
            Value::Scalar(s, _) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value of `key` in a mapping (exact, as Kubernetes matches field names).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node of `key` in a mapping.
    pub fn get_key(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    /// The value of `key`, matched case-insensitively (ARM property names).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    }

    /// The value at a chain of keys.
    pub fn at(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The string at a chain of keys.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.at(keys)?.as_str()
    }

    /// The number of nodes in this tree (for the alias-expansion budget).
    pub fn count(&self) -> usize {
        match &self.value {
            Value::Scalar(..) => 1,
            Value::Seq(s) => 1 + s.iter().map(Node::count).sum::<usize>(),
            Value::Map(m) => 1 + m.iter().map(|(k, v)| k.count() + v.count()).sum::<usize>(),
        }
    }

    /// Marks this tree as reached through an alias (the outermost alias wins).
    pub fn set_via(&mut self, via: &Via) {
        if self.via.is_none() {
            self.via = Some(Box::new(via.clone()));
        }
        match &mut self.value {
            Value::Scalar(..) => {}
            Value::Seq(s) => s.iter_mut().for_each(|n| n.set_via(via)),
            Value::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.set_via(via);
                v.set_via(via);
            }),
        }
    }
}

pub fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// YAML 1.1 booleans as go-yaml v2 (and so Kubernetes) resolves them.
pub fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On" | "ON" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "n" | "N" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// An integer as go-yaml resolves a plain scalar (Go's `ParseInt(s, 0, 64)` with `_` removed):
/// an optional sign, then decimal, `0x`, `0o`, `0b` or leading-zero octal digits.
fn parse_int(s: &str) -> Option<i64> {
    let s = s.replace('_', "");
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, &s[..]),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -v } else { v }).ok()
}

/// Appends `key` to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn pointer(base: &str, key: &str) -> String {
    let mut p = String::with_capacity(base.len() + key.len() + 1);
    p.push_str(base);
    p.push('/');
    for c in key.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// Appends a sequence index to a JSON pointer.
pub fn pointer_idx(base: &str, i: usize) -> String {
    format!("{base}/{i}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_booleans() {
        for t in ["yes", "Yes", "on", "ON", "y", "True"] {
            assert_eq!(yaml11_bool(t), Some(true), "{t}");
        }
        for f in ["no", "off", "N", "FALSE"] {
            assert_eq!(yaml11_bool(f), Some(false), "{f}");
        }
        assert_eq!(yaml11_bool("yess"), None);
    }

    #[test]
    fn ints_and_pointers() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0755"), Some(0o755));
        assert_eq!(parse_int("-12"), Some(-12));
        assert_eq!(
            pointer("/metadata/annotations", "a/b~c"),
            "/metadata/annotations/a~1b~0c"
        );
    }
}
