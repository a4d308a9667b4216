//! Reading inputs under a cap: files, FIFOs and devices named on the command line, and stdin.
//!
//! YAML is read as a stream: one document at a time, documents of a batch linted in parallel, so that a
//! 64 MiB `helm template` stream never sits in memory whole. Every other kind is one document that its
//! parser needs whole; it is read only up to [`ReadLimits::max_file_bytes`]. Nothing is read past a cap,
//! and a file found while walking is opened without blocking and read only when it is a regular file.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Duration;

use rayon::prelude::*;

use crate::discover::{Kind, Skip, io_message};
use crate::parse::budget::Budget;
use crate::parse::yaml::{Chunk, OwnedChunk, read_chunks};
use crate::source::{FileName, LineIndex, Pos};
use crate::{Config, InputError, Report, decode_bom, lint_yaml_chunk, report_cuts};

/// Documents are linted in batches of about this many bytes (the memory bound of a stream).
const BATCH_BYTES: usize = 4 << 20;

/// How a cap's message names the option that raises it for a run.
pub const RAISE: &str = " (`--max-document-size` raises the limit)";

/// How many bytes are read ahead to sniff the kind and tell text from binary data.
const HEAD_BYTES: u64 = 8 << 10;

/// Caps on reading one input (SPEC: Inputs; issue 17 §2).
#[derive(Clone, Debug)]
pub struct ReadLimits {
    /// The most bytes read from one input that is parsed whole (JSON, Bicep, Terraform, shell, Markdown).
    pub max_file_bytes: u64,
    /// The most bytes read from one YAML stream (read a document at a time: memory stays bounded by
    /// the document cap; this bounds the time a never-ending device or pipe can take).
    pub max_stream_bytes: u64,
    /// How long a FIFO or device named on the command line may take to deliver its first byte.
    pub first_byte_wait: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_file_bytes: 32 << 20,
            max_stream_bytes: 1 << 30,
            first_byte_wait: Duration::from_secs(10),
        }
    }
}

fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Lints a file named or found. `special`: named on the command line and not a regular file (a FIFO,
/// a device, `<(command)`), read like stdin under the same caps. A file found while walking that is not
/// (or no longer) regular is skipped unread.
pub fn lint_file(
    name: &FileName,
    path: &Path,
    kind: Option<Kind>,
    special: bool,
    config: &Config,
) -> Report {
    let fail = |message: String| {
        let mut r = Report::default();
        r.errors.push(InputError::whole(name, message));
        r
    };
    let file = match open(path) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot read: {}", io_message(&e))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return fail(format!("cannot read: {}", io_message(&e))),
    };
    if meta.is_dir() {
        return fail("is a directory".into());
    }
    let limits = &config.read;
    if !meta.is_file() {
        if !special {
            let mut r = Report::default();
            r.skipped
                .push((name.clone(), Skip::NotRegular("a special file")));
            return r;
        }
        if let Err(e) = wait_readable(&file, limits.first_byte_wait) {
            return fail(e);
        }
        return lint_reader(name, file, None, kind, true, config);
    }
    let size = meta.len();
    let cap = match kind {
        Some(Kind::Yaml) => limits.max_stream_bytes,
        Some(_) => limits.max_file_bytes,
        None => limits.max_stream_bytes.max(limits.max_file_bytes),
    };
    if size > cap {
        return fail(over_cap(size, cap, cap == limits.max_file_bytes));
    }
    lint_reader(name, file, Some(size), kind, false, config)
}

/// The refusal of an input over `cap` bytes (unread).
/// `raise`: the cap is the one `--max-document-size` sets, so the message says how to lift it.
fn over_cap(size: u64, cap: u64, raise: bool) -> String {
    format!(
        "file is {size} bytes, over the {} limit for one input; not read{}",
        mib(cap),
        if raise { RAISE } else { "" }
    )
}

/// Reads a whole regular file that is read beside an input (a Terraform module's other files and
/// variable files, a template's parameter files) or as part of a project (the template itself),
/// under the cap of an input parsed whole: a larger file is refused by its size, unread, with the
/// same message as [`lint_file`]'s; a file that is not regular is not read.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read: {}", io_message(&e));
    let file = open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err("not a regular file; not read".into());
    }
    if meta.len() > cap {
        return Err(over_cap(meta.len(), cap, true));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        // It grew since its size was read.
        return Err(over_cap(bytes.len() as u64, cap, true));
    }
    Ok(bytes)
}

/// [`read_capped`] for text: a file that is not UTF-8 is an error too.
pub fn read_text_capped(path: &Path, cap: u64) -> Result<String, String> {
    String::from_utf8(read_capped(path, cap)?)
        .map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()))
}

/// Opens a file for reading without blocking: opening a FIFO with no writer returns at once.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Waits until a non-regular file has something to read (or its writer is gone), then makes its reads
/// blocking again. Never longer than `wait`: a FIFO nobody writes to is an error, not a hang.
fn wait_readable(file: &std::fs::File, wait: Duration) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let deadline = std::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
            // SAFETY: one valid pollfd, for the duration of the call.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n > 0 {
                break;
            }
            if n == 0 {
                return Err(format!(
                    "nothing to read after {} s (a FIFO with no writer?); not read",
                    wait.as_secs()
                ));
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(format!("cannot read: {e}"));
            }
        }
        // SAFETY: F_GETFL/F_SETFL on a descriptor this file owns.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (file, wait);
    Ok(())
}

