//! CLI tests of `pactum test` and `pactum explore`, through the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use common::{AS_OF, code, json, pactum, standard_rules, stdout};

/// A fresh folder holding a copy of the standard library's `.policy` files and the given
/// test files (relative path, text).
fn library(tests: &[(&str, &str)]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pactum-cli-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    for (name, text) in tests {
        let path = dir.join("tests").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const SHIELD: &str = "proposal shield {\n  date: 2026-09-15\n}\n\nstep ex1: exercise {\n  participants: [turkey, hungary, iran]\n  area: caspian_sea\n}\n";

fn with_header(header: &str) -> String {
    format!("{header}{SHIELD}")
}

// ---------------------------------------------------------------- pactum test

#[test]
fn the_standard_library_passes_its_tests_with_full_coverage() {
    let o = pactum(&["test", "--require-coverage", "policies/"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}");
    assert!(
        out.contains(&format!(
            "{n}/{n} rules fired, 1/1 unless exceptions taken",
            n = standard_rules()
        )),
        "{out}"
    );
    assert!(out.contains("test result: ok."), "{out}");
    assert!(
        out.contains("test policies/tests/caspian.proposal ... ok"),
        "{out}"
    );
    assert!(
        out.contains("unless #1 (policies/risks.policy:31): taken"),
        "{out}"
    );
}

/// Without `--policies`, `pactum test` and `pactum lint` work on the standard library built
/// in, from any folder (here one with no `policies/`): the same tests as the repository's
/// `policies/` give, and `--policies DIR` is the same as `DIR`.
#[test]
fn the_default_library_is_the_standard_library_built_in() {
    let elsewhere = common::scratch("cli_test_explore", "elsewhere");
    let o = common::pactum_in(&elsewhere, &["test", "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let built_in = json(&o);
    assert_eq!(built_in["libraries"][0]["library"], "<std>");
    let o = pactum(&[
        "test",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--policies",
        "policies",
    ]);
    let from_disk = json(&o);
    assert_eq!(built_in["summary"], from_disk["summary"]);
    assert!(built_in["summary"]["tests"].as_u64().unwrap() >= 8);
    let human = common::pactum_in(&elsewhere, &["test", "--as-of", AS_OF]);
    assert!(
        stdout(&human).contains("coverage of `<std>`"),
        "{}",
        stdout(&human)
    );

    let lint = common::pactum_in(&elsewhere, &["lint"]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
    assert!(
        stdout(&lint).starts_with("<std>: 0 errors"),
        "{}",
        stdout(&lint)
    );
    let lint = pactum(&["lint", "--policies", "policies", "--format", "json"]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
}

#[test]
fn json_report_of_the_standard_library() {
    let o = pactum(&["test", "--format", "json", "policies/"]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["version"], 1);
    let s = &v["summary"];
    assert_eq!(s["failed"], 0);
    assert_eq!(s["invalid"], 0);
    assert_eq!(s["passed"], s["tests"]);
    assert_eq!(s["rules"], standard_rules());
    assert_eq!(s["rules_fired"], standard_rules());
    assert_eq!(s["unless_taken"], 1);
    let lib = &v["libraries"][0];
    assert_eq!(lib["never_fired"].as_array().unwrap().len(), 0);
    let corridor = lib["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "risk.china.middle_corridor_militarisation")
        .unwrap();
    assert_eq!(
        corridor["unless"][0]["because"],
        "humanitarian-only flights do not militarise the corridor"
    );
    assert!(corridor["unless"][0]["taken"].as_u64().unwrap() > 0);
    let json_test = lib["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["file"] == "policies/tests/corridor-humanitarian.json")
        .unwrap();
    assert_eq!(json_test["status"], "pass");
}

#[test]
fn a_failing_test_shows_missing_and_unexpected_violations() {
    let dir = library(&[(
        "shield.proposal",
        &with_header(
            "// expect: caspian.non_littoral_forces ex1 turkey\n// expect: ots.no_command_structure ex1\n",
        ),
    )]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(out.contains("shield.proposal ... FAILED"), "{out}");
    assert!(
        out.contains("- missing:    ots.no_command_structure ex1"),
        "{out}"
    );
    assert!(
        out.contains("+ unexpected: caspian.non_littoral_forces ex1 hungary"),
        "{out}"
    );
    assert!(out.contains("hungary is not a littoral state"), "{out}");
    assert!(
        out.contains("test result: FAILED. 0 passed; 1 failed; 0 invalid"),
        "{out}"
    );

    let o = pactum(&["test", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let t = &json(&o)["libraries"][0]["tests"][0];
    assert_eq!(t["status"], "fail");
    assert_eq!(t["missing"][0]["rule"], "ots.no_command_structure");
    assert!(t["missing"][0].get("entity").is_none());
    assert_eq!(t["unexpected"][0]["entity"], "hungary");
    assert_eq!(t["actual"].as_array().unwrap().len(), 2);
}

#[test]
fn an_expectation_without_entity_covers_every_binding() {
    let dir = library(&[
        (
            "any.proposal",
            &with_header("// expect: caspian.non_littoral_forces ex1\n"),
        ),
        (
            "exact.proposal",
            &with_header(
                "// expect: caspian.non_littoral_forces ex1 hungary\n// expect: caspian.non_littoral_forces ex1 turkey\n",
            ),
        ),
    ]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("2 passed; 0 failed"));
}

#[test]
fn expect_nothing_and_json_sidecars() {
    let json_test = r#"{ "id": "calm", "date": "2026-09-15", "steps": [
        { "id": "t1", "kind": "training", "parties": ["turkey", "uzbekistan"], "host": "turkey" } ] }"#;
    let dir = library(&[
        ("calm.json", json_test),
        ("calm.expect", "expect: nothing\n"),
        ("loud.proposal", &with_header("// expect: nothing\n")),
    ]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(out.contains("calm.json ... ok"), "{out}");
    assert!(out.contains("loud.proposal ... FAILED"), "{out}");
}

#[test]
fn coverage_lists_what_the_tests_never_exercised() {
    let dir = library(&[(
        "shield.proposal",
        &with_header(
            "// expect: caspian.non_littoral_forces ex1 turkey\n// expect: caspian.non_littoral_forces ex1 hungary\n",
        ),
    )]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}");
    assert!(
        out.contains(&format!(
            "1/{} rules fired, 0/1 unless exceptions taken",
            standard_rules()
        )),
        "{out}"
    );
    assert!(
        out.contains("  never fired: transit.per_flight_consent"),
        "{out}"
    );
    assert!(
        out.contains("  never taken: risk.china.middle_corridor_militarisation unless #1"),
        "{out}"
    );
    let o = pactum(&["test", "--require-coverage", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
}

#[test]
fn invalid_tests_exit_2_with_a_reason() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "typo.proposal",
            "// expect: caspian.non_litoral_forces ex1 turkey\n",
            "did you mean `caspian.non_littoral_forces`?",
        ),
        (
            "nostep.proposal",
            "// expect: caspian.non_littoral_forces ex9\n",
            "does not have",
        ),
        (
            "silent.proposal",
            "// nothing expected here\n",
            "says nothing about what it expects",
        ),
        ("bad.proposal", "// expect: one\n", "malformed expectation"),
        (
            "date.proposal",
            "// expect: nothing\n// as-of: tomorrow\n",
            "malformed `as-of:` line",
        ),
    ];
    for (name, header, why) in cases {
        let dir = library(&[(name, &with_header(header))]);
        let o = pactum(&["test", dir.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(code(&o), 2, "{name}: {out}");
        assert!(out.contains("INVALID"), "{name}: {out}");
        assert!(out.contains(why), "{name}: {out}");
    }
    let dir = library(&[("lonely.json", "{\"id\": \"x\", \"steps\": []}")]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("has no"), "{}", stdout(&o));
    let dir = library(&[("broken.proposal", "// expect: nothing\nproposal {")]);
    assert_eq!(code(&pactum(&["test", dir.to_str().unwrap()])), 2);
}

#[test]
fn a_library_without_tests_or_that_does_not_compile_is_invalid() {
    let dir = library(&[]);
    let o = pactum(&["test", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("no tests in"), "{}", stdout(&o));
    let o = pactum(&["test", "--format", "json", "/nonexistent/pactum-lib"]);
    assert_eq!(code(&o), 2);
    assert_eq!(json(&o)["summary"]["invalid"], 1);
    let o = pactum(&["test", "--as-of", "someday", "policies/"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn a_failing_and_an_invalid_library_exit_2() {
    let failing = library(&[("f.proposal", &with_header("// expect: nothing\n"))]);
    let o = pactum(&[
        "test",
        "policies/",
        failing.to_str().unwrap(),
        "/nonexistent/lib",
    ]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
}

// ---------------------------------------------------------------- pactum explore

#[cfg(feature = "testing")]
mod explore {
    use super::*;

    #[test]
    fn explore_is_deterministic_for_a_seed() {
        let a = pactum(&["explore", "--cases", "150", "--seed", "7"]);
        let b = pactum(&["explore", "--cases", "150", "--seed", "7"]);
        assert_eq!(code(&a), 0, "{}", stdout(&a));
        assert_eq!(stdout(&a), stdout(&b));
        let a = pactum(&[
            "explore", "--cases", "150", "--seed", "7", "--format", "json",
        ]);
        let b = pactum(&[
            "explore", "--cases", "150", "--seed", "7", "--format", "json",
        ]);
        assert_eq!(stdout(&a), stdout(&b));
        let c = pactum(&[
            "explore", "--cases", "150", "--seed", "8", "--format", "json",
        ]);
        assert_ne!(
            stdout(&a),
            stdout(&c),
            "another seed explores other proposals"
        );
    }

    #[test]
    fn explore_reports_interactions_with_minimal_witnesses() {
        // (500 cases: with 13 step kinds, 300 cases of seed 1 happen to hold no armed
        // non-littoral exercise in the Caspian)
        let o = pactum(&[
            "explore", "--cases", "500", "--seed", "1", "--format", "json",
        ]);
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        let v = json(&o);
        assert_eq!(v["invalid_cases"], 0);
        assert_eq!(v["rules"], standard_rules());
        let fired = v["fired"].as_array().unwrap();
        assert!(fired.len() >= 12, "{fired:?}");
        let never = v["never_fired"].as_array().unwrap();
        assert_eq!(fired.len() + never.len(), standard_rules());
        for f in fired {
            let w = f["witness"]["proposal"].as_str().unwrap();
            let rule = f["rule"].as_str().unwrap();
            assert!(w.contains(&format!("// expect: {rule} ")), "{rule}:\n{w}");
            // Shrunk: a single step is always enough for a step-scoped rule.
            if rule != "risk.russia.defence_schengen" {
                assert_eq!(f["witness"]["steps"], 1, "{rule}:\n{w}");
            }
        }
        for t in v["together"].as_array().unwrap() {
            let w = t["witness"]["proposal"].as_str().unwrap();
            assert!(w.contains(&format!("// expect: {} ", t["rules"][0].as_str().unwrap())));
            assert!(w.contains(&format!("// expect: {} ", t["rules"][1].as_str().unwrap())));
        }
        let caspian = fired
            .iter()
            .find(|f| f["rule"] == "caspian.non_littoral_forces")
            .unwrap();
        assert!(
            caspian["witness"]["proposal"]
                .as_str()
                .unwrap()
                .contains("caspian_sea")
        );
    }

    #[test]
    fn witnesses_are_ready_tests() {
        let o = pactum(&[
            "explore", "--cases", "200", "--seed", "3", "--format", "json",
        ]);
        assert_eq!(code(&o), 0);
        let v = json(&o);
        let mut tests: Vec<(String, String)> = Vec::new();
        let mut add = |w: &serde_json::Value| {
            let name = format!("w{}.proposal", tests.len());
            tests.push((name, w["proposal"].as_str().unwrap().to_string()));
        };
        for f in v["fired"].as_array().unwrap() {
            add(&f["witness"]);
        }
        for t in v["together"].as_array().unwrap() {
            add(&t["witness"]);
        }
        for u in v["unless_taken"].as_array().unwrap() {
            add(&u["witness"]);
        }
        assert!(tests.len() > 10);
        let refs: Vec<(&str, &str)> = tests
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let dir = library(&refs);
        let o = pactum(&["test", dir.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stdout(&o));
    }

    #[test]
    fn explore_human_report() {
        let o = pactum(&["explore", "--cases", "200"]);
        let out = stdout(&o);
        assert_eq!(code(&o), 0, "{out}");
        assert!(
            out.starts_with(
                "explored 200 generated proposals (seed 0, as of 2026-01-01) against <std>"
            ),
            "{out}"
        );
        for section in [
            "== never fired",
            "== unless exceptions never taken",
            "== implications",
            "== rules that fire together on one step",
            "== unless exceptions taken",
            "== rules that fired",
        ] {
            assert!(out.contains(section), "{section}\n{out}");
        }
        assert!(out.contains("minimal witness:\n      // expect: "), "{out}");
    }

    #[test]
    fn explore_finds_a_rule_that_never_fires() {
        let dir = library(&[]);
        std::fs::write(
            dir.join("dead.policy"),
            "rule dead.rule {\n  severity note\n  on training as s\n  forbid s.host == s.host && s.host != s.host\n  message \"never\"\n}\n",
        )
        .unwrap();
        let o = pactum(&[
            "explore",
            "--policies",
            dir.to_str().unwrap(),
            "--cases",
            "100",
            "--format",
            "json",
        ]);
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        let never: Vec<String> = json(&o)["never_fired"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(never.contains(&"dead.rule".to_string()), "{never:?}");
    }

    #[test]
    fn explore_rejects_bad_input() {
        assert_eq!(
            code(&pactum(&["explore", "--policies", "/nonexistent/lib"])),
            2
        );
        assert_eq!(code(&pactum(&["explore", "--as-of", "soon"])), 2);
        assert_eq!(code(&pactum(&["explore", "--cases", "many"])), 2);
    }
}

/// A library of another domain (export control), written without touching Rust, with the
/// filters and grouping of the language: its tests pass and it lints clean.
#[test]
fn the_export_control_library_passes_its_tests() {
    let lib = "tests/corpus/export-control";
    let o = pactum(&[
        "test",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--policies",
        lib,
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["passed"], 3, "{v:#}");
    assert_eq!(v["summary"]["rules_fired"], 4, "{v:#}");
    let lint = pactum(&["lint", "--deny", "warnings", lib]);
    assert_eq!(code(&lint), 0, "{}", stdout(&lint));
}
