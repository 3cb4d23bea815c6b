//! Integration tests of the `pactum` binary: exit codes, the fixed JSON report, flags, and
//! determinism. Every run sets `NO_COLOR=1` and a fixed `--as-of` (unless the test is about
//! `--as-of`), so the output does not depend on the terminal or on today's date.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::path::PathBuf;

use serde_json::Value;

mod common;

use common::{COMPLIANT, MALFORMED, WARNINGS_ONLY, check, code, pactum, stdout};

const VIOLATING: &str = common::VIOLATING_JSON;

/// Runs `pactum check --as-of AS_OF --format json ARGS` and parses stdout.
fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = check(&all);
    (code(&out), common::json(&out))
}

/// A fresh scratch folder for one test.
fn scratch(test: &str) -> PathBuf {
    common::scratch("cli", test)
}

/// The codes of every input error in a JSON report.
fn error_codes(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["errors"].as_array().unwrap())
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------------ exit codes

#[test]
fn exit_0_on_a_compliant_proposal() {
    let out = check(&[COMPLIANT]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("compliant"));
}

#[test]
fn exit_1_on_a_violation() {
    let out = check(&[VIOLATING]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("caspian.non_littoral_forces"), "{text}");
    assert!(text.contains("not compliant"), "{text}");
}

#[test]
fn exit_2_on_a_malformed_file() {
    let out = check(&[MALFORMED]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("pactum::parse::json_syntax"));
}

#[test]
fn exit_2_wins_over_1() {
    for args in [[VIOLATING, MALFORMED], [MALFORMED, VIOLATING]] {
        let out = check(&args);
        assert_eq!(code(&out), 2, "{args:?}:\n{}", stdout(&out));
        // Both files are still reported.
        let (_, json) = check_json(&args);
        assert_eq!(json["results"].as_array().unwrap().len(), 2);
        assert_eq!(json["summary"]["proposals"], 2);
    }
}

#[test]
fn every_bad_corpus_proposal_exits_2() {
    let out = check(&["tests/corpus/proposals/"]);
    assert_eq!(code(&out), 2);
    let (_, json) = check_json(&["tests/corpus/proposals/"]);
    for r in json["results"].as_array().unwrap() {
        let file = r["file"].as_str().unwrap();
        let valid = file.contains("bom-crlf")
            || file.contains("unicode-text")
            || file.contains("null-optional");
        assert_eq!(r["errors"].as_array().unwrap().is_empty(), valid, "{file}");
        if !valid {
            assert_eq!(
                r["compliant"], false,
                "{file}: invalid input is never compliant"
            );
        }
    }
}

