//! Admission review: `hostlint review` offline and the `serve` webhook on loopback with a real TLS client.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hostlint::Config;
use hostlint::admission::{MAX_LISTED, MAX_WARNING_CHARS, Mode, Outcome, Policy, review};
use hostlint::parse::node::{Node, Style, Value};
use hostlint::rules::Severity;
use serde_json::{Value as Json, json};

// ---- building AdmissionReviews from YAML fixtures, through the engine's own parser ----

/// A YAML document as the JSON the API server would send (plain scalars typed as YAML 1.1 does for
/// booleans, and as numbers where they read as numbers).
fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), to_json(v)))
                .collect(),
        ),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Scalar(s, Style::Plain) => {
            if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                Json::Null
            } else if let Some(b) = node.as_bool() {
                Json::Bool(b)
            } else if let Ok(i) = s.parse::<i64>() {
                json!(i)
            } else if let Ok(f) = s.parse::<f64>() {
                json!(f)
            } else {
                Json::String(s.to_string())
            }
        }
        Value::Scalar(s, _) => Json::String(s.to_string()),
    }
}

fn yaml_objects(text: &str) -> Vec<Json> {
    let limits = hostlint::parse::Limits::default();
    let mut out = Vec::new();
    for chunk in hostlint::parse::yaml::split(text.as_bytes()) {
        for doc in hostlint::parse::yaml::parse_chunk(chunk, &limits) {
            let doc = doc.expect("fixture parses");
            if doc.root.get("kind").is_some() {
                out.push(to_json(&doc.root));
            }
        }
    }
    out
}

fn fixture(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/admission")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_objects(&text).remove(0)
}

fn admission_review(uid: &str, operation: &str, dry_run: bool, object: Json) -> Vec<u8> {
    let kind = object["kind"].clone();
    let body = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": { "group": "", "version": "v1", "kind": kind },
            "operation": operation,
            "namespace": "team-a",
            "userInfo": { "username": "alice" },
            "object": object,
            "oldObject": null,
            "dryRun": dry_run,
        }
    });
    serde_json::to_vec(&body).unwrap()
}

#[path = "support/shared.rs"]
mod shared;

fn corpus() -> Option<PathBuf> {
    shared::shared("corpus", "the corpus admission test")
}

const WARN: Policy = Policy {
    mode: Mode::Warn,
    fail_on: Some(Severity::Error),
};
/// Denies at info: host-pid, the findings these tests deny on, is info (SPEC: Rules).
const DENY_INFO: Policy = Policy {
    mode: Mode::Deny,
    fail_on: Some(Severity::Info),
};
const DENY_WARNING: Policy = Policy {
    mode: Mode::Deny,
    fail_on: Some(Severity::Warning),
};
const DENY_ERROR: Policy = Policy {
    mode: Mode::Deny,
    fail_on: Some(Severity::Error),
};

