//! pactum against Cedar, Regorus (interpreter and RVM) and hand-written Rust, on the
//! standard library's eight fixed rules (shared/design.md).
//!
//! `cargo run --release --manifest-path benches/peers/Cargo.toml` (or `benches/peers/run.sh`,
//! which adds the end-to-end memory figures). For every corpus, every engine is run once and
//! its violations (rule, step, and state for the per-state rules) are compared with the
//! hand-written check's; any disagreement prints the difference and exits 1 before any table
//! is printed. Then each engine is timed (median of repeated runs, single-threaded, input
//! pre-built) and the tables are printed in markdown.
//!
//! Other commands: `quick` (small corpora, for a smoke test), `e2e` (item 4: JSON load vs
//! serde typed, text parse MB/s), `write DIR` (the 100,000-step proposal as JSON and text,
//! for `pactum check` under `/usr/bin/time -v`), `small [N]` (one rule, N one-step proposals:
//! the embedder's one-request-per-proposal case), `only N` (the N-th corpus of the full
//! run alone, 0-based), `serde-load FILE` (load into typed structs,
//! for the same), `profile single|fixed|clean N` (check_prepared N times on a 10,000-step
//! corpus, for callgrind or perf).

#![allow(clippy::too_many_arguments)]

mod cedar;
mod hand;
mod model;
mod pactum_peer;
mod rego;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use hand::{FStep, Finding, Masks, NO_STATE, RULES};
use model::{Doc, STATES, Step};
use pactum::{CheckOptions, Engine, Proposal};

const SEED: u64 = 0x5eed_2026_0ca5_71a2;
const TARGET: Duration = Duration::from_millis(1500);
const MIN_SAMPLES: usize = 3;
const MAX_SAMPLES: usize = 60;
const MIN_SAMPLE: Duration = Duration::from_millis(5);

// ------------------------------------------------------------------------ timing

fn measure<T>(mut f: impl FnMut() -> T) -> Duration {
    let t = Instant::now();
    black_box(f());
    let once = t.elapsed();
    let batch = if once >= MIN_SAMPLE {
        1
    } else {
        (MIN_SAMPLE.as_nanos() / once.as_nanos().max(1)) as u32 + 1
    };
    let mut samples = Vec::new();
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
    samples[samples.len() / 2]
}

// ------------------------------------------------------------------------ corpora

/// A generated proposal as pactum loads it from its canonical JSON form (pretty-printed:
/// one attribute per line, as `Proposal::to_json_string` writes it).
fn load_pretty(d: &Doc) -> Proposal {
    let compact = Proposal::from_json(&serde_json::to_string(d).expect("json"))
        .unwrap_or_else(|e| panic!("generated JSON does not load: {:?}", e.first()));
    Proposal::from_json(&compact.to_json_string())
        .unwrap_or_else(|e| panic!("pretty JSON does not load: {:?}", e.first()))
}

/// The same proposal from one-line JSON (`serde_json::to_string`).
fn load_compact(d: &Doc) -> Proposal {
    Proposal::from_json(&serde_json::to_string(d).expect("json"))
        .unwrap_or_else(|e| panic!("generated JSON does not load: {:?}", e.first()))
}

/// A corpus: one or more proposals; steps are numbered across the corpus.
struct Corpus {
    name: String,
    /// Each proposal's steps with the schema's defaults filled in (the peers' input).
    proposals: Vec<Vec<Step>>,
    /// Each proposal as pactum loads it.
    pactum: Vec<Proposal>,
    /// The rules under test: all eight, or only the Caspian one.
    only_caspian: bool,
}

impl Corpus {
    fn new(name: String, docs: Vec<Doc>, only_caspian: bool) -> Corpus {
        let pactum = docs
            .iter()
            .map(|d| load_pretty(d))
            .collect();
        let proposals = docs
            .iter()
            .map(|d| d.steps.iter().map(Step::with_defaults).collect())
            .collect();
        Corpus {
            name,
            proposals,
            pactum,
            only_caspian,
        }
    }

    fn steps(&self) -> usize {
        self.proposals.iter().map(Vec::len).sum()
    }

    fn bases(&self) -> Vec<u32> {
        let mut b = 0u32;
        self.proposals
            .iter()
            .map(|p| {
                let x = b;
                b += p.len() as u32;
                x
            })
            .collect()
    }

