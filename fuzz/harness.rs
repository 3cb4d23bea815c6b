//! What each fuzz target does with one input. Shared by the fuzz targets
//! (fuzz/fuzz_targets/*.rs, built by cargo-fuzz) and by tests/fuzz_regressions.rs (built by
//! `cargo test`, which replays the seed corpus and every crash found), so that the two cannot
//! drift apart and CI notices when an API change breaks the fuzz targets.
//!
//! Every function panics when pactum panics or breaks an invariant; that is a crash for the
//! fuzzer and a failure for the test.

use pactum::{Engine, Proposal, SourceFile};
use pactum::{Report, render_human};

/// A policy library of one file: parse and compile it, and render its first diagnostics.
pub fn policy_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Engine::from_sources(vec![SourceFile::new("f.policy", text.as_ref())]) {
        Ok(engine) => {
            for r in engine.rules() {
                assert!(!r.id.is_empty(), "a compiled rule has an id");
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "a failed compile says why");
            // Rendering costs O(file size) per diagnostic: render a few, not all of them,
            // so that large inputs with many errors do not slow the fuzzer down.
            let refs: Vec<_> = diags.iter().take(4).collect();
            let _ = render_human(&refs, false);
        }
    }
}

/// The proposal text parser.
pub fn proposal_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(diags) = Proposal::parse(&text) {
        assert!(!diags.is_empty(), "a failed parse says why");
    }
}

/// The proposal JSON loader.
pub fn proposal_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(diags) = Proposal::from_json(&text) {
        assert!(!diags.is_empty(), "a failed parse says why");
    }
}

/// A full check against `engine` (the standard library in the fuzz target): parse the input
/// as JSON if it starts with `{` (after whitespace and a byte order mark), as the text form
/// otherwise; check it; render every diagnostic for people and serialize the report.
pub fn check_render(engine: &Engine, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let first = text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .next();
    let (name, parsed) = if first == Some('{') {
        ("f.json", Proposal::from_json_named("f.json", &text))
    } else {
        ("f.proposal", Proposal::parse_named("f.proposal", &text))
    };
    let report = match parsed {
        Ok(p) => engine.check(&p),
        Err(errors) => Report::invalid(name, None, errors),
    };
    let (errors, _, _) = report.counts();
    assert!(
        errors == 0 || !report.compliant,
        "a report with errors is not compliant"
    );
    let diags: Vec<_> = report.diagnostics().collect();
    let human = render_human(&diags, false);
    assert!(
        diags.is_empty() || !human.is_empty(),
        "diagnostics render to something"
    );
    let json = serde_json::to_string(&report);
    assert!(
        json.is_ok_and(|j| j.contains("\"compliant\"")),
        "the report serializes"
    );
}

/// `pactum lint` on a library of one file (the input), with a small budget per question so
/// that each input stays fast: it must answer (findings, `undecided` ones included), never
/// hang or panic, and every finding must carry a lint code and render.
pub fn lint(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(engine) = Engine::from_sources(vec![SourceFile::new("f.policy", text.as_ref())]) else {
        return;
    };
    let opts = pactum::lint::LintOptions {
        budget: 2_000,
        ..pactum::lint::LintOptions::default()
    };
    let report = pactum::lint::lint(&engine, &opts);
    assert!(
        report.undecided <= report.solver_calls + report.rules,
        "undecided questions are counted"
    );
    for d in &report.diagnostics {
        assert!(
            d.code.as_str().starts_with("pactum::lint::"),
            "a finding has a lint code"
        );
    }
    let refs: Vec<_> = report.diagnostics.iter().take(4).collect();
    let _ = render_human(&refs, false);
}
