//! `cargo bench --bench check`: throughput of parsing (text and JSON) and checking generated
//! proposals of 100, 10,000 and 100,000 steps against the standard library.
//!
//! A self-contained harness (no criterion): for each measurement a warm-up run, then timed
//! samples until about one second has passed (at least three samples), and the median. Small
//! inputs are timed in batches so that one sample lasts at least a millisecond.
//!
//! Proposals are generated deterministically (xorshift64*, fixed seed) and mix every step
//! kind of the standard library with random but realistic attributes, so that a realistic
//! share of steps fires rules. The results are printed as a markdown table; the figures in
//! `docs/performance.md` come from this binary.
//!
//! Optional arguments (after `--`): sizes to run instead of the default ones, e.g.
//! `cargo bench --bench check -- 1000 50000`.

// A bench binary is not input-facing: a failed sanity check should stop it loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use pactum::{CheckOptions, Engine, Proposal, Report};

const SIZES: [usize; 3] = [100, 10_000, 100_000];
const SEED: u64 = 0x5eed_2026_0ca5_71a2;
/// Sampling stops once this much time has been measured (and at least `MIN_SAMPLES` taken).
const TARGET: Duration = Duration::from_millis(1000);
const MIN_SAMPLES: usize = 3;
const MAX_SAMPLES: usize = 100;
/// Small inputs are run in batches so that one sample lasts at least this long.
const MIN_SAMPLE: Duration = Duration::from_millis(2);
/// A call slower than this is timed once (its warm-up is the measurement), and flagged.
const SLOW: Duration = Duration::from_secs(10);
/// The JSON load and serde_json's typed load are timed in pairs of samples taken back to
/// back (the order swapped from pair to pair), at least this many pairs, so that both see
/// the same machine and heap state.
const JSON_PAIRS: usize = 9;

// ------------------------------------------------------------------------ generator

/// xorshift64* (Vigna): tiny, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n small: the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `n` distinct items, in random order.
    fn distinct<'a>(&mut self, items: &[&'a str], n: usize) -> Vec<&'a str> {
        let mut pool: Vec<&str> = items.to_vec();
        let mut out = Vec::with_capacity(n);
        while out.len() < n && !pool.is_empty() {
            out.push(pool.swap_remove(self.below(pool.len())));
        }
        out
    }

    /// Between `lo` and `hi` distinct items.
    fn some<'a>(&mut self, items: &[&'a str], lo: usize, hi: usize) -> Vec<&'a str> {
        let n = lo + self.below(hi - lo + 1);
        self.distinct(items, n)
    }
}

const STATES: [&str; 16] = [
    "turkey",
    "azerbaijan",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "turkmenistan",
    "hungary",
    "northern_cyprus",
    "russia",
    "iran",
    "china",
    "tajikistan",
    "belarus",
    "armenia",
    "afghanistan",
    "georgia",
];
/// The states that take part in most proposals (OTS members and observers).
const OTS_SIDE: [&str; 8] = [
    "turkey",
    "azerbaijan",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "turkmenistan",
    "hungary",
    "northern_cyprus",
];
const CSTO_MEMBERS: [&str; 6] = [
    "russia",
    "belarus",
    "armenia",
    "kazakhstan",
    "kyrgyzstan",
    "tajikistan",
];
const ORGS: [&str; 4] = ["ots", "csto", "nato", "sco"];
const CARGO: [&str; 4] = ["personnel", "equipment", "munitions", "humanitarian"];
const SYSTEMS: [&str; 6] = [
    "Bayraktar TB2",
    "Akinci UCAV",
    "T-129 ATAK",
    "Otokar Cobra II",
    "KAAN fighter",
    "Hisar-O air defence",
];
const NOTES: [&str; 4] = [
    "first phase",
    "subject to parliamentary approval",
    "annual rotation",
    "follows the 2025 memorandum",
];

/// A state, drawn from the OTS side two times out of three.
fn state(r: &mut Rng) -> &'static str {
    if r.chance(67) {
        r.pick(&OTS_SIDE)
    } else {
        r.pick(&STATES)
    }
}

fn states(r: &mut Rng, lo: usize, hi: usize) -> Vec<&'static str> {
    if r.chance(67) {
        r.some(&OTS_SIDE, lo, hi)
    } else {
        r.some(&STATES, lo, hi)
    }
}

