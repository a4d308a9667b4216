//! `hostlint serve`: the HTTPS validating webhook over [`crate::admission`].
//!
//! hyper 1 (HTTP/1.1 only: the API server speaks it to webhooks) on a small tokio runtime, TLS by
//! rustls with the ring provider. Routes: `POST /validate`, `GET /healthz`, `GET /readyz`,
//! `GET /metrics` (Prometheus text). The certificate is re-read when its files change (cert-manager
//! rotates them in place).
//!
//! The webhook never dies and always answers in time, because every resource a client can make it
//! hold is bounded, and overload is answered at once instead of queued (the API server waits at most
//! `timeoutSeconds`, then applies `failurePolicy` anyway):
//! - connections: at most `max_connections`; one more is closed at once (the API server fails over
//!   or fails open immediately rather than after its timeout); TLS handshake, headers and idle
//!   keep-alive each limited by `request_timeout`; hyper's buffers capped;
//! - memory: a body over 3 MiB is refused (413). Two budgets cover the bodies being read and the
//!   reviews' working sets, `small_memory_budget` for requests that declare at most 64 KiB (every
//!   ordinary review) and `memory_budget` for the rest, so that large or stalled bodies can never
//!   starve ordinary reviews: a body's bytes are reserved from `Content-Length` before a byte is
//!   read (over budget: 429 at once, no byte read, so no `uid` to answer to), and a review reserves
//!   [`REVIEW_BYTES_PER_BYTE`] times its body before it starts (over budget: an unchecked answer at
//!   once). With the connection cap this keeps a replica under its limit by construction, whatever
//!   mix of requests arrives;
//! - time and work: each review runs on its own blocking thread, at most `max_reviews` at once (plus
//!   `max_large_reviews` for bodies over 64 KiB, so a few big objects never starve ordinary ones);
//!   when no slot frees up within 100 ms, or the review is not done `deadline` after its body is in (the body
//!   itself has `body_timeout`: 2 + 2 s against the API server's 5), the answer is
//!   `allowed: true` with a warning saying it was not checked. An abandoned review keeps
//!   its slot and its bytes until it ends, so abandoned work can never pile up;
//! - memory after a burst: large bodies and trees go to `mmap` (returned on free) and the heap is
//!   trimmed after a large review (glibc), so a replica's resident size falls back after a burst.
//!
//! SIGTERM first fails `/readyz` while still serving (`shutdown_delay`, so endpoints move away before
//! the listener closes), then stops accepting and drains open connections for a grace period. SIGINT
//! (Ctrl-C at a terminal) stops at once.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::Config;
use crate::admission::{self, Outcome, Policy};

/// The API server's own request limit: a larger body is no AdmissionReview it would send.
pub const BODY_LIMIT: usize = 3 << 20;
/// Bodies above this are reviewed in the `max_large_reviews` slots.
pub const LARGE_BODY: usize = 64 << 10;

/// How the webhook runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub policy: Policy,
    pub config: Config,
    pub body_limit: usize,
    /// Time for the TLS handshake and for a request's headers; an idle keep-alive connection is
    /// closed after it too.
    pub request_timeout: Duration,
    /// Time to receive a request's body (also capped by `request_timeout`); 408 after it.
    pub body_timeout: Duration,
    /// Time for a review once its body is in: a review not done by then is answered
    /// `allowed: true` with a warning. With `body_timeout` it stays well under the webhook's
    /// `timeoutSeconds` (5 s in deploy/).
    pub deadline: Duration,
    /// Reviews of bodies up to [`LARGE_BODY`] running at once; more are answered unchecked at once.
    pub max_reviews: usize,
    /// Reviews of larger bodies running at once (they take the most memory).
    pub max_large_reviews: usize,
    /// Bytes that bodies of requests over [`LARGE_BODY`] (or of unknown length) and their
    /// reviews' working sets may hold together (see [`REVIEW_BYTES_PER_BYTE`]): a body over it
    /// gets 429, a review over it an unchecked answer.
    pub memory_budget: usize,
    /// The same for requests that declare at most [`LARGE_BODY`].
    pub small_memory_budget: usize,
    /// How long open connections may finish after SIGTERM.
    pub grace: Duration,
    /// After SIGTERM, how long to keep serving with `/readyz` failing before the listener closes.
    pub shutdown_delay: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Runtime worker threads (0: one per core).
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([0, 0, 0, 0], 8443)),
            tls_cert: PathBuf::from("tls.crt"),
            tls_key: PathBuf::from("tls.key"),
            policy: Policy {
                mode: admission::Mode::Warn,
                fail_on: Some(crate::rules::Severity::Error),
            },
            config: Config::default(),
            body_limit: BODY_LIMIT,
            request_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(2),
            max_reviews: 6,
            max_large_reviews: 1,
            memory_budget: 68 << 20,
            small_memory_budget: 28 << 20,
            grace: Duration::from_secs(15),
            shutdown_delay: Duration::from_secs(5),
            max_connections: 256,
            workers: 0,
        }
    }
}

