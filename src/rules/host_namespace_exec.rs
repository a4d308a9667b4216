use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::{ContainerScript, Entry, EntryKind, Invocation};

pub static HOST_NAMESPACE_EXEC: Rule = Rule {
    name: "host-namespace-exec",
    severity: Severity::Warning,
    summary: "A container runs commands on the host (nsenter into PID 1, chroot into the host root)",
    what: "Flags each `nsenter` into PID 1's mount namespace and each `chroot` into a hostPath-mounted host root, once, \
at that word. Silent when a more specific rule (`host-package-install`, `host-selinux-change`, `kernel-module-build`, \
`read-only-host-path-write`, ...) already reports a command under the same entry.",
    why: "Commands run this way meet ACL itself: a read-only `/usr`, no package manager, an `/etc` overlay that a \
reimage resets, SELinux enforcing (HOST-FACTS: The host). Scripts written for Ubuntu or RHEL nodes often assume \
tools and paths that are not there; review what the script does on an ACL node.",
    fix: "review the host script against ACL: prefer a DaemonSet that only reads host state, AKS node configuration, or a sysext over changing the node from a pod",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: host-shell
spec:
  hostPID: true
  containers:
    - name: shell
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, -u, -i, -n, --, sh, -c, "systemctl restart iscsid"]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: net-debug
spec:
  hostPID: true
  containers:
    - name: shell
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -n, --, ip, addr]
"#,
    references: &["https://man7.org/linux/man-pages/man1/nsenter.1.html"],
    tags: &["workload", "script", "host"],
    check,
};

/// Whether a more specific rule reports this invocation.
fn reported_elsewhere(cs: &ContainerScript, inv: &Invocation) -> bool {
    super::host_package_install::install(inv).is_some()
        || super::host_package_install::refresh(inv)
        || super::host_selinux_change::changes(inv)
        || super::kernel_cmdline_change::changes(inv)
        || super::containerd_config_write::changes(inv)
        || super::sctp_protocol::loads_sctp(inv)
        || super::kernel_module_build::builds(inv)
        || super::read_only_host_path_write::script_writes(inv)
            .next()
            .is_some()
        || cs.entries.is_empty()
}

/// The finding at an entry.
pub(crate) fn entry_hit(cs: &ContainerScript, e: &Entry) -> Hit {
    let what = match e.kind {
        EntryKind::Nsenter => "enters the host's mount namespace (PID 1)",
        _ => "changes root into the host's filesystem",
    };
    cs.hit(
        &e.at,
        format!("`{}` {what}: its commands run on the node", e.word),
    )
}

/// Rules whose finding inside a script makes `host-namespace-exec` redundant.
pub(crate) const SPECIFIC_RULES: &[&str] = &[
    "host-package-install",
    "host-selinux-change",
    "kernel-module-build",
    "kernel-cmdline-change",
    "containerd-config-write",
    "read-only-host-path-write",
    "sctp-protocol",
];

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { scripts, .. } = subject else {
        return;
    };
    for cs in scripts.iter() {
        // Once per container: at the first entry whose commands no other rule reports.
        let open: Vec<_> = cs
            .entries
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                !e.inherited
                    && e.kind != EntryKind::RootFlag
                    && !cs.under(*i).any(|inv| reported_elsewhere(cs, inv))
                    // A script file run on the host is judged with that script (`correlate`).
                    && !cs.runs.iter().any(|r| r.entry == Some(*i))
            })
            .map(|(_, e)| e)
            .collect();
        let Some(e) = open.first() else { continue };
        let mut hit = entry_hit(cs, e);
        let mut lines: Vec<u32> = open[1..].iter().map(|e| e.at.span.start.line).collect();
        lines.dedup();
        if !lines.is_empty() {
            let list: Vec<String> = lines.iter().map(u32::to_string).collect();
            hit = hit.note(
                None,
                format!(
                    "the container also enters the host on line {}",
                    list.join(", ")
                ),
            );
        }
        out.push(hit);
    }
}
