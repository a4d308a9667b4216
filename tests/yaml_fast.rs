//! The fast YAML reader (src/parse/yaml_fast.rs) against libyaml (src/parse/libyaml.rs): wherever
//! the fast reader accepts a document, its tree must equal libyaml's exactly (values, styles, every
//! span); where it declines, libyaml reads the document. Checked on every YAML file we have, on the shared corpus, on
//! hand-written cases for each construct, and on thousands of deterministic mutations.

use std::path::{Path, PathBuf};

use hostlint::parse::Limits;
use hostlint::parse::node::{Node, Value};
use hostlint::parse::yaml::{read_fast, read_slow, split};

/// Compares the two readers on every document of `src`; returns (accepted, declined).
fn compare(src: &str, what: &str) -> (usize, usize) {
    let limits = Limits::default();
    let (mut accepted, mut declined) = (0, 0);
    for chunk in split(src.as_bytes()) {
        let Ok(text) = std::str::from_utf8(chunk.text) else {
            continue;
        };
        match read_fast(text, chunk.first_line, &limits) {
            None => declined += 1,
            Some(fast) => {
                accepted += 1;
                let slow: Result<Vec<Node>, _> = read_slow(text, chunk.first_line, &limits)
                    .into_iter()
                    .collect();
                match slow {
                    Ok(slow) => assert!(
                        fast == slow,
                        "{what}: the readers differ (chunk at line {}): {}\n{text}",
                        chunk.first_line,
                        first_diff(&fast, &slow, "")
                    ),
                    Err(e) => panic!(
                        "{what}: the fast reader accepted what libyaml refuses ({e:?}):\n{text}"
                    ),
                }
            }
        }
    }
    (accepted, declined)
}

/// Where two document lists first differ, as a path and the two nodes' heads.
fn first_diff(fast: &[Node], slow: &[Node], at: &str) -> String {
    if fast.len() != slow.len() {
        return format!("{at}: {} nodes here, libyaml {}", fast.len(), slow.len());
    }
    for (i, (f, s)) in fast.iter().zip(slow).enumerate() {
        let here = format!("{at}/{i}");
        let head = |n: &Node| {
            let v = match &n.value {
                Value::Scalar(t, st) => format!("{t:?} {st:?}"),
                Value::Seq(items) => format!("seq of {}", items.len()),
                Value::Map(m) => format!("map of {}", m.len()),
            };
            let (a, b) = (n.span.start, n.span.end);
            format!("{v} at {}:{}-{}:{}", a.line, a.col, b.line, b.col)
        };
        if head(f) != head(s) {
            return format!("{here}: fast {} / libyaml {}", head(f), head(s));
        }
        let d = match (&f.value, &s.value) {
            (Value::Seq(a), Value::Seq(b)) => first_diff(a, b, &here),
            (Value::Map(a), Value::Map(b)) => {
                let flat = |m: &[(Node, Node)]| {
                    m.iter()
                        .flat_map(|(k, v)| [k.clone(), v.clone()])
                        .collect::<Vec<_>>()
                };
                first_diff(&flat(a), &flat(b), &here)
            }
            _ => String::new(),
        };
        if !d.is_empty() {
            return d;
        }
    }
    String::new()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "md")
        {
            out.push(p);
        }
    }
}

