//! Node pools in structured documents: ARM templates (`Microsoft.ContainerService/managedClusters`
//! and `/agentPools`, nested `resources`, template expressions evaluated as far as the template
//! knows their inputs: parameters passed or defaulted, variables, `union`, `createObject`, `if`,
//! `map`/`filter`/`reduce` with lambdas, ...), Azure Service Operator `ManagedCluster`/`ManagedClustersAgentPool`, and Cluster API
//! Azure `AzureManagedControlPlane`/`AzureManagedMachinePool`/`AzureASOManagedMachinePool`
//! (clusterctl `${VAR:=default}` resolved to the default).

use std::collections::HashMap;

use super::budget::Budget;
use crate::model::nodepool::{Cluster, Pool, Unresolved, Val, arm_cluster, arm_pool, props_ci};
use crate::model::object::Object;
use crate::parse::node::{Node, Style, Value, pointer, pointer_idx};
use crate::source::{Pos, Span, Via};

pub const MANAGED_CLUSTERS: &str = "Microsoft.ContainerService/managedClusters";
pub const AGENT_POOLS: &str = "Microsoft.ContainerService/managedClusters/agentPools";

/// The clusters an ARM template root defines (empty when the root is not a template). Expanding
/// `parameters()`/`variables()` is charged to `budget`; a reference it cuts off is recorded there.
pub fn template_clusters(root: &Node, budget: &Budget) -> Vec<Cluster> {
    template_at(root, "", None, budget)
}

/// The clusters of a template deployed with `args`, the `parameters` object of a deployment
/// (`{"x": {"value": ...}}`, as a parameter file, a nested deployment's caller or `az deployment
/// create --parameters` passes it): a passed value replaces the parameter's `defaultValue`.
pub fn template_clusters_with(root: &Node, args: &Node, budget: &Budget) -> Vec<Cluster> {
    template_at(root, "", Some(args), budget)
}

/// The clusters of a template whose root sits at `base` (nested deployments' inline templates),
/// with the parameter values its deployment passes.
fn template_at(root: &Node, base: &str, args: Option<&Node>, budget: &Budget) -> Vec<Cluster> {
    let Some((rk, resources)) = props_ci(root, "resources") else {
        return Vec::new();
    };
    let scope = Scope {
        params: names(props_ci(root, "parameters").map(|p| p.1)),
        vars: names(props_ci(root, "variables").map(|v| v.1)),
        args,
        budget,
        cut: std::cell::Cell::new(false),
        nest: std::cell::Cell::new(0),
    };
    let mut out = Vec::new();
    walk_resources(resources, &pointer(base, rk), None, &scope, &mut out);
    out
}

/// A template's parameters or variables by lower-cased name (ARM names are case-insensitive; the
/// first of two that differ only in case wins, as [`props_ci`] finds it), so that each reference
/// is one lookup rather than a scan of every name.
fn names(node: Option<&Node>) -> HashMap<String, &Node> {
    let mut out = HashMap::new();
    for (k, v) in node.and_then(Node::as_map).unwrap_or(&[]) {
        if let Some(k) = k.as_str() {
            out.entry(k.to_ascii_lowercase()).or_insert(v);
        }
    }
    out
}

struct Scope<'a> {
    params: HashMap<String, &'a Node>,
    vars: HashMap<String, &'a Node>,
    /// The values the deployment passes (`{"x": {"value": ...}}`), resolved where they are written.
    args: Option<&'a Node>,
    budget: &'a Budget,
    /// A cut-off has been recorded for this template (one is enough to name what was lost).
    cut: std::cell::Cell<bool>,
    /// How deep evaluation is in the expression that reached the current reference: nesting adds
    /// up across references, so that the stack is bounded by [`MAX_EVAL_NEST`] in all.
    nest: std::cell::Cell<usize>,
}

/// Whether a resource is deployed at all: not when its `condition` is false or its `copy` count
/// is 0 (as far as they resolve; an unknown condition or count deploys).
fn deployed(r: &Node, scope: &Scope<'_>) -> bool {
    if let Some((_, c)) = props_ci(r, "condition")
        && resolve(c, scope, 0, false)
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("false"))
    {
        return false;
    }
    if let Some((_, copy)) = props_ci(r, "copy")
        && let Some((_, count)) = props_ci(copy, "count")
        && resolve(count, scope, 0, false)
            .as_str()
            .is_some_and(|s| s.trim() == "0")
    {
        return false;
    }
    true
}

