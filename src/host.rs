//! The host profile of Azure Container Linux: facts as data, each with its source in HOST-FACTS.md.

/// Read-only trees: `/usr` under dm-verity, and its merged aliases (HOST-FACTS: The host).
pub const READ_ONLY_TREES: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib64"];

/// Directories under the read-only trees that AKS nodes make writable: the node image's `aks-sysext`
/// redirects `/usr/local/bin` to `/opt/aks-sysext-rw/usr/local/bin` (HOST-FACTS: The host). `/usr/local`
/// itself stays read-only (its `bin` is a symlink that resolves inside the container).
pub const WRITABLE_ON_AKS: &[&str] = &["/usr/local/bin"];

/// Whether normalised `path` is `tree` or lies under it.
fn under(path: &str, tree: &str) -> bool {
    tree == "/"
        || path == tree
        || (path.starts_with(tree) && path.as_bytes().get(tree.len()) == Some(&b'/'))
}

/// The read-only tree a normalised host path is on, if any (`/usr/local/bin` and below is not).
pub fn read_only_tree(path: &str) -> Option<&'static str> {
    if WRITABLE_ON_AKS.iter().any(|w| under(path, w)) {
        return None;
    }
    READ_ONLY_TREES.iter().copied().find(|t| under(path, t))
}

/// Host paths that exist to be written: a writable hostPath of one (or under one) is a write by
/// itself (HOST-FACTS: The host; SPEC: Rules). (path, what it is).
pub const WRITTEN_BY_DESIGN: &[(&str, &str)] = &[
    (
        "/usr/libexec/kubernetes/kubelet-plugins",
        "the upstream FlexVolume plugin directory, where driver installers copy their plugins",
    ),
    (
        "/etc/kubernetes/volumeplugins",
        "AKS's FlexVolume plugin directory, where driver installers copy their plugins",
    ),
    (
        "/var/lib/kubelet/volumeplugins",
        "a FlexVolume plugin directory, where driver installers copy their plugins",
    ),
    (
        "/opt/cni/bin",
        "the CNI plugin directory, where CNI installers copy their binaries",
    ),
    ("/etc/containerd", "containerd's configuration directory"),
    ("/boot", "the boot partition"),
];

/// Programs that write no file by themselves (a command made only of them, with no redirection,
/// writes nothing through its mounts).
pub const INERT_PROGRAMS: &[&str] = &[
    "sleep", "echo", "printf", "true", "false", "cat", "ls", "tail", "head", "wait", "trap",
    "exit", "test", "[", "[[", "date", "env", "id", "hostname", "uname", "pwd", "grep", "ps",
    "stat", "pause", "whoami", "read", "set", "sync", "nproc",
];

/// Directories of the read-only trees that every ACL image has (a `DirectoryOrCreate` of one creates
/// nothing).
pub const EXISTING_READ_ONLY_DIRS: &[&str] = &[
    "/usr",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/share",
    "/usr/local",
    "/usr/lib/modules",
    "/usr/lib/systemd",
    "/usr/lib/systemd/system",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/lib/modules",
    "/lib/systemd",
    "/lib/systemd/system",
];

/// What a writable hostPath of `path` is written for, when it exists to be written.
pub fn written_by_design(path: &str) -> Option<&'static str> {
    WRITTEN_BY_DESIGN
        .iter()
        .find(|(p, _)| under(path, p))
        .map(|(_, what)| *what)
}

/// FlexVolume plugin directories: AKS's own CSI drivers (Azure Disk, Azure Files, Azure Blob, the
/// Secrets Store CSI driver) replace the FlexVolume drivers installed there, and run on ACL.
pub const FLEXVOLUME_DIRS: &[&str] = &[
    "/usr/libexec/kubernetes/kubelet-plugins",
    "/etc/kubernetes/volumeplugins",
    "/var/lib/kubelet/volumeplugins",
];

