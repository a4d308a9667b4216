//! `--format json`: the stable machine-readable report (SPEC: Reports).

use serde::Serialize;

use crate::rules::Severity;
use crate::{Finding, InputError, Report};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: &'a [InputError],
    summary: Summary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
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
}

impl Summary {
    pub fn of(report: &Report) -> Self {
        Summary {
            files: report.files,
            objects: report.objects,
            findings: report.findings.len(),
            error: report.count(Severity::Error),
            warning: report.count(Severity::Warning),
            info: report.count(Severity::Info),
            input_errors: report.errors.len(),
        }
    }
}

pub fn render(report: &Report) -> String {
    let findings = report
        .findings
        .iter()
        .map(|f| JsonFinding {
            finding: f,
            line: f.span.start.line,
            column: f.span.start.col,
            end_line: f.span.end.line,
            end_column: f.span.end.col,
        })
        .collect();
    let out = JsonReport {
        version: 1,
        findings,
        errors: &report.errors,
        summary: Summary::of(report),
    };
    let mut s =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
