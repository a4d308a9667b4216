//! YAML streams read into span-exact [`Node`] trees, one document at a time.
//!
//! A stream is cut into documents at `---`/`...` lines *before* parsing, so that a malformed document
//! is reported at its position and the documents after it are still read (a YAML parser stops at the
//! first error of a stream). The cut is exact: the YAML spec forbids a document marker at column 0
//! inside any scalar, so such a line always starts a new document.

use std::collections::{HashMap, HashSet};

use super::libyaml::{EventData, Mark, Parser, ScalarStyle};

use smol_str::SmolStr;

use super::budget::Budget;
use super::node::{Node, Style, Value};
use super::yaml_fast;
use super::{Limits, ParseError};
use crate::source::{Pos, Span, Via};

/// One document's text within a stream.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    pub text: &'a [u8],
    /// The 1-based line of the chunk's first line in the file.
    pub first_line: u32,
}

/// A parsed document and what the engine needs around it.
#[derive(Debug)]
pub struct Document<'a> {
    pub root: Node,
    pub text: &'a str,
    pub first_line: u32,
    /// `# Source: chart/templates/x.yaml`, as `helm template` and kustomize-with-helm write it.
    pub helm_source: Option<String>,
}

impl Document<'_> {
    /// The text of 1-based file line `line`, when it lies in this document.
    pub fn line(&self, line: u32) -> Option<&str> {
        let i = line.checked_sub(self.first_line)? as usize;
        self.text
            .split('\n')
            .nth(i)
            .map(|l| l.trim_end_matches('\r'))
    }
}

/// Splits a byte stream into document chunks at column-0 `---` and after `...` lines.
pub fn split(bytes: &[u8]) -> impl Iterator<Item = Chunk<'_>> {
    let mut start = 0usize;
    let mut pos = 0usize;
    let mut line = 1u32;
    let mut first_line = 1u32;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        loop {
            if pos >= bytes.len() {
                done = true;
                return Some(Chunk {
                    text: &bytes[start..],
                    first_line,
                });
            }
            let end = memchr_newline(&bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
            let l = &bytes[pos..end];
            let this_line = line;
            pos = end;
            line += 1;
            if is_marker(l, b"---") && this_line != first_line {
                let chunk = Chunk {
                    text: &bytes[start..end - l.len()],
                    first_line,
                };
                start = end - l.len();
                first_line = this_line;
                return Some(chunk);
            }
            if is_marker(l, b"...") {
                let chunk = Chunk {
                    text: &bytes[start..end],
                    first_line,
                };
                start = end;
                first_line = line;
                return Some(chunk);
            }
        }
    })
    .filter(|c| !c.text.is_empty())
}

/// A document's bytes read from a stream, owned.
#[derive(Debug)]
pub struct OwnedChunk {
    pub bytes: Vec<u8>,
    pub first_line: u32,
    /// The document was longer than the limit: its bytes were not kept.
    pub oversized: bool,
}

