use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::{ACCELERATOR_LABEL, AMD_GPU_RESOURCE};
use crate::model::scheduling::sku_constraints;
use crate::parse::node::{Node, pointer, pointer_idx};

pub static AMD_GPU_WORKLOAD: Rule = Rule {
    name: "amd-gpu-workload",
    severity: Severity::Error,
    summary: "A pod requests `amd.com/gpu` or selects AMD GPU nodes, which ACL does not have",
    what: "Flags a container whose `resources.limits` or `resources.requests` name `amd.com/gpu`, and a pod that \
selects `kubernetes.azure.com/accelerator: amd` (in `nodeSelector` or a required node affinity `In`). A pod that \
keeps off ACL nodes (a required `kubernetes.azure.com/os-sku` constraint that excludes `AzureContainerLinux`) is \
not reported. The workload-side twin of `non-nvidia-gpu-vm-size`.",
    why: "ACL supports NVIDIA GPUs on AMD64 only, as AKS-provided system extensions; there is no AMD GPU driver for \
ACL nodes and no AMD GPU size can run ACL (HOST-FACTS: VM sizes; The host). The pod stays Pending on an ACL \
cluster: no node advertises `amd.com/gpu`.",
    fix: "keep AMD GPU workloads on a node pool with another OS SKU (select it with `kubernetes.azure.com/os-sku`), or move the workload to NVIDIA GPUs (`nvidia.com/gpu`)",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: rocm-smoke
spec:
  containers:
    - name: rocm
      image: rocm/pytorch:latest
      resources:
        limits:
          amd.com/gpu: 1
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: cuda-smoke
spec:
  containers:
    - name: cuda
      image: nvcr.io/nvidia/pytorch:24.05-py3
      resources:
        limits:
          nvidia.com/gpu: 1
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/azure-container-linux-overview",
        "https://github.com/ROCm/k8s-device-plugin",
        "https://learn.microsoft.com/azure/aks/gpu-cluster",
    ],
    tags: &["workload", "gpu", "scheduling"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    for pod in pods.iter() {
        if sku_constraints(pod)
            .iter()
            .any(|c| c.required && c.term.is_none() && c.excludes_acl())
            || every_term_excludes_acl(pod)
        {
            continue;
        }
        if let Some(v) = pod
            .node
            .get("nodeSelector")
            .and_then(|s| s.get(ACCELERATOR_LABEL))
            .filter(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("amd")))
        {
            out.push(Hit::at(
                v,
                pointer(&pointer(&pod.path, "nodeSelector"), ACCELERATOR_LABEL),
                format!(
                    "`{ACCELERATOR_LABEL}: amd` selects AMD GPU nodes: ACL has no AMD GPU support"
                ),
            ));
        }
        affinity(pod, out);
        for c in &pod.containers {
            // Limits and requests of one container are one finding, at the first written.
            let first = ["limits", "requests"]
                .into_iter()
                .filter_map(|kind| {
                    let key = c
                        .node
                        .at(&["resources", kind])
                        .and_then(|r| r.get_key(AMD_GPU_RESOURCE))?;
                    Some((kind, key))
                })
                .min_by_key(|(_, key)| key.span.start);
            let Some((kind, key)) = first else { continue };
            out.push(
                Hit::at(
                    key,
                    pointer(
                        &pointer(&pointer(&c.path, "resources"), kind),
                        AMD_GPU_RESOURCE,
                    ),
                    format!(
                        "`{AMD_GPU_RESOURCE}` in `resources.{kind}`: no ACL node has an AMD GPU, so the pod stays Pending"
                    ),
                )
                .container(&c.name),
            );
        }
    }
}

/// Whether every required node-affinity term keeps the pod off ACL (terms are ORed).
fn every_term_excludes_acl(pod: &crate::model::workload::PodSpec<'_>) -> bool {
    let constraints = sku_constraints(pod);
    let terms = pod
        .node
        .at(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .map_or(0, <[Node]>::len);
    terms > 0
        && (0..terms).all(|i| {
            constraints
                .iter()
                .any(|c| c.term == Some(i) && c.excludes_acl())
        })
}

/// Required node affinity `kubernetes.azure.com/accelerator In [amd]`.
fn affinity(pod: &crate::model::workload::PodSpec<'_>, out: &mut Vec<Hit>) {
    let base = pointer(
        &pointer(
            &pointer(&pointer(&pod.path, "affinity"), "nodeAffinity"),
            "requiredDuringSchedulingIgnoredDuringExecution",
        ),
        "nodeSelectorTerms",
    );
    let terms = pod
        .node
        .at(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for (i, term) in terms.iter().enumerate() {
        let exprs = term
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (j, e) in exprs.iter().enumerate() {
            if e.str_at(&["key"]) != Some(ACCELERATOR_LABEL)
                || e.str_at(&["operator"]) != Some("In")
            {
                continue;
            }
            let vpath = pointer(
                &pointer_idx(&pointer(&pointer_idx(&base, i), "matchExpressions"), j),
                "values",
            );
            let values = e.get("values").and_then(Node::as_seq).unwrap_or_default();
            // Only when AMD is the sole choice: `In [nvidia, amd]` still schedules on NVIDIA pools.
            if values.is_empty()
                || !values
                    .iter()
                    .all(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("amd")))
            {
                continue;
            }
            out.push(Hit::at(
                &values[0],
                pointer_idx(&vpath, 0),
                format!(
                    "node affinity `{ACCELERATOR_LABEL} In [amd]` selects AMD GPU nodes: ACL has no AMD GPU support"
                ),
            ));
        }
    }
}
