//! hostlint: will these Kubernetes workloads and AKS cluster definitions work on Azure Container Linux?
//!
//! Data flows one way: discover → parse (with spans) → model → rules → report.

pub mod discover;
pub mod host;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod source;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use discover::{Input, Kind, Origin};
use model::object::{ObjectId, objects};
use model::workload::pod_specs;
use parse::Limits;
use parse::node::Node;
use rules::{Hit, Note, RULES, Rule, Severity, Subject};
use source::{FileName, Span};

/// What the run checks and how (validated from the command line and `.hostlint.yaml`).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Only these rules (empty: all).
    pub select: Vec<String>,
    /// Never these rules.
    pub ignore: Vec<String>,
    /// Severity overrides; `None` turns a rule off.
    pub severities: BTreeMap<String, Option<Severity>>,
    /// Treat every Linux node pool as an ACL migration candidate.
    pub all_pools: bool,
    pub limits: Limits,
}

impl Config {
    /// The severity a rule reports at in this run, or `None` when it is off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        if (!self.select.is_empty() && !self.select.iter().any(|s| s == rule.name))
            || self.ignore.iter().any(|s| s == rule.name)
        {
            return None;
        }
        match self.severities.get(rule.name) {
            Some(s) => *s,
            None => Some(rule.severity),
        }
    }
}

/// One finding, located in its file and in its document.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: FileName,
    #[serde(skip)]
    pub span: Span,
    pub object: Option<ObjectId>,
    pub container: Option<String>,
    /// JSON pointer into the document.
    pub path: String,
    pub helm_source: Option<String>,
    pub fix: String,
    pub notes: Vec<Note>,
    pub fingerprint: String,
    /// The source lines the span covers (never for Secrets), first line number first.
    #[serde(skip)]
    pub snippet: Option<(u32, String)>,
}

/// An input that could not be read or parsed (position when there is one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: FileName,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl InputError {
    pub fn whole(file: &str, message: String) -> Self {
        InputError {
            file: Arc::from(file),
            line: None,
            column: None,
            message,
        }
    }

    pub fn at(file: &FileName, pos: source::Pos, message: String) -> Self {
        InputError {
            file: file.clone(),
            line: Some(pos.line),
            column: Some(pos.col),
            message,
        }
    }
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub files: usize,
    pub objects: usize,
    /// Inputs read but holding nothing hostlint checks, with why (for `--verbose`).
    pub skipped: Vec<(FileName, String)>,
}

impl Report {
    fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.files += other.files;
        self.objects += other.objects;
        self.skipped.extend(other.skipped);
    }

    /// Sorts findings by file, line, column, rule (and errors by file, line), as every report shows them.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.span.start, a.rule, &a.message, &a.container).cmp(&(
                &b.file,
                b.span.start,
                b.rule,
                &b.message,
                &b.container,
            ))
        });
        self.errors
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints every input in parallel; the report is sorted, whatever the thread count.
pub fn lint(inputs: &[Input], config: &Config) -> Report {
    let parts: Vec<Report> = inputs.par_iter().map(|i| lint_input(i, config)).collect();
    let mut report = Report::default();
    for p in parts {
        report.absorb(p);
    }
    report.sort();
    report
}

fn lint_input(input: &Input, config: &Config) -> Report {
    let bytes = match &input.origin {
        Origin::File(p) => match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                let mut r = Report::default();
                r.errors
                    .push(InputError::whole(&input.name, format!("cannot read: {e}")));
                return r;
            }
        },
        Origin::Stdin(b) => b.to_vec(),
    };
    let kind = input.kind.unwrap_or_else(|| Kind::sniff(&bytes));
    lint_bytes(&input.name, &bytes, kind, config)
}

/// Lints one input's bytes as `kind`.
pub fn lint_bytes(name: &FileName, bytes: &[u8], kind: Kind, config: &Config) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    let bytes = match decode_bom(bytes) {
        Ok(b) => b,
        Err(msg) => {
            report
                .errors
                .push(InputError::at(name, source::Pos::new(1, 1), msg));
            return report;
        }
    };
    match kind {
        Kind::Yaml => {
            for chunk in parse::yaml::split(bytes) {
                for doc in parse::yaml::parse_chunk(chunk, &config.limits) {
                    match doc {
                        Ok(d) => lint_tree(
                            name,
                            &d.root,
                            d.text,
                            d.first_line,
                            d.helm_source.as_deref(),
                            config,
                            &mut report,
                        ),
                        Err(e) => report.errors.push(InputError::at(name, e.pos, e.message)),
                    }
                }
            }
        }
        Kind::Json => match std::str::from_utf8(bytes) {
            Err(e) => report.errors.push(utf8_error(name, bytes, e)),
            Ok(text) => match parse::json::parse(text, &config.limits) {
                Ok(root) => lint_tree(name, &root, text, 1, None, config, &mut report),
                Err(e) => report.errors.push(InputError::at(name, e.pos, e.message)),
            },
        },
        Kind::Bicep | Kind::Terraform | Kind::Shell | Kind::Markdown => {
            match std::str::from_utf8(bytes) {
                Err(e) => report.errors.push(utf8_error(name, bytes, e)),
                Ok(text) => match parse::pools::read(kind, text) {
                    Ok(clusters) => {
                        report.objects += clusters.len();
                        lint_clusters(name, &clusters, text, 1, None, config, &mut report)
                    }
                    Err(e) => report.errors.push(InputError::at(name, e.pos, e.message)),
                },
            }
        }
    }
    if report.objects == 0 && report.errors.is_empty() && report.skipped.is_empty() {
        report
            .skipped
            .push((name.clone(), "no Kubernetes or ARM object".into()));
    }
    report
}

