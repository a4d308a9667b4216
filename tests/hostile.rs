//! Hostile input: bounded memory and time, a clear error with a position, the other inputs still
//! linted, never a panic. (Speed is measured in bench/run.sh, not here.)

use std::path::Path;
use std::process::{Command, Stdio};

fn run(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (
        o.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: x\n";

#[test]
fn a_100_mb_scalar_is_refused_by_size_and_the_stream_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let mut big = Vec::with_capacity(101 << 20);
    big.extend_from_slice(b"apiVersion: v1\nkind: ConfigMap\ndata:\n  blob: ");
    big.resize(big.len() + (100 << 20), b'x');
    big.extend_from_slice(b"\n---\n");
    big.extend_from_slice(POD.as_bytes());
    std::fs::write(d.path().join("big.yaml"), big).unwrap();
    let (code, v, stderr) = run(d.path(), &["check", "--format", "json", "big.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(v["errors"][0]["line"], 1);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("MiB limit")
    );
    assert_eq!(v["findings"][0]["rule"], "host-pid");
    assert_eq!(v["findings"][0]["line"], 11);
}

#[test]
fn a_million_tiny_documents() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::with_capacity(12 << 20);
    for i in 0..1_000_000 {
        s.push_str(&format!("---\nk: {i}\n"));
    }
    s.push_str("---\n");
    s.push_str(POD);
    std::fs::write(d.path().join("many.yaml"), s).unwrap();
    let (code, v, _) = run(d.path(), &["check", "--format", "json", "many.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(v["findings"][0]["line"], 2_000_007);
}

#[test]
fn nul_bytes_and_control_characters_are_errors_with_positions() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("nul.yaml"),
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\x00b\n",
    )
    .unwrap();
    std::fs::write(d.path().join("nul.json"), b"{\"kind\": \"Pod\x00\"}").unwrap();
    std::fs::write(d.path().join("ok.yaml"), POD).unwrap();
    let (code, v, stderr) = run(
        d.path(),
        &[
            "check", "--format", "json", "nul.yaml", "nul.json", "ok.yaml",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| e["line"].is_u64() && e["column"].is_u64()),
        "{errors:?}"
    );
    assert_eq!(v["findings"][0]["file"], "ok.yaml");
}

#[test]
fn random_garbage_never_panics() {
    // A small deterministic fuzz pass over mutations of real-looking input (cargo fuzz goes further).
    let d = tempfile::tempdir().unwrap();
    let seed = format!(
        "{POD}---\na: &x [1, {{b: *x}}]\n---\n{{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [1, null]}}\n"
    );
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut paths = Vec::new();
    for n in 0..200 {
        let mut bytes = seed.clone().into_bytes();
        for _ in 0..8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % bytes.len();
            let pool = b"[]{}:-&*!|>'\"\t\n #,?\x00\xff";
            bytes[i] = pool[(state >> 32) as usize % pool.len()];
        }
        let name = format!("m{n}.yaml");
        std::fs::write(d.path().join(&name), bytes).unwrap();
        paths.push(name);
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    let (code, v, stderr) = run(d.path(), &args);
    assert!(code == 0 || code == 1 || code == 2, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(v["summary"]["files"], 200);
}

/// Found by `cargo fuzz run lint_bicep` (fuzz/artifacts/lint_bicep/timeout-4ebc0e45...): references
/// that fan out made the Bicep evaluator take exponential time. Evaluation now has a budget; the
/// fuzzer's input and a plain fan-out both finish, and what is known before the budget runs out
/// is still linted.
#[test]
fn bicep_references_that_fan_out_are_bounded() {
    let d = tempfile::tempdir().unwrap();
    let artifact = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz/lint_bicep-timeout-4ebc0e45.bicep");
    std::fs::copy(&artifact, d.path().join("fuzz.bicep")).unwrap();
    let (code, _, stderr) = run(d.path(), &["check", "--format", "json", "fuzz.bicep"]);
    assert!(matches!(code, 0..=2), "{stderr}");

    let mut src = String::from("var a0 = 'Standard_D2_v2'\n");
    for i in 1..=40 {
        src.push_str(&format!("var a{i} = [a{}, a{}]\n", i - 1, i - 1));
    }
    src.push_str(
        "resource aks 'Microsoft.ContainerService/managedClusters@2024-01-01' = {\n  name: 'x'\n  properties: {\n    agentPoolProfiles: [\n      {\n        name: 'p'\n        vmSize: a0\n        osSKU: 'AzureContainerLinux'\n        fanOut: a40\n      }\n    ]\n  }\n}\n",
    );
    std::fs::write(d.path().join("fan.bicep"), src).unwrap();
    let r = measured(d.path(), &["check", "--format", "json", "fan.bicep"]);
    // Exhausting the budget is an input error naming what was cut off, never a silent drop; what
    // was resolved before it (the pool's size) is still checked.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.json["findings"][0]["rule"], "gen1-vm-size");
    assert_eq!(r.json["findings"][0]["line"], 1);
    assert_eq!(r.json["findings"][0]["column"], 10);
    let e = only_error(&r.json);
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(50), Some(17))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("`a40` expands to more than 200000 values or 16 MiB"),
        "{e}"
    );
    r.assert_within(MiB(64), Secs(5));
}