    /// "p3.s7" for a step index across the corpus.
    fn step_name(&self, mut i: u32) -> String {
        for (j, p) in self.proposals.iter().enumerate() {
            if (i as usize) < p.len() {
                return if self.proposals.len() == 1 {
                    p[i as usize].id.clone()
                } else {
                    format!("p{j}.{}", p[i as usize].id)
                };
            }
            i -= p.len() as u32;
        }
        format!("#{i}")
    }
}

fn mixed(steps: usize) -> Corpus {
    Corpus::new(
        format!("{} steps, one proposal", grouped(steps as f64)),
        vec![model::generate(&format!("bench-{steps}"), steps, SEED)],
        false,
    )
}

fn many(proposals: usize, steps: usize) -> Corpus {
    let docs = (0..proposals)
        .map(|j| model::generate(&format!("small-{j}"), steps, SEED ^ (j as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        .collect();
    Corpus::new(
        format!("{} proposals of {steps} steps", grouped(proposals as f64)),
        docs,
        false,
    )
}

/// The proposal of `steps` steps with every step that breaks a fixed rule removed: no
/// violation, so pactum's figure is evaluation without report building.
fn clean(steps: usize) -> Corpus {
    let doc = model::generate(&format!("clean-{steps}"), steps, SEED);
    let defaulted: Vec<Step> = doc.steps.iter().map(Step::with_defaults).collect();
    let f: Vec<FStep> = defaulted.iter().map(FStep::from_step).collect();
    let mut out = Vec::new();
    hand::check_bits(&f, &Masks::new(), &mut out);
    let firing: BTreeSet<u32> = out.iter().map(|x| x.step).collect();
    let kept: Vec<Step> = doc
        .steps
        .iter()
        .enumerate()
        .filter(|(i, _)| !firing.contains(&(*i as u32)))
        .map(|(i, s)| {
            let mut s = s.clone();
            s.id = format!("s{i}");
            s
        })
        .collect();
    // Renumber so that ids are s0..sN-1 (the findings' step index is parsed from the id).
    let kept: Vec<Step> = kept
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            s.id = format!("s{i}");
            s
        })
        .collect();
    let n = kept.len();
    Corpus::new(
        format!(
            "{} steps minus the {} that fire: {} steps, no violation",
            grouped(steps as f64),
            grouped((steps - n) as f64),
            grouped(n as f64)
        ),
        vec![Doc {
            id: format!("clean-{steps}"),
            title: None,
            date: doc.date,
            steps: kept,
        }],
        false,
    )
}

fn single_rule(steps: usize) -> Corpus {
    Corpus::new(
        format!(
            "single rule `caspian.non_littoral_forces`, {} random exercises",
            grouped(steps as f64)
        ),
        vec![model::generate_exercises("exercises", steps, SEED)],
        true,
    )
}

// ------------------------------------------------------------------------ engines

struct Row {
    engine: &'static str,
    calls: usize,
    time: Duration,
}

struct Table {
    corpus: String,
    steps: usize,
    proposals: usize,
    violations: usize,
    rows: Vec<Row>,
}

fn diff(c: &Corpus, engine: &str, reference: &[Finding], got: &[Finding]) -> Option<String> {
    let a: BTreeSet<Finding> = reference.iter().copied().collect();
    let b: BTreeSet<Finding> = got.iter().copied().collect();
    let dup = got.len() != b.len();
    if a == b && !dup {
        return None;
    }
    let show = |f: &Finding| {
        let state = if f.state == NO_STATE {
            String::new()
        } else {
            format!(" {}", STATES[f.state as usize])
        };
        format!("{} {}{state}", RULES[f.rule as usize], c.step_name(f.step))
    };
    let mut out = format!(
        "DISAGREEMENT on {}: {engine} vs the hand-written check\n",
        c.name
    );
    if dup {
        let _ = writeln!(out, "  {engine} reports {} duplicate findings", got.len() - b.len());
    }
    for (k, f) in a.difference(&b).enumerate() {
        if k == 20 {
            out.push_str("  ...\n");
            break;
        }
        let _ = writeln!(out, "  - missing in {engine}: {}", show(f));
    }
    for (k, f) in b.difference(&a).enumerate() {
        if k == 20 {
            out.push_str("  ...\n");
            break;
        }
        let _ = writeln!(out, "  + only in {engine}: {}", show(f));
    }
    Some(out)
}

/// Runs every engine on a corpus: agreement first (exits 1 on any difference), then timing.
fn run_corpus(c: &Corpus, timed: bool) -> Table {
    let steps = c.steps();
    let bases = c.bases();
    let masks = Masks::new();
    eprintln!("== {} ({} steps)", c.name, steps);

    // Inputs, pre-built.
    let fsteps: Vec<Vec<FStep>> = c
        .proposals
        .iter()
        .map(|p| p.iter().map(FStep::from_step).collect())
        .collect();
    let keep_all = |id: &str| RULES.contains(&id);
    let keep_caspian = |id: &str| id == "caspian.non_littoral_forces";
    let engine: Engine = if c.only_caspian {
        pactum_peer::engine(&keep_caspian)
    } else {
        pactum_peer::engine(&keep_all)
    };
    let prepared: Vec<_> = c
        .pactum
        .iter()
        .map(|p| engine.prepare(p).unwrap_or_else(|r| panic!("prepare: {:?}", r.errors.first().map(|e| &e.message))))
        .collect();
    let opts = CheckOptions::default();

    // The hand-written check with bitmasks is the reference.
    let run_bits = || {
        let mut out = Vec::new();
        for (p, &b) in fsteps.iter().zip(&bases) {
            let start = out.len();
            if c.only_caspian {
                hand::caspian_bits(p, &masks, &mut out);
            } else {
                hand::check_bits(p, &masks, &mut out);
            }
            for f in &mut out[start..] {
                f.step += b;
            }
        }
        out
    };
    let reference = run_bits();
    let mut failures = Vec::new();
    let mut check = |name: &str, got: Vec<Finding>| {
        if let Some(d) = diff(c, name, &reference, &got) {
            eprintln!("{d}");
            failures.push(d);
        }
    };

    let run_strings = || {
        let mut out = Vec::new();
        for p in &c.proposals {
            if c.only_caspian {
                hand::caspian_strings(p, &mut out);
            } else {
                hand::check_strings(p, &mut out);
            }
            // Proposal boundaries are recovered below; keep one list per proposal.
            out.push((u8::MAX, u32::MAX, None));
        }
        out
    };
    let strings_findings = |v: &[(u8, u32, Option<&str>)]| {
        let mut out = Vec::new();
        let mut j = 0;
        for &(rule, step, state) in v {
            if rule == u8::MAX {
                j += 1;
                continue;
            }
            out.push(Finding {
                rule,
                step: bases[j] + step,
                state: state.map_or(NO_STATE, |s| hand::state_index(s).expect("state")),
            });
        }
        out
    };
    check("hand-written (strings)", strings_findings(&run_strings()));

    let run_pactum = || {
        prepared
            .iter()
            .map(|p| engine.check_prepared(p, &opts))
            .collect::<Vec<_>>()
    };
    {
        let reports = run_pactum();
        let mut got = Vec::new();
        for (r, &b) in reports.iter().zip(&bases) {
            pactum_peer::findings(r, b, &mut got);
        }
        check("pactum (check_prepared)", got);
    }
    let run_evaluate = || {
        prepared
            .iter()
            .map(|p| engine.evaluate(p, &opts))
            .collect::<Vec<_>>()
    };
    {
        let found = run_evaluate();
        let mut got = Vec::new();
        for ((f, p), &b) in found.iter().zip(&prepared).zip(&bases) {
            pactum_peer::evaluated(&engine, p, f, b, &mut got);
        }
        check("pactum (evaluate)", got);
    }

    let auth = cedar_policy::Authorizer::new();
    let cpol = cedar::compile(c.only_caspian);
    let cinputs: Vec<cedar::Input> = c
        .proposals
        .iter()
        .zip(&bases)
        .map(|(p, &b)| cedar::input(p, b, c.only_caspian))
        .collect();
    let requests: usize = cinputs.iter().map(|i| i.requests.len()).sum();
    let run_cedar = || {
        let mut out = Vec::new();
        for i in &cinputs {
            cedar::check(&auth, &cpol, i, &mut out);
        }
        out
    };
    check("Cedar", run_cedar());

    // Regorus: the per-step values are shared by the whole-proposal values.
    let step_values: Vec<Vec<regorus::Value>> = c
        .proposals
        .iter()
        .map(|p| p.iter().map(rego::step_value).collect())
        .collect();
    let whole_values: Vec<regorus::Value> = c
        .proposals
        .iter()
        .map(|p| rego::proposal_value(p))
        .collect();
    let step_index = |j: usize| {
        let b = bases[j];
        move |id: &str| b + id.trim_start_matches('s').parse::<u32>().expect("step id")
    };
    let rego_findings = |results: &[Vec<regorus::Value>]| {
        let mut out = Vec::new();
        for (j, rs) in results.iter().enumerate() {
            let f = step_index(j);
            for r in rs {
                if *r != regorus::Value::Undefined {
                    rego::findings(r, &f, &mut out);
                }
            }
        }
        out
    };
    let mut interp_whole = rego::interpreter(true, c.only_caspian);
    let mut interp_step = rego::interpreter(false, c.only_caspian);
    let program_whole = rego::program(true, c.only_caspian);
    let program_step = rego::program(false, c.only_caspian);
    let mut vm_whole = rego::vm(&program_whole);
    let mut vm_step = rego::vm(&program_step);

    let mut run_interp_whole = || {
        vec![whole_values
            .iter()
            .map(|v| {
                interp_whole.set_input(v.clone());
                interp_whole.eval_rule(rego::ENTRY.to_string()).expect("rego eval")
            })
            .collect::<Vec<_>>()]
    };
    let mut run_interp_step = || {
        step_values
            .iter()
            .map(|p| {
                p.iter()
                    .map(|v| {
                        interp_step.set_input(v.clone());
                        interp_step.eval_rule(rego::ENTRY.to_string()).expect("rego eval")
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let mut run_vm_whole = || {
        vec![whole_values
            .iter()
            .map(|v| {
                vm_whole.set_input(v.clone());
                vm_whole.execute().expect("rvm execute")
            })
            .collect::<Vec<_>>()]
    };
    let mut run_vm_step = || {
        step_values
            .iter()
            .map(|p| {
                p.iter()
                    .map(|v| {
                        vm_step.set_input(v.clone());
                        vm_step.execute().expect("rvm execute")
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    // Whole-proposal results are one list of per-proposal values: regroup per proposal.
    let regroup = |v: Vec<Vec<regorus::Value>>| -> Vec<Vec<regorus::Value>> {
        v.into_iter().flatten().map(|x| vec![x]).collect()
    };
    check("Regorus interpreter (whole)", rego_findings(&regroup(run_interp_whole())));
    check("Regorus interpreter (per step)", rego_findings(&run_interp_step()));
    check("Regorus RVM (whole)", rego_findings(&regroup(run_vm_whole())));
    check("Regorus RVM (per step)", rego_findings(&run_vm_step()));

    if !failures.is_empty() {
        eprintln!(
            "{} engine(s) disagree on {}: no figures are printed",
            failures.len(),
            c.name
        );
        std::process::exit(1);
    }
    eprintln!(
        "   all engines agree: {} violations ({} Cedar requests)",
        reference.len(),
        requests
    );

    let mut rows = Vec::new();
    if timed {
        let n = c.proposals.len();
        let mut row = |engine: &'static str, calls: usize, time: Duration| {
            eprintln!(
                "   {engine:<32} {:>10.1} ns/step",
                time.as_nanos() as f64 / steps as f64
            );
            rows.push(Row { engine, calls, time });
        };
        row("hand-written (enums, bitmasks)", n, measure(run_bits));
        row("hand-written (strings)", n, measure(run_strings));
        row("pactum (evaluate)", n, measure(run_evaluate));
        row("pactum (check_prepared)", n, measure(run_pactum));
        row("Cedar (is_authorized)", requests, measure(run_cedar));
        row("Regorus interpreter (whole)", n, measure(&mut run_interp_whole));
        row("Regorus interpreter (per step)", steps, measure(&mut run_interp_step));
        row("Regorus RVM (whole)", n, measure(&mut run_vm_whole));
        row("Regorus RVM (per step)", steps, measure(&mut run_vm_step));
    }
    Table {
        corpus: c.name.clone(),
        steps,
        proposals: c.proposals.len(),
        violations: reference.len(),
        rows,
    }
}

// ------------------------------------------------------------------------ output

fn grouped(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn fmt_time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn ratio(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}×")
    } else if x >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}

fn print_table(t: &Table) {
    println!(
        "#### {} ({} steps, {} violations)\n",
        t.corpus,
        grouped(t.steps as f64),
        grouped(t.violations as f64)
    );
    println!(
        "| engine | per proposal | calls per proposal | steps/s | ns/step | × hand-written (bitmasks) | × hand-written (strings) | ÷ pactum |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let ns = |r: &Row| r.time.as_nanos() as f64 / t.steps as f64;
    let floor = ns(&t.rows[0]);
    let strings = ns(&t.rows[1]);
    let pactum = t.rows.iter().find(|r| r.engine.starts_with("pactum")).map(ns).unwrap_or(f64::NAN);
    for r in &t.rows {
        let x = ns(r);
        println!(
            "| {} | {} | {} | {} | {:.1} | {} | {} | {} |",
            r.engine,
            fmt_time(r.time / t.proposals as u32),
            grouped(r.calls as f64 / t.proposals as f64),
            grouped(t.steps as f64 / r.time.as_secs_f64()),
            x,
            ratio(x / floor),
            ratio(x / strings),
            ratio(x / pactum),
        );
    }
    println!();
}

// ------------------------------------------------------------------------ item 4

fn e2e() {
    for n in [1_000usize, 100_000] {
        let doc = model::generate(&format!("bench-{n}"), n, SEED);
        let p = Proposal::from_json(&serde_json::to_string(&doc).expect("json")).expect("loads");
        let json = p.to_json_string();
        let text = p.to_text();
        let typed: Doc = serde_json::from_str(&json).expect("typed structs read pactum's JSON form");
        assert_eq!(typed.steps.len(), n);
        let pj = measure(|| Proposal::from_json(black_box(&json)).expect("loads"));
        let sj = measure(|| serde_json::from_str::<Doc>(black_box(&json)).expect("loads"));
        let sv = measure(|| serde_json::from_str::<serde_json::Value>(black_box(&json)).expect("loads"));
        let pt = measure(|| Proposal::parse(black_box(&text)).expect("parses"));
        let mb = |bytes: usize, d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
        println!(
            "| {} | {:.2} MB | {} ({:.0} MB/s) | {} ({:.0} MB/s) | {} ({:.0} MB/s) | {} | {:.2} MB | {} ({:.1} MB/s) |",
            grouped(n as f64),
            json.len() as f64 / 1e6,
            fmt_time(pj),
            mb(json.len(), pj),
            fmt_time(sj),
            mb(json.len(), sj),
            fmt_time(sv),
            mb(json.len(), sv),
            ratio(pj.as_secs_f64() / sj.as_secs_f64()),
            text.len() as f64 / 1e6,
            fmt_time(pt),
            mb(text.len(), pt),
        );
    }
}

/// check_prepared on the same proposal loaded from pretty and from one-line JSON.
fn compact_json() {
    let engine = pactum_peer::engine(&|id| RULES.contains(&id));
    let opts = CheckOptions::default();
    println!("| steps | violations | one-line JSON size | from pretty JSON | from one-line JSON | ratio |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in [1_000usize, 10_000, 30_000] {
        let doc = model::generate(&format!("bench-{n}"), n, SEED);
        let pretty = load_pretty(&doc);
        let compact = load_compact(&doc);
        let pp = engine.prepare(&pretty).expect("prepares");
        let pc = engine.prepare(&compact).expect("prepares");
        let v = engine.check_prepared(&pp, &opts).violations.len();
        let tp = measure(|| engine.check_prepared(&pp, &opts));
        let t = Instant::now();
        black_box(engine.check_prepared(&pc, &opts));
        let tc = if n <= 10_000 { measure(|| engine.check_prepared(&pc, &opts)) } else { t.elapsed() };
        println!(
            "| {} | {} | {:.2} MB | {} | {} | {} |",
            grouped(n as f64),
            grouped(v as f64),
            serde_json::to_string(&doc).expect("json").len() as f64 / 1e6,
            fmt_time(tp),
            fmt_time(tc),
            ratio(tc.as_secs_f64() / tp.as_secs_f64())
        );
    }
}

fn write(dir: &str, n: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let doc = model::generate(&format!("bench-{n}"), n, SEED);
    let p = Proposal::from_json(&serde_json::to_string(&doc).expect("json")).expect("loads");
    std::fs::write(format!("{dir}/bench-{n}.json"), p.to_json_string()).expect("write");
    std::fs::write(format!("{dir}/bench-{n}.proposal"), p.to_text()).expect("write");
}

fn profile(what: &str, reps: usize, compact: bool) {
    let n = 10_000;
    let (engine, doc) = match what {
        "single" => (
            pactum_peer::engine(&|id| id == "caspian.non_littoral_forces"),
            model::generate_exercises("exercises", n, SEED),
        ),
        "fixed" => (
            pactum_peer::engine(&|id| RULES.contains(&id)),
            model::generate(&format!("bench-{n}"), n, SEED),
        ),
        "all" => (Engine::standard(), model::generate(&format!("bench-{n}"), n, SEED)),
        "clean" => {
            let c = clean(n);
            let steps = c.pactum[0].to_json_string();
            let doc: Doc = serde_json::from_str(&steps).expect("typed");
            (pactum_peer::engine(&|id| RULES.contains(&id)), doc)
        }
        other => panic!("profile single|fixed|all|clean, not {other}"),
    };
    let p = if compact { load_compact(&doc) } else { load_pretty(&doc) };
    let prepared = engine.prepare(&p).expect("prepares");
    let opts = CheckOptions::default();
    let mut v = 0;
    for _ in 0..reps {
        v += black_box(engine.check_prepared(&prepared, &opts)).violations.len();
    }
    eprintln!("{reps} checks of {n} steps: {v} violations");
}

// ------------------------------------------------------------------------ one small proposal per request

/// The embedder's common case (issue 10, item 7): a one-rule library
/// (`caspian.non_littoral_forces`) and 100,000 one-step proposals, each an armed exercise
/// in the Caspian with a non-littoral participant (so each is one violation). Per proposal:
/// `prepare` + `evaluate`, `evaluate` alone, `Proposal::from_json` + `check` (with the
/// report), and the Regorus RVM on the same step (per-step mode), for comparison.
fn small_docs(n: usize) -> Vec<Doc> {
    let mut r = model::Rng(SEED | 1);
    let littoral = model::CASPIAN_LITTORAL;
    let others: Vec<&str> = model::STATES.iter().copied().filter(|s| !littoral.contains(s)).collect();
    (0..n)
        .map(|i| {
            let mut parts = vec![littoral[r.below(littoral.len())]];
            let o = others[r.below(others.len())];
            parts.push(o);
            if r.chance(50) {
                parts.swap(0, 1);
            }
            Doc {
                id: format!("p{i}"),
                title: None,
                date: Some("2026-09-15".into()),
                steps: vec![Step {
                    id: "ex1".into(),
                    kind: "exercise".into(),
                    participants: Some(parts.iter().map(|s| s.to_string()).collect()),
                    area: Some("caspian_sea".into()),
                    ..Step::default()
                }],
            }
        })
        .collect()
}

fn small_proposals(n: usize) {
    let engine = pactum_peer::engine(&|id| id == "caspian.non_littoral_forces");
    let docs = small_docs(n);
    let json: Vec<String> = docs.iter().map(|d| serde_json::to_string(d).expect("json")).collect();
    let proposals: Vec<Proposal> = json.iter().map(|j| Proposal::from_json(j).expect("loads")).collect();
    let opts = CheckOptions::default();
    // Agreement: every proposal has exactly one violation, of the kept rule, on its step.
    for p in &proposals {
        let report = engine.check(p);
        assert!(report.errors.is_empty() && report.violations.len() == 1, "{}: {:?}", p.id.node, report.violations);
        let prepared = engine.prepare(p).expect("prepares");
        assert_eq!(engine.evaluate(&prepared, &opts).violations().len(), 1);
    }
    let steps: Vec<Step> = docs.iter().map(|d| d.steps[0].with_defaults()).collect();
    let values: Vec<regorus::Value> = steps.iter().map(rego::step_value).collect();
    let program = rego::program(false, true);
    let mut vm = rego::vm(&program);
    let mut got = 0;
    for v in &values {
        vm.set_input(v.clone());
        let out = vm.execute().expect("rvm execute");
        let mut f = Vec::new();
        rego::findings(&out, &|_| 0, &mut f);
        got += f.len();
    }
    assert_eq!(got, n, "the RVM finds one violation per proposal");
    let prepared: Vec<_> = proposals.iter().map(|p| engine.prepare(p).expect("prepares")).collect();
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    let pe = measure(|| {
        proposals
            .iter()
            .map(|p| engine.evaluate(&engine.prepare(p).expect("prepares"), &opts).violations().len())
            .sum::<usize>()
    });
    let ev = measure(|| prepared.iter().map(|p| engine.evaluate(p, &opts).violations().len()).sum::<usize>());
    let pr = measure(|| prepared.iter().map(|p| engine.check_prepared(p, &opts).violations.len()).sum::<usize>());
    let jc = measure(|| {
        json.iter()
            .map(|j| engine.check(&Proposal::from_json(black_box(j)).expect("loads")).violations.len())
            .sum::<usize>()
    });
    let fj = measure(|| json.iter().map(|j| Proposal::from_json(black_box(j)).expect("loads").steps.len()).sum::<usize>());
    let rvm = measure(|| {
        values
            .iter()
            .map(|v| {
                vm.set_input(v.clone());
                vm.execute().expect("rvm execute")
            })
            .count()
    });
    println!("#### one rule, {} one-step proposals (one violation each)\n", grouped(n as f64));
    println!("| what | ns per proposal |");
    println!("| --- | ---: |");
    println!("| pactum `prepare` + `evaluate` | {:.0} |", per(pe));
    println!("| pactum `evaluate` (prepared) | {:.0} |", per(ev));
    println!("| pactum `check_prepared` (with the report) | {:.0} |", per(pr));
    println!("| pactum `Proposal::from_json` | {:.0} |", per(fj));
    println!("| pactum `Proposal::from_json` + `check` (with the report) | {:.0} |", per(jc));
    println!("| Regorus RVM (per step: `set_input` + `execute`) | {:.0} |", per(rvm));
    println!();
}

/// For callgrind: `Proposal::from_json`, `prepare`, `evaluate` and `report` of N
/// one-step proposals of the `small` corpus, each its own call (toggle on one of them).
fn profile_small(n: usize) {
    let engine = pactum_peer::engine(&|id| id == "caspian.non_littoral_forces");
    let json: Vec<String> = small_docs(n).iter().map(|d| serde_json::to_string(d).expect("json")).collect();
    let opts = CheckOptions::default();
    let mut v = 0;
    for j in &json {
        let p = Proposal::from_json(black_box(j)).expect("loads");
        let prepared = engine.prepare(&p).expect("prepares");
        let f = engine.evaluate(&prepared, &opts);
        v += black_box(engine.report(&prepared, f)).violations.len();
    }
    eprintln!("{n} proposals: {v} violations");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("e2e") => {
            println!(
                "| steps | JSON size | pactum `Proposal::from_json` | serde_json → typed structs | serde_json → `Value` | pactum ÷ serde typed | text size | pactum `Proposal::parse` |"
            );
            println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            e2e();
            return;
        }
        Some("compact") => return compact_json(),
        Some("profile-small") => {
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
            return profile_small(n);
        }
        Some("small") => {
            let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            return small_proposals(n);
        }
        Some("write") => {
            let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            return write(args.get(1).map_or("target/peers-data", String::as_str), n);
        }
        Some("serde-load") => {
            let text = std::fs::read_to_string(&args[1]).expect("read");
            let doc: Doc = serde_json::from_str(&text).expect("typed");
            eprintln!("{} steps", doc.steps.len());
            return;
        }
        Some("profile") => {
            let reps = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
            let compact = args.iter().any(|a| a == "compact");
            return profile(args.get(1).map_or("fixed", String::as_str), reps, compact);
        }
        _ => {}
    }
    let quick = args.first().is_some_and(|a| a == "quick");
    let started = Instant::now();
    let corpora: Vec<Box<dyn Fn() -> Corpus>> = if quick {
        vec![
            Box::new(|| mixed(1_000)),
            Box::new(|| many(100, 10)),
            Box::new(|| clean(1_000)),
            Box::new(|| single_rule(1_000)),
        ]
    } else {
        vec![
            Box::new(|| mixed(1_000)),
            Box::new(|| mixed(100_000)),
            Box::new(|| many(10_000, 10)),
            Box::new(|| clean(100_000)),
            Box::new(|| single_rule(100_000)),
        ]
    };
    // `only N`: the corpus at position N (0-based) of the list, alone.
    let only: Option<usize> = match args.first().map(String::as_str) {
        Some("only") => args.get(1).and_then(|n| n.parse().ok()),
        _ => None,
    };
    let mut tables = Vec::new();
    for (i, make) in corpora.iter().enumerate() {
        if only.is_some_and(|n| n != i) {
            continue;
        }
        let c = make();
        tables.push(run_corpus(&c, true));
    }
    println!("### Peers: the eight fixed rules (median, single-threaded, input pre-built)\n");
    for t in &tables {
        print_table(t);
    }
    eprintln!("total {:.1} s", started.elapsed().as_secs_f64());
}
