//! Facts that span objects and files of one run: ConfigMap scripts that a workload mounts and runs.
//!
//! The parallel pass records, per file, every ConfigMap and every "container runs key K of ConfigMap
//! C" reference ([`Facts`]); once all inputs are read, [`resolve`] analyses each referenced script in
//! the running container's context and reports inside the ConfigMap. A ConfigMap that nothing runs
//! is data and is never analysed.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::model::object::{Object, ObjectId};
use crate::model::script::{ContainerScript, Ctx, Entry, analyse_file};
use crate::model::workload::PodSpec;
use crate::parse::node::{Node, Value, pointer};
use crate::parse::shell::Source;
use crate::rules::{RULES, Subject};
use crate::source::FileName;
use crate::{Config, Report};

/// What the parallel pass hands to the second phase.
#[derive(Debug, Default)]
pub struct Facts {
    config_maps: Vec<ConfigMapFact>,
    runs: Vec<RunFact>,
    /// Namespaces, their `pod-security.kubernetes.io/enforce` level and their file.
    namespaces: Vec<crate::namespaces::NamespaceDef>,
    /// Pods whose SELinux type Pod Security baseline rejects, by namespace.
    selinux_pods: Vec<PendingFinding>,
}

#[derive(Debug)]
struct PendingFinding {
    namespace: String,
    file: FileName,
    object: ObjectId,
    hit: crate::rules::Hit,
    helm_source: Option<String>,
    snippet: Option<(u32, String)>,
}

impl Facts {
    pub fn extend(&mut self, other: Facts) {
        self.config_maps.extend(other.config_maps);
        self.runs.extend(other.runs);
        self.namespaces.extend(other.namespaces);
        self.selinux_pods.extend(other.selinux_pods);
    }
}

#[derive(Debug)]
struct ConfigMapFact {
    file: FileName,
    id: ObjectId,
    /// JSON pointer of the ConfigMap in its document.
    path: String,
    /// The document's text (for positions and snippets), shared by every ConfigMap of the
    /// document: a `kind: List` of thousands of ConfigMaps holds one copy, not one per item.
    text: Arc<str>,
    first_line: u32,
    helm_source: Option<String>,
    /// The ConfigMap with only what may be a script left in its `data` (see [`may_be_script`]):
    /// a long stream of configuration data is not held until the end of the run.
    node: Node,
}

/// A document's text as [`collect`] sees it, and the shared copy made the first time a
/// ConfigMap of the document is kept.
pub struct DocText<'a> {
    pub text: &'a str,
    pub shared: &'a OnceCell<Arc<str>>,
    pub first_line: u32,
}

/// A copy of a ConfigMap keeping its identity and the `data` entries that may be scripts.
fn script_parts(cm: &Node) -> Node {
    let entries = cm
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| match k.as_str()? {
            "apiVersion" | "kind" | "metadata" => Some((k.clone(), v.clone())),
            "data" => Some((
                k.clone(),
                Node {
                    value: Value::Map(
                        v.as_map()
                            .unwrap_or(&[])
                            .iter()
                            .filter(|(dk, dv)| may_be_script(dk, dv))
                            .cloned()
                            .collect(),
                    ),
                    span: v.span,
                    via: v.via.clone(),
                },
            )),
            _ => None,
        })
        .collect();
    Node {
        value: Value::Map(entries),
        span: cm.span,
        via: cm.via.clone(),
    }
}

#[derive(Debug)]
struct RunFact {
    object: ObjectId,
    container: String,
    config_map: String,
    key: String,
    ctx: Ctx,
    host: Option<Entry>,
    vars: Vec<(String, String)>,
    /// `host-namespace-exec` at the workload's nsenter/chroot, reported unless the script it runs
    /// has a more specific finding.
    entry_finding: Option<Arc<PendingFinding>>,
}

