//! Baselines (`--write-baseline FILE`, `--baseline FILE`): the findings a repository already has, keyed by
//! [`Finding::fingerprint`] (rule + object identity + field path + container, never line numbers), so that
//! edits elsewhere in a file do not revive them. Findings in the baseline are marked suppressed (kind
//! `baseline`) and do not count; a fixed finding is simply absent from the next written baseline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::suppress::{Suppression, SuppressionKind};
use crate::{Finding, Report};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One baselined finding; only `fingerprint` is used for matching, the rest helps a reader.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub path: String,
}

/// The baseline of a report: every finding not silenced in the source or the config (baselined ones stay).
pub fn of(report: &Report) -> Baseline {
    let mut findings: Vec<Entry> = report
        .findings
        .iter()
        .filter(|f| {
            f.suppressed
                .as_ref()
                .is_none_or(|s| s.kind == SuppressionKind::Baseline)
        })
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.to_string(),
            file: f.file.to_string(),
            object: f.object.as_ref().map(|o| match &o.namespace {
                Some(ns) => format!("{}/{}/{}", o.kind, ns, o.name),
                None => format!("{}/{}", o.kind, o.name),
            }),
            path: f.path.clone(),
        })
        .collect();
    findings.sort_by(|a, b| (&a.file, &a.fingerprint).cmp(&(&b.file, &b.fingerprint)));
    Baseline {
        version: 1,
        findings,
    }
}

pub fn render(b: &Baseline) -> String {
    serde_json::to_string_pretty(b).unwrap_or_default() + "\n"
}

pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| {
        format!(
            "bad baseline at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    if b.version != 1 {
        return Err(format!(
            "baseline version `{}` is not supported (expected 1)",
            b.version
        ));
    }
    Ok(b)
}

/// Marks the findings the baseline holds (each entry absorbs as many findings as it occurs times).
pub fn apply(baseline: &Baseline, findings: &mut [Finding]) {
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &baseline.findings {
        *left.entry(e.fingerprint.as_str()).or_default() += 1;
    }
    for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
        if let Some(n) = left.get_mut(f.fingerprint.as_str())
            && *n > 0
        {
            *n -= 1;
            f.suppressed = Some(Suppression {
                kind: SuppressionKind::Baseline,
                reason: "in the baseline".into(),
            });
        }
    }
}
