//! Hostile input: bounded memory and time, a clear error with a position, the other inputs still
//! linted, never a panic. (Speed is measured in bench/run.sh, not here.)

use std::path::Path;
use std::process::Command;

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
    let (code, v, stderr) = run(d.path(), &["check", "--format", "json", "fan.bicep"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(v["findings"][0]["rule"], "gen1-vm-size");
    assert_eq!(v["findings"][0]["line"], 1);
    assert_eq!(v["findings"][0]["column"], 10);
}
