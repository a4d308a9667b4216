//! `hostlint check --fix`: span-exact edits that fix findings and leave every other byte alone.
//!
//! A rule that can fix what it finds declares its [`Offer`]s next to its metadata (what the fix does
//! and its [`Safety`]) and attaches an [`Edit`] to its hit: an [`Op`] on spans of the parsed tree.
//! [`run`] applies the edits of the findings a run reported, file by file, in a stable order (by
//! position, then rule order); overlapping edits wait for the next round, and each round re-lints the
//! changed files, until nothing changes (at most [`MAX_ROUNDS`]). A file's new text is kept only
//! when it still parses to the same tree apart from the fixed fields.

mod edit;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use crate::discover::{Input, Kind, Origin};
use crate::model::nodepool::Val;
use crate::parse::node::{Node, Value};
use crate::source::{FileName, Span};
use crate::{Config, Finding, Report};

/// Rounds of fix-and-re-lint before giving up on convergence.
pub const MAX_ROUNDS: usize = 4;

/// Whether a fix only fixes the finding (safe) or also changes what is deployed beyond it (unsafe:
/// applied only with `--unsafe-fixes`), as ruff classes fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    Safe,
    Unsafe,
}

/// A fix a rule offers, declared with the rule: what it does and its safety class.
#[derive(Clone, Copy, Debug)]
pub struct Offer {
    pub safety: Safety,
    /// What the edit does, as the report lists it (`set the channel to NodeImage`).
    pub title: &'static str,
}

/// A value to insert: a scalar as written, or a mapping (rendered block or flow like its parent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ins {
    Scalar(String),
    Map(Vec<(String, Ins)>),
}

/// An edit on spans of the parsed tree; [`edit::resolve`] turns it into bytes against the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// The scalar written at `span` (quoted or not) whose value is `old` becomes `new`. A shell
    /// variable's use is fixed at its assignment on line `assigned_at`.
    Replace {
        span: Span,
        old: String,
        new: String,
        assigned_at: Option<u32>,
    },
    /// A command-line switch goes.
    RemoveFlag { span: Span },
    /// The shell command at `span` goes, with its lines (continuations and a trailing comment too),
    /// when nothing else shares them.
    RemoveCommand { span: Span },
    /// `key: value` becomes the last entry of the mapping at `map`, whose keys start at column
    /// `key_col`; `after` is the last scalar of its last entry.
    InsertKey {
        map: Span,
        key_col: u32,
        after: Span,
        key: String,
        value: Ins,
    },
    /// The entry whose key is at `key` goes from the mapping at `map`; `last` is the last scalar of
    /// its value; `parent_key`, when it is the mapping's only entry (the mapping becomes `{}`).
    RemoveEntry {
        map: Span,
        key: Span,
        last: Span,
        parent_key: Option<Span>,
    },
}

/// The edit that fixes one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub safety: Safety,
    pub title: String,
    /// The JSON pointer of the field it changes: the only place the trees may differ.
    pub pointer: String,
    pub op: Op,
}

impl Edit {
    /// Moves the edit's spans with `map` (a project's concatenated text → one file's): `false`, and
    /// the edit unusable, when one of them does not map.
    pub fn map_spans(&mut self, map: impl Fn(Span) -> Option<Span>) -> bool {
        let spans: Vec<&mut Span> = match &mut self.op {
            Op::Replace { span, .. } | Op::RemoveFlag { span } | Op::RemoveCommand { span } => {
                vec![span]
            }
            Op::InsertKey { map, after, .. } => vec![map, after],
            Op::RemoveEntry {
                map,
                key,
                last,
                parent_key,
            } => {
                let mut v = vec![map, key, last];
                v.extend(parent_key.as_mut());
                v
            }
        };
        for s in spans {
            match map(*s) {
                Some(m) => *s = m,
                None => return false,
            }
        }
        true
    }
}

impl Offer {
    fn edit(&self, pointer: &str, op: Op) -> Edit {
        Edit {
            safety: self.safety,
            title: self.title.to_string(),
            pointer: pointer.to_string(),
            op,
        }
    }

