//! Loads a proposal file N times, for a profiler:
//! `valgrind --tool=callgrind target/release/examples/load_cost FILE N`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: load_cost FILE [N]");
    let n: usize = args.next().map_or(1, |s| s.parse().expect("N is a number"));
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let mut steps = 0;
    for _ in 0..n {
        let p = pactum::Proposal::load(&path, std::hint::black_box(&text)).expect("loads");
        steps += p.steps.len();
    }
    println!("{n} loads, {steps} steps");
}
