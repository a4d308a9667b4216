use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};
use crate::model::nodepool::{Val, k8s_minor};

/// The fix: 1.34, the lowest version ACL supports (unsafe: it upgrades the control plane or the
/// pool, which is more than the finding). Written as major.minor, which AKS resolves to its latest
/// patch.
pub(crate) const TO_LOWEST_SUPPORTED: Offer = Offer {
    safety: Safety::Unsafe,
    title: "set the Kubernetes version to `1.34`, the lowest ACL supports",
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
        cluster, all_pools, ..
    } = subject
    else {
        return;
    };
    let old = |v: &Val| k8s_minor(&v.text).is_some_and(|(major, minor)| (major, minor) < (1, 34));
    if cluster.in_scope(*all_pools)
        && let Some(v) = cluster.kubernetes_version.as_ref().filter(|v| old(v))
    {
        out.push(
            v.hit(format!(
                "Kubernetes version `{}` is below 1.34, the first version ACL supports",
                v.text
            ))
            .edit(TO_LOWEST_SUPPORTED.replace(v, "1.34")),
        );
    }
    for pool in cluster.scoped_pools(*all_pools) {
        if let Some(v) = pool.orchestrator_version.as_ref().filter(|v| old(v)) {
            out.push(
                v.hit(format!(
                    "pool Kubernetes version `{}` is below 1.34, the first version ACL supports",
                    v.text
                ))
                .edit(TO_LOWEST_SUPPORTED.replace(v, "1.34")),
            );
        }
    }
}
