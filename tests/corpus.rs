//! hostlint on real public manifests (`../shared/corpus`, read in place, never copied here): no
//! crash, every file linted or reported, the ordinary workloads quiet, the known breakages found on
//! their exact lines. Skips, saying so, when the corpus is not beside the checkout.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hostlint::discover::{Input, Kind, Origin};
use hostlint::rules::Severity;
use hostlint::{Config, Finding, Report, lint};

#[path = "support/shared.rs"]
mod support;

fn corpus() -> Option<PathBuf> {
    support::shared("corpus", "the corpus tests")
}

fn lint_files(dir: &Path, names: &[&str], config: &Config) -> Report {
    let inputs: Vec<Input> = names
        .iter()
        .map(|n| {
            let p = dir.join(n);
            Input {
                name: Arc::from(*n),
                kind: Kind::from_path(&p),
                origin: Origin::File(p),
            }
        })
        .collect();
    lint(&inputs, config)
}

fn all(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    names
}

fn at(r: &Report, file: &str, rule: &str) -> Vec<(u32, u32)> {
    r.findings
        .iter()
        .filter(|f| &*f.file == file && f.rule == rule)
        .map(|f| (f.span.start.line, f.span.start.col))
        .collect()
}

fn loud<'a>(r: &'a Report, file: &str) -> Vec<&'a Finding> {
    r.findings
        .iter()
        .filter(|f| &*f.file == file && f.severity >= Severity::Warning)
        .collect()
}

#[test]
fn the_whole_corpus_lints_without_errors() {
    let Some(dir) = corpus() else { return };
    let names = all(&dir);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let r = lint_files(&dir, &refs, &Config::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.files, names.len());
}

#[test]
fn ordinary_workloads_are_quiet() {
    let Some(dir) = corpus() else { return };
    let quiet = [
        "argo-cd-v3.5.1-install.yaml",
        "ingress-nginx-cloud-deploy.yaml",
        "metrics-server-capz-addon.yaml",
        "local-path-storage.yaml",
        "nvidia-device-plugin.yml",
        "rook-ceph-v1.20.6-operator.yaml",
    ];
    let r = lint_files(&dir, &quiet, &Config::default());
    for f in quiet {
        let l: Vec<String> = loud(&r, f)
            .iter()
            .map(|x| format!("{}:{} {}", x.span.start.line, x.rule, x.message))
            .collect();
        assert!(l.is_empty(), "{f}: {l:?}");
    }
    assert!(
        r.objects > 50,
        "the ordinary workloads were not read: {} objects",
        r.objects
    );
}

#[test]
fn usr_host_path_writes_are_found_on_their_lines() {
    let Some(dir) = corpus() else { return };
    let files = [
        "calico-v3.23-kdd-flexvol.yaml",
        "nvidia-gpu-operator-container-toolkit-daemonset.yaml",
    ];
    let r = lint_files(&dir, &files, &Config::default());
    assert_eq!(at(&r, files[0], "read-only-host-path-write"), [(677, 19)]);
    assert_eq!(at(&r, files[1], "read-only-host-path-write"), [(128, 19)]);
    let calico = r
        .findings
        .iter()
        .find(|f| f.rule == "read-only-host-path-write")
        .unwrap();
    assert_eq!(
        calico.helm_source.as_deref(),
        Some("calico/templates/calico-node.yaml")
    );
    assert_eq!(calico.container.as_deref(), Some("flexvol-driver"));
}

#[test]
fn read_only_host_mounts_are_never_writes() {
    let Some(dir) = corpus() else { return };
    let files = [
        "kube-prometheus-nodeExporter-daemonset.yaml",
        "falco-0.36.2-daemonset-kmod.yaml",
        "falco-0.44.1-daemonset.yaml",
        "datadog-agent-all-containers-daemonset.yaml",
    ];
    let r = lint_files(&dir, &files, &Config::default());
    for f in &r.findings {
        if f.rule == "host-root-write" || f.rule == "read-only-host-path-write" {
            // The only writable mount of these trees is falco's driver loader's /lib/modules.
            assert!(
                f.container.as_deref() == Some("falco-driver-loader")
                    && f.message.contains("/lib/modules"),
                "{}:{} {}",
                f.file,
                f.span.start.line,
                f.message
            );
        }
    }
    assert!(at(&r, files[0], "host-root-write").is_empty());
    assert!(
        at(&r, files[3], "apparmor-profile").is_empty(),
        "datadog's `unconfined` is fine"
    );
}

#[test]
fn apparmor_pods_are_reported() {
    let Some(dir) = corpus() else { return };
    let files = [
        "k8s-website-hello-apparmor.yaml",
        "k8s-website-hello-apparmor-2.yaml",
        "k8s-website-apparmor-default-pod.yaml",
    ];
    let r = lint_files(&dir, &files, &Config::default());
    assert_eq!(at(&r, files[0], "apparmor-profile"), [(7, 59)]);
    assert_eq!(at(&r, files[1], "apparmor-profile"), [(8, 13)]);
    assert_eq!(at(&r, files[2], "apparmor-profile"), [(10, 13)]);
}

#[test]
fn selinux_as_spec_words_it() {
    let Some(dir) = corpus() else { return };
    let files = [
        "nvidia-device-plugin.yml",
        "fluent-bit-ds-elasticsearch.yaml",
        "fluentd-daemonset-elasticsearch-rbac.yaml",
        "datadog-agent-all-containers-daemonset.yaml",
        "longhorn.yaml",
    ];
    let r = lint_files(&dir, &files, &Config::default());
    assert!(
        at(&r, files[0], "selinux-host-path-write").is_empty(),
        "the device plugin dir is container_file_t"
    );
    assert_eq!(at(&r, files[1], "selinux-host-path-write"), [(48, 17)]);
    assert_eq!(at(&r, files[2], "selinux-host-path-write"), [(113, 17)]);
    assert_eq!(at(&r, files[2], "selinux-host-log-read"), [(121, 17)]);
    assert_eq!(
        at(&r, files[3], "selinux-host-log-read"),
        [(654, 19), (657, 19)]
    );
    // CSI registrars (unprivileged, kubelet plugin dirs) stay silent.
    let registrar = r.findings.iter().filter(|f| {
        f.rule.starts_with("selinux-")
            && f.container
                .as_deref()
                .is_some_and(|c| c.contains("registrar"))
    });
    assert_eq!(registrar.count(), 0);
}
