//! hostlint's YAML reading against libyaml itself (PyYAML's C parser, through
//! `tests/yaml_libyaml.py`): on every document, both accept or both refuse, and what they accept
//! has the same value as Kubernetes reads it (go-yaml, a port of libyaml). Run over the repository's
//! own YAML, the shared corpus, deterministic mutations of both, and the directories listed in
//! `HOSTLINT_YAML_CORPUS` (colon-separated; real manifests gathered outside the repository).
//!
//! Needs `python3` with PyYAML built on libyaml (`pip install pyyaml`; CI installs it). Outside CI
//! the test says "skipped: ..." when that is missing; in CI (`CI` set) it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value as J, json};

use hostlint::parse::Limits;
use hostlint::parse::node::{Node, Style, Value, is_null, yaml11_bool};
use hostlint::parse::yaml::{parse_chunk, read_slow, split};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether python3 with libyaml-backed PyYAML is here; in CI its absence is a failure.
fn libyaml_available() -> bool {
    let ok = Command::new("python3")
        .args([
            "-c",
            "import yaml, sys; sys.exit(0 if yaml.__with_libyaml__ else 1)",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with PyYAML built on libyaml (`pip install pyyaml`)"
        );
        println!("skipped: python3 with PyYAML's libyaml (CSafeLoader) is not installed");
        eprintln!("skipped: python3 with PyYAML's libyaml (CSafeLoader) is not installed");
    }
    ok
}

/// libyaml's reading of each text (see tests/yaml_libyaml.py).
fn libyaml(texts: &[&str]) -> Vec<J> {
    let mut child = Command::new("python3")
        .arg(root().join("tests/yaml_libyaml.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(texts).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("the helper finishes");
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "tests/yaml_libyaml.py failed");
    serde_json::from_slice::<Vec<J>>(&out.stdout).expect("the helper writes JSON")
}

/// A node's value as Kubernetes reads it, in the helper's canonical form.
fn canonical(n: &Node) -> J {
    match &n.value {
        Value::Scalar(s, Style::Plain) => {
            if is_null(s) {
                J::Null
            } else if let Some(b) = yaml11_bool(s) {
                J::Bool(b)
            } else if let Some(i) = n.as_i64() {
                json!({ "int": i })
            } else {
                J::String(s.to_string())
            }
        }
        Value::Scalar(s, _) => J::String(s.to_string()),
        Value::Seq(items) => J::Array(items.iter().map(canonical).collect()),
        Value::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                let key = match canonical(k) {
                    J::String(s) => s,
                    other => serde_json::to_string(&other).unwrap(),
                };
                m.entry(key).or_insert_with(|| canonical(v));
            }
            J::Object(m)
        }
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    documents: usize,
    refused: usize,
    disagreements: Vec<String>,
}

/// One document text of a file, with where it starts.
struct Doc {
    what: String,
    text: String,
    first_line: u32,
}

fn docs_of(what: &str, bytes: &[u8], out: &mut Vec<Doc>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for chunk in split(bytes) {
        // Not UTF-8: hostlint refuses it before any YAML reader sees it (and libyaml too).
        if let Ok(text) = std::str::from_utf8(chunk.text) {
            out.push(Doc {
                what: what.to_string(),
                text: text.to_string(),
                first_line: chunk.first_line,
            });
        }
    }
}

