//! Suppressions (SPEC: Suppression and configuration): object annotations
//! `hostlint.io/ignore-<rule>[.<container>]: "<reason>"`, inline comments
//! `# hostlint: ignore[<rule>,...] <reason>` on the finding's line or the line above, and config exemptions.
//!
//! A suppressed finding stays in the report, marked, and does not count. A suppression without a reason
//! silences nothing and is reported (`suppression-without-reason`); one that silences nothing is reported at
//! info (`unused-suppression`).

use serde::Serialize;

use crate::model::object::Object;
use crate::model::workload::PodSpec;
use crate::parse::node::{Node, pointer};
use crate::rules::{Hit, Rule, Severity, Subject};
use crate::source::{FileName, Pos, Span};
use crate::{Config, Report, finding};

/// Why a finding does not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
}

/// Where a suppression lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// A `hostlint.io/ignore-*` annotation on the object or its pod template.
    Annotation,
    /// A `# hostlint: ignore[...]` comment.
    Comment,
    /// An `exemptions` entry in `.hostlint.yaml`.
    Config,
    /// An entry of the `--baseline` file.
    Baseline,
}

impl SuppressionKind {
    /// Whether the suppression is written in the linted source (SARIF `inSource`) or kept apart (`external`).
    pub fn in_source(self) -> bool {
        matches!(self, SuppressionKind::Annotation | SuppressionKind::Comment)
    }
}

pub const ANNOTATION_PREFIX: &str = "hostlint.io/ignore-";

pub static SUPPRESSION_WITHOUT_REASON: Rule = Rule {
    name: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a hostlint suppression gives no reason, so it suppresses nothing",
    what: "Flags a `hostlint.io/ignore-<rule>` annotation with an empty value and a `# hostlint: ignore[<rule>]` comment with no text after the bracket.",
    why: "A suppression is a decision someone will have to revisit when the host changes; without the reason nobody can tell whether it still holds. hostlint therefore refuses to honour a reasonless suppression: the finding it meant to silence is still reported, and so is the suppression.",
    fix: "write why the finding does not apply after the suppression: `hostlint.io/ignore-<rule>: \"<reason>\"` or `# hostlint: ignore[<rule>] <reason>`",
    lang: crate::rules::Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    hostlint.io/ignore-host-pid: ""
spec:
  hostPID: true
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    hostlint.io/ignore-host-pid: "debug pod, runs on Ubuntu pools only"
spec:
  hostPID: true
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &["https://github.com/hostlint/hostlint#suppressions"],
    tags: &["suppression"],
    check: engine_reported,
};

pub static UNUSED_SUPPRESSION: Rule = Rule {
    name: "unused-suppression",
    severity: Severity::Info,
    summary: "a hostlint suppression matches no finding",
    what: "Flags a `hostlint.io/ignore-<rule>` annotation or a `# hostlint: ignore[<rule>]` comment that silenced nothing in this run, including one naming a rule hostlint does not have.",
    why: "A suppression that matches nothing is stale (the problem was fixed) or mistyped (it silences nothing while its author thinks it does). Either way it misleads the next reader.",
    fix: "remove the suppression, or correct the rule or container name it gives",
    lang: crate::rules::Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    hostlint.io/ignore-host-pid: "debug pod"
spec:
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &["https://github.com/hostlint/hostlint#suppressions"],
    tags: &["suppression"],
    check: engine_reported,
};

/// These two rules are reported by the engine after the others ran, not by a check of their own.
fn engine_reported(_: &Subject<'_>, _: &mut Vec<Hit>) {}

/// One annotation suppression found on an object.
struct Annotation<'a> {
    rule: String,
    container: Option<String>,
    reason: String,
    key: &'a Node,
    path: String,
    used: bool,
}

fn annotations<'a>(object: &'a Object<'a>, pods: &'a [PodSpec<'a>]) -> Vec<Annotation<'a>> {
    let mut metas: Vec<(&Node, String)> = Vec::new();
    if let Some(m) = object.node.get("metadata") {
        metas.push((m, pointer(&object.path, "metadata")));
    }
    for pod in pods {
        if let Some(m) = pod.metadata
            && !metas.iter().any(|(n, _)| std::ptr::eq(*n, m))
        {
            metas.push((m, pod.metadata_path.clone()));
        }
    }
    let mut out = Vec::new();
    for (meta, meta_path) in metas {
        let Some(entries) = meta.get("annotations").and_then(Node::as_map) else {
            continue;
        };
        let ann_path = pointer(&meta_path, "annotations");
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            let Some(rest) = key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            let (rule, container) = match rest.split_once('.') {
                Some((r, c)) => (r.to_string(), Some(c.to_string())),
                None => (rest.to_string(), None),
            };
            let reason = v.as_str().map(|s| s.trim().to_string()).unwrap_or_default();
            out.push(Annotation {
                rule,
                container,
                reason,
                key: k,
                path: pointer(&ann_path, key),
                used: false,
            });
        }
    }
    out
}

