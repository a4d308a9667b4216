//! `check --fix`: on copies of the fixtures and of the real corpus (in temporary directories, never in
//! the repository), every applied fix removes its finding, adds none, leaves every byte outside its
//! edit alone and converges (a second run changes nothing); `--diff` applies with `git apply` and
//! `patch -p1`; streams are reported, not edited. The YAML and JSON files a fix changed are loaded
//! again with PyYAML (libyaml) and with `kubectl label --local` and compared with their originals
//! outside the fixed fields; a kustomization above a fixed file still builds with `kubectl kustomize`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hostlint::discover::{self, Input};
use hostlint::fix::{self, Fixes, Options, Safety};
use hostlint::{Config, Finding, Report, lint};

#[path = "support/shared.rs"]
mod support;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

fn inputs(dir: &Path) -> Vec<Input> {
    let mut stdin = || -> Box<dyn Read + Send> { Box::new(std::io::empty()) };
    let options = discover::Options {
        hidden: true,
        ..discover::Options::default()
    };
    discover::discover(&[dir.to_path_buf()], &options, &mut stdin).inputs
}

/// A finding's identity across an edit (its line and message may change): file, rule, object, field,
/// container.
type Id = (String, &'static str, String, String, Option<String>);

fn id(f: &Finding) -> Id {
    (
        f.file.to_string(),
        f.rule,
        f.object
            .as_ref()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .unwrap_or_default(),
        f.key.clone(),
        f.container.clone(),
    )
}

fn ids(report: &Report) -> BTreeMap<Id, usize> {
    let mut out = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.counts()) {
        *out.entry(id(f)).or_insert(0) += 1;
    }
    out
}

/// Lints `dir`, fixes it (writing the files), lints it again, and checks the invariants every fix
/// run must keep. Returns the fixes and both reports.
fn fix_and_check(dir: &Path, unsafe_fixes: bool) -> (Fixes, Report, Report) {
    let config = Config::default();
    let ins = inputs(dir);
    let before = lint(&ins, &config);
    let options = Options { unsafe_fixes };
    let fixes = fix::run(&ins, &before.findings, &config, &options);
    for c in &fixes.changed {
        std::fs::write(&c.path, &c.after).unwrap();
    }
    let after = lint(&ins, &config);

    // Every byte outside the edited regions is unchanged.
    for c in &fixes.changed {
        let (mut o, mut n) = (0, 0);
        for r in &c.regions {
            assert!(r.orig.0 >= o && r.cur.0 >= n, "{}: regions overlap", c.name);
            assert_eq!(
                &c.before[o..r.orig.0],
                &c.after[n..r.cur.0],
                "{}: bytes outside the edits changed",
                c.name
            );
            (o, n) = (r.orig.1, r.cur.1);
        }
        assert_eq!(
            &c.before[o..],
            &c.after[n..],
            "{}: the tail changed",
            c.name
        );
        assert_eq!(
            std::fs::read_to_string(&c.path).unwrap(),
            c.after,
            "{}",
            c.name
        );
    }

    // The fixed findings are gone, and no finding is new.
    let by_pos: BTreeMap<(String, u32, u32, &str), &Finding> = before
        .findings
        .iter()
        .map(|f| {
            (
                (
                    f.file.to_string(),
                    f.span.start.line,
                    f.span.start.col,
                    f.rule,
                ),
                f,
            )
        })
        .collect();
    let (old, new) = (ids(&before), ids(&after));
    // (Later rounds' positions are in the text an earlier round made: the second run checks them.)
    for a in fixes.applied.iter().filter(|a| a.round == 1) {
        let f = by_pos[&(a.file.to_string(), a.line, a.column, a.rule)];
        assert!(
            !new.contains_key(&id(f)),
            "{}:{}:{} {} was fixed ({}) but is still reported:\n{}",
            a.file,
            a.line,
            a.column,
            a.rule,
            a.title,
            after
                .findings
                .iter()
                .filter(|g| id(g) == id(f))
                .map(|g| g.message.clone())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    for (k, n) in &new {
        assert!(
            old.get(k).is_some_and(|o| o >= n),
            "a fix made a new finding: {k:?}"
        );
    }
    // Every changed file still parses.
    assert_eq!(
        after.errors.len(),
        before.errors.len(),
        "input errors changed: {:?}",
        after.errors
    );

    // A second run changes nothing.
    let again = fix::run(&ins, &after.findings, &config, &options);
    assert!(
        again.changed.is_empty(),
        "a second run still changes {:?}",
        again
            .changed
            .iter()
            .map(|c| c.name.to_string())
            .collect::<Vec<_>>()
    );
    (fixes, before, after)
}

/// The rules whose offers include `safety` (with `--unsafe-fixes`: every offer).
fn offering(unsafe_fixes: bool) -> BTreeSet<&'static str> {
    hostlint::rules::FIX_OFFERS
        .iter()
        .filter(|(_, offers)| {
            offers
                .iter()
                .any(|o| unsafe_fixes || o.safety == Safety::Safe)
        })
        .map(|(r, _)| r.name)
        .collect()
}

#[test]
fn safe_fixes_on_the_fixtures_remove_their_findings_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures"), tmp.path());
    let (fixes, _, _) = fix_and_check(tmp.path(), false);
    assert!(fixes.applied.iter().all(|a| a.safety == Safety::Safe));
    assert!(
        fixes.hidden_unsafe > 0,
        "the fixtures have unsafe fixes left"
    );
    // Every rule that offers a safe fix fixed at least one fixture: removing a fix fails here.
    let fixed: BTreeSet<&str> = fixes.applied.iter().map(|a| a.rule).collect();
    let missing: Vec<_> = offering(false).difference(&fixed).copied().collect();
    assert!(missing.is_empty(), "no fixture fixed by {missing:?}");
}