// ---------------------------------------------------------------------------------------------
// Inputs that multiply work. Each test runs the hostlint binary as a child and bounds what that
// child used: its peak RSS and its user CPU time, from getrusage(RUSAGE_CHILDREN) once it is
// reaped. Before the budgets each of these took gigabytes, aborted, overflowed a stack or ran for
// minutes.
//
// The child is started from a fresh copy of this test binary ([`measure_child`]), not from the
// test process itself: Linux carries the peak RSS of the process that forks across `exec`, and
// this process holds the other tests' inputs (one is 100 MiB), so a direct child would report
// that instead of its own. getrusage(RUSAGE_CHILDREN) in the test process would also mix in the
// children of tests running in parallel.

/// A child's exit code, reports and what it used.
struct Measured {
    code: i32,
    json: serde_json::Value,
    stdout: String,
    stderr: String,
    max_rss_kib: u64,
    user_secs: f64,
}

#[allow(non_snake_case)]
fn MiB(n: u64) -> u64 {
    n << 10
}

#[allow(non_snake_case)]
fn Secs(n: u64) -> f64 {
    n as f64
}

impl Measured {
    /// How many findings of `rule` the JSON report holds.
    fn count(&self, rule: &str) -> usize {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count()
    }

    /// Peak RSS under `max_kib` and user CPU time under `max_secs` (the debug build's; a release
    /// build uses a fraction of it).
    fn assert_within(&self, max_kib: u64, max_secs: f64) {
        assert!(
            self.max_rss_kib < max_kib,
            "peak RSS {} KiB over {} KiB",
            self.max_rss_kib,
            max_kib
        );
        assert!(
            self.user_secs < max_secs,
            "user CPU {:.2} s over {max_secs} s",
            self.user_secs
        );
        assert!(
            !self.stderr.contains("overflowed its stack"),
            "{}",
            self.stderr
        );
    }
}

/// Runs hostlint in `dir` (through [`measure_child`]) and measures it.
fn measured(dir: &Path, args: &[&str]) -> Measured {
    let (out, err) = (dir.join(".hostlint.stdout"), dir.join(".hostlint.stderr"));
    let helper = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "measure_child", "--nocapture", "--quiet"])
        .env("HOSTILE_MEASURE", serde_json::to_string(args).unwrap())
        .env("HOSTILE_DIR", dir)
        .env("HOSTILE_OUT", &out)
        .env("HOSTILE_ERR", &err)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&helper.stdout);
    let line = report
        .lines()
        .find_map(|l| l.strip_prefix("hostile-measure: "))
        .unwrap_or_else(|| {
            panic!(
                "no measurement: {report} {}",
                String::from_utf8_lossy(&helper.stderr)
            )
        });
    let f: Vec<&str> = line.split(' ').collect();
    let stdout = std::fs::read_to_string(&out).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    eprintln!(
        "hostlint {args:?}: exit {}, peak RSS {} KiB, user CPU {} s",
        f[0], f[1], f[2]
    );
    Measured {
        code: f[0].parse().unwrap(),
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout,
        stderr,
        max_rss_kib: f[1].parse().unwrap(),
        user_secs: f[2].parse().unwrap(),
    }
}

/// Not a test of its own: in the fresh process [`measured`] starts, runs hostlint once, reaps it
/// and prints its exit code, peak RSS (KiB) and user CPU seconds.
#[test]
fn measure_child() {
    let Ok(args) = std::env::var("HOSTILE_MEASURE") else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let var = |k: &str| std::env::var_os(k).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(&args)
        .current_dir(var("HOSTILE_DIR"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(var("HOSTILE_OUT")).unwrap())
        .stderr(std::fs::File::create(var("HOSTILE_ERR")).unwrap())
        .status()
        .unwrap();
    // SAFETY: getrusage only writes the rusage it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
        0
    );
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| -status.signal().unwrap_or(0));
    // Linux reports ru_maxrss in KiB.
    println!(
        "hostile-measure: {code} {} {:.3}",
        usage.ru_maxrss,
        usage.ru_utime.tv_sec as f64 + usage.ru_utime.tv_usec as f64 / 1e6
    );
}

fn only_error(v: &serde_json::Value) -> &serde_json::Value {
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    &errors[0]
}

