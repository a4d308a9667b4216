//! Host profiles: `--host`, `--from`, `--code-integrity` and `hostlint hosts`, on per-host inputs
//! (`tests/data/hosts/`) and on the real corpus (`../shared/corpus`, read in place, never copied
//! here; skipped, saying so, when it is not beside the checkout). Per-rule host fixtures are in
//! `fixtures/<rule>/*host-<name>*` and run with tests/rules.rs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use hostlint::discover::{Input, Kind, Origin};
use hostlint::host::{Hosts, profile};
use hostlint::rules::Severity;
use hostlint::{Config, Report, compare, lint};

#[path = "support/shared.rs"]
mod support;

fn host(name: &str) -> Config {
    Config {
        hosts: Hosts {
            active: profile::named(name).unwrap(),
        },
        ..Config::default()
    }
}

fn lint_dir_files(dir: &Path, names: &[String], config: &Config) -> Report {
    let inputs: Vec<Input> = names
        .iter()
        .map(|n| {
            let p = dir.join(n);
            Input {
                name: Arc::from(n.as_str()),
                kind: Kind::from_path(&p),
                origin: Origin::File(p),
            }
        })
        .collect();
    lint(&inputs, config)
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    names
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hosts")
}

/// (file, line, column, rule, severity) of the counted findings.
fn seen(r: &Report) -> Vec<(String, u32, u32, &'static str, Severity)> {
    r.findings
        .iter()
        .filter(|f| f.counts())
        .map(|f| {
            (
                f.file.to_string(),
                f.span.start.line,
                f.span.start.col,
                f.rule,
                f.severity,
            )
        })
        .collect()
}

#[test]
fn from_osguard_keeps_exactly_what_breaks_on_acl() {
    let dir = data();
    let names = files(&dir);
    let mut on_acl = lint_dir_files(&dir, &names, &host("acl"));
    let on_osguard = lint_dir_files(&dir, &names, &host("osguard"));
    assert!(on_acl.errors.is_empty() && on_osguard.errors.is_empty());
    // What fails on both is there on both before the comparison.
    for r in [&on_acl, &on_osguard] {
        let rules: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"host-package-install"), "{rules:?}");
        assert!(rules.contains(&"sctp-protocol"), "{rules:?}");
    }
    compare(&mut on_acl, &on_osguard, "acl", "osguard");
    assert_eq!(
        seen(&on_acl),
        [
            (
                "containerd.yaml".to_string(),
                22,
                19,
                "containerd-config-write",
                Severity::Warning
            ),
            // container_t may not write `/etc/containerd` (`container_config_t`) on ACL.
            (
                "containerd.yaml".to_string(),
                22,
                19,
                "selinux-host-path-write",
                Severity::Warning
            ),
            (
                "shipper.yaml".to_string(),
                22,
                19,
                "selinux-host-log-read",
                Severity::Warning
            ),
        ]
    );
    assert_eq!(
        hostlint::report::human::summary(&on_acl),
        "3 findings new on acl compared with osguard. Found 3 warnings in 3 files (5 objects)."
    );
}

#[test]
fn from_a_host_against_itself_reports_nothing() {
    let dir = data();
    let names = files(&dir);
    let mut a = lint_dir_files(&dir, &names, &host("flatcar"));
    let b = lint_dir_files(&dir, &names, &host("flatcar"));
    assert!(!a.findings.is_empty());
    compare(&mut a, &b, "flatcar", "flatcar");
    assert!(a.findings.is_empty(), "{:?}", seen(&a));
}

#[test]
fn from_ubuntu_reports_what_an_immutable_host_refuses() {
    let dir = data();
    let names = files(&dir);
    let mut on_acl = lint_dir_files(&dir, &names, &host("acl"));
    let on_ubuntu = lint_dir_files(&dir, &names, &host("ubuntu"));
    compare(&mut on_acl, &on_ubuntu, "acl", "ubuntu");
    let rules: Vec<&str> = on_acl.findings.iter().map(|f| f.rule).collect();
    // apt/tdnf works on Ubuntu's mutable /usr and SCTP is blocked there too (AgentBaker's CIS.conf).
    assert!(rules.contains(&"host-package-install"), "{rules:?}");
    assert!(!rules.contains(&"sctp-protocol"), "{rules:?}");
}

