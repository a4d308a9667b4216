use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::host::profile::Profile;
use crate::model::workload::{Container, Mount, Source, is_under, normalize};
use crate::parse::node::Node;

pub static SELINUX_HOST_READ: Rule = Rule {
    name: "selinux-host-read",
    severity: Severity::Error,
    summary: "A confined (container_t) container reads a host path SELinux denies it",
    what: "Flags a read-only hostPath (not a socket or device; `/var/log` is `selinux-host-log-read`'s) in a \
container that runs as `container_t`: not privileged and no `seLinuxOptions.type` of `spc_t`, `spc_user_t`, \
`container_logreader_t` or `container_kvm_t` (container, else pod), and not a type the host's policy lacks \
(that container never starts: `selinux-type-unknown`). A path whose type `container_t` may not read \
at all (`/boot`, `/sys/kernel/debug`, `/sys/kernel/security`, `/sys/kernel/tracing`, `/sys/fs/bpf`, \
`/run/containerd`, `/run/xtables.lock`, `/proc/1`, `/proc/kmsg`, `/etc/selinux`, `/etc/shadow`, TLS private keys) \
is a warning; an error when the container's `command`, `args` or `env` names a path under the mount that the \
policy denies (the read is needed and will fail). The host root `/`, a directory whose own files are denied but \
which holds readable ones (`/var/lib`, `/run`), and `/sys/fs/cgroup` (files readable by name, the listing denied) \
are info, with a note that says what the container will and will not see. A hostPath of a socket `container_t` \
may not connect to (`/run/containerd/containerd.sock`, the kubelet's `/var/lib/kubelet/pod-resources`) is a warning \
whether or not it is read-only, and an error when the command line names it. Paths `container_t` can read stay \
silent: `/etc`, `/usr`, `/usr/lib/modules`, `/proc`, `/sys`, `/dev`, `/var/lib/containerd`, `/var/lib/kubelet`, \
`/run/udev`.",
    why: "ACL runs SELinux enforcing and the kubelet never relabels hostPath volumes (`readOnly: true` changes no \
SELinux check). `container_t` may traverse every host directory, statfs() every filesystem and read configuration \
(`etc_t`, `/etc/kubernetes`), `/usr`, kernel modules, `/proc` system files and `/sys`, but has no allow rule for \
`boot_t`, `debugfs_t`, `security_t`, `tracefs_t`, `bpf_t`, `var_lib_t` and `var_run_t` files, \
`container_runtime_t`, other processes' `/proc/<pid>` entries, `shadow_t` or private keys, and may not \
`connectto` containerd (`dockerd_t`) or the kubelet (`kubelet_t`); directory listings of \
mountpoint types fail with no audit record, so a reader sees an empty tree and reports nothing \
(HOST-FACTS: SELinux; SELINUX-READS: table, Sockets and \"What a workload linter should conclude\"; \
refpolicy container.te `fs_getattr_all_fs` of `container_domain` for statfs).",
    fix: "mount only the host paths the container can read, or run it with the SELinux type the work needs: `container_logreader_t` for logs, `spc_t` (a privileged agent) for the rest; `readOnly: true` does not change what SELinux allows",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: boot-inspector
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers:
        - name: b
          image: example.com/inspector:1.0
          args: [--boot-dir=/host/boot/loader]
          volumeMounts:
            - name: boot
              mountPath: /host/boot
              readOnly: true
      volumes:
        - name: boot
          hostPath:
            path: /boot
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-metrics
spec:
  selector: {matchLabels: {app: m}}
  template:
    metadata: {labels: {app: m}}
    spec:
      containers:
        - name: m
          image: example.com/metrics:1.0
          args: [--path.sysfs=/host/sys, --path.procfs=/host/proc]
          volumeMounts:
            - name: sys
              mountPath: /host/sys
              readOnly: true
            - name: proc
              mountPath: /host/proc
              readOnly: true
      volumes:
        - name: sys
          hostPath:
            path: /sys
        - name: proc
          hostPath:
            path: /proc
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
        "https://github.com/SELinuxProject/refpolicy/blob/main/policy/modules/services/container.te",
    ],
    tags: &["workload", "selinux"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // Only a host that enforces, with a runtime that labels pods, denies these reads (profile facts
    // `selinux_mode` and `selinux_labelling`).
    if !profile.selinux_denies() {
        return;
    }
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if is_under(&hp, "/var/log")
            || !c.runs_confined(pod, &["container_logreader_t", "container_kvm_t"])
            || super::asks_unknown_selinux_type(subject, pod, c)
        {
            continue;
        }
        // A socket is connected to, read-only mount or not: denied by `connectto`.
        if let Some((sock, why)) = profile.connect_denied_socket(&hp) {
            let msg = format!(
                "hostPath `{hp}` gives a container that runs as `container_t` a socket it may not connect to"
            );
            let mut hit = host_path_hit(v, m, c, msg).note(None, why);
            if !named_by_container(c, m) {
                hit = hit.at_most(Severity::Warning);
            } else {
                hit = hit.note(None, format!("the container's command line names `{sock}`"));
            }
            out.push(hit.fix(SOCKET_FIX));
            continue;
        }
        if !m.read_only {
            continue;
        }
        let kind = match &v.source {
            Source::HostPath { kind, .. } => *kind,
            _ => None,
        };
        if super::selinux_host_path_write::is_socket_or_device(&hp, kind) {
            continue;
        }
        // The read the container's own command line asks for and the policy denies: evidence.
        if let Some((node, host, t)) = denied_read(profile, c, m, &hp) {
            let msg = format!(
                "hostPath `{hp}` is read by a container that runs as `container_t`, which may not read `{host}` (`{t}`)"
            );
            out.push(host_path_hit(v, m, c, msg).note(
                Some(node.report_span().start.line),
                format!(
                    "`{}` names `{host}` through this mount",
                    node.as_str().unwrap_or_default()
                ),
            ));
            continue;
        }
        if hp == "/" {
            let list = |seen: bool| profile.host_root_view(seen).join("; ");
            let msg = "hostPath `/` is read by a container that runs as `container_t`: SELinux lets it statfs() and read configuration, not host logs, `/var/lib` or `/run` files, `/boot` or other processes' `/proc` entries".to_string();
            out.push(
                host_path_hit(v, m, c, msg)
                    .at_most(Severity::Info)
                    .note(None, format!("sees: {}", list(true)))
                    .note(None, format!("does not see: {}", list(false)))
                    .fix("for filesystem statistics this mount works as it is; anything that must read the denied paths needs its own mount and SELinux type (`container_logreader_t` for logs, `spc_t` for the rest)"),
            );
            continue;
        }
        if let Some((dir, t)) = profile.list_denied_dir(&hp) {
            let msg = format!(
                "hostPath `{hp}` is read by a container that runs as `container_t`, which may read `{t}` files by name but not list `{dir}`"
            );
            out.push(
                host_path_hit(v, m, c, msg)
                    .at_most(Severity::Info)
                    .note(None, "the listing fails with no audit record: a reader that walks the tree sees it empty"),
            );
            continue;
        }
        let Some(t) = profile.unreadable_by_container_t(&hp) else {
            continue;
        };
        let readable = profile.readable_below(&hp);
        if readable.is_empty() {
            let msg = format!(
                "hostPath `{hp}` (`{t}`) is read by a container that runs as `container_t`, which may not read it"
            );
            out.push(host_path_hit(v, m, c, msg).at_most(Severity::Warning));
        } else {
            let below = readable
                .iter()
                .map(|(p, t)| format!("`{p}` (`{t}`)"))
                .collect::<Vec<_>>()
                .join(", ");
            let msg = format!(
                "hostPath `{hp}` is read by a container that runs as `container_t`, which may not read its `{t}` files"
            );
            let mut hit = host_path_hit(v, m, c, msg)
                .at_most(Severity::Info)
                .note(None, format!("readable under it: {below}"));
            let denied = profile.denied_below(&hp);
            if !denied.is_empty() {
                let list: Vec<String> = denied
                    .iter()
                    .map(|(p, t)| format!("`{p}` (`{t}`)"))
                    .collect();
                hit = hit.note(None, format!("denied under it too: {}", list.join(", ")));
            }
            out.push(hit);
        }
    }
}

