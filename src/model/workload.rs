//! Pod specs wherever they sit: any mapping with a `containers` sequence of container-shaped
//! mappings, in built-in controllers and custom resources alike. Volumes are resolved to the mounts
//! of each container.

use crate::parse::node::{Node, pointer, pointer_idx};

/// A pod spec and the metadata of the template (or object) that carries it.
#[derive(Debug)]
pub struct PodSpec<'a> {
    pub node: &'a Node,
    pub path: String,
    /// `metadata` beside the pod spec (the pod template's, or the Pod's own).
    pub metadata: Option<&'a Node>,
    pub metadata_path: String,
    pub containers: Vec<Container<'a>>,
    pub volumes: Vec<Volume<'a>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Regular,
    Init,
    Ephemeral,
}

#[derive(Debug)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub path: String,
    pub name: String,
    pub kind: ContainerKind,
    pub mounts: Vec<Mount<'a>>,
}

#[derive(Debug)]
pub struct Mount<'a> {
    pub node: &'a Node,
    pub path: String,
    pub mount_path: Option<&'a str>,
    pub read_only: bool,
    pub sub_path: Option<&'a str>,
    /// Index into the pod's volumes.
    pub volume: Option<usize>,
}

#[derive(Debug)]
pub struct Volume<'a> {
    pub node: &'a Node,
    pub path: String,
    pub name: &'a str,
    pub source: Source<'a>,
}

#[derive(Debug)]
pub enum Source<'a> {
    HostPath {
        path: &'a Node,
        path_ptr: String,
        kind: Option<&'a str>,
    },
    ConfigMap {
        name: &'a str,
        items: Option<&'a Node>,
    },
    Projected {
        config_maps: Vec<(&'a str, Option<&'a Node>)>,
    },
    Other,
}

impl<'a> PodSpec<'a> {
    /// The pod-level `securityContext`.
    pub fn security(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// The host path a mount sees (`hostPath.path` joined with `subPath`), normalised.
    pub fn host_path_of(&self, m: &Mount<'a>) -> Option<(String, &Volume<'a>)> {
        let v = &self.volumes[m.volume?];
        let Source::HostPath { path, .. } = &v.source else {
            return None;
        };
        let path = path.as_str().filter(|p| !is_windows_path(p))?;
        let base = normalize(path);
        Some((
            match m.sub_path {
                Some(sub) if !sub.is_empty() => normalize(&format!("{base}/{sub}")),
                _ => base,
            },
            v,
        ))
    }

    /// An annotation on the pod (template) metadata.
    pub fn annotations(&self) -> impl Iterator<Item = (&'a Node, &'a Node)> {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Node::as_map)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k, v))
    }
}

impl<'a> Container<'a> {
    pub fn security(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    pub fn privileged(&self) -> bool {
        self.security()
            .and_then(|s| s.get("privileged"))
            .is_some_and(Node::is_true)
    }

    /// The SELinux type the container runs as when one is set (container, else pod).
    pub fn selinux_type(&self, pod: &PodSpec<'a>) -> Option<&'a Node> {
        let of = |sc: Option<&'a Node>| {
            sc.and_then(|s| s.at(&["seLinuxOptions", "type"]))
                .filter(|t| t.as_str().is_some())
        };
        of(self.security()).or_else(|| of(pod.security()))
    }

    /// Whether the container runs confined as `container_t`: not privileged, and no SELinux type
    /// that escapes it (`spc_t`, `spc_user_t`, or one of `extra_ok`).
    pub fn runs_confined(&self, pod: &PodSpec<'a>, extra_ok: &[&str]) -> bool {
        if self.privileged() {
            return false;
        }
        match self.selinux_type(pod).and_then(Node::as_str) {
            Some(t) => !(t == "spc_t" || t == "spc_user_t" || extra_ok.contains(&t)),
            None => true,
        }
    }

    /// `runAsUser` (container, else pod).
    pub fn run_as_user(&self, pod: &PodSpec<'a>) -> Option<i64> {
        let of = |sc: Option<&'a Node>| sc.and_then(|s| s.get("runAsUser")).and_then(Node::as_i64);
        of(self.security()).or_else(|| of(pod.security()))
    }
}

/// Finds every pod spec under `node` (`path` is its JSON pointer).
pub fn pod_specs<'a>(node: &'a Node, path: &str) -> Vec<PodSpec<'a>> {
    let mut out = Vec::new();
    walk(node, path, &mut Vec::new(), None, &mut out, 0);
    out
}

