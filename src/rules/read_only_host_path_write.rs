use super::{
    Hit, Lang, READ_ONLY_FIX, Rule, Severity, Subject, host_mounts, host_path_hit, write_evidence,
};
use crate::host::{flexvolume_dir, read_only_tree};
use crate::model::script::{ContainerScript, Invocation, Loc};

pub static READ_ONLY_HOST_PATH_WRITE: Rule = Rule {
    name: "read-only-host-path-write",
    severity: Severity::Error,
    summary: "A writable hostPath on the read-only /usr tree",
    what: "Flags a hostPath volume mounted without `readOnly: true` whose host path is, or is under, \
`/usr` (including `/usr/local` and the upstream FlexVolume directory `/usr/libexec/kubernetes/kubelet-plugins`) \
or one of its merged aliases `/bin`, `/sbin`, `/lib`, `/lib64`, when something writes it: the container's own \
command or script writes under the mount path, the path exists to be written (the FlexVolume directory), or the \
image is a known installer. Without such evidence the mount is reported at info, for `readOnly: true`. Also flags \
a script that writes under `<hostroot>/usr/...` through a hostPath-mounted host root, or under `/usr` in host \
context (`nsenter`, `chroot`). Not `/usr/local/bin` and below: AKS nodes redirect it to a writable directory.",
    why: "On Azure Container Linux `/usr` is a read-only filesystem protected by dm-verity, and `/bin`, `/sbin`, \
`/lib` and `/lib64` are symlinks into it. Every write fails with EROFS, so an installer that copies binaries, \
drivers or FlexVolume plugins there fails on every node (HOST-FACTS: The host; ACL architecture.md). On AKS nodes \
`/usr/local/bin` is the exception: the node image's `aks-sysext` redirects it to `/opt/aks-sysext-rw/usr/local/bin`.",
    fix: "if the container only reads the path, add `readOnly: true`; otherwise install into a writable location (`/usr/local/bin` or `/opt/bin` on AKS, `/opt/cni/bin`, or `/etc/kubernetes/volumeplugins` for FlexVolume)",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: driver-installer
spec:
  selector: {matchLabels: {app: installer}}
  template:
    metadata: {labels: {app: installer}}
    spec:
      containers:
        - name: install
          image: example.com/installer:1.0
          command: [sh, -c, "cp /tool /host/sbin/tool && sleep infinity"]
          volumeMounts:
            - name: bin
              mountPath: /host/sbin
      volumes:
        - name: bin
          hostPath:
            path: /usr/local/sbin
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: driver-installer
spec:
  selector: {matchLabels: {app: installer}}
  template:
    metadata: {labels: {app: installer}}
    spec:
      containers:
        - name: install
          image: example.com/installer:1.0
          command: [sh, -c, "cp /tool /host/bin/tool && sleep infinity"]
          volumeMounts:
            - name: bin
              mountPath: /host/bin
      volumes:
        - name: bin
          hostPath:
            path: /opt/bin
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/architecture.md",
        "https://github.com/projectcalico/calico/issues/2712",
        "https://github.com/kubernetes/kubernetes/issues/48570",
    ],
    tags: &["workload", "filesystem"],
    check,
};

