//! `cargo bench --bench lint [-- N]`: lints a generated realistic library of N rules
//! (default 10,000) and checks that every planted defect is found.
//!
//! The library is made to look like a real one, not like the lints' best case: four step
//! kinds with 20 attributes each (bools, entities, sets, ints, dates, optional ones),
//! organisations whose member sets are nested (o0 ⊂ o1 ⊂ o2 ⊂ o3), instruments with entry
//! into force dates, definitions shared across rules, date and amount thresholds, `each`
//! rules with `unless` clauses, and covering rules declared both before and after the rules
//! they cover. Among them, planted defects: rules that never fire (a contradiction, an empty
//! date window, a date past the domain's end), rules that always fire where their `when`
//! holds, redundant rules, conflicting pairs, shadowed and impossible exceptions, unused
//! binders. It prints the time, the solver questions and the candidate pairs, then fails if
//! a planted defect was missed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "bench"
)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Instant;

use pactum::lint::{LintOptions, lint};
use pactum::{Engine, SourceFile};

const STATES: usize = 30;
const KINDS: &[&str] = &["exercise", "base", "deployment", "pact"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn schema() -> String {
    let mut s = String::from(
        "entity State {}\n\
         entity Organization { members: set<State> = [] }\n\
         entity Instrument { title: string, entry_into_force: date?, parties: set<State> = [] }\n",
    );
    for i in 0..STATES {
        writeln!(s, "fact s{i:02}: State {{}}").unwrap();
    }
    // Nested organisations, and a few overlapping ones.
    for (o, n) in [(0, 8), (1, 12), (2, 18), (3, 24)] {
        let m: Vec<String> = (0..n).map(|i| format!("s{i:02}")).collect();
        writeln!(
            s,
            "fact o{o}: Organization {{ members: [{}] }}",
            m.join(", ")
        )
        .unwrap();
    }
    for o in 4..8 {
        let m: Vec<String> = (0..STATES)
            .filter(|i| (i * 7 + o) % 3 == 0)
            .map(|i| format!("s{i:02}"))
            .collect();
        writeln!(
            s,
            "fact o{o}: Organization {{ members: [{}] }}",
            m.join(", ")
        )
        .unwrap();
    }
    for i in 0..10 {
        let eif = if i % 3 == 0 {
            String::new()
        } else {
            format!(", entry_into_force: {}-0{}-15", 2000 + i * 2, 1 + i % 9)
        };
        writeln!(
            s,
            "fact i{i}: Instrument {{ title: \"Instrument {i}\"{eif}, parties: [s{i:02}, s{:02}] }}",
            i + 10
        )
        .unwrap();
    }
    for k in KINDS {
        writeln!(s, "step {k} {{").unwrap();
        writeln!(
            s,
            "  host: State\n  partners: set<State>\n  area: State?\n  framework: Organization?"
        )
        .unwrap();
        for f in 0..10 {
            writeln!(s, "  f{f}: bool = false").unwrap();
        }
        writeln!(
            s,
            "  amount: int = 0\n  cap: int = 0\n  start: date?\n  end: date?\n  title: string = \"none\"\n  observers: set<State> = []\n}}"
        )
        .unwrap();
    }
    s.push_str(
        "def big(s) = s.amount > 1000\n\
         def members(s) = s.partners & o3.members\n\
         def recent(s) = s.date > 2020-06-01\n",
    );
    s
}

fn date(r: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        2000 + r.below(30),
        1 + r.below(12),
        1 + r.below(28)
    )
}

/// A random ordinary condition over a step `s`.
fn cond(r: &mut Rng) -> String {
    let atom = |r: &mut Rng| -> String {
        match r.below(12) {
            0 => format!("s.host in o{}.members", r.below(8)),
            1 => format!("s.f{}", r.below(10)),
            2 => format!("!s.f{}", r.below(10)),
            3 => format!("s.amount > {}", r.below(50) * 100),
            4 => format!("s.date < {}", date(r)),
            5 => format!("as_of > {}", date(r)),
            6 => format!("any p in s.partners: p in o{}.members", r.below(8)),
            7 => format!("in_force(i{}, s.date)", r.below(10)),
            8 => "big(s)".to_string(),
            9 => format!("s{:02} in members(s)", r.below(24)),
            10 => format!("s has area && s.area == s{:02}", r.below(STATES)),
            _ => format!("s.host == s{:02}", r.below(STATES)),
        }
    };
    let n = 1 + r.below(3);
    (0..n).map(|_| atom(r)).collect::<Vec<_>>().join(" && ")
}

fn rule(id: &str, sev: &str, kind: &str, body: &str) -> String {
    format!(
        "rule {id} {{\n  severity {sev}\n  cite i1 \"art. 3\"\n  on {kind} as s\n  {body}\n  message \"m\"\n  help \"h\"\n}}\n"
    )
}

