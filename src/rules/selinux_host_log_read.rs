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

/// The fix: the container runs as `container_logreader_t`, the type ACL documents for log readers
/// (safe: it may read the host's logs and no more than `container_t` otherwise).
pub(crate) const LOGREADER: crate::fix::Offer = crate::fix::Offer {
    safety: crate::fix::Safety::Safe,
    title: "add `seLinuxOptions.type: container_logreader_t` to the container",
};
pub(crate) static FIXES: &[crate::fix::Offer] = &[LOGREADER];

/// `securityContext.seLinuxOptions.type: container_logreader_t` on container `c`, added at the
/// first level that is missing (or its `type` replaced).
fn logreader_edit(c: &crate::model::workload::Container<'_>) -> Option<crate::fix::Edit> {
    use crate::fix::Ins;
    use crate::parse::node::pointer;
    const TYPE: &str = "container_logreader_t";
    let sc_path = pointer(&c.path, "securityContext");
    let Some(sc) = c.node.get("securityContext") else {
        let value = Ins::Map(vec![(
            "seLinuxOptions".into(),
            Ins::Map(vec![("type".into(), Ins::Scalar(TYPE.into()))]),
        )]);
        return LOGREADER.insert(c.node, &c.path, "securityContext", value);
    };
    let opts_path = pointer(&sc_path, "seLinuxOptions");
    let Some(opts) = sc.get("seLinuxOptions") else {
        let value = Ins::Map(vec![("type".into(), Ins::Scalar(TYPE.into()))]);
        return LOGREADER.insert(sc, &sc_path, "seLinuxOptions", value);
    };
    match opts.get("type") {
        Some(t) => LOGREADER.replace_node(t, &pointer(&opts_path, "type"), TYPE),
        None => LOGREADER.insert(opts, &opts_path, "type", Ins::Scalar(TYPE.into())),
    }
}

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
            && c.runs_confined(pod, &["container_logreader_t"])
            && !super::asks_unknown_selinux_type(subject, pod, c))
        {
            continue;
        }
        if is_under(&hp, "/var/log/pods") {
            // container_log_t: refpolicy's kubernetes module lets container_t read it (SPEC: Rules).
            let msg = format!(
                "hostPath `{hp}` is read by a container that runs as `container_t`; it can read `container_log_t` files there, but {} documents `container_logreader_t` for log collectors",
                profile.title()
            );
            out.push(
                host_path_hit(v, m, c, msg)
                    .at_most(Severity::Info)
                    .edit_opt(logreader_edit(c)),
            );
            continue;
        }
        let why = match profile.unreadable_by_container_t(&hp) {
            Some(t) => format!("`{t}`"),
            None => "the `*.log` symlinks there".to_string(),
        };
        let msg = format!(
            "hostPath `{hp}` is read by a container that runs as `container_t`, which may not read {why}"
        );
        out.push(host_path_hit(v, m, c, msg).edit_opt(logreader_edit(c)));
    }
}
