//! hostlint: will these Kubernetes workloads and AKS cluster definitions work on Azure Container Linux?
//!
//! Data flows one way: discover → parse (with spans) → model → rules → report.

pub mod admission;
pub mod baseline;
pub mod config;
pub mod correlate;
pub mod discover;
pub mod finding;
pub mod fix;
pub mod host;
pub mod model;
pub mod namespaces;
pub mod parse;
pub mod project;
pub mod readiness;
pub mod report;
pub mod rules;
#[cfg(feature = "server")]
pub mod serve;
pub mod source;
pub mod stream;
pub mod suppress;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use discover::{Input, Kind, Origin, Skip};
pub use finding::{Finding, InputError};
use model::object::{ObjectId, objects};
use model::workload::pod_specs;
use parse::Limits;
use parse::budget::Budget;
use parse::node::Node;
use rules::{Hit, RULES, Rule, Severity, Subject};
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
    /// Caps on reading each input (and how long a FIFO may wait for its first byte).
    pub read: stream::ReadLimits,
    /// `.hostlint.yaml` `exemptions`: findings they match are suppressed (kind `config`).
    pub exemptions: Vec<config::Exemption>,
    /// `.hostlint.yaml` `vm_sizes`: VM-size verdict overrides for the node-pool rules.
    pub vm_sizes: Vec<config::VmSizeOverride>,
    /// `.hostlint.yaml` `selinux_types` and `driver_images`: the site's additions to the host data.
    pub site: host::SiteData,
    /// The host profiles the rules read: the active one (`--host`, `.hostlint.yaml` `host:`, with
    /// overrides) and the built-ins pools pick by OS SKU.
    pub hosts: host::Hosts,
    /// Record what `hostlint report` folds findings into: each object's owners and labels, each
    /// cluster's pools ([`Report::inventory`]). Off for `check`, which needs none of it.
    pub inventory: bool,
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

/// The result of a run.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub files: usize,
    pub objects: usize,
    /// Every object checked, by file (for reports that list passing objects, like JUnit).
    pub checked: Vec<(FileName, ObjectId)>,
    /// Files not linted, with why: read but holding nothing hostlint checks, or passed over unread
    /// (Helm chart templates, FIFOs met while walking, ...). The summary counts them; `--verbose` lists them.
    pub skipped: Vec<(FileName, Skip)>,
    /// Cross-file facts (ConfigMap scripts) awaiting [`correlate::resolve`].
    pub facts: correlate::Facts,
    /// Clusters and pools (that are or may be ACL) with relevant values that could not be
    /// resolved: file, line, which fields and why (for the summary count and `--verbose`).
    pub unresolved: Vec<(FileName, u32, String)>,
    /// `--from`: the report keeps only findings new on the target host compared with this
    /// source host: (target, source).
    pub compared: Option<(String, String)>,
    /// What `hostlint report` folds findings into (when [`Config::inventory`] is on).
    pub inventory: readiness::Inventory,
}

impl Report {
    pub(crate) fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.files += other.files;
        self.objects += other.objects;
        self.checked.extend(other.checked);
        self.skipped.extend(other.skipped);
        self.facts.extend(other.facts);
        self.unresolved.extend(other.unresolved);
        self.inventory.extend(other.inventory);
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
        self.skipped.sort_by(|a, b| a.0.cmp(&b.0));
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
    let units = project::plan(inputs);
    let parts: Vec<Report> = units
        .par_iter()
        .map(|u| match u {
            project::Unit::Input(i) => lint_input(&inputs[*i], config),
            project::Unit::Terraform { dir, inputs: of } => {
                project::lint_terraform(dir, of, inputs, config)
            }
            // Read through the module call of a root module that calls it.
            project::Unit::Consumed(_) => Report {
                files: 1,
                ..Report::default()
            },
            project::Unit::Template {
                input,
                params,
                deployments,
            } => project::lint_template(&inputs[*input], params, deployments, config),
        })
        .collect();
    let mut report = Report::default();
    for p in parts {
        report.absorb(p);
    }
    if config.inventory {
        let host = &config.hosts.active;
        let long = host.description.split(" (").next().unwrap_or(&host.title);
        report.inventory.host = (long.to_string(), host.title.clone());
    }
    correlate::resolve(&mut report, config);
    report.sort();
    report
}