/// Strips a UTF-8 byte order mark; refuses UTF-16 and UTF-32 with a way out.
fn decode_bom(bytes: &[u8]) -> Result<&[u8], String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(rest);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(
            "file is UTF-16; hostlint reads UTF-8 (convert it with `iconv -f UTF-16 -t UTF-8`)"
                .into(),
        );
    }
    Ok(bytes)
}

fn utf8_error(name: &FileName, bytes: &[u8], e: std::str::Utf8Error) -> InputError {
    let valid = &bytes[..e.valid_up_to()];
    let text = String::from_utf8_lossy(valid);
    let idx = source::LineIndex::new(&text);
    InputError::at(
        name,
        idx.pos(text.len()),
        "invalid UTF-8: hostlint reads UTF-8 text (convert with `iconv -t UTF-8`)".into(),
    )
}

/// Runs the object rules over every Kubernetes object in a document tree.
fn lint_tree(
    name: &FileName,
    root: &Node,
    text: &str,
    first_line: u32,
    helm_source: Option<&str>,
    config: &Config,
    report: &mut Report,
) {
    let found = objects(root);
    let mut clusters = parse::arm::template_clusters(root);
    report.objects += clusters.len();
    clusters.extend(parse::arm::object_clusters(&found));
    lint_clusters(
        name,
        &clusters,
        text,
        first_line,
        helm_source,
        config,
        report,
    );
    for object in found {
        report.objects += 1;
        let pods = pod_specs(object.node, &object.path);
        let subject = Subject::Object {
            object: &object,
            pods: &pods,
        };
        for rule in RULES {
            let Some(severity) = config.severity(rule) else {
                continue;
            };
            let mut hits = Vec::new();
            (rule.check)(&subject, &mut hits);
            for hit in hits {
                let snippet = (object.id.kind != "Secret")
                    .then(|| snippet(text, first_line, hit.span))
                    .flatten();
                report.findings.push(finding(
                    rule,
                    severity,
                    name,
                    hit,
                    Some(&object.id),
                    helm_source,
                    snippet,
                ));
            }
        }
    }
}

/// Runs the rules over clusters and their node pools (from any surface).
fn lint_clusters(
    name: &FileName,
    clusters: &[model::nodepool::Cluster],
    text: &str,
    first_line: u32,
    helm_source: Option<&str>,
    config: &Config,
    report: &mut Report,
) {
    for cluster in clusters {
        let id = ObjectId {
            api_version: String::new(),
            kind: cluster.kind.clone(),
            name: cluster.name.clone(),
            namespace: None,
        };
        let subject = Subject::Cluster {
            cluster,
            all_pools: config.all_pools,
        };
        for rule in RULES {
            let Some(severity) = config.severity(rule) else {
                continue;
            };
            let mut hits = Vec::new();
            (rule.check)(&subject, &mut hits);
            for hit in hits {
                let snippet = snippet(text, first_line, hit.span);
                report.findings.push(finding(
                    rule,
                    severity,
                    name,
                    hit,
                    Some(&id),
                    helm_source,
                    snippet,
                ));
            }
        }
    }
}

/// Builds a finding from a rule's hit.
pub fn finding(
    rule: &'static Rule,
    severity: Severity,
    file: &FileName,
    hit: Hit,
    object: Option<&ObjectId>,
    helm_source: Option<&str>,
    snippet: Option<(u32, String)>,
) -> Finding {
    let identity = object
        .map(|o| {
            format!(
                "{}\0{}\0{}",
                o.kind,
                o.namespace.as_deref().unwrap_or(""),
                o.name
            )
        })
        .unwrap_or_default();
    let fingerprint = format!(
        "{:016x}",
        fnv1a(
            &[
                rule.name,
                &identity,
                &hit.path,
                hit.container.as_deref().unwrap_or("")
            ]
            .join("\u{1}")
        )
    );
    Finding {
        rule: rule.name,
        severity,
        message: hit.message,
        file: file.clone(),
        span: hit.span,
        object: object.cloned(),
        container: hit.container,
        path: hit.path,
        helm_source: helm_source.map(str::to_string),
        fix: hit.fix.unwrap_or_else(|| rule.fix.to_string()),
        notes: hit.notes,
        fingerprint,
        snippet,
    }
}

/// The lines a span covers (at most 8), from a document's text whose first line is `first_line`.
pub fn snippet(text: &str, first_line: u32, span: Span) -> Option<(u32, String)> {
    let start = span.start.line.checked_sub(first_line)? as usize;
    let end = span.end.line.max(span.start.line).min(span.start.line + 7);
    let n = (end - span.start.line) as usize + 1;
    let lines: Vec<&str> = text
        .split('\n')
        .skip(start)
        .take(n)
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    if lines.is_empty() || lines.iter().any(|l| l.len() > 2000) {
        return None;
    }
    Some((span.start.line, lines.join("\n")))
}

/// FNV-1a: a small stable hash for fingerprints (stable across runs, platforms and versions).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