/// Whether `path` is (under) a FlexVolume plugin directory.
pub fn flexvolume_dir(path: &str) -> bool {
    FLEXVOLUME_DIRS.iter().any(|d| under(path, d))
}

/// SELinux types of host paths as `container_t` meets them (SELINUX-READS): (path, type, readable).
/// The longest matching path decides. Unreadable ones give a confined container nothing, mounted
/// read-only or not.
pub const HOST_PATH_TYPES: &[(&str, &str, bool)] = &[
    ("/var/log", "var_log_t", false),
    ("/var/log/journal", "systemd_journal_t", false),
    ("/var/log/audit", "auditd_log_t", false),
    ("/var/log/pods", "container_log_t", true),
    ("/var/log/containers", "container_log_t", true),
    ("/run/log/journal", "systemd_journal_t", false),
    ("/var/lib", "var_lib_t", false),
    ("/var/lib/containerd", "container_var_lib_t", true),
    // By policy; var_lib_t when provisioning created it without a relabel (SELINUX-READS: M).
    ("/var/lib/kubelet", "container_var_lib_t", true),
    ("/var/lib/docker", "container_var_lib_t", true),
    ("/var/lib/kubelet/pods", "container_file_t", true),
    ("/var/lib/kubelet/plugins", "container_file_t", true),
    (
        "/var/lib/kubelet/plugins_registry",
        "container_file_t",
        true,
    ),
    ("/var/lib/kubelet/device-plugins", "container_file_t", true),
    ("/var/lib/calico", "container_file_t", true),
    ("/var/lib/etcd", "container_file_t", true),
    ("/var/lib/kube-proxy", "container_file_t", true),
    ("/var/lib/rook", "container_file_t", true),
    ("/run", "var_run_t", false),
    ("/var/run", "var_run_t", false),
    ("/run/containerd", "container_runtime_t", false),
    ("/var/run/containerd", "container_runtime_t", false),
    ("/run/xtables.lock", "iptables_runtime_t", false),
    ("/var/run/xtables.lock", "iptables_runtime_t", false),
    ("/boot", "boot_t", false),
    ("/sys/kernel/debug", "debugfs_t", false),
    ("/sys/kernel/security", "security_t", false),
    ("/sys/kernel/tracing", "tracefs_t", false),
    ("/sys/fs/bpf", "bpf_t", false),
    // SELINUX-READS `/proc` row: each `/proc/<pid>` carries its process's domain; PID 1 is
    // init_t, with no allow rule for container_t (kernel.if:1171 grants proc_t only).
    ("/proc/1", "init_t", false),
    // refpolicy genfs_contexts `genfscon proc /kmsg` / `/kcore`; SELINUX-READS `/proc` row: denied.
    ("/proc/kmsg", "proc_kmsg_t", false),
    ("/proc/kcore", "proc_kcore_t", false),
    // SELINUX-READS `/etc/shadow*…` row: authlogin.fc:5, miscfiles.fc:17,19, selinuxutil.fc:6,
    // init.fc:44 (through the file_contexts.subs_dist alias; M), modules_conf_t; no allow rule.
    ("/etc/shadow", "shadow_t", false),
    ("/etc/gshadow", "shadow_t", false),
    ("/etc/ssl/private", "tls_privkey_t", false),
    ("/etc/pki/tls/private", "tls_privkey_t", false),
    ("/etc/selinux", "selinux_config_t", false),
    ("/etc/modprobe.d", "modules_conf_t", false),
    ("/etc/systemd/system", "systemd_unit_t", false),
    // refpolicy udev.fc `/run/udev`; container.te:467 `udev_read_runtime_files(container_domain)`.
    ("/run/udev", "udev_runtime_t", true),
    ("/var/run/udev", "udev_runtime_t", true),
];

/// Host directories a `container_t` pod may not list although it reads their files by exact
/// name (SELINUX-READS): (path, type). The listing fails with no AVC record (dontaudit).
pub const LIST_DENIED_DIRS: &[(&str, &str)] = &[
    // SELINUX-READS `/sys/fs/cgroup` row: container.te:551 fs_rw_cgroup_files (files, no dir
    // read); the mountpoint dontaudit container.te:352 makes the denied listing silent.
    ("/sys/fs/cgroup", "cgroup_t"),
];