/// Resources as an array, or (languageVersion 2.0) as an object of symbolic names.
fn walk_resources(
    resources: &Node,
    path: &str,
    parent: Option<&str>,
    scope: &Scope<'_>,
    out: &mut Vec<Cluster>,
) {
    let items: Vec<(String, &Node)> = match &resources.value {
        Value::Seq(s) => s
            .iter()
            .enumerate()
            .map(|(i, n)| (pointer_idx(path, i), n))
            .collect(),
        Value::Map(m) => m
            .iter()
            .filter_map(|(k, v)| Some((pointer(path, k.as_str()?), v)))
            .collect(),
        Value::Scalar(..) => return,
    };
    for (p, r) in items {
        let Some(ty) = props_ci(r, "type").and_then(|t| t.1.as_str()) else {
            continue;
        };
        if !deployed(r, scope) {
            continue;
        }
        let full = match parent {
            Some(parent) if !ty.contains('/') || !ty.contains('.') => format!("{parent}/{ty}"),
            _ => ty.to_string(),
        };
        let name = props_ci(r, "name")
            .and_then(|n| resolve(n.1, scope, 0, false).as_str().map(str::to_string))
            .unwrap_or_default();
        if let Some((pk, props)) = props_ci(r, "properties") {
            let props = resolve(props, scope, 0, false);
            let pp = pointer(&p, pk);
            if full.eq_ignore_ascii_case(MANAGED_CLUSTERS) {
                let mut c = arm_cluster(MANAGED_CLUSTERS, &name, &props, &pp);
                unevaluated(&mut c.unresolved, "properties", &props);
                if let Some((_, pools)) = props_ci(&props, "agentPoolProfiles") {
                    unevaluated(&mut c.unresolved, "agentPoolProfiles", pools);
                    // A pool that is still an expression (`"[variables('pool')]"`) is not dropped
                    // in silence either.
                    for p in pools.as_seq().unwrap_or(&[]) {
                        unevaluated(&mut c.unresolved, "agentPoolProfiles", p);
                    }
                }
                settle(&mut c);
                out.push(c);
            } else if full.eq_ignore_ascii_case(AGENT_POOLS) {
                let mut pool = arm_pool(&props, &pp);
                if pool.name.is_none()
                    && let Some((nk, n)) = props_ci(r, "name")
                {
                    pool.name = Val::from_node(n, &pointer(&p, nk));
                }
                unevaluated(&mut pool.unresolved, "properties", &props);
                let mut c = Cluster {
                    kind: AGENT_POOLS.into(),
                    name,
                    span: r.span,
                    path: p.clone(),
                    pools: vec![pool],
                    ..Cluster::default()
                };
                settle(&mut c);
                out.push(c);
            }
        }
        // A nested deployment's inline template has its own parameters and variables.
        if full.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some((pk, props)) = props_ci(r, "properties")
            && let Some((tk, template)) = props_ci(props, "template")
        {
            let tp = pointer(&pointer(&p, pk), tk);
            let inner = props_ci(props, "expressionEvaluationOptions")
                .and_then(|o| props_ci(o.1, "scope"))
                .and_then(|s| s.1.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("inner"))
                || props_ci(props, "parameters").is_some()
                || props_ci(template, "parameters").is_some();
            if inner {
                // The values the caller passes are evaluated in the caller's scope.
                let passed = props_ci(props, "parameters").map(|a| resolve(a.1, scope, 0, false));
                out.extend(template_at(template, &tp, passed.as_ref(), scope.budget));
            } else if let Some((rk, resources)) = props_ci(template, "resources") {
                // Scope `outer` (ARM's default): the inner template's expressions name the
                // caller's parameters and variables.
                walk_resources(resources, &pointer(&tp, rk), None, scope, out);
            }
        }
        if let Some((ck, children)) = props_ci(r, "resources") {
            walk_resources(children, &pointer(&p, ck), Some(&full), scope, out);
        }
    }
}

/// A cluster's or pool's `properties` (or its pool list) that is still an expression: nothing
/// in it is read, and that is said, never taken as clean.
fn unevaluated(out: &mut Vec<Unresolved>, field: &str, node: &Node) {
    if let Value::Scalar(s, _) = &node.value
        && s.starts_with('[')
        && !s.starts_with("[[")
        && s.ends_with(']')
    {
        let short: String = if s.chars().count() > 60 {
            s.chars().take(57).chain("...".chars()).collect()
        } else {
            s.to_string()
        };
        out.push(Unresolved {
            field: field.into(),
            span: node.span,
            why: format!("`{short}` is not evaluated"),
        });
    }
}

/// References resolved inside references at most this deep (and trees copied below it as they are).
const MAX_DEPTH: usize = 16;

/// A value still written as an ARM expression (`[...]`, not the `[[` escape) is not resolved: it
/// leaves its field and is listed as unresolved, never read as the literal text.
fn settle(c: &mut Cluster) {
    fn take(v: &mut Option<Val>, field: &str, out: &mut Vec<Unresolved>) {
        if let Some(val) = v
            && val.text.starts_with('[')
            && !val.text.starts_with("[[")
            && val.text.ends_with(']')
        {
            let short: String = if val.text.chars().count() > 60 {
                val.text.chars().take(57).chain("...".chars()).collect()
            } else {
                val.text.clone()
            };
            out.push(Unresolved {
                field: field.into(),
                span: val.span,
                why: format!("`{short}` is not evaluated"),
            });
            *v = None;
        }
    }
    take(
        &mut c.kubernetes_version,
        "kubernetesVersion",
        &mut c.unresolved,
    );
    take(
        &mut c.node_os_upgrade_channel,
        "nodeOSUpgradeChannel",
        &mut c.unresolved,
    );
    for p in &mut c.pools {
        take(&mut p.vm_size, "vmSize", &mut p.unresolved);
        take(&mut p.os_sku, "osSKU", &mut p.unresolved);
        take(
            &mut p.orchestrator_version,
            "orchestratorVersion",
            &mut p.unresolved,
        );
    }
}

/// A copy of `node` with every template expression replaced by its value where it is known (a
/// parameter's passed value or `defaultValue`, a variable's value, marked as reached from the use
/// site; see [`Eval`]); an expression whose value is not known stays as written.
///
/// Every value copied while `expanding` a reference is charged to the budget: variables that use
/// the one before twice (`v2 = {a: v1, b: v1}`, ...) double at each step. Once the budget is spent a
/// value is left null and the outermost reference that lost it is recorded as cut off.
fn resolve(node: &Node, scope: &Scope<'_>, depth: usize, expanding: bool) -> Node {
    if expanding {
        let values = if depth > MAX_DEPTH { node.count() } else { 1 };
        let bytes = match &node.value {
            Value::Scalar(s, _) => s.len(),
            _ => 0,
        };
        if !scope.budget.values(values) || !scope.budget.bytes(bytes) {
            return Node::scalar("", Style::Plain, node.span);
        }
    }
    if depth > MAX_DEPTH {
        return node.clone();
    }
    match &node.value {
        Value::Scalar(s, _) => {
            let Some(ex) = Expr::parse(s) else {
                return node.clone();
            };
            let ev = Eval {
                scope,
                ex: &ex,
                span: node.span,
                exact: node.span.start.line == node.span.end.line
                    && (node.span.end.col - node.span.start.col) as usize == ex.chars.len() + 2,
                depth,
            };
            let out = ev.eval(&ex.root, &mut Vec::new(), scope.nest.get());
            if !expanding && scope.budget.exhausted() && !scope.cut.replace(true) {
                scope.budget.cut(
                    node.span.start,
                    format!(
                        "`{}` expands to more than {} (references that fan out?): what it sets is not checked",
                        s.trim(),
                        scope.budget.eval_limits()
                    ),
                );
            }
            out.unwrap_or_else(|| node.clone())
        }
        Value::Seq(items) => Node {
            value: Value::Seq(
                items
                    .iter()
                    .map(|n| resolve(n, scope, depth + 1, expanding))
                    .collect(),
            ),
            span: node.span,
            via: node.via.clone(),
        },
        Value::Map(m) => Node {
            value: Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), resolve(v, scope, depth + 1, expanding)))
                    .collect(),
            ),
            span: node.span,
            via: node.via.clone(),
        },
    }
}

