use super::{Hit, Lang, Rule, Severity, Subject, pod_true_field};

pub static HOST_NETWORK: Rule = Rule {
    name: "host-network",
    severity: Severity::Info,
    summary: "`hostNetwork: true`: the pod uses the host's network namespace",
    what: "Flags a pod spec with `hostNetwork: true`.",
    why: "With `hostNetwork: true` the pod uses the host's network namespace. Host networking works on ACL, but it bypasses network policy and binds node ports; it is listed so that a migration review sees which pods depend on the node's network setup (HOST-FACTS: The host).",
    fix: "drop `hostNetwork` unless the pod is a CNI, proxy or node agent that needs it",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostNetwork: true
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/"],
    tags: &["workload", "namespaces"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    pod_true_field(
        pods,
        "hostNetwork",
        "uses the host's network namespace",
        out,
    );
}
