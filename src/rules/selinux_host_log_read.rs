use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::model::workload::is_under;

pub static SELINUX_HOST_LOG_READ: Rule = Rule {
    name: "selinux-host-log-read",
    severity: Severity::Warning,
    summary: "A confined (container_t) container reads host logs SELinux denies it",
    what: "Flags a read-only hostPath at or under `/var/log` in a container that runs as `container_t`: not \
privileged and no `seLinuxOptions.type` of `spc_t`, `spc_user_t` or `container_logreader_t`. A mount confined to \
`/var/log/pods` is reported at info: `container_t` may read the `container_log_t` files there.",
    why: "ACL's SELinux policy gives `container_t` no access to host logs: it cannot list `/var/log`, read \
`var_log_t` files or the journal, or follow the `/var/log/containers/*.log` symlinks, all readable by \
`container_logreader_t`. A log shipper that runs as `container_t` starts fine and ships nothing. Only the \
`container_log_t` files under `/var/log/pods` are readable by `container_t` (refpolicy's kubernetes module), while \
ACL documents `container_logreader_t` for collectors (HOST-FACTS: SELinux; SELINUX-READS; ACL selinux.md).",
    fix: "set `securityContext.seLinuxOptions.type: container_logreader_t` on the log reader and keep the mounts `readOnly: true`",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - name: s
          image: example.com/shipper:1.0
          volumeMounts:
            - name: logs
              mountPath: /var/log
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: /var/log
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - name: s
          image: example.com/shipper:1.0
          securityContext:
            seLinuxOptions:
              type: container_logreader_t
          volumeMounts:
            - name: pods
              mountPath: /var/log/pods
              readOnly: true
      volumes:
        - name: pods
          hostPath:
            path: /var/log/pods
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
    ],
    tags: &["workload", "selinux"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // Only a host that enforces, with a runtime that labels pods, blinds a shipper (profile facts
    // `selinux_mode`, `selinux_labelling`): OS Guard and Flatcar let it read today.
    if !profile.selinux_denies() {
        return;
    }
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if !(m.read_only
            && is_under(&hp, "/var/log")
            && c.runs_confined(pod, &["container_logreader_t"]))
        {
            continue;
        }
        if is_under(&hp, "/var/log/pods") {
            // container_log_t: refpolicy's kubernetes module lets container_t read it (SPEC: Rules).
            let msg = format!(
                "hostPath `{hp}` is read by a container that runs as `container_t`; it can read `container_log_t` files there, but {} documents `container_logreader_t` for log collectors",
                profile.title()
            );
            out.push(host_path_hit(v, m, c, msg).at_most(Severity::Info));
            continue;
        }
        let why = match profile.unreadable_by_container_t(&hp) {
            Some(t) => format!("`{t}`"),
            None => "the `*.log` symlinks there".to_string(),
        };
        let msg = format!(
            "hostPath `{hp}` is read by a container that runs as `container_t`, which may not read {why}"
        );
        out.push(host_path_hit(v, m, c, msg));
    }
}
