use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::host::{CONTAINER_FILE_T_DIRS, READ_ONLY_TREES};
use crate::model::workload::{Source, is_under};

pub static SELINUX_HOST_PATH_WRITE: Rule = Rule {
    name: "selinux-host-path-write",
    severity: Severity::Warning,
    summary: "A confined (container_t) container writes a host directory SELinux denies it",
    what: "Flags a writable hostPath directory or file (not a socket or device, not under a read-only tree, not `/`) \
in a container that runs as `container_t`: not privileged, and no `seLinuxOptions.type` of `spc_t` or `spc_user_t` \
(container, else pod). The directories ACL's policy labels `container_file_t` are exempt: \
`/var/lib/kubelet/pods`, `/var/lib/kubelet/plugins`, `/var/lib/kubelet/plugins_registry`, \
`/var/lib/kubelet/device-plugins` and below.",
    why: "Azure Container Linux runs SELinux enforcing. Kubernetes never relabels hostPath volumes, and `container_t` \
has no general access to host files (`var_lib_t`, `var_run_t`, `var_log_t`, `etc_t`, ...), so every write is \
denied at run time although the same manifest works on Ubuntu nodes (HOST-FACTS: SELinux; ACL selinux.md; \
kubernetes/kubernetes#73240).",
    fix: "run the container with a type that may write host files (`seLinuxOptions.type: spc_t`, or `privileged: true` if it needs that anyway), or keep its state in a volume that is not a hostPath",
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
          securityContext:
            seLinuxOptions:
              type: spc_t
          volumeMounts:
            - name: state
              mountPath: /state
      volumes:
        - name: state
          hostPath:
            path: /var/lib/w
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
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if m.read_only || hp == "/" || !c.runs_confined(pod, &[]) {
            continue;
        }
        if READ_ONLY_TREES.iter().any(|t| is_under(&hp, t))
            || CONTAINER_FILE_T_DIRS.iter().any(|t| is_under(&hp, t))
        {
            continue;
        }
        let kind = match &v.source {
            Source::HostPath { kind, .. } => *kind,
            _ => None,
        };
        if is_socket_or_device(&hp, kind) {
            continue;
        }
        let msg = format!(
            "hostPath `{hp}` is mounted writable in a container that runs as `container_t`"
        );
        out.push(host_path_hit(v, m, c, msg));
    }
}

/// Sockets and devices are governed by other types than the files SELinux denies here.
fn is_socket_or_device(path: &str, kind: Option<&str>) -> bool {
    matches!(kind, Some("Socket" | "CharDevice" | "BlockDevice"))
        || path.ends_with(".sock")
        || path.ends_with(".socket")
        || is_under(path, "/dev")
}
