use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static CONFIDENTIAL_VM_SIZE: Rule = Rule {
    name: "confidential-vm-size",
    severity: Severity::Error,
    summary: r#"A confidential VM size"#,
    what: r#"Flags a node pool on a confidential VM size: DCas/DCads/DCes/DCeds/ECas/ECads/ECes/ECeds v5/v6, `Standard_NCC40ads_H100_v5`, and the confidential-child-capable `_cc_v5` sizes."#,
    why: r#"ACL does not support Confidential VMs (HOST-FACTS: Node pools and clusters). Confidential sizes use the CVM security type instead of Trusted Launch, and the `_cc` sizes support neither."#,
    fix: r#"run ACL pools on a Trusted Launch size (e.g. `Standard_D4as_v5`); keep confidential workloads on a pool with a supported OS SKU"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_DC4as_v5"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D4as_v5"
}
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/use-cvm",
        "https://learn.microsoft.com/azure/aks/azure-container-linux-overview",
    ],
    tags: &["node-pool", "vm-size"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(
        subject,
        &[Verdict::Confidential, Verdict::ConfidentialChild],
    ) {
        out.push(size.hit(format!(
            "VM size `{}` is a confidential VM size ({}){}: {host} does not support Confidential VMs",
            size.text,
            class.series,
            if class.verdict == Verdict::ConfidentialChild {
                " without Trusted Launch"
            } else {
                ""
            }
        )));
    }
}
