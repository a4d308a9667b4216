use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::Profile;
use crate::model::script::{ContainerScript, Entry, EntryKind, Invocation};
use crate::parse::node::{Node, pointer};

pub static HOST_NAMESPACE_EXEC: Rule = Rule {
    name: "host-namespace-exec",
    severity: Severity::Info,
    summary: "A container runs commands on the host (nsenter into PID 1, chroot into the host root)",
    what: "Reports each container that runs commands in host context (`nsenter` into PID 1's mount namespace, \
`chroot` into a hostPath-mounted host root) once, at that word, with a one-line summary of the host commands, for \
review. Silent when a more specific rule (`host-package-install`, `host-selinux-change`, `kernel-module-build`, \
`read-only-host-path-write`, ...) already reports a command under the same entry: that rule says what ACL refuses. \
Also reports, at its image, a privileged `hostPID` container that runs a known installer image (the container \
toolkit, CNI installers; host data) on its own entrypoint, with no `command`: the host work is inside the image. \
Driver images are `kernel-module-build`'s, with or without a command.",
    why: "Commands run this way meet ACL itself: a read-only `/usr`, no package manager, an `/etc` overlay that a \
reimage resets, SELinux enforcing (HOST-FACTS: The host). Much of what node scripts do works there \
(`systemctl restart kubelet`, edits under `/etc`, `sysctl`, reads of host state); what does not is reported by the \
specific rules. This finding lists the host commands so that a migration review can check them.",
    fix: "review the host commands against ACL; prefer AKS node configuration or a sysext over changing the node from a pod",
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
fn reported_elsewhere(cs: &ContainerScript, inv: &Invocation, profile: &Profile) -> bool {
    (profile.text("package_manager") != "works"
        && (super::host_package_install::install(inv).is_some()
            || super::host_package_install::refresh(inv)))
        || super::host_selinux_change::changes(inv)
        || super::kernel_cmdline_change::changes(inv)
        || super::containerd_config_write::changes(inv)
        || (profile.module_blocked("sctp") && super::sctp_protocol::loads_sctp(inv))
        || super::kernel_module_build::builds(inv)
        || super::read_only_host_path_write::script_writes(inv, profile)
            .next()
            .is_some()
        || cs.entries.is_empty()
}

/// The finding at an entry, with a one-line summary of what runs on the host through it.
pub(crate) fn entry_hit(cs: &ContainerScript, e: &Entry) -> Hit {
    let what = match e.kind {
        EntryKind::Nsenter => "enters the host's mount namespace (PID 1)",
        _ => "changes root into the host's filesystem",
    };
    let summary = match host_commands(cs, e) {
        Some(list) => format!(": it runs {list} on the node"),
        None => ": its commands run on the node".to_string(),
    };
    cs.hit(&e.at, format!("`{}` {what}{summary}", e.word))
}

/// The commands that run under entry `e` (program and subcommand, first use first), at most five
/// named, with the scripts it runs by path.
fn host_commands(cs: &ContainerScript, e: &Entry) -> Option<String> {
    let idx = cs
        .entries
        .iter()
        .position(|x| x.at.span == e.at.span && x.word == e.word)?;
    let mut names: Vec<String> = Vec::new();
    for inv in cs.under(idx) {
        let name = match inv.subcommand() {
            Some(sub) if SUBCOMMAND_TOOLS.contains(&inv.program.as_str()) => {
                format!("`{} {sub}`", inv.program)
            }
            _ => format!("`{}`", inv.program),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for r in cs.runs.iter().filter(|r| r.entry == Some(idx)) {
        let name = format!("`{}`", r.path);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.len() {
        0 => None,
        n if n > 5 => Some(format!("{} and {} more", names[..5].join(", "), n - 5)),
        _ => Some(names.join(", ")),
    }
}

/// Tools whose first word after the options says what they do (`systemctl restart`).
const SUBCOMMAND_TOOLS: &[&str] = &["systemctl", "service", "ip"];

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

/// A privileged container in the host's PID namespace that runs a known installer image on its own
/// entrypoint (no `command`): the host work is inside the image, where no script can be read.
/// Driver images are `kernel-module-build`'s (reported by image, command or not).
fn installer_entrypoint_hits(
    pods: &[crate::model::workload::PodSpec<'_>],
    scripts: &[ContainerScript],
    site: &crate::host::SiteData,
    out: &mut Vec<Hit>,
) {
    for pod in pods
        .iter()
        .filter(|p| p.node.get("hostPID").is_some_and(Node::is_true))
    {
        for c in pod.containers.iter().filter(|c| c.privileged()) {
            let no_command = c
                .node
                .get("command")
                .is_none_or(|cmd| cmd.as_seq().is_some_and(<[Node]>::is_empty));
            let Some(img) = c.node.get("image") else {
                continue;
            };
            let name = img.as_str().unwrap_or("");
            if !no_command
                || site.driver_image(name).is_some()
                || scripts
                    .iter()
                    .any(|cs| cs.container == c.name && !cs.entries.is_empty())
            {
                continue;
            }
            let Some(pattern) = crate::host::installer_image(name) else {
                continue;
            };
            out.push(
                Hit::at(
                    img,
                    pointer(&c.path, "image"),
                    format!(
                        "image `{name}` runs privileged in the host's PID namespace on its own entrypoint: its host work is inside the image"
                    ),
                )
                .container(&c.name)
                .note(
                    None,
                    format!(
                        "`{pattern}` is a known host installer (host data); no `command` is set, so what it changes on the node cannot be read from this input"
                    ),
                ),
            );
        }
    }
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object {
        scripts,
        object,
        pods,
        site,
        ..
    } = subject
    else {
        return;
    };
    installer_entrypoint_hits(pods, scripts, site, out);
    // A Plan's host entries are `operator-host-change`'s.
    if super::operator_host_change::is_plan(object) {
        return;
    }
    for cs in scripts.iter() {
        // Once per container: at the first entry whose commands no other rule reports.
        let open: Vec<_> = cs
            .entries
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                !e.inherited
                    && e.kind != EntryKind::RootFlag
                    && !cs.under(*i).any(|inv| reported_elsewhere(cs, inv, subject.profile()))
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