/// Host sockets a `container_t` pod may not connect to, whatever the mount's `readOnly`
/// (SELINUX-READS: Sockets): (socket or its directory, why).
pub const CONNECT_DENIED_SOCKETS: &[(&str, &str)] = &[
    // container.fc:50 container_runtime_t; containerd runs as dockerd_t (docker.fc:4, docker.te:16),
    // which is not among container_t's connectto targets (kubernetes.te:183 → container.if:850-858).
    (
        "/run/containerd/containerd.sock",
        "containerd runs as `dockerd_t`, which `container_t` may not `connectto`",
    ),
    (
        "/var/run/containerd/containerd.sock",
        "containerd runs as `dockerd_t`, which `container_t` may not `connectto`",
    ),
    // container_var_lib_t sock_file: the kubernetes rules cover files only (kubernetes.te:185-187),
    // and there is no connectto to kubelet_t.
    (
        "/var/lib/kubelet/pod-resources",
        "the kubelet's PodResources socket is a `container_var_lib_t` sock_file `container_t` may not write, served by `kubelet_t`, which it may not `connectto`",
    ),
];

/// The connect-denied socket entry `path` is (under), with why.
pub fn connect_denied_socket(path: &str) -> Option<(&'static str, &'static str)> {
    CONNECT_DENIED_SOCKETS
        .iter()
        .copied()
        .find(|(p, _)| under(path, p))
}

/// The list-denied directory `path` is (under), with its type.
pub fn list_denied_dir(path: &str) -> Option<(&'static str, &'static str)> {
    LIST_DENIED_DIRS
        .iter()
        .copied()
        .find(|(p, _)| under(path, p))
}

/// Readable subtrees (path, type) of a host path whose own type `container_t` may not read
/// (SELINUX-READS: `/var/lib` holds the containerd and kubelet directories, `/run` udev's).
pub fn readable_below(path: &str) -> Vec<(&'static str, &'static str)> {
    let readable: Vec<_> = HOST_PATH_TYPES
        .iter()
        .filter(|(p, _, readable)| *readable && *p != path && under(p, path))
        .map(|(p, t, _)| (*p, *t))
        .collect();
    // The outermost readable subtrees only.
    readable
        .iter()
        .filter(|(p, _)| !readable.iter().any(|(q, _)| q != p && under(p, q)))
        .copied()
        .collect()
}

/// Denied subtrees (path, type) below a host path whose own files `container_t` may not read
/// either, with a type of their own (SELINUX-READS: `/run/containerd` under `/run`).
pub fn denied_below(path: &str) -> Vec<(&'static str, &'static str)> {
    HOST_PATH_TYPES
        .iter()
        .filter(|(p, t, readable)| {
            !*readable
                && *p != path
                && under(p, path)
                && unreadable_by_container_t(path) != Some(*t)
        })
        .map(|(p, t, _)| (*p, *t))
        .collect()
}

