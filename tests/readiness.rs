//! `hostlint report` (issue 22): a cluster dump built here from real corpus objects (read in place
//! from `../shared/corpus`) plus synthetic owner chains and AKS-managed objects. The readiness JSON
//! must carry `check`'s findings and totals unchanged and fold them as Kubernetes owns objects; the
//! Markdown must render with its tables intact (python-markdown) and fit GitHub's limit; the HTML
//! is opened offline in headless Chromium, its numbers read from the DOM and compared with the
//! JSON, and its column sort and filters driven there (clicks and typing), the rows' order and
//! visibility read back.
//!
//! python-markdown and Chromium are external tools: without them those tests say "skipped", unless
//! `HOSTLINT_REQUIRE_TOOLS=1` (set by `.ci/run` after it installs them), where they must run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

#[path = "support/shared.rs"]
mod support;

fn hostlint(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn parse(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Whether a missing tool fails the test (CI, after installing it) or skips it.
fn require_tools() -> bool {
    std::env::var("HOSTLINT_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

fn skip(what: &str, why: &str) {
    assert!(!require_tools(), "{what}: {why} (HOSTLINT_REQUIRE_TOOLS=1)");
    let _ = writeln!(std::io::stderr().lock(), "skipped: {what}: {why}");
}

/// The documents of a multi-document YAML file that hold an object.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else {
            let d = docs.last_mut().unwrap();
            d.push_str(line);
            d.push('\n');
        }
    }
    docs.into_iter()
        .filter(|d| d.lines().any(|l| l.starts_with("kind:")))
        .collect()
}

/// `kubectl get -A -o yaml`'s shape: one `kind: List` whose items are the documents.
fn yaml_list(docs: &[String]) -> String {
    let mut s =
        String::from("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n");
    for d in docs {
        // Leading comments and blank lines stay out: the item starts at its first key.
        let lines = d
            .lines()
            .skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        for (i, line) in lines.enumerate() {
            s.push_str(if i == 0 { "- " } else { "  " });
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

/// Corpus objects: a kernel-module builder (error), a log shipper (warning), Argo CD (clean), kured
/// in kube-system (managed by AKS), Longhorn's iSCSI installer (errors), metrics-server (kube-system).
const CORPUS: &[&str] = &[
    "falco-0.36.2-daemonset-kmod.yaml",
    "fluent-bit-ds-elasticsearch.yaml",
    "argo-cd-v3.5.1-install.yaml",
    "kured-ds.yaml",
    "longhorn-iscsi-installation.yaml",
    "metrics-server-capz-addon.yaml",
];

fn meta(
    ns: &str,
    name: &str,
    uid: &str,
    owner: Option<(&str, &str, &str)>,
    labels: Value,
) -> Value {
    let mut m = json!({"name": name, "namespace": ns, "uid": uid, "labels": labels});
    if let Some((kind, oname, ouid)) = owner {
        m["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": kind, "name": oname, "uid": ouid,
            "controller": true, "blockOwnerDeletion": true
        }]);
    }
    m
}

/// A pod spec kubelet refuses on ACL (AppArmor RuntimeDefault: `apparmor-profile`, an error).
fn apparmor_pod() -> Value {
    json!({"containers": [{"name": "app", "image": "registry.example/app:1",
        "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}]})
}

/// A pod spec that mounts the Docker socket (`container-runtime-socket`, a warning).
fn docker_pod() -> Value {
    json!({"containers": [{"name": "backup", "image": "registry.example/backup:1",
            "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}]}],
        "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
        "restartPolicy": "OnFailure"})
}

fn clean_pod() -> Value {
    json!({"containers": [{"name": "c", "image": "registry.example/c:1"}]})
}

/// Owner chains as a `kubectl get -A -o json` List: Deployment → ReplicaSet → Pods (by uid),
/// CronJob → Job → Pod, Pods of a ReplicaSet missing from the dump, Pods without owner references
/// (a trimmed dump: folded by the names controllers generate), and AKS-managed objects.
fn synthetic() -> Value {
    let hash = "7d9c5b6f4";
    let rs_labels = json!({"app": "web", "pod-template-hash": hash});
    let items = vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta("shop", "web", "u-web", None, json!({"app": "web"})),
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}, "spec": apparmor_pod()}}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta("shop", &format!("web-{hash}"), "u-web-rs", Some(("Deployment", "web", "u-web")), rs_labels.clone()),
            "spec": {"template": {"metadata": {"labels": rs_labels.clone()}, "spec": apparmor_pod()}}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": meta("shop", &format!("web-{hash}-x2x9q"), "u-web-p1", Some(("ReplicaSet", &format!("web-{hash}"), "u-web-rs")), rs_labels.clone()),
            "spec": apparmor_pod()}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": meta("shop", &format!("web-{hash}-b7kzm"), "u-web-p2", Some(("ReplicaSet", &format!("web-{hash}"), "u-web-rs")), rs_labels),
            "spec": apparmor_pod()}),
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": meta("shop", "backup", "u-cj", None, json!({})),
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": docker_pod()}}}}}),
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": meta("shop", "backup-29012345", "u-job", Some(("CronJob", "backup", "u-cj")), json!({})),
            "spec": {"template": {"spec": docker_pod()}}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": meta("shop", "backup-29012345-q8w2z", "u-job-p", Some(("Job", "backup-29012345", "u-job")), json!({"job-name": "backup-29012345"})),
            "spec": docker_pod()}),
        // The ReplicaSet is not in the dump: its pod-template-hash names the Deployment.
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": meta("shop", "api-5c4d8b9f6-zk2lm", "u-api-p", Some(("ReplicaSet", "api-5c4d8b9f6", "u-api-rs")), json!({"pod-template-hash": "5c4d8b9f6"})),
            "spec": apparmor_pod()}),
        // No owner references (a trimmed dump): folded by the names controllers generate.
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "cache", "namespace": "data"},
            "spec": {"template": {"spec": clean_pod()}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cache-0", "namespace": "data"}, "spec": clean_pod()}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cache-1", "namespace": "data"}, "spec": clean_pod()}),
        // A standalone Pod whose name merely looks like a StatefulSet's is its own workload.
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tools-0", "namespace": "data"}, "spec": apparmor_pod()}),
        // AKS-managed by label, outside kube-system: listed apart, not the team's blockers.
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta("monitoring", "ama-logs", "u-ama", None, json!({"kubernetes.azure.com/managedby": "aks"})),
            "spec": {"template": {"spec": apparmor_pod()}}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": meta("calico-system", "calico-typha-addon", "u-cal", None, json!({"addonmanager.kubernetes.io/mode": "Reconcile"})),
            "spec": {"template": {"spec": docker_pod()}}}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"ports": [{"port": 80}]}}),
    ];
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items})
}