/// Compares hostlint's readers (the one linting uses, and the full reader alone) with libyaml.
fn compare(docs: &[Doc], tally: &mut Tally) {
    let limits = Limits::default();
    for batch in docs.chunks(4000) {
        let texts: Vec<&str> = batch.iter().map(|d| d.text.as_str()).collect();
        let theirs = libyaml(&texts);
        for (d, lib) in batch.iter().zip(theirs) {
            tally.documents += 1;
            let chunk = hostlint::parse::yaml::Chunk {
                text: d.text.as_bytes(),
                first_line: d.first_line,
            };
            let linted: Result<Vec<J>, _> = parse_chunk(chunk, &limits)
                .into_iter()
                .map(|r| r.map(|doc| canonical(&doc.root)))
                .collect();
            let slow: Result<Vec<J>, _> = read_slow(&d.text, d.first_line, &limits)
                .into_iter()
                .map(|r| r.map(|n| canonical(&n)))
                .collect();
            let here = format!("{} (document at line {})", d.what, d.first_line);
            for (reader, ours) in [("linting", &linted), ("full reader", &slow)] {
                match (ours, lib.get("docs"), lib.get("error")) {
                    (Ok(ours), Some(J::Array(docs)), _) => {
                        if ours != docs {
                            tally.disagreements.push(format!(
                                "{here}: {reader} reads\n  {}\nlibyaml reads\n  {}\n{}",
                                J::Array(ours.clone()),
                                J::Array(docs.clone()),
                                d.text
                            ));
                        }
                    }
                    (Err(e), _, Some(err)) => {
                        // Reported at libyaml's problem or at the construct it names as left open.
                        let line = |k: &str| {
                            err.get(k)
                                .and_then(J::as_u64)
                                .map(|l| l as u32 + d.first_line - 1)
                        };
                        let lines = [line("line"), line("context_line")];
                        if lines[0].is_some() && !lines.contains(&Some(e.pos.line)) {
                            tally.disagreements.push(format!(
                                "{here}: {reader} refuses at line {} ({}), libyaml at {:?}: {}\n{}",
                                e.pos.line, e.message, lines, err, d.text
                            ));
                        }
                    }
                    (Ok(ours), _, err) => tally.disagreements.push(format!(
                        "{here}: {reader} accepts ({} documents), libyaml refuses: {err:?}\n{}",
                        ours.len(),
                        d.text
                    )),
                    (Err(e), _, _) => tally.disagreements.push(format!(
                        "{here}: {reader} refuses at {}:{} ({}), libyaml accepts\n{}",
                        e.pos.line, e.pos.col, e.message, d.text
                    )),
                }
            }
            if lib.get("error").is_some() {
                tally.refused += 1;
            }
        }
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_symlink() {
            continue;
        }
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

fn check_files(files: &[PathBuf], tally: &mut Tally) {
    let mut docs = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        tally.files += 1;
        docs_of(&f.display().to_string(), &bytes, &mut docs);
    }
    compare(&docs, tally);
}

fn report(what: &str, tally: &Tally) {
    eprintln!(
        "{what}: {} files, {} documents ({} refused by libyaml), {} disagreements",
        tally.files,
        tally.documents,
        tally.refused,
        tally.disagreements.len()
    );
    assert!(
        tally.disagreements.is_empty(),
        "{} disagreements with libyaml; the first ones:\n\n{}",
        tally.disagreements.len(),
        tally.disagreements[..tally.disagreements.len().min(60)].join("\n\n")
    );
}

/// The repository's YAML and the shared corpus.
#[test]
fn our_yaml_and_the_corpus_read_as_libyaml_reads_them() {
    if !libyaml_available() {
        return;
    }
    let mut files = Vec::new();
    for dir in ["fixtures", "examples", "tests/data", "deploy", ".github"] {
        yaml_files(&root().join(dir), &mut files);
    }
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        yaml_files(&corpus, &mut files);
    } else {
        println!("skipped: ../shared/corpus is absent (only the repository's YAML is compared)");
    }
    let mut tally = Tally::default();
    check_files(&files, &mut tally);
    assert!(tally.documents > 100, "only {} documents", tally.documents);
    report("repository and corpus", &tally);
}

