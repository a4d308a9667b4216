//! Terraform: node pools in `azurerm_kubernetes_cluster` (`default_node_pool`),
//! `azurerm_kubernetes_cluster_node_pool`, `azapi_resource` bodies (object or `jsonencode({...})`),
//! and the inputs of module calls that use the AKS module names (Azure/aks/azurerm, AVM).
//!
//! The HCL is read with `hcl-edit` (which keeps byte spans) into the span-exact [`Node`] tree;
//! `var.x` (the variable's `default`) and `local.x` are resolved where a value refers to them, and the
//! resolved value keeps the span of its literal and remembers the line that used it.

use std::collections::{HashMap, HashSet};

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::Element;

use super::ParseError;
use super::budget::Budget;
use super::node::{Node, Style, Value, pointer, pointer_idx};
use crate::model::nodepool::{
    Cluster, Pool, Unresolved, Val, arm_cluster, arm_pool, is_relevant, props_ci,
};
use crate::source::{LineIndex, Pos, Span, Via};

const MAX_DEPTH: usize = 24;

/// Reads the clusters and pools a Terraform file defines; expanding `var.x`/`local.x` is charged to
/// `budget`, which records what it cut off.
pub fn read(text: &str, budget: &Budget) -> Result<Vec<Cluster>, ParseError> {
    let idx = LineIndex::new(text);
    read_module(&Module {
        idx: &idx,
        text,
        range: 0..text.len(),
        tfvars: Vec::new(),
        inputs: HashMap::new(),
        resolve: &|_, _| None,
        depth: 0,
        errors: &Default::default(),
        budget,
    })
}

/// The most nested local module calls followed (a module that calls itself stops here).
const MAX_MODULE_DEPTH: usize = 8;

/// Finds the text of a local module: `(calling module's range, source)` → the callee's range.
pub type Resolve<'r> = dyn Fn(&std::ops::Range<usize>, &str) -> Option<std::ops::Range<usize>> + 'r;

/// One Terraform module inside a project text (see `crate::project`): its byte range (starting at
/// a line start), the values its caller passes to its variables, and how to find the modules it
/// calls. Spans are positions in the whole project text, so values keep the place they were
/// written whichever module reads them.
pub struct Module<'m> {
    pub idx: &'m LineIndex<'m>,
    pub text: &'m str,
    pub range: std::ops::Range<usize>,
    /// `terraform.tfvars` and `*.auto.tfvars` (a root module's), in the order they apply.
    pub tfvars: Vec<std::ops::Range<usize>>,
    /// Values the caller passes (`module "x" { vm_size = ... }`), evaluated where they are written.
    pub inputs: HashMap<String, Node>,
    pub resolve: &'m Resolve<'m>,
    pub depth: usize,
    /// Errors in called modules (the call is then read as an ordinary module call).
    pub errors: &'m std::cell::RefCell<Vec<ParseError>>,
    /// What expanding references may still produce (shared by the whole project).
    pub budget: &'m Budget,
}

/// Unclosed brackets at the end of a text that make the HCL parser backtrack through every level:
/// its time doubles with each one (a 548-byte file with 27 took 12 s; issue 17, found by fuzzing).
/// Valid HCL has none, so from this many on the text is refused before it is parsed.
const MAX_UNCLOSED: usize = 8;

