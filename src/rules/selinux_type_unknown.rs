use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::workload::PodSpec;
use crate::parse::node::{Node, pointer};

pub static SELINUX_TYPE_UNKNOWN: Rule = Rule {
    name: "selinux-type-unknown",
    severity: Severity::Error,
    summary: "`seLinuxOptions.type` that ACL's policy does not offer to workloads",
    what: "Flags `seLinuxOptions.type` (pod or container) other than `container_t`, `container_logreader_t`, \
`container_kvm_t`, `spc_t` and `spc_user_t`, such as `container_init_t` or `nvidia_container_t`.",
    why: "ACL's SELinux policy is refpolicy with Azure Linux patches, not Fedora's container-selinux: \
`container_init_t` is not defined, `container_engine_t` is reserved for the engine, and vendor types are not \
loaded. The runtime cannot switch to an unknown type and the container fails to start (HOST-FACTS: SELinux). Types \
added by a site policy can be allowed by turning the rule off for that workload.",
    fix: "use a type ACL offers: `container_t` (the default, omit `type`), `container_logreader_t` for log readers, `container_kvm_t`, or `spc_t` for privileged agents",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: gpu
spec:
  securityContext:
    seLinuxOptions: {type: nvidia_container_t}
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: gpu
spec:
  securityContext:
    seLinuxOptions: {type: container_t}
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
    ],
    tags: &["workload", "selinux"],
    check,
};

/// Every `seLinuxOptions` of a pod: (node, its JSON pointer, container name when container-level).
pub(crate) fn selinux_options<'p, 'a>(
    pod: &'p PodSpec<'a>,
) -> Vec<(&'a Node, String, Option<&'p str>)> {
    let mut out = Vec::new();
    if let Some(o) = pod.node.at(&["securityContext", "seLinuxOptions"]) {
        out.push((
            o,
            pointer(&pointer(&pod.path, "securityContext"), "seLinuxOptions"),
            None,
        ));
    }
    for c in &pod.containers {
        if let Some(o) = c.node.at(&["securityContext", "seLinuxOptions"]) {
            out.push((
                o,
                pointer(&pointer(&c.path, "securityContext"), "seLinuxOptions"),
                Some(c.name.as_str()),
            ));
        }
    }
    out
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, site, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // No SELinux on the host: the options mean nothing (profile fact `selinux_mode`).
    if profile.text("selinux_mode") == "disabled" {
        return;
    }
    let host = profile.title();
    for pod in pods.iter() {
        for (o, path, container) in selinux_options(pod) {
            let Some(t) = o.get("type") else { continue };
            let Some(name) = t.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            if profile.lists("selinux_workload_types", name) || site.selinux_type(name) {
                continue;
            }
            // A runtime that labels pods fails to set an undefined type, even in permissive mode;
            // one that labels none ignores it (profile fact `selinux_labelling`).
            let hit = if profile.flag("selinux_labelling") {
                Hit::at(
                    t,
                    pointer(&path, "type"),
                    format!(
                        "SELinux type `{name}` is not a workload type in {host}'s policy: the container cannot start"
                    ),
                )
            } else {
                Hit::at(
                    t,
                    pointer(&path, "type"),
                    format!(
                        "SELinux type `{name}` is not a workload type in {host}'s policy: the runtime labels no pod there, so it is ignored today, and the container cannot start once labelling is on"
                    ),
                )
                .at_most(Severity::Warning)
            };
            out.push(match container {
                Some(c) => hit.container(c),
                None => hit,
            });
        }
    }
}