/// The issue's 1.9 KB template: 30 variables, each an object whose 8 values name the one before.
fn arm_fan_out() -> String {
    let mut vars = vec![r#""v0": "Standard_D2_v2""#.to_string()];
    for i in 1..30 {
        let keys: Vec<String> = "abcdefgh"
            .chars()
            .map(|k| format!(r#""{k}": "[variables('v{}')]""#, i - 1))
            .collect();
        vars.push(format!(r#""v{i}": {{{}}}"#, keys.join(", ")));
    }
    format!(
        "{{\n\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n\"contentVersion\": \"1.0.0.0\",\n\"variables\": {{\n{}\n}},\n\"resources\": [\n{{\n\"type\": \"Microsoft.ContainerService/managedClusters\",\n\"apiVersion\": \"2024-01-01\",\n\"name\": \"c\",\n\"properties\": {{\n\"agentPoolProfiles\": [\n{{\"name\": \"p\", \"vmSize\": \"[variables('v0')]\", \"osSKU\": \"AzureContainerLinux\", \"tags\": \"[variables('v29')]\"}}\n]\n}}\n}}\n]\n}}\n",
        vars.join(",\n")
    )
}

/// ARM `variables()` that fan out grew exponentially (1.9 KB to 1 GB, 5.5 KB aborted at 6 GB).
#[test]
fn arm_variables_that_fan_out_are_cut_off_with_an_error() {
    let d = tempfile::tempdir().unwrap();
    let t = arm_fan_out();
    assert!(t.len() < 8 << 10, "{}", t.len());
    std::fs::write(d.path().join("fan.json"), &t).unwrap();
    std::fs::write(d.path().join("pod.yaml"), POD).unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "fan.json", "pod.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let e = only_error(&r.json);
    assert_eq!(e["file"], "fan.json");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(43), Some(86))
    );
    assert_eq!(
        e["message"],
        "`[variables('v29')]` expands to more than 200000 values or 16 MiB (references that fan out?): what it sets is not checked"
    );
    // The other input, and the values resolved before the cut, are still checked.
    assert!(
        r.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"] == "pod.yaml" && f["rule"] == "host-pid"),
        "{}",
        r.stdout
    );
    r.assert_within(MiB(96), Secs(5));
}

/// The same template as the object of an AdmissionReview aborted `review` (and grew `serve` until
/// the kernel killed it): it is allowed with a warning that says what was not checked.
#[test]
fn arm_fan_out_in_an_admission_review_is_answered_with_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let template: serde_json::Value = serde_json::from_str(&arm_fan_out()).unwrap();
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {"uid": "3f1c", "operation": "CREATE", "object": template},
    });
    std::fs::write(d.path().join("review.json"), review.to_string()).unwrap();
    let r = measured(d.path(), &["review", "review.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let response = &r.json["response"];
    assert_eq!(response["uid"], "3f1c");
    assert_eq!(response["allowed"], true);
    let w = response["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with(
            "hostlint: not fully checked: `[variables('v29')]` expands to more than 200000 values"
        ),
        "{w}"
    );
    r.assert_within(MiB(96), Secs(5));
}

/// Terraform `locals` that fan out did the same.
#[test]
fn terraform_locals_that_fan_out_are_cut_off_with_an_error() {
    let d = tempfile::tempdir().unwrap();
    let mut s = String::from("locals {\n  l0 = \"Standard_D2_v2\"\n");
    for i in 1..30 {
        let p = i - 1;
        s.push_str(&format!(
            "  l{i} = {{ a = local.l{p}, b = local.l{p}, c = local.l{p}, d = local.l{p} }}\n"
        ));
    }
    s.push_str("}\n\nresource \"azurerm_kubernetes_cluster\" \"c\" {\n  default_node_pool {\n    name    = \"p\"\n    vm_size = local.l0\n    os_sku  = \"AzureContainerLinux\"\n    tags    = local.l29\n  }\n}\n");
    std::fs::write(d.path().join("main.tf"), &s).unwrap();
    let r = measured(d.path(), &["check", "--format", "json", "main.tf"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let e = only_error(&r.json);
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(39), Some(15))
    );
    assert_eq!(
        e["message"],
        "`local.l29` expands to more than 200000 values or 16 MiB (references that fan out?): what it sets is not checked"
    );
    // `vm_size = local.l0` was resolved before the cut: the pool is still checked.
    assert!(
        r.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "gen1-vm-size"),
        "{}",
        r.stdout
    );
    r.assert_within(MiB(96), Secs(5));
}

/// A 1.4 MB Bicep string expression (a 100 KB string interpolated 13 000 times) aborted.
#[test]
fn a_bicep_string_that_grows_past_the_budget_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let mut s = format!("var a = '{}'\n", "x".repeat(100_000));
    s.push_str(&format!("var b = '{}'\n", "${a}".repeat(13_000)));
    s.push_str("resource aks 'Microsoft.ContainerService/managedClusters@2024-01-01' = {\n  name: 'x'\n  properties: {\n    agentPoolProfiles: [\n      {\n        name: 'p'\n        vmSize: 'Standard_D2_v2'\n        osSKU: 'AzureContainerLinux'\n        tags: {\n          big: b\n        }\n      }\n    ]\n  }\n}\n");
    assert!(s.len() > 150_000);
    std::fs::write(d.path().join("big.bicep"), &s).unwrap();
    // The same growth without a reference: the string itself in the resource.
    std::fs::write(
        d.path().join("inline.bicep"),
        s.replace("big: b", &format!("big: '{}'", "${a}".repeat(13_000))),
    )
    .unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "big.bicep", "inline.bicep"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["file"], "big.bicep");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(12), Some(16))
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`b` expands to more than 200000 values or 16 MiB"),
        "{errors:?}"
    );
    assert_eq!(errors[1]["file"], "inline.bicep");
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["column"].as_u64()),
        (Some(12), Some(16))
    );
    assert_eq!(
        errors[1]["message"],
        "this string grows past the evaluation budget (200000 values or 16 MiB): it is not checked"
    );
    // The cluster is not dropped: its pool is checked in both files.
    let gen1 = r.count("gen1-vm-size");
    assert_eq!(gen1, 2, "{}", r.stdout);
    r.assert_within(MiB(128), Secs(5));
}

