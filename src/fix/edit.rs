//! Turning an [`Op`] into bytes: the smallest replacement at its span, in the file's own style.
//!
//! Rules describe an edit by spans of the parsed tree (they never read raw text); here the edit meets
//! the text: quotes are kept, an inserted key takes the indentation of its siblings and the block or
//! flow style of its mapping, comments on the lines around stay where they are. An edit whose span
//! does not hold what the rule expects (the value came from a variable, a parameter or another file)
//! is refused with the reason, never guessed.

use super::{Ins, Op};
use crate::source::{Pos, Span};

/// Byte offsets of a text's positions (1-based lines, columns in characters).
pub(crate) struct Offsets<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        // A byte order mark is stripped before parsing: line 1 column 1 is after it.
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut starts = vec![bom];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Offsets { text, starts }
    }

    /// The byte offset of `pos`, when it lies in the text (at most at its line's end).
    pub(crate) fn at(&self, pos: Pos) -> Option<usize> {
        let start = *self.starts.get((pos.line as usize).checked_sub(1)?)?;
        let line_end = self.line_end(start);
        let mut off = start;
        let mut chars = self.text[start..line_end].chars();
        for _ in 1..pos.col {
            off += chars.next()?.len_utf8();
        }
        Some(off)
    }

    /// The offset of the line break ending the line that holds `off` (or the text's end).
    pub(crate) fn line_end(&self, off: usize) -> usize {
        memchr::memchr(b'\n', &self.text.as_bytes()[off..]).map_or(self.text.len(), |i| off + i)
    }

    pub(crate) fn line_start(&self, off: usize) -> usize {
        self.text[..off]
            .rfind('\n')
            .map_or(self.starts[0], |i| i + 1)
    }

    fn range(&self, span: Span) -> Option<(usize, usize)> {
        let (a, b) = (self.at(span.start)?, self.at(span.end)?);
        (a <= b).then_some((a, b))
    }
}

/// A resolved edit: replace bytes `start..end` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bytes {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Where a value that is not written at its span is defined, for the refusal.
const ELSEWHERE: &str = "the value is not written here (it comes from a variable, a parameter or another file): fix it where it is defined";

/// Resolves `op` against the file's text. `json`: the file is JSON (keys quoted, commas).
pub(crate) fn resolve(
    text: &str,
    offsets: &Offsets<'_>,
    op: &Op,
    json: bool,
) -> Result<Bytes, String> {
    match op {
        Op::Replace {
            span,
            old,
            new,
            assigned_at,
        } => replace(text, offsets, *span, old, new, *assigned_at),
        Op::RemoveFlag { span } => remove_flag(text, offsets, *span),
        Op::RemoveCommand { span } => remove_command(text, offsets, *span),
        Op::InsertKey {
            map,
            key_col,
            after,
            key,
            value,
        } => {
            if json {
                return Err("inserting a key is not done in JSON files yet; add it by hand".into());
            }
            insert_key(text, offsets, *map, *key_col, *after, key, value)
        }
        Op::RemoveEntry {
            map,
            key,
            last,
            parent_key,
        } => {
            if json {
                return Err(
                    "removing a key is not done in JSON files yet; remove it by hand".into(),
                );
            }
            remove_entry(text, offsets, *map, *key, *last, *parent_key)
        }
    }
}

