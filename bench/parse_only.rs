//! The floor for `bench/run.sh`: the same YAML layer (document split, then span-exact trees from the
//! fast reader, libyaml where it declines) over a file, on one thread, with no model and no
//! rules. hostlint's own throughput is compared with this.
//!
//! usage: cargo run --release --example parse_only -- FILE

use std::io::BufRead;

use hostlint::parse::Limits;
use hostlint::parse::yaml::{Chunk, parse_chunk};

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_only FILE");
    let file = std::fs::File::open(&path).expect("open");
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let limits = Limits::default();
    let (mut docs, mut nodes, mut doc, mut first_line, mut line_no) =
        (0usize, 0usize, Vec::new(), 1u32, 0u32);
    let mut line = Vec::new();
    let mut flush = |doc: &mut Vec<u8>, first_line: u32| {
        for d in parse_chunk(
            Chunk {
                text: doc,
                first_line,
            },
            &limits,
        )
        .into_iter()
        .flatten()
        {
            docs += 1;
            nodes += d.root.count();
        }
        doc.clear();
    };
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).expect("read");
        if n == 0 {
            break;
        }
        line_no += 1;
        if line.starts_with(b"---") && !doc.is_empty() {
            flush(&mut doc, first_line);
            first_line = line_no;
        }
        doc.extend_from_slice(&line);
    }
    flush(&mut doc, first_line);
    println!("{docs} documents, {nodes} nodes");
}
