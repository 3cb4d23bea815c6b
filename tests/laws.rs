//! The engine's laws, as property tests on generated libraries and generated proposals.
//!
//! - the compiled evaluator agrees with the reference interpreter of tests/reference/
//!   (differential testing, on generated libraries and on the standard library);
//! - reordering steps does not change the set of violations;
//! - the text and JSON forms of a proposal give identical reports;
//! - step-scoped rules: checking a proposal gives the union of checking each step alone;
//! - every repair offered makes its violation disappear, parses, and adds no
//!   error-severity violation (generated libraries and the standard library, both forms);
//! - standard library: adding a permit or a consent never adds a violation; removing a
//!   participant never adds a Caspian violation; moving an exercise out of the Caspian
//!   removes its Caspian violations.
//!
//! CI runs a modest number of cases; `PROPTEST_CASES=100000 cargo test --release --test laws` runs 100,000 cases of each law.

#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod reference;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use pactum::testing::{Config, ViolationKey, proposals, proposals_with, violations};
use pactum::{Attr, RawValue};
use pactum::{CheckOptions, Date, Engine, Proposal, Report, SourceFile};
use pactum::{Span, Spanned};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use reference::libgen;

/// Cases per law: `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

fn as_of() -> Date {
    Date::parse("2026-06-01").unwrap()
}

fn opts() -> CheckOptions {
    CheckOptions {
        as_of: Some(as_of()),
        ..CheckOptions::default()
    }
}

fn compile(src: &str) -> Engine {
    match Engine::from_sources(vec![SourceFile::new("generated.policy", src)]) {
        Ok(e) => e,
        Err(errors) => {
            let msgs: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
            panic!("generated library does not compile:\n{src}\n{msgs:#?}")
        }
    }
}

fn small() -> Config {
    Config {
        max_steps: 4,
        max_collection: 3,
        ..Config::default()
    }
}

/// The standard library, compiled once.
fn standard() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::standard)
}

/// The reference's view of the standard library, read once.
fn standard_reference() -> &'static reference::Library {
    static LIB: OnceLock<reference::Library> = OnceLock::new();
    LIB.get_or_init(|| reference::Library::from_sources(standard().sources()))
}

/// A generated library (its source) and proposals valid under it. Every generated library
/// has the same schema, so the proposals come from the schema alone.
fn library_and_proposals() -> impl Strategy<Value = (String, Vec<Proposal>)> {
    static SCHEMA_ONLY: OnceLock<Engine> = OnceLock::new();
    let schema = SCHEMA_ONLY.get_or_init(|| compile(libgen::SCHEMA));
    (
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(|b| libgen::library(&b)),
        proptest::collection::vec(proposals_with(schema, &small()), 1..=4),
    )
}

/// A report's violations and errors as the reference gives them.
fn outcome(report: &Report, p: &Proposal) -> reference::Outcome {
    let mut violations: Vec<reference::Violation> = report
        .violations
        .iter()
        .map(|v| (v.rule.clone(), v.step.clone(), v.binding.clone()))
        .collect();
    violations.sort();
    let mut errors: Vec<reference::Error> = report
        .errors
        .iter()
        .map(|e| {
            let step = p
                .steps
                .iter()
                .find(|s| s.id.span == e.diagnostic.span)
                .map(|s| s.id.node.clone());
            (e.rule.clone().unwrap_or_default(), step, e.code)
        })
        .collect();
    errors.sort();
    reference::Outcome { violations, errors }
}

