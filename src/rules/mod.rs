//! The rule registry. A rule is one file: its metadata and documentation in one `static`, and a
//! `check` that reads the normalised model and reports [`Hit`]s; it never reads raw text or prints.

use std::fmt;

use crate::model::object::Object;
use crate::model::script::ContainerScript;
use crate::model::workload::PodSpec;

pub use crate::finding::{Hit, Note, Severity};

mod amd_gpu_workload;
mod apparmor_profile;
mod arm64_gpu_vm_size;
mod arm64_vm_size_not_cobalt;
mod artifact_streaming;
mod confidential_vm_size;
mod container_package_install;
mod container_runtime_socket;
mod containerd_config_write;
mod duplicate_key;
mod entra_id_ssh;
mod flatcar_os_sku;
mod gen1_vm_size;
mod host_ipc;
mod host_namespace_exec;
mod host_network;
mod host_package_install;
mod host_pid;
mod host_root_write;
mod host_selinux_change;
mod journal_reader_group;
mod kernel_cmdline_change;
mod kernel_headers_mount;
mod kernel_module_build;
mod kernel_module_load;
mod kubernetes_version_unsupported;
mod node_os_upgrade_channel;
mod non_nvidia_gpu_vm_size;
mod obsolete_flatcar_preview_flag;
mod operator_host_change;
mod os_sku_pinned;
mod osguard_retirement;
mod pod_sandboxing_node_pool;
mod pod_sandboxing_runtime_class;
mod pod_security_selinux_type;
mod read_only_host_path_write;
mod sctp_protocol;
mod selinux_host_log_read;
mod selinux_host_path_write;
mod selinux_host_read;
mod selinux_level_all_categories;
mod selinux_permissive_tag;
mod selinux_type_unknown;
mod trusted_launch_disabled;
mod unsigned_host_executable;
mod unsupported_vm_size;
mod vm_size_without_trusted_launch;

/// Every rule, in the order of the docs.
pub static RULES: &[&Rule] = &[
    &read_only_host_path_write::READ_ONLY_HOST_PATH_WRITE,
    &host_root_write::HOST_ROOT_WRITE,
    &selinux_host_path_write::SELINUX_HOST_PATH_WRITE,
    &selinux_host_log_read::SELINUX_HOST_LOG_READ,
    &selinux_host_read::SELINUX_HOST_READ,
    &container_runtime_socket::CONTAINER_RUNTIME_SOCKET,
    &host_package_install::HOST_PACKAGE_INSTALL,
    &container_package_install::CONTAINER_PACKAGE_INSTALL,
    &host_namespace_exec::HOST_NAMESPACE_EXEC,
    &host_selinux_change::HOST_SELINUX_CHANGE,
    &kernel_module_build::KERNEL_MODULE_BUILD,
    &kernel_module_load::KERNEL_MODULE_LOAD,
    &operator_host_change::OPERATOR_HOST_CHANGE,
    &sctp_protocol::SCTP_PROTOCOL,
    &kernel_cmdline_change::KERNEL_CMDLINE_CHANGE,
    &unsigned_host_executable::UNSIGNED_HOST_EXECUTABLE,
    &containerd_config_write::CONTAINERD_CONFIG_WRITE,
    &selinux_type_unknown::SELINUX_TYPE_UNKNOWN,
    &selinux_level_all_categories::SELINUX_LEVEL_ALL_CATEGORIES,
    &pod_security_selinux_type::POD_SECURITY_SELINUX_TYPE,
    &journal_reader_group::JOURNAL_READER_GROUP,
    &kernel_headers_mount::KERNEL_HEADERS_MOUNT,
    &host_pid::HOST_PID,
    &host_ipc::HOST_IPC,
    &host_network::HOST_NETWORK,
    &apparmor_profile::APPARMOR_PROFILE,
    &pod_sandboxing_runtime_class::POD_SANDBOXING_RUNTIME_CLASS,
    &flatcar_os_sku::FLATCAR_OS_SKU,
    &os_sku_pinned::OS_SKU_PINNED,
    &gen1_vm_size::GEN1_VM_SIZE,
    &vm_size_without_trusted_launch::VM_SIZE_WITHOUT_TRUSTED_LAUNCH,
    &confidential_vm_size::CONFIDENTIAL_VM_SIZE,
    &arm64_vm_size_not_cobalt::ARM64_VM_SIZE_NOT_COBALT,
    &arm64_gpu_vm_size::ARM64_GPU_VM_SIZE,
    &non_nvidia_gpu_vm_size::NON_NVIDIA_GPU_VM_SIZE,
    &unsupported_vm_size::UNSUPPORTED_VM_SIZE,
    &amd_gpu_workload::AMD_GPU_WORKLOAD,
    &node_os_upgrade_channel::NODE_OS_UPGRADE_CHANNEL,
    &kubernetes_version_unsupported::KUBERNETES_VERSION_UNSUPPORTED,
    &trusted_launch_disabled::TRUSTED_LAUNCH_DISABLED,
    &artifact_streaming::ARTIFACT_STREAMING,
    &pod_sandboxing_node_pool::POD_SANDBOXING_NODE_POOL,
    &entra_id_ssh::ENTRA_ID_SSH,
    &selinux_permissive_tag::SELINUX_PERMISSIVE_TAG,
    &obsolete_flatcar_preview_flag::OBSOLETE_FLATCAR_PREVIEW_FLAG,
    &osguard_retirement::OSGUARD_RETIREMENT,
    &duplicate_key::DUPLICATE_KEY,
    &crate::suppress::SUPPRESSION_WITHOUT_REASON,
    &crate::suppress::UNUSED_SUPPRESSION,
];

