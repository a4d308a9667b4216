//! The CI gate end to end: SARIF against the official schema, GitHub and JUnit output exactly, suppressions
//! (annotation, comment, config), reasonless and unused suppressions, config errors, and the baseline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use hostlint::config::Exemption;
use hostlint::discover::Kind;
use hostlint::suppress::SuppressionKind;
use hostlint::{Config, Finding, lint_bytes};

#[path = "support/shared.rs"]
mod support;

fn corpus() -> Option<PathBuf> {
    support::shared("corpus", "the corpus SARIF test")
}

/// A fresh scratch directory under target/.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/cigate-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn hostlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn lint(text: &str, config: &Config) -> Vec<Finding> {
    lint_bytes(&Arc::from("t.yaml"), text.as_bytes(), Kind::Yaml, config).findings
}

const HOST_PID: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
spec:
  hostPID: true
  containers:
    - name: c
      image: busybox:1.36
";

#[test]
fn corpus_sarif_validates_and_is_complete() {
    let Some(corpus) = corpus() else {
        return;
    };
    let root = corpus.parent().unwrap();
    let out = hostlint(
        root,
        &["check", "--format", "sarif", "--fail-on", "none", "corpus"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), hostlint::rules::RULES.len());
    for r in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(r["id"].as_str().unwrap())
        );
        assert!(
            r["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{}.md", r["id"].as_str().unwrap()))
        );
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["tool"]["driver"]["semanticVersion"],
        env!("CARGO_PKG_VERSION")
    );
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx], id);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("corpus/"), "{uri}");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                loc["region"][k].as_u64().is_some_and(|n| n >= 1),
                "{k} missing in {r}"
            );
        }
        assert_eq!(
            r["partialFingerprints"]["hostlint/v2"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
    }

    validate_sarif(&text, "corpus");
}

/// Validates SARIF text against the official schema in shared/schemas, when python3's jsonschema is at hand.
fn validate_sarif(text: &str, name: &str) {
    let Some(schema) =
        support::shared("schemas/sarif-schema-2.1.0.json", "SARIF schema validation")
    else {
        return;
    };
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_jsonschema {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but python3 has no jsonschema (.ci/run installs it)"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "skipped: SARIF schema validation ({name}): python3 has no jsonschema (pip install jsonschema)"
        );
        return;
    }
    let dir = scratch(&format!("sarif-schema-{name}"));
    let file = dir.join("out.sarif");
    std::fs::write(&file, text).unwrap();
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\nerrs=list(jsonschema.Draft7Validator(schema).iter_errors(doc))\nfor e in errs[:20]: print(list(e.absolute_path), e.message)\nsys.exit(1 if errs else 0)\n";
    let v = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "SARIF ({name}) does not validate:\n{}{}",
        stdout(&v),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn sarif_reports_input_errors_and_suppressions() {
    let dir = scratch("sarif-errors");
    std::fs::write(dir.join("bad.yaml"), "a: [1, 2\n").unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        HOST_PID.replace("spec:\n", "spec: # hostlint: ignore[host-pid] debug pod\n"),
    )
    .unwrap();
    // Helm output on stdin, with a note (an alias) and a finding in the template.
    let helm = "---\n# Source: chart/templates/ds.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: i}]\n";
    std::fs::write(dir.join("helm.out"), helm).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            "report.sarif",
            ".",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(dir.join("report.sarif")).unwrap();
    validate_sarif(&text, "errors");
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let stdin = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(["check", "--format", "sarif", "-"])
        .current_dir(&dir)
        .stdin(std::fs::File::open(dir.join("helm.out")).unwrap())
        .output()
        .unwrap();
    let stdin_text = stdout(&stdin);
    validate_sarif(&stdin_text, "stdin");
    let from_stdin: serde_json::Value = serde_json::from_str(&stdin_text).unwrap();
    let r = &from_stdin["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "host-network");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "stdin"
    );
    assert_eq!(
        r["relatedLocations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "chart/templates/ds.yaml"
    );
    let run = &sarif["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let n = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(n["level"], "error");
    assert_eq!(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bad.yaml"
    );
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "host-pid");
    assert_eq!(r["suppressions"][0]["kind"], "inSource");
    assert_eq!(r["suppressions"][0]["justification"], "debug pod");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 7, "startColumn": 12, "endLine": 7, "endColumn": 16})
    );
}

