//! `report --format html`: one self-contained page, for a screen and for print. No request leaves
//! it: the style and the script are inline and allowed by their SHA-256 in a strict
//! Content-Security-Policy (`default-src 'none'`), the charts are inline SVG drawn with attributes
//! (no `style` attribute, which that policy refuses). Every table is complete in the HTML itself,
//! so the page reads the same with JavaScript off; the script only adds sorting, filtering and
//! opening every finding for print.
//!
//! Every value from the input goes through [`esc`] (after [`crate::report::escape`] for controls):
//! a name like `<script>` is text, never markup.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Readiness, RuleGroup, Tally, Verdict, Workload, location, sha256};
use crate::Finding;
use crate::rules::Severity;

const STYLE: &str = r##"
:root{--ready:#1a7f37;--review:#9a6700;--blocked:#cf222e;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1f2328}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:130px;background:var(--bg)}
.card .num{display:block;font-size:24px;font-weight:600}
.card.ready .num{color:var(--ready)}.card.review .num{color:var(--review)}.card.blocked .num{color:var(--blocked)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg)}td.n,th.n{text-align:right}
.js th.sort{cursor:pointer}.js th.sort::after{content:" \2195";color:var(--muted)}
.v{font-weight:600;white-space:nowrap}.v.ready{color:var(--ready)}.v.review{color:var(--review)}.v.blocked{color:var(--blocked)}
.sev-error{color:var(--blocked)}.sev-warning{color:var(--review)}.sev-info{color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:var(--bg);border:1px solid var(--line);padding:6px 8px;overflow-x:auto;margin:4px 0}
.controls{display:none;gap:8px;margin:6px 0}.js .controls{display:flex}
.controls input{flex:1;padding:4px 6px}
details{margin:4px 0}summary{cursor:pointer}
.finding{border-left:3px solid var(--line);padding:2px 10px;margin:8px 0}
.finding.error{border-color:var(--blocked)}.finding.warning{border-color:var(--review)}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}svg .bar{fill:var(--blocked)}svg .bar.ns{fill:#8250df}
.charts{display:flex;flex-wrap:wrap;gap:24px}
@media print{.controls{display:none!important}body{max-width:none;padding:0}h2{break-after:avoid}tr,.finding{break-inside:avoid}}
"##;

const SCRIPT: &str = r##"
(function(){
  var d=document;d.documentElement.classList.add("js");d.documentElement.setAttribute("data-js","on");
  function key(td){var v=td.getAttribute("data-sort");return v===null?td.textContent.trim().toLowerCase():v;}
  function num(v){return v!==""&&!isNaN(v)?parseFloat(v):null;}
  d.querySelectorAll("table.sortable").forEach(function(t){
    t.querySelectorAll("th").forEach(function(th,i){
      th.classList.add("sort");var asc=true;
      th.addEventListener("click",function(){
        var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]),nx=num(x),ny=num(y);
          var c=(nx!==null&&ny!==null)?nx-ny:(x<y?-1:x>y?1:0);return asc?c:-c;});
        asc=!asc;rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  d.querySelectorAll(".controls").forEach(function(c){
    var t=d.getElementById(c.getAttribute("data-for")),q=c.querySelector("input"),s=c.querySelector("select"),n=c.querySelector(".shown");
    function apply(){var text=q.value.toLowerCase(),v=s.value,shown=0;
      Array.prototype.forEach.call(t.tBodies[0].rows,function(r){
        var ok=(!v||r.getAttribute("data-verdict")===v)&&(!text||r.textContent.toLowerCase().indexOf(text)>=0);
        r.hidden=!ok;if(ok)shown++;});
      n.textContent=shown+" shown";}
    q.addEventListener("input",apply);s.addEventListener("change",apply);apply();
  });
  var counts={};
  d.querySelectorAll("#workloads tbody tr").forEach(function(r){var v=r.getAttribute("data-verdict");counts[v]=(counts[v]||0)+1;});
  var out=d.getElementById("dom-counts");
  ["ready","review","blocked"].forEach(function(v){out.setAttribute("data-"+v,String(counts[v]||0));});
  window.addEventListener("beforeprint",function(){d.querySelectorAll("details").forEach(function(x){x.open=true;});});
})();
"##;

/// HTML text and attribute values: `& < > " '` as references, controls shown escaped.
pub fn esc(s: &str) -> String {
    esc_raw(&crate::report::escape(s))
}

/// `& < > " '` as references, nothing else changed (for snippets, already made printable).
fn esc_raw(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Catalogue text (a rule's summary or fix, or a finding's fix) with its `code` spans as `<code>`.
fn prose(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// The Content-Security-Policy: nothing may load; only this page's own style and script run.
pub fn csp() -> String {
    let hash = |s: &str| sha256::base64(&sha256::digest(s.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src 'none'; base-uri 'none'; form-action 'none'",
        hash(STYLE),
        hash(SCRIPT)
    )
}

fn verdict_cell(v: Verdict) -> String {
    format!(
        "<td class=\"v {0}\" data-sort=\"{1}\">{0}</td>",
        v.as_str(),
        v as u8
    )
}

fn pct(t: &Tally) -> String {
    t.percent_ready()
        .map_or_else(|| "–".to_string(), |p| format!("{p} %"))
}

pub fn render(r: &Readiness<'_>) -> String {
    let report = r.report;
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{} migration readiness</title>\n<style>{STYLE}</style>\n</head><body>\n",
        csp(),
        esc(&report.inventory.host.0)
    );
    let _ = writeln!(
        s,
        "<h1>{} migration readiness</h1>\n<p class=\"muted\">hostlint {} · {} file{} · {} object{} · AKS-managed objects are listed apart and are not the team's blockers.</p>",
        esc(&report.inventory.host.0),
        env!("CARGO_PKG_VERSION"),
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.objects,
        if report.objects == 1 { "" } else { "s" },
    );

    // Summary numbers (each with a data-count the browser test reads).
    s.push_str("<section id=\"summary\"><div class=\"cards\">\n");
    let card = |s: &mut String, class: &str, key: &str, n: String, what: &str| {
        let _ = writeln!(
            s,
            "<div class=\"card {class}\"><span class=\"num\" data-count=\"{key}\">{n}</span>{what}</div>"
        );
    };
    card(
        &mut s,
        "",
        "workloads",
        r.team.total.to_string(),
        "workloads",
    );
    card(&mut s, "ready", "ready", r.team.ready.to_string(), "ready");
    card(
        &mut s,
        "review",
        "review",
        r.team.review.to_string(),
        "to review",
    );
    card(
        &mut s,
        "blocked",
        "blocked",
        r.team.blocked.to_string(),
        "blocked",
    );
    card(&mut s, "", "percent-ready", pct(&r.team), "ready share");
    card(
        &mut s,
        "",
        "managed",
        r.managed.total.to_string(),
        "managed by AKS",
    );
    card(
        &mut s,
        "",
        "pools-ready",
        format!("{}/{}", r.pools.ready, r.pools.total),
        "node pools ready",
    );
    s.push_str("</div><div class=\"cards\">\n");
    card(
        &mut s,
        "blocked",
        "errors",
        report.count(Severity::Error).to_string(),
        "errors",
    );
    card(
        &mut s,
        "review",
        "warnings",
        report.count(Severity::Warning).to_string(),
        "warnings",
    );
    card(
        &mut s,
        "",
        "infos",
        report.count(Severity::Info).to_string(),
        "info",
    );
    card(
        &mut s,
        "",
        "suppressed",
        report
            .findings
            .iter()
            .filter(|f| !f.counts())
            .count()
            .to_string(),
        "suppressed",
    );
    card(
        &mut s,
        "",
        "input-errors",
        report.errors.len().to_string(),
        "input errors",
    );
    s.push_str("</div><span id=\"dom-counts\" hidden></span></section>\n");

    // Charts.
    let by_ns: Vec<(String, usize)> = {
        let mut v: Vec<(String, usize)> = r
            .namespaces
            .iter()
            .filter(|n| n.tally.blocked > 0)
            .map(|n| {
                (
                    n.namespace
                        .clone()
                        .unwrap_or_else(|| "(none written)".into()),
                    n.tally.blocked,
                )
            })
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let by_rule: Vec<(String, usize)> = r
        .blockers
        .iter()
        .map(|g| (g.rule.to_string(), g.workloads.len() + g.pools))
        .collect();
    if !by_rule.is_empty() {
        s.push_str("<section id=\"charts\"><h2>Blockers</h2><div class=\"charts\">\n");
        chart(
            &mut s,
            "Workloads and pools blocked, by rule",
            "chart-rules",
            &by_rule,
            "bar",
        );
        chart(
            &mut s,
            "Blocked workloads, by namespace",
            "chart-namespaces",
            &by_ns,
            "bar ns",
        );
        s.push_str("</div></section>\n");
    }

    groups(&mut s, r, "blockers", "Blockers by rule", &r.blockers);
    groups(
        &mut s,
        r,
        "warnings",
        "To review (warnings) by rule",
        &r.warnings,
    );

    // Namespaces.
    s.push_str("<section><h2>Namespaces</h2>\n<table class=\"sortable\" id=\"namespaces\"><thead><tr><th>namespace</th><th class=\"n\">workloads</th><th class=\"n\">ready</th><th class=\"n\">review</th><th class=\"n\">blocked</th><th class=\"n\">ready share</th><th class=\"n\">errors</th></tr></thead><tbody>\n");
    for n in &r.namespaces {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\" data-sort=\"{}\">{}</td><td class=\"n\">{}</td></tr>",
            n.namespace.as_deref().map_or_else(
                || "<span class=\"muted\">(none written)</span>".to_string(),
                |x| format!("<code>{}</code>", esc(x))
            ),
            n.tally.total,
            n.tally.ready,
            n.tally.review,
            n.tally.blocked,
            n.tally.percent_ready().unwrap_or(0),
            pct(&n.tally),
            n.errors
        );
    }
    s.push_str("</tbody></table></section>\n");

    // Clusters and pools.
    if !r.clusters.is_empty() {
        s.push_str("<section><h2>Clusters and node pools</h2>\n<table class=\"sortable\" id=\"pools\"><thead><tr><th>cluster</th><th>pool</th><th>OS SKU</th><th>verdict</th><th>findings</th><th>where</th></tr></thead><tbody>\n");
        for c in &r.clusters {
            let rows: Vec<_> = if c.pools.is_empty() {
                vec![(None, Some(c.verdict), c.line)]
            } else {
                c.pools
                    .iter()
                    .map(|p| (Some(p), p.verdict, p.meta.line))
                    .collect()
            };
            for (p, v, line) in rows {
                let mut findings = c.findings.clone();
                if let Some(p) = p {
                    findings.extend(&p.findings);
                }
                let _ = writeln!(
                    s,
                    "<tr data-verdict=\"{}\"><td><code>{}</code> <span class=\"muted\">{}</span></td><td>{}</td><td>{}</td>{}<td>{}</td><td><code>{}:{}</code></td></tr>",
                    v.map_or("none", Verdict::as_str),
                    esc(&c.name),
                    esc(&c.kind),
                    p.and_then(|p| p.meta.name.as_deref()).map_or_else(
                        || "<span class=\"muted\">–</span>".into(),
                        |n| format!("<code>{}</code>", esc(n))
                    ),
                    p.and_then(|p| p.meta.os_sku.as_deref())
                        .map_or_else(|| "–".into(), esc),
                    match (v, p) {
                        (Some(v), _) => verdict_cell(v),
                        (None, Some(p)) if !p.meta.unresolved.is_empty() => format!(
                            "<td class=\"v\" data-sort=\"-1\">unresolved: {}</td>",
                            p.meta
                                .unresolved
                                .iter()
                                .map(|f| format!("<code>{}</code>", esc(f)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        (None, _) => format!(
                            "<td class=\"v\" data-sort=\"-1\">not an {} candidate</td>",
                            esc(&r.report.inventory.host.1)
                        ),
                    },
                    if c.unresolved.is_empty() {
                        finding_list(r, &findings)
                    } else {
                        format!(
                            "{} <span class=\"muted\">cluster values unresolved: {}</span>",
                            finding_list(r, &findings),
                            c.unresolved
                                .iter()
                                .map(|f| format!("<code>{}</code>", esc(f)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                    esc(p.and_then(|p| p.meta.file.as_deref()).unwrap_or(&c.file)),
                    line
                );
            }
        }
        s.push_str("</tbody></table></section>\n");
    }

    // Workloads.
    let team: Vec<&Workload> = r.workloads.iter().filter(|w| w.managed.is_none()).collect();
    let managed: Vec<&Workload> = r.workloads.iter().filter(|w| w.managed.is_some()).collect();
    workload_table(&mut s, r, "workloads", "Workloads", &team);
    workload_table(
        &mut s,
        r,
        "managed",
        "Managed by AKS (not the team's blockers)",
        &managed,
    );

    // Findings in detail, by workload.
    s.push_str("<section id=\"details\"><h2>Findings by workload</h2>\n");
    for w in r.workloads.iter().filter(|w| w.verdict != Verdict::Ready) {
        let _ = writeln!(
            s,
            "<details id=\"w-{}\"><summary><span class=\"v {}\">{}</span> <code>{}</code>{}</summary>",
            anchor(w),
            w.verdict.as_str(),
            w.verdict.as_str(),
            esc(&w.id.display()),
            if w.managed.is_some() {
                " <span class=\"muted\">(managed by AKS)</span>"
            } else {
                ""
            }
        );
        details(&mut s, r, &w.findings);
        s.push_str("</details>\n");
    }
    for c in &r.clusters {
        let all: Vec<usize> = c
            .findings
            .iter()
            .chain(c.pools.iter().flat_map(|p| &p.findings))
            .copied()
            .collect();
        if all.iter().any(|&i| {
            report.findings[i].counts() && report.findings[i].severity >= Severity::Warning
        }) {
            let _ = writeln!(
                s,
                "<details><summary><span class=\"v {}\">{}</span> cluster <code>{}</code></summary>",
                Verdict::of(all.iter().map(|&i| &report.findings[i])).as_str(),
                Verdict::of(all.iter().map(|&i| &report.findings[i])).as_str(),
                esc(&c.name)
            );
            details(&mut s, r, &all);
            s.push_str("</details>\n");
        }
    }
    if !r.other.is_empty() {
        s.push_str("<details><summary>Findings about no object</summary>\n");
        details(&mut s, r, &r.other);
        s.push_str("</details>\n");
    }
    s.push_str("</section>\n");

    if !report.errors.is_empty() {
        s.push_str("<section id=\"input-errors\"><h2>Inputs that could not be read</h2><ul>\n");
        for e in &report.errors {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", e.file),
                _ => e.file.to_string(),
            };
            let _ = writeln!(s, "<li><code>{}</code>: {}</li>", esc(&at), esc(&e.message));
        }
        s.push_str("</ul></section>\n");
    }
    let _ = write!(s, "<script>{SCRIPT}</script>\n</body></html>\n");
    s
}

/// A stable fragment id for a workload (hex of its identity: no input text in an id).
fn anchor(w: &Workload) -> String {
    let d = sha256::digest(w.id.display().as_bytes());
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn chart(s: &mut String, title: &str, id: &str, data: &[(String, usize)], class: &str) {
    const ROWS: usize = 15;
    const LABEL: u32 = 230;
    const WIDTH: u32 = 300;
    let max = data.iter().map(|d| d.1).max().unwrap_or(1).max(1);
    let shown = &data[..data.len().min(ROWS)];
    let height = 22 * shown.len() as u32 + 6;
    let _ = writeln!(
        s,
        "<figure><figcaption>{}</figcaption><svg id=\"{id}\" role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title),
        esc(title),
        LABEL + WIDTH + 50,
        LABEL + WIDTH + 50
    );
    for (i, (label, n)) in shown.iter().enumerate() {
        let y = 22 * i as u32 + 4;
        let w = ((*n as u64 * u64::from(WIDTH)) / max as u64).max(1);
        let short: String = if label.chars().count() > 34 {
            label.chars().take(33).chain(['…']).collect()
        } else {
            label.clone()
        };
        let _ = writeln!(
            s,
            "<g data-label=\"{}\" data-value=\"{n}\"><title>{}: {n}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"{class}\" x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"16\" rx=\"2\"/><text x=\"{}\" y=\"{}\">{n}</text></g>",
            esc(label),
            esc(label),
            LABEL - 6,
            y + 12,
            esc(&short),
            LABEL as u64 + w + 6,
            y + 12
        );
    }
    s.push_str("</svg>");
    if data.len() > ROWS {
        let _ = write!(s, "<p class=\"muted\">and {} more</p>", data.len() - ROWS);
    }
    s.push_str("</figure>\n");
}

fn groups(s: &mut String, r: &Readiness<'_>, id: &str, title: &str, groups: &[RuleGroup]) {
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<section><h2>{title}</h2>\n<table class=\"sortable\" id=\"{id}\"><thead><tr><th>rule</th><th class=\"n\">workloads</th><th class=\"n\">pools</th><th class=\"n\">findings</th><th>fix</th><th>workloads</th></tr></thead><tbody>"
    );
    for g in groups {
        let mut names: Vec<String> = g
            .workloads
            .iter()
            .take(50)
            .map(|&w| {
                let w = &r.workloads[w];
                format!(
                    "<a href=\"#w-{}\"><code>{}</code></a>",
                    anchor(w),
                    esc(&w.id.display())
                )
            })
            .collect();
        if g.workloads.len() > 50 {
            names.push(format!("and {} more", g.workloads.len() - 50));
        }
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code><br><span class=\"muted\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            g.rule,
            prose(g.summary),
            g.workloads.len(),
            g.pools,
            g.findings,
            prose(g.fix),
            names.join(", ")
        );
    }
    s.push_str("</tbody></table></section>\n");
}

fn workload_table(s: &mut String, r: &Readiness<'_>, id: &str, title: &str, ws: &[&Workload]) {
    if ws.is_empty() && id == "managed" {
        return;
    }
    let _ = writeln!(
        s,
        "<section><h2>{title} <span class=\"muted\">({})</span></h2>\n<div class=\"controls\" data-for=\"{id}\"><input type=\"search\" placeholder=\"filter: name, namespace, rule…\" aria-label=\"filter\"><select aria-label=\"verdict\"><option value=\"\">any verdict</option><option value=\"blocked\">blocked</option><option value=\"review\">review</option><option value=\"ready\">ready</option></select><span class=\"shown muted\"></span></div>\n<table class=\"sortable\" id=\"{id}\"><thead><tr><th>verdict</th><th>kind</th><th>namespace</th><th>name</th><th class=\"n\">objects</th><th>rules</th><th>where</th>{}</tr></thead><tbody>",
        ws.len(),
        if id == "managed" {
            "<th>managed because</th>"
        } else {
            ""
        }
    );
    for w in ws {
        let _ = writeln!(
            s,
            "<tr data-verdict=\"{}\">{}<td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>{}</tr>",
            w.verdict.as_str(),
            verdict_cell(w.verdict),
            esc(&w.id.kind),
            w.id.namespace
                .as_deref()
                .map_or_else(String::new, |n| format!("<code>{}</code>", esc(n))),
            if w.verdict == Verdict::Ready {
                format!("<code>{}</code>", esc(&w.id.name))
            } else {
                format!(
                    "<a href=\"#w-{}\"><code>{}</code></a>",
                    anchor(w),
                    esc(&w.id.name)
                )
            },
            1 + w.members.len(),
            finding_list(r, &w.findings),
            match (&w.file, w.line) {
                (Some(f), Some(l)) => format!("<code>{}:{l}</code>", esc(f)),
                _ => String::new(),
            },
            match &w.managed {
                Some(m) => format!("<td>{}</td>", esc(m)),
                None => String::new(),
            }
        );
    }
    s.push_str("</tbody></table></section>\n");
}

/// The distinct rules of a set of counted findings, worst first, coloured by severity.
fn finding_list(r: &Readiness<'_>, findings: &[usize]) -> String {
    let mut seen: Vec<(std::cmp::Reverse<Severity>, &str)> = findings
        .iter()
        .map(|&i| &r.report.findings[i])
        .filter(|f| f.counts())
        .map(|f| (std::cmp::Reverse(f.severity), f.rule))
        .collect();
    seen.sort();
    seen.dedup();
    seen.iter()
        .map(|(sev, rule)| format!("<code class=\"sev-{}\">{rule}</code>", sev.0.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each distinct finding once (the same problem on a Deployment, its ReplicaSet and its Pods is
/// one entry that names the other objects), with file:line, snippet and fix.
fn details(s: &mut String, r: &Readiness<'_>, findings: &[usize]) {
    /// Worst first; then rule, message, container and field: what makes two findings one.
    type Same<'f> = (
        std::cmp::Reverse<Severity>,
        &'f str,
        &'f str,
        Option<&'f str>,
        &'f str,
    );
    let mut by: BTreeMap<Same<'_>, Vec<&Finding>> = BTreeMap::new();
    for &i in findings {
        let f = &r.report.findings[i];
        by.entry((
            std::cmp::Reverse(f.severity),
            f.rule,
            f.message.as_str(),
            f.container.as_deref(),
            f.key.as_str(),
        ))
        .or_default()
        .push(f);
    }
    for ((sev, rule, message, container, _), fs) in by {
        let f = fs[0];
        let _ = write!(
            s,
            "<div class=\"finding {}\"><p><span class=\"sev-{0}\">{0}</span> <code>{}</code>{}: {}{}</p><p><code>{}</code></p>",
            sev.0.as_str(),
            rule,
            container.map_or_else(String::new, |c| format!(
                " in container <code>{}</code>",
                esc(c)
            )),
            esc(message),
            match &f.suppressed {
                Some(_) => " <span class=\"muted\">(suppressed)</span>",
                None => "",
            },
            esc(&location(f))
        );
        if let Some((first, text)) = &f.snippet {
            s.push_str("<pre>");
            for (i, line) in text.lines().enumerate() {
                let _ = writeln!(
                    s,
                    "{:>5} | {}",
                    *first as usize + i,
                    esc_raw(&crate::report::escape_source(line))
                );
            }
            s.push_str("</pre>");
        }
        let _ = write!(s, "<p>fix: {}</p>", prose(&f.fix));
        if fs.len() > 1 {
            let others: Vec<String> = fs[1..]
                .iter()
                .take(10)
                .map(|o| {
                    format!(
                        "<code>{}</code>",
                        esc(&o
                            .object
                            .as_ref()
                            .map_or_else(|| location(o), |id| id.display()))
                    )
                })
                .collect();
            let _ = write!(
                s,
                "<p class=\"muted\">also on {} more object{}: {}{}</p>",
                fs.len() - 1,
                if fs.len() == 2 { "" } else { "s" },
                others.join(", "),
                if fs.len() > 11 { ", …" } else { "" }
            );
        }
        s.push_str("</div>\n");
    }
}