fn lint_input(input: &Input, config: &Config) -> Report {
    match &input.origin {
        Origin::File(path) => stream::lint_file(&input.name, path, input.kind, false, config),
        Origin::Special(path) => stream::lint_file(&input.name, path, input.kind, true, config),
        Origin::Stdin(bytes) => {
            stream::lint_reader(&input.name, &bytes[..], None, input.kind, true, config)
        }
        Origin::StdinStream(src) => {
            let rest = src.rest.lock().ok().and_then(|mut r| r.take());
            let rest: Box<dyn std::io::Read + Send> =
                rest.unwrap_or_else(|| Box::new(std::io::empty()));
            let reader = std::io::Read::chain(&src.head[..], rest);
            stream::lint_reader(&input.name, reader, None, input.kind, true, config)
        }
    }
}

/// Adds what an input's budget cut off to its errors (an input error: exit 2, never a silent drop).
pub(crate) fn report_cuts(name: &FileName, budget: &Budget, report: &mut Report) {
    for c in budget.take_cuts() {
        report.errors.push(InputError::at(name, c.pos, c.message));
    }
}

/// Keeps only the findings of `target` that are new compared with `source`, the same inputs linted
/// for another host (`--from`): a finding stays unless the source run has one with the same rule,
/// file, position and path at the same severity or above (what was an info on the source and is an
/// error on the target broke on the way). Input errors stay.
pub fn compare(target: &mut Report, source: &Report, target_host: &str, source_host: &str) {
    type Key<'a> = (&'a str, &'a str, source::Pos, &'a str);
    let mut on_source: BTreeMap<Key<'_>, Severity> = BTreeMap::new();
    for f in source.findings.iter().filter(|f| f.counts()) {
        let k = (f.rule, &*f.file, f.span.start, f.path.as_str());
        let s = on_source.entry(k).or_insert(f.severity);
        *s = (*s).max(f.severity);
    }
    target.findings.retain(|f| {
        on_source
            .get(&(f.rule, &*f.file, f.span.start, f.path.as_str()))
            .is_none_or(|s| *s < f.severity)
    });
    target.compared = Some((target_host.to_string(), source_host.to_string()));
}

/// Lints one input's bytes as `kind` (ConfigMap scripts resolved within this input).
pub fn lint_bytes(name: &FileName, bytes: &[u8], kind: Kind, config: &Config) -> Report {
    let mut report = scan_bytes(name, bytes, kind, false, config);
    correlate::resolve(&mut report, config);
    report
}