/// Reads a stream document by document (the same cuts as [`split`]), never holding more than one
/// document, and that only up to `max_bytes`: a longer one is skipped to its end and flagged.
///
/// The bytes go through one fixed buffer; lines are found with a SIMD newline search and copied
/// into the document a run at a time, so the cost per line is one look at its first bytes.
pub fn read_chunks<R: std::io::Read>(
    mut reader: R,
    max_bytes: usize,
    mut on_chunk: impl FnMut(OwnedChunk),
) -> std::io::Result<()> {
    const BUF: usize = 1 << 18;
    let mut buf = vec![0u8; BUF];
    let mut filled = 0usize;
    let mut eof = false;
    let mut cur = OwnedChunk {
        bytes: Vec::new(),
        first_line: 1,
        oversized: false,
    };
    // The 1-based number of the line that starts (or continues, when `mid_line`) at `buf[0]`.
    let mut line_no = 1u32;
    let mut mid_line = false;
    let emit = |cur: &mut OwnedChunk, next_first: u32, on_chunk: &mut dyn FnMut(OwnedChunk)| {
        let done = std::mem::replace(
            cur,
            OwnedChunk {
                bytes: Vec::new(),
                first_line: next_first,
                oversized: false,
            },
        );
        if !done.bytes.is_empty() || done.oversized {
            on_chunk(done);
        }
    };
    let keep = |cur: &mut OwnedChunk, bytes: &[u8]| {
        if cur.oversized || cur.bytes.len() + bytes.len() > max_bytes {
            cur.oversized = true;
            cur.bytes = Vec::new();
        } else {
            cur.bytes.extend_from_slice(bytes);
        }
    };
    loop {
        while !eof && filled < BUF {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        // Whole lines in the buffer (the last one may be cut off by the buffer's end).
        let mut run = 0usize; // start of the bytes not yet copied into the document
        let mut s = 0usize; // start of the current line
        while s < filled {
            let e = match memchr::memchr(b'\n', &buf[s..filled]) {
                Some(i) => s + i + 1,
                // A line longer than the buffer goes on in pieces; otherwise read the rest of it.
                None if eof || s == 0 => filled,
                None => break,
            };
            let line = &buf[s..e];
            if !mid_line && is_marker(line, b"---") && line_no != cur.first_line {
                keep(&mut cur, &buf[run..s]);
                emit(&mut cur, line_no, &mut on_chunk);
                run = s;
            }
            if !mid_line && is_marker(line, b"...") {
                keep(&mut cur, &buf[run..e]);
                emit(&mut cur, line_no + 1, &mut on_chunk);
                run = e;
            }
            mid_line = !line.ends_with(b"\n");
            if !mid_line {
                line_no += 1;
            }
            s = e;
        }
        keep(&mut cur, &buf[run..s]);
        buf.copy_within(s..filled, 0);
        filled -= s;
    }
    emit(&mut cur, line_no + 1, &mut on_chunk);
    Ok(())
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

fn is_marker(line: &[u8], m: &[u8]) -> bool {
    line.starts_with(m) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Parses every document of a chunk. Errors end the chunk, never the stream.
pub fn parse_chunk<'a>(chunk: Chunk<'a>, limits: &Limits) -> Vec<Result<Document<'a>, ParseError>> {
    parse_chunk_in(chunk, limits, &Budget::new(limits))
}

/// [`parse_chunk`], with alias expansion charged to the budget of the file the chunk is part of.
pub fn parse_chunk_in<'a>(
    chunk: Chunk<'a>,
    limits: &Limits,
    budget: &Budget,
) -> Vec<Result<Document<'a>, ParseError>> {
    if chunk.text.len() > limits.max_document_bytes {
        return vec![Err(ParseError::new(
            Pos::new(chunk.first_line, 1),
            format!(
                "document is {} MiB, over the {} MiB limit for one document{}",
                chunk.text.len() >> 20,
                limits.max_document_bytes >> 20,
                crate::stream::RAISE
            ),
        ))];
    }
    let text = match std::str::from_utf8(chunk.text) {
        Ok(t) => t,
        Err(e) => {
            let valid = &chunk.text[..e.valid_up_to()];
            let line = chunk.first_line + valid.iter().filter(|&&b| b == b'\n').count() as u32;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count() as u32
                + 1;
            return vec![Err(ParseError::new(
                Pos::new(line, col),
                "invalid UTF-8: hostlint reads UTF-8 text (convert with `iconv -t UTF-8`)".into(),
            ))];
        }
    };
    let helm_source = memchr::memmem::find_iter(text.as_bytes(), b"# Source: ")
        .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
        .find_map(|i| {
            let rest = &text[i + "# Source: ".len()..];
            let source = rest[..rest.find('\n').unwrap_or(rest.len())].trim();
            (!source.is_empty()).then(|| source.to_string())
        });
    let roots = match yaml_fast::parse(text, chunk.first_line, limits.max_depth) {
        Some(roots) => roots.into_iter().map(Ok).collect(),
        None => Builder::new(text, chunk.first_line, limits, budget).run(),
    };
    roots
        .into_iter()
        .map(|r| {
            r.map(|root| Document {
                root,
                text,
                first_line: chunk.first_line,
                helm_source: helm_source.clone(),
            })
        })
        .collect()
}