/// The library and the planted defects: (lint, rule id that the finding names).
fn library(n: usize) -> (String, Vec<(&'static str, String)>) {
    let mut r = Rng(0x5EED_1234_ABCD_0042);
    let mut out = String::new();
    let mut planted = Vec::new();
    let sevs = ["error", "warning", "note"];
    let mut i = 0;
    while i < n {
        let kind = KINDS[r.below(KINDS.len())];
        let sev = sevs[r.below(3)];
        // One planted defect every 50 rules, of each kind in turn.
        if i % 50 == 49 {
            let p = i / 50;
            let id = format!("plant.p{p:04}");
            let j = r.below(24);
            match p % 9 {
                0 => {
                    let body = format!(
                        "when s.host == s{j:02}\n  forbid s.host == s{:02} && s.f1",
                        j + 1
                    );
                    out += &rule(&id, sev, kind, &body);
                    planted.push(("rule-never-fires", id));
                }
                1 => {
                    let (a, b) = (date(&mut r), date(&mut r));
                    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                    out += &rule(
                        &id,
                        sev,
                        kind,
                        &format!("forbid as_of < {lo} && as_of > {hi} && s.f2"),
                    );
                    planted.push(("rule-never-fires", id));
                }
                2 => {
                    out += &rule(&id, sev, kind, "forbid s.date > 9999-12-31 && s.f3");
                    planted.push(("rule-never-fires", id));
                }
                3 => {
                    let k = 100 + r.below(50) * 10;
                    out += &rule(
                        &id,
                        sev,
                        kind,
                        &format!("when s.amount > {k} && s.f4\n  forbid s.amount > {}", k - 5),
                    );
                    planted.push(("rule-always-fires", id));
                }
                4 => {
                    // Covered by a wider rule, declared before or after it.
                    let c = format!(
                        "s.host in o{}.members && s.amount > {}",
                        r.below(4),
                        r.below(50) * 100
                    );
                    let wide = rule(&format!("{id}.wide"), "error", kind, &format!("forbid {c}"));
                    let narrow = rule(
                        &id,
                        "warning",
                        kind,
                        &format!("forbid {c} && s.f5 && s.host in o0.members"),
                    );
                    if p % 16 == 4 {
                        out += &wide;
                        out += &narrow;
                    } else {
                        out += &narrow;
                        out += &wide;
                    }
                    i += 1;
                    planted.push(("redundant-rule", id));
                }
                5 => {
                    // Nested organisations: o0's members are all o2's.
                    let wide = rule(
                        &format!("{id}.wide"),
                        "error",
                        kind,
                        "forbid any p in s.observers: p in o2.members",
                    );
                    let narrow = rule(
                        &id,
                        "error",
                        kind,
                        "forbid any p in s.observers: p in o0.members",
                    );
                    out += &narrow;
                    out += &wide;
                    i += 1;
                    planted.push(("redundant-rule", id));
                }
                6 => {
                    let body = format!(
                        "forbid each p in s.partners where p not in o1.members\n  unless p in o3.members because \"members of o3 are exempt\"\n  unless p == s{:02} because \"shadowed\"",
                        14 + r.below(8)
                    );
                    out += &rule(&id, sev, kind, &body);
                    planted.push(("unless-never-applies", id));
                }
                7 => {
                    out += &rule(
                        &id,
                        sev,
                        kind,
                        &format!(
                            "forbid any q in s.observers: s.f{} && s.amount > 7",
                            r.below(10)
                        ),
                    );
                    planted.push(("unused-binder", id));
                }
                _ => {
                    // Every step breaks one or the other.
                    let f = r.below(10);
                    out += &rule(
                        &id,
                        "error",
                        kind,
                        &format!("require s.f{f} || s.amount > 5"),
                    );
                    out += &rule(
                        &format!("{id}.other"),
                        "error",
                        kind,
                        &format!("forbid s.f{f} || s.amount > 5"),
                    );
                    i += 1;
                    planted.push(("conflicting-rules", id));
                }
            }
            i += 1;
            continue;
        }
        let id = format!("gen.r{i:05}");
        let body = match r.below(10) {
            0 => format!(
                "forbid each p in s.partners where p not in o{}.members\n  unless p == s{:02} because \"an exception\"",
                r.below(8),
                r.below(STATES)
            ),
            1 => format!("when {}\n  forbid {}", cond(&mut r), cond(&mut r)),
            2 => format!("require !({})", cond(&mut r)),
            _ => format!("forbid {}", cond(&mut r)),
        };
        out += &rule(&id, sev, kind, &body);
        i += 1;
    }
    (out, planted)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let (rules, planted) = library(n);
    if std::env::args().any(|a| a == "--print") {
        print!("{}{rules}", schema());
        return;
    }
    let sources = vec![
        SourceFile::new("schema.policy", schema()),
        SourceFile::new("generated.policy", rules),
    ];
    let t = Instant::now();
    let engine = Engine::from_sources(sources).unwrap_or_else(|e| panic!("{e:#?}"));
    let compile = t.elapsed();
    let t = Instant::now();
    let report = lint(&engine, &LintOptions::default());
    let lint_time = t.elapsed();
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for d in &report.diagnostics {
        let name = d.rule.clone().unwrap_or_default();
        *by.entry(name.clone()).or_default() += 1;
        for w in d.message.split('`').skip(1).step_by(2) {
            found.insert((name.clone(), w.to_string()));
        }
        // Unused binders are named by their span, not their rule: find the rule around it.
        if name == "unused-binder" {
            if let Some(src) = &d.source {
                let text = src.text().get(..d.span.start as usize).unwrap_or("");
                if let Some(at) = text.rfind("rule ") {
                    let id = text[at + 5..].split_whitespace().next().unwrap_or("");
                    found.insert((name.clone(), id.to_string()));
                }
            }
        }
    }
    let missed: Vec<_> = planted
        .iter()
        .filter(|(l, id)| !found.contains(&(l.to_string(), id.clone())))
        .collect();
    println!(
        "| rules | compile | lint | solver questions | undecided | candidate pairs | planted defects found |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {n} | {:.2} s | {:.2} s | {} | {} | {} | {} of {} |",
        compile.as_secs_f64(),
        lint_time.as_secs_f64(),
        report.solver_calls,
        report.undecided,
        report.candidate_pairs,
        planted.len() - missed.len(),
        planted.len()
    );
    println!("\nfindings: {by:?}");
    if !report.not_analysed.is_empty() {
        println!("not analysed: {}", report.not_analysed.len());
    }
    assert!(missed.is_empty(), "planted defects missed: {missed:?}");
}