/// A cluster definition: a cluster-level error (Kubernetes 1.31) that holds back both ACL pools, a
/// Gen1 size on one of them, and a Windows pool that is no ACL candidate.
const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-05-01",
      "name": "prod-weu",
      "location": "westeurope",
      "properties": {
        "kubernetesVersion": "1.31.2",
        "agentPoolProfiles": [
          {"name": "system", "osType": "Linux", "osSKU": "AzureContainerLinux", "vmSize": "Standard_D4s_v5"},
          {"name": "gpu", "osType": "Linux", "osSKU": "AzureContainerLinux", "vmSize": "Standard_NC6"},
          {"name": "win", "osType": "Windows", "vmSize": "Standard_D4s_v5"}
        ]
      }
    }
  ]
}
"#;

struct Dump {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

/// The dump in a scratch directory (corpus objects as YAML, synthetic ones as JSON, the ARM
/// template), plus a corpus az CLI script read in place.
fn dump(hostile: bool) -> Option<Dump> {
    let corpus = support::shared("corpus", "the readiness report on a corpus dump")?;
    let dir = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    for f in CORPUS {
        let text = std::fs::read_to_string(corpus.join(f)).unwrap();
        docs.extend(documents(&text));
    }
    std::fs::write(dir.path().join("cluster-dump.yaml"), yaml_list(&docs)).unwrap();
    let mut syn = synthetic();
    if hostile {
        syn["items"]
            .as_array_mut()
            .unwrap()
            .extend(hostile_objects());
    }
    std::fs::write(
        dir.path().join("cluster-dump.json"),
        serde_json::to_string_pretty(&syn).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("cluster.json"), ARM).unwrap();
    let script = corpus.join("azcli-samples-aks-use-multiple-node-pools.sh");
    let args = vec![
        "cluster-dump.yaml".to_string(),
        "cluster-dump.json".to_string(),
        "cluster.json".to_string(),
        script.to_string_lossy().to_string(),
        "--all-pools".to_string(),
    ];
    Some(Dump { dir, args })
}

/// Names and values an attacker could write: markup, quotes, an ESC sequence, Markdown syntax and a
/// URL that a careless renderer would fetch.
const HOSTILE_NAME: &str = "<script>alert(1)</script>";
fn hostile_objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": HOSTILE_NAME, "namespace": "x\"><img src=http://hostlint-canary.invalid/ns.png>"},
            "spec": {"template": {"spec": {"containers": [{
                "name": "c\u{1b}[31m|`**[link](http://hostlint-canary.invalid/md)**",
                "image": "\"'><iframe src=http://hostlint-canary.invalid/i>",
                "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}]}}}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "quote'\"&amp;", "namespace": "@here <b>|</b>"},
            "spec": {"template": {"spec": docker_pod()}}}),
    ]
}

fn run(d: &Dump, extra: &[&str]) -> Output {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(d.args.iter().map(String::as_str));
    hostlint(&args, d.dir.path())
}

fn report_json(d: &Dump) -> Value {
    let o = run(d, &["report", "--format", "json", "--fail-on", "none"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    parse(&o)
}

fn key(v: &Value) -> (String, String, String) {
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    (s("kind"), s("namespace"), s("name"))
}

fn workload<'a>(r: &'a Value, kind: &str, ns: &str, name: &str) -> &'a Value {
    r["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| key(w) == (kind.into(), ns.into(), name.into()))
        .unwrap_or_else(|| panic!("no workload {kind}/{ns}/{name}"))
}

fn members(w: &Value) -> BTreeSet<String> {
    w["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn severity_verdict(sev: &str) -> u8 {
    match sev {
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

fn verdict_name(v: u8) -> &'static str {
    ["ready", "review", "blocked"][v as usize]
}

#[test]
fn dump_folds_owners_and_keeps_checks_findings_and_totals() {
    let Some(d) = dump(false) else { return };
    let r = report_json(&d);
    let check = parse(&run(
        &d,
        &["check", "--format", "json", "--fail-on", "none"],
    ));

    // The same findings, in the same order, and the same totals as `check --format json`.
    assert_eq!(r["findings"], check["findings"]);
    assert_eq!(r["summary"], check["summary"]);
    assert_eq!(r["errors"], check["errors"]);
    let findings = r["findings"].as_array().unwrap();
    assert!(
        findings.len() > 15,
        "the dump has findings: {}",
        findings.len()
    );

    // Every finding belongs to exactly one workload, cluster, pool or the other list.
    let mut owner_of: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut add = |list: &Value, who: String| {
        for i in list.as_array().unwrap() {
            owner_of
                .entry(i.as_u64().unwrap())
                .or_default()
                .push(who.clone());
        }
    };
    for w in r["workloads"].as_array().unwrap() {
        add(&w["findings"], format!("{:?}", key(w)));
    }
    for c in r["clusters"].as_array().unwrap() {
        add(&c["findings"], format!("cluster {}", c["name"]));
        for p in c["pools"].as_array().unwrap() {
            add(&p["findings"], format!("pool {} {}", c["name"], p["name"]));
        }
    }
    add(&r["other_findings"], "other".into());
    assert_eq!(owner_of.len(), findings.len(), "every finding is placed");
    for (i, who) in &owner_of {
        assert_eq!(who.len(), 1, "finding {i} placed once: {who:?}");
    }

    // Ownership folding, as the synthetic objects were built.
    let web = workload(&r, "Deployment", "shop", "web");
    assert_eq!(
        members(web),
        BTreeSet::from([
            "ReplicaSet/web-7d9c5b6f4".to_string(),
            "Pod/web-7d9c5b6f4-x2x9q".to_string(),
            "Pod/web-7d9c5b6f4-b7kzm".to_string()
        ])
    );
    assert_eq!(web["verdict"], "blocked");
    assert_eq!(
        web["findings"].as_array().unwrap().len(),
        4,
        "one per object"
    );
    let backup = workload(&r, "CronJob", "shop", "backup");
    assert_eq!(
        members(backup),
        BTreeSet::from([
            "Job/backup-29012345".to_string(),
            "Pod/backup-29012345-q8w2z".to_string()
        ])
    );
    assert_eq!(backup["verdict"], "review");
    let api = workload(&r, "Deployment", "shop", "api");
    assert_eq!(
        api["defined"], false,
        "named by the Pod's pod-template-hash"
    );
    assert_eq!(
        members(api),
        BTreeSet::from(["Pod/api-5c4d8b9f6-zk2lm".to_string()])
    );
    assert_eq!(api["verdict"], "blocked");
    let cache = workload(&r, "StatefulSet", "data", "cache");
    assert_eq!(
        members(cache),
        BTreeSet::from(["Pod/cache-0".to_string(), "Pod/cache-1".to_string()])
    );
    assert_eq!(cache["verdict"], "ready");
    assert_eq!(workload(&r, "Pod", "data", "tools-0")["verdict"], "blocked");
    // A Service without findings is no workload; one with findings would be.
    assert!(
        r["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["kind"] != "Service")
    );

    // AKS-managed objects: by namespace, by either label; listed, not the team's.
    for (kind, ns, name, why) in [
        ("DaemonSet", "kube-system", "kured", "kube-system"),
        (
            "Deployment",
            "monitoring",
            "ama-logs",
            "kubernetes.azure.com/managedby",
        ),
        (
            "DaemonSet",
            "calico-system",
            "calico-typha-addon",
            "addonmanager.kubernetes.io/mode",
        ),
    ] {
        let w = workload(&r, kind, ns, name);
        assert!(
            w["managed_by_aks"]
                .as_str()
                .is_some_and(|m| m.contains(why)),
            "{name}: {}",
            w["managed_by_aks"]
        );
    }
    assert_eq!(
        workload(&r, "Deployment", "monitoring", "ama-logs")["verdict"],
        "blocked"
    );

    // Verdicts recomputed here from check's findings and the expected owner of each object.
    let fold: BTreeMap<(&str, &str), (&str, &str)> = BTreeMap::from([
        (("ReplicaSet", "web-7d9c5b6f4"), ("Deployment", "web")),
        (("Pod", "web-7d9c5b6f4-x2x9q"), ("Deployment", "web")),
        (("Pod", "web-7d9c5b6f4-b7kzm"), ("Deployment", "web")),
        (("Job", "backup-29012345"), ("CronJob", "backup")),
        (("Pod", "backup-29012345-q8w2z"), ("CronJob", "backup")),
        (("Pod", "api-5c4d8b9f6-zk2lm"), ("Deployment", "api")),
        (("Pod", "cache-0"), ("StatefulSet", "cache")),
        (("Pod", "cache-1"), ("StatefulSet", "cache")),
    ]);
    let mut expected: BTreeMap<(String, String, String), u8> = BTreeMap::new();
    for f in check["findings"].as_array().unwrap() {
        let o = &f["object"];
        if o["apiVersion"] == "" {
            continue; // a cluster's
        }
        let (k, n) = (o["kind"].as_str().unwrap(), o["name"].as_str().unwrap());
        let (k, n) = fold.get(&(k, n)).copied().unwrap_or((k, n));
        let e = expected
            .entry((
                k.into(),
                o["namespace"].as_str().unwrap_or("").into(),
                n.into(),
            ))
            .or_default();
        *e = (*e).max(severity_verdict(f["severity"].as_str().unwrap()));
    }
    let mut team = BTreeMap::from([("ready", 0u64), ("review", 0), ("blocked", 0)]);
    let mut per_ns: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for w in r["workloads"].as_array().unwrap() {
        let v = expected.get(&key(w)).copied().unwrap_or(0);
        assert_eq!(w["verdict"], verdict_name(v), "{:?}", key(w));
        if w["managed_by_aks"].is_null() {
            *team.get_mut(verdict_name(v)).unwrap() += 1;
            per_ns.entry(key(w).1).or_default()[v as usize] += 1;
        }
    }
    // Every workload with findings is listed.
    let listed: BTreeSet<_> = r["workloads"].as_array().unwrap().iter().map(key).collect();
    for k in expected.keys() {
        assert!(listed.contains(k), "{k:?} listed");
    }
    let t = &r["readiness"]["workloads"];
    assert_eq!(t["ready"], team["ready"]);
    assert_eq!(t["review"], team["review"]);
    assert_eq!(t["blocked"], team["blocked"]);
    assert_eq!(t["total"], team.values().sum::<u64>());
    assert_eq!(
        t["percent_ready"],
        team["ready"] * 100 / team.values().sum::<u64>()
    );
    // Argo CD's seven controllers are ready; falco, fluent-bit and Longhorn's installer are not.
    assert!(
        team["ready"] >= 8 && team["blocked"] >= 5 && team["review"] >= 2,
        "{team:?}"
    );
    for n in r["namespaces"].as_array().unwrap() {
        let ns = n["namespace"].as_str().unwrap_or("").to_string();
        let c = per_ns[&ns];
        assert_eq!(
            (
                n["ready"].as_u64().unwrap(),
                n["review"].as_u64().unwrap(),
                n["blocked"].as_u64().unwrap()
            ),
            (c[0], c[1], c[2]),
            "namespace {ns}"
        );
    }
    assert_eq!(r["namespaces"].as_array().unwrap().len(), per_ns.len());
    assert!(
        r["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["namespace"] != "kube-system"),
        "kube-system is AKS's"
    );

    // Blockers by rule: errors of the team's workloads and pools, most first; managed ones apart.
    let blockers = r["blockers"].as_array().unwrap();
    let weight =
        |g: &Value| g["workloads"].as_array().unwrap().len() as u64 + g["pools"].as_u64().unwrap();
    assert!(blockers.windows(2).all(|w| weight(&w[0]) >= weight(&w[1])));
    let apparmor = blockers
        .iter()
        .find(|g| g["rule"] == "apparmor-profile")
        .unwrap();
    let names: BTreeSet<(String, String, String)> = apparmor["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| key(&r["workloads"][i.as_u64().unwrap() as usize]))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            ("Deployment".into(), "shop".into(), "web".into()),
            ("Deployment".into(), "shop".into(), "api".into()),
            ("Pod".into(), "data".into(), "tools-0".into()),
        ]),
        "ama-logs is AKS's: not among the team's blockers"
    );
    assert!(apparmor["fix"].as_str().unwrap().len() > 10);
    assert!(
        blockers
            .iter()
            .all(|g| g["rule"] != "container-runtime-socket")
    );
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["rule"] == "container-runtime-socket")
    );

    // Clusters and pools: the cluster-level error holds back both ACL pools; Windows is no candidate.
    let prod = r["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "prod-weu")
        .unwrap();
    assert_eq!(prod["verdict"], "blocked");
    let pool = |n: &str| {
        prod["pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(pool("system")["verdict"], "blocked");
    assert_eq!(pool("system")["findings"].as_array().unwrap().len(), 0);
    assert_eq!(pool("gpu")["verdict"], "blocked");
    assert_eq!(
        findings[pool("gpu")["findings"][0].as_u64().unwrap() as usize]["rule"],
        "gen1-vm-size"
    );
    assert!(pool("win")["verdict"].is_null());
    let kv = blockers
        .iter()
        .find(|g| g["rule"] == "kubernetes-version-unsupported")
        .unwrap();
    assert_eq!(kv["pools"], 2, "both candidate pools of the cluster");
    let pools = &r["readiness"]["pools"];
    let mut expect_pools = [0u64; 3];
    for c in r["clusters"].as_array().unwrap() {
        for p in c["pools"].as_array().unwrap() {
            if let Some(v) = p["verdict"].as_str() {
                expect_pools[["ready", "review", "blocked"]
                    .iter()
                    .position(|x| *x == v)
                    .unwrap()] += 1;
            }
        }
    }
    assert_eq!(
        (
            pools["ready"].as_u64().unwrap(),
            pools["review"].as_u64().unwrap(),
            pools["blocked"].as_u64().unwrap()
        ),
        (expect_pools[0], expect_pools[1], expect_pools[2])
    );
    assert!(
        expect_pools[2] >= 3,
        "prod-weu's two and the az CLI's Gen1 pool: {expect_pools:?}"
    );

    // Exit codes as `check`'s.
    for fail_on in ["error", "warning", "none"] {
        let a = run(&d, &["report", "--format", "json", "--fail-on", fail_on])
            .status
            .code();
        let b = run(&d, &["check", "--format", "json", "--fail-on", fail_on])
            .status
            .code();
        assert_eq!(a, b, "--fail-on {fail_on}");
    }
}

/// The report's folding of Pods into a Deployment by name, in a repository (no owner references):
/// `Deployment` and a `Pod` generated from it in one file.
#[test]
fn repository_pods_fold_by_name_and_stdin_works() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: x\n          securityContext:\n            appArmorProfile:\n              type: Localhost\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-6d4cf56db6-2lq8w\nspec:\n  containers:\n    - name: c\n      image: x\n";
    std::fs::write(dir.path().join("app.yaml"), text).unwrap();
    let o = hostlint(&["report", "--format", "json", "app.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(1), "an error fails like check");
    let r = parse(&o);
    let ws = r["workloads"].as_array().unwrap();
    assert_eq!(ws.len(), 1, "{ws:?}");
    assert_eq!(ws[0]["kind"], "Deployment");
    assert_eq!(
        members(&ws[0]),
        BTreeSet::from(["Pod/web-6d4cf56db6-2lq8w".to_string()])
    );
    assert_eq!(r["namespaces"][0]["namespace"], Value::Null);
    assert_eq!(r["readiness"]["workloads"]["blocked"], 1);

    // Rendered charts arrive on stdin, as for `check`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostlint"))
        .args(["report", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(parse(&o)["readiness"]["workloads"]["total"], 1);
}

/// A Terraform module read as one project: the cluster-level error sits in `terraform.tfvars`,
/// yet it is the cluster's and holds back its ACL pool; unresolved values are said, never "ready".
#[test]
fn terraform_project_clusters_and_unresolved_values() {
    let dir = tempfile::tempdir().unwrap();
    let main = "variable \"k8s\" {}\nvariable \"sku\" {}\nresource \"azurerm_kubernetes_cluster\" \"prod\" {\n  name               = \"prod\"\n  kubernetes_version = var.k8s\n  default_node_pool {\n    name    = \"system\"\n    os_sku  = \"AzureContainerLinux\"\n    vm_size = \"Standard_D4s_v5\"\n  }\n}\nresource \"azurerm_kubernetes_cluster_node_pool\" \"user\" {\n  name    = \"user\"\n  os_sku  = var.sku\n  vm_size = \"Standard_D4s_v5\"\n}\n";
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/main.tf"), main).unwrap();
    let r = parse(&hostlint(
        &["report", "--format", "json", "--fail-on", "none", "infra"],
        dir.path(),
    ));
    let cluster = |r: &Value, name: &str| {
        r["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let prod = cluster(&r, "prod");
    assert_eq!(prod["unresolved"], json!(["kubernetes_version"]));
    let user = cluster(&r, "user");
    assert_eq!(user["pools"][0]["unresolved"], json!(["os_sku"]));
    assert!(user["pools"][0]["verdict"].is_null());
    let md =
        String::from_utf8(hostlint(&["report", "--fail-on", "none", "infra"], dir.path()).stdout)
            .unwrap();
    assert!(
        md.contains("cluster values unresolved: `kubernetes_version`"),
        "{md}"
    );
    assert!(md.contains("❔ unresolved: `os_sku`"), "{md}");

    std::fs::write(
        dir.path().join("infra/terraform.tfvars"),
        "k8s = \"1.31.2\"\nsku = \"AzureContainerLinux\"\n",
    )
    .unwrap();
    let r = parse(&hostlint(
        &["report", "--format", "json", "--fail-on", "none", "infra"],
        dir.path(),
    ));
    let f = &r["findings"][0];
    assert_eq!(
        (f["rule"].as_str(), f["file"].as_str()),
        (
            Some("kubernetes-version-unsupported"),
            Some("infra/terraform.tfvars")
        )
    );
    let prod = cluster(&r, "prod");
    assert_eq!(prod["findings"], json!([0]));
    assert_eq!(prod["verdict"], "blocked");
    assert_eq!(prod["pools"][0]["verdict"], "blocked");
    assert_eq!(
        r["workloads"],
        json!([]),
        "a cluster's finding is no workload"
    );
    assert_eq!(r["blockers"][0]["pools"], 1);
}

/// Owner references that go round in a circle (hostile or corrupt input) end where the circle
/// closes; every object still lands in one workload and every finding is kept.
#[test]
fn owner_reference_cycles_end() {
    let dir = tempfile::tempdir().unwrap();
    let pod = |name: &str, uid: &str, owner: &str, owner_uid: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "x", "uid": uid,
                "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": owner, "uid": owner_uid, "controller": true}]},
            "spec": apparmor_pod()})
    };
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [
        pod("a", "u-a", "b", "u-b"), pod("b", "u-b", "a", "u-a"), pod("c", "u-c", "c", "u-c")]});
    std::fs::write(dir.path().join("cycle.json"), list.to_string()).unwrap();
    let r = parse(&hostlint(
        &[
            "report",
            "--format",
            "json",
            "--fail-on",
            "none",
            "cycle.json",
        ],
        dir.path(),
    ));
    let ws = r["workloads"].as_array().unwrap();
    let placed: usize = ws
        .iter()
        .map(|w| w["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(placed, r["findings"].as_array().unwrap().len());
    assert_eq!(placed, 3);
    let objects: usize = ws
        .iter()
        .map(|w| 1 + w["objects"].as_array().unwrap().len())
        .sum();
    assert_eq!(objects, 3, "{ws:?}");
}

/// python-markdown with the tables extension, or `None` when it is not installed.
fn render_markdown(md: &str) -> Option<String> {
    let has = Command::new("python3")
        .args(["-c", "import markdown"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        skip(
            "Markdown rendering",
            "python3 has no `markdown` (pip install markdown)",
        );
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-m", "markdown", "-x", "tables", "-x", "md_in_html"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(md.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    Some(String::from_utf8(o.stdout).unwrap())
}

/// The Markdown's tables, as written: each a header, a delimiter row and body rows.
fn markdown_tables(md: &str) -> Vec<Vec<&str>> {
    let mut tables = Vec::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('|') && lines.get(i + 1).is_some_and(|l| l.starts_with("|---")) {
            let mut t = vec![lines[i]];
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                t.push(lines[i]);
                i += 1;
            }
            tables.push(t);
        } else {
            i += 1;
        }
    }
    tables
}

/// The cells of a rendered HTML table row list: `<tr>` → cell texts.
fn html_rows(table: &str) -> Vec<Vec<String>> {
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("</tr>")
                .next()
                .unwrap()
                .split(['<'])
                .filter_map(|part| {
                    let (tag, text) = part.split_once('>')?;
                    (tag.starts_with("td") || tag.starts_with("th")).then(|| text.to_string())
                })
                .collect()
        })
        .collect()
}

#[test]
fn markdown_renders_with_tables_intact_and_hostile_names_inert() {
    let Some(d) = dump(true) else { return };
    let r = report_json(&d);
    let o = run(&d, &["report", "--format", "markdown", "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.chars().count() < 65_536);
    assert!(!md.contains('\u{1b}'), "no raw ESC");
    // Markup from the input is either a character reference or inside a code span (inert).
    let outside_code: String = md.split('`').step_by(2).collect();
    assert!(
        !outside_code.contains("<script") && !outside_code.contains("<img"),
        "{md}"
    );
    assert!(!md.contains("shortened"), "small enough to be whole");
    let tables = markdown_tables(&md);
    assert!(tables.len() >= 5, "{}", tables.len());
    let Some(html) = render_markdown(&md) else {
        return;
    };
    // Each Markdown table renders as one table with every row, and every row as wide as its header.
    let rendered: Vec<&str> = html.split("<table>").skip(1).collect();
    assert_eq!(rendered.len(), tables.len(), "{html}");
    for (t, h) in tables.iter().zip(&rendered) {
        let h = h.split("</table>").next().unwrap();
        let rows = html_rows(h);
        assert_eq!(rows.len(), t.len(), "rows of {:?}", t[0]);
        for row in &rows {
            assert_eq!(
                row.len(),
                rows[0].len(),
                "a cell split or lost in {row:?} ({})",
                t[0]
            );
        }
    }
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("<img")
            && !html.contains("<iframe")
            && !html.contains("<a href=\"http://hostlint-canary")
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The totals row as rendered equals the JSON's.
    let totals = html_rows(rendered[0].split("</table>").next().unwrap());
    let t = &r["readiness"]["workloads"];
    assert_eq!(totals[1][0], "workloads");
    assert_eq!(totals[1][1], t["total"].to_string());
    assert_eq!(totals[1][2], t["ready"].to_string());
    assert_eq!(totals[1][3], t["review"].to_string());
    assert_eq!(totals[1][4], t["blocked"].to_string());
    assert_eq!(totals[2][1], r["readiness"]["managed"]["total"].to_string());
}

/// A generated dump of 6000 blocked and ready workloads in 600 namespaces with long names: the
/// Markdown stays under GitHub's limit, says it is shortened and where the rest is, and still renders.
#[test]
fn markdown_stays_under_githubs_limit_on_a_big_dump() {
    let dir = tempfile::tempdir().unwrap();
    let mut items = Vec::new();
    for i in 0..6000 {
        let ns = format!("team-{:03}-with-a-rather-long-namespace-name", i % 600);
        let name = format!("service-{i:05}-with-a-long-descriptive-deployment-name");
        items.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"template": {"spec": if i % 3 == 0 { clean_pod() } else if i % 3 == 1 { apparmor_pod() } else { docker_pod() }}}}));
    }
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(
        dir.path().join("big.json"),
        serde_json::to_vec(&list).unwrap(),
    )
    .unwrap();
    let o = hostlint(
        &[
            "report",
            "--format",
            "markdown",
            "--fail-on",
            "none",
            "--link",
            "https://ci.example/artifacts/readiness.html",
            "big.json",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8(o.stdout).unwrap();
    let n = md.chars().count();
    assert!(n < 65_536, "{n} characters");
    assert!(n > 20_000, "it keeps what fits: {n}");
    assert!(
        md.contains("shortened") && md.contains("(https://ci.example/artifacts/readiness.html)")
    );
    assert!(
        md.contains("**2000 of 6000 workloads ready (33 %)** · 2000 blocked · 2000 to review"),
        "{}",
        &md[..400]
    );
    assert!(md.contains("more namespaces in the HTML report"));
    let tables = markdown_tables(&md);
    if let Some(html) = render_markdown(&md) {
        assert_eq!(html.matches("<table>").count(), tables.len());
    }
    // The JSON is whole.
    let o = hostlint(
        &[
            "report",
            "--format",
            "json",
            "--fail-on",
            "none",
            "big.json",
        ],
        dir.path(),
    );
    let r = parse(&o);
    assert_eq!(r["readiness"]["workloads"]["total"], 6000);
    assert_eq!(r["namespaces"].as_array().unwrap().len(), 600);
}

fn chromium() -> Option<PathBuf> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(o) = Command::new("sh")
            .args(["-c", &format!("command -v {c}")])
            .output()
            && o.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    skip(
        "HTML in headless Chromium",
        "no chromium (apt-get install chromium)",
    );
    None
}

/// A proxy that answers nothing and records the first line of every request Chromium sends
/// (every URL goes through it, loopback included).
struct Proxy {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn proxy() -> Proxy {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            log.lock().unwrap().push(line.trim().to_string());
        }
    });
    Proxy { port, seen }
}

