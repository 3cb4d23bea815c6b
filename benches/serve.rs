//! `cargo bench --bench serve`: `pactum serve` under load. The real binary (the bench
//! profile's) is started on a free loopback port; 32 clients (threads) send 10,000 requests
//! in all, one TCP connection each (as the tests' client does, `tests/common/http.rs`),
//! cycling through every example proposal of the standard library for `/api/check` (with
//! repairs, marks and time line: what the page asks on each keystroke), with an
//! `/api/explain` and an `/api/timeline` in every ten. Prints the errors (any answer but a
//! 200), the throughput and the latency percentiles; `docs/performance.md` has the figures.
//!
//! Optional arguments (after `--`): requests and clients, e.g. `cargo bench --bench serve --
//! 10000 32`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What `tests/common/http.rs` needs of `tests/common/mod.rs`.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[path = "../tests/common/http.rs"]
#[allow(dead_code, reason = "the tests use more of it")]
mod http;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(10_000);
    let clients = args.get(1).copied().unwrap_or(32).max(1);
    let server = http::Server::start(&["--as-of", "2026-11-29"]);
    let examples = server.get("/api/examples").json();
    let mut requests: Vec<(&str, Value)> = Vec::new();
    for (i, e) in examples.as_array().unwrap().iter().enumerate() {
        let text = e["text"].as_str().unwrap();
        requests.push(("/api/check", json!({"text": text, "name": e["name"]})));
        if i % 5 == 0 {
            requests.push(("/api/timeline", json!({"text": text})));
            let step =
                server.post("/api/check", &json!({"text": text})).json()["steps"][0]["id"].clone();
            requests.push(("/api/explain", json!({"text": text, "step": step})));
        }
    }
    let bodies: Vec<(&str, Vec<u8>)> = requests
        .iter()
        .map(|(p, b)| (*p, b.to_string().into_bytes()))
        .collect();
    // Warm up: every request once.
    for (path, body) in &bodies {
        let a = server.send("POST", path, &[("Content-Type", "application/json")], body);
        assert_eq!(a.status, 200, "{path}");
    }
    let next = AtomicUsize::new(0);
    let errors = AtomicUsize::new(0);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (server, bodies, next, errors) = (&server, &bodies, &next, &errors);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            return mine;
                        }
                        let (path, body) = &bodies[i % bodies.len()];
                        let t = Instant::now();
                        let a = server.send(
                            "POST",
                            path,
                            &[("Content-Type", "application/json")],
                            body,
                        );
                        mine.push(t.elapsed());
                        if a.status != 200 {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "{total} requests from {clients} clients ({} kinds of request): {} errors, {:.1} s, {:.0} requests/s",
        bodies.len(),
        errors.load(Ordering::Relaxed),
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64()
    );
    println!(
        "latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
}
