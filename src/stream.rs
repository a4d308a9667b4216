//! YAML files read as streams: one document at a time from disk, documents of a batch linted in
//! parallel, so that a 64 MiB `helm template` stream never sits in memory whole.

use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;

use crate::parse::yaml::{Chunk, OwnedChunk, read_chunks};
use crate::source::{FileName, Pos};
use crate::{Config, InputError, Report, decode_bom, lint_yaml_chunk};

/// Documents are linted in batches of about this many bytes (the memory bound of a stream).
const BATCH_BYTES: usize = 4 << 20;

pub fn lint_yaml_file(name: &FileName, path: &Path, config: &Config) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            report
                .errors
                .push(InputError::whole(name, format!("cannot read: {e}")));
            return report;
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    match reader.fill_buf() {
        Ok(head) => match decode_bom(head) {
            Ok(rest) => {
                let bom = head.len() - rest.len();
                reader.consume(bom);
            }
            Err(msg) => {
                report
                    .errors
                    .push(InputError::at(name, Pos::new(1, 1), msg));
                return report;
            }
        },
        Err(e) => {
            report
                .errors
                .push(InputError::whole(name, format!("cannot read: {e}")));
            return report;
        }
    }
    let mut batch: Vec<OwnedChunk> = Vec::new();
    let mut batch_bytes = 0usize;
    let limit = config.limits.max_document_bytes;
    let flush = |batch: &mut Vec<OwnedChunk>, report: &mut Report| {
        let parts: Vec<Report> = batch
            .par_iter()
            .map(|c| lint_owned(name, c, config))
            .collect();
        for p in parts {
            report.absorb(p);
        }
        batch.clear();
    };
    let read = read_chunks(reader, limit, |chunk| {
        batch_bytes += chunk.bytes.len();
        batch.push(chunk);
        if batch_bytes >= BATCH_BYTES {
            flush(&mut batch, &mut report);
            batch_bytes = 0;
        }
    });
    flush(&mut batch, &mut report);
    if let Err(e) = read {
        report
            .errors
            .push(InputError::whole(name, format!("cannot read: {e}")));
    }
    if report.objects == 0 && report.errors.is_empty() {
        report
            .skipped
            .push((name.clone(), "no Kubernetes or ARM object".into()));
    }
    report
}

fn lint_owned(name: &FileName, chunk: &OwnedChunk, config: &Config) -> Report {
    let mut report = Report::default();
    if chunk.oversized {
        report.errors.push(InputError::at(
            name,
            Pos::new(chunk.first_line, 1),
            format!(
                "document is over the {} MiB limit for one document; skipped to its end",
                config.limits.max_document_bytes >> 20
            ),
        ));
        return report;
    }
    lint_yaml_chunk(
        name,
        Chunk {
            text: &chunk.bytes,
            first_line: chunk.first_line,
        },
        config,
        &mut report,
    );
    report
}
