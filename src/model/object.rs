//! Kubernetes objects in a document: `kind: List` and `*List` are flattened, anything without
//! `apiVersion` and `kind` is not an object.

use serde::Serialize;

use crate::parse::node::{Node, pointer_idx};

/// The identity of an object, as `kubectl` names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectId {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl ObjectId {
    /// `Kind/namespace/name` or `Kind/name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// One object of a document, with its JSON pointer from the document root.
#[derive(Debug)]
pub struct Object<'a> {
    pub node: &'a Node,
    pub path: String,
    pub id: ObjectId,
}

/// The objects of a document, in order; list items before anything else in them.
pub fn objects(root: &Node) -> Vec<Object<'_>> {
    let mut out = Vec::new();
    collect(root, String::new(), &mut out, 0);
    out
}

fn collect<'a>(node: &'a Node, path: String, out: &mut Vec<Object<'a>>, depth: usize) {
    let (Some(api_version), Some(kind)) = (node.str_at(&["apiVersion"]), node.str_at(&["kind"]))
    else {
        return;
    };
    if kind.ends_with("List") && depth < 4 {
        if let Some(items) = node.get("items").and_then(Node::as_seq) {
            for (i, item) in items.iter().enumerate() {
                collect(
                    item,
                    pointer_idx(&format!("{path}/items"), i),
                    out,
                    depth + 1,
                );
            }
            return;
        }
    }
    let meta = node.get("metadata");
    let name = meta
        .and_then(|m| m.str_at(&["name"]).or_else(|| m.str_at(&["generateName"])))
        .unwrap_or("")
        .to_string();
    let namespace = meta
        .and_then(|m| m.str_at(&["namespace"]))
        .map(str::to_string);
    out.push(Object {
        node,
        path,
        id: ObjectId {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name,
            namespace,
        },
    });
}
