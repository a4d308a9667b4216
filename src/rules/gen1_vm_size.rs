use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static GEN1_VM_SIZE: Rule = Rule {
    name: "gen1-vm-size",
    severity: Severity::Error,
    summary: r#"A Generation-1-only VM size"#,
    what: r#"Flags a node pool whose VM size belongs to a series that exists only as Generation 1 (Basic A, A classic, Av2, Dv2, Dv3, Ev3, NC v1, NV v1, NP)."#,
    why: r#"ACL nodes boot with Trusted Launch (Secure Boot and vTPM), which needs a Generation 2 VM: a Gen1-only size cannot host an ACL pool and the pool fails to create or to migrate (HOST-FACTS: Node pools and clusters; VM sizes). `Standard_DS2_v2`, `Standard_D2s_v3` and the v4+ series support Gen2 and are not flagged."#,
    fix: r#"choose a Gen2 size with Trusted Launch support, e.g. `Standard_D2s_v5` or `Standard_D2ds_v6`"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D2_v2"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D2s_v5"
}
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/azure-container-linux-overview",
        "https://learn.microsoft.com/azure/virtual-machines/trusted-launch",
    ],
    tags: &["node-pool", "vm-size"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::Gen1]) {
        out.push(size.hit(format!("VM size `{}` is Generation 1 only ({} series): {host} needs a Gen2 size with Trusted Launch", size.text, class.series)));
    }
}