#[test]
fn unsafe_fixes_on_the_fixtures_remove_their_findings_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures"), tmp.path());
    let (fixes, _, _) = fix_and_check(tmp.path(), true);
    let fixed: BTreeSet<&str> = fixes.applied.iter().map(|a| a.rule).collect();
    let missing: Vec<_> = offering(true).difference(&fixed).copied().collect();
    assert!(missing.is_empty(), "no fixture fixed by {missing:?}");
    assert_eq!(fixes.hidden_unsafe, 0);
}

/// Edits that must come out exactly so (style, quoting, comments, indentation).
#[test]
fn fixes_follow_the_file_style() {
    let tmp = tempfile::tempdir().unwrap();
    for d in [
        "node-os-upgrade-channel",
        "selinux-host-log-read",
        "read-only-host-path-write",
        "apparmor-profile",
        "trusted-launch-disabled",
        "gen1-vm-size",
        "artifact-streaming",
        "obsolete-flatcar-preview-flag",
        "flatcar-os-sku",
        "kubernetes-version-unsupported",
    ] {
        copy_dir(&root().join("fixtures").join(d), &tmp.path().join(d));
    }
    fix_and_check(tmp.path(), true);
    let read = |p: &str| std::fs::read_to_string(tmp.path().join(p)).unwrap();
    let tf = read("node-os-upgrade-channel/fail.tf");
    assert!(tf.contains("  default     = \"NodeImage\" # expect: node-os-upgrade-channel\n"));
    let sh = read("node-os-upgrade-channel/fail-update.sh");
    assert!(sh.contains("\nCHANNEL=NodeImage\n"), "{sh}");
    assert!(sh.contains("--node-os-upgrade-channel \"$CHANNEL\""));
    let bicep = read("node-os-upgrade-channel/fail.bicep");
    assert!(bicep.contains("nodeOsUpgradeChannel: 'NodeImage' // expect"));
    let log = read("selinux-host-log-read/fail.yaml");
    assert!(
        log.contains(
            "              readOnly: true\n          securityContext:\n            seLinuxOptions:\n              type: container_logreader_t\n      volumes:"
        ),
        "{log}"
    );
    let ro = read("read-only-host-path-write/fail-evidence.yaml");
    assert!(ro.contains("- {name: sbin, mountPath: /host/sbin, readOnly: true}"));
    assert!(ro.contains("              mountPath: /lib/modules\n              readOnly: true\n"));
    let ro = read("read-only-host-path-write/fail.yaml");
    assert!(ro.contains("readOnly: true  # YAML 1.1 \"no\" is false: still writable"));
    let flex = read("read-only-host-path-write/fail-flexvolume.yaml");
    assert!(flex.contains("            path: /etc/kubernetes/volumeplugins  # expect"));
    // A confined installer keeps its path: moved, SELinux still stops its writes.
    assert!(ro.contains("path: /usr/libexec/kubernetes/kubelet-plugins/volume/exec/  # expect"));
    let aa = read("apparmor-profile/fail.yaml");
    assert!(!aa.contains("runtime/default"));
    assert!(aa.contains("      annotations:\n        container.apparmor.security.beta.kubernetes.io/sidecar: unconfined\n"));
    assert!(!aa.contains("appArmorProfile"));
    let tl = read("trusted-launch-disabled/fail-quoted.sh");
    assert!(
        tl.contains("Standard_D4s_v5 --enable-vtpm # expect"),
        "{tl}"
    );
    let g = read("gen1-vm-size/fail.tf");
    assert!(g.contains("vm_size = \"Standard_DS2_v2\" # expect"));
    // The registration goes with its line; the fence around it stays.
    let md = read("obsolete-flatcar-preview-flag/fail.md");
    assert!(md.contains("```azurecli-interactive\n```\n"), "{md}");
    assert_eq!(read("obsolete-flatcar-preview-flag/fail.sh"), "");
    let fc = read("flatcar-os-sku/fail-pool.tf");
    assert!(
        fc.contains("os_sku                = \"AzureContainerLinux\" # expect"),
        "{fc}"
    );
    let k = read("kubernetes-version-unsupported/fail.sh");
    assert!(
        k.contains("--os-sku AzureContainerLinux -k 1.34 # expect"),
        "{k}"
    );
    let a = read("artifact-streaming/fail.json");
    assert!(a.contains("\"artifactStreamingProfile\": { \"enabled\": false }"));
}

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
    let mut w = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        w.write_all(s).unwrap();
    }
    drop(w);
    child.wait_with_output().unwrap()
}

