//! The node-pool model: one shape for every surface (ARM, Bicep, Terraform, az CLI, ASO, CAPZ).
//! Every field keeps where its value was written and, when reached through a parameter, variable or
//! shell variable, the line that used it. A rule reads this model and never knows the surface.

use crate::finding::Hit;
use crate::parse::node::{Node, Value, pointer, pointer_idx};
use crate::source::Span;

/// A value as written, with its span, its path, and the line that used it when it came through a
/// reference (a `param` default, a `variable`, `$VAR`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Val {
    pub text: String,
    pub span: Span,
    pub path: String,
    /// The line where the value was used, when it is written elsewhere.
    pub used_at: Option<u32>,
    /// Where a value reported at its use (a shell `$VAR`) was assigned, when on another line.
    pub assigned_at: Option<u32>,
    /// The word the user wrote when it is not the value itself (`--disable-vtpm` for `false`).
    pub written: Option<String>,
}

impl Val {
    pub fn new(text: impl Into<String>, span: Span, path: impl Into<String>) -> Self {
        Val {
            text: text.into(),
            span,
            path: path.into(),
            used_at: None,
            assigned_at: None,
            written: None,
        }
    }

    /// What the user wrote: the flag of a switch, else the value.
    pub fn shown(&self) -> &str {
        self.written.as_deref().unwrap_or(&self.text)
    }

    /// A scalar node as a value: reported at the literal, noting the use line when the tree
    /// reached it through a reference.
    pub fn from_node(node: &Node, path: &str) -> Option<Self> {
        let Value::Scalar(s, _) = &node.value else {
            return None;
        };
        if crate::parse::node::is_null(s) && node.as_str().is_none() {
            return None;
        }
        let used_at = node
            .via
            .as_ref()
            .map(|v| v.use_site.start.line)
            .filter(|&l| l != node.span.start.line);
        Some(Val {
            text: s.to_string(),
            span: node.span,
            path: path.to_string(),
            used_at,
            assigned_at: None,
            written: None,
        })
    }

    pub fn is(&self, s: &str) -> bool {
        self.text.eq_ignore_ascii_case(s)
    }

    /// `true`/`false` in any case (ARM, Bicep, HCL, YAML 1.1 spellings).
    pub fn as_bool(&self) -> Option<bool> {
        crate::parse::node::yaml11_bool(&self.text).or_else(|| {
            match self.text.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }
        })
    }

    /// A hit at this value, with a note on the line that used it.
    pub fn hit(&self, message: impl Into<String>) -> Hit {
        let mut hit = Hit {
            span: self.span,
            via: None,
            path: self.path.clone(),
            message: message.into(),
            container: None,
            notes: Vec::new(),
            fix: None,
            severity: None,
            edit: None,
        };
        if let Some(l) = self.used_at {
            hit = hit.note(Some(l), "the value is used here");
        }
        if let Some(l) = self.assigned_at {
            hit = hit.note(Some(l), "the value is assigned here");
        }
        hit
    }
}

/// A field whose value is written but could not be resolved (a variable with no value, an
/// expression hostlint does not evaluate): the field's name, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub field: String,
    pub span: Span,
    pub why: String,
}

/// The fields whose values decide what the node-pool rules say (names as ARM, Bicep, Terraform and
/// the az CLI write them, compared case-insensitively).
pub const RELEVANT_FIELDS: &[&str] = &[
    "vmSize",
    "vm_size",
    "agents_size",
    "--node-vm-size",
    "-s",
    "osSKU",
    "os_sku",
    "--os-sku",
    "orchestratorVersion",
    "orchestrator_version",
    "kubernetesVersion",
    "kubernetes_version",
    "--kubernetes-version",
    "-k",
    "nodeOSUpgradeChannel",
    "node_os_upgrade_channel",
    "node_os_channel_upgrade",
    "--node-os-upgrade-channel",
    "autoNodeOsUpgradeProfileUpgradeChannel",
];

/// Whether a field name is one of [`RELEVANT_FIELDS`].
pub fn is_relevant(field: &str) -> bool {
    RELEVANT_FIELDS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(field))
}

