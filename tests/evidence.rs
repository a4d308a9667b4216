//! Errors need evidence (issue 15): a finding's own severity caps its rule's, and the config still
//! moves a rule up, down or off; guards and write evidence say why in their notes.

use std::sync::Arc;

use hostlint::discover::Kind;
use hostlint::rules::Severity;
use hostlint::{Config, Report, lint_bytes};

/// Two writable /lib/modules mounts: one read only (info), one written by `cp` (error).
const MODULES: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: reader
      image: example.com/reader:1
      command: [sh, -c, 'ls /lib/modules']
      volumeMounts: [{name: m, mountPath: /lib/modules}]
    - name: writer
      image: example.com/writer:1
      command: [sh, -c, 'cp x.ko /lib/modules/$(uname -r)/extra/']
      volumeMounts: [{name: m, mountPath: /lib/modules}]
  volumes:
    - {name: m, hostPath: {path: /lib/modules}}
"#;

fn run(text: &str, config: &Config) -> Report {
    lint_bytes(&Arc::from("p.yaml"), text.as_bytes(), Kind::Yaml, config)
}

/// (container, severity) of each finding of `rule`, by container.
fn severities(r: &Report, rule: &str) -> Vec<(String, Severity)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.container.clone().unwrap_or_default(), f.severity))
        .collect();
    v.sort();
    v
}

#[test]
fn a_finding_without_evidence_stays_below_its_rule_whatever_the_config() {
    let rule = "read-only-host-path-write";
    let r = run(MODULES, &Config::default());
    assert_eq!(
        severities(&r, rule),
        [
            ("reader".to_string(), Severity::Info),
            ("writer".to_string(), Severity::Error)
        ]
    );
    let writer = r
        .findings
        .iter()
        .find(|f| f.container.as_deref() == Some("writer"))
        .unwrap();
    assert!(
        writer
            .notes
            .iter()
            .any(|n| n.line == Some(13) && n.message.contains("`cp` writes")),
        "{:?}",
        writer.notes
    );
    // The config lowers the rule: the error follows, the hygiene finding stays info.
    let mut config = Config::default();
    config
        .severities
        .insert(rule.to_string(), Some(Severity::Warning));
    assert_eq!(
        severities(&run(MODULES, &config), rule),
        [
            ("reader".to_string(), Severity::Info),
            ("writer".to_string(), Severity::Warning)
        ]
    );
    // Off is off.
    config.severities.insert(rule.to_string(), None);
    assert!(severities(&run(MODULES, &config), rule).is_empty());
    // Raising an info rule raises its findings.
    let mut config = Config::default();
    config
        .severities
        .insert("host-pid".to_string(), Some(Severity::Error));
    let pid = run(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: on\n  containers: [{name: c, image: x}]\n",
        &config,
    );
    assert_eq!(pid.findings[0].severity, Severity::Error);
    assert_eq!(
        pid.findings[0].message,
        "`hostPID: on` shares the host's process namespace"
    );
}

#[test]
fn guards_name_what_decides_them() {
    let text = r#"apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostPID: true
  containers:
    - name: c
      image: alpine
      command:
        - nsenter
        - -t1
        - -m
        - --
        - sh
        - -c
        - |
          if [ -f /etc/debian_version ]; then apt-get install -y nfs-common; fi
          if [ "$(uname -r)" = 5.15 ]; then tdnf install -y jq; fi
"#;
    let r = run(text, &Config::default());
    let found: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "host-package-install")
        .map(|f| {
            (
                f.span.start.line,
                f.severity,
                f.notes
                    .iter()
                    .map(|n| n.message.clone())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (18, Severity::Info));
    assert!(found[0].2[0].contains("`[ -f /etc/debian_version ]` does not hold"));
    assert_eq!((found[1].0, found[1].1), (19, Severity::Error));
    assert!(found[1].2[0].contains("hostlint cannot tell"));
}