/// A tool the test needs: absent, the test is skipped (and fails in CI).
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true, so `{tool}` must be installed"
        );
        eprintln!("skipped: `{tool}` is not installed");
    }
    ok
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.insert(
                    e.path().strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

#[test]
fn diff_applies_with_git_apply_and_patch_and_equals_fix() {
    if !have("git") || !have("patch") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let [a, b, c] = ["a", "b", "c"].map(|n| tmp.path().join(n));
    for d in [&a, &b, &c] {
        copy_dir(&root().join("fixtures"), d);
    }
    let diff = hostlint(
        &["check", "--fix", "--unsafe-fixes", "--diff", "."],
        &a,
        None,
    );
    assert_eq!(
        diff.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    let stderr = String::from_utf8_lossy(&diff.stderr);
    assert!(stderr.starts_with("Would fix "), "{stderr}");
    assert!(!diff.stdout.is_empty());
    assert_eq!(tree(&a), tree(&b), "--diff wrote files");
    std::fs::write(tmp.path().join("fix.patch"), &diff.stdout).unwrap();
    let ok = Command::new("git")
        .args(["apply", "--unsafe-paths", "-p1"])
        .arg(tmp.path().join("fix.patch"))
        .current_dir(&b)
        .status()
        .unwrap();
    assert!(ok.success(), "git apply refused the diff");
    let ok = Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(tmp.path().join("fix.patch"))
        .current_dir(&c)
        .status()
        .unwrap();
    assert!(ok.success(), "patch -p1 refused the diff");
    let fixed = hostlint(&["check", "--fix", "--unsafe-fixes", "."], &a, None);
    let out = String::from_utf8_lossy(&fixed.stdout);
    assert!(out.contains(" fixed, "), "{out}");
    assert_eq!(tree(&a), tree(&b), "git apply of --diff differs from --fix");
    assert_eq!(tree(&a), tree(&c), "patch -p1 of --diff differs from --fix");
    // Nothing left to do: the diff is empty and exits 0.
    let again = hostlint(
        &["check", "--fix", "--unsafe-fixes", "--diff", "."],
        &a,
        None,
    );
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
}

#[test]
fn the_summary_follows_ruff() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("fixtures/kubernetes-version-unsupported"),
        tmp.path(),
    );
    copy_dir(&root().join("fixtures/node-os-upgrade-channel"), tmp.path());
    let out = hostlint(&["check", "--fix", "."], tmp.path(), None);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("Found ") && l.contains(" fixed, "))
        .unwrap_or_else(|| panic!("{text}"));
    let n = |s: &str| -> usize { s.trim().parse().unwrap() };
    let (total, rest) = line["Found ".len()..].split_once(" errors (").unwrap();
    let (fixed, rest) = rest.split_once(" fixed, ").unwrap();
    let (remaining, _) = rest.split_once(" remaining").unwrap();
    assert_eq!(n(total), n(fixed) + n(remaining));
    // The seven node-os-upgrade-channel fail files, and the channel inside kubernetes-version-
    // unsupported's `union()` fixture.
    assert_eq!(
        n(fixed),
        8,
        "the node-os-upgrade-channel fail files: {text}"
    );
    assert!(
        text.contains(" hidden fixes can be enabled with the `--unsafe-fixes` option."),
        "versions are unsafe fixes: {text}"
    );
    assert_eq!(out.status.code(), Some(1), "errors remain");
}