/// Runs the webhook until SIGTERM or SIGINT, then drains and returns.
pub fn run(options: Options) -> io::Result<()> {
    let server = Server::start(options)?;
    eprintln!(
        "hostlint: serving the admission webhook on https://{}",
        server.local_addr()
    );
    let interrupted = server.runtime.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = signal(SignalKind::terminate())?;
            tokio::select! {
                _ = term.recv() => io::Result::Ok(false),
                _ = tokio::signal::ctrl_c() => Ok(true),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await?;
            io::Result::Ok(true)
        }
    })?;
    if interrupted {
        // Ctrl-C at a terminal: nobody routes traffic here through endpoints; stop now.
        eprintln!("hostlint: interrupted, stopping");
        server.runtime.shutdown_background();
        return Ok(());
    }
    eprintln!("hostlint: shutting down");
    server.state.ready.store(false, Ordering::SeqCst);
    std::thread::sleep(server.state.options.shutdown_delay);
    server.shutdown();
    Ok(())
}

/// A running webhook (tests and `run` drive it).
pub struct Server {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept_loop: tokio::task::JoinHandle<()>,
    state: Arc<State>,
}

impl Server {
    /// Loads the certificate, binds the address and starts serving in the background.
    pub fn start(options: Options) -> io::Result<Server> {
        let resolver = Arc::new(ReloadingCert::load(&options.tls_cert, &options.tls_key)?);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(tls));

