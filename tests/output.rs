//! Output that cannot be turned against its reader (issue 17 §4): every human-readable field is
//! escaped in the human and github formats, no report line can start a CI workflow command, SARIF
//! URIs stay relative, Secret values never reach a snippet, and suppression comments count only
//! outside scalars.

use std::path::Path;
use std::sync::Arc;

use hostlint::discover::Kind;
use hostlint::report::{github, human, sarif};
use hostlint::{Config, Report, lint_bytes};

fn lint(name: &str, text: &str, kind: Kind) -> Report {
    let mut r = lint_bytes(&Arc::from(name), text.as_bytes(), kind, &Config::default());
    r.sort();
    r
}

/// No line a CI runner would obey: `::cmd` after leading whitespace, or a legacy `##[`.
fn assert_no_workflow_command(out: &str) {
    for line in out.lines() {
        assert!(
            !line.trim_start().starts_with("::") && !line.contains("##["),
            "workflow command in {line:?} of\n{out}"
        );
    }
}

// Regression (issue 17): a `\n` in a YAML string reached the human report, and its continuation
// line `  ::error::...` was a GitHub Actions workflow command; ESC sequences were printed raw.
const INJECTING_POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: "evil\n  ::stop-commands::tok\e]0;owned\a"
  namespace: ns
  annotations:
    container.apparmor.security.beta.kubernetes.io/web: "localhost/p\n::error::z\e[0m"
spec:
  hostPID: true
  containers:
    - name: "c\e[2J\n::error::x"
      image: busybox
    - name: web
      image: nginx
      volumeMounts:
        - name: sock
          mountPath: /var/run/docker.sock
  volumes:
    - name: sock
      hostPath:
        path: "/var/run/docker.sock"
"#;

#[test]
fn human_report_escapes_names_paths_and_messages() {
    let name = "k8s/\u{1b}[31mred\n::error file=x::y.yaml";
    let report = lint(name, INJECTING_POD, Kind::Yaml);
    assert!(!report.findings.is_empty());
    let out = human::render(&report, false);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
    assert_no_workflow_command(&out);
    // The escapes are visible, exactly where the fields are.
    assert!(
        out.contains("╭▸ k8s/\\e[31mred\\n::error file=x::y.yaml:9:12"),
        "{out}"
    );
    assert!(
        out.contains("├ note: object: Pod/ns/evil\\n  ::stop-commands::tok\\e]0;owned\\u{7}"),
        "{out}"
    );
    assert!(
        out.contains("error[apparmor-profile]: AppArmor profile `localhost/p\\n::error::z\\e[0m` requested for container `web`"),
        "{out}"
    );
}

#[test]
fn human_report_escapes_input_errors() {
    let report = lint("bad\n::error::x.yaml", "a: [1,\n::warning::b\n", Kind::Yaml);
    assert_eq!(report.errors.len(), 1);
    let out = human::render(&report, false);
    assert_no_workflow_command(&out);
    assert!(out.starts_with("error: bad\\n::error::x.yaml:"), "{out}");
}

#[test]
fn github_format_escapes_per_the_runner() {
    let report = lint("a,b:c%.yaml", INJECTING_POD, Kind::Yaml);
    let out = github::render_in(&report, Path::new("/nowhere"));
    // One command per line: every newline inside a field is %0A, or shown as `\n` when it is data.
    assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("title=hostlint host-pid"))
        .unwrap();
    assert_eq!(
        line,
        format!(
            "::notice file=a%2Cb%3Ac%25.yaml,line=9,col=12,endLine=9,endColumn=16,title=hostlint host-pid::`hostPID: true` shares the host's process namespace%0Afix: {}",
            fix_of(&report, "host-pid")
        )
    );
    // A value with ESC and a newline in a message: `\e` and `\n`, inside one annotation.
    let apparmor = out
        .lines()
        .find(|l| l.contains("title=hostlint apparmor-profile"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        apparmor.contains("::AppArmor profile `localhost/p\\n::error::z\\e[0m` requested"),
        "{apparmor}"
    );
    assert!(!out.contains('\u{1b}'), "{out}");
}

fn fix_of(report: &Report, rule: &str) -> String {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| f.fix.clone())
        .unwrap()
}

