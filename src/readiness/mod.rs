//! `hostlint report`: the migration readiness report (SPEC: Report).
//!
//! The findings of a run are folded into workloads (Pods, ReplicaSets and Jobs into the controller
//! that owns them), namespaces and node pools, each **ready** (no warning or error), **review**
//! (warnings) or **blocked** (an error). Objects that AKS manages are listed apart. Every counted
//! finding of the run belongs to exactly one workload, cluster or the "other findings" list, so the
//! report's totals are `check`'s.

pub mod html;
pub mod inventory;
pub mod json;
pub mod markdown;
mod sha256;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

pub use inventory::Inventory;
use inventory::{ObjectMeta, PoolMeta};

use crate::model::object::ObjectId;
use crate::rules::Severity;
use crate::source::FileName;
use crate::{Finding, Report};

/// What a workload, pool or namespace needs before the move. Ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing at warning or error: it can move as it is.
    Ready,
    /// Warnings: it will very likely fail or silently do nothing; someone must look.
    Review,
    /// An error: it will fail on ACL until it is changed.
    Blocked,
}

impl Verdict {
    /// The verdict of a set of findings: only those that count (not suppressed) decide.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Verdict {
        findings
            .into_iter()
            .filter(|f| f.counts())
            .map(|f| match f.severity {
                Severity::Error => Verdict::Blocked,
                Severity::Warning => Verdict::Review,
                Severity::Info => Verdict::Ready,
            })
            .max()
            .unwrap_or(Verdict::Ready)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::Review => "review",
            Verdict::Blocked => "blocked",
        }
    }
}

/// Counts of verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: usize,
    pub ready: usize,
    pub review: usize,
    pub blocked: usize,
}

impl Tally {
    pub fn add(&mut self, v: Verdict) {
        self.total += 1;
        match v {
            Verdict::Ready => self.ready += 1,
            Verdict::Review => self.review += 1,
            Verdict::Blocked => self.blocked += 1,
        }
    }

    /// The share of ready items in percent, rounded down (so 99.6 % is never shown as 100 %);
    /// `None` when there is nothing.
    pub fn percent_ready(&self) -> Option<usize> {
        (self.total > 0).then(|| self.ready * 100 / self.total)
    }
}

/// A workload: a controller (or a standalone Pod, or any object with findings) and the objects
/// folded into it.
#[derive(Clone, Debug)]
pub struct Workload {
    pub id: ObjectId,
    /// Where the workload is defined; for a controller only named by its objects' owner references
    /// (not among the inputs), where the first of those objects is.
    pub file: Option<FileName>,
    pub line: Option<u32>,
    /// Whether the workload's own object is among the inputs.
    pub defined: bool,
    /// The objects folded into it (ReplicaSets, Pods, Jobs), in input order.
    pub members: Vec<ObjectId>,
    /// Why AKS manages it, when it does.
    pub managed: Option<String>,
    /// Indices into the report's findings.
    pub findings: Vec<usize>,
    pub verdict: Verdict,
}

/// A namespace's team workloads.
#[derive(Clone, Debug)]
pub struct NamespaceRow {
    /// `None`: objects written without a namespace (a repository's manifests).
    pub namespace: Option<String>,
    pub tally: Tally,
    /// Errors that count, over its workloads.
    pub errors: usize,
}

/// A cluster (or a standalone pool) and its pools.
#[derive(Clone, Debug)]
pub struct ClusterView {
    pub kind: String,
    pub name: String,
    pub file: FileName,
    pub line: u32,
    /// Findings about the cluster itself (they hold back every candidate pool).
    pub findings: Vec<usize>,
    pub verdict: Verdict,
    pub pools: Vec<PoolView>,
    /// Relevant cluster-level fields that could not be resolved (`-v` says why).
    pub unresolved: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct PoolView {
    pub meta: PoolMeta,
    pub findings: Vec<usize>,
    /// `None` for a pool that is no ACL candidate and has no finding (a Windows pool, an Ubuntu
    /// pool without `--all-pools`).
    pub verdict: Option<Verdict>,
}

/// The workloads, pools and findings behind one rule.
#[derive(Clone, Debug)]
pub struct RuleGroup {
    pub rule: &'static str,
    pub summary: &'static str,
    /// The rule's fix, shown once for the group.
    pub fix: &'static str,
    /// Indices into [`Readiness::workloads`] (team workloads only).
    pub workloads: Vec<usize>,
    /// Pools it holds back (cluster-level findings count every candidate pool of the cluster; a
    /// cluster without pools counts as one).
    pub pools: usize,
    /// Findings, counted ones only.
    pub findings: usize,
}

/// The whole report.
pub struct Readiness<'r> {
    pub report: &'r Report,
    /// Team workloads first, then AKS-managed ones; within each, blocked first.
    pub workloads: Vec<Workload>,
    pub namespaces: Vec<NamespaceRow>,
    pub clusters: Vec<ClusterView>,
    /// Errors by rule, most workloads and pools first.
    pub blockers: Vec<RuleGroup>,
    /// Warnings by rule, likewise.
    pub warnings: Vec<RuleGroup>,
    /// Findings that belong to no object (an input's own problems, like a duplicate key).
    pub other: Vec<usize>,
    pub team: Tally,
    pub managed: Tally,
    pub pools: Tally,
}

