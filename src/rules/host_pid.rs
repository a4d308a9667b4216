use super::{Hit, Lang, Rule, Severity, Subject, pod_true_field};

pub static HOST_PID: Rule = Rule {
    name: "host-pid",
    severity: Severity::Warning,
    summary: "`hostPID: true`: the pod shares the host's process namespace",
    what: "Flags a pod spec with `hostPID: true`.",
    why: "With `hostPID: true` the pod shares the host's process namespace: every process of the node, systemd and containerd included, is visible and can be signalled. On an immutable host such a container is usually there to enter the host (`nsenter -t 1`) and change it, which ACL's read-only `/usr` and enforcing SELinux policy largely refuse (HOST-FACTS: The host; SELinux).",
    fix: "drop `hostPID`; read node state through the kubelet API or read-only mounts of `/proc` and `/sys` instead of entering the host",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostPID: true
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
        "hostPID",
        "`hostPID: true` shares the host's process namespace",
        out,
    );
}
