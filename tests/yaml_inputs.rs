//! YAML and JSON inputs end to end, as `kubectl apply` reads them: what it accepts is linted at
//! exact positions, a duplicate key is an input error naming both lines (exit 2, the other inputs
//! still linted), parse errors point where the broken construct opens.

use std::path::Path;
use std::process::Command;

use serde_json::Value as J;

fn check(dir: &Path, files: &[&str]) -> (i32, J) {
    let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(["check", "--format", "json"])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("hostlint runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// (file, line, column, message) of every input error.
fn errors(v: &J) -> Vec<(String, u64, u64, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap_or(0),
                e["column"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (rule, file, line, column, end line, end column) of every finding.
fn findings(v: &J) -> Vec<(String, String, u64, u64, u64, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                n("line"),
                n("column"),
                n("end_line"),
                n("end_column"),
            )
        })
        .collect()
}

const SOCKET_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: runner
spec:
  containers:
  - name: c
    image: x
    volumeMounts:
    - {name: docker, mountPath: /var/run/docker.sock}
  volumes:
  - name: docker
    hostPath:
      path: \"/var/run/docker.sock\"   # c
";

#[test]
fn duplicate_keys_are_input_errors_and_other_inputs_are_still_linted() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "probe.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: busybox
    livenessProbe:
      timeoutSeconds: 1
      exec:
        command: [\"true\"]
      timeoutSeconds: 5
",
    );
    // A later document of the same stream with its own duplicate, in a flow mapping.
    write(
        d.path(),
        "stream.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, name: c}\n",
    );
    // A mapping large enough for the key set: the duplicate is found all the same.
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    for i in 0..40 {
        big.push_str(&format!("  k{i}: v\n"));
    }
    big.push_str("  \"k7\": again\n");
    write(d.path(), "big.yaml", &big);
    write(
        d.path(),
        "pod.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\"hostPID\": false,\n    \"hostPID\": true, \"containers\": [{\"name\": \"c\", \"image\": \"b\"}]}\n}\n",
    );
    write(d.path(), "socket.yaml", SOCKET_POD);
    let (code, v) = check(
        d.path(),
        &[
            "probe.yaml",
            "stream.yaml",
            "big.yaml",
            "pod.json",
            "socket.yaml",
        ],
    );
    assert_eq!(code, 2);
    let mut errs = errors(&v);
    errs.sort();
    assert_eq!(
        errs,
        [
            (
                "big.yaml".into(),
                45,
                3,
                "mapping key \"k7\" already defined at line 12".into()
            ),
            (
                "pod.json".into(),
                6,
                5,
                "duplicate field \"hostPID\" (already defined at line 5)".into()
            ),
            (
                "probe.yaml".into(),
                13,
                7,
                "mapping key \"timeoutSeconds\" already defined at line 10".into()
            ),
            (
                "stream.yaml".into(),
                7,
                21,
                "mapping key \"name\" already defined at line 7".into()
            ),
        ]
    );
    let f = findings(&v);
    assert!(
        f.iter()
            .any(|f| f.0 == "container-runtime-socket" && f.1 == "socket.yaml"),
        "{f:?}"
    );
    // The first document of the stream was read (and is no workload): only its second failed.
    assert!(v["summary"]["objects"].as_u64().unwrap() >= 2, "{v}");
}

#[test]
fn a_duplicate_inside_a_string_is_no_duplicate() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "cm.yaml",
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  config.yaml: |
    a: 1
    a: 2
  inline: \"x: 1\\nx: 2\"
  flow: '{x: 1, x: 2}'
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: same-key-in-sibling-maps
data: {a: {k: 1}, b: {k: 1}}
",
    );
    let (code, v) = check(d.path(), &["cm.yaml"]);
    assert_eq!(errors(&v), []);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn a_quoted_scalar_ends_at_its_closing_quote() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "socket.yaml", SOCKET_POD);
    let (_, v) = check(d.path(), &["socket.yaml"]);
    let f = findings(&v);
    let s = f
        .iter()
        .find(|f| f.0 == "container-runtime-socket")
        .unwrap_or_else(|| panic!("{f:?}"));
    // `      path: "/var/run/docker.sock"   # c`: columns 13 to 35, not to the comment.
    assert_eq!((s.2, s.3, s.4, s.5), (14, 13, 14, 35), "{f:?}");
}

#[test]
fn what_kubectl_accepts_is_linted_at_exact_positions() {
    let d = tempfile::tempdir().unwrap();
    // A flow sequence closed at its key's indentation, a multi-line single-quoted script whose
    // continuation lines sit left of its key, and a flow mapping spread over lines.
    write(
        d.path(),
        "shipper.yaml",
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
      - name: c
        image: x
        args: [
          \"--path=/var/log\"
        ]
        command: ['sh', '-c', 'echo start;
  exec shipper']
        volumeMounts: [
      {name: docker, mountPath: /var/run/docker.sock}
        ]
      volumes: [{
  name: docker, hostPath: {path: /var/run/docker.sock}
      }]
",
    );
    let (code, v) = check(d.path(), &["shipper.yaml"]);
    assert_eq!(errors(&v), [], "{v}");
    let f = findings(&v);
    let s = f
        .iter()
        .find(|f| f.0 == "container-runtime-socket")
        .unwrap_or_else(|| panic!("{f:?}"));
    assert_eq!((s.2, s.3, s.4, s.5), (22, 34, 22, 54), "{f:?}");
    assert_ne!(code, 2);
}

#[test]
fn parse_errors_point_where_the_broken_construct_opens() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "flow.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    args: [\"--a\",\n      \"--b\"\n    image: x\n",
    );
    write(
        d.path(),
        "quote.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  a: \"open\n  b: 1\n",
    );
    write(
        d.path(),
        "indent.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n   labels: {}\n",
    );
    let (code, v) = check(d.path(), &["flow.yaml", "quote.yaml", "indent.yaml"]);
    assert_eq!(code, 2);
    let mut errs: Vec<_> = errors(&v)
        .into_iter()
        .map(|(f, l, c, _)| (f, l, c))
        .collect();
    errs.sort();
    assert_eq!(
        errs,
        [
            ("flow.yaml".into(), 8, 11),
            ("indent.yaml".into(), 5, 10),
            ("quote.yaml".into(), 6, 6),
        ],
        "{v}"
    );
}

#[test]
fn a_parse_error_shows_the_line_it_points_at() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "flow.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    args: [\"--a\",\n      \"--b\"\n    image: x\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(["check", "--color", "never", "flow.yaml"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("flow.yaml:8:11"), "{text}");
    assert!(text.contains("8 │     args: [\"--a\","), "{text}");
    // The caret sits under the `[` that is never closed.
    let caret = text
        .lines()
        .find(|l| l.contains('━'))
        .unwrap_or_else(|| panic!("{text}"));
    let column = |l: &str, c: char| l.chars().position(|x| x == c);
    let source = text.lines().find(|l| l.contains("args: [")).unwrap();
    assert_eq!(column(caret, '━'), column(source, '['), "{text}");
}
