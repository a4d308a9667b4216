//! The command line as a user meets it: exit codes, stdin, directories, discovery, bad input, and
//! snapshots of the human and JSON reports.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use std::io::Write;

fn hostlint(args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

const POD_HOSTPID: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: busybox\n";
// A CNI installer image writing /usr/local: an error with evidence (a plain image would be info).
const POD_USR: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n  containers:\n    - name: c\n      image: calico/cni\n      volumeMounts: [{name: u, mountPath: /u}]\n  volumes:\n    - name: u\n      hostPath: {path: /usr/local}\n";
const CLEAN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = tmp();
    std::fs::write(d.path().join("clean.yaml"), CLEAN).unwrap();
    std::fs::write(d.path().join("warn.yaml"), POD_HOSTPID).unwrap();
    std::fs::write(d.path().join("err.yaml"), POD_USR).unwrap();
    assert_eq!(
        hostlint(&["check", "clean.yaml"], d.path(), None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        hostlint(&["check", "warn.yaml"], d.path(), None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        hostlint(
            // host-pid is info (SPEC: Rules).
            &["check", "--fail-on", "info", "warn.yaml"],
            d.path(),
            None
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        hostlint(&["check", "err.yaml"], d.path(), None)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        hostlint(&["check", "--fail-on", "none", "err.yaml"], d.path(), None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        hostlint(
            &["check", "--ignore", "read-only-host-path-write", "err.yaml"],
            d.path(),
            None
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        hostlint(
            &["check", "--select", "host-pid", "err.yaml"],
            d.path(),
            None
        )
        .status
        .code(),
        Some(0)
    );
    let bad_rule = hostlint(
        &["check", "--select", "no-such-rule", "err.yaml"],
        d.path(),
        None,
    );
    assert_eq!(bad_rule.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_rule.stderr).contains("no rule named `no-such-rule`"));
}

#[test]
fn stdin_is_read_and_sniffed() {
    let d = tmp();
    let o = hostlint(
        &["check", "--format", "json", "-"],
        d.path(),
        Some(POD_USR.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["findings"][0]["file"], "<stdin>");
    assert_eq!(v["findings"][0]["line"], 12);
    assert_eq!(v["findings"][0]["column"], 24);
    let j = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostPID": true, "containers": [{"name": "c", "image": "x"}]}});
    let o = hostlint(
        &["check", "--format", "json", "-"],
        d.path(),
        Some(serde_json::to_string_pretty(&j).unwrap().as_bytes()),
    );
    let v = json(&o);
    assert_eq!(v["findings"][0]["rule"], "host-pid");
    assert_eq!(v["findings"][0]["path"], "/spec/hostPID");
}

#[test]
fn directories_honour_gitignore_hidden_files_and_excludes() {
    let d = tmp();
    let root = d.path();
    std::fs::create_dir_all(root.join("apps/sub")).unwrap();
    std::fs::create_dir_all(root.join(".hidden")).unwrap();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::write(root.join(".gitignore"), "ignored.yaml\n").unwrap();
    std::fs::write(root.join("apps/sub/a.yaml"), POD_HOSTPID).unwrap();
    std::fs::write(root.join("apps/ignored.yaml"), POD_USR).unwrap();
    std::fs::write(root.join(".hidden/x.yaml"), POD_USR).unwrap();
    std::fs::write(root.join("vendor/v.yaml"), POD_USR).unwrap();
    std::fs::write(root.join("apps/notes.txt"), "hostPID: true").unwrap();
    let o = hostlint(
        &["check", "--format", "json", "--exclude", "vendor", "."],
        root,
        None,
    );
    let v = json(&o);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["./apps/sub/a.yaml"], "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(0));
    // A file named explicitly is linted even when hidden.
    let o = hostlint(&["check", "--format", "json", ".hidden/x.yaml"], root, None);
    assert_eq!(json(&o)["findings"][0]["rule"], "read-only-host-path-write");
}

#[test]
fn a_malformed_document_mid_stream_is_reported_and_the_rest_linted() {
    let d = tmp();
    let stream = format!(
        "{POD_HOSTPID}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: [broken\n---\n{POD_USR}"
    );
    std::fs::write(d.path().join("stream.yaml"), stream).unwrap();
    std::fs::write(d.path().join("other.yaml"), POD_USR).unwrap();
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "stream.yaml",
            "other.yaml",
            "missing.yaml",
        ],
        d.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["file"], "missing.yaml");
    assert_eq!(errors[0]["message"], "no such file or directory");
    assert_eq!(errors[1]["file"], "stream.yaml");
    assert_eq!(errors[1]["line"], 13); // where the unclosed flow sequence opens
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("other.yaml".into(), 12),
            ("stream.yaml".into(), 6),
            ("stream.yaml".into(), 26)
        ]
    );
}

#[test]
fn bad_inputs_give_positions_and_exit_2_without_a_panic() {
    let d = tmp();
    let p = d.path();
    std::fs::write(
        p.join("tabs.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n\thostPID: true\n",
    )
    .unwrap();
    std::fs::write(
        p.join("flow.yaml"),
        "apiVersion: v1\nkind: Pod\nspec: {containers: [\n",
    )
    .unwrap();
    std::fs::write(
        p.join("utf8.yaml"),
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    std::fs::write(p.join("utf16.yaml"), b"\xff\xfea\x00:\x00").unwrap();
    std::fs::write(p.join("deep.yaml"), "a: ".to_string() + &"[".repeat(10_000)).unwrap();
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for (prev, n) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
    {
        bomb.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    std::fs::write(p.join("bomb.yaml"), bomb).unwrap();
    std::fs::write(p.join("good.yaml"), POD_USR).unwrap();
    std::fs::create_dir(p.join("empty-dir")).unwrap();
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "tabs.yaml",
            "flow.yaml",
            "utf8.yaml",
            "utf16.yaml",
            "deep.yaml",
            "bomb.yaml",
            "good.yaml",
            "empty-dir",
        ],
        p,
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let errors: Vec<(String, Option<u64>, Option<u64>)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64(),
                e["column"].as_u64(),
            )
        })
        .collect();
    let files: Vec<&str> = errors.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        files,
        [
            "bomb.yaml",
            "deep.yaml",
            "empty-dir",
            "flow.yaml",
            "tabs.yaml",
            "utf16.yaml",
            "utf8.yaml"
        ]
    );
    assert_eq!(errors[4], ("tabs.yaml".into(), Some(4), Some(1)));
    assert_eq!(errors[6], ("utf8.yaml".into(), Some(4), Some(12)));
    assert_eq!(v["findings"][0]["file"], "good.yaml");
}

