//! The host profile of Azure Container Linux: facts as data, each with its source in HOST-FACTS.md.

/// Read-only trees: `/usr` under dm-verity, and its merged aliases (HOST-FACTS: The host).
pub const READ_ONLY_TREES: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib64"];

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
/// last path component (`mofed`), or `*suffix` of the last component.
pub const DRIVER_IMAGES: &[&str] = &[
    "nvcr.io/nvidia/driver",
    "*nvidia-driver-installer",
    "cos-nvidia-installer",
    "nvcr.io/nvidia/mellanox/doca-driver",
    "mofed",
    "falco-driver-loader",
    "sysdig/agent-kmodule",
];

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
    if let Some(suffix) = p.strip_prefix('*') {
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
