use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::host::READ_ONLY_TREES;
use crate::model::script::{ContainerScript, Invocation, Loc};
use crate::model::workload::is_under;

pub static READ_ONLY_HOST_PATH_WRITE: Rule = Rule {
    name: "read-only-host-path-write",
    severity: Severity::Error,
    summary: "A writable hostPath on the read-only /usr tree",
    what: "Flags a hostPath volume mounted without `readOnly: true` whose host path is, or is under, \
`/usr` (including `/usr/local` and the upstream FlexVolume directory `/usr/libexec/kubernetes/kubelet-plugins`) \
or one of its merged aliases `/bin`, `/sbin`, `/lib`, `/lib64`; and a script that writes under `<hostroot>/usr/...` \
through a hostPath-mounted host root, or under `/usr` in host context (`nsenter`, `chroot`).",
    why: "On Azure Container Linux `/usr` is a read-only filesystem protected by dm-verity, and `/bin`, `/sbin`, \
`/lib` and `/lib64` are symlinks into it. Every write fails with EROFS, so an installer that copies binaries, \
drivers or FlexVolume plugins there fails on every node (HOST-FACTS: The host; ACL architecture.md).",
    fix: "install into a writable location instead (`/opt/bin`, `/opt/cni/bin`, or `/etc/kubernetes/volumeplugins` for FlexVolume on AKS), or mount the path `readOnly: true` if the container only reads it",
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
          volumeMounts:
            - name: bin
              mountPath: /host/bin
      volumes:
        - name: bin
          hostPath:
            path: /usr/local/bin
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
    inv.writes.iter().filter_map(|(at, p)| {
        READ_ONLY_TREES
            .iter()
            .find(|t| is_under(p, t))
            .map(|t| (at, p.as_str(), *t))
    })
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
    for (_, c, m, hp, v) in host_mounts(pods) {
        if m.read_only {
            continue;
        }
        if let Some(tree) = READ_ONLY_TREES.iter().find(|t| is_under(&hp, t)) {
            let msg = format!(
                "hostPath `{hp}` is on the read-only {} tree",
                tree_name(tree)
            );
            out.push(host_path_hit(v, m, c, msg));
        }
    }
}

fn tree_name(tree: &str) -> &'static str {
    if tree == "/usr" {
        "/usr"
    } else {
        "/usr (merged alias)"
    }
}
