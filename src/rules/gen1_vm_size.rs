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

/// The hit with the successor size as its edit, or a fix text that says there is none.
pub(crate) fn resized(hit: Hit, size: &crate::model::nodepool::Val) -> Hit {
    match supported_successor(&size.text) {
        Some(to) => hit
            .fix(format!("use `{to}`, the nearest supported size of the same family and vCPU count"))
            .edit(TO_SUPPORTED_SIZE.replace(size, &to)),
        None => hit.fix(format!(
            "no supported size of the same family has the vCPU count of `{}`: choose a Gen2 size with Trusted Launch support, e.g. `Standard_D2s_v5` or `Standard_D2ds_v6`",
            size.text
        )),
    }
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::Gen1]) {
        let hit = size.hit(format!("VM size `{}` is Generation 1 only ({} series): {host} needs a Gen2 size with Trusted Launch", size.text, class.series));
        out.push(resized(hit, size));
    }
}
