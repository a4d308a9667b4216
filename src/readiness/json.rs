//! `report --format json`: the readiness report for machines. `findings`, `errors`, `skipped` and
//! `summary` are `check --format json`'s own; workloads, clusters and rule groups point into
//! `findings` by index.

use serde::Serialize;

use super::{Readiness, RuleGroup, Tally, Verdict};
use crate::model::object::ObjectId;
use crate::report::json::{JsonFinding, JsonSkip, Summary};

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    readiness: Totals,
    workloads: Vec<WorkloadOut<'a>>,
    namespaces: Vec<NamespaceOut<'a>>,
    clusters: Vec<ClusterOut<'a>>,
    blockers: Vec<GroupOut<'a>>,
    warnings: Vec<GroupOut<'a>>,
    other_findings: &'a [usize],
    findings: Vec<JsonFinding<'a>>,
    errors: &'a [crate::InputError],
    skipped: Vec<JsonSkip<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Totals {
    /// The team's workloads (AKS-managed ones are in `managed`).
    workloads: TallyOut,
    managed: TallyOut,
    pools: TallyOut,
}

#[derive(Serialize)]
struct TallyOut {
    #[serde(flatten)]
    tally: Tally,
    percent_ready: Option<usize>,
}

impl From<Tally> for TallyOut {
    fn from(tally: Tally) -> Self {
        TallyOut {
            tally,
            percent_ready: tally.percent_ready(),
        }
    }
}

#[derive(Serialize)]
struct WorkloadOut<'a> {
    #[serde(flatten)]
    id: &'a ObjectId,
    verdict: Verdict,
    file: Option<&'a str>,
    line: Option<u32>,
    defined: bool,
    managed_by_aks: Option<&'a str>,
    objects: &'a [ObjectId],
    findings: &'a [usize],
}

#[derive(Serialize)]
struct NamespaceOut<'a> {
    namespace: Option<&'a str>,
    #[serde(flatten)]
    tally: TallyOut,
    errors: usize,
}

#[derive(Serialize)]
struct ClusterOut<'a> {
    kind: &'a str,
    name: &'a str,
    file: &'a str,
    line: u32,
    verdict: Verdict,
    /// Relevant cluster-level fields that could not be resolved.
    unresolved: &'a [String],
    findings: &'a [usize],
    pools: Vec<PoolOut<'a>>,
}

#[derive(Serialize)]
struct PoolOut<'a> {
    name: Option<&'a str>,
    /// The file the pool is written in, when it is not its cluster's.
    file: Option<&'a str>,
    line: u32,
    os_sku: Option<&'a str>,
    candidate: bool,
    /// Relevant fields that could not be resolved, when the pool may be an ACL pool.
    unresolved: &'a [String],
    verdict: Option<Verdict>,
    findings: &'a [usize],
}

#[derive(Serialize)]
struct GroupOut<'a> {
    rule: &'a str,
    summary: &'a str,
    fix: &'a str,
    /// Indices into `workloads`.
    workloads: &'a [usize],
    pools: usize,
    findings: usize,
}

fn group(g: &RuleGroup) -> GroupOut<'_> {
    GroupOut {
        rule: g.rule,
        summary: g.summary,
        fix: g.fix,
        workloads: &g.workloads,
        pools: g.pools,
        findings: g.findings,
    }
}

pub fn render(r: &Readiness<'_>) -> String {
    let report = r.report;
    let out = Out {
        version: 1,
        readiness: Totals {
            workloads: r.team.into(),
            managed: r.managed.into(),
            pools: r.pools.into(),
        },
        workloads: r
            .workloads
            .iter()
            .map(|w| WorkloadOut {
                id: &w.id,
                verdict: w.verdict,
                file: w.file.as_deref(),
                line: w.line,
                defined: w.defined,
                managed_by_aks: w.managed.as_deref(),
                objects: &w.members,
                findings: &w.findings,
            })
            .collect(),
        namespaces: r
            .namespaces
            .iter()
            .map(|n| NamespaceOut {
                namespace: n.namespace.as_deref(),
                tally: n.tally.into(),
                errors: n.errors,
            })
            .collect(),
        clusters: r
            .clusters
            .iter()
            .map(|c| ClusterOut {
                kind: &c.kind,
                name: &c.name,
                file: &c.file,
                line: c.line,
                verdict: c.verdict,
                unresolved: &c.unresolved,
                findings: &c.findings,
                pools: c
                    .pools
                    .iter()
                    .map(|p| PoolOut {
                        name: p.meta.name.as_deref(),
                        file: p.meta.file.as_deref(),
                        line: p.meta.line,
                        os_sku: p.meta.os_sku.as_deref(),
                        candidate: p.meta.candidate,
                        unresolved: &p.meta.unresolved,
                        verdict: p.verdict,
                        findings: &p.findings,
                    })
                    .collect(),
            })
            .collect(),
        blockers: r.blockers.iter().map(group).collect(),
        warnings: r.warnings.iter().map(group).collect(),
        other_findings: &r.other,
        findings: report.findings.iter().map(JsonFinding::of).collect(),
        errors: &report.errors,
        skipped: JsonSkip::all(report),
        summary: Summary::of(report),
    };
    crate::report::json::pretty(&out)
}
