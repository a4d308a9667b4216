//! What hostlint reads and what it passes over, as a user meets it on a real repository: Helm charts and
//! other templates, hidden files and links, FIFOs and devices, empty and huge stdin, read caps with the
//! peak memory they allow (measured per child with `wait4`), and paths that are not UTF-8.
#![cfg(unix)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const POD_USR: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n  containers:\n    - name: c\n      image: busybox\n      command: [sh, -c, cp tool /u/sbin/]\n      volumeMounts: [{name: u, mountPath: /u}]\n  volumes:\n    - name: u\n      hostPath: {path: /usr/local}\n";

/// A chart template as charts write them: Go template actions where YAML cannot have them.
const TEMPLATE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"web.fullname\" . }}\n  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\nspec:\n  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The child's peak resident set, in KiB (Linux `ru_maxrss`).
    max_rss_kib: i64,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// The `file` of each finding, in report order.
    fn finding_files(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Runs hostlint in `dir`, feeding `stdin` from a thread (so a child that stops reading cannot block the
/// test), and reaps it with `wait4` to read its own peak memory.
// The child is reaped by `wait4`, not by `Child::wait` (which would not give its rusage).
#[allow(clippy::zombie_processes)]
fn hostlint(args: &[&std::ffi::OsStr], dir: &Path, stdin: Option<Box<dyn Read + Send>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        if let Some(mut r) = stdin {
            // The child may exit before reading everything (a cap): a broken pipe is expected then.
            let _ = std::io::copy(&mut r, &mut input);
        }
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let _ = err.read_to_string(&mut stderr);
    let stdout = reader.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for this child only.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: pid is our unreaped child; pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let _ = feeder.join();
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stdout,
        stderr,
        max_rss_kib: usage.ru_maxrss,
    }
}

fn run(args: &[&str], dir: &Path) -> Run {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    hostlint(&args, dir, None)
}

fn run_stdin(args: &[&str], dir: &Path, stdin: impl Read + Send + 'static) -> Run {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    hostlint(&args, dir, Some(Box::new(stdin)))
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// A repository as platform teams hold one: a chart with its templates and helpers, a chart-like
/// folder that is no chart, plain manifests.
fn repository() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(
        r,
        "charts/web/values.yaml",
        "replicaCount: 1\nautoscaling:\n  enabled: false\n",
    );
    write(r, "charts/web/templates/deployment.yaml", TEMPLATE);
    write(
        r,
        "charts/web/templates/_helpers.tpl",
        "{{- define \"web.fullname\" -}}\nweb\n{{- end }}\n",
    );
    write(
        r,
        "charts/web/templates/tests/test-connection.yaml",
        TEMPLATE,
    );
    write(r, "charts/web/templates/NOTES.txt", "{{ .Release.Name }}\n");
    // A subchart is a chart of its own.
    write(
        r,
        "charts/web/charts/db/Chart.yaml",
        "apiVersion: v2\nname: db\nversion: 1.0.0\n",
    );
    write(r, "charts/web/charts/db/templates/sts.yaml", TEMPLATE);
    // No Chart.yaml: `templates/` is just a folder name, its manifests are linted.
    write(r, "deploy/templates/pod.yaml", POD_USR);
    d
}

#[test]
fn a_chart_in_the_repository_is_skipped_with_how_to_lint_it() {
    let d = repository();
    let o = run(&["check", "."], d.path());
    assert_eq!(o.code, Some(1), "{}\n{}", o.stdout, o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    let tail = &lines[lines.len() - 4..];
    assert_eq!(
        tail,
        [
            "Found 1 error in 4 files (1 object).",
            "Skipped 7 files (-v lists them): 4 Helm chart templates, 3 with no Kubernetes or ARM object.",
            "Helm chart charts/web: 3 templates not linted; lint the rendered chart: helm template charts/web | hostlint check -",
            "Helm chart charts/web/charts/db: 1 template not linted; lint the rendered chart: helm template charts/web/charts/db | hostlint check -",
        ]
    );
    // The chart-like folder without Chart.yaml is linted.
    let o = run(&["check", "--format", "json", "."], d.path());
    assert_eq!(o.finding_files(), ["./deploy/templates/pod.yaml"]);
    let v = o.json();
    assert_eq!(v["summary"]["skipped"], 7);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    let skipped: Vec<(&str, &str)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped[0],
        ("./charts/web/Chart.yaml", "no Kubernetes or ARM object")
    );
    assert_eq!(
        skipped[3],
        (
            "./charts/web/templates/_helpers.tpl",
            "template of the Helm chart `charts/web` (lint it rendered: `helm template charts/web | hostlint check -`)"
        )
    );
    // `-v` lists every skipped file on stderr.
    let o = run(&["check", "-v", "charts"], d.path());
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 7, "{}", o.stderr);
    assert!(o.stderr.contains(
        "skipped charts/web/charts/db/templates/sts.yaml: template of the Helm chart `charts/web/charts/db`"
    ));
}