        tune_allocator();
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if options.workers > 0 {
            builder.worker_threads(options.workers);
        }
        let runtime = builder
            .enable_io()
            .enable_time()
            .thread_name("hostlint-webhook")
            // Reviews are the only blocking work, and their slots bound them already.
            .max_blocking_threads(options.max_reviews.max(1) + options.max_large_reviews.max(1))
            .build()?;
        let listen = options.listen;
        let std_listener = std::net::TcpListener::bind(listen)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}")))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let state = Arc::new(State {
            reviews: Arc::new(Semaphore::new(options.max_reviews.max(1))),
            large_reviews: Arc::new(Semaphore::new(options.max_large_reviews.max(1))),
            memory: Arc::new(Semaphore::new(
                options
                    .memory_budget
                    .clamp(options.body_limit, Semaphore::MAX_PERMITS),
            )),
            small_memory: Arc::new(Semaphore::new(
                options
                    .small_memory_budget
                    .clamp(LARGE_BODY, Semaphore::MAX_PERMITS),
            )),
            options,
            metrics: Metrics::default(),
            ready: AtomicBool::new(true),
        });
        let (stop, stopped) = watch::channel(false);
        let accept_loop = runtime.spawn(accept_loop(listener, acceptor, state.clone(), stopped));
        Ok(Server {
            runtime,
            addr,
            stop,
            accept_loop,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, fails `/readyz`, lets open connections finish (up to the grace period).
    pub fn shutdown(self) {
        self.state.ready.store(false, Ordering::SeqCst);
        let _ = self.stop.send(true);
        let _ = self.runtime.block_on(self.accept_loop);
        self.runtime.shutdown_timeout(Duration::from_secs(1));
    }
}

struct State {
    options: Options,
    metrics: Metrics,
    ready: AtomicBool,
    /// Review slots; a permit moves into the review's thread and is released when it ends.
    reviews: Arc<Semaphore>,
    large_reviews: Arc<Semaphore>,
    /// One permit per byte held by a body or a review's working set (large requests).
    memory: Arc<Semaphore>,
    /// The same for requests that declare at most [`LARGE_BODY`].
    small_memory: Arc<Semaphore>,
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(state.options.max_connections.max(1)));
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    eprintln!("hostlint: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        // At capacity, close at once: the API server then tries another replica or applies its
        // failurePolicy now, instead of waiting its whole timeout in our listen backlog.
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            state.metrics.request("connection_refused");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let state = state.clone();
        let timeout = state.options.request_timeout;
        // Take the watcher before the handshake so a drain waits for this connection too.
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                _ => return,
            };
            let st = state.clone();
            let service = service_fn(move |req| {
                let st = st.clone();
                async move { Ok::<_, Infallible>(handle(req, st).await) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                // Headers fit easily; bodies stream through in chunks. Bounds each connection's buffer.
                .max_buf_size(CONN_BUF)
                .serve_connection(TokioIo::new(tls), service);
            let _ = watcher.watch(conn).await;
        });
    }
    drop(listener);
    let grace = state.options.grace;
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
}

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Response<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n".into()),
        (&Method::GET, "/readyz") => {
            if state.ready.load(Ordering::SeqCst) {
                text(StatusCode::OK, "ok\n".into())
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".into())
            }
        }
        (&Method::GET, "/metrics") => {
            let mut r = text(StatusCode::OK, state.metrics.render());
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        (&Method::POST, "/validate") => validate(req, state).await,
        (_, "/healthz" | "/readyz" | "/metrics" | "/validate") => text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n".into(),
        ),
        _ => text(StatusCode::NOT_FOUND, "not found\n".into()),
    }
}

async fn validate(req: Request<Incoming>, state: Arc<State>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let m = &state.metrics;
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        m.request("unsupported_media_type");
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected `Content-Type: application/json`\n".into(),
        );
    }
    let limit = state.options.body_limit;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        m.request("too_large");
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over {limit} bytes\n"),
        );
    }
    // Reserve the body's bytes before reading any: its declared length (the API server always
    // sends one), or the whole limit for a chunked body.
    let reserve = declared.map_or(limit, |n| n as usize).max(1);
    let pool = if declared.is_some_and(|n| n <= LARGE_BODY as u64) {
        &state.small_memory
    } else {
        &state.memory
    };
    let Ok(mut bytes_permit) = pool
        .clone()
        .try_acquire_many_owned(u32::try_from(reserve).unwrap_or(u32::MAX))
    else {
        m.request("overloaded");
        let mut r = text(
            StatusCode::TOO_MANY_REQUESTS,
            "hostlint is busy reading other requests\n".into(),
        );
        r.headers_mut()
            .insert(hyper::header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    let body = Limited::new(req.into_body(), reserve.min(limit));
    let read_for = state
        .options
        .body_timeout
        .min(state.options.request_timeout);
    let body = match tokio::time::timeout(read_for, body.collect()).await {
        Err(_) => {
            m.request("timeout");
            return text(
                StatusCode::REQUEST_TIMEOUT,
                "request body too slow\n".into(),
            );
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            m.request("too_large");
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over {limit} bytes\n"),
            );
        }
        Ok(Err(e)) => {
            m.request("bad_request");
            return text(
                StatusCode::BAD_REQUEST,
                format!("cannot read the request body: {e}\n"),
            );
        }
        Ok(Ok(b)) => b.to_bytes(),
    };
    let deadline = tokio::time::Instant::now() + state.options.deadline;
    let large = body.len() > LARGE_BODY;
    let slots = if large {
        &state.large_reviews
    } else {
        &state.reviews
    };
    // A burst waits a moment for a slot (an ordinary review takes tens of microseconds); when
    // slots stay taken (slow reviews hold them), the answer comes now instead of at the API
    // server's timeout.
    let slot = tokio::time::timeout(SLOT_WAIT, slots.clone().acquire_owned()).await;
    let Ok(Ok(slot)) = slot else {
        let r = unchecked(&body, "too many reviews in flight", "overloaded", m);
        m.observe(started.elapsed());
        return r;
    };
    // The review's working set, on top of its body's bytes already held; never waited for (a
    // waiting large request would hold up every small one behind it in the semaphore's queue).
    let working_set = body.len().saturating_mul(REVIEW_BYTES_PER_BYTE - 1);
    match u32::try_from(working_set)
        .ok()
        .and_then(|n| pool.clone().try_acquire_many_owned(n).ok())
    {
        Some(more) => bytes_permit.merge(more),
        None => {
            let r = unchecked(
                &body,
                "not enough memory free for this review",
                "overloaded",
                m,
            );
            m.observe(started.elapsed());
            return r;
        }
    }
    let task = {
        let (state, body) = (state.clone(), body.clone());
        // The review runs on its own thread so that it can be abandoned at the deadline; it keeps
        // its slot and its body bytes until it really ends, so abandoned reviews cannot pile up.
        tokio::task::spawn_blocking(move || {
            let _held = (slot, bytes_permit);
            // The rules are pure functions of the tree; a panic in one must not take the server down.
            let reviewed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                admission::review(&body, &state.options.config, &state.options.policy)
            }));
            if large {
                release_memory();
            }
            reviewed
        })
    };
    let response = match tokio::time::timeout_at(deadline, task).await {
        Err(_) => unchecked(&body, "the review took too long", "deadline", m),
        Ok(Ok(Ok(Ok(r)))) => {
            m.request(r.outcome.as_str());
            m.findings(&r);
            json_response(&r.response)
        }
        Ok(Ok(Ok(Err(e)))) => {
            m.request("bad_request");
            text(StatusCode::BAD_REQUEST, format!("{e}\n"))
        }
        Ok(Ok(Err(_)) | Err(_)) => {
            m.request("error");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while reviewing\n".into(),
            )
        }
    };
    m.observe(started.elapsed());
    response
}