/// Requests Chromium makes for itself whatever the page (component updates, time, accounts).
fn browser_own(line: &str) -> bool {
    [
        "clients2.google.com",
        "update.googleapis.com",
        "accounts.google.com",
        "redirector.gvt1.com",
        "edgedl.me.gvt1.com",
        "optimizationguide-pa.googleapis.com",
        "safebrowsingohttpgateway.googleapis.com",
    ]
    .iter()
    .any(|h| line.contains(&format!(" {h}")) || line.contains(&format!("//{h}/")))
}

fn browse(browser: &Path, proxy: &Proxy, page: &Path, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--proxy-server=http://127.0.0.1:{}", proxy.port),
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=3000",
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `data-count="key">value<` in the DOM.
fn dom_count(dom: &str, key: &str) -> String {
    let at = dom
        .find(&format!("data-count=\"{key}\">"))
        .unwrap_or_else(|| panic!("no {key}"));
    let rest = &dom[at + key.len() + 14..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// `name="value"` of the element with `id`.
fn attr(dom: &str, id: &str, name: &str) -> String {
    let el = &dom[dom.find(&format!("id=\"{id}\"")).unwrap()..];
    let el = &el[..el.find('>').unwrap()];
    let at = el
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {el}"));
    let v = &el[at + name.len() + 2..];
    v[..v.find('"').unwrap()].to_string()
}

#[test]
fn html_opens_offline_in_headless_chromium_with_the_jsons_numbers() {
    let Some(d) = dump(true) else { return };
    let Some(browser) = chromium() else { return };
    let r = report_json(&d);
    let page = d.dir.path().join("readiness.html");
    let o = run(
        &d,
        &[
            "report",
            "--format",
            "html",
            "--fail-on",
            "none",
            "--output",
            "readiness.html",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains('\u{1b}'));

    // The negative control: a page that does load something is seen by the proxy.
    let p = proxy();
    let leaky = d.dir.path().join("leaky.html");
    std::fs::write(
        &leaky,
        "<!DOCTYPE html><img src=\"http://hostlint-canary.invalid/x.png\">",
    )
    .unwrap();
    browse(&browser, &p, &leaky, &["--dump-dom"]);
    assert!(
        p.seen
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("hostlint-canary.invalid")),
        "the proxy sees page requests: {:?}",
        p.seen.lock().unwrap()
    );

    let p = proxy();
    let dom = browse(&browser, &p, &page, &["--dump-dom"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let requests: Vec<String> = p
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|l| !browser_own(l))
        .cloned()
        .collect();
    assert!(requests.is_empty(), "the page made requests: {requests:?}");

    // The script ran under the policy (its hash is right) and counted the table's rows.
    assert!(
        dom.contains("data-js=\"on\""),
        "the inline script did not run"
    );
    let t = &r["readiness"]["workloads"];
    assert_eq!(dom_count(&dom, "workloads"), t["total"].to_string());
    assert_eq!(dom_count(&dom, "ready"), t["ready"].to_string());
    assert_eq!(dom_count(&dom, "review"), t["review"].to_string());
    assert_eq!(dom_count(&dom, "blocked"), t["blocked"].to_string());
    assert_eq!(
        dom_count(&dom, "managed"),
        r["readiness"]["managed"]["total"].to_string()
    );
    assert_eq!(dom_count(&dom, "errors"), r["summary"]["error"].to_string());
    assert_eq!(
        dom_count(&dom, "warnings"),
        r["summary"]["warning"].to_string()
    );
    let p = &r["readiness"]["pools"];
    assert_eq!(
        dom_count(&dom, "pools-ready"),
        format!("{}/{}", p["ready"], p["total"])
    );
    for v in ["ready", "review", "blocked"] {
        assert_eq!(
            attr(&dom, "dom-counts", &format!("data-{v}")),
            t[v].to_string(),
            "{v} rows"
        );
    }
    // The chart has a bar per blocking rule, with the group's count.
    for g in r["blockers"].as_array().unwrap().iter().take(15) {
        let n = g["workloads"].as_array().unwrap().len() as u64 + g["pools"].as_u64().unwrap();
        assert!(
            dom.contains(&format!(
                "data-label=\"{}\" data-value=\"{n}\"",
                g["rule"].as_str().unwrap()
            )),
            "{}",
            g["rule"]
        );
    }
    // Hostile names are text: one script element (the page's), no injected element.
    assert_eq!(dom.matches("<script").count(), 1);
    assert!(!dom.contains("<iframe") && !dom.contains("<img"));
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    // With JavaScript off the tables are all there. (Chromium's `--dump-dom` needs script itself,
    // so the page's own script is refused by its policy instead: `script-src 'none'`.)
    let at = html.find("script-src 'sha256-").unwrap();
    let end = at + html[at..].find(';').unwrap();
    let no_js = d.dir.path().join("no-js.html");
    std::fs::write(
        &no_js,
        format!("{}script-src 'none'{}", &html[..at], &html[end..]),
    )
    .unwrap();
    let p = proxy();
    let plain = browse(&browser, &p, &no_js, &["--dump-dom"]);
    assert!(!plain.contains("data-js=\"on\""));
    let workloads_table = &plain[plain.find("id=\"workloads\"").unwrap()..];
    let workloads_table = &workloads_table[..workloads_table.find("</table>").unwrap()];
    assert_eq!(
        workloads_table.matches("<tr data-verdict=").count() as u64,
        t["total"].as_u64().unwrap()
    );

    // A screenshot, kept as the test's artifact.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readiness");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let p = proxy();
    browse(
        &browser,
        &p,
        &page,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", png.display()),
        ],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
    std::fs::copy(&page, shots.join("report.html")).unwrap();
}

/// One body row of an HTML table as the DOM serialises it.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    verdict: String,
    hidden: bool,
    /// Each cell's text content (tags dropped, references decoded).
    cells: Vec<String>,
}

impl Row {
    /// What the page's filter matches against: the row's `textContent`, lower-cased.
    fn text(&self) -> String {
        self.cells.concat().to_lowercase()
    }
}

/// Text content of serialised HTML: tags dropped, the references Chromium and `esc` write decoded.
fn text_content(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt + rest[lt..].find('>').unwrap() + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The body rows of table `id` in a DOM dump, in document order.
fn table_rows(dom: &str, id: &str) -> Vec<Row> {
    let t = &dom[dom.find(&format!("id=\"{id}\"")).unwrap()..];
    let t = &t[..t.find("</table>").unwrap()];
    let body = &t[t.find("<tbody>").unwrap()..];
    body.split("<tr ")
        .skip(1)
        .map(|tr| {
            let (open, rest) = tr.split_once('>').unwrap();
            let rest = &rest[..rest.find("</tr>").unwrap()];
            let cells = rest
                .split("<td")
                .skip(1)
                .map(|c| text_content(&c[c.find('>').unwrap() + 1..c.rfind("</td>").unwrap()]))
                .collect();
            let v = &open[open.find("data-verdict=\"").unwrap() + 14..];
            Row {
                verdict: v[..v.find('"').unwrap()].to_string(),
                hidden: open.contains(" hidden"),
                cells,
            }
        })
        .collect()
}

/// The sort key the page uses for a text cell: trimmed and lower-cased (ASCII names here, where
/// JavaScript's `toLowerCase` and UTF-16 order agree with Rust's).
fn sort_key(cell: &str) -> String {
    cell.trim().to_lowercase()
}

#[test]
fn html_sorts_and_filters_in_headless_chromium() {
    let Some(mut d) = dump(true) else { return };
    let Some(browser) = chromium() else { return };
    // A StatefulSet of twelve objects, so that sorting by number and by text differ ("12" < "2").
    let mut fleet = vec![json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "fleet", "namespace": "batch"},
        "spec": {"template": {"spec": clean_pod()}}})];
    fleet.extend((0..11).map(|i| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("fleet-{i}"), "namespace": "batch"}, "spec": clean_pod()})
    }));
    std::fs::write(
        d.dir.path().join("fleet.json"),
        json!({"apiVersion": "v1", "kind": "List", "items": fleet}).to_string(),
    )
    .unwrap();
    d.args.push("fleet.json".into());
    let r = report_json(&d);
    let o = run(
        &d,
        &[
            "report",
            "--format",
            "html",
            "--fail-on",
            "none",
            "--output",
            "r.html",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let html = std::fs::read_to_string(d.dir.path().join("r.html")).unwrap();
    // The page with a driver script after its own: the driver clicks and types as a user would,
    // then Chromium dumps the DOM. The policy lets inline script run for this copy only (the page's
    // own hash is checked by the test above).
    let at = html.find("script-src 'sha256-").unwrap();
    let end = at + html[at..].find(';').unwrap();
    let driven = |name: &str, driver: &str| -> String {
        let page = d.dir.path().join(format!("{name}.html"));
        let body = html.rfind("</body>").unwrap();
        std::fs::write(
            &page,
            format!(
                "{}script-src 'unsafe-inline'{}<script>(function(){{var d=document,th=d.querySelectorAll(\"#workloads thead th\"),c=d.querySelector('.controls[data-for=\"workloads\"]'),q=c.querySelector(\"input\"),s=c.querySelector(\"select\");{driver}}})();</script>{}",
                &html[..at],
                &html[end..body],
                &html[body..]
            ),
        )
        .unwrap();
        let dom = browse(&browser, &proxy(), &page, &["--dump-dom"]);
        assert!(dom.contains("data-js=\"on\""), "{name}: script did not run");
        dom
    };
    let header: Vec<String> = {
        let t = &html[html.find("id=\"workloads\"").unwrap()..];
        let head = &t[..t.find("</thead>").unwrap()];
        head.split("<th")
            .skip(1)
            .filter(|h| !h.starts_with("ead"))
            .map(|h| text_content(&h[h.find('>').unwrap() + 1..h.find("</th>").unwrap()]))
            .collect()
    };
    assert_eq!(
        header,
        [
            "verdict",
            "kind",
            "namespace",
            "name",
            "objects",
            "rules",
            "where"
        ]
    );

    let before = table_rows(&driven("idle", ""), "workloads");
    let t = &r["readiness"]["workloads"];
    assert_eq!(before.len() as u64, t["total"].as_u64().unwrap());
    assert!(before.iter().all(|r| !r.hidden));
    // Each row's object count is the workload's size in the JSON.
    let sizes: BTreeMap<(String, String, String), u64> = r["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (key(w), 1 + w["objects"].as_array().unwrap().len() as u64))
        .collect();
    for row in &before {
        let k = (
            row.cells[1].clone(),
            row.cells[2].clone(),
            row.cells[3].clone(),
        );
        assert_eq!(
            sizes.get(&k).map(u64::to_string).as_deref(),
            Some(row.cells[4].as_str()),
            "{k:?}"
        );
    }
    let objects = |r: &Row| r.cells[4].parse::<u64>().unwrap();
    assert!(
        before.windows(2).any(|w| objects(&w[0]) > objects(&w[1])),
        "the dump must not already be in object order, or the sort test proves nothing"
    );
    assert!(before.iter().any(|r| objects(r) == 12) && before.iter().any(|r| objects(r) == 2));

    // One click on "objects": ascending by number (not as text: 10 after 9), ties in page order.
    let mut want = before.clone();
    want.sort_by_key(objects);
    assert_eq!(
        table_rows(&driven("sort-objects", "th[4].click();"), "workloads"),
        want
    );

    // Two clicks on "name": descending, by the lower-cased text.
    let mut want = before.clone();
    want.sort_by(|a, b| sort_key(&b.cells[3]).cmp(&sort_key(&a.cells[3])));
    let got = table_rows(
        &driven("sort-name", "th[3].click();th[3].click();"),
        "workloads",
    );
    assert_eq!(got, want);
    assert_ne!(got, before);

    // Typing in the filter hides every row whose text lacks it (case-insensitive, markup as text).
    let needle = "@HERE <B>|</B>";
    let got = table_rows(
        &driven(
            "filter",
            &format!(
                "q.value={};q.dispatchEvent(new Event(\"input\"));",
                serde_json::to_string(needle).unwrap()
            ),
        ),
        "workloads",
    );
    let want: Vec<Row> = before
        .iter()
        .map(|r| Row {
            hidden: !r.text().contains(&needle.to_lowercase()),
            ..r.clone()
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        got.iter().filter(|r| !r.hidden).count(),
        1,
        "the hostile DaemonSet alone"
    );

    // The verdict menu and the filter together; the count beside them says how many are shown.
    let dom = driven(
        "verdict",
        "s.value=\"blocked\";s.dispatchEvent(new Event(\"change\"));q.value=\"deployment\";q.dispatchEvent(new Event(\"input\"));",
    );
    let got = table_rows(&dom, "workloads");
    let want: Vec<Row> = before
        .iter()
        .map(|r| Row {
            hidden: !(r.verdict == "blocked" && r.text().contains("deployment")),
            ..r.clone()
        })
        .collect();
    assert_eq!(got, want);
    let shown = want.iter().filter(|r| !r.hidden).count();
    assert!(shown > 0 && shown < t["blocked"].as_u64().unwrap() as usize);
    let c = &dom[dom.find("data-for=\"workloads\"").unwrap()..];
    let c = &c[c.find("class=\"shown muted\">").unwrap() + 20..];
    assert_eq!(&c[..c.find('<').unwrap()], format!("{shown} shown"));
}

/// A `kubectl get -A -o yaml` List of `n` Deployments in one document, each padded by a 4 KiB
/// annotation (as `last-applied-configuration` pads them), the last one with an AppArmor profile
/// kubelet refuses on ACL. Returns the text and the line of that profile's `type:` value.
fn one_list_yaml(n: usize) -> (String, usize) {
    let pad = "x".repeat(4096);
    let mut s =
        String::from("apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n");
    for i in 0..n {
        s.push_str(&format!(
            "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: app-{i}\n    namespace: team-{}\n    annotations:\n      note: {pad}\n  spec:\n    template:\n      spec:\n        containers:\n        - name: app\n          image: registry.example/app:1\n",
            i % 50
        ));
    }
    s.push_str("          securityContext:\n            appArmorProfile:\n              type: RuntimeDefault\n");
    let line = s.lines().count();
    (s, line)
}

/// One document over the 32 MiB per-document cap (a whole cluster's `-o yaml`, or `-o json`) is
/// refused with a message naming `--max-document-size`, and read whole with it: every object, the
/// finding on the List's last line at its exact place.
#[test]
fn one_list_over_the_document_cap_needs_max_document_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 8_000; // ~33.6 MB: just over 32 MiB
    let (yaml, line) = one_list_yaml(n);
    assert!(
        yaml.len() > 32 << 20 && yaml.len() < 34 << 20,
        "{}",
        yaml.len()
    );
    std::fs::write(d.join("dump.yaml"), &yaml).unwrap();
    drop(yaml);

    let o = hostlint(&["check", "--format", "json", "dump.yaml"], d);
    assert_eq!(o.status.code(), Some(2));
    let v = parse(&o);
    assert_eq!(v["errors"][0]["line"], 1);
    assert_eq!(
        v["errors"][0]["message"],
        "document is over the 32 MiB limit for one document; skipped to its end (`--max-document-size` raises the limit)"
    );
    let o = hostlint(&["report", "--format", "json", "dump.yaml"], d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(parse(&o)["summary"]["input_errors"], 1);

    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "--max-document-size",
            "34M",
            "dump.yaml",
        ],
        d,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = parse(&o);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    let f = &v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "apparmor-profile");
    assert_eq!(f[0]["line"], line);
    assert_eq!(f[0]["column"], 21);
    let o = hostlint(
        &[
            "report",
            "--format",
            "json",
            "--max-document-size",
            "34M",
            "dump.yaml",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let r = parse(&o);
    assert_eq!(r["summary"]["input_errors"], 0);
    assert_eq!(r["readiness"]["workloads"]["total"], n);
    assert_eq!(r["readiness"]["workloads"]["blocked"], 1);
    // A cap under the document's size refuses it again; sizes are checked as they are written.
    let o = hostlint(
        &[
            "check",
            "--format",
            "json",
            "--max-document-size",
            "33M",
            "dump.yaml",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        parse(&o)["errors"][0]["message"],
        "document is over the 33 MiB limit for one document; skipped to its end (`--max-document-size` raises the limit)"
    );
    for bad in ["0", "12x", "1023", "99999999999G"] {
        let o = hostlint(&["check", "--max-document-size", bad, "dump.yaml"], d);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(&format!("`{bad}`")),
            "{bad}"
        );
    }
    std::fs::remove_file(d.join("dump.yaml")).unwrap();

    // `-o json`: parsed whole, under the same option.
    let n = 7_600; // ~34.6 MB
    let items: Vec<Value> = (0..n)
        .map(|i| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": format!("app-{i}"), "namespace": "team", "annotations": {"note": "x".repeat(4096)}},
                "spec": {"template": {"spec": if i + 1 == n { apparmor_pod() } else { clean_pod() }}}})
        })
        .collect();
    let text =
        serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
            .unwrap();
    let len = text.len();
    assert!(len > 32 << 20 && len < 34 << 20, "{len}");
    std::fs::write(d.join("dump.json"), text).unwrap();
    let o = hostlint(&["report", "--format", "json", "dump.json"], d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        parse(&o)["errors"][0]["message"],
        format!(
            "file is {len} bytes, over the 32 MiB limit for one input; not read (`--max-document-size` raises the limit)"
        )
    );
    let o = hostlint(
        &[
            "report",
            "--format",
            "json",
            "--max-document-size",
            "34M",
            "dump.json",
        ],
        d,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = parse(&o);
    assert_eq!(r["summary"]["input_errors"], 0);
    assert_eq!(r["readiness"]["workloads"]["total"], n);
    assert_eq!(r["readiness"]["workloads"]["blocked"], 1);
}
