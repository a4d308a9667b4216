use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::SANDBOX_RUNTIME_CLASSES;
use crate::parse::node::pointer;

pub static POD_SANDBOXING_RUNTIME_CLASS: Rule = Rule {
    name: "pod-sandboxing-runtime-class",
    severity: Severity::Error,
    summary: "A Pod Sandboxing (Kata) runtime class, which ACL does not support",
    what: "Flags `runtimeClassName` `kata-vm-isolation`, `kata-mshv-vm-isolation` or `kata-cc-isolation`.",
    why: "AKS Pod Sandboxing is not supported on Azure Container Linux pools (HOST-FACTS: Node pools and clusters; \
AKSD azure-container-linux-limitations): the runtime class has no handler on ACL nodes and the pod never starts there.",
    fix: "schedule sandboxed pods onto an Azure Linux pool with `workloadRuntime: KataVmIsolation`, or drop `runtimeClassName`",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: sandboxed
spec:
  runtimeClassName: kata-vm-isolation
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: sandboxed
spec:
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &["https://learn.microsoft.com/azure/aks/use-pod-sandboxing"],
    tags: &["workload", "runtime"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    // A host that runs Pod Sandboxing (profile fact `pod_sandboxing`).
    if subject.profile().flag("pod_sandboxing") {
        return;
    }
    for pod in pods.iter() {
        let Some(v) = pod.node.get("runtimeClassName") else {
            continue;
        };
        if let Some(class) = v.as_str().filter(|c| SANDBOX_RUNTIME_CLASSES.contains(c)) {
            out.push(Hit::at(
                v,
                pointer(&pod.path, "runtimeClassName"),
                format!(
                    "runtime class `{class}` (Pod Sandboxing) is not supported on {}",
                    subject.profile().title()
                ),
            ));
        }
    }
}