/// `allowed: true` with a warning that the object was not checked (overload, deadline), when the
/// body names a `uid` to answer to; 503 otherwise.
fn unchecked(body: &[u8], why: &str, outcome: &'static str, m: &Metrics) -> Response<Full<Bytes>> {
    m.request(outcome);
    match admission::not_checked(body, why) {
        Some(answer) => json_response(&answer),
        None => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("hostlint: {why}\n"),
        ),
    }
}

fn json_response(answer: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(
        serde_json::to_vec(answer).unwrap_or_default(),
    )));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// Peak memory of a review per byte of its body, measured (`/usr/bin/time -v hostlint review`,
/// release): ~32 for a Pod's `sh -c` script, the costliest content; 7 for a Pod of 8 000
/// containers, 3 for a large annotation.
pub const REVIEW_BYTES_PER_BYTE: usize = 32;

/// How long a review waits for a free slot before it is answered unchecked.
const SLOT_WAIT: Duration = Duration::from_millis(100);

/// hyper's per-connection read buffer cap (its floor is 8 KiB; the default ~400 KiB).
const CONN_BUF: usize = 16 << 10;

/// glibc only: serve large allocations (bodies, big trees) from `mmap`, which is returned to the
/// system on free, and keep to two arenas instead of eight per core (each thread's arena otherwise
/// holds on to what its last review freed).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_MMAP_THRESHOLD: i32 = -3;
        const M_ARENA_MAX: i32 = -8;
        // SAFETY: mallopt only changes allocator tunables; it is called before the runtime starts
        // any thread, and both values are within glibc's documented ranges.
        unsafe {
            glibc::mallopt(M_MMAP_THRESHOLD, 128 << 10);
            glibc::mallopt(M_ARENA_MAX, 2);
        }
    }
}

