//! `hostlint review` / the webhook handler on arbitrary request bodies, in both modes.
#![no_main]

use hostlint::admission::{Mode, Policy, review};
use hostlint::rules::Severity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = hostlint::Config::default();
    for mode in [Mode::Warn, Mode::Deny] {
        let _ = review(data, &config, &Policy { mode, fail_on: Some(Severity::Warning) });
    }
});