/// `(namespace, kind, name)`: how owner references and names find an object.
type Key = (Option<String>, String, String);

fn key_of(id: &ObjectId) -> Key {
    (id.namespace.clone(), id.kind.clone(), id.name.clone())
}

/// A step up the ownership chain: an object among the inputs, or one only named.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Up {
    Object(usize),
    Named(Key),
}

/// The alphabet of the random and hash suffixes Kubernetes generates (`k8s.io/apimachinery`
/// `rand.SafeEncodeString`: no vowels, no look-alikes).
fn generated(seg: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&seg.len())
        && seg
            .bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
}

fn digits(seg: &str) -> bool {
    !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit())
}

/// `name` without its last `-segment`, and that segment.
fn split_last(name: &str) -> Option<(&str, &str)> {
    let (head, tail) = name.rsplit_once('-')?;
    (!head.is_empty()).then_some((head, tail))
}

/// The owners an object's name says it was generated by, as Kubernetes' controllers name what
/// they create (used when it has no `ownerReferences`, as in a repository or a trimmed dump):
/// Deployment `web` → ReplicaSet `web-<hash>` → Pod `web-<hash>-<5>`; DaemonSet/Job/ReplicaSet
/// `x` → Pod `x-<5>`; StatefulSet `db` → Pod `db-<ordinal>`; CronJob `c` → Job `c-<minutes>`.
fn named_owners<'n>(kind: &str, name: &'n str) -> Vec<(&'static str, &'n str)> {
    let mut out = Vec::new();
    let Some((head, last)) = split_last(name) else {
        return out;
    };
    match kind {
        "Pod" => {
            if digits(last) {
                out.push(("StatefulSet", head));
            }
            if generated(last, 5, 5) {
                for k in ["ReplicaSet", "DaemonSet", "Job", "ReplicationController"] {
                    out.push((k, head));
                }
                if let Some((head2, mid)) = split_last(head) {
                    if generated(mid, 5, 10) {
                        out.push(("Deployment", head2));
                    }
                    if digits(mid) {
                        out.push(("CronJob", head2));
                    }
                }
            }
        }
        "ReplicaSet" if generated(last, 5, 10) => out.push(("Deployment", head)),
        "Job" if digits(last) => out.push(("CronJob", head)),
        _ => {}
    }
    out
}

struct Folder<'a> {
    objects: &'a [ObjectMeta],
    by_key: HashMap<Key, usize>,
    by_uid: HashMap<&'a str, usize>,
}