#[test]
fn streams_are_reported_not_edited() {
    let tmp = tempfile::tempdir().unwrap();
    let stream = "---\n# Source: logs/templates/daemonset.yaml\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: logs\nspec:\n  selector:\n    matchLabels: {app: logs}\n  template:\n    metadata:\n      labels: {app: logs}\n    spec:\n      containers:\n        - name: reader\n          image: example.com/reader:1\n          volumeMounts:\n            - {name: journal, mountPath: /var/log/journal, readOnly: true}\n      volumes:\n        - name: journal\n          hostPath: {path: /var/log/journal}\n";
    let out = hostlint(
        &["check", "--fix", "--format", "json", "-"],
        tmp.path(),
        Some(stream.as_bytes()),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fix the Helm template `logs/templates/daemonset.yaml`"),
        "{err}"
    );
    assert!(
        err.contains("Found 1 error (0 fixed, 1 remaining)."),
        "{err}"
    );
}

/// What a YAML/JSON file held before and after, with the fields the fixes were allowed to change.
#[derive(serde::Serialize)]
struct Pair {
    name: String,
    json: bool,
    before: String,
    after: String,
    pointers: Vec<String>,
    changes: Vec<(String, String)>,
}

const COMPARE_PY: &str = r#"
import json, sys, yaml
def load(text, is_json):
    if is_json:
        try:
            return [json.loads(text)]
        except ValueError:
            pass
    return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
def esc(k):
    return str(k).replace('~', '~0').replace('/', '~1')
def same(a, b, at, ok, changes):
    if at in ok:
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            p = at + '/' + esc(k)
            if k not in b:
                if p not in ok: return p
            else:
                r = same(a[k], b[k], p, ok, changes)
                if r: return r
        for k in b:
            if k not in a and (at + '/' + esc(k)) not in ok: return at + '/' + esc(k)
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b): return at
        for i, (x, y) in enumerate(zip(a, b)):
            r = same(x, y, at + '/' + str(i), ok, changes)
            if r: return r
        return None
    if a == b: return None
    sa, sb = str(a).lower(), str(b).lower()
    if any(sa == o.lower() and sb == n.lower() or (o.lower() in sa and sb == sa.replace(o.lower(), n.lower())) for o, n in changes):
        return None
    return at or '/'
bad = []
for p in json.load(sys.stdin):
    try:
        a = load(p['before'], p['json'])
    except Exception:
        continue  # an input libyaml refuses (the fixtures hold some on purpose) is not compared
    try:
        b = load(p['after'], p['json'])
    except Exception as e:
        bad.append(p['name'] + ': no longer loads: ' + str(e)); continue
    if len(a) != len(b):
        bad.append(p['name'] + ': document count'); continue
    ok = set(p['pointers'])
    for x, y in zip(a, b):
        r = same(x, y, '', ok, p['changes'])
        if r: bad.append(p['name'] + ': ' + r)
print(json.dumps(bad))
"#;

fn pyyaml() -> bool {
    let ok = Command::new("python3")
        .args([
            "-c",
            "import yaml, sys; sys.exit(0 if yaml.__with_libyaml__ else 1)",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI must have python3 with PyYAML built on libyaml (`pip install pyyaml`)"
        );
        eprintln!("skipped: python3 with PyYAML's libyaml (CSafeLoader) is not installed");
    }
    ok
}

