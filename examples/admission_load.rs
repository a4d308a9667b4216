//! A bounded load run against the admission webhook (a benchmark, not a test):
//!
//! ```text
//! cargo run --release --example admission_load -- [REQUESTS] [CONNECTIONS] [SERVER_WORKERS]
//! ```
//!
//! Starts `hostlint serve` in-process on 127.0.0.1 with a fresh self-signed certificate, opens
//! CONNECTIONS keep-alive TLS connections (default 64), sends REQUESTS AdmissionReviews in all
//! (default 20 000; every other one a DaemonSet with findings, the rest a clean Deployment, all in
//! deny mode so both the allowed and the denied paths run), and prints requests/s, p50/p99/max
//! latency and the number of failed requests. The client runs on the same machine and shares its
//! cores with the server, so the numbers are a floor.
//!
//! With `HOSTLINT_LOAD_ADDR=127.0.0.1:PORT` and `HOSTLINT_LOAD_CA=ca.crt` (PEM; the server
//! certificate must name `localhost`) it loads an already running `hostlint serve --mode deny
//! --fail-on warning` instead, so client and server can run at different priorities
//! (`bench/admission-load.sh` does that).
//!
//! `admission_load soak SECONDS RATE` (with those two variables; `bench/soak.sh` runs it) is the
//! soak: valid reviews paced at RATE per second, mixed with hostile traffic (see [`soak`]).

#[path = "../tests/support/https.rs"]
mod https;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hostlint::admission::{Mode, Policy};
use hostlint::rules::Severity;
use hostlint::serve::{Options, Server};
use serde_json::json;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("soak") {
        return soak::run();
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: REQUESTS CONNECTIONS WORKERS"))
        .collect();
    let total = args.first().copied().unwrap_or(20_000);
    let conns = args.get(1).copied().unwrap_or(64).max(1);
    let workers = args.get(2).copied().unwrap_or(0);

    let bodies = Arc::new([review("risky", daemonset()), review("clean", deployment())]);
    engine_only(&bodies);

    let dir = std::env::temp_dir().join(format!("hostlint-load-{}", std::process::id()));
    let (server, addr, client) = match (
        std::env::var("HOSTLINT_LOAD_ADDR"),
        std::env::var("HOSTLINT_LOAD_CA"),
    ) {
        (Ok(addr), Ok(ca)) => {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let pem = std::fs::read(&ca).expect("HOSTLINT_LOAD_CA");
            let der = CertificateDer::from_pem_slice(&pem).expect("a PEM certificate");
            (
                None,
                addr.parse().expect("HOSTLINT_LOAD_ADDR"),
                https::client_config(&der),
            )
        }
        _ => {
            std::fs::create_dir_all(&dir).unwrap();
            let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
            std::fs::write(dir.join("tls.crt"), ck.cert.pem()).unwrap();
            std::fs::write(dir.join("tls.key"), ck.signing_key.serialize_pem()).unwrap();
            let server = Server::start(Options {
                listen: "127.0.0.1:0".parse().unwrap(),
                tls_cert: dir.join("tls.crt"),
                tls_key: dir.join("tls.key"),
                policy: Policy {
                    mode: Mode::Deny,
                    fail_on: Some(Severity::Warning),
                },
                workers,
                ..Options::default()
            })
            .unwrap();
            let addr = server.local_addr();
            (Some(server), addr, https::client_config(ck.cert.der()))
        }
    };

    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..conns)
        .map(|_| {
            let (next, failed, bodies, client) =
                (next.clone(), failed.clone(), bodies.clone(), client.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut conn = https::Conn::connect(addr, &client).expect("connect");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let t = Instant::now();
                    let ok = match conn.post_json(&bodies[i % 2]) {
                        Ok(r) => {
                            r.status == 200 && r.json()["response"]["allowed"] == json!(i % 2 == 1)
                        }
                        Err(_) => {
                            conn = https::Conn::connect(addr, &client).expect("reconnect");
                            false
                        }
                    };
                    lat.push(t.elapsed());
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    if let Some(server) = server {
        server.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }

    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{} requests over {} connections in {:.2} s: {:.0} reviews/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} failed",
        lat.len(),
        conns,
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(*lat.last().unwrap()),
        failed.load(Ordering::Relaxed)
    );
}