impl<'a> Folder<'a> {
    fn new(objects: &'a [ObjectMeta]) -> Self {
        let mut by_key = HashMap::with_capacity(objects.len());
        let mut by_uid = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_key.entry(key_of(&o.id)).or_insert(i);
            if let Some(uid) = &o.uid {
                by_uid.entry(uid.as_str()).or_insert(i);
            }
        }
        Folder {
            objects,
            by_key,
            by_uid,
        }
    }

    /// The owner a name points at, among the inputs.
    fn by_name(&self, ns: &Option<String>, kind: &str, name: &str) -> Option<Up> {
        named_owners(kind, name).into_iter().find_map(|(k, n)| {
            self.by_key
                .get(&(ns.clone(), k.to_string(), n.to_string()))
                .map(|&j| Up::Object(j))
        })
    }

    fn parent(&self, at: &Up, hash: Option<&str>) -> Option<Up> {
        match at {
            Up::Object(i) => {
                let o = &self.objects[*i];
                let Some(r) = o.owners.iter().find(|r| r.controller).or(o.owners.first()) else {
                    return self.by_name(&o.id.namespace, &o.id.kind, &o.id.name);
                };
                if let Some(&j) = r.uid.as_deref().and_then(|u| self.by_uid.get(u)) {
                    return Some(Up::Object(j));
                }
                let k = (o.id.namespace.clone(), r.kind.clone(), r.name.clone());
                Some(match self.by_key.get(&k) {
                    Some(&j) => Up::Object(j),
                    None => Up::Named(k),
                })
            }
            Up::Named((ns, kind, name)) => {
                if let Some(up) = self.by_name(ns, kind, name) {
                    return Some(up);
                }
                // A Deployment's ReplicaSet is named `<deployment>-<pod-template-hash>`: the
                // Deployment is known from a Pod's label even when neither is in the dump.
                let h = hash?;
                let head = name.strip_suffix(h)?.strip_suffix('-')?;
                (kind == "ReplicaSet" && !head.is_empty())
                    .then(|| Up::Named((ns.clone(), "Deployment".into(), head.into())))
            }
        }
    }

    /// The top of an object's ownership chain.
    fn root(&self, i: usize) -> Up {
        let hash = self.objects[i].pod_template_hash.as_deref();
        let mut at = Up::Object(i);
        let mut seen = vec![at.clone()];
        // Chains are short (Pod → ReplicaSet → Deployment). Owner references that go round in a
        // circle (corrupt or hostile input) have no top: every object of the circle gets the same
        // one, the least by key, so that each lands in one workload whichever it starts from.
        while let Some(up) = self.parent(&at, hash) {
            if let Some(from) = seen.iter().position(|s| *s == up) {
                return seen[from..]
                    .iter()
                    .min_by_key(|u| self.key(u))
                    .cloned()
                    .unwrap_or(up);
            }
            if seen.len() > 16 {
                break;
            }
            seen.push(up.clone());
            at = up;
        }
        at
    }

    fn key(&self, at: &Up) -> Key {
        match at {
            Up::Object(i) => key_of(&self.objects[*i].id),
            Up::Named(k) => k.clone(),
        }
    }
}

