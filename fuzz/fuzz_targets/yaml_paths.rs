//! Differential: wherever the fast YAML reader accepts a document, its tree (values, styles and
//! every span) must equal libyaml's, and libyaml must accept it too.
#![no_main]

use hostlint::parse::Limits;
use hostlint::parse::yaml::{read_fast, read_slow, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for chunk in split(data) {
        let Ok(text) = std::str::from_utf8(chunk.text) else {
            continue;
        };
        if let Some(fast) = read_fast(text, chunk.first_line, &limits) {
            let slow: Vec<_> = read_slow(text, chunk.first_line, &limits)
                .into_iter()
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("fast reader accepted what libyaml refuses: {e:?}"));
            assert!(fast == slow, "the readers differ on {text:?}");
        }
    }
});