/// Clusters and pools among Kubernetes objects: ASO and CAPZ.
pub fn object_clusters(objects: &[Object<'_>]) -> Vec<Cluster> {
    let mut out = Vec::new();
    for o in objects {
        let Some(spec) = o.node.get("spec") else {
            continue;
        };
        let sp = pointer(&o.path, "spec");
        let group = o.id.api_version.split('/').next().unwrap_or("");
        let kind = o.id.kind.as_str();
        let cluster = |pools: Vec<Pool>| Cluster {
            kind: kind.into(),
            name: o.id.name.clone(),
            span: o.node.span,
            path: o.path.clone(),
            pools,
            ..Cluster::default()
        };
        match (group, kind) {
            ("containerservice.azure.com", "ManagedCluster") => {
                let spec = clusterctl(spec);
                let mut c = arm_cluster(kind, &o.id.name, &spec, &sp);
                c.span = o.node.span;
                out.push(c);
            }
            ("containerservice.azure.com", "ManagedClustersAgentPool") => {
                let spec = clusterctl(spec);
                let mut pool = arm_pool(&spec, &sp);
                if pool.name.is_none() {
                    pool.name = props_ci(&spec, "azureName")
                        .and_then(|(k, n)| Val::from_node(n, &pointer(&sp, k)));
                }
                out.push(cluster(vec![pool]));
            }
            ("infrastructure.cluster.x-k8s.io", "AzureManagedMachinePool") => {
                let spec = clusterctl(spec);
                let v = |k: &str| {
                    spec.get(k)
                        .and_then(|n| Val::from_node(n, &pointer(&sp, k)))
                };
                let pool = Pool {
                    name: v("name"),
                    os_type: v("osType"),
                    vm_size: v("sku"),
                    enable_secure_boot: spec.at(&["securityProfile", "enableSecureBoot"]).and_then(
                        |n| Val::from_node(n, &format!("{sp}/securityProfile/enableSecureBoot")),
                    ),
                    enable_vtpm: spec.at(&["securityProfile", "enableVTPM"]).and_then(|n| {
                        Val::from_node(n, &format!("{sp}/securityProfile/enableVTPM"))
                    }),
                    fips: v("enableFIPS"),
                    span: o.node.span,
                    path: sp.clone(),
                    ..Pool::default()
                };
                out.push(cluster(vec![pool]));
            }
            ("infrastructure.cluster.x-k8s.io", "AzureASOManagedMachinePool") => {
                let Some(res) = spec.get("resources").and_then(Node::as_seq) else {
                    continue;
                };
                let rp = pointer(&sp, "resources");
                let mut pools = Vec::new();
                for (i, r) in res.iter().enumerate() {
                    if r.str_at(&["kind"]) == Some("ManagedClustersAgentPool")
                        && let Some(rs) = r.get("spec")
                    {
                        pools.push(arm_pool(
                            &clusterctl(rs),
                            &pointer(&pointer_idx(&rp, i), "spec"),
                        ));
                    }
                }
                out.push(cluster(pools));
            }
            ("infrastructure.cluster.x-k8s.io", "AzureASOManagedControlPlane") => {
                let Some(res) = spec.get("resources").and_then(Node::as_seq) else {
                    continue;
                };
                let rp = pointer(&sp, "resources");
                for (i, r) in res.iter().enumerate() {
                    if r.str_at(&["kind"]) == Some("ManagedCluster")
                        && let Some(rs) = r.get("spec")
                    {
                        out.push(arm_cluster(
                            kind,
                            &o.id.name,
                            &clusterctl(rs),
                            &pointer(&pointer_idx(&rp, i), "spec"),
                        ));
                    }
                }
            }
            ("infrastructure.cluster.x-k8s.io", "AzureManagedControlPlane") => {
                let spec = clusterctl(spec);
                let mut c = cluster(Vec::new());
                c.kubernetes_version = spec
                    .get("version")
                    .and_then(|n| Val::from_node(n, &pointer(&sp, "version")));
                out.push(c);
            }
            _ => {}
        }
    }
    out
}

/// A copy of `node` where each scalar that is exactly a clusterctl `${VAR:=default}` (or `${VAR=default}`)
/// becomes its default, spanning the default's text when the scalar sits on one line; an
/// unresolved `${VAR}` becomes null.
fn clusterctl(node: &Node) -> Node {
    match &node.value {
        Value::Scalar(s, style) => {
            let Some(rest) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) else {
                return node.clone();
            };
            let Some(eq) = rest.find('=') else {
                return Node::scalar("", Style::Plain, node.span);
            };
            let name_end = if rest[..eq].ends_with(':') {
                eq - 1
            } else {
                eq
            };
            if !rest[..name_end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return node.clone();
            }
            let default = &rest[eq + 1..];
            if default.contains("${") {
                return node.clone();
            }
            let quote = u32::from(!matches!(style, Style::Plain));
            let mut span = node.span;
            if span.start.line == span.end.line {
                // `${`, the name and the operator, after an opening quote if any.
                let start = Pos::new(
                    span.start.line,
                    span.start.col + rest[..eq + 1].chars().count() as u32 + 2 + quote,
                );
                span = Span::new(
                    start,
                    Pos::new(start.line, start.col + default.chars().count() as u32),
                );
            }
            let mut n = Node::scalar(default, *style, span);
            n.via = node.via.clone();
            n
        }
        Value::Seq(items) => Node {
            value: Value::Seq(items.iter().map(clusterctl).collect()),
            span: node.span,
            via: node.via.clone(),
        },
        Value::Map(m) => Node {
            value: Value::Map(m.iter().map(|(k, v)| (k.clone(), clusterctl(v))).collect()),
            span: node.span,
            via: node.via.clone(),
        },
    }
}

// ARM template expressions: `[union(createObject('a', parameters('x')), ...)]`, evaluated as far as
// their inputs are known (the template's parameter values and defaults, its variables, literals and
// lambda variables). What depends on the deployment (`reference()`, `resourceId()`, `deployment()`,
// ...) is unknown, and so is every value computed from it; an unknown value inside an object or array
// stays written as its expression, which [`settle`] lists as unresolved when a cluster field holds it.