#[test]
fn chart_templates_named_one_by_one_pass_like_pre_commit_names_them() {
    let d = repository();
    let o = run(
        &[
            "check",
            "charts/web/Chart.yaml",
            "charts/web/values.yaml",
            "charts/web/templates/deployment.yaml",
            "charts/web/templates/tests/test-connection.yaml",
        ],
        d.path(),
    );
    assert_eq!(o.code, Some(0), "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .starts_with("No findings in 2 files (0 objects).\nSkipped 4 files"),
        "{}",
        o.stdout
    );
    // From inside the chart, the chart is shown as where it is from there.
    let o = run(
        &["check", "templates/deployment.yaml"],
        &d.path().join("charts/web"),
    );
    assert_eq!(o.code, Some(0));
    assert!(o.stdout.contains("Helm chart .: 1 template not linted; lint the rendered chart: helm template . | hostlint check -"), "{}", o.stdout);
}

#[test]
fn templates_outside_charts_are_skipped_only_when_they_do_not_parse() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // Not YAML, and carries `{{ }}`: a template.
    write(r, "k8s/deploy.yaml", TEMPLATE);
    write(
        r,
        "k8s/list.json",
        "{\"items\": [{{ range .Items }}{{ . }}{{ end }}]}\n",
    );
    write(r, "k8s/helpers.tpl", "{{ define \"x\" }}{{ end }}\n");
    // Valid YAML whose values hold `{{ }}` is linted (the finding is real).
    write(
        r,
        "k8s/quoted.yaml",
        &POD_USR.replace("name: w", "name: \"{{ .Values.name }}\""),
    );
    // Broken without `{{ }}`: an input error.
    write(
        r,
        "k8s/broken.yaml",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [\n",
    );
    let o = run(&["check", "--format", "json", "-v", "k8s"], r);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    let v = o.json();
    assert_eq!(o.finding_files(), ["k8s/quoted.yaml"]);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["file"], "k8s/broken.yaml");
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        ["k8s/deploy.yaml", "k8s/helpers.tpl", "k8s/list.json"]
    );
    assert!(o.stderr.contains(
        "skipped k8s/deploy.yaml: a template (`{{ }}`), not YAML until rendered: render it and pipe it to `hostlint check -`"
    ), "{}", o.stderr);
    // On stdin a template is an error: what is piped in should have been rendered.
    let o = run_stdin(&["check", "-"], r, std::io::Cursor::new(TEMPLATE));
    assert_eq!(o.code, Some(2), "{}", o.stdout);
}

#[test]
fn hidden_files_and_links_are_walked_on_request_and_never_dropped_in_silence() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "apps/.hidden/a.yaml", POD_USR);
    write(r, "elsewhere/b.yaml", POD_USR);
    write(r, ".git/c.yaml", POD_USR);
    std::os::unix::fs::symlink("../elsewhere/b.yaml", r.join("apps/link.yaml")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", r.join("apps/linked-dir")).unwrap();
    std::os::unix::fs::symlink("..", r.join("apps/loop")).unwrap();
    let o = run(&["check", "--format", "json", "apps"], r);
    assert_eq!(o.code, Some(0), "{}", o.stdout);
    let v = o.json();
    assert_eq!(v["skipped"][0]["file"], "apps/link.yaml");
    assert_eq!(
        v["skipped"][0]["reason"],
        "symbolic link, not followed (`--follow` follows links)"
    );
    // Skipped files count as met: the directory is not "empty".
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", o.stdout);
    let o = run(&["check", "--format", "json", "--hidden", "apps"], r);
    assert_eq!(o.finding_files(), ["apps/.hidden/a.yaml"]);
    // -L: the link and the linked directory reach the same file, linted once; `.git` is never walked.
    let o = run(&["check", "--format", "json", "-L", "--hidden", "."], r);
    assert_eq!(
        o.finding_files(),
        ["./apps/.hidden/a.yaml", "./apps/link.yaml"],
        "{}",
        o.stdout
    );
    let o = run(&["check", "--format", "json", "--follow", "apps"], r);
    let v = o.json();
    assert_eq!(v["summary"]["files"], 1);
    let loops: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"] == "symbolic link back into a directory already walked")
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    // `apps/loop` leads to the top, whose `apps/loop` leads there again: the second time is the loop.
    assert_eq!(loops, ["apps/loop/apps/loop"], "{}", o.stdout);
}