/// A step of the JSON pointer to the node being walked; pointers are only written out for the
/// pod specs found, not for every node passed on the way.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn render(base: &str, steps: &[Step<'_>]) -> String {
    steps.iter().fold(base.to_string(), |p, s| match s {
        Step::Key(k) => pointer(&p, k),
        Step::Index(i) => pointer_idx(&p, *i),
    })
}

fn walk<'a>(
    node: &'a Node,
    base: &str,
    steps: &mut Vec<Step<'a>>,
    parent: Option<&'a Node>,
    out: &mut Vec<PodSpec<'a>>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    if let Some(entries) = node.as_map() {
        if is_pod_spec(node) {
            // Linux host rules never apply to a pod that only Windows nodes run.
            if pinned_to_windows(node) {
                return;
            }
            let path = render(base, steps);
            let parent_path = render(base, &steps[..steps.len().saturating_sub(1)]);
            out.push(build(node, path, parent.map(|p| (p, parent_path.as_str()))));
            return;
        }
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            // Schemas, status and last-applied copies describe or echo pods; they do not run any.
            if matches!(key, "status" | "openAPIV3Schema" | "managedFields") {
                continue;
            }
            steps.push(Step::Key(key));
            walk(v, base, steps, Some(node), out, depth + 1);
            steps.pop();
        }
    } else if let Some(items) = node.as_seq() {
        for (i, item) in items.iter().enumerate() {
            steps.push(Step::Index(i));
            walk(item, base, steps, None, out, depth + 1);
            steps.pop();
        }
    }
}

fn is_pod_spec(node: &Node) -> bool {
    let Some(cs) = node.get("containers").and_then(Node::as_seq) else {
        return false;
    };
    !cs.is_empty()
        && cs.iter().all(|c| c.as_map().is_some())
        && cs
            .iter()
            .any(|c| c.get("image").is_some() || c.get("name").is_some())
}

/// Node labels that say a node runs Windows: `kubernetes.io/os` (and its beta name) `windows`, an
/// AKS OS SKU `Windows2019`/`Windows2022`/`WindowsAnnual`/..., any `node.kubernetes.io/windows-build`.
fn windows_label(key: &str, value: Option<&str>) -> bool {
    match key {
        "kubernetes.io/os" | "beta.kubernetes.io/os" => {
            value.is_some_and(|v| v.eq_ignore_ascii_case("windows"))
        }
        crate::host::OS_SKU_LABEL => value.is_some_and(|v| {
            v.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
        }),
        "node.kubernetes.io/windows-build" => true,
        _ => false,
    }
}

/// Whether a pod spec can only run on Windows nodes: `os.name: windows`, a Windows `nodeSelector`,
/// or required node affinity whose every term admits Windows nodes only (SPEC: Inputs).
pub fn pinned_to_windows(pod: &Node) -> bool {
    if pod
        .str_at(&["os", "name"])
        .is_some_and(|n| n.eq_ignore_ascii_case("windows"))
    {
        return true;
    }
    if let Some(sel) = pod.get("nodeSelector").and_then(Node::as_map)
        && sel
            .iter()
            .any(|(k, v)| k.as_str().is_some_and(|k| windows_label(k, v.as_str())))
    {
        return true;
    }
    let Some(terms) = pod
        .at(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    // Terms are ORed, a term's expressions ANDed: every term needs one expression that admits
    // Windows nodes only.
    terms.iter().all(|term| {
        term.get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|e| {
                let Some(key) = e.str_at(&["key"]) else {
                    return false;
                };
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                match e.str_at(&["operator"]) {
                    Some("In") => {
                        !values.is_empty() && values.iter().all(|v| windows_label(key, Some(v)))
                    }
                    Some("Exists") => key == "node.kubernetes.io/windows-build",
                    _ => false,
                }
            })
    })
}

