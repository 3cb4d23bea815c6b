//! Human output for a large proposal: every violation is rendered, and each rendering is the
//! one miette's own `str` source code gives (which scans the text from its start for every
//! label, so using it for every violation made the output quadratic in the file size; the
//! `SourceFile` implementation reads spans from its line index). No timing assertions: this
//! checks that a few thousand violations render, and render exactly as before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

mod common;

use std::fmt;

use pactum::render_human;
use pactum::{Diagnostic, Engine, Proposal, Report};

const STEPS: usize = 2000;
const NAME: &str = "large.proposal";

/// A proposal whose every step violates `caspian.non_littoral_forces` (for turkey), with a
/// non-ASCII title and CRLF line ends on every other step.
fn proposal_text(steps: usize) -> String {
    let mut text = String::from(
        "// Türkiye at sea in the Caspian, many times\nproposal p {\n  title: \"Kazakhstan ve Türkiye\"\n  date: 2026-09-15\n}\n\n",
    );
    for i in 0..steps {
        let end = if i % 2 == 0 { "\n" } else { "\r\n" };
        text.push_str(&format!(
            "step s{i}: exercise {{ participants: [turkey, iran], area: caspian_sea }}{end}"
        ));
    }
    text
}

fn check(text: &str) -> Report {
    let p = Proposal::parse_named(NAME, text).unwrap_or_else(|d| panic!("{d:?}"));
    Engine::standard().check_with(&p, &common::opts())
}

/// The handler `render_human` uses, uncoloured.
fn handler() -> miette::GraphicalReportHandler {
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false)
        .with_context_lines(1)
        .with_wrap_lines(false)
}

/// A diagnostic whose source code is miette's own implementation for `str`.
struct ViaStr<'a> {
    diagnostic: &'a Diagnostic,
    source: miette::NamedSource<String>,
}

impl fmt::Debug for ViaStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for ViaStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for ViaStr<'_> {}

impl miette::Diagnostic for ViaStr<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::code(self.diagnostic)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::help(self.diagnostic)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.diagnostic)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        miette::Diagnostic::related(self.diagnostic)
    }
}

fn render_one(d: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    handler().render_report(&mut out, d).unwrap();
    out
}

#[test]
fn a_large_proposal_renders_every_violation_as_before() {
    let text = proposal_text(STEPS);
    let report = check(&text);
    let diags: Vec<&Diagnostic> = report.diagnostics().collect();
    assert_eq!(report.violations.len(), STEPS);
    assert_eq!(diags.len(), STEPS);

    // All of it renders, each violation pointing at its own step.
    let out = render_human(&diags, false);
    assert_eq!(out.matches("caspian.non_littoral_forces\n").count(), STEPS);
    for step in [0, 1, STEPS / 2, STEPS - 1] {
        // `step sN: exercise { participants: [`: the column of `turkey` grows with N
        let (line, column) = (step + 7, 35 + step.to_string().len());
        assert!(
            out.contains(&format!("╭─[{NAME}:{line}:{column}]")),
            "no location for step s{step}"
        );
    }

    // Each rendering is identical to the one miette's `str` implementation gives.
    for step in [0, 1, 2, STEPS / 2, STEPS / 2 + 1, STEPS - 2, STEPS - 1] {
        let d = diags[step];
        assert!(d.message.contains("turkey"), "{}", d.message);
        let fast = render_one(d);
        let slow = render_one(&ViaStr {
            diagnostic: d,
            source: miette::NamedSource::new(NAME, text.clone()),
        });
        assert_eq!(fast, slow, "step s{step}");
        assert_eq!(fast, render_human(&[d], false));
    }
}

#[test]
fn the_first_violation_renders_as_in_a_small_file() {
    let large = check(&proposal_text(STEPS));
    let small = check(&proposal_text(3));
    let first = |r: &Report| render_human(&[r.diagnostics().next().unwrap()], false);
    assert_eq!(first(&large), first(&small));
    assert!(first(&small).contains(&format!("╭─[{NAME}:7:36]")));
}

/// A minified JSON proposal is one line: its violations are not shown as snippets (each
/// would repeat the whole file, and miette panics when padding past 65,535 columns); the
/// location goes under the message instead.
#[test]
fn one_line_json_gives_locations_instead_of_snippets() {
    let steps: Vec<String> = (0..3000)
        .map(|i| {
            format!(
                r#"{{"id":"s{i}","kind":"exercise","participants":["turkey","iran"],"area":"caspian_sea"}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"id":"p","date":"2026-09-15","steps":[{}]}}"#,
        steps.join(",")
    );
    assert!(json.len() > 200_000, "one line past miette's padding limit");
    let p = Proposal::from_json_named("minified.json", &json).unwrap_or_else(|d| panic!("{d:?}"));
    let report = Engine::standard().check(&p);
    assert_eq!(report.violations.len(), 3000);
    let diags: Vec<&Diagnostic> = report.diagnostics().collect();
    let out = render_human(&diags, false);
    let last = &report.violations[2999];
    let expected = format!(
        "--> minified.json:1:{}: turkey is not a littoral state of the Caspian Sea",
        {
            let step = json.find(r#""s2999""#).unwrap();
            step + json[step..].find(r#""turkey""#).unwrap() + 1
        }
    );
    assert!(out.contains(&expected), "no `{expected}` in the output");
    assert!(!out.contains(&json[..200]), "the long line is not printed");
    assert_eq!(last.location.line, 1);
    // The first violation, in full.
    insta::assert_snapshot!(render_human(&diags[..1], false));
}