/// An area: a state, or one of the seas.
fn area(r: &mut Rng, caspian_percent: u64) -> &'static str {
    if r.chance(caspian_percent) {
        "caspian_sea"
    } else if r.chance(8) {
        "black_sea"
    } else {
        state(r)
    }
}

fn framework(r: &mut Rng, percent: u64) -> Option<&'static str> {
    if !r.chance(percent) {
        return None;
    }
    Some(if r.chance(60) { "ots" } else { r.pick(&ORGS) })
}

fn list(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

/// The attributes of one step of `kind`, as text-form `name: value` pairs.
fn attrs(r: &mut Rng, kind: &str) -> Vec<(&'static str, String)> {
    let mut a: Vec<(&'static str, String)> = Vec::new();
    match kind {
        "exercise" => {
            let parts = states(r, 2, 5);
            a.push(("participants", list(&parts)));
            a.push(("area", area(r, 20).to_string()));
            if r.chance(50) {
                a.push(("host", parts[r.below(parts.len())].to_string()));
            }
            if r.chance(15) {
                a.push(("armed", "false".into()));
            }
            if r.chance(15) {
                a.push(("command", "unified".into()));
            } else if r.chance(10) {
                a.push(("command", "national".into()));
            }
            if let Some(f) = framework(r, 55) {
                a.push(("framework", f.into()));
            }
            if r.chance(8) {
                a.push(("directed_against", list(&r.some(&STATES, 1, 2))));
            }
        }
        "base" => {
            let host = state(r);
            a.push(("host", host.into()));
            let mut ops = states(r, 1, 2);
            ops.retain(|s| *s != host);
            if ops.is_empty() {
                ops.push(if host == "turkey" {
                    "azerbaijan"
                } else {
                    "turkey"
                });
            }
            a.push(("operators", list(&ops)));
            if r.chance(15) {
                a.push(("area", "caspian_sea".into()));
            }
            if r.chance(30) {
                a.push(("consents", list(&CSTO_MEMBERS)));
            } else if r.chance(30) {
                a.push(("consents", list(&r.some(&CSTO_MEMBERS, 1, 4))));
            }
        }
        "deployment" => {
            a.push(("forces", state(r).into()));
            a.push(("area", area(r, 15).to_string()));
            if r.chance(10) {
                a.push(("armed", "false".into()));
            }
            if r.chance(30) {
                a.push(("consents", list(&states(r, 1, 3))));
            }
        }
        "transit_flight" => {
            // Routes of 2-5 areas, usually from the operator, one in three over the Caspian.
            let op = state(r);
            a.push(("operator", op.into()));
            let len = 2 + r.below(4);
            let mut route: Vec<&str> = vec![op];
            if r.chance(33) && len > 2 {
                route.push("caspian_sea");
            }
            while route.len() < len {
                let s = state(r);
                if !route.contains(&s) {
                    route.push(s);
                }
            }
            if r.chance(20) {
                route.swap(0, 1);
            }
            a.push(("route", list(&route)));
            let mut cargo = r.some(&CARGO, 1, 2);
            if r.chance(25) {
                cargo = vec!["humanitarian"];
            }
            a.push(("cargo", list(&cargo)));
            // Most crossed states granted a permit: about a third of the flights lack one.
            let permits: Vec<&str> = route
                .iter()
                .copied()
                .filter(|x| *x != op && *x != "caspian_sea" && r.chance(85))
                .collect();
            if !permits.is_empty() || r.chance(50) {
                a.push(("permits", list(&permits)));
            }
        }
        "defense_pact" => {
            a.push(("parties", list(&states(r, 2, 4))));
            if r.chance(50) {
                a.push(("mutual_defense", "true".into()));
            }
            if let Some(f) = framework(r, 40) {
                a.push(("framework", f.into()));
            }
            if r.chance(10) {
                a.push(("directed_against", list(&r.distinct(&STATES, 1))));
            }
        }
        "collective_defense" => {
            let f = if r.chance(40) { "ots" } else { r.pick(&ORGS) };
            a.push(("framework", f.into()));
            a.push(("invoked_by", state(r).into()));
            if r.chance(80) {
                a.push(("responders", list(&states(r, 1, 4))));
            }
        }
        "joint_command" => {
            a.push(("parties", list(&states(r, 2, 4))));
            if let Some(f) = framework(r, 50) {
                a.push(("framework", f.into()));
            }
        }
        "arms_transfer" => {
            let supplier = if r.chance(60) { "turkey" } else { state(r) };
            a.push(("supplier", supplier.into()));
            a.push(("recipient", state(r).into()));
            a.push(("system", format!("\"{}\"", r.pick(&SYSTEMS))));
        }
        "co_production" => {
            let partners = states(r, 2, 3);
            a.push(("site", partners[0].into()));
            a.push(("partners", list(&partners)));
            a.push(("system", format!("\"{}\"", r.pick(&SYSTEMS))));
        }
        "training" => {
            let parties = states(r, 1, 4);
            a.push(("host", parties[r.below(parties.len())].into()));
            a.push(("parties", list(&parties)));
        }
        "intel_sharing" => {
            a.push(("parties", list(&states(r, 2, 5))));
            if let Some(f) = framework(r, 50) {
                a.push(("framework", f.into()));
            }
        }
        "cyber_cooperation" => {
            a.push(("parties", list(&states(r, 2, 5))));
        }
        other => panic!("unknown kind {other}"),
    }
    a
}

/// Step kinds with weights (exercises, flights and transfers are the common ones).
const KINDS: [(&str, u64); 12] = [
    ("exercise", 16),
    ("base", 6),
    ("deployment", 10),
    ("transit_flight", 16),
    ("defense_pact", 5),
    ("collective_defense", 3),
    ("joint_command", 4),
    ("arms_transfer", 12),
    ("co_production", 6),
    ("training", 10),
    ("intel_sharing", 6),
    ("cyber_cooperation", 6),
];

fn kind(r: &mut Rng) -> &'static str {
    let total: u64 = KINDS.iter().map(|k| k.1).sum();
    let mut x = r.next() % total;
    for (k, w) in KINDS {
        if x < w {
            return k;
        }
        x -= w;
    }
    unreachable!()
}

/// The text form of a proposal of `n` steps.
fn generate(n: usize, seed: u64) -> String {
    let mut r = Rng(seed | 1);
    let mut out = String::with_capacity(n * 160);
    let _ = writeln!(
        out,
        "// generated by benches/check.rs: {n} steps\nproposal bench-{n} {{\n  title: \"Generated cooperation programme ({n} steps)\"\n  date: 2026-06-01\n}}"
    );
    for i in 0..n {
        let k = kind(&mut r);
        let _ = writeln!(out, "\nstep s{i}: {k} {{");
        for (name, value) in attrs(&mut r, k) {
            let _ = writeln!(out, "  {name}: {value}");
        }
        if r.chance(15) {
            // Some steps carry their own date, on either side of 2025 (the transit
            // agreement's in-force checks depend on it).
            let _ = writeln!(
                out,
                "  date: {}-{:02}-{:02}",
                2024 + r.below(4),
                1 + r.below(12),
                1 + r.below(28)
            );
        }
        if r.chance(10) {
            let _ = writeln!(out, "  note: \"{}\"", r.pick(&NOTES));
        }
        out.push_str("}\n");
    }
    out
}

// ------------------------------------------------------------------------ serde reference

/// The JSON form as plain typed structs, as `benches/peers/src/model.rs` has them: what
/// serde_json deserialises into without spans, sources or diagnostics. The JSON load target
/// (within 1.5x of this) is measured against it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TypedDoc {
    id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    date: Option<String>,
    steps: Vec<TypedStep>,
}