#[test]
fn github_format_exactly() {
    let dir = scratch("github");
    std::fs::write(dir.join("p, q.yaml"), HOST_PID).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--format",
            "github",
            "--fail-on",
            "info",
            "p, q.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "::notice file=p%2C q.yaml,line=7,col=12,endLine=7,endColumn=16,title=hostlint host-pid::`hostPID: true` shares the host's process namespace%0Afix: "
            .to_string()
            + &hostlint::rules::by_name("host-pid").unwrap().fix.replace('%', "%25")
            + "\n"
    );
}

#[test]
fn junit_format_exactly() {
    let dir = scratch("junit");
    std::fs::write(
        dir.join("a.yaml"),
        format!("{HOST_PID}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"<&>\"\n"),
    )
    .unwrap();
    let out = hostlint(&dir, &["check", "--format", "junit", "a.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let fix = hostlint::rules::by_name("host-pid")
        .unwrap()
        .fix
        .replace('\'', "&apos;")
        .replace('&', "&amp;")
        .replace("&amp;apos;", "&apos;");
    let expected = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="hostlint" tests="2" failures="1" errors="0" time="0">
  <testsuite name="a.yaml" tests="2" failures="1" errors="0" skipped="0" time="0">
    <testcase classname="a.yaml" name="Pod/ns/p" file="a.yaml" time="0">
      <failure type="host-pid" message="host-pid: `hostPID: true` shares the host&apos;s process namespace (a.yaml:7:12)">a.yaml:7:12
rule: host-pid
severity: info
path: /spec/hostPID
fix: {fix}
</failure>
    </testcase>
    <testcase classname="a.yaml" name="ConfigMap/&lt;&amp;&gt;" file="a.yaml" time="0"/>
  </testsuite>
</testsuites>
"#
    );
    assert_eq!(stdout(&out), expected);
}

#[test]
fn annotation_comment_and_config_suppress() {
    let by_annotation = HOST_PID.replace("  namespace: ns\n", "  namespace: ns\n  annotations:\n    hostlint.io/ignore-host-pid: \"reads node processes on purpose\"\n");
    let f = lint(&by_annotation, &Config::default());
    assert_eq!(f.len(), 1, "{f:?}");
    let s = f[0].suppressed.as_ref().unwrap();
    assert_eq!(
        (s.kind, s.reason.as_str()),
        (
            SuppressionKind::Annotation,
            "reads node processes on purpose"
        )
    );

    let by_comment_above = HOST_PID.replace(
        "  hostPID: true\n",
        "  # hostlint: ignore[host-ipc,host-pid] node debugger\n  hostPID: true\n",
    );
    let f = lint(&by_comment_above, &Config::default());
    let pid = f.iter().find(|f| f.rule == "host-pid").unwrap();
    assert_eq!(
        pid.suppressed.as_ref().map(|s| (s.kind, s.reason.as_str())),
        Some((SuppressionKind::Comment, "node debugger"))
    );
    // host-ipc matched nothing: reported at info, on the comment.
    let unused = f.iter().find(|f| f.rule == "unused-suppression").unwrap();
    assert_eq!((unused.span.start.line, unused.span.start.col), (7, 3));
    assert_eq!(unused.severity, hostlint::rules::Severity::Info);
    assert!(unused.message.contains("`host-ipc`"), "{}", unused.message);

    let by_comment_on_line = HOST_PID.replace(
        "  hostPID: true\n",
        "  hostPID: true # hostlint: ignore[host-pid] node debugger\n",
    );
    let f = lint(&by_comment_on_line, &Config::default());
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].suppressed.as_ref().unwrap().kind,
        SuppressionKind::Comment
    );

    let config = Config {
        exemptions: vec![Exemption {
            rule: "host-pid".into(),
            namespace: Some("ns".into()),
            reason: "approved".into(),
            ..Exemption::default()
        }],
        ..Config::default()
    };
    let f = lint(HOST_PID, &config);
    assert_eq!(
        f[0].suppressed.as_ref().map(|s| s.kind),
        Some(SuppressionKind::Config)
    );
    let other_ns = Config {
        exemptions: vec![Exemption {
            namespace: Some("other".into()),
            ..config.exemptions[0].clone()
        }],
        ..Config::default()
    };
    assert!(lint(HOST_PID, &other_ns)[0].suppressed.is_none());

    // For one container only.
    let for_other_container = HOST_PID.replace(
        "  namespace: ns\n",
        "  namespace: ns\n  annotations:\n    hostlint.io/ignore-host-pid.sidecar: \"x\"\n",
    );
    let f = lint(&for_other_container, &Config::default());
    assert!(
        f.iter()
            .find(|f| f.rule == "host-pid")
            .unwrap()
            .suppressed
            .is_none(),
        "pod-level finding has no container"
    );
}

