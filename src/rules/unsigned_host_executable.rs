use super::{Hit, Lang, Note, Rule, Severity, Subject, host_mounts, host_path_hit, write_evidence};
use crate::model::script::ContainerScript;
use crate::model::workload::{is_under, normalize};

pub static UNSIGNED_HOST_EXECUTABLE: Rule = Rule {
    name: "unsigned-host-executable",
    severity: Severity::Error,
    summary: r#"A workload puts executables on the host for the host to run (code integrity readiness)"#,
    what: r#"Under code integrity (`--code-integrity audit|enforce`, or a host profile whose `code_integrity` is not `off`), flags workloads that place executables where the host runs them: CNI plugin installers writing `/opt/cni/bin`, binaries copied to `/opt/bin` or `/usr/local/bin` (then run through `nsenter`), FlexVolume drivers in the kubelet's plugin directory, credential-provider binaries. It reads writable hostPath mounts with evidence of a write (the path exists to be written, the container's script writes it, or the image is a known installer) and host-context scripts that write there. Info under `audit`, error under `enforce`, silent when `off`."#,
    why: r#"Integrity Policy Enforcement (IPE) lets the host execute only binaries from signed dm-verity volumes (the read-only `/usr` and the initramfs). Everything a pod copies onto the writable root partition, `/opt/bin`, `/opt/cni/bin`, `/etc/kubernetes/volumeplugins`, `/var/lib/kubelet/credential-provider`, is denied once the policy enforces; OS Guard runs the policy in audit mode, and ACL is announced to absorb it as an option (HOST-FACTS-profiles: Code integrity (IPE); S0, S1; IPE ipe.rst)."#,
    fix: r#"ship the binaries the host must run in a signed system extension or the node image (AKS's own CNI, CSI and credential providers already are), or run the tool inside the container instead of on the host"#,
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cni-installer
spec:
  selector: {matchLabels: {app: cni}}
  template:
    metadata: {labels: {app: cni}}
    spec:
      containers:
        - name: install
          image: example.com/cni-installer:1.0
          command: [sh, -c, "cp /plugins/* /host/opt/cni/bin/ && sleep infinity"]
          volumeMounts:
            - name: cni-bin
              mountPath: /host/opt/cni/bin
      volumes:
        - name: cni-bin
          hostPath:
            path: /opt/cni/bin
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: cni-reader
spec:
  selector: {matchLabels: {app: cni}}
  template:
    metadata: {labels: {app: cni}}
    spec:
      containers:
        - name: list
          image: example.com/cni-installer:1.0
          command: [sh, -c, "ls /host/opt/cni/bin && sleep infinity"]
          volumeMounts:
            - name: cni-bin
              mountPath: /host/opt/cni/bin
              readOnly: true
      volumes:
        - name: cni-bin
          hostPath:
            path: /opt/cni/bin
"#,
    references: &[
        "https://docs.kernel.org/admin-guide/LSM/ipe.html",
        "https://learn.microsoft.com/azure/azure-linux/os-guard-overview",
    ],
    tags: &["workload", "code-integrity", "script"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, scripts, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // The host's code integrity mode (profile fact `code_integrity`, `--code-integrity`).
    let audit = match profile.code_integrity() {
        "enforce" => false,
        "audit" => true,
        _ => return,
    };
    let dirs: Vec<&str> = profile.list("host_exec_dirs").collect();
    let exec_dir = |p: &str| dirs.iter().copied().find(|d| is_under(p, d));
    let start = out.len();
    for (pod, c, m, hp, v) in host_mounts(pods) {
        if m.read_only {
            continue;
        }
        // The mount is an executable directory (or inside one), and something writes it.
        if let Some(dir) = exec_dir(&hp) {
            if let Ok(evidence) = write_evidence(subject, pod, c, m, &hp) {
                let msg = format!(
                    "hostPath `{hp}` puts executables in `{dir}` for the host to run: code integrity lets the host execute only signed dm-verity binaries"
                );
                let mut hit = host_path_hit(v, m, c, msg);
                hit.notes.push(evidence.note(&hp));
                out.push(hit);
            }
            continue;
        }
        // A parent of an executable directory: the container's own writes that land in one.
        let Some(mp) = m.mount_path.map(normalize) else {
            continue;
        };
        let Some(cs) = super::script_of(pods, scripts, c) else {
            continue;
        };
        for inv in &cs.invocations {
            for (at, p) in &inv.targets {
                let Some(rest) = p.strip_prefix(mp.as_str()).filter(|r| r.starts_with('/')) else {
                    continue;
                };
                let host = format!("{}{rest}", hp.trim_end_matches('/'));
                if let Some(dir) = exec_dir(&host) {
                    ContainerScript::push(
                        out,
                        cs.hit(
                            at,
                            format!(
                                "`{}` writes `{host}` on the host through hostPath `{hp}`: an executable in `{dir}` for the host to run, which code integrity denies",
                                inv.program
                            ),
                        )
                        .container(&c.name),
                    );
                }
            }
        }
    }
    // Host-context scripts (`nsenter -t 1`, a chroot into the host root) that write there.
    for cs in scripts.iter() {
        for inv in &cs.invocations {
            for (at, p) in &inv.writes {
                if let Some(dir) = exec_dir(p) {
                    ContainerScript::push(
                        out,
                        cs.hit(
                            at,
                            format!(
                                "`{}` writes `{p}` on the host: an executable in `{dir}` for the host to run, which code integrity denies",
                                inv.program
                            ),
                        ),
                    );
                }
            }
        }
    }
    let mode = if audit { "audit" } else { "enforce" };
    for hit in &mut out[start..] {
        hit.notes.push(Note {
            line: None,
            message: format!(
                "{} code integrity is `{mode}`{}",
                profile.title(),
                if audit {
                    ": IPE logs this execution and allows it; it fails once the policy enforces"
                } else {
                    ""
                }
            ),
        });
        if audit {
            hit.severity = Some(Severity::Info);
        }
    }
}
