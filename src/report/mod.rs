//! Report renderings. Every format shows the same sorted findings.
//!
//! Every human-readable field comes from the input (names, paths, values, parser messages), so
//! renderings that a terminal or a CI log reads pass it through [`escape`]: a newline, an ESC or a
//! bidirectional override in a file name or a YAML string is shown, never obeyed.

use std::borrow::Cow;

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod rules;
pub mod sarif;

/// Whether a character must not reach a terminal or log raw: C0 and C1 controls, DEL, the Unicode
/// line and paragraph separators, and the bidirectional embedding/override/isolate controls.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// One line of text safe to print: unsafe characters as escapes (`\n`, `\r`, `\t`, `\e`, `\u{..}`).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Source text for a snippet, one character for one (so columns still line up): controls other
/// than tab and newline become their Control Pictures symbol (`␛` for ESC), other unsafe
/// characters `�`.
pub fn escape_source(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c != '\n' && c != '\t' && is_unsafe_char(c);
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                c if !bad(c) => c,
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                '\u{7f}' => '\u{2421}',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

/// Defuses lines a CI runner would obey: GitHub Actions runs any log line that starts with `::`
/// after leading whitespace as a workflow command (`::error`, `::stop-commands::`, `::add-mask::`),
/// and `##[` anywhere in a line as a legacy one (and Azure Pipelines reads `##vso[`). Such a line
/// gets a leading `\`; `##[`/`##vso[` become `#\#[`/`#\#vso[`.
pub fn defuse_ci_commands(text: &str) -> Cow<'_, str> {
    let hit =
        |l: &str| l.trim_start().starts_with("::") || l.contains("##[") || l.contains("##vso[");
    if !text.split('\n').any(hit) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !hit(line) {
            out.push_str(line);
            continue;
        }
        if line.trim_start().starts_with("::") {
            out.push('\\');
        }
        out.push_str(&line.replace("##[", "#\\#[").replace("##vso[", "#\\#vso["));
    }
    Cow::Owned(out)
}

/// The text with every Secret's `data` and `stringData` values (and a Secret's
/// `last-applied-configuration` annotation, which repeats them) masked with `*`, one per character,
/// so that no snippet of the document can show them, however the document is laid out (minified
/// JSON, flow YAML, a Secret next to a Pod on one line). Positions and columns are unchanged.
/// `None` when the document holds no Secret value.
pub fn redact_secrets(
    text: &str,
    first_line: u32,
    objects: &[crate::model::object::Object<'_>],
) -> Option<String> {
    use crate::parse::node::Node;
    use crate::source::Span;
    let mut spans: Vec<Span> = Vec::new();
    let mut value_spans = |n: &Node| match n.as_map() {
        Some(entries) => spans.extend(entries.iter().map(|(_, v)| v.span)),
        None => spans.push(n.span),
    };
    for o in objects.iter().filter(|o| o.id.kind == "Secret") {
        for key in ["data", "stringData"] {
            if let Some(n) = o.node.get(key) {
                value_spans(n);
            }
        }
        if let Some(n) = o.node.at(&[
            "metadata",
            "annotations",
            "kubectl.kubernetes.io/last-applied-configuration",
        ]) {
            value_spans(n);
        }
    }
    spans.retain(|s| (s.end.line, s.end.col) > (s.start.line, s.start.col));
    if spans.is_empty() {
        return None;
    }
    spans.sort_by_key(|s| (s.start.line, s.start.col));
    // One sweep: spans sorted by start; a position is masked while it is before the furthest end
    // of the spans started so far.
    let mut out = String::with_capacity(text.len());
    let (mut line, mut col) = (first_line, 1u32);
    let (mut next, mut until) = (0, (0u32, 0u32));
    for c in text.chars() {
        while next < spans.len() && (spans[next].start.line, spans[next].start.col) <= (line, col) {
            until = until.max((spans[next].end.line, spans[next].end.col));
            next += 1;
        }
        if c == '\n' {
            out.push(c);
            line += 1;
            col = 1;
            continue;
        }
        out.push(if c != '\r' && (line, col) < until {
            '*'
        } else {
            c
        });
        col += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_escape_and_bidi() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape("a\nb\r\tc\u{1b}[31m\u{9b}\u{202e}"),
            "a\\nb\\r\\tc\\e[31m\\u{9b}\\u{202e}"
        );
        assert_eq!(escape_source("a\u{1b}b\tc\u{7f}"), "a\u{241b}b\tc\u{2421}");
    }

    #[test]
    fn defuses_workflow_commands() {
        assert_eq!(
            defuse_ci_commands("ok\n   ::error::x\nsee ##[group]y ##vso[task]"),
            "ok\n\\   ::error::x\nsee #\\#[group]y #\\#vso[task]"
        );
        assert_eq!(defuse_ci_commands("a :: b"), "a :: b");
    }
}