#[test]
fn suppressed_findings_do_not_fail_and_are_listed_in_json() {
    let dir = scratch("suppressed-cli");
    std::fs::write(
        dir.join("a.yaml"),
        HOST_PID.replace(
            "  hostPID: true\n",
            "  hostPID: true # hostlint: ignore[host-pid] node debugger\n",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join(".hostlint.yaml"),
        "exemptions:\n  - {rule: host-pid, name: q, reason: approved}\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.yaml"), HOST_PID.replace("name: p", "name: q")).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "info",
            "a.yaml",
            "b.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["findings"], 0);
    assert_eq!(json["summary"]["suppressed"], 2);
    assert_eq!(
        json["findings"][0]["suppressed"],
        serde_json::json!({"kind": "comment", "reason": "node debugger"})
    );
    assert_eq!(
        json["findings"][1]["suppressed"],
        serde_json::json!({"kind": "config", "reason": "approved"})
    );
}

#[test]
fn a_reasonless_suppression_does_not_suppress_and_is_reported() {
    let text = HOST_PID.replace(
        "  namespace: ns\n",
        "  namespace: ns\n  annotations:\n    hostlint.io/ignore-host-pid: \"  \"\n",
    );
    let f = lint(&text, &Config::default());
    let rules: Vec<(&str, u32, u32, bool)> = f
        .iter()
        .map(|f| {
            (
                f.rule,
                f.span.start.line,
                f.span.start.col,
                f.suppressed.is_some(),
            )
        })
        .collect();
    assert!(rules.contains(&("host-pid", 9, 12, false)), "{rules:?}");
    assert!(
        rules.contains(&("suppression-without-reason", 7, 5, false)),
        "{rules:?}"
    );

    let text = HOST_PID.replace(
        "  hostPID: true\n",
        "  hostPID: true  # hostlint: ignore[host-pid]\n",
    );
    let f = lint(&text, &Config::default());
    let rules: Vec<(&str, u32, u32, bool)> = f
        .iter()
        .map(|f| {
            (
                f.rule,
                f.span.start.line,
                f.span.start.col,
                f.suppressed.is_some(),
            )
        })
        .collect();
    assert!(rules.contains(&("host-pid", 7, 12, false)), "{rules:?}");
    assert!(
        rules.contains(&("suppression-without-reason", 7, 18, false)),
        "{rules:?}"
    );
}