/// PyYAML's reading of each changed YAML/JSON file equals the original's outside the fixed fields.
fn independent_load_check(fixes: &Fixes) -> usize {
    let mut pairs = Vec::new();
    for c in &fixes.changed {
        let ext = c.path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "json") {
            continue;
        }
        let mine: Vec<_> = fixes.applied.iter().filter(|a| a.file == c.name).collect();
        pairs.push(Pair {
            name: c.name.to_string(),
            json: ext == "json",
            before: c.before.clone(),
            after: c.after.clone(),
            pointers: mine.iter().map(|a| a.pointer.clone()).collect(),
            changes: mine.iter().filter_map(|a| a.change.clone()).collect(),
        });
    }
    if pairs.is_empty() {
        return 0;
    }
    let mut child = Command::new("python3")
        .args(["-c", COMPARE_PY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&pairs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "the PyYAML comparison failed");
    let bad: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        bad.is_empty(),
        "PyYAML reads other values after the fix: {bad:?}"
    );
    pairs.len()
}

#[test]
fn fixtures_load_the_same_with_pyyaml_outside_the_fixes() {
    if !pyyaml() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures"), tmp.path());
    let (fixes, _, _) = fix_and_check(tmp.path(), true);
    assert!(independent_load_check(&fixes) > 5);
}

#[test]
fn corpus_copy_fixes_cleanly() {
    let Some(corpus) = support::shared("corpus", "the --fix corpus test") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&corpus, tmp.path());
    let (fixes, before, after) = fix_and_check(tmp.path(), true);
    assert!(!fixes.applied.is_empty(), "the corpus has fixable findings");
    assert!(
        after.findings.iter().filter(|f| f.counts()).count()
            < before.findings.iter().filter(|f| f.counts()).count()
    );
    eprintln!(
        "corpus: {} fixes applied in {} files, {} refused, {} rounds",
        fixes.applied.len(),
        fixes.changed.len(),
        fixes.refused.len(),
        fixes.rounds
    );
    if pyyaml() {
        independent_load_check(&fixes);
    }
    if have("kubectl") {
        eprintln!(
            "corpus: kubectl compared {} fixed files",
            kubectl_check(&fixes, tmp.path())
        );
    }
}

/// A Terraform module reads its files as one: a value from a variable is fixed at the variable's
/// default in its own file (the edit's spans are moved with the finding's).
#[test]
fn terraform_variable_in_another_file_is_fixed_at_its_definition() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("infra");
    std::fs::create_dir(&dir).unwrap();
    let vars = "variable \"channel\" {\n  type    = string\n  default = \"SecurityPatch\" # ops asked for this\n}\n";
    std::fs::write(dir.join("variables.tf"), vars).unwrap();
    let main = "resource \"azurerm_kubernetes_cluster\" \"main\" {\n  name                    = \"main\"\n  node_os_upgrade_channel = var.channel\n\n  default_node_pool {\n    name    = \"system\"\n    vm_size = \"Standard_D4s_v5\"\n    os_sku  = \"AzureContainerLinux\"\n  }\n}\n";
    std::fs::write(dir.join("main.tf"), main).unwrap();
    let (fixes, _, _) = fix_and_check(tmp.path(), false);
    assert_eq!(fixes.applied.len(), 1, "{:?}", fixes.refused);
    assert!(fixes.applied[0].file.ends_with("variables.tf"));
    assert_eq!(
        std::fs::read_to_string(dir.join("variables.tf")).unwrap(),
        vars.replace("SecurityPatch", "NodeImage")
    );
    assert_eq!(std::fs::read_to_string(dir.join("main.tf")).unwrap(), main);
}

/// The label `kubectl label --local` adds to every object (the same on both sides of a comparison).
const KUBECTL_LABEL: &str = "hostlint.test/fixed=yes";

/// kubectl's reading of Kubernetes YAML/JSON: `kubectl label --local --dry-run=client -f FILE -o json`
/// (`-f -` reads `stdin`), as its objects with any `List` expanded; `Err` holds kubectl's complaint.
fn kubectl_objects(file: &Path, stdin: Option<&[u8]>) -> Result<Vec<serde_json::Value>, String> {
    let mut child = Command::new("kubectl")
        .args(["label", "--local", "--dry-run=client", "-o", "json", "-f"])
        .arg(file)
        .arg(KUBECTL_LABEL)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = child.stdin.take().unwrap();
    let input = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || w.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut objects = Vec::new();
    for o in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<serde_json::Value>() {
        let o = o.map_err(|e| format!("kubectl printed no JSON: {e}"))?;
        match o.get("items").and_then(|i| i.as_array()) {
            Some(items) if o["kind"] == "List" => objects.extend(items.iter().cloned()),
            _ => objects.push(o),
        }
    }
    Ok(objects)
}

