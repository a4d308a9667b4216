use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};

pub static HOST_ROOT_WRITE: Rule = Rule {
    name: "host-root-write",
    severity: Severity::Info,
    summary: "The host's root filesystem mounted writable",
    what: "Reports a hostPath volume of `/` mounted without `readOnly: true`, for review. Writes through it under \
the read-only trees are `read-only-host-path-write`'s findings, writes to containerd's config or the boot partition \
`containerd-config-write`'s and `kernel-cmdline-change`'s.",
    why: "A writable host root lets a container change the node anywhere. Most uses work on Azure Container Linux: \
`chroot` into the root to read or run host tools, writes under `/etc`, `/var` or `/sys`. What does not is reported \
by the specific rules: `/usr` is read-only under dm-verity, and what is written to `/etc` or `/var` lasts only \
until the weekly node-image upgrade replaces the node (HOST-FACTS: The host; ACL customizing.md).",
    fix: "add `readOnly: true` if the container only reads the host; otherwise mount only the host directories it writes",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: node-shell
spec:
  containers:
    - name: shell
      image: busybox:1.36
      volumeMounts:
        - name: host
          mountPath: /host
  volumes:
    - name: host
      hostPath:
        path: /
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: node-shell
spec:
  containers:
    - name: shell
      image: busybox:1.36
      volumeMounts:
        - name: host
          mountPath: /host
          readOnly: true
  volumes:
    - name: host
      hostPath:
        path: /
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/customizing.md",
    ],
    tags: &["workload", "filesystem"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    for (_, c, m, hp, v) in host_mounts(pods) {
        if !m.read_only && hp == "/" {
            out.push(host_path_hit(
                v,
                m,
                c,
                "hostPath `/` (the host's root) is mounted writable".into(),
            ));
        }
    }
}
