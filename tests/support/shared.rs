//! `shared/` beside (or above) the checkout: the real corpus and schemas that some tests read in place.
//!
//! When it is absent the test says so on the terminal and returns: libtest hides a passing test's
//! `eprintln!`, so "skipped: ..." is written to stderr directly and shows between the dots. In CI
//! (`CI=true`) an absent `shared/` fails the test instead: a CI run that silently skipped the corpus
//! would pass without having checked it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `shared/<sub>` in the nearest directory above the crate that has it, or `None` after saying what is
/// skipped (`what`); panics in CI.
pub fn shared(sub: &str, what: &str) -> Option<PathBuf> {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        let c = dir.join("shared").join(sub);
        if c.exists() {
            return Some(c);
        }
        if !dir.pop() {
            break;
        }
    }
    let missing = format!(
        "shared/{sub} not found above {}",
        env!("CARGO_MANIFEST_DIR")
    );
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "{missing}: CI=true, so {what} must run (lay shared/ beside the checkout)"
    );
    let _ = writeln!(std::io::stderr().lock(), "skipped: {what}: {missing}");
    None
}
