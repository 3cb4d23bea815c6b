//! Property testing of policy libraries (cargo feature `testing`).
//!
//! [`proposals`] is a [proptest](https://docs.rs/proptest) strategy that generates proposals
//! valid under *any* library's schema: every step kind, attribute values from their domains
//! (enum variants, entity ids of the right entity type taken from the library's facts,
//! booleans, small integers, dates in a range, the library's own string literals, sets and
//! lists of those), optional and defaulted attributes sometimes absent. Failing cases shrink
//! to minimal proposals: fewer steps, fewer attributes, smaller sets, simpler values.
//!
//! ```
//! use pactum::testing::{proposals, violations};
//! use pactum::Engine;
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let engine = Engine::standard();
//! let mut runner = TestRunner::deterministic();
//! runner
//!     .run(&proposals(&engine), |p| {
//!         // Every generated proposal is valid: no input errors, ever.
//!         let report = engine.check(&p);
//!         prop_assert!(report.errors.is_empty(), "{}", p.to_text());
//!         let _ = violations(&report);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```
//!
//! See `docs/testing.md` for a complete property test and `pactum explore`, which uses these
//! strategies to report how a library's rules interact.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

pub use proptest;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};

use crate::date::Date;
use crate::engine::Engine;
use crate::ir::{AtomKind, Compiled, Ty};
use crate::proposal::{Attr, Proposal, RawValue, Step};
use crate::report::Report;
use crate::source::{SourceFile, Span, Spanned};

/// What the generated proposals look like.
#[derive(Clone, Debug)]
pub struct Config {
    /// Fewest steps in a proposal (at least 1 unless 0 is asked for).
    pub min_steps: usize,
    /// Most steps in a proposal.
    pub max_steps: usize,
    /// Most elements in a generated set or list.
    pub max_collection: usize,
    /// Integers are drawn from this range (shrinking toward its start, or 0 inside it).
    pub ints: RangeInclusive<i64>,
    /// Dates are drawn from this range (shrinking toward its start).
    pub dates: RangeInclusive<Date>,
    /// Probability that an optional or defaulted attribute is given.
    pub present: f64,
    /// Probability that a step carries its own date.
    pub step_date: f64,
    /// Only these step kinds (all kinds when empty).
    pub kinds: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        let day = |y, m, d| Date::from_ymd(y, m, d).unwrap_or(Date::from_days(0));
        Config {
            min_steps: 1,
            max_steps: 4,
            max_collection: 4,
            ints: -2..=12,
            dates: day(2024, 1, 1)..=day(2028, 12, 31),
            present: 0.6,
            step_date: 0.2,
            kinds: Vec::new(),
        }
    }
}

/// An attribute's name and value.
type NamedValue = (Arc<str>, RawValue);

/// A step before it becomes part of a proposal: its kind, its attributes, its own date.
#[derive(Clone, Debug)]
struct GenStep {
    kind: Arc<str>,
    attrs: Vec<NamedValue>,
    date: Option<Date>,
}

/// Proposals valid under `engine`'s schema, with the default [`Config`].
pub fn proposals(engine: &Engine) -> BoxedStrategy<Proposal> {
    proposals_with(engine, &Config::default())
}

/// Proposals valid under `engine`'s schema. Kinds with a required attribute that no value
/// can fill (an entity type without facts) are left out; a library without any generable
/// kind gives proposals without steps.
pub fn proposals_with(engine: &Engine, config: &Config) -> BoxedStrategy<Proposal> {
    let lib = engine.compiled();
    let kinds: Vec<BoxedStrategy<GenStep>> = (0..lib.kinds.len())
        .filter(|&k| {
            config.kinds.is_empty()
                || lib
                    .kinds
                    .get(k)
                    .is_some_and(|info| config.kinds.contains(&info.name))
        })
        .filter_map(|k| step_strategy(lib, k, config))
        .collect();
    let (lo, hi) = (config.dates.start().days(), config.dates.end().days());
    let date = (lo..=hi.max(lo)).prop_map(Date::from_days);
    let steps: BoxedStrategy<Vec<GenStep>> = if kinds.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        let max = config.max_steps.max(config.min_steps);
        proptest::collection::vec(Union::new(kinds), config.min_steps..=max).boxed()
    };
    (date, steps)
        .prop_map(|(date, steps)| build(date, &steps))
        .boxed()
}

