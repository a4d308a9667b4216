use super::{Hit, Lang, Rule, Severity, Subject, host_mounts, host_path_hit};
use crate::model::script::{ContainerScript, Invocation};
use crate::model::workload::is_under;

pub static CONTAINERD_CONFIG_WRITE: Rule = Rule {
    name: "containerd-config-write",
    severity: Severity::Warning,
    summary: "A workload rewrites or restarts containerd on the node",
    what: "Flags a writable hostPath at or under `/etc/containerd`, and host-context scripts that write containerd's \
config (`/etc/containerd/config.toml` or a drop-in) or restart containerd. A restart in a script that writes no \
containerd config (after a systemd drop-in such as `LimitNOFILE`) keeps ACL's config and is reported at info.",
    why: "ACL selects containerd's configuration at boot (`/run/containerd/acl-config.toml` points at \
`/etc/containerd/config.toml` or an image-provided profile) and it must keep `enable_selinux = true`; a config \
written for another distribution can turn SELinux labelling off or be ignored, and a restart interrupts every pod on \
the node (HOST-FACTS: The host).",
    fix: "do not rewrite containerd's config from a pod: use AKS features (registry mirrors via `containerd` node configuration, artifact settings) or a sysext that keeps `enable_selinux = true`",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: containerd-tweak
spec:
  containers:
    - name: tweak
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, --, systemctl, restart, containerd]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: containerd-status
spec:
  containers:
    - name: status
      image: alpine:3.19
      securityContext: {privileged: true}
      command: [nsenter, -t, "1", -m, --, systemctl, is-active, containerd]
"#,
    references: &["https://github.com/microsoft/azure-container-linux"],
    tags: &["workload", "runtime", "script"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let start = out.len();
    check_strict(subject, out);
    let profile = subject.profile();
    // A host whose containerd config is an ordinary writable file keeps what is written there
    // (profile fact `containerd_config`): hygiene, not breakage.
    if profile.text("containerd_config") == "writable" {
        for hit in &mut out[start..] {
            hit.severity = Some(Severity::Info);
            hit.notes.push(super::Note {
                line: None,
                message: format!("on {}, containerd's config under `/etc/containerd` is an ordinary writable file: the change takes effect and lasts until provisioning or a reimage rewrites it", profile.title()),
            });
        }
    }
}

/// Whether a host-context invocation writes containerd's config or restarts it.
pub(crate) fn changes(inv: &Invocation) -> bool {
    // Writes are host paths already (host context, or through the mounted host root).
    let restart = inv.host.is_some()
        && inv.program == "systemctl"
        && matches!(
            inv.subcommand(),
            Some("restart" | "reload" | "stop" | "reload-or-restart" | "try-restart")
        )
        && inv
            .words()
            .any(|w| w == "containerd" || w == "containerd.service");
    restart
        || inv
            .writes
            .iter()
            .any(|(_, p)| is_under(p, "/etc/containerd"))
}

fn check_strict(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, scripts, .. } = subject else {
        return;
    };
    for (_, c, m, hp, v) in host_mounts(pods) {
        if !m.read_only && is_under(&hp, "/etc/containerd") {
            out.push(host_path_hit(
                v,
                m,
                c,
                format!(
                    "hostPath `{hp}` is writable: containerd's config on ACL is selected at boot"
                ),
            ));
        }
    }
    for cs in scripts.iter() {
        // A restart alone (after a systemd drop-in such as `LimitNOFILE`) keeps ACL's config.
        let writes_config = cs
            .invocations
            .iter()
            .any(|i| i.writes.iter().any(|(_, p)| is_under(p, "/etc/containerd")));
        for inv in cs.invocations.iter().filter(|i| changes(i)) {
            let how = through(cs, inv);
            let hit = match inv
                .writes
                .iter()
                .find(|(_, p)| is_under(p, "/etc/containerd"))
            {
                Some((at, p)) => cs.hit(
                    at,
                    format!("`{}` writes `{p}` on the host {how}", inv.program),
                ),
                None if writes_config => cs.hit(
                    &inv.at,
                    format!(
                        "`systemctl {}` restarts containerd on the host {how}",
                        inv.subcommand().unwrap_or("")
                    ),
                ),
                None => cs
                    .hit(
                        &inv.at,
                        format!(
                            "`systemctl {}` restarts containerd on the host {how}; nothing here changes its config",
                            inv.subcommand().unwrap_or("")
                        ),
                    )
                    .at_most(Severity::Info),
            };
            ContainerScript::push(out, hit);
        }
    }
}

/// ` (through `nsenter`)`, or how a write reaches the host without entering it.
fn through(cs: &crate::model::script::ContainerScript, inv: &Invocation) -> String {
    match inv.host {
        Some(h) => format!("(through `{}`)", cs.entries[h].word),
        None => "(through the mounted host root)".to_string(),
    }
}