/// The brackets (`{`, `[`, `(`, and `${`/`%{` in strings) still open at the end of an HCL text: the
/// byte offset of the outermost, and how many. Quoted strings (which end at their line), comments
/// and heredocs are skipped; a closer pops whatever is open (a mismatch is the parser's to report).
fn unclosed_brackets(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    // Open brackets and strings by their first byte: `{`, `[`, `(` or `"`.
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let line_end = |from: usize| memchr_newline(b, from);
    while i < b.len() {
        let c = b[i];
        if let Some((b'"', _)) = open.last() {
            match c {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    open.pop();
                }
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    // `$${` and `%%{` are literal text.
                    if i == 0 || b[i - 1] != c {
                        open.push((b'{', i));
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'{' | b'[' | b'(' => open.push((c, i)),
            b'}' | b']' | b')' => {
                open.pop();
            }
            b'#' => i = line_end(i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 1);
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                // A heredoc: `<<EOT` or `<<-EOT` at the end of its line, closed by a line holding
                // only the marker.
                let start = i + 2 + usize::from(b.get(i + 2) == Some(&b'-'));
                let end = line_end(start);
                let marker = text[start..end].trim_end_matches('\r');
                if !marker.is_empty()
                    && marker
                        .bytes()
                        .all(|x| x.is_ascii_alphanumeric() || x == b'_')
                {
                    let mut at = end;
                    while at < b.len() {
                        let next = line_end(at + 1);
                        if text[at + 1..next].trim() == marker {
                            break;
                        }
                        at = next;
                    }
                    i = line_end(at + 1);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut brackets = open.iter().filter(|(k, _)| *k != b'"');
    let first = brackets.next()?;
    Some((first.1, 1 + brackets.count()))
}

/// The offset of the newline at or after `from` (the text's length when there is none).
fn memchr_newline(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .and_then(|rest| rest.iter().position(|&x| x == b'\n'))
        .map_or(b.len(), |k| from + k)
}

/// Parses the HCL body at `range` of the project text (errors at project positions).
fn parse_at(m: &Module<'_>, range: &std::ops::Range<usize>) -> Result<Body, ParseError> {
    let body = &m.text[range.clone()];
    if let Some((at, n)) = unclosed_brackets(body).filter(|(_, n)| *n >= MAX_UNCLOSED) {
        return Err(ParseError::new(
            m.idx.pos(range.start + at),
            format!(
                "invalid HCL: `{}` is never closed, and {n} brackets are still open at the end of the file; not parsed (the parser's time doubles with each one)",
                &body[at..at + 1]
            ),
        ));
    }
    hcl_edit::parser::parse_body(body).map_err(|e| {
        let loc = e.location();
        let first = m.idx.pos(range.start).line;
        ParseError::new(
            Pos::new(first + loc.line() as u32 - 1, loc.column() as u32),
            format!("invalid HCL: {}", e.message()),
        )
    })
}

/// The values a variable file assigns (`name = value`), evaluated where they are written.
fn tfvars_values(
    m: &Module<'_>,
    range: &std::ops::Range<usize>,
) -> Result<Vec<(String, Node)>, ParseError> {
    let body = parse_at(m, range)?;
    let cx = Cx {
        idx: m.idx,
        text: m.text,
        unresolved: Default::default(),
        base: range.start,
        vars: HashMap::new(),
        locals: HashMap::new(),
        budget: m.budget,
        expanding: std::cell::Cell::new(false),
        cut: std::cell::Cell::new(false),
        open: Default::default(),
        assume: Default::default(),
        relevant: Default::default(),
    };
    Ok(body
        .iter()
        .filter_map(|s| match s {
            Structure::Attribute(a) => Some((a.key.as_str().to_string(), cx.expr(&a.value, 0)?)),
            Structure::Block(_) => None,
        })
        .collect())
}

/// Reads a module's clusters and pools: its `variable` defaults, overridden by its variable
/// files (`terraform.tfvars`, then `*.auto.tfvars`) and by its caller's inputs; local module calls
/// are followed into the callee.
pub fn read_module(m: &Module<'_>) -> Result<Vec<Cluster>, ParseError> {
    let body = parse_at(m, &m.range)?;
    let mut assigned = Vec::new();
    for r in &m.tfvars {
        assigned.extend(tfvars_values(m, r)?);
    }
    let mut cx = Cx {
        idx: m.idx,
        text: m.text,
        unresolved: Default::default(),
        base: m.range.start,
        vars: HashMap::new(),
        locals: HashMap::new(),
        budget: m.budget,
        expanding: std::cell::Cell::new(false),
        cut: std::cell::Cell::new(false),
        open: Default::default(),
        assume: Default::default(),
        relevant: Default::default(),
    };
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        match (b.ident.as_str(), b.labels.first().map(|l| l.as_str())) {
            ("variable", Some(name)) => {
                if let Some(d) = attr(&b.body, "default") {
                    cx.vars.insert(name.to_string(), Var::Expr(d));
                }
            }
            ("locals", _) => {
                for s in b.body.iter() {
                    if let Structure::Attribute(a) = s {
                        cx.locals.insert(a.key.as_str().to_string(), &a.value);
                    }
                }
            }
            _ => {}
        }
    }
    for (k, v) in assigned.into_iter().chain(m.inputs.clone()) {
        cx.vars.insert(k, Var::Node(v));
    }
    let mut out = Vec::new();
    let mut aks_context = false;
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let span = cx.span(b.span());
        if let ("resource", [ty, name]) = (b.ident.as_str(), labels.as_slice()) {
            let (found, aks) = cx.branches(|| cx.resource(b, ty, name, span));
            aks_context |= aks;
            out.extend(found);
            continue;
        }
        if let ("module", [name]) = (b.ident.as_str(), labels.as_slice()) {
            if let Some(mut called) = cx.local_module(m, b) {
                aks_context |= !called.is_empty();
                out.append(&mut called);
                continue;
            }
            let (found, aks) = cx.branches(|| {
                let node = cx.block(b, 0);
                let path = format!("/module/{name}");
                let mut c = cluster_at("module", name, span, &node, &path);
                if let Some(p) = module_default_pool(&node, &path) {
                    c.pools.push(p);
                }
                for (k, v) in node.as_map().unwrap_or(&[]) {
                    let Some(key) = k.as_str() else { continue };
                    if key != "source" {
                        find_pools(v, &pointer(&path, key), 0, &mut c.pools);
                    }
                }
                if c.kubernetes_version.is_some()
                    || c.node_os_upgrade_channel.is_some()
                    || !c.pools.is_empty()
                {
                    (vec![c], true)
                } else {
                    (Vec::new(), false)
                }
            });
            aks_context |= aks;
            out.extend(found);
        }
    }
    if aks_context {
        // Pool-shaped objects in `locals` (defaults merged into pools by expressions hostlint does
        // not evaluate): checked once, where they are written.
        let seen: HashSet<Span> = out
            .iter()
            .flat_map(|c| c.pools.iter())
            .filter_map(|p| p.vm_size.as_ref().map(|v| v.span))
            .collect();
        let mut pools = Vec::new();
        let mut names: Vec<&String> = cx.locals.keys().collect();
        names.sort();
        for name in names {
            let expr = cx.locals[name];
            if let Some(node) = cx.expr(expr, 0) {
                find_pools(&node, &format!("/locals/{name}"), 0, &mut pools);
            }
        }
        pools.retain(|p| {
            p.vm_size
                .as_ref()
                .is_some_and(|v| !seen.contains(&v.span) && v.used_at.is_none())
        });
        if !pools.is_empty() {
            out.push(Cluster {
                kind: "locals".into(),
                name: "locals".into(),
                path: "/locals".into(),
                pools,
                ..Cluster::default()
            });
        }
    }
    // Relevant fields that did not resolve, handed to the cluster and pool that hold them.
    let mut unresolved = cx.unresolved.take();
    unresolved.sort_by_key(|u| u.span);
    unresolved.dedup();
    // Each goes to the first cluster that holds it (the readings of one declaration under
    // different assumptions share their span: listed once).
    for u in unresolved {
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.span.start <= u.span.start && u.span.end <= c.span.end)
        {
            c.unresolved.push(u);
        }
    }
    for c in &mut out {
        c.place_unresolved();
    }
    Ok(out)
}

/// Reads Terraform's JSON syntax (`*.tf.json`): `resource`, `module`, `variable` and `locals`
/// objects; a string that is exactly `${var.x}` or `${local.x}` resolves like the HCL reference.
pub fn read_json(text: &str) -> Result<Vec<Cluster>, ParseError> {
    let root = super::json::parse(text, &super::Limits::default())?;
    let mut refs: HashMap<String, Node> = HashMap::new();
    for (kind, prefix) in [("variable", "var"), ("locals", "local")] {
        for block in json_blocks(&root, kind) {
            for (k, v) in block.as_map().unwrap_or(&[]) {
                let Some(name) = k.as_str() else { continue };
                let value = if kind == "variable" {
                    json_first(v).get("default")
                } else {
                    Some(v)
                };
                if let Some(value) = value {
                    refs.insert(format!("{prefix}.{name}"), value.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    for block in json_blocks(&root, "resource") {
        for (t, by_name) in block.as_map().unwrap_or(&[]) {
            let Some(ty) = t.as_str() else { continue };
            for (n, body) in json_first(by_name).as_map().unwrap_or(&[]) {
                let Some(name) = n.as_str() else { continue };
                let node = json_resolve(json_first(body), &refs, 0);
                let path = format!("/resource/{ty}/{name}");
                match ty {
                    "azurerm_kubernetes_cluster" => {
                        let mut c = cluster_at(ty, name, node.span, &node, &path);
                        if let Some(p) = node.get("default_node_pool") {
                            c.pools
                                .push(tf_pool(json_first(p), &pointer(&path, "default_node_pool")));
                        }
                        out.push(c);
                    }
                    "azurerm_kubernetes_cluster_node_pool" => out.push(Cluster {
                        kind: ty.into(),
                        name: name.into(),
                        span: node.span,
                        pools: vec![tf_pool(&node, &path)],
                        path,
                        ..Cluster::default()
                    }),
                    _ => {}
                }
            }
        }
    }
    for block in json_blocks(&root, "module") {
        for (n, body) in block.as_map().unwrap_or(&[]) {
            let Some(name) = n.as_str() else { continue };
            let node = json_resolve(json_first(body), &refs, 0);
            let path = format!("/module/{name}");
            let mut c = cluster_at("module", name, node.span, &node, &path);
            c.pools.extend(module_default_pool(&node, &path));
            for (k, v) in node.as_map().unwrap_or(&[]) {
                if let Some(key) = k.as_str()
                    && key != "source"
                {
                    find_pools(v, &pointer(&path, key), 0, &mut c.pools);
                }
            }
            if c.kubernetes_version.is_some()
                || c.node_os_upgrade_channel.is_some()
                || !c.pools.is_empty()
            {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// The objects under `key` at the root: one object, or an array of them (both are valid).
fn json_blocks<'n>(root: &'n Node, key: &str) -> Vec<&'n Node> {
    match root.get(key) {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![n],
        },
        None => Vec::new(),
    }
}

/// A block written as an array of one object reads as that object.
fn json_first(n: &Node) -> &Node {
    match n.as_seq() {
        Some([one]) => one,
        _ => n,
    }
}

/// A copy with each string that is exactly `${var.x}` / `${local.x}` replaced by its value.
fn json_resolve(n: &Node, refs: &HashMap<String, Node>, depth: usize) -> Node {
    if depth > MAX_DEPTH {
        return n.clone();
    }
    match &n.value {
        Value::Scalar(s, _) => {
            let Some(r) = s
                .trim()
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .map(str::trim)
            else {
                return n.clone();
            };
            let Some(target) = refs.get(r) else {
                return n.clone();
            };
            let mut v = json_resolve(target, refs, depth + 1);
            v.set_via(&Via {
                use_site: n.span,
                anchor_line: v.span.start.line,
            });
            v
        }
        Value::Seq(items) => Node {
            value: Value::Seq(
                items
                    .iter()
                    .map(|x| json_resolve(x, refs, depth + 1))
                    .collect(),
            ),
            span: n.span,
            via: n.via.clone(),
        },
        Value::Map(m) => Node {
            value: Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), json_resolve(v, refs, depth + 1)))
                    .collect(),
            ),
            span: n.span,
            via: n.via.clone(),
        },
    }
}

/// A cluster of `kind` named `name`, written at `span`, with the cluster-level fields of its block
/// `node` (at `path`) read.
fn cluster_at(kind: &str, name: &str, span: Span, node: &Node, path: &str) -> Cluster {
    let mut c = Cluster {
        kind: kind.into(),
        name: name.into(),
        span,
        path: path.to_string(),
        ..Cluster::default()
    };
    cluster_fields(node, path, &mut c);
    c
}

/// Cluster-level inputs: Kubernetes version and the node OS channel (also nested, as in AVM's
/// `auto_upgrade_profile`). The Kubernetes channel (`automatic_upgrade_channel`, ...) is not read.
fn cluster_fields(node: &Node, path: &str, c: &mut Cluster) {
    if let Some(v) = node.get("kubernetes_version") {
        c.kubernetes_version = Val::from_node(v, &pointer(path, "kubernetes_version"));
    }
    for key in ["node_os_upgrade_channel", "node_os_channel_upgrade"] {
        if let Some(v) = node.get(key) {
            c.node_os_upgrade_channel = Val::from_node(v, &pointer(path, key));
        }
    }
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let Some(key) = k.as_str() else { continue };
        if key.ends_with("upgrade_profile") {
            let p = pointer(path, key);
            for inner in ["node_os_upgrade_channel", "node_os_channel_upgrade"] {
                if let Some(ch) = v.get(inner) {
                    c.node_os_upgrade_channel = Val::from_node(ch, &pointer(&p, inner));
                }
            }
        }
    }
}

/// The default pool of the Azure/aks/azurerm module: `agents_size`, `os_sku`, `orchestrator_version`, ...
fn module_default_pool(node: &Node, path: &str) -> Option<Pool> {
    let v = |k: &str| {
        node.get(k)
            .and_then(|n| Val::from_node(n, &pointer(path, k)))
    };
    let pool = Pool {
        name: v("agents_pool_name"),
        vm_size: v("agents_size"),
        os_sku: v("os_sku"),
        orchestrator_version: v("orchestrator_version"),
        fips: v("default_node_pool_fips_enabled"),
        span: node.span,
        path: path.to_string(),
        ..Pool::default()
    };
    (pool.vm_size.is_some() || pool.os_sku.is_some() || pool.orchestrator_version.is_some())
        .then_some(pool)
}

/// Keys that make a mapping a node pool.
const POOL_KEYS: &[&str] = &["vm_size", "orchestrator_version", "os_sku"];

/// Pool-shaped mappings under `node` (a pool's own children are not searched).
fn find_pools(node: &Node, path: &str, depth: usize, out: &mut Vec<Pool>) {
    if depth > MAX_DEPTH {
        return;
    }
    match &node.value {
        Value::Map(m) => {
            if POOL_KEYS.iter().any(|k| node.get(k).is_some()) {
                out.push(tf_pool(node, path));
                return;
            }
            for (k, v) in m {
                if let Some(key) = k.as_str() {
                    find_pools(v, &pointer(path, key), depth + 1, out);
                }
            }
        }
        Value::Seq(s) => {
            for (i, v) in s.iter().enumerate() {
                find_pools(v, &pointer_idx(path, i), depth + 1, out);
            }
        }
        Value::Scalar(..) => {}
    }
}

/// A pool from azurerm names.
fn tf_pool(node: &Node, path: &str) -> Pool {
    let v = |k: &str| {
        node.get(k)
            .and_then(|n| Val::from_node(n, &pointer(path, k)))
    };
    let mut tags = Vec::new();
    if let Some(t) = node.get("tags") {
        let tp = pointer(path, "tags");
        for (k, val) in t.as_map().unwrap_or(&[]) {
            if let Some(k) = k.as_str()
                && let Some(val) = Val::from_node(val, &pointer(&tp, k))
            {
                tags.push((k.to_string(), val));
            }
        }
    }
    Pool {
        name: v("name"),
        os_type: v("os_type"),
        os_sku: v("os_sku"),
        vm_size: v("vm_size"),
        orchestrator_version: v("orchestrator_version"),
        workload_runtime: v("workload_runtime"),
        fips: v("fips_enabled").or_else(|| v("enable_fips")),
        tags,
        span: node.span,
        path: path.to_string(),
        ..Pool::default()
    }
}

fn attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == key => Some(&a.value),
        _ => None,
    })
}