/// What a `container_t` pod sees through a read-only hostPath of the host's root `/` on ACL:
/// (what, seen). SELINUX-READS, "Mechanics" and "What a workload linter should conclude".
pub const HOST_ROOT_VIEW: &[(&str, bool)] = &[
    // refpolicy container.te `fs_getattr_all_fs(container_domain)` (filesystem getattr, the
    // permission statfs() checks) with container.te:356 files_search_all for the path walk.
    (
        "statfs() of every filesystem mounted under it (size, free space, inodes)",
        true,
    ),
    // domain.te:129 files_list_root; container.te:356 files_search_all.
    ("the listing of `/` and traversal of every directory", true),
    // container.te:357 files_read_config_files: etc_t, net_conf_t, etc_runtime_t, cert_t,
    // kubernetes_config_t, container_config_t.
    ("`/etc` configuration, `/etc/kubernetes` included", true),
    // container.te:345,358-359,548; domain.te:146-147.
    ("`/usr`, `/usr/lib/modules`", true),
    // container.te:342 kernel_read_system_state, :540 kernel_read_network_state, :545 dev_read_sysfs.
    (
        "`/proc` system-wide files (stat, meminfo, mounts, net/*) and `/sys`",
        true,
    ),
    // SELINUX-READS conclusion 1: var_log_t, systemd_journal_t; mountpoint dontaudit :352.
    (
        "`/var/log` (its listing fails silently) and the journal",
        false,
    ),
    // SELINUX-READS conclusion 3: host PIDs' entries carry their domains (init_t, kubelet_t…).
    (
        "host processes' `/proc/<pid>` entries, such as `/proc/1/mountinfo`",
        false,
    ),
    // container.te:354-355 list var_lib_t, no file read; kubernetes.te:185-187 container_var_lib_t.
    (
        "`/var/lib` files outside the containerd and kubelet directories (`var_lib_t`)",
        false,
    ),
    // domain.te:150 lists /run only; container_runtime_t has no list rule (kubernetes.te:183).
    ("`/run` files (`var_run_t`) and `/run/containerd`", false),
    // SELINUX-READS `/boot` row and conclusion 2.
    (
        "`/boot`, `/sys/kernel/debug`, `/sys/kernel/security`, `/sys/fs/bpf`",
        false,
    ),
    // SELINUX-READS conclusion 6.
    (
        "`/etc/shadow`, TLS private keys, SSH host keys, `/etc/selinux`",
        false,
    ),
];

/// The SELinux type of `path` when `container_t` cannot read it (SELINUX-READS), else `None`.
pub fn unreadable_by_container_t(path: &str) -> Option<&'static str> {
    HOST_PATH_TYPES
        .iter()
        .filter(|(p, _, _)| under(path, p))
        .max_by_key(|(p, _, _)| p.len())
        .filter(|(_, _, readable)| !readable)
        .map(|(_, t, _)| *t)
}

/// Images that install onto the host through their writable hostPath mounts (CNI and FlexVolume
/// installers, the NVIDIA container toolkit), in the forms of [`DRIVER_IMAGES`]; the driver images
/// count too. A site adds more in `.hostlint.yaml` `driver_images`.
pub const INSTALLER_IMAGES: &[&str] = &[
    "nvcr.io/nvidia/k8s/container-toolkit",
    "calico/cni",
    "calico/pod2daemon-flexvol",
    "flannel-cni-plugin",
    "multus-cni",
    "cni-plugins",
];

/// CSI drivers that AKS runs itself as managed add-ons, on ACL too (AKSD): a self-installed copy is
/// better replaced by the add-on. (image pattern in the forms of [`DRIVER_IMAGES`], the add-on).
pub const AKS_ADDON_DRIVERS: &[(&str, &str)] = &[
    (
        "blob-csi",
        "the Azure Blob CSI driver add-on (`az aks update --enable-blob-driver`)",
    ),
    (
        "azurefile-csi",
        "the Azure Files CSI driver (on by default)",
    ),
    ("azuredisk-csi", "the Azure Disk CSI driver (on by default)"),
    (
        "csi-secrets-store/driver",
        "the Key Vault secrets provider add-on (`az aks enable-addons -a azure-keyvault-secrets-provider`)",
    ),
    (
        "secrets-store/provider-azure",
        "the Key Vault secrets provider add-on (`az aks enable-addons -a azure-keyvault-secrets-provider`)",
    ),
];

/// The AKS add-on that already runs the driver an image is, if any.
pub fn aks_addon_driver(image: &str) -> Option<&'static str> {
    let (repo, last) = image_repo(image);
    AKS_ADDON_DRIVERS
        .iter()
        .find(|(p, _)| image_matches(p, &repo, &last))
        .map(|(_, addon)| *addon)
}