#[test]
fn unreadable_files_exit_2() {
    let dir = scratch("unreadable");
    let missing = dir.join("missing.proposal");
    let (status, json) = check_json(&[missing.to_str().unwrap()]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::io"]);

    let latin1 = dir.join("latin1.proposal");
    std::fs::write(&latin1, b"proposal t\xfcrkiye { }\n").unwrap();
    let (status, json) = check_json(&[latin1.to_str().unwrap()]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::io::not_utf8"]);
}

#[test]
fn usage_errors_exit_2() {
    // clap's own errors
    assert_eq!(code(&pactum(&["check"])), 2);
    assert_eq!(code(&pactum(&["check", "--no-such-flag", COMPLIANT])), 2);
    assert_eq!(code(&pactum(&["frobnicate"])), 2);
    assert_eq!(code(&check(&["--deny", "everything", COMPLIANT])), 2);
    // help and version are not errors
    assert_eq!(code(&pactum(&["--help"])), 0);
    assert_eq!(code(&pactum(&["--version"])), 0);
}

// ------------------------------------------------------------------ folders and order

#[test]
fn a_folder_argument_checks_every_proposal_in_it() {
    let (status, json) = check_json(&["policies/examples/"]);
    assert_eq!(
        status, 1,
        "the examples show violations, and no input error"
    );
    let files: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = std::fs::read_dir("policies/examples")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") || n.ends_with(".proposal"))
        .map(|n| format!("policies/examples/{n}"))
        .collect();
    expected.sort();
    assert_eq!(files, expected, "one result per file, sorted by file");
    assert_eq!(json["summary"]["proposals"], expected.len());
    assert!(error_codes(&json).is_empty());
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["human", "json"] {
        let a = check(&["--format", format, "policies/examples/", MALFORMED]);
        let b = check(&["--format", format, "policies/examples/", MALFORMED]);
        assert_eq!(code(&a), 2);
        assert_eq!(a.stdout, b.stdout, "--format {format}");
        assert_eq!(a.stderr, b.stderr, "--format {format}");
    }
}

#[test]
fn order_of_arguments_does_not_matter() {
    let files = [
        VIOLATING,
        COMPLIANT,
        WARNINGS_ONLY,
        MALFORMED,
        "policies/examples/turkmen-neutrality.proposal",
    ];
    let mut reversed = files;
    reversed.reverse();
    let mut rotated = files;
    rotated.rotate_left(2);
    for format in ["human", "json"] {
        let a = check(&[&["--format", format][..], &files[..]].concat());
        for other in [reversed, rotated] {
            let b = check(&[&["--format", format][..], &other[..]].concat());
            assert_eq!(code(&a), code(&b));
            assert_eq!(stdout(&a), stdout(&b), "--format {format}, order {other:?}");
        }
    }
}

#[test]
fn a_file_given_twice_is_checked_once() {
    let (_, json) = check_json(&[VIOLATING, VIOLATING]);
    assert_eq!(json["summary"]["proposals"], 1);
}

// ------------------------------------------------------------------ the JSON report

fn assert_location(loc: &Value, what: &str) {
    let obj = loc
        .as_object()
        .unwrap_or_else(|| panic!("{what}: location is {loc}"));
    assert!(obj["file"].is_string(), "{what}: {loc}");
    assert!(obj["line"].as_u64().unwrap() >= 1, "{what}: {loc}");
    assert!(obj["column"].as_u64().unwrap() >= 1, "{what}: {loc}");
}

fn string_or_null(v: &Value) -> bool {
    v.is_string() || v.is_null()
}

/// Checks the fixed keys and types of a JSON report, and that its summary adds up.
fn assert_report_shape(json: &Value) {
    assert_eq!(json["version"], 1);
    let results = json["results"].as_array().unwrap();
    let (mut errors, mut warnings, mut notes) = (0, 0, 0);
    for r in results {
        let file = r["file"].as_str().unwrap();
        assert!(string_or_null(&r["proposal"]), "{file}");
        assert!(r["compliant"].is_boolean(), "{file}");
        for v in r["violations"].as_array().unwrap() {
            assert!(v["rule"].is_string(), "{file}: {v}");
            match v["severity"].as_str().unwrap() {
                "error" => errors += 1,
                "warning" => warnings += 1,
                "note" => notes += 1,
                s => panic!("{file}: severity {s}"),
            }
            assert!(string_or_null(&v["step"]), "{file}: {v}");
            assert!(!v["message"].as_str().unwrap().is_empty(), "{file}: {v}");
            assert!(string_or_null(&v["cite"]), "{file}: {v}");
            assert!(string_or_null(&v["help"]), "{file}: {v}");
            assert!(
                v["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(Value::is_string),
                "{file}: {v}"
            );
            assert_location(&v["location"], file);
            assert_eq!(
                v["location"]["file"], file,
                "a violation points into its file"
            );
        }
        for e in r["errors"].as_array().unwrap() {
            errors += 1;
            assert!(e["code"].as_str().unwrap().starts_with("pactum::"), "{e}");
            assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
            if !e["location"].is_null() {
                assert_location(&e["location"], file);
            }
        }
        if !r["errors"].as_array().unwrap().is_empty() {
            assert_eq!(
                r["compliant"], false,
                "{file}: invalid input is never compliant"
            );
        }
    }
    let s = &json["summary"];
    assert_eq!(s["proposals"], results.len());
    assert_eq!(s["errors"], errors);
    assert_eq!(s["warnings"], warnings);
    assert_eq!(s["notes"], notes);
}

#[test]
fn json_report_has_the_fixed_keys() {
    let (status, json) = check_json(&["policies/examples/", MALFORMED]);
    assert_eq!(status, 2);
    assert_report_shape(&json);

    let results = json["results"].as_array().unwrap();
    let shield = results.iter().find(|r| r["file"] == VIOLATING).unwrap();
    assert_eq!(shield["proposal"], "caspian-shield-2026");
    assert_eq!(shield["compliant"], false);
    let v = &shield["violations"][0];
    assert_eq!(v["rule"], "caspian.non_littoral_forces");
    assert_eq!(v["severity"], "error");
    assert_eq!(v["step"], "ex1");
    assert!(v["cite"].as_str().unwrap().contains("art. 3"));
    assert!(!v["help"].as_str().unwrap().is_empty());
    assert!(!v["evidence"].as_array().unwrap().is_empty());

    let bad = results.iter().find(|r| r["file"] == MALFORMED).unwrap();
    assert_eq!(bad["proposal"], Value::Null);
    assert_eq!(bad["compliant"], false);
    assert_eq!(bad["violations"], Value::Array(vec![]));
    let e = &bad["errors"][0];
    assert_eq!(e["code"], "pactum::parse::json_syntax");
    assert_eq!(e["location"]["file"], MALFORMED);
    assert_eq!(e["location"]["line"], 5);
    assert_eq!(e["location"]["column"], 94);
}

/// The proposal of design.md, section "JSON form (fixed)", verbatim.
const DESIGN_PROPOSAL: &str = r#"{
  "id": "caspian-shield-2026",
  "title": "Caspian Shield joint naval exercise",
  "date": "2026-09-15",
  "steps": [
    { "id": "ex1", "kind": "exercise",
      "participants": ["turkey", "azerbaijan", "kazakhstan"],
      "area": "caspian_sea", "framework": "ots" }
  ]
}
"#;

#[test]
fn the_design_proposal_violates_exactly_the_caspian_rule() {
    let dir = scratch("design");
    let file = dir.join("a.json");
    std::fs::write(&file, DESIGN_PROPOSAL).unwrap();
    let file = file.to_str().unwrap();
    let (status, json) = check_json(&[file]);
    assert_eq!(status, 1);
    assert_report_shape(&json);
    let r = &json["results"][0];
    assert_eq!(r["file"], file);
    assert_eq!(r["proposal"], "caspian-shield-2026");
    assert_eq!(r["compliant"], false);
    assert!(r["errors"].as_array().unwrap().is_empty());
    let errors: Vec<&Value> = r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let v = errors[0];
    assert_eq!(v["rule"], "caspian.non_littoral_forces");
    assert_eq!(v["step"], "ex1");
    let message = v["message"].as_str().unwrap();
    assert!(message.contains("turkey"), "{message}");
    for littoral in ["azerbaijan", "kazakhstan"] {
        assert!(!message.contains(littoral), "{message}");
    }
    assert_eq!(v["location"]["file"], file);
    assert_eq!(v["location"]["line"], 6, "the location is the step");
    assert_eq!(v["location"]["column"], 5);
    assert_eq!(json["summary"]["errors"], 1);
}

// ------------------------------------------------------------------ flags

#[test]
fn deny_warnings_fails_a_warnings_only_proposal() {
    let (status, json) = check_json(&[WARNINGS_ONLY]);
    assert_eq!(status, 0);
    assert_eq!(json["results"][0]["compliant"], true);
    assert!(json["summary"]["warnings"].as_u64().unwrap() > 0);
    assert_eq!(json["summary"]["errors"], 0);

    let (status, json) = check_json(&["--deny", "warnings", WARNINGS_ONLY]);
    assert_eq!(status, 1);
    assert_eq!(json["results"][0]["compliant"], false);

    // without warnings, --deny warnings changes nothing
    assert_eq!(code(&check(&["--deny", "warnings", COMPLIANT])), 0);
}

#[test]
fn a_bad_as_of_date_exits_2() {
    for date in ["tomorrow", "2026-02-30", "2026-9-15", ""] {
        let out = pactum(&["check", "--as-of", date, COMPLIANT]);
        assert_eq!(code(&out), 2, "--as-of {date:?}");
        let out = pactum(&["check", "--format", "json", "--as-of", date, COMPLIANT]);
        assert_eq!(code(&out), 2, "--as-of {date:?}");
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(error_codes(&json), ["pactum::usage"], "--as-of {date:?}");
    }
}

#[test]
fn as_of_changes_the_evaluation_date() {
    // The `no-date` library's note reads the step's date, which falls back to the proposal's
    // date and then to `--as-of`; its proposal has neither, so the note names `--as-of`.
    let lib = "tests/corpus/eval/no-date/lib";
    let proposal = "tests/corpus/eval/no-date/proposal.proposal";
    for date in ["2031-01-01", "2026-02-28"] {
        let out = pactum(&[
            "check",
            "--format",
            "json",
            "--as-of",
            date,
            "--policies",
            lib,
            proposal,
        ]);
        assert_eq!(code(&out), 0, "a note does not fail the check");
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let v = &json["results"][0]["violations"][0];
        assert_eq!(v["rule"], "ots.charter_in_force");
        assert_eq!(v["severity"], "note");
        let message = v["message"].as_str().unwrap();
        assert!(message.ends_with(date), "--as-of {date}: {message}");
        assert_eq!(json["summary"]["notes"], 1);
    }
}

#[test]
fn a_broken_policy_library_exits_2_with_its_diagnostic() {
    let out = check(&["--policies", "tests/corpus/policies/syntax-typo", COMPLIANT]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    assert!(text.contains("pactum::parse::policy_syntax"), "{text}");
    assert!(
        text.contains("tests/corpus/policies/syntax-typo/rules.policy:4:3"),
        "{text}"
    );
    assert!(text.contains("did you mean `severity`?"), "{text}");

    let (status, json) = check_json(&[
        "--policies",
        "tests/corpus/policies/unknown-name",
        COMPLIANT,
    ]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::resolve::unknown_name"]);
    let e = &json["results"][0]["errors"][0];
    assert_eq!(
        e["location"]["file"],
        "tests/corpus/policies/unknown-name/rules.policy"
    );
    assert_eq!(e["location"]["line"], 8);
    assert_eq!(e["location"]["column"], 50);
    assert_eq!(e["help"], "did you mean `caspian_sea`?");
}

#[test]
fn a_policy_path_that_is_no_library_exits_2() {
    let (status, json) = check_json(&[
        "--policies",
        "tests/corpus/policies/no-policy-files",
        COMPLIANT,
    ]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::load::path"]);

    let (status, json) = check_json(&["--policies", COMPLIANT, COMPLIANT]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::load::path"]);

    let (status, json) = check_json(&["--policies", "tests/corpus/no-such-folder", COMPLIANT]);
    assert_eq!(status, 2);
    assert_eq!(error_codes(&json), ["pactum::io"]);
}

#[test]
fn a_custom_library_checks_proposals() {
    // The corpus libraries are a baseline with one error each; `absent-attribute`'s library
    // is valid and fails closed on a proposal without the optional attribute.
    let lib = "tests/corpus/eval/absent-attribute/lib";
    let (status, json) = check_json(&[
        "--policies",
        lib,
        "tests/corpus/eval/absent-attribute/proposal.proposal",
    ]);
    assert_eq!(status, 2, "an evaluation error is invalid input");
    assert_eq!(error_codes(&json), ["pactum::eval::absent_attribute"]);
    assert_eq!(
        json["results"][0]["errors"][0]["rule"],
        "ots.no_command_structure"
    );
    assert_eq!(json["results"][0]["compliant"], false);
}

#[test]
fn the_standard_library_on_disk_equals_the_embedded_one() {
    let embedded = check(&["--format", "json", "policies/examples/"]);
    let on_disk = check(&[
        "--format",
        "json",
        "--policies",
        "policies/",
        "policies/examples/",
    ]);
    assert_eq!(code(&embedded), code(&on_disk));
    assert_eq!(stdout(&embedded), stdout(&on_disk));
}

#[test]
fn no_color_means_no_escape_codes() {
    let out = check(&["policies/examples/", MALFORMED]);
    assert!(
        !out.stdout.contains(&0x1b),
        "ANSI escape in NO_COLOR output"
    );
}