fn warnings(r: &Json) -> Vec<String> {
    r["response"]["warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

// ---- offline review ----

#[test]
fn plain_nginx_deployment_is_allowed_without_warnings() {
    for policy in [WARN, DENY_INFO] {
        let r = review(
            &admission_review("u1", "CREATE", false, fixture("nginx-deployment.yaml")),
            &Config::default(),
            &policy,
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Allowed);
        assert_eq!(
            r.response,
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": "u1", "allowed": true}})
        );
    }
}

#[test]
fn host_pid_pod_warns_in_warn_mode_and_denies_in_deny_mode() {
    let body = admission_review("u2", "CREATE", false, fixture("host-pid-pod.yaml"));
    let r = review(&body, &Config::default(), &WARN).unwrap();
    assert_eq!(r.outcome, Outcome::Warned);
    assert_eq!(r.response["response"]["uid"], "u2");
    assert_eq!(r.response["response"]["allowed"], true);
    // Located by JSON pointer; the object is the request's own, so it is not named again.
    assert_eq!(
        warnings(&r.response),
        ["host-pid: `hostPID: true` shares the host's process namespace (at /spec/hostPID)"]
    );
    assert_eq!(
        r.findings[0].object.as_ref().unwrap().namespace.as_deref(),
        Some("team-a")
    );

    let r = review(&body, &Config::default(), &DENY_INFO).unwrap();
    assert_eq!(r.outcome, Outcome::Denied);
    let resp = &r.response["response"];
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 403);
    let msg = resp["status"]["message"].as_str().unwrap();
    assert_eq!(
        msg,
        "hostlint denied this object: 1 finding at or above info: host-pid: `hostPID: true` shares the host's process namespace (at /spec/hostPID)"
    );

    // Below the threshold: allowed, with the finding as a warning.
    let r = review(&body, &Config::default(), &DENY_ERROR).unwrap();
    assert_eq!(r.outcome, Outcome::Warned);
    assert_eq!(r.response["response"]["allowed"], true);
    assert_eq!(warnings(&r.response).len(), 1);
}

#[test]
fn custom_resource_with_a_pod_template_is_checked() {
    let r = review(
        &admission_review("u3", "UPDATE", false, fixture("rollout-host-pid.yaml")),
        &Config::default(),
        &WARN,
    )
    .unwrap();
    assert_eq!(
        warnings(&r.response),
        [
            "host-pid: `hostPID: true` shares the host's process namespace (at /spec/template/spec/hostPID)"
        ]
    );
}

#[test]
fn warnings_are_whole_and_short_and_the_deny_message_is_not_cut() {
    // Regression (issue 18): lines were cut at 120 characters in the middle of the pointer, named
    // the container twice, and the deny message reused the cut lines.
    let long = format!("agent-{}", "x".repeat(90));
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "containers": [{"name": long, "image": "busybox",
                        "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}]}],
        "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]}});
    let body = admission_review("w1", "CREATE", false, pod);
    let r = review(&body, &Config::default(), &WARN).unwrap();
    let w = warnings(&r.response);
    // The message and the pointer do not fit together (nor the summary and the pointer, by one
    // character): the message alone, whole.
    assert_eq!(
        w,
        [
            "container-runtime-socket: hostPath `/var/run/docker.sock` is the Docker socket; the node runs containerd only"
        ]
    );
    assert!(
        w.iter()
            .all(|l| l.chars().count() <= MAX_WARNING_CHARS && !l.contains(&long))
    );
    let r = review(&body, &Config::default(), &DENY_WARNING).unwrap();
    let msg = r.response["response"]["status"]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        msg,
        format!(
            "hostlint denied this object: 1 finding at or above warning: container-runtime-socket: {} (at /spec/volumes/0/hostPath/path)",
            r.findings[0].message
        )
    );
}

#[test]
fn delete_connect_and_objects_with_nothing_to_check_are_allowed_quietly() {
    for (op, object) in [
        ("DELETE", Json::Null),
        (
            "CONNECT",
            json!({"kind": "PodExecOptions", "apiVersion": "v1"}),
        ),
        ("CREATE", fixture("configmap.yaml")),
    ] {
        let r = review(
            &admission_review("u4", op, false, object),
            &Config::default(),
            &DENY_INFO,
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Allowed, "{op}");
        assert_eq!(
            r.response["response"],
            json!({"uid": "u4", "allowed": true}),
            "{op}"
        );
    }
    // A DELETE of a privileged pod carries the pod in oldObject only: nothing is checked.
    let mut body: Json =
        serde_json::from_slice(&admission_review("u5", "DELETE", false, Json::Null)).unwrap();
    body["request"]["oldObject"] = fixture("host-pid-pod.yaml");
    let r = review(
        &serde_json::to_vec(&body).unwrap(),
        &Config::default(),
        &DENY_INFO,
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Allowed);
}

#[test]
fn dry_run_requests_are_reviewed_the_same_way() {
    let live = review(
        &admission_review("u6", "CREATE", false, fixture("host-pid-pod.yaml")),
        &Config::default(),
        &DENY_INFO,
    )
    .unwrap();
    let dry = review(
        &admission_review("u6", "CREATE", true, fixture("host-pid-pod.yaml")),
        &Config::default(),
        &DENY_INFO,
    )
    .unwrap();
    assert_eq!(live.response, dry.response);
}

#[test]
fn rule_selection_applies_to_reviews() {
    let config = Config {
        ignore: vec!["host-pid".into()],
        ..Config::default()
    };
    let r = review(
        &admission_review("u7", "CREATE", false, fixture("host-pid-pod.yaml")),
        &config,
        &DENY_INFO,
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Allowed);
}

#[test]
fn many_findings_are_capped_and_every_line_is_short() {
    // 30 containers each mounting the Docker socket: one finding per container.
    let mut pod = fixture("host-pid-pod.yaml");
    let containers: Vec<Json> = (0..30)
        .map(|i| json!({"name": format!("c{i}-{}", "x".repeat(80)), "image": "busybox", "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}]}))
        .collect();
    pod["spec"]["containers"] = Json::Array(containers);
    pod["spec"]["volumes"] =
        json!([{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]);
    let r = review(
        &admission_review("u8", "CREATE", false, pod),
        &Config::default(),
        &WARN,
    )
    .unwrap();
    let w = warnings(&r.response);
    assert!(
        r.findings.len() > MAX_LISTED,
        "{} findings",
        r.findings.len()
    );
    assert_eq!(w.len(), MAX_LISTED + 1);
    assert_eq!(
        w[MAX_LISTED],
        format!("hostlint: and {} more", r.findings.len() - MAX_LISTED)
    );
    assert!(
        w.iter()
            .all(|l| l.chars().count() <= MAX_WARNING_CHARS && !l.chars().any(char::is_control)),
        "{w:#?}"
    );
}

/// The rules that must fire on the corpus' longhorn iSCSI installer DaemonSet; new rules only add to it.
const LONGHORN_EXPECTED: &[&str] = &["host-pid"];

#[test]
fn longhorn_iscsi_daemonset_warns_and_denies_with_the_rules_that_fire() {
    let Some(corpus) = corpus() else { return };
    let text = std::fs::read_to_string(corpus.join("longhorn-iscsi-installation.yaml")).unwrap();
    let ds = yaml_objects(&text)
        .into_iter()
        .find(|o| o["kind"] == "DaemonSet")
        .expect("a DaemonSet");
    // kubectl's own YAML-to-JSON, offline (`create --dry-run=client` needs a cluster for discovery;
    // removing an absent label with `--local` leaves the object as it is), when kubectl is there.
    let path = corpus.join("longhorn-iscsi-installation.yaml");
    let by_kubectl = Command::new("kubectl")
        .args([
            "label",
            "--local",
            "--dry-run=client",
            "-o",
            "json",
            "hostlint-absent-label-",
            "-f",
        ])
        .arg(&path)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<Json>(&o.stdout).ok());
    let ds = match by_kubectl {
        Some(k) => {
            // Both conversions give the same review.
            let ours = review(
                &admission_review("lh-1", "CREATE", true, ds),
                &Config::default(),
                &DENY_INFO,
            )
            .unwrap();
            let theirs = review(
                &admission_review("lh-1", "CREATE", true, k.clone()),
                &Config::default(),
                &DENY_INFO,
            )
            .unwrap();
            assert_eq!(ours.response, theirs.response);
            k
        }
        None => {
            println!(
                "kubectl not usable: the AdmissionReview is built from hostlint's own YAML reading"
            );
            ds
        }
    };
    let body = admission_review("lh-1", "CREATE", true, ds);

    let r = review(&body, &Config::default(), &WARN).unwrap();
    assert_eq!(r.outcome, Outcome::Warned);
    assert_eq!(r.response["response"]["allowed"], true);
    let w = warnings(&r.response);
    for rule in LONGHORN_EXPECTED {
        assert!(
            w.iter().any(|l| l.starts_with(&format!("{rule}: "))),
            "{rule} missing from {w:#?}"
        );
    }

    let r = review(&body, &Config::default(), &DENY_INFO).unwrap();
    assert_eq!(r.outcome, Outcome::Denied);
    let msg = r.response["response"]["status"]["message"]
        .as_str()
        .unwrap();
    for rule in LONGHORN_EXPECTED {
        assert!(
            msg.contains(&format!("{rule}: ")),
            "{rule} missing from {msg}"
        );
    }

    // Truncated anywhere, the request is answered (or refused as no AdmissionReview), never a panic.
    for cut in (0..body.len()).step_by(7) {
        let _ = review(&body[..cut], &Config::default(), &DENY_INFO);
    }
}

#[test]
fn not_an_admission_review_is_refused() {
    for body in [&b"{}"[..], b"[]", b"", b"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"}}"] {
        assert!(review(body, &Config::default(), &WARN).is_err(), "{}", String::from_utf8_lossy(body));
    }
}

// ---- the `hostlint review` command ----

fn run_review(args: &[&str], stdin: &[u8]) -> (i32, Json, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .arg("review")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Json::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn review_command_exit_codes() {
    let body = admission_review("c1", "CREATE", false, fixture("host-pid-pod.yaml"));
    let (code, out, _) = run_review(&["-"], &body);
    assert_eq!((code, &out["response"]["allowed"]), (0, &json!(true)));
    let (code, out, _) = run_review(&["--mode", "deny", "--fail-on", "info"], &body);
    assert_eq!((code, &out["response"]["allowed"]), (1, &json!(false)));
    let (code, out, err) = run_review(&["-"], &body[..body.len() / 2]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.starts_with("error: -: cannot parse the request at 1:"),
        "{err}"
    );
}

// ---- memory, measured in a child process ----

/// Peak RSS in KiB of `hostlint review FILE`, from the kernel's own accounting of that child
/// (`wait4`'s rusage), not from the shared machine's clock or other processes.
#[cfg(target_os = "linux")]
fn review_peak_rss_kib(body: &[u8]) -> i64 {
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        maxrss: i64,
        rest: [i64; 13],
    }
    unsafe extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("review.json");
    std::fs::write(&file, body).unwrap();
    // Reaped by `wait4` below, which is what reports its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .arg("review")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    // SAFETY: wait4 on our own child, with valid pointers to locals of the declared layout
    // (struct rusage on Linux: two timevals, then longs, ru_maxrss first).
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert_eq!(status & 0x7f, 0, "killed by a signal: {status}");
    usage.maxrss
}

#[cfg(target_os = "linux")]
#[test]
fn a_large_script_review_takes_memory_in_proportion_not_a_multiple_of_190() {
    // Regression (issue 17): a Pod's `sh -c` script cost ~190 bytes of memory per byte (a 2.8 MB
    // Pod peaked at 380 MB). Now ~35 (positions as runs, words moved, not copied).
    let script: String = (0..12_000)
        .map(|i| {
            format!(
                "mkdir -p /opt/app/d{i} && cp /etc/c{i} /opt/app/d{i}/ && echo {i} >> /tmp/log\n"
            )
        })
        .collect();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "s"},
        "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", script]}]}});
    let base = review_peak_rss_kib(&admission_review(
        "m0",
        "CREATE",
        false,
        fixture("host-pid-pod.yaml"),
    ));
    let peak = review_peak_rss_kib(&admission_review("m1", "CREATE", false, pod));
    let per_byte = (peak - base) as f64 * 1024.0 / script.len() as f64;
    assert!(
        per_byte < 60.0,
        "{per_byte:.0} bytes of memory per byte of a {} byte script ({peak} KiB peak, {base} KiB base)",
        script.len()
    );
}