/// One node pool, whatever surface defined it.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    pub name: Option<Val>,
    pub os_type: Option<Val>,
    pub os_sku: Option<Val>,
    pub vm_size: Option<Val>,
    pub orchestrator_version: Option<Val>,
    pub enable_secure_boot: Option<Val>,
    pub enable_vtpm: Option<Val>,
    pub ssh_access: Option<Val>,
    pub workload_runtime: Option<Val>,
    pub artifact_streaming: Option<Val>,
    pub fips: Option<Val>,
    /// Pool tags: key and value.
    pub tags: Vec<(String, Val)>,
    /// `az aks nodepool update`: an in-place change of an existing pool (the `--os-sku` it sets).
    pub update: Option<Val>,
    /// Where the pool is defined, and its path.
    pub span: Span,
    pub path: String,
    /// The pool is an ACL pool by what the same input did elsewhere (an `az aks nodepool update`
    /// or `upgrade` of a pool the script added with `--os-sku AzureContainerLinux`).
    pub acl_elsewhere: bool,
    /// Relevant fields written but not resolved.
    pub unresolved: Vec<Unresolved>,
}

impl Pool {
    /// Whether the pool may be an ACL pool: it is one, or its OS SKU could not be resolved.
    pub fn maybe_acl(&self, all_pools: bool) -> bool {
        self.in_scope(all_pools)
            || (!self.is_windows()
                && self.os_sku.is_none()
                && self.unresolved.iter().any(|u| {
                    ["osSKU", "os_sku", "--os-sku"]
                        .iter()
                        .any(|f| f.eq_ignore_ascii_case(&u.field))
                }))
    }

    pub fn is_windows(&self) -> bool {
        self.os_type.as_ref().is_some_and(|v| v.is("Windows"))
            || self
                .os_sku
                .as_ref()
                .is_some_and(|v| v.text.to_ascii_lowercase().starts_with("windows"))
    }

    /// An OS SKU of one of the immutable hosts the pool rules are for (host profiles' `os_skus`:
    /// `AzureContainerLinux`, `Flatcar`, `AzureLinuxOSGuard`, ...).
    pub fn is_acl(&self) -> bool {
        self.os_sku
            .as_ref()
            .is_some_and(|v| crate::host::profile::immutable_os_sku(&v.text))
    }

    /// Whether pool rules apply: an ACL or Flatcar pool, or with `--all-pools` any Linux pool.
    pub fn in_scope(&self, all_pools: bool) -> bool {
        !self.is_windows() && (self.is_acl() || self.acl_elsewhere || all_pools)
    }
}

/// A cluster and its pools (a standalone pool resource is a cluster with no cluster-level facts).
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// What defined it, e.g. `Microsoft.ContainerService/managedClusters`, `azurerm_kubernetes_cluster`.
    pub kind: String,
    pub name: String,
    pub kubernetes_version: Option<Val>,
    pub node_os_upgrade_channel: Option<Val>,
    pub pools: Vec<Pool>,
    /// `az feature register --name X` values.
    pub features: Vec<Val>,
    pub span: Span,
    pub path: String,
    /// The cluster has ACL pools defined elsewhere in the same input (`az aks update` or `az aks
    /// upgrade` of a cluster the script gave ACL pools with `az aks nodepool add`).
    pub acl_elsewhere: bool,
    /// The assumptions this reading of the cluster makes about conditions that are not known
    /// (the condition as written, and its value): every branch is read, and a finding that needs
    /// one says which.
    pub assumes: Vec<(String, bool)>,
    /// Relevant cluster-level fields written but not resolved (and, before
    /// [`Cluster::place_unresolved`], those of its pools).
    pub unresolved: Vec<Unresolved>,
}

impl Cluster {
    /// Hands each unresolved field to the innermost pool whose span holds it; the rest stay the
    /// cluster's.
    pub fn place_unresolved(&mut self) {
        let within =
            |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
        for u in std::mem::take(&mut self.unresolved) {
            match self
                .pools
                .iter_mut()
                .filter(|p| within(p.span, u.span))
                .min_by_key(|p| (p.span.end.line - p.span.start.line, p.span.end.col))
            {
                Some(p) => p.unresolved.push(u),
                None => self.unresolved.push(u),
            }
        }
    }

    /// What could not be resolved in this cluster where it matters, by owner (`None`: the
    /// cluster): fields of pools that are or may be ACL pools, and cluster-level fields of a
    /// cluster that is or may be in scope.
    pub fn unresolved_in_scope(&self, all_pools: bool) -> Vec<(Option<&Pool>, &[Unresolved])> {
        let mut out = Vec::new();
        // A cluster with no pools read (an `az aks update`, a resource whose body is unknown)
        // may have ACL pools defined elsewhere.
        let maybe = self.in_scope(all_pools)
            || self.pools.is_empty()
            || self.pools.iter().any(|p| p.maybe_acl(all_pools));
        if maybe && !self.unresolved.is_empty() {
            out.push((None, self.unresolved.as_slice()));
        }
        for p in self.pools.iter().filter(|p| p.maybe_acl(all_pools)) {
            if !p.unresolved.is_empty() {
                out.push((Some(p), p.unresolved.as_slice()));
            }
        }
        out
    }

