use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static NON_NVIDIA_GPU_VM_SIZE: Rule = Rule {
    name: "non-nvidia-gpu-vm-size",
    severity: Severity::Warning,
    summary: r#"An AMD GPU VM size"#,
    what: r#"Flags a node pool on an AMD GPU size (ND MI300X v5, NVv4, NGads V620, NVads V710 v5)."#,
    why: r#"ACL ships GPU support for NVIDIA GPUs on AMD64 only, as AKS-provided sysexts; there is no AMD GPU driver for ACL nodes (HOST-FACTS: VM sizes; The host)."#,
    fix: r#"use an NVIDIA GPU size (e.g. `Standard_NV36ads_A10_v5`), or keep this pool on another OS SKU"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_NV16as_v4"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_NV36ads_A10_v5"
}
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["node-pool", "vm-size", "gpu"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::AmdGpu]) {
        out.push(size.hit(format!(
            "VM size `{}` is an AMD GPU size ({}): {host} supports NVIDIA GPUs only",
            size.text, class.series
        )));
    }
}
