//! hostlint: will these Kubernetes workloads and AKS cluster definitions work on Azure Container Linux?
//!
//! Data flows one way: discover → parse (with spans) → model → rules → report.

pub mod admission;
pub mod baseline;
pub mod config;
pub mod correlate;
pub mod discover;
pub mod host;
pub mod model;
pub mod namespaces;
pub mod parse;
pub mod report;
pub mod rules;
#[cfg(feature = "server")]
pub mod serve;
pub mod source;
mod stream;
pub mod suppress;

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
    /// `.hostlint.yaml` `exemptions`: findings they match are suppressed (kind `config`).
    pub exemptions: Vec<config::Exemption>,
    /// `.hostlint.yaml` `vm_sizes`: VM-size verdict overrides for the node-pool rules.
    pub vm_sizes: Vec<config::VmSizeOverride>,
    /// `.hostlint.yaml` `selinux_types` and `driver_images`: the site's additions to the host data.
    pub site: host::SiteData,
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
    /// Line-independent identity (rule, object, [`Finding::key`], container, message), for baselines
    /// and SARIF's `partialFingerprints`.
    pub fingerprint: String,
    /// The field the finding is about as baselines key it: `path` relative to its object, with the list
    /// items Kubernetes merges by name named (`/spec/volumes[name=logs]/hostPath/path`).
    #[serde(skip)]
    pub key: String,
    /// The source lines the span covers (never for Secrets), first line number first.
    #[serde(skip)]
    pub snippet: Option<(u32, String)>,
    /// Set when a suppression, the config or the baseline silences this finding: it is still reported,
    /// but it neither counts nor fails the run.
    pub suppressed: Option<suppress::Suppression>,
}

impl Finding {
    /// Whether the finding counts toward the summary and the exit code.
    pub fn counts(&self) -> bool {
        self.suppressed.is_none()
    }
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
    /// Every object checked, by file (for reports that list passing objects, like JUnit).
    pub checked: Vec<(FileName, ObjectId)>,
    /// Inputs read but holding nothing hostlint checks, with why (for `--verbose`).
    pub skipped: Vec<(FileName, String)>,
    /// Cross-file facts (ConfigMap scripts) awaiting [`correlate::resolve`].
    pub facts: correlate::Facts,
}

impl Report {
    fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.files += other.files;
        self.objects += other.objects;
        self.checked.extend(other.checked);
        self.skipped.extend(other.skipped);
        self.facts.extend(other.facts);
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
            .filter(|f| f.severity == severity && f.counts())
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
    correlate::resolve(&mut report, config);
    report.sort();
    report
}

fn lint_input(input: &Input, config: &Config) -> Report {
    if let (Origin::File(path), Some(Kind::Yaml)) = (&input.origin, input.kind) {
        return stream::lint_yaml_file(&input.name, path, config);
    }
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
    scan_bytes(&input.name, &bytes, kind, config)
}

/// Lints one input's bytes as `kind` (ConfigMap scripts resolved within this input).
pub fn lint_bytes(name: &FileName, bytes: &[u8], kind: Kind, config: &Config) -> Report {
    let mut report = scan_bytes(name, bytes, kind, config);
    correlate::resolve(&mut report, config);
    report
}

/// One input's findings, and the cross-file facts left for [`correlate::resolve`].
fn scan_bytes(name: &FileName, bytes: &[u8], kind: Kind, config: &Config) -> Report {
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
                lint_yaml_chunk(name, chunk, config, &mut report);
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
                        let lines = DocLines::new(text, 1);
                        lint_clusters(name, &clusters, &lines, None, config, &mut report)
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

/// Lints the documents of one YAML chunk (usually one document).
pub(crate) fn lint_yaml_chunk(
    name: &FileName,
    chunk: parse::yaml::Chunk<'_>,
    config: &Config,
    report: &mut Report,
) {
    for doc in parse::yaml::parse_chunk(chunk, &config.limits) {
        match doc {
            Ok(d) => lint_tree(
                name,
                &d.root,
                d.text,
                d.first_line,
                d.helm_source.as_deref(),
                config,
                report,
            ),
            Err(e) => report.errors.push(InputError::at(name, e.pos, e.message)),
        }
    }
}

/// Strips a UTF-8 byte order mark; refuses UTF-16 and UTF-32 with a way out.
pub(crate) fn decode_bom(bytes: &[u8]) -> Result<&[u8], String> {
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

/// Runs the object rules on an already-parsed tree that has no source text to show (an admitted
/// object): findings carry spans and JSON pointers but no snippet.
pub fn lint_node(name: &FileName, root: &Node, config: &Config) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    lint_tree(name, root, "", 1, None, config, &mut report);
    for f in &mut report.findings {
        f.snippet = None;
    }
    report.sort();
    report
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
    let doc_from = report.findings.len();
    let lines = DocLines::new(text, first_line);
    let objects = objects(root);
    let mut clusters = parse::arm::template_clusters(root);
    report.objects += clusters.len();
    clusters.extend(parse::arm::object_clusters(&objects));
    lint_clusters(name, &clusters, &lines, helm_source, config, report);
    for object in &objects {
        let object_from = report.findings.len();
        report.objects += 1;
        report.checked.push((name.clone(), object.id.clone()));
        let pods = pod_specs(object.node, &object.path);
        let scripts = model::script::container_scripts(&pods, text, first_line);
        correlate::collect(
            &mut report.facts,
            name,
            object,
            &pods,
            &scripts,
            text,
            first_line,
            helm_source,
        );
        let subject = Subject::Object {
            object,
            pods: &pods,
            scripts: &scripts,
            site: &config.site,
        };
        // Secret values are never shown.
        let show = object.id.kind != "Secret";
        run_rules(
            &subject,
            name,
            &object.id,
            helm_source,
            show.then_some(&lines),
            config,
            report,
        );
        suppress::apply_object(
            name,
            object,
            &pods,
            object_from,
            helm_source,
            config,
            report,
        );
        baseline::rekey(
            object.node,
            &object.path,
            &mut report.findings[object_from..],
        );
    }
    let doc = suppress::Doc {
        name,
        text,
        first_line,
        helm_source,
    };
    suppress::apply_comments(&doc, &objects, doc_from, config, report);
}

/// Runs the rules over clusters and their node pools (from any surface).
fn lint_clusters(
    name: &FileName,
    clusters: &[model::nodepool::Cluster],
    lines: &DocLines<'_>,
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
            vm_sizes: &config.vm_sizes,
        };
        run_rules(
            &subject,
            name,
            &id,
            helm_source,
            Some(lines),
            config,
            report,
        );
    }
}