    /// The value `v` (any surface) becomes `new`; a switch (`--disable-vtpm`) becomes switch `new`.
    pub fn replace(&self, v: &Val, new: &str) -> Edit {
        self.edit(
            &v.path,
            Op::Replace {
                span: v.span,
                old: v.shown().to_string(),
                new: new.to_string(),
                assigned_at: v.assigned_at,
            },
        )
    }

    /// The scalar `node` becomes `new`.
    pub fn replace_node(&self, node: &Node, pointer: &str, new: &str) -> Option<Edit> {
        let old = node.as_str()?;
        // Reached through an alias: the anchor is shared, so it is not this finding's to change.
        (node.via.is_none()).then(|| {
            self.edit(
                pointer,
                Op::Replace {
                    span: node.span,
                    old: old.to_string(),
                    new: new.to_string(),
                    assigned_at: None,
                },
            )
        })
    }

    /// The whole command at `span` (one the value `v` belongs to) goes.
    pub fn remove_command(&self, v: &Val, span: Span) -> Edit {
        self.edit(&v.path, Op::RemoveCommand { span })
    }

    /// The switch `v` (written as a flag) goes.
    pub fn remove_flag(&self, v: &Val) -> Edit {
        self.edit(&v.path, Op::RemoveFlag { span: v.span })
    }

    /// `key: value` is added to the mapping `map` (at JSON pointer `map_pointer`).
    pub fn insert(&self, map: &Node, map_pointer: &str, key: &str, value: Ins) -> Option<Edit> {
        let entries = map.as_map()?;
        if map.via.is_some() {
            return None;
        }
        // An empty mapping is a flow one (`{}`): the key goes inside its braces.
        let (key_col, after) = match (entries.first(), entries.last()) {
            (Some((first, _)), Some((_, last))) => (first.span.start.col, last_leaf(last)),
            _ => (map.span.start.col, map.span),
        };
        Some(self.edit(
            &crate::parse::node::pointer(map_pointer, key),
            Op::InsertKey {
                map: map.span,
                key_col,
                after,
                key: key.to_string(),
                value,
            },
        ))
    }

    /// The entry `key` of mapping `map` (at `map_pointer`, whose own key is `map_key`) goes.
    pub fn remove(
        &self,
        map: &Node,
        map_pointer: &str,
        map_key: Option<&Node>,
        key: &str,
    ) -> Option<Edit> {
        let entries = map.as_map()?;
        let (k, v) = entries.iter().find(|(k, _)| k.as_str() == Some(key))?;
        if map.via.is_some() || k.via.is_some() {
            return None;
        }
        let parent_key = if entries.len() == 1 {
            Some(map_key?.span)
        } else {
            None
        };
        Some(self.edit(
            &crate::parse::node::pointer(map_pointer, key),
            Op::RemoveEntry {
                map: map.span,
                key: k.span,
                last: last_leaf(v),
                parent_key,
            },
        ))
    }
}

/// The span of the last scalar of a value (where its text ends).
fn last_leaf(node: &Node) -> Span {
    match &node.value {
        Value::Scalar(..) => node.span,
        Value::Seq(s) => s.last().map_or(node.span, last_leaf),
        Value::Map(m) => m.last().map_or(node.span, |(_, v)| last_leaf(v)),
    }
}

/// How `--fix` runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Also apply unsafe fixes (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

/// A finding fixed, or one whose fix could not be applied (with why).
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub file: FileName,
    pub line: u32,
    pub column: u32,
    pub rule: &'static str,
    pub title: String,
    pub safety: Safety,
    /// The JSON pointer of the field the fix changes.
    pub pointer: String,
    /// For a replaced value: what it was and what it became.
    pub change: Option<(String, String)>,
    /// The round that applied it (1: the findings of the run itself; later: after a re-lint).
    pub round: usize,
    /// `None` when applied; else why not.
    pub refused: Option<String>,
}

/// A file's text before and after fixing.
#[derive(Clone, Debug)]
pub struct Changed {
    pub name: FileName,
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    /// The edited byte ranges, in `before` and in `after`, sorted and disjoint: every byte outside
    /// them is the same in both.
    pub regions: Vec<Region>,
}