/// 200–400 KB Bicep member and operator chains overflowed the stack and lost the other inputs.
/// The chains are far deeper than an 8 MiB main-thread stack or a 2 MiB rayon worker stack
/// could hold, one frame per link; each input is read on its own (main thread) and together
/// (rayon workers).
#[test]
fn deep_chains_are_cut_at_a_limit_without_overflowing_a_stack() {
    let d = tempfile::tempdir().unwrap();
    let member = format!("var a = b{}\n", ".c".repeat(150_000));
    let binary = format!("var a = {}\n", vec!["1"; 100_000].join(" + "));
    let logic = format!(
        "var x = true\nvar a = {} ? 'Standard_D2_v2' : 'x'\n",
        vec!["x"; 60_000].join(" && ")
    );
    let index = format!("var a = b{}\n", "[0]".repeat(100_000));
    let parens = format!("var a = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let hcl = format!(
        "locals {{\n  a = {}{}\n}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Anchors that each nest the one before, 250 levels at a time: each stays under the nesting
    // limit, the tree the aliases build does not.
    let mut alias = format!("a0: &a0 {}x{}\n", "[".repeat(250), "]".repeat(250));
    for i in 1..420 {
        alias.push_str(&format!(
            "a{i}: &a{i} {}*a{}{}\n",
            "[".repeat(250),
            i - 1,
            "]".repeat(250)
        ));
    }
    let shell = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec:\n  containers:\n    - name: c\n      image: x\n      command: [sh, -c, '{}{}']\n",
        "$(".repeat(50_000),
        ")".repeat(50_000)
    );
    let files = [
        (
            "member.bicep",
            member.as_str(),
            "more than 64 chained member or index accesses",
        ),
        (
            "binary.bicep",
            binary.as_str(),
            "more than 64 chained operators",
        ),
        (
            "logic.bicep",
            logic.as_str(),
            "more than 64 chained operators",
        ),
        (
            "index.bicep",
            index.as_str(),
            "more than 64 chained member or index accesses",
        ),
        (
            "parens.bicep",
            parens.as_str(),
            "expression nested more than 64 levels deep",
        ),
        (
            "deep.tf",
            hcl.as_str(),
            "invalid HCL: invalid nesting depth",
        ),
        (
            "alias.yaml",
            alias.as_str(),
            "nesting deeper than 256 levels through aliases",
        ),
    ];
    for (name, text, _) in &files {
        assert!(text.len() > 200_000, "{name}");
        std::fs::write(d.path().join(name), text).unwrap();
    }
    std::fs::write(d.path().join("shell.yaml"), &shell).unwrap();
    std::fs::write(d.path().join("pod.yaml"), POD).unwrap();
    for (name, _, message) in &files {
        let r = measured(d.path(), &["check", "--format", "json", name]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        let e = only_error(&r.json);
        assert!(
            e["message"].as_str().unwrap().contains(message),
            "{name}: {e}"
        );
        assert!(e["line"].is_u64() && e["column"].is_u64(), "{name}: {e}");
        r.assert_within(MiB(128), Secs(5));
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend(files.iter().map(|f| f.0));
    args.extend(["shell.yaml", "pod.yaml"]);
    let r = measured(d.path(), &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.json["errors"].as_array().unwrap().len(),
        files.len(),
        "{}",
        r.stdout
    );
    assert_eq!(r.json["summary"]["files"], files.len() + 2);
    // Every other input is still linted.
    assert!(
        r.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"] == "pod.yaml" && f["rule"] == "host-pid"),
        "{}",
        r.stdout
    );
    r.assert_within(MiB(160), Secs(8));
}

/// A `kind: List` of 3 000 ConfigMaps (2.4 MB) aborted at 6 GB: each ConfigMap kept a copy of the
/// whole document, and each was parsed again. The document is now held once, and only the entries
/// that may be scripts are kept; the script a DaemonSet runs is still analysed in its context.
#[test]
fn a_list_of_thousands_of_config_maps_is_held_once() {
    let d = tempfile::tempdir().unwrap();
    let body = "#!/bin/bash\\nset -e\\n".to_string()
        + &"echo configuring this node step by step, nothing to see here\\n".repeat(12);
    let mut items = Vec::new();
    for i in 0..3000 {
        let script = if i == 2999 {
            format!("{body}chroot /root apt-get install -y open-iscsi\\n")
        } else {
            body.clone()
        };
        items.push(format!(
            "  {{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"cm{i}\"}}, \"data\": {{\"setup.sh\": \"{script}\", \"app.conf\": \"key = value\"}}}}"
        ));
    }
    let list = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n]}}\n",
        items.join(",\n")
    );
    assert!(list.len() > 2_400_000, "{}", list.len());
    std::fs::write(d.path().join("list.json"), &list).unwrap();
    std::fs::write(
        d.path().join("ds.yaml"),
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: setup\nspec:\n  selector: {matchLabels: {app: s}}\n  template:\n    metadata: {labels: {app: s}}\n    spec:\n      volumes:\n        - {name: root, hostPath: {path: /}}\n        - {name: scripts, configMap: {name: cm2999}}\n      containers:\n        - name: setup\n          image: ubuntu:24.04\n          command: [bash, -c, /scripts/setup.sh]\n          volumeMounts:\n            - {name: root, mountPath: /root}\n            - {name: scripts, mountPath: /scripts}\n",
    )
    .unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "list.json", "ds.yaml"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let f = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "host-package-install")
        .unwrap_or_else(|| panic!("{}", r.stdout))
        .clone();
    assert_eq!(f["file"], "list.json");
    assert_eq!(f["line"], 3001);
    r.assert_within(MiB(160), Secs(5));
}

