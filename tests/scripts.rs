//! Script analysis on the real corpus (exact positions) and on random scripts. The fixtures and
//! rule examples are checked with every other rule's, in tests/rules.rs and tests/meta.rs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hostlint::discover::{Input, Kind, Origin};
use hostlint::{Config, Report, lint, lint_bytes};

#[path = "support/shared.rs"]
mod support;

fn corpus() -> Option<PathBuf> {
    support::shared("corpus", "the corpus script checks")
}

fn run(corpus: &Path, files: &[&str]) -> Report {
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| Input {
            name: Arc::from(*f),
            origin: Origin::File(corpus.join(f)),
            kind: Some(Kind::Yaml),
        })
        .collect();
    lint(&inputs, &Config::default())
}

/// (file, line, column, rule, message fragment) of every finding of `rule`.
fn hits(r: &Report, rule: &str) -> Vec<(String, u32, u32, String)> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            (
                f.file.to_string(),
                f.span.start.line,
                f.span.start.col,
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn corpus_host_installs_are_found_exactly() {
    let Some(c) = corpus() else { return };
    // Installers whose script is an anchored annotation, run through `*cmd` on line 29 col 13.
    for (file, line, col, wanted) in [
        (
            "longhorn-iscsi-installation.yaml",
            29,
            13,
            "open-iscsi (`iscsiadm`) is already on the node: drop the installer",
        ),
        (
            "longhorn-nfs-installation.yaml",
            29,
            13,
            "nfs-utils is already on the node: drop the installer",
        ),
        ("longhorn-spdk-setup.yaml", 29, 11, ""),
    ] {
        let r = run(&c, &[file]);
        let h = r
            .findings
            .iter()
            .filter(|f| f.rule == "host-package-install")
            .collect::<Vec<_>>();
        assert!(h.len() >= 3, "{file}: {h:?}");
        assert!(
            h.iter()
                .all(|f| (f.span.start.line, f.span.start.col) == (line, col)),
            "{file}: {h:?}"
        );
        assert!(
            h.iter().all(|f| f.notes.iter().any(|n| n.line == Some(9))),
            "{file}: the anchor's line is noted"
        );
        if !wanted.is_empty() {
            assert!(
                h.iter().any(|f| f.fix == wanted),
                "{file}: {:?}",
                h.iter().map(|f| &f.fix).collect::<Vec<_>>()
            );
        }
    }
    let r = run(&c, &["azure-voldrivers-sysctl-install-blobfuse.yaml"]);
    let h = hits(&r, "host-package-install");
    assert_eq!(
        h.iter().map(|h| (h.1, h.2)).collect::<Vec<_>>(),
        [(34, 11), (35, 11)],
        "{h:?}"
    );
    let r = run(&c, &["azure-voldrivers-init-openebs-env.yaml"]);
    let h = hits(&r, "host-package-install");
    assert_eq!(
        h.iter().map(|h| (h.1, h.2)).collect::<Vec<_>>(),
        [(42, 15)],
        "{h:?}"
    );
}

#[test]
fn corpus_configmap_script_runs_in_the_workload_context() {
    let Some(c) = corpus() else { return };
    let ds = "gke-init-daemonsets-daemon-set.yaml";
    let cm = "gke-init-daemonsets-cm-entrypoint.yaml";
    let r = run(&c, &[ds, cm]);
    let h = hits(&r, "host-package-install");
    assert_eq!(
        h.iter()
            .map(|h| (h.0.as_str(), h.1, h.2))
            .collect::<Vec<_>>(),
        [(cm, 64, 32), (cm, 65, 32)],
        "{h:?}"
    );
    assert!(
        h.iter().all(|h| h.3.contains("DaemonSet/node-initializer")),
        "{h:?}"
    );
    // The container-local apt-get lines of the same script are not host installs.
    let local = hits(&r, "container-package-install");
    assert_eq!(
        local.iter().map(|h| h.1).collect::<Vec<_>>(),
        [32, 39],
        "{local:?}"
    );
    // Alone, the ConfigMap is data.
    let alone = run(&c, &[cm]);
    assert!(alone.findings.is_empty(), "{:?}", alone.findings);
}

#[test]
fn corpus_selinux_queries_and_driver_builds() {
    let Some(c) = corpus() else { return };
    let r = run(&c, &["longhorn-iscsi-selinux-workaround.yaml"]);
    assert!(hits(&r, "host-package-install").is_empty());
    assert_eq!(
        hits(&r, "host-selinux-change")
            .iter()
            .map(|h| (h.1, h.2))
            .collect::<Vec<_>>(),
        [(28, 13)]
    );
    assert!(
        hits(&r, "host-namespace-exec").is_empty(),
        "the semodule finding covers the nsenter entry"
    );
    let r = run(&c, &["falco-0.36.2-daemonset-kmod.yaml"]);
    assert_eq!(
        hits(&r, "kernel-module-build")
            .iter()
            .map(|h| (h.1, h.2))
            .collect::<Vec<_>>(),
        [(120, 18)]
    );
    let r = run(&c, &["falco-0.44.1-daemonset.yaml"]);
    assert!(
        hits(&r, "kernel-module-build").is_empty(),
        "`auto` picks modern eBPF"
    );
    let r = run(&c, &["nvidia-gpu-operator-state-driver-daemonset.yaml"]);
    assert_eq!(
        hits(&r, "kernel-module-build")
            .iter()
            .map(|h| (h.1, h.2))
            .collect::<Vec<_>>(),
        [(95, 19)]
    );
}

#[test]
fn corpus_ordinary_workloads_stay_quiet() {
    let Some(c) = corpus() else { return };
    for f in [
        "argo-cd-v3.5.1-install.yaml",
        "ingress-nginx-cloud-deploy.yaml",
        "metrics-server-capz-addon.yaml",
        "local-path-storage.yaml",
        "nvidia-device-plugin.yml",
        "rook-ceph-v1.20.6-operator.yaml",
    ] {
        let r = run(&c, &[f]);
        let loud: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= hostlint::rules::Severity::Warning)
            .map(|f| (f.rule, f.span.start.line, &f.message))
            .collect();
        assert!(loud.is_empty(), "{f}: {loud:?}");
    }
}

