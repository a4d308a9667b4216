use super::{Hit, Lang, Rule, Severity, Subject};

pub static POD_SANDBOXING_NODE_POOL: Rule = Rule {
    name: "pod-sandboxing-node-pool",
    severity: Severity::Error,
    summary: r#"Pod Sandboxing (Kata) workload runtime on an ACL pool"#,
    what: r#"Flags an ACL pool whose workload runtime is `KataVmIsolation`, `KataMshvVmIsolation` or `KataCcIsolation`."#,
    why: r#"Pod Sandboxing is not supported on ACL (HOST-FACTS: Node pools and clusters; AKSD use-pod-sandboxing)."#,
    fix: r#"keep sandboxed workloads on an Azure Linux pool with Pod Sandboxing; use the default `OCIContainer` runtime on ACL pools"#,
    lang: Lang::Terraform,
    example: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D4s_v5"
  workload_runtime      = "KataVmIsolation"
}
"#,
    use_instead: r#"resource "azurerm_kubernetes_cluster_node_pool" "acl" {
  name                  = "acl"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  os_sku                = "AzureContainerLinux"
  vm_size               = "Standard_D4s_v5"
}
"#,
    references: &["https://learn.microsoft.com/azure/aks/use-pod-sandboxing"],
    tags: &["node-pool", "sandboxing"],
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
    for pool in cluster.scoped_pools(*all_pools) {
        if !hosts.for_pool(pool).flag("pod_sandboxing")
            && let Some(v) = pool.workload_runtime.as_ref().filter(|v| {
                ["KataVmIsolation", "KataMshvVmIsolation", "KataCcIsolation"]
                    .iter()
                    .any(|k| v.is(k))
            })
        {
            out.push(v.hit(format!(
                "workload runtime `{}` (Pod Sandboxing) is not supported on {}",
                v.text,
                hosts.for_pool(pool).title()
            )));
        }
    }
}