/// Expressions nest at most this deep (calls, member and index accesses): deeper ones are unknown.
const MAX_EXPR_DEPTH: usize = 32;
/// Evaluation nests at most this deep in all, across the references one expression reaches
/// (each thread's stack holds every level).
const MAX_EVAL_NEST: usize = 64;

/// A parsed expression, with the characters of the string it was written in (offsets index them).
struct Expr {
    chars: Vec<char>,
    root: Ex,
}

struct Ex {
    kind: ExKind,
    /// Character offsets of the sub-expression in the string (`[` is offset 0).
    start: usize,
    end: usize,
}

enum ExKind {
    Str(String),
    Int(i64),
    Call(String, Vec<Ex>),
    Member(Box<Ex>, String),
    Index(Box<Ex>, Box<Ex>),
}

impl Expr {
    /// The expression a JSON string holds: one that starts with `[` (not the `[[` escape) and ends
    /// with `]`. `None` for a plain string and for one that does not parse (left as written).
    fn parse(s: &str) -> Option<Expr> {
        if !s.starts_with('[') || s.starts_with("[[") || !s.ends_with(']') || s.len() < 2 {
            return None;
        }
        let chars: Vec<char> = s.chars().collect();
        let mut p = ExParser {
            c: &chars[..chars.len() - 1],
            i: 1,
        };
        let root = p.expr(0)?;
        p.ws();
        if p.i != p.c.len() {
            return None;
        }
        Some(Expr { chars, root })
    }

    fn text(&self, e: &Ex) -> String {
        self.chars[e.start..e.end].iter().collect()
    }
}

struct ExParser<'c> {
    c: &'c [char],
    i: usize,
}

impl ExParser<'_> {
    fn ws(&mut self) {
        while self.c.get(self.i).is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, ch: char) -> bool {
        self.ws();
        if self.c.get(self.i) == Some(&ch) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A primary expression and its member and index accesses; `depth` counts every nesting.
    fn expr(&mut self, depth: usize) -> Option<Ex> {
        if depth > MAX_EXPR_DEPTH {
            return None;
        }
        self.ws();
        let start = self.i;
        let kind = match *self.c.get(self.i)? {
            '\'' => {
                self.i += 1;
                let mut s = String::new();
                loop {
                    match *self.c.get(self.i)? {
                        '\'' if self.c.get(self.i + 1) == Some(&'\'') => {
                            s.push('\'');
                            self.i += 2;
                        }
                        '\'' => {
                            self.i += 1;
                            break;
                        }
                        c => {
                            s.push(c);
                            self.i += 1;
                        }
                    }
                }
                ExKind::Str(s)
            }
            c if c == '-' || c.is_ascii_digit() => {
                self.i += 1;
                while self.c.get(self.i).is_some_and(char::is_ascii_digit) {
                    self.i += 1;
                }
                let t: String = self.c[start..self.i].iter().collect();
                ExKind::Int(t.parse().ok()?)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while self
                    .c
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                {
                    self.i += 1;
                }
                let name: String = self.c[start..self.i].iter().collect();
                if !self.eat('(') {
                    return None;
                }
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.expr(depth + 1)?);
                        if self.eat(')') {
                            break;
                        }
                        if !self.eat(',') {
                            return None;
                        }
                    }
                }
                ExKind::Call(name.to_ascii_lowercase(), args)
            }
            _ => return None,
        };
        let mut e = Ex {
            kind,
            start,
            end: self.i,
        };
        let mut chained = depth;
        loop {
            let before = self.i;
            if self.eat('.') {
                self.ws();
                let s = self.i;
                while self
                    .c
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                {
                    self.i += 1;
                }
                if s == self.i {
                    return None;
                }
                let name: String = self.c[s..self.i].iter().collect();
                e = Ex {
                    kind: ExKind::Member(Box::new(e), name),
                    start,
                    end: self.i,
                };
            } else if self.eat('[') {
                let idx = self.expr(depth + 1)?;
                if !self.eat(']') {
                    return None;
                }
                e = Ex {
                    kind: ExKind::Index(Box::new(e), Box::new(idx)),
                    start,
                    end: self.i,
                };
            } else {
                self.i = before;
                return Some(e);
            }
            chained += 1;
            if chained > MAX_EXPR_DEPTH {
                return None;
            }
        }
    }
}

/// Lambda variables in scope, innermost last.
type Env = Vec<(String, Node)>;

/// Evaluates one expression string of a template.
struct Eval<'s, 'a> {
    scope: &'s Scope<'a>,
    ex: &'s Expr,
    /// The JSON string the expression is written in.
    span: Span,
    /// The string sits on one line without escapes, so that character offsets are columns.
    exact: bool,
    /// How deep in references this string was reached ([`resolve`]'s depth).
    depth: usize,
}

impl Eval<'_, '_> {
    /// Where a sub-expression is written: its own characters when they map to columns, else the string.
    fn span_of(&self, e: &Ex) -> Span {
        if !self.exact {
            return self.span;
        }
        let at = |o: usize| Pos::new(self.span.start.line, self.span.start.col + 1 + o as u32);
        Span::new(at(e.start), at(e.end))
    }

    fn boolean(&self, b: bool, e: &Ex) -> Node {
        Node::scalar(
            if b { "true" } else { "false" },
            Style::Plain,
            self.span_of(e),
        )
    }

    fn null(&self, e: &Ex) -> Node {
        Node::scalar("null", Style::Plain, self.span_of(e))
    }

    /// An unknown value inside a built object or array: the sub-expression as written.
    fn unknown(&self, e: &Ex) -> Node {
        Node::scalar(
            format!("[{}]", self.ex.text(e)),
            Style::DoubleQuoted,
            self.span_of(e),
        )
    }

    /// A copy of a value already evaluated (a passed parameter, a lambda variable), charged.
    fn copy(&self, n: &Node) -> Option<Node> {
        self.scope.budget.values(n.count()).then(|| n.clone())
    }