#[test]
fn fifos_are_never_opened_while_walking_and_read_when_named() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "dir/pod.yaml", POD_USR);
    mkfifo(&r.join("dir/pipe.yaml"));
    let started = Instant::now();
    let o = run(&["check", "--format", "json", "dir"], r);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(o.code, Some(1));
    let v = o.json();
    assert_eq!(v["skipped"][0]["file"], "dir/pipe.yaml");
    assert_eq!(
        v["skipped"][0]["reason"],
        "a FIFO, not a regular file: not opened while walking"
    );
    // Named, with a writer: read like stdin.
    let fifo = r.join("dir/pipe.yaml");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(fifo, POD_USR).unwrap();
    });
    let o = run(&["check", "--format", "json", "dir/pipe.yaml"], r);
    writer.join().unwrap();
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert_eq!(o.finding_files(), ["dir/pipe.yaml"]);
    // Named, with no writer: an error after a bounded wait, and the other inputs still linted.
    let started = Instant::now();
    let o = run(
        &["check", "--format", "json", "dir/pipe.yaml", "dir/pod.yaml"],
        r,
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(o.code, Some(2));
    let v = o.json();
    assert_eq!(
        v["errors"][0]["message"],
        "nothing to read after 10 s (a FIFO with no writer?); not read"
    );
    assert_eq!(o.finding_files(), ["dir/pod.yaml"]);
}

#[test]
fn devices_and_empty_input_are_errors_not_clean_runs() {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["check", "--format", "json", "/dev/zero"], d.path());
    assert_eq!(o.code, Some(2));
    let e = &o.json()["errors"][0];
    assert_eq!(
        (
            e["line"].as_u64(),
            e["column"].as_u64(),
            e["message"].as_str()
        ),
        (
            Some(1),
            Some(1),
            Some("binary data (a NUL byte), not text; not read")
        )
    );
    for empty in ["", " \n\n\t\n"] {
        let o = run_stdin(&["check", "-"], d.path(), std::io::Cursor::new(empty));
        assert_eq!(o.code, Some(2));
        assert_eq!(
            o.stdout,
            "error: <stdin>: no input on stdin: did the command before the pipe fail?\nNo findings in 0 files (0 objects). 1 input could not be read or parsed.\n"
        );
    }
}

/// A stream of `count` Services of about 4 KiB each that no rule reports, produced as it is read.
/// (Not Services: what Services keep for script correlation is the budgets' test, tests/hostile.rs.)
struct Services {
    doc: Vec<u8>,
    at: usize,
    left: usize,
}

fn services(count: usize) -> Services {
    let mut doc =
        String::from("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n");
    let mut i = 0;
    while doc.len() < 4000 {
        doc.push_str(&format!(
            "  key{i}: a value long enough to make the document a few kilobytes long\n"
        ));
        i += 1;
    }
    Services {
        doc: doc.into_bytes(),
        at: 0,
        left: count,
    }
}

impl Read for Services {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let n = buf.len().min(self.doc.len() - self.at);
        buf[..n].copy_from_slice(&self.doc[self.at..self.at + n]);
        self.at += n;
        if self.at == self.doc.len() {
            self.at = 0;
            self.left -= 1;
        }
        Ok(n)
    }
}

