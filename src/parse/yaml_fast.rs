//! A fast reader for the block-style YAML that Kubernetes manifests are written in.
//!
//! libyaml (src/parse/libyaml.rs) reads all of YAML, one character at a time with a token queue,
//! several times slower than this reader on the manifests it covers. This reader covers what `kubectl`, Helm,
//! kustomize and people write: block mappings and sequences, one-line plain and quoted scalars,
//! literal and folded block scalars, one-line flow collections and comments, in printable ASCII.
//! For those documents it builds exactly the tree the libyaml path builds (the same values, styles
//! and spans, down to where a mapping ends), several times faster.
//!
//! Anything else makes it decline (`None`), and the document is read by libyaml: anchors and
//! aliases, tags, directives, `...`, complex keys, multi-line plain, quoted or flow scalars, tabs,
//! CR, non-ASCII text, duplicate keys and every error, so that error messages and positions are
//! libyaml's.
//! `tests/yaml_fast.rs` and the `yaml_paths` fuzz target hold the two paths equal.

use std::collections::HashSet;

use smol_str::SmolStr;

use super::node::{Node, Style, Value};
use crate::source::{Pos, Span};

/// How far (in characters; the fast reader reads ASCII only) a key's `:` may be from the key's
/// start for libyaml to read it as a key: a simple key is stale past 1024 (YAML 1.2 §7.4.2).
const MAX_KEY: usize = 1024;

/// The documents of one chunk (none when it holds only comments), or `None` to let libyaml read it.
pub(super) fn parse(text: &str, first_line: u32, max_depth: usize) -> Option<Vec<Node>> {
    let b = text.as_bytes();
    // Printable ASCII and newlines only (checked a block at a time, which the compiler vectorises).
    let unusual = |c: u8| (c < 0x20 && c != b'\n') || c >= 0x7f;
    if b.chunks(4096)
        .any(|block| block.iter().fold(false, |bad, &c| bad | unusual(c)))
    {
        return None;
    }
    let mut lines = Vec::with_capacity(b.len() / 24 + 1);
    let mut start = 0;
    while start < b.len() {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
        lines.push(Line {
            start,
            end,
            indent: indent(&b[start..end]),
        });
        start = end + 1;
    }
    Reader {
        text,
        b,
        lines,
        first_line,
        max_depth,
        items: Vec::new(),
        entries: Vec::new(),
    }
    .document()
}

struct Line {
    start: usize,
    /// The end of the line's text, before its newline.
    end: usize,
    /// Its leading spaces.
    indent: usize,
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    lines: Vec<Line>,
    first_line: u32,
    max_depth: usize,
    /// The items and entries of the collections being read, nested ones above their parents';
    /// each collection takes its own off the top when it ends, in one exact allocation.
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
}

#[derive(Clone, Copy)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

impl<'a> Reader<'a> {
    fn lines(&self) -> usize {
        self.lines.len()
    }

