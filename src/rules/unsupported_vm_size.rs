use super::{Hit, Lang, Rule, Severity, Subject, sized_pools};
use crate::host::vm_sizes::Verdict;

pub static UNSUPPORTED_VM_SIZE: Rule = Rule {
    name: "unsupported-vm-size",
    severity: Severity::Error,
    summary: r#"A VM size of a family the pool's host does not support at all"#,
    what: r#"Flags a node pool whose VM size the pool's host profile rules out as a family (its `vm_sizes` rows with verdict `unsupported-vm-size`): on Azure Linux with OS Guard, every Arm64 size and every NVIDIA or AMD GPU size."#,
    why: r#"OS Guard supports no Arm64 sizes (Cobalt 100 included) and no GPUs; AgentBaker's GPU driver setup stops with "not supported at this time" on OS Guard (HOST-FACTS-profiles: OS Guard, VM sizes; AZLD os-guard-limitations, AKSD use-nvidia-gpu and use-amd-gpus). The pool fails to create. On ACL these sizes are judged by the other VM-size rules."#,
    fix: r#"choose an x64, Gen2, Trusted Launch size without a GPU (e.g. `Standard_D4s_v5`), or put Arm64 and GPU workloads on an `AzureContainerLinux` pool"#,
    lang: Lang::Json,
    example: r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters/agentPools",
      "apiVersion": "2025-05-01",
      "name": "aks/guard",
      "properties": {"osSKU": "AzureLinuxOSGuard", "vmSize": "Standard_D4ps_v6", "enableFIPS": true}
    }
  ]
}
"#,
    use_instead: r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters/agentPools",
      "apiVersion": "2025-05-01",
      "name": "aks/guard",
      "properties": {"osSKU": "AzureLinuxOSGuard", "vmSize": "Standard_D4s_v5", "enableFIPS": true}
    }
  ]
}
"#,
    references: &[
        "https://learn.microsoft.com/azure/azure-linux/os-guard-overview",
        "https://learn.microsoft.com/azure/aks/use-nvidia-gpu",
    ],
    tags: &["node-pool", "vm-size"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    for (size, class, host) in sized_pools(subject, &[Verdict::Unsupported]) {
        out.push(size.hit(format!(
            "VM size `{}` is {}, which {host} does not support",
            size.text, class.series
        )));
    }
}