/// The installer (or driver) image pattern an image matches.
pub fn installer_image(image: &str) -> Option<&'static str> {
    let (repo, last) = image_repo(image);
    INSTALLER_IMAGES
        .iter()
        .copied()
        .find(|p| image_matches(p, &repo, &last))
        .or_else(|| driver_image(image))
}

/// Directories ACL's refpolicy `container.fc` labels `container_file_t`, writable by `container_t`
/// (kubernetes/kubernetes#73241).
pub const CONTAINER_FILE_T_DIRS: &[&str] = &[
    "/var/lib/kubelet/pods",
    "/var/lib/kubelet/plugins",
    "/var/lib/kubelet/plugins_registry",
    "/var/lib/kubelet/device-plugins",
];

/// Pod Sandboxing runtime classes, unsupported on ACL (AKSD use-pod-sandboxing).
pub const SANDBOX_RUNTIME_CLASSES: &[&str] = &[
    "kata-vm-isolation",
    "kata-mshv-vm-isolation",
    "kata-cc-isolation",
];

/// The node label AKS sets to the pool's OS SKU (KP).
pub const OS_SKU_LABEL: &str = "kubernetes.azure.com/os-sku";

/// The OS SKU value of ACL nodes.
pub const ACL_OS_SKU: &str = "AzureContainerLinux";

/// AKS's node label naming a GPU pool's accelerator (`nvidia`, `amd`) [AKS GPU docs].
pub const ACCELERATOR_LABEL: &str = "kubernetes.azure.com/accelerator";

/// The extended resource AMD's device plugin advertises (ROCm/k8s-device-plugin): no ACL node has
/// one, as ACL has no AMD GPU support (HOST-FACTS: VM sizes).
pub const AMD_GPU_RESOURCE: &str = "amd.com/gpu";

/// The retired preview SKU.
pub const FLATCAR_OS_SKU: &str = "Flatcar";

/// Packages ACL ships in its image (Flatcar base list mapped to Azure Linux RPMs,
/// `build_library/rpm/package_catalog.yaml`): what, and the names installers use for it on Debian,
/// RHEL and SUSE (HOST-FACTS: The host). A trailing `*` matches a prefix.
pub const SHIPPED_PACKAGES: &[(&str, &[&str])] = &[
    (
        "open-iscsi (`iscsiadm`)",
        &["open-iscsi", "iscsi-initiator-utils", "open-iscsi-*"],
    ),
    ("nfs-utils", &["nfs-utils", "nfs-common", "nfs-client"]),
    ("cryptsetup", &["cryptsetup", "cryptsetup-bin"]),
    ("lvm2", &["lvm2"]),
    ("xfsprogs", &["xfsprogs"]),
    ("nvme-cli", &["nvme-cli"]),
    ("mdadm", &["mdadm"]),
    ("cifs-utils", &["cifs-utils"]),
    ("blobfuse2 and fuse3", &["blobfuse2", "fuse3"]),
    ("jq", &["jq"]),
    ("curl", &["curl"]),
    ("bash", &["bash"]),
];

/// Packages ACL does not ship and cannot get: there is no package manager, and sysexts may only add
/// to `/usr` and `/opt` under a signed image (HOST-FACTS: The host).
pub const UNAVAILABLE_PACKAGES: &[(&str, &[&str])] = &[
    (
        "multipath-tools",
        &[
            "multipath-tools",
            "device-mapper-multipath",
            "multipath-tools-*",
        ],
    ),
    (
        "thin-provisioning-tools",
        &["thin-provisioning-tools", "device-mapper-persistent-data"],
    ),
    (
        "kernel headers",
        &[
            "linux-headers-*",
            "kernel-headers",
            "kernel-devel",
            "kernel-devel-*",
            "linux-kernel-headers",
        ],
    ),
];

/// Whether package `name` (a version suffix such as `=1.2` is ignored) is one of `names`.
pub fn package_is(name: &str, names: &[&str]) -> bool {
    let name = name.split(['=', ':']).next().unwrap_or(name);
    names.iter().any(|n| match n.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *n,
    })
}

