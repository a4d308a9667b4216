//! Where a pod spec constrains the node OS SKU: `nodeSelector` and node affinity on
//! `kubernetes.azure.com/os-sku`.

use crate::host::{ACL_OS_SKU, OS_SKU_LABEL};
use crate::model::workload::PodSpec;
use crate::parse::node::{Node, pointer, pointer_idx};

#[derive(Debug)]
pub enum SkuOp {
    /// `nodeSelector` equality, or `In`.
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Other,
}

/// One constraint on the OS SKU label.
#[derive(Debug)]
pub struct SkuConstraint<'a> {
    pub op: SkuOp,
    /// The values with their nodes and JSON pointers.
    pub values: Vec<(&'a Node, String, &'a str)>,
    /// The node to report when there is no value (the `key` or `operator`).
    pub node: &'a Node,
    pub path: String,
    /// nodeSelector or required affinity (not preferred).
    pub required: bool,
    /// The required affinity term it belongs to (`None` for nodeSelector and preferred).
    pub term: Option<usize>,
}

impl SkuConstraint<'_> {
    /// Whether a node labelled `sku` satisfies this constraint.
    pub fn admits(&self, sku: &str) -> bool {
        let listed = self
            .values
            .iter()
            .any(|(_, _, v)| v.eq_ignore_ascii_case(sku));
        match self.op {
            SkuOp::In => listed,
            SkuOp::NotIn => !listed,
            SkuOp::Exists => true,
            SkuOp::DoesNotExist => false,
            SkuOp::Other => true,
        }
    }

    /// Whether the constraint excludes ACL nodes.
    pub fn excludes_acl(&self) -> bool {
        !self.admits(ACL_OS_SKU)
    }
}

/// The OS SKU constraints of a pod spec, in source order.
pub fn sku_constraints<'a>(pod: &PodSpec<'a>) -> Vec<SkuConstraint<'a>> {
    let mut out = Vec::new();
    if let Some(v) = pod
        .node
        .get("nodeSelector")
        .and_then(|s| s.get(OS_SKU_LABEL))
    {
        let path = pointer(&pointer(&pod.path, "nodeSelector"), OS_SKU_LABEL);
        out.push(SkuConstraint {
            op: SkuOp::In,
            values: v
                .as_str()
                .map(|s| (v, path.clone(), s))
                .into_iter()
                .collect(),
            node: v,
            path,
            required: true,
            term: None,
        });
    }
    let na_path = pointer(&pointer(&pod.path, "affinity"), "nodeAffinity");
    let Some(na) = pod.node.at(&["affinity", "nodeAffinity"]) else {
        return out;
    };
    let req_path = pointer(
        &pointer(&na_path, "requiredDuringSchedulingIgnoredDuringExecution"),
        "nodeSelectorTerms",
    );
    if let Some(terms) = na
        .at(&[
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
    {
        for (i, term) in terms.iter().enumerate() {
            expressions(term, &pointer_idx(&req_path, i), true, Some(i), &mut out);
        }
    }
    let pref_path = pointer(&na_path, "preferredDuringSchedulingIgnoredDuringExecution");
    if let Some(prefs) = na
        .get("preferredDuringSchedulingIgnoredDuringExecution")
        .and_then(Node::as_seq)
    {
        for (i, p) in prefs.iter().enumerate() {
            if let Some(term) = p.get("preference") {
                expressions(
                    term,
                    &pointer(&pointer_idx(&pref_path, i), "preference"),
                    false,
                    None,
                    &mut out,
                );
            }
        }
    }
    out
}

fn expressions<'a>(
    term: &'a Node,
    path: &str,
    required: bool,
    term_idx: Option<usize>,
    out: &mut Vec<SkuConstraint<'a>>,
) {
    let Some(exprs) = term.get("matchExpressions").and_then(Node::as_seq) else {
        return;
    };
    let base = pointer(path, "matchExpressions");
    for (j, e) in exprs.iter().enumerate() {
        if e.str_at(&["key"]) != Some(OS_SKU_LABEL) {
            continue;
        }
        let epath = pointer_idx(&base, j);
        let op = match e.str_at(&["operator"]) {
            Some("In") => SkuOp::In,
            Some("NotIn") => SkuOp::NotIn,
            Some("Exists") => SkuOp::Exists,
            Some("DoesNotExist") => SkuOp::DoesNotExist,
            _ => SkuOp::Other,
        };
        let vpath = pointer(&epath, "values");
        let values = e
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.as_str().map(|s| (v, pointer_idx(&vpath, k), s)))
            .collect();
        let node = e.get("operator").or_else(|| e.get("key")).unwrap_or(e);
        out.push(SkuConstraint {
            op,
            values,
            node,
            path: pointer(&epath, "operator"),
            required,
            term: term_idx,
        });
    }
}