/// Runs every rule the config leaves on over one subject and records its findings, with snippets
/// from `lines` when there is text to show.
fn run_rules(
    subject: &Subject<'_>,
    name: &FileName,
    id: &ObjectId,
    helm_source: Option<&str>,
    lines: Option<&DocLines<'_>>,
    config: &Config,
    report: &mut Report,
) {
    for rule in RULES {
        let Some(severity) = config.severity(rule) else {
            continue;
        };
        let mut hits = Vec::new();
        (rule.check)(subject, &mut hits);
        for hit in hits {
            let snippet = lines.and_then(|l| l.snippet(hit.span));
            report.findings.push(finding(
                rule,
                severity,
                name,
                hit,
                Some(id),
                helm_source,
                snippet,
            ));
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
    let key = hit.path.clone();
    let fingerprint = fingerprint(
        rule.name,
        object,
        &key,
        hit.container.as_deref(),
        &hit.message,
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
        key,
        snippet,
        suppressed: None,
    }
}

/// The fingerprint of a finding: a hash of its rule, object identity, key path, container and message.
pub fn fingerprint(
    rule: &str,
    object: Option<&ObjectId>,
    key: &str,
    container: Option<&str>,
    message: &str,
) -> String {
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
    format!(
        "{:016x}",
        fnv1a(
            &[
                rule,
                &identity,
                key,
                container.unwrap_or(""),
                // Several commands of one script share a path: the message (which names the
                // command and its values, never a line) tells them apart.
                message,
            ]
            .join("\u{1}")
        )
    )
}

/// The lines a span covers (at most 8), from a document's text whose first line is `first_line`.
pub fn snippet(text: &str, first_line: u32, span: Span) -> Option<(u32, String)> {
    DocLines::new(text, first_line).snippet(span)
}

/// A document's text with its line starts indexed on first use, so that many findings in one
/// large document cost one scan, not one each.
pub struct DocLines<'a> {
    text: &'a str,
    first_line: u32,
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> DocLines<'a> {
    pub fn new(text: &'a str, first_line: u32) -> Self {
        DocLines {
            text,
            first_line,
            starts: std::cell::OnceCell::new(),
        }
    }

    /// The lines a span covers (at most 8), first line number first; `None` outside the text or
    /// for lines too long to show.
    pub fn snippet(&self, span: Span) -> Option<(u32, String)> {
        let start = span.start.line.checked_sub(self.first_line)? as usize;
        let end = span.end.line.max(span.start.line).min(span.start.line + 7);
        let n = (end - span.start.line) as usize + 1;
        let starts = self.starts.get_or_init(|| {
            let mut s = vec![0];
            s.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1));
            s
        });
        let from = *starts.get(start)?;
        let to = starts
            .get(start + n)
            .map_or(self.text.len(), |&e| e - 1)
            .max(from);
        let lines: Vec<&str> = self.text[from..to]
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        if lines.iter().any(|l| l.len() > 2000) {
            return None;
        }
        Some((span.start.line, lines.join("\n")))
    }
}

/// FNV-1a: a small stable hash for fingerprints (stable across runs, platforms and versions).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs the whole engine on arbitrary bytes and renders both reports (the fuzz targets' entry).
#[doc(hidden)]
pub fn fuzz_one(data: &[u8], kind: Kind) {
    let name: FileName = Arc::from("fuzz");
    let mut report = lint_bytes(&name, data, kind, &Config::default());
    report.sort();
    let _ = report::human::render(&report, false);
    let _ = report::json::render(&report);
}