/// Builds the report from a run linted with [`crate::Config::inventory`] on.
pub fn build(report: &Report) -> Readiness<'_> {
    let inv = &report.inventory;
    let folder = Folder::new(&inv.objects);

    // Workloads by their root's key; objects by index → workload.
    let mut workloads: Vec<Workload> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut of_object: Vec<usize> = Vec::with_capacity(inv.objects.len());
    let mut listed: Vec<bool> = Vec::new();
    // (workload, object) pairs already recorded: an object written in two inputs is one member.
    let mut folded: std::collections::HashSet<(usize, Key)> = std::collections::HashSet::new();
    for (i, o) in inv.objects.iter().enumerate() {
        let root = folder.root(i);
        let (key, root_meta) = match &root {
            Up::Object(j) => (key_of(&inv.objects[*j].id), Some(&inv.objects[*j])),
            Up::Named(k) => (k.clone(), None),
        };
        let w = *index.entry(key.clone()).or_insert_with(|| {
            workloads.push(Workload {
                id: match root_meta {
                    Some(m) => m.id.clone(),
                    None => ObjectId {
                        api_version: String::new(),
                        kind: key.1.clone(),
                        name: key.2.clone(),
                        namespace: key.0.clone(),
                    },
                },
                file: Some(root_meta.unwrap_or(o).file.clone()),
                line: Some(root_meta.unwrap_or(o).line),
                defined: root_meta.is_some(),
                members: Vec::new(),
                managed: None,
                findings: Vec::new(),
                verdict: Verdict::Ready,
            });
            listed.push(false);
            workloads.len() - 1
        });
        let wl = &mut workloads[w];
        let own = key_of(&o.id);
        if own != key && folded.insert((w, own)) {
            wl.members.push(o.id.clone());
        }
        if wl.managed.is_none() {
            wl.managed = o.managed.clone();
        }
        listed[w] |= o.has_pods;
        of_object.push(w);
    }

    // Clusters by what their findings carry.
    let mut clusters: Vec<ClusterView> = inv
        .clusters
        .iter()
        .map(|c| ClusterView {
            kind: c.kind.clone(),
            name: c.name.clone(),
            file: c.file.clone(),
            line: c.line,
            findings: Vec::new(),
            verdict: Verdict::Ready,
            unresolved: c.unresolved.clone(),
            pools: c
                .pools
                .iter()
                .map(|p| PoolView {
                    meta: p.clone(),
                    findings: Vec::new(),
                    verdict: None,
                })
                .collect(),
        })
        .collect();
    // A cluster's finding is in the file its value is written in (a `terraform.tfvars`, a
    // parameters file): the cluster of that kind and name in the same file first, else in any.
    let mut cluster_index: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut cluster_by_name: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, c) in inv.clusters.iter().enumerate() {
        cluster_index
            .entry((&c.file, &c.kind, &c.name))
            .or_insert(i);
        cluster_by_name.entry((&c.kind, &c.name)).or_insert(i);
    }

    let mut other = Vec::new();
    for (fi, f) in report.findings.iter().enumerate() {
        let Some(id) = &f.object else {
            other.push(fi);
            continue;
        };
        if id.api_version.is_empty()
            && let Some(&c) = cluster_index
                .get(&(&*f.file, id.kind.as_str(), id.name.as_str()))
                .or_else(|| cluster_by_name.get(&(id.kind.as_str(), id.name.as_str())))
        {
            let cv = &mut clusters[c];
            let mut in_pool = false;
            for p in &mut cv.pools {
                let under = !p.meta.path.is_empty()
                    && (f.path == p.meta.path
                        || f.path
                            .strip_prefix(p.meta.path.as_str())
                            .is_some_and(|r| r.starts_with('/')));
                if under || p.meta.value_paths.contains(&f.path) {
                    p.findings.push(fi);
                    in_pool = true;
                }
            }
            if !in_pool {
                cv.findings.push(fi);
            }
            continue;
        }
        let key = key_of(id);
        let w = match folder.by_key.get(&key) {
            Some(&o) => of_object[o],
            // An object the inventory did not record (it always does; kept total all the same).
            None => *index.entry(key).or_insert_with(|| {
                workloads.push(Workload {
                    id: id.clone(),
                    file: Some(f.file.clone()),
                    line: Some(f.span.start.line),
                    defined: true,
                    members: Vec::new(),
                    managed: None,
                    findings: Vec::new(),
                    verdict: Verdict::Ready,
                });
                listed.push(false);
                workloads.len() - 1
            }),
        };
        workloads[w].findings.push(fi);
        listed[w] = true;
    }

    // Verdicts.
    let find = |is: &[usize]| Verdict::of(is.iter().map(|&i| &report.findings[i]));
    let mut kept: Vec<Workload> = workloads
        .into_iter()
        .zip(listed)
        .filter_map(|(mut w, l)| {
            w.verdict = find(&w.findings);
            l.then_some(w)
        })
        .collect();
    kept.sort_by(|a, b| {
        (
            a.managed.is_some(),
            std::cmp::Reverse(a.verdict),
            &a.id.namespace,
            &a.id.kind,
            &a.id.name,
        )
            .cmp(&(
                b.managed.is_some(),
                std::cmp::Reverse(b.verdict),
                &b.id.namespace,
                &b.id.kind,
                &b.id.name,
            ))
    });
    let mut pools = Tally::default();
    for c in &mut clusters {
        c.verdict = find(&c.findings);
        for p in &mut c.pools {
            if p.meta.candidate || !p.findings.is_empty() {
                let v = find(&p.findings).max(c.verdict);
                p.verdict = Some(v);
                pools.add(v);
            }
        }
    }

    // Tallies.
    let (mut team, mut managed) = (Tally::default(), Tally::default());
    let mut namespaces: BTreeMap<Option<String>, NamespaceRow> = BTreeMap::new();
    for w in &kept {
        if w.managed.is_some() {
            managed.add(w.verdict);
            continue;
        }
        team.add(w.verdict);
        let row = namespaces
            .entry(w.id.namespace.clone())
            .or_insert_with(|| NamespaceRow {
                namespace: w.id.namespace.clone(),
                tally: Tally::default(),
                errors: 0,
            });
        row.tally.add(w.verdict);
        row.errors += w
            .findings
            .iter()
            .filter(|&&i| {
                report.findings[i].counts() && report.findings[i].severity == Severity::Error
            })
            .count();
    }
    let mut namespaces: Vec<NamespaceRow> = namespaces.into_values().collect();
    namespaces.sort_by(|a, b| {
        let share = |r: &NamespaceRow| r.tally.ready * 10_000 / r.tally.total.max(1);
        (share(a), std::cmp::Reverse(a.tally.blocked), &a.namespace).cmp(&(
            share(b),
            std::cmp::Reverse(b.tally.blocked),
            &b.namespace,
        ))
    });

    let blockers = groups(report, &kept, &clusters, &other, Severity::Error);
    let warnings = groups(report, &kept, &clusters, &other, Severity::Warning);
    Readiness {
        report,
        workloads: kept,
        namespaces,
        clusters,
        blockers,
        warnings,
        other,
        team,
        managed,
        pools,
    }
}