/// The writes of an invocation that land on a read-only host tree: (where, host path, tree).
pub(crate) fn script_writes(inv: &Invocation) -> impl Iterator<Item = (&Loc, &str, &'static str)> {
    inv.writes
        .iter()
        .filter_map(|(at, p)| read_only_tree(p).map(|t| (at, p.as_str(), t)))
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, scripts, .. } = subject else {
        return;
    };
    for cs in scripts.iter() {
        for inv in &cs.invocations {
            for (at, p, tree) in script_writes(inv) {
                ContainerScript::push(
                    out,
                    cs.hit(
                        at,
                        format!(
                            "`{}` writes `{p}` on the host: it is on the read-only {} tree",
                            inv.program,
                            tree_name(tree)
                        ),
                    ),
                );
            }
        }
    }
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if m.read_only {
            continue;
        }
        let Some(tree) = read_only_tree(&hp) else {
            continue;
        };
        let tree = tree_name(tree);
        match write_evidence(subject, pod, c, m, &hp) {
            Ok(evidence) => {
                let msg = format!("hostPath `{hp}` is on the read-only {tree} tree");
                let mut hit = host_path_hit(v, m, c, msg);
                hit.notes.push(evidence.note(&hp));
                hit = hit.fix(if flexvolume_dir(&hp) {
                    FLEXVOLUME_FIX
                } else {
                    WRITE_FIX
                });
                // Moved, a confined (`container_t`) installer still may not write the new
                // directory: the move alone fixes only an installer SELinux does not confine.
                let edit = (!c.runs_confined(pod, &[]))
                    .then(|| flexvolume_edit(v, &hp))
                    .flatten();
                out.push(hit.edit_opt(edit));
            }
            Err(check) => {
                let msg = format!(
                    "hostPath `{hp}` on the read-only {tree} tree is mounted writable, and nothing here writes it: add `readOnly: true`"
                );
                out.push(
                    host_path_hit(v, m, c, msg)
                        .at_most(Severity::Info)
                        .note(None, check)
                        .fix(READ_ONLY_FIX)
                        .edit_opt(super::read_only_edit(m)),
                );
            }
        }
    }
}

/// The FlexVolume plugin directory upstream Kubernetes uses, on the read-only `/usr`.
const UPSTREAM_FLEXVOLUME: &str = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec";

/// The fix for a FlexVolume driver installed into the upstream directory: AKS's plugin directory
/// (safe: it is where the AKS kubelet looks for FlexVolume drivers).
pub(crate) const TO_AKS_FLEXVOLUME_DIR: crate::fix::Offer = crate::fix::Offer {
    safety: crate::fix::Safety::Safe,
    title: "move the FlexVolume hostPath to `/etc/kubernetes/volumeplugins`",
};
pub(crate) static FIXES: &[crate::fix::Offer] = &[super::READ_ONLY, TO_AKS_FLEXVOLUME_DIR];

/// The FlexVolume hostPath moved from the upstream directory to AKS's, subdirectories kept.
fn flexvolume_edit(v: &crate::model::workload::Volume<'_>, hp: &str) -> Option<crate::fix::Edit> {
    let crate::model::workload::Source::HostPath { path, path_ptr, .. } = &v.source else {
        return None;
    };
    let written = path.as_str()?;
    let rest = crate::model::workload::normalize(written)
        .strip_prefix(UPSTREAM_FLEXVOLUME)?
        .to_string();
    if !(rest.is_empty() || rest.starts_with('/'))
        || hp != crate::model::workload::normalize(written)
    {
        return None;
    }
    let slash = if written.ends_with('/') { "/" } else { "" };
    let new = format!("/etc/kubernetes/volumeplugins{rest}{slash}");
    TO_AKS_FLEXVOLUME_DIR.replace_node(path, path_ptr, &new)
}

/// For a mount that is written: where to write instead.
const WRITE_FIX: &str = "install into a writable location instead: `/usr/local/bin` (AKS nodes redirect it to a writable directory), `/opt/bin`, `/opt/cni/bin` for CNI plugins, `/etc/kubernetes/volumeplugins` for FlexVolume; kernel modules cannot be added to ACL's signed `/usr`";

/// For a FlexVolume plugin directory: AKS's own drivers already handle this on ACL.
const FLEXVOLUME_FIX: &str = "FlexVolume drivers cannot be installed into the read-only `/usr` on ACL; AKS's own CSI drivers (Azure Disk, Azure Files, Azure Blob, Secrets Store) run there, so move to one of them or to the driver's CSI version; on AKS the FlexVolume directory is `/etc/kubernetes/volumeplugins`";

fn tree_name(tree: &str) -> &'static str {
    if tree == "/usr" {
        "/usr"
    } else {
        "/usr (merged alias)"
    }
}
