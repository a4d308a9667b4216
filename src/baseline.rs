//! Baselines (`--write-baseline FILE`, `--baseline FILE`): the findings a repository already has, keyed by
//! [`Finding::fingerprint`] (rule + object identity + field path + container + message, never line
//! numbers), so that edits elsewhere in a file do not revive them. The field path is the object's own
//! ([`key_path`]), with list items named the way Kubernetes merges them (`volumes[name=logs]`), so that
//! adding a volume or a container above another does not revive its findings either. Findings in the
//! baseline are marked suppressed (kind `baseline`) and do not count; a fixed finding is simply absent
//! from the next written baseline.
//!
//! Version 1 baselines (hostlint 0.1) keyed by the document's JSON pointer with array indexes; they are
//! still read, and matched the old way, until they are rewritten.

use std::collections::BTreeMap;

use crate::parse::node::{Node, Value};

use serde::{Deserialize, Serialize};

use crate::suppress::{Suppression, SuppressionKind};
use crate::{Finding, Report};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The version [`of`] writes.
pub const VERSION: u32 = 2;

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
            path: f.key.clone(),
        })
        .collect();
    findings.sort_by(|a, b| (&a.file, &a.fingerprint).cmp(&(&b.file, &b.fingerprint)));
    Baseline {
        version: VERSION,
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
    if !(1..=VERSION).contains(&b.version) {
        return Err(format!(
            "baseline version `{}` is not supported (expected {VERSION}; rewrite it with `--write-baseline`)",
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
        let fingerprint = if baseline.version == 1 {
            legacy_fingerprint(f)
        } else {
            f.fingerprint.clone()
        };
        if let Some(n) = left.get_mut(fingerprint.as_str())
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

/// A finding's fingerprint as hostlint 0.1 (baseline version 1) computed it: keyed by the document's JSON
/// pointer, array indexes included.
fn legacy_fingerprint(f: &Finding) -> String {
    crate::fingerprint(
        f.rule,
        f.object.as_ref(),
        &f.path,
        f.container.as_deref(),
        &f.message,
    )
}

/// The lists Kubernetes merges by a field (strategic merge patch's `patchMergeKey` in the core API), and
/// that field: their items are keyed by it, not by position.
const MERGE_KEYS: &[(&str, &str)] = &[
    ("containers", "name"),
    ("initContainers", "name"),
    ("ephemeralContainers", "name"),
    ("volumes", "name"),
    ("env", "name"),
    ("imagePullSecrets", "name"),
    ("resourceClaims", "name"),
    ("schedulingGates", "name"),
    ("volumeMounts", "mountPath"),
    ("volumeDevices", "devicePath"),
    ("ports", "containerPort"),
    ("hostAliases", "ip"),
    ("topologySpreadConstraints", "topologyKey"),
];

/// Re-keys the findings of one object: [`Finding::key`] becomes [`key_path`] and the fingerprint follows.
pub fn rekey(object: &Node, object_path: &str, findings: &mut [Finding]) {
    for f in findings {
        let Some(key) = key_path(object, object_path, &f.path) else {
            continue;
        };
        f.fingerprint = crate::fingerprint(
            f.rule,
            f.object.as_ref(),
            &key,
            f.container.as_deref(),
            &f.message,
        );
        f.key = key;
    }
}

/// `path` (a JSON pointer into the document) as a path inside the object at `object_path`, with each
/// item of a list Kubernetes merges by a field written as `list[field=value]` instead of its index:
/// `/items/2/spec/template/spec/volumes/3/hostPath/path` becomes
/// `/spec/template/spec/volumes[name=logs]/hostPath/path`. `None` when `path` is not inside the object.
/// Items without their merge field, and every other list, keep their index.
pub fn key_path(object: &Node, object_path: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(object_path)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let mut out = String::with_capacity(rest.len());
    let mut node = Some(object);
    let mut parent_key: Option<String> = None;
    for seg in rest.split('/').skip(1) {
        let name = seg.replace("~1", "/").replace("~0", "~");
        let here = node.take();
        match here.map(|n| &n.value) {
            Some(Value::Map(_)) => {
                node = here.and_then(|n| n.get(&name));
                out.push('/');
                out.push_str(seg);
                parent_key = Some(name);
            }
            Some(Value::Seq(items)) => {
                let item = seg.parse::<usize>().ok().and_then(|i| items.get(i));
                let merge = parent_key.as_deref().and_then(|k| {
                    let field = MERGE_KEYS.iter().find(|(list, _)| *list == k)?.1;
                    let value = item?.get(field)?.as_str()?;
                    Some((field, value))
                });
                match merge {
                    Some((field, value)) => {
                        let value = value.replace('~', "~0").replace('/', "~1");
                        out.push_str(&format!("[{field}={value}]"));
                    }
                    None => {
                        out.push('/');
                        out.push_str(seg);
                    }
                }
                node = item;
                parent_key = None;
            }
            _ => {
                out.push('/');
                out.push_str(seg);
                parent_key = None;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str) -> Node {
        let chunk = crate::parse::yaml::Chunk {
            text: yaml.as_bytes(),
            first_line: 1,
        };
        crate::parse::yaml::parse_chunk(chunk, &crate::parse::Limits::default())
            .into_iter()
            .next()
            .and_then(Result::ok)
            .map(|d| d.root)
            .expect("a document")
    }

    #[test]
    fn list_items_are_keyed_by_their_merge_key() {
        let pod = tree(
            "spec:\n  containers:\n    - name: app\n      ports:\n        - containerPort: 8080\n      volumeMounts:\n        - name: logs\n          mountPath: /var/log\n  volumes:\n    - name: cache\n    - name: logs\n      hostPath:\n        path: /var/log\n  tolerations:\n    - operator: Exists\n",
        );
        let key = |p: &str| key_path(&pod, "", p).unwrap();
        assert_eq!(
            key("/spec/volumes/1/hostPath/path"),
            "/spec/volumes[name=logs]/hostPath/path"
        );
        assert_eq!(
            key("/spec/containers/0/volumeMounts/0/mountPath"),
            "/spec/containers[name=app]/volumeMounts[mountPath=~1var~1log]/mountPath"
        );
        assert_eq!(
            key("/spec/containers/0/ports/0"),
            "/spec/containers[name=app]/ports[containerPort=8080]"
        );
        // Lists Kubernetes does not merge by a key keep their index; so do paths the tree lacks.
        assert_eq!(
            key("/spec/tolerations/0/operator"),
            "/spec/tolerations/0/operator"
        );
        assert_eq!(key("/spec/volumes/7/hostPath"), "/spec/volumes/7/hostPath");
        assert_eq!(key("/spec/hostPID"), "/spec/hostPID");
    }

    #[test]
    fn the_key_is_relative_to_the_object() {
        let list = tree("items:\n  - kind: Pod\n    spec:\n      volumes:\n        - name: a\n");
        let pod = list.get("items").and_then(Node::as_seq).unwrap()[0].clone();
        assert_eq!(
            key_path(&pod, "/items/0", "/items/0/spec/volumes/0").as_deref(),
            Some("/spec/volumes[name=a]")
        );
        assert_eq!(key_path(&pod, "/items/0", "/items/1/spec"), None);
        assert_eq!(key_path(&pod, "/items/1", "/items/10/spec"), None);
    }
}