/// Random scripts in a pod that mounts the host root and a ConfigMap it runs: the whole pipeline
/// (YAML positions, shell reader, host context, correlation) never panics.
#[test]
fn random_scripts_never_panic_the_pipeline() {
    let words = [
        "nsenter",
        "-t",
        "1",
        "-m",
        "--",
        "chroot",
        "/host",
        "\"$R\"",
        "sh",
        "-c",
        "'",
        "\"",
        "apt-get",
        "install",
        "x",
        "<<E",
        "\nE\n",
        "<",
        "/s/a.sh",
        "$(",
        ")",
        "`",
        ";",
        "&&",
        "|",
        "\n",
        "\\\n",
        "f()",
        "{",
        "}",
        "case",
        "in",
        "esac",
        "é",
        "${R:-/host}",
        "cp",
        "/s/a.sh",
        "/host/tmp/",
        "eval",
    ];
    let mut x: u64 = 42;
    let mut next = |n: usize| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize % n
    };
    let name: Arc<str> = Arc::from("fuzz.yaml");
    for _ in 0..3000 {
        let mut script = String::new();
        for _ in 0..next(24) + 1 {
            script.push_str(words[next(words.len())]);
            script.push(' ');
        }
        let body: String = script.lines().map(|l| format!("      {l}\n")).collect();
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\ndata:\n  a.sh: |\n{body}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  volumes:\n  - {{name: h, hostPath: {{path: /}}}}\n  - {{name: s, configMap: {{name: cm}}}}\n  containers:\n  - name: c\n    env: [{{name: R, value: /host}}]\n    volumeMounts: [{{name: h, mountPath: /host}}, {{name: s, mountPath: /s}}]\n    command:\n    - sh\n    - -c\n    - |\n{body}"
        );
        let _ = lint_bytes(&name, yaml.as_bytes(), Kind::Yaml, &Config::default());
    }
}