/// A Bicep parameter's default replaced at `value` (the resolved edit) under an `@allowed([...])`
/// decorator: the new value must join the list, or the template fails validation. The list's new
/// item comes after its last one, with the separator its items use (a line break and their
/// indentation, or `, `); `None` when the value is not a constrained default or is already allowed;
/// refused when the list holds something other than plain values.
pub(crate) fn bicep_allowed(text: &str, value: &Bytes) -> Result<Option<Bytes>, String> {
    let line_start = text[..value.start].rfind('\n').map_or(0, |i| i + 1);
    let head = text[line_start..value.start].trim_start();
    if !head.starts_with("param") || !head.contains('=') {
        return Ok(None);
    }
    let mut search = 0;
    while let Some(i) = text[search..].find("@allowed") {
        let at = search + i;
        search = at + 1;
        let Some(open) =
            skip_trivia(text, at + "@allowed".len()).filter(|&o| text[o..].starts_with('('))
        else {
            continue;
        };
        let Some(close) = balanced(text, open) else {
            continue;
        };
        // Other decorators may sit between it and its `param`.
        let mut pos = close;
        let target = loop {
            let Some(p) = skip_trivia(text, pos) else {
                break None;
            };
            if let Some(rest) = text[p..].strip_prefix('@') {
                let name = rest
                    .find(|c: char| !c.is_alphanumeric() && c != '_' && c != '.')
                    .unwrap_or(rest.len());
                match skip_trivia(text, p + 1 + name).filter(|&o| text[o..].starts_with('(')) {
                    Some(o) => match balanced(text, o) {
                        Some(e) => pos = e,
                        None => break None,
                    },
                    None => break None,
                }
            } else {
                break Some(p);
            }
        };
        if target
            != Some(line_start + (text[line_start..].len() - text[line_start..].trim_start().len()))
        {
            continue;
        }
        return allowed_item(text, open + 1, close - 1, value);
    }
    Ok(None)
}

/// An ARM template parameter's `defaultValue` replaced at `value` (the resolved edit) when the
/// parameter has `allowedValues`: the new value joins that array (after its last item, with the
/// separator its items use), with the array's JSON pointer, which the fix may then change too.
/// `None` when the value is not such a default or is already allowed.
pub(crate) fn arm_allowed(
    text: &str,
    offsets: &Offsets<'_>,
    root: &crate::parse::node::Node,
    value: &Bytes,
) -> Result<Option<(Bytes, String)>, String> {
    let Some(params) = root.get_ci("parameters").and_then(|p| p.as_map()) else {
        return Ok(None);
    };
    for (name, param) in params {
        let Some(default) = param.get_ci("defaultValue") else {
            continue;
        };
        let Some((a, b)) = offsets.range(default.span) else {
            continue;
        };
        if !(a <= value.start && value.end <= b) {
            continue;
        }
        let Some(list) = param.get_ci("allowedValues") else {
            return Ok(None);
        };
        const REFUSED: &str = "the parameter is constrained by an `allowedValues` array hostlint cannot extend: add the new value to it by hand";
        let items = list.as_seq().ok_or(REFUSED)?;
        let quoted = value.start > 0 && text.as_bytes()[value.start - 1] == b'"';
        if !quoted || items.iter().any(|i| i.as_str().is_none()) {
            return Err(REFUSED.into());
        }
        if items
            .iter()
            .any(|i| i.as_str() == Some(value.text.as_str()))
        {
            return Ok(None);
        }
        let (open, _) = offsets.range(list.span).ok_or(REFUSED)?;
        let ends: Vec<(usize, usize)> = items
            .iter()
            .map(|i| offsets.range(i.span).ok_or(REFUSED))
            .collect::<Result<_, _>>()?;
        let Some(&(ls, le)) = ends.last() else {
            return Err(REFUSED.into());
        };
        let sep = match ends.len() {
            n if n >= 2 => text[ends[n - 2].1..ls].to_string(),
            _ if text[open..ls].contains('\n') => {
                let line = text[..ls].rfind('\n').map_or(0, |i| i + 1);
                format!(",\n{}", &text[line..ls])
            }
            _ => ", ".to_string(),
        };
        let key = name.as_str().ok_or(REFUSED)?;
        let item = serde_json::to_string(&value.text).expect("a string serializes");
        return Ok(Some((
            Bytes {
                start: le,
                end: le,
                text: format!("{sep}{item}"),
            },
            format!(
                "{}/allowedValues",
                crate::parse::node::pointer("/parameters", key)
            ),
        )));
    }
    Ok(None)
}

