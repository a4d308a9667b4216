use super::{
    Hit, Lang, READ_ONLY_FIX, Rule, Severity, Subject, host_mounts, host_path_hit, write_evidence,
};
use crate::host::{Profile, flexvolume_dir};
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
pub(crate) fn script_writes<'a>(
    inv: &'a Invocation,
    profile: &'a Profile,
) -> impl Iterator<Item = (&'a Loc, &'a str, &'a str)> {
    inv.writes
        .iter()
        .filter_map(|(at, p)| profile.read_only_tree(p).map(|t| (at, p.as_str(), t)))
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, scripts, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    for cs in scripts.iter() {
        for inv in &cs.invocations {
            for (at, p, tree) in script_writes(inv, profile) {
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
        let Some(tree) = profile.read_only_tree(&hp) else {
            continue;
        };
        let tree = tree_name(tree);
        match write_evidence(subject, pod, c, m, &hp) {
            Ok(evidence) => {
                let msg = format!("hostPath `{hp}` is on the read-only {tree} tree");
                let mut hit = host_path_hit(v, m, c, msg);
                hit.notes.push(evidence.note(&hp));
                hit = hit.fix(if flexvolume_dir(&hp) {
                    flexvolume_fix(profile)
                } else {
                    write_fix(profile)
                });
                // Moved, a confined (`container_t`) installer still may not write the new
                // directory: the move alone fixes only an installer SELinux does not confine.
                let edit = (!c.runs_confined(pod, &[]))
                    .then(|| flexvolume_edit(v, &hp, profile.text("flexvolume_dir")))
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

/// The FlexVolume hostPath moved from the upstream directory to `to` (the host's, profile fact
/// `flexvolume_dir`), subdirectories kept.
fn flexvolume_edit(
    v: &crate::model::workload::Volume<'_>,
    hp: &str,
    to: &str,
) -> Option<crate::fix::Edit> {
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
    let new = format!("{to}{rest}{slash}");
    TO_AKS_FLEXVOLUME_DIR.replace_node(path, path_ptr, &new)
}

/// For a mount that is written: where to write instead, on this host.
fn write_fix(profile: &Profile) -> String {
    let redirected: Vec<String> = profile
        .list("writable_under_read_only")
        .map(|p| format!("`{p}` (AKS nodes redirect it to a writable directory), "))
        .collect();
    format!(
        "install into a writable location instead: {}`/opt/bin`, `/opt/cni/bin` for CNI plugins, `{}` for FlexVolume; kernel modules cannot be added to {}'s signed `/usr`",
        redirected.concat(),
        profile.text("flexvolume_dir"),
        profile.title()
    )
}

/// For a FlexVolume plugin directory: AKS's own drivers already handle this.
fn flexvolume_fix(profile: &Profile) -> String {
    format!(
        "FlexVolume drivers cannot be installed into the read-only `/usr` on {}; AKS's own CSI drivers (Azure Disk, Azure Files, Azure Blob, Secrets Store) run there, so move to one of them or to the driver's CSI version; on {} the FlexVolume directory is `{}`",
        profile.title(),
        // An AKS host (one with OS SKUs) has AgentBaker's directory; elsewhere the host's own.
        if profile.list("os_skus").next().is_some() {
            "AKS"
        } else {
            profile.title()
        },
        profile.text("flexvolume_dir")
    )
}

fn tree_name(tree: &str) -> &str {
    if matches!(tree, "/bin" | "/sbin" | "/lib" | "/lib64") {
        "/usr (merged alias)"
    } else {
        tree
    }
}
