use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::{ContainerScript, Invocation};
use crate::model::workload::is_under;

pub static HOST_SELINUX_CHANGE: Rule = Rule {
    name: "host-selinux-change",
    severity: Severity::Warning,
    summary: "A script changes the node's SELinux policy, mode or booleans",
    what: "Flags `setenforce`, `semodule`, `semanage`, `setsebool` and writes under `/etc/selinux` run in host context \
(under `nsenter` into PID 1, or `chroot` into the hostPath-mounted host root).",
    why: "ACL enforces its own SELinux policy (refpolicy with Azure Linux patches, not Fedora's container-selinux) and \
is enforcing by default; local policy modules written for another distribution do not apply, `setenforce 0` \
defeats the node's protection, and changes under the `/etc` overlay are lost when the node is reimaged on the weekly \
node-image upgrade (HOST-FACTS: SELinux; The host).",
    fix: "do not change the node's SELinux policy from a workload: use an SELinux type ACL offers (`container_logreader_t`, `spc_t`) in `seLinuxOptions`, or raise the policy need with the ACL team",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: selinux-tweak
spec:
  hostPID: true
  containers:
    - name: tweak
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, --, setsebool, -P, container_manage_cgroup, "1"]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: selinux-check
spec:
  hostPID: true
  containers:
    - name: check
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, --, getenforce]
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
    ],
    tags: &["workload", "script", "selinux"],
    check,
};

/// Whether a host-context invocation changes SELinux on the node.
pub(crate) fn changes(inv: &Invocation) -> bool {
    // Writes are host paths already (host context, or through the mounted host root).
    let tool = inv.host.is_some()
        && matches!(
            inv.program.as_str(),
            "setenforce" | "semodule" | "setsebool" | "semanage" | "load_policy"
        );
    tool || inv.writes.iter().any(|(_, p)| is_under(p, "/etc/selinux"))
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { scripts, .. } = subject else {
        return;
    };
    for cs in scripts.iter() {
        for inv in cs.invocations.iter().filter(|i| changes(i)) {
            let how = through(cs, inv);
            match inv.writes.iter().find(|(_, p)| is_under(p, "/etc/selinux")) {
                Some((at, p))
                    if !matches!(
                        inv.program.as_str(),
                        "setenforce" | "semodule" | "setsebool" | "semanage" | "load_policy"
                    ) =>
                {
                    ContainerScript::push(
                        out,
                        cs.hit(
                            at,
                            format!("`{}` writes `{p}` on the host {how}", inv.program),
                        ),
                    );
                }
                _ => ContainerScript::push(
                    out,
                    cs.hit(
                        &inv.at,
                        format!(
                            "`{}` changes the host's SELinux configuration {how}",
                            inv.program
                        ),
                    ),
                ),
            }
        }
    }
}

/// ` (through `nsenter`)`, or how a write reaches the host without entering it.
fn through(cs: &crate::model::script::ContainerScript, inv: &Invocation) -> String {
    match inv.host {
        Some(h) => format!("(through `{}`)", cs.entries[h].word),
        None => "(through the mounted host root)".to_string(),
    }
}