/// Merge keys were quadratic (3 MB took 73 s): a mapping of 100 000 keys merging another.
#[test]
fn merge_keys_are_linear() {
    let d = tempfile::tempdir().unwrap();
    let n = 100_000;
    let mut s = String::from("m:\n  <<: {");
    s.push_str(
        &(0..n)
            .map(|i| format!("k{i}: v"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    s.push_str("}\n");
    for i in 0..n {
        s.push_str(&format!("  k{}: w\n", i * 2));
    }
    s.push_str("---\n");
    s.push_str(POD);
    std::fs::write(d.path().join("merge.yaml"), &s).unwrap();
    let r = measured(d.path(), &["check", "--format", "json", "merge.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["errors"], serde_json::json!([]));
    assert_eq!(r.json["findings"][0]["rule"], "host-pid");
    r.assert_within(MiB(160), Secs(8));
}

/// The alias budget was per document: a 1 MB stream of documents, each just under it, took 4½
/// minutes. It is per file now: the documents past it are errors that say so, the rest is linted.
#[test]
fn alias_and_merge_bombs_across_documents_share_one_budget() {
    let d = tempfile::tempdir().unwrap();
    let alias_doc = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i}: v")).collect();
    let merge_doc = format!(
        "base: &base {{{}}}\n{}",
        keys.join(", "),
        (0..40)
            .map(|i| format!("m{i}: {{<<: *base, own: {i}}}\n"))
            .collect::<String>()
    );
    let mut alias = String::new();
    let mut merge = String::new();
    for _ in 0..2000 {
        alias.push_str("---\n");
        alias.push_str(alias_doc);
    }
    for _ in 0..40 {
        merge.push_str("---\n");
        merge.push_str(&merge_doc);
    }
    for s in [&mut alias, &mut merge] {
        s.push_str("---\n");
        s.push_str(POD);
    }
    assert!(alias.len() + merge.len() > 1 << 20);
    std::fs::write(d.path().join("alias.yaml"), &alias).unwrap();
    std::fs::write(d.path().join("merge.yaml"), &merge).unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "alias.yaml", "merge.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.json["errors"].as_array().unwrap();
    for file in ["alias.yaml", "merge.yaml"] {
        let mine: Vec<_> = errors.iter().filter(|e| e["file"] == file).collect();
        // Each document is cut where its budget ran out; the first ones fit.
        assert!(
            !mine.is_empty() && mine.len() < 2000,
            "{file}: {}",
            mine.len()
        );
        assert!(
            mine.iter().all(|e| e["message"]
                == "aliases in this file expand to more than 200000 nodes (an alias bomb?): the rest of this document is not checked"),
            "{mine:?}"
        );
    }
    let pods = r.count("host-pid");
    assert_eq!(pods, 2, "{}", r.stdout);
    r.assert_within(MiB(128), Secs(8));
}

/// Unclosed brackets make the HCL parser backtrack through every level, doubling its time with
/// each (cargo fuzz, lint_terraform: a 548-byte file took 58 s): from eight on, the file is refused
/// before parsing, with the outermost unclosed bracket's position, and the other inputs are linted.
#[test]
fn terraform_with_many_unclosed_brackets_is_refused_before_parsing() {
    let d = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    for f in [
        "lint_terraform-timeout-4c8a2f01.tf",
        "lint_terraform-timeout-f6036127.tf",
    ] {
        std::fs::copy(data.join(f), d.path().join(f)).unwrap();
    }
    std::fs::write(d.path().join("pod.yaml"), POD).unwrap();
    let r = measured(
        d.path(),
        &[
            "check",
            "--format",
            "json",
            "lint_terraform-timeout-4c8a2f01.tf",
            "lint_terraform-timeout-f6036127.tf",
            "pod.yaml",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let mut errors: Vec<(String, u64, u64, String)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    errors.sort();
    let msg = |open: &str, n: usize| {
        format!(
            "invalid HCL: `{open}` is never closed, and {n} brackets are still open at the end of the file; not parsed (the parser's time doubles with each one)"
        )
    };
    assert_eq!(
        errors,
        [
            (
                "./lint_terraform-timeout-4c8a2f01.tf".into(),
                1,
                247,
                msg("{", 52)
            ),
            (
                "./lint_terraform-timeout-f6036127.tf".into(),
                1,
                15,
                msg("(", 27)
            ),
        ]
    );
    assert_eq!(r.count("host-pid"), 1, "{}", r.stdout);
    r.assert_within(MiB(64), Secs(5));
}

/// `X=$X$X` forty times in a Pod's `sh -c` aborted at 3 GB: expansion has a budget, and running
/// out is an error at the command where it did.
#[test]
fn a_shell_variable_that_doubles_is_cut_off_with_an_error() {
    let d = tempfile::tempdir().unwrap();
    let script = format!("X=abcdefgh; {}echo \"$X\"", "X=$X$X; ".repeat(40));
    std::fs::write(
        d.path().join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x\n      command:\n        - sh\n        - -c\n        - '{script}'\n"
        ),
    )
    .unwrap();
    // A function that calls the next ten times, four deep, after 15 000 commands of its own.
    let mut calls = "true\n".repeat(15_000);
    for f in 0..4 {
        calls.push_str(&format!(
            "f{f}() {{\n{}}}\n",
            format!("  f{}\n", f + 1).repeat(10)
        ));
    }
    calls.push_str("f4() {\n  true\n}\nf0\n");
    std::fs::write(
        d.path().join("calls.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\nspec:\n  containers:\n    - name: c\n      image: x\n      command: [sh, -c, \"{}\"]\n",
            calls.replace('\n', "\\n")
        ),
    )
    .unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "pod.yaml", "calls.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["file"], "calls.yaml");
    assert_eq!(errors[0]["line"], 9);
    assert_eq!(
        errors[0]["message"],
        "the script runs more than 20000 commands (calls that fan out?): the rest is not checked"
    );
    assert_eq!(errors[1]["file"], "pod.yaml");
    assert_eq!(errors[1]["line"], 12);
    assert_eq!(
        errors[1]["message"],
        "shell variables expand to more than 1 MiB (64 times the script and its environment, at least 1 MiB; a variable that doubles?): values from here on are not checked"
    );
    r.assert_within(MiB(64), Secs(5));
}

/// ARM `map()` whose lambda names the variable before, level after level (each level 8 times the
/// one before: a 1.5 KB template, 8^12 values): every lambda call is charged to the budget, and the
/// use that was cut off is an input error.
#[test]
fn arm_map_lambdas_that_fan_out_are_cut_off_with_an_error() {
    let d = tempfile::tempdir().unwrap();
    let mut vars =
        vec![r#""v0": "[createArray('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')]""#.to_string()];
    for i in 1..13 {
        vars.push(format!(
            r#""v{i}": "[map(variables('v0'), lambda('x', variables('v{}')))]""#,
            i - 1
        ));
    }
    let t = format!(
        "{{\n\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n\"variables\": {{\n{}\n}},\n\"resources\": [\n{{\n\"type\": \"Microsoft.ContainerService/managedClusters\",\n\"name\": \"c\",\n\"properties\": {{\n\"agentPoolProfiles\": [\n{{\"name\": \"p\", \"vmSize\": \"Standard_D2_v2\", \"osSKU\": \"AzureContainerLinux\", \"tags\": \"[variables('v12')]\"}}\n]\n}}\n}}\n]\n}}\n",
        vars.join(",\n")
    );
    assert!(t.len() < 4 << 10, "{}", t.len());
    std::fs::write(d.path().join("fan.json"), &t).unwrap();
    std::fs::write(d.path().join("pod.yaml"), POD).unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "fan.json", "pod.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let e = only_error(&r.json);
    assert_eq!(e["file"], "fan.json");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(24), Some(83))
    );
    assert_eq!(
        e["message"],
        "`[variables('v12')]` expands to more than 200000 values or 16 MiB (references that fan out?): what it sets is not checked"
    );
    // The values resolved before the cut (the pool's Gen1 size) and the other input are checked.
    assert_eq!(r.count("gen1-vm-size"), 1, "{}", r.stdout);
    assert_eq!(r.count("host-pid"), 1, "{}", r.stdout);
    r.assert_within(MiB(96), Secs(5));
}

/// Kubernetes expands `$(VAR)` in a container's env values and a Plan's `command`/`args` once, but
/// every reference copies the variable's whole value: a 64 KiB variable named 2 000 times in a
/// startup script (or an operator's `args`) is 128 MiB of script from 150 KB of YAML, and ten times
/// as many references 1.3 GB. Those lookups spend the same expansion budget as `command`/`args`.
#[test]
fn k8s_variable_references_in_startup_scripts_and_plans_are_charged() {
    let d = tempfile::tempdir().unwrap();
    let big = "a".repeat(64 << 10);
    let refs = "      echo $(A)\n".repeat(2_000);
    std::fs::write(
        d.path().join("startup.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec:\n  hostPID: true\n  containers:\n    - name: startup-script\n      image: gcr.io/google-containers/startup-script:v2\n      securityContext: {{privileged: true}}\n      env:\n        - name: A\n          value: {big}\n        - name: STARTUP_SCRIPT\n          value: |\n            apt-get install -y nfs-common\n{}",
            refs.replace("      echo", "            echo")
        ),
    )
    .unwrap();
    std::fs::write(
        d.path().join("plan.yaml"),
        format!(
            "apiVersion: upgrade.cattle.io/v1\nkind: Plan\nmetadata:\n  name: p\n  namespace: system-upgrade\nspec:\n  upgrade:\n    image: alpine\n    envs:\n      - name: A\n        value: {big}\n    command: [chroot, /host]\n    args:\n      - sh\n      - -c\n      - |\n        apt-get install -y open-iscsi\n{}",
            refs.replace("      echo", "        echo")
        ),
    )
    .unwrap();
    let r = measured(
        d.path(),
        &["check", "--format", "json", "startup.yaml", "plan.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    // The budget is 64 times the script and its environment (a 64 KiB variable and 2 000 lines).
    let message = "shell variables expand to more than 5.2 MiB (64 times the script and its environment, at least 1 MiB; a variable that doubles?): values from here on are not checked";
    assert_eq!(errors[0]["file"], "plan.yaml");
    assert_eq!(errors[0]["line"], 16);
    assert_eq!(errors[0]["message"], message);
    assert_eq!(errors[1]["file"], "startup.yaml");
    assert_eq!(errors[1]["line"], 15);
    assert_eq!(errors[1]["message"], message);
    // What comes before the cut is still checked.
    let installs: Vec<_> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "host-package-install")
        .map(|f| (f["file"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        installs,
        [("plan.yaml", 17), ("startup.yaml", 16)],
        "{}",
        r.stdout
    );
    // Each file's analysis holds its 5.2 MiB of expanded script, its words and its parse at once
    // (the two files in parallel): under the webhook Deployment's 128 Mi. With a flat 32 MiB budget
    // it peaked at 341 MiB; without the charge, each expanded to 128 MiB unchecked.
    r.assert_within(MiB(128), Secs(20));
}

/// A Terraform module's other files and variable files, and a template's parameter files, are read
/// beside the input named; each is under the same 32 MiB cap as an input, refused by its size
/// unread (here 40 MiB files whose blocks are never written), and the rest is still linted.
#[test]
fn huge_sibling_terraform_and_parameter_files_are_refused_by_size() {
    let d = tempfile::tempdir().unwrap();
    let (tf, arm) = (d.path().join("tf"), d.path().join("arm"));
    std::fs::create_dir_all(&tf).unwrap();
    std::fs::create_dir_all(&arm).unwrap();
    std::fs::write(
        tf.join("main.tf"),
        "variable \"pool_size\" {\n  default = \"Standard_D4_v3\"\n}\n\nresource \"azurerm_kubernetes_cluster\" \"main\" {\n  name = \"main\"\n  kubernetes_version = \"1.34\"\n  default_node_pool {\n    name    = \"system\"\n    vm_size = var.pool_size\n    os_sku  = \"AzureContainerLinux\"\n  }\n}\n",
    )
    .unwrap();
    let huge = |path: std::path::PathBuf, head: &str| {
        let f = std::fs::File::create(path).unwrap();
        std::io::Write::write_all(&mut &f, head.as_bytes()).unwrap();
        f.set_len(40 << 20).unwrap();
    };
    huge(tf.join("extra.tf"), "locals {\n  a = 1\n");
    huge(
        tf.join("terraform.tfvars"),
        "pool_size = \"Standard_D4s_v5\"\n",
    );
    std::fs::write(
        arm.join("azuredeploy.json"),
        "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"parameters\": {\"vmSize\": {\"type\": \"string\", \"defaultValue\": \"Standard_D4s_v5\"}},\n  \"resources\": [{\n    \"type\": \"Microsoft.ContainerService/managedClusters\",\n    \"apiVersion\": \"2024-09-01\",\n    \"name\": \"aks\",\n    \"properties\": {\"kubernetesVersion\": \"1.34\", \"agentPoolProfiles\": [{\"name\": \"system\", \"vmSize\": \"[parameters('vmSize')]\", \"osSKU\": \"AzureContainerLinux\"}]}\n  }]\n}\n",
    )
    .unwrap();
    let params = "{\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n  \"parameters\": {\n    \"vmSize\": {\"value\": \"Standard_D8_v3\"}\n  }\n}\n";
    std::fs::write(arm.join("azuredeploy.parameters.json"), params).unwrap();
    huge(arm.join("azuredeploy.parameters.dev.json"), params);
    let r = measured(
        d.path(),
        &[
            "check",
            "--format",
            "json",
            "tf/main.tf",
            "arm/azuredeploy.json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let refused = "file is 41943040 bytes, over the 32 MiB limit for one input; not read (`--max-document-size` raises the limit)";
    let mut errors: Vec<(&str, &str)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["file"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("arm/azuredeploy.parameters.dev.json", refused),
            ("tf/extra.tf", refused),
            ("tf/terraform.tfvars", refused),
        ],
        "{}",
        r.stdout
    );
    // The module without them: the variable's default is the pool's size. The template with its
    // other parameter file.
    let mut gen1: Vec<(&str, u64, u64)> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "gen1-vm-size")
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    gen1.sort();
    assert_eq!(
        gen1,
        [
            ("arm/azuredeploy.parameters.json", 4, 25),
            ("tf/main.tf", 2, 13)
        ],
        "{}",
        r.stdout
    );
    r.assert_within(MiB(40), Secs(5));
}

/// A ConfigMap script that runs a mounted script a hundred times, which runs it again, four deep,
/// was 10⁸ analyses from 1.5 KB (over a minute, then killed). The same call made again with the
/// same variables is analysed once; calls that differ (a variable that grows at each call) stop
/// after 256 analyses per workload script, with an error where they were cut off.
#[test]
fn config_map_scripts_that_run_each_other_are_bounded() {
    let d = tempfile::tempdir().unwrap();
    let write = |name: &str, script: String, env: &str| {
        std::fs::write(
            d.path().join(name),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a.sh: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: x\n      securityContext: {{privileged: true}}\n{env}      command: [sh, /s/a.sh]\n      volumeMounts:\n        - {{name: s, mountPath: /s}}\n  volumes:\n    - {{name: s, configMap: {{name: s}}}}\n",
                serde_json::to_string(&script).unwrap()
            ),
        )
        .unwrap();
    };
    let install = "nsenter -t 1 -m -- apt-get install -y nfs-common\n";
    write(
        "same.yaml",
        format!("#!/bin/sh\n{install}{}", "sh /s/a.sh\n".repeat(100)),
        "",
    );
    let growing: String = (0..100)
        .map(|i| format!("X=$X.{i}; sh /s/a.sh\n"))
        .collect();
    write(
        "growing.yaml",
        format!("#!/bin/sh\n{install}{growing}"),
        "      env: [{name: X, value: x}]\n",
    );
    let r = measured(
        d.path(),
        &["check", "--format", "json", "same.yaml", "growing.yaml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "growing.yaml");
    assert_eq!(errors[0]["line"], 6);
    assert_eq!(
        errors[0]["message"],
        "ConfigMap scripts run each other more than 256 times (calls that fan out?): the rest is not checked"
    );
    let mut installs: Vec<_> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "host-package-install")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    installs.sort();
    assert_eq!(installs, ["growing.yaml", "same.yaml"], "{}", r.stdout);
    r.assert_within(MiB(64), Secs(10));
}

/// Found by `cargo fuzz run lint_json` and `lint_yaml` (tests/data/fuzz/lint_json-crash-9a065591.json,
/// lint_yaml-crash-f6f856f2.yaml): a parse error at a multi-byte character (`│`, `━`) gave the
/// human report's snippet a one-byte caret ending inside the character, and the snippet renderer
/// panicked. The caret covers the whole character.
#[test]
fn a_parse_error_at_a_multibyte_character_is_shown_not_a_panic() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let o = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args([
            "check",
            "--color",
            "never",
            "lint_json-crash-9a065591.json",
            "lint_yaml-crash-f6f856f2.yaml",
        ])
        .current_dir(&data)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains(
            "error: lint_json-crash-9a065591.json:2:16: Unexpected token\n  ╭▸ lint_json-crash-9a065591.json:2:16\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("7 │     ━ agentPoolProfiles:\n  ╰╴    ━\n"),
        "{stdout}"
    );
}

/// Found by `cargo fuzz run yaml_paths` (tests/data/fuzz/yaml_paths-crash-*.yaml): a key whose `:`
/// is more than 1024 characters after its start (a long quoted key, a long plain key in a flow
/// mapping) was read by the fast YAML reader, while libyaml, and so kubectl, refuses it (a simple
/// key is stale past 1024 characters). Such documents are now left to libyaml and refused as it
/// refuses them.
#[test]
fn keys_longer_than_libyaml_allows_are_refused_like_libyaml() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let not_closed = |line: u32, col: u32| {
        format!(
            "a flow mapping that starts here is not closed: did not find expected ',' or '}}' at line {line}, column {col}"
        )
    };
    // (file, its errors: line, column, message)
    type Errors = Vec<(u64, u64, String)>;
    let cases: [(&str, Errors); 4] = [
        (
            "yaml_paths-crash-24e6a9f8.yaml",
            vec![(2, 24, not_closed(2, 1053))],
        ),
        (
            "yaml_paths-crash-2f168d94.yaml",
            vec![
                (
                    1,
                    263,
                    "invalid UTF-8: hostlint reads UTF-8 text (convert with `iconv -t UTF-8`)"
                        .into(),
                ),
                (7, 11, not_closed(7, 1246)),
            ],
        ),
        (
            "yaml_paths-crash-70910005.yaml",
            vec![(
                1,
                2988,
                "mapping values are not allowed in this context".into(),
            )],
        ),
        (
            "yaml_paths-crash-cf03537f.yaml",
            vec![(5, 13, not_closed(5, 1719))],
        ),
    ];
    for (file, expected) in cases {
        let (code, v, stderr) = run(&data, &["check", "--format", "json", file]);
        assert_eq!(code, 2, "{file}: {stderr}");
        let errors: Errors = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["column"].as_u64().unwrap(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(errors, expected, "{file}");
    }
}

/// Found by `cargo fuzz run lint_json` (tests/data/fuzz/lint_json-crash-9ec969d9.json): telling an
/// ARM template by its resources' `type` sliced the first 10 bytes of the string, and a multi-byte
/// character there (`Microsof│.ContainerService/...`) panicked. It is compared as bytes: not
/// `Microsoft.`, so not a template, and its duplicate key is the error Kubernetes gives.
#[test]
fn a_resource_type_with_a_multibyte_character_is_not_a_panic() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let (code, v, stderr) = run(
        &data,
        &["check", "--format", "json", "lint_json-crash-9ec969d9.json"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(v["errors"][0]["line"], 16);
    assert_eq!(v["errors"][0]["column"], 13);
    assert_eq!(
        v["errors"][0]["message"],
        "duplicate field \"vmSize\" (already defined at line 15)"
    );
}
