//! Nothing from the input reaches a terminal or a CI log raw: proposals and file names full
//! of escape sequences, bells, NUL-like controls, C1 controls (NEL), DEL and bidirectional
//! overrides go through `pactum check` in every format and through `pactum test`, and no
//! output holds a raw control byte (but line feeds) or a bidirectional control, nor a line
//! that a CI system would take for a workflow command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

mod common;
#[path = "../fuzz/harness.rs"]
#[allow(dead_code, reason = "these tests use the harness's output checks only")]
mod harness;

use harness::hazards;

use common::{AS_OF, code, pactum_in, stdout};

const EVIL: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{202e}\u{85}\u{7f}\u{b}\u{c}\u{0}";

fn hostile_dir(test: &str) -> std::path::PathBuf {
    let dir = common::scratch("hostile_output", test);
    // A text proposal: hostile characters in an unknown entity id, a string and a comment.
    // Raw, in a comment: rejected before parsing (hidden characters), shown as `?`.
    std::fs::write(
        dir.join("comment.proposal"),
        format!("proposal c {{}}\n// a comment {EVIL}\n"),
    )
    .unwrap();
    let text = "proposal p { date: 2026-09-15 }\n\
         step s1: exercise { participants: [turkey, \"x\\u{1b}]0;T\\u{7}\\u{202e}\\u{85}\"], area: caspian_sea }\n\
         step s2: arms_transfer { supplier: turkey, recipient: azerbaijan, system: \"a\\u{1b}[31mred\\u{7f}\" }\n";
    std::fs::write(dir.join("text.proposal"), text).unwrap();
    // The same in JSON, with escapes in ids, and an unknown key.
    let json = r#"{"id": "p\u001b[2J", "date": "2026-09-15", "steps": [
        {"id": "s\u202e1", "kind": "exercise", "participants": ["turkey", "y\u001b]0;T\u0007\u0085"], "area": "caspian_sea"},
        {"id": "s2", "kind": "base", "host": "uzbekistan", "operators": ["russia"], "k\u001b": 1}
    ]}"#;
    std::fs::write(dir.join("data.json"), json).unwrap();
    // A file whose name carries an escape, a bidi override and a line break that would
    // start a workflow command.
    let name = "evil\u{1b}]0;T\u{7}\u{202e}\t\u{2028}\n::error file=x::injected.proposal";
    std::fs::write(
        dir.join(name),
        "proposal q { date: 2026-09-15 }\nstep b1: base { host: uzbekistan, operators: [russia] }\n",
    )
    .unwrap();
    dir
}

#[test]
fn no_output_format_prints_a_raw_control_or_bidi_character() {
    let dir = hostile_dir("formats");
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = pactum_in(&dir, &["check", "--as-of", AS_OF, "--format", format, "."]);
        assert_eq!(code(&out), 2, "{format}: invalid input exits 2");
        assert!(
            out.stdout.len() > 200,
            "{format}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let found = hazards(&out.stdout);
        assert!(found.is_empty(), "{format}: {found:#?}");
        let found = hazards(&out.stderr);
        assert!(found.is_empty(), "{format} (stderr): {found:#?}");
        if format == "json" || format == "sarif" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let text = v.to_string();
            assert!(
                text.contains("\\u001b") || text.contains('\u{1b}'),
                "{format}: the escapes still stand for the input's characters"
            );
        }
    }
}

#[test]
fn the_human_report_shows_escapes_where_the_input_had_controls() {
    let dir = hostile_dir("human");
    let out = pactum_in(&dir, &["check", "--as-of", AS_OF, "text.proposal"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("unknown entity `x\\u{1b}]0;T\\u{7}\\u{202e}\\u{85}`"),
        "{text}"
    );
    // Raw hazards are rejected where they are, and the snippet shows them as `?` and
    // U+FFFD, keeping its columns.
    let out = pactum_in(&dir, &["check", "--as-of", AS_OF, "comment.proposal"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pactum::parse::hidden_text"), "{text}");
    assert!(
        text.contains("// a comment ?]0;PWNED??[2J\u{FFFD}?????"),
        "{text}"
    );
}

#[test]
fn pactum_test_prints_hostile_test_names_safely() {
    let dir = common::scratch("hostile_output", "library");
    for e in std::fs::read_dir(common::root().join("policies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "policy") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests").join("t\u{1b}[2J\u{202e}\n::error::x.proposal"),
        "// expect: nothing\n// as-of: 2026-09-15\nproposal p {}\nstep b1: base { host: uzbekistan, operators: [russia] }\n",
    )
    .unwrap();
    for format in ["human", "json"] {
        let out = pactum_in(&dir, &["test", "--format", format, "."]);
        assert_eq!(code(&out), 1, "{format}: the test fails");
        let found = hazards(&out.stdout);
        assert!(found.is_empty(), "{format}: {found:#?}");
    }
}

/// A short error line beside a long one: the snippet would print the long line whole (a
/// 60 MB line, 60 MB per diagnostic); the location is given instead, and the output stays
/// small.
#[test]
fn a_long_context_line_is_not_printed() {
    let dir = common::scratch("hostile_output", "long-context");
    let long = "a".repeat(60_000);
    let json = format!(
        "{{\"id\": \"p\", \"title\": \"{long}\",\n\"steps\": [{{\"id\": \"s\", \"kind\": \"nope\"}}]}}\n"
    );
    std::fs::write(dir.join("p.json"), json).unwrap();
    let out = pactum_in(&dir, &["check", "--as-of", AS_OF, "p.json"]);
    assert_eq!(code(&out), 2);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.len() < 5_000, "{} bytes of output", text.len());
    assert!(text.contains("--> p.json:2:"), "{text}");
}

/// A file with thousands of errors gives a hundred and a count of the rest; a huge name in
/// a message is cut short.
#[test]
fn errors_per_file_and_message_lengths_are_bounded() {
    let dir = common::scratch("hostile_output", "many");
    let ids: Vec<String> = (0..5_000).map(|i| format!("\"x{i}\"")).collect();
    std::fs::write(
        dir.join("many.json"),
        format!(
            "{{\"id\": \"p\", \"steps\": [{{\"id\": \"s\", \"kind\": \"exercise\", \"participants\": [{}], \"area\": \"caspian_sea\"}}]}}",
            ids.join(", ")
        ),
    )
    .unwrap();
    let out = pactum_in(
        &dir,
        &["check", "--as-of", AS_OF, "--format", "json", "many.json"],
    );
    assert_eq!(code(&out), 2);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["results"][0]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100);
    assert_eq!(
        errors[99]["notes"][0],
        "and 4900 more errors in this file (4900 pactum::proposal::unknown_entity), not shown"
    );
    std::fs::write(
        dir.join("key.json"),
        format!(
            "{{\"id\": \"p\", \"steps\": [], \"{}\": 1}}",
            "k".repeat(1_000_000)
        ),
    )
    .unwrap();
    let out = pactum_in(&dir, &["check", "--as-of", AS_OF, "key.json"]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.len() < 5_000, "{} bytes", out.stdout.len());
    assert!(stdout(&out).contains("bytes in all)"), "{}", stdout(&out));
}
