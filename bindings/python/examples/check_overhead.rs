//! The Rust side of the overhead measurement in docs/python.md: the same work as
//! `engine.check(text, as_of=..., name=...)` in Python (read the proposal, check it,
//! serialize the report), timed over many runs, without Python.
//!
//! ```sh
//! cargo run --release --locked --example check_overhead -- ../../policies/examples/caspian-shield.proposal 5000
//! ```

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "../../policies/examples/caspian-shield.proposal".to_string());
    let runs: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {path}");
        std::process::exit(2);
    };
    let engine = pactum::Engine::standard();
    let opts = pactum::CheckOptions {
        as_of: pactum::Date::parse("2026-11-29").ok(),
        ..pactum::CheckOptions::default()
    };
    let limits = pactum::Limits::default();
    let mut bytes = 0;
    let start = Instant::now();
    for _ in 0..runs {
        let source = pactum::SourceFile::new(path.as_str(), text.as_str());
        let report = match pactum::Proposal::load_source(source, &limits) {
            Ok(p) => engine.check_with(&p, &opts),
            Err(e) => pactum::Report::invalid(&path, None, e.into_vec()),
        };
        bytes += serde_json::to_string(&report).map_or(0, |s| s.len());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
    println!("rust: {per:.1} µs per check ({runs} runs, {bytes} bytes of JSON)");
}