struct Cx<'a> {
    idx: &'a LineIndex<'a>,
    /// The project text (for the expressions named in unresolved fields).
    text: &'a str,
    /// Relevant fields whose expressions did not resolve.
    unresolved: std::cell::RefCell<Vec<Unresolved>>,
    /// Where this module's text starts in the project text.
    base: usize,
    vars: HashMap<String, Var<'a>>,
    locals: HashMap<String, &'a Expression>,
    /// Values built while expanding a `var.x`/`local.x` are charged here: locals that use the one
    /// before several times (`l2 = [local.l1, local.l1]`, ...) grow exponentially.
    budget: &'a Budget,
    /// Inside the expansion of a reference.
    expanding: std::cell::Cell<bool>,
    /// A cut-off has been recorded for this file (the first names what was lost).
    cut: std::cell::Cell<bool>,
    /// Conditions of ternaries met while reading one declaration whose value is not known
    /// (their byte ranges in the project text).
    open: std::cell::RefCell<Vec<((usize, usize), bool)>>,
    /// Inside an attribute whose value decides what the node-pool rules say (its conditions are
    /// the ones to read both ways first).
    relevant: std::cell::Cell<bool>,
    /// The value assumed for each such condition while every branch is read.
    assume: std::cell::RefCell<Vec<((usize, usize), bool)>>,
}

