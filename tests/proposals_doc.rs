//! Every example of docs/proposals.md is checked against the standard library: each fenced
//! `proposal` or `json` block follows a comment `<!-- expect: ... -->` that says what
//! `pactum check` answers: `compliant`, `violation RULE` (RULE among the violations, and the
//! proposal otherwise valid), or an error code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests report failures by panicking"
)]

mod common;

use pactum::{Engine, Proposal, Report};

/// The examples: (line of the block, expectation, form, text).
fn examples(doc: &str) -> Vec<(usize, String, String, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = doc.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(form) = line.strip_prefix("```") {
            if form == "proposal" || form == "json" {
                let expect = lines[..i]
                    .iter()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .and_then(|l| l.strip_prefix("<!-- expect: "))
                    .and_then(|l| l.strip_suffix(" -->"))
                    .unwrap_or_else(|| {
                        panic!(
                            "line {}: a `{form}` block without `<!-- expect: ... -->`",
                            i + 1
                        )
                    });
                let end = lines[i + 1..].iter().position(|l| *l == "```").unwrap() + i + 1;
                let text = lines[i + 1..end].join("\n") + "\n";
                out.push((i + 1, expect.to_string(), form.to_string(), text));
                i = end;
            }
        }
        i += 1;
    }
    out
}

#[test]
fn every_example_of_the_proposal_formats_does_what_the_doc_says() {
    let doc = std::fs::read_to_string(common::root().join("docs/proposals.md")).unwrap();
    let examples = examples(&doc);
    assert!(examples.len() >= 8, "{} examples", examples.len());
    let engine = Engine::standard();
    let opts = common::opts();
    for (line, expect, form, text) in examples {
        let parsed = if form == "json" {
            Proposal::from_json(&text)
        } else {
            Proposal::parse(&text)
        };
        let report = match parsed {
            Ok(p) => engine.check_with(&p, &opts),
            Err(e) => Report::invalid("example", None, e),
        };
        let codes: Vec<&str> = report.errors.iter().map(|e| e.code).collect();
        let rules: Vec<&str> = report.violations.iter().map(|v| v.rule.as_str()).collect();
        let ok = match expect.split_once(' ') {
            None if expect == "compliant" => {
                report.compliant && codes.is_empty() && rules.is_empty()
            }
            Some(("violation", rule)) => codes.is_empty() && rules.contains(&rule),
            _ => codes.contains(&expect.as_str()),
        };
        assert!(
            ok,
            "docs/proposals.md:{line}: expected {expect}, got errors {codes:?}, violations {rules:?}\n{text}"
        );
    }
}
