use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::ContainerScript;

pub static KERNEL_MODULE_LOAD: Rule = Rule {
    name: "kernel-module-load",
    severity: Severity::Info,
    summary: "`modprobe NAME`: works only for modules shipped, signed, with the node kernel",
    what: "Flags `modprobe NAME` in a container's scripts (in host context or in a privileged container: the kernel \
is the node's either way).",
    why: "ACL loads only modules that ship with its kernel under `/usr/lib/modules` and are signed for Secure Boot; an \
in-tree module loads, anything else does not, and the SCTP module is blacklisted (HOST-FACTS: The host). Listed so \
that the module names can be checked against the node kernel.",
    fix: "check that the module ships with the ACL kernel (`modinfo NAME` on a node); prefer declaring it in the node configuration over loading it from a pod",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: nvme-tcp
spec:
  containers:
    - name: load
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [modprobe, nvme_tcp]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: nvme-tcp
spec:
  containers:
    - name: check
      image: alpine:3.19
      command: [sh, -c, "lsmod | grep nvme_tcp"]
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/customizing.md",
    ],
    tags: &["workload", "kernel", "script"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { scripts, .. } = subject else {
        return;
    };
    for cs in scripts.iter() {
        // `modprobe sctp` in host context is `sctp-protocol`'s (a warning, not a question).
        for inv in cs
            .invocations
            .iter()
            .filter(|i| i.program == "modprobe" && !super::sctp_protocol::loads_sctp(i))
        {
            if inv.words().any(|w| {
                matches!(
                    w,
                    "-r" | "--remove"
                        | "-n"
                        | "--dry-run"
                        | "-c"
                        | "--showconfig"
                        | "--show-depends"
                        | "-D"
                )
            }) {
                continue;
            }
            let Some(module) = inv.words().find(|w| !w.starts_with('-')) else {
                continue;
            };
            ContainerScript::push(
                out,
                cs.hit(
                    &inv.at,
                    format!("`modprobe {module}` loads a kernel module"),
                ),
            );
        }
    }
}