/// The list inside `@allowed(` … `)` (bytes `from..to`) with `value`'s new text added.
fn allowed_item(
    text: &str,
    from: usize,
    to: usize,
    value: &Bytes,
) -> Result<Option<Bytes>, String> {
    const REFUSED: &str = "the parameter is constrained by an `@allowed` list hostlint cannot extend: add the new value to it by hand";
    let open = skip_trivia(text, from)
        .filter(|&o| o < to && text[o..].starts_with('['))
        .ok_or(REFUSED)?;
    let quoted = value.start > 0 && text.as_bytes()[value.start - 1] == b'\'';
    // The items: (start, end) of each, strings or bare words (numbers, booleans).
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut pos = open + 1;
    loop {
        let p = skip_trivia(text, pos).ok_or(REFUSED)?;
        let c = text.as_bytes()[p];
        if c == b']' {
            break;
        } else if c == b',' {
            pos = p + 1;
        } else if c == b'\'' {
            let e = string_end(text, p).ok_or(REFUSED)?;
            items.push((p, e));
            pos = e;
        } else if c.is_ascii_alphanumeric() || c == b'-' {
            let e = p + text[p..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '.'))
                .unwrap_or(text.len() - p);
            items.push((p, e));
            pos = e;
        } else {
            return Err(REFUSED.into());
        }
        if pos >= to {
            return Err(REFUSED.into());
        }
    }
    let (Some(&(ls, le)), true) = (
        items.last(),
        items
            .iter()
            .all(|&(s, _)| (text.as_bytes()[s] == b'\'') == quoted),
    ) else {
        return Err(REFUSED.into());
    };
    let unquote = |(s, e): (usize, usize)| {
        if quoted {
            &text[s + 1..e - 1]
        } else {
            &text[s..e]
        }
    };
    if items.iter().any(|&i| unquote(i) == value.text) {
        return Ok(None);
    }
    let indent = |s: usize| {
        let line = text[..s].rfind('\n').map_or(0, |i| i + 1);
        text[line..s].to_string()
    };
    let sep = match items.len() {
        n if n >= 2 && !text[items[n - 2].1..ls].contains('/') => {
            text[items[n - 2].1..ls].to_string()
        }
        _ if text[open..ls].contains('\n') => format!("\n{}", indent(ls)),
        _ => ", ".to_string(),
    };
    let item = if quoted {
        format!("'{}'", value.text)
    } else {
        value.text.clone()
    };
    // One item a line, no commas: the new line goes after a comment that ends the last item's.
    let line_end = text[le..].find('\n').map_or(text.len(), |i| le + i);
    if sep.contains('\n')
        && !sep.contains(',')
        && line_end < to
        && !text[le..line_end].contains(',')
    {
        return Ok(Some(Bytes {
            start: line_end,
            end: line_end,
            text: format!("\n{}{item}", indent(ls)),
        }));
    }
    Ok(Some(Bytes {
        start: le,
        end: le,
        text: format!("{sep}{item}"),
    }))
}

/// The first offset from `pos` that is not white space or a comment.
fn skip_trivia(text: &str, mut pos: usize) -> Option<usize> {
    loop {
        let rest = &text[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            pos += trimmed.find('\n')?;
        } else if trimmed.starts_with("/*") {
            pos += trimmed.find("*/")? + 2;
        } else if trimmed.is_empty() {
            return None;
        } else {
            return Some(pos);
        }
    }
}