/// One `# hostlint: ignore[...]` comment.
struct Comment {
    line: u32,
    span: Span,
    rules: Vec<String>,
    reason: String,
    used: Vec<bool>,
}

/// The spans of every scalar (keys included) under `node`.
fn scalar_spans(node: &crate::parse::node::Node, out: &mut Vec<Span>) {
    use crate::parse::node::Value;
    match &node.value {
        Value::Scalar(..) => out.push(node.span),
        Value::Seq(items) => items.iter().for_each(|n| scalar_spans(n, out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                scalar_spans(k, out);
                scalar_spans(v, out);
            }
        }
    }
}

/// Finds suppression comments in a document's text (`#` for YAML, `//` or `#` in JSONC).
fn comments(text: &str, first_line: u32) -> Vec<Comment> {
    let mut out = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"hostlint:").is_none() {
        return out;
    }
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r');
        let Some(at) = line.find("hostlint:") else {
            continue;
        };
        let before = line[..at].trim_end();
        if !(before.ends_with('#') || before.ends_with("//")) {
            continue;
        }
        let marker = if before.ends_with('#') {
            before.len() - 1
        } else {
            before.len() - 2
        };
        let after = line[at + "hostlint:".len()..].trim_start();
        let Some(list) = after.strip_prefix("ignore[") else {
            continue;
        };
        let Some(close) = list.find(']') else {
            continue;
        };
        let rules: Vec<String> = list[..close]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if rules.is_empty() {
            continue;
        }
        // The reason runs to the end of the line, or to a further ` # ` comment.
        let rest = &list[close + 1..];
        let reason = rest[..rest.find(" # ").unwrap_or(rest.len())]
            .trim()
            .to_string();
        let n = first_line + i as u32;
        let start_col = line[..marker].chars().count() as u32 + 1;
        let end_col = line.trim_end().chars().count() as u32 + 1;
        let used = vec![false; rules.len()];
        out.push(Comment {
            line: n,
            span: Span::new(Pos::new(n, start_col), Pos::new(n, end_col)),
            rules,
            reason,
            used,
        });
    }
    out
}

/// Applies annotation and config-exemption suppressions to the findings an object produced
/// (`report.findings[from..]`), and reports reasonless and unused annotations.
pub(crate) fn apply_object(
    name: &FileName,
    object: &Object<'_>,
    pods: &[PodSpec<'_>],
    from: usize,
    helm_source: Option<&str>,
    config: &Config,
    report: &mut Report,
) {
    let mut anns = annotations(object, pods);
    for f in &mut report.findings[from..] {
        if f.suppressed.is_some() {
            continue;
        }
        for a in anns.iter_mut() {
            if a.rule == f.rule
                && a.container
                    .as_ref()
                    .is_none_or(|c| f.container.as_ref() == Some(c))
                && !a.reason.is_empty()
            {
                f.suppressed = Some(Suppression {
                    kind: SuppressionKind::Annotation,
                    reason: a.reason.clone(),
                });
                a.used = true;
                break;
            }
        }
        if f.suppressed.is_none()
            && let Some(e) = config.exemptions.iter().find(|e| e.matches(f))
        {
            f.suppressed = Some(Suppression {
                kind: SuppressionKind::Config,
                reason: e.reason.clone(),
            });
        }
    }
    for a in anns {
        let label = match &a.container {
            Some(c) => format!("`{}` for container `{c}`", a.rule),
            None => format!("`{}`", a.rule),
        };
        let (rule, message) = if a.reason.is_empty() {
            (
                &SUPPRESSION_WITHOUT_REASON,
                format!("suppression of {label} gives no reason, so it suppresses nothing"),
            )
        } else if a.used {
            continue;
        } else if crate::rules::by_name(&a.rule).is_none() {
            (
                &UNUSED_SUPPRESSION,
                format!(
                    "suppression names `{}`, which is not a hostlint rule",
                    a.rule
                ),
            )
        } else if config
            .severity(crate::rules::by_name(&a.rule).unwrap_or(&UNUSED_SUPPRESSION))
            .is_none()
        {
            continue;
        } else {
            (
                &UNUSED_SUPPRESSION,
                format!("suppression of {label} matches no finding"),
            )
        };
        let Some(severity) = config.severity(rule) else {
            continue;
        };
        let hit = Hit::at(a.key, a.path, message);
        report.findings.push(finding(
            rule,
            severity,
            name,
            hit,
            Some(&object.id),
            helm_source,
            None,
        ));
    }
}

/// A document being linted, as comment suppressions need it.
pub(crate) struct Doc<'a> {
    pub name: &'a FileName,
    pub text: &'a str,
    pub first_line: u32,
    pub helm_source: Option<&'a str>,
}