/// The fixes each rule offers (`check --fix`), declared in the rule's file with their safety class.
pub static FIX_OFFERS: &[(&Rule, &[crate::fix::Offer])] = &[
    (
        &node_os_upgrade_channel::NODE_OS_UPGRADE_CHANNEL,
        node_os_upgrade_channel::FIXES,
    ),
    (
        &trusted_launch_disabled::TRUSTED_LAUNCH_DISABLED,
        trusted_launch_disabled::FIXES,
    ),
    (
        &artifact_streaming::ARTIFACT_STREAMING,
        artifact_streaming::FIXES,
    ),
    (
        &kubernetes_version_unsupported::KUBERNETES_VERSION_UNSUPPORTED,
        kubernetes_version_unsupported::FIXES,
    ),
    (&gen1_vm_size::GEN1_VM_SIZE, gen1_vm_size::FIXES),
    (&flatcar_os_sku::FLATCAR_OS_SKU, flatcar_os_sku::FIXES),
    (
        &read_only_host_path_write::READ_ONLY_HOST_PATH_WRITE,
        read_only_host_path_write::FIXES,
    ),
    (
        &selinux_host_path_write::SELINUX_HOST_PATH_WRITE,
        &[READ_ONLY],
    ),
    (
        &selinux_host_log_read::SELINUX_HOST_LOG_READ,
        selinux_host_log_read::FIXES,
    ),
    (&apparmor_profile::APPARMOR_PROFILE, apparmor_profile::FIXES),
    (
        &obsolete_flatcar_preview_flag::OBSOLETE_FLATCAR_PREVIEW_FLAG,
        obsolete_flatcar_preview_flag::FIXES,
    ),
];

/// The fixes `rule` offers (empty: none).
pub fn fix_offers(rule: &Rule) -> &'static [crate::fix::Offer] {
    FIX_OFFERS
        .iter()
        .find(|(r, _)| r.name == rule.name)
        .map_or(&[], |(_, o)| o)
}

pub(crate) use duplicate_key::DUPLICATE_KEY;
pub(crate) use host_namespace_exec::{SPECIFIC_RULES, entry_hit};
pub(crate) use pod_security_selinux_type::candidates as pod_security_candidates;