#[test]
fn config_errors_point_at_the_config_line() {
    let dir = scratch("config-error");
    std::fs::write(dir.join("a.yaml"), HOST_PID).unwrap();
    std::fs::write(dir.join("my.yaml"), "rules:\n  host-pid: never\n").unwrap();
    let out = hostlint(&dir, &["check", "--config", "my.yaml", "a.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("my.yaml:2:13:"), "{err}");
    // A valid one turns the rule off.
    std::fs::write(dir.join("my.yaml"), "rules:\n  host-pid: off\n").unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--config",
            "my.yaml",
            "--fail-on",
            "info",
            "--format",
            "json",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn baseline_round_trip_survives_lines_shifting_above() {
    let dir = scratch("baseline");
    std::fs::write(dir.join("a.yaml"), HOST_PID).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--fail-on",
            "info",
            "--write-baseline",
            "base.json",
            "a.yaml",
        ],
    );
    // It writes the baseline and says so, instead of failing on what it baselined (issue 18).
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "wrote base.json: 1 finding (0 error, 0 warning, 1 info) in 1 file; commit it and run with `--baseline base.json`\n"
    );
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base.json")).unwrap()).unwrap();
    assert_eq!(base["version"], 2);
    assert_eq!(base["findings"].as_array().unwrap().len(), 1);
    assert_eq!(base["findings"][0]["rule"], "host-pid");

    // Lines inserted above the finding: still baselined.
    let shifted = HOST_PID.replace(
        "metadata:\n",
        "metadata:\n  labels:\n    app: x\n    tier: y\n",
    );
    std::fs::write(dir.join("a.yaml"), &shifted).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--fail-on",
            "info",
            "--baseline",
            "base.json",
            "--format",
            "json",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["findings"][0]["line"], 10);
    assert_eq!(json["findings"][0]["suppressed"]["kind"], "baseline");

    // A new finding is not in the baseline.
    let more = shifted.replace("  hostPID: true\n", "  hostPID: true\n  hostIPC: true\n");
    std::fs::write(dir.join("a.yaml"), &more).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--fail-on",
            "info",
            "--baseline",
            "base.json",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("host-ipc"));

    // Fixed: it leaves the next written baseline.
    std::fs::write(dir.join("a.yaml"), shifted.replace("  hostPID: true\n", "")).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--baseline",
            "base.json",
            "--write-baseline",
            "base.json",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base.json")).unwrap()).unwrap();
    assert_eq!(base["findings"].as_array().unwrap().len(), 0);
}

/// Issue 18: a suite said `tests="1" failures="7"`. One object with several findings is one failing
/// testcase (one `failure` element listing them), and the totals are the sums of the suites.
#[test]
fn junit_counts_add_up() {
    let dir = scratch("junit-counts");
    let agent = "apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ns
spec:
  hostPID: true
  hostIPC: true
  hostNetwork: true
  containers:
    - name: c
      image: busybox:1.36
---
apiVersion: v1
kind: Pod
metadata:
  name: quiet
  namespace: ns
spec:
  containers:
    - name: c
      image: busybox:1.36
";
    std::fs::write(dir.join("a.yaml"), agent).unwrap();
    std::fs::write(dir.join("b.yaml"), HOST_PID).unwrap();
    std::fs::write(dir.join("c.yaml"), "a: [1\n").unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--format",
            "junit",
            "--fail-on",
            "none",
            "a.yaml",
            "b.yaml",
            "c.yaml",
        ],
    );
    let xml = stdout(&out);
    let attr = |line: &str, name: &str| -> usize {
        let at = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[at..].split('"').next().unwrap().parse().unwrap()
    };
    let suites: Vec<&str> = xml
        .lines()
        .filter(|l| l.trim_start().starts_with("<testsuite "))
        .collect();
    let counts: Vec<(usize, usize, usize)> = suites
        .iter()
        .map(|l| (attr(l, "tests"), attr(l, "failures"), attr(l, "errors")))
        .collect();
    // a.yaml: two objects, one failing (three findings); b.yaml: one failing; c.yaml: an input error.
    assert_eq!(counts, vec![(2, 1, 0), (1, 1, 0), (1, 0, 1)], "{xml}");
    let top = xml.lines().find(|l| l.starts_with("<testsuites ")).unwrap();
    assert_eq!(
        (
            attr(top, "tests"),
            attr(top, "failures"),
            attr(top, "errors")
        ),
        (4, 2, 1)
    );
    // Every testcase holds at most one failure or error, and the failures are what the suites count.
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<error ").count(), 1, "{xml}");
    assert!(xml.contains("message=\"3 findings; the first: "), "{xml}");
    for rule in ["host-pid", "host-ipc", "host-network"] {
        assert!(xml.contains(&format!("rule: {rule}\n")), "{rule}: {xml}");
    }
}