/// Every attribute of every kind of the standard library, `None` where absent.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TypedStep {
    id: String,
    kind: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    participants: Option<Vec<String>>,
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    armed: Option<bool>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    framework: Option<String>,
    #[serde(default)]
    directed_against: Option<Vec<String>>,
    #[serde(default)]
    operators: Option<Vec<String>>,
    #[serde(default)]
    consents: Option<Vec<String>>,
    #[serde(default)]
    forces: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    route: Option<Vec<String>>,
    #[serde(default)]
    cargo: Option<Vec<String>>,
    #[serde(default)]
    permits: Option<Vec<String>>,
    #[serde(default)]
    parties: Option<Vec<String>>,
    #[serde(default)]
    mutual_defense: Option<bool>,
    #[serde(default)]
    invoked_by: Option<String>,
    #[serde(default)]
    responders: Option<Vec<String>>,
    #[serde(default)]
    supplier: Option<String>,
    #[serde(default)]
    recipient: Option<String>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    partners: Option<Vec<String>>,
    #[serde(default)]
    site: Option<String>,
}

fn parse_typed(json: &str) -> TypedDoc {
    match serde_json::from_str(json) {
        Ok(d) => d,
        Err(e) => panic!("generated JSON does not load into the typed structs: {e}"),
    }
}