fn differential(
    engine: &Engine,
    lib: &reference::Library,
    p: &Proposal,
    src: &str,
) -> Result<(), TestCaseError> {
    let report = engine.check_with(p, &opts());
    prop_assert!(
        report
            .errors
            .iter()
            .all(|e| e.code.starts_with("pactum::eval::")),
        "input errors on a generated proposal:\n{}\n{:?}",
        p.to_text(),
        report.errors
    );
    let expected = reference::check(lib, p, Some(as_of()));
    let actual = outcome(&report, p);
    prop_assert_eq!(
        &actual,
        &expected,
        "engine (left) and reference (right) disagree\n--- library rules:\n{}\n--- proposal:\n{}",
        src.strip_prefix(libgen::SCHEMA).unwrap_or(src),
        p.to_text()
    );
    Ok(())
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn compiled_evaluator_agrees_with_the_reference((src, ps) in library_and_proposals()) {
        let engine = compile(&src);
        let files = vec![pactum::syntax::parse_policy(&SourceFile::new("generated.policy", src.as_str())).unwrap()];
        let lib = reference::Library::new(&files);
        for p in &ps {
            differential(&engine, &lib, p, &src)?;
        }
    }

    /// Checking with and without coverage counting gives the same report, byte for byte,
    /// errors included, and runs out of budget on the same proposals. (Both run the one
    /// evaluator, `src/eval/run.rs`; its set strategies against its item-by-item walk are
    /// held to each other by `eval::program`'s tests and by the reference above.)
    #[test]
    fn fast_path_agrees_with_the_tree_walker((src, ps) in library_and_proposals()) {
        let engine = compile(&src);
        for p in &ps {
            // Every budget up to what these small proposals need, to meet its edge exactly.
            for budget in (0..32).chain([u64::MAX]) {
                let opts = CheckOptions { budget, ..opts() };
                let fast = engine.check_with(p, &opts);
                let mut cov = pactum::Coverage::new(&engine);
                let slow = engine.check_with_coverage(p, &opts, &mut cov);
                let json = |r: &Report| serde_json::to_string(r).unwrap();
                prop_assert_eq!(json(&fast), json(&slow), "budget {}\n{}\n{}", budget, src, p.to_text());
                let human = |r: &Report| pactum::render_human(&r.diagnostics().collect::<Vec<_>>(), false);
                prop_assert_eq!(human(&fast), human(&slow));
            }
        }
    }

    #[test]
    fn reordering_steps_keeps_the_violations((src, ps) in library_and_proposals(), seed in any::<u64>()) {
        let engine = compile(&src);
        for p in &ps {
            let q = shuffled(p, seed);
            let (a, b) = (engine.check_with(p, &opts()), engine.check_with(&q, &opts()));
            // Short-circuiting quantifiers over `steps(...)` may meet an absent attribute in
            // one order and not in the other; without errors the violations must agree.
            if a.errors.is_empty() && b.errors.is_empty() {
                prop_assert_eq!(violations(&a), violations(&b), "\n{}\n{}", p.to_text(), q.to_text());
            }
        }
    }

    #[test]
    fn text_and_json_forms_give_identical_reports((src, ps) in library_and_proposals()) {
        let engine = compile(&src);
        for p in &ps {
            same_report_both_forms(&engine, p)?;
        }
    }

    #[test]
    fn step_scoped_rules_give_the_union_of_single_steps((src, ps) in library_and_proposals()) {
        let engine = compile(&src);
        let step_rules: BTreeSet<String> = engine
            .rules()
            .filter(|r| !r.proposal_wide)
            .map(|r| r.id.to_string())
            .collect();
        let keep = |o: reference::Outcome| -> (Vec<reference::Violation>, Vec<reference::Error>) {
            let mut v: Vec<_> = o.violations.into_iter().filter(|x| step_rules.contains(&x.0)).collect();
            let mut e: Vec<_> = o.errors.into_iter().filter(|x| step_rules.contains(&x.0)).collect();
            v.sort();
            e.sort();
            (v, e)
        };
        for p in &ps {
            let whole = keep(outcome(&engine.check_with(p, &opts()), p));
            let mut union = reference::Outcome::default();
            for i in 0..p.steps.len() {
                let mut alone = p.clone();
                alone.steps = vec![p.steps[i].clone()];
                let alone = reparse(&alone);
                let o = outcome(&engine.check_with(&alone, &opts()), &alone);
                union.violations.extend(o.violations);
                union.errors.extend(o.errors);
            }
            prop_assert_eq!(whole, keep(union), "\n{}", p.to_text());
        }
    }
}

