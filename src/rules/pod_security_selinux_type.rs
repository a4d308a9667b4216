use super::{Hit, Lang, Rule, Severity, Subject};

pub static POD_SECURITY_SELINUX_TYPE: Rule = Rule {
    name: "pod-security-selinux-type",
    severity: Severity::Warning,
    summary: "An SELinux type that Pod Security admission rejects in a baseline or restricted namespace",
    what: "Flags a pod whose `seLinuxOptions.type` is `container_logreader_t`, `spc_t` or `spc_user_t` in a namespace \
labelled `pod-security.kubernetes.io/enforce: baseline` or `restricted`, when that Namespace is among the inputs of \
the run (same file or another one).",
    why: "ACL asks log readers to run as `container_logreader_t` and privileged agents run as `spc_t`, but Pod Security \
admission's baseline level allows only `container_t`, `container_init_t`, `container_kvm_t` and (1.31+) \
`container_engine_t`: the pod is rejected at admission (kubernetes/kubernetes#126165; HOST-FACTS: SELinux).",
    fix: "run the pod in a namespace with `pod-security.kubernetes.io/enforce: privileged` (a dedicated namespace for node agents), or drop the SELinux type",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Namespace
metadata:
  name: logging
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: Pod
metadata:
  name: shipper
  namespace: logging
spec:
  securityContext:
    seLinuxOptions: {type: container_logreader_t}
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Namespace
metadata:
  name: logging
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: Pod
metadata:
  name: shipper
  namespace: logging
spec:
  securityContext:
    seLinuxOptions: {type: container_logreader_t}
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &[
        "https://github.com/kubernetes/kubernetes/pull/126165",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    ],
    tags: &["workload", "selinux", "admission"],
    check,
};

/// Needs the Namespace, which may be in another file: reported by `correlate::resolve`.
fn check(_subject: &Subject<'_>, _out: &mut Vec<Hit>) {}

/// The pod SELinux types that baseline admission rejects, as hits (checked against the
/// namespace's label once every input is read).
pub(crate) fn candidates(pods: &[crate::model::workload::PodSpec<'_>]) -> Vec<Hit> {
    let mut out = Vec::new();
    for pod in pods {
        for (o, path, container) in super::selinux_type_unknown::selinux_options(pod) {
            let Some(t) = o.get("type") else { continue };
            let Some(name) = t
                .as_str()
                .filter(|n| crate::host::PSA_REJECTED_SELINUX_TYPES.contains(n))
            else {
                continue;
            };
            let hit = Hit::at(
                t,
                crate::parse::node::pointer(&path, "type"),
                format!("SELinux type `{name}`"),
            );
            out.push(match container {
                Some(c) => hit.container(c),
                None => hit,
            });
        }
    }
    out
}
