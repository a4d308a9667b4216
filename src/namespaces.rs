//! How far Pod Security correlation reaches: which Namespace definition (and its
//! `pod-security.kubernetes.io/enforce` level) a workload in namespace N is judged against.
//!
//! The answer must not depend on which files one run was given, or a pre-commit run on one changed file
//! and a CI run on the whole tree disagree. So it depends only on where the workload's file is:
//!
//! 1. a Namespace N defined in the workload's own file (or stream: stdin, `helm template` output);
//! 2. else, the nearest directory, from the file's own up to the repository root (the first directory
//!    holding `.git`), whose YAML or JSON files define N (the first such file in name order), read
//!    from disk whether or not they are among the run's inputs;
//! 3. else N is not known: nothing is reported (Pod Security's level is set on the cluster).
//!
//! Directories beside the workload's own (`namespaces/` next to `apps/`) are not searched: a layout
//! that keeps Namespaces there is judged on the workload's own file and its ancestors only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::object::objects;
use crate::parse::Limits;
use crate::parse::node::Node;

/// A Namespace definition: its name, its enforce level (if labelled) and the file holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceDef {
    pub name: String,
    pub level: Option<String>,
    pub file: String,
}

/// The Namespace an object tree defines, if it is one (`v1` Namespace).
pub fn definition(
    api_version: &str,
    kind: &str,
    name: &str,
    node: &Node,
) -> Option<(String, Option<String>)> {
    if kind != "Namespace" || api_version != "v1" {
        return None;
    }
    let level = node
        .at(&["metadata", "labels", "pod-security.kubernetes.io/enforce"])
        .and_then(Node::as_str)
        .map(str::to_string);
    Some((name.to_string(), level))
}

/// The directories searched, with the Namespaces their files define (read once each per run).
#[derive(Default)]
pub struct Lookup {
    dirs: BTreeMap<PathBuf, Vec<NamespaceDef>>,
}

/// Files larger than this are not read for Namespaces (a Namespace file is small).
const MAX_FILE: u64 = 4 << 20;
/// At most this many directories up from a workload's file.
const MAX_DEPTH: usize = 32;

impl Lookup {
    /// The definition of `namespace` for a workload in `file`: its own file's (`same_file`, from the run)
    /// first, else the nearest directory's on disk (see the module documentation).
    pub fn find(
        &mut self,
        file: &str,
        namespace: &str,
        same_file: &[NamespaceDef],
    ) -> Option<NamespaceDef> {
        if let Some(d) = same_file
            .iter()
            .find(|d| d.name == namespace && d.file == file)
        {
            return Some(d.clone());
        }
        let path = Path::new(file);
        if !path.is_file() {
            return None; // stdin, an admitted object: only its own stream counts
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.find_from(dir.canonicalize().ok()?, namespace)
    }

    fn find_from(&mut self, mut dir: PathBuf, namespace: &str) -> Option<NamespaceDef> {
        let mut depth = 0;
        loop {
            let defs = self
                .dirs
                .entry(dir.clone())
                .or_insert_with(|| read_dir(&dir));
            if let Some(def) = defs.iter().find(|x| x.name == namespace) {
                return Some(def.clone());
            }
            depth += 1;
            if depth >= MAX_DEPTH || dir.join(".git").exists() {
                return None;
            }
            dir = dir.parent()?.to_path_buf();
        }
    }
}

/// The Namespaces defined by the YAML and JSON files directly in `dir`, files in name order.
fn read_dir(dir: &Path) -> Vec<NamespaceDef> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE)
        })
        .collect();
    files.sort();
    let mut defs = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("Namespace") {
            continue;
        }
        // Shown relative to the current directory when under it, as the run's own file names are.
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| cwd.canonicalize().ok())
            .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.clone())
            .display()
            .to_string();
        let limits = Limits::default();
        let mut add = |root: &Node| {
            for o in objects(root) {
                if let Some((name, level)) =
                    definition(&o.id.api_version, &o.id.kind, &o.id.name, o.node)
                {
                    defs.push(NamespaceDef {
                        name,
                        level,
                        file: shown.clone(),
                    });
                }
            }
        };
        if path.extension().is_some_and(|e| e == "json") {
            if let Ok(root) = crate::parse::json::parse(&text, &limits) {
                add(&root);
            }
        } else {
            for chunk in crate::parse::yaml::split(text.as_bytes()) {
                for doc in crate::parse::yaml::parse_chunk(chunk, &limits)
                    .into_iter()
                    .flatten()
                {
                    add(&doc.root);
                }
            }
        }
    }
    defs
}
