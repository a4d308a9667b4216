use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};

/// The fix: the `NodeImage` channel on whatever surface wrote the value (safe: OS updates keep
/// coming, as whole node images, the only way ACL takes them).
pub(crate) const TO_NODE_IMAGE: Offer = Offer {
    safety: Safety::Safe,
    title: "set the node OS upgrade channel to `NodeImage`",
};
pub(crate) static FIXES: &[Offer] = &[TO_NODE_IMAGE];

pub static NODE_OS_UPGRADE_CHANNEL: Rule = Rule {
    name: "node-os-upgrade-channel",
    severity: Severity::Error,
    summary: r#"Node OS upgrade channel `SecurityPatch` or `Unmanaged`"#,
    what: r#"Flags a cluster whose node OS upgrade channel (`autoUpgradeProfile.nodeOSUpgradeChannel`, `node_os_upgrade_channel`, `node_os_channel_upgrade`, `--node-os-upgrade-channel`) is `SecurityPatch` or `Unmanaged`. The Kubernetes version channel (`upgradeChannel`, `automatic_upgrade_channel`, `automatic_channel_upgrade`, `--auto-upgrade-channel`) is a different setting and never flagged."#,
    why: r#"ACL nodes are immutable images: they take OS updates only as whole node images. Only the `NodeImage` and `None` channels are supported; `SecurityPatch` patches packages in place and `Unmanaged` relies on the OS package manager, which ACL does not have (HOST-FACTS: Node pools and clusters; AKSD auto-upgrade-node-os-image)."#,
    fix: r#"set the node OS upgrade channel to `NodeImage` (or `None`)"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster" "main" {
  name                = "main"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "main"
  node_os_upgrade_channel = "SecurityPatch"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D4s_v5"
    os_sku  = "AzureContainerLinux"
  }
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster" "main" {
  name                = "main"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "main"
  node_os_upgrade_channel = "NodeImage"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D4s_v5"
    os_sku  = "AzureContainerLinux"
  }
}
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image",
        "https://learn.microsoft.com/azure/aks/azure-container-linux-overview",
    ],
    tags: &["cluster", "upgrade"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Cluster {
        cluster,
        all_pools,
        hosts,
        ..
    } = subject
    else {
        return;
    };
    let Some(ch) = &cluster.node_os_upgrade_channel else {
        return;
    };
    if !cluster.in_scope(*all_pools) {
        return;
    }
    // The channels each pool's host allows (profile fact `node_os_upgrade_channels`).
    if let Some(p) = super::cluster_profiles(hosts, cluster, *all_pools)
        .into_iter()
        .find(|p| !p.lists("node_os_upgrade_channels", &ch.text))
    {
        let allowed: Vec<String> = p
            .list("node_os_upgrade_channels")
            .map(|c| format!("`{c}`"))
            .collect();
        // `NodeImage` where the host allows it (the channel AKS recommends), else its first one.
        let to = p
            .list("node_os_upgrade_channels")
            .find(|c| *c == "NodeImage")
            .or_else(|| p.list("node_os_upgrade_channels").next());
        let hit = ch.hit(format!(
            "node OS upgrade channel `{}` is not supported on {}; use {}",
            ch.text,
            p.title(),
            allowed.join(" or ")
        ));
        out.push(match to {
            Some(to) => hit.edit(TO_NODE_IMAGE.replace(ch, to)),
            None => hit,
        });
    }
}