/// After a large review: give the heap's free pages back (glibc keeps them otherwise).
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only returns free memory to the system.
    unsafe {
        glibc::malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    unsafe extern "C" {
        pub fn mallopt(param: i32, value: i32) -> i32;
        pub fn malloc_trim(pad: usize) -> i32;
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Metrics {
    requests: Mutex<BTreeMap<&'static str, u64>>,
    findings: Mutex<BTreeMap<&'static str, u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    fn request(&self, outcome: &'static str) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry(outcome).or_default() += 1;
        }
    }

    fn findings(&self, review: &admission::Review) {
        if review.findings.is_empty() {
            return;
        }
        if let Ok(mut m) = self.findings.lock() {
            for f in &review.findings {
                *m.entry(f.rule).or_default() += 1;
            }
        }
    }

    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            d.as_micros().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str(
            "# HELP hostlint_admission_requests_total Admission review requests by outcome.\n",
        );
        out.push_str("# TYPE hostlint_admission_requests_total counter\n");
        let requests = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        let known = [
            Outcome::Allowed,
            Outcome::Warned,
            Outcome::Denied,
            Outcome::Unreadable,
        ]
        .map(Outcome::as_str);
        let mut all: BTreeMap<&str, u64> = known
            .iter()
            .chain(&["overloaded", "deadline"])
            .map(|k| (*k, 0))
            .collect();
        all.extend(requests);
        for (outcome, n) in all {
            let _ = writeln!(
                out,
                "hostlint_admission_requests_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP hostlint_admission_findings_total Findings reported by admission reviews, by rule.\n");
        out.push_str("# TYPE hostlint_admission_findings_total counter\n");
        for (rule, n) in self.findings.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(
                out,
                "hostlint_admission_findings_total{{rule=\"{rule}\"}} {n}"
            );
        }
        out.push_str("# HELP hostlint_admission_review_duration_seconds Time to read and review one admission request.\n");
        out.push_str("# TYPE hostlint_admission_review_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "hostlint_admission_review_duration_seconds_bucket{{le=\"{bound}\"}} {n}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "hostlint_admission_review_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "hostlint_admission_review_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "hostlint_admission_review_duration_seconds_count {count}"
        );
        out
    }
}

/// The serving certificate, re-read when either file's modification time changes (checked at most
/// once a second, on a handshake). A half-written rotation keeps the previous certificate.
#[derive(Debug)]
struct ReloadingCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: Mutex<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    key: Arc<CertifiedKey>,
    stamp: (Option<SystemTime>, Option<SystemTime>),
    checked: Instant,
}

impl ReloadingCert {
    fn load(cert_path: &Path, key_path: &Path) -> io::Result<Self> {
        let stamp = (mtime(cert_path), mtime(key_path));
        let key = read_certified_key(cert_path, key_path)?;
        Ok(ReloadingCert {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            current: Mutex::new(Loaded {
                key,
                stamp,
                checked: Instant::now(),
            }),
        })
    }

    fn current(&self) -> Option<Arc<CertifiedKey>> {
        let mut cur = self.current.lock().ok()?;
        if cur.checked.elapsed() >= Duration::from_secs(1) {
            cur.checked = Instant::now();
            let stamp = (mtime(&self.cert_path), mtime(&self.key_path));
            if stamp != cur.stamp {
                match read_certified_key(&self.cert_path, &self.key_path) {
                    Ok(key) => {
                        cur.key = key;
                        cur.stamp = stamp;
                        eprintln!(
                            "hostlint: reloaded the TLS certificate from {}",
                            self.cert_path.display()
                        );
                    }
                    // Mid-rotation (cert and key out of step): keep serving the old pair, retry next second.
                    Err(e) => eprintln!("hostlint: keeping the previous certificate: {e}"),
                }
            }
        }
        Some(cur.key.clone())
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current()
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn read_certified_key(cert_path: &Path, key_path: &Path) -> io::Result<Arc<CertifiedKey>> {
    let bad = |p: &Path, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", p.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .map_err(|e| bad(cert_path, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert_path, &e))?;
    if certs.is_empty() {
        return Err(bad(cert_path, &"no PEM certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| bad(key_path, &e))?;
    let signing =
        rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| bad(key_path, &e))?;
    let certified = CertifiedKey::new(certs, signing);
    // A cert from one rotation and a key from another would fail every handshake: refuse the pair.
    certified.keys_match().map_err(|e| bad(cert_path, &e))?;
    Ok(Arc::new(certified))
}