#[test]
fn reading_is_capped_and_memory_follows_the_report_not_the_input() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // 96 MiB of YAML on stdin is streamed: the peak stays far below the input's size.
    let count = (96 << 20) / 4000;
    let o = run_stdin(&["check", "--format", "json", "-"], r, services(count));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.json()["summary"]["objects"], count);
    eprintln!(
        "96 MiB YAML stream on stdin: peak RSS {} KiB",
        o.max_rss_kib
    );
    assert!(o.max_rss_kib < 64 << 10, "peak RSS {} KiB", o.max_rss_kib);
    // JSON is parsed whole: more than the cap is refused without being kept.
    // (Produced as read, never held here: a forked child's peak counts the test process's pages.)
    let big = || {
        std::io::Cursor::new(b"{\"a\": 1".to_vec())
            .chain(std::io::repeat(b' ').take(40 << 20))
            .chain(std::io::Cursor::new(b"}".to_vec()))
    };
    let o = run_stdin(&["check", "--format", "json", "-"], r, big());
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.json()["errors"][0]["message"],
        "over the 32 MiB limit for one JSON input; not read (`--max-document-size` raises the limit)"
    );
    eprintln!(
        "40 MiB JSON on stdin (refused): peak RSS {} KiB",
        o.max_rss_kib
    );
    assert!(o.max_rss_kib < 64 << 10, "peak RSS {} KiB", o.max_rss_kib);
    // A file over the cap is refused by its size, unread.
    let len = std::io::copy(
        &mut big(),
        &mut std::fs::File::create(r.join("big.json")).unwrap(),
    )
    .unwrap();
    let o = run(&["check", "--format", "json", "big.json"], r);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.json()["errors"][0]["message"],
        format!(
            "file is {len} bytes, over the 32 MiB limit for one input; not read (`--max-document-size` raises the limit)"
        )
    );
    // Linux starts a vforked child's peak at the test process's own (exec keeps the old mm's high-water
    // mark), so the bound is the same as above rather than the few MiB the refusal itself takes.
    assert!(o.max_rss_kib < 64 << 10, "peak RSS {} KiB", o.max_rss_kib);
}

#[test]
fn paths_that_are_not_utf8_are_read_and_shown_byte_for_byte() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.yaml");
    if std::fs::write(r.join(name), POD_USR).is_err() {
        eprintln!("skipped: this file system refuses names that are not UTF-8");
        return;
    }
    let o = hostlint(
        &["check".as_ref(), "--format".as_ref(), "json".as_ref(), name],
        r,
        None,
    );
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert_eq!(o.finding_files(), ["caf\\xe9-\\xff.yaml"]);
    let o = run(&["check", "--format", "json", "."], r);
    assert_eq!(o.finding_files(), ["./caf\\xe9-\\xff.yaml"]);
    let o = hostlint(&["check".as_ref(), name], r, None);
    assert!(
        o.stdout.contains("╭▸ caf\\xe9-\\xff.yaml:13:24"),
        "{}",
        o.stdout
    );
}

#[test]
fn terraform_json_and_bicep_parameters_are_recognised_not_read_as_kubernetes() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // `*.tf.json` is Terraform (its JSON syntax): the pool's Gen1 size is found at its line.
    write(
        r,
        "infra/main.tf.json",
        "{\"resource\": {\"azurerm_kubernetes_cluster\": {\"aks\": {\n  \"name\": \"x\",\n  \"default_node_pool\": {\"name\": \"p\", \"os_sku\": \"AzureContainerLinux\",\n    \"vm_size\": \"Standard_D2_v3\"}}}}}\n",
    );
    write(
        r,
        "infra/main.bicepparam",
        "using './main.bicep'\nparam osSku = 'AzureLinux'\n",
    );
    let o = run(&["check", "--format", "json", "infra"], r);
    assert_eq!(o.code, Some(1), "{}", o.stdout);
    let v = o.json();
    let found: Vec<(String, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, [("gen1-vm-size".to_string(), 4, 16)], "{}", o.stdout);
    let reasons: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "Bicep parameters (`*.bicepparam`): not linted on their own; a parameter file is read with the template its `using` names"
        ]
    );
}

#[test]
fn review_reads_its_admission_review_under_the_same_cap() {
    let d = tempfile::tempdir().unwrap();
    let body = std::io::Cursor::new(b"{\"kind\": \"AdmissionReview\", \"x\": \"".to_vec())
        .chain(std::io::repeat(b'a').take(40 << 20))
        .chain(std::io::Cursor::new(b"\"}".to_vec()));
    let o = run_stdin(&["review", "-"], d.path(), body);
    assert_eq!(o.code, Some(2));
    assert_eq!(
        o.stderr,
        "error: -: over the 32 MiB limit for one input; not read\n"
    );
    assert!(o.max_rss_kib < 64 << 10, "peak RSS {} KiB", o.max_rss_kib);
}