/// The fast reader's trees for a document's text, `None` where it leaves the text to libyaml.
/// Public for the test and fuzz target that hold the two readers equal.
#[doc(hidden)]
pub fn read_fast(text: &str, first_line: u32, limits: &Limits) -> Option<Vec<Node>> {
    yaml_fast::parse(text, first_line, limits.max_depth)
}

/// The full (libyaml) reader's trees for a document's text (see [`read_fast`]).
#[doc(hidden)]
pub fn read_slow(text: &str, first_line: u32, limits: &Limits) -> Vec<Result<Node, ParseError>> {
    Builder::new(text, first_line, limits, &Budget::new(limits)).run()
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: Option<String>,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// `<<` entries: (key, value).
        merges: Vec<(Node, Node)>,
        /// The keys so far, once the mapping is large enough for a linear search to cost.
        seen: Option<HashMap<SmolStr, u32>>,
        start: Pos,
        anchor: Option<String>,
    },
}

/// Builds [`Node`] trees from libyaml's events (libyaml-safer, a line-by-line port of libyaml:
/// the reader go-yaml, and so Kubernetes, is a port of too). It accepts exactly what libyaml
/// accepts; errors are libyaml's, at the construct left open where there is one.
struct Builder<'a> {
    text: &'a str,
    first_line: u32,
    limits: &'a Limits,
    stack: Vec<Frame>,
    /// Anchored nodes with their node count and height.
    anchors: HashMap<String, (Node, usize, usize)>,
    /// Alias expansion is charged to the file's budget, not the document's: a stream of many
    /// documents each just under a per-document limit would add up to hours.
    budget: &'a Budget,
    /// The document's first duplicate key: reported once the document has been read without a
    /// syntax error (go-yaml checks keys when it decodes a parsed document).
    duplicate: Option<ParseError>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, first_line: u32, limits: &'a Limits, budget: &'a Budget) -> Self {
        Builder {
            text,
            first_line,
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            budget,
            duplicate: None,
        }
    }

    fn pos(&self, m: Mark) -> Pos {
        Pos::new(m.line as u32 + self.first_line, m.column as u32 + 1)
    }

    fn run(mut self) -> Vec<Result<Node, ParseError>> {
        let mut out = Vec::new();
        let mut root: Option<Node> = None;
        let mut parser = Parser::new(self.text.as_bytes());
        loop {
            let event = match parser.next_event() {
                Ok(e) => e,
                Err(e) => {
                    out.push(Err(self.yaml_error(&e)));
                    break;
                }
            };
            let span = Span::new(self.pos(event.start), self.pos(event.end));
            let is_seq = matches!(event.data, EventData::SequenceStart { .. });
            let done = match event.data {
                EventData::StreamStart | EventData::DocumentStart => None,
                EventData::StreamEnd => break,
                EventData::DocumentEnd => {
                    if let Some(r) = root.take() {
                        out.push(self.duplicate.take().map_or(Ok(r), Err));
                    }
                    self.anchors.clear();
                    None
                }
                EventData::Scalar {
                    anchor,
                    value,
                    style,
                } => {
                    let node = Node::scalar(value, style_of(style), span);
                    self.finish(node, anchor)
                }
                EventData::Alias { anchor } => match self.alias(&anchor, span) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        out.push(Err(e));
                        break;
                    }
                },
                EventData::SequenceStart { anchor } | EventData::MappingStart { anchor } => {
                    if self.stack.len() >= self.limits.max_depth {
                        out.push(Err(ParseError::new(
                            span.start,
                            format!("nesting deeper than {} levels", self.limits.max_depth),
                        )));
                        break;
                    }
                    self.stack.push(if is_seq {
                        Frame::Seq {
                            items: Vec::new(),
                            start: span.start,
                            anchor,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            key: None,
                            merges: Vec::new(),
                            seen: None,
                            start: span.start,
                            anchor,
                        }
                    });
                    None
                }
                EventData::SequenceEnd | EventData::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Frame::Seq {
                            items,
                            start,
                            anchor,
                        }) => (
                            Node {
                                value: Value::Seq(items),
                                span: Span::new(start, span.end),
                                via: None,
                            },
                            anchor,
                        ),
                        Some(Frame::Map {
                            entries,
                            merges,
                            start,
                            anchor,
                            ..
                        }) => {
                            let entries = apply_merges(entries, merges);
                            (
                                Node {
                                    value: Value::Map(entries),
                                    span: Span::new(start, span.end),
                                    via: None,
                                },
                                anchor,
                            )
                        }
                        None => continue,
                    };
                    self.finish(node, anchor)
                }
            };
            if let Some(node) = done
                && let Some(n) = self.push(node)
            {
                root = Some(n);
            }
        }
        if let Some(r) = root {
            out.push(self.duplicate.take().map_or(Ok(r), Err));
        }
        out
    }

    /// libyaml's error, placed where a user looks for it: at the flow collection or quoted scalar
    /// left open (where kubectl points too), otherwise at the offending token.
    fn yaml_error(&self, e: &super::libyaml::Error) -> ParseError {
        let problem = e.problem.as_str();
        let Some(at) = e.problem_mark else {
            // A reader error (a control character, invalid UTF-8): libyaml gives a byte offset.
            let mut offset = e.offset.min(self.text.len());
            while !self.text.is_char_boundary(offset) {
                offset -= 1;
            }
            let before = &self.text[..offset];
            let line = before.matches('\n').count() as u32;
            let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count() as u32;
            return ParseError::new(
                Pos::new(self.first_line + line, col + 1),
                problem.to_string(),
            );
        };
        let mut pos = self.pos(at);
        let mut msg = match problem {
            p if p.contains("tab") => format!("{p} (YAML indentation must use spaces, not tabs)"),
            p => p.to_string(),
        };
        if let Some((context, cm)) = &e.context {
            let open = context.contains("flow") || context.contains("quoted");
            let cpos = self.pos(*cm);
            if open && cpos != pos {
                let what = context
                    .trim_start_matches("while ")
                    .replace("parsing ", "")
                    .replace("scanning ", "");
                msg = format!(
                    "{what} that starts here is not closed: {msg} at line {}, column {}",
                    pos.line, pos.col
                );
                pos = cpos;
            } else if cpos != pos {
                msg = format!(
                    "{msg} ({context} at line {}, column {})",
                    cpos.line, cpos.col
                );
            }
        }
        ParseError::new(pos, msg)
    }

    /// Records an anchored node, then hands the node on.
    fn finish(&mut self, node: Node, anchor: Option<String>) -> Option<Node> {
        if let Some(anchor) = anchor {
            let (count, height) = measure(&node);
            self.anchors.insert(anchor, (node.clone(), count, height));
        }
        Some(node)
    }

    fn alias(&mut self, name: &str, span: Span) -> Result<Node, ParseError> {
        let Some((node, count, height)) = self.anchors.get(name) else {
            return Err(ParseError::new(
                span.start,
                format!("unknown anchor '{name}' referenced"),
            ));
        };
        // An alias nests its anchor's tree where it stands: anchors that each nest the one before
        // would build a tree deeper than any stack walking it could hold.
        if self.stack.len() + height > self.limits.max_depth {
            return Err(ParseError::new(
                span.start,
                format!(
                    "nesting deeper than {} levels through aliases",
                    self.limits.max_depth
                ),
            ));
        }
        if !self.budget.alias_nodes(*count) {
            return Err(ParseError::new(
                span.start,
                format!(
                    "aliases in this file expand to more than {} nodes (an alias bomb?): the rest of this document is not checked",
                    self.budget.max_alias_nodes()
                ),
            ));
        }
        let mut n = node.clone();
        n.set_via(&Via {
            use_site: span,
            anchor_line: node.span.start.line,
        });
        Ok(n)
    }

    /// Adds a finished node to its parent; returns it when it is the document's root. A key
    /// already defined in the same mapping is refused as go-yaml refuses it (same kind, same text).
    fn push(&mut self, node: Node) -> Option<Node> {
        match self.stack.last_mut() {
            None => Some(node),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Map {
                entries,
                key,
                merges,
                seen,
                ..
            }) => {
                match key.take() {
                    None => {
                        if let Some(line) = earlier_key(entries, merges, seen, &node)
                            && self.duplicate.is_none()
                        {
                            self.duplicate = Some(duplicate_key(&node, line));
                        }
                        *key = Some(node)
                    }
                    Some(k) if is_merge_key(&k) => merges.push((k, node)),
                    Some(k) => entries.push((k, node)),
                }
                None
            }
        }
    }
}