/// Issue 18: the baseline keyed findings by array index (`/volumes/3/...`), so a volume or container
/// added above revived them. List items are keyed by the name Kubernetes merges them by.
#[test]
fn baseline_survives_list_items_added_above() {
    let dir = scratch("baseline-lists");
    let agent = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ns
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: example.com/agent:1
          volumeMounts:
            - name: bin
              mountPath: /host/bin
      volumes:
        - name: bin
          hostPath:
            path: /usr/local/bin
";
    std::fs::write(dir.join("a.yaml"), agent).unwrap();
    let out = hostlint(&dir, &["check", "--write-baseline", "base.json", "a.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base.json")).unwrap()).unwrap();
    let paths: Vec<&str> = base["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"/spec/template/spec/volumes[name=bin]/hostPath/path"),
        "{paths:?}"
    );

    // A sidecar and a volume added above the baselined ones: their indexes move, their names do not.
    let grown = agent
        .replace(
            "      containers:\n",
            "      containers:\n        - name: sidecar\n          image: example.com/sidecar:1\n",
        )
        .replace(
            "      volumes:\n",
            "      volumes:\n        - name: cache\n          emptyDir: {}\n",
        );
    std::fs::write(dir.join("a.yaml"), &grown).unwrap();
    let baselined = |args: &[&str]| {
        let out = hostlint(&dir, args);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let findings = json["findings"].as_array().unwrap().clone();
        (out.status.code(), findings)
    };
    let (code, findings) = baselined(&[
        "check",
        "--baseline",
        "base.json",
        "--fail-on",
        "info",
        "--format",
        "json",
        "a.yaml",
    ]);
    assert_eq!(code, Some(0), "{findings:?}");
    assert!(!findings.is_empty());
    for f in &findings {
        assert_eq!(f["suppressed"]["kind"], "baseline", "{f}");
        assert!(
            f["path"].as_str().unwrap().contains("/volumes/1/") || f["container"] == "agent",
            "{f}"
        );
    }

    // The same hostPath in a new volume of another name is a new finding.
    let another = grown.replace(
        "        - name: cache\n          emptyDir: {}\n",
        "        - name: cache\n          hostPath:\n            path: /usr/lib\n",
    );
    std::fs::write(dir.join("a.yaml"), another).unwrap();
    let (code, findings) = baselined(&[
        "check",
        "--baseline",
        "base.json",
        "--fail-on",
        "error",
        "--format",
        "json",
        "a.yaml",
    ]);
    assert_eq!(
        code,
        Some(0),
        "the new volume is mounted by nobody: {findings:?}"
    );
}