/// Whether a hostPath is a Windows path (`C:\...`, `c:/...`, `\\server\share`): never a Linux one.
pub fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with("\\") || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

fn build<'a>(node: &'a Node, path: String, parent: Option<(&'a Node, &str)>) -> PodSpec<'a> {
    let (metadata, metadata_path) = match parent {
        Some((p, pp)) => (p.get("metadata"), pointer(pp, "metadata")),
        None => (None, String::new()),
    };
    let volumes = node
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let name = v.str_at(&["name"])?;
            Some(Volume {
                node: v,
                path: pointer_idx(&pointer(&path, "volumes"), i),
                name,
                source: source(v, &pointer_idx(&pointer(&path, "volumes"), i)),
            })
        })
        .collect::<Vec<_>>();
    let mut containers = Vec::new();
    for (key, kind) in [
        ("initContainers", ContainerKind::Init),
        ("containers", ContainerKind::Regular),
        ("ephemeralContainers", ContainerKind::Ephemeral),
    ] {
        let Some(cs) = node.get(key).and_then(Node::as_seq) else {
            continue;
        };
        let base = pointer(&path, key);
        for (i, c) in cs.iter().enumerate() {
            if c.as_map().is_none() {
                continue;
            }
            let cpath = pointer_idx(&base, i);
            let mounts = c
                .get("volumeMounts")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(j, m)| {
                    let name = m.str_at(&["name"]);
                    Mount {
                        node: m,
                        path: pointer_idx(&pointer(&cpath, "volumeMounts"), j),
                        mount_path: m.str_at(&["mountPath"]),
                        read_only: m.get("readOnly").is_some_and(Node::is_true),
                        sub_path: m.str_at(&["subPath"]),
                        volume: name.and_then(|n| volumes.iter().position(|v| v.name == n)),
                    }
                })
                .collect();
            containers.push(Container {
                node: c,
                path: cpath,
                name: c.str_at(&["name"]).unwrap_or("").to_string(),
                kind,
                mounts,
            });
        }
    }
    PodSpec {
        node,
        path,
        metadata,
        metadata_path,
        containers,
        volumes,
    }
}

fn source<'a>(v: &'a Node, path: &str) -> Source<'a> {
    if let Some(hp) = v.get("hostPath")
        && let Some(p) = hp.get("path")
    {
        return Source::HostPath {
            path: p,
            path_ptr: pointer(&pointer(path, "hostPath"), "path"),
            kind: hp.str_at(&["type"]),
        };
    }
    if let Some(cm) = v.get("configMap") {
        return Source::ConfigMap {
            name: cm.str_at(&["name"]).unwrap_or(""),
            items: cm.get("items"),
        };
    }
    if let Some(srcs) = v.at(&["projected", "sources"]).and_then(Node::as_seq) {
        let config_maps = srcs
            .iter()
            .filter_map(|s| s.get("configMap"))
            .map(|cm| (cm.str_at(&["name"]).unwrap_or(""), cm.get("items")))
            .collect();
        return Source::Projected { config_maps };
    }
    Source::Other
}

/// A host path with `//`, `.`, `..` and trailing slashes resolved (lexically, as the kubelet sees it).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        "/".to_string()
    } else {
        format!("/{}", parts.join("/"))
    }
}

/// Whether normalised `path` is `tree` or lies under it.
pub fn is_under(path: &str, tree: &str) -> bool {
    tree == "/"
        || path == tree
        || (path.starts_with(tree) && path.as_bytes().get(tree.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_nest() {
        assert_eq!(normalize("/usr//local/./bin/"), "/usr/local/bin");
        assert_eq!(normalize("/var/../usr"), "/usr");
        assert_eq!(normalize("/"), "/");
        assert!(is_under("/usr/local", "/usr"));
        assert!(!is_under("/usrx", "/usr"));
        assert!(is_under("/usr", "/usr"));
        assert!(is_windows_path("C:\\var\\log"));
        assert!(is_windows_path("c:/k"));
        assert!(is_windows_path("\\\\.\\pipe\\docker_engine"));
        assert!(!is_windows_path("/var/log"));
    }
}
