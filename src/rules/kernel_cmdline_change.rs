use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::host::{KERNEL_CMDLINE_FILES, KERNEL_CMDLINE_TOOLS};
use crate::model::script::{ContainerScript, Invocation};
use crate::model::workload::is_under;

pub static KERNEL_CMDLINE_CHANGE: Rule = Rule {
    name: "kernel-cmdline-change",
    severity: Severity::Error,
    summary: "A workload changes the kernel command line or the boot loader",
    what: "Flags `grubby`, `update-grub`, `grub-mkconfig`/`grub2-mkconfig`, `kernelstub` and `bootctl` run in host \
context, host-context writes to `/etc/default/grub` or `/etc/kernel/cmdline`, and writable hostPaths at or under `/boot`.",
    why: "On Azure Container Linux `/boot` is the EFI partition with the signed boot artifacts and the kernel command \
line is part of the signed image: \"Dynamic kargs writing is not supported\" (HOST-FACTS: The host; ACL \
customizing.md). Huge pages, `isolcpus=` and cgroup switches set this way never take effect.",
    fix: "remove the boot-loader change: set transparent huge pages and sysctls through AKS custom node configuration (`linuxOSConfig`: `transparentHugePageEnabled`, `transparentHugePageDefrag`, `sysctls`) and CPU pinning through `kubeletConfig` (`cpuManagerPolicy: static`, `topologyManagerPolicy`); boot-time kernel arguments such as `hugepages=` or `isolcpus=` have no equivalent on ACL",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: hugepages
spec:
  containers:
    - name: set
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, --, grubby, --update-kernel=ALL, --args=hugepages=1024]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: hugepages
spec:
  containers:
    - name: show
      image: alpine:3.19
      command: [sh, -c, "echo grubby --args=hugepages=1024; cat /proc/cmdline"]
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/customizing.md",
        "https://learn.microsoft.com/azure/aks/custom-node-configuration",
    ],
    tags: &["workload", "boot", "script"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let start = out.len();
    check_strict(subject, out);
    let profile = subject.profile();
    // A host whose command line is editable (profile fact `kernel_cmdline`): check the tool and
    // file are that host's.
    if profile.text("kernel_cmdline") == "editable" {
        for hit in &mut out[start..] {
            hit.severity = Some(Severity::Info);
            hit.notes.push(super::Note {
                line: None,
                message: format!("{}'s kernel command line is editable (profile fact `kernel_cmdline`): check that this tool and file are the ones it boots with", profile.title()),
            });
        }
    }
}

/// Whether a host-context invocation changes the kernel command line.
pub(crate) fn changes(inv: &Invocation) -> bool {
    // Writes are host paths already (host context, or through the mounted host root).
    let tool = inv.host.is_some()
        && KERNEL_CMDLINE_TOOLS.contains(&inv.program.as_str())
        && !(inv.program == "bootctl"
            && matches!(
                inv.subcommand(),
                Some("status" | "list" | "is-installed") | None
            ));
    tool || inv
        .writes
        .iter()
        .any(|(_, p)| KERNEL_CMDLINE_FILES.iter().any(|f| is_under(p, f)))
}

fn check_strict(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, scripts, .. } = subject else {
        return;
    };
    for (_, c, m, hp, v) in host_mounts(pods) {
        if !m.read_only && is_under(&hp, "/boot") {
            out.push(host_path_hit(
                v,
                m,
                c,
                format!(
                    "hostPath `{hp}` is writable: ACL's boot partition holds its signed boot image"
                ),
            ));
        }
    }
    for cs in scripts.iter() {
        for inv in cs.invocations.iter().filter(|i| changes(i)) {
            let how = through(cs, inv);
            let msg = match inv
                .writes
                .iter()
                .find(|(_, p)| KERNEL_CMDLINE_FILES.iter().any(|f| is_under(p, f)))
            {
                Some((_, p)) if !KERNEL_CMDLINE_TOOLS.contains(&inv.program.as_str()) => {
                    format!(
                        "`{}` writes `{p}` on the host {how}: the kernel command line is part of ACL's signed image",
                        inv.program
                    )
                }
                _ => format!(
                    "`{}` changes the host's boot configuration {how}: the kernel command line is part of ACL's signed image",
                    inv.program
                ),
            };
            ContainerScript::push(out, cs.hit(&inv.at, msg));
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