    /// `e`'s value, `None` when it is not known. Every step is charged to the budget.
    fn eval(&self, e: &Ex, env: &mut Env, nest: usize) -> Option<Node> {
        if nest > MAX_EVAL_NEST || !self.scope.budget.values(1) {
            return None;
        }
        let v = match &e.kind {
            ExKind::Str(s) => {
                if !self.scope.budget.bytes(s.len()) {
                    return None;
                }
                Node::scalar(s.as_str(), Style::DoubleQuoted, self.span_of(e))
            }
            ExKind::Int(i) => Node::scalar(i.to_string(), Style::Plain, self.span_of(e)),
            ExKind::Member(base, name) => {
                let b = self.eval(base, env, nest + 1)?;
                known(&b)?;
                b.get_ci(name).cloned()?
            }
            ExKind::Index(base, idx) => {
                let b = self.eval(base, env, nest + 1)?;
                let i = self.eval(idx, env, nest + 1)?;
                known(&b)?;
                item(&b, &i)?.clone()
            }
            ExKind::Call(f, args) => self.call(f, args, e, env, nest)?,
        };
        known(&v)?;
        Some(v)
    }

    /// The value of every argument, `None` when one is not known.
    fn all(&self, args: &[Ex], env: &mut Env, nest: usize) -> Option<Vec<Node>> {
        args.iter().map(|a| self.eval(a, env, nest + 1)).collect()
    }

