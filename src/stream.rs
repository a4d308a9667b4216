//! YAML files read as streams: one document at a time from disk, documents of a batch linted in
//! parallel, so that a 64 MiB `helm template` stream never sits in memory whole.

use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;

use crate::parse::budget::Budget;
use crate::parse::yaml::{Chunk, OwnedChunk, read_chunks};
use crate::source::{FileName, Pos};
use crate::{Config, InputError, Report, decode_bom, lint_yaml_chunk, report_cuts};

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
    let size = file.metadata().map_or(0, |m| m.len());
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
    let limit = config.limits.max_document_bytes;
    // One budget for the whole file: a stream of many small alias or fan-out bombs adds up.
    let budget = Budget::new(&config.limits);
    let mut lint_batch = |batch: Vec<OwnedChunk>| {
        let parts: Vec<Report> = batch
            .par_iter()
            .map(|c| lint_owned(name, c, config, &budget))
            .collect();
        for p in parts {
            report.absorb(p);
        }
    };
    let read = if size > 2 * BATCH_BYTES as u64 {
        // A large stream: one thread reads and cuts the next batch while the pool lints this one.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::scope(|s| {
            let reading = s.spawn(move || {
                read_batches(reader, limit, |batch| {
                    // The receiver lives until this thread is joined, so a send cannot fail.
                    let _ = tx.send(batch);
                })
            });
            rx.into_iter().for_each(&mut lint_batch);
            reading
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the reading thread stopped")))
        })
    } else {
        read_batches(reader, limit, lint_batch)
    };
    if let Err(e) = read {
        report
            .errors
            .push(InputError::whole(name, format!("cannot read: {e}")));
    }
    report_cuts(name, &budget, &mut report);
    if report.objects == 0 && report.errors.is_empty() {
        report
            .skipped
            .push((name.clone(), "no Kubernetes or ARM object".into()));
    }
    report
}

/// Reads a stream's documents and hands them on in batches of about [`BATCH_BYTES`].
fn read_batches<R: BufRead>(
    reader: R,
    limit: usize,
    mut on_batch: impl FnMut(Vec<OwnedChunk>),
) -> std::io::Result<()> {
    let mut batch = Vec::new();
    let mut batch_bytes = 0usize;
    let read = read_chunks(reader, limit, |chunk| {
        batch_bytes += chunk.bytes.len();
        batch.push(chunk);
        if batch_bytes >= BATCH_BYTES {
            on_batch(std::mem::take(&mut batch));
            batch_bytes = 0;
        }
    });
    if !batch.is_empty() {
        on_batch(batch);
    }
    read
}

fn lint_owned(name: &FileName, chunk: &OwnedChunk, config: &Config, budget: &Budget) -> Report {
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
        budget,
        &mut report,
    );
    report
}
