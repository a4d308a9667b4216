use super::selinux_type_unknown::selinux_options;
use super::{Hit, Lang, Rule, Severity, Subject};
use crate::parse::node::pointer;

pub static SELINUX_LEVEL_ALL_CATEGORIES: Rule = Rule {
    name: "selinux-level-all-categories",
    severity: Severity::Warning,
    summary: "`seLinuxOptions.level` `s0:c0.c1023`: all MCS categories",
    what: "Flags `seLinuxOptions.level` (pod or container) that spans every MCS category, `s0:c0.c1023` (also as a range \
`s0-s0:c0.c1023`).",
    why: "ACL gives every container its own MCS category pair, which is what keeps one container from reading another's \
files under SELinux; a level with all categories dominates every container on the node and defeats that isolation \
(HOST-FACTS: SELinux).",
    fix: "drop `level` (the runtime assigns a unique pair), or set the same specific pair (`s0:c123,c456`) on the pods that must share relabelled volumes",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  securityContext:
    seLinuxOptions: {level: "s0:c0.c1023"}
  containers:
    - name: c
      image: busybox:1.36
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  securityContext:
    seLinuxOptions: {level: "s0:c123,c456"}
  containers:
    - name: c
      image: busybox:1.36
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/selinux.md",
    ],
    tags: &["workload", "selinux"],
    check,
};

fn all_categories(level: &str) -> bool {
    let l: String = level.chars().filter(|c| !c.is_whitespace()).collect();
    let high = l.rsplit('-').next().unwrap_or(&l);
    high.ends_with(":c0.c1023")
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { pods, .. } = subject else {
        return;
    };
    for pod in pods.iter() {
        for (o, path, container) in selinux_options(pod) {
            let Some(l) = o.get("level") else { continue };
            let Some(level) = l.as_str().filter(|s| all_categories(s)) else {
                continue;
            };
            let hit = Hit::at(
                l,
                pointer(&path, "level"),
                format!("SELinux level `{level}` spans every MCS category"),
            );
            out.push(match container {
                Some(c) => hit.container(c),
                None => hit,
            });
        }
    }
}