/// Out-of-tree kernel driver images: they build or load modules that Secure Boot refuses, into the
/// read-only `/usr/lib/modules` (HOST-FACTS: The host; flatcar/Flatcar#715). A pattern is a full
/// repository (`nvcr.io/nvidia/driver`), a repository suffix after `/` (`sysdig/agent-kmodule`), a
/// last path component (`mofed`), `*suffix` of the last component, or `prefix*` of a repository
/// (full when it names a registry, else after a `/`).
pub const DRIVER_IMAGES: &[&str] = &[
    "nvcr.io/nvidia/driver",
    // AKS's own NVIDIA driver installers (`aks-gpu`, `aks-gpu-cuda`, `aks-gpu-grid`, ...), which
    // AgentBaker runs on Ubuntu/Azure Linux nodes with the host's PID namespace to build and install
    // the driver (Azure/AgentBaker `parts/common/components.json` GPUContainerImages,
    // `CTR_GPU_INSTALL_CMD`); on ACL the driver comes as a system extension instead.
    "mcr.microsoft.com/aks/aks-gpu*",
    // LINBIT/Piraeus DRBD module loaders (`drbd9-jammy`, `drbd9-almalinux9`, ...): they compile
    // `drbd.ko` against the host's kernel headers and load it (piraeusdatastore/piraeus-operator docs,
    // "kernel module injection image").
    "piraeusdatastore/drbd9-*",
    // The AMD GPU Operator's amdgpu source image, from which it builds the out-of-tree module
    // (ROCm/gpu-operator `DriverSpec.ImageBuild.SourceImageRepo`, default docker.io/rocm/amdgpu-driver).
    "rocm/amdgpu-driver",
    "*nvidia-driver-installer",
    "cos-nvidia-installer",
    "nvcr.io/nvidia/mellanox/doca-driver",
    "mofed",
    "falco-driver-loader",
    "sysdig/agent-kmodule",
    // The full agent image builds its kernel probe at start-up unless told to use eBPF.
    "sysdig/agent",
];

/// Images whose entrypoint runs a script from an environment variable on the host, through
/// `nsenter` into PID 1 (image pattern in the forms of [`DRIVER_IMAGES`], variable):
/// Kubernetes' `startup-script` (gcr.io/google-containers, k8s.gcr.io; kubernetes-retired/contrib
/// `startup-script/manage-startup-script.sh`: `nsenter -t 1 -m -u -i -n -p -- bash -c
/// "${STARTUP_SCRIPT}"`) and Cilium's copy of it (`quay.io/cilium/startup-script`, same variable).
pub const STARTUP_SCRIPT_IMAGES: &[(&str, &str)] = &[("startup-script", "STARTUP_SCRIPT")];

/// The variable whose script an image runs on the host, if the image is one of
/// [`STARTUP_SCRIPT_IMAGES`].
pub fn startup_script_var(image: &str) -> Option<&'static str> {
    let (repo, last) = image_repo(image);
    STARTUP_SCRIPT_IMAGES
        .iter()
        .find(|(p, _)| image_matches(p, &repo, &last))
        .map(|(_, v)| *v)
}

/// Entrypoints of driver containers that compile and load kernel modules: (program, subcommand).
pub const DRIVER_COMMANDS: &[(&str, Option<&str>)] = &[
    ("nvidia-driver", Some("init")),
    ("falco-driver-loader", None),
];

/// Host data a site adds in `.hostlint.yaml` to the built-in tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteData {
    /// More SELinux workload types (a custom policy module's).
    pub selinux_types: Vec<String>,
    /// More driver images, in the forms of [`DRIVER_IMAGES`].
    pub driver_images: Vec<String>,
}

impl SiteData {
    /// Whether `t` is a workload type: ACL's own or the site's.
    pub fn selinux_workload_type(&self, t: &str) -> bool {
        SELINUX_WORKLOAD_TYPES.contains(&t) || self.selinux_types.iter().any(|s| s == t)
    }

