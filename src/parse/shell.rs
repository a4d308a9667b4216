//! A small, tolerant shell reader for container `command`/`args` and mounted scripts.
//!
//! Why not a crate: `brush-parser` and `yash-syntax` are full parsers that reject what they cannot
//! parse (a Helm-templated or half-broken script yields nothing), `conch-parser` is unmaintained, and
//! none of them map positions back through YAML quoting and block-scalar indentation. hostlint only
//! needs the *commands* a script runs, their words, redirections and heredocs, with a byte offset for
//! every word; a tokenizer plus a flat statement splitter does that without ever failing.
//!
//! [`Source`] carries a script's text and the file position of every byte, built from a YAML/JSON
//! scalar (any style) or from a word of an enclosing script (`sh -c '...'`), so every command word
//! maps back to its line and column in the manifest.

use crate::parse::node::{Node, Style};
use crate::source::{Pos, Via};

/// A script's text with the file position of each of its bytes.
#[derive(Clone, Debug)]
pub struct Source {
    pub text: String,
    pos: Runs,
    /// Set when the text was reached through a YAML alias: findings go to the use site.
    pub via: Option<Via>,
    /// JSON pointer of the scalar the text comes from.
    pub path: String,
}

impl Source {
    /// The text of a scalar node, each byte mapped into the document `doc` (whose first line is
    /// `first_line` in the file).
    pub fn from_scalar(node: &Node, index: &DocIndex<'_>, path: &str) -> Option<Source> {
        let (doc, first_line) = (index.doc, index.first_line);
        let crate::parse::node::Value::Scalar(value, style) = &node.value else {
            return None;
        };
        let via = node.via.as_deref().cloned();
        let start = index.offset(node.span.start);
        let end = index.offset(node.span.end).unwrap_or(doc.len());
        let (raw, raw_pos) = match start {
            Some(mut s) if s <= end => {
                // A block scalar's span may start at its header (`|-`, `>+2`, a comment): content
                // starts on the next line.
                if matches!(style, Style::Literal | Style::Folded)
                    && doc[s..end].starts_with(['|', '>'])
                {
                    s = doc[s..end].find('\n').map_or(end, |i| s + i + 1);
                }
                let line = index.starts.partition_point(|&l| l <= s).saturating_sub(1);
                let line_start = index.starts.get(line).copied().unwrap_or(0).min(s);
                let base = Pos::new(
                    first_line + line as u32,
                    doc[line_start..s].chars().count() as u32 + 1,
                );
                (&doc[s..end], positions(&doc[s..end], base))
            }
            _ => ("", Vec::new()),
        };
        let fallback = node.span.start;
        let pos = if raw_pos.is_empty() {
            Runs::constant(fallback)
        } else {
            Runs::of(value, &align(value, raw, &raw_pos))
        };
        drop(raw_pos);
        Some(Source {
            text: value.to_string(),
            pos,
            via,
            path: path.to_string(),
        })
    }

    /// A source made from plain text starting at `start` (for tests and standalone scripts).
    pub fn plain(text: &str, start: Pos, path: &str) -> Source {
        Source {
            text: text.to_string(),
            pos: Runs::of(text, &positions(text, start)),
            via: None,
            path: path.to_string(),
        }
    }

    /// Kubernetes' expansion of `$(VAR)` in `command`/`args` from the container's env, done before
    /// any shell runs (`$$` escapes a `$`; unknown variables stay as written). The bytes of an
    /// expansion map to its `$`.
    pub fn expand_k8s(self, lookup: &dyn Fn(&str) -> Option<String>) -> Source {
        let t = &self.text;
        if !t.contains("$(") {
            // By value: a copy of a multi-megabyte script and its byte positions is the review's peak.
            return self;
        }
        // Positions go straight into runs: a table of one per byte would cost 8 bytes per byte of
        // every value a reference copies.
        let (mut text, mut pos) = (String::with_capacity(t.len()), RunsBuilder::default());
        let mut i = 0;
        while i < t.len() {
            let rest = &t[i..];
            if rest.starts_with("$$") {
                pos.push(text.len(), self.at(i));
                text.push('$');
                i += 2;
                continue;
            }
            if let Some(inner) = rest.strip_prefix("$(") {
                let name_len = inner
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                    .count();
                if inner.as_bytes().get(name_len) == Some(&b')')
                    && name_len > 0
                    && let Some(v) = lookup(&inner[..name_len])
                {
                    let at = self.at(i);
                    for (j, _) in v.char_indices() {
                        pos.push(text.len() + j, at);
                    }
                    text.push_str(&v);
                    i += name_len + 3;
                    continue;
                }
            }
            let c = rest.chars().next().unwrap_or(' ');
            pos.push(text.len(), self.at(i));
            text.push(c);
            i += c.len_utf8();
        }
        Source {
            pos: pos.finish(),
            text,
            via: self.via.clone(),
            path: self.path.clone(),
        }
    }

    /// The file position of byte `offset` of the text.
    pub fn at(&self, offset: usize) -> Pos {
        self.pos.at(&self.text, offset)
    }

    /// A source for `value`, the unquoted content of the raw text at `start..end` (a word of this
    /// script that is itself a script, as in `sh -c '...'`).
    pub fn sub(&self, value: &str, start: usize, end: usize) -> Source {
        let end = end.min(self.text.len());
        let start = start.min(end);
        let raw = self.text.get(start..end).unwrap_or("");
        let raw_pos = if raw.len() == end - start && !raw.is_empty() {
            self.pos.table(&self.text, start, end)
        } else {
            Vec::new()
        };
        let pos = if raw_pos.is_empty() {
            Runs::constant(self.at(start))
        } else {
            Runs::of(value, &align(value, raw, &raw_pos))
        };
        Source {
            text: value.to_string(),
            pos,
            via: self.via.clone(),
            path: self.path.clone(),
        }
    }
}

/// The byte offset of a 1-based file position in a document whose first line is `first_line`.
/// A document's line starts, built once so that mapping many scalars stays linear.
pub struct DocIndex<'a> {
    doc: &'a str,
    first_line: u32,
    starts: Vec<usize>,
}

impl<'a> DocIndex<'a> {
    pub fn new(doc: &'a str, first_line: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', doc.as_bytes()).map(|i| i + 1));
        DocIndex {
            doc,
            first_line,
            starts,
        }
    }

    /// The byte offset of a 1-based file position.
    fn offset(&self, p: Pos) -> Option<usize> {
        let line = p.line.checked_sub(self.first_line)? as usize;
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).copied().unwrap_or(self.doc.len());
        let rest = &self.doc[start..end];
        let col = (p.col as usize).saturating_sub(1);
        Some(start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i))
    }
}