// ------------------------------------------------------------------------ harness

/// A measurement: the median time of one call, and how many samples it is the median of.
#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    samples: usize,
}

/// Median time of one call of `f`, after a warm-up call.
fn measure<T>(mut f: impl FnMut() -> T) -> Timing {
    let t = Instant::now();
    black_box(f());
    measure_after(t.elapsed(), f)
}

/// Median time of one call of `f`, whose first (warm-up) call took `once`. A call slower
/// than `SLOW` is not repeated: its single time is the figure.
fn measure_after<T>(once: Duration, mut f: impl FnMut() -> T) -> Timing {
    if once >= SLOW {
        return Timing {
            median: once,
            samples: 1,
        };
    }
    let batch = if once >= MIN_SAMPLE {
        1
    } else {
        (MIN_SAMPLE.as_nanos() / once.as_nanos().max(1)).max(1) as u32 + 1
    };
    let mut samples: Vec<Duration> = Vec::new();
    let mut spent = Duration::ZERO;
    while samples.len() < MIN_SAMPLES || (spent < TARGET && samples.len() < MAX_SAMPLES) {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        let e = t.elapsed();
        spent += e;
        samples.push(e / batch);
    }
    samples.sort();
    Timing {
        median: samples[samples.len() / 2],
        samples: samples.len() * batch as usize,
    }
}

fn parse_text(text: &str) -> Proposal {
    match Proposal::parse(text) {
        Ok(p) => p,
        Err(e) => panic!("generated text does not parse: {:?}", e.first()),
    }
}

fn parse_json(json: &str) -> Proposal {
    match Proposal::from_json(json) {
        Ok(p) => p,
        Err(e) => panic!("generated JSON does not parse: {:?}", e.first()),
    }
}

fn checked(engine: &Engine, p: &Proposal) -> Report {
    let report = engine.check(p);
    assert!(
        report.errors.is_empty(),
        "the generated proposal is invalid or fails to evaluate: {:?}",
        report.errors.first()
    );
    report
}

struct Row {
    steps: usize,
    text_bytes: usize,
    json_bytes: usize,
    text: Timing,
    json: Timing,
    typed: Timing,
    /// `from_json` ÷ typed load: the median of the pairs' ratios, and the lowest and highest.
    json_ratio: (f64, f64, f64),
    bind: Timing,
    check: Timing,
    /// The check with every violation's repairs (`CheckOptions::fixes`: all kept).
    repairs: Timing,
    /// The check with each violation's best repair (what human output shows).
    best_repair: Timing,
    /// Violations with at least one repair.
    repaired: usize,
    violations: usize,
    errors: usize,
    warnings: usize,
    firing_steps: usize,
    by_rule: Vec<(String, usize)>,
}

fn per_sec(n: usize, t: Timing) -> f64 {
    n as f64 / t.median.as_secs_f64()
}

fn ns_per(n: usize, t: Timing) -> f64 {
    t.median.as_nanos() as f64 / n as f64
}

fn mb_per_sec(bytes: usize, t: Timing) -> f64 {
    bytes as f64 / 1e6 / t.median.as_secs_f64()
}

fn ms(t: Timing) -> String {
    let flag = if t.samples == 1 { " †" } else { "" };
    format!("{:.3} ms{flag}", t.median.as_secs_f64() * 1e3)
}

