//! `report --format markdown`: for a GitHub job summary (`$GITHUB_STEP_SUMMARY`), a pull request
//! comment or an Azure DevOps summary. GitHub refuses a comment or a step summary over 65 536
//! characters, so the text is shortened until it fits: the long tables keep their worst rows and say
//! how many more the HTML report holds.
//!
//! Every value taken from the input goes through [`text`]: Markdown and HTML syntax characters
//! become character references, so a name can neither break a table, start a link or an HTML tag,
//! nor mention someone.

use std::fmt::Write as _;

use super::{Readiness, RuleGroup, Tally, Verdict, Workload};
use crate::rules::Severity;

/// GitHub's limit for a comment body and a step summary, in characters.
pub const GITHUB_LIMIT: usize = 65_536;
/// What the report stays under: room for a heading or a marker the workflow adds around it.
pub const BUDGET: usize = 64_000;

/// Options for the rendering.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where the full (HTML) report will be, for the note in a shortened summary.
    pub link: Option<String>,
}

/// A value from the input, safe in a Markdown table cell and in running text.
pub fn text(s: &str) -> String {
    let s = crate::report::escape(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '<' | '>' | '&' | '|' | '~' | '!'
            | '#' | '@' | '{' | '}' | '+' | '=' | ':' | '"' | '\'' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A value from the input as inline code (file names and paths read better so); falls back to
/// [`text`] when the value holds a backtick or a pipe (a code span cannot escape either portably).
fn code(s: &str) -> String {
    let e = crate::report::escape(s);
    if e.is_empty() || e.contains(['`', '|']) || e.starts_with(' ') || e.ends_with(' ') {
        return text(s);
    }
    format!("`{e}`")
}

/// Catalogue text (ours, with its own backticks) in a table cell: one line, pipes escaped.
fn ours(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "✅ ready",
        Verdict::Review => "⚠️ review",
        Verdict::Blocked => "⛔ blocked",
    }
}

fn percent(t: &Tally) -> String {
    t.percent_ready()
        .map_or_else(|| "–".to_string(), |p| format!("{p} %"))
}

/// How many rows each long table shows.
#[derive(Clone, Copy)]
struct Caps {
    rows: usize,
    details: bool,
}

pub fn render(r: &Readiness<'_>, options: &Options) -> String {
    let mut last = String::new();
    for rows in [usize::MAX, 200, 100, 50, 25, 10, 5, 0] {
        for details in [true, false] {
            if !details && rows == usize::MAX {
                continue;
            }
            last = render_with(r, options, Caps { rows, details });
            if last.chars().count() <= BUDGET {
                return last;
            }
        }
    }
    // Nothing but the headline and totals are left: cut at a line end under the budget.
    let mut cut = 0;
    for (i, c) in last.char_indices() {
        if last[..i].chars().count() >= BUDGET - 200 {
            break;
        }
        if c == '\n' {
            cut = i + 1;
        }
    }
    last.truncate(cut);
    last.push_str("\n_… cut here: see the HTML report (`hostlint report --format html`)._\n");
    last
}

fn render_with(r: &Readiness<'_>, options: &Options, caps: Caps) -> String {
    let report = r.report;
    let mut s = String::new();
    let short = caps.rows != usize::MAX || !caps.details;
    let _ = write!(s, "## {} migration readiness\n\n", report.inventory.host.0);
    let _ = writeln!(
        s,
        "**{} of {} workloads ready ({})** · {} blocked · {} to review · {} managed by AKS (listed apart){}\n",
        r.team.ready,
        r.team.total,
        percent(&r.team),
        r.team.blocked,
        r.team.review,
        r.managed.total,
        if r.pools.total > 0 {
            format!(" · {} of {} node pools ready", r.pools.ready, r.pools.total)
        } else {
            String::new()
        }
    );
    if short {
        match &options.link {
            Some(url) => {
                let _ = writeln!(
                    s,
                    "> This summary is shortened to fit GitHub's 65 536-character limit: the [full report]({}) lists every workload and finding.\n",
                    url.replace(['(', ')', ' ', '<', '>'], "")
                );
            }
            None => s.push_str(
                "> This summary is shortened to fit GitHub's 65 536-character limit: the HTML report (`hostlint report --format html`) lists every workload and finding.\n\n",
            ),
        }
    }
    s.push_str(
        "| | total | ✅ ready | ⚠️ review | ⛔ blocked | ready |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (what, t) in [
        ("workloads", &r.team),
        ("managed by AKS", &r.managed),
        ("node pools", &r.pools),
    ] {
        if what == "node pools" && r.clusters.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "| {what} | {} | {} | {} | {} | {} |",
            t.total,
            t.ready,
            t.review,
            t.blocked,
            percent(t)
        );
    }
    let _ = writeln!(
        s,
        "\nFindings: {} error, {} warning, {} info in {} file{} ({} object{}); {} suppressed; {} input error{}.\n",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.objects,
        if report.objects == 1 { "" } else { "s" },
        report.findings.iter().filter(|f| !f.counts()).count(),
        report.errors.len(),
        if report.errors.len() == 1 { "" } else { "s" },
    );

    rule_table(&mut s, "### Blockers by rule", &r.blockers, caps.rows);
    rule_table(
        &mut s,
        "### To review (warnings) by rule",
        &r.warnings,
        caps.rows,
    );

    if !r.namespaces.is_empty() {
        s.push_str("### Namespaces\n\n| namespace | workloads | ✅ ready | ⚠️ review | ⛔ blocked | ready |\n|---|---:|---:|---:|---:|---:|\n");
        for n in r.namespaces.iter().take(caps.rows) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                n.namespace
                    .as_deref()
                    .map_or_else(|| "_(none written)_".to_string(), code),
                n.tally.total,
                n.tally.ready,
                n.tally.review,
                n.tally.blocked,
                percent(&n.tally)
            );
        }
        more(&mut s, r.namespaces.len(), caps.rows, "namespaces");
    }

    let pools: Vec<_> = r
        .clusters
        .iter()
        .flat_map(|c| c.pools.iter().map(move |p| (c, Some(p))))
        .chain(
            r.clusters
                .iter()
                .filter(|c| c.pools.is_empty())
                .map(|c| (c, None)),
        )
        .collect();
    if !pools.is_empty() {
        s.push_str("### Clusters and node pools\n\n| cluster | pool | OS SKU | verdict | rules | where |\n|---|---|---|---|---|---|\n");
        for (c, p) in pools.iter().take(caps.rows) {
            let (v, findings, line, sku, name) = match p {
                Some(p) => (
                    p.verdict,
                    [&c.findings[..], &p.findings[..]].concat(),
                    p.meta.line,
                    p.meta
                        .os_sku
                        .as_deref()
                        .map_or_else(|| "–".to_string(), code),
                    p.meta
                        .name
                        .as_deref()
                        .map_or_else(|| "_(unnamed)_".to_string(), code),
                ),
                None => (
                    Some(c.verdict),
                    c.findings.clone(),
                    c.line,
                    "–".to_string(),
                    "_(no pool)_".to_string(),
                ),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                code(&c.name),
                name,
                sku,
                match (v, p) {
                    (Some(v), _) if !c.unresolved.is_empty() => format!(
                        "{} (cluster values unresolved: {})",
                        verdict(v),
                        c.unresolved
                            .iter()
                            .map(|f| code(f))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (Some(v), _) => verdict(v).to_string(),
                    (None, Some(p)) if !p.meta.unresolved.is_empty() => format!(
                        "❔ unresolved: {}",
                        p.meta
                            .unresolved
                            .iter()
                            .map(|f| code(f))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (None, _) => format!("not an {} candidate", report.inventory.host.1),
                },
                rules(r, &findings),
                code(&format!(
                    "{}:{}",
                    p.and_then(|p| p.meta.file.as_deref()).unwrap_or(&c.file),
                    line
                )),
            );
        }
        more(&mut s, pools.len(), caps.rows, "pools");
    }

    let team: Vec<&Workload> = r
        .workloads
        .iter()
        .filter(|w| w.managed.is_none() && w.verdict != Verdict::Ready)
        .collect();
    if !team.is_empty() && caps.details {
        let _ = writeln!(
            s,
            "<details markdown=\"1\"><summary>Workloads blocked or to review ({})</summary>\n\n| verdict | workload | namespace | rules | where |\n|---|---|---|---|---|",
            team.len()
        );
        for w in team.iter().take(caps.rows) {
            workload_row(&mut s, r, w, false);
        }
        more(&mut s, team.len(), caps.rows, "workloads");
        s.push_str("\n</details>\n\n");
    }

    let managed: Vec<&Workload> = r.workloads.iter().filter(|w| w.managed.is_some()).collect();
    if !managed.is_empty() && caps.details {
        let _ = writeln!(
            s,
            "<details markdown=\"1\"><summary>Managed by AKS ({}: AKS updates these; not the team's blockers)</summary>\n\n| verdict | workload | namespace | rules | why managed |\n|---|---|---|---|---|",
            managed.len()
        );
        for w in managed.iter().take(caps.rows) {
            workload_row(&mut s, r, w, true);
        }
        more(&mut s, managed.len(), caps.rows, "workloads");
        s.push_str("\n</details>\n\n");
    }

    if !report.errors.is_empty() {
        s.push_str("### Inputs that could not be read\n\n");
        for e in report.errors.iter().take(caps.rows.min(20)) {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", e.file),
                _ => e.file.to_string(),
            };
            let _ = writeln!(s, "- {}: {}", code(&at), text(&e.message));
        }
        more_list(
            &mut s,
            report.errors.len(),
            caps.rows.min(20),
            "input errors",
        );
        s.push('\n');
    }
    s.push_str("<sub>hostlint ");
    s.push_str(env!("CARGO_PKG_VERSION"));
    s.push_str(" · `hostlint explain RULE` says why and how to fix</sub>\n");
    s
}

