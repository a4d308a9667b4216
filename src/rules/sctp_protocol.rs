use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::{ContainerScript, Invocation};
use crate::parse::node::{Node, pointer, pointer_idx};

pub static SCTP_PROTOCOL: Rule = Rule {
    name: "sctp-protocol",
    severity: Severity::Warning,
    summary: "SCTP ports or `modprobe sctp`: ACL blacklists the SCTP module",
    what: "Flags `protocol: SCTP` on container ports, Service ports and NetworkPolicy ports, and `modprobe sctp` in host \
context.",
    why: "ACL blacklists the SCTP kernel module (`install sctp /bin/true` in `/usr/lib/modprobe.d/cis-blacklist.conf`, \
checked by its CIS tests): `modprobe sctp` silently does nothing and SCTP Services and ports do not work \
(HOST-FACTS: The host).",
    fix: "use TCP or UDP on ACL pools, or keep SCTP workloads on a node pool with another OS SKU",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Service
metadata:
  name: diameter
spec:
  selector: {app: diameter}
  ports:
    - port: 3868
      protocol: SCTP
"#,
    use_instead: r#"apiVersion: v1
kind: Service
metadata:
  name: diameter
spec:
  selector: {app: diameter}
  ports:
    - port: 3868
      protocol: TCP
"#,
    references: &["https://github.com/microsoft/azure-container-linux"],
    tags: &["workload", "network", "kernel"],
    check,
};

/// Whether a host-context invocation loads SCTP.
pub(crate) fn loads_sctp(inv: &Invocation) -> bool {
    inv.host.is_some()
        && matches!(inv.program.as_str(), "modprobe" | "insmod")
        && inv.words().any(|w| w == "sctp" || w.starts_with("sctp."))
}

fn ports(list: Option<&Node>, base: &str, out: &mut Vec<Hit>, container: Option<&str>) {
    for (i, p) in list
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(proto) = p.get("protocol") else {
            continue;
        };
        if proto.as_str().is_some_and(|s| s == "SCTP") {
            let mut hit = Hit::at(
                proto,
                pointer(&pointer_idx(base, i), "protocol"),
                "`protocol: SCTP`: ACL blacklists the SCTP module",
            );
            if let Some(c) = container {
                hit = hit.container(c);
            }
            out.push(hit);
        }
    }
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object {
        object,
        pods,
        scripts,
        ..
    } = subject
    else {
        return;
    };
    // Only a host that blocks the module breaks SCTP (profile fact `blocked_modules`).
    let profile = subject.profile();
    if !profile.module_blocked("sctp") {
        return;
    }
    let start = out.len();
    for pod in pods.iter() {
        for c in &pod.containers {
            ports(
                c.node.get("ports"),
                &pointer(&c.path, "ports"),
                out,
                Some(&c.name),
            );
        }
    }
    let spec = object.node.get("spec");
    let spec_path = pointer(&object.path, "spec");
    match object.id.kind.as_str() {
        "Service" => ports(
            spec.and_then(|s| s.get("ports")),
            &pointer(&spec_path, "ports"),
            out,
            None,
        ),
        "NetworkPolicy" => {
            for dir in ["ingress", "egress"] {
                for (i, rule) in spec
                    .and_then(|s| s.get(dir))
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    ports(
                        rule.get("ports"),
                        &pointer(&pointer_idx(&pointer(&spec_path, dir), i), "ports"),
                        out,
                        None,
                    );
                }
            }
        }
        _ => {}
    }
    for hit in &mut out[start..] {
        hit.message = hit.message.replace("ACL", profile.title());
    }
    for cs in scripts.iter() {
        for inv in cs.invocations.iter().filter(|i| loads_sctp(i)) {
            ContainerScript::push(
                out,
                cs.hit(
                    &inv.at,
                    format!(
                        "`{} sctp` in host context: {} blacklists the SCTP module",
                        inv.program,
                        profile.title()
                    ),
                ),
            );
        }
    }
}