/// A variable's value: its `default`, or a value assigned in a tfvars file or by the caller.
enum Var<'a> {
    Expr(&'a Expression),
    Node(Node),
}

impl<'a> Cx<'a> {
    /// The clusters and pools one `resource` block defines, and whether it is an AKS resource.
    fn resource(&self, b: &Block, ty: &str, name: &str, span: Span) -> (Vec<Cluster>, bool) {
        match ty {
            "azurerm_kubernetes_cluster" => {
                let node = self.block(b, 0);
                let path = format!("/resource/azurerm_kubernetes_cluster/{name}");
                let mut c = cluster_at("azurerm_kubernetes_cluster", name, span, &node, &path);
                if let Some(p) = node.get("default_node_pool") {
                    c.pools
                        .push(tf_pool(p, &pointer(&path, "default_node_pool")));
                }
                // azurerm 1.x: one `agent_pool_profile` block per pool (the first is the system
                // pool), replaced by `default_node_pool` in 2.0.
                let profiles = node.as_map().unwrap_or(&[]).iter();
                for (i, (_, p)) in profiles
                    .filter(|(k, _)| k.as_str() == Some("agent_pool_profile"))
                    .enumerate()
                {
                    let pp = pointer_idx(&pointer(&path, "agent_pool_profile"), i);
                    c.pools.push(tf_pool(p, &pp));
                }
                (vec![c], true)
            }
            "azurerm_kubernetes_cluster_node_pool" => {
                let node = self.block(b, 0);
                let path = format!("/resource/azurerm_kubernetes_cluster_node_pool/{name}");
                let mut pool = tf_pool(&node, &path);
                pool.span = span;
                let c = Cluster {
                    kind: "azurerm_kubernetes_cluster_node_pool".into(),
                    name: name.to_string(),
                    span,
                    path,
                    pools: vec![pool],
                    ..Cluster::default()
                };
                (vec![c], true)
            }
            "azapi_resource" | "azapi_update_resource" => {
                let node = self.block(b, 0);
                let Some(rt) = node.get("type").and_then(Node::as_str) else {
                    return (Vec::new(), false);
                };
                let rt = rt.split('@').next().unwrap_or("");
                let path = format!("/resource/{ty}/{name}");
                let Some(props) = node.get("body").and_then(|b| props_ci(b, "properties")) else {
                    return (Vec::new(), false);
                };
                let pp = pointer(&pointer(&path, "body"), props.0);
                if rt.eq_ignore_ascii_case(super::arm::MANAGED_CLUSTERS) {
                    (vec![arm_cluster(rt, name, props.1, &pp)], true)
                } else if rt.eq_ignore_ascii_case(super::arm::AGENT_POOLS) {
                    let pool = arm_pool(props.1, &pp);
                    let c = Cluster {
                        kind: rt.into(),
                        name: name.to_string(),
                        span,
                        path,
                        pools: vec![pool],
                        ..Cluster::default()
                    };
                    (vec![c], true)
                } else {
                    (Vec::new(), false)
                }
            }
            _ => (Vec::new(), false),
        }
    }

