use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};
use crate::model::nodepool::{Val, k8s_minor};

/// The fix: 1.34, the lowest version ACL supports (unsafe: it upgrades the control plane or the
/// pool, which is more than the finding). Written as major.minor, which AKS resolves to its latest
/// patch.
pub(crate) const TO_LOWEST_SUPPORTED: Offer = Offer {
    safety: Safety::Unsafe,
    title: "set the Kubernetes version to the lowest the host supports (`1.34` on ACL)",
};
pub(crate) static FIXES: &[Offer] = &[TO_LOWEST_SUPPORTED];

pub static KUBERNETES_VERSION_UNSUPPORTED: Rule = Rule {
    name: "kubernetes-version-unsupported",
    severity: Severity::Error,
    summary: r#"Kubernetes below 1.34"#,
    what: r#"Flags a cluster `kubernetesVersion` or a pool `orchestratorVersion` below 1.34 (any surface: `kubernetes_version`, `orchestrator_version`, `--kubernetes-version`, CAPZ `version`)."#,
    why: r#"ACL pools need Kubernetes 1.34 or later (HOST-FACTS: Node pools and clusters; AKSD azure-container-linux-overview): creating or migrating a pool on an older control plane or pool version fails."#,
    fix: r#"upgrade the cluster and its pools to Kubernetes 1.34 or later before moving pools to ACL"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster" "main" {
  name                = "main"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "main"
  kubernetes_version  = "1.33"

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
  kubernetes_version  = "1.34"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D4s_v5"
    os_sku  = "AzureContainerLinux"
  }
}
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["cluster", "node-pool", "version"],
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
    // Below the host's first supported version (profile fact `min_kubernetes`).
    let below = |v: &Val, min: (u32, u32)| {
        k8s_minor(&v.text).is_some_and(|(major, minor)| (major, minor) < min)
    };
    if cluster.in_scope(*all_pools)
        && let Some(v) = cluster.kubernetes_version.as_ref()
        && let Some((p, (major, minor))) = super::cluster_profiles(hosts, cluster, *all_pools)
            .into_iter()
            .filter_map(|p| Some((p, p.min_kubernetes()?)))
            .filter(|(_, min)| below(v, *min))
            .max_by_key(|(_, min)| *min)
    {
        out.push(
            v.hit(format!(
                "Kubernetes version `{}` is below {major}.{minor}, the first version {} supports",
                v.text,
                p.title()
            ))
            .edit(TO_LOWEST_SUPPORTED.replace(v, &format!("{major}.{minor}"))),
        );
    }
    for pool in cluster.scoped_pools(*all_pools) {
        let p = hosts.for_pool(pool);
        let Some((major, minor)) = p.min_kubernetes() else {
            continue;
        };
        if let Some(v) = pool
            .orchestrator_version
            .as_ref()
            .filter(|v| below(v, (major, minor)))
        {
            out.push(
                v.hit(format!(
                    "pool Kubernetes version `{}` is below {major}.{minor}, the first version {} supports",
                    v.text,
                    p.title()
                ))
                .edit(TO_LOWEST_SUPPORTED.replace(v, &format!("{major}.{minor}"))),
            );
        }
    }
}