/// Hand-written cases: what Kubernetes accepts that a stricter YAML 1.2 reader refuses, and what
/// libyaml refuses.
#[test]
fn known_leniencies_and_refusals_match_libyaml() {
    if !libyaml_available() {
        return;
    }
    let cases = [
        // multi-line quoted scalars with continuation lines at or left of the key
        "spec:\n  containers:\n  - name: c\n    command: ['sh', '-c', 'echo a;\n      echo b;\n  echo c']\n",
        "spec:\n  config: '{\n  \"cniVersion\": \"0.3.1\",\n  \"type\": \"macvlan\"\n}'\n",
        "a:\n  b: \"one\ntwo\n   three\"\n",
        // flow collections closing at the key's own indentation, or left of it
        "spec:\n  args: [\n    \"--a\",\n    \"--b\"\n  ]\n",
        "a:\n  b: [\nx, y\n]\n  c: {\np: 1\n  }\n",
        "- [a,\nb]\n",
        // refusals
        "a:\n  b: [x, y\n  c: 1\nd: 2\n",
        "a: 1\nb: \"abc\nc: 1\n",
        "a: 1\n b: 2\n",
        "a:\n  - x\n  y: 1\n",
        "a: 1\na: 2\n",
        "a: 1\n\"a\": 2\n",
        "a: 1\n'01': 2\n1: 3\n",
        "a: *nope\n",
        "a:\tb\n",
        "key: [a, b]]\n",
        // block scalars at the end of a text without a final line break
        "f: |\n  a",
        "f: |+\n  a\n  ",
        "f: |+\n  a\n ",
        "f: |-\n  a\n",
        "f: >\n  a\n  b",
        "f: |\n  a\n    ",
        "- |+\n a\n\n ",
        // merges, anchors redefined, YAML 1.1 scalars
        "b: &x {p: 1}\nc:\n  <<: *x\n  q: 2\nd: &x [1]\ne: *x\n",
        "a: [yes, No, on, y, ~, null, 0x1F, 0o17, 017, 0b11, +5, -0, 1_000, 1.5, .inf, 2001-12-14]\n",
        "'a': \"b\\x41\\u00e9\\/\"\n",
        "%YAML 1.1\n---\na: 1\n",
        "--- |\n  top\n",
        "a: b # c\n# d\n",
        "? [a, b]\n: c\n",
    ];
    let mut docs = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        docs_of(&format!("case {i}"), c.as_bytes(), &mut docs);
    }
    let mut tally = Tally::default();
    compare(&docs, &mut tally);
    report("cases", &tally);
    assert!(tally.refused >= 8, "the refusals should be refused");
}

/// Deterministic mutations of real documents: acceptance and values still agree.
#[test]
fn mutated_documents_read_as_libyaml_reads_them() {
    if !libyaml_available() {
        return;
    }
    let seeds = [
        include_str!("../examples/web-deployment.yaml"),
        include_str!("../examples/node-agent-daemonset.yaml"),
        include_str!("../examples/log-shipper-acl.yaml"),
        "a: [b, \"c\", {d: e}]\nf: |\n  x\n\n  y\ng:\n- h\n- i: j\n  k: 'l'\n",
        "a: 'x\n  y'\nb: [\n  1,\n  \"2\"\n]\nc: &a {p: q}\nd: *a\ne: >-\n  f\n\n  g\n",
    ];
    let alphabet = b" \n-:#'\"|>[]{},a1+&*!?\t";
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut docs = Vec::new();
    for round in 0..6000 {
        let mut doc = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 3 {
            let at = (next() % (doc.len() as u64 + 1)) as usize;
            let c = alphabet[(next() % alphabet.len() as u64) as usize];
            match next() % 4 {
                0 if at < doc.len() => {
                    doc.remove(at);
                }
                1 if at < doc.len() => doc[at] = c,
                2 => doc.truncate(at),
                _ => doc.insert(at, c),
            }
        }
        docs_of(&format!("mutation {round}"), &doc, &mut docs);
    }
    let mut tally = Tally::default();
    compare(&docs, &mut tally);
    report("mutations", &tally);
}

/// Real manifests gathered outside the repository (`HOSTLINT_YAML_CORPUS=dir:dir`).
#[test]
fn external_manifests_read_as_libyaml_reads_them() {
    let Some(dirs) = std::env::var_os("HOSTLINT_YAML_CORPUS") else {
        println!("skipped: HOSTLINT_YAML_CORPUS is not set (no external manifests to compare)");
        eprintln!("skipped: HOSTLINT_YAML_CORPUS is not set (no external manifests to compare)");
        return;
    };
    if !libyaml_available() {
        return;
    }
    let mut files = Vec::new();
    for d in std::env::split_paths(&dirs) {
        yaml_files(&d, &mut files);
    }
    let mut tally = Tally::default();
    check_files(&files, &mut tally);
    report("external manifests", &tally);
}
