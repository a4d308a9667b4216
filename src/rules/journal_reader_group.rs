use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::model::workload::is_under;
use crate::parse::node::Node;

pub static JOURNAL_READER_GROUP: Rule = Rule {
    name: "journal-reader-group",
    severity: Severity::Info,
    summary: "A non-root container mounts the journal without group 190 (`systemd-journal`)",
    what: "Flags a container that runs as a non-root user (`runAsUser` not 0, or `runAsNonRoot: true`) and mounts \
hostPath `/var/log/journal` (or `/run/log/journal`) without supplemental group 190 or `runAsGroup: 190`.",
    why: "ACL keeps a persistent journal under `/var/log/journal` whose files are `root:systemd-journal` mode 0640: a \
non-root reader outside group 190 reads nothing (HOST-FACTS: SELinux; ACL selinux.md).",
    fix: "add `supplementalGroups: [190]` to the pod's securityContext (and `seLinuxOptions.type: container_logreader_t` with a read-only mount)",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: journal-shipper
spec:
  securityContext: {runAsUser: 1000}
  containers:
    - name: ship
      image: example.com/shipper:1.0
      securityContext:
        seLinuxOptions: {type: container_logreader_t}
      volumeMounts:
        - {name: journal, mountPath: /journal, readOnly: true}
  volumes:
    - name: journal
      hostPath: {path: /var/log/journal}
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: journal-shipper
spec:
  securityContext: {runAsUser: 1000, supplementalGroups: [190]}
  containers:
    - name: ship
      image: example.com/shipper:1.0
      securityContext:
        seLinuxOptions: {type: container_logreader_t}
      volumeMounts:
        - {name: journal, mountPath: /journal, readOnly: true}
  volumes:
    - name: journal
      hostPath: {path: /var/log/journal}
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
    ],
    tags: &["workload", "logging"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    // The journal group's GID is the host's (profile fact `journal_gid`); unknown, nothing to say.
    let Some(gid) = subject.profile().int("journal_gid") else {
        return;
    };
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if !(is_under(&hp, "/var/log/journal") || is_under(&hp, "/run/log/journal")) {
            continue;
        }
        let non_root_flag =
            |sc: Option<&Node>| sc.and_then(|s| s.get("runAsNonRoot")).map(Node::is_true);
        let non_root = match c.run_as_user(pod) {
            Some(u) => u != 0,
            None => non_root_flag(c.security())
                .or_else(|| non_root_flag(pod.security()))
                .unwrap_or(false),
        };
        if !non_root {
            continue;
        }
        let groups = pod
            .security()
            .and_then(|s| s.get("supplementalGroups"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let run_as_group =
            |sc: Option<&Node>| sc.and_then(|s| s.get("runAsGroup")).and_then(Node::as_i64);
        if groups.iter().any(|g| g.as_i64() == Some(gid))
            || run_as_group(c.security()).or_else(|| run_as_group(pod.security())) == Some(gid)
        {
            continue;
        }
        out.push(host_path_hit(
            v,
            m,
            c,
            format!(
                "hostPath `{hp}` is read by a non-root user without group {gid} (`systemd-journal`)"
            ),
        ));
    }
}