/// `1234567.8` as `1,234,568`.
fn grouped(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn run(engine: &Engine, n: usize) -> Row {
    let text = generate(n, SEED);
    let model = parse_text(&text);
    assert_eq!(model.steps.len(), n);
    let json = model.to_json_string();
    if let Some(dir) = std::env::var_os("PACTUM_BENCH_WRITE") {
        // the inputs, for profiling a parser on its own (`PACTUM_BENCH_WRITE=DIR`)
        let dir = std::path::PathBuf::from(dir);
        let _ = std::fs::write(dir.join(format!("bench-{n}.proposal")), &text);
        let _ = std::fs::write(dir.join(format!("bench-{n}.json")), &json);
    }
    let from_json = parse_json(&json);
    assert_eq!(
        from_json.normalized(),
        model.normalized(),
        "the text and JSON forms differ"
    );

    // Both forms bind cleanly, evaluate without error and give the same findings (a bench
    // that silently measures nothing is useless). The first check of the text form is the
    // warm-up of the check measurement.
    let t = Instant::now();
    let rt = checked(engine, &model);
    let first_check = t.elapsed();
    let rj = checked(engine, &from_json);
    assert_eq!(
        rt.violations.len(),
        rj.violations.len(),
        "text and JSON forms give different numbers of violations"
    );
    let key = |r: &Report| -> Vec<(String, Option<String>)> {
        r.violations
            .iter()
            .map(|v| (v.rule.clone(), v.step.clone()))
            .collect()
    };
    assert!(key(&rt) == key(&rj), "text and JSON findings differ");
    assert!(!rt.violations.is_empty(), "no rule fired");
    let errors = rt
        .violations
        .iter()
        .filter(|v| v.severity == pactum::Severity::Error)
        .count();
    let warnings = rt
        .violations
        .iter()
        .filter(|v| v.severity == pactum::Severity::Warning)
        .count();
    let mut firing: Vec<&str> = rt
        .violations
        .iter()
        .filter_map(|v| v.step.as_deref())
        .collect();
    firing.sort_unstable();
    firing.dedup();
    let mut by_rule: Vec<(String, usize)> = Vec::new();
    for info in engine.rules() {
        let c = rt.violations.iter().filter(|v| v.rule == info.id).count();
        by_rule.push((info.id.to_string(), c));
    }
    let violations = rt.violations.len();
    let firing_steps = firing.len();
    drop((rt, rj));

    let text_t = measure(|| parse_text(black_box(&text)));
    let (json_t, typed_t, json_ratio) = json_against_typed(&json);
    let bind_t = measure(|| engine.prepare(black_box(&model)).is_ok());
    let check_t = measure_after(first_check, || engine.check(black_box(&model)));
    let with_fixes = CheckOptions {
        fixes: pactum::MAX_FIXES,
        ..CheckOptions::default()
    };
    let t = Instant::now();
    let fixed = engine.check_with(&model, &with_fixes);
    let first_repairs = t.elapsed();
    assert_eq!(
        fixed.violations.len(),
        violations,
        "repairs change no verdict"
    );
    let repaired = fixed
        .violations
        .iter()
        .filter(|v| v.fixes.as_ref().is_some_and(|f| !f.is_empty()))
        .count();
    drop(fixed);
    let repairs_t = measure_after(first_repairs, || {
        engine.check_with(black_box(&model), &with_fixes)
    });
    let best = CheckOptions {
        fixes: 1,
        ..CheckOptions::default()
    };
    let best_t = measure_after(first_repairs, || {
        engine.check_with(black_box(&model), &best)
    });

    Row {
        steps: n,
        text_bytes: text.len(),
        json_bytes: json.len(),
        text: text_t,
        json: json_t,
        typed: typed_t,
        json_ratio,
        bind: bind_t,
        check: check_t,
        repairs: repairs_t,
        best_repair: best_t,
        repaired,
        violations,
        errors,
        warnings,
        firing_steps,
        by_rule,
    }
}

/// `Proposal::from_json` and serde_json into typed structs, timed in pairs: one sample of
/// each, back to back, the order swapped from pair to pair, at least [`JSON_PAIRS`] pairs and
/// about 2 s in all. The median time of each, and the median, lowest and highest of the
/// pairs' ratios: each ratio compares two samples taken a few milliseconds apart, so a
/// change of the machine's load or of the heap's state moves both.
fn json_against_typed(json: &str) -> (Timing, Timing, (f64, f64, f64)) {
    let ours = || {
        black_box(parse_json(black_box(json)));
    };
    let theirs = || {
        black_box(parse_typed(black_box(json)));
    };
    // Warm-up, and the batch that makes a sample at least MIN_SAMPLE long.
    let t = Instant::now();
    ours();
    let once = t.elapsed();
    theirs();
    let batch = if once >= MIN_SAMPLE {
        1
    } else {
        (MIN_SAMPLE.as_nanos() / once.as_nanos().max(1)).max(1) as u32 + 1
    };
    let sample = |f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        t.elapsed() / batch
    };
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut spent = Duration::ZERO;
    while a.len() < JSON_PAIRS || (spent < 2 * TARGET && a.len() < MAX_SAMPLES) {
        let (x, y) = if a.len() % 2 == 0 {
            let x = sample(&ours);
            (x, sample(&theirs))
        } else {
            let y = sample(&theirs);
            (sample(&ours), y)
        };
        spent += (x + y) * batch;
        ratios.push(x.as_secs_f64() / y.as_secs_f64().max(1e-12));
        a.push(x);
        b.push(y);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        Timing {
            median: v[v.len() / 2],
            samples: v.len() * batch as usize,
        }
    };
    ratios.sort_by(f64::total_cmp);
    let ratio = (
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
    );
    (median(a), median(b), ratio)
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments are sizes.
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace(['_', ','], "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = SIZES.to_vec();
    }
    let started = Instant::now();
    let t = Instant::now();
    let engine = Engine::standard();
    let compile = t.elapsed();
    eprintln!(
        "standard library compiled in {:.2} ms ({} rules)",
        compile.as_secs_f64() * 1e3,
        engine.rules().count()
    );

    let mut rows = Vec::new();
    for &n in &sizes {
        eprintln!("running {n} steps ...");
        rows.push(run(&engine, n));
    }

    println!("### Throughput (median)\n");
    println!(
        "| steps | text parse steps/s | JSON parse steps/s | check steps/s | text parse ns/step | JSON parse ns/step | check ns/step | text parse MB/s | JSON parse MB/s |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} |",
            grouped(r.steps as f64),
            grouped(per_sec(r.steps, r.text)),
            grouped(per_sec(r.steps, r.json)),
            grouped(per_sec(r.steps, r.check)),
            ns_per(r.steps, r.text),
            ns_per(r.steps, r.json),
            ns_per(r.steps, r.check),
            mb_per_sec(r.text_bytes, r.text),
            mb_per_sec(r.json_bytes, r.json),
        );
    }
    println!("\n### Inputs, times and findings\n");
    println!(
        "| steps | text size | JSON size | text parse | JSON parse | check | of which bind | violations (errors / warnings) | steps with a violation |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {:.2} MB | {:.2} MB | {} | {} | {} | {} | {} ({} / {}) | {} ({:.0} %) |",
            grouped(r.steps as f64),
            r.text_bytes as f64 / 1e6,
            r.json_bytes as f64 / 1e6,
            ms(r.text),
            ms(r.json),
            ms(r.check),
            ms(r.bind),
            grouped(r.violations as f64),
            grouped(r.errors as f64),
            grouped(r.warnings as f64),
            grouped(r.firing_steps as f64),
            100.0 * r.firing_steps as f64 / r.steps as f64,
        );
    }
    println!("\n### Check with repairs\n");
    println!(
        "| steps | check | with the best repair | ratio | with up to {} repairs | ratio | violations with a repair |",
        pactum::MAX_FIXES
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let ratio = |t: Timing| t.median.as_secs_f64() / r.check.median.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.2}× | {} | {:.2}× | {} of {} |",
            grouped(r.steps as f64),
            ms(r.check),
            ms(r.best_repair),
            ratio(r.best_repair),
            ms(r.repairs),
            ratio(r.repairs),
            grouped(r.repaired as f64),
            grouped(r.violations as f64),
        );
    }
    println!("\n### JSON load against serde_json into typed structs\n");
    println!(
        "The two loads timed in pairs of samples back to back (order swapped from pair to pair); \
         times are medians, the ratio is the median of the pairs' ratios (lowest-highest).\n"
    );
    println!(
        "| steps | `Proposal::from_json` | serde_json → typed structs | ratio | `Proposal::parse` (text) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let (ratio, low, high) = r.json_ratio;
        println!(
            "| {} | {} ({:.0} MB/s) | {} ({:.0} MB/s) | {ratio:.2}× ({low:.2}-{high:.2}) | {} ({:.0} MB/s) |",
            grouped(r.steps as f64),
            ms(r.json),
            mb_per_sec(r.json_bytes, r.json),
            ms(r.typed),
            mb_per_sec(r.json_bytes, r.typed),
            ms(r.text),
            mb_per_sec(r.text_bytes, r.text),
        );
    }
    if rows.iter().any(|r| r.check.samples == 1) {
        println!(
            "\n† a single run: one call took more than {} s, so it was not repeated.",
            SLOW.as_secs()
        );
    }
    if let Some(last) = rows.last() {
        println!(
            "\n### Violations by rule ({} steps)\n",
            grouped(last.steps as f64)
        );
        println!("| rule | violations |");
        println!("| --- | ---: |");
        for (rule, c) in &last.by_rule {
            println!("| `{rule}` | {} |", grouped(*c as f64));
        }
    }
    eprintln!("total {:.1} s", started.elapsed().as_secs_f64());
}