impl Subject<'_> {
    /// The active host profile (`--host`): what workload rules read.
    pub fn profile(&self) -> &crate::host::Profile {
        match self {
            Subject::Object { hosts, .. } | Subject::Cluster { hosts, .. } => &hosts.active,
        }
    }

    /// The host profiles.
    pub fn hosts(&self) -> &crate::host::Hosts {
        match self {
            Subject::Object { hosts, .. } | Subject::Cluster { hosts, .. } => hosts,
        }
    }
}

/// The host profiles a cluster's own settings must suit: those of its pools in scope (each by its
/// OS SKU), else the active one (an `az aks update` of a cluster whose pools are elsewhere).
pub(crate) fn cluster_profiles<'s>(
    hosts: &'s crate::host::Hosts,
    cluster: &'s crate::model::nodepool::Cluster,
    all_pools: bool,
) -> Vec<&'s crate::host::Profile> {
    let mut out: Vec<&crate::host::Profile> = Vec::new();
    for pool in cluster.scoped_pools(all_pools) {
        let p = hosts.for_pool(pool);
        if !out.iter().any(|o| o.name == p.name) {
            out.push(p);
        }
    }
    if out.is_empty() {
        out.push(&hosts.active);
    }
    out
}

/// Looks a rule up by its kebab-case name.
pub fn by_name(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.name == name)
}

/// What an example is written in, for the docs' code fences and for running the examples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Yaml,
    Json,
    Bicep,
    Terraform,
    Shell,
}

impl Lang {
    pub fn fence(self) -> &'static str {
        match self {
            Lang::Yaml => "yaml",
            Lang::Json => "json",
            Lang::Bicep => "bicep",
            Lang::Terraform => "hcl",
            Lang::Shell => "sh",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Lang::Yaml => "yaml",
            Lang::Json => "json",
            Lang::Bicep => "bicep",
            Lang::Terraform => "tf",
            Lang::Shell => "sh",
        }
    }
}

/// A rule: metadata, documentation, and its check.
pub struct Rule {
    /// kebab-case, names the problem.
    pub name: &'static str,
    pub severity: Severity,
    /// One line, for `hostlint rules` and SARIF's shortDescription.
    pub summary: &'static str,
    /// `## What it does`.
    pub what: &'static str,
    /// `## Why is this bad?`: with its source in HOST-FACTS terms.
    pub why: &'static str,
    /// What to do instead, shown with every finding.
    pub fix: &'static str,
    pub lang: Lang,
    /// `## Example`: must fire.
    pub example: &'static str,
    /// `Use instead:`: must stay silent.
    pub use_instead: &'static str,
    pub references: &'static [&'static str],
    /// Searchable tags (SARIF `properties.tags`).
    pub tags: &'static [&'static str],
    pub check: fn(&Subject<'_>, &mut Vec<Hit>),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("name", &self.name).finish()
    }
}

/// What a rule is shown: one normalised model at a time.
pub enum Subject<'a> {
    /// A Kubernetes object and the pod specs found in it.
    Object {
        object: &'a Object<'a>,
        pods: &'a [PodSpec<'a>],
        scripts: &'a [ContainerScript],
        /// The site's additions to the host data (`.hostlint.yaml`).
        site: &'a crate::host::SiteData,
        /// The host profiles (the active one for workloads).
        hosts: &'a crate::host::Hosts,
    },
    /// An AKS cluster (or a standalone pool) from any surface, and whether `--all-pools` is on.
    Cluster {
        cluster: &'a crate::model::nodepool::Cluster,
        all_pools: bool,
        /// `.hostlint.yaml` `vm_sizes` overrides of the VM-size table.
        vm_sizes: &'a [crate::host::vm_sizes::VmSizeOverride],
        /// The host profiles: each pool's rules read its OS SKU's profile.
        hosts: &'a crate::host::Hosts,
    },
}