#[test]
fn bom_crlf_and_empty_files_are_read_like_kubectl_reads_them() {
    let d = tmp();
    let crlf = format!("\u{feff}{}", POD_USR.replace('\n', "\r\n"));
    std::fs::write(d.path().join("crlf.yaml"), crlf).unwrap();
    std::fs::write(d.path().join("empty.yaml"), "").unwrap();
    std::fs::write(
        d.path().join("values.yaml"),
        "replicaCount: 2\nimage:\n  repository: nginx\n",
    )
    .unwrap();
    let o = hostlint(
        &["check", "--format", "json", "--verbose", "."],
        d.path(),
        None,
    );
    let v = json(&o);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    assert_eq!(v["findings"][0]["line"], 12);
    assert_eq!(v["findings"][0]["column"], 24);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("skipped ./empty.yaml") && stderr.contains("skipped ./values.yaml"),
        "{stderr}"
    );
}

#[test]
fn rules_and_explain_come_from_the_registry() {
    let d = tmp();
    let o = hostlint(&["rules"], d.path(), None);
    assert_eq!(o.status.code(), Some(0));
    for r in hostlint::rules::RULES {
        assert!(stdout(&o).contains(r.name));
    }
    let o = hostlint(&["explain", "host-pid"], d.path(), None);
    let rule = hostlint::rules::by_name("host-pid").unwrap();
    assert_eq!(
        stdout(&o),
        hostlint::report::rules::explain(rule) + &hostlint::report::rules::per_host(rule)
    );
    assert!(stdout(&o).starts_with("# host-pid\n"));
    assert_eq!(
        hostlint(&["explain", "nope"], d.path(), None).status.code(),
        Some(2)
    );
    // A misspelt rule: did you mean.
    let o = hostlint(&["explain", "host_pdi"], d.path(), None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: no rule named `host_pdi`; did you mean `host-pid`? (see `hostlint rules`)\n"
    );
    let o = hostlint(&["rules", "--format", "json"], d.path(), None);
    assert_eq!(
        json(&o).as_array().unwrap().len(),
        hostlint::rules::RULES.len()
    );
}