/// The team's findings at `severity`, by rule: most workloads and pools first.
fn groups(
    report: &Report,
    workloads: &[Workload],
    clusters: &[ClusterView],
    other: &[usize],
    severity: Severity,
) -> Vec<RuleGroup> {
    #[derive(Default)]
    struct Acc {
        workloads: BTreeSet<usize>,
        pools: usize,
        findings: usize,
    }
    let hit = |i: usize| {
        let f = &report.findings[i];
        (f.counts() && f.severity == severity).then_some(f.rule)
    };
    let mut by_rule: BTreeMap<&'static str, Acc> = BTreeMap::new();
    for (wi, w) in workloads.iter().enumerate() {
        if w.managed.is_some() {
            continue;
        }
        for &i in &w.findings {
            if let Some(rule) = hit(i) {
                let acc = by_rule.entry(rule).or_default();
                acc.workloads.insert(wi);
                acc.findings += 1;
            }
        }
    }
    for c in clusters {
        let candidates = c.pools.iter().filter(|p| p.verdict.is_some()).count();
        let mut cluster_rules = BTreeSet::new();
        for &i in &c.findings {
            if let Some(rule) = hit(i) {
                by_rule.entry(rule).or_default().findings += 1;
                cluster_rules.insert(rule);
            }
        }
        for rule in cluster_rules {
            by_rule.entry(rule).or_default().pools += candidates.max(1);
        }
        for p in &c.pools {
            let mut pool_rules = BTreeSet::new();
            for &i in &p.findings {
                if let Some(rule) = hit(i) {
                    by_rule.entry(rule).or_default().findings += 1;
                    pool_rules.insert(rule);
                }
            }
            for rule in pool_rules {
                by_rule.entry(rule).or_default().pools += 1;
            }
        }
    }
    for &i in other {
        if let Some(rule) = hit(i) {
            by_rule.entry(rule).or_default().findings += 1;
        }
    }
    let mut out: Vec<RuleGroup> = by_rule
        .into_iter()
        .map(|(rule, acc)| {
            let r = crate::rules::by_name(rule);
            RuleGroup {
                rule,
                summary: r.map_or("", |r| r.summary),
                fix: r.map_or("", |r| r.fix),
                workloads: acc.workloads.into_iter().collect(),
                pools: acc.pools,
                findings: acc.findings,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.workloads.len() + a.pools),
            std::cmp::Reverse(a.findings),
            a.rule,
        )
            .cmp(&(
                std::cmp::Reverse(b.workloads.len() + b.pools),
                std::cmp::Reverse(b.findings),
                b.rule,
            ))
    });
    out
}

/// Where a finding is: `file:line:col` (with the Helm template when there is one).
pub fn location(f: &Finding) -> String {
    let mut s = format!("{}:{}:{}", f.file, f.span.start.line, f.span.start.col);
    if let Some(h) = &f.helm_source {
        s.push_str(&format!(" ({h})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_fold_as_kubernetes_names_them() {
        assert_eq!(
            named_owners("Pod", "web-7d9c5b6f4-x2x9q"),
            vec![
                ("ReplicaSet", "web-7d9c5b6f4"),
                ("DaemonSet", "web-7d9c5b6f4"),
                ("Job", "web-7d9c5b6f4"),
                ("ReplicationController", "web-7d9c5b6f4"),
                ("Deployment", "web"),
            ]
        );
        assert_eq!(named_owners("Pod", "db-0"), vec![("StatefulSet", "db")]);
        assert_eq!(
            named_owners("Job", "backup-29012345"),
            vec![("CronJob", "backup")]
        );
        assert_eq!(
            named_owners("ReplicaSet", "web-7d9c5b6f4"),
            vec![("Deployment", "web")]
        );
        // Words people write are not generated suffixes: `api-server` is not DaemonSet `api`'s.
        assert!(named_owners("Pod", "api-server").is_empty());
        assert!(named_owners("Pod", "standalone").is_empty());
        assert!(named_owners("Deployment", "web-7d9c5").is_empty());
    }

    #[test]
    fn tally_rounds_down() {
        let mut t = Tally::default();
        assert_eq!(t.percent_ready(), None);
        for _ in 0..199 {
            t.add(Verdict::Ready);
        }
        t.add(Verdict::Blocked);
        assert_eq!(t.percent_ready(), Some(99));
    }
}