/// Strategy for one step of kind `k`, if every required attribute can be filled.
fn step_strategy(lib: &Compiled, k: usize, config: &Config) -> Option<BoxedStrategy<GenStep>> {
    let info = lib.kinds.get(k)?;
    let kind: Arc<str> = Arc::from(info.name.as_str());
    let mut attrs: Vec<BoxedStrategy<Option<NamedValue>>> = Vec::new();
    for f in &info.fields {
        let name: Arc<str> = Arc::from(f.name.as_str());
        let required = !f.optional && f.default.is_none();
        match value_strategy(lib, &f.ty, config) {
            Some(v) => {
                let named = v.prop_map(move |v| Some((name.clone(), v)));
                attrs.push(if required {
                    named.boxed()
                } else {
                    proptest::option::weighted(config.present, named)
                        .prop_map(Option::flatten)
                        .boxed()
                });
            }
            None if required => return None,
            None => {}
        }
    }
    let (lo, hi) = (config.dates.start().days(), config.dates.end().days());
    let date = proptest::option::weighted(
        config.step_date,
        (lo..=hi.max(lo)).prop_map(Date::from_days),
    );
    Some(
        (attrs, date)
            .prop_map(move |(attrs, date)| GenStep {
                kind: kind.clone(),
                attrs: attrs.into_iter().flatten().collect(),
                date,
            })
            .boxed(),
    )
}

/// The atoms (entity ids or enum variants) of a type, in id order.
fn atoms_of(lib: &Compiled, ty: &Ty) -> Vec<String> {
    lib.atoms
        .iter()
        .filter(|a| match (ty, a.kind) {
            (Ty::Entity(ts), AtomKind::Entity(t)) => ts.contains(&t),
            (Ty::Enum(e), AtomKind::Variant(v)) => *e == v,
            _ => false,
        })
        .map(|a| a.name.clone())
        .collect()
}

/// Strategy for a value of a type, if the type has values.
fn value_strategy(lib: &Compiled, ty: &Ty, config: &Config) -> Option<BoxedStrategy<RawValue>> {
    Some(match ty {
        Ty::Bool => any::<bool>().prop_map(RawValue::Bool).boxed(),
        Ty::Int => {
            let (lo, hi) = (*config.ints.start(), *config.ints.end());
            (lo..=hi.max(lo)).prop_map(RawValue::Int).boxed()
        }
        Ty::Date => {
            let (lo, hi) = (config.dates.start().days(), config.dates.end().days());
            (lo..=hi.max(lo))
                .prop_map(|d| RawValue::Date(Date::from_days(d)))
                .boxed()
        }
        Ty::Str => {
            // The library's own literals make `==` on strings reachable; keep a few short ones.
            let mut pool: Vec<String> = lib
                .strings
                .iter()
                .filter(|s| s.chars().count() <= 24)
                .take(12)
                .cloned()
                .collect();
            pool.insert(0, "x".to_string());
            proptest::sample::select(pool)
                .prop_map(RawValue::Str)
                .boxed()
        }
        Ty::Entity(_) | Ty::Enum(_) => {
            let atoms = atoms_of(lib, ty);
            if atoms.is_empty() {
                return None;
            }
            proptest::sample::select(atoms)
                .prop_map(RawValue::Ident)
                .boxed()
        }
        Ty::Set(elem) if elem.is_atom() => {
            let atoms = atoms_of(lib, elem);
            let max = config.max_collection.min(atoms.len());
            if max == 0 {
                return Some(Just(RawValue::List(Vec::new())).boxed());
            }
            proptest::sample::subsequence(atoms, 0..=max)
                .prop_map(|xs| RawValue::List(xs.into_iter().map(ident).collect()))
                .boxed()
        }
        Ty::Set(elem) | Ty::List(elem) => match value_strategy(lib, elem, config) {
            Some(e) => proptest::collection::vec(e, 0..=config.max_collection)
                .prop_map(|xs| {
                    RawValue::List(
                        xs.into_iter()
                            .map(|x| Spanned::new(x, Span::default()))
                            .collect(),
                    )
                })
                .boxed(),
            None => Just(RawValue::List(Vec::new())).boxed(),
        },
        Ty::Step(_) | Ty::Empty | Ty::Error => return None,
    })
}

