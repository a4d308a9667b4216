//! `--format json`: the stable machine-readable report (SPEC: Reports).

use serde::Serialize;

use crate::rules::Severity;
use crate::{Finding, InputError, Report};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: &'a [InputError],
    /// Files not linted and why (SPEC: Inputs: nothing is skipped in silence).
    skipped: Vec<JsonSkip<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
pub(crate) struct JsonSkip<'a> {
    pub(crate) file: &'a str,
    pub(crate) reason: String,
}

impl<'a> JsonSkip<'a> {
    /// The report's skipped files, with why.
    pub(crate) fn all(report: &'a Report) -> Vec<Self> {
        report
            .skipped
            .iter()
            .map(|(file, why)| JsonSkip {
                file,
                reason: why.reason(),
            })
            .collect()
    }
}

/// A finding in SPEC's field order (also the readiness report's).
#[derive(Serialize)]
pub(crate) struct JsonFinding<'a> {
    rule: &'a str,
    severity: crate::rules::Severity,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    object: Option<&'a crate::model::object::ObjectId>,
    container: Option<&'a str>,
    path: &'a str,
    helm_source: Option<&'a str>,
    fix: &'a str,
    fingerprint: &'a str,
    notes: &'a [crate::rules::Note],
    suppressed: Option<&'a crate::suppress::Suppression>,
}

impl<'a> JsonFinding<'a> {
    pub(crate) fn of(f: &'a Finding) -> Self {
        JsonFinding {
            rule: f.rule,
            severity: f.severity,
            message: &f.message,
            file: &f.file,
            line: f.span.start.line,
            column: f.span.start.col,
            end_line: f.span.end.line,
            end_column: f.span.end.col,
            object: f.object.as_ref(),
            container: f.container.as_deref(),
            path: &f.path,
            helm_source: f.helm_source.as_deref(),
            fix: &f.fix,
            fingerprint: &f.fingerprint,
            notes: &f.notes,
            suppressed: f.suppressed.as_ref(),
        }
    }
}

/// Counts by severity, and of inputs.
#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    pub findings: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub input_errors: usize,
    /// Findings silenced by a suppression, the config or the baseline (not in `findings`' count).
    pub suppressed: usize,
    /// Files not linted (Helm chart templates, files with no object, ...); `skipped` lists them.
    pub skipped: usize,
    /// `--from`: the findings are those new on `target` compared with `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared: Option<Compared>,
}

/// The hosts of a `--from` run.
#[derive(Serialize)]
pub struct Compared {
    pub target: String,
    pub source: String,
}

impl Summary {
    pub fn of(report: &Report) -> Self {
        Summary {
            files: report.files,
            objects: report.objects,
            findings: report.findings.iter().filter(|f| f.counts()).count(),
            error: report.count(Severity::Error),
            warning: report.count(Severity::Warning),
            info: report.count(Severity::Info),
            input_errors: report.errors.len(),
            suppressed: report.findings.iter().filter(|f| !f.counts()).count(),
            skipped: report.skipped.len(),
            compared: report.compared.as_ref().map(|(target, source)| Compared {
                target: target.clone(),
                source: source.clone(),
            }),
        }
    }
}

pub fn render(report: &Report) -> String {
    let findings = report.findings.iter().map(JsonFinding::of).collect();
    let out = JsonReport {
        version: 1,
        findings,
        errors: &report.errors,
        skipped: JsonSkip::all(report),
        summary: Summary::of(report),
    };
    pretty(&out)
}

/// A JSON document, pretty-printed with a final newline.
pub(crate) fn pretty(out: &impl Serialize) -> String {
    let mut s =
        serde_json::to_string_pretty(out).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
