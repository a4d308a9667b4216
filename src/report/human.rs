//! `--format human`: rustc/ruff-style snippets with the offending span underlined.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet, renderer::DecorStyle};

use crate::report::{defuse_ci_commands, escape, escape_source};
use crate::rules::Severity;
use crate::{Finding, Report};

pub fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Unicode);
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.counts()) {
        out.push_str(&renderer.render(&finding_report(f)));
        out.push_str("\n\n");
    }
    for e in &report.errors {
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", e.file),
            _ => e.file.to_string(),
        };
        let title =
            Level::ERROR.primary_title(escape(&format!("{at}: {}", e.message)).into_owned());
        let group = match (&e.snippet, e.line, e.column) {
            (Some((first, text)), Some(line), Some(col)) => {
                let range = byte_range(text, line - first, col, line - first, col);
                title.element(
                    Snippet::source(text.as_str())
                        .line_start(*first as usize)
                        .path(e.file.as_ref())
                        .annotation(AnnotationKind::Primary.span(range)),
                )
            }
            _ => Group::with_title(title),
        };
        out.push_str(&renderer.render(&[group]));
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    for line in crate::discover::skip_summary(&report.skipped) {
        out.push_str(&escape(&line));
        out.push('\n');
    }
    // Every field is escaped already; this is the last guard for a CI log.
    defuse_ci_commands(&out).into_owned()
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn finding_report(f: &Finding) -> Vec<Group<'_>> {
    let title = level(f.severity)
        .primary_title(escape(&f.message))
        .id(f.rule);
    let path = escape(f.file.as_ref());
    let mut group = match &f.snippet {
        Some((first, text)) => {
            // One character for one: the span's columns still point at the same characters.
            let text = escape_source(text);
            let range = byte_range(
                &text,
                f.span.start.line - first,
                f.span.start.col,
                f.span.end.line.saturating_sub(*first),
                f.span.end.col,
            );
            title.element(
                Snippet::source(text)
                    .line_start(*first as usize)
                    .path(path)
                    .annotation(AnnotationKind::Primary.span(range)),
            )
        }
        None => title.element(
            annotate_snippets::Origin::path(path)
                .line(f.span.start.line as usize)
                .char_column(f.span.start.col as usize),
        ),
    };
    let mut context = Vec::new();
    if let Some(o) = &f.object {
        let mut s = format!("object: {}", escape(&o.display()));
        if let Some(c) = &f.container {
            s.push_str(&format!(", container `{}`", escape(c)));
        }
        context.push(s);
    }
    if let Some(h) = &f.helm_source {
        context.push(format!("helm source: {}", escape(h)));
    }
    for n in &f.notes {
        context.push(match n.line {
            Some(l) => format!("line {l}: {}", escape(&n.message)),
            None => escape(&n.message).into_owned(),
        });
    }
    for c in context {
        group = group.element(Level::NOTE.message(c));
    }
    vec![group.element(Level::HELP.message(escape(&f.fix)))]
}

/// The byte range of a (line, col) span inside a snippet (lines relative to the snippet).
fn byte_range(
    text: &str,
    start_line: u32,
    start_col: u32,
    end_line: u32,
    end_col: u32,
) -> std::ops::Range<usize> {
    let offset = |line: u32, col: u32| {
        let mut off = 0;
        for (i, l) in text.split('\n').enumerate() {
            if i as u32 == line {
                let within = l
                    .char_indices()
                    .nth(col.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
                return off + within;
            }
            off += l.len() + 1;
        }
        text.len()
    };
    let start = offset(start_line, start_col);
    let end = offset(end_line, end_col).max(start);
    // An empty span (e.g. an empty value) still gets a caret, under the whole character there
    // (a byte range that ends inside `│` makes the snippet renderer panic).
    if end == start {
        start..start + text[start..].chars().next().map_or(0, char::len_utf8)
    } else {
        start..end
    }
}

/// `Found 2 errors, 1 warning and 3 infos in 4 files (9 objects).`, or `No findings in ...`.
pub fn summary(report: &Report) -> String {
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let files = plural(report.files, "file");
    let objects = plural(report.objects, "object");
    let parts: Vec<String> = [(e, "error"), (w, "warning"), (i, "info")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| plural(*n, w))
        .collect();
    let mut s = match parts.len() {
        0 => format!("No findings in {files} ({objects})."),
        1 => format!("Found {} in {files} ({objects}).", parts[0]),
        _ => format!(
            "Found {} and {} in {files} ({objects}).",
            parts[..parts.len() - 1].join(", "),
            parts[parts.len() - 1]
        ),
    };
    if let Some((target, source)) = &report.compared {
        let new = report.findings.iter().filter(|f| f.counts()).count();
        s = format!(
            "{} new on {target} compared with {source}. {s}",
            plural(new, "finding")
        );
    }
    if !report.unresolved.is_empty() {
        // Never clean in silence: what could not be read is said (`--verbose` lists it).
        s.push_str(&format!(
            " {} not fully resolved.",
            plural(report.unresolved.len(), "cluster or pool")
                .replace("cluster or pools", "clusters or pools")
        ));
    }
    let silenced = report.findings.iter().filter(|f| !f.counts()).count();
    if silenced > 0 {
        s.push_str(&format!(" {} suppressed.", plural(silenced, "finding")));
    }
    if !report.errors.is_empty() {
        let n = report.errors.len();
        s.push_str(&format!(
            " {} could not be read or parsed.",
            if n == 1 {
                "1 input".to_string()
            } else {
                format!("{n} inputs")
            }
        ));
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