/// Records the ConfigMaps of a document and the ConfigMap scripts its containers run.
#[allow(clippy::too_many_arguments)]
pub fn collect(
    facts: &mut Facts,
    file: &FileName,
    object: &Object<'_>,
    pods: &[PodSpec<'_>],
    scripts: &[ContainerScript],
    doc: DocText<'_>,
    helm_source: Option<&str>,
) {
    let (text, first_line) = (doc.text, doc.first_line);
    if object.id.kind == "ConfigMap" && object.node.get("data").is_some_and(may_hold_a_script) {
        facts.config_maps.push(ConfigMapFact {
            file: file.clone(),
            id: object.id.clone(),
            path: object.path.clone(),
            text: doc.shared.get_or_init(|| Arc::from(text)).clone(),
            first_line,
            helm_source: helm_source.map(str::to_string),
            node: script_parts(object.node),
        });
    }
    if let Some((name, level)) = crate::namespaces::definition(
        &object.id.api_version,
        &object.id.kind,
        &object.id.name,
        object.node,
    ) {
        facts.namespaces.push(crate::namespaces::NamespaceDef {
            name,
            level,
            file: file.to_string(),
        });
    }
    if let Some(ns) = &object.id.namespace {
        for hit in crate::rules::pod_security_candidates(pods) {
            let snippet = crate::snippet(text, first_line, hit.span);
            facts.selinux_pods.push(PendingFinding {
                namespace: ns.clone(),
                file: file.clone(),
                object: object.id.clone(),
                hit,
                helm_source: helm_source.map(str::to_string),
                snippet,
            });
        }
    }
    let containers = pods
        .iter()
        .flat_map(|p| p.containers.iter().map(move |c| (p, c)));
    for ((pod, c), cs) in containers.zip(scripts) {
        if cs.runs.is_empty() {
            continue;
        }
        let ctx = Ctx::of(pod, c);
        for run in &cs.runs {
            let entry_finding = run.host.as_ref().filter(|e| !e.inherited).map(|e| {
                let hit = crate::rules::entry_hit(cs, e);
                let snippet = crate::snippet(text, first_line, hit.span);
                Arc::new(PendingFinding {
                    namespace: String::new(),
                    file: file.clone(),
                    object: object.id.clone(),
                    hit,
                    helm_source: helm_source.map(str::to_string),
                    snippet,
                })
            });
            let mut targets: Vec<(String, String)> = ctx
                .cm_mounts
                .iter()
                .filter_map(|m| Some((m.config_map.clone(), m.key_of(&run.path)?)))
                .collect();
            if targets.is_empty() && entry_finding.is_some() {
                // Not a ConfigMap file: nothing to analyse, the entry is reported as it is.
                targets.push((String::new(), String::new()));
            }
            for (config_map, key) in targets {
                facts.runs.push(RunFact {
                    object: object.id.clone(),
                    container: c.name.clone(),
                    config_map,
                    key,
                    ctx: ctx.clone(),
                    host: run.host.clone(),
                    vars: run.vars.clone(),
                    entry_finding: entry_finding.clone(),
                });
            }
        }
    }
}

/// Whether a ConfigMap's `data` may hold a shell script a container runs: a key with a shell
/// extension or none (`entrypoint.sh`, `install`), or a value with a `#!` line. Only such
/// ConfigMaps are kept for the end of the run, so that a long stream of configuration data
/// (`app.conf`, `settings.json`) is not held in memory.
fn may_hold_a_script(data: &Node) -> bool {
    data.as_map()
        .is_some_and(|entries| entries.iter().any(|(k, v)| may_be_script(k, v)))
}

/// Whether one `data` entry may be a script (see [`may_hold_a_script`]).
fn may_be_script(k: &Node, v: &Node) -> bool {
    let key = k.as_str().unwrap_or("");
    let ext = key.rsplit_once('.').map(|(_, e)| e);
    matches!(
        ext,
        None | Some("sh" | "bash" | "ash" | "ksh" | "zsh" | "bats")
    ) || v.as_str().is_some_and(|t| t.trim_start().starts_with("#!"))
}

/// ConfigMap scripts analysed for one script a workload runs, counting the scripts they run in turn:
/// a script that runs a mounted script ten times, which runs the next ten times, four deep, is
/// 11 111 analyses from a few lines (and a thousand times each, 10¹²). A call the same script
/// already made with the same variables and host context is not analysed again.
const MAX_SCRIPT_RUNS: usize = 256;

/// The identity of a ConfigMap script run, to analyse each once: the same script (ConfigMap and
/// key), run the same way (a hash of its variables and host context).
type RunKey = (String, String, u64);

fn run_key(run: &RunFact) -> RunKey {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    run.vars.hash(&mut h);
    format!("{:?}", run.host).hash(&mut h);
    (run.config_map.clone(), run.key.clone(), h.finish())
}

/// Analyses every ConfigMap script that a workload of the run executes and adds the findings.
pub fn resolve(report: &mut Report, config: &Config) {
    let facts = std::mem::take(&mut report.facts);
    pod_security(report, config, &facts);
    let mut seen = BTreeSet::new();
    // Each run with the workload's script it comes from (see MAX_SCRIPT_RUNS), and for each of
    // those the runs queued so far and whether some were cut off.
    let mut origins: Vec<(BTreeSet<RunKey>, bool)> = facts
        .runs
        .iter()
        .map(|r| (BTreeSet::from([run_key(r)]), false))
        .collect();
    let mut queue: Vec<(RunFact, usize, usize)> = facts
        .runs
        .into_iter()
        .enumerate()
        .map(|(i, r)| (r, 0, i))
        .collect();
    let mut pending_entries: Vec<Arc<PendingFinding>> = Vec::new();
    let mut entries_covered: Vec<((FileName, crate::source::Span), bool)> = Vec::new();
    // One line index per document text, however many of its ConfigMaps are run.
    let mut indexes: HashMap<*const u8, crate::parse::shell::DocIndex<'_>> = HashMap::new();
    while let Some((run, depth, origin)) = queue.pop() {
        let mut specific = false;
        for cm in facts
            .config_maps
            .iter()
            .filter(|cm| same_namespace(&cm.id, &run.object) && cm.id.name == run.config_map)
        {
            let cm_node = &cm.node;
            let Some(value) = cm_node.at(&["data", &run.key]) else {
                continue;
            };
            let path = pointer(&pointer(&cm.path, "data"), &run.key);
            let index = indexes
                .entry(cm.text.as_ptr())
                .or_insert_with(|| crate::parse::shell::DocIndex::new(&cm.text, cm.first_line));
            let Some(src) = Source::from_scalar(value, index, &path) else {
                continue;
            };
            let runner = format!("`{}` container `{}`", run.object.display(), run.container);
            let cs = analyse_file(
                &src,
                &run.ctx,
                &config.hosts.active,
                &run.container,
                runner,
                run.host.clone(),
                &run.vars,
            );
            if let Some((pos, message)) = &cs.cut {
                let e = crate::InputError::at(&cm.file, *pos, message.clone());
                if !report.errors.contains(&e) {
                    report.errors.push(e);
                }
            }
            let object = Object {
                node: cm_node,
                path: cm.path.clone(),
                id: cm.id.clone(),
            };
            let subject = Subject::Object {
                object: &object,
                pods: &[],
                scripts: std::slice::from_ref(&cs),
                site: &config.site,
                hosts: &config.hosts,
            };
            for rule in RULES {
                let Some(severity) = config.severity(rule) else {
                    continue;
                };
                let mut hits = Vec::new();
                (rule.check)(&subject, &mut hits);
                for hit in hits {
                    specific |= crate::rules::SPECIFIC_RULES.contains(&rule.name);
                    if !seen.insert((rule.name, cm.file.clone(), hit.span, hit.message.clone())) {
                        continue;
                    }
                    let snippet = crate::snippet(&cm.text, cm.first_line, hit.span);
                    report.findings.push(crate::finding(
                        rule,
                        severity,
                        &cm.file,
                        hit,
                        Some(&cm.id),
                        cm.helm_source.as_deref(),
                        snippet,
                    ));
                }
            }
            // A ConfigMap script that runs another script of a mounted ConfigMap.
            if depth < 4 {
                for r in &cs.runs {
                    for m in &run.ctx.cm_mounts {
                        if let Some(key) = m.key_of(&r.path) {
                            let next = RunFact {
                                object: run.object.clone(),
                                container: run.container.clone(),
                                config_map: m.config_map.clone(),
                                key,
                                ctx: run.ctx.clone(),
                                host: r.host.clone(),
                                vars: r.vars.clone(),
                                entry_finding: None,
                            };
                            let (runs, cut) = &mut origins[origin];
                            let k = run_key(&next);
                            if runs.contains(&k) {
                                continue;
                            }
                            if runs.len() >= MAX_SCRIPT_RUNS {
                                // Once per script of the workload, where it was first cut off.
                                if !std::mem::replace(cut, true) {
                                    report.errors.push(crate::InputError::at(
                                        &cm.file,
                                        r.at.span.start,
                                        format!(
                                            "ConfigMap scripts run each other more than {MAX_SCRIPT_RUNS} times (calls that fan out?): the rest is not checked"
                                        ),
                                    ));
                                }
                                continue;
                            }
                            runs.insert(k);
                            queue.push((next, depth + 1, origin));
                        }
                    }
                }
            }
        }
        if let Some(p) = &run.entry_finding {
            let key = (p.file.clone(), p.hit.span);
            match entries_covered.iter_mut().find(|(k, _)| *k == key) {
                Some((_, covered)) => *covered |= specific,
                None => entries_covered.push((key, specific)),
            }
            pending_entries.push(p.clone());
        }
    }
    if let Some(rule) = crate::rules::by_name("host-namespace-exec")
        && let Some(severity) = config.severity(rule)
    {
        let mut done = Vec::new();
        for p in pending_entries {
            let key = (p.file.clone(), p.hit.span);
            if done.contains(&key) || entries_covered.iter().any(|(k, c)| *k == key && *c) {
                continue;
            }
            done.push(key);
            report.findings.push(crate::finding(
                rule,
                severity,
                &p.file,
                p.hit.clone(),
                Some(&p.object),
                p.helm_source.as_deref(),
                p.snippet.clone(),
            ));
        }
    }
    report.sort();
}

/// Pods with an SELinux type that the Pod Security level of their namespace rejects; the namespace's
/// definition is found as [`crate::namespaces`] says (own file, else nearest directory), never from
/// whichever other files the run happened to be given.
fn pod_security(report: &mut Report, config: &Config, facts: &Facts) {
    let Some(rule) = crate::rules::by_name("pod-security-selinux-type") else {
        return;
    };
    let Some(severity) = config.severity(rule) else {
        return;
    };
    let mut lookup = crate::namespaces::Lookup::default();
    for p in &facts.selinux_pods {
        let Some(def) = lookup.find(&p.file, &p.namespace, &facts.namespaces) else {
            continue;
        };
        let Some(level) = def.level.as_deref() else {
            continue;
        };
        if !matches!(level, "baseline" | "restricted") {
            continue;
        }
        let mut hit = p.hit.clone();
        hit.message = format!(
            "{} is rejected by Pod Security `{level}` in namespace `{}`",
            hit.message, p.namespace
        );
        if def.file != *p.file {
            hit.notes.push(crate::rules::Note {
                line: None,
                message: format!("namespace `{}` is defined in {}", p.namespace, def.file),
            });
        }
        report.findings.push(crate::finding(
            rule,
            severity,
            &p.file,
            hit,
            Some(&p.object),
            p.helm_source.as_deref(),
            p.snippet.clone(),
        ));
    }
}

/// Objects without a namespace land in whatever namespace they are applied to: they match any.
fn same_namespace(a: &ObjectId, b: &ObjectId) -> bool {
    match (&a.namespace, &b.namespace) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}