/// Whether the container asks for an SELinux type the host's policy does not have (nor the site's
/// `selinux_types`): it does not start at all (`selinux-type-unknown` reports that), so what
/// `container_t` may read or write says nothing about it.
pub(crate) fn asks_unknown_selinux_type(
    subject: &Subject<'_>,
    pod: &PodSpec<'_>,
    c: &crate::model::workload::Container<'_>,
) -> bool {
    let Subject::Object { site, .. } = subject else {
        return false;
    };
    let profile = subject.profile();
    c.selinux_type(pod)
        .and_then(crate::parse::node::Node::as_str)
        .filter(|t| !t.is_empty())
        .is_some_and(|t| !profile.lists("selinux_workload_types", t) && !site.selinux_type(t))
}

/// Every hostPath mount of every container: (pod, container, mount, normalised host path, volume),
/// once per container and volume (a volume mounted twice by one container is one finding).
pub(crate) fn host_mounts<'p, 'a>(
    pods: &'p [PodSpec<'a>],
) -> impl Iterator<
    Item = (
        &'p PodSpec<'a>,
        &'p crate::model::workload::Container<'a>,
        &'p crate::model::workload::Mount<'a>,
        String,
        &'p crate::model::workload::Volume<'a>,
    ),
> {
    pods.iter().flat_map(|pod| {
        pod.containers.iter().flat_map(move |c| {
            c.mounts.iter().enumerate().filter_map(move |(j, m)| {
                let first = c.mounts[..j]
                    .iter()
                    .all(|o| o.volume != m.volume || o.sub_path != m.sub_path);
                first
                    .then(|| pod.host_path_of(m).map(|(hp, v)| (pod, c, m, hp, v)))
                    .flatten()
            })
        })
    })
}