    fn call(&self, f: &str, args: &[Ex], e: &Ex, env: &mut Env, nest: usize) -> Option<Node> {
        let scope = self.scope;
        let arg = |i: usize, env: &mut Env| self.eval(args.get(i)?, env, nest + 1);
        let name = |env: &mut Env| -> Option<String> {
            arg(0, env)?.as_str().map(|s| s.to_ascii_lowercase())
        };
        let via = Via {
            use_site: self.span,
            anchor_line: 0,
        };
        let reached = |mut n: Node| {
            let via = Via {
                anchor_line: n.span.start.line,
                ..via.clone()
            };
            n.set_via(&via);
            n
        };
        Some(match f {
            "parameters" => {
                let p = name(env)?;
                match scope.args.and_then(|a| props_ci(a, &p)) {
                    // A passed value was evaluated where it was written (a Key Vault reference
                    // has none hostlint can read: never the default it replaces).
                    Some((_, passed)) => reached(self.copy(props_ci(passed, "value")?.1)?),
                    None => {
                        let decl = scope.params.get(&p)?;
                        match props_ci(decl, "defaultValue") {
                            Some((_, d)) => reached(self.reference(d, nest)),
                            // A nullable parameter nobody passes is null (languageVersion 2.0).
                            None if props_ci(decl, "nullable")
                                .is_some_and(|(_, n)| truth(n) == Some(true)) =>
                            {
                                self.null(e)
                            }
                            None => return None,
                        }
                    }
                }
            }
            "variables" => {
                let v = scope.vars.get(&name(env)?)?;
                reached(self.reference(v, nest))
            }
            "lambdavariables" => {
                let n = arg(0, env)?;
                let n = n.as_str()?;
                let v = env
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))?
                    .1
                    .clone();
                self.copy(&v)?
            }
            "true" | "false" if args.is_empty() => self.boolean(f == "true", e),
            "null" if args.is_empty() => self.null(e),
            "json" => {
                let s = arg(0, env)?;
                match s.as_str()?.trim() {
                    "null" => self.null(e),
                    "true" => self.boolean(true, e),
                    "false" => self.boolean(false, e),
                    "{}" => Node {
                        value: Value::Map(Vec::new()),
                        span: self.span_of(e),
                        via: None,
                    },
                    "[]" => self.seq(Vec::new(), e),
                    t => {
                        let i: i64 = t.parse().ok()?;
                        Node::scalar(i.to_string(), Style::Plain, self.span_of(e))
                    }
                }
            }
            "createobject" => {
                if !args.len().is_multiple_of(2) {
                    return None;
                }
                let mut m = Vec::new();
                for pair in args.chunks(2) {
                    let k = self.eval(&pair[0], env, nest + 1)?;
                    let k = Node::scalar(k.as_str()?, Style::DoubleQuoted, k.span);
                    let v = self
                        .eval(&pair[1], env, nest + 1)
                        .unwrap_or_else(|| self.unknown(&pair[1]));
                    m.push((k, v));
                }
                self.charge(m.len())?;
                Node {
                    value: Value::Map(m),
                    span: self.span_of(e),
                    via: None,
                }
            }
            "createarray" => {
                let items: Vec<Node> = args
                    .iter()
                    .map(|a| {
                        self.eval(a, env, nest + 1)
                            .unwrap_or_else(|| self.unknown(a))
                    })
                    .collect();
                self.charge(items.len())?;
                self.seq(items, e)
            }
            "array" => {
                let v = arg(0, env)?;
                match v.value {
                    Value::Seq(_) => v,
                    _ => self.seq(vec![v], e),
                }
            }
            "if" => {
                let c = arg(0, env)?;
                match truth(&c) {
                    Some(true) => arg(1, env)?,
                    Some(false) => arg(2, env)?,
                    None => {
                        // Unknown condition: the value only when both branches agree (the
                        // second is not evaluated when the first is not known).
                        let a = arg(1, env)?;
                        let b = arg(2, env)?;
                        same(&a, &b).then_some(a)?
                    }
                }
            }
            "equals" => {
                let (a, b) = (arg(0, env)?, arg(1, env)?);
                self.boolean(same(&a, &b), e)
            }
            "not" => {
                let b = truth(&arg(0, env)?)?;
                self.boolean(!b, e)
            }
            "and" | "or" => {
                // A decisive operand decides even when another one is unknown.
                let decisive = f == "or";
                let mut unknown = false;
                for a in args {
                    match self.eval(a, env, nest + 1).and_then(|v| truth(&v)) {
                        Some(b) if b == decisive => return Some(self.boolean(decisive, e)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    return None;
                }
                self.boolean(!decisive, e)
            }
            "empty" => {
                let v = arg(0, env)?;
                let empty = match &v.value {
                    Value::Scalar(s, st) => s.is_empty() || (*st == Style::Plain && s == "null"),
                    Value::Seq(s) => s.is_empty(),
                    Value::Map(m) => m.is_empty(),
                };
                self.boolean(empty, e)
            }
            "coalesce" => {
                // The first argument that is not null; an unknown one before it leaves it unknown.
                for a in args {
                    let v = self.eval(a, env, nest + 1)?;
                    if !is_null_node(&v) {
                        return Some(v);
                    }
                }
                self.null(e)
            }
            "tryget" => {
                let mut v = arg(0, env)?;
                for k in &args[1..] {
                    let k = self.eval(k, env, nest + 1)?;
                    if is_null_node(&v) {
                        break;
                    }
                    match item(&v, &k) {
                        Some(n) => v = n.clone(),
                        None => return Some(self.null(e)),
                    }
                }
                v
            }
            "contains" => {
                let (c, x) = (arg(0, env)?, arg(1, env)?);
                let found = match &c.value {
                    Value::Map(m) => {
                        let k = x.as_str()?;
                        m.iter()
                            .any(|(mk, _)| mk.as_str().is_some_and(|s| s.eq_ignore_ascii_case(k)))
                    }
                    Value::Seq(s) => s.iter().any(|i| same(i, &x)),
                    Value::Scalar(..) => c.as_str()?.contains(scalar_text(&x)?),
                };
                self.boolean(found, e)
            }
            "length" => {
                let v = arg(0, env)?;
                let n = match &v.value {
                    Value::Map(m) => m.len(),
                    Value::Seq(s) => s.len(),
                    Value::Scalar(..) => v.as_str()?.chars().count(),
                };
                Node::scalar(n.to_string(), Style::Plain, self.span_of(e))
            }
            "greater" | "greaterorequals" | "less" | "lessorequals" => {
                let (a, b) = (arg(0, env)?, arg(1, env)?);
                let ord = match (int(&a), int(&b)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    _ => a.as_str()?.cmp(b.as_str()?),
                };
                let r = match f {
                    "greater" => ord.is_gt(),
                    "greaterorequals" => ord.is_ge(),
                    "less" => ord.is_lt(),
                    _ => ord.is_le(),
                };
                self.boolean(r, e)
            }
            "concat" => {
                let vals = self.all(args, env, nest)?;
                if vals.iter().all(|v| v.as_seq().is_some()) {
                    let items: Vec<Node> = vals
                        .into_iter()
                        .flat_map(|v| match v.value {
                            Value::Seq(s) => s,
                            _ => Vec::new(),
                        })
                        .collect();
                    self.charge(items.len())?;
                    self.seq(items, e)
                } else {
                    let mut s = String::new();
                    for v in &vals {
                        s.push_str(scalar_text(v)?);
                    }
                    self.text(s, e)?
                }
            }
            "format" => {
                let vals = self.all(args, env, nest)?;
                let (f, rest) = vals.split_first()?;
                let s = format_args_arm(f.as_str()?, rest)?;
                self.text(s, e)?
            }
            "string" => {
                let v = arg(0, env)?;
                let s = scalar_text(&v)?.to_string();
                self.text(s, e)?
            }
            "tolower" | "toupper" => {
                let v = arg(0, env)?;
                let s = v.as_str()?;
                let s = if f == "tolower" {
                    s.to_lowercase()
                } else {
                    s.to_uppercase()
                };
                self.text(s, e)?
            }
            "bool" => {
                let v = arg(0, env)?;
                let b = scalar_text(&v)?.to_ascii_lowercase();
                match b.as_str() {
                    "true" | "1" => self.boolean(true, e),
                    "false" | "0" => self.boolean(false, e),
                    _ => return None,
                }
            }
            "int" => {
                let i = int(&arg(0, env)?)?;
                Node::scalar(i.to_string(), Style::Plain, self.span_of(e))
            }
            "first" | "last" => {
                let v = arg(0, env)?;
                match &v.value {
                    Value::Seq(s) if f == "first" => s.first().cloned()?,
                    Value::Seq(s) => s.last().cloned()?,
                    _ => {
                        let s = v.as_str()?;
                        let c = if f == "first" {
                            s.chars().next()
                        } else {
                            s.chars().last()
                        };
                        self.text(c.map(String::from).unwrap_or_default(), e)?
                    }
                }
            }
            "union" => {
                // Objects merge, later arguments winning and nested objects merged too; arrays
                // join without duplicates. An unknown argument after the first adds nothing.
                // The first argument is the base: when it is unknown, so is the whole.
                let mut acc = self.eval(args.first()?, env, nest + 1)?;
                let vals: Vec<Node> = args[1..]
                    .iter()
                    .filter_map(|a| self.eval(a, env, nest + 1))
                    .filter(|v| !is_null_node(v))
                    .collect();
                let it = vals.into_iter();
                for v in it {
                    acc = match (acc.value, v.value) {
                        (Value::Map(a), Value::Map(b)) => Node {
                            value: Value::Map(merge(a, b)),
                            span: self.span_of(e),
                            via: None,
                        },
                        (Value::Seq(mut a), Value::Seq(b)) => {
                            // Each item is compared with those kept: charged as it goes.
                            self.charge(a.len().saturating_mul(b.len()))?;
                            for i in b {
                                if !a.iter().any(|x| same(x, &i)) {
                                    a.push(i);
                                }
                            }
                            self.seq(a, e)
                        }
                        _ => return None,
                    };
                }
                self.charge(acc.count())?;
                acc
            }
            "objectkeys" => {
                let v = arg(0, env)?;
                let keys: Vec<Node> = v
                    .as_map()?
                    .iter()
                    .map(|(k, _)| {
                        Node::scalar(k.as_str().unwrap_or(""), Style::DoubleQuoted, k.span)
                    })
                    .collect();
                self.charge(keys.len())?;
                self.seq(keys, e)
            }
            "items" => {
                // `{key, value}` objects, sorted by key as ARM sorts them.
                let v = arg(0, env)?;
                let mut pairs: Vec<(Node, Node)> = v.as_map()?.to_vec();
                pairs.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
                let items: Vec<Node> = pairs
                    .into_iter()
                    .map(|(k, v)| Node {
                        value: Value::Map(vec![
                            (Node::scalar("key", Style::DoubleQuoted, k.span), k.clone()),
                            (Node::scalar("value", Style::DoubleQuoted, k.span), v),
                        ]),
                        span: k.span,
                        via: None,
                    })
                    .collect();
                self.charge(3 * items.len())?;
                self.seq(items, e)
            }
            "map" | "filter" | "reduce" | "toobject" | "sort" => {
                return self.lambda_call(f, args, e, env, nest);
            }
            _ => return None,
        })
    }

