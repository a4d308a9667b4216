//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps), built on `serde-sarif`'s types
//! generated from the official schema.
//!
//! GitHub's own rules are met: `tool.driver.rules` with help and `security-severity`, `ruleIndex`, relative
//! `artifactLocation.uri` with `uriBaseId` `%SRCROOT%`, exact regions in Unicode code points,
//! `partialFingerprints` that do not depend on line numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool,
    ToolComponent,
};

use crate::report::rules::{DOCS_BASE, page};
use crate::rules::{RULES, Severity};
use crate::{Finding, InputError, Report};

const SRCROOT: &str = "%SRCROOT%";
/// The key of hostlint's line-independent fingerprint in `partialFingerprints`. Its number changes
/// whenever the values do, so that code scanning never compares new values with old ones as if they
/// were the same kind: v1 hashed a finding's JSON-pointer path (hostlint 0.1), v2 hashes its
/// merge-key path (`volumes[name=x]`, as baselines since version 2).
pub const FINGERPRINT_KEY: &str = "hostlint/v2";
pub const INFORMATION_URI: &str = "https://github.com/hostlint/hostlint";

/// Renders the report, with file URIs relative to the current directory.
pub fn render(report: &Report) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    render_in(report, &cwd)
}

/// Renders the report with file URIs relative to `root`.
pub fn render_in(report: &Report, root: &Path) -> String {
    let sarif = build(report, root);
    let mut s =
        serde_json::to_string_pretty(&sarif).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn level_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a CVSS-like score as a string (critical > 9, high 7–8.9, medium 4–6.9, low < 4).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

fn text(s: &str) -> Message {
    Message {
        text: Some(s.to_string()),
        ..Default::default()
    }
}

fn rules() -> Vec<ReportingDescriptor> {
    RULES
        .iter()
        .map(|r| {
            let mut extra = BTreeMap::new();
            extra.insert(
                "security-severity".to_string(),
                json!(security_severity(r.severity)),
            );
            extra.insert("precision".to_string(), json!("high"));
            let mut tags: Vec<String> = r.tags.iter().map(|t| t.to_string()).collect();
            tags.push("acl".into());
            ReportingDescriptor::builder()
                .id(r.name)
                .name(r.name)
                .short_description(
                    MultiformatMessageString::builder()
                        .text(r.summary.replace('`', ""))
                        .markdown(r.summary)
                        .build(),
                )
                .full_description(MultiformatMessageString::builder().text(r.what).build())
                .help(
                    MultiformatMessageString::builder()
                        .text(format!("{}\n\nFix: {}.", r.why, r.fix))
                        .markdown(page(r))
                        .build(),
                )
                .help_uri(format!("{DOCS_BASE}/{}.md", r.name))
                .default_configuration(ReportingConfiguration {
                    level: Some(json!(level_str(r.severity))),
                    ..Default::default()
                })
                .properties(PropertyBag {
                    tags: Some(tags),
                    additional_properties: extra,
                })
                .build()
        })
        .collect()
}

/// An artifact location for a reported file name: relative to `root` under `%SRCROOT%` when it can be,
/// an absolute `file://` URI otherwise; standard input has no file, so it gets a description only.
pub fn artifact(file: &str, root: &Path) -> ArtifactLocation {
    if file == "<stdin>" || file == "-" {
        return ArtifactLocation {
            uri: Some("stdin".into()),
            description: Some(text("standard input")),
            ..Default::default()
        };
    }
    let p = Path::new(file);
    let rel = if p.is_absolute() {
        p.strip_prefix(root).ok().map(Path::to_path_buf)
    } else {
        Some(p.to_path_buf())
    };
    match rel {
        Some(rel) => {
            let parts: Vec<String> = rel
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(encode(&s.to_string_lossy())),
                    std::path::Component::ParentDir => Some("..".into()),
                    _ => None,
                })
                .collect();
            ArtifactLocation {
                uri: Some(parts.join("/")),
                uri_base_id: Some(SRCROOT.into()),
                ..Default::default()
            }
        }
        None => ArtifactLocation {
            uri: Some(file_uri(p, false)),
            ..Default::default()
        },
    }
}