/// The line of an earlier key of this mapping written as `key` is (go-yaml compares a scalar
/// key's text, whatever its quoting: `"a"` and `a` are the same key, `1` and `01` are not).
fn earlier_key(
    entries: &[(Node, Node)],
    merges: &[(Node, Node)],
    seen: &mut Option<HashMap<SmolStr, u32>>,
    key: &Node,
) -> Option<u32> {
    let Value::Scalar(text, _) = &key.value else {
        return None;
    };
    let scalar = |k: &Node| match &k.value {
        Value::Scalar(t, _) => Some((t.clone(), k.span.start.line)),
        _ => None,
    };
    const LINEAR: usize = 16;
    let n = entries.len() + merges.len();
    if n < LINEAR {
        return entries
            .iter()
            .chain(merges)
            .filter_map(|(k, _)| scalar(k))
            .find(|(t, _)| t == text)
            .map(|(_, line)| line);
    }
    let seen = seen.get_or_insert_with(|| {
        let mut m = HashMap::with_capacity(2 * n);
        for (t, line) in entries.iter().chain(merges).filter_map(|(k, _)| scalar(k)) {
            m.entry(t).or_insert(line);
        }
        m
    });
    match seen.entry(text.clone()) {
        std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(key.span.start.line);
            None
        }
    }
}