/// Why a writable hostPath mount counts as a write (SPEC: Rules, "errors need evidence").
pub(crate) enum Evidence {
    /// A command of the container's own script writes under the mount path.
    Script {
        program: String,
        line: u32,
        path: String,
    },
    /// The host path exists to be written (a FlexVolume or CNI directory, containerd's config).
    ByDesign(&'static str),
    /// The image is a known installer (host data).
    Installer(String),
    /// The container runs a script file that is not read with it (a ConfigMap's): it may write.
    Unseen(String),
    /// The volume's type makes the kubelet create the path when it is missing.
    Created(&'static str),
}

impl Evidence {
    /// The note that says why this mount is a write.
    pub(crate) fn note(&self, hp: &str) -> Note {
        match self {
            Evidence::Script {
                program,
                line,
                path,
            } => Note {
                line: Some(*line),
                message: format!("`{program}` writes `{path}` through this mount"),
            },
            Evidence::ByDesign(what) => Note {
                line: None,
                message: format!("`{hp}` is {what}"),
            },
            Evidence::Installer(pattern) => Note {
                line: None,
                message: format!(
                    "the image is a known host installer (`{pattern}`): it writes what it mounts"
                ),
            },
            Evidence::Created(kind) => Note {
                line: None,
                message: format!(
                    "`type: {kind}`: the kubelet creates `{hp}` when it is missing, which fails on the read-only tree"
                ),
            },
            Evidence::Unseen(path) => Note {
                line: None,
                message: format!(
                    "the container runs `{path}`, which is not read with it: it may write through this mount"
                ),
            },
        }
    }
}

/// The script hostlint read for container `c` (scripts are in container order across the pods).
pub(crate) fn script_of<'s>(
    pods: &[PodSpec<'_>],
    scripts: &'s [ContainerScript],
    c: &crate::model::workload::Container<'_>,
) -> Option<&'s ContainerScript> {
    let i = pods
        .iter()
        .flat_map(|p| p.containers.iter())
        .position(|x| std::ptr::eq(x, c))?;
    scripts.get(i)
}

/// Whether a writable hostPath mount of host path `hp` is written: by the container's own script
/// (through any mount of the same volume), by design of the path, or by a known installer image.
/// Without evidence, what the user should check.
pub(crate) fn write_evidence(
    subject: &Subject<'_>,
    pod: &PodSpec<'_>,
    c: &crate::model::workload::Container<'_>,
    m: &crate::model::workload::Mount<'_>,
    hp: &str,
) -> Result<Evidence, String> {
    let Subject::Object {
        pods,
        scripts,
        site,
        ..
    } = subject
    else {
        return Err(String::new());
    };
    let cs = script_of(pods, scripts, c);
    // A command that is known in full and only waits or prints writes nothing, whatever it mounts.
    let inert = c.node.get("command").is_some()
        && cs.is_some_and(|cs| {
            !cs.invocations.is_empty()
                && cs.runs.is_empty()
                && cs.entries.is_empty()
                && cs.invocations.iter().all(|i| {
                    i.targets.is_empty()
                        && crate::host::INERT_PROGRAMS.contains(&i.program.as_str())
                })
        });
    if let Some(what) = crate::host::written_by_design(hp).filter(|_| !inert) {
        return Ok(Evidence::ByDesign(what));
    }
    // The kubelet creates a missing `DirectoryOrCreate`/`FileOrCreate` path: on a read-only tree
    // that fails before the container starts.
    if let crate::model::workload::Source::HostPath {
        kind: Some(kind @ ("DirectoryOrCreate" | "FileOrCreate")),
        ..
    } = m
        .volume
        .and_then(|i| pod.volumes.get(i))
        .map(|v| &v.source)
        .unwrap_or(&crate::model::workload::Source::Other)
        && subject.profile().read_only_tree(hp).is_some()
        && !crate::host::EXISTING_READ_ONLY_DIRS.contains(&hp)
    {
        return Ok(Evidence::Created(if *kind == "FileOrCreate" {
            "FileOrCreate"
        } else {
            "DirectoryOrCreate"
        }));
    }
    let image = c.node.str_at(&["image"]).unwrap_or("");
    if let Some(p) = crate::host::installer_image(image).or_else(|| site.driver_image(image)) {
        return Ok(Evidence::Installer(p.to_string()));
    }
    let mount_paths: Vec<String> = c
        .mounts
        .iter()
        .filter(|o| o.volume == m.volume && o.sub_path == m.sub_path && !o.read_only)
        .filter_map(|o| o.mount_path)
        .map(crate::model::workload::normalize)
        .collect();
    if let Some(cs) = cs {
        for inv in &cs.invocations {
            for (at, p) in &inv.targets {
                if mount_paths
                    .iter()
                    .any(|mp| mp != "/" && crate::model::workload::is_under(p, mp))
                {
                    return Ok(Evidence::Script {
                        program: inv.program.clone(),
                        line: at.span.start.line,
                        path: p.clone(),
                    });
                }
            }
        }
        // A ConfigMap script it runs is analysed with the ConfigMap, not here.
        let ctx = crate::model::script::Ctx::of(pod, c);
        if let Some(r) = cs
            .runs
            .iter()
            .find(|r| ctx.cm_mounts.iter().any(|cm| cm.key_of(&r.path).is_some()))
        {
            return Ok(Evidence::Unseen(r.path.clone()));
        }
    }
    let mp = m.mount_path.unwrap_or(hp);
    Err(if c.node.get("command").is_none() {
        let image = if image.is_empty() { "the image" } else { image };
        format!(
            "`{image}` runs its own entrypoint, which hostlint cannot read: if it writes under `{mp}`, keep the mount writable"
        )
    } else {
        let program = cs
            .and_then(|cs| cs.invocations.iter().find(|i| !i.program.starts_with('-')))
            .map_or("its command", |i| i.program.as_str());
        format!(
            "the container's command writes nothing under `{mp}`; if `{program}` writes there itself, keep the mount writable"
        )
    })
}

/// The fix for a writable mount that nothing writes: `readOnly: true` first (SPEC: Rules).
pub(crate) const READ_ONLY_FIX: &str = "add `readOnly: true` to the volumeMount: the container keeps reading the host path, and nothing can write it by mistake";

/// The edit for [`READ_ONLY_FIX`]: unsafe, since a write hostlint could not see (an entrypoint it
/// cannot read) would then fail.
pub(crate) const READ_ONLY: crate::fix::Offer = crate::fix::Offer {
    safety: crate::fix::Safety::Unsafe,
    title: "add `readOnly: true` to the volumeMount",
};

/// `readOnly: true` on mount `m`: `false` replaced, or the key added after the mount's last one.
pub(crate) fn read_only_edit(m: &crate::model::workload::Mount<'_>) -> Option<crate::fix::Edit> {
    match m.node.get("readOnly") {
        Some(v) => {
            READ_ONLY.replace_node(v, &crate::parse::node::pointer(&m.path, "readOnly"), "true")
        }
        None => READ_ONLY.insert(
            m.node,
            &m.path,
            "readOnly",
            crate::fix::Ins::Scalar("true".into()),
        ),
    }
}

/// The hit for a hostPath mount: at the volume's `hostPath.path`, naming the mount.
pub(crate) fn host_path_hit(
    v: &crate::model::workload::Volume<'_>,
    m: &crate::model::workload::Mount<'_>,
    c: &crate::model::workload::Container<'_>,
    message: String,
) -> Hit {
    let crate::model::workload::Source::HostPath { path, path_ptr, .. } = &v.source else {
        return Hit::at(m.node, m.path.clone(), message).container(&c.name);
    };
    let how = if m.read_only { "read-only" } else { "writable" };
    let mut hit = Hit::at(path, path_ptr.clone(), message).container(&c.name);
    let at = m
        .mount_path
        .map(|p| format!(" at `{p}`"))
        .unwrap_or_default();
    hit = hit.note(
        Some(m.node.report_span().start.line),
        format!("mounted {how}{at} by container `{}`", c.name),
    );
    if let Some(addon) = c
        .node
        .str_at(&["image"])
        .and_then(crate::host::aks_addon_driver)
    {
        hit = hit.note(
            None,
            format!("AKS runs this driver itself on ACL nodes as {addon}: prefer it to installing your own copy"),
        );
    }
    hit
}

/// A hit for each pod spec whose boolean `field` is true (YAML 1.1 booleans included), quoting the
/// field as written (`hostPID: yes`) and followed by `rest`.
pub(crate) fn pod_true_field(pods: &[PodSpec<'_>], field: &str, rest: &str, out: &mut Vec<Hit>) {
    for pod in pods {
        if let Some(v) = pod.node.get(field).filter(|v| v.is_true()) {
            let written = v.as_str().unwrap_or("true");
            out.push(Hit::at(
                v,
                crate::parse::node::pointer(&pod.path, field),
                format!("`{field}: {written}` {rest}"),
            ));
        }
    }
}

/// The VM sizes of the pools in scope that the table (or `.hostlint.yaml`) classes as one of
/// `verdicts`, with their class: what every VM-size rule reports on.
pub(crate) fn sized_pools<'s>(
    subject: &'s Subject<'_>,
    verdicts: &[crate::host::vm_sizes::Verdict],
) -> Vec<(
    &'s crate::model::nodepool::Val,
    crate::host::vm_sizes::Class<'s>,
    &'s str,
)> {
    let Subject::Cluster {
        cluster,
        all_pools,
        vm_sizes,
        hosts,
    } = subject
    else {
        return Vec::new();
    };
    cluster
        .scoped_pools(*all_pools)
        .filter_map(|pool| {
            let size = pool.vm_size.as_ref()?;
            let profile = hosts.for_pool(pool);
            let class = crate::host::vm_sizes::classify_on(&size.text, vm_sizes, profile)?;
            verdicts
                .contains(&class.verdict)
                .then_some((size, class, profile.title()))
        })
        .collect()
}