/// For a runtime or kubelet socket `container_t` cannot reach.
const SOCKET_FIX: &str = "a container that talks to containerd or the kubelet's PodResources API needs `seLinuxOptions.type: spc_t` (or `privileged: true`) on ACL; drop the mount if it does not";

/// Whether the container's `command`, `args` or `env` values name the mount (or a path under it).
fn named_by_container(c: &Container<'_>, m: &Mount<'_>) -> bool {
    let Some(mp) = m.mount_path.map(normalize) else {
        return false;
    };
    command_values(c).any(|node| {
        node.as_str().is_some_and(|t| {
            t.match_indices(mp.as_str()).any(|(i, _)| {
                let before = t[..i].chars().next_back();
                let after = t[i + mp.len()..].chars().next();
                (before.is_none_or(|b| b.is_whitespace() || "=:,'\"".contains(b))
                    || t[..i].ends_with("unix://"))
                    && after.is_none_or(|a| a == '/' || a.is_whitespace() || "'\",;".contains(a))
            })
        })
    })
}

/// The string values of a container's `command`, `args` and `env`.
fn command_values<'a>(c: &Container<'a>) -> impl Iterator<Item = &'a Node> {
    ["command", "args"]
        .into_iter()
        .flat_map(|key| c.node.get(key).and_then(Node::as_seq).unwrap_or_default())
        .chain(
            c.node
                .get("env")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| e.get("value")),
        )
}

