//! Repairs: the repairs of every example proposal (snapshots), each verified by applying it
//! to the file and checking again; `pactum fix` on the examples; the JSON and SARIF forms
//! of repairs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use common::{AS_OF, code, json, pactum_in, root, scratch, stdout};
use pactum::{CheckOptions, Engine, Proposal, Report, Severity, apply_edits};

type Key = (String, Option<String>, Option<String>);

fn with_fixes() -> CheckOptions {
    CheckOptions {
        fixes: pactum::MAX_FIXES,
        ..common::opts()
    }
}

fn keys(r: &Report, only_errors: bool) -> BTreeSet<Key> {
    r.violations
        .iter()
        .filter(|v| !only_errors || v.severity == Severity::Error)
        .map(|v| (v.rule.clone(), v.step.clone(), v.binding.clone()))
        .collect()
}

fn examples() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("policies/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "proposal" || x == "json")
        })
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

/// The repairs of one file, as a listing: each violation, then its repairs with their
/// edits, each verified.
fn listing(engine: &Engine, name: &str) -> String {
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    let p = Proposal::load(name, &text).unwrap();
    let report = engine.check_with(&p, &with_fixes());
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    let before = keys(&report, true);
    let mut out = String::new();
    for v in &report.violations {
        let key = (v.rule.clone(), v.step.clone(), v.binding.clone());
        let _ = writeln!(
            out,
            "{} {:?} at step {} {}",
            v.rule,
            v.severity,
            v.step.as_deref().unwrap_or("-"),
            v.binding
                .as_deref()
                .map(|b| format!("({b})"))
                .unwrap_or_default()
        );
        let fixes = v.fixes.as_ref().expect("fixes asked for");
        if fixes.is_empty() {
            let why = v.diagnostic.notes.last().cloned().unwrap_or_default();
            let _ = writeln!(out, "  {why}");
        }
        for (i, f) in fixes.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, f.description);
            for e in &f.edits {
                let _ = writeln!(
                    out,
                    "     {}:{}-{}:{} {:?} -> {:?}",
                    e.line,
                    e.column,
                    e.end_line,
                    e.end_column,
                    &text[e.start as usize..e.end as usize],
                    e.replacement
                );
            }
            // Verified: applied to the file, the violation is gone, no error is added.
            let fixed = apply_edits(&text, &f.edits).expect("edits do not overlap");
            let q = Proposal::load(name, &fixed)
                .unwrap_or_else(|e| panic!("{name}: `{}` breaks the file: {e:?}", f.description));
            let r = engine.check_with(&q, &common::opts());
            assert!(r.errors.is_empty(), "{name}: {}", f.description);
            assert!(
                !keys(&r, false).contains(&key),
                "{name}: `{}` leaves {key:?}",
                f.description
            );
            let added: Vec<_> = keys(&r, true).difference(&before).cloned().collect();
            assert!(
                added.is_empty(),
                "{name}: `{}` adds {added:?}",
                f.description
            );
        }
    }
    out
}

#[test]
fn the_repairs_of_every_example() {
    let engine = Engine::standard();
    let mut offered = 0;
    for name in examples() {
        let list = listing(&engine, &name);
        offered += list.matches("\n  1. ").count() + usize::from(list.starts_with("  1. "));
        let snap = Path::new(&name)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace('.', "_");
        insta::assert_snapshot!(format!("repairs_{snap}"), list);
    }
    assert!(offered >= 20, "{offered} violations with repairs");
}

#[test]
fn text_and_json_forms_get_the_same_repairs() {
    let engine = Engine::standard();
    for name in examples().iter().filter(|n| n.ends_with(".proposal")) {
        let json_name = name.replace(".proposal", ".json");
        if !root().join(&json_name).exists() {
            continue;
        }
        let described = |n: &str| -> Vec<(String, Vec<String>)> {
            let text = std::fs::read_to_string(root().join(n)).unwrap();
            let r = engine.check_with(&Proposal::load(n, &text).unwrap(), &with_fixes());
            r.violations
                .iter()
                .map(|v| {
                    let d = v.fixes.iter().flatten().map(|f| f.description.clone());
                    (v.rule.clone(), d.collect())
                })
                .collect()
        };
        assert_eq!(described(name), described(&json_name), "{name}");
    }
}