/// The law of repairs, for one proposal in both forms: each repair offered, applied to the
/// file's text, gives a file that loads, checks without errors, no longer has the
/// violation (rule, step, binding), and has no error-severity violation the original did
/// not have.
fn repairs_hold(engine: &Engine, p: &Proposal) -> Result<usize, TestCaseError> {
    let with_fixes = CheckOptions {
        fixes: pactum::MAX_FIXES,
        ..opts()
    };
    let mut offered = 0;
    let json = p.to_json_string();
    let forms = [
        (p.source.name().to_string(), p.source.text().to_string()),
        ("<generated>.json".to_string(), json),
    ];
    for (name, text) in forms {
        let Ok(q) = Proposal::load(&name, &text) else {
            continue;
        };
        let report = engine.check_with(&q, &with_fixes);
        if !report.errors.is_empty() {
            continue;
        }
        let errors = |r: &Report| -> BTreeSet<ViolationKey> {
            r.violations
                .iter()
                .filter(|v| v.severity == pactum::Severity::Error)
                .map(|v| (v.rule.clone(), v.step.clone(), v.binding.clone()))
                .collect()
        };
        let before = errors(&report);
        for v in &report.violations {
            let key = (v.rule.clone(), v.step.clone(), v.binding.clone());
            let fixes = v.fixes.as_ref();
            prop_assert!(fixes.is_some(), "no `fixes` with CheckOptions::fixes");
            for f in fixes.into_iter().flatten() {
                offered += 1;
                let fixed = pactum::apply_edits(&text, &f.edits);
                prop_assert!(fixed.is_some(), "overlapping edits: {f:?}");
                let fixed = fixed.unwrap_or_default();
                let r = match Proposal::load(&name, &fixed) {
                    Ok(r) => engine.check_with(&r, &opts()),
                    Err(e) => {
                        return Err(TestCaseError::fail(format!(
                            "`{}` gives a file that does not load:\n{fixed}\n{e:?}",
                            f.description
                        )));
                    }
                };
                prop_assert!(
                    r.errors.is_empty(),
                    "`{}` gives errors {:?}\n{fixed}",
                    f.description,
                    r.errors
                );
                prop_assert!(
                    !violations(&r).contains(&key),
                    "`{}` leaves {key:?}\n{text}\n{fixed}",
                    f.description
                );
                let added: Vec<_> = errors(&r).difference(&before).cloned().collect();
                prop_assert!(
                    added.is_empty(),
                    "`{}` adds {added:?}\n{text}\n{fixed}",
                    f.description
                );
            }
        }
    }
    Ok(offered)
}

proptest! {
    #![proptest_config(cases(100))]

    #[test]
    fn repairs_remove_their_violation_and_add_no_error((src, ps) in library_and_proposals()) {
        let engine = compile(&src);
        for p in &ps {
            repairs_hold(&engine, p)?;
        }
    }

    #[test]
    fn repairs_on_the_standard_library_hold(p in proposals(standard())) {
        repairs_hold(standard(), &p)?;
    }
}

/// The repair law is not vacuous: on generated proposals for the standard library,
/// repairs are offered.
#[test]
fn repairs_are_offered_on_generated_proposals() {
    let mut runner = pactum::testing::runner(7, 64);
    let strategy = proposals(standard());
    let mut offered = 0;
    for _ in 0..64 {
        let p = strategy.new_tree(&mut runner).unwrap().current();
        offered += repairs_hold(standard(), &p).unwrap();
    }
    assert!(offered > 20, "{offered} repairs offered on 64 proposals");
}