fn escape_pointer(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Where `a` and `b` differ outside the fixed pointers `ok` (a replaced value may also differ by one
/// of `changes`, old to new): the first such JSON pointer, or `None`. The same rule as COMPARE_PY.
fn differs(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: &str,
    ok: &BTreeSet<String>,
    changes: &[(String, String)],
) -> Option<String> {
    use serde_json::Value;
    if ok.contains(at) {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{at}/{}", escape_pointer(k));
                match y.get(k) {
                    None if !ok.contains(&p) => return Some(p),
                    None => {}
                    Some(w) => {
                        if let Some(r) = differs(v, w, &p, ok, changes) {
                            return Some(r);
                        }
                    }
                }
            }
            y.keys()
                .filter(|k| !x.contains_key(*k))
                .map(|k| format!("{at}/{}", escape_pointer(k)))
                .find(|p| !ok.contains(p))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(at.to_string());
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (v, w))| differs(v, w, &format!("{at}/{i}"), ok, changes))
        }
        _ if a == b => None,
        _ => {
            let text = |v: &Value| match v {
                Value::String(s) => s.to_lowercase(),
                v => v.to_string().to_lowercase(),
            };
            let (sa, sb) = (text(a), text(b));
            let renamed = changes.iter().any(|(o, n)| {
                let (o, n) = (o.to_lowercase(), n.to_lowercase());
                (sa == o && sb == n) || (sa.contains(&o) && sb == sa.replace(&o, &n))
            });
            (!renamed).then(|| {
                if at.is_empty() {
                    "/".to_string()
                } else {
                    at.to_string()
                }
            })
        }
    }
}

/// kubectl reads each changed Kubernetes YAML/JSON file (one kubectl decodes before the fix) after
/// the fix too, to the same objects outside the fixed fields; every kustomization directory above a
/// changed file still builds with `kubectl kustomize`. Returns how many files kubectl compared.
fn kubectl_check(fixes: &Fixes, root: &Path) -> usize {
    let scratch = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let mut kustomizations = BTreeSet::new();
    for c in &fixes.changed {
        let mut dir = c.path.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(root)) {
            if ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .any(|k| d.join(k).is_file())
            {
                kustomizations.insert(d.to_path_buf());
            }
            dir = d.parent();
        }
        let ext = c.path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "json") {
            continue;
        }
        let original = scratch.path().join(format!("original.{ext}"));
        std::fs::write(&original, &c.before).unwrap();
        let Ok(before) = kubectl_objects(&original, None) else {
            continue; // not Kubernetes objects kubectl decodes (an ARM template, a fixture kubectl refuses)
        };
        let after = kubectl_objects(&c.path, None)
            .unwrap_or_else(|e| panic!("{}: kubectl no longer reads it: {e}", c.name));
        let mine: Vec<_> = fixes.applied.iter().filter(|a| a.file == c.name).collect();
        let ok: BTreeSet<String> = mine.iter().map(|a| a.pointer.clone()).collect();
        let changes: Vec<(String, String)> = mine.iter().filter_map(|a| a.change.clone()).collect();
        assert_eq!(
            before.len(),
            after.len(),
            "{}: kubectl's object count",
            c.name
        );
        for (x, y) in before.iter().zip(&after) {
            if let Some(p) = differs(x, y, "", &ok, &changes) {
                panic!(
                    "{}: kubectl reads another value at {p} after the fix (fixed: {ok:?})",
                    c.name
                );
            }
        }
        compared += 1;
    }
    for d in &kustomizations {
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: `kubectl kustomize` fails after the fix: {}",
            d.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    compared
}

#[test]
fn fixtures_read_the_same_with_kubectl_outside_the_fixes() {
    if !have("kubectl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures"), tmp.path());
    let (fixes, _, _) = fix_and_check(tmp.path(), true);
    let n = kubectl_check(&fixes, tmp.path());
    eprintln!("kubectl compared {n} fixed files");
    assert!(n > 5, "kubectl compared only {n} fixed files");
}