    fn line(&self, li: usize) -> &'a [u8] {
        let l = &self.lines[li];
        &self.b[l.start..l.end]
    }

    fn line_str(&self, li: usize) -> &'a str {
        let l = &self.lines[li];
        &self.text[l.start..l.end]
    }

    fn indent(&self, li: usize) -> usize {
        self.lines[li].indent
    }

    fn pos(&self, li: usize, col: usize) -> Pos {
        Pos::new(self.first_line + li as u32, col as u32 + 1)
    }

    /// The end of the text: the line and column after its last character.
    fn text_end(&self) -> (usize, usize) {
        match self.lines() {
            n if n > 0 && !self.b.ends_with(b"\n") => (n - 1, self.line(n - 1).len()),
            n => (n, 0),
        }
    }

    /// Where libyaml ends a block collection indented `indent` that is still open at the end of
    /// the text: at the text's end when it is indented deeper than the last line's end,
    /// otherwise at the start of the line after it.
    fn eof(&self, indent: isize) -> Pos {
        let (li, col) = self.text_end();
        if indent > col as isize || col == 0 {
            self.pos(li, col)
        } else {
            self.pos(li + 1, 0)
        }
    }

    /// The first line at or after `li` holding a token (not blank, not a comment).
    fn next_content(&self, mut li: usize) -> usize {
        while let Some(l) = self.lines.get(li) {
            if l.start + l.indent < l.end && self.b[l.start + l.indent] != b'#' {
                return li;
            }
            li += 1;
        }
        li
    }

    fn document(&mut self) -> Option<Vec<Node>> {
        // A `...` document end (only ever a chunk's last line): libyaml's to read.
        if self.lines.last().is_some_and(|l| {
            let l = &self.b[l.start..l.end];
            l.starts_with(b"...") && matches!(l.get(3), None | Some(b' '))
        }) {
            return None;
        }
        let mut li = self.next_content(0);
        let mut explicit = false;
        if li < self.lines() {
            let l = self.line(li);
            if l.starts_with(b"---") && matches!(l.get(3), None | Some(b' ')) {
                if !rest_is_comment(l, 3) {
                    return None;
                }
                explicit = true;
                li = self.next_content(li + 1);
            }
        }
        if li >= self.lines() {
            return Some(if explicit {
                vec![empty(self.eof(-1))]
            } else {
                Vec::new()
            });
        }
        let (root, next) = self.block_node(li, self.indent(li), -1, 1)?;
        (next >= self.lines()).then(|| vec![root])
    }

    /// The node whose first token is at `(li, col)`, in a block collection indented `parent`.
    /// Returns it with the next line holding a token.
    fn block_node(
        &mut self,
        li: usize,
        col: usize,
        parent: isize,
        depth: usize,
    ) -> Option<(Node, usize)> {
        if depth >= self.max_depth {
            return None;
        }
        let l = self.line(li);
        if is_entry(l, col) {
            self.block_seq(li, col, false, depth)
        } else if self.find_key(li, col).is_some() {
            self.block_map(li, col, depth)
        } else {
            self.value(li, col, parent, depth)
        }
    }

    /// Near the nesting limit, the libyaml path reads the document and reports it.
    fn too_deep(&self, depth: usize) -> bool {
        depth + 4 >= self.max_depth
    }

    fn block_map(&mut self, mut li: usize, col: usize, depth: usize) -> Option<(Node, usize)> {
        if self.too_deep(depth) {
            return None;
        }
        let start = self.pos(li, col);
        let base = self.entries.len();
        let mut seen = None;
        loop {
            let l = self.line(li);
            let (key, colon) = self.key_at(li, col)?;
            if matches!(&key.value, Value::Scalar(s, Style::Plain) if s == "<<")
                || repeated(&self.entries[base..], &key, &mut seen)
            {
                return None;
            }
            let c = skip_spaces(l, colon + 1);
            let (value, next) = if rest_is_comment(l, colon + 1) {
                let next = self.next_content(li + 1);
                match next < self.lines() {
                    true if self.indent(next) > col => {
                        self.block_node(next, self.indent(next), col as isize, depth + 1)?
                    }
                    true if self.indent(next) == col && is_entry(self.line(next), col) => {
                        self.block_seq(next, col, true, depth + 1)?
                    }
                    _ => (empty(self.pos(li, colon + 1)), next),
                }
            } else if is_entry(l, c) {
                return None;
            } else {
                self.value(li, c, col as isize, depth + 1)?
            };
            self.entries.push((key, value));
            let end = match next < self.lines() {
                false => self.eof(col as isize),
                true if self.indent(next) == col => {
                    li = next;
                    continue;
                }
                true if self.indent(next) < col => self.pos(next, self.indent(next)),
                true => return None,
            };
            let entries = self.entries.split_off(base);
            return Some((map(entries, start, end), next));
        }
    }

    fn block_seq(
        &mut self,
        mut li: usize,
        col: usize,
        indentless: bool,
        depth: usize,
    ) -> Option<(Node, usize)> {
        if self.too_deep(depth) {
            return None;
        }
        let start = self.pos(li, col);
        let base = self.items.len();
        loop {
            let l = self.line(li);
            let c = skip_spaces(l, col + 1);
            let (item, next) = if rest_is_comment(l, col + 1) {
                let next = self.next_content(li + 1);
                if next < self.lines() && self.indent(next) > col {
                    self.block_node(next, self.indent(next), col as isize, depth + 1)?
                } else {
                    (empty(self.pos(li, col + 1)), next)
                }
            } else if is_entry(l, c) {
                self.block_seq(li, c, false, depth + 1)?
            } else if self.find_key(li, c).is_some() {
                self.block_map(li, c, depth + 1)?
            } else {
                self.value(li, c, col as isize, depth + 1)?
            };
            self.items.push(item);
            let end = if next >= self.lines() {
                self.eof(col as isize)
            } else {
                let k = self.indent(next);
                if k == col && is_entry(self.line(next), col) {
                    li = next;
                    continue;
                } else if k < col || (indentless && k == col) {
                    self.pos(next, k)
                } else {
                    return None;
                }
            };
            let items = self.items.split_off(base);
            return Some((seq(items, start, end), next));
        }
    }

    /// A block-context key at `(li, col)`: a one-line plain or quoted scalar followed by `: ` or
    /// `:` at the end of the line. Returns the key and the column of its `:`.
    fn key_at(&self, li: usize, col: usize) -> Option<(Node, usize)> {
        let l = self.line(li);
        let (end, colon) = self.find_key(li, col)?;
        let span = Span::new(self.pos(li, col), self.pos(li, end));
        let key = match l[col] {
            q @ (b'"' | b'\'') => {
                Node::scalar(quoted(self.line_str(li), col, q)?.0, quote_style(q), span)
            }
            _ => Node::scalar(&self.line_str(li)[col..end], Style::Plain, span),
        };
        Some((key, colon))
    }

    /// Whether a key starts at `(li, col)`: where it ends and where its `:` is. libyaml takes a key
    /// only when its `:` is at most 1024 characters after its start (a simple key is stale past
    /// that); a longer one is an error there, so it is left to libyaml.
    fn find_key(&self, li: usize, col: usize) -> Option<(usize, usize)> {
        let l = self.line(li);
        match *l.get(col)? {
            q @ (b'"' | b'\'') => {
                let close = quoted_end(l, col, q)?;
                let colon_follows =
                    l.get(close) == Some(&b':') && matches!(l.get(close + 1), None | Some(b' '));
                (colon_follows && close - col <= MAX_KEY).then_some((close, close))
            }
            _ if !plain_start(l, col) => None,
            _ => {
                let mut i = col + 1;
                loop {
                    let p = i + memchr::memchr2(b':', b'#', &l[i..])?;
                    if l[p] == b'#' {
                        if l[p - 1] == b' ' {
                            return None;
                        }
                    } else if matches!(l.get(p + 1), None | Some(b' ')) {
                        let end = trim_end(l, col, p);
                        return (p - col <= MAX_KEY).then_some((end, p));
                    }
                    i = p + 1;
                }
            }
        }
    }

    /// A scalar or flow collection at `(li, col)` that is not a key; what follows it must not be
    /// more indented than `parent` (a multi-line plain scalar or an error: libyaml's to read).
    fn value(
        &mut self,
        li: usize,
        col: usize,
        parent: isize,
        depth: usize,
    ) -> Option<(Node, usize)> {
        let l = self.line(li);
        let (node, next) = match l[col] {
            b'|' | b'>' => self.block_scalar(li, col, parent)?,
            b'[' | b'{' => {
                let (node, end) = self.flow(li, col, depth)?;
                if !rest_is_comment(l, end) {
                    return None;
                }
                (node, self.next_content(li + 1))
            }
            q @ (b'"' | b'\'') => {
                let (text, close) = quoted(self.line_str(li), col, q)?;
                if !rest_is_comment(l, close) {
                    return None;
                }
                let span = Span::new(self.pos(li, col), self.pos(li, close));
                (
                    Node::scalar(text, quote_style(q), span),
                    self.next_content(li + 1),
                )
            }
            _ if !plain_start(l, col) => return None,
            _ => {
                let mut i = col + 1;
                let stop = loop {
                    let Some(p) = memchr::memchr2(b':', b'#', &l[i..]).map(|p| i + p) else {
                        break l.len();
                    };
                    if l[p] == b'#' {
                        if l[p - 1] == b' ' {
                            break p;
                        }
                    } else if matches!(l.get(p + 1), None | Some(b' ')) {
                        return None;
                    }
                    i = p + 1;
                };
                let end = trim_end(l, col, stop);
                let span = Span::new(self.pos(li, col), self.pos(li, end));
                (
                    Node::scalar(&self.line_str(li)[col..end], Style::Plain, span),
                    self.next_content(li + 1),
                )
            }
        };
        if next < self.lines() && self.indent(next) as isize > parent {
            return None;
        }
        Some((node, next))
    }

    /// A `|` or `>` block scalar whose header is at `(li, col)`, in a collection indented `parent`.
    fn block_scalar(&mut self, li: usize, col: usize, parent: isize) -> Option<(Node, usize)> {
        let l = self.line(li);
        let folded = l[col] == b'>';
        let mut chomp = Chomp::Clip;
        let mut i = col + 1;
        match l.get(i) {
            Some(b'-') => chomp = Chomp::Strip,
            Some(b'+') => chomp = Chomp::Keep,
            _ => i -= 1,
        }
        i += 1;
        if parent < 0 || !rest_is_comment(l, i) {
            return None;
        }
        let mut j = li + 1;
        let mut leading = 0usize;
        let mut leading_width = 0usize;
        while j < self.lines() && self.indent(j) == self.line(j).len() {
            leading_width = leading_width.max(self.line(j).len());
            leading += 1;
            j += 1;
        }
        if j >= self.lines() {
            return None;
        }
        let k = self.indent(j);
        if k as isize <= parent {
            if leading > 0 {
                return None;
            }
            let span = Span::new(self.pos(li, col), self.pos(j, 0));
            return Some((Node::scalar("", block_style(folded), span), j));
        }
        if leading_width > k {
            return None;
        }
        let start = self.pos(li, col);
        let stop = (j..self.lines())
            .find(|&e| {
                let l = self.line(e);
                let ind = indent(l);
                ind < l.len() && ind < k
            })
            .map_or(self.b.len(), |e| self.lines[e].start);
        let mut body = String::with_capacity(leading + stop - self.lines[j].start);
        body.extend(std::iter::repeat_n('\n', leading));
        let mut pending = 0usize;
        let mut first = true;
        while j < self.lines() {
            let l = self.line(j);
            let ind = indent(l);
            if ind == l.len() {
                if l.len() > k {
                    return None;
                }
                pending += 1;
                j += 1;
                continue;
            }
            if ind < k {
                break;
            }
            if folded && ind > k {
                return None;
            }
            if !first {
                if folded && pending == 0 {
                    body.push(' ');
                } else {
                    if !folded {
                        body.push('\n');
                    }
                    body.extend(std::iter::repeat_n('\n', pending));
                }
            }
            body.push_str(&self.line_str(j)[k..]);
            first = false;
            pending = 0;
            j += 1;
        }
        // At the end of a text without a final line break, libyaml keeps no break: left to it.
        if j >= self.lines() && !self.b.ends_with(b"\n") {
            return None;
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => body.push('\n'),
            Chomp::Keep => {
                body.push('\n');
                body.extend(std::iter::repeat_n('\n', pending));
            }
        }
        // libyaml ends a block scalar at the start of the line after its last break.
        let end = self.pos(j, 0);
        let next = self.next_content(j);
        if next < self.lines() && self.indent(next) as isize > parent {
            return None;
        }
        Some((
            Node::scalar(body, block_style(folded), Span::new(start, end)),
            next,
        ))
    }

    /// A one-line flow collection starting at `(li, col)`; returns it and the column after it.
    fn flow(&mut self, li: usize, col: usize, depth: usize) -> Option<(Node, usize)> {
        if self.too_deep(depth) {
            return None;
        }
        let l = self.line(li);
        let is_seq = l[col] == b'[';
        let close = if is_seq { b']' } else { b'}' };
        let mut i = col + 1;
        let (items, entries) = (self.items.len(), self.entries.len());
        let mut seen = None;
        loop {
            i = skip_spaces(l, i);
            if *l.get(i)? == close {
                break;
            }
            if is_seq {
                let (item, end) = self.flow_node(li, i, depth)?;
                self.items.push(item);
                i = skip_spaces(l, end);
            } else {
                let key_start = *l.get(i)?;
                if matches!(key_start, b'[' | b'{') {
                    return None;
                }
                let key_col = i;
                let (key, end) = self.flow_node(li, i, depth)?;
                i = skip_spaces(l, end);
                // `:` then a space (`a :{` and `"a":b` are left to libyaml), close enough to the
                // key for libyaml to take it as one
                if l.get(i) != Some(&b':') || l.get(i + 1) != Some(&b' ') || i - key_col > MAX_KEY {
                    return None;
                }
                i = skip_spaces(l, i + 1);
                if matches!(l.get(i), None | Some(b',' | b'}')) {
                    return None;
                }
                if repeated(&self.entries[entries..], &key, &mut seen) {
                    return None;
                }
                let (value, end) = self.flow_node(li, i, depth)?;
                self.entries.push((key, value));
                i = skip_spaces(l, end);
            }
            match *l.get(i)? {
                // a trailing comma (`{a: b,}`): left to libyaml
                b',' if !is_seq && l.get(skip_spaces(l, i + 1)) == Some(&b'}') => return None,
                b',' => i += 1,
                c if c == close => break,
                _ => return None,
            }
        }
        let span = Span::new(self.pos(li, col), self.pos(li, i + 1));
        let value = if is_seq {
            Value::Seq(self.items.split_off(items))
        } else {
            Value::Map(self.entries.split_off(entries))
        };
        Some((
            Node {
                value,
                span,
                via: None,
            },
            i + 1,
        ))
    }

    /// A node inside a flow collection: a nested collection, a quoted or a plain scalar.
    fn flow_node(&mut self, li: usize, col: usize, depth: usize) -> Option<(Node, usize)> {
        let l = self.line(li);
        match *l.get(col)? {
            b'[' | b'{' => self.flow(li, col, depth + 1),
            q @ (b'"' | b'\'') => {
                let (text, close) = quoted(self.line_str(li), col, q)?;
                let span = Span::new(self.pos(li, col), self.pos(li, close));
                Some((
                    Node::scalar(text, quote_style(q), span),
                    skip_spaces(l, close),
                ))
            }
            _ if !plain_start(l, col) => None,
            b'-' if matches!(l.get(col + 1), Some(b',' | b'[' | b']' | b'{' | b'}')) => None,
            _ => {
                let mut i = col + 1;
                while let Some(&c) = l.get(i) {
                    match c {
                        b',' | b'[' | b']' | b'{' | b'}' => break,
                        b':' if matches!(
                            l.get(i + 1),
                            None | Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
                        ) =>
                        {
                            break;
                        }
                        b'#' if l[i - 1] == b' ' => return None,
                        // a word `-` before a flow indicator (`[a -, b]`): left to libyaml
                        b'-' if l[i - 1] == b' '
                            && matches!(l.get(i + 1), Some(b',' | b'[' | b']' | b'{' | b'}')) =>
                        {
                            return None;
                        }
                        _ => i += 1,
                    }
                }
                let end = trim_end(l, col, i);
                let span = Span::new(self.pos(li, col), self.pos(li, end));
                Some((
                    Node::scalar(&self.line_str(li)[col..end], Style::Plain, span),
                    end,
                ))
            }
        }
    }
}