/// One edited range: `before[orig.0..orig.1]` became `after[cur.0..cur.1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub orig: (usize, usize),
    pub cur: (usize, usize),
}

/// Adds one round's edits (in the current text's offsets, sorted, disjoint) to the regions.
fn record(regions: &mut Vec<Region>, edits: &[edit::Bytes]) {
    let to_orig = |p: usize, end: bool| -> usize {
        let mut delta = 0isize;
        for r in regions.iter() {
            if p < r.cur.0 {
                break;
            }
            if p <= r.cur.1 {
                return if end { r.orig.1 } else { r.orig.0 };
            }
            delta = r.cur.1 as isize - r.orig.1 as isize;
        }
        (p as isize - delta) as usize
    };
    let new_pos = |p: usize| -> usize {
        let shift: isize = edits
            .iter()
            .filter(|b| b.end <= p)
            .map(|b| b.text.len() as isize - (b.end - b.start) as isize)
            .sum();
        (p as isize + shift) as usize
    };
    let mut shift = 0isize;
    let mut all: Vec<Region> = edits
        .iter()
        .map(|b| {
            // Shifted by the edits before it only (an insertion has `end == start`).
            let start = (b.start as isize + shift) as usize;
            shift += b.text.len() as isize - (b.end - b.start) as isize;
            Region {
                orig: (to_orig(b.start, false), to_orig(b.end, true)),
                cur: (start, start + b.text.len()),
            }
        })
        .collect();
    all.extend(regions.iter().map(|r| Region {
        orig: r.orig,
        cur: (new_pos(r.cur.0), new_pos(r.cur.1)),
    }));
    all.sort_by_key(|r| (r.orig.0, r.orig.1));
    let mut merged: Vec<Region> = Vec::with_capacity(all.len());
    for r in all {
        match merged.last_mut() {
            Some(m) if r.orig.0 < m.orig.1 || (r.orig.0 == m.orig.1 && r.cur.0 <= m.cur.1) => {
                m.orig.1 = m.orig.1.max(r.orig.1);
                m.cur = (m.cur.0.min(r.cur.0), m.cur.1.max(r.cur.1));
            }
            _ => merged.push(r),
        }
    }
    *regions = merged;
}

/// What `--fix` did.
#[derive(Debug, Default)]
pub struct Fixes {
    pub applied: Vec<Outcome>,
    pub refused: Vec<Outcome>,
    pub changed: Vec<Changed>,
    /// Findings with an unsafe fix left out (no `--unsafe-fixes`).
    pub hidden_unsafe: usize,
    /// Rounds run.
    pub rounds: usize,
}

impl Fixes {
    /// The unified diff of every changed file (`a/` and `b/` prefixes: applies with `git apply`
    /// and `patch -p1` from the directory the paths are relative to).
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for c in &self.changed {
            let name = c.name.trim_start_matches("./");
            let diff = similar::TextDiff::from_lines(&c.before, &c.after);
            out.push_str(&format!("--- a/{name}\n+++ b/{name}\n"));
            for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
                let h = hunk.to_string();
                out.push_str(&h);
                if !h.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// Where a finding cannot be fixed in place, whatever its edit: a stream, a rendered object.
fn not_in_place(f: &Finding, input: Option<&Input>) -> Option<String> {
    match input.map(|i| &i.origin) {
        Some(Origin::File(_)) => {}
        None => {
            return Some(format!(
                "`{}` was read for this finding but not given to check: name it to fix it",
                f.file
            ));
        }
        Some(Origin::Special(_)) | Some(Origin::Stdin(_)) | Some(Origin::StdinStream(_)) => {
            return Some(match &f.helm_source {
                Some(s) => format!(
                    "a rendered stream is not edited: fix the Helm template `{s}` (or its values) that holds this line"
                ),
                None => "a stream is not edited: fix the file it was rendered from".to_string(),
            });
        }
    }
    // Rendered output saved to a file: the next render would undo the edit.
    if let Some(s) = &f.helm_source {
        return Some(format!(
            "rendered by Helm (`# Source: {s}`): fix the template or its values, not the output"
        ));
    }
    None
}

/// Whether a text holds objects built by kustomize (its origin annotations, `buildMetadata:
/// [originAnnotations]`): they are fixed in the kustomization's sources, not in the output.
fn kustomize_built(text: &str) -> bool {
    text.contains("config.kubernetes.io/origin:")
        || text.contains("alpha.config.kubernetes.io/transformations:")
}

/// The findings a fix run may act on: counted (not suppressed), with an edit of an allowed class.
fn eligible<'f>(findings: &'f [Finding], options: &Options) -> impl Iterator<Item = &'f Finding> {
    findings.iter().filter(move |f| {
        f.counts()
            && f.edit
                .as_ref()
                .is_some_and(|e| e.safety == Safety::Safe || options.unsafe_fixes)
    })
}