#[test]
fn from_ubuntu_decides_the_scripts_host_branches_with_ubuntus_files() {
    // `/etc/debian_version` exists on Ubuntu (hosts/ubuntu.yaml `present_files`) and not on ACL: the
    // `else` branch never ran on the source host and runs on ACL, so its finding is new there; the
    // `then` branch ran on Ubuntu only.
    let text = "apiVersion: v1
kind: Pod
metadata: {name: sctp}
spec:
  hostPID: true
  containers:
    - name: setup
      image: alpine:3.19
      securityContext: {privileged: true}
      command:
        - nsenter
        - --target=1
        - --mount
        - --
        - sh
        - -c
        - |
          if [ -f /etc/debian_version ]; then
            modprobe sctp
          else
            modprobe -v sctp
          fi
";
    let name: hostlint::source::FileName = Arc::from("sctp.yaml");
    let run = |h: &str| hostlint::lint_bytes(&name, text.as_bytes(), Kind::Yaml, &host(h));
    let on_ubuntu = run("ubuntu");
    let mut on_acl = run("acl");
    let branch = |r: &Report, line: u32| {
        r.findings
            .iter()
            .find(|f| f.rule == "sctp-protocol" && f.span.start.line == line)
            .map(|f| f.severity)
    };
    assert_eq!(branch(&on_ubuntu, 19), Some(Severity::Warning));
    assert_eq!(branch(&on_ubuntu, 21), Some(Severity::Info));
    assert_eq!(branch(&on_acl, 19), Some(Severity::Info));
    assert_eq!(branch(&on_acl, 21), Some(Severity::Warning));
    compare(&mut on_acl, &on_ubuntu, "acl", "ubuntu");
    assert_eq!(
        seen(&on_acl),
        [(
            "sctp.yaml".to_string(),
            21,
            13,
            "sctp-protocol",
            Severity::Warning
        )]
    );
}

