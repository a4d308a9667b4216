use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static ARM64_GPU_VM_SIZE: Rule = Rule {
    name: "arm64-gpu-vm-size",
    severity: Severity::Error,
    summary: r#"An Arm64 GPU VM size"#,
    what: r#"Flags a node pool on an Arm64 GPU size (ND GB200/GB300 v6, Grace)."#,
    why: r#"ACL does not support Arm64 GPU pools (HOST-FACTS: Node pools and clusters)."#,
    fix: r#"run GPU pools on an x64 NVIDIA size (e.g. `Standard_ND96isr_H100_v5`), or keep this pool on another OS SKU"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_ND128isr_NDR_GB200_v6"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_ND96isr_H100_v5"
}
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["node-pool", "vm-size", "arm64", "gpu"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::Arm64Gpu]) {
        out.push(size.hit(format!(
            "VM size `{}` is an Arm64 GPU size ({}): {host} does not support Arm64 GPU pools",
            size.text, class.series
        )));
    }
}