    /// `map`, `filter`, `reduce` and `toObject` with their lambdas (each call of a lambda is
    /// charged as it is evaluated).
    fn lambda_call(
        &self,
        f: &str,
        args: &[Ex],
        e: &Ex,
        env: &mut Env,
        nest: usize,
    ) -> Option<Node> {
        let input = self.eval(args.first()?, env, nest + 1)?;
        let items: Vec<Node> = input.as_seq()?.to_vec();
        match f {
            "map" | "filter" => {
                let lam = self.lambda(args.get(1)?, env, nest)?;
                let mut out = Vec::new();
                for (i, it) in items.into_iter().enumerate() {
                    let idx = Node::scalar(i.to_string(), Style::Plain, self.span_of(e));
                    let v = self.apply(&lam, vec![it.clone(), idx], env, nest)?;
                    if f == "map" {
                        out.push(v);
                    } else if truth(&v)? {
                        out.push(it);
                    }
                }
                Some(self.seq(out, e))
            }
            "reduce" => {
                let mut acc = self.eval(args.get(1)?, env, nest + 1)?;
                let lam = self.lambda(args.get(2)?, env, nest)?;
                for (i, it) in items.into_iter().enumerate() {
                    let idx = Node::scalar(i.to_string(), Style::Plain, self.span_of(e));
                    acc = self.apply(&lam, vec![acc, it, idx], env, nest)?;
                }
                Some(acc)
            }
            "toobject" => {
                let key = self.lambda(args.get(1)?, env, nest)?;
                let val = match args.get(2) {
                    Some(a) => Some(self.lambda(a, env, nest)?),
                    None => None,
                };
                let mut m: Vec<(Node, Node)> = Vec::new();
                for it in items {
                    let k = self.apply(&key, vec![it.clone()], env, nest)?;
                    let k = Node::scalar(k.as_str()?, Style::DoubleQuoted, k.span);
                    let v = match &val {
                        Some(l) => self.apply(l, vec![it], env, nest)?,
                        None => it,
                    };
                    match m.iter_mut().find(|(mk, _)| mk.as_str() == k.as_str()) {
                        Some(slot) => slot.1 = v,
                        None => m.push((k, v)),
                    }
                }
                Some(Node {
                    value: Value::Map(m),
                    span: self.span_of(e),
                    via: None,
                })
            }
            // `sort` compares with a lambda; its order does not change what a pool is.
            _ => None,
        }
    }

    /// A `lambda('a', 'b', body)`: its variable names and body.
    fn lambda<'x>(&self, l: &'x Ex, env: &mut Env, nest: usize) -> Option<(Vec<String>, &'x Ex)> {
        let ExKind::Call(f, largs) = &l.kind else {
            return None;
        };
        if f != "lambda" {
            return None;
        }
        let (body, names) = largs.split_last()?;
        let names = names
            .iter()
            .map(|n| Some(self.eval(n, env, nest + 1)?.as_str()?.to_string()))
            .collect::<Option<Vec<_>>>()?;
        Some((names, body))
    }

    /// A lambda's body with its variables bound to `values` (extra values, such as an index the
    /// lambda does not name, are dropped).
    fn apply(
        &self,
        (names, body): &(Vec<String>, &Ex),
        values: Vec<Node>,
        env: &mut Env,
        nest: usize,
    ) -> Option<Node> {
        let depth = env.len();
        env.extend(names.iter().cloned().zip(values));
        let v = self.eval(body, env, nest + 1);
        env.truncate(depth);
        v
    }

    /// A referenced declaration's value, evaluated as deep as this expression already is.
    fn reference(&self, target: &Node, nest: usize) -> Node {
        let outer = self.scope.nest.replace(nest + 1);
        let n = resolve(target, self.scope, self.depth + 1, true);
        self.scope.nest.set(outer);
        n
    }

    fn charge(&self, n: usize) -> Option<()> {
        self.scope.budget.values(n).then_some(())
    }

    fn seq(&self, items: Vec<Node>, e: &Ex) -> Node {
        Node {
            value: Value::Seq(items),
            span: self.span_of(e),
            via: None,
        }
    }

    fn text(&self, s: String, e: &Ex) -> Option<Node> {
        self.scope
            .budget
            .bytes(s.len())
            .then(|| Node::scalar(s, Style::DoubleQuoted, self.span_of(e)))
    }
}

/// `Some(())` unless `n` is a value still written as an expression (one not known).
fn known(n: &Node) -> Option<()> {
    match &n.value {
        Value::Scalar(s, Style::DoubleQuoted)
            if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') =>
        {
            None
        }
        _ => Some(()),
    }
}

fn is_null_node(n: &Node) -> bool {
    matches!(&n.value, Value::Scalar(s, Style::Plain) if s == "null")
}

fn truth(n: &Node) -> Option<bool> {
    known(n)?;
    match scalar_text(n)?.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn int(n: &Node) -> Option<i64> {
    match &n.value {
        Value::Scalar(s, _) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A scalar's text (null is not one).
fn scalar_text(n: &Node) -> Option<&str> {
    match &n.value {
        Value::Scalar(s, st) if !(*st == Style::Plain && s == "null") => Some(s),
        _ => None,
    }
}

/// An object's property (case-insensitive, as ARM names are) or an array's item.
fn item<'n>(base: &'n Node, key: &Node) -> Option<&'n Node> {
    match &base.value {
        Value::Map(_) => base.get_ci(key.as_str()?),
        Value::Seq(s) => s.get(usize::try_from(int(key)?).ok()?),
        Value::Scalar(..) => None,
    }
}

/// Whether two values are equal as ARM's `equals` compares them (object keys in any order).
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar(x, xs), Value::Scalar(y, ys)) => {
            x == y && (*xs == Style::Plain && x == "null") == (*ys == Style::Plain && y == "null")
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    k.as_str()
                        .and_then(|k| b.get_ci(k))
                        .is_some_and(|w| same(v, w))
                })
        }
        _ => false,
    }
}