/// kubectl's words for a duplicate key (`yaml: unmarshal errors: line 37: mapping key
/// "timeoutSeconds" already defined at line 27`), at the second key.
pub(super) fn duplicate_key(key: &Node, first_line: u32) -> ParseError {
    let text = match &key.value {
        Value::Scalar(t, _) => t.as_str(),
        _ => "",
    };
    ParseError::new(
        key.report_span().start,
        format!("mapping key {text:?} already defined at line {first_line}"),
    )
}

/// A tree's node count and height (every tree the builder makes is at most `max_depth` high, so
/// this recursion is bounded).
fn measure(n: &Node) -> (usize, usize) {
    let mut acc = (1, 1);
    let mut add = |child: &Node| {
        let (c, h) = measure(child);
        acc = (acc.0 + c, acc.1.max(h + 1));
    };
    match &n.value {
        Value::Scalar(..) => {}
        Value::Seq(s) => s.iter().for_each(&mut add),
        Value::Map(m) => m.iter().for_each(|(k, v)| {
            add(k);
            add(v);
        }),
    }
    acc
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::Scalar(s, Style::Plain) if s == "<<")
}

/// YAML merge keys: explicit keys win, then the merged mappings in order. The keys present are
/// kept in a set, so merging is linear in the keys merged (a scan of the mapping per merged key
/// made a stream of `<<: *big` quadratic).
fn apply_merges(mut entries: Vec<(Node, Node)>, merges: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if merges.is_empty() {
        return entries;
    }
    let mut present: HashSet<smol_str::SmolStr> = entries
        .iter()
        .filter_map(|(k, _)| k.as_str().map(smol_str::SmolStr::new))
        .collect();
    for (_, m) in merges {
        let sources: Vec<Node> = match m.value {
            Value::Map(_) => vec![m],
            Value::Seq(items) => items,
            Value::Scalar(..) => continue,
        };
        for src in sources {
            if let Value::Map(kvs) = src.value {
                for (k, v) in kvs {
                    match k.as_str() {
                        Some(key) if !present.insert(smol_str::SmolStr::new(key)) => {}
                        _ => entries.push((k, v)),
                    }
                }
            }
        }
    }
    entries
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(src: &str) -> Vec<Result<Node, ParseError>> {
        split(src.as_bytes())
            .flat_map(|c| parse_chunk(c, &Limits::default()))
            .map(|r| r.map(|d| d.root))
            .collect()
    }

    #[test]
    fn positions_are_one_based_and_absolute() {
        let d = docs("a: 1\n---\nkind: Pod\nspec:\n  hostPID: yes\n");
        assert_eq!(d.len(), 2);
        let pod = d[1].as_ref().unwrap();
        let v = pod.at(&["spec", "hostPID"]).unwrap();
        assert_eq!(v.span.start, Pos::new(5, 12));
        assert!(v.is_true());
    }

    #[test]
    fn a_broken_document_does_not_hide_the_next() {
        let d = docs("a: [1, 2\n---\nb: 2\n");
        assert!(d[0].is_err());
        assert_eq!(d[1].as_ref().unwrap().str_at(&["b"]), Some("2"));
    }

    #[test]
    fn aliases_keep_the_use_site_and_merge_keys_merge() {
        let d = docs("x: &a {p: /usr}\ny: *a\nz:\n  <<: *a\n  q: 1\n");
        let root = d[0].as_ref().unwrap();
        let y = root.at(&["y", "p"]).unwrap();
        assert_eq!(y.report_span().start, Pos::new(2, 4));
        assert_eq!(y.via.as_ref().unwrap().anchor_line, 1);
        assert_eq!(root.str_at(&["z", "p"]), Some("/usr"));
        assert_eq!(root.str_at(&["z", "q"]), Some("1"));
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_bounded() {
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let mut prev = "a";
        for n in names {
            bomb.push_str(&format!("{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
            prev = n;
        }
        let d = docs(&bomb);
        assert!(
            d.iter()
                .any(|r| r.as_ref().is_err_and(|e| e.message.contains("alias")))
        );
        let deep = "[".repeat(10_000);
        let d = docs(&deep);
        assert!(d[0].as_ref().is_err_and(|e| e.message.contains("nesting")));
    }

    #[test]
    fn libyaml_errors_are_placed_at_their_line() {
        // A control character: libyaml's reader gives a byte offset (after a multi-byte char).
        let d = docs("a: caf\u{e9}\nb: x\u{7}y\n");
        let e = d[0].as_ref().unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 5), "{e:?}");
        // An unclosed flow sequence: where it opens, the problem named in the message.
        let d = docs("a: 1\nb: [x,\n  y\nc: 2\n");
        let e = d[0].as_ref().unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 4), "{e:?}");
        assert!(e.message.contains("flow sequence"), "{e:?}");
        // A duplicate key, at the second one, naming the first one's line.
        let d = docs("a: 1\nb:\n  c: 1\n  'c': 2\n");
        let e = d[0].as_ref().unwrap_err();
        assert_eq!(e.pos, Pos::new(4, 3), "{e:?}");
        assert_eq!(e.message, "mapping key \"c\" already defined at line 3");
    }

    #[test]
    fn split_keeps_line_numbers_and_helm_sources() {
        let src = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let chunks: Vec<_> = split(src.as_bytes()).collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].first_line, 4);
        let d = parse_chunk(chunks[1], &Limits::default())
            .pop()
            .unwrap()
            .unwrap();
        assert_eq!(d.helm_source.as_deref(), Some("c/templates/b.yaml"));
        assert_eq!(d.root.get("kind").unwrap().span.start, Pos::new(6, 7));
    }
}
