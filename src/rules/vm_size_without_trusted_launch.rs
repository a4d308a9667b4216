use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::fix::{Offer, Safety};
use crate::host::vm_sizes::{Verdict, supported_successor};

/// The fix: the nearest supported size of the same family and vCPU count (unsafe: another VM
/// type, with its own price, quota and disk limits).
pub(crate) const TO_SUPPORTED_SIZE: Offer = Offer {
    safety: Safety::Unsafe,
    title: "change the VM size to the nearest supported size of the same family and vCPU count",
};
pub(crate) static FIXES: &[Offer] = &[TO_SUPPORTED_SIZE];

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
    for (size, class) in sized_pools(subject, &[Verdict::NoTrustedLaunch]) {
        let hit = size.hit(format!(
            "VM size `{}` ({} series) does not support Trusted Launch, which ACL requires",
            size.text, class.series
        ));
        out.push(match supported_successor(&size.text) {
            Some(to) => hit
                .fix(format!("use `{to}`, the nearest supported size of the same family and vCPU count"))
                .edit(TO_SUPPORTED_SIZE.replace(size, &to)),
            None => hit.fix(format!(
                "no size of the same family with the vCPU count of `{}` supports Trusted Launch: choose another Gen2 size with Trusted Launch",
                size.text
            )),
        });
    }
}