fn file_uri(p: &Path, dir: bool) -> String {
    let mut s = String::from("file://");
    for part in p.to_string_lossy().split('/').filter(|s| !s.is_empty()) {
        s.push('/');
        s.push_str(&encode(part));
    }
    if dir || s == "file://" {
        s.push('/');
    }
    s
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters and sub-delims stay).
fn encode(seg: &str) -> String {
    let mut out = String::new();
    for b in seg.bytes() {
        // `:` is encoded too: a first segment such as `https:x.yaml` would otherwise read as a
        // URI scheme, turning a relative path into an absolute URI.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(f: &Finding) -> Region {
    let (s, mut e) = (f.span.start, f.span.end);
    if (e.line, e.col) < (s.line, s.col) {
        e = s;
    }
    Region {
        start_line: Some(s.line.into()),
        start_column: Some(s.col.into()),
        end_line: Some(e.line.into()),
        end_column: Some(e.col.into()),
        ..Default::default()
    }
}

fn result(f: &Finding, root: &Path) -> SarifResult {
    let rule_index = RULES
        .iter()
        .position(|r| r.name == f.rule)
        .map(|i| i as i64);
    let logical = f.object.as_ref().map(|o| {
        let fq = match &o.namespace {
            Some(ns) => format!("{}/{}/{}", o.kind, ns, o.name),
            None => format!("{}/{}", o.kind, o.name),
        };
        let fq = match &f.container {
            Some(c) => format!("{fq}/containers/{c}"),
            None => fq,
        };
        vec![LogicalLocation {
            name: Some(o.name.clone()),
            fully_qualified_name: Some(fq),
            kind: Some("resource".into()),
            ..Default::default()
        }]
    });
    let primary = Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(artifact(&f.file, root)),
            region: Some(region(f)),
            ..Default::default()
        }),
        logical_locations: logical,
        ..Default::default()
    };
    let mut related = Vec::new();
    if let Some(h) = &f.helm_source {
        related.push(Location {
            id: Some(related.len() as i64),
            message: Some(text(&format!("rendered from the Helm template `{h}`"))),
            logical_locations: Some(vec![LogicalLocation {
                fully_qualified_name: Some(h.clone()),
                kind: Some("module".into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
    }
    for n in &f.notes {
        let Some(line) = n.line else { continue };
        related.push(Location {
            id: Some(related.len() as i64),
            message: Some(text(&n.message)),
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(artifact(&f.file, root)),
                region: Some(Region {
                    start_line: Some(line.into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let mut message = f.message.clone();
    if !f.fix.is_empty() {
        message.push_str(&format!("\nfix: {}", f.fix));
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let suppressions = f.suppressed.as_ref().map(|s| {
        vec![
            Suppression::builder()
                .kind(json!(if s.kind.in_source() {
                    "inSource"
                } else {
                    "external"
                }))
                .status(json!("accepted"))
                .justification(s.reason.clone())
                .properties(PropertyBag {
                    tags: None,
                    additional_properties: BTreeMap::from([(
                        "hostlintKind".to_string(),
                        json!(s.kind),
                    )]),
                })
                .build(),
        ]
    });
    let mut r = SarifResult::builder()
        .rule_id(f.rule)
        .level(level(f.severity))
        .message(text(&message))
        .locations(vec![primary])
        .partial_fingerprints(fingerprints)
        .build();
    r.rule_index = rule_index;
    r.related_locations = (!related.is_empty()).then_some(related);
    r.suppressions = suppressions;
    r
}

fn notification(e: &InputError, root: &Path) -> Notification {
    let region = e.line.map(|l| Region {
        start_line: Some(l.into()),
        start_column: e.column.map(i64::from),
        ..Default::default()
    });
    Notification::builder()
        .level(json!("error"))
        .message(text(&e.message))
        .locations(vec![Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(artifact(&e.file, root)),
                region,
                ..Default::default()
            }),
            ..Default::default()
        }])
        .build()
}

fn build(report: &Report, root: &Path) -> Sarif {
    let driver = ToolComponent::builder()
        .name("hostlint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules())
        .build();
    let mut invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .build();
    invocation.tool_execution_notifications = (!report.errors.is_empty()).then(|| {
        report
            .errors
            .iter()
            .map(|e| notification(e, root))
            .collect()
    });
    let base = BTreeMap::from([(
        SRCROOT.to_string(),
        ArtifactLocation {
            uri: Some(file_uri(root, true)),
            ..Default::default()
        },
    )]);
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(
            report
                .findings
                .iter()
                .map(|f| result(f, root))
                .collect::<Vec<_>>(),
        )
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(base)
        .build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_root() {
        let root = Path::new("/repo");
        assert_eq!(
            artifact("/repo/k8s/a b.yaml", root).uri.as_deref(),
            Some("k8s/a%20b.yaml")
        );
        assert_eq!(
            artifact("./k8s/a.yaml", root).uri.as_deref(),
            Some("k8s/a.yaml")
        );
        assert_eq!(
            artifact("./k8s/a.yaml", root).uri_base_id.as_deref(),
            Some(SRCROOT)
        );
        let out = artifact("/elsewhere/a.yaml", root);
        assert_eq!(
            (out.uri.as_deref(), out.uri_base_id),
            (Some("file:///elsewhere/a.yaml"), None)
        );
        assert_eq!(file_uri(root, true), "file:///repo/");
        // Regression (issue 17): a file named `https:x.yaml` became an absolute URI.
        let out = artifact("https:x.yaml", root);
        assert_eq!(
            (out.uri.as_deref(), out.uri_base_id.as_deref()),
            (Some("https%3Ax.yaml"), Some(SRCROOT))
        );
        assert_eq!(
            artifact("/repo/d/c:x#1?.yaml", root).uri.as_deref(),
            Some("d/c%3Ax%231%3F.yaml")
        );
    }
}