    /// Cluster-level rules apply when the cluster has an ACL/Flatcar pool, or with `--all-pools`
    /// always (every cluster has a Linux system pool).
    pub fn in_scope(&self, all_pools: bool) -> bool {
        all_pools
            || self.acl_elsewhere
            || self
                .pools
                .iter()
                .any(|p| !p.is_windows() && (p.is_acl() || p.acl_elsewhere))
    }
}

/// Reads a pool from ARM-shaped properties (ARM, Bicep, ASO, azapi): names matched case-insensitively.
pub fn arm_pool(props: &Node, path: &str) -> Pool {
    let v = |keys: &[&str]| -> Option<Val> {
        let mut node = props;
        let mut p = path.to_string();
        for k in keys {
            let (key, val) = props_ci(node, k)?;
            p = pointer(&p, key);
            node = val;
        }
        Val::from_node(node, &p)
    };
    let mut tags = Vec::new();
    if let Some((key, t)) = props_ci(props, "tags") {
        let tp = pointer(path, key);
        for (k, val) in t.as_map().unwrap_or(&[]) {
            if let (Some(k), Some(val)) = (
                k.as_str(),
                Val::from_node(val, &pointer(&tp, k.as_str().unwrap_or(""))),
            ) {
                tags.push((k.to_string(), val));
            }
        }
    }
    Pool {
        name: v(&["name"]),
        os_type: v(&["osType"]),
        os_sku: v(&["osSKU"]),
        vm_size: v(&["vmSize"]),
        orchestrator_version: v(&["orchestratorVersion"])
            .or_else(|| v(&["currentOrchestratorVersion"])),
        enable_secure_boot: v(&["securityProfile", "enableSecureBoot"]),
        enable_vtpm: v(&["securityProfile", "enableVTPM"]),
        ssh_access: v(&["securityProfile", "sshAccess"]),
        workload_runtime: v(&["workloadRuntime"]),
        artifact_streaming: v(&["artifactStreamingProfile", "enabled"]),
        fips: v(&["enableFIPS"]),
        tags,
        update: None,
        span: props.span,
        path: path.to_string(),
        acl_elsewhere: false,
        unresolved: Vec::new(),
    }
}

/// Reads a cluster from ARM-shaped `managedClusters` properties (pools in `agentPoolProfiles`).
pub fn arm_cluster(kind: &str, name: &str, props: &Node, path: &str) -> Cluster {
    let mut c = Cluster {
        kind: kind.into(),
        name: name.into(),
        span: props.span,
        path: path.into(),
        ..Cluster::default()
    };
    if let Some((k, v)) = props_ci(props, "kubernetesVersion") {
        c.kubernetes_version = Val::from_node(v, &pointer(path, k));
    }
    if let Some((k, a)) = props_ci(props, "autoUpgradeProfile")
        && let Some((k2, v)) = props_ci(a, "nodeOSUpgradeChannel")
    {
        c.node_os_upgrade_channel = Val::from_node(v, &pointer(&pointer(path, k), k2));
    }
    if let Some((k, pools)) = props_ci(props, "agentPoolProfiles") {
        let pp = pointer(path, k);
        for (i, p) in pools.as_seq().unwrap_or(&[]).iter().enumerate() {
            if p.as_map().is_some() {
                c.pools.push(arm_pool(p, &pointer_idx(&pp, i)));
            }
        }
    }
    c
}

/// The key text and value of `key` in a mapping, matched case-insensitively.
pub fn props_ci<'n>(node: &'n Node, key: &str) -> Option<(&'n str, &'n Node)> {
    node.as_map()?.iter().find_map(|(k, v)| {
        let ks = k.as_str()?;
        ks.eq_ignore_ascii_case(key).then_some((ks, v))
    })
}

impl Cluster {
    /// The pools that pool rules check (see [`Pool::in_scope`]).
    pub fn scoped_pools(&self, all_pools: bool) -> impl Iterator<Item = &Pool> {
        self.pools.iter().filter(move |p| p.in_scope(all_pools))
    }
}

/// `major.minor` of a Kubernetes version (`1.33`, `1.33.2`, `v1.29`), when it is one.
pub fn k8s_minor(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let mut it = v.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}