/// Whether a mapping already has `key` (the full reader reports the duplicate). A linear search
/// while the mapping is small, then a set of its keys.
fn repeated(entries: &[(Node, Node)], key: &Node, seen: &mut Option<HashSet<SmolStr>>) -> bool {
    let Value::Scalar(text, _) = &key.value else {
        return false;
    };
    let text_of = |k: &Node| match &k.value {
        Value::Scalar(t, _) => Some(t.clone()),
        _ => None,
    };
    if entries.len() < 16 {
        return entries
            .iter()
            .any(|(k, _)| text_of(k).as_ref() == Some(text));
    }
    let seen = seen.get_or_insert_with(|| entries.iter().filter_map(|(k, _)| text_of(k)).collect());
    !seen.insert(text.clone())
}

fn indent(l: &[u8]) -> usize {
    l.iter().position(|&c| c != b' ').unwrap_or(l.len())
}

fn skip_spaces(l: &[u8], mut i: usize) -> usize {
    while l.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// Nothing but spaces and perhaps a comment from `i` to the end of the line.
fn rest_is_comment(l: &[u8], i: usize) -> bool {
    let j = skip_spaces(l, i);
    match l.get(j) {
        None => true,
        Some(b'#') => j > i || i == 0,
        Some(_) => false,
    }
}

/// A `- ` block sequence entry at `col`.
fn is_entry(l: &[u8], col: usize) -> bool {
    l.get(col) == Some(&b'-') && matches!(l.get(col + 1), None | Some(b' '))
}

/// Whether a plain scalar may start at `col` (no indicator, or `-` followed by a non-space).
fn plain_start(l: &[u8], col: usize) -> bool {
    match l.get(col) {
        None => false,
        Some(b'-') => !matches!(l.get(col + 1), None | Some(b' ')),
        Some(
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`',
        ) => false,
        Some(_) => true,
    }
}

/// The end of `l[start..end]` without its trailing spaces.
fn trim_end(l: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && l[end - 1] == b' ' {
        end -= 1;
    }
    end
}

/// A one-line quoted scalar opening at `col`: its text and the column after the closing quote.
fn quoted(line: &str, col: usize, q: u8) -> Option<(String, usize)> {
    let l = line.as_bytes();
    let mut out = String::new();
    let mut i = col + 1;
    loop {
        let run = l[i..]
            .iter()
            .position(|&c| c == q || (q == b'"' && c == b'\\'))?;
        out.push_str(&line[i..i + run]);
        i += run;
        if q == b'\'' {
            if l.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            return Some((out, i + 1));
        }
        if l[i] == b'"' {
            return Some((out, i + 1));
        }
        let (c, used) = escape(&line[i + 1..])?;
        out.push(c);
        i += 1 + used;
    }
}

/// The column after a one-line quoted scalar's closing quote (escapes are checked when it is read).
fn quoted_end(l: &[u8], col: usize, q: u8) -> Option<usize> {
    let mut i = col + 1;
    loop {
        i += l
            .get(i..)?
            .iter()
            .position(|&c| c == q || (q == b'"' && c == b'\\'))?;
        match l[i] {
            b'\\' => i += 2,
            _ if q == b'\'' && l.get(i + 1) == Some(&b'\'') => i += 2,
            _ => return Some(i + 1),
        }
    }
}

/// A double-quoted escape (after the backslash): the character and the bytes it took.
fn escape(rest: &str) -> Option<(char, usize)> {
    let hex = |n: usize| {
        let digits = rest.get(1..1 + n)?;
        let v = u32::from_str_radix(digits, 16).ok()?;
        digits
            .bytes()
            .all(|c| c.is_ascii_hexdigit())
            .then_some((char::from_u32(v)?, 1 + n))
    };
    Some(match *rest.as_bytes().first()? {
        b'0' => ('\0', 1),
        b'a' => ('\x07', 1),
        b'b' => ('\x08', 1),
        b't' => ('\t', 1),
        b'n' => ('\n', 1),
        b'v' => ('\x0b', 1),
        b'f' => ('\x0c', 1),
        b'r' => ('\r', 1),
        b'e' => ('\x1b', 1),
        b' ' => (' ', 1),
        b'"' => ('"', 1),
        b'/' => ('/', 1),
        b'\\' => ('\\', 1),
        b'N' => ('\u{85}', 1),
        b'_' => ('\u{a0}', 1),
        b'L' => ('\u{2028}', 1),
        b'P' => ('\u{2029}', 1),
        b'x' => hex(2)?,
        b'u' => hex(4)?,
        b'U' => hex(8)?,
        _ => return None,
    })
}

fn quote_style(q: u8) -> Style {
    if q == b'"' {
        Style::DoubleQuoted
    } else {
        Style::SingleQuoted
    }
}

fn block_style(folded: bool) -> Style {
    if folded {
        Style::Folded
    } else {
        Style::Literal
    }
}

fn empty(at: Pos) -> Node {
    Node::scalar("", Style::Plain, Span::new(at, at))
}

fn map(entries: Vec<(Node, Node)>, start: Pos, end: Pos) -> Node {
    Node {
        value: Value::Map(entries),
        span: Span::new(start, end),
        via: None,
    }
}

fn seq(items: Vec<Node>, start: Pos, end: Pos) -> Node {
    Node {
        value: Value::Seq(items),
        span: Span::new(start, end),
        via: None,
    }
}
