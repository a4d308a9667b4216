//! What `hostlint report` needs to know besides the findings, recorded while linting (so a big
//! dump is read once): each object's owners, uid and the labels that mark it as AKS's, and each
//! cluster's pools.

use crate::model::nodepool::{Cluster, Pool, Val};
use crate::model::object::{Object, ObjectId};
use crate::source::FileName;

/// The objects and clusters of a run (see [`crate::Config::inventory`]).
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// The target host as the report names it (`Azure Container Linux on AKS`) and its short
    /// title (`ACL`), from the active profile.
    pub host: (String, String),
    pub objects: Vec<ObjectMeta>,
    pub clusters: Vec<ClusterMeta>,
}

/// A Kubernetes object as the report folds it.
#[derive(Clone, Debug)]
pub struct ObjectMeta {
    pub file: FileName,
    pub line: u32,
    pub id: ObjectId,
    pub uid: Option<String>,
    pub owners: Vec<OwnerRef>,
    /// The `pod-template-hash` label (a Deployment's ReplicaSet and its Pods carry it).
    pub pod_template_hash: Option<String>,
    /// Why AKS manages it, when it does (namespace or label).
    pub managed: Option<String>,
    /// It holds a pod spec (a workload, even without findings).
    pub has_pods: bool,
}

/// One `metadata.ownerReferences` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
    pub uid: Option<String>,
    pub controller: bool,
}

/// A cluster (or a standalone pool) from any surface.
#[derive(Clone, Debug)]
pub struct ClusterMeta {
    pub file: FileName,
    pub line: u32,
    /// The kind and name its findings carry as their object.
    pub kind: String,
    pub name: String,
    pub pools: Vec<PoolMeta>,
    /// Relevant cluster-level fields written but not resolved, where they matter.
    pub unresolved: Vec<String>,
}

/// A node pool and the JSON pointers of its values (a finding about the pool points at one of them,
/// or below the pool's own path).
#[derive(Clone, Debug)]
pub struct PoolMeta {
    pub name: Option<String>,
    /// The file the pool is written in, when it is not its cluster's.
    pub file: Option<FileName>,
    pub line: u32,
    pub os_sku: Option<String>,
    /// An ACL migration candidate: the pool rules apply to it.
    pub candidate: bool,
    pub windows: bool,
    /// Relevant fields written but not resolved (the pool may be an ACL pool: its verdict is
    /// unknown, never "ready" in silence).
    pub unresolved: Vec<String>,
    pub path: String,
    pub value_paths: Vec<String>,
}

impl Inventory {
    pub fn extend(&mut self, other: Inventory) {
        self.objects.extend(other.objects);
        self.clusters.extend(other.clusters);
    }

    /// Takes the clusters of a text read as one from several files (a Terraform module, a template
    /// with its parameters), placing each line with `locate` (the combined text's line → file and
    /// line); a cluster already taken from another reading of the same text is taken once.
    pub fn extend_mapped(
        &mut self,
        other: Inventory,
        locate: impl Fn(u32) -> Option<(FileName, u32)>,
    ) {
        for mut c in other.clusters {
            if let Some((file, line)) = locate(c.line) {
                c.file = file;
                c.line = line;
            }
            for p in &mut c.pools {
                if let Some((file, line)) = locate(p.line) {
                    p.file = Some(file);
                    p.line = line;
                }
            }
            let same = |d: &ClusterMeta| {
                (&d.file, d.line, &d.kind, &d.name) == (&c.file, c.line, &c.kind, &c.name)
            };
            if !self.clusters.iter().any(same) {
                self.clusters.push(c);
            }
        }
        self.objects.extend(other.objects);
    }

    pub fn object(&mut self, file: &FileName, object: &Object<'_>, has_pods: bool) {
        let meta = object.node.get("metadata");
        let label = |k: &str| {
            meta.and_then(|m| m.get("labels"))
                .and_then(|l| l.get(k))
                .and_then(|v| v.as_str())
        };
        let managed = if object.id.namespace.as_deref() == Some("kube-system") {
            Some("namespace `kube-system`".to_string())
        } else if label("kubernetes.azure.com/managedby").is_some_and(|v| v == "aks") {
            Some("label `kubernetes.azure.com/managedby: aks`".to_string())
        } else {
            label("addonmanager.kubernetes.io/mode")
                .map(|v| format!("label `addonmanager.kubernetes.io/mode: {v}`"))
        };
        let owners = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(|o| o.as_seq())
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                Some(OwnerRef {
                    kind: r.str_at(&["kind"])?.to_string(),
                    name: r.str_at(&["name"])?.to_string(),
                    uid: r.str_at(&["uid"]).map(str::to_string),
                    controller: r.get("controller").is_some_and(|c| c.is_true()),
                })
            })
            .collect();
        self.objects.push(ObjectMeta {
            file: file.clone(),
            line: object.node.span.start.line,
            id: object.id.clone(),
            uid: meta.and_then(|m| m.str_at(&["uid"])).map(str::to_string),
            owners,
            pod_template_hash: label("pod-template-hash").map(str::to_string),
            managed,
            has_pods,
        });
    }

    pub fn cluster(&mut self, file: &FileName, cluster: &Cluster, all_pools: bool) {
        self.clusters.push(ClusterMeta {
            file: file.clone(),
            line: cluster.span.start.line,
            kind: cluster.kind.clone(),
            name: cluster.name.clone(),
            unresolved: cluster
                .unresolved_in_scope(all_pools)
                .into_iter()
                .filter(|(pool, _)| pool.is_none())
                .flat_map(|(_, us)| us.iter().map(|u| u.field.clone()))
                .collect(),
            pools: cluster
                .pools
                .iter()
                .map(|p| PoolMeta {
                    name: p.name.as_ref().map(|v| v.text.clone()),
                    file: None,
                    line: p.span.start.line,
                    os_sku: p.os_sku.as_ref().map(|v| v.text.clone()),
                    candidate: p.in_scope(all_pools),
                    windows: p.is_windows(),
                    unresolved: if p.maybe_acl(all_pools) {
                        p.unresolved.iter().map(|u| u.field.clone()).collect()
                    } else {
                        Vec::new()
                    },
                    path: p.path.clone(),
                    value_paths: values(p).map(|v| v.path.clone()).collect(),
                })
                .collect(),
        });
    }
}

/// Every value written for a pool.
fn values(p: &Pool) -> impl Iterator<Item = &Val> {
    [
        &p.name,
        &p.os_type,
        &p.os_sku,
        &p.vm_size,
        &p.orchestrator_version,
        &p.enable_secure_boot,
        &p.enable_vtpm,
        &p.ssh_access,
        &p.workload_runtime,
        &p.artifact_streaming,
        &p.fips,
        &p.update,
    ]
    .into_iter()
    .flatten()
    .chain(p.tags.iter().map(|(_, v)| v))
}