#[test]
fn repairs_are_computed_only_when_asked_for() {
    let engine = Engine::standard();
    let text = std::fs::read_to_string(root().join(common::VIOLATING)).unwrap();
    let p = Proposal::parse(&text).unwrap();
    let r = engine.check_with(&p, &common::opts());
    assert!(r.violations.iter().all(|v| v.fixes.is_none()));
    let j = serde_json::to_value(&r).unwrap();
    assert!(j["violations"][0].get("fixes").is_none());
    let out = common::check(&["--format", "json", common::VIOLATING]);
    assert!(
        json(&out)["results"][0]["violations"][0]
            .get("fixes")
            .is_none()
    );
}

#[test]
fn json_fixes_and_sarif_fixes_agree() {
    let out = common::check(&["--format", "json", "--fixes", common::VIOLATING]);
    assert_eq!(code(&out), 1);
    let report = json(&out);
    let v = &report["results"][0]["violations"][0];
    let fix = &v["fixes"][0];
    assert_eq!(fix["description"], "remove `turkey` from `participants`");
    let e = &fix["edits"][0];
    assert_eq!(e["file"], common::VIOLATING);
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(15), Some(18))
    );
    let sarif = json(&common::check(&["--format", "sarif", common::VIOLATING]));
    let result = &sarif["runs"][0]["results"][0];
    let s = &result["fixes"][0];
    assert_eq!(s["description"]["text"], fix["description"]);
    let change = &s["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], common::VIOLATING);
    let region = &change["replacements"][0]["deletedRegion"];
    assert_eq!(region["startLine"], e["line"]);
    assert_eq!(region["startColumn"], e["column"]);
    assert_eq!(region["byteOffset"], e["start"]);
    assert_eq!(
        region["byteLength"].as_u64().unwrap(),
        e["end"].as_u64().unwrap() - e["start"].as_u64().unwrap()
    );
    assert_eq!(
        change["replacements"][0]["insertedContent"]["text"],
        e["replacement"]
    );
}

#[test]
fn human_output_shows_the_best_repair() {
    let out = common::check(&[common::VIOLATING]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "fix: remove `turkey` from `participants`\n        15 -   participants: [turkey, azerbaijan, kazakhstan]\n        15 +   participants: [azerbaijan, kazakhstan]"
        ),
        "{text}"
    );
}

/// Copies the examples into a scratch folder.
fn copy_examples(test: &str) -> std::path::PathBuf {
    let dir = scratch("repair", test);
    for name in examples() {
        let file = Path::new(&name).file_name().unwrap();
        std::fs::copy(root().join(&name), dir.join(file)).unwrap();
    }
    dir
}

fn errors_in(dir: &Path, file: &str) -> usize {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let p = Proposal::load(file, &text).unwrap_or_else(|e| panic!("{file} does not load: {e:?}"));
    let r = Engine::standard().check_with(&p, &common::opts());
    assert!(r.errors.is_empty(), "{file}: {:?}", r.errors);
    keys(&r, true).len()
}

