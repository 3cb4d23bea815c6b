//! The semantic lints' laws, in the style of the engine's (tests/laws.rs): on generated
//! libraries, every finding is re-decided by brute force over generated steps through the
//! engine itself, and defects planted into generated libraries are found.
//!
//! - `rule-never-fires` R: R fires on no generated step;
//! - `rule-always-fires` R: on every step where R's `when` holds (a probe rule `forbid
//!   WHEN` fires), R fires;
//! - `redundant-rule` A (covered by B): wherever A fires, B fires;
//! - `conflicting-rules` A, B: on every step, A or B fires;
//! - `unless-never-applies` R's exception i: making it false once evaluated (`(U) && false`,
//!   which fails where U fails) changes nothing on any step;
//! - `unless-always-applies`: R fires on no step.
//!
//! And `may-error`, both ways, on generated rules whose messages and helps read optional
//! attributes too: every read that the engine fails at on a generated step is reported,
//! and every reported read fails on its witness step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use pactum::lint::{LintOptions, lint};
use pactum::{CheckOptions, Date, Engine, Proposal, SourceFile};
use proptest::prelude::*;

const SCHEMA: &str = r#"
entity State { rank: int? }
entity Org { members: set<State> = [] }
entity Instrument { title: string, entry_into_force: date? }
fact a: State { rank: 2 }
fact b: State { rank: 4 from 2020-01-03 }
fact c: State { rank: 0 until 2020-01-02, rank: 3 from 2020-01-02 }
fact o: Org { members: [a, b until 2020-01-02, c from 2020-01-03] }
fact t: Instrument { title: "T", entry_into_force: 2020-01-01 }
step ex { who: set<State>, host: State?, armed: bool = false, n: int = 0, m: int = 0, due: date?, stops: list<State> = [] }
"#;

const STATES: &[&str] = &["a", "b", "c"];
const DATES: &[&str] = &[
    "2019-12-30",
    "2019-12-31",
    "2020-01-01",
    "2020-01-02",
    "2020-01-03",
    "2020-01-04",
];
const CONST_DATES: &[&str] = &["2020-01-01", "2020-01-03"];

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
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// An atomic condition; `p` is in scope when `binder`.
fn atom(r: &mut Rng, binder: bool) -> String {
    let x = r.pick(STATES);
    let k = r.below(4);
    let d = r.pick(CONST_DATES);
    match r.below(if binder { 20 } else { 18 }) {
        15 => "any q in s.stops: q.rank > 1".into(),
        16 => "all q in s.stops: q.rank < 3".into(),
        17 => format!("{x} in s.stops"),
        0 => "s.armed".into(),
        1 => "!s.armed".into(),
        2 => format!("s.host == {x}"),
        3 => "s has host".into(),
        4 => format!("{x} in s.who"),
        5 => "s.host in o.members".into(),
        6 => format!("s.n > {k}"),
        7 => format!("s.n < {k}"),
        8 => format!("s.n == {k}"),
        9 => "s.n > s.m".into(),
        10 => format!("s.due < {d}"),
        11 => format!("s.date > {d}"),
        12 => format!("as_of < {d}"),
        13 => "any q in s.who: q in o.members".into(),
        14 => "in_force(t, s.date)".into(),
        18 => format!("p == {x}"),
        _ => "p in o.members".into(),
    }
}

fn cond(r: &mut Rng, binder: bool, depth: u32) -> String {
    if depth == 0 || r.below(3) == 0 {
        return atom(r, binder);
    }
    match r.below(4) {
        0 => format!("!({})", cond(r, binder, depth - 1)),
        1 => format!(
            "({} || {})",
            cond(r, binder, depth - 1),
            cond(r, binder, depth - 1)
        ),
        _ => format!(
            "({} && {})",
            cond(r, binder, depth - 1),
            cond(r, binder, depth - 1)
        ),
    }
}

/// A generated rule: its parts, so that probes and variants can be made from it.
#[derive(Clone, Debug)]
struct Rule {
    id: String,
    severity: &'static str,
    when: Option<String>,
    forbid: bool,
    each: bool,
    cond: String,
    unless: Vec<String>,
    /// The message and help (without quotes).
    texts: (String, String),
}

impl Rule {
    fn random(r: &mut Rng, id: String) -> Rule {
        let each = r.below(3) == 0;
        let n_unless = r.below(3);
        Rule {
            id,
            severity: ["error", "warning", "note"][r.below(3)],
            when: (r.below(3) == 0).then(|| cond(r, false, 1)),
            forbid: r.below(4) != 0 || each,
            each,
            cond: cond(r, each, 2),
            unless: (0..n_unless).map(|_| cond(r, each, 1)).collect(),
            texts: ("m".into(), "h".into()),
        }
    }