fn rule_table(s: &mut String, title: &str, groups: &[RuleGroup], rows: usize) {
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "{title}\n\n| rule | workloads | pools | findings | fix |\n|---|---:|---:|---:|---|"
    );
    for g in groups.iter().take(rows) {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} |",
            g.rule,
            g.workloads.len(),
            g.pools,
            g.findings,
            ours(g.fix)
        );
    }
    more(s, groups.len(), rows, "rules");
}

fn workload_row(s: &mut String, r: &Readiness<'_>, w: &Workload, managed: bool) {
    let name = format!("{}/{}", w.id.kind, w.id.name);
    let folded = if w.members.is_empty() {
        String::new()
    } else {
        format!(" (+{} folded)", w.members.len())
    };
    let last = if managed {
        w.managed.as_deref().map(ours).unwrap_or_default()
    } else {
        match (&w.file, w.line) {
            (Some(f), Some(l)) => code(&format!("{f}:{l}")),
            _ => String::new(),
        }
    };
    let _ = writeln!(
        s,
        "| {} | {}{} | {} | {} | {} |",
        verdict(w.verdict),
        code(&name),
        folded,
        w.id.namespace.as_deref().map_or_else(String::new, code),
        rules(r, &w.findings),
        last
    );
}

/// The distinct rules of counted warning and error findings, worst first.
fn rules(r: &Readiness<'_>, findings: &[usize]) -> String {
    let mut seen: Vec<(std::cmp::Reverse<Severity>, &str)> = findings
        .iter()
        .map(|&i| &r.report.findings[i])
        .filter(|f| f.counts() && f.severity >= Severity::Warning)
        .map(|f| (std::cmp::Reverse(f.severity), f.rule))
        .collect();
    seen.sort();
    seen.dedup();
    seen.iter()
        .map(|(_, rule)| format!("`{rule}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn more(s: &mut String, total: usize, shown: usize, what: &str) {
    if total > shown {
        let _ = writeln!(
            s,
            "| _… {} more {what} in the HTML report_ | | | | | |",
            total - shown
        );
    }
    s.push('\n');
}

fn more_list(s: &mut String, total: usize, shown: usize, what: &str) {
    if total > shown {
        let _ = writeln!(s, "- _… {} more {what}_", total - shown);
    }
}