/// One input's findings, and the cross-file facts left for [`correlate::resolve`]. `templates`: a text
/// that does not parse and carries `{{ }}` is a template to skip, not an error.
pub(crate) fn scan_bytes(
    name: &FileName,
    bytes: &[u8],
    kind: Kind,
    templates: bool,
    config: &Config,
) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    let budget = Budget::new(&config.limits);
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
                lint_yaml_chunk(name, chunk, config, &budget, &mut report);
            }
        }
        Kind::Json => match std::str::from_utf8(bytes) {
            Err(e) => report.errors.push(utf8_error(name, bytes, e)),
            Ok(text) => match parse::json::parse_keeping_last(text, &config.limits) {
                // Kubernetes refuses a duplicate key (strict field validation); ARM keeps the last
                // value, which is linted, and the duplicate is a warning.
                Ok((root, dups)) if !dups.is_empty() && !parse::json::is_arm(&root) => {
                    let e = parse::json::duplicate_field(&dups[0]);
                    report
                        .errors
                        .push(InputError::at(name, e.pos, e.message).with_snippet(text, 1));
                }
                Ok((root, dups)) => {
                    lint_tree(name, &root, text, 1, None, config, &budget, &mut report);
                    duplicate_key_findings(name, text, &dups, config, &mut report);
                }
                Err(e) => report
                    .errors
                    .push(InputError::at(name, e.pos, e.message).with_snippet(text, 1)),
            },
        },
        Kind::Bicep | Kind::Terraform | Kind::TerraformJson | Kind::Shell | Kind::Markdown => {
            match std::str::from_utf8(bytes) {
                Err(e) => report.errors.push(utf8_error(name, bytes, e)),
                Ok(text) => match parse::pools::read(kind, text, &budget) {
                    Ok(clusters) => {
                        report.objects += clusters.len();
                        let lines = DocLines::new(text, 1);
                        lint_clusters(name, &clusters, &lines, None, config, &mut report)
                    }
                    Err(e) => report.errors.push(InputError::at(name, e.pos, e.message)),
                },
            }
            if kind == Kind::Markdown
                && let Ok(text) = std::str::from_utf8(bytes)
            {
                project::lint_markdown_fences(name, text, config, &mut report);
            }
        }
        Kind::BicepParams => report.skipped.push((name.clone(), Skip::NotRead(kind))),
    }
    if templates
        && !report.errors.is_empty()
        && matches!(kind, Kind::Yaml | Kind::Json)
        && stream::is_template(bytes)
    {
        return Report {
            files: 1,
            skipped: vec![(name.clone(), Skip::Template)],
            ..Report::default()
        };
    }
    report_cuts(name, &budget, &mut report);
    if report.objects == 0 && report.errors.is_empty() && report.skipped.is_empty() {
        report.skipped.push((name.clone(), Skip::NoObjects));
    }
    report
}

/// `duplicate-key` warnings for the keys an ARM template writes twice.
fn duplicate_key_findings(
    name: &FileName,
    text: &str,
    dups: &[parse::json::Duplicate],
    config: &Config,
    report: &mut Report,
) {
    let rule = &rules::DUPLICATE_KEY;
    let Some(severity) = config.severity(rule) else {
        return;
    };
    let lines = DocLines::new(text, 1);
    for d in dups {
        let hit = Hit {
            span: d.at,
            via: None,
            path: d.path.clone(),
            message: format!(
                "key `{}` is written again (first on line {}): the last value is the one deployed and checked",
                d.key, d.first_line
            ),
            container: None,
            notes: Vec::new(),
            fix: None,
            severity: None,
            edit: None,
        };
        let snippet = lines.snippet(hit.span);
        report
            .findings
            .push(finding(rule, severity, name, hit, None, None, snippet));
    }
}