#[test]
fn the_cli_compares_hosts_and_lists_them() {
    let bin = env!("CARGO_BIN_EXE_hostlint");
    let out = Command::new(bin)
        .args([
            "check", "--host", "acl", "--from", "osguard", "--color", "never",
        ])
        .arg(data())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3 findings new on acl compared with osguard."),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "warnings only: {text}");
    let out = Command::new(bin).arg("hosts").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(names, ["acl", "osguard", "flatcar", "ubuntu", "azurelinux"]);
    let out = Command::new(bin)
        .args(["check", "--host", "gentoo", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(bin)
        .args(["explain", "selinux-host-log-read"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("- `acl` (ACL): the example is reported at warning")
            && text.contains("- `osguard` (OS Guard): the example is not reported"),
        "{text}"
    );
}

#[test]
fn code_integrity_comes_from_the_config_and_the_flag() {
    let dir = std::env::temp_dir().join(format!("hostlint-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/unsigned-host-executable/fail-ci-enforce.yaml");
    std::fs::copy(&fixture, dir.join("ds.yaml")).unwrap();
    let bin = env!("CARGO_BIN_EXE_hostlint");
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .args([
                "check",
                "--format",
                "json",
                "--select",
                "unsigned-host-executable",
            ])
            .args(args)
            .arg(dir.join("ds.yaml"))
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f["line"],
                    f["column"],
                    f["severity"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(run(&[]).is_empty());
    assert_eq!(
        run(&["--code-integrity", "enforce"]),
        ["27:32 error", "29:52 error", "37:19 error"]
    );
    assert_eq!(
        run(&["--host", "osguard"]),
        ["27:32 info", "29:52 info", "37:19 info"]
    );
    std::fs::write(
        dir.join(".hostlint.yaml"),
        "host:\n  name: acl\n  code_integrity: audit\n",
    )
    .unwrap();
    assert_eq!(run(&[]), ["27:32 info", "29:52 info", "37:19 info"]);
    std::fs::write(
        dir.join(".hostlint.yaml"),
        "host:\n  code_integrity: sometimes\n",
    )
    .unwrap();
    let out = Command::new(bin)
        .args(["check"])
        .arg(dir.join("ds.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains(".hostlint.yaml:2:19: `code_integrity` must be one of off, audit, enforce"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

const ORDINARY: &[&str] = &[
    "argo-cd-v3.5.1-install.yaml",
    "ingress-nginx-cloud-deploy.yaml",
    "metrics-server-capz-addon.yaml",
    "local-path-storage.yaml",
    "nvidia-device-plugin.yml",
    "rook-ceph-v1.20.6-operator.yaml",
];

#[test]
fn the_corpus_lints_on_every_host_and_ordinary_workloads_stay_quiet() {
    let Some(dir) = support::shared("corpus", "the host corpus tests") else {
        return;
    };
    let names = files(&dir);
    for name in profile::names() {
        let r = lint_dir_files(&dir, &names, &host(name));
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        assert_eq!(r.files, names.len(), "{name}");
        let loud: Vec<String> = r
            .findings
            .iter()
            .filter(|f| {
                f.counts() && f.severity >= Severity::Warning && ORDINARY.contains(&&*f.file)
            })
            .map(|f| format!("{}:{} {} {}", f.file, f.span.start.line, f.rule, f.message))
            .collect();
        assert!(loud.is_empty(), "{name}: {loud:?}");
    }
}

#[test]
fn the_corpus_differs_by_host_where_the_facts_do() {
    let Some(dir) = support::shared("corpus", "the host corpus tests") else {
        return;
    };
    let names = files(&dir);
    let count = |name: &str, rule: &str| {
        lint_dir_files(&dir, &names, &host(name))
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.counts() && f.severity >= Severity::Warning)
            .count()
    };
    // Log shippers (fluent-bit, fluentd, ...) are blinded on ACL only.
    assert!(count("acl", "selinux-host-log-read") > 0);
    assert_eq!(count("osguard", "selinux-host-log-read"), 0);
    assert_eq!(count("flatcar", "selinux-host-log-read"), 0);
    // Kernel-module builders fail under Secure Boot (ACL, OS Guard), not on Flatcar without it.
    assert!(count("acl", "kernel-module-build") > 0);
    assert!(count("osguard", "kernel-module-build") > 0);
    assert_eq!(count("flatcar", "kernel-module-build"), 0);
    // AppArmor profiles are enforced only where AppArmor runs.
    assert!(count("flatcar", "apparmor-profile") > 0);
    assert_eq!(count("ubuntu", "apparmor-profile"), 0);
}

#[test]
fn every_profile_file_is_built_in_and_every_fact_cites_a_source() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("hosts");
    let on_disk = files(&dir);
    let mut built_in: Vec<String> = profile::names()
        .iter()
        .map(|n| format!("{n}.yaml"))
        .collect();
    built_in.sort();
    assert_eq!(on_disk, built_in);
    for name in profile::names() {
        let text = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).unwrap();
        let p = profile::Profile::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(p.facts.len(), profile::FACTS.len(), "{name}");
        for (key, fact) in &p.facts {
            // A source names a primary source in brackets or a design-note section, or says which
            // fact of the same profile it follows from.
            let follows = fact
                .source
                .strip_prefix("follows from `")
                .and_then(|s| s.split_once('`'))
                .is_some_and(|(k, _)| p.facts.contains_key(k));
            assert!(
                fact.source.contains('[') || fact.source.contains("HOST-FACTS") || follows,
                "{name}: `{key}` cites no source: {}",
                fact.source
            );
        }
    }
}

#[test]
fn review_judges_an_admission_for_the_chosen_host() {
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "shipper", "namespace": "logging"},
        "spec": {
            "containers": [{"name": "s", "image": "example.com/shipper:2.1",
                "volumeMounts": [{"name": "varlog", "mountPath": "/var/log", "readOnly": true}]}],
            "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log"}}]
        }
    });
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "namespace": "logging", "name": "shipper", "object": pod}
    });
    let dir = std::env::temp_dir().join(format!("hostlint-review-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("review.json");
    std::fs::write(&file, review.to_string()).unwrap();
    let warnings = |host: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
            .current_dir(&dir)
            .args(["review", "--host", host])
            .arg(&file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["response"]["warnings"].as_array().map_or(0, |w| w.len())
    };
    assert_eq!(warnings("acl"), 1);
    assert_eq!(warnings("osguard"), 0);
    std::fs::remove_dir_all(&dir).ok();
}
