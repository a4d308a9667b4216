use super::host_package_install::install;
use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::ContainerScript;

pub static CONTAINER_PACKAGE_INSTALL: Rule = Rule {
    name: "container-package-install",
    severity: Severity::Info,
    summary: "A package manager installs into the container itself at start-up",
    what: "Flags a package install (`apt-get install`, `yum install`, `apk add`, ...) that a container's command runs \
inside its own filesystem, not in host context.",
    why: "It works on ACL, since the container brings its own distribution, but it makes every start depend on a \
package mirror and installs unpinned software on each node; it belongs in the image. Reported so that a reviewer can \
tell it apart from a host install (`host-package-install`), which ACL refuses: the host has no package manager \
(HOST-FACTS: The host).",
    fix: "install the packages in the image's Dockerfile instead of at container start-up",
    lang: Lang::Yaml,
    example: r#"apiVersion: v1
kind: Pod
metadata:
  name: tools
spec:
  containers:
    - name: tools
      image: ubuntu:24.04
      command: [bash, -c, "apt-get update && apt-get install -y curl && sleep infinity"]
"#,
    use_instead: r#"apiVersion: v1
kind: Pod
metadata:
  name: tools
spec:
  containers:
    - name: tools
      image: example.com/tools-with-curl:1.0
      command: [bash, -c, "sleep infinity"]
"#,
    references: &["https://docs.docker.com/build/building/best-practices/"],
    tags: &["workload", "script"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { scripts, .. } = subject else {
        return;
    };
    for cs in scripts.iter() {
        for inv in cs.invocations.iter().filter(|i| i.host.is_none()) {
            if let Some((pm, pkgs)) = install(inv) {
                let what = if pkgs.is_empty() {
                    String::new()
                } else {
                    format!(" `{}`", pkgs.join(" "))
                };
                ContainerScript::push(
                    out,
                    cs.hit(
                        &inv.at,
                        format!("`{pm}` installs{what} into the container at start-up"),
                    ),
                );
            }
        }
    }
}
