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

/// The VM-size table (HOST-FACTS: VM sizes).
pub mod vm_sizes;