/// `union` of two objects: `b`'s properties over `a`'s (names compared case-insensitively),
/// objects under the same name merged, as ARM and Bicep merge them.
pub(crate) fn merge(mut a: Vec<(Node, Node)>, b: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    // An index per name: linear, not a scan of the object per name.
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, (k, _)) in a.iter().enumerate() {
        at.entry(k.as_str().unwrap_or("").to_ascii_lowercase())
            .or_insert(i);
    }
    for (k, v) in b {
        let name = k.as_str().unwrap_or("").to_ascii_lowercase();
        match at.get(&name) {
            Some(&i) => {
                let slot = &mut a[i].1;
                let old = std::mem::replace(slot, Node::scalar("", Style::Plain, k.span));
                *slot = match (old.value, v.value) {
                    (Value::Map(x), Value::Map(y)) => Node {
                        value: Value::Map(merge(x, y)),
                        span: v.span,
                        via: v.via,
                    },
                    (_, value) => Node {
                        value,
                        span: v.span,
                        via: v.via,
                    },
                };
            }
            None => {
                at.insert(name, a.len());
                a.push((k, v));
            }
        }
    }
    a
}

/// ARM's `format`: `{0}`, `{1}` replaced by the arguments' text (`{{` and `}}` escape braces); a
/// format specifier (`{0:N2}`) is not evaluated.
fn format_args_arm(f: &str, args: &[Node]) -> Option<String> {
    let mut out = String::new();
    let mut it = f.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' if it.peek() == Some(&'{') => {
                it.next();
                out.push('{');
            }
            '}' if it.peek() == Some(&'}') => {
                it.next();
                out.push('}');
            }
            '{' => {
                let mut n = String::new();
                for c in it.by_ref() {
                    if c == '}' {
                        break;
                    }
                    n.push(c);
                }
                let i: usize = n.trim().parse().ok()?;
                let a = args.get(i)?;
                known(a)?;
                out.push_str(scalar_text(a).unwrap_or(""));
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Limits;

    fn clusters(props: &str, limits: &Limits) -> (Vec<Cluster>, Budget) {
        let text = format!(
            r#"{{"resources": [{{"type": "Microsoft.ContainerService/managedClusters", "name": "c", "properties": {props}}}]}}"#
        );
        let root = crate::parse::json::parse(&text, limits).unwrap();
        let budget = Budget::new(limits);
        (template_clusters(&root, &budget), budget)
    }

    #[test]
    fn expressions_evaluate_as_arm_does() {
        let limits = Limits::default();
        // union: nested objects merge; format, items (sorted by key), filter, toObject, tryGet.
        let (c, _) = clusters(
            r#""[union(createObject('kubernetesVersion', format('{0}.{1}', 1, 29), 'autoUpgradeProfile', createObject('nodeOSUpgradeChannel', 'Unmanaged', 'upgradeChannel', 'stable')), createObject('autoUpgradeProfile', createObject('upgradeChannel', 'patch')), createObject('agentPoolProfiles', map(filter(items(toObject(createArray('b', 'a'), lambda('n', lambdaVariables('n')), lambda('n', createObject('vmSize', concat('Standard_', toUpper(lambdaVariables('n'))))))), lambda('kv', not(equals(lambdaVariables('kv').key, 'c')))), lambda('kv', union(lambdaVariables('kv').value, createObject('name', lambdaVariables('kv').key, 'osSKU', coalesce(tryGet(lambdaVariables('kv'), 'value', 'osSKU'), 'AzureLinux')))))))]""#,
            &limits,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kubernetes_version.as_ref().unwrap().text, "1.29");
        assert_eq!(
            c[0].node_os_upgrade_channel.as_ref().unwrap().text,
            "Unmanaged"
        );
        let pools: Vec<(String, String, String)> = c[0]
            .pools
            .iter()
            .map(|p| {
                (
                    p.name.as_ref().unwrap().text.clone(),
                    p.vm_size.as_ref().unwrap().text.clone(),
                    p.os_sku.as_ref().unwrap().text.clone(),
                )
            })
            .collect();
        assert_eq!(
            pools,
            vec![
                ("a".into(), "Standard_A".into(), "AzureLinux".into()),
                ("b".into(), "Standard_B".into(), "AzureLinux".into()),
            ]
        );
    }

    /// Variables whose expressions nest 28 deep, each naming the one before, 40 times: nesting
    /// adds up across references and stops at a limit, on a 2 MiB thread stack (rayon's), where it
    /// overflowed before the limit counted across references.
    #[test]
    fn nesting_across_references_is_bounded() {
        let mut vars = vec![r#""v0": "[createObject('a', 1)]""#.to_string()];
        for i in 1..40 {
            let mut e = format!("variables('v{}')", i - 1);
            for j in 0..28 {
                e = if j % 2 == 0 {
                    format!("union(createObject('k{j}', {j}), {e})")
                } else {
                    format!("if(true(), {e}, null())")
                };
            }
            vars.push(format!(r#""v{i}": "[{e}]""#));
        }
        let text = format!(
            r#"{{"variables": {{{}}}, "resources": [{{"type": "Microsoft.ContainerService/managedClusters", "name": "c", "properties": {{"kubernetesVersion": "1.29", "agentPoolProfiles": [{{"name": "p", "tags": "[variables('v39')]"}}]}}}}]}}"#,
            vars.join(", ")
        );
        let c = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let limits = Limits::default();
                let root = crate::parse::json::parse(&text, &limits).unwrap();
                template_clusters(&root, &Budget::new(&limits))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(c[0].kubernetes_version.as_ref().unwrap().text, "1.29");
    }

    /// `union` of arrays compares every item with those kept: charged, so that two large arrays
    /// run out of the budget instead of taking quadratic time.
    #[test]
    fn array_unions_are_charged() {
        let limits = Limits {
            max_eval_values: 5_000,
            ..Limits::default()
        };
        let items: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let arr = format!("createArray({})", items.join(", "));
        let (c, budget) = clusters(
            &format!(
                r#""[createObject('kubernetesVersion', '1.29', 'tags', union({arr}, {arr}))]""#
            ),
            &limits,
        );
        assert!(budget.exhausted());
        assert_eq!(budget.take_cuts().len(), 1);
        assert!(c[0].unresolved.iter().any(|u| u.field == "properties"));
    }
}