    /// The same rule with a message and a help that may read optional attributes.
    fn with_texts(mut self, r: &mut Rng) -> Rule {
        let pick = |r: &mut Rng| -> String {
            let mut options = vec![
                "m",
                "host {s.host}",
                "due {s.due}",
                "{s.n} {s.who}",
                "{if s has host then s.host else a}",
                "{s.host.rank}",
            ];
            if self.each {
                options.extend(["{p}", "{p.rank}", "{p} {s.due}"]);
            }
            options[r.below(options.len())].to_string()
        };
        self.texts = (pick(r), pick(r));
        self
    }

    fn text(&self) -> String {
        let when = self
            .when
            .as_ref()
            .map(|w| format!("  when {w}\n"))
            .unwrap_or_default();
        let verdict = match (self.each, self.forbid) {
            (true, _) => format!("forbid each p in s.who where {}", self.cond),
            (false, true) => format!("forbid {}", self.cond),
            (false, false) => format!("require {}", self.cond),
        };
        let unless: String = self
            .unless
            .iter()
            .map(|u| format!("  unless {u} because \"x\"\n"))
            .collect();
        format!(
            "rule {} {{\n  severity {}\n  cite t \"art. 1\"\n  on ex as s\n{when}  {verdict}\n{unless}  message \"{}\"\n  help \"{}\"\n}}\n",
            self.id, self.severity, self.texts.0, self.texts.1
        )
    }
}

fn engine(rules: &[Rule]) -> Option<Engine> {
    let text: String = rules.iter().map(Rule::text).collect();
    Engine::from_sources(vec![
        SourceFile::new("s.policy", SCHEMA),
        SourceFile::new("r.policy", text),
    ])
    .ok()
}

/// Generated steps, grouped by evaluation date: (as_of, proposal text).
fn steps(seed: u64, n: usize) -> Vec<(Date, String)> {
    let mut r = Rng(seed | 1);
    let mut by: BTreeMap<&str, String> = BTreeMap::new();
    for i in 0..n {
        let who: Vec<&str> = STATES.iter().copied().filter(|_| r.below(2) == 0).collect();
        let host = match r.below(4) {
            0 => String::new(),
            k => format!("  host: {}\n", STATES[k - 1]),
        };
        let due = match r.below(4) {
            0 => String::new(),
            _ => format!("  due: {}\n", r.pick(DATES)),
        };
        let ints = [-1, 0, 1, 2, 3, 4];
        // A list in a random order, duplicates allowed.
        let stops: Vec<&str> = (0..r.below(4)).map(|_| r.pick(STATES)).collect();
        let step = format!(
            "step s{i}: ex {{\n  who: [{}]\n  stops: [{}]\n{host}  armed: {}\n  n: {}\n  m: {}\n{due}  date: {}\n}}\n",
            who.join(", "),
            stops.join(", "),
            r.below(2) == 0,
            ints[r.below(6)],
            ints[r.below(6)],
            r.pick(DATES)
        );
        by.entry(r.pick(DATES))
            .or_insert_with(|| "proposal p {}\n".to_string())
            .push_str(&step);
    }
    by.into_iter()
        .map(|(d, text)| (Date::parse(d).unwrap(), text))
        .collect()
}

/// For each rule id, the (as_of, step) pairs on which it fires.
fn fired(
    engine: &Engine,
    steps: &[(Date, String)],
) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (d, text) in steps {
        let p = Proposal::parse(text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let opts = CheckOptions {
            as_of: Some(*d),
            ..common::opts()
        };
        for v in engine.check_with(&p, &opts).violations {
            out.entry(v.rule)
                .or_default()
                .insert((d.to_string(), v.step.unwrap_or_default()));
        }
    }
    out
}

/// Every step of `steps`, as (as_of, step id).
fn all_steps(steps: &[(Date, String)]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (d, text) in steps {
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("step ") {
                let id = rest.split(':').next().unwrap();
                out.insert((d.to_string(), id.to_string()));
            }
        }
    }
    out
}

