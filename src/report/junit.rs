//! `--format junit`: JUnit XML as Azure DevOps (`PublishTestResults`) and GitLab (`artifacts:reports:junit`)
//! read it: one `testsuite` per file, one `testcase` per object. A testcase with counted findings holds
//! one `failure` listing them all (JUnit's schema allows one per testcase, and dashboards count failed
//! testcases), so `tests`, `failures` and `errors` add up: `failures + errors <= tests` in every suite,
//! and the `testsuites` totals are the sums of the suites'. Input errors are one `error` on the file's
//! `(input)` testcase. Suppressed findings do not fail their testcase; they are listed in `system-out`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::{Finding, Report};

/// Escapes text for XML content and attribute values; characters XML 1.0 cannot hold are replaced.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
struct Case<'a> {
    findings: Vec<&'a Finding>,
}

fn case_name(f: &Finding) -> String {
    match &f.object {
        Some(o) => object_name(&o.kind, o.namespace.as_deref(), &o.name),
        None => "(file)".into(),
    }
}

fn object_name(kind: &str, ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

pub fn render(report: &Report) -> String {
    // file → object → findings, in report order (files and objects as first seen).
    let mut files: Vec<(String, Vec<(String, Case<'_>)>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut file_slot = |files: &mut Vec<(String, Vec<(String, Case<'_>)>)>, file: &str| -> usize {
        *index.entry(file.to_string()).or_insert_with(|| {
            files.push((file.to_string(), Vec::new()));
            files.len() - 1
        })
    };
    for (file, id) in &report.checked {
        let i = file_slot(&mut files, file);
        let name = object_name(&id.kind, id.namespace.as_deref(), &id.name);
        if !files[i].1.iter().any(|(n, _)| *n == name) {
            files[i].1.push((name, Case::default()));
        }
    }
    for f in &report.findings {
        let i = file_slot(&mut files, &f.file);
        let name = case_name(f);
        let cases = &mut files[i].1;
        match cases.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => c.findings.push(f),
            None => cases.push((name, Case { findings: vec![f] })),
        }
    }
    for e in &report.errors {
        file_slot(&mut files, &e.file);
    }

    // Per file: (tests, failures, errors), as the suite will say them.
    let counts: Vec<(usize, usize, usize)> = files
        .iter()
        .map(|(file, cases)| {
            let errors = report.errors.iter().any(|e| &*e.file == file.as_str());
            let failures = cases
                .iter()
                .filter(|(_, c)| c.findings.iter().any(|f| f.counts()))
                .count();
            let tests = cases.len() + usize::from(cases.is_empty() || errors);
            (tests, failures, usize::from(errors))
        })
        .collect();
    let sum = |pick: fn(&(usize, usize, usize)) -> usize| counts.iter().map(pick).sum::<usize>();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"hostlint\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"0\">",
        sum(|c| c.0),
        sum(|c| c.1),
        sum(|c| c.2)
    );
    for ((file, cases), (tests, failures, error_cases)) in files.iter().zip(&counts) {
        let errors: Vec<_> = report
            .errors
            .iter()
            .filter(|e| &*e.file == file.as_str())
            .collect();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{error_cases}\" skipped=\"0\" time=\"0\">",
            escape(file),
        );
        for (name, case) in cases {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"0\"",
                escape(file),
                escape(name),
                escape(file)
            );
            if case.findings.is_empty() {
                x.push_str("/>\n");
                continue;
            }
            x.push_str(">\n");
            let mut suppressed = String::new();
            let mut failing: Vec<(String, String)> = Vec::new();
            for f in &case.findings {
                let loc = format!("{}:{}:{}", f.file, f.span.start.line, f.span.start.col);
                if let Some(s) = &f.suppressed {
                    let _ = writeln!(
                        suppressed,
                        "{loc}: {} (suppressed by {}: {}): {}",
                        f.rule,
                        serde_json::to_value(s.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        s.reason,
                        f.message
                    );
                    continue;
                }
                let mut body = format!(
                    "{loc}\nrule: {}\nseverity: {}\npath: {}\n",
                    f.rule, f.severity, f.path
                );
                if let Some(c) = &f.container {
                    let _ = writeln!(body, "container: {c}");
                }
                if let Some(h) = &f.helm_source {
                    let _ = writeln!(body, "helm template: {h}");
                }
                let _ = writeln!(body, "fix: {}", f.fix);
                failing.push((format!("{}: {} ({loc})", f.rule, f.message), body));
            }
            if let Some((first, _)) = failing.first() {
                let rules: Vec<&str> = case
                    .findings
                    .iter()
                    .filter(|f| f.counts())
                    .map(|f| f.rule)
                    .collect();
                let (kind, message) = match failing.len() {
                    1 => (rules[0].to_string(), first.clone()),
                    n => (
                        "hostlint".to_string(),
                        format!("{n} findings; the first: {first}"),
                    ),
                };
                let body: Vec<&str> = failing.iter().map(|(_, b)| b.as_str()).collect();
                let _ = writeln!(
                    x,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(&kind),
                    escape(&message),
                    escape(&body.join("\n"))
                );
            }
            if !suppressed.is_empty() {
                let _ = writeln!(x, "      <system-out>{}</system-out>", escape(&suppressed));
            }
            x.push_str("    </testcase>\n");
        }
        if cases.is_empty() || !errors.is_empty() {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"(input)\" file=\"{}\" time=\"0\"",
                escape(file),
                escape(file)
            );
            if errors.is_empty() {
                x.push_str("/>\n");
            } else {
                x.push_str(">\n");
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        let loc = match (e.line, e.column) {
                            (Some(l), Some(c)) => format!("{}:{l}:{c}", e.file),
                            (Some(l), None) => format!("{}:{l}", e.file),
                            _ => e.file.to_string(),
                        };
                        format!("{loc}: {}", e.message)
                    })
                    .collect();
                let message = match errors.len() {
                    1 => errors[0].message.clone(),
                    n => format!("{n} input errors; the first: {}", errors[0].message),
                };
                let _ = writeln!(
                    x,
                    "      <error type=\"input-error\" message=\"{}\">{}</error>",
                    escape(&message),
                    escape(&lines.join("\n"))
                );
                x.push_str("    </testcase>\n");
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}"
        );
    }
}