#[test]
fn fix_makes_every_example_parse_and_closer_to_compliant() {
    let dir = copy_examples("fix_examples");
    let files: Vec<String> = examples()
        .iter()
        .map(|n| {
            Path::new(n)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let before: Vec<usize> = files.iter().map(|f| errors_in(&dir, f)).collect();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "."]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    let mut changed = 0;
    for (f, b) in files.iter().zip(&before) {
        let after = errors_in(&dir, f);
        assert!(after <= *b, "{f}: {b} errors before, {after} after");
        if *b > 0 {
            assert!(after < *b, "{f}: not closer to compliant ({b} errors)");
            changed += 1;
        }
    }
    assert!(changed >= 8, "{changed} files fixed\n{text}");
    assert!(
        text.contains("./caspian-shield.proposal: applied remove `turkey` from `participants`"),
        "{text}"
    );
    // Comments and layout outside the edits are kept.
    let fixed = std::fs::read_to_string(dir.join("caspian-shield.proposal")).unwrap();
    let original = std::fs::read_to_string(root().join(common::VIOLATING)).unwrap();
    assert_eq!(
        fixed,
        original.replace(
            "[turkey, azerbaijan, kazakhstan]",
            "[azerbaijan, kazakhstan]"
        )
    );
    // A second run has nothing left to fix.
    let again = pactum_in(&dir, &["fix", "--as-of", AS_OF, "."]);
    assert_eq!(code(&again), 0);
    assert!(
        stdout(&again).ends_with("checked 26 proposals: changed 0 files\n")
            || stdout(&again).contains("changed 0 files"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn fix_diff_and_dry_run_write_nothing() {
    let dir = copy_examples("fix_dry");
    let original = std::fs::read_to_string(dir.join("caspian-shield.proposal")).unwrap();
    let out = pactum_in(
        &dir,
        &["fix", "--as-of", AS_OF, "--diff", "caspian-shield.proposal"],
    );
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("--- a/caspian-shield.proposal\n+++ b/caspian-shield.proposal\n"),
        "{text}"
    );
    assert!(text.contains("\n-  participants: [turkey, azerbaijan, kazakhstan]\n+  participants: [azerbaijan, kazakhstan]\n"), "{text}");
    let out = pactum_in(
        &dir,
        &[
            "fix",
            "--as-of",
            AS_OF,
            "--dry-run",
            "caspian-shield.proposal",
        ],
    );
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("would apply remove `turkey`"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("caspian-shield.proposal")).unwrap(),
        original
    );
}

#[test]
fn fix_leaves_invalid_files_alone_and_exits_2() {
    let dir = scratch("repair", "fix_invalid");
    let broken =
        "proposal x {\n  date: 2026-09-15\n}\nstep a: exercise {\n  participants: [turkey\n";
    std::fs::write(dir.join("broken.proposal"), broken).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "broken.proposal"]);
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("broken.proposal: invalid input, not fixed"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.proposal")).unwrap(),
        broken
    );
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn fix_reports_what_is_still_not_compliant() {
    let dir = scratch("repair", "fix_left");
    // A base in a CSTO member, operated from outside, with no consultation: the consent
    // can be repaired, the missing consultation step cannot.
    let text = "proposal p {\n  date: 2026-09-15\n}\n\n// Base.\nstep b1: base {\n  host: kyrgyzstan\n  operators: [turkey, china]\n}\n";
    std::fs::write(dir.join("b.proposal"), text).unwrap();
    let out = pactum_in(&dir, &["fix", "--as-of", AS_OF, "b.proposal"]);
    let out_text = stdout(&out);
    let after = std::fs::read_to_string(dir.join("b.proposal")).unwrap();
    assert!(after.contains("// Base."), "{after}");
    let p = Proposal::load("b.proposal", &after).unwrap();
    let r = Engine::standard().check_with(&p, &common::opts());
    assert_eq!(code(&out), if r.compliant { 0 } else { 1 }, "{out_text}");
    assert!(out_text.contains("b.proposal: "), "{out_text}");
}

#[test]
fn a_violation_without_repair_says_so() {
    // A proposal-wide rule's violation, or one no single edit fixes, says why.
    let engine = Engine::from_sources(vec![pactum::SourceFile::new(
        "x.policy",
        "entity Instrument { title: string }\nfact t: Instrument { title: \"T\" }\nstep thing { n: int }\nrule x.always {\n  severity error\n  cite t \"art. 1\"\n  on thing as s\n  forbid s.n == s.n\n  message \"m\"\n  help \"h\"\n}\n",
    )])
    .unwrap();
    let p = Proposal::parse("proposal p {}\nstep a: thing { n: 1 }\n").unwrap();
    let r = engine.check_with(&p, &with_fixes());
    let v = &r.violations[0];
    assert_eq!(v.fixes.as_deref(), Some(&[][..]));
    assert!(
        v.diagnostic
            .notes
            .iter()
            .any(|n| n.starts_with("no repair found: no edit of step `a` short of removing it")),
        "{:?}",
        v.diagnostic.notes
    );
}
