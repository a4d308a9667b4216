use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::model::workload::is_under;

pub static KERNEL_HEADERS_MOUNT: Rule = Rule {
    name: "kernel-headers-mount",
    severity: Severity::Info,
    summary: "A hostPath to kernel headers, which ACL does not ship",
    what: "Flags a hostPath volume of `/usr/src` (or below) or of a kernel's `build` directory under \
`/lib/modules` or `/usr/lib/modules`.",
    why: "Azure Container Linux ships no kernel headers (HOST-FACTS: The host). A container that mounts them to \
build a kernel module or an eBPF probe finds the directory empty or missing, and a module it built would not load \
under Secure Boot anyway.",
    fix: "use a CO-RE eBPF probe (BTF is in the kernel) or a driver shipped for the node image, instead of headers from the host",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: probe
spec:
  containers:
    - name: probe
      image: example.com/probe:1.0
      volumeMounts:
        - name: src
          mountPath: /host/usr/src
          readOnly: true
  volumes:
    - name: src
      hostPath:
        path: /usr/src
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: probe
spec:
  containers:
    - name: probe
      image: example.com/probe:1.0
      volumeMounts:
        - name: btf
          mountPath: /sys/kernel/btf
          readOnly: true
  volumes:
    - name: btf
      hostPath:
        path: /sys/kernel/btf
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/customizing.md",
    ],
    tags: &["workload", "kernel"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    for (_, c, m, hp, v) in host_mounts(pods) {
        if is_under(&hp, "/usr/src") || is_module_build_dir(&hp) {
            out.push(host_path_hit(
                v,
                m,
                c,
                format!("hostPath `{hp}` holds kernel headers, which the node does not ship"),
            ));
        }
    }
}

/// `/lib/modules/<release>/build` (or the `/usr/lib` spelling) and below.
fn is_module_build_dir(path: &str) -> bool {
    let rest = path.strip_prefix("/usr").unwrap_or(path);
    let Some(rest) = rest.strip_prefix("/lib/modules/") else {
        return false;
    };
    let mut parts = rest.split('/');
    parts.next();
    parts.next() == Some("build")
}
