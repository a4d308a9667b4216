use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};
use crate::host::FLATCAR_OS_SKU as FLATCAR;
use crate::model::scheduling::{SkuOp, sku_constraints};

/// The fix: `AzureContainerLinux`, Flatcar's successor (unsafe: the pool is recreated on another OS
/// image, and a pod selects other nodes).
pub(crate) const TO_ACL: Offer = Offer {
    safety: Safety::Unsafe,
    title: "change the OS SKU `Flatcar` to `AzureContainerLinux`",
};
pub(crate) static FIXES: &[Offer] = &[TO_ACL];

pub static FLATCAR_OS_SKU: Rule = Rule {
    name: "flatcar-os-sku",
    severity: Severity::Error,
    summary: "The retired `Flatcar` OS SKU",
    what: "Flags a node pool with OS SKU `Flatcar`, and a pod `nodeSelector` or node affinity that selects \
`kubernetes.azure.com/os-sku: Flatcar`.",
    why: "`Flatcar` was the preview SKU of Azure Container Linux. AKS stopped creating Flatcar pools in the \
2026-07-17 release and removes its node images on 2026-09-08 (HOST-FACTS: Node pools and clusters; AKS \
CHANGELOG). Pods pinned to it have no node to run on once the pools are migrated to `AzureContainerLinux`.",
    fix: "use OS SKU `AzureContainerLinux` (API 2026-03-01 or later, Azure CLI 2.86.0 or later), and select `kubernetes.azure.com/os-sku: AzureContainerLinux`",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector:
        kubernetes.azure.com/os-sku: Flatcar
      containers:
        - name: web
          image: nginx:1.27
"#,
    use_instead: r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector:
        kubernetes.azure.com/os-sku: AzureContainerLinux
      containers:
        - name: web
          image: nginx:1.27
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/azure-container-linux-overview",
        "https://github.com/Azure/AKS/blob/master/CHANGELOG.md",
    ],
    tags: &["workload", "node-pool", "scheduling"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    if let Subject::Cluster { cluster, .. } = subject {
        for pool in cluster.pools.iter().filter(|p| !p.is_windows()) {
            if let Some(v) = pool.os_sku.as_ref().filter(|v| v.is(FLATCAR)) {
                out.push(
                    v.hit(format!("node pool uses the retired OS SKU `{}`", v.text))
                        .edit(TO_ACL.replace(v, crate::host::ACL_OS_SKU)),
                );
            }
        }
        return;
    }
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    for pod in pods.iter() {
        for c in sku_constraints(pod) {
            if !matches!(c.op, SkuOp::In) {
                continue;
            }
            for (node, path, value) in &c.values {
                if value.eq_ignore_ascii_case(FLATCAR) {
                    let hit = Hit::at(
                        node,
                        path.clone(),
                        format!("pod selects the retired OS SKU `{value}`"),
                    );
                    out.push(
                        match TO_ACL.replace_node(node, path, crate::host::ACL_OS_SKU) {
                            Some(e) => hit.edit(e),
                            None => hit,
                        },
                    );
                }
            }
        }
    }
}