/// A fixed workload inside a kustomization: `kubectl kustomize` builds it after the fix, to the same
/// objects (prefixed names, common labels, patched replicas) outside the fixed field.
#[test]
fn kustomization_builds_the_same_after_the_fix() {
    if !have("kubectl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logging");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: logging\nnamePrefix: prod-\ncommonLabels:\n  team: platform\nresources:\n  - shipper.yaml\n  - config.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shipper.yaml"),
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: shipper\nspec:\n  selector: {matchLabels: {app: shipper}}\n  template:\n    metadata: {labels: {app: shipper}}\n    spec:\n      containers:\n        - name: shipper\n          image: example.com/shipper:2.1\n          envFrom: [{configMapRef: {name: shipper}}]\n          volumeMounts:\n            - {name: journal, mountPath: /var/log/journal, readOnly: true}\n      volumes:\n        - name: journal\n          hostPath: {path: /var/log/journal}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shipper\ndata:\n  LEVEL: info\n",
    )
    .unwrap();
    let build = || {
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`kubectl kustomize` fails: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kubectl_objects(Path::new("-"), Some(&out.stdout)).unwrap()
    };
    let before = build();
    let (fixes, _, _) = fix_and_check(tmp.path(), false);
    assert_eq!(
        fixes
            .applied
            .iter()
            .map(|a| (a.rule, a.pointer.as_str()))
            .collect::<Vec<_>>(),
        [(
            "selinux-host-log-read",
            "/spec/template/spec/containers/0/securityContext"
        )],
        "{:?}",
        fixes.refused
    );
    assert_eq!(kubectl_check(&fixes, tmp.path()), 1);
    let after = build();
    let ok = BTreeSet::from([fixes.applied[0].pointer.clone()]);
    assert_eq!(before.len(), 2);
    assert_eq!(before.len(), after.len());
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(differs(x, y, "", &ok, &[]), None, "{x}\n{y}");
    }
    let shipper = after.iter().find(|o| o["kind"] == "DaemonSet").unwrap();
    assert_eq!(shipper["metadata"]["name"], "prod-shipper");
    assert_eq!(
        shipper["spec"]["template"]["spec"]["containers"][0]["securityContext"]["seLinuxOptions"]["type"],
        "container_logreader_t"
    );
    assert_ne!(before, after, "the fix reached kustomize's output");
}

/// Without `--fix`, a human report ends with ruff's hint: how many findings `--fix` would fix, and
/// how many more `--unsafe-fixes` would add (which alone writes nothing, as in ruff); streams, which
/// are never edited, are not counted, and machine-readable reports keep stdout to themselves.
#[test]
fn a_plain_check_says_what_fix_would_do() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("fixtures/kubernetes-version-unsupported"),
        &tmp.path().join("versions"),
    );
    copy_dir(
        &root().join("fixtures/node-os-upgrade-channel"),
        &tmp.path().join("channels"),
    );
    copy_dir(
        &root().join("fixtures/apparmor-profile"),
        &tmp.path().join("apparmor"),
    );
    copy_dir(&root().join("fixtures/host-pid"), &tmp.path().join("pid"));
    let files = tree(tmp.path());
    let last = |args: &[&str]| {
        let out = hostlint(args, tmp.path(), None);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    // The seven channel fail files and the channel in a version fixture are safe; the versions unsafe.
    assert_eq!(
        last(&["check", "versions", "channels"]),
        "[*] 8 fixable with the `--fix` option (9 hidden fixes can be enabled with the `--unsafe-fixes` option)."
    );
    assert_eq!(
        last(&["check", "--unsafe-fixes", "versions", "channels"]),
        "[*] 17 fixable with the `--fix` option."
    );
    assert_eq!(
        last(&["check", "channels"]),
        "[*] 7 fixable with the `--fix` option."
    );
    assert_eq!(
        last(&["check", "apparmor"]),
        "No fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option)."
    );
    let out = hostlint(&["check", "pid"], tmp.path(), None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().last().unwrap().starts_with("Found "), "{text}");
    assert!(!text.contains("fix"), "host-pid has no fix: {text}");
    assert_eq!(
        tree(tmp.path()),
        files,
        "--unsafe-fixes alone writes nothing"
    );

    let json = hostlint(&["check", "--format", "json", "channels"], tmp.path(), None);
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("JSON alone on stdout");
    assert!(!String::from_utf8_lossy(&json.stderr).contains("fixable"));

    let stream = std::fs::read(tmp.path().join("channels/fail-aso.yaml")).unwrap();
    let out = hostlint(&["check", "-"], tmp.path(), Some(&stream));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Found 1 error "), "{text}");
    assert!(
        !text.contains("fix"),
        "a stream is not fixed in place: {text}"
    );
}