/// Lints the documents of one YAML chunk (usually one document).
pub(crate) fn lint_yaml_chunk(
    name: &FileName,
    chunk: parse::yaml::Chunk<'_>,
    config: &Config,
    budget: &Budget,
    report: &mut Report,
) {
    for doc in parse::yaml::parse_chunk_in(chunk, &config.limits, budget) {
        match doc {
            Ok(d) => lint_tree(
                name,
                &d.root,
                d.text,
                d.first_line,
                d.helm_source.as_deref(),
                config,
                budget,
                report,
            ),
            Err(e) => {
                let error = InputError::at(name, e.pos, e.message);
                report.errors.push(match std::str::from_utf8(chunk.text) {
                    Ok(text) => error.with_snippet(text, chunk.first_line),
                    Err(_) => error,
                });
            }
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
    let budget = Budget::new(&config.limits);
    lint_tree(name, root, "", 1, None, config, &budget, &mut report);
    report_cuts(name, &budget, &mut report);
    for f in &mut report.findings {
        f.snippet = None;
    }
    report.sort();
    report
}

/// Runs the object rules over every Kubernetes object in a document tree.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lint_tree(
    name: &FileName,
    root: &Node,
    text: &str,
    first_line: u32,
    helm_source: Option<&str>,
    config: &Config,
    budget: &Budget,
    report: &mut Report,
) {
    let doc_from = report.findings.len();
    let objects = objects(root);
    // The document's text, shared by every ConfigMap of it that correlation keeps.
    let shared_text = std::cell::OnceCell::new();
    // Secret values never reach a snippet, whichever object's finding shares their lines.
    let redacted = crate::report::redact_secrets(text, first_line, &objects);
    let text = redacted.as_deref().unwrap_or(text);
    let lines = DocLines::new(text, first_line);
    let mut clusters = parse::arm::template_clusters(root, budget);
    report.objects += clusters.len();
    clusters.extend(parse::arm::object_clusters(&objects));
    lint_clusters(name, &clusters, &lines, helm_source, config, report);
    for object in &objects {
        let object_from = report.findings.len();
        report.objects += 1;
        report.checked.push((name.clone(), object.id.clone()));
        let pods = pod_specs(object.node, &object.path);
        if config.inventory {
            report.inventory.object(name, object, !pods.is_empty());
        }
        let mut scripts =
            model::script::container_scripts(&pods, text, first_line, &config.hosts.active);
        // After the pods' scripts: rules find a container's script by its position among the pods'.
        scripts.extend(model::script::operator_scripts(
            object.node,
            &object.path,
            text,
            first_line,
            &config.hosts.active,
        ));
        for cs in &scripts {
            if let Some((pos, message)) = &cs.cut {
                report
                    .errors
                    .push(InputError::at(name, *pos, message.clone()));
            }
        }
        correlate::collect(
            &mut report.facts,
            name,
            object,
            &pods,
            &scripts,
            correlate::DocText {
                text,
                shared: &shared_text,
                first_line,
            },
            helm_source,
        );
        let subject = Subject::Object {
            object,
            pods: &pods,
            scripts: &scripts,
            site: &config.site,
            hosts: &config.hosts,
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
pub(crate) fn lint_clusters(
    name: &FileName,
    clusters: &[model::nodepool::Cluster],
    lines: &DocLines<'_>,
    helm_source: Option<&str>,
    config: &Config,
    report: &mut Report,
) {
    let from = report.findings.len();
    let mut branches = Vec::new();
    for cluster in clusters {
        let id = ObjectId {
            api_version: String::new(),
            kind: cluster.kind.clone(),
            name: cluster.name.clone(),
            namespace: None,
        };
        record_unresolved(name, cluster, config.all_pools, report);
        if config.inventory {
            report.inventory.cluster(name, cluster, config.all_pools);
        }
        let subject = Subject::Cluster {
            cluster,
            all_pools: config.all_pools,
            vm_sizes: &config.vm_sizes,
            hosts: &config.hosts,
        };
        let at = report.findings.len();
        run_rules(
            &subject,
            name,
            &id,
            helm_source,
            Some(lines),
            config,
            report,
        );
        if !cluster.assumes.is_empty() {
            project::track_assumptions(report, from, at, &cluster.assumes, &mut branches);
        }
    }
    project::note_assumptions(report, &branches);
}

/// Lists a cluster's and its pools' unresolved relevant fields (never reported clean in silence).
fn record_unresolved(
    name: &FileName,
    cluster: &model::nodepool::Cluster,
    all_pools: bool,
    report: &mut Report,
) {
    for (pool, us) in cluster.unresolved_in_scope(all_pools) {
        let what = match pool.and_then(|p| p.name.as_ref()) {
            Some(n) => format!("{} `{}` pool `{}`", cluster.kind, cluster.name, n.text),
            None if pool.is_some() => format!("{} `{}` pool", cluster.kind, cluster.name),
            None => format!("{} `{}`", cluster.kind, cluster.name),
        };
        let fields: Vec<String> = us
            .iter()
            .map(|u| format!("`{}` not resolved: {}", u.field, u.why))
            .collect();
        report.unresolved.push((
            name.clone(),
            us[0].span.start.line,
            format!("{what}: {}", fields.join("; ")),
        ));
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
        // A hit's own severity caps the rule's (as configured): a hygiene finding stays below the
        // rule's breakage findings whatever level the config gives the rule.
        severity: hit.severity.map_or(severity, |s| s.min(severity)),
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
        edit: hit.edit,
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