#[test]
fn secret_values_are_never_printed() {
    let d = tmp();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-hostPID\n";
    std::fs::write(
        d.path().join("s.yaml"),
        format!("{secret}---\n{POD_HOSTPID}"),
    )
    .unwrap();
    let o = hostlint(&["check", "s.yaml"], d.path(), None);
    assert!(!stdout(&o).contains("hunter2"));
}

#[test]
fn human_and_json_reports_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = hostlint(&["check", "examples/node-agent-daemonset.yaml"], root, None);
    insta::assert_snapshot!("human_node_agent", stdout(&o));
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "examples/node-agent-daemonset.yaml",
        ],
        root,
        None,
    );
    insta::assert_snapshot!("json_node_agent", stdout(&o));
    let o = hostlint(&["check", "examples/"], root, None);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_config_regrades_and_extends_the_vm_size_table() {
    let d = tmp();
    let tf = "resource \"azurerm_kubernetes_cluster_node_pool\" \"a\" {\n  name    = \"a\"\n  vm_size = \"Standard_D4_v3\"\n  os_sku  = \"AzureContainerLinux\"\n}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"b\" {\n  name    = \"b\"\n  vm_size = \"Standard_X8s_v9\"\n  os_sku  = \"AzureContainerLinux\"\n}\n";
    std::fs::write(d.path().join("pools.tf"), tf).unwrap();
    let o = hostlint(&["check", "--format", "json", "pools.tf"], d.path(), None);
    let rules: Vec<(String, u64)> = json(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("gen1-vm-size".to_string(), 3)]);
    std::fs::write(
        d.path().join(".hostlint.yaml"),
        "vm_sizes:\n  - {pattern: \"standard_d#_v3\", verdict: supported}\n  - {pattern: \"Standard_X#s_v9\", verdict: gen1-vm-size}\n",
    )
    .unwrap();
    let o = hostlint(&["check", "--format", "json", "pools.tf"], d.path(), None);
    let rules: Vec<(String, u64)> = json(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("gen1-vm-size".to_string(), 8)]);
    std::fs::write(
        d.path().join(".hostlint.yaml"),
        "vm_sizes:\n  - {pattern: \"x\", verdict: maybe}\n",
    )
    .unwrap();
    let o = hostlint(&["check", "pools.tf"], d.path(), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains(".hostlint.yaml:2:29: unknown `verdict` `maybe`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_config_adds_site_selinux_types_and_driver_images() {
    let d = tmp();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    seLinuxOptions:\n      type: acme_agent_t\n  containers:\n    - name: drv\n      image: registry.acme.io/gpu/acme-driver:2.1\n";
    std::fs::write(d.path().join("pod.yaml"), pod).unwrap();
    let rules = |o: &Output| -> Vec<(String, u64, u64)> {
        json(o)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().into(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let o = hostlint(&["check", "--format", "json", "pod.yaml"], d.path(), None);
    assert_eq!(rules(&o), [("selinux-type-unknown".to_string(), 8, 13)]);
    std::fs::write(
        d.path().join(".hostlint.yaml"),
        "selinux_types: [acme_agent_t]\ndriver_images: [acme-driver]\n",
    )
    .unwrap();
    let o = hostlint(&["check", "--format", "json", "pod.yaml"], d.path(), None);
    assert_eq!(rules(&o), [("kernel-module-build".to_string(), 11, 14)]);
}

/// The files of a JSON report's findings, in order.
fn finding_files(o: &Output) -> Vec<String> {
    json(o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn exclude_globs_match_the_paths_as_printed() {
    // Issue 18: `--exclude './vendor/**'` matched nothing although the report printed `./vendor/...`.
    let d = tmp();
    let r = d.path();
    std::fs::create_dir_all(r.join("vendor/lib")).unwrap();
    std::fs::create_dir_all(r.join("apps/vendor")).unwrap();
    std::fs::write(r.join("vendor/lib/v.yaml"), POD_USR).unwrap();
    std::fs::write(r.join("apps/vendor/w.yaml"), POD_USR).unwrap();
    std::fs::write(r.join("apps/a.yaml"), POD_USR).unwrap();
    let all = hostlint(&["check", "--format", "json", "."], r, None);
    assert_eq!(
        finding_files(&all),
        [
            "./apps/a.yaml",
            "./apps/vendor/w.yaml",
            "./vendor/lib/v.yaml"
        ]
    );
    for glob in ["./vendor/**", "vendor/**", "./vendor", "./vendor/"] {
        let o = hostlint(
            &["check", "--format", "json", "--exclude", glob, "."],
            r,
            None,
        );
        assert_eq!(
            finding_files(&o),
            ["./apps/a.yaml", "./apps/vendor/w.yaml"],
            "--exclude {glob}"
        );
    }
    // A bare name leaves that name out at any depth; `*` stays within one directory.
    let o = hostlint(
        &["check", "--format", "json", "--exclude", "vendor", "."],
        r,
        None,
    );
    assert_eq!(finding_files(&o), ["./apps/a.yaml"]);
    let o = hostlint(
        &["check", "--format", "json", "--exclude", "apps/*.yaml", "."],
        r,
        None,
    );
    assert_eq!(
        finding_files(&o),
        ["./apps/vendor/w.yaml", "./vendor/lib/v.yaml"]
    );
    // Relative to the current directory, wherever the linted path is.
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "--exclude",
            "../vendor/**",
            "..",
        ],
        &r.join("apps"),
        None,
    );
    assert_eq!(
        finding_files(&o),
        ["../apps/a.yaml", "../apps/vendor/w.yaml"]
    );
}

#[test]
fn the_config_is_found_from_the_linted_path_and_its_globs_are_relative_to_it() {
    // Issue 18: the config and its `exclude` were found from the current directory, so results changed
    // with where the command was started.
    let d = tmp();
    let repo = d.path().join("repo");
    std::fs::create_dir_all(repo.join("apps/vendor")).unwrap();
    std::fs::create_dir_all(repo.join("vendor")).unwrap();
    std::fs::write(repo.join("apps/a.yaml"), POD_USR).unwrap();
    std::fs::write(repo.join("apps/vendor/b.yaml"), POD_USR).unwrap();
    std::fs::write(repo.join("vendor/c.yaml"), POD_USR).unwrap();
    std::fs::write(repo.join("apps/p.yaml"), POD_HOSTPID).unwrap();
    std::fs::write(
        repo.join(".hostlint.yaml"),
        "exclude: [./vendor/**]\nrules: {host-pid: error}\n",
    )
    .unwrap();
    // A config where the command starts that is not above the linted path is not used.
    std::fs::write(
        d.path().join(".hostlint.yaml"),
        "rules: {read-only-host-path-write: off}\n",
    )
    .unwrap();
    let summary = |o: &Output| {
        let v = json(o);
        let mut found: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let file = f["file"].as_str().unwrap();
                let tail = &file[file.find("apps/").unwrap()..];
                (
                    tail.to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        (o.status.code(), found)
    };
    let expected = (
        Some(1),
        vec![
            ("apps/a.yaml".to_string(), "error".to_string()),
            ("apps/p.yaml".to_string(), "error".to_string()),
            ("apps/vendor/b.yaml".to_string(), "error".to_string()),
        ],
    );
    let from_repo = hostlint(&["check", "--format", "json", "."], &repo, None);
    assert_eq!(summary(&from_repo), expected, "{}", stdout(&from_repo));
    let from_below = hostlint(
        &["check", "--format", "json", ".."],
        &repo.join("apps"),
        None,
    );
    assert_eq!(summary(&from_below), expected);
    let from_elsewhere = hostlint(&["check", "--format", "json", "repo"], d.path(), None);
    assert_eq!(summary(&from_elsewhere), expected);
    // Files named one by one (a pre-commit run) find the same config.
    let named = hostlint(
        &[
            "check",
            "--format",
            "json",
            "repo/apps/a.yaml",
            "repo/apps/p.yaml",
            "repo/vendor/c.yaml",
        ],
        d.path(),
        None,
    );
    assert_eq!(
        summary(&named),
        (
            Some(1),
            expected
                .1
                .iter()
                .filter(|f| f.0 != "apps/vendor/b.yaml")
                .cloned()
                .collect()
        )
    );
}

#[test]
fn a_bad_glob_stops_the_run_before_anything_is_linted() {
    // Issue 18: a bad glob still linted everything before exiting 2.
    let d = tmp();
    std::fs::write(d.path().join("err.yaml"), POD_USR).unwrap();
    let o = hostlint(&["check", "--exclude", "a/[b", "."], d.path(), None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: bad --exclude glob `a/[b`: unclosed character class; missing ']'\n"
    );
    std::fs::write(d.path().join(".hostlint.yaml"), "exclude: [\"x/{a\"]\n").unwrap();
    let o = hostlint(&["check", "."], d.path(), None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert!(
        String::from_utf8_lossy(&o.stderr).ends_with(
            "/.hostlint.yaml:1:11: bad exclude glob `x/{a`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)\n"
        ),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_file_given_twice_is_linted_and_counted_once() {
    // Issue 18: the same file given twice was linted and counted twice.
    let d = tmp();
    std::fs::create_dir(d.path().join("k8s")).unwrap();
    std::fs::write(d.path().join("k8s/err.yaml"), POD_USR).unwrap();
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "k8s/err.yaml",
            "./k8s/err.yaml",
            "k8s",
            "k8s/../k8s/err.yaml",
        ],
        d.path(),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(finding_files(&o), ["k8s/err.yaml"]);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    let human = hostlint(&["check", "k8s/err.yaml", "k8s/err.yaml"], d.path(), None);
    assert!(
        stdout(&human).ends_with("Found 1 error in 1 file (1 object).\n"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn with_no_config_above_the_linted_path_the_one_above_the_current_directory_is_used() {
    // SPEC: the config is found from the current directory up; the linted path comes first so that a
    // run in a project agrees wherever it starts, and the current directory is the fallback for a
    // file linted from outside its own (config-less) tree.
    let d = tmp();
    let work = d.path().join("work");
    let outside = d.path().join("outside");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(work.join(".hostlint.yaml"), "rules: {host-pid: error}\n").unwrap();
    std::fs::write(outside.join("p.yaml"), POD_HOSTPID).unwrap();
    let target = outside.join("p.yaml");
    let o = hostlint(
        &["check", "--format", "json", target.to_str().unwrap()],
        &work,
        None,
    );
    let v = json(&o);
    let severities: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["error"], "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
}
