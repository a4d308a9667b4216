//! Host data. The facts that differ between hosts (read-only trees and their exceptions, SELinux mode,
//! labelling, workload types and host-path types, packages, module and command-line policy, pool
//! facts, ...) are profile data in `hosts/*.yaml`, read by [`profile`]; what stays here is what holds
//! on every host hostlint knows (image tables, tool names, the os-release reading of scripts).

/// Whether normalised `path` is `tree` or lies under it.
pub(crate) fn under(path: &str, tree: &str) -> bool {
    tree == "/"
        || path == tree
        || (path.starts_with(tree) && path.as_bytes().get(tree.len()) == Some(&b'/'))
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
    /// Whether `t` is one of the site's own SELinux workload types.
    pub fn selinux_type(&self, t: &str) -> bool {
        self.selinux_types.iter().any(|s| s == t)
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

/// Types that Pod Security admission's baseline level rejects although ACL offers them
/// (kubernetes/kubernetes#126165; HOST-FACTS: SELinux).
pub const PSA_REJECTED_SELINUX_TYPES: &[&str] = &["container_logreader_t", "spc_t", "spc_user_t"];

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

/// Host profiles as data (`hosts/*.yaml`).
pub mod profile;
pub use profile::{Hosts, Profile};