/// Applies the fixes of `findings` (a run over `inputs`) in memory, round after round, and returns
/// what changed; the caller writes the files (or prints the diff).
pub fn run(inputs: &[Input], findings: &[Finding], config: &Config, options: &Options) -> Fixes {
    let by_name: HashMap<&str, &Input> = inputs.iter().map(|i| (&*i.name, i)).collect();
    let mut fixes = Fixes {
        hidden_unsafe: findings
            .iter()
            .filter(|f| {
                f.counts()
                    && !options.unsafe_fixes
                    && f.edit.as_ref().is_some_and(|e| e.safety == Safety::Unsafe)
            })
            .count(),
        ..Fixes::default()
    };
    // name → (path, kind, original, current, edited regions)
    #[allow(clippy::type_complexity)]
    let mut texts: BTreeMap<FileName, (PathBuf, Kind, String, String, Vec<Region>)> =
        BTreeMap::new();
    let mut round_findings: Vec<Finding> = eligible(findings, options).cloned().collect();
    for round in 0..MAX_ROUNDS {
        fixes.rounds = round + 1;
        let mut per_file: BTreeMap<FileName, Vec<&Finding>> = BTreeMap::new();
        for f in &round_findings {
            let input = by_name.get(&*f.file).copied();
            if let Some(why) = not_in_place(f, input) {
                if round == 0 {
                    fixes.refused.push(outcome(f, Some(why)));
                }
                continue;
            }
            per_file.entry(f.file.clone()).or_default().push(f);
        }
        let mut touched = Vec::new();
        for (name, fs) in per_file {
            let Some(Origin::File(path)) = by_name.get(&*name).map(|i| &i.origin) else {
                continue;
            };
            if !texts.contains_key(&name) {
                let Ok(text) = std::fs::read_to_string(path) else {
                    for f in fs {
                        fixes
                            .refused
                            .push(outcome(f, Some("the file could not be read again".into())));
                    }
                    continue;
                };
                let kind = by_name[&*name]
                    .kind
                    .unwrap_or_else(|| Kind::sniff(text.as_bytes()));
                if matches!(kind, Kind::Yaml | Kind::Json) && kustomize_built(&text) {
                    for f in fs {
                        fixes.refused.push(outcome(
                            f,
                            Some("built by kustomize (`config.kubernetes.io/origin`): fix the resource or patch it names, not the output".into()),
                        ));
                    }
                    continue;
                }
                texts.insert(
                    name.clone(),
                    (path.clone(), kind, text.clone(), text, Vec::new()),
                );
            }
            let (_, kind, _, current, regions) = texts.get_mut(&name).expect("inserted above");
            let (next, applied, bytes, refused) = fix_text(current, *kind, &fs, &config.limits);
            // Refusals are reported once, from the first round that saw the finding.
            for (f, why) in refused {
                if !fixes
                    .refused
                    .iter()
                    .any(|o| o.rule == f.rule && o.file == f.file && o.line == f.span.start.line)
                {
                    fixes.refused.push(outcome(f, Some(why)));
                }
            }
            if !applied.is_empty() {
                fixes.applied.extend(applied.into_iter().map(|f| Outcome {
                    round: round + 1,
                    ..outcome(f, None)
                }));
                *current = next;
                record(regions, &bytes);
                touched.push(name);
            }
        }
        if touched.is_empty() {
            break;
        }
        // Re-lint what changed: the next round fixes what the edits uncovered or had to postpone.
        round_findings = Vec::new();
        for name in touched {
            let (_, kind, _, current, _) = &texts[&name];
            // The file's own findings: the cross-file phase (ConfigMap scripts, Pod Security
            // namespaces) offers no fix, and would read the directory again for each file.
            let report = crate::scan_bytes(&name, current.as_bytes(), *kind, false, config);
            round_findings.extend(eligible(&report.findings, options).cloned());
        }
    }
    // Applied fixes of findings whose edit was later refused are still fixed; drop stale refusals.
    fixes.refused.retain(|r| {
        !fixes
            .applied
            .iter()
            .any(|a| a.file == r.file && a.line == r.line && a.rule == r.rule)
    });
    for (name, (path, _, before, after, regions)) in texts {
        if before != after {
            fixes.changed.push(Changed {
                name,
                path,
                before,
                after,
                regions,
            });
        }
    }
    fixes
}