fn ident(s: String) -> Spanned<RawValue> {
    Spanned::new(RawValue::Ident(s), Span::default())
}

fn sp<T>(x: T) -> Spanned<T> {
    Spanned::new(x, Span::default())
}

/// Builds the proposal model, prints it and parses it back, so that spans point into a real
/// text (violations underline the offending entity, as for a file).
fn build(date: Date, steps: &[GenStep]) -> Proposal {
    let model = Proposal {
        source: SourceFile::new("<generated>", ""),
        id: sp("generated".to_string()),
        title: None,
        date: Some(sp(date)),
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, s)| Step {
                id: sp(format!("s{}", i + 1)),
                kind: sp(s.kind.to_string()),
                date: s.date.map(sp),
                note: None,
                attrs: s
                    .attrs
                    .iter()
                    .map(|(n, v)| Attr {
                        name: sp(n.to_string()),
                        value: sp(v.clone()),
                    })
                    .collect(),
                span: Span::default(),
            })
            .collect(),
        span: Span::default(),
    };
    let text = model.to_text();
    Proposal::parse_named("<generated>", &text).unwrap_or(model)
}

/// One violation as tests compare them: rule id, step id (`None` for a proposal-wide
/// violation) and the `each` binding (the offending entity), if the rule has one.
pub type ViolationKey = (String, Option<String>, Option<String>);

/// The violations of a report as a set of [`ViolationKey`]s.
pub fn violations(report: &Report) -> BTreeSet<ViolationKey> {
    report
        .violations
        .iter()
        .map(|v| (v.rule.clone(), v.step.clone(), v.binding.clone()))
        .collect()
}

/// The 32-byte ChaCha seed of a `u64` seed (little-endian, repeated).
pub fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    out
}

/// A deterministic test runner: `cases` cases from a ChaCha RNG seeded with `seed`, no
/// persistence of failures, no forking; shrinking as proptest does it.
pub fn runner(seed: u64, cases: u32) -> TestRunner {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_proposals_are_valid_under_the_standard_library() {
        let engine = Engine::standard();
        let kinds = std::cell::RefCell::new(BTreeSet::new());
        let mut r = runner(7, 300);
        r.run(&proposals(&engine), |p| {
            let report = engine.check(&p);
            prop_assert!(
                report.errors.is_empty(),
                "{}\n{:?}",
                p.to_text(),
                report.errors
            );
            for s in &p.steps {
                kinds.borrow_mut().insert(s.kind.node.clone());
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let kinds = kinds.into_inner();
        assert_eq!(kinds.len(), engine.compiled().kinds.len(), "{kinds:?}");
    }

    #[test]
    fn failures_shrink_to_one_small_step() {
        let engine = Engine::standard();
        let mut r = runner(1, 1000);
        let result = r.run(&proposals(&engine), |p| {
            let report = engine.check(&p);
            prop_assert!(
                !report
                    .violations
                    .iter()
                    .any(|v| v.rule == "caspian.non_littoral_forces"),
            );
            Ok(())
        });
        let Err(proptest::test_runner::TestError::Fail(_, p)) = result else {
            panic!("expected a counterexample, got {result:?}");
        };
        assert_eq!(p.steps.len(), 1, "{}", p.to_text());
    }
}