#[path = "support/shared.rs"]
mod support;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every construct the fast reader claims, each of which it must accept (so a regression that
/// makes it decline everything fails here) and read exactly as libyaml does.
#[test]
fn each_construct_is_read_as_libyaml_reads_it() {
    let cases = [
        "a: 1\n",
        "a: 1",
        "a: x # comment\nb: 'it''s'  # c\nc: \"q\\t\\u00e9\\\"\"  \n",
        "a:\nb:  # c\nc: ~\n",
        "m:\n  x: 1\n  # c\n\n  y:\n    - p\nn: 2\n",
        "l:\n- 1\n- k: v\n  k2: v2\ne:\n",
        "l:\n  - a\n  - - b\n    - c\n  # mid\n  -   d\n",
        "l:\n-\n- # c\n-  \n  x\n",
        "- a\n- b\n",
        "- - a\n  - b\n-   k: v\n    j: w\n",
        "---\na: 1\n",
        "--- # c\na: 1\n",
        "---\n",
        "# only a comment\n",
        "\n\n# c\n\na: 1\n\n# trailing\n",
        "f: |\n  line\n\n# c\ng: 1\n",
        "x:\n  f: |\n    a\n  b: 1\n",
        "f: |\n\n  a\n\n\nb: 1\n",
        "f: |\nb: 1\n",
        "f: >\n  a\n  b\n\n  c\n",
        "f: >-\n  a\n  b\n",
        "f: |+\n  a\n\n",
        "f: |-\n  a\n\n",
        "f: |  # c\n  #!/bin/sh\n  echo hi # not a comment\n",
        "- |\n  a\n- >\n  b\n",
        "g: [a, \"b\", {c: d}]\n",
        "a: [ \"b\" , c ]\n",
        "a: {\"b\": c, 'd': [1, 2,], e: {}}\n",
        "a: [[x]  , {y: z} ]\n",
        "a: []  # c\nb: {}\n",
        "args: [\"--port=8080\", --v=2, http://x:80/y]\n",
        "\"k\": v\n'j':\n  x: 1\n",
        "p: a b:c #d\nq: x#y\nr: -1\ns: --flag\nt: a[0]\n",
        "image: ghcr.io/acme/api:1.2.3\ncmd: echo a:b\n",
        "  a: 1\n  b: 2\n",
        "spec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n",
        "esc: \"\\x41\\U0001F600\\\\\\/\\0\"\n",
    ];
    for (i, case) in cases.iter().enumerate() {
        let (accepted, declined) = compare(case, &format!("case {i}"));
        assert!(
            declined == 0 && (accepted > 0 || case.trim().starts_with('#')),
            "case {i} should be read by the fast reader:\n{case}"
        );
    }
}

/// What the fast reader leaves to libyaml, so that libyaml's messages and rules apply.
#[test]
fn everything_else_is_left_to_libyaml() {
    let cases = [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "%YAML 1.2\n",
        "a: 1\n...\n",
        "...",
        "d:\n  s: |\n   x\n   ",
        "f: |\n  a",
        "...  # end\n",
        "? a\n: b\n",
        "a: multi\n  line\n",
        "a: \"multi\n  line\"\n",
        "a: [1,\n  2]\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "a: caf\u{e9}\n",
        "<<: {a: 1}\n",
        "a: b: c\n",
        "a: - b\n",
        "a:\n    b: 1\n  c: 2\n",
        "f: |2\n   a\n",
        "f: >\n  a\n    more\n  b\n",
        "[a]: b\n",
        "a: {b}\n",
        "a: [b: c]\n",
        "a: {b: c,}\n",
        "a: {b :{c: d}}\n",
        "a: [sh, c -, d]\n",
        "a: @x\n",
        "a: \"\\q\"\n",
        "\"a\\",
        "'a''",
        "a: 1\n- b\n",
        "- a\nb: 1\n",
    ];
    // Nesting near the limit: the libyaml path reports it (found by the yaml_paths fuzzer).
    let deep_map: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let deep = [
        "- ".repeat(300) + "x\n",
        deep_map,
        format!("a: {}{}\n", "[".repeat(300), "]".repeat(300)),
    ];
    for case in cases.iter().copied().chain(deep.iter().map(String::as_str)) {
        let (accepted, _) = compare(case, case);
        assert_eq!(accepted, 0, "the fast reader should decline:\n{case}");
    }
}

/// The repository's own YAML (fixtures, examples, test data, deploy/) and the shared corpus.
#[test]
fn every_yaml_file_we_have_reads_the_same() {
    let mut files = Vec::new();
    for dir in ["fixtures", "examples", "tests/data", "deploy"] {
        yaml_files(&root().join(dir), &mut files);
    }
    if let Some(corpus) = support::shared("corpus", "the corpus half of this comparison") {
        yaml_files(&corpus, &mut files);
    }
    let (mut accepted, mut declined) = (0, 0);
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        let (a, d) = compare(&src, &f.display().to_string());
        accepted += a;
        declined += d;
    }
    eprintln!(
        "{} files: {accepted} documents read fast, {declined} left to libyaml",
        files.len()
    );
    assert!(
        accepted > 4 * declined,
        "the fast reader declines too much: {accepted} accepted, {declined} declined"
    );
}

/// Deterministic mutations of real documents: every one the fast reader accepts must match.
#[test]
fn mutated_documents_read_the_same() {
    let seeds = [
        include_str!("../examples/web-deployment.yaml"),
        include_str!("../examples/node-agent-daemonset.yaml"),
        "a: [b, \"c\", {d: e}]\nf: |\n  x\n\n  y\ng:\n- h\n- i: j\n  k: 'l'\n",
    ];
    let alphabet = b" \n-:#'\"|>[]{},a1+";
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    for round in 0..20000 {
        let mut doc = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 3 {
            let at = (next() % (doc.len() as u64 + 1)) as usize;
            let c = alphabet[(next() % alphabet.len() as u64) as usize];
            match next() % 3 {
                0 if at < doc.len() => {
                    doc.remove(at);
                }
                1 if at < doc.len() => doc[at] = c,
                _ => doc.insert(at, c),
            }
        }
        let src = String::from_utf8(doc).unwrap();
        accepted += compare(&src, &format!("mutation {round}")).0;
    }
    assert!(accepted > 1000, "only {accepted} mutations read fast");
}
