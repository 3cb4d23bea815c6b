//! The property test shown in docs/testing.md, run as part of our suite. The code between
//! the BEGIN and END markers is the documentation's example, verbatim (checked below).

#![cfg(feature = "testing")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

// BEGIN docs/testing.md example
use std::sync::OnceLock;

use pactum::testing::{proposals, violations};
use pactum::{Engine, Proposal, RawValue, Span, Spanned};
use proptest::prelude::*;

/// The library under test, compiled once for all cases.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load("policies/").expect("the library compiles"))
}

/// The same proposal with every transit flight carrying humanitarian cargo only.
fn humanitarian_only(mut p: Proposal) -> Proposal {
    for step in &mut p.steps {
        if step.kind.node != "transit_flight" {
            continue;
        }
        for attr in &mut step.attrs {
            if attr.name.node == "cargo" {
                let item = Spanned::new(RawValue::Ident("humanitarian".into()), Span::default());
                attr.value.node = RawValue::List(vec![item]);
            }
        }
    }
    p
}

proptest! {
    // Every generated proposal is valid input: a rule that cannot be evaluated on one (it
    // reads an optional attribute without `has`, say) fails here with a minimal proposal.
    #[test]
    fn every_rule_evaluates(p in proposals(engine())) {
        let report = engine().check(&p);
        prop_assert!(report.errors.is_empty(), "{}\n{:?}", p.to_text(), report.errors);
    }

    // Every violation names a step of the proposal.
    #[test]
    fn violations_name_steps(p in proposals(engine())) {
        for v in engine().check(&p).violations {
            let step = v.step.expect("the standard library's rules report a step");
            prop_assert!(p.step(&step).is_some(), "{} names no step of\n{}", v.rule, p.to_text());
        }
    }

    // Humanitarian-only flights never militarise the Middle Corridor, and making a
    // proposal's flights humanitarian never adds a violation.
    #[test]
    fn humanitarian_flights_are_not_militarisation(p in proposals(engine())) {
        let before = violations(&engine().check(&p));
        let q = humanitarian_only(p.clone());
        let after = violations(&engine().check(&q));
        prop_assert!(
            !after.iter().any(|(rule, _, _)| rule == "risk.china.middle_corridor_militarisation"),
            "{}",
            q.to_text()
        );
        prop_assert!(after.is_subset(&before), "{}", p.to_text());
    }
}
// END docs/testing.md example

#[test]
fn docs_testing_md_shows_this_example() {
    let me = include_str!("testing_doc.rs");
    let begin = "// BEGIN docs/testing.md example\n";
    let start = me.find(begin).unwrap() + begin.len();
    let end = me.find("// END docs/testing.md example").unwrap();
    let example = &me[start..end];
    let doc = include_str!("../docs/testing.md");
    assert!(
        doc.contains(example),
        "docs/testing.md must show the example of tests/testing_doc.rs verbatim"
    );
}