/// Lints what a reader holds: the head is read to sniff the kind (when the name says none) and to refuse
/// binary data, then YAML is streamed and other kinds read whole, each under its cap. `piped`: the input
/// is stdin or a pipe, where nothing to read is an error and a template is not skipped (it should have
/// been rendered before the pipe).
pub fn lint_reader(
    name: &FileName,
    reader: impl Read + Send,
    size: Option<u64>,
    kind: Option<Kind>,
    piped: bool,
    config: &Config,
) -> Report {
    let mut reader = reader;
    let fail = |pos: Option<Pos>, message: String| {
        let mut r = Report {
            files: 1,
            ..Report::default()
        };
        r.errors.push(match pos {
            Some(p) => InputError::at(name, p, message),
            None => InputError::whole(name, message),
        });
        r
    };
    let mut head = Vec::with_capacity(HEAD_BYTES as usize);
    if let Err(e) = (&mut reader).take(HEAD_BYTES).read_to_end(&mut head) {
        return fail(None, format!("cannot read: {}", io_message(&e)));
    }
    if piped && head.iter().all(u8::is_ascii_whitespace) && (head.len() as u64) < HEAD_BYTES {
        return fail(
            None,
            "no input: did the command writing to it fail?".to_string(),
        );
    }
    if let Err(msg) = decode_bom(&head) {
        return fail(Some(Pos::new(1, 1)), msg);
    }
    if let Some(at) = memchr::memchr(0, &head) {
        let text = String::from_utf8_lossy(&head[..at]);
        return fail(
            Some(LineIndex::new(&text).pos(text.len())),
            "binary data (a NUL byte), not text; not read".into(),
        );
    }
    let kind = kind.unwrap_or_else(|| Kind::sniff(&head));
    let reader = std::io::Cursor::new(head).chain(reader);
    if kind == Kind::Yaml {
        return lint_yaml_stream(name, reader, size, piped, config);
    }
    let cap = config.read.max_file_bytes;
    let mut bytes = Vec::with_capacity(size.map_or(1 << 16, |s| s.min(cap) as usize));
    match reader.take(cap + 1).read_to_end(&mut bytes) {
        Err(e) => fail(None, format!("cannot read: {}", io_message(&e))),
        Ok(_) if bytes.len() as u64 > cap => {
            drop(bytes);
            fail(
                None,
                format!(
                    "over the {} limit for one {} input; not read{RAISE}",
                    mib(cap),
                    kind.name()
                ),
            )
        }
        Ok(_) => crate::scan_bytes(name, &bytes, kind, !piped, config),
    }
}

/// A reader that stops with [`std::io::ErrorKind::FileTooLarge`] when its source goes on past `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::ErrorKind::FileTooLarge.into()),
            };
        }
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Lints a YAML stream a document at a time (see the module doc).
fn lint_yaml_stream(
    name: &FileName,
    reader: impl Read + Send,
    size: Option<u64>,
    piped: bool,
    config: &Config,
) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    let cap = config.read.max_stream_bytes;
    let mut reader = BufReader::with_capacity(
        1 << 16,
        Capped {
            inner: reader,
            left: cap,
        },
    );
    // The head was checked for UTF-16 already; a UTF-8 byte order mark is dropped here.
    match reader.fill_buf() {
        Ok(head) if head.starts_with(b"\xEF\xBB\xBF") => reader.consume(3),
        Ok(_) => {}
        Err(e) => {
            report.errors.push(InputError::whole(
                name,
                format!("cannot read: {}", io_message(&e)),
            ));
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
    let read = if size.is_none_or(|s| s > 2 * BATCH_BYTES as u64) {
        // A large or unknown stream: one thread reads and cuts the next batch while the pool lints this one.
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
        let message = if e.kind() == std::io::ErrorKind::FileTooLarge {
            format!(
                "over the {} limit for one input: stopped reading there (the documents before it were linted)",
                mib(cap)
            )
        } else {
            format!("cannot read: {}", io_message(&e))
        };
        report.errors.push(InputError::whole(name, message));
    }
    // A document that does not parse and carries `{{ }}` makes the file a template: skipped, not wrong.
    let templated = report.skipped.iter().any(|(_, s)| *s == Skip::Template);
    report.skipped.retain(|(_, s)| *s != Skip::Template);
    if templated && !piped {
        return Report {
            files: 1,
            skipped: vec![(name.clone(), Skip::Template)],
            ..Report::default()
        };
    }
    report_cuts(name, &budget, &mut report);
    if report.objects == 0 && report.errors.is_empty() {
        report.skipped.push((name.clone(), Skip::NoObjects));
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
                "document is over the {} limit for one document; skipped to its end{RAISE}",
                mib(config.limits.max_document_bytes as u64)
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
    if !report.errors.is_empty() && is_template(&chunk.bytes) {
        report.skipped.push((name.clone(), Skip::Template));
    }
    report
}

/// Whether text carries a template action: `{{` followed later by `}}` (Go templates, Jinja).
pub(crate) fn is_template(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"{{")
        .is_some_and(|i| memchr::memmem::find(&bytes[i + 2..], b"}}").is_some())
}