/// The rule ids named between backticks in a message.
fn named(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn check_findings(rules: &[Rule], seed: u64) -> Result<(), TestCaseError> {
    let Some(e) = engine(rules) else {
        return Ok(()); // a generated rule that does not type (rare): nothing to check
    };
    let report = lint(&e, &LintOptions::default());
    prop_assert_eq!(report.undecided, 0);
    let steps = steps(seed, 400);
    let fires = fired(&e, &steps);
    let everywhere = all_steps(&steps);
    let empty = BTreeSet::new();
    let on = |id: &str| fires.get(id).unwrap_or(&empty);
    for d in &report.diagnostics {
        let lint_name = d.rule.clone().unwrap_or_default();
        let ids = named(&d.message);
        let rule = |id: &str| rules.iter().find(|r| r.id == id);
        match lint_name.as_str() {
            "rule-never-fires" => {
                prop_assert!(
                    on(&ids[0]).is_empty(),
                    "{} fires on {:?}",
                    ids[0],
                    on(&ids[0])
                );
            }
            "unless-always-applies" => {
                prop_assert!(on(&ids[0]).is_empty(), "{} fires", ids[0]);
            }
            "rule-always-fires" => {
                let r = rule(&ids[0]).unwrap();
                let mut probe = r.clone();
                probe.id = "probe.when".into();
                probe.cond = r.when.clone().unwrap_or_else(|| "true".into());
                probe.when = None;
                probe.forbid = true;
                probe.each = false;
                probe.unless.clear();
                let pe = engine(&[probe]).unwrap();
                let applies = fired(&pe, &steps).remove("probe.when").unwrap_or_default();
                for s in &applies {
                    prop_assert!(
                        on(&ids[0]).contains(s),
                        "{} does not fire on {:?}",
                        ids[0],
                        s
                    );
                }
            }
            "redundant-rule" => {
                let (a, b) = (&ids[0], &ids[1]);
                for s in on(a) {
                    prop_assert!(on(b).contains(s), "{a} fires on {s:?}, {b} does not");
                }
            }
            "conflicting-rules" => {
                let (a, b) = (&ids[0], &ids[1]);
                for s in &everywhere {
                    prop_assert!(
                        on(a).contains(s) || on(b).contains(s),
                        "neither {a} nor {b} fires on {s:?}"
                    );
                }
            }
            "unless-never-applies" => {
                let r = rule(&ids[0]).unwrap();
                // Which exception: the one the finding points at.
                let src = d.source.as_ref().unwrap().text();
                let at = d.span.start as usize;
                let text = &src[at..d.span.end as usize];
                let i = r
                    .unless
                    .iter()
                    .position(|u| text.starts_with(&format!("unless {u} because")))
                    .unwrap();
                let mut variant = r.clone();
                // Never holding, it may still fail (read an absent attribute): the same
                // condition made false after it is evaluated must change nothing.
                variant.unless[i] = format!("({}) && false", r.unless[i]);
                let ve = engine(&[variant]).unwrap();
                let vf = fired(&ve, &steps).remove(&r.id).unwrap_or_default();
                prop_assert_eq!(
                    &vf,
                    on(&r.id),
                    "removing exception {} of {} changes its firings:\n{}",
                    i,
                    r.id,
                    r.text()
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// The (rule id, span) of every read that `may-error` reports.
fn may_error_reads(
    e: &Engine,
    report: &pactum::lint::LintReport,
) -> Result<BTreeSet<(String, u32, u32)>, TestCaseError> {
    let mut out = BTreeSet::new();
    for d in &report.diagnostics {
        if d.rule.as_deref() != Some("may-error") {
            continue;
        }
        let id = named(&d.message)[0].clone();
        // Its witness: the step, and the date it was checked with.
        let note = d.notes.iter().find(|n| n.contains("proposal witness"));
        let note = note.ok_or_else(|| {
            TestCaseError::fail(format!(
                "no witness: {d:?}\n{}",
                d.source
                    .as_ref()
                    .map(|s| s.text().to_string())
                    .unwrap_or_default()
            ))
        })?;
        let text = &note[note.find("// checked with --as-of ").unwrap()..];
        let date = text["// checked with --as-of ".len()..]
            .split('\n')
            .next()
            .unwrap();
        let p = Proposal::parse(text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let opts = CheckOptions {
            as_of: Some(Date::parse(date).unwrap()),
            ..common::opts()
        };
        let fails_here = e.check_with(&p, &opts).errors.iter().any(|x| {
            x.rule.as_deref() == Some(id.as_str())
                && x.code == "pactum::eval::absent_attribute"
                && x.diagnostic
                    .related
                    .first()
                    .is_some_and(|r| r.span == d.span)
        });
        prop_assert!(
            fails_here,
            "the witness of {} does not fail there:\n{}",
            d.message,
            text
        );
        out.insert((id, d.span.start, d.span.end));
    }
    Ok(out)
}

fn check_may_error(rules: &[Rule], seed: u64) -> Result<(), TestCaseError> {
    let Some(e) = engine(rules) else {
        return Ok(());
    };
    let report = lint(&e, &LintOptions::default());
    prop_assert_eq!(report.undecided, 0);
    let reported = may_error_reads(&e, &report)?;
    let skipped: BTreeSet<&str> = report.not_analysed.iter().map(|x| x.0.as_str()).collect();
    for (d, text) in steps(seed, 300) {
        let p = Proposal::parse(&text).unwrap();
        let opts = CheckOptions {
            as_of: Some(d),
            ..common::opts()
        };
        for x in e.check_with(&p, &opts).errors {
            let Some(id) = x.rule.as_deref() else {
                continue;
            };
            if x.code != "pactum::eval::absent_attribute" || skipped.contains(id) {
                continue;
            }
            let span = x.diagnostic.related.first().unwrap().span;
            prop_assert!(
                reported.contains(&(id.to_string(), span.start, span.end)),
                "{} fails at {:?} on\n{}\nbut may-error reports only {:?}\n{}",
                id,
                span,
                text,
                reported,
                rules.iter().map(Rule::text).collect::<String>()
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// `may-error` reports every read that fails on a generated step, and each read it
    /// reports fails on its witness.
    #[test]
    fn may_error_reports_exactly_the_reads_that_fail(seed in any::<u64>(), n in 1usize..4) {
        let mut r = Rng(seed | 1);
        let rules: Vec<Rule> = (0..n)
            .map(|i| Rule::random(&mut r, format!("r{i}")).with_texts(&mut r))
            .collect();
        check_may_error(&rules, seed ^ 0x5EED)?;
    }

    /// Every finding holds on every generated step.
    #[test]
    fn every_finding_holds_by_brute_force(seed in any::<u64>(), n in 1usize..5) {
        let mut r = Rng(seed | 1);
        let rules: Vec<Rule> = (0..n).map(|i| Rule::random(&mut r, format!("r{i}"))).collect();
        check_findings(&rules, seed ^ 0xABCD)?;
    }

    /// Defects planted into a generated library are found (and still hold).
    #[test]
    fn planted_defects_are_found(seed in any::<u64>(), n in 0usize..4) {
        let mut r = Rng(seed | 1);
        let mut rules: Vec<Rule> = (0..n).map(|i| Rule::random(&mut r, format!("r{i}"))).collect();
        let base = Rule::random(&mut r, "base".into());
        let k = r.below(4);
        let x = r.pick(STATES);
        let y = STATES.iter().copied().find(|s| *s != x).unwrap();
        let planted: Vec<(&str, &str, Rule)> = vec![
            // Never: an empty gap between ints, or a `when` the condition contradicts.
            ("rule-never-fires", "plant.never", Rule { id: "plant.never".into(), cond: format!("(s.n > {k} && s.n < {}) && {}", k + 1, base.cond), each: false, forbid: true, unless: vec![], ..base.clone() }),
            ("rule-never-fires", "plant.when", Rule { id: "plant.when".into(), when: Some(format!("s.host == {x}")), cond: format!("s.host == {y}"), each: false, forbid: true, unless: vec![], ..base.clone() }),
            // Always, relative to the `when`.
            ("rule-always-fires", "plant.always", Rule { id: "plant.always".into(), when: Some(format!("s.n > {}", k + 1)), cond: format!("s.n > {k}"), each: false, forbid: true, unless: vec![], ..base.clone() }),
            // Redundant: the base rule with one more conjunct and a lower severity.
            // (No exceptions: an exception that errors where only the wider rule reaches it
            // would stop the wider rule's later bindings, and the narrow one would not be
            // covered.)
            ("redundant-rule", "plant.narrow", Rule { id: "plant.narrow".into(), severity: "note", forbid: true, unless: vec![], cond: format!("({}) && s.armed && s.n == {k}", base.cond), ..base.clone() }),
            // An exception shadowed by the one before it.
            ("unless-never-applies", "plant.shadow", Rule { id: "plant.shadow".into(), when: None, each: true, forbid: true, cond: format!("p != {x} || s.armed"), unless: vec![format!("p == {y} || s.n > {k}"), format!("p == {y}")], ..base.clone() }),
        ];
        let (lint_name, id, rule) = planted[r.below(planted.len())].clone();
        let covering = Rule { id: "base".into(), severity: "error", forbid: true, unless: vec![], ..base.clone() };
        if id == "plant.narrow" {
            rules.push(covering);
        }
        rules.push(rule);
        let Some(e) = engine(&rules) else { return Ok(()) };
        let report = lint(&e, &LintOptions::default());
        let found = report.diagnostics.iter().any(|d| {
            d.rule.as_deref() == Some(lint_name) && named(&d.message).first().map(String::as_str) == Some(id)
        });
        // A planted rule may be caught by a stronger finding first: a narrow rule that can
        // never fire, say (its generated base contradicts its extra conjuncts).
        let never = report.diagnostics.iter().any(|d| {
            d.rule.as_deref() == Some("rule-never-fires") && named(&d.message).first().map(String::as_str) == Some(id)
        });
        let a_lint: Vec<_> = report.diagnostics.iter().map(|d| (d.rule.clone(), d.message.clone())).collect();
        prop_assert!(found || (never && lint_name != "rule-never-fires"), "{lint_name} on {id} not found in {a_lint:#?}\n{}", rules.iter().map(Rule::text).collect::<String>());
        check_findings(&rules, seed ^ 0x1234)?;
    }
}
