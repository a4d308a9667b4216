//! Node pools in structured documents: ARM templates (`Microsoft.ContainerService/managedClusters`
//! and `/agentPools`, nested `resources`, `[parameters('x')]`/`[variables('x')]` resolved to their
//! defaults), Azure Service Operator `ManagedCluster`/`ManagedClustersAgentPool`, and Cluster API
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
                settle(&mut c);
                out.push(c);
            } else if full.eq_ignore_ascii_case(AGENT_POOLS) {
                let mut pool = arm_pool(&props, &pp);
                if pool.name.is_none()
                    && let Some((nk, n)) = props_ci(r, "name")
                {
                    pool.name = Val::from_node(n, &pointer(&p, nk));
                }
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

/// A copy of `node` with every `[parameters('x')]` / `[variables('x')]` replaced by the parameter's
/// `defaultValue` or the variable's value (marked as reached from the use site).
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
            if let Some(target) = reference(s, scope) {
                let mut n = resolve(target, scope, depth + 1, true);
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
                let via = Via {
                    use_site: node.span,
                    anchor_line: n.span.start.line,
                };
                n.set_via(&via);
                return n;
            }
            node.clone()
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

/// The node an ARM expression `[parameters('x')]` or `[variables('x')]` names, when it is exactly that.
fn reference<'a>(s: &str, scope: &Scope<'a>) -> Option<&'a Node> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let (func, rest) = inner.split_once('(')?;
    let arg = rest
        .strip_suffix(')')?
        .trim()
        .strip_prefix('\'')?
        .strip_suffix('\'')?;
    if arg.contains('\'') {
        return None;
    }
    let arg = arg.to_ascii_lowercase();
    match func.trim().to_ascii_lowercase().as_str() {
        "parameters" => match scope.args.and_then(|a| props_ci(a, &arg)) {
            // A passed parameter is its value (a Key Vault reference has none hostlint can read:
            // never the default it replaces).
            Some((_, passed)) => props_ci(passed, "value").map(|v| v.1),
            None => props_ci(scope.params.get(&arg)?, "defaultValue").map(|d| d.1),
        },
        "variables" => scope.vars.get(&arg).copied(),
        _ => None,
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
