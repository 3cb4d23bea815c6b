//! Evaluation cost per step of the standard library on prepared proposals:
//! `cargo run --release --example eval_cost`.
#![allow(clippy::panic, reason = "a measuring tool: bad input is a bug in it")]

use std::time::Instant;

fn main() {
    let engine = pactum::Engine::standard();
    let opts = pactum::CheckOptions {
        as_of: pactum::Date::parse("2026-11-29").ok(),
        ..Default::default()
    };
    for (name, step) in [
        (
            "compliant exercise",
            "participants: [turkey, azerbaijan], area: turkey, framework: ots",
        ),
        (
            "caspian exercise, 1 violation",
            "participants: [turkey, azerbaijan], area: caspian_sea",
        ),
    ] {
        if std::env::args()
            .nth(1)
            .is_some_and(|a| !name.starts_with(a.as_str()))
        {
            continue;
        }
        let n: usize = std::env::var("STEPS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000);
        let mut text = String::from("proposal p { date: 2026-09-15 }\n");
        for i in 0..n {
            text.push_str(&format!("step s{i}: exercise {{ {step} }}\n"));
        }
        let p = pactum::Proposal::parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
        let prepared = engine.prepare(&p).unwrap_or_else(|_| panic!("valid"));
        let rounds: usize = std::env::var("ROUNDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        let t = Instant::now();
        let mut found = 0;
        for _ in 0..rounds {
            found = engine.check_prepared(&prepared, &opts).violations.len();
        }
        let dt = t.elapsed();
        let per = dt.as_nanos() as f64 / (n * rounds) as f64;
        println!("{name}: {per:.1} ns/step, {found} violations");
    }
}