    /// The built-in or site pattern an image matches.
    pub fn driver_image<'a>(&'a self, image: &str) -> Option<&'a str> {
        driver_image(image).or_else(|| {
            let (repo, last) = image_repo(image);
            self.driver_images
                .iter()
                .map(String::as_str)
                .find(|p| image_matches(p, &repo, &last))
        })
    }
}

/// An image reference's lower-case repository (no tag, no digest) and its last path component.
fn image_repo(image: &str) -> (String, String) {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag follows the last `:` after the last `/` (a registry port comes before a `/`).
    let repo = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let repo = repo.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo).to_string();
    (repo, last)
}

/// Whether a driver-image pattern matches a repository (see [`DRIVER_IMAGES`] for the forms).
fn image_matches(p: &str, repo: &str, last: &str) -> bool {
    if let Some(prefix) = p.strip_suffix('*') {
        repo.starts_with(prefix) || (!p.contains('.') && repo.contains(&format!("/{prefix}")))
    } else if let Some(suffix) = p.strip_prefix('*') {
        last.ends_with(suffix)
    } else if p.contains('.') {
        repo == p
    } else if p.contains('/') {
        repo == p || repo.ends_with(&format!("/{p}"))
    } else {
        last == p
    }
}

/// Whether an image reference's repository matches one of [`DRIVER_IMAGES`].
pub fn driver_image(image: &str) -> Option<&'static str> {
    let (repo, last) = image_repo(image);
    DRIVER_IMAGES
        .iter()
        .copied()
        .find(|p| image_matches(p, &repo, &last))
}

/// Package managers: none exists on the host (HOST-FACTS: The host).
pub const PACKAGE_MANAGERS: &[&str] = &[
    "apt", "apt-get", "aptitude", "yum", "dnf", "tdnf", "microdnf", "zypper", "apk", "rpm", "dpkg",
    "snap",
];

/// SELinux domains ACL's policy offers to workloads (HOST-FACTS: SELinux; ACL selinux.md).
pub const SELINUX_WORKLOAD_TYPES: &[&str] = &[
    "container_t",
    "container_logreader_t",
    "container_kvm_t",
    "spc_t",
    "spc_user_t",
];

/// Types that Pod Security admission's baseline level rejects although ACL offers them
/// (kubernetes/kubernetes#126165; HOST-FACTS: SELinux).
pub const PSA_REJECTED_SELINUX_TYPES: &[&str] = &["container_logreader_t", "spc_t", "spc_user_t"];

/// The group that owns the journal (`root:systemd-journal` 0640) (HOST-FACTS: SELinux).
pub const SYSTEMD_JOURNAL_GID: i64 = 190;

/// Tools that rewrite the kernel command line or the boot loader, part of ACL's signed boot image
/// (HOST-FACTS: The host).
pub const KERNEL_CMDLINE_TOOLS: &[&str] = &[
    "grubby",
    "update-grub",
    "update-grub2",
    "grub-mkconfig",
    "grub2-mkconfig",
    "kernelstub",
    "bootctl",
];

/// Files that hold the kernel command line on other distributions.
pub const KERNEL_CMDLINE_FILES: &[&str] = &[
    "/etc/default/grub",
    "/etc/kernel/cmdline",
    "/etc/default/grub.d",
];
/// The VM-size table (HOST-FACTS: VM sizes).
pub mod vm_sizes;

/// ACL's os-release values that scripts test (HOST-FACTS: The host; AB `e2e/scenario_test.go`).
/// `VERSION_ID` is left out: a version check is undecidable by design.
pub const OS_RELEASE: &[(&str, &str)] =
    &[("ID", "azurelinux"), ("VARIANT_ID", "azurecontainerlinux")];

/// Where os-release is read from.
pub const OS_RELEASE_FILES: &[&str] = &["/etc/os-release", "/usr/lib/os-release"];

