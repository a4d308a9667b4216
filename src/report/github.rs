//! `--format github`: GitHub Actions workflow commands (`::error file=..,line=..::message`), which the runner
//! turns into annotations on the pull request. Suppressed findings are left out (they do not fail the run).

use std::path::Path;

use crate::Report;
use crate::report::escape;
use crate::rules::Severity;

/// Escapes a command's message (`%`, `\r`, `\n`), as the runner's `toCommandValue`/`escapeData` does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property (`escapeProperty`): as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn is_stdin(file: &str) -> bool {
    file == "<stdin>" || file == "-"
}

/// The file as the workspace knows it: relative to the current directory when under it.
fn relative(file: &str, root: &Path) -> String {
    let p = Path::new(file);
    let rel = p.strip_prefix(root).unwrap_or(p);
    let s = rel.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

pub fn render(report: &Report) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    render_in(report, &cwd)
}

pub fn render_in(report: &Report, root: &Path) -> String {
    let mut out = String::new();
    for e in &report.errors {
        let mut props = format!(
            "file={}",
            escape_property(&escape(&relative(&e.file, root)))
        );
        if let Some(l) = e.line {
            props.push_str(&format!(",line={l}"));
        }
        if let Some(c) = e.column {
            props.push_str(&format!(",col={c}"));
        }
        props.push_str(",title=hostlint input error");
        out.push_str(&format!(
            "::error {props}::{}\n",
            escape_data(&escape(&e.message))
        ));
    }
    for f in report.findings.iter().filter(|f| f.counts()) {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (s, e) = (f.span.start, f.span.end.max(f.span.start));
        // Fields are escaped one by one (a newline in a value is shown as `\n`); the lines joined
        // below are the annotation's own, which `escape_data` turns into `%0A`.
        let mut msg = escape(&f.message).into_owned();
        let mut props = String::new();
        if is_stdin(&f.file) {
            // No file in the workspace to annotate: a run-level annotation, with the position in the text.
            msg = format!("stdin:{}:{}: {msg}", s.line, s.col);
        } else {
            props = format!(
                "file={},line={},col={},endLine={},endColumn={},",
                escape_property(&escape(&relative(&f.file, root))),
                s.line,
                s.col,
                e.line,
                e.col
            );
        }
        props.push_str(&format!(
            "title={}",
            escape_property(&format!("hostlint {}", f.rule))
        ));
        if let Some(h) = &f.helm_source {
            msg.push_str(&format!("\nhelm template: {}", escape(h)));
        }
        if !f.fix.is_empty() {
            msg.push_str(&format!("\nfix: {}", escape(&f.fix)));
        }
        out.push_str(&format!("::{cmd} {props}::{}\n", escape_data(&msg)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_runner() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