#[test]
fn sarif_uri_of_a_file_named_like_a_scheme_stays_relative() {
    // Regression (issue 17): `https:x.yaml` became the absolute URI `https:x.yaml`.
    let report = lint("https:x.yaml", INJECTING_POD, Kind::Yaml);
    let out = sarif::render_in(&report, Path::new("/repo"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "https%3Ax.yaml");
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
}

const SECRET: &str = "hunter2-s3cr3t";

/// The source text the human report shows for a rule's finding.
fn snippet_of(report: &Report, rule: &str) -> String {
    let f = report.findings.iter().find(|f| f.rule == rule).unwrap();
    f.snippet
        .as_ref()
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

#[test]
fn secret_value_is_masked_in_a_minified_json_snippet() {
    // Regression (issue 17): a Secret sharing a line with another object's finding was printed.
    let text = format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"s"}},"stringData":{{"password":"{SECRET}"}},"data":{{"token":"aHVudGVyMg=="}}}},{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p"}},"spec":{{"hostPID":true,"containers":[{{"name":"c","image":"busybox"}}]}}}}]}}"#
    );
    let report = lint("list.json", &text, Kind::Json);
    let out = human::render(&report, false);
    assert!(
        report.findings.iter().any(|f| f.rule == "host-pid"),
        "{out}"
    );
    assert!(
        !out.contains(SECRET) && !out.contains("aHVudGVyMg=="),
        "{out}"
    );
    let shown = snippet_of(&report, "host-pid");
    assert_eq!(shown.len(), text.len(), "{shown}");
    assert!(
        shown.contains(r#""stringData":{"password":****************},"data":{"token":**************}},{"apiVersion":"v1","kind":"Pod""#),
        "{shown}"
    );
    // The underline still points at `"hostPID":true` (columns are unchanged by the mask).
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "host-pid")
        .unwrap();
    assert_eq!(&text[f.span.start.col as usize - 1..][..4], "true");
}

#[test]
fn secret_value_is_masked_in_a_flow_yaml_snippet() {
    let text = format!(
        "{{apiVersion: v1, kind: List, items: [{{apiVersion: v1, kind: Secret, metadata: {{name: s}}, stringData: {{password: {SECRET}}}}}, {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{hostPID: true, containers: [{{name: c, image: busybox}}]}}}}]}}\n"
    );
    let report = lint("list.yaml", &text, Kind::Yaml);
    let out = human::render(&report, false);
    assert!(
        report.findings.iter().any(|f| f.rule == "host-pid"),
        "{out}"
    );
    assert!(!out.contains(SECRET), "{out}");
    let shown = snippet_of(&report, "host-pid");
    assert!(
        shown.contains("stringData: {password: **************}}, {apiVersion: v1, kind: Pod"),
        "{shown}"
    );
}

#[test]
fn secret_last_applied_annotation_is_masked_too() {
    // `kubectl apply` copies the whole Secret, values included, into this annotation.
    let text = format!(
        "{{kind: List, apiVersion: v1, items: [{{apiVersion: v1, kind: Secret, metadata: {{name: s, annotations: {{kubectl.kubernetes.io/last-applied-configuration: '{{\"data\":{{\"k\":\"{SECRET}\"}}}}'}}}}}}, {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{hostPID: true, containers: [{{name: c, image: busybox}}]}}}}]}}\n"
    );
    let report = lint("la.yaml", &text, Kind::Yaml);
    let shown = snippet_of(&report, "host-pid");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        shown.contains(&format!(
            "last-applied-configuration: {}}}}}}}, {{apiVersion: v1, kind: Pod",
            "*".repeat(format!("'{{\"data\":{{\"k\":\"{SECRET}\"}}}}'").len())
        )),
        "{shown}"
    );
}

#[test]
fn suppression_comment_inside_a_quoted_scalar_does_not_suppress() {
    let text = r#"apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    note: "x # hostlint: ignore[host-pid] because a string says so"
spec:
  hostPID: true
  containers:
    - name: c
      image: busybox
"#;
    // The annotation's line is not the finding's line: put the fake comment next to it instead.
    let text = text.replace(
        "  hostPID: true\n",
        "  hostPID: true\n  # below: the real comment is absent\n",
    );
    let text = text.replace(
        "spec:\n",
        "spec:\n  priorityClassName: 'a # hostlint: ignore[host-pid] quoted'\n",
    );
    let report = lint("q.yaml", &text, Kind::Yaml);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "host-pid")
        .unwrap();
    assert!(f.suppressed.is_none(), "{f:?}");
    // The same comment outside the scalar does suppress.
    let real = text.replace(
        "  priorityClassName: 'a # hostlint: ignore[host-pid] quoted'\n",
        "  priorityClassName: a # hostlint: ignore[host-pid] a real comment\n",
    );
    let report = lint("q.yaml", &real, Kind::Yaml);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "host-pid")
        .unwrap();
    assert!(f.suppressed.is_some(), "{f:?}");
}