/// Distribution names that are not ACL's: an os-release test for one of them is false on ACL.
pub const OTHER_DISTROS: &[&str] = &[
    "ubuntu",
    "debian",
    "centos",
    "rhel",
    "red hat",
    "redhat",
    "fedora",
    "rocky",
    "almalinux",
    "sles",
    "suse",
    "opensuse",
    "alpine",
    "amzn",
    "amazon linux",
    "photon",
    "oracle",
];

/// Files that other distributions' hosts have and ACL does not (no package manager, no dpkg or
/// RPM database: HOST-FACTS: The host).
pub const ABSENT_FILES: &[&str] = &[
    "/etc/debian_version",
    "/etc/lsb-release",
    "/etc/redhat-release",
    "/etc/centos-release",
    "/etc/fedora-release",
    "/etc/SuSE-release",
    "/etc/SUSE-brand",
    "/etc/alpine-release",
    "/etc/apt",
    "/etc/zypp",
    "/var/lib/dpkg",
    "/var/lib/rpm",
];

/// Whether a host file exists on ACL, when that is known: os-release does; the distribution
/// markers of [`ABSENT_FILES`] and package managers in the system `bin` dirs do not.
pub fn acl_file_exists(path: &str) -> Option<bool> {
    if OS_RELEASE_FILES.contains(&path) {
        return Some(true);
    }
    if ABSENT_FILES.iter().any(|f| under(path, f)) {
        return Some(false);
    }
    let (dir, name) = path.rsplit_once('/')?;
    (matches!(dir, "/usr/bin" | "/bin" | "/usr/sbin" | "/sbin") && acl_has_program(name).is_some())
        .then_some(false)
}

/// Boot-loader tools of other distributions that ACL, whose kernel command line is part of its
/// signed boot image, does not ship (HOST-FACTS: The host).
pub const ABSENT_BOOT_TOOLS: &[&str] = &[
    "grubby",
    "update-grub",
    "update-grub2",
    "grub-mkconfig",
    "grub2-mkconfig",
    "kernelstub",
];

/// Whether a program is on ACL's `PATH`, when that is known: no package manager is, nor a GRUB
/// configuration tool.
pub fn acl_has_program(name: &str) -> Option<bool> {
    (PACKAGE_MANAGERS.contains(&name) || ABSENT_BOOT_TOOLS.contains(&name)).then_some(false)
}

/// Whether `grep [-i] [-x] PATTERN` matches a line of ACL's os-release, when that is known: true
/// when an alternative of the pattern is found in a known line, false when every alternative names
/// another distribution; otherwise unknown (regular expressions beyond `^`, `$` and `|` included).
pub fn os_release_matches(pattern: &str, ci: bool, whole: bool) -> Option<bool> {
    let lines: Vec<String> = OS_RELEASE.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let fold = |s: &str| {
        if ci {
            s.to_ascii_lowercase()
        } else {
            s.to_string()
        }
    };
    let mut all_other = true;
    for alt in pattern.split("\\|").flat_map(|a| a.split('|')) {
        let start = alt.starts_with('^');
        let end = alt.ends_with('$') && !alt.ends_with("\\$");
        let lit = alt
            .trim_start_matches('^')
            .trim_end_matches('$')
            .replace(['"', '\''], "");
        if lit.is_empty() || lit.contains(['.', '*', '+', '?', '[', ']', '(', ')', '{', '}', '\\'])
        {
            return None;
        }
        let lit = fold(&lit);
        let hit = lines.iter().map(|l| fold(l)).any(|l| {
            let l = l.replace('"', "");
            if whole || (start && end) {
                l == lit
            } else if start {
                l.starts_with(&lit)
            } else if end {
                l.ends_with(&lit)
            } else {
                l.contains(&lit)
            }
        });
        if hit {
            return Some(true);
        }
        let low = lit.to_ascii_lowercase();
        all_other &= OTHER_DISTROS.iter().any(|d| low.contains(d));
    }
    all_other.then_some(false)
}
