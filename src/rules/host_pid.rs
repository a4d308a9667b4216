use super::{Hit, Lang, Rule, Severity, Subject, pod_true_field};

pub static HOST_PID: Rule = Rule {
    name: "host-pid",
    severity: Severity::Info,
    summary: "`hostPID: true`: the pod shares the host's process namespace",
    what: "Reports a pod spec with `hostPID: true`, for review. It works on Azure Container Linux: observers \
(node-exporter, eBPF agents, CSI and CNI daemons) need it and run unchanged. What such a pod does on the host is \
judged by the specific rules (`host-package-install`, `kernel-module-build`, `read-only-host-path-write`, ...).",
    why: "With `hostPID: true` the pod shares the host's process namespace: every process of the node, systemd and \
containerd included, is visible and can be signalled, and `nsenter -t 1` can enter the host. Sharing the namespace \
breaks nothing on ACL by itself; it is host access worth a look in a migration review (HOST-FACTS: The host; SELinux).",
    fix: "keep it if the pod observes host processes; drop `hostPID` if nothing in the pod needs to see them",
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
    pod_true_field(pods, "hostPID", "shares the host's process namespace", out);
}
