//! `cargo bench --bench lint`: lints a generated library of 10,000 rules over the standard
//! library's schema and facts, and reports the time, the solver questions and the candidate
//! pairs that survived signature filtering (versus the all-pairs count).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "bench"
)]

use std::time::Instant;

use pactum::lint::{LintOptions, lint};
use pactum::{Engine, SourceFile};

const STATES: &[&str] = &[
    "turkey",
    "azerbaijan",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "turkmenistan",
    "hungary",
    "russia",
    "iran",
    "china",
    "tajikistan",
    "belarus",
    "armenia",
    "georgia",
];
const AREAS: &[&str] = &[
    "caspian_sea",
    "black_sea",
    "kazakhstan",
    "uzbekistan",
    "turkmenistan",
    "azerbaijan",
];
const ORGS: &[&str] = &["ots", "csto", "nato", "sco"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn rule(i: usize, r: &mut Rng) -> String {
    let sev = ["error", "warning", "note"][(r.next() % 3) as usize];
    let (scope, cond) = match r.next() % 6 {
        0 => (
            "exercise as s",
            format!("s.area == {} && s.armed", r.pick(AREAS)),
        ),
        1 => (
            "exercise as s",
            format!(
                "any p in s.participants: p == {} && s.area != {}",
                r.pick(STATES),
                r.pick(AREAS)
            ),
        ),
        2 => (
            "base as s",
            format!(
                "s.host == {} && any p in s.operators: p not in {}.members",
                r.pick(STATES),
                r.pick(ORGS)
            ),
        ),
        3 => (
            "deployment as s",
            format!(
                "s.forces == {} && s.area == {}",
                r.pick(STATES),
                r.pick(AREAS)
            ),
        ),
        4 => (
            "defense_pact as s",
            format!("s.mutual_defense && {} in s.parties", r.pick(STATES)),
        ),
        _ => (
            "transit_flight as s",
            format!(
                "{} in s.route && {} not in s.permits",
                r.pick(STATES),
                r.pick(STATES)
            ),
        ),
    };
    format!(
        "rule gen.r{i} {{\n  severity {sev}\n  cite chicago_convention_1944 \"art. 3\"\n  on {scope}\n  forbid {cond}\n  message \"m\"\n  help \"h\"\n}}\n"
    )
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut sources: Vec<SourceFile> = ["schema", "world", "instruments"]
        .iter()
        .map(|f| {
            let path = format!("policies/{f}.policy");
            SourceFile::new(path.clone(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    let mut r = Rng(0x5EED_1234_ABCD_0042);
    let rules: String = (0..n).map(|i| rule(i, &mut r)).collect();
    sources.push(SourceFile::new("generated.policy", rules));
    let t = Instant::now();
    let engine = Engine::from_sources(sources).expect("the generated library compiles");
    let compile = t.elapsed();
    let t = Instant::now();
    let report = lint(&engine, &LintOptions::default());
    let lint_time = t.elapsed();
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for d in &report.diagnostics {
        *by.entry(d.rule.clone().unwrap_or_default()).or_default() += 1;
    }
    println!("| rules | compile | lint | solver questions | candidate pairs | all pairs |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {n} | {:.2} s | {:.2} s | {} | {} | {} |",
        compile.as_secs_f64(),
        lint_time.as_secs_f64(),
        report.solver_calls,
        report.candidate_pairs,
        n * (n - 1)
    );
    println!("\nfindings: {by:?}");
}
