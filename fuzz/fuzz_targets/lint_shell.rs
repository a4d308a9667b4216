//! The whole engine on arbitrary bytes read as Shell: parse, model, every rule, both reports.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hostlint::fuzz_one(data, hostlint::discover::Kind::Shell);
});
