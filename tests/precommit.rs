//! `.pre-commit-hooks.yaml` tested for real: `pre-commit try-repo <this checkout> hostlint --files ...` in a
//! temporary git repository passes on a clean manifest and fails, naming the rule, on a bad one; and
//! `--all-files` passes on a repository that holds a Helm chart (its templates are not YAML).
//!
//! try-repo builds the hook from this checkout's committed HEAD with `cargo install`, so uncommitted changes
//! are not what it runs. Skipped (with a message) when `pre-commit` or `git` is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CLEAN: &str = "apiVersion: v1
kind: Pod
metadata:
  name: clean
spec:
  containers:
    - name: c
      image: busybox:1.36
";

const BAD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
    - name: c
      image: busybox:1.36
      command: [sh, -c, \"cp /bin/tool /host/sbin/\"]
      volumeMounts:
        - name: sbin
          mountPath: /host/sbin
  volumes:
    - name: sbin
      hostPath:
        path: /usr/local/sbin
";

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(dir: &Path, cmd: &str, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(cmd);
    c.args(args).current_dir(dir);
    for (k, v) in envs {
        c.env(k, v);
    }
    // The test checks the hook's wiring, not an optimised binary: build `cargo install`'s release profile
    // unoptimised and incrementally so that a new HEAD rebuilds in seconds.
    c.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    c.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
}

#[test]
fn pre_commit_try_repo_passes_clean_and_fails_bad() {
    if !have("pre-commit") || !have("git") {
        eprintln!("skipped: `pre-commit` or `git` is not installed (pip install pre-commit)");
        return;
    }
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = checkout.join("target");
    let repo = target.join(format!("precommit-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("clean.yaml"), CLEAN).unwrap();
    std::fs::write(repo.join("bad.yaml"), BAD).unwrap();
    assert!(run(&repo, "git", &["init", "-q"], &[]).status.success());
    assert!(
        run(&repo, "git", &["add", "clean.yaml", "bad.yaml"], &[])
            .status
            .success()
    );

    // Reuse pre-commit's cache and cargo's build directory between runs (the hook is built once per HEAD).
    let home = target.join("pre-commit-home");
    let build = target.join("pre-commit-build");
    let envs: [(&str, &Path); 2] = [("PRE_COMMIT_HOME", &home), ("CARGO_TARGET_DIR", &build)];
    let checkout_s = checkout.to_string_lossy();

    let clean = run(
        &repo,
        "pre-commit",
        &["try-repo", &checkout_s, "hostlint", "--files", "clean.yaml"],
        &envs,
    );
    let out = String::from_utf8_lossy(&clean.stdout).to_string()
        + &String::from_utf8_lossy(&clean.stderr);
    assert!(clean.status.success(), "clean file should pass:\n{out}");
    assert!(out.contains("Passed"), "{out}");

    let bad = run(
        &repo,
        "pre-commit",
        &["try-repo", &checkout_s, "hostlint", "--files", "bad.yaml"],
        &envs,
    );
    let out =
        String::from_utf8_lossy(&bad.stdout).to_string() + &String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "bad file should fail:\n{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("read-only-host-path-write"),
        "the rule should be named:\n{out}"
    );
    assert!(out.contains("bad.yaml"), "{out}");
    let _ = std::fs::remove_dir_all(&repo);

    // A repository with a chart, a kustomize base and Terraform: pre-commit hands hostlint every
    // templates/*.yaml by name; they are skipped as chart templates, not refused as broken YAML.
    let repo = target.join(format!("precommit-chart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    let files: [(&str, &str); 7] = [
        (
            "charts/web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ),
        ("charts/web/values.yaml", "replicaCount: 1\n"),
        (
            "charts/web/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"web.fullname\" . }}\nspec:\n  {{- if .Values.replicaCount }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n",
        ),
        (
            "charts/web/templates/_helpers.tpl",
            "{{- define \"web.fullname\" -}}web{{- end }}\n",
        ),
        ("base/kustomization.yaml", "resources: [pod.yaml]\n"),
        ("base/pod.yaml", CLEAN),
        (
            "infra/main.tf",
            "resource \"azurerm_resource_group\" \"rg\" {\n  name     = \"rg\"\n  location = \"westeurope\"\n}\n",
        ),
    ];
    for (path, text) in files {
        let p = repo.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    assert!(run(&repo, "git", &["init", "-q"], &[]).status.success());
    assert!(run(&repo, "git", &["add", "."], &[]).status.success());
    let chart = run(
        &repo,
        "pre-commit",
        &[
            "try-repo",
            &checkout_s,
            "hostlint",
            "--all-files",
            "--verbose",
        ],
        &envs,
    );
    let out = String::from_utf8_lossy(&chart.stdout).to_string()
        + &String::from_utf8_lossy(&chart.stderr);
    assert!(
        chart.status.success(),
        "a repository with a chart should pass:\n{out}"
    );
    assert!(out.contains("Passed"), "{out}");
    assert!(
        out.contains("Helm chart charts/web: 1 template not linted; lint the rendered chart: helm template charts/web | hostlint check -"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&repo);
}

/// The `hostlint-fix` hook applies the safe fixes: pre-commit fails the first run (it modified a file)
/// and passes the second, with the file fixed in place.
#[test]
fn pre_commit_hostlint_fix_hook_fixes_in_place() {
    if !have("pre-commit") || !have("git") {
        eprintln!("skipped: `pre-commit` or `git` is not installed (pip install pre-commit)");
        return;
    }
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = checkout.join("target");
    let repo = target.join(format!("precommit-fix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let script = "az aks create --resource-group rg --name aks \\\n  --os-sku AzureContainerLinux \\\n  --node-os-upgrade-channel SecurityPatch # weekly patches\n";
    std::fs::write(repo.join("aks.sh"), script).unwrap();
    assert!(run(&repo, "git", &["init", "-q"], &[]).status.success());
    assert!(run(&repo, "git", &["add", "aks.sh"], &[]).status.success());
    let home = target.join("pre-commit-home");
    let build = target.join("pre-commit-build");
    let envs: [(&str, &Path); 2] = [("PRE_COMMIT_HOME", &home), ("CARGO_TARGET_DIR", &build)];
    let checkout_s = checkout.to_string_lossy();
    let args = ["try-repo", &checkout_s, "hostlint-fix", "--files", "aks.sh"];
    let first = run(&repo, "pre-commit", &args, &envs);
    let out = String::from_utf8_lossy(&first.stdout).to_string()
        + &String::from_utf8_lossy(&first.stderr);
    assert!(!first.status.success(), "the hook modified a file:\n{out}");
    assert!(out.contains("1 fixed, 0 remaining"), "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join("aks.sh")).unwrap(),
        script.replace("SecurityPatch", "NodeImage")
    );
    let second = run(&repo, "pre-commit", &args, &envs);
    let out = String::from_utf8_lossy(&second.stdout).to_string()
        + &String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "nothing left to fix:\n{out}");
    let _ = std::fs::remove_dir_all(&repo);
}