/// Applies comment suppressions to a document's findings (`report.findings[from..]`), and reports
/// reasonless and unused comments. `objects` locate a comment's object for the report.
pub(crate) fn apply_comments(
    doc: &Doc<'_>,
    objects: &[Object<'_>],
    from: usize,
    config: &Config,
    report: &mut Report,
) {
    let Doc {
        name,
        text,
        first_line,
        helm_source,
    } = *doc;
    if !text.contains("hostlint:") {
        return;
    }
    let mut cs = comments(text, first_line);
    // A `# hostlint: ignore[...]` inside a scalar (a quoted string, a block scalar, a plain value
    // such as `a#hostlint:`) is the value's text, not a comment: only the tree knows.
    if !cs.is_empty() {
        let mut scalars = Vec::new();
        for o in objects {
            scalar_spans(o.node, &mut scalars);
        }
        cs.retain(|c| {
            let at = (c.span.start.line, c.span.start.col);
            !scalars
                .iter()
                .any(|s: &Span| (s.start.line, s.start.col) <= at && at < (s.end.line, s.end.col))
        });
    }
    if cs.is_empty() {
        return;
    }
    for f in &mut report.findings[from..] {
        if f.suppressed.is_some() {
            continue;
        }
        let line = f.span.start.line;
        'found: for c in cs
            .iter_mut()
            .filter(|c| c.line == line || c.line + 1 == line)
        {
            for (i, r) in c.rules.iter().enumerate() {
                if r == f.rule && !c.reason.is_empty() {
                    f.suppressed = Some(Suppression {
                        kind: SuppressionKind::Comment,
                        reason: c.reason.clone(),
                    });
                    c.used[i] = true;
                    break 'found;
                }
            }
        }
    }
    for c in cs {
        let object = objects
            .iter()
            .find(|o| o.node.span.start.line <= c.line && c.line <= o.node.span.end.line)
            .map(|o| &o.id);
        let path = objects
            .iter()
            .find(|o| o.node.span.start.line <= c.line && c.line <= o.node.span.end.line)
            .map(|o| o.path.clone())
            .unwrap_or_default();
        let mut push = |rule: &'static Rule, message: String| {
            let Some(severity) = config.severity(rule) else {
                return;
            };
            let hit = Hit {
                span: c.span,
                via: None,
                path: path.clone(),
                message,
                container: None,
                notes: Vec::new(),
                fix: None,
                severity: None,
                edit: None,
            };
            // Never show a Secret's lines (the comment may sit beside a value).
            let secret = object.is_some_and(|o| o.kind == "Secret");
            let snippet = (!secret)
                .then(|| crate::snippet(text, first_line, c.span))
                .flatten();
            report.findings.push(finding(
                rule,
                severity,
                name,
                hit,
                object,
                helm_source,
                snippet,
            ));
        };
        if c.reason.is_empty() {
            push(
                &SUPPRESSION_WITHOUT_REASON,
                format!(
                    "suppression comment for `{}` gives no reason, so it suppresses nothing",
                    c.rules.join(",")
                ),
            );
            continue;
        }
        for (i, r) in c.rules.iter().enumerate() {
            if c.used[i] {
                continue;
            }
            match crate::rules::by_name(r) {
                None => push(
                    &UNUSED_SUPPRESSION,
                    format!("suppression comment names `{r}`, which is not a hostlint rule"),
                ),
                Some(rule) if config.severity(rule).is_none() => {}
                Some(_) => push(
                    &UNUSED_SUPPRESSION,
                    format!(
                        "suppression comment for `{r}` matches no finding on this line or the next"
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments() {
        let cs = comments(
            "a: 1\n  hostPID: true  # hostlint: ignore[host-pid, host-ipc] debug only\n# hostlint:ignore[x]\n",
            10,
        );
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].line, 11);
        assert_eq!(cs[0].rules, vec!["host-pid", "host-ipc"]);
        assert_eq!(cs[0].reason, "debug only");
        assert_eq!(cs[0].span, Span::new(Pos::new(11, 18), Pos::new(11, 67)));
        assert_eq!(cs[1].reason, "");
    }
}