/// The first path under the mount that the container's `command`, `args` or `env` values name and
/// `container_t` may not read: (the naming value, the host path, its type).
fn denied_read<'a, 'p>(
    profile: &'p Profile,
    c: &Container<'a>,
    m: &Mount<'a>,
    hp: &str,
) -> Option<(&'a Node, String, &'p str)> {
    let mp = normalize(m.mount_path?);
    command_values(c).find_map(|node| {
        let text = node.as_str()?;
        paths_under(text, &mp).find_map(|rest| {
            // A mount at or under `/var/log` never gets here (`selinux-host-log-read`'s); a log
            // file named through a wider mount (the host root) is this rule's evidence.
            let host = normalize(&format!("{hp}/{rest}"));
            profile
                .unreadable_by_container_t(&host)
                .or_else(|| {
                    profile
                        .list_denied_dir(&host)
                        .filter(|_| rest.contains('*'))
                        .map(|(_, t)| t)
                })
                .map(|t| (node, host, t))
        })
    })
}

/// The paths below `mount` that `text` names, relative to it: each occurrence of `mount/` that
/// starts a word (after the start, whitespace, `=`, `:`, `,` or a quote), up to the next separator.
fn paths_under<'t>(text: &'t str, mount: &'t str) -> impl Iterator<Item = &'t str> + 't {
    let prefix_len = mount.len() + 1;
    text.match_indices(mount).filter_map(move |(i, _)| {
        let before = text[..i].chars().next_back();
        let starts_word = before.is_none_or(|b| b.is_whitespace() || "=:,'\"".contains(b));
        let after = text[i + mount.len()..].chars().next();
        if !starts_word || after != Some('/') || mount == "/" {
            return None;
        }
        let rest = &text[i + prefix_len..];
        let end = rest
            .find(|ch: char| ch.is_whitespace() || ";,'\"|&)".contains(ch))
            .unwrap_or(rest.len());
        Some(&rest[..end]).filter(|r| !r.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::paths_under;

    #[test]
    fn paths_under_a_mount_are_found_at_word_starts() {
        let got: Vec<_> = paths_under("--boot=/host/boot/efi x", "/host/boot").collect();
        assert_eq!(got, ["efi"]);
        let got: Vec<_> =
            paths_under("cat /host/boot/a; ls '/host/boot/b'", "/host/boot").collect();
        assert_eq!(got, ["a", "b"]);
        assert_eq!(paths_under("/x/host/boot/a", "/host/boot").count(), 0);
        assert_eq!(paths_under("/host/bootx/a", "/host/boot").count(), 0);
        assert_eq!(paths_under("/host/boot", "/host/boot").count(), 0);
    }
}