/// The engine alone (no TLS, no HTTP): what one review costs on one core.
fn engine_only(bodies: &[Vec<u8>; 2]) {
    let policy = Policy {
        mode: Mode::Deny,
        fail_on: Some(Severity::Warning),
    };
    let config = hostlint::Config::default();
    let n = 2000;
    let t = Instant::now();
    for i in 0..n {
        let r = hostlint::admission::review(&bodies[i % 2], &config, &policy).expect("review");
        std::hint::black_box(serde_json::to_vec(&r.response).unwrap());
    }
    let per = t.elapsed() / n as u32;
    println!(
        "engine only: {:.1} µs per review ({} and {} byte requests)",
        per.as_secs_f64() * 1e6,
        bodies[0].len(),
        bodies[1].len()
    );
}

fn review(uid: &str, object: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "apps", "version": "v1", "kind": object["kind"]},
            "operation": "CREATE",
            "namespace": "bench",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": object,
            "dryRun": false
        }
    }))
    .unwrap()
}

/// A node agent shaped like the ones the corpus holds: host namespaces, host mounts.
fn daemonset() -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "node-agent", "namespace": "bench", "labels": {"app": "node-agent"}},
        "spec": {
            "selector": {"matchLabels": {"app": "node-agent"}},
            "template": {
                "metadata": {"labels": {"app": "node-agent"}},
                "spec": {
                    "hostPID": true, "hostNetwork": true,
                    "containers": [{
                        "name": "agent", "image": "example.com/agent:1.0",
                        "command": ["nsenter", "--mount=/proc/1/ns/mnt", "--", "sh", "-c", "apt-get install -y open-iscsi"],
                        "securityContext": {"privileged": true},
                        "volumeMounts": [
                            {"name": "root", "mountPath": "/host"},
                            {"name": "docker", "mountPath": "/var/run/docker.sock"},
                            {"name": "modules", "mountPath": "/lib/modules", "readOnly": true}
                        ],
                        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}
                    }],
                    "volumes": [
                        {"name": "root", "hostPath": {"path": "/"}},
                        {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                        {"name": "modules", "hostPath": {"path": "/lib/modules"}}
                    ]
                }
            }
        }
    })
}

fn deployment() -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "bench", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{
                        "name": "nginx", "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}],
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                        "securityContext": {"runAsNonRoot": true, "readOnlyRootFilesystem": true}
                    }]
                }
            }
        }
    })
}

/// The soak run: for SECONDS, valid reviews (the DaemonSet and Deployment above, alternately) paced
/// at RATE per second over keep-alive connections, while other threads send hostile traffic:
/// ARM templates whose variables fan out, Pods with ~3 MiB `sh -c` scripts, bodies that declare
/// 3 MiB and stop sending, and thousands of idle connections (TLS never started). It checks every
/// valid answer (status 200, the request's own `uid`, the right verdict or an explicit "not
/// checked") and its latency, and prints a summary; the exit code is 1 when any valid review went
/// unanswered, got a wrong uid, or took longer than the deadline.
mod soak {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    /// A valid review must be answered within this (the webhook's deadline plus transport).
    const DEADLINE: Duration = Duration::from_millis(2500);
    const VALID_CONNS: usize = 24;
    const IDLE_CONNS: usize = 2000;
    const STALLED_CONNS: usize = 64;

    #[derive(Default)]
    struct Tally {
        sent: AtomicUsize,
        ok: AtomicUsize,
        unchecked: AtomicUsize,
        wrong_uid: AtomicUsize,
        wrong_verdict: AtomicUsize,
        failed: AtomicUsize,
        late: AtomicUsize,
        hostile_sent: AtomicUsize,
        hostile_answered: AtomicUsize,
        hostile_refused: AtomicUsize,
        hostile_dropped: AtomicUsize,
        idle_open: AtomicUsize,
        latencies: Mutex<Vec<Duration>>,
    }

