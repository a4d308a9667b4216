//! Bicep: a tolerant reader for the parts that define node pools.
//!
//! It reads `param` (defaults; `@allowed` and other decorators skipped), `var`, `resource` (also
//! nested, `existing`, `if (...)` and `[for ...]` forms) and `module` declarations, with objects,
//! arrays, strings (with `${}` interpolation), comments, member and index access, `union()`,
//! `concat()`, comparisons and the ternary. Values are resolved through params and vars and keep the
//! span of their literal (and the line that used them). Anything it does not understand becomes an
//! unknown value and is skipped: never fatal, never guessed.

use std::collections::HashMap;

use super::ParseError;
use super::budget::Budget;
use super::node::{Node, Style, Value, pointer};
use crate::model::nodepool::{
    Cluster, Unresolved, Val, arm_cluster, arm_pool, is_relevant, props_ci,
};
use crate::source::{LineIndex, Span, Via};

/// Expressions nest at most this deep, and references resolve through at most this many others.
const MAX_DEPTH: usize = 64;
/// At most this many operators or accesses in one chain (`a.b.c...`, `a && b && ...`): a chain is
/// read in a loop but is a tree as deep as it is long, and everything that walks a tree recurses.
const MAX_CHAIN: usize = 64;

/// Marks a string that runs to the end of its line.
const UNTERMINATED: &str = "<unterminated string>";

/// The first structural error: an unterminated string, or an unbalanced bracket.
fn structure_error(toks: &[(Tok, usize, usize)], idx: &LineIndex<'_>) -> Option<ParseError> {
    let mut stack: Vec<(&str, usize)> = Vec::new();
    for (t, s, _) in toks {
        let Tok::Punct(p) = t else { continue };
        match *p {
            UNTERMINATED => {
                return Some(ParseError::new(idx.pos(*s), "unterminated string".into()));
            }
            "{" | "[" | "(" => stack.push((p, *s)),
            "}" | "]" | ")" => {
                let want = match *p {
                    "}" => "{",
                    "]" => "[",
                    _ => "(",
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Some(ParseError::new(
                            idx.pos(*s),
                            format!(
                                "`{p}` does not close the `{open}` on line {}",
                                idx.pos(at).line
                            ),
                        ));
                    }
                    None => return Some(ParseError::new(idx.pos(*s), format!("unexpected `{p}`"))),
                }
            }
            _ => {}
        }
    }
    stack
        .pop()
        .map(|(open, at)| ParseError::new(idx.pos(at), format!("`{open}` is never closed")))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// A string: literal parts and interpolated token runs.
    Str(Vec<Part>),
    Num(String),
    Punct(&'static str),
    Newline,
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Lit(String),
    Interp(Vec<(Tok, usize, usize)>),
}

/// Splits Bicep text into tokens with byte ranges. Unknown characters are skipped.
fn lex(text: &str, from: usize, to: usize) -> Vec<(Tok, usize, usize)> {
    lex_at(text, from, to, 0)
}