/// A Gen1 size that is a Bicep parameter's default under `@allowed`: the new size joins the list in
/// the same edit set (the template would fail validation otherwise), once for each parameter.
#[test]
fn bicep_allowed_list_takes_the_new_size() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/gen1-vm-size/fail.bicep"),
        tmp.path().join("fail.bicep"),
    )
    .unwrap();
    let pools = "@description('pool sizes')\n@allowed(['Standard_D2_v3', 'Standard_D2s_v5']) // sizes\n@minLength(3)\nparam a string = 'Standard_D2_v3'\n@allowed([\n  'Standard_D4_v3'\n  'Standard_D4s_v3'\n])\nparam b string = 'Standard_D4_v3'\nresource aks 'Microsoft.ContainerService/managedClusters@2026-03-01' = {\n  name: 'aks'\n  properties: {\n    agentPoolProfiles: [\n      { name: 'a', vmSize: a, osSKU: 'AzureContainerLinux' }\n      { name: 'b', vmSize: b, osSKU: 'AzureContainerLinux' }\n    ]\n  }\n}\n";
    std::fs::write(tmp.path().join("pools.bicep"), pools).unwrap();
    let original = std::fs::read_to_string(tmp.path().join("fail.bicep")).unwrap();
    let (fixes, _, _) = fix_and_check(tmp.path(), true);
    assert!(fixes.refused.is_empty(), "{:?}", fixes.refused);
    assert_eq!(
        fixes
            .applied
            .iter()
            .filter(|a| a.rule == "gen1-vm-size")
            .count(),
        3
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("fail.bicep")).unwrap(),
        original
            .replace(
                "  'Standard_D2s_v5'\n])",
                "  'Standard_D2s_v5'\n  'Standard_D2s_v3'\n])"
            )
            .replace(
                "param agentVMSize string = 'Standard_D2_v3'",
                "param agentVMSize string = 'Standard_D2s_v3'"
            )
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("pools.bicep")).unwrap(),
        pools
            .replace(
                "'Standard_D2s_v5']) // sizes",
                "'Standard_D2s_v5', 'Standard_D2s_v3']) // sizes"
            )
            .replace("string = 'Standard_D2_v3'", "string = 'Standard_D2s_v3'")
            .replace("string = 'Standard_D4_v3'", "string = 'Standard_D4s_v3'"),
        "b's list already allows its new size"
    );
}

/// The same for an ARM template: a parameter's `defaultValue` fixed under `allowedValues` adds the
/// new value to the array, in its style (flow, or one a line), and the fixed file still parses to
/// the same tree outside the default and that array.
#[test]
fn arm_allowed_values_take_the_new_value() {
    let tmp = tempfile::tempdir().unwrap();
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "size": {
      "type": "string",
      "defaultValue": "Standard_D2_v3",
      "allowedValues": ["Standard_D2_v3", "Standard_D2s_v5"]
    },
    "channel": {
      "type": "string",
      "defaultValue": "SecurityPatch",
      "allowedValues": [
        "SecurityPatch"
      ]
    }
  },
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2026-03-01",
      "name": "aks",
      "location": "westeurope",
      "properties": {
        "autoUpgradeProfile": {"nodeOSUpgradeChannel": "[parameters('channel')]"},
        "agentPoolProfiles": [
          {"name": "a", "vmSize": "[parameters('size')]", "osSKU": "AzureContainerLinux"}
        ]
      }
    }
  ]
}
"#;
    let path = tmp.path().join("azuredeploy.json");
    std::fs::write(&path, template).unwrap();
    let (fixes, _, _) = fix_and_check(tmp.path(), true);
    assert!(fixes.refused.is_empty(), "{:?}", fixes.refused);
    let rules: BTreeSet<&str> = fixes.applied.iter().map(|a| a.rule).collect();
    assert_eq!(
        rules,
        BTreeSet::from(["gen1-vm-size", "node-os-upgrade-channel"])
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        template
            .replace(
                "\"defaultValue\": \"Standard_D2_v3\"",
                "\"defaultValue\": \"Standard_D2s_v3\""
            )
            .replace(
                "\"Standard_D2s_v5\"]",
                "\"Standard_D2s_v5\", \"Standard_D2s_v3\"]"
            )
            .replace(
                "\"defaultValue\": \"SecurityPatch\"",
                "\"defaultValue\": \"NodeImage\""
            )
            .replace(
                "        \"SecurityPatch\"\n",
                "        \"SecurityPatch\",\n        \"NodeImage\"\n"
            )
    );
    serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&path).unwrap()).unwrap();
}
