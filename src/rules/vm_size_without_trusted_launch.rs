use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static VM_SIZE_WITHOUT_TRUSTED_LAUNCH: Rule = Rule {
    name: "vm-size-without-trusted-launch",
    severity: Severity::Error,
    summary: r#"A Gen2 VM size that does not support Trusted Launch"#,
    what: r#"Flags a node pool whose VM size is Generation 2 but does not support Trusted Launch: the M family, `Standard_ND96asr_v4` (NDasrA100_v4) and `Standard_ND96amsr_A100_v4` (NDm_A100_v4)."#,
    why: r#"Trusted Launch with Secure Boot and vTPM is mandatory for ACL pools; Azure refuses Trusted Launch on these sizes, so the pool cannot be created as ACL (HOST-FACTS: VM sizes; Azure trusted-launch.md)."#,
    fix: r#"choose a size that supports Trusted Launch (for GPU work e.g. `Standard_ND96isr_H100_v5`; for memory e.g. the E v5 series)"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_M64ms"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_E64s_v5"
}
"#,
    references: &["https://learn.microsoft.com/azure/virtual-machines/trusted-launch"],
    tags: &["node-pool", "vm-size"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::NoTrustedLaunch]) {
        // No size of these families (M, ND A100 v4) supports Trusted Launch: no size to change to
        // (`check --fix` says so rather than guess another family).
        out.push(
            size.hit(format!(
                "VM size `{}` ({} series) does not support Trusted Launch, which {host} requires",
                size.text, class.series
            ))
            .fix(format!(
                "no size of the {} family supports Trusted Launch, so there is no same-family size to switch `{}` to: choose a Gen2 size with Trusted Launch from another family",
                class.series, size.text
            )),
        );
    }
}