    pub fn run() {
        let args: Vec<u64> = std::env::args()
            .skip(2)
            .map(|a| a.parse().expect("numbers: SECONDS RATE"))
            .collect();
        let secs = args.first().copied().unwrap_or(300);
        let rate = args.get(1).copied().unwrap_or(1000).max(1);
        let addr: SocketAddr = std::env::var("HOSTLINT_LOAD_ADDR")
            .expect("HOSTLINT_LOAD_ADDR")
            .parse()
            .expect("HOSTLINT_LOAD_ADDR");
        let client = {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let pem = std::fs::read(std::env::var("HOSTLINT_LOAD_CA").expect("HOSTLINT_LOAD_CA"))
                .expect("HOSTLINT_LOAD_CA");
            https::client_config(&CertificateDer::from_pem_slice(&pem).expect("a PEM certificate"))
        };
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(AtomicBool::new(false));
        let until = Instant::now() + Duration::from_secs(secs);
        let mut threads = Vec::new();

        // Valid reviews, paced: connection k sends its n-th review at start + (n*CONNS + k)/rate.
        let period = Duration::from_secs_f64(VALID_CONNS as f64 / rate as f64);
        for k in 0..VALID_CONNS {
            let (tally, client) = (tally.clone(), client.clone());
            threads.push(std::thread::spawn(move || {
                let bodies = [deployment(), daemonset()];
                let start = Instant::now() + Duration::from_secs_f64(k as f64 / rate as f64);
                let mut conn = None;
                let mut lat = Vec::new();
                for n in 0.. {
                    let at = start + period * n;
                    if at >= until {
                        break;
                    }
                    if let Some(wait) = at.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let uid = format!("valid-{k}-{n}");
                    let denied = n % 2 == 1;
                    let body = review(&uid, bodies[n as usize % 2].clone());
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let answer = (|| {
                        if conn.is_none() {
                            conn = Some(https::Conn::connect(addr, &client)?);
                        }
                        conn.as_mut().unwrap().post_json(&body)
                    })();
                    let took = t.elapsed();
                    match answer {
                        Ok(r) if r.status == 200 => {
                            let j: serde_json::Value =
                                serde_json::from_slice(&r.body).unwrap_or_default();
                            let resp = &j["response"];
                            if resp["uid"] != json!(uid) {
                                tally.wrong_uid.fetch_add(1, Ordering::Relaxed);
                            } else if resp["warnings"].as_array().is_some_and(|w| {
                                w.iter().any(|w| {
                                    w.as_str()
                                        .is_some_and(|w| w.starts_with("hostlint: not checked"))
                                })
                            }) {
                                tally.unchecked.fetch_add(1, Ordering::Relaxed);
                            } else if resp["allowed"] != json!(!denied) {
                                tally.wrong_verdict.fetch_add(1, Ordering::Relaxed);
                            } else {
                                tally.ok.fetch_add(1, Ordering::Relaxed);
                            }
                            if took > DEADLINE {
                                tally.late.fetch_add(1, Ordering::Relaxed);
                            }
                            lat.push(took);
                        }
                        _ => {
                            tally.failed.fetch_add(1, Ordering::Relaxed);
                            conn = None;
                        }
                    }
                }
                tally.latencies.lock().unwrap().extend(lat);
            }));
        }

        // Hostile reviews: fan-out templates (twice a second), ~3 MiB scripts (once a second).
        for (name, every, body) in [
            (
                "fanout",
                Duration::from_millis(500),
                review("fanout", fan_out_template(40)),
            ),
            (
                "script",
                Duration::from_secs(1),
                review("script", big_script_pod(3 << 20)),
            ),
        ] {
            let (tally, client, stop) = (tally.clone(), client.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                // Keep-alive, like the API server: reconnect only when the server closed it.
                let mut conn: Option<https::Conn> = None;
                while !stop.load(Ordering::Relaxed) {
                    tally.hostile_sent.fetch_add(1, Ordering::Relaxed);
                    let answer = (|| {
                        if conn.is_none() {
                            conn = Some(https::Conn::connect(addr, &client)?);
                        }
                        conn.as_mut().unwrap().post_json(&body)
                    })();
                    if answer.is_err() {
                        conn = None;
                    }
                    match answer {
                        Ok(r) if r.status == 200 => {
                            let j: serde_json::Value =
                                serde_json::from_slice(&r.body).unwrap_or_default();
                            if j["response"]["uid"] != json!(name) {
                                tally.wrong_uid.fetch_add(1, Ordering::Relaxed);
                            }
                            tally.hostile_answered.fetch_add(1, Ordering::Relaxed)
                        }
                        Ok(_) => tally.hostile_refused.fetch_add(1, Ordering::Relaxed),
                        Err(_) => tally.hostile_dropped.fetch_add(1, Ordering::Relaxed),
                    };
                    std::thread::sleep(every);
                }
            }));
        }

        // Bodies that never finish: declare 3 MiB, send 1 MiB, stall; reopen when cut off.
        for _ in 0..STALLED_CONNS {
            let (tally, client, stop) = (tally.clone(), client.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                let chunk = vec![b' '; 1 << 20];
                while !stop.load(Ordering::Relaxed) {
                    tally.hostile_sent.fetch_add(1, Ordering::Relaxed);
                    let Ok(mut c) = https::Conn::connect(addr, &client) else {
                        tally.hostile_dropped.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    };
                    let head = format!(
                        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"apiVersion\":",
                        3 << 20
                    );
                    let sent = c.tls.write_all(head.as_bytes()).and_then(|_| c.tls.write_all(&chunk)).and_then(|_| c.tls.flush());
                    match sent.and_then(|_| c.read_response()) {
                        Ok(r) if r.status == 200 => tally.hostile_answered.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => tally.hostile_refused.fetch_add(1, Ordering::Relaxed),
                        Err(_) => tally.hostile_dropped.fetch_add(1, Ordering::Relaxed),
                    };
                }
            }));
        }

        // Idle connections: TCP only, TLS never started; reopened as the server closes them.
        {
            let (tally, stop) = (tally.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                // The other clients connect first, as the API server's pool would have.
                std::thread::sleep(Duration::from_secs(2));
                let mut idle: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let mut buf = [0u8; 16];
                    idle.retain_mut(|s| matches!(s.read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock));
                    // Reopen at most 100 a round, so this thread is a crowd, not a connect storm.
                    for _ in 0..(IDLE_CONNS - idle.len()).min(100) {
                        match TcpStream::connect(addr) {
                            Ok(s) => {
                                let _ = s.set_nonblocking(true);
                                idle.push(s);
                            }
                            Err(_) => break,
                        }
                    }
                    tally.idle_open.store(idle.len(), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(250));
                }
            }));
        }

        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(500));
        }
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        let t = &*tally;
        let mut lat = std::mem::take(&mut *t.latencies.lock().unwrap());
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len().max(1)) - 1)
                .copied()
                .unwrap_or_default()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let n = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        println!(
            "soak {secs} s at {rate}/s: valid sent {}, ok {}, not checked {}, wrong uid {}, wrong verdict {}, unanswered {}, over {} ms {}; latency p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            n(&t.sent),
            n(&t.ok),
            n(&t.unchecked),
            n(&t.wrong_uid),
            n(&t.wrong_verdict),
            n(&t.failed),
            DEADLINE.as_millis(),
            n(&t.late),
            ms(pct(0.50)),
            ms(pct(0.99)),
            ms(pct(0.999)),
            ms(lat.last().copied().unwrap_or_default()),
        );
        println!(
            "hostile: sent {}, answered {}, refused (4xx/5xx) {}, cut off {}; idle connections held at the end {}",
            n(&t.hostile_sent),
            n(&t.hostile_answered),
            n(&t.hostile_refused),
            n(&t.hostile_dropped),
            n(&t.idle_open)
        );
        if n(&t.failed) + n(&t.wrong_uid) + n(&t.late) + n(&t.wrong_verdict) > 0 {
            std::process::exit(1);
        }
    }

    /// An ARM template whose variables each use the previous one twice: 2^depth strings if expanded.
    fn fan_out_template(depth: usize) -> serde_json::Value {
        let mut vars = serde_json::Map::new();
        vars.insert("v0".into(), json!("abcdefgh"));
        for i in 1..=depth {
            vars.insert(
                format!("v{i}"),
                json!(format!(
                    "[concat(variables('v{}'), variables('v{}'))]",
                    i - 1,
                    i - 1
                )),
            );
        }
        json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "kind": "Template",
            "metadata": {"name": "fanout"},
            "variables": vars,
            "resources": [{
                "type": "Microsoft.ContainerService/managedClusters",
                "apiVersion": "2024-05-01",
                "name": "[variables('v40')]",
                "location": "westeurope",
                "properties": {"agentPoolProfiles": [{"name": "pool", "vmSize": format!("[variables('v{depth}')]"), "osSKU": "[variables('v30')]"}]}
            }]
        })
    }

    /// A Pod whose `sh -c` script is about `bytes` long (ordinary commands, one per line).
    pub fn big_script_pod(bytes: usize) -> serde_json::Value {
        let mut script = String::with_capacity(bytes);
        let mut i = 0;
        while script.len() + 120 < bytes - (64 << 10) {
            script.push_str(&format!(
                "mkdir -p /opt/app/d{i} && cp /etc/conf{i} /opt/app/d{i}/ && echo step {i} >> /tmp/log\n"
            ));
            i += 1;
        }
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "big-script", "namespace": "bench"},
            "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", script]}]}
        })
    }
}