fn outcome(f: &Finding, refused: Option<String>) -> Outcome {
    let e = f.edit.as_ref();
    Outcome {
        round: 1,
        file: f.file.clone(),
        line: f.span.start.line,
        column: f.span.start.col,
        rule: f.rule,
        title: e.map(|e| e.title.clone()).unwrap_or_default(),
        safety: e.map_or(Safety::Safe, |e| e.safety),
        pointer: e.map(|e| e.pointer.clone()).unwrap_or_default(),
        change: match e.map(|e| &e.op) {
            Some(Op::Replace { old, new, .. }) => Some((old.clone(), new.clone())),
            _ => None,
        },
        refused,
    }
}

/// One round on one file: the edits that resolve, in order, without overlap, and the new text if
/// it still parses to the same tree apart from the fixed fields.
#[allow(clippy::type_complexity)]
fn fix_text<'f>(
    text: &str,
    kind: Kind,
    findings: &[&'f Finding],
    limits: &crate::parse::Limits,
) -> (
    String,
    Vec<&'f Finding>,
    Vec<edit::Bytes>,
    Vec<(&'f Finding, String)>,
) {
    let offsets = edit::Offsets::new(text);
    let json = matches!(kind, Kind::Json | Kind::TerraformJson);
    let mut resolved = Vec::new();
    let mut refused = Vec::new();
    let order = |r: &str| crate::rules::RULES.iter().position(|x| x.name == r);
    let mut arm_root: Option<Option<Node>> = None;
    let mut extra_pointers: Vec<(&Finding, String)> = Vec::new();
    for f in findings {
        let e = f.edit.as_ref().expect("eligible findings have an edit");
        match edit::resolve(text, &offsets, &e.op, json) {
            // A Bicep parameter default under `@allowed`: the new value joins the list too.
            Ok(b) if kind == Kind::Bicep && matches!(e.op, Op::Replace { .. }) => {
                match edit::bicep_allowed(text, &b) {
                    Ok(extra) => {
                        resolved.extend(extra.map(|x| (x, *f)));
                        resolved.push((b, *f));
                    }
                    Err(why) => refused.push((*f, why)),
                }
            }
            // An ARM parameter's default with `allowedValues`: the new value joins them too.
            Ok(b) if kind == Kind::Json && matches!(e.op, Op::Replace { .. }) => {
                let root = arm_root.get_or_insert_with(|| {
                    crate::parse::json::parse_keeping_last(text, limits)
                        .ok()
                        .map(|(r, _)| r)
                });
                match root
                    .as_ref()
                    .map_or(Ok(None), |r| edit::arm_allowed(text, &offsets, r, &b))
                {
                    Ok(extra) => {
                        if let Some((x, pointer)) = extra {
                            extra_pointers.push((*f, pointer));
                            resolved.push((x, *f));
                        }
                        resolved.push((b, *f));
                    }
                    Err(why) => refused.push((*f, why)),
                }
            }
            Ok(b) => resolved.push((b, *f)),
            Err(why) => refused.push((*f, why)),
        }
    }
    resolved.sort_by(|(a, fa), (b, fb)| {
        (a.start, a.end, order(fa.rule), &a.text).cmp(&(b.start, b.end, order(fb.rule), &b.text))
    });
    let mut kept: Vec<(edit::Bytes, &Finding)> = Vec::new();
    let mut postponed: Vec<&Finding> = Vec::new();
    for (b, f) in resolved {
        match kept.last() {
            // The same edit for two findings (two rules, one value) is made once.
            Some((k, _)) if *k == b => {}
            // Overlapping (or two inserts at one place): the next round, after a re-lint.
            Some((k, _)) if k.end > b.start || k.start == b.start => {
                postponed.push(f);
                continue;
            }
            _ => {}
        }
        kept.push((b, f));
    }
    // A finding with several edits (a value and its `@allowed` list) has all or none this round.
    kept.retain(|(_, f)| !postponed.iter().any(|p| std::ptr::eq(*p, *f)));
    if kept.is_empty() {
        return (text.to_string(), Vec::new(), Vec::new(), refused);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    let mut bytes: Vec<edit::Bytes> = Vec::new();
    for (b, _) in &kept {
        if bytes.last() == Some(b) {
            continue;
        }
        out.push_str(&text[from..b.start]);
        out.push_str(&b.text);
        from = b.end;
        bytes.push(b.clone());
    }
    out.push_str(&text[from..]);
    let mut pointers: Vec<(u32, &str)> = kept
        .iter()
        .map(|(_, f)| {
            let e = f.edit.as_ref().expect("eligible findings have an edit");
            (f.span.start.line, e.pointer.as_str())
        })
        .collect();
    pointers.extend(
        extra_pointers
            .iter()
            .filter(|(f, _)| kept.iter().any(|(_, k)| std::ptr::eq(*k, *f)))
            .map(|(f, p)| (f.span.start.line, p.as_str())),
    );
    // A value replaced where it is defined (an ARM variable, a parameter default) is allowed to
    // differ at its definition, whatever the path of the field that uses it.
    let replaced: Vec<Span> = kept
        .iter()
        .filter_map(|(_, f)| match f.edit.as_ref().map(|e| &e.op) {
            Some(Op::Replace { span, .. }) => Some(*span),
            _ => None,
        })
        .collect();
    match same_tree(text, &out, kind, &pointers, &replaced, limits) {
        Ok(()) => (
            out,
            {
                let mut applied: Vec<&Finding> = Vec::new();
                for (_, f) in kept {
                    if !applied.iter().any(|a| std::ptr::eq(*a, f)) {
                        applied.push(f);
                    }
                }
                applied
            },
            bytes,
            refused,
        ),
        Err(why) => {
            for (_, f) in kept {
                refused.push((f, format!("not written: {why}")));
            }
            (text.to_string(), Vec::new(), Vec::new(), refused)
        }
    }
}

/// Checks that `after` parses and holds the same tree as `before` apart from the fields at
/// `pointers` (each with the line of its finding in `before`, to pick its document).
fn same_tree(
    before: &str,
    after: &str,
    kind: Kind,
    pointers: &[(u32, &str)],
    replaced: &[Span],
    limits: &crate::parse::Limits,
) -> Result<(), String> {
    match kind {
        Kind::Yaml | Kind::Json => {
            let old = documents(before, kind, limits)
                .map_err(|e| format!("the original does not parse ({e})"))?;
            let new = documents(after, kind, limits)
                .map_err(|e| format!("the fixed file would not parse ({e})"))?;
            if old.len() != new.len() {
                return Err("the fixed file would hold another number of documents".into());
            }
            for (i, ((first, o), (_, n))) in old.iter().zip(&new).enumerate() {
                let next = old.get(i + 1).map_or(u32::MAX, |(l, _)| *l);
                let allowed: BTreeSet<&str> = pointers
                    .iter()
                    .filter(|(l, _)| *l >= *first && *l < next)
                    .map(|(_, p)| *p)
                    .collect();
                compare(o, n, "", &allowed, replaced)
                    .map_err(|p| format!("the fixed file would change `{p}`, outside the fix"))?;
            }
            Ok(())
        }
        Kind::Bicep | Kind::Terraform | Kind::TerraformJson | Kind::Shell | Kind::Markdown => {
            let budget = crate::parse::budget::Budget::new(limits);
            let old = crate::parse::pools::read(kind, before, &budget)
                .map_err(|e| format!("the original does not parse ({})", e.message))?;
            let new = crate::parse::pools::read(kind, after, &budget).map_err(|e| {
                format!(
                    "the fixed file would not parse (line {}: {})",
                    e.pos.line, e.message
                )
            })?;
            // A feature registration defines no cluster: removing one is a fix (AKSFlatcarPreview).
            let shape = |cs: &[crate::model::nodepool::Cluster]| -> Vec<(String, String, usize)> {
                cs.iter()
                    .filter(|c| c.kind != "az feature register")
                    .map(|c| (c.kind.clone(), c.name.clone(), c.pools.len()))
                    .collect()
            };
            if shape(&old) != shape(&new) {
                return Err("the fixed file would define other clusters or pools".into());
            }
            Ok(())
        }
        Kind::BicepParams => Err("parameter files are not edited".into()),
    }
}

/// The documents of a YAML or JSON text, with their first lines.
fn documents(
    text: &str,
    kind: Kind,
    limits: &crate::parse::Limits,
) -> Result<Vec<(u32, Node)>, String> {
    let bytes = crate::decode_bom(text.as_bytes())?;
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    if kind == Kind::Json {
        return crate::parse::json::parse_keeping_last(text, limits)
            .map(|(root, _)| vec![(1, root)])
            .map_err(|e| format!("line {}: {}", e.pos.line, e.message));
    }
    let budget = crate::parse::budget::Budget::new(limits);
    let mut out = Vec::new();
    for chunk in crate::parse::yaml::split(bytes) {
        for d in crate::parse::yaml::parse_chunk_in(chunk, limits, &budget) {
            let d = d.map_err(|e| format!("line {}: {}", e.pos.line, e.message))?;
            out.push((d.first_line, d.root));
        }
    }
    Ok(out)
}

/// Compares two trees by value (spans and styles aside); `Err` names the first pointer that
/// differs outside `allowed`.
fn compare(
    a: &Node,
    b: &Node,
    at: &str,
    allowed: &BTreeSet<&str>,
    replaced: &[Span],
) -> Result<(), String> {
    if allowed.contains(at) {
        return Ok(());
    }
    let differs = || {
        Err(if at.is_empty() {
            "/".into()
        } else {
            at.to_string()
        })
    };
    match (&a.value, &b.value) {
        (Value::Scalar(x, _), Value::Scalar(y, _)) => {
            if x == y || replaced.contains(&a.span) {
                Ok(())
            } else {
                differs()
            }
        }
        (Value::Seq(x), Value::Seq(y)) => {
            if x.len() != y.len() {
                return differs();
            }
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                compare(
                    x,
                    y,
                    &crate::parse::node::pointer_idx(at, i),
                    allowed,
                    replaced,
                )?;
            }
            Ok(())
        }
        (Value::Map(x), Value::Map(y)) => {
            let key = |k: &Node| match &k.value {
                Value::Scalar(s, _) => s.to_string(),
                _ => String::new(),
            };
            for (k, v) in x {
                let p = crate::parse::node::pointer(at, &key(k));
                match y.iter().find(|(k2, _)| key(k2) == key(k)) {
                    Some((_, v2)) => compare(v, v2, &p, allowed, replaced)?,
                    None if allowed.contains(p.as_str()) => {}
                    None => return Err(p),
                }
            }
            for (k, _) in y {
                let p = crate::parse::node::pointer(at, &key(k));
                if !x.iter().any(|(k1, _)| key(k1) == key(k)) && !allowed.contains(p.as_str()) {
                    return Err(p);
                }
            }
            Ok(())
        }
        _ => differs(),
    }
}

/// The report after the fixes were written: the changed files are linted again (with the inputs
/// of their directories when they are read as a project: a Terraform module, a Bicep or ARM
/// template and its parameters), and their findings replace those of the first run. Objects and
/// files are the same ones: the fixes keep every file's documents, clusters and pools.
pub fn relint(inputs: &[Input], mut report: Report, fixes: &Fixes, config: &Config) -> Report {
    let changed: BTreeSet<&std::path::Path> =
        fixes.changed.iter().map(|c| c.path.as_path()).collect();
    let project_dirs: BTreeSet<&std::path::Path> = fixes
        .changed
        .iter()
        .filter(|c| {
            let kind = inputs
                .iter()
                .find(|i| i.name == c.name)
                .and_then(|i| i.kind)
                .unwrap_or_else(|| Kind::sniff(c.after.as_bytes()));
            !matches!(kind, Kind::Yaml | Kind::Shell | Kind::Markdown)
        })
        .filter_map(|c| c.path.parent())
        .collect();
    let again: Vec<Input> = inputs
        .iter()
        .filter_map(|i| match &i.origin {
            Origin::File(p)
                if changed.contains(p.as_path())
                    || p.parent().is_some_and(|d| project_dirs.contains(d)) =>
            {
                Some(Input {
                    name: i.name.clone(),
                    origin: Origin::File(p.clone()),
                    kind: i.kind,
                })
            }
            _ => None,
        })
        .collect();
    let names: BTreeSet<&str> = again.iter().map(|i| &*i.name).collect();
    let fresh = crate::lint(&again, config);
    report.findings.retain(|f| !names.contains(&*f.file));
    report.errors.retain(|e| !names.contains(&*e.file));
    report.unresolved.retain(|(f, _, _)| !names.contains(&**f));
    report.findings.extend(fresh.findings);
    report.errors.extend(fresh.errors);
    report.unresolved.extend(fresh.unresolved);
    report.sort();
    report
}

/// ruff's hint after a report when no fix was asked for: `[*] N fixable with the `--fix` option.`,
/// with the unsafe fixes only `--unsafe-fixes` applies in parentheses (`No fixes available (…)` when
/// those are all there is); `None` when no counted finding has a fix that could be written in place.
pub fn available(inputs: &[Input], findings: &[Finding], options: &Options) -> Option<String> {
    let by_name: HashMap<&str, &Input> = inputs.iter().map(|i| (&*i.name, i)).collect();
    let (mut fixable, mut hidden) = (0, 0);
    for f in findings.iter().filter(|f| f.counts()) {
        let Some(edit) = &f.edit else { continue };
        if not_in_place(f, by_name.get(&*f.file).copied()).is_some() {
            continue;
        }
        if edit.safety == Safety::Safe || options.unsafe_fixes {
            fixable += 1;
        } else {
            hidden += 1;
        }
    }
    let hidden_text = |n: usize| {
        format!(
            "{n} hidden fix{} can be enabled with the `--unsafe-fixes` option",
            if n == 1 { "" } else { "es" }
        )
    };
    match (fixable, hidden) {
        (0, 0) => None,
        (0, h) => Some(format!("No fixes available ({}).\n", hidden_text(h))),
        (n, 0) => Some(format!("[*] {n} fixable with the `--fix` option.\n")),
        (n, h) => Some(format!(
            "[*] {n} fixable with the `--fix` option ({}).\n",
            hidden_text(h)
        )),
    }
}

/// ruff's summary of a fix run: `Found N errors (M fixed, K remaining).` and the hidden unsafe fixes.
pub fn summary(fixes: &Fixes, remaining: usize, diff: bool) -> String {
    let fixed = fixes.applied.len();
    let mut out = String::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if diff {
        if fixed == 0 {
            out.push_str("No errors would be fixed.\n");
        } else {
            out.push_str(&format!("Would fix {fixed} error{}.\n", plural(fixed)));
        }
    } else if fixed + remaining > 0 {
        out.push_str(&format!(
            "Found {} error{} ({fixed} fixed, {remaining} remaining).\n",
            fixed + remaining,
            plural(fixed + remaining)
        ));
    }
    if fixes.hidden_unsafe > 0 {
        let n = fixes.hidden_unsafe;
        out.push_str(&format!(
            "{n} hidden fix{} can be enabled with the `--unsafe-fixes` option.\n",
            if n == 1 { "" } else { "es" }
        ));
    }
    for r in &fixes.refused {
        out.push_str(&format!(
            "not fixed: {}:{}:{}: {} ({}): {}\n",
            r.file,
            r.line,
            r.column,
            r.rule,
            r.title,
            r.refused.as_deref().unwrap_or("")
        ));
    }
    out
}