fn lex_at(text: &str, from: usize, to: usize, depth: usize) -> Vec<(Tok, usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    const PUNCT: &[&str] = &[
        "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "=~", "!~", "{", "}", "[", "]", "(", ")",
        ":", ",", ".", "?", "=", "!", "<", ">", "+", "-", "*", "/", "%", "@",
    ];
    while i < to {
        let c = b[i];
        if c == b'\n' {
            out.push((Tok::Newline, i, i + 1));
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..to].starts_with("//") {
            i = text[i..to].find('\n').map_or(to, |n| i + n);
        } else if text[i..to].starts_with("/*") {
            i = text[i + 2..to].find("*/").map_or(to, |n| i + 2 + n + 2);
        } else if text[i..to].starts_with("'''") {
            let end = text[i + 3..to].find("'''").map_or(to, |n| i + 3 + n);
            out.push((
                Tok::Str(vec![Part::Lit(text[i + 3..end].to_string())]),
                i,
                (end + 3).min(to),
            ));
            i = (end + 3).min(to);
        } else if c == b'\'' {
            let (parts, end) = string(text, i, to, depth);
            if end <= i + 1 || b[end - 1] != b'\'' {
                out.push((Tok::Punct(UNTERMINATED), i, end));
            }
            out.push((Tok::Str(parts), i, end));
            i = end;
        } else if c.is_ascii_digit() {
            let end = text[i..to]
                .find(|ch: char| !ch.is_ascii_digit() && ch != '.')
                .map_or(to, |n| i + n);
            out.push((Tok::Num(text[i..end].to_string()), i, end));
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = text[i..to]
                .find(|ch: char| !ch.is_ascii_alphanumeric() && ch != '_')
                .map_or(to, |n| i + n);
            out.push((Tok::Ident(text[i..end].to_string()), i, end));
            i = end;
        } else if let Some(p) = PUNCT.iter().find(|p| text[i..to].starts_with(**p)) {
            out.push((Tok::Punct(p), i, i + p.len()));
            i += p.len();
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// A single-quoted string from `start` (at the quote): its parts and the end offset.
fn string(text: &str, start: usize, to: usize, nest: usize) -> (Vec<Part>, usize) {
    let b = text.as_bytes();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = start + 1;
    while i < to {
        match b[i] {
            b'\'' => return (finish(parts, lit), i + 1),
            b'\n' => return (finish(parts, lit), i),
            b'\\' if i + 1 < to => {
                let ch = text[i + 1..].chars().next().unwrap_or('\\');
                lit.push(match ch {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    c => c,
                });
                i += 1 + ch.len_utf8();
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let mut depth = 0;
                let mut j = i + 1;
                while j < to {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b'\n' => break,
                        _ => {}
                    }
                    j += 1;
                }
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                if nest < 16 {
                    parts.push(Part::Interp(lex_at(text, i + 2, j.min(to), nest + 1)));
                } else {
                    parts.push(Part::Interp(Vec::new()));
                }
                i = (j + 1).min(to);
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                lit.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (finish(parts, lit), to)
}

fn finish(mut parts: Vec<Part>, lit: String) -> Vec<Part> {
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

/// An expression, with its byte range.
#[derive(Clone, Debug)]
enum Expr {
    Str(Vec<PartExpr>, usize, usize),
    Num(String, usize, usize),
    Bool(bool, usize, usize),
    Null(usize, usize),
    Obj(Vec<(String, usize, usize, Expr)>, usize, usize),
    Arr(Vec<Expr>, usize, usize),
    Ref(String, usize, usize),
    Member(Box<Expr>, String, usize, usize),
    Index(Box<Expr>, Box<Expr>, usize, usize),
    Call(String, Vec<Expr>, usize, usize),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>, usize, usize),
    Binary(&'static str, Box<Expr>, Box<Expr>, usize, usize),
    Not(Box<Expr>, usize, usize),
    /// `[for ... : body]`: the body once, iteration variables unknown.
    For(Box<Expr>, usize, usize),
    /// `[for item in source: body]` / `[for (item, i) in source: body]`: the body per item.
    Loop(Vec<String>, Box<Expr>, Box<Expr>, usize, usize),
    /// `if (cond) body`: a resource or module deployed only when the condition holds.
    If(Box<Expr>, Box<Expr>, usize, usize),
    Unknown(usize, usize),
}

#[derive(Clone, Debug)]
enum PartExpr {
    Lit(String),
    Interp(Expr),
}

impl Expr {
    fn range(&self) -> (usize, usize) {
        match self {
            Expr::Str(_, s, e)
            | Expr::Num(_, s, e)
            | Expr::Bool(_, s, e)
            | Expr::Null(s, e)
            | Expr::Obj(_, s, e)
            | Expr::Arr(_, s, e)
            | Expr::Ref(_, s, e)
            | Expr::Member(_, _, s, e)
            | Expr::Index(_, _, s, e)
            | Expr::Call(_, _, s, e)
            | Expr::Ternary(_, _, _, s, e)
            | Expr::Binary(_, _, _, s, e)
            | Expr::Not(_, s, e)
            | Expr::For(_, s, e)
            | Expr::Loop(_, _, _, s, e)
            | Expr::If(_, _, s, e)
            | Expr::Unknown(s, e) => (*s, *e),
        }
    }
}

/// A declared resource: symbolic name, type (without version), body, and its parent's type.
struct Resource {
    name: String,
    ty: String,
    body: Expr,
    start: usize,
    /// `existing`: a reference to a resource defined elsewhere, which defines nothing here.
    existing: bool,
}

struct Module {
    name: String,
    body: Expr,
    start: usize,
}

struct Parser<'t> {
    toks: &'t [(Tok, usize, usize)],
    i: usize,
    depth: usize,
    resources: Vec<Resource>,
    parents: Vec<String>,
    /// The first expression cut off by a depth or chain limit: its byte offset and why.
    cut: Option<(usize, &'static str)>,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }

    fn skip_nl(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.i += 1;
        }
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn start(&self) -> usize {
        self.toks.get(self.i).map_or(usize::MAX, |t| t.1)
    }

    fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.2)
    }

    /// Skips to the end of the line, over balanced brackets; stops before a closing bracket that
    /// closes an enclosing one (`{ id: vnet!.id }` must not lose the object's `}` and with it the
    /// rest of the file). A closer where it starts is skipped, so that callers always progress.
    fn skip_statement(&mut self) {
        let start = self.i;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct("{" | "[" | "(") => depth += 1,
                Tok::Punct("}" | "]" | ")") if depth == 0 => {
                    if self.i == start {
                        self.i += 1;
                    }
                    return;
                }
                Tok::Punct("}" | "]" | ")") => depth -= 1,
                Tok::Newline if depth <= 0 => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    /// Records the first cut-off (reported as an input error: the rest of the statement is lost).
    fn cut_off(&mut self, at: usize, why: &'static str) {
        self.cut.get_or_insert((at, why));
    }

    fn expr(&mut self) -> Expr {
        if self.depth > MAX_DEPTH {
            let s = self.start();
            self.cut_off(s, "expression nested more than 64 levels deep");
            self.skip_statement();
            return Expr::Unknown(s, self.prev_end());
        }
        self.depth += 1;
        let e = self.ternary();
        self.depth -= 1;
        e
    }

    fn ternary(&mut self) -> Expr {
        let cond = self.binary(0);
        if self.eat("?") {
            self.skip_nl();
            let a = self.expr();
            self.skip_nl();
            if !self.eat(":") {
                return Expr::Unknown(cond.range().0, self.prev_end());
            }
            self.skip_nl();
            let b = self.expr();
            let (s, e) = (cond.range().0, b.range().1);
            return Expr::Ternary(Box::new(cond), Box::new(a), Box::new(b), s, e);
        }
        cond
    }

    fn binary(&mut self, level: usize) -> Expr {
        const LEVELS: &[&[&str]] = &[
            &["??"],
            &["||"],
            &["&&"],
            &["==", "!=", "=~", "!~"],
            &["<", ">", "<=", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level >= LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1);
        let mut chain = 0;
        while let Some(Tok::Punct(p)) = self.peek() {
            let Some(op) = LEVELS[level].iter().find(|o| *o == p) else {
                break;
            };
            chain += 1;
            if chain > MAX_CHAIN {
                let s = left.range().0;
                self.cut_off(self.start(), "more than 64 chained operators");
                self.skip_statement();
                return Expr::Unknown(s, self.prev_end());
            }
            self.i += 1;
            self.skip_nl();
            let right = self.binary(level + 1);
            let (s, e) = (left.range().0, right.range().1);
            left = Expr::Binary(op, Box::new(left), Box::new(right), s, e);
        }
        left
    }

    fn unary(&mut self) -> Expr {
        let s = self.start();
        if matches!(self.peek(), Some(Tok::Punct("!" | "-"))) {
            // Prefix operators, counted rather than recursed into.
            let (mut nots, mut neg) = (0usize, false);
            while let Some(Tok::Punct(p @ ("!" | "-"))) = self.peek() {
                if *p == "!" {
                    nots += 1;
                } else {
                    neg = true;
                }
                self.i += 1;
            }
            let e = self.postfix();
            let end = e.range().1;
            if neg {
                return Expr::Unknown(s, end);
            }
            return if nots % 2 == 1 {
                Expr::Not(Box::new(e), s, end)
            } else {
                e
            };
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Expr {
        let mut e = self.primary();
        let mut chain = 0;
        loop {
            let s = e.range().0;
            // The non-null assertion `x!` (written right after its operand): the value itself.
            if let Some((Tok::Punct("!"), at, _)) = self.toks.get(self.i)
                && *at == e.range().1
            {
                self.i += 1;
                continue;
            }
            if matches!(self.peek(), Some(Tok::Punct("." | "?." | "["))) {
                chain += 1;
                if chain > MAX_CHAIN {
                    self.cut_off(
                        self.start(),
                        "more than 64 chained member or index accesses",
                    );
                    self.skip_statement();
                    return Expr::Unknown(s, self.prev_end());
                }
            }
            if self.eat(".") || self.eat("?.") {
                // `a.?b`: the safe dereference reads like `a.b` (null when absent).
                self.eat("?");
                if let Some(Tok::Ident(name)) = self.peek() {
                    self.i += 1;
                    if self.eat("(") {
                        self.args();
                        e = Expr::Unknown(s, self.prev_end());
                    } else {
                        e = Expr::Member(Box::new(e), name.clone(), s, self.prev_end());
                    }
                } else {
                    return Expr::Unknown(s, self.prev_end());
                }
            } else if matches!(self.peek(), Some(Tok::Punct("["))) {
                self.i += 1;
                self.eat("?");
                self.skip_nl();
                let idx = self.expr();
                self.skip_nl();
                self.eat("]");
                e = Expr::Index(Box::new(e), Box::new(idx), s, self.prev_end());
            } else {
                return e;
            }
        }
    }

    fn args(&mut self) -> Vec<Expr> {
        let mut args = Vec::new();
        loop {
            self.skip_nl();
            if self.eat(")") || self.peek().is_none() {
                return args;
            }
            let before = self.i;
            args.push(self.expr());
            self.skip_nl();
            self.eat(",");
            if self.i == before {
                self.i += 1;
            }
        }
    }

    fn primary(&mut self) -> Expr {
        let Some((tok, s, e)) = self.toks.get(self.i).cloned() else {
            return Expr::Unknown(self.prev_end(), self.prev_end());
        };
        self.i += 1;
        match tok {
            Tok::Str(parts) => Expr::Str(
                parts
                    .into_iter()
                    .map(|p| match p {
                        Part::Lit(l) => PartExpr::Lit(l),
                        Part::Interp(toks) => {
                            let mut sub = Parser {
                                toks: &toks,
                                i: 0,
                                depth: self.depth + 1,
                                resources: Vec::new(),
                                parents: Vec::new(),
                                cut: None,
                            };
                            let e = sub.expr();
                            if let Some((at, why)) = sub.cut {
                                self.cut_off(at, why);
                            }
                            PartExpr::Interp(e)
                        }
                    })
                    .collect(),
                s,
                e,
            ),
            Tok::Num(n) => Expr::Num(n, s, e),
            Tok::Ident(id) => match id.as_str() {
                "true" => Expr::Bool(true, s, e),
                "false" => Expr::Bool(false, s, e),
                "null" => Expr::Null(s, e),
                _ if self.eat("(") => {
                    let args = self.args();
                    Expr::Call(id, args, s, self.prev_end())
                }
                _ => Expr::Ref(id, s, e),
            },
            Tok::Punct("(") => {
                self.skip_nl();
                let inner = self.expr();
                self.skip_nl();
                // A lambda `(x) => ...` or anything else: unknown.
                if !self.eat(")") {
                    self.skip_statement();
                    return Expr::Unknown(s, self.prev_end());
                }
                inner
            }
            Tok::Punct("{") => self.object(s),
            Tok::Punct("[") => self.array(s),
            _ => Expr::Unknown(s, e),
        }
    }

    fn object(&mut self, s: usize) -> Expr {
        let mut entries = Vec::new();
        loop {
            self.skip_nl();
            while self.eat(",") {
                self.skip_nl();
            }
            if self.eat("}") || self.peek().is_none() {
                return Expr::Obj(entries, s, self.prev_end());
            }
            // Decorators on properties, and nested resource declarations.
            if self.eat("@") {
                self.skip_statement();
                continue;
            }
            let Some((tok, ks, ke)) = self.toks.get(self.i).cloned() else {
                continue;
            };
            if tok == Tok::Ident("resource".into())
                && matches!(self.toks.get(self.i + 1).map(|t| &t.0), Some(Tok::Ident(_)))
            {
                self.i += 1;
                self.resource(ks);
                continue;
            }
            let key = match &tok {
                Tok::Ident(k) => Some(k.clone()),
                Tok::Str(parts) => match parts.as_slice() {
                    [Part::Lit(l)] => Some(l.clone()),
                    _ => None,
                },
                _ => None,
            };
            self.i += 1;
            if key.is_none() || !self.eat(":") {
                self.skip_statement();
                continue;
            }
            self.skip_nl();
            let v = self.expr();
            if let Some(k) = key {
                entries.push((k, ks, ke, v));
            }
        }
    }

    fn array(&mut self, s: usize) -> Expr {
        self.skip_nl();
        if self.peek() == Some(&Tok::Ident("for".into())) {
            if let Some(l) = self.for_loop(s) {
                return l;
            }
            // A header not understood: skip to the `:` at this level, the body read once.
            let mut depth = 0i32;
            while let Some(t) = self.peek() {
                match t {
                    Tok::Punct("(" | "[" | "{") => depth += 1,
                    Tok::Punct(")" | "]" | "}") => depth -= 1,
                    Tok::Punct(":") if depth == 0 => break,
                    _ => {}
                }
                if depth < 0 {
                    break;
                }
                self.i += 1;
            }
            if !self.eat(":") {
                return Expr::Unknown(s, self.prev_end());
            }
            self.skip_nl();
            let body = self.body();
            self.skip_nl();
            self.eat("]");
            return Expr::For(Box::new(body), s, self.prev_end());
        }
        let mut items = Vec::new();
        loop {
            self.skip_nl();
            while self.eat(",") {
                self.skip_nl();
            }
            if self.eat("]") || self.peek().is_none() {
                return Expr::Arr(items, s, self.prev_end());
            }
            let before = self.i;
            items.push(self.expr());
            if self.i == before {
                self.i += 1;
            }
        }
    }

    /// `for item in source: body` or `for (item, index) in source: body` (at `for`, after `[`); `None`
    /// (position unchanged) for any other header.
    fn for_loop(&mut self, s: usize) -> Option<Expr> {
        let at = self.i;
        self.i += 1;
        let mut names = Vec::new();
        let paren = self.eat("(");
        while let Some(Tok::Ident(n)) = self.peek() {
            if !paren && !names.is_empty() {
                break;
            }
            names.push(n.clone());
            self.i += 1;
            if !paren || !self.eat(",") {
                break;
            }
        }
        if names.is_empty()
            || (paren && !self.eat(")"))
            || self.peek() != Some(&Tok::Ident("in".into()))
        {
            self.i = at;
            return None;
        }
        self.i += 1;
        let source = self.expr();
        if !self.eat(":") {
            self.i = at;
            return None;
        }
        self.skip_nl();
        let body = self.body();
        self.skip_nl();
        self.eat("]");
        Some(Expr::Loop(
            names,
            Box::new(source),
            Box::new(body),
            s,
            self.prev_end(),
        ))
    }

    /// A resource or module body: `{...}`, `if (cond) {...}`, or `[for ...: ...]`.
    fn body(&mut self) -> Expr {
        if self.peek() == Some(&Tok::Ident("if".into())) {
            let s = self.start();
            self.i += 1;
            let cond = if self.eat("(") {
                let mut args = self.args();
                (args.len() == 1).then(|| args.remove(0))
            } else {
                None
            };
            self.skip_nl();
            let b = self.expr();
            return match cond {
                Some(c) => {
                    let end = b.range().1;
                    Expr::If(Box::new(c), Box::new(b), s, end)
                }
                None => b,
            };
        }
        self.expr()
    }

    /// After `resource`: `sym 'type@version' existing? = body`.
    fn resource(&mut self, start: usize) {
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return self.skip_statement();
        };
        self.i += 1;
        let Some(Tok::Str(parts)) = self.peek().cloned() else {
            return self.skip_statement();
        };
        self.i += 1;
        let ty = match parts.as_slice() {
            [Part::Lit(l)] => l.split('@').next().unwrap_or("").to_string(),
            _ => String::new(),
        };
        let existing = self.peek() == Some(&Tok::Ident("existing".into()));
        if existing {
            self.i += 1;
        }
        if !self.eat("=") {
            return self.skip_statement();
        }
        self.skip_nl();
        let full = match self.parents.last() {
            Some(parent) if !ty.contains('.') => format!("{parent}/{ty}"),
            _ => ty,
        };
        self.parents.push(full.clone());
        let body = self.body();
        self.parents.pop();
        self.resources.push(Resource {
            name,
            ty: full,
            body,
            start,
            existing,
        });
    }
}

/// Reads the clusters and pools a Bicep file defines; a file whose strings or brackets do not
/// close is an error at the first place that does not. Evaluation is charged to `budget`, which
/// also records what a limit cut off.
pub fn read(text: &str, budget: &Budget) -> Result<Vec<Cluster>, ParseError> {
    read_with(text, text.len(), &[], budget)
}

/// Reads the Bicep in `text[..lex_to]` (a template, then the `.bicepparam` files applied to it),
/// with `overrides`: parameters given a literal value written elsewhere in `text` (`name=value` of
/// an `az deployment … --parameters` in a script appended after `lex_to`), by name and byte range.
pub fn read_with(
    text: &str,
    lex_to: usize,
    overrides: &[(String, usize, usize)],
    budget: &Budget,
) -> Result<Vec<Cluster>, ParseError> {
    read_with_values(text, lex_to, overrides, &[], budget)
}

/// [`read_with`], and parameters given by an ARM parameter file (`*.parameters.json` beside the
/// template): each `(name, {"value": ...})` read from `text` itself, after `lex_to`, so that a
/// finding on a value points into the parameter file (an override given too wins, as a later
/// `key=value` does for az). A parameter without a `value` (a Key Vault
/// `reference`) is not known: never the default it replaces.
pub fn read_with_values(
    text: &str,
    lex_to: usize,
    overrides: &[(String, usize, usize)],
    values: &[(String, Node)],
    budget: &Budget,
) -> Result<Vec<Cluster>, ParseError> {
    let idx = LineIndex::new(text);
    let toks = lex(text, 0, lex_to.min(text.len()));
    if let Some(e) = structure_error(&toks, &idx) {
        return Err(e);
    }
    let mut p = Parser {
        toks: &toks,
        i: 0,
        depth: 0,
        resources: Vec::new(),
        parents: Vec::new(),
        cut: None,
    };
    let mut params: HashMap<String, Expr> = HashMap::new();
    let mut vars: HashMap<String, Expr> = HashMap::new();
    let mut modules = Vec::new();
    while let Some((tok, s, _)) = p.toks.get(p.i).cloned() {
        match tok {
            Tok::Ident(kw) if kw == "param" => {
                p.i += 1;
                let Some(Tok::Ident(name)) = p.peek().cloned() else {
                    p.skip_statement();
                    continue;
                };
                // `param name type = default`: the type may be any type expression.
                while let Some(t) = p.peek() {
                    if matches!(t, Tok::Newline) || matches!(t, Tok::Punct("=")) {
                        break;
                    }
                    if matches!(t, Tok::Punct("{" | "[" | "(")) {
                        p.i += 1;
                        let mut depth = 1;
                        while depth > 0 && p.peek().is_some() {
                            match p.peek() {
                                Some(Tok::Punct("{" | "[" | "(")) => depth += 1,
                                Some(Tok::Punct("}" | "]" | ")")) => depth -= 1,
                                _ => {}
                            }
                            p.i += 1;
                        }
                        continue;
                    }
                    p.i += 1;
                }
                if p.eat("=") {
                    p.skip_nl();
                    let e = p.expr();
                    params.insert(name, e);
                }
            }
            Tok::Ident(kw) if kw == "var" => {
                p.i += 1;
                let Some(Tok::Ident(name)) = p.peek().cloned() else {
                    p.skip_statement();
                    continue;
                };
                p.i += 1;
                if p.eat("=") {
                    p.skip_nl();
                    let e = p.expr();
                    vars.insert(name, e);
                }
            }
            Tok::Ident(kw) if kw == "resource" => {
                p.i += 1;
                p.resource(s);
            }
            Tok::Ident(kw) if kw == "module" => {
                p.i += 1;
                let Some(Tok::Ident(name)) = p.peek().cloned() else {
                    p.skip_statement();
                    continue;
                };
                p.i += 1;
                if matches!(p.peek(), Some(Tok::Str(_))) {
                    p.i += 1;
                }
                if p.eat("=") {
                    p.skip_nl();
                    let body = p.body();
                    modules.push(Module {
                        name,
                        body,
                        start: s,
                    });
                }
            }
            Tok::Newline => p.i += 1,
            _ => p.skip_statement(),
        }
    }
    if let Some((at, why)) = p.cut {
        budget.cut(
            idx.pos(at),
            format!("{why}: the rest of the statement is not checked"),
        );
    }
    if !values.is_empty() {
        let offsets = Offsets::new(text);
        for (name, param) in values {
            let expr = match props_ci(param, "value") {
                Some((_, v)) => json_expr(v, &offsets, 0),
                None => {
                    let (s, e) = offsets.range(param.span);
                    Expr::Unknown(s, e)
                }
            };
            params.insert(name.clone(), expr);
        }
    }
    for (name, s, e) in overrides {
        if let Some(v) = text.get(*s..*e) {
            params.insert(
                name.clone(),
                Expr::Str(vec![PartExpr::Lit(v.to_string())], *s, *e),
            );
        }
    }
    let scope = Scope {
        params,
        vars,
        idx: &idx,
        budget,
        expanding: std::cell::Cell::new(false),
        cut: std::cell::Cell::new(false),
        deep: std::cell::Cell::new(false),
        locals: Default::default(),
        unresolved: Default::default(),
        open: Default::default(),
        assume: Default::default(),
        text,
    };
    let mut out = Vec::new();
    for r in p.resources.iter().filter(|r| !r.existing) {
        let path = format!("/resource/{}", r.name);
        let from = out.len();
        let aks = r.ty.eq_ignore_ascii_case(super::arm::MANAGED_CLUSTERS)
            || r.ty.eq_ignore_ascii_case(super::arm::AGENT_POOLS);
        let value = match aks.then(|| branches(&scope, &r.body)) {
            Some(Ok(variants)) => {
                for (value, when) in variants {
                    let at = out.len();
                    for body in instances(value) {
                        resource_clusters(r, &body, &path, &idx, &mut out);
                    }
                    for c in &mut out[at..] {
                        c.assumes = when.clone();
                    }
                }
                let (s, e) = r.body.range();
                place(&mut out[from..], &scope, idx.span(s, e));
                continue;
            }
            Some(Err(value)) => value,
            None => scope.eval(&r.body, 0),
        };
        if value.is_none() && aks {
            // Not dropped in silence: a cluster or pool whose body is not known.
            let (s, e) = r.body.range();
            scope.unresolved.borrow_mut().push(Unresolved {
                field: "properties".into(),
                span: idx.span(s, e),
                why: "the resource's value is not evaluated".into(),
            });
            out.push(Cluster {
                kind: r.ty.clone(),
                name: r.name.clone(),
                span: idx.span(s, e),
                path: path.clone(),
                ..Cluster::default()
            });
        }
        for body in instances(value) {
            resource_clusters(r, &body, &path, &idx, &mut out);
        }
        let (s, e) = r.body.range();
        place(&mut out[from..], &scope, idx.span(s, e));
    }
    for m in &modules {
        let path = format!("/module/{}", m.name);
        let from = out.len();
        match branches(&scope, &m.body) {
            Ok(variants) => {
                for (value, when) in variants {
                    let at = out.len();
                    for body in instances(value) {
                        module_cluster(m, &body, &path, &idx, &mut out);
                    }
                    for c in &mut out[at..] {
                        c.assumes = when.clone();
                    }
                }
            }
            Err(value) => {
                for body in instances(value) {
                    module_cluster(m, &body, &path, &idx, &mut out);
                }
            }
        }
        let (s, e) = m.body.range();
        place(&mut out[from..], &scope, idx.span(s, e));
    }
    dedup(&mut out);
    Ok(out)
}

/// Byte offsets of line/column positions in a text (columns count characters).
struct Offsets<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { text, line_starts }
    }

    fn offset(&self, p: crate::source::Pos) -> usize {
        let Some(&start) = (p.line as usize)
            .checked_sub(1)
            .and_then(|l| self.line_starts.get(l))
        else {
            return self.text.len();
        };
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(p.col.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i)
    }

    fn range(&self, span: Span) -> (usize, usize) {
        (self.offset(span.start), self.offset(span.end))
    }
}

/// A JSON value (read from the same text) as the Bicep expression that writes it.
fn json_expr(n: &Node, offsets: &Offsets<'_>, depth: usize) -> Expr {
    let (s, e) = offsets.range(n.span);
    if depth > 64 {
        return Expr::Unknown(s, e);
    }
    match &n.value {
        Value::Scalar(v, Style::Plain) => match v.as_str() {
            "true" | "false" => Expr::Bool(v == "true", s, e),
            "null" => Expr::Null(s, e),
            _ => Expr::Num(v.to_string(), s, e),
        },
        Value::Scalar(v, _) => Expr::Str(vec![PartExpr::Lit(v.to_string())], s, e),
        Value::Seq(items) => Expr::Arr(
            items
                .iter()
                .map(|i| json_expr(i, offsets, depth + 1))
                .collect(),
            s,
            e,
        ),
        Value::Map(m) => Expr::Obj(
            m.iter()
                .filter_map(|(k, v)| {
                    let (ks, ke) = offsets.range(k.span);
                    Some((
                        k.as_str()?.to_string(),
                        ks,
                        ke,
                        json_expr(v, offsets, depth + 1),
                    ))
                })
                .collect(),
            s,
            e,
        ),
    }
}

/// Conditions assumed, as written, and the value assumed.
type Assumes = Vec<(String, bool)>;

/// When a declaration's value depends on ternaries whose conditions are not known (at most two):
/// its value under each assumption, with the conditions as written. `Err` with the value itself
/// when every condition it meets is known.
fn branches(scope: &Scope<'_>, body: &Expr) -> Result<Vec<(Option<Node>, Assumes)>, Option<Node>> {
    scope.open.borrow_mut().clear();
    let before = scope.unresolved.borrow().len();
    let first = scope.eval(body, 0);
    let mut conds: Vec<(usize, usize)> = scope.open.borrow().iter().take(2).copied().collect();
    if conds.is_empty() {
        // No branch to choose: the value itself.
        return Err(first);
    }
    // A branch may meet conditions of its own (a variable's ternary inside a union's branch).
    loop {
        scope.unresolved.borrow_mut().truncate(before);
        scope.open.borrow_mut().clear();
        let out = variants(scope, body, &conds);
        let new: Vec<(usize, usize)> = scope
            .open
            .borrow()
            .iter()
            .filter(|r| !conds.contains(r))
            .copied()
            .collect();
        if new.is_empty() || conds.len() >= 2 {
            return Ok(out);
        }
        conds.extend(new.into_iter().take(2 - conds.len()));
    }
}

/// The value of `body` under each combination of truth values of `conds`.
fn variants(
    scope: &Scope<'_>,
    body: &Expr,
    conds: &[(usize, usize)],
) -> Vec<(Option<Node>, Assumes)> {
    let mut out = Vec::new();
    for combo in 0..(1usize << conds.len()) {
        let assume: Vec<((usize, usize), bool)> = conds
            .iter()
            .enumerate()
            .map(|(i, r)| (*r, combo & (1 << i) == 0))
            .collect();
        let when: Assumes = assume
            .iter()
            .map(|((s, e), b)| {
                let c = scope.text.get(*s..*e).unwrap_or("").trim();
                let c: String = if c.chars().count() > 40 {
                    c.chars().take(37).chain("...".chars()).collect()
                } else {
                    c.to_string()
                };
                (c, *b)
            })
            .collect();
        *scope.assume.borrow_mut() = assume;
        let v = scope.eval(body, 0);
        out.push((v, when));
    }
    scope.assume.borrow_mut().clear();
    out
}

/// Gives the clusters one declaration made the unresolved fields written inside it.
fn place(clusters: &mut [Cluster], scope: &Scope<'_>, within: Span) {
    let list = scope.unresolved.borrow();
    for c in clusters {
        c.unresolved.extend(
            list.iter()
                .filter(|u| within.start <= u.span.start && u.span.end <= within.end)
                .cloned(),
        );
        c.place_unresolved();
    }
}

/// The instances a declaration's value stands for: each item of a loop (none for an empty one),
/// none when its condition is false, else the value itself.
fn instances(body: Option<Node>) -> Vec<Node> {
    match body {
        None => Vec::new(),
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items,
        Some(b) => vec![b],
    }
}

/// Loop instances built from the same literals are one definition: reported once.
fn dedup(out: &mut Vec<Cluster>) {
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(format!("{c:?}")));
}

/// The cluster a module call instance defines, when its params use the AKS names.
fn module_cluster(
    m: &Module,
    body: &Node,
    path: &str,
    idx: &LineIndex<'_>,
    out: &mut Vec<Cluster>,
) {
    let Some((pk, params)) = props_ci(body, "params") else {
        return;
    };
    let pp = pointer(path, pk);
    let mut c = Cluster {
        kind: "module".into(),
        name: m.name.clone(),
        span: idx.span(m.start, m.start),
        path: pp.clone(),
        ..Cluster::default()
    };
    if let Some((k, v)) = props_ci(params, "kubernetesVersion") {
        c.kubernetes_version = Val::from_node(v, &pointer(&pp, k));
    }
    for key in [
        "autoNodeOsUpgradeProfileUpgradeChannel",
        "nodeOSUpgradeChannel",
        "nodeOsUpgradeChannel",
    ] {
        if let Some((k, v)) = props_ci(params, key) {
            c.node_os_upgrade_channel = Val::from_node(v, &pointer(&pp, k));
        }
    }
    if let Some((k, a)) = props_ci(params, "autoUpgradeProfile")
        && let Some((k2, v)) = props_ci(a, "nodeOSUpgradeChannel")
    {
        c.node_os_upgrade_channel = Val::from_node(v, &pointer(&pointer(&pp, k), k2));
    }
    for key in [
        "primaryAgentPoolProfiles",
        "primaryAgentPoolProfile",
        "agentPools",
        "agentPoolProfiles",
    ] {
        if let Some((k, pools)) = props_ci(params, key) {
            let kp = pointer(&pp, k);
            for (i, pool) in pools.as_seq().unwrap_or(&[]).iter().enumerate() {
                if pool.as_map().is_some() {
                    c.pools
                        .push(arm_pool(pool, &super::node::pointer_idx(&kp, i)));
                }
            }
        }
    }
    if c.kubernetes_version.is_some() || c.node_os_upgrade_channel.is_some() || !c.pools.is_empty()
    {
        out.push(c);
    }
}

/// The clusters one instance of a resource declares.
fn resource_clusters(
    r: &Resource,
    body: &Node,
    path: &str,
    idx: &LineIndex<'_>,
    out: &mut Vec<Cluster>,
) {
    let path = path.to_string();
    let Some((pk, props)) = props_ci(body, "properties") else {
        if r.ty.eq_ignore_ascii_case(super::arm::MANAGED_CLUSTERS)
            || r.ty.eq_ignore_ascii_case(super::arm::AGENT_POOLS)
        {
            // Not dropped in silence: its properties are written but not known.
            out.push(Cluster {
                kind: r.ty.clone(),
                name: r.name.clone(),
                span: body.span,
                path: path.clone(),
                unresolved: vec![Unresolved {
                    field: "properties".into(),
                    span: body.span,
                    why: "the value is not evaluated".into(),
                }],
                ..Cluster::default()
            });
        }
        return;
    };
    let pp = pointer(&path, pk);
    let name = props_ci(body, "name")
        .and_then(|n| n.1.as_str())
        .unwrap_or(&r.name)
        .to_string();
    let span = idx.span(r.start, r.start);
    if r.ty.eq_ignore_ascii_case(super::arm::MANAGED_CLUSTERS) {
        out.push(arm_cluster(super::arm::MANAGED_CLUSTERS, &name, props, &pp));
    } else if r.ty.eq_ignore_ascii_case(super::arm::AGENT_POOLS) {
        let mut pool = arm_pool(props, &pp);
        if pool.name.is_none() {
            pool.name =
                props_ci(body, "name").and_then(|(k, n)| Val::from_node(n, &pointer(&path, k)));
        }
        out.push(Cluster {
            kind: super::arm::AGENT_POOLS.into(),
            name,
            span,
            path,
            pools: vec![pool],
            ..Cluster::default()
        });
    }
}

struct Scope<'a> {
    params: HashMap<String, Expr>,
    vars: HashMap<String, Expr>,
    idx: &'a LineIndex<'a>,
    /// Values built while expanding a reference, and bytes built by interpolation, are charged
    /// here: references may fan out (`var b = [a, a]`, `var c = '${b}${b}'` ...), and without a
    /// budget a few lines would take exponential time and memory. Spent, every value is unknown.
    budget: &'a Budget,
    /// Inside the expansion of a param or var.
    expanding: std::cell::Cell<bool>,
    /// A cut-off has been recorded (the first names what was lost).
    cut: std::cell::Cell<bool>,
    /// The depth limit was hit inside the expansion under way (reported at its use site).
    deep: std::cell::Cell<bool>,
    /// Loop variables bound while a loop body is evaluated, innermost last.
    locals: std::cell::RefCell<Vec<(String, Node)>>,
    /// Relevant properties whose values did not resolve.
    unresolved: std::cell::RefCell<Vec<Unresolved>>,
    /// Ternary conditions met unknown, and the branch assumed for each while both are checked.
    open: std::cell::RefCell<Vec<(usize, usize)>>,
    assume: std::cell::RefCell<Vec<((usize, usize), bool)>>,
    text: &'a str,
}

/// The most items of one loop evaluated (each item is its own resource or module).
const MAX_LOOP_ITEMS: usize = 64;

impl Scope<'_> {
    fn span(&self, e: &Expr) -> Span {
        let (s, end) = e.range();
        self.idx.span(s, end)
    }

    /// Records the first cut-off at `e` (reported as an input error of the file).
    fn cut_off(&self, e: &Expr, message: impl FnOnce() -> String) {
        if !self.cut.replace(true) {
            self.budget.cut(self.span(e).start, message());
        }
    }

    /// The value of an expression where it is known; `None` otherwise.
    fn eval(&self, e: &Expr, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            if self.expanding.get() {
                self.deep.set(true);
            } else {
                self.cut_off(e, || {
                    format!("expression nested more than {MAX_DEPTH} levels deep: the value is not checked")
                });
            }
            return None;
        }
        if self.expanding.get() && !self.budget.values(1) {
            return None;
        }
        let span = self.span(e);
        match e {
            Expr::Str(parts, ..) => {
                let mut s = String::new();
                // Literal text is the input's own; text built by interpolation, or copied by an
                // expansion, is produced and charged.
                let produced =
                    self.expanding.get() || parts.iter().any(|p| matches!(p, PartExpr::Interp(_)));
                for p in parts {
                    let value;
                    let piece = match p {
                        PartExpr::Lit(l) => l.as_str(),
                        PartExpr::Interp(x) => {
                            value = self.eval(x, depth + 1)?;
                            value.as_str()?
                        }
                    };
                    if produced && !self.budget.bytes(piece.len()) {
                        if !self.expanding.get() {
                            self.cut_off(e, || {
                                format!(
                                    "this string grows past the evaluation budget ({}): it is not checked",
                                    self.budget.eval_limits()
                                )
                            });
                        }
                        return None;
                    }
                    s.push_str(piece);
                }
                Some(Node::scalar(s, Style::SingleQuoted, span))
            }
            Expr::Num(n, ..) => Some(Node::scalar(n.clone(), Style::Plain, span)),
            Expr::Bool(b, ..) => Some(Node::scalar(
                if *b { "true" } else { "false" },
                Style::Plain,
                span,
            )),
            Expr::Null(..) => None,
            Expr::Obj(entries, ..) => Some(Node {
                value: Value::Map(
                    entries
                        .iter()
                        .filter_map(|(k, ks, ke, v)| {
                            let val = self.eval(v, depth + 1);
                            if val.is_none() {
                                self.unresolved_field(k, v);
                            }
                            Some((
                                Node::scalar(k.clone(), Style::Plain, self.idx.span(*ks, *ke)),
                                val?,
                            ))
                        })
                        .collect(),
                ),
                span,
                via: None,
            }),
            Expr::Arr(items, ..) => Some(Node {
                value: Value::Seq(
                    items
                        .iter()
                        .filter_map(|x| self.eval(x, depth + 1))
                        .collect(),
                ),
                span,
                via: None,
            }),
            Expr::For(body, ..) => Some(Node {
                value: Value::Seq(self.eval(body, depth + 1).into_iter().collect()),
                span,
                via: None,
            }),
            Expr::Loop(names, source, body, ..) => Some(Node {
                value: Value::Seq(self.eval_loop(names, source, body, depth)),
                span,
                via: None,
            }),
            Expr::If(cond, body, ..) => match self.truth(cond, depth) {
                // Not deployed: no instance at all (an unknown value would be `None`).
                Some(false) => Some(Node {
                    value: Value::Seq(Vec::new()),
                    span,
                    via: None,
                }),
                _ => self.eval(body, depth + 1),
            },
            Expr::Ref(name, ..) => {
                let local = self
                    .locals
                    .borrow()
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone());
                if let Some(v) = local {
                    return Some(v);
                }
                let target = self.params.get(name).or_else(|| self.vars.get(name))?;
                let outermost = !self.expanding.replace(true);
                let n = self.eval(target, depth + 1);
                if outermost {
                    self.expanding.set(false);
                    let deep = self.deep.replace(false);
                    if self.budget.exhausted() {
                        self.cut_off(e, || {
                            format!(
                                "`{name}` expands to more than {} (references that fan out?): what it sets is not checked",
                                self.budget.eval_limits()
                            )
                        });
                    } else if deep {
                        self.cut_off(e, || {
                            format!(
                                "`{name}` resolves through references nested more than {MAX_DEPTH} levels deep (a cycle?): what it sets is not checked"
                            )
                        });
                    }
                }
                let mut n = n?;
                n.set_via(&Via {
                    use_site: span,
                    anchor_line: n.span.start.line,
                });
                Some(n)
            }
            Expr::Member(base, prop, ..) => {
                let b = self.eval(base, depth + 1)?;
                props_ci(&b, prop).map(|(_, v)| v.clone())
            }
            Expr::Index(base, i, ..) => {
                let b = self.eval(base, depth + 1)?;
                let i = self.eval(i, depth + 1)?;
                match &b.value {
                    Value::Seq(items) => items.get(i.as_str()?.parse::<usize>().ok()?).cloned(),
                    Value::Map(_) => props_ci(&b, i.as_str()?).map(|(_, v)| v.clone()),
                    Value::Scalar(..) => None,
                }
            }
            Expr::Call(f, args, ..) => match f.to_ascii_lowercase().as_str() {
                "union" => {
                    // Later arguments win and objects under the same name merge (as ARM's union).
                    // The first argument is the base: unknown, the whole is; a later one that is
                    // not known adds nothing.
                    let Value::Map(mut m) = self.eval(args.first()?, depth + 1)?.value else {
                        return None;
                    };
                    for a in &args[1..] {
                        if let Some(Node {
                            value: Value::Map(entries),
                            ..
                        }) = self.eval(a, depth + 1)
                        {
                            m = super::arm::merge(m, entries);
                        }
                    }
                    Some(Node {
                        value: Value::Map(m),
                        span,
                        via: None,
                    })
                }
                "concat" => {
                    let mut items = Vec::new();
                    for a in args {
                        match self.eval(a, depth + 1)?.value {
                            Value::Seq(s) => items.extend(s),
                            _ => return None,
                        }
                    }
                    Some(Node {
                        value: Value::Seq(items),
                        span,
                        via: None,
                    })
                }
                "any" | "string" => self.eval(args.first()?, depth + 1),
                _ => None,
            },
            Expr::Ternary(c, a, b, ..) => match self.condition(c, depth)? {
                true => self.eval(a, depth + 1),
                false => self.eval(b, depth + 1),
            },
            Expr::Binary("??", a, b, ..) => {
                self.eval(a, depth + 1).or_else(|| self.eval(b, depth + 1))
            }
            Expr::Binary(..) | Expr::Not(..) => {
                let t = self.truth(e, depth)?;
                Some(Node::scalar(
                    if t { "true" } else { "false" },
                    Style::Plain,
                    span,
                ))
            }
            Expr::Unknown(..) => None,
        }
    }

    /// A ternary's condition: its value when known, else the branch assumed for it (see
    /// [`branches`]); an unknown one is noted as open.
    fn condition(&self, c: &Expr, depth: usize) -> Option<bool> {
        if let Some(t) = self.truth(c, depth) {
            return Some(t);
        }
        let r = c.range();
        if let Some((_, b)) = self.assume.borrow().iter().find(|(x, _)| *x == r) {
            return Some(*b);
        }
        let mut open = self.open.borrow_mut();
        if !open.contains(&r) {
            open.push(r);
        }
        None
    }

    /// Records a relevant property whose value did not resolve (`null` leaves it unset).
    fn unresolved_field(&self, key: &str, e: &Expr) {
        if !is_relevant(key) || matches!(e, Expr::Null(..)) || self.budget.exhausted() {
            return;
        }
        let (s, end) = e.range();
        let written = self.text.get(s..end).unwrap_or("").trim();
        let written: String = if written.chars().count() > 60 {
            written.chars().take(57).chain("...".chars()).collect()
        } else {
            written.to_string()
        };
        let why = match e {
            Expr::Ref(name, ..)
                if self.params.contains_key(name) || self.vars.contains_key(name) =>
            {
                format!("`{written}` is not evaluated")
            }
            Expr::Ref(..) => format!("`{written}` has no default and no value is set"),
            _ => format!("`{written}` is not evaluated"),
        };
        let u = Unresolved {
            field: key.to_string(),
            span: self.span(e),
            why,
        };
        let mut list = self.unresolved.borrow_mut();
        if !list.contains(&u) {
            list.push(u);
        }
    }

    /// A loop's items: the body once per item of a known source (an array, or `range(start,
    /// count)`), none for an empty one; once with the loop variables unknown when the source is
    /// not known.
    fn eval_loop(&self, names: &[String], source: &Expr, body: &Expr, depth: usize) -> Vec<Node> {
        let items: Option<Vec<Node>> = match source {
            Expr::Call(f, args, ..) if f == "range" && args.len() == 2 => (|| {
                let start: i64 = self.scalar(&args[0], depth)?.parse().ok()?;
                let count: usize = self.scalar(&args[1], depth)?.parse().ok()?;
                let span = self.span(source);
                Some(
                    (0..count.min(MAX_LOOP_ITEMS))
                        .map(|i| Node::scalar((start + i as i64).to_string(), Style::Plain, span))
                        .collect(),
                )
            })(),
            _ => match self.eval(source, depth + 1) {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) => Some(items),
                _ => None,
            },
        };
        let Some(items) = items else {
            return self.eval(body, depth + 1).into_iter().collect();
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().take(MAX_LOOP_ITEMS).enumerate() {
            let index = Node::scalar(i.to_string(), Style::Plain, self.span(source));
            let bound = names.len().min(2);
            {
                let mut l = self.locals.borrow_mut();
                l.push((names[0].clone(), item));
                if bound == 2 {
                    l.push((names[1].clone(), index));
                }
            }
            let v = self.eval(body, depth + 1);
            {
                let mut l = self.locals.borrow_mut();
                let keep = l.len() - bound;
                l.truncate(keep);
            }
            out.extend(v);
        }
        out
    }

    /// A condition's value, when its operands are known.
    fn truth(&self, e: &Expr, depth: usize) -> Option<bool> {
        match e {
            Expr::Binary(op @ ("==" | "!=" | "=~" | "!~"), a, b, ..) => {
                let a = self.scalar(a, depth)?;
                let b = self.scalar(b, depth)?;
                let eq = if op.contains('~') {
                    a.eq_ignore_ascii_case(&b)
                } else {
                    a == b
                };
                Some(if op.starts_with('!') { !eq } else { eq })
            }
            Expr::Binary("&&", a, b, ..) => {
                Some(self.truth(a, depth + 1)? && self.truth(b, depth + 1)?)
            }
            Expr::Binary("||", a, b, ..) => {
                Some(self.truth(a, depth + 1)? || self.truth(b, depth + 1)?)
            }
            Expr::Not(x, ..) => Some(!self.truth(x, depth + 1)?),
            Expr::Binary(op @ ("<" | "<=" | ">" | ">="), a, b, ..) => {
                let a: f64 = self.scalar(a, depth)?.trim().parse().ok()?;
                let b: f64 = self.scalar(b, depth)?.trim().parse().ok()?;
                Some(match *op {
                    "<" => a < b,
                    "<=" => a <= b,
                    ">" => a > b,
                    _ => a >= b,
                })
            }
            // Arithmetic is not evaluated (and a binary expression is never its own operand: no
            // loop back into `eval`).
            Expr::Binary(..) => None,
            _ => match self.scalar(e, depth)?.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }

    fn scalar(&self, e: &Expr, depth: usize) -> Option<String> {
        if let Expr::Null(..) = e {
            return Some("null".into());
        }
        self.eval(e, depth + 1)?.as_str().map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_params_vars_and_ternaries() {
        let src = "@allowed([\n  'Standard_D2_v3'\n])\nparam size string = 'Standard_D2_v3'\nparam os object = {\n  sku: 'AzureContainerLinux' // acl\n}\nvar win = false\nresource aks 'Microsoft.ContainerService/managedClusters@2026-03-01' = {\n  name: 'x'\n  properties: {\n    agentPoolProfiles: concat([\n      {\n        name: 'p'\n        vmSize: size\n        osSKU: os.sku\n      }\n    ], win ? [{ vmSize: 'Standard_A1' }] : [])\n  }\n}\n";
        let cs = read(src, &Budget::default()).unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].pools.len(), 1);
        let size = cs[0].pools[0].vm_size.as_ref().unwrap();
        assert_eq!(
            (
                size.text.as_str(),
                size.span.start.line,
                size.span.start.col,
                size.used_at
            ),
            ("Standard_D2_v3", 4, 21, Some(15))
        );
        assert_eq!(
            cs[0].pools[0].os_sku.as_ref().unwrap().text,
            "AzureContainerLinux"
        );
    }

    #[test]
    fn tolerates_unknown_constructs() {
        let src = "func f(a string) string => '${a}'\ntype t = { a: string }\nresource x 'Microsoft.ContainerService/managedClusters@2024-01-01' = if (deploy) {\n  name: 'x'\n  properties: {\n    kubernetesVersion: '1.29'\n    agentPoolProfiles: [for i in range(0, 2): {\n      name: 'p${i}'\n      vmSize: 'Standard_D2_v2'\n    }]\n  }\n}\n";
        let cs = read(src, &Budget::default()).unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].kubernetes_version.as_ref().unwrap().text, "1.29");
        assert_eq!(cs[0].pools[0].vm_size.as_ref().unwrap().span.start.line, 9);
    }

    #[test]
    fn malformed_is_an_error_with_position() {
        let e = read(
            "param a string = 'x\nresource r 'T@1' = {\n  name: 'r'\n",
            &Budget::default(),
        )
        .unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (1, 18));
        let e = read(
            "resource r 'T@1' = {\n  properties: {\n    a: [1, 2}\n}\n",
            &Budget::default(),
        )
        .unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (3, 13));
        assert!(e.message.contains("line 3"), "{}", e.message);
        let e = read("var x = {\n  a: 1\n", &Budget::default()).unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (1, 9));
    }
}
