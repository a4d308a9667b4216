use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static ARM64_VM_SIZE_NOT_COBALT: Rule = Rule {
    name: "arm64-vm-size-not-cobalt",
    severity: Severity::Error,
    summary: r#"An Arm64 VM size that is not Cobalt 100"#,
    what: r#"Flags a node pool on an Ampere Altra Arm64 size (Dpsv5, Dpdsv5, Dplsv5, Dpldsv5, Epsv5, Epdsv5, Bpsv2)."#,
    why: r#"ACL on Arm64 needs Cobalt 100 (the v6 `p` families): the v5 Ampere Altra sizes do not support Trusted Launch (HOST-FACTS: Node pools and clusters; ACL kernel README)."#,
    fix: r#"use the Cobalt 100 equivalent, e.g. `Standard_D4ps_v6` for `Standard_D4ps_v5`"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D4ps_v5"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D4ps_v6"
}
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["node-pool", "vm-size", "arm64"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::Arm64NotCobalt]) {
        out.push(size.hit(format!(
            "Arm64 VM size `{}` ({}) is not Cobalt 100: {host} on Arm64 needs a v6 `p` size",
            size.text, class.series
        )));
    }
}
