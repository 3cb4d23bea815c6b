//! `pactum explain` and `Engine::explain_step`: snapshots of the explanation of every step
//! of every example proposal (human and JSON), the law that explain's verdicts are the
//! check's, and the command line (unknown step or rule, exit codes).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failure panics"
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{AS_OF, code, json, opts, pactum, root, stdout};
use pactum::{Engine, Outcome, Proposal, StepExplanation};

/// The example proposals, by path relative to the crate root.
fn examples(ext: &str) -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(root().join(common::EXAMPLES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| {
            format!(
                "{}{}",
                common::EXAMPLES,
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "{paths:?}");
    paths
}

fn load(path: &str) -> Proposal {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    Proposal::load(path, &text).unwrap()
}

/// Every step of every example, explained: a human snapshot per proposal, with every
/// step; the JSON form of its first step (the JSON of every step is about 40,000 lines).
#[test]
fn snapshots_of_every_step() {
    let engine = Engine::standard();
    for path in examples("proposal") {
        let proposal = load(&path);
        let prepared = engine.prepare(&proposal).unwrap();
        let mut human = String::new();
        let mut all: Vec<StepExplanation> = Vec::new();
        for s in &proposal.steps {
            let why = engine
                .explain_step(&prepared, &s.id.node, None, &opts())
                .unwrap();
            human.push_str(&why.human());
            human.push('\n');
            all.push(why);
        }
        let name = Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!(format!("explain_human@{name}"), human);
        insta::assert_json_snapshot!(format!("explain_json@{name}"), all.first());
    }
}

/// The law: for every step of every example (both forms), a rule fires in the explanation
/// exactly where the check reports it, with the same bindings, and could not be evaluated
/// exactly where the check reports an error.
#[test]
fn explain_agrees_with_check() {
    let engine = Engine::standard();
    let mut compared = 0;
    for path in examples("proposal").into_iter().chain(examples("json")) {
        let proposal = load(&path);
        let prepared = engine.prepare(&proposal).unwrap();
        let report = engine.check_prepared(&prepared, &opts());
        for s in &proposal.steps {
            let step = s.id.node.as_str();
            let checked: BTreeSet<(String, Option<String>)> = report
                .violations
                .iter()
                .filter(|v| v.step.as_deref() == Some(step))
                .filter(|v| !engine.rules().any(|r| r.id == v.rule && r.proposal_wide))
                .map(|v| (v.rule.clone(), v.binding.clone()))
                .collect();
            let why = engine.explain_step(&prepared, step, None, &opts()).unwrap();
            let explained: BTreeSet<(String, Option<String>)> = why
                .rules
                .iter()
                .flat_map(|r| {
                    r.bindings
                        .iter()
                        .filter(|b| b.fired)
                        .map(|b| (r.rule.clone(), b.value.clone()))
                })
                .collect();
            assert_eq!(checked, explained, "{path}, step {step}");
            for r in &why.rules {
                assert_eq!(
                    r.fired,
                    r.bindings.iter().any(|b| b.fired),
                    "{path}, {step}: {}",
                    r.rule
                );
                assert_eq!(r.fired, r.outcome == Outcome::Fired, "{path}: {}", r.rule);
                assert!(r.error.is_none(), "{path}, {step}: {}", r.rule);
            }
            compared += 1;
        }
        assert!(report.errors.is_empty(), "{path}");
    }
    assert!(compared > 20, "{compared}");
}

/// The law at every budget: where the evaluation runs out of budget on a rule, the
/// explanation says that rule could not be evaluated, and the violations found agree.
/// (The check's report renders messages under a budget of its own, so it is the
/// evaluation's findings that are compared.)
#[test]
fn explain_agrees_with_evaluation_at_every_budget() {
    let engine = Engine::standard();
    let names: Vec<String> = engine.rules().map(|r| r.id.to_string()).collect();
    let wide: Vec<String> = engine
        .rules()
        .filter(|r| r.proposal_wide)
        .map(|r| r.id.to_string())
        .collect();
    for path in [
        "policies/examples/trans-caspian-transit.proposal",
        common::VIOLATING,
    ] {
        let proposal = load(path);
        let prepared = engine.prepare(&proposal).unwrap();
        for budget in 0..24 {
            let o = pactum::CheckOptions { budget, ..opts() };
            let findings = engine.evaluate(&prepared, &o);
            let found: BTreeSet<(String, usize)> = findings
                .violations()
                .iter()
                .map(|f| (names[f.rule()].clone(), f.step().unwrap()))
                .filter(|(r, _)| !wide.contains(r))
                .collect();
            let mut explained = BTreeSet::new();
            let mut errors = 0;
            for (i, s) in proposal.steps.iter().enumerate() {
                let why = engine
                    .explain_step(&prepared, &s.id.node, None, &o)
                    .unwrap();
                for r in &why.rules {
                    errors += usize::from(r.outcome == Outcome::Error);
                    if r.bindings.iter().any(|b| b.fired) {
                        explained.insert((r.rule.clone(), i));
                    }
                }
            }
            // The `on proposal` rules, explained one by one.
            let first = &proposal.steps[0].id.node;
            for r in &wide {
                let why = engine.explain_step(&prepared, first, Some(r), &o).unwrap();
                errors += usize::from(why.rules[0].outcome == Outcome::Error);
            }
            assert_eq!(found, explained, "{path}, budget {budget}");
            assert_eq!(findings.failures(), errors, "{path}, budget {budget}");
        }
    }
}

/// Each outcome of the standard library's examples reads as documented.
#[test]
fn outcomes_read_as_documented() {
    let engine = Engine::standard();
    let proposal = load("policies/examples/caspian-shield.proposal");
    let prepared = engine.prepare(&proposal).unwrap();
    let why = engine
        .explain_step(&prepared, "ex1", None, &opts())
        .unwrap();
    let outcome = |id: &str| why.rules.iter().find(|r| r.rule == id).unwrap().outcome;
    assert_eq!(outcome("caspian.non_littoral_forces"), Outcome::Fired);
    assert_eq!(
        outcome("risk.black_sea.montreux_limits"),
        Outcome::WhenFalse
    );
    assert_eq!(outcome("caspian.territory_against_party"), Outcome::Empty);
    assert_eq!(outcome("ots.no_command_structure"), Outcome::ConditionFalse);
    let text = why.human();
    assert!(
        text.contains(
            "did not fire: `s.command == unified` is false (command of step ex1: national)"
        ),
        "{text}"
    );
}

/// A rule that reads an absent attribute says so, with the check's error.
#[test]
fn an_absent_attribute_is_an_error_outcome() {
    let lib = common::scratch("explain", "absent");
    std::fs::write(
        lib.join("rules.policy"),
        "entity State { name: string }\n\
         fact turkey: State { name: \"Turkey\" }\n\
         step visit { host: State? }\n\
         rule r.host {\n  severity error\n  cite turkey \"x\"\n  on visit as s\n  forbid s.host == turkey\n  message \"m\"\n  help \"h\"\n}\n",
    )
    .unwrap();
    let engine = Engine::load(&lib).unwrap();
    let proposal = Proposal::parse("proposal p { date: 2026-01-01 }\nstep v1: visit { }").unwrap();
    let prepared = engine.prepare(&proposal).unwrap();
    let why = engine.explain_step(&prepared, "v1", None, &opts()).unwrap();
    let r = &why.rules[0];
    assert_eq!(r.outcome, Outcome::Error);
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.code, "pactum::eval::absent_attribute");
    let c = r.bindings[0].condition.as_ref().unwrap();
    assert_eq!((c.text.as_str(), c.value), ("s.host == turkey", None));
    let report = engine.check_prepared(&prepared, &opts());
    assert_eq!(report.errors.len(), 1);
}

// ------------------------------------------------------------------ the command line

fn explain(args: &[&str]) -> std::process::Output {
    let mut all = vec!["explain", "--as-of", AS_OF];
    all.extend_from_slice(args);
    pactum(&all)
}

#[test]
fn cli_exit_codes() {
    // An error-severity rule fires: 1, as check.
    let out = explain(&["--step", "ex1", common::VIOLATING]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("✗ caspian.non_littoral_forces  error  fired for `turkey`"));
    // Only one rule, which does not fire: 0.
    let out = explain(&[
        "--step",
        "ex1",
        "--rule",
        "ots.no_command_structure",
        common::VIOLATING,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // Warnings only: 0.
    let out = explain(&[
        "--step",
        "ex1",
        "--rule",
        "risk.china.middle_corridor_hubs",
        common::VIOLATING,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn cli_json_has_the_documented_keys() {
    let out = explain(&[
        "--format",
        "json",
        "--step",
        "ex1",
        "--rule",
        "caspian.non_littoral_forces",
        common::VIOLATING_JSON,
    ]);
    assert_eq!(code(&out), 1);
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["step"], "ex1");
    let r = &v["rules"][0];
    assert_eq!(r["rule"], "caspian.non_littoral_forces");
    assert_eq!(r["outcome"], "fired");
    assert_eq!(r["fired"], true);
    let when = &r["when"];
    assert_eq!(when["op"], "and");
    assert_eq!(when["value"], true);
    let first = &when["children"][0];
    assert_eq!(first["text"], "s.area == caspian_sea");
    assert_eq!(first["source"]["file"], "<std>/caspian.policy");
    assert!(first["source"]["line"].as_u64().unwrap() > 1);
    let turkey = r["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["value"] == "turkey")
        .unwrap();
    assert_eq!(turkey["fired"], true);
    assert_eq!(turkey["condition"]["value"], true);
}

#[test]
fn cli_unknown_step() {
    let out = explain(&["--step", "ex2", common::VIOLATING]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    assert!(text.contains("pactum::explain::unknown_step"), "{text}");
    assert!(text.contains("has no step `ex2`"), "{text}");
    assert!(text.contains("did you mean `ex1`?"), "{text}");
    let out = explain(&["--format", "json", "--step", "nope", common::VIOLATING]);
    assert_eq!(code(&out), 2);
    let v = json(&out);
    assert_eq!(
        v["results"][0]["errors"][0]["code"],
        "pactum::explain::unknown_step"
    );
}

#[test]
fn cli_unknown_rule() {
    let out = explain(&[
        "--step",
        "ex1",
        "--rule",
        "caspian.non_littoral_force",
        common::VIOLATING,
    ]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    assert!(text.contains("pactum::explain::unknown_rule"), "{text}");
    assert!(
        text.contains("did you mean `caspian.non_littoral_forces`?"),
        "{text}"
    );
    // A rule of the library that is not checked on an exercise.
    let out = explain(&[
        "--step",
        "ex1",
        "--rule",
        "transit.per_flight_consent",
        common::VIOLATING,
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("pactum::explain::not_applicable"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn cli_invalid_input_exits_2() {
    let out = explain(&["--step", "ex1", common::MALFORMED]);
    assert_eq!(code(&out), 2);
    let out = explain(&["--step", "ex1", "no/such/file.proposal"]);
    assert_eq!(code(&out), 2);
    let out = pactum(&[
        "explain",
        "--as-of",
        "soon",
        "--step",
        "ex1",
        common::VIOLATING,
    ]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("pactum::usage"));
}

/// Text from the proposal is escaped: a string value cannot carry terminal controls into
/// the output.
#[test]
fn cli_output_is_escaped() {
    let dir = common::scratch("explain", "escaped");
    let file = dir.join("p.json");
    std::fs::write(
        &file,
        r#"{ "id": "p", "date": "2026-09-15", "steps": [
            { "id": "a1", "kind": "arms_transfer", "supplier": "turkey", "recipient": "russia",
              "system": "TB2\u001b[2J\u202e" } ] }"#,
    )
    .unwrap();
    let file = file.to_string_lossy().to_string();
    for format in ["human", "json"] {
        let out = explain(&["--format", format, "--step", "a1", &file]);
        let text = stdout(&out);
        assert!(matches!(code(&out), 0 | 1), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text:?}"
        );
    }
}