/// [`Runs`] built one character at a time, in text order.
#[derive(Default)]
struct RunsBuilder {
    runs: Vec<Run>,
    prev: Pos,
    chars_in_run: usize,
}

impl RunsBuilder {
    /// The character at byte `b` of the text sits at `p`.
    fn push(&mut self, b: usize, p: Pos) {
        let prev = self.prev;
        let next = Pos::new(prev.line, prev.col + 1);
        let chars_in_run = self.chars_in_run;
        let extend = match self.runs.last_mut() {
            Some(r) if chars_in_run == 1 && (p == next || p == prev) => {
                r.step = p == next;
                true
            }
            Some(r) if chars_in_run > 1 => {
                (r.step && p == next && b - r.from < Runs::SPAN) || (!r.step && p == prev)
            }
            _ => false,
        };
        if extend {
            self.chars_in_run += 1;
        } else {
            self.runs.push(Run {
                from: b,
                pos: p,
                step: false,
            });
            self.chars_in_run = 1;
        }
        self.prev = p;
    }

    fn finish(mut self) -> Runs {
        self.runs.shrink_to_fit();
        Runs(self.runs)
    }
}

/// Where each byte of a text sits in the file, kept as runs: from byte `from` on, each character
/// is one column right of the one before (`step`), or all sit at `pos` (an expansion, a value with
/// no raw text). A run breaks at every newline and escape, and a stepping run every
/// [`Runs::SPAN`] bytes, so a lookup counts at most that many characters. A table of one `Pos`
/// per byte cost 8 bytes per byte of script, and a script held three (issue 17: a Pod's `sh -c`
/// took ~190 bytes of memory per byte).
#[derive(Clone, Debug, Default)]
struct Runs(Vec<Run>);

#[derive(Clone, Copy, Debug)]
struct Run {
    from: usize,
    pos: Pos,
    step: bool,
}

impl Runs {
    const SPAN: usize = 256;

    fn constant(pos: Pos) -> Runs {
        Runs(vec![Run {
            from: 0,
            pos,
            step: false,
        }])
    }

    /// Runs from a table with one position per byte of `text` (bytes past the table's end sit
    /// where its last one does).
    fn of(text: &str, table: &[Pos]) -> Runs {
        let Some(&last) = table.last() else {
            return Runs::default();
        };
        let mut runs = RunsBuilder::default();
        for (b, _) in text.char_indices() {
            runs.push(b, table.get(b).copied().unwrap_or(last));
        }
        runs.finish()
    }

    /// The position of byte `offset` of `text` (past the end: the last byte's).
    fn at(&self, text: &str, offset: usize) -> Pos {
        if self.0.is_empty() {
            return Pos::default();
        }
        let mut k = offset.min(text.len().saturating_sub(1));
        while k > 0 && !text.is_char_boundary(k) {
            k -= 1;
        }
        let r = self.0[self.0.partition_point(|r| r.from <= k).saturating_sub(1)];
        if r.step && k >= r.from {
            Pos::new(
                r.pos.line,
                r.pos.col + text[r.from..k].chars().count() as u32,
            )
        } else {
            r.pos
        }
    }

    /// One position per byte of `text[start..end]` (char boundaries), for re-aligning a part.
    fn table(&self, text: &str, start: usize, end: usize) -> Vec<Pos> {
        if self.0.is_empty() {
            return vec![Pos::default(); end - start];
        }
        let mut out = Vec::with_capacity(end - start);
        let mut ri = self
            .0
            .partition_point(|r| r.from <= start)
            .saturating_sub(1);
        let mut p = self.at(text, start);
        for (j, c) in text[start..end].char_indices() {
            let b = start + j;
            if j > 0 {
                if ri + 1 < self.0.len() && self.0[ri + 1].from <= b {
                    ri += 1;
                    p = self.0[ri].pos;
                } else if self.0[ri].step {
                    p = Pos::new(p.line, p.col + 1);
                }
            }
            out.extend(std::iter::repeat_n(p, c.len_utf8()));
        }
        out
    }
}

/// The position of every byte of `text`, which starts at `start`.
fn positions(text: &str, start: Pos) -> Vec<Pos> {
    let mut out = Vec::with_capacity(text.len());
    let (mut line, mut col) = (start.line, start.col);
    for c in text.chars() {
        for _ in 0..c.len_utf8() {
            out.push(Pos::new(line, col));
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    out
}

/// Maps each byte of a decoded value onto the raw text it was decoded from (quotes, escapes,
/// indentation and line folding removed): a greedy walk that matches each character to the next
/// equal raw character, letting whitespace and a few escape characters go unmatched.
fn align(value: &str, raw: &str, raw_pos: &[Pos]) -> Vec<Pos> {
    let rb = raw.as_bytes();
    let mut out = Vec::with_capacity(value.len());
    let mut j = 0usize;
    let last = raw_pos.last().copied().unwrap_or_default();
    let at = |j: usize| raw_pos.get(j).copied().unwrap_or(last);
    for c in value.chars() {
        let p;
        if c.is_whitespace() {
            p = at(j);
            if j < rb.len() {
                let rc = raw[j..].chars().next().unwrap_or(' ');
                if rc.is_whitespace() {
                    j += rc.len_utf8();
                }
            }
        } else {
            let mut k = j;
            let mut skipped = 0;
            let mut found = None;
            while k < rb.len() {
                let Some(rc) = raw[k..].chars().next() else {
                    break;
                };
                if rc == c {
                    found = Some(k);
                    break;
                }
                if !rc.is_whitespace() {
                    skipped += 1;
                    if skipped > 10 {
                        break;
                    }
                }
                k += rc.len_utf8();
            }
            match found {
                Some(k) => {
                    p = at(k);
                    j = k + c.len_utf8();
                }
                None => p = at(j),
            }
        }
        for _ in 0..c.len_utf8() {
            out.push(p);
        }
    }
    out
}

/// A piece of a word after quote removal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `$NAME`, `${NAME}`, `${NAME:-default}`.
    Var {
        name: String,
        default: Option<String>,
    },
    /// A command substitution, arithmetic or an expansion hostlint does not evaluate.
    Other,
}

/// A word: its raw extent, its parts, and its text with quotes removed (expansions kept as written).
#[derive(Clone, Debug)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Empty when `plain`.
    pub parts: Vec<Part>,
    pub unquoted: String,
    /// The word is one literal, `unquoted` itself (most words): no parts are kept for it, which
    /// saves two allocations per word of a script.
    pub plain: bool,
}

