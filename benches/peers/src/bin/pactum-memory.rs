//! Where `pactum check`'s memory goes, phase by phase, on one proposal file: a counting
//! allocator reports the live heap after each phase and the peak within it.
//!
//! `cargo run --release --manifest-path benches/peers/Cargo.toml --bin pactum-memory -- FILE`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use pactum::{CheckOptions, Engine, Proposal};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mb(n: usize) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

fn phase(name: &str, size: usize) {
    let live = LIVE.load(Relaxed);
    let peak = PEAK.swap(live, Relaxed);
    println!(
        "| {name} | {} ({:.1}×) | {} ({:.1}×) |",
        mb(live),
        live as f64 / size as f64,
        mb(peak),
        peak as f64 / size as f64
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("a proposal file");
    let engine = Engine::standard();
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let base = LIVE.load(Relaxed);
    println!("engine (standard library): {}", mb(base));
    let text = std::fs::read_to_string(&path).expect("readable UTF-8");
    let size = text.len();
    println!("file: {} ({size} bytes)\n", path);
    println!("| phase | live heap after (× file) | peak during (× file) |");
    println!("| --- | ---: | ---: |");
    phase("read", size);
    // As `pactum check` loads it: the text moved into the proposal's source.
    let p = Proposal::load_owned(&path, text, &pactum::Limits::default()).expect("loads");
    phase("load", size);
    let prepared = engine.prepare(&p).expect("prepares");
    phase("prepare", size);
    let opts = CheckOptions::default();
    let findings = engine.evaluate(&prepared, &opts);
    phase("evaluate", size);
    let n = findings.violations().len();
    let report = engine.report(&prepared, findings);
    phase("report", size);
    let out = serde_json::to_string_pretty(&report).expect("serializes");
    phase("JSON text", size);
    println!("\n{n} violations; JSON report {}", mb(out.len()));
}
