//! Fixtures ↔ markers: every `fixtures/<rule>/` file is linted; each line marked
//! `# expect: <rule>[@column][, ...]` (or `// expect: ...`) must get exactly those findings, and no
//! finding of the fixture's rule (or of a rule its markers name) may appear anywhere else.
//! `pass*` files carry no markers and must stay silent for their rule. A file whose name contains
//! `all-pools` is linted with `--all-pools`; one whose name contains `host-<name>` is linted for that
//! host profile (`--host`), and `ci-<mode>` sets its code integrity (`--code-integrity`). A marker's severity is the rule's default unless it
//! names another after the column: `rule@col(info)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hostlint::discover::Kind;
use hostlint::{Config, lint_bytes};

/// (line, rule) → the (column, severity) expected there (`None` column: any column; `None`
/// severity: the rule's default).
type Expected = BTreeMap<(u32, String), Vec<(Option<u32>, Option<String>)>>;

fn markers(text: &str) -> Expected {
    let mut out = Expected::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("expect:") else {
            continue;
        };
        let before = line[..at].trim_end();
        if !(before.ends_with('#') || before.ends_with("//")) {
            continue;
        }
        for item in line[at + "expect:".len()..].split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (item, severity) = match item.strip_suffix(')').and_then(|i| i.split_once('(')) {
                Some((i, s)) => (i.trim(), Some(s.trim().to_string())),
                None => (item, None),
            };
            let (rule, col) = match item.split_once('@') {
                Some((r, c)) => (
                    r.trim(),
                    Some(c.trim().parse::<u32>().expect("column after @")),
                ),
                None => (item, None),
            };
            out.entry((i as u32 + 1, rule.to_string()))
                .or_default()
                .push((col, severity));
        }
    }
    out
}

fn fixture_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    dirs.sort_by_key(|e| e.file_name());
    for dir in dirs {
        let rule = dir.file_name().to_string_lossy().to_string();
        let mut entries: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        files.extend(entries.into_iter().map(|p| (rule.clone(), p)));
    }
    files
}

/// The host a fixture is linted for: `host-<name>` and `ci-<mode>` in its file name.
fn fixture_host(name: &str) -> hostlint::host::Hosts {
    let word = |prefix: &str| {
        name.split(['.', '-'])
            .collect::<Vec<_>>()
            .windows(2)
            .find(|w| w[0] == prefix)
            .map(|w| w[1].to_string())
    };
    let host = word("host").unwrap_or_else(|| "acl".into());
    let mut profile = (*hostlint::host::profile::named(&host)
        .unwrap_or_else(|| panic!("{name}: no host profile `{host}`")))
    .clone();
    if let Some(mode) = word("ci") {
        let value = hostlint::parse::node::Node::scalar(
            mode,
            hostlint::parse::node::Style::Plain,
            hostlint::source::Span::default(),
        );
        profile
            .set("code_integrity", &value, "fixture name")
            .unwrap();
    }
    hostlint::host::Hosts::new(profile)
}

fn check_fixture(rule: &str, path: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let text = std::fs::read_to_string(path).unwrap();
    let expected = markers(&text);
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    if name.starts_with("pass") && !expected.is_empty() {
        problems.push(format!(
            "{}: a pass fixture carries expect markers",
            path.display()
        ));
    }
    if name.starts_with("fail") && expected.is_empty() {
        problems.push(format!(
            "{}: a fail fixture without expect markers",
            path.display()
        ));
    }
    let config = Config {
        all_pools: name.contains("all-pools"),
        hosts: fixture_host(&name),
        ..Config::default()
    };
    let kind = Kind::from_path(path).unwrap_or_else(|| Kind::sniff(text.as_bytes()));
    let file: Arc<str> = Arc::from(path.display().to_string());
    let report = lint_bytes(&file, text.as_bytes(), kind, &config);
    for e in &report.errors {
        problems.push(format!(
            "{}:{:?}:{:?}: unexpected input error: {}",
            path.display(),
            e.line,
            e.column,
            e.message
        ));
    }
    let mut watched: Vec<String> = vec![rule.to_string()];
    watched.extend(expected.keys().map(|(_, r)| r.clone()));
    let mut remaining = expected.clone();
    for f in report
        .findings
        .iter()
        .filter(|f| f.counts() && watched.iter().any(|w| w == f.rule))
    {
        let (line, col) = (f.span.start.line, f.span.start.col);
        let key = (line, f.rule.to_string());
        let default = hostlint::rules::by_name(f.rule).map(|r| r.severity.as_str());
        let slot = remaining.get_mut(&key).and_then(|cols| {
            let i = cols.iter().position(|(c, s)| {
                c.is_none_or(|c| c == col) && s.as_deref().or(default) == Some(f.severity.as_str())
            })?;
            Some(cols.remove(i))
        });
        if slot.is_none() {
            problems.push(format!(
                "{}:{line}:{col}: unexpected {} ({}): {}",
                path.display(),
                f.rule,
                f.severity,
                f.message
            ));
        }
    }
    for ((line, r), cols) in remaining {
        for (c, s) in cols {
            let at = c.map(|c| format!(":{c}")).unwrap_or_default();
            let sev = s.map(|s| format!(" ({s})")).unwrap_or_default();
            problems.push(format!(
                "{}:{line}{at}: expected {r}{sev}, not reported",
                path.display()
            ));
        }
    }
    problems
}

#[test]
fn fixtures_match_their_markers() {
    let files = fixture_files();
    assert!(
        files.len() >= 20,
        "fixtures/ holds too few files: {}",
        files.len()
    );
    let problems: Vec<String> = files
        .iter()
        .flat_map(|(rule, p)| check_fixture(rule, p))
        .collect();
    assert!(
        problems.is_empty(),
        "{} fixture problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let files = fixture_files();
    let mut missing = Vec::new();
    for rule in hostlint::rules::RULES {
        let of_rule: Vec<_> = files
            .iter()
            .filter(|(r, _)| r == rule.name)
            .map(|(_, p)| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        if !of_rule.iter().any(|n| n.starts_with("fail"))
            || !of_rule.iter().any(|n| n.starts_with("pass"))
        {
            missing.push(rule.name);
        }
    }
    assert!(
        missing.is_empty(),
        "rules without fail*/pass* fixtures: {missing:?}"
    );
}

#[test]
fn the_harness_catches_a_wrong_line() {
    // A marker one line off must be a problem, or the harness proves nothing.
    let dir = std::env::temp_dir().join(format!("hostlint-harness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("fail.yaml");
    std::fs::write(&p, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}  # expect: host-pid\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n").unwrap();
    let problems = check_fixture("host-pid", &p);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(problems.len(), 2, "{problems:?}");
}