proptest! {
    #![proptest_config(cases(400))]

    #[test]
    fn reference_agrees_on_the_standard_library(p in proposals(standard())) {
        differential(standard(), standard_reference(), &p, "<the standard library>")?;
    }

    #[test]
    fn standard_library_reordering_and_forms(p in proposals(standard()), seed in any::<u64>()) {
        let engine = standard();
        let q = shuffled(&p, seed);
        let (a, b) = (engine.check_with(&p, &opts()), engine.check_with(&q, &opts()));
        prop_assert!(a.errors.is_empty() && b.errors.is_empty());
        prop_assert_eq!(violations(&a), violations(&b), "\n{}\n{}", p.to_text(), q.to_text());
        same_report_both_forms(engine, &p)?;
    }

    #[test]
    fn adding_a_permit_or_consent_never_adds_a_violation(
        p in stdlib_proposals(&["transit_flight", "base", "deployment", "exercise"]),
        step in any::<Index>(),
        state in any::<Index>(),
    ) {
        let engine = standard();
        let candidates: Vec<usize> = p
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind.node.as_str(), "transit_flight" | "base" | "deployment"))
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let i = candidates[step.index(candidates.len())];
        let attr = if p.steps[i].kind.node == "transit_flight" { "permits" } else { "consents" };
        // Prefer a state the step involves (on the route, or the host), so the permit matters.
        let mut pool: Vec<String> = names_in(&p.steps[i].attrs);
        pool.retain(|n| STATES.contains(&n.as_str()));
        if pool.is_empty() {
            pool = STATES.iter().map(|s| s.to_string()).collect();
        }
        let who = pool[state.index(pool.len())].clone();
        let mut q = p.clone();
        add_to_list(&mut q.steps[i].attrs, attr, &who);
        let q = reparse(&q);
        let before = engine.check_with(&p, &opts());
        let after = engine.check_with(&q, &opts());
        prop_assert!(before.errors.is_empty() && after.errors.is_empty());
        let added: Vec<ViolationKey> = violations(&after).difference(&violations(&before)).cloned().collect();
        prop_assert!(added.is_empty(), "adding {who} to {attr} of step {} added {added:?}\n{}", p.steps[i].id.node, p.to_text());
    }

    #[test]
    fn removing_a_participant_never_adds_a_caspian_violation(
        p in stdlib_proposals(&["exercise", "deployment", "base"]),
        step in any::<Index>(),
        who in any::<Index>(),
    ) {
        let engine = standard();
        let exercises: Vec<usize> = p
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind.node == "exercise")
            .map(|(i, _)| i)
            .collect();
        if exercises.is_empty() {
            return Ok(());
        }
        let i = exercises[step.index(exercises.len())];
        let mut q = p.clone();
        // Put the exercise in the Caspian, so that the law is exercised, then remove one.
        set_attr(&mut q.steps[i].attrs, "area", RawValue::Ident("caspian_sea".into()));
        let q = reparse(&q);
        let mut r = q.clone();
        let Some(a) = r.steps[i].attrs.iter_mut().find(|a| a.name.node == "participants") else {
            return Ok(());
        };
        let RawValue::List(items) = &mut a.value.node else { return Ok(()) };
        if items.is_empty() {
            return Ok(());
        }
        let k = who.index(items.len());
        items.remove(k);
        let r = reparse(&r);
        let caspian = |rep: &Report| -> BTreeSet<ViolationKey> {
            violations(rep).into_iter().filter(|v| v.0 == "caspian.non_littoral_forces").collect()
        };
        let before = caspian(&engine.check_with(&q, &opts()));
        let after = caspian(&engine.check_with(&r, &opts()));
        prop_assert!(after.is_subset(&before), "\n{}\n{}", q.to_text(), r.to_text());
    }

    #[test]
    fn moving_an_exercise_out_of_the_caspian_removes_its_caspian_violations(
        p in stdlib_proposals(&["exercise", "deployment", "base"]),
        step in any::<Index>(),
        area in any::<Index>(),
    ) {
        let engine = standard();
        let exercises: Vec<usize> = p
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind.node == "exercise")
            .map(|(i, _)| i)
            .collect();
        if exercises.is_empty() {
            return Ok(());
        }
        let i = exercises[step.index(exercises.len())];
        let id = p.steps[i].id.node.clone();
        let mut q = p.clone();
        set_attr(&mut q.steps[i].attrs, "area", RawValue::Ident("caspian_sea".into()));
        let q = reparse(&q);
        let elsewhere: Vec<&str> = AREAS.iter().copied().filter(|a| *a != "caspian_sea").collect();
        let mut r = q.clone();
        set_attr(&mut r.steps[i].attrs, "area", RawValue::Ident(elsewhere[area.index(elsewhere.len())].into()));
        let r = reparse(&r);
        let on_step = |rep: &Report| -> usize {
            rep.violations
                .iter()
                .filter(|v| v.rule == "caspian.non_littoral_forces" && v.step.as_deref() == Some(id.as_str()))
                .count()
        };
        prop_assert_eq!(on_step(&engine.check_with(&r, &opts())), 0, "\n{}", r.to_text());
        // Other steps keep theirs.
        let others = |rep: &Report| -> BTreeSet<ViolationKey> {
            violations(rep)
                .into_iter()
                .filter(|v| v.0 == "caspian.non_littoral_forces" && v.1.as_deref() != Some(id.as_str()))
                .collect()
        };
        prop_assert_eq!(others(&engine.check_with(&q, &opts())), others(&engine.check_with(&r, &opts())));
    }
}

/// Proposals of the standard library with steps of these kinds only.
fn stdlib_proposals(kinds: &[&str]) -> impl Strategy<Value = Proposal> + use<> {
    let config = Config {
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        ..Config::default()
    };
    proposals_with(standard(), &config)
}

const STATES: [&str; 16] = [
    "afghanistan",
    "armenia",
    "azerbaijan",
    "belarus",
    "china",
    "georgia",
    "hungary",
    "iran",
    "kazakhstan",
    "kyrgyzstan",
    "northern_cyprus",
    "russia",
    "tajikistan",
    "turkey",
    "turkmenistan",
    "uzbekistan",
];