impl Word {
    /// The word's value when it has no expansion.
    pub fn literal(&self) -> Option<String> {
        if self.plain {
            return Some(self.unquoted.clone());
        }
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                _ => return None,
            }
        }
        Some(s)
    }

    /// The word's value with variables looked up in `env` (a variable's `:-default` when unset).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        if self.plain {
            return Some(self.unquoted.clone());
        }
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Var { name, default } => match env(name)
                    .filter(|v| !v.is_empty())
                    .or_else(|| default.clone())
                {
                    Some(v) => s.push_str(&v),
                    None => return None,
                },
                Part::Other => return None,
            }
        }
        Some(s)
    }
}

impl Word {
    /// The directory a word's value certainly starts with when its value is not known: the text
    /// before the first expansion that cannot be resolved, up to its last `/`
    /// (`/lib/modules/$(uname -r)/x` → `/lib/modules/`).
    pub fn known_dir(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let mut s = String::new();
        if self.plain {
            s.push_str(&self.unquoted);
        }
        for p in &self.parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Var { name, default } => match env(name)
                    .filter(|v| !v.is_empty())
                    .or_else(|| default.clone())
                {
                    Some(v) => s.push_str(&v),
                    None => break,
                },
                Part::Other => break,
            }
        }
        let cut = s.rfind('/')?;
        (s.starts_with('/') && cut > 0).then(|| s[..=cut].to_string())
    }
}

/// A redirection: `>`, `>>`, `<`, `<<`, ... with its target word, or a heredoc body's byte range.
#[derive(Clone, Debug)]
pub struct Redirect {
    pub op: &'static str,
    pub fd: Option<u32>,
    pub target: Option<Word>,
    /// For `<<`/`<<-`: the body's byte range, and whether its delimiter was quoted (no expansion).
    pub heredoc: Option<(usize, usize, bool)>,
}

impl Redirect {
    /// Whether this redirection writes its target (`>`, `>>`, `>|`, `&>`, `&>>`, `<>`).
    pub fn writes(&self) -> bool {
        matches!(self.op, ">" | ">>" | ">|" | "&>" | "&>>" | "<>")
    }
}

/// One simple command: assignments, words, redirections.
#[derive(Clone, Debug, Default)]
pub struct Command {
    pub assigns: Vec<(String, Word)>,
    /// Array assignments `NAME=(a b c)`: the name and the element words.
    pub arrays: Vec<(String, Vec<Word>)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// The function whose body holds this command, as an index into [`Script::functions`].
    pub func: Option<usize>,
    /// `! cmd`: its status is negated.
    pub negated: bool,
    /// The conditions this command runs under: (index into [`Script::conds`], the outcome needed).
    pub guards: Vec<(usize, bool)>,
}

/// How a command of an and-or list joins the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    First,
    And,
    Or,
    Pipe,
}

/// A condition: an and-or list of commands (`if` and `elif` conditions, the commands before `&&` or
/// `||`), as indexes into [`Script::commands`].
#[derive(Clone, Debug, Default)]
pub struct Cond {
    pub items: Vec<(Conn, usize)>,
}

/// The commands of a script, in order (command substitutions before the command that holds them).
#[derive(Clone, Debug, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    /// Functions defined in the script, by name.
    pub functions: Vec<String>,
    /// The conditions commands run under (see [`Command::guards`]).
    pub conds: Vec<Cond>,
}

/// Where the parser is in an `if` statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Cond,
    Body,
    Else,
}

/// An open `if`: the condition of each arm so far, and the phase.
#[derive(Clone, Debug)]
struct IfFrame {
    arms: Vec<usize>,
    phase: Phase,
}

#[derive(Clone, Debug)]
enum Tok {
    Word(Word),
    Op(&'static str, Option<u32>),
    Newline,
    HereBody(usize, usize),
}

const OPS: &[&str] = &[
    ";;&", "&>>", "<<-", "<<<", "&&", "||", ";;", ";&", "|&", "&>", ">>", ">&", ">|", "<<", "<>",
    "<&", ";", "|", "&", "(", ")", "<", ">",
];

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    end: usize,
    toks: Vec<Tok>,
    substs: Vec<(usize, usize)>,
    pending: Vec<(String, bool, bool)>,
}

impl<'a> Lexer<'a> {
    fn run(mut self) -> (Vec<Tok>, Vec<(usize, usize)>) {
        while self.i < self.end {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\\' if self.b.get(self.i + 1) == Some(&b'\n') => self.i += 2,
                b'\n' => {
                    self.i += 1;
                    self.toks.push(Tok::Newline);
                    self.heredocs();
                }
                b'#' => {
                    while self.i < self.end && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b'(' if self.b.get(self.i + 1) == Some(&b'(') => {
                    // Arithmetic `(( ... ))`: no commands inside.
                    let close = self.matching_paren(self.i + 1);
                    self.i = (close + 1).min(self.end);
                    if self.b.get(self.i) == Some(&b')') {
                        self.i += 1;
                    }
                }
                _ => {
                    if let Some(op) = OPS
                        .iter()
                        .find(|o| self.s[self.i..self.end].starts_with(**o))
                    {
                        self.i += op.len();
                        if matches!(*op, "<<" | "<<-") {
                            self.toks.push(Tok::Op(op, None));
                            self.heredoc_delimiter(*op == "<<-");
                        } else {
                            self.toks.push(Tok::Op(op, None));
                        }
                    } else {
                        let w = self.word();
                        // `2>file`: a number directly before a redirection is its descriptor.
                        if let (Some(fd), Some(b'<' | b'>')) = (
                            w.literal().and_then(|l| l.parse::<u32>().ok()),
                            self.b.get(self.i),
                        ) && w.unquoted.bytes().all(|b| b.is_ascii_digit())
                            && self.i < self.end
                            && let Some(op) = OPS
                                .iter()
                                .find(|o| self.s[self.i..self.end].starts_with(**o))
                        {
                            self.i += op.len();
                            self.toks.push(Tok::Op(op, Some(fd)));
                            if matches!(*op, "<<" | "<<-") {
                                self.heredoc_delimiter(*op == "<<-");
                            }
                            continue;
                        }
                        self.toks.push(Tok::Word(w));
                    }
                }
            }
        }
        (self.toks, self.substs)
    }

    fn heredoc_delimiter(&mut self, strip_tabs: bool) {
        while self.i < self.end && matches!(self.b[self.i], b' ' | b'\t') {
            self.i += 1;
        }
        if self.i >= self.end || self.b[self.i] == b'\n' {
            return;
        }
        let w = self.word();
        let quoted = self.s[w.start..w.end].contains(['\'', '"', '\\']);
        self.pending.push((w.unquoted.clone(), strip_tabs, quoted));
        self.toks.push(Tok::Word(w));
    }

