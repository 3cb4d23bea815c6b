//! `cargo bench --bench lsp`: how fast `pactum lsp` answers a keystroke. The real binary
//! (the bench profile's) is driven over pipes with the JSON-RPC client of the tests
//! (`tests/common/lsp.rs`): a generated 1,000-step proposal is opened against the standard
//! library, then each sample is one keystroke (a character typed into, or deleted from, a
//! step's note: an incremental `didChange`) timed until its `publishDiagnostics` arrives.
//! Also timed: a keystroke in a policy file of a library (a copy of the standard library,
//! with the proposal open: the library is rebuilt and linted, and the proposal re-checked).
//! Prints the median and the 95th percentile; `docs/performance.md` has the figures.
//!
//! Optional arguments (after `--`): the number of steps and of keystrokes, e.g.
//! `cargo bench --bench lsp -- 1000 200`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

/// What `tests/common/lsp.rs` needs of `tests/common/mod.rs`.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(krate: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(krate)
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tests' JSON-RPC client.
#[path = "../tests/common/lsp.rs"]
#[allow(dead_code)]
mod lsp;

use lsp::{Client, position};

/// A proposal of `n` steps mixing the standard library's kinds; about a third violate a
/// rule.
fn proposal(n: usize) -> String {
    let mut s = String::from("proposal bench {\n  title: \"1,000 steps\"\n  date: 2026-09-15\n}\n");
    let states = [
        "turkey",
        "azerbaijan",
        "kazakhstan",
        "kyrgyzstan",
        "uzbekistan",
        "hungary",
    ];
    for i in 0..n {
        let a = states[i % states.len()];
        let b = states[(i / states.len() + 1) % states.len()];
        s.push_str(&match i % 6 {
            0 => format!("step s{i}: exercise {{\n  note: \"n\"\n  participants: [{a}, {b}]\n  area: caspian_sea\n}}\n"),
            1 => format!("step s{i}: training {{\n  note: \"n\"\n  parties: [{a}, {b}]\n  host: {a}\n}}\n"),
            2 => format!("step s{i}: transit_flight {{\n  note: \"n\"\n  operator: {a}\n  route: [{a}, georgia, {b}]\n  cargo: [equipment]\n  permits: [georgia]\n}}\n"),
            3 => format!("step s{i}: base {{\n  note: \"n\"\n  host: {a}\n  operators: [{b}]\n}}\n"),
            4 => format!("step s{i}: defense_pact {{\n  note: \"n\"\n  parties: [{a}, {b}]\n  mutual_defense: true\n}}\n"),
            _ => format!("step s{i}: intel_sharing {{\n  note: \"n\"\n  parties: [{a}, {b}]\n}}\n"),
        });
    }
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Types into the note at byte `at` of `uri`'s `text`: a character in, then out, and so on;
/// each keystroke timed until the document's diagnostics are published.
fn keystrokes(
    c: &mut Client,
    uri: &str,
    text: &str,
    at: usize,
    n: usize,
    version: &mut i64,
) -> Vec<Duration> {
    let pos = position(text, at);
    let after = json!({"line": pos["line"], "character": pos["character"].as_u64().unwrap() + 1});
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        *version += 1;
        let change = if k % 2 == 0 {
            json!({"range": {"start": pos, "end": pos}, "text": "x"})
        } else {
            json!({"range": {"start": pos, "end": after}, "text": ""})
        };
        c.forget();
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": *version}, "contentChanges": [change]}),
        );
        let diags = c.diagnostics(uri);
        out.push(t.elapsed());
        assert!(diags.len() < 100_000);
    }
    out.sort();
    out
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let steps = args.first().copied().unwrap_or(1000);
    let n = args.get(1).copied().unwrap_or(100);
    let text = proposal(steps);

    // Against the standard library (a proposal outside any library folder).
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    let uri = "file:///nonexistent-pactum-bench/bench.proposal";
    let t = Instant::now();
    c.open(uri, "pactum-proposal", &text);
    let first = c.diagnostics(uri);
    let open = t.elapsed();
    let at = text.rfind("note: \"n").unwrap() + "note: \"".len();
    let mut version = 1;
    let times = keystrokes(&mut c, uri, &text, at, n, &mut version);
    c.shutdown();

    // A keystroke in a policy file, with the proposal open in its library.
    let dir: PathBuf = scratch("lsp_bench", "library");
    for e in std::fs::read_dir(root().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let dir = dir.canonicalize().unwrap();
    let mut c = Client::start(&[]);
    c.initialize(json!({}));
    let puri = format!("file://{}", dir.join("bench.proposal").display());
    c.open(&puri, "pactum-proposal", &text);
    c.diagnostics(&puri);
    let policy: &Path = &dir.join("caspian.policy");
    let ptext = std::fs::read_to_string(policy).unwrap();
    let poluri = format!("file://{}", policy.display());
    c.open(&poluri, "pactum-policy", &ptext);
    c.diagnostics(&poluri);
    let mut pversion = 1;
    // Into the first comment: the library is rebuilt, linted, the proposal re-checked.
    let pat = ptext.find("// ").unwrap() + 3;
    let ptimes = keystrokes(&mut c, &poluri, &ptext, pat, (n / 5).max(5), &mut pversion);
    c.shutdown();

    println!("| what | samples | median | p95 |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| open a {steps}-step proposal ({} diagnostics) | 1 | {} | |",
        first.len(),
        ms(open)
    );
    println!(
        "| keystroke in the proposal → its diagnostics | {} | {} | {} |",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95))
    );
    println!(
        "| keystroke in a policy file → its diagnostics (library rebuilt and linted) | {} | {} | {} |",
        ptimes.len(),
        ms(percentile(&ptimes, 0.5)),
        ms(percentile(&ptimes, 0.95))
    );
}