    /// Reads one declaration with `read`; when its value depends on ternaries whose conditions
    /// are not known (at most two), once under each assumption, each reading naming the
    /// conditions it assumes (as the Bicep reader does), so that every branch is checked.
    fn branches(&self, read: impl Fn() -> (Vec<Cluster>, bool)) -> (Vec<Cluster>, bool) {
        self.open.borrow_mut().clear();
        let before = self.unresolved.borrow().len();
        let first = read();
        let mut conds: Vec<(usize, usize)> = self.opened(&[]);
        if conds.is_empty() {
            return first;
        }
        loop {
            self.unresolved.borrow_mut().truncate(before);
            self.open.borrow_mut().clear();
            let mut out = Vec::new();
            let mut aks = false;
            for combo in 0..(1usize << conds.len()) {
                let assume: Vec<((usize, usize), bool)> = conds
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (*r, combo & (1 << i) == 0))
                    .collect();
                let when: Vec<(String, bool)> = assume
                    .iter()
                    .map(|((s, e), b)| {
                        let c = self.text.get(*s..*e).unwrap_or("").trim();
                        let c: String = if c.chars().count() > 40 {
                            c.chars().take(37).chain("...".chars()).collect()
                        } else {
                            c.to_string()
                        };
                        (c, *b)
                    })
                    .collect();
                *self.assume.borrow_mut() = assume;
                let (found, a) = read();
                aks |= a;
                out.extend(found.into_iter().map(|mut c| {
                    c.assumes = when.clone();
                    c
                }));
            }
            self.assume.borrow_mut().clear();
            let new = self.opened(&conds);
            if new.is_empty() || conds.len() >= 2 {
                return (out, aks);
            }
            conds.extend(new.into_iter().take(2 - conds.len()));
        }
    }

    /// The open conditions not in `known` met in relevant fields, at most two (a condition that
    /// only picks a name or a location does not change what the rules say).
    fn opened(&self, known: &[(usize, usize)]) -> Vec<(usize, usize)> {
        self.open
            .borrow()
            .iter()
            .filter(|(r, relevant)| *relevant && !known.contains(r))
            .map(|(r, _)| *r)
            .take(2)
            .collect()
    }

    /// A ternary's condition: its value when known, else the branch assumed for it while every
    /// branch is read (see [`Cx::branches`]); an unknown one is noted as open.
    fn condition(&self, e: &Expression, depth: usize) -> Option<bool> {
        if let Some(b) = self.expr(e, depth + 1).and_then(|n| truth(&n)) {
            return Some(b);
        }
        let r = e.span()?;
        let key = (self.base + r.start, self.base + r.end);
        if let Some((_, b)) = self.assume.borrow().iter().find(|(k, _)| *k == key) {
            return Some(*b);
        }
        let mut open = self.open.borrow_mut();
        match open.iter_mut().find(|(k, _)| *k == key) {
            Some(o) => o.1 |= self.relevant.get(),
            None => open.push((key, self.relevant.get())),
        }
        None
    }

    fn span(&self, r: Option<std::ops::Range<usize>>) -> Span {
        r.map(|r| self.idx.span(self.base + r.start, self.base + r.end))
            .unwrap_or_default()
    }

    /// Records a relevant field whose expression did not resolve (`null` is not a value to
    /// resolve: the field is unset).
    fn unresolved_field(&self, key: &str, e: &Expression) {
        if !is_relevant(key) || matches!(e, Expression::Null(_)) {
            return;
        }
        let Some(r) = e.span() else { return };
        let written = self
            .text
            .get(self.base + r.start..self.base + r.end)
            .unwrap_or("")
            .trim();
        let why = match e {
            Expression::Traversal(t) if matches!(&t.expr, Expression::Variable(v) if v.as_str() == "var") =>
            {
                format!("`{written}` has no default and no value is set")
            }
            _ if written.chars().count() > 60 => {
                let short: String = written.chars().take(57).collect();
                format!("`{short}...` is not evaluated")
            }
            _ => format!("`{written}` is not evaluated"),
        };
        self.unresolved.borrow_mut().push(Unresolved {
            field: key.to_string(),
            span: self.span(Some(r)),
            why,
        });
    }

    /// A call of a module at a local path (`source = "./modules/aks"`) whose text the project
    /// holds: the callee read with the inputs this call passes. `None` for other calls.
    fn local_module(&self, m: &Module<'_>, b: &Block) -> Option<Vec<Cluster>> {
        let Some(Expression::String(src)) = attr(&b.body, "source") else {
            return None;
        };
        let src = src.as_str();
        if !(src.starts_with("./") || src.starts_with("../")) || m.depth >= MAX_MODULE_DEPTH {
            return None;
        }
        let range = (m.resolve)(&m.range, src)?;
        let mut inputs = HashMap::new();
        for s in b.body.iter() {
            if let Structure::Attribute(a) = s
                && !matches!(
                    a.key.as_str(),
                    "source" | "version" | "providers" | "depends_on" | "count" | "for_each"
                )
                && let Some(v) = self.expr(&a.value, 1)
            {
                inputs.insert(a.key.as_str().to_string(), v);
            }
        }
        // A call with `count = 0` creates nothing.
        if let Some(c) = attr(&b.body, "count").and_then(|c| self.expr(c, 1))
            && c.as_str() == Some("0")
        {
            return Some(Vec::new());
        }
        match read_module(&Module {
            idx: m.idx,
            text: m.text,
            range,
            tfvars: Vec::new(),
            inputs,
            resolve: m.resolve,
            depth: m.depth + 1,
            errors: m.errors,
            budget: m.budget,
        }) {
            Ok(c) => Some(c),
            Err(e) => {
                m.errors.borrow_mut().push(e);
                None
            }
        }
    }

    /// A block body as a mapping: attributes and nested blocks (by their type name).
    fn block(&self, b: &Block, depth: usize) -> Node {
        let mut m = Vec::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    let outer = self
                        .relevant
                        .replace(is_relevant(key) || key == "os_type" || key == "body");
                    let v = self.expr(&a.value, depth + 1);
                    self.relevant.set(outer);
                    if let Some(v) = v {
                        m.push((
                            Node::scalar(a.key.as_str(), Style::Plain, self.span(a.key.span())),
                            v,
                        ));
                    } else {
                        self.unresolved_field(a.key.as_str(), &a.value);
                    }
                }
                Structure::Block(inner) if depth < MAX_DEPTH => {
                    m.push((
                        Node::scalar(
                            inner.ident.as_str(),
                            Style::Plain,
                            self.span(inner.ident.span()),
                        ),
                        self.block(inner, depth + 1),
                    ));
                }
                Structure::Block(_) => {}
            }
        }
        Node {
            value: Value::Map(m),
            span: self.span(b.span()),
            via: None,
        }
    }

    /// The value of an expression where it is literal or resolves to literals; `None` otherwise.
    fn expr(&self, e: &Expression, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        if self.expanding.get() {
            let bytes = match e {
                Expression::String(s) => s.len(),
                Expression::StringTemplate(t) => t
                    .iter()
                    .map(|el| match el {
                        Element::Literal(l) => l.value().len(),
                        _ => 0,
                    })
                    .sum(),
                _ => 0,
            };
            if !self.budget.values(1) || !self.budget.bytes(bytes) {
                return None;
            }
        }
        let span = self.span(e.span());
        match e {
            Expression::String(s) => Some(Node::scalar(s.as_str(), Style::DoubleQuoted, span)),
            Expression::Bool(b) => Some(Node::scalar(
                if *b.value() { "true" } else { "false" },
                Style::Plain,
                span,
            )),
            Expression::Number(n) => Some(Node::scalar(n.value().to_string(), Style::Plain, span)),
            Expression::Null(_) => None,
            Expression::Array(a) => Some(Node {
                value: Value::Seq(a.iter().filter_map(|x| self.expr(x, depth + 1)).collect()),
                span,
                via: None,
            }),
            Expression::Object(o) => {
                let mut m = Vec::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => {
                            Some(Node::scalar(i.as_str(), Style::Plain, self.span(i.span())))
                        }
                        ObjectKey::Expression(Expression::String(s)) => Some(Node::scalar(
                            s.as_str(),
                            Style::DoubleQuoted,
                            self.span(s.span()),
                        )),
                        ObjectKey::Expression(
                            Expression::Parenthesis(_)
                            | Expression::Traversal(_)
                            | Expression::Variable(_),
                        ) => None,
                        ObjectKey::Expression(x) => self.expr(x, depth + 1),
                    };
                    let val = self.expr(v.expr(), depth + 1);
                    if val.is_none()
                        && let Some(k) = key.as_ref().and_then(Node::as_str)
                    {
                        self.unresolved_field(k, v.expr());
                    }
                    let (Some(key), Some(val)) = (key, val) else {
                        continue;
                    };
                    m.push((key, val));
                }
                Some(Node {
                    value: Value::Map(m),
                    span,
                    via: None,
                })
            }
            Expression::StringTemplate(t) => {
                // `"${var.x}"` alone (Terraform 0.11's way to write a reference) is the value itself,
                // reported where it is written; interpolations of known scalars among literal text
                // make the string.
                let elements: Vec<&Element> = t.iter().collect();
                if let [Element::Interpolation(i)] = elements.as_slice() {
                    return self.expr(&i.expr, depth + 1);
                }
                let mut s = String::new();
                for el in elements {
                    match el {
                        Element::Literal(l) => s.push_str(l.value()),
                        Element::Interpolation(i) => {
                            s.push_str(self.expr(&i.expr, depth + 1)?.as_str()?)
                        }
                        Element::Directive(_) => return None,
                    }
                }
                Some(Node::scalar(s, Style::DoubleQuoted, span))
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), depth + 1),
            Expression::Conditional(c) => match self.condition(&c.cond_expr, depth) {
                Some(true) => self.expr(&c.true_expr, depth + 1),
                Some(false) => self.expr(&c.false_expr, depth + 1),
                // Not known and no branch assumed: a branch is taken only when the other is null.
                None => match (&c.true_expr, &c.false_expr) {
                    (x, Expression::Null(_)) | (Expression::Null(_), x) => self.expr(x, depth + 1),
                    _ => None,
                },
            },
            Expression::UnaryOp(u) => match u.operator.value() {
                UnaryOperator::Not => {
                    let b = truth(&self.expr(&u.expr, depth + 1)?)?;
                    Some(Node::scalar(bool_text(!b), Style::Plain, span))
                }
                UnaryOperator::Neg => None,
            },
            Expression::BinaryOp(o) => {
                let op = *o.operator.value();
                let (l, r) = (&o.lhs_expr, &o.rhs_expr);
                let b = match op {
                    BinaryOperator::And | BinaryOperator::Or => {
                        // A decisive operand decides even when the other is unknown.
                        let decisive = op == BinaryOperator::Or;
                        let a = self.expr(l, depth + 1).and_then(|n| truth(&n));
                        if a == Some(decisive) {
                            decisive
                        } else {
                            let b = self.expr(r, depth + 1).and_then(|n| truth(&n));
                            if b == Some(decisive) {
                                decisive
                            } else {
                                a?;
                                b?;
                                !decisive
                            }
                        }
                    }
                    BinaryOperator::Eq | BinaryOperator::NotEq => {
                        let (a, b) = (self.expr(l, depth + 1)?, self.expr(r, depth + 1)?);
                        (same(&a, &b)) == (op == BinaryOperator::Eq)
                    }
                    BinaryOperator::Less
                    | BinaryOperator::LessEq
                    | BinaryOperator::Greater
                    | BinaryOperator::GreaterEq => {
                        let a: f64 = self.expr(l, depth + 1)?.as_str()?.trim().parse().ok()?;
                        let b: f64 = self.expr(r, depth + 1)?.as_str()?.trim().parse().ok()?;
                        match op {
                            BinaryOperator::Less => a < b,
                            BinaryOperator::LessEq => a <= b,
                            BinaryOperator::Greater => a > b,
                            _ => a >= b,
                        }
                    }
                    _ => return None,
                };
                Some(Node::scalar(bool_text(b), Style::Plain, span))
            }
            Expression::FuncCall(f) => {
                let args: Vec<&Expression> = f.args.iter().collect();
                match f.name.name.as_str() {
                    "jsonencode" | "tomap" | "tolist" | "toset" | "tostring" => {
                        args.first().and_then(|a| self.expr(a, depth + 1))
                    }
                    "try" | "coalesce" => args.iter().find_map(|a| self.expr(a, depth + 1)),
                    "merge" => {
                        // Later arguments win; a key keeps its last value, in first-seen order
                        // (an index per key: linear, not a scan of the map per key).
                        let mut m: Vec<(Node, Node)> = Vec::new();
                        let mut at: HashMap<Option<String>, usize> = HashMap::new();
                        for a in &args {
                            let Some(n) = self.expr(a, depth + 1) else {
                                continue;
                            };
                            let Value::Map(entries) = n.value else {
                                continue;
                            };
                            for (k, v) in entries {
                                let key = k.as_str().map(str::to_string);
                                match at.get(&key) {
                                    Some(&i) => m[i] = (k, v),
                                    None => {
                                        at.insert(key, m.len());
                                        m.push((k, v));
                                    }
                                }
                            }
                        }
                        Some(Node {
                            value: Value::Map(m),
                            span,
                            via: None,
                        })
                    }
                    _ => None,
                }
            }
            Expression::ForExpr(f) => {
                // The value of each iteration, once: its literal parts are still checked.
                let v = self.expr(&f.value_expr, depth + 1)?;
                Some(if f.key_expr.is_some() {
                    Node {
                        value: Value::Map(vec![(Node::scalar("*", Style::Plain, span), v)]),
                        span,
                        via: None,
                    }
                } else {
                    Node {
                        value: Value::Seq(vec![v]),
                        span,
                        via: None,
                    }
                })
            }
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return None;
                };
                let mut ops = t.operators.iter().map(|o| o.value());
                let Some(TraversalOperator::GetAttr(first)) = ops.next() else {
                    return None;
                };
                // Expanding a reference is charged to the budget: locals that use the one before
                // several times grow exponentially.
                let outermost = !self.expanding.replace(true);
                let node = match root.as_str() {
                    "var" => match self.vars.get(first.as_str()) {
                        Some(Var::Expr(e)) => self.expr(e, depth + 1),
                        Some(Var::Node(n)) => Some(n.clone()),
                        None => None,
                    },
                    "local" => self
                        .locals
                        .get(first.as_str())
                        .and_then(|e| self.expr(e, depth + 1)),
                    _ => None,
                };
                if outermost {
                    self.expanding.set(false);
                    if self.budget.exhausted() && !self.cut.replace(true) {
                        self.budget.cut(
                            span.start,
                            format!(
                                "`{}.{}` expands to more than {} (references that fan out?): what it sets is not checked",
                                root.as_str(),
                                first.as_str(),
                                self.budget.eval_limits()
                            ),
                        );
                    }
                }
                let mut node = node?;
                for op in ops {
                    node = match op {
                        TraversalOperator::GetAttr(k) => node.get(k.as_str())?.clone(),
                        TraversalOperator::Index(Expression::String(k)) => {
                            node.get(k.as_str())?.clone()
                        }
                        TraversalOperator::Index(Expression::Number(n)) => {
                            node.as_seq()?.get(n.value().as_u64()? as usize)?.clone()
                        }
                        TraversalOperator::LegacyIndex(i) => {
                            node.as_seq()?.get(*i.value() as usize)?.clone()
                        }
                        _ => return None,
                    };
                }
                node.set_via(&Via {
                    use_site: span,
                    anchor_line: node.span.start.line,
                });
                Some(node)
            }
            _ => None,
        }
    }
}