/// The end (after its quote) of the Bicep string starting at `start` (`\` escapes).
fn string_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The offset after the bracket closing the one at `open`, skipping strings and comments.
fn balanced(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'\'' => {
                i = string_end(text, i)?;
                continue;
            }
            b'/' if text[i..].starts_with("//") => {
                i += text[i..].find('\n')?;
                continue;
            }
            b'/' if text[i..].starts_with("/*") => {
                i += text[i..].find("*/")? + 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn replace(
    text: &str,
    offsets: &Offsets<'_>,
    span: Span,
    old: &str,
    new: &str,
    assigned_at: Option<u32>,
) -> Result<Bytes, String> {
    let (a, b) = offsets.range(span).ok_or(ELSEWHERE)?;
    let s = &text[a..b];
    if s.eq_ignore_ascii_case(old) {
        return Ok(Bytes {
            start: a,
            end: b,
            text: new.to_string(),
        });
    }
    // A quoted value keeps its quotes.
    let bytes = s.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
        && s[1..s.len() - 1].eq_ignore_ascii_case(old)
    {
        return Ok(Bytes {
            start: a + 1,
            end: b - 1,
            text: new.to_string(),
        });
    }
    // A shell variable's use (`"$CHANNEL"`): fix the assignment, when it is in this file.
    if let Some(line) = assigned_at
        && s.contains('$')
        && let Some(r) = assignment(text, offsets, line, old, new)
    {
        return Ok(r);
    }
    Err(ELSEWHERE.into())
}

/// `NAME=value` (quoted or not) on `line`: the value's bytes replaced.
fn assignment(text: &str, offsets: &Offsets<'_>, line: u32, old: &str, new: &str) -> Option<Bytes> {
    let start = offsets.at(Pos::new(line, 1))?;
    let end = offsets.line_end(start);
    let l = &text[start..end];
    let eq = l.find('=')?;
    let value = l[eq + 1..].trim_start_matches(['"', '\'']);
    let from = start + (l.len() - value.len());
    let word = value
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .unwrap_or(value.len());
    value[..word].eq_ignore_ascii_case(old).then(|| Bytes {
        start: from,
        end: from + word,
        text: new.to_string(),
    })
}

/// Removes a command-line switch and the blank it leaves (a line left holding only `\` goes too).
fn remove_flag(text: &str, offsets: &Offsets<'_>, span: Span) -> Result<Bytes, String> {
    let (a, b) = offsets.range(span).ok_or(ELSEWHERE)?;
    if !text[a..b].starts_with('-') {
        return Err(ELSEWHERE.into());
    }
    let ls = offsets.line_start(a);
    let le = offsets.line_end(b);
    let before = &text[ls..a];
    let after = &text[b..le];
    if before.trim().is_empty() && after.trim() == "\\" {
        // The switch is alone on a continued line: the line goes.
        return Ok(Bytes {
            start: ls,
            end: (le + 1).min(text.len()),
            text: String::new(),
        });
    }
    if before.trim().is_empty() {
        // First on its line: the blanks after it go, so the next word keeps the indentation.
        let rest = after.len() - after.trim_start_matches([' ', '\t']).len();
        return Ok(Bytes {
            start: a,
            end: b + rest,
            text: String::new(),
        });
    }
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    Ok(Bytes {
        start: a - blanks,
        end: b,
        text: String::new(),
    })
}

/// Removes the lines of the command at `span`: from its line's start (after any `\`-continued
/// lines before it) to the end of its last line, a trailing comment included. Refused when other
/// text shares those lines (`cmd1 && cmd2`).
fn remove_command(text: &str, offsets: &Offsets<'_>, span: Span) -> Result<Bytes, String> {
    let (a, b) = offsets.range(span).ok_or(ELSEWHERE)?;
    let ls = offsets.line_start(a);
    let mut le = offsets.line_end(b.max(a));
    // The command's continuation lines.
    while le < text.len() && text[..le].trim_end_matches('\r').ends_with('\\') {
        le = offsets.line_end(le + 1);
    }
    let before = &text[ls..a];
    let after = text[b..le].trim();
    let alone = before.trim().is_empty()
        && (after.is_empty() || after.starts_with('#') || after == "\\")
        && (ls == 0 || !text[..ls - 1].trim_end_matches('\r').ends_with('\\'));
    if !alone {
        return Err("the command shares its line with other commands; remove it by hand".into());
    }
    Ok(Bytes {
        start: ls,
        end: (le + 1).min(text.len()),
        text: String::new(),
    })
}

/// Whether the mapping at `map` is written in flow style (`{a: 1}`), from its first byte.
fn is_flow(text: &str, offsets: &Offsets<'_>, map: Span) -> Option<bool> {
    let a = offsets.at(map.start)?;
    Some(text[a..].starts_with('{'))
}

fn render_flow(value: &Ins) -> String {
    match value {
        Ins::Scalar(s) => s.clone(),
        Ins::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", render_flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn render_block(key: &str, value: &Ins, indent: &str, step: &str, nl: &str, out: &mut String) {
    out.push_str(nl);
    out.push_str(indent);
    out.push_str(key);
    out.push(':');
    match value {
        Ins::Scalar(s) => {
            out.push(' ');
            out.push_str(s);
        }
        Ins::Map(entries) => {
            let deeper = format!("{indent}{step}");
            for (k, v) in entries {
                render_block(k, v, &deeper, step, nl, out);
            }
        }
    }
}

/// Adds `key: value` as the last entry of the mapping at `map`: a line after the last entry's last
/// line, at the column of the mapping's keys, in block style; `, key: value` before `}` in flow style.
fn insert_key(
    text: &str,
    offsets: &Offsets<'_>,
    map: Span,
    key_col: u32,
    after: Span,
    key: &str,
    value: &Ins,
) -> Result<Bytes, String> {
    if is_flow(text, offsets, map).ok_or(ELSEWHERE)? {
        let (a, b) = offsets.range(map).ok_or(ELSEWHERE)?;
        let close = text[a..b].rfind('}').map(|i| a + i).ok_or(ELSEWHERE)?;
        let inner = text[a + 1..close].trim_end();
        let at = a + 1 + inner.len();
        let entry = format!("{key}: {}", render_flow(value));
        let text = if inner.trim().is_empty() {
            entry
        } else {
            format!(", {entry}")
        };
        return Ok(Bytes {
            start: at,
            end: at,
            text,
        });
    }
    let mut end = offsets.at(after.end).ok_or(ELSEWHERE)?;
    // A block scalar's span ends at the start of the line after it: its last line is the one before.
    if after.end.col == 1 && after.end.line > after.start.line && end > 0 {
        end -= 1;
        while end > 0 && text.as_bytes()[end - 1] == b'\n' {
            end -= 1;
        }
    }
    let mut at = offsets.line_end(end);
    let nl = if at > 0 && text.as_bytes()[at - 1] == b'\r' {
        at -= 1;
        "\r\n"
    } else {
        "\n"
    };
    let indent = " ".repeat(key_col.saturating_sub(1) as usize);
    let mut out = String::new();
    render_block(key, value, &indent, &step(text), nl, &mut out);
    Ok(Bytes {
        start: at,
        end: at,
        text: out,
    })
}

/// The file's indentation step: the smallest indentation of a key line (two spaces when none).
fn step(text: &str) -> String {
    let n = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .filter(|&n| n > 0)
        .min()
        .unwrap_or(2)
        .min(8);
    " ".repeat(n)
}

/// Removes the entry whose key is at `key` and whose value's last scalar is at `last` from the
/// mapping at `map`. In block style its lines go (a mapping left empty becomes `{}` after
/// `parent_key`); in flow style the entry and one comma.
fn remove_entry(
    text: &str,
    offsets: &Offsets<'_>,
    map: Span,
    key: Span,
    last: Span,
    parent_key: Option<Span>,
) -> Result<Bytes, String> {
    let k = offsets.at(key.start).ok_or(ELSEWHERE)?;
    let e = offsets.at(last.end).ok_or(ELSEWHERE)?;
    if is_flow(text, offsets, map).ok_or(ELSEWHERE)? {
        let rest = &text[e..];
        let after = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[after..].starts_with(',') {
            let more =
                rest[after + 1..].len() - rest[after + 1..].trim_start_matches([' ', '\t']).len();
            return Ok(Bytes {
                start: k,
                end: e + after + 1 + more,
                text: String::new(),
            });
        }
        let before = text[..k].trim_end_matches([' ', '\t', '\n', '\r']);
        if before.ends_with(',') {
            return Ok(Bytes {
                start: before.len() - 1,
                end: e,
                text: String::new(),
            });
        }
        return Ok(Bytes {
            start: k,
            end: e,
            text: String::new(),
        });
    }
    let ls = offsets.line_start(k);
    if !text[ls..k].trim().is_empty() {
        return Err("the key shares its line with other content; remove it by hand".into());
    }
    let le = offsets.line_end(e);
    let end = (le + 1).min(text.len());
    match parent_key {
        None => Ok(Bytes {
            start: ls,
            end,
            text: String::new(),
        }),
        Some(pk) => {
            // The mapping's only entry: the mapping becomes `{}`, written after its key.
            let p = offsets.at(pk.end).ok_or(ELSEWHERE)?;
            let colon = text[p..ls].find(':').map(|i| p + i).ok_or(ELSEWHERE)?;
            let keep = &text[colon + 1..ls];
            Ok(Bytes {
                start: colon + 1,
                end,
                text: format!(" {{}}{keep}"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a: (u32, u32), b: (u32, u32)) -> Span {
        Span::new(Pos::new(a.0, a.1), Pos::new(b.0, b.1))
    }

    fn apply(text: &str, op: &Op) -> String {
        let o = Offsets::new(text);
        let b = resolve(text, &o, op, false).unwrap();
        format!("{}{}{}", &text[..b.start], b.text, &text[b.end..])
    }

    /// The `@allowed` insertion for replacing the first `old` after the last `param` with `new`.
    fn allowed(text: &str, old: &str, new: &str) -> Result<Option<String>, String> {
        let p = text.rfind("param").unwrap();
        let start = p + text[p..].find(old).unwrap();
        let value = Bytes {
            start,
            end: start + old.len(),
            text: new.to_string(),
        };
        Ok(bicep_allowed(text, &value)?
            .map(|b| format!("{}{}{}", &text[..b.start], b.text, &text[b.end..])))
    }

    #[test]
    fn bicep_allowed_list_takes_the_new_value_in_its_style() {
        let block = "@allowed([\n  'A'\n  'B' // old\n])\nparam p string = 'A'\n";
        assert_eq!(
            allowed(block, "A'\n", "C").unwrap().unwrap(),
            "@allowed([\n  'A'\n  'B' // old\n  'C'\n])\nparam p string = 'A'\n"
        );
        let commas = "@allowed([\n  'A',\n  'B',\n])\n@minLength(1)\nparam p string = 'A'\n";
        assert_eq!(
            allowed(commas, "A'\n", "C").unwrap().unwrap(),
            "@allowed([\n  'A',\n  'B',\n  'C',\n])\n@minLength(1)\nparam p string = 'A'\n"
        );
        let flow = "@allowed(['A']) /* one */ @description('x')\nparam p string = 'A'\n";
        assert_eq!(
            allowed(flow, "A'\n", "C").unwrap().unwrap(),
            "@allowed(['A', 'C']) /* one */ @description('x')\nparam p string = 'A'\n"
        );
        let ints = "@allowed([\n  1\n  3\n])\nparam n int = 1\n";
        assert_eq!(
            allowed(ints, "1\n", "2").unwrap().unwrap(),
            "@allowed([\n  1\n  3\n  2\n])\nparam n int = 1\n"
        );
        // Already allowed; another parameter's list; no list.
        assert_eq!(
            allowed("@allowed(['A', 'C'])\nparam p string = 'A'\n", "A'\n", "C"),
            Ok(None)
        );
        assert_eq!(
            allowed(
                "@allowed(['A'])\nparam q string = 'A'\nparam p string = 'A'\n",
                "A'\n",
                "C"
            ),
            Ok(None)
        );
        assert_eq!(allowed("param p string = 'A'\n", "A'\n", "C"), Ok(None));
        // A list that is not of plain values is not guessed at.
        assert!(
            allowed(
                "@allowed([\n  'A'\n  sizes.b\n])\nparam p string = 'A'\n",
                "A'\n",
                "C"
            )
            .unwrap_err()
            .contains("`@allowed`")
        );
    }

    #[test]
    fn replace_keeps_quotes_and_refuses_what_is_not_written_there() {
        let op = Op::Replace {
            span: span((1, 5), (1, 20)),
            old: "SecurityPatch".into(),
            new: "NodeImage".into(),
            assigned_at: None,
        };
        assert_eq!(
            apply("x = \"SecurityPatch\" # c\n", &op),
            "x = \"NodeImage\" # c\n"
        );
        let t = "x = var.channel\n";
        assert!(resolve(t, &Offsets::new(t), &op, false).is_err());
    }

    #[test]
    fn shell_variable_is_fixed_at_its_assignment() {
        let text = "CHANNEL=Unmanaged\naz aks update --node-os-upgrade-channel \"$CHANNEL\"\n";
        let op = Op::Replace {
            span: span((2, 41), (2, 51)),
            old: "Unmanaged".into(),
            new: "NodeImage".into(),
            assigned_at: Some(1),
        };
        assert_eq!(
            apply(text, &op),
            "CHANNEL=NodeImage\naz aks update --node-os-upgrade-channel \"$CHANNEL\"\n"
        );
    }

    #[test]
    fn flag_removal_takes_its_blank_or_its_line() {
        let op = Op::RemoveFlag {
            span: span((1, 8), (1, 35)),
        };
        assert_eq!(
            apply("az aks --enable-artifact-streaming -n x\n", &op),
            "az aks -n x\n"
        );
        let text = "az aks \\\n  --enable-artifact-streaming \\\n  -n x\n";
        let op = Op::RemoveFlag {
            span: span((2, 3), (2, 30)),
        };
        assert_eq!(apply(text, &op), "az aks \\\n  -n x\n");
    }

    #[test]
    fn insert_follows_block_and_flow_style() {
        let text = "- name: a\n  mountPath: /x # keep\n- name: b\n";
        let op = Op::InsertKey {
            map: span((1, 3), (3, 1)),
            key_col: 3,
            after: span((2, 14), (2, 16)),
            key: "readOnly".into(),
            value: Ins::Scalar("true".into()),
        };
        assert_eq!(
            apply(text, &op),
            "- name: a\n  mountPath: /x # keep\n  readOnly: true\n- name: b\n"
        );
        let text = "- {name: a, mountPath: /x }\n";
        let op = Op::InsertKey {
            map: span((1, 3), (1, 28)),
            key_col: 4,
            after: span((1, 24), (1, 26)),
            key: "readOnly".into(),
            value: Ins::Scalar("true".into()),
        };
        assert_eq!(
            apply(text, &op),
            "- {name: a, mountPath: /x, readOnly: true }\n"
        );
    }

    #[test]
    fn removing_the_only_entry_leaves_an_empty_mapping() {
        let text = "  annotations: # c\n    a/b: x\n  labels: {}\n";
        let op = Op::RemoveEntry {
            map: span((2, 5), (3, 3)),
            key: span((2, 5), (2, 8)),
            last: span((2, 10), (2, 11)),
            parent_key: Some(span((1, 3), (1, 14))),
        };
        assert_eq!(apply(text, &op), "  annotations: {} # c\n  labels: {}\n");
    }
}
