use super::{Hit, Lang, Rule, Severity, Subject, pod_true_field};

pub static HOST_IPC: Rule = Rule {
    name: "host-ipc",
    severity: Severity::Info,
    summary: "`hostIPC: true`: the pod shares the host's IPC namespace",
    what: "Flags a pod spec with `hostIPC: true`.",
    why: "With `hostIPC: true` the pod shares the host's IPC namespace: the container can read and write the node's System V shared memory and message queues. Nothing on an ACL node needs that from a workload, and SELinux confines what a `container_t` process may do with it (HOST-FACTS: SELinux).",
    fix: "drop `hostIPC`; share memory between containers of one pod through an `emptyDir` with `medium: Memory`",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostIPC: true
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
    pod_true_field(pods, "hostIPC", "shares the host's IPC namespace", out);
}