// ---- deploy/ ----

#[test]
fn deploy_manifests_lint_clean() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .arg("check")
        .arg(&deploy)
        .arg("--fail-on")
        .arg("info")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        // 8 manifests and deploy/image/build.sh (a shell script: read for host-changing commands)
        text.starts_with("No findings in 9 files (9 objects)"),
        "{text}"
    );
}

#[test]
fn deploy_manifests_are_readable_by_kubectl() {
    // Without a cluster, `kubectl apply/create --dry-run=client` needs API discovery and fails;
    // `kubectl label --local` decodes and maps every object offline.
    let Ok(out) = Command::new("kubectl")
        .args([
            "label",
            "--local",
            "--dry-run=client",
            "-o",
            "name",
            "checked=yes",
            "-f",
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy"))
        .output()
    else {
        println!("kubectl not found: skipping");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "namespace/hostlint",
        "serviceaccount/hostlint",
        "issuer.cert-manager.io/hostlint-selfsigned",
        "certificate.cert-manager.io/hostlint-webhook",
        "deployment.apps/hostlint-webhook",
        "poddisruptionbudget.policy/hostlint-webhook",
        "service/hostlint-webhook",
        "networkpolicy.networking.k8s.io/hostlint-webhook",
        "validatingwebhookconfiguration.admissionregistration.k8s.io/hostlint",
    ] {
        assert!(
            text.lines().any(|l| l == name),
            "{name} missing from\n{text}"
        );
    }
}

// ---- the webhook, on loopback ----

#[cfg(feature = "server")]
#[path = "support/https.rs"]
mod https;

#[cfg(feature = "server")]
mod server {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use hostlint::serve::{Options, Server};

    use super::https::{Conn, client_config};

    struct Fixture {
        server: Option<Server>,
        client: Arc<rustls::ClientConfig>,
        dir: PathBuf,
    }

    impl Fixture {
        fn addr(&self) -> std::net::SocketAddr {
            self.server.as_ref().unwrap().local_addr()
        }
        fn conn(&self) -> Conn {
            Conn::connect(self.addr(), &self.client).unwrap()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            if let Some(s) = self.server.take() {
                s.shutdown();
            }
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn write_cert(dir: &Path) -> Vec<u8> {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        std::fs::write(dir.join("tls.crt"), ck.cert.pem()).unwrap();
        std::fs::write(dir.join("tls.key"), ck.signing_key.serialize_pem()).unwrap();
        ck.cert.der().to_vec()
    }

    fn start(name: &str, policy: Policy, tweak: impl FnOnce(&mut Options)) -> Fixture {
        let dir =
            std::env::temp_dir().join(format!("hostlint-admission-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let der = write_cert(&dir);
        let mut options = Options {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls_cert: dir.join("tls.crt"),
            tls_key: dir.join("tls.key"),
            policy,
            workers: 2,
            ..Options::default()
        };
        tweak(&mut options);
        let server = Server::start(options).unwrap();
        Fixture {
            server: Some(server),
            client: client_config(&der),
            dir,
        }
    }

    #[test]
    fn allowed_warned_and_denied_over_https() {
        let f = start("verdicts", DENY_INFO, |_| {});
        let mut c = f.conn();
        let r = c
            .post_json(&admission_review(
                "s1",
                "CREATE",
                false,
                fixture("nginx-deployment.yaml"),
            ))
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json()["response"], json!({"uid": "s1", "allowed": true}));
        // Same connection (keep-alive): denied.
        let r = c
            .post_json(&admission_review(
                "s2",
                "CREATE",
                true,
                fixture("host-pid-pod.yaml"),
            ))
            .unwrap();
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(
            (
                &j["response"]["uid"],
                &j["response"]["allowed"],
                &j["response"]["status"]["code"]
            ),
            (&json!("s2"), &json!(false), &json!(403))
        );

        let w = start("warn", WARN, |_| {});
        let r = w
            .conn()
            .post_json(&admission_review(
                "s3",
                "CREATE",
                false,
                fixture("host-pid-pod.yaml"),
            ))
            .unwrap();
        let j = r.json();
        assert_eq!(j["response"]["allowed"], true);
        assert_eq!(warnings(&j).len(), 1);
    }

    #[test]
    fn bad_requests_are_answered_not_crashed_on() {
        let f = start("bad", DENY_INFO, |_| {});
        let mut c = f.conn();
        // Malformed JSON with no readable uid: 400, and the connection still serves.
        let r = c
            .post_json(b"{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": ")
            .unwrap();
        assert_eq!(r.status, 400);
        assert!(
            r.text().starts_with("cannot parse the request at 1:"),
            "{}",
            r.text()
        );
        // An object the parser cannot take but whose uid is readable: allowed with a warning.
        let deep = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"d1","operation":"CREATE","object":{{"a":{}1{}}}}}}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        let r = c.post_json(deep.as_bytes()).unwrap();
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(
            (&j["response"]["uid"], &j["response"]["allowed"]),
            (&json!("d1"), &json!(true))
        );
        assert!(warnings(&j)[0].starts_with("hostlint: cannot read the object, not checked: "));
        // Wrong content type.
        let r = c
            .request(
                "POST",
                "/validate",
                Some("application/yaml"),
                b"kind: AdmissionReview",
            )
            .unwrap();
        assert_eq!(r.status, 415);
        let r = c.request("POST", "/validate", None, b"{}").unwrap();
        assert_eq!(r.status, 415);
        // Wrong method, unknown path.
        assert_eq!(c.get("/validate").unwrap().status, 405);
        assert_eq!(c.get("/nope").unwrap().status, 404);
        let r = c
            .post_json(&admission_review(
                "s4",
                "CREATE",
                false,
                fixture("nginx-deployment.yaml"),
            ))
            .unwrap();
        assert_eq!(r.json()["response"]["uid"], "s4");

        // Oversized body, declared: refused before it is read.
        let mut c = f.conn();
        let head = format!(
            "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            4 << 20
        );
        c.tls.write_all(head.as_bytes()).unwrap();
        c.tls.flush().unwrap();
        assert_eq!(c.read_response().unwrap().status, 413);

        // Oversized body, chunked (no length up front): cut off at the limit.
        let mut c = f.conn();
        let head = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        c.tls.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 256 << 10];
        let mut cut_off = false;
        for _ in 0..16 {
            let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
            piece.extend_from_slice(&chunk);
            piece.extend_from_slice(b"\r\n");
            if c.tls.write_all(&piece).and_then(|_| c.tls.flush()).is_err() {
                cut_off = true;
                break;
            }
        }
        // The server answers 413 and closes; when it closed while we were still writing, the
        // reset can reach us before the 413 does (a race under load), and that is a refusal too.
        match c.read_response() {
            Ok(r) => assert_eq!(r.status, 413),
            Err(e) => assert!(cut_off, "no 413 and the connection was not cut off: {e}"),
        }
    }

    #[test]
    fn large_request_under_the_limit_is_reviewed() {
        let f = start("large", WARN, |_| {});
        let mut pod = fixture("host-pid-pod.yaml");
        let containers: Vec<Json> = (0..6000)
            .map(|i| json!({"name": format!("c{i}"), "image": "busybox", "env": [{"name": "N", "value": "é".repeat(100)}]}))
            .collect();
        pod["spec"]["containers"] = Json::Array(containers);
        let body = admission_review("big", "CREATE", false, pod);
        assert!(
            body.len() > 1 << 20 && body.len() < hostlint::serve::BODY_LIMIT,
            "{}",
            body.len()
        );
        let r = f.conn().post_json(&body).unwrap();
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(
            (&j["response"]["uid"], &j["response"]["allowed"]),
            (&json!("big"), &json!(true))
        );
        // Reviewed (within the large-request memory budget), not answered `not checked`.
        assert_eq!(
            warnings(&j),
            ["host-pid: `hostPID: true` shares the host's process namespace (at /spec/hostPID)"]
        );
    }

    #[test]
    fn connections_over_the_limit_are_closed_at_once() {
        let f = start("limit", WARN, |o| o.max_connections = 2);
        let mut c1 = f.conn();
        let mut c2 = f.conn();
        // A third is closed during its handshake rather than left waiting in the backlog, so the
        // API server fails over (or applies its failurePolicy) now, not after its timeout.
        let started = Instant::now();
        assert!(Conn::connect(f.addr(), &f.client).is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(c1.get("/healthz").unwrap().status, 200);
        assert_eq!(c2.get("/healthz").unwrap().status, 200);
        drop(c1);
        // Once a slot is free, a new connection is served.
        let served = (0..50).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            Conn::connect(f.addr(), &f.client).is_ok_and(|mut c| c.get("/healthz").is_ok())
        });
        assert!(served);
        let m = c2.get("/metrics").unwrap().text();
        assert!(
            m.lines().any(|l| l
                .starts_with("hostlint_admission_requests_total{outcome=\"connection_refused\"} ")),
            "{m}"
        );
    }

    /// A Pod whose `sh -c` script has `lines` ordinary commands.
    fn script_pod(lines: usize) -> Json {
        let script: String = (0..lines)
            .map(|i| {
                format!("mkdir -p /opt/d{i} && cp /etc/c{i} /opt/d{i}/ && echo {i} >> /tmp/log\n")
            })
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "s"},
               "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", script]}]}})
    }

    fn not_checked(j: &Json) -> bool {
        warnings(j)
            .iter()
            .any(|w| w.starts_with("hostlint: not checked: "))
    }

    #[test]
    fn a_review_past_its_deadline_is_allowed_with_a_warning() {
        let f = start("deadline", DENY_WARNING, |o| {
            o.deadline = Duration::from_millis(1)
        });
        // A 2 000-line script takes far longer than 1 ms to review (it is read well within it
        // too: the deadline only starts on the review once the body is in).
        let body = admission_review("late", "CREATE", false, script_pod(2000));
        let r = f.conn().post_json(&body).unwrap();
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(
            j["response"],
            json!({"uid": "late", "allowed": true,
                   "warnings": ["hostlint: not checked: the review took too long"]})
        );
        let m = f.conn().get("/metrics").unwrap().text();
        assert!(
            m.contains("hostlint_admission_requests_total{outcome=\"deadline\"} 1\n"),
            "{m}"
        );
    }

    #[test]
    fn reviews_over_the_in_flight_limit_are_answered_at_once() {
        // One slot for large bodies, and a review that outlives its deadline keeps it: the next
        // large review finds no slot and is answered unchecked immediately, while small ones
        // still have theirs.
        let f = start("inflight", DENY_INFO, |o| {
            o.max_large_reviews = 1;
            o.deadline = Duration::from_millis(200);
        });
        let big = admission_review("big1", "CREATE", false, script_pod(20_000));
        assert!(big.len() > hostlint::serve::LARGE_BODY);
        let r = f.conn().post_json(&big).unwrap().json();
        assert_eq!(r["response"]["uid"], "big1");
        assert!(not_checked(&r), "{r}");
        let big2 = admission_review("big2", "CREATE", false, script_pod(20_000));
        let started = Instant::now();
        let r = f.conn().post_json(&big2).unwrap().json();
        assert_eq!(
            r["response"],
            json!({"uid": "big2", "allowed": true,
                   "warnings": ["hostlint: not checked: too many reviews in flight"]})
        );
        assert!(started.elapsed() < Duration::from_millis(1500));
        let small = f
            .conn()
            .post_json(&admission_review(
                "small",
                "CREATE",
                false,
                fixture("host-pid-pod.yaml"),
            ))
            .unwrap()
            .json();
        assert_eq!(
            (&small["response"]["uid"], &small["response"]["allowed"]),
            (&json!("small"), &json!(false))
        );
    }

    #[test]
    fn bodies_over_the_memory_budget_are_refused_before_they_are_read() {
        // The large-request budget holds one 3 MiB body: a client that declares one and stalls
        // holds it all. Another large request is refused at once; ordinary ones have their own.
        let f = start("budget", WARN, |o| {
            o.memory_budget = hostlint::serve::BODY_LIMIT
        });
        let mut stalled = f.conn();
        let head = format!(
            "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            hostlint::serve::BODY_LIMIT
        );
        stalled.tls.write_all(head.as_bytes()).unwrap();
        stalled.tls.flush().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut pod = fixture("host-pid-pod.yaml");
        pod["metadata"]["annotations"] = json!({"pad": "x".repeat(100 << 10)});
        let large = admission_review("big", "CREATE", false, pod);
        assert!(large.len() > hostlint::serve::LARGE_BODY);
        // The server answers 429 without reading the body and closes: under load the reset can
        // reach us while the body is still being written, before the 429 is read; a refusal too.
        match f.conn().post_json(&large) {
            Ok(r) => assert_eq!((r.status, r.header("retry-after")), (429, Some("1"))),
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::UnexpectedEof
                ),
                "neither a 429 nor a refused connection: {e}"
            ),
        }
        let r = f
            .conn()
            .post_json(&admission_review(
                "b",
                "CREATE",
                false,
                fixture("host-pid-pod.yaml"),
            ))
            .unwrap();
        assert_eq!((r.status, &r.json()["response"]["uid"]), (200, &json!("b")));
        // Cut off at its time limit, the stalled body's bytes are free again.
        assert_eq!(stalled.read_response().unwrap().status, 408);
        let r = f.conn().post_json(&large).unwrap();
        assert_eq!(
            (r.status, &r.json()["response"]["uid"]),
            (200, &json!("big"))
        );
    }

    /// Starts `hostlint serve` on a free port and waits until it answers.
    fn serve_process(dir: &Path) -> (std::process::Child, std::net::SocketAddr, Conn) {
        let der = write_cert(dir);
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
            .args(["serve", "--listen", &addr.to_string(), "--tls-cert"])
            .arg(dir.join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.join("tls.key"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let client = client_config(&der);
        let started = Instant::now();
        let c = loop {
            match Conn::connect(addr, &client) {
                Ok(c) => break c,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("server did not start: {e}"),
            }
        };
        (child, addr, c)
    }

    #[test]
    fn sigint_stops_at_once_and_a_taken_address_is_named() {
        let dir =
            std::env::temp_dir().join(format!("hostlint-admission-sigint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (mut child, addr, mut c) = serve_process(&dir);
        assert_eq!(c.get("/readyz").unwrap().status, 200);
        // The same address again: the error names it (issue 18).
        let out = Command::new(env!("CARGO_BIN_EXE_hostlint"))
            .args(["serve", "--listen", &addr.to_string(), "--tls-cert"])
            .arg(dir.join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.join("tls.key"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("error: cannot listen on {addr}: ")),
            "{err}"
        );
        // Ctrl-C: no 5-second unready period (that is for SIGTERM under a Service), so the
        // process is gone long before it would have ended.
        assert!(
            Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        let started = Instant::now();
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
        assert!(started.elapsed() < Duration::from_secs(4));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(err.contains("hostlint: interrupted, stopping"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sigterm_fails_readiness_then_exits() {
        let dir =
            std::env::temp_dir().join(format!("hostlint-admission-sigterm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let der = write_cert(&dir);
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
            .args(["serve", "--listen", &addr.to_string(), "--tls-cert"])
            .arg(dir.join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.join("tls.key"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let client = client_config(&der);
        let started = Instant::now();
        let mut c = loop {
            match Conn::connect(addr, &client) {
                Ok(c) => break c,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(e) => panic!("server did not start: {e}"),
            }
        };
        assert_eq!(c.get("/readyz").unwrap().status, 200);
        assert!(
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(Duration::from_millis(300));
        // Still serving, but no longer ready: endpoints move away before the listener closes.
        assert_eq!(
            Conn::connect(addr, &client)
                .unwrap()
                .get("/readyz")
                .unwrap()
                .status,
            503
        );
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn slow_clients_are_cut_off() {
        let f = start("slow", WARN, |o| {
            o.request_timeout = Duration::from_millis(400)
        });
        // Headers that never finish: the connection is closed without a verdict.
        let mut c = f.conn();
        c.tls
            .write_all(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n")
            .unwrap();
        c.tls.flush().unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 256];
        let n = c.tls.read(&mut buf).unwrap_or(0);
        let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // A body that trickles: 408.
        let mut c = f.conn();
        c.tls
            .write_all(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
            .unwrap();
        c.tls.flush().unwrap();
        assert_eq!(c.read_response().unwrap().status, 408);
        // A TCP client that never starts TLS is dropped too.
        let mut raw = std::net::TcpStream::connect(f.addr()).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let started = Instant::now();
        assert_eq!(raw.read(&mut buf).unwrap_or(0), 0);
        assert!(started.elapsed() < Duration::from_secs(4));
        // An idle keep-alive connection is closed too (it would hold a connection slot forever).
        let mut c = f.conn();
        assert_eq!(c.get("/healthz").unwrap().status, 200);
        std::thread::sleep(Duration::from_millis(1500));
        assert!(c.get("/healthz").is_err(), "an idle connection stayed open");
        // Meanwhile the server still answers.
        assert_eq!(f.conn().get("/healthz").unwrap().status, 200);
    }

    #[test]
    fn concurrent_requests_all_get_their_own_answer() {
        let f = Arc::new(start("concurrent", DENY_INFO, |_| {}));
        let handles: Vec<_> = (0..16)
            .map(|t| {
                let f = f.clone();
                std::thread::spawn(move || {
                    let mut c = f.conn();
                    for i in 0..25 {
                        let uid = format!("t{t}-{i}");
                        let (name, allowed) = if i % 2 == 0 {
                            ("nginx-deployment.yaml", true)
                        } else {
                            ("host-pid-pod.yaml", false)
                        };
                        let r = c
                            .post_json(&admission_review(&uid, "CREATE", false, fixture(name)))
                            .unwrap();
                        let j = r.json();
                        assert_eq!(j["response"]["uid"], json!(uid));
                        assert_eq!(j["response"]["allowed"], json!(allowed));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let metrics = f.conn().get("/metrics").unwrap().text();
        assert!(
            metrics.contains("hostlint_admission_requests_total{outcome=\"allowed\"} 208\n"),
            "{metrics}"
        );
        assert!(
            metrics.contains("hostlint_admission_requests_total{outcome=\"denied\"} 192\n"),
            "{metrics}"
        );
    }

    #[test]
    fn health_readiness_and_metrics() {
        let f = start("probes", WARN, |_| {});
        let mut c = f.conn();
        assert_eq!(c.get("/healthz").unwrap().text(), "ok\n");
        assert_eq!(c.get("/readyz").unwrap().status, 200);
        c.post_json(&admission_review(
            "m1",
            "CREATE",
            false,
            fixture("host-pid-pod.yaml"),
        ))
        .unwrap();
        c.post_json(&admission_review(
            "m2",
            "CREATE",
            false,
            fixture("nginx-deployment.yaml"),
        ))
        .unwrap();
        c.post_json(b"nope").unwrap();
        let r = c.get("/metrics").unwrap();
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let m = r.text();
        for line in [
            "hostlint_admission_requests_total{outcome=\"warned\"} 1\n",
            "hostlint_admission_requests_total{outcome=\"allowed\"} 1\n",
            "hostlint_admission_requests_total{outcome=\"bad_request\"} 1\n",
            "hostlint_admission_requests_total{outcome=\"denied\"} 0\n",
            "hostlint_admission_findings_total{rule=\"host-pid\"} 1\n",
            "hostlint_admission_review_duration_seconds_bucket{le=\"+Inf\"} 3\n",
            "hostlint_admission_review_duration_seconds_count 3\n",
        ] {
            assert!(m.contains(line), "{line} missing from\n{m}");
        }
    }

    #[test]
    fn rotated_certificate_is_served_to_new_connections() {
        let f = start("rotate", WARN, |_| {});
        let before = f.conn();
        let old = before.tls.conn.peer_certificates().unwrap()[0].to_vec();
        std::thread::sleep(Duration::from_millis(1100));
        let new_der = write_cert(&f.dir);
        assert_ne!(old, new_der);
        // The old-CA client no longer trusts the new certificate; a client for the new one does.
        std::thread::sleep(Duration::from_millis(1100));
        let client = client_config(&new_der);
        let mut c = Conn::connect(f.addr(), &client).unwrap();
        assert_eq!(c.tls.conn.peer_certificates().unwrap()[0].to_vec(), new_der);
        assert_eq!(c.get("/healthz").unwrap().status, 200);
    }

    #[test]
    fn shutdown_drains_and_stops_accepting() {
        let mut f = start("shutdown", WARN, |_| {});
        let addr = f.addr();
        let mut c = f.conn();
        assert_eq!(c.get("/readyz").unwrap().status, 200);
        let server = f.server.take().unwrap();
        let started = Instant::now();
        server.shutdown();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
