use super::{Hit, Lang, Rule, Severity, Subject};
use crate::parse::node::{Node, pointer};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub static APPARMOR_PROFILE: Rule = Rule {
    name: "apparmor-profile",
    severity: Severity::Error,
    summary: "An AppArmor profile on a host without AppArmor: the kubelet rejects the pod",
    what: "Flags the annotation `container.apparmor.security.beta.kubernetes.io/<container>` with any value but \
`unconfined`, and `appArmorProfile.type` `RuntimeDefault` or `Localhost` in a pod or container `securityContext`.",
    why: "Azure Container Linux has SELinux, not AppArmor. Since Kubernetes 1.31 the kubelet rejects a pod that asks \
for an AppArmor profile other than Unconfined on a node without AppArmor (\"Cannot enforce AppArmor: AppArmor is \
not enabled on the host\"), and ACL needs Kubernetes 1.34 (HOST-FACTS: AppArmor; kubernetes/kubernetes#125776).",
    fix: "remove the AppArmor profile (or set it to `unconfined`) for pods that run on ACL; SELinux confines them there",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: hello-apparmor
  annotations:
    container.apparmor.security.beta.kubernetes.io/hello: localhost/k8s-apparmor-example-deny-write
spec:
  containers:
    - name: hello
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: hello-apparmor
spec:
  containers:
    - name: hello
      image: busybox:1.36
"#,
    references: &[
        "https://github.com/kubernetes/kubernetes/pull/125776",
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
    ],
    tags: &["workload", "apparmor"],
    check,
};

/// The fix: the AppArmor request goes (unsafe: the pod then runs without the profile it asked
/// for on hosts that have AppArmor; on ACL the kubelet refuses the pod otherwise).
pub(crate) const REMOVE: crate::fix::Offer = crate::fix::Offer {
    safety: crate::fix::Safety::Unsafe,
    title: "remove the AppArmor profile request",
};
pub(crate) static FIXES: &[crate::fix::Offer] = &[REMOVE];

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    // A host with AppArmor enforces the profile (profile fact `apparmor`).
    if subject.profile().flag("apparmor") {
        return;
    }
    for pod in pods.iter() {
        for (k, v) in pod.annotations() {
            let (Some(key), Some(value)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            let Some(container) = key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            if value != "unconfined" {
                let annotations_path = pointer(&pod.metadata_path, "annotations");
                let path = pointer(&annotations_path, key);
                let edit = pod.metadata.and_then(|m| {
                    REMOVE.remove(
                        m.get("annotations")?,
                        &annotations_path,
                        m.get_key("annotations"),
                        key,
                    )
                });
                out.push(
                    Hit::at(v, path, format!("AppArmor profile `{value}` requested for container `{container}` on a host without AppArmor"))
                        .container(container)
                        .edit_opt(edit),
                );
            }
        }
        profile_type(
            pod.security(),
            pod.node.get_key("securityContext"),
            &pointer(&pod.path, "securityContext"),
            None,
            out,
        );
        for c in &pod.containers {
            profile_type(
                c.security(),
                c.node.get_key("securityContext"),
                &pointer(&c.path, "securityContext"),
                Some(&c.name),
                out,
            );
        }
    }
}

fn profile_type(
    sc: Option<&Node>,
    sc_key: Option<&Node>,
    path: &str,
    container: Option<&str>,
    out: &mut Vec<Hit>,
) {
    let Some(t) = sc.and_then(|s| s.at(&["appArmorProfile", "type"])) else {
        return;
    };
    let Some(value) = t.as_str() else { return };
    if value == "RuntimeDefault" || value == "Localhost" {
        let hit = Hit::at(
            t,
            pointer(&pointer(path, "appArmorProfile"), "type"),
            format!("`appArmorProfile.type: {value}` on a host without AppArmor"),
        )
        .edit_opt(sc.and_then(|sc| REMOVE.remove(sc, path, sc_key, "appArmorProfile")));
        out.push(match container {
            Some(c) => hit.container(c),
            None => hit,
        });
    }
}
