use super::{
    Hit, Lang, READ_ONLY_FIX, Rule, Severity, Subject, host_mounts, host_path_hit, write_evidence,
};
use crate::host::flexvolume_dir;
use crate::model::workload::{Source, is_under};

pub static SELINUX_HOST_PATH_WRITE: Rule = Rule {
    name: "selinux-host-path-write",
    severity: Severity::Warning,
    summary: "A confined (container_t) container writes a host directory SELinux denies it",
    what: "Flags a writable hostPath directory or file (not a socket or device, not under a read-only tree, not `/`) \
in a container that runs as `container_t`: not privileged, and no `seLinuxOptions.type` of `spc_t` or `spc_user_t` \
(container, else pod), when something writes it: the container's own command or script writes under the mount \
path, the path exists to be written (a FlexVolume or CNI directory, containerd's config), or the image is a known \
installer. Without such evidence the mount is reported at info (add `readOnly: true`), except where `container_t` \
cannot even read the path (`var_log_t`, `var_lib_t`, `var_run_t`, the journal, `/boot`, `/sys/kernel/*`): that \
mount gives the container nothing and stays a warning. The directories ACL's policy labels `container_file_t` are \
exempt: `/var/lib/kubelet/pods`, `/var/lib/kubelet/plugins`, `/var/lib/kubelet/plugins_registry`, \
`/var/lib/kubelet/device-plugins` and below.",
    why: "Azure Container Linux runs SELinux enforcing. Kubernetes never relabels hostPath volumes, and `container_t` \
has no general access to host files (`var_lib_t`, `var_run_t`, `var_log_t`, `etc_t`, ...), so every write is \
denied at run time although the same manifest works on Ubuntu nodes (HOST-FACTS: SELinux; SELINUX-READS; \
kubernetes/kubernetes#73240).",
    fix: "if the container only reads the path, add `readOnly: true`; keep state in a volume that is not a hostPath, or under `/var/lib/kubelet/plugins/<driver>/` (labelled `container_file_t`); only if it must write host files, run it as `seLinuxOptions.type: spc_t`",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-writer
spec:
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec:
      containers:
        - name: w
          image: example.com/w:1.0
          command: [sh, -c, "date >> /state/started && exec /w"]
          volumeMounts:
            - name: state
              mountPath: /state
      volumes:
        - name: state
          hostPath:
            path: /var/lib/w
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-writer
spec:
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec:
      containers:
        - name: w
          image: example.com/w:1.0
          command: [sh, -c, "date >> /state/started && exec /w"]
          volumeMounts:
            - name: state
              mountPath: /state
      volumes:
        - name: state
          hostPath:
            path: /var/lib/kubelet/plugins/w
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
        "https://github.com/kubernetes/kubernetes/issues/73240",
        "https://github.com/kubernetes/kubernetes/issues/73241",
    ],
    tags: &["workload", "selinux"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // A host that does not enforce, or a runtime that labels no pod, denies nothing (profile facts
    // `selinux_mode`, `selinux_labelling`).
    if !profile.selinux_denies() {
        return;
    }
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if m.read_only
            || hp == "/"
            || !c.runs_confined(pod, &[])
            || super::asks_unknown_selinux_type(subject, pod, c)
        {
            continue;
        }
        if profile.read_only_tree(&hp).is_some() || profile.container_file_t_dir(&hp) {
            continue;
        }
        let kind = match &v.source {
            Source::HostPath { kind, .. } => *kind,
            _ => None,
        };
        if is_socket_or_device(&hp, kind) {
            continue;
        }
        let hit = match write_evidence(subject, pod, c, m, &hp) {
            Ok(evidence) => {
                let msg = format!(
                    "hostPath `{hp}` is mounted writable in a container that runs as `container_t`"
                );
                let mut hit = host_path_hit(v, m, c, msg);
                hit.notes.push(evidence.note(&hp));
                hit
            }
            // The mount gives the container nothing: it cannot even read the path.
            Err(check) => match profile.unreadable_by_container_t(&hp) {
                Some(t) => host_path_hit(
                    v,
                    m,
                    c,
                    format!(
                        "hostPath `{hp}` (`{t}`) is mounted in a container that runs as `container_t`, which can neither read nor write it"
                    ),
                )
                .note(None, check)
                .fix(UNREADABLE_FIX),
                None => host_path_hit(
                    v,
                    m,
                    c,
                    format!(
                        "hostPath `{hp}` is mounted writable in a container that runs as `container_t`, and nothing here writes it: add `readOnly: true`"
                    ),
                )
                .at_most(Severity::Info)
                .note(None, check)
                .fix(READ_ONLY_FIX)
                .edit_opt(super::read_only_edit(m)),
            },
        };
        out.push(match kubelet_dir_fix(&hp) {
            Some(f) => hit.fix(f),
            None if flexvolume_dir(&hp) => hit.fix(FLEXVOLUME_FIX),
            None => hit,
        });
    }
}

/// For AKS's FlexVolume directory: AKS's own CSI drivers replace FlexVolume drivers on ACL.
const FLEXVOLUME_FIX: &str = "AKS's own CSI drivers (Azure Disk, Azure Files, Azure Blob, the Key Vault secrets provider) run on ACL and replace FlexVolume drivers: move to one of them or to the driver's CSI version; a FlexVolume installer must otherwise run as `seLinuxOptions.type: spc_t` to write `kubernetes_config_t`";

/// For a path `container_t` cannot even read: `readOnly: true` would not help.
const UNREADABLE_FIX: &str = "`readOnly: true` does not help here: keep the state in a volume that is not a hostPath, or under `/var/lib/kubelet/plugins/<driver>/` (labelled `container_file_t`); if the container must use this host path, run it as `seLinuxOptions.type: spc_t` (for logs, `container_logreader_t` and a read-only mount)";

/// For a plugin's socket directory under `/var/lib/kubelet` outside the labelled plugin dirs: move
/// it there first (not for the kubelet's own dirs such as `seccomp`, whose place is fixed).
fn kubelet_dir_fix(hp: &str) -> Option<&'static str> {
    let rest = hp.strip_prefix("/var/lib/kubelet/")?;
    let plugin = ["csi", "sock", "plugin", "driver"]
        .iter()
        .any(|w| rest.to_ascii_lowercase().contains(w));
    plugin.then_some(
        "move the directory under `/var/lib/kubelet/plugins/<driver>/`, which ACL labels `container_file_t` so that a `container_t` pod may write it; only if it must stay where it is, run the container as `seLinuxOptions.type: spc_t`",
    )
}

/// Sockets and devices are governed by other types than the files SELinux denies here.
pub(super) fn is_socket_or_device(path: &str, kind: Option<&str>) -> bool {
    matches!(kind, Some("Socket" | "CharDevice" | "BlockDevice"))
        || path.ends_with(".sock")
        || path.ends_with(".socket")
        || is_under(path, "/dev")
}