/// `true`/`false` as Terraform writes them.
fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// A boolean value (`true`/`false`, also as strings, which Terraform converts).
fn truth(n: &Node) -> Option<bool> {
    match n.as_str()? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Terraform's `==`: equal values (numbers by value, strings and booleans by text, collections
/// item by item).
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar(x, xs), Value::Scalar(y, ys)) => {
            // Numbers compare by value (`1.0 == 1`); strings by text (`"1.30" != "1.3"`).
            let numbers = *xs == Style::Plain && *ys == Style::Plain;
            x == y
                || (numbers
                    && matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| b.get(k))
                        .is_some_and(|w| same(v, w))
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::unclosed_brackets;

    /// Brackets in strings, comments and heredocs do not count; `${`/`%{` in strings do, `$${` is
    /// text; a string ends at its line.
    #[test]
    fn unclosed_brackets_are_counted_as_hcl_reads_them() {
        let valid = [
            "a = { b = [1, (2)] }\n",
            "a = \"{[(\" # {[(\n// {[(\n/* {[( */ b = 1\n",
            "a = \"${var.x}-%{ if true }y%{ endif }\"\nb = \"$${x} %%{y}\"\n",
            "a = <<EOT\n{ [ (\n  EOT\nb = <<-X\n  ${ {\n  X\nc = {}\n",
            "a = \"x\\\"{\"\n",
            "a = \"${ {b = 1} }\"\n",
        ];
        for v in valid {
            assert_eq!(unclosed_brackets(v), None, "{v:?}");
        }
        assert_eq!(unclosed_brackets("a = {\n b = [1,\n"), Some((4, 2)));
        assert_eq!(unclosed_brackets("a = \"${x\"\n"), Some((5, 1)));
        assert_eq!(unclosed_brackets("a = \"unclosed\nb = 1\n"), None);
    }

    /// Conditions decided as Terraform decides them: numbers by value, strings by text, `!`,
    /// `&&` with a decisive operand when the other is unknown, comparisons of numbers.
    #[test]
    fn conditions_are_decided_as_terraform_does() {
        let cases = [
            ("var.n == 1.0", "Standard_D2_v3"),
            ("var.s == \"1.3\"", "Standard_D4s_v5"),
            ("!var.b && var.unknown", "Standard_D4s_v5"),
            ("var.n > 0 || var.unknown", "Standard_D2_v3"),
            ("var.n >= 2", "Standard_D4s_v5"),
        ];
        for (cond, want) in cases {
            let t = format!(
                "variable \"n\" {{\n  default = 1\n}}\nvariable \"s\" {{\n  default = \"1.30\"\n}}\nvariable \"b\" {{\n  default = true\n}}\nvariable \"unknown\" {{}}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"p\" {{\n  name    = \"p\"\n  vm_size = {cond} ? \"Standard_D2_v3\" : \"Standard_D4s_v5\"\n}}\n"
            );
            let cs = super::super::pools::read(
                crate::discover::Kind::Terraform,
                &t,
                &super::Budget::default(),
            )
            .unwrap();
            assert_eq!(cs.len(), 1, "{cond}");
            assert!(cs[0].assumes.is_empty(), "{cond}");
            assert_eq!(
                cs[0].pools[0].vm_size.as_ref().unwrap().text,
                want,
                "{cond}"
            );
        }
    }

    #[test]
    fn json_syntax_reads_like_hcl() {
        let t = "{\n  \"variable\": {\"size\": {\"default\": \"Standard_D2_v2\"}},\n  \"resource\": {\n    \"azurerm_kubernetes_cluster\": {\n      \"main\": {\n        \"kubernetes_version\": \"1.34\",\n        \"default_node_pool\": [{\"name\": \"system\", \"vm_size\": \"${var.size}\", \"os_sku\": \"AzureContainerLinux\"}]\n      }\n    }\n  }\n}\n";
        let cs = super::super::pools::read(
            crate::discover::Kind::Terraform,
            t,
            &super::Budget::default(),
        )
        .unwrap();
        assert_eq!(cs.len(), 1);
        let size = cs[0].pools[0].vm_size.as_ref().unwrap();
        assert_eq!(
            (
                size.text.as_str(),
                size.span.start.line,
                size.span.start.col,
                size.used_at
            ),
            ("Standard_D2_v2", 2, 36, Some(7))
        );
        assert!(cs[0].pools[0].is_acl());
    }
}