const AREAS: [&str; 18] = [
    "afghanistan",
    "armenia",
    "azerbaijan",
    "belarus",
    "black_sea",
    "caspian_sea",
    "china",
    "georgia",
    "hungary",
    "iran",
    "kazakhstan",
    "kyrgyzstan",
    "northern_cyprus",
    "russia",
    "tajikistan",
    "turkey",
    "turkmenistan",
    "uzbekistan",
];

/// Every name in a step's attribute values.
fn names_in(attrs: &[Attr]) -> Vec<String> {
    fn walk(v: &RawValue, out: &mut Vec<String>) {
        match v {
            RawValue::Ident(s) | RawValue::Str(s) => out.push(s.clone()),
            RawValue::List(items) => items.iter().for_each(|i| walk(&i.node, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in attrs {
        walk(&a.value.node, &mut out);
    }
    out
}

fn set_attr(attrs: &mut Vec<Attr>, name: &str, value: RawValue) {
    match attrs.iter_mut().find(|a| a.name.node == name) {
        Some(a) => a.value.node = value,
        None => attrs.push(Attr {
            name: Spanned::new(name.to_string(), Span::default()),
            value: Spanned::new(value, Span::default()),
        }),
    }
}

fn add_to_list(attrs: &mut Vec<Attr>, name: &str, who: &str) {
    let item = Spanned::new(RawValue::Ident(who.to_string()), Span::default());
    match attrs.iter_mut().find(|a| a.name.node == name) {
        Some(a) => {
            if let RawValue::List(items) = &mut a.value.node {
                items.push(item);
            }
        }
        None => set_attr(attrs, name, RawValue::List(vec![item])),
    }
}

/// Prints and parses a proposal again, so that its spans are real.
fn reparse(p: &Proposal) -> Proposal {
    Proposal::parse_named("generated.proposal", &p.to_text()).unwrap()
}

/// The proposal with its steps in another order (a seeded Fisher-Yates shuffle).
fn shuffled(p: &Proposal, seed: u64) -> Proposal {
    let mut q = p.clone();
    let mut x = seed | 1;
    for i in (1..q.steps.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        q.steps.swap(i, j);
    }
    reparse(&q)
}

/// The JSON report of a check, without what depends on the file: names and locations.
fn comparable(report: &Report) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("file");
                m.remove("location");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(report).unwrap();
    strip(&mut v);
    v
}

fn same_report_both_forms(engine: &Engine, p: &Proposal) -> Result<(), TestCaseError> {
    let text = Proposal::parse_named("p.proposal", &p.to_text()).unwrap();
    let json = Proposal::from_json_named("p.json", &p.to_json_string()).unwrap();
    let (a, b) = (
        engine.check_with(&text, &opts()),
        engine.check_with(&json, &opts()),
    );
    prop_assert_eq!(comparable(&a), comparable(&b), "\n{}", p.to_text());
    prop_assert_eq!(violations(&a), violations(&b));
    prop_assert_eq!(a.compliant, b.compliant);
    Ok(())
}

/// The library generator only writes libraries that compile (checked on many byte strings
/// without shrinking, so that a generator bug shows at once).
#[test]
fn generated_libraries_compile() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..cases(400).cases {
        let bytes: Vec<u8> = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let _ = compile(&libgen::library(&bytes));
    }
}

/// docs/language.md: "In a `match`, an arm may name a kind that the binder can never have (a
/// shared `def` used by rules of different scopes); such an arm is never taken." Found by
/// the differential law: when such an arm reads an attribute, the compiler types the whole
/// `match` as an error without reporting it, and every comparison with it compiles to
/// `false` (here: the `unless` never holds, so the rule fires though the reference spares
/// it). Fixed in `compile.rs` (`match_on` skips arms that match no kind of the binder); this
/// test keeps it fixed.
#[test]
fn impossible_match_arms_are_ignored() {
    let src = format!(
        "{}\nrule r {{\n  severity error\n  on flight as s\n  forbid true\n  unless s.permits != members(s)\n  message \"r\"\n}}\n",
        libgen::SCHEMA
    );
    let engine = compile(&src);
    let p = Proposal::parse(
        "proposal x { date: 2026-01-01 }\nstep f: flight { pilot: amber, route: [amber] }",
    )
    .unwrap();
    let lib = reference::Library::new(&[pactum::syntax::parse_policy(&SourceFile::new(
        "g.policy",
        src.as_str(),
    ))
    .unwrap()]);
    assert_eq!(
        reference::check(&lib, &p, None),
        reference::Outcome::default()
    );
    assert!(
        engine.check(&p).violations.is_empty(),
        "the unless holds: permits (none) != members (amber)"
    );
}