    /// Reads the bodies of the heredocs opened on the line just ended.
    fn heredocs(&mut self) {
        for (delim, strip, quoted) in std::mem::take(&mut self.pending) {
            let body_start = self.i;
            let mut body_end = self.end;
            while self.i < self.end {
                let line_end = self.s[self.i..self.end]
                    .find('\n')
                    .map_or(self.end, |k| self.i + k);
                let line = self.s[self.i..line_end].trim_end_matches('\r');
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == delim {
                    body_end = self.i;
                    self.i = (line_end + 1).min(self.end);
                    break;
                }
                self.i = (line_end + 1).min(self.end);
            }
            if body_end == self.end {
                body_end = self.i;
            }
            // Whether the delimiter was quoted travels with the redirect (the parser sees its word).
            let _ = quoted;
            self.toks
                .push(Tok::HereBody(body_start, body_end.max(body_start)));
        }
    }

    /// The index of the `)` matching the `(` at `open` (quote-aware), or the end.
    fn matching_paren(&self, open: usize) -> usize {
        let mut depth = 0usize;
        let mut k = open;
        while k < self.end {
            match self.b[k] {
                b'\\' => k += 1,
                b'\'' => {
                    k += 1;
                    while k < self.end && self.b[k] != b'\'' {
                        k += 1;
                    }
                }
                b'"' => {
                    k += 1;
                    while k < self.end && self.b[k] != b'"' {
                        if self.b[k] == b'\\' {
                            k += 1;
                        }
                        k += 1;
                    }
                }
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return k;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        self.end
    }

    fn word(&mut self) -> Word {
        let start = self.i;
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        let mut unq = String::new();
        // Exact-size copies: a script holds one Word per word of its text, so growth slack here
        // multiplies the memory a large script takes (issue 17: 190 bytes per byte of `sh -c`).
        let flush = |lit: &mut String, parts: &mut Vec<Part>| {
            if !lit.is_empty() {
                parts.push(Part::Lit(lit.as_str().into()));
                lit.clear();
            }
        };
        while self.i < self.end {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                    break;
                }
                b'\'' => {
                    let close = self.s[self.i + 1..self.end]
                        .find('\'')
                        .map_or(self.end, |k| self.i + 1 + k);
                    let t = &self.s[self.i + 1..close];
                    lit.push_str(t);
                    unq.push_str(t);
                    self.i = (close + 1).min(self.end);
                }
                b'"' => {
                    self.i += 1;
                    while self.i < self.end && self.b[self.i] != b'"' {
                        match self.b[self.i] {
                            b'\\'
                                if self.i + 1 < self.end
                                    && matches!(
                                        self.b[self.i + 1],
                                        b'$' | b'`' | b'"' | b'\\' | b'\n'
                                    ) =>
                            {
                                if self.b[self.i + 1] != b'\n' {
                                    let ch = self.b[self.i + 1] as char;
                                    lit.push(ch);
                                    unq.push(ch);
                                }
                                self.i += 2;
                            }
                            b'$' | b'`' => {
                                flush(&mut lit, &mut parts);
                                let (p, raw) = self.expansion();
                                parts.push(p);
                                unq.push_str(&raw);
                            }
                            _ => {
                                let ch = self.s[self.i..].chars().next().unwrap_or(' ');
                                lit.push(ch);
                                unq.push(ch);
                                self.i += ch.len_utf8();
                            }
                        }
                    }
                    self.i = (self.i + 1).min(self.end);
                }
                b'\\' => {
                    if self.i + 1 < self.end {
                        if self.b[self.i + 1] != b'\n' {
                            let ch = self.s[self.i + 1..].chars().next().unwrap_or(' ');
                            lit.push(ch);
                            unq.push(ch);
                            self.i += 1 + ch.len_utf8();
                        } else {
                            self.i += 2;
                        }
                    } else {
                        self.i += 1;
                    }
                }
                b'$' | b'`' => {
                    flush(&mut lit, &mut parts);
                    let (p, raw) = self.expansion();
                    parts.push(p);
                    unq.push_str(&raw);
                }
                _ => {
                    let ch = self.s[self.i..].chars().next().unwrap_or(' ');
                    lit.push(ch);
                    unq.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
        flush(&mut lit, &mut parts);
        if self.i == start {
            // Never loop: consume one byte as a literal.
            self.i += 1;
        }
        let plain = matches!(parts.as_slice(), [Part::Lit(l)] if *l == unq);
        if plain {
            parts = Vec::new();
        }
        parts.shrink_to_fit();
        unq.shrink_to_fit();
        Word {
            start,
            end: self.i,
            parts,
            unquoted: unq,
            plain,
        }
    }

    /// An expansion at `$` or a backtick: the part and its raw text.
    fn expansion(&mut self) -> (Part, String) {
        let start = self.i;
        let c = self.b[self.i];
        if c == b'`' {
            let mut k = self.i + 1;
            while k < self.end && self.b[k] != b'`' {
                if self.b[k] == b'\\' {
                    k += 1;
                }
                k += 1;
            }
            let close = k.min(self.end);
            self.substs.push((self.i + 1, close));
            self.i = (close + 1).min(self.end);
            return (Part::Other, self.s[start..self.i].to_string());
        }
        match self.b.get(self.i + 1) {
            Some(b'(') => {
                let close = self.matching_paren(self.i + 1);
                if self.b.get(self.i + 2) != Some(&b'(') {
                    self.substs.push((self.i + 2, close));
                }
                self.i = (close + 1).min(self.end);
                (Part::Other, self.s[start..self.i].to_string())
            }
            Some(b'{') => {
                let close = self.s[self.i..self.end]
                    .find('}')
                    .map_or(self.end, |k| self.i + k);
                let inner = &self.s[self.i + 2..close];
                self.i = (close + 1).min(self.end);
                let raw = self.s[start..self.i].to_string();
                let name_len = inner
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let (name, rest) = inner.split_at(name_len);
                let part = if name.is_empty() {
                    Part::Other
                } else if rest.is_empty() {
                    Part::Var {
                        name: name.to_string(),
                        default: None,
                    }
                } else if let Some(d) = rest
                    .strip_prefix(":-")
                    .or_else(|| rest.strip_prefix('-'))
                    .or_else(|| rest.strip_prefix(":="))
                {
                    Part::Var {
                        name: name.to_string(),
                        default: Some(d.trim_matches(['"', '\'']).to_string()),
                    }
                } else {
                    Part::Other
                };
                (part, raw)
            }
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {
                let mut k = self.i + 1;
                while k < self.end && (self.b[k].is_ascii_alphanumeric() || self.b[k] == b'_') {
                    k += 1;
                }
                let name = self.s[self.i + 1..k].to_string();
                self.i = k;
                (
                    Part::Var {
                        name,
                        default: None,
                    },
                    self.s[start..k].to_string(),
                )
            }
            Some(b) if b.is_ascii_digit() || b"@*#?$!-".contains(b) => {
                self.i += 2;
                (Part::Other, self.s[start..self.i].to_string())
            }
            _ => {
                self.i += 1;
                (Part::Lit("$".into()), "$".into())
            }
        }
    }
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
];

/// Parses a script. Never fails: what it cannot read it skips.
pub fn parse(text: &str) -> Script {
    let mut script = Script::default();
    parse_range(text, 0, text.len(), None, &mut script, 0);
    script
}

fn parse_range(
    text: &str,
    start: usize,
    end: usize,
    func: Option<usize>,
    out: &mut Script,
    depth: usize,
) {
    if depth > 16
        || start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return;
    }
    let lexer = Lexer {
        s: text,
        b: text.as_bytes(),
        i: start,
        end,
        toks: Vec::new(),
        substs: Vec::new(),
        pending: Vec::new(),
    };
    let (toks, _) = lexer.run();
    Parser {
        text,
        out,
        funcs: vec![],
        func,
        depth,
        brace: 0,
        case: vec![],
        ifs: vec![],
        list: vec![],
        next: Conn::First,
        list_guard: None,
        cases: vec![],
    }
    .run(toks);
}

struct Parser<'a, 's> {
    text: &'a str,
    out: &'s mut Script,
    /// Open function bodies: (function index, brace depth at which it opened).
    funcs: Vec<(usize, usize)>,
    func: Option<usize>,
    depth: usize,
    brace: usize,
    /// Open `case` statements: whether we are reading a pattern.
    case: Vec<bool>,
    /// Open `if` statements.
    ifs: Vec<IfFrame>,
    /// The commands of the current and-or list outside conditions, with how each joins.
    list: Vec<(Conn, usize)>,
    /// How the next command joins the one before it.
    next: Conn,
    /// The and-or list guard of the last command (a pipeline's later commands share it).
    list_guard: Option<(usize, bool)>,
    /// Open `case` statements: the subject word and the patterns of the arm being read.
    cases: Vec<(Option<Word>, Vec<Word>)>,
}

impl Parser<'_, '_> {
    fn current_func(&self) -> Option<usize> {
        self.funcs.last().map(|f| f.0).or(self.func)
    }

    fn run(mut self, mut toks: Vec<Tok>) {
        let mut cur = Command::default();
        let mut pending_heredocs: Vec<(usize, usize)> = Vec::new(); // (command index or usize::MAX for cur, redirect index)
        let mut pending_func: Option<String> = None;
        let mut skip_header = false; // `for x in ...` up to `;`/newline/`do`
        let mut in_test = false; // `[[ ... ]]`
        let mut redirect_op: Option<(&'static str, Option<u32>)> = None;
        let mut i = 0;
        while i < toks.len() {
            let tok = &toks[i];
            i += 1;
            if let Tok::HereBody(s, e) = tok {
                if !pending_heredocs.is_empty() {
                    let (ci, ri) = pending_heredocs.remove(0);
                    let target = if ci == usize::MAX {
                        Some(&mut cur)
                    } else {
                        self.out.commands.get_mut(ci)
                    };
                    if let Some(r) = target.and_then(|c| c.redirects.get_mut(ri)) {
                        let quoted = r.heredoc.is_some_and(|h| h.2);
                        r.heredoc = Some((*s, *e, quoted));
                    }
                }
                continue;
            }
            if skip_header {
                match tok {
                    Tok::Newline | Tok::Op(";", _) => skip_header = false,
                    Tok::Word(w) if &self.text[w.start..w.end] == "do" => skip_header = false,
                    _ => {}
                }
                continue;
            }
            if let Some(true) = self.case.last() {
                // A case pattern: everything up to `)`.
                match tok {
                    Tok::Op(")", _) => {
                        if let Some(c) = self.case.last_mut() {
                            *c = false;
                        }
                        self.case_arm();
                    }
                    Tok::Word(w) if &self.text[w.start..w.end] == "esac" => {
                        self.case.pop();
                        self.cases.pop();
                        self.ifs.pop();
                    }
                    Tok::Word(w) => {
                        if let Some(f) = self.cases.last_mut() {
                            f.1.push(w.clone());
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if let Some((op, fd)) = redirect_op.take()
                && let Tok::Word(w) = tok
            {
                let heredoc = matches!(op, "<<" | "<<-")
                    .then(|| (0, 0, self.text[w.start..w.end].contains(['\'', '"', '\\'])));
                cur.redirects.push(Redirect {
                    op,
                    fd,
                    target: Some(w.clone()),
                    heredoc,
                });
                if heredoc.is_some() {
                    pending_heredocs.push((usize::MAX, cur.redirects.len() - 1));
                }
                continue;
            }
            match tok {
                Tok::Word(w) => {
                    let raw = &self.text[w.start..w.end];
                    if in_test {
                        // `[[ ... ]]` is one command, words as written (tested by guards).
                        if raw == "]]" {
                            in_test = false;
                        }
                        cur.words.push(w.clone());
                        continue;
                    }
                    if cur.words.is_empty() {
                        if cur.assigns.is_empty() && KEYWORDS.contains(&raw) {
                            match raw {
                                "{" => {
                                    self.brace += 1;
                                    if let Some(name) = pending_func.take() {
                                        self.out.functions.push(name);
                                        self.funcs.push((self.out.functions.len() - 1, self.brace));
                                    }
                                }
                                "}" => {
                                    if self.funcs.last().is_some_and(|f| f.1 == self.brace) {
                                        self.funcs.pop();
                                    }
                                    self.brace = self.brace.saturating_sub(1);
                                }
                                "if" => {
                                    self.out.conds.push(Cond::default());
                                    self.ifs.push(IfFrame {
                                        arms: vec![self.out.conds.len() - 1],
                                        phase: Phase::Cond,
                                    });
                                    self.next = Conn::First;
                                }
                                "elif" => {
                                    self.out.conds.push(Cond::default());
                                    let id = self.out.conds.len() - 1;
                                    if let Some(f) = self.ifs.last_mut() {
                                        f.arms.push(id);
                                        f.phase = Phase::Cond;
                                    }
                                    self.next = Conn::First;
                                }
                                "then" | "else" => {
                                    if let Some(f) = self.ifs.last_mut() {
                                        f.phase = if raw == "then" {
                                            Phase::Body
                                        } else {
                                            Phase::Else
                                        };
                                    }
                                    self.list.clear();
                                    self.next = Conn::First;
                                }
                                "fi" => {
                                    self.ifs.pop();
                                    self.list.clear();
                                }
                                "!" => cur.negated = true,
                                "do" | "done" => self.list.clear(),
                                _ => {}
                            }
                            continue;
                        }
                        if cur.assigns.is_empty() {
                            match raw {
                                "for" | "select" => {
                                    skip_header = true;
                                    continue;
                                }
                                "case" => {
                                    // `case WORD in`: the subject, then the patterns.
                                    let mut subject = None;
                                    while i < toks.len() {
                                        let t = &toks[i];
                                        i += 1;
                                        if let Tok::Word(w) = t {
                                            if &self.text[w.start..w.end] == "in" {
                                                break;
                                            }
                                            subject.get_or_insert_with(|| w.clone());
                                        }
                                    }
                                    self.case.push(true);
                                    self.cases.push((subject, Vec::new()));
                                    self.ifs.push(IfFrame {
                                        arms: Vec::new(),
                                        phase: Phase::Else,
                                    });
                                    continue;
                                }
                                "esac" => {
                                    self.case.pop();
                                    self.cases.pop();
                                    self.ifs.pop();
                                    continue;
                                }
                                "function" => {
                                    if let Some(Tok::Word(n)) = toks.get(i) {
                                        pending_func = Some(self.text[n.start..n.end].to_string());
                                        i += 1;
                                    }
                                    continue;
                                }
                                "[[" => {
                                    in_test = true;
                                    cur.words.push(w.clone());
                                    continue;
                                }
                                _ => {}
                            }
                        }
                        if let Some(eq) = assignment(raw) {
                            let name = raw[..eq].to_string();
                            // `NAME=(a b c)`: an array, its elements up to the closing `)`.
                            if eq + 1 == raw.len() && matches!(toks.get(i), Some(Tok::Op("(", _))) {
                                let mut items = Vec::new();
                                let mut k = i + 1;
                                while let Some(t) = toks.get(k) {
                                    match t {
                                        Tok::Word(item) => items.push(item.clone()),
                                        Tok::Newline => {}
                                        _ => break,
                                    }
                                    k += 1;
                                }
                                if matches!(toks.get(k), Some(Tok::Op(")", _))) {
                                    cur.arrays
                                        .push((name.trim_end_matches('+').to_string(), items));
                                    i = k + 1;
                                    continue;
                                }
                            }
                            let value = value_after(w, eq);
                            cur.assigns.push((name, value));
                            continue;
                        }
                    }
                    // Moved out of the token list, not copied: the parser only looks ahead, and a
                    // copy of every word doubled a large script's memory.
                    if let Tok::Word(w) = std::mem::replace(&mut toks[i - 1], Tok::Newline) {
                        cur.words.push(w);
                    }
                }
                // Inside `[[ ]]`, `&&`, `||`, `(`, `)`, `<`, `>` are the test's own words.
                Tok::Op(op, _) if in_test && matches!(*op, "&&" | "||" | "(" | ")" | "<" | ">") => {
                    let at = cur.words.last().map_or(0, |w| w.end);
                    cur.words.push(Word {
                        start: at,
                        end: at,
                        parts: Vec::new(),
                        unquoted: (*op).to_string(),
                        plain: true,
                    });
                }
                Tok::Op(op, fd) => match *op {
                    "(" => {
                        // `name() {`: a function definition.
                        if cur.words.len() == 1
                            && cur.assigns.is_empty()
                            && matches!(toks.get(i), Some(Tok::Op(")", _)))
                        {
                            let w = &cur.words[0];
                            pending_func = Some(self.text[w.start..w.end].to_string());
                            cur = Command::default();
                            i += 1;
                        }
                    }
                    ")" => {
                        self.finish(&mut cur, &mut pending_heredocs);
                    }
                    ";;" | ";&" | ";;&" => {
                        self.finish(&mut cur, &mut pending_heredocs);
                        self.list.clear();
                        self.next = Conn::First;
                        if let Some(c) = self.case.last_mut() {
                            *c = true;
                        }
                        if let Some(f) = self.ifs.last_mut() {
                            f.phase = Phase::Else;
                        }
                    }
                    ";" | "&&" | "||" | "|" | "|&" | "&" => {
                        let done = self.finish(&mut cur, &mut pending_heredocs);
                        self.joined(done, op);
                    }
                    _ => redirect_op = Some((op, *fd)),
                },
                Tok::Newline => {
                    let done = self.finish(&mut cur, &mut pending_heredocs);
                    self.joined(done, ";");
                }
                Tok::HereBody(..) => {}
            }
        }
        let done = self.finish(&mut cur, &mut pending_heredocs);
        self.joined(done, ";");
        // Heredocs whose body belongs to a command already finished keep their index.
        let _ = pending_heredocs;
    }

    /// After command `done` (if one finished) and operator `op`: extends the and-or list or the
    /// `if` condition being read, or ends it.
    fn joined(&mut self, done: Option<usize>, op: &str) {
        let conn = match op {
            "&&" => Conn::And,
            "||" => Conn::Or,
            "|" | "|&" => Conn::Pipe,
            _ => {
                if !self.in_cond() {
                    self.list.clear();
                }
                self.next = Conn::First;
                return;
            }
        };
        if done.is_some() || conn == Conn::Pipe {
            self.next = conn;
        }
    }

    fn in_cond(&self) -> bool {
        self.ifs.last().is_some_and(|f| f.phase == Phase::Cond)
    }

    /// The conditions a command finished now runs under: the arms of the open `if`s, then the
    /// and-or list before it (only when the list is all `&&` or all `||`).
    fn guards_of(&mut self, idx: usize) -> Vec<(usize, bool)> {
        let mut g = self.frame_guards();
        let conn = std::mem::replace(&mut self.next, Conn::First);
        if self.in_cond() {
            if let Some(&id) = self.ifs.last().and_then(|f| f.arms.last())
                && let Some(c) = self.out.conds.get_mut(id)
            {
                c.items.push((conn, idx));
            }
            return g;
        }
        self.list_guards(conn, idx, &mut g);
        g
    }

    /// A `case` arm's patterns have been read: a test command `[[ SUBJECT == P1 || ... ]]` stands
    /// for them, run after the earlier arms failed, and the arm's commands run when it holds.
    fn case_arm(&mut self) {
        let Some((Some(subject), pats)) = self
            .cases
            .last_mut()
            .map(|(s, p)| (s.clone(), std::mem::take(p)))
        else {
            return;
        };
        let lit = |t: &str| Word {
            start: subject.start,
            end: subject.start,
            parts: Vec::new(),
            unquoted: t.to_string(),
            plain: true,
        };
        let mut words = vec![lit("[[")];
        for (k, p) in pats
            .iter()
            .filter(|p| &self.text[p.start..p.end] != "(")
            .enumerate()
        {
            if k > 0 {
                words.push(lit("||"));
            }
            words.extend([subject.clone(), lit("=="), p.clone()]);
        }
        words.push(lit("]]"));
        let idx = self.out.commands.len();
        let guards = self.frame_guards();
        self.out.commands.push(Command {
            words,
            func: self.current_func(),
            guards,
            ..Command::default()
        });
        self.out.conds.push(Cond {
            items: vec![(Conn::First, idx)],
        });
        let id = self.out.conds.len() - 1;
        if let Some(f) = self.ifs.last_mut() {
            f.arms.push(id);
            f.phase = Phase::Body;
        }
        self.list.clear();
        self.next = Conn::First;
    }

    /// The guards of the open `if` and `case` arms.
    fn frame_guards(&self) -> Vec<(usize, bool)> {
        let mut g = Vec::new();
        for f in &self.ifs {
            let Some((&last, before)) = f.arms.split_last() else {
                continue;
            };
            g.extend(before.iter().map(|&a| (a, false)));
            match f.phase {
                Phase::Cond => {}
                Phase::Body => g.push((last, true)),
                Phase::Else => g.push((last, false)),
            }
        }
        g
    }

    /// The guard of the and-or list a command joins with `conn` (see [`Self::guards_of`]).
    fn list_guards(&mut self, conn: Conn, idx: usize, g: &mut Vec<(usize, bool)>) {
        let list_guard = match conn {
            Conn::First => {
                self.list = vec![(Conn::First, idx)];
                None
            }
            Conn::Pipe => {
                // The pipeline's status is its last command's: this one stands for the one before.
                if let Some(last) = self.list.last_mut() {
                    last.1 = idx;
                }
                self.list_guard
            }
            Conn::And | Conn::Or => {
                let same = self.list.iter().skip(1).all(|(c, _)| *c == conn);
                let guard = (same && !self.list.is_empty()).then(|| {
                    self.out.conds.push(Cond {
                        items: self.list.clone(),
                    });
                    (self.out.conds.len() - 1, conn == Conn::And)
                });
                self.list.push((conn, idx));
                guard
            }
        };
        self.list_guard = list_guard;
        g.extend(list_guard);
    }

    fn finish(&mut self, cur: &mut Command, pending: &mut [(usize, usize)]) -> Option<usize> {
        let mut c = std::mem::take(cur);
        if c.words.is_empty()
            && c.assigns.is_empty()
            && c.arrays.is_empty()
            && c.redirects.is_empty()
        {
            return None;
        }
        // A script keeps every command: no growth slack (a redirect list grows to 4 for 1).
        c.words.shrink_to_fit();
        c.assigns.shrink_to_fit();
        c.redirects.shrink_to_fit();
        c.func = self.current_func();
        // Command substitutions run before the command that holds them.
        let words: Vec<Word> = c
            .words
            .iter()
            .chain(c.assigns.iter().map(|(_, w)| w))
            .cloned()
            .collect();
        for w in &words {
            self.substitutions(w);
        }
        let idx = self.out.commands.len();
        for p in pending.iter_mut() {
            if p.0 == usize::MAX {
                p.0 = idx;
            }
        }
        c.guards = self.guards_of(idx);
        self.out.commands.push(c);
        Some(idx)
    }

    fn substitutions(&mut self, w: &Word) {
        let raw = &self.text[w.start..w.end];
        let mut k = 0;
        let b = raw.as_bytes();
        while k < b.len() {
            if b[k] == b'\'' && !raw[..k].contains('"') {
                k += raw[k + 1..].find('\'').map_or(b.len(), |e| e + 2);
                continue;
            }
            if b[k] == b'$' && b.get(k + 1) == Some(&b'(') && b.get(k + 2) != Some(&b'(') {
                let lx = Lexer {
                    s: self.text,
                    b: self.text.as_bytes(),
                    i: 0,
                    end: w.end,
                    toks: vec![],
                    substs: vec![],
                    pending: vec![],
                };
                let close = lx.matching_paren(w.start + k + 1);
                parse_range(
                    self.text,
                    w.start + k + 2,
                    close.min(w.end),
                    self.current_func(),
                    self.out,
                    self.depth + 1,
                );
                k = close.saturating_sub(w.start) + 1;
                continue;
            }
            if b[k] == b'`' {
                let close = raw[k + 1..].find('`').map_or(b.len(), |e| k + 1 + e);
                parse_range(
                    self.text,
                    w.start + k + 1,
                    w.start + close,
                    self.current_func(),
                    self.out,
                    self.depth + 1,
                );
                k = close + 1;
                continue;
            }
            k += 1;
        }
    }
}

/// `NAME=...` at the start of a command: the index of `=`.
fn assignment(raw: &str) -> Option<usize> {
    let eq = raw.find('=')?;
    let name = &raw[..eq];
    let name = name.strip_suffix('+').unwrap_or(name);
    (!name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(eq)
}

/// The value word of `NAME=value` (the parts after the first `=`).
fn value_after(w: &Word, eq: usize) -> Word {
    if w.plain {
        return Word {
            start: (w.start + eq + 1).min(w.end),
            end: w.end,
            parts: Vec::new(),
            unquoted: w.unquoted.get(eq + 1..).unwrap_or("").to_string(),
            plain: true,
        };
    }
    let mut parts = w.parts.clone();
    if let Some(Part::Lit(l)) = parts.first_mut() {
        if l.len() > eq {
            *l = l[eq + 1..].to_string();
        } else {
            l.clear();
        }
    }
    parts.retain(|p| !matches!(p, Part::Lit(l) if l.is_empty()));
    let unquoted = w.unquoted.get(eq + 1..).unwrap_or("").to_string();
    Word {
        start: (w.start + eq + 1).min(w.end),
        end: w.end,
        parts,
        unquoted,
        plain: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &Script) -> Vec<Vec<String>> {
        s.commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.unquoted.clone()).collect())
            .collect()
    }

    #[test]
    fn splits_lists_pipes_and_control_flow() {
        let s = parse(
            "if [ -f x ]; then apt-get update && apt-get install -y a | tee l; else echo 'apt-get install' ; fi # apt-get\n",
        );
        let w = words(&s);
        assert_eq!(w[0], ["[", "-f", "x", "]"]);
        assert_eq!(w[1], ["apt-get", "update"]);
        assert_eq!(w[2], ["apt-get", "install", "-y", "a"]);
        assert_eq!(w[3], ["tee", "l"]);
        assert_eq!(w[4], ["echo", "apt-get install"]);
        assert_eq!(w.len(), 5);
    }

    #[test]
    fn case_for_functions_and_heredocs() {
        let src = "f() {\n  yum install -y x\n}\ncase \"$OS\" in\n  *debian*) apt-get install y ;;\n  *) f ;;\nesac\nfor p in a b; do echo $p; done\ncat > /etc/x <<'EOF'\napt-get install z\nEOF\nX=1 env\n";
        let s = parse(src);
        let w = words(&s);
        assert_eq!(s.functions, ["f"]);
        assert_eq!(s.commands[0].func, Some(0));
        // Each case arm's patterns become a test the arm's commands are guarded by.
        assert_eq!(w[1], ["[[", "$OS", "==", "*debian*", "]]"]);
        assert_eq!(w[2], ["apt-get", "install", "y"]);
        assert_eq!(s.commands[2].guards, [(0, true)]);
        assert_eq!(w[3], ["[[", "$OS", "==", "*", "]]"]);
        assert_eq!(w[4], ["f"]);
        assert_eq!(s.commands[4].guards, [(0, false), (1, true)]);
        assert_eq!(w[5], ["echo", "$p"]);
        assert!(s.commands[5].guards.is_empty());
        assert_eq!(w[6], ["cat"]);
        let h = s.commands[6]
            .redirects
            .iter()
            .find(|r| r.heredoc.is_some())
            .unwrap()
            .heredoc
            .unwrap();
        assert_eq!(&src[h.0..h.1], "apt-get install z\n");
        assert!(h.2);
        assert_eq!(s.commands[7].assigns[0].0, "X");
        assert_eq!(w.len(), 8);
    }

    #[test]
    fn if_arms_and_and_or_lists_guard_their_commands() {
        let s = parse(
            "if [ a ]; then x; elif ! b && c; then y; else z; fi\nd && e && f\ng || h\ni && j || k\n",
        );
        let at = |name: &str| {
            s.commands
                .iter()
                .find(|c| c.words.first().is_some_and(|w| w.unquoted == name))
                .unwrap()
        };
        assert_eq!(at("x").guards, [(0, true)]);
        assert!(at("b").negated);
        assert_eq!(at("c").guards, [(0, false)]);
        assert_eq!(s.conds[1].items.len(), 2);
        assert_eq!(at("y").guards, [(0, false), (1, true)]);
        assert_eq!(at("z").guards, [(0, false), (1, false)]);
        // `d && e && f`: f runs when d and e both succeed.
        let f = &at("f").guards;
        assert_eq!(s.conds[f[0].0].items.len(), 2);
        assert!(f[0].1);
        assert_eq!(at("h").guards.len(), 1);
        assert!(!at("h").guards[0].1);
        // A mixed list says nothing certain about `k`.
        assert!(at("k").guards.is_empty());
    }

    #[test]
    fn substitutions_and_variables() {
        let s = parse(
            "OS=$(grep -E '^ID=' /etc/os-release | cut -d = -f 2); chroot \"${ROOT:-/root}\" apt-get x\n",
        );
        let w = words(&s);
        assert_eq!(w[0], ["grep", "-E", "^ID=", "/etc/os-release"]);
        assert_eq!(w[1], ["cut", "-d", "=", "-f", "2"]);
        assert!(s.commands[2].words.is_empty());
        let root = &s.commands[3].words[1];
        assert_eq!(root.resolve(&|_| None).as_deref(), Some("/root"));
        assert_eq!(
            root.resolve(&|n| (n == "ROOT").then(|| "/host".to_string()))
                .as_deref(),
            Some("/host")
        );
    }

    #[test]
    fn positions_follow_quotes_and_continuations() {
        let src = Source::plain("sh -c 'apt-get \\\n install x'", Pos::new(10, 5), "/c");
        let s = parse(&src.text);
        let body = &s.commands[0].words[2];
        let sub = src.sub(&body.unquoted, body.start, body.end);
        assert_eq!(sub.at(0), Pos::new(10, 12));
        let inner = parse(&sub.text);
        let install = &inner.commands[0].words[1];
        assert_eq!(sub.at(install.start), Pos::new(11, 2));
    }

    #[test]
    fn never_panics_on_any_prefix() {
        let src = "f() { a \"$(b `c` 'd')\" <<-E; }\n\tx ${y:-z}\nE\ncase $q in a|b) (( 1 + 2 )); [[ -x é ]] && g 2>&1 >>o;; esac # é\n";
        for (i, _) in src.char_indices() {
            let _ = parse(&src[..i]);
            let _ = parse(&src[i..]);
        }
    }

    #[test]
    fn never_panics_on_random_shell_soup() {
        // A tiny LCG: deterministic, no dependency.
        let alphabet: Vec<char> = "ab =$(){}[]'\"`\\\n\t;|&<>#-!é*?:0".chars().collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut s = String::new();
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(x >> 57) + 1 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let script = parse(&s);
            let src = Source::plain(&s, Pos::new(1, 1), "");
            for c in &script.commands {
                for w in &c.words {
                    let _ = src.sub(&w.unquoted, w.start, w.end);
                }
            }
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        for s in [
            "$(",
            "`",
            "'",
            "\"$",
            "<<",
            "a <<EOF",
            "${",
            "((",
            "f() {",
            "case x in",
            "2>",
            "$((1+",
            "é$é",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn an_array_assignment_is_not_a_command() {
        let s = parse("CMD=(nsenter --target=1 --mount --)\n\"${CMD[@]}\" yum install x\n");
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].words.is_empty());
        assert_eq!(s.commands[0].arrays[0].0, "CMD");
        let items: Vec<_> = s.commands[0].arrays[0]
            .1
            .iter()
            .map(|w| w.unquoted.as_str())
            .collect();
        assert_eq!(items, ["nsenter", "--target=1", "--mount", "--"]);
        assert_eq!(s.commands[1].words[0].unquoted, "${CMD[@]}");
        // A subshell after a plain assignment is still a subshell.
        let s = parse("X=1 (echo a)\n");
        assert!(s.commands.iter().all(|c| c.arrays.is_empty()));
    }
}
