//! The rule catalogue stays honest: examples fire (and `Use instead:` does not), the generated
//! `rules/` docs match the code (`UPDATE_DOCS=1 cargo test` rewrites them), messages follow the
//! convention.

use std::path::Path;
use std::sync::Arc;

use hostlint::discover::Kind;
use hostlint::report::rules::{index_markdown, page};
use hostlint::rules::{Lang, RULES};
use hostlint::{Config, lint_bytes};

fn kind(lang: Lang) -> Kind {
    Kind::from_path(Path::new(&format!("x.{}", lang.extension()))).expect("a known extension")
}

fn findings_of(rule: &str, lang: Lang, text: &str) -> Vec<String> {
    let name: Arc<str> = Arc::from(format!("example.{}", lang.extension()));
    // ACL with code integrity enforced: `unsigned-host-executable` is silent while it is off, and
    // no other rule reads it.
    let mut acl = (*hostlint::host::profile::named("acl").unwrap()).clone();
    let enforce = hostlint::parse::node::Node::scalar(
        "enforce",
        hostlint::parse::node::Style::Plain,
        hostlint::source::Span::default(),
    );
    acl.set("code_integrity", &enforce, "tests/meta.rs")
        .unwrap();
    let config = Config {
        hosts: hostlint::host::Hosts::new(acl),
        ..Config::default()
    };
    let report = lint_bytes(&name, text.as_bytes(), kind(lang), &config);
    assert!(
        report.errors.is_empty(),
        "{rule}: example does not parse: {:?}",
        report.errors
    );
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.counts())
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn examples_fire_and_use_instead_does_not() {
    for r in RULES {
        let bad = findings_of(r.name, r.lang, r.example);
        assert!(!bad.is_empty(), "{}: the example does not fire", r.name);
        for m in &bad {
            assert!(
                !m.ends_with('.'),
                "{}: message ends with a period: {m}",
                r.name
            );
            assert!(
                !capitalised_word(m),
                "{}: message starts upper-case: {m}",
                r.name
            );
        }
        let good = findings_of(r.name, r.lang, r.use_instead);
        assert!(good.is_empty(), "{}: `use instead` fires: {good:?}", r.name);
    }
}

#[test]
fn rule_metadata_is_complete() {
    let mut names = std::collections::BTreeSet::new();
    for r in RULES {
        assert!(names.insert(r.name), "duplicate rule {}", r.name);
        assert!(
            r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: not kebab-case",
            r.name
        );
        for (field, text) in [
            ("summary", r.summary),
            ("what", r.what),
            ("why", r.why),
            ("fix", r.fix),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", r.name);
        }
        assert!(!r.references.is_empty(), "{}: no references", r.name);
        // Host rules cite their source; the suppression rules are about hostlint itself, the input
        // rules about the text it reads.
        if !r.tags.contains(&"suppression") && !r.tags.contains(&"input") {
            assert!(
                r.why.contains("HOST-FACTS"),
                "{}: `why` cites no HOST-FACTS source",
                r.name
            );
        }
        let p = page(r);
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## References",
        ] {
            assert!(p.contains(heading), "{}: page lacks {heading}", r.name);
        }
    }
}

#[test]
fn generated_rule_docs_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut wanted = vec![("README.md".to_string(), index_markdown())];
    wanted.extend(RULES.iter().map(|r| (format!("{}.md", r.name), page(r))));
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::remove_file(entry.path()).unwrap();
        }
        for (name, text) in &wanted {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &wanted {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let present = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for p in present {
        if !wanted.iter().any(|(n, _)| *n == p) {
            stale.push(format!("{p} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "rules/ docs are stale: {stale:?}; run `UPDATE_DOCS=1 cargo test --test meta`"
    );
}

/// `Found ...` breaks the lower-case convention; proper nouns such as `AppArmor`, `SELinux` or
/// `ConfigMap` (an upper-case letter inside the word) do not.
fn capitalised_word(message: &str) -> bool {
    let word = message.split(' ').next().unwrap_or("");
    let mut chars = word.chars();
    // `Found` is an ordinary word capitalised; `AppArmor`, `SELinux`, `VM`, `Arm64` and
    // `Kubernetes` are names.
    word != "Kubernetes"
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_lowercase())
}