/// A version 1 baseline (hostlint 0.1: document pointers with indexes) still matches what it held.
#[test]
fn version_1_baselines_still_match() {
    let dir = scratch("baseline-v1");
    // In a `kind: List` the 0.1 key (`/items/0/spec/hostPID`) and the object's own differ.
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        HOST_PID
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { "  - " } else { "    " }))
            .collect::<String>()
    );
    std::fs::write(dir.join("a.yaml"), list).unwrap();
    let out = hostlint(&dir, &["check", "--format", "json", "a.yaml"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &json["findings"][0];
    // The 0.1 fingerprint: rule, object identity, the document's pointer, container, message.
    let object = hostlint::model::object::ObjectId {
        api_version: "v1".into(),
        kind: "Pod".into(),
        name: "p".into(),
        namespace: Some("ns".into()),
    };
    let legacy = hostlint::fingerprint(
        "host-pid",
        Some(&object),
        "/items/0/spec/hostPID",
        None,
        f["message"].as_str().unwrap(),
    );
    assert_ne!(legacy, f["fingerprint"].as_str().unwrap());
    let v1 = serde_json::json!({"version": 1, "findings": [
        {"fingerprint": legacy, "rule": "host-pid", "file": "a.yaml", "path": "/items/0/spec/hostPID"}
    ]});
    std::fs::write(dir.join("v1.json"), v1.to_string()).unwrap();
    let out = hostlint(
        &dir,
        &[
            "check",
            "--baseline",
            "v1.json",
            "--fail-on",
            "warning",
            "a.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// Issue 18: a Namespace in one file changed findings in another only when both were in the run, so a
/// pre-commit run on one file and a CI run on the tree disagreed. The Namespace is looked up in the
/// workload's own file, else the nearest directory up (to the repository root) defining it, on disk.
#[test]
fn pod_security_correlation_does_not_depend_on_the_files_given() {
    let dir = scratch("pod-security-scope");
    let ns = "apiVersion: v1
kind: Namespace
metadata:
  name: logging
  labels:
    pod-security.kubernetes.io/enforce: baseline
";
    let shipper = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: shipper
  namespace: logging
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - name: ship
          image: example.com/shipper:1.0
          securityContext:
            seLinuxOptions:
              type: container_logreader_t
";
    let found = |cwd: &Path, args: &[&str]| -> Vec<(String, u64, String)> {
        let mut all = vec![
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--select",
            "pod-security-selinux-type",
        ];
        all.extend_from_slice(args);
        let out = hostlint(cwd, &all);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches("./")
                        .to_string(),
                    f["line"].as_u64().unwrap(),
                    f["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    // The Namespace beside the workload, and in a directory above it: one file or the tree, same answer.
    for (ns_at, app_at) in [
        ("ns.yaml", "shipper.yaml"),
        ("ns.yaml", "apps/logging/shipper.yaml"),
    ] {
        let d = dir.join(app_at.replace('/', "-"));
        std::fs::create_dir_all(d.join(app_at).parent().unwrap()).unwrap();
        std::fs::write(d.join(ns_at), ns).unwrap();
        std::fs::write(d.join(app_at), shipper).unwrap();
        let one = found(&d, &[app_at]);
        let tree = found(&d, &["."]);
        assert_eq!(one.len(), 1, "{app_at}: {one:?}");
        assert_eq!(one, tree, "{app_at}");
        assert_eq!((one[0].0.as_str(), one[0].1), (app_at, 16));
    }

    // The Namespace in a sibling directory is out of reach, in both runs.
    let d = dir.join("siblings");
    std::fs::create_dir_all(d.join("namespaces")).unwrap();
    std::fs::create_dir_all(d.join("apps")).unwrap();
    std::fs::write(d.join("namespaces/logging.yaml"), ns).unwrap();
    std::fs::write(d.join("apps/shipper.yaml"), shipper).unwrap();
    assert_eq!(found(&d, &["apps/shipper.yaml"]), vec![]);
    assert_eq!(found(&d, &["."]), vec![]);

    // The workload's own file wins over the directory: here `logging` is unlabelled.
    let d = dir.join("own-file");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("ns.yaml"), ns).unwrap();
    let unlabelled = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: logging\n---\n";
    std::fs::write(d.join("shipper.yaml"), format!("{unlabelled}{shipper}")).unwrap();
    assert_eq!(found(&d, &["shipper.yaml"]), vec![]);
    assert_eq!(found(&d, &["."]), vec![]);

    // stdin has no directory: only its own stream counts.
    let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(["check", "--format", "json", "--fail-on", "none", "-"])
        .current_dir(dir.join("shipper.yaml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(shipper.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        !stdout(&out).contains("pod-security-selinux-type"),
        "{}",
        stdout(&out)
    );
}
