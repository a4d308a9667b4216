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
