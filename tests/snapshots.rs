//! Snapshot tests of what pactum says, for people (miette) and machines (JSON):
//!
//! - every example proposal of the standard library (`policies/examples/`), human and JSON;
//! - the corpus of bad inputs (`tests/corpus/`): proposals with one input error each, policy
//!   libraries with one error each, and evaluation errors; each case also states the one
//!   code it must produce and where it must point, and that is asserted exactly;
//! - `docs/diagnostics.md` lists every diagnostic code.
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test --test snapshots` (or
//! `cargo insta review`), then read the diff.
//!
//! Corpus conventions:
//!
//! - `tests/corpus/proposals/*.proposal`: the first lines hold `// expect: CODE at LINE:COL
//!   `TOKEN``, or `// expect: ok` for a valid file. `TOKEN` is the exact text under the
//!   diagnostic's primary span; it is left out where the span is empty or spans lines.
//! - `tests/corpus/proposals/*.json`: JSON has no comments, so `tests/corpus/proposals/EXPECT`
//!   holds one line `FILE: EXPECTATION` per JSON file (and for the empty text file), with the
//!   same syntax.
//! - `tests/corpus/policies/<case>/`: a self-contained library with one error; the file the
//!   error points at holds the `// expect:` line (a folder without `.policy` files holds it in
//!   `README.md`, without a location: the error points at no file).
//! - `tests/corpus/eval/<case>/`: a valid library in `lib/` and `proposal.proposal`, whose
//!   check fails with an evaluation error. `// options: no-as-of` checks without an
//!   evaluation date, `// options: budget=N` with an evaluation budget of `N`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report setup failures by panicking"
)]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use pactum::render_human;
use pactum::{CheckOptions, Code, Date, Diagnostic, Engine, Proposal, Report, RunReport};

/// The evaluation date of every check, so that snapshots do not depend on today.
mod common;

use common::AS_OF;

static STANDARD: LazyLock<Engine> = LazyLock::new(Engine::standard);

fn as_of() -> Option<Date> {
    Some(Date::parse(AS_OF).unwrap())
}

/// The path relative to the crate root, with `/` separators, as the CLI would be given it.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(name).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
}

/// Loads and checks a proposal file the way `pactum check` does.
fn check_file(engine: &Engine, name: &str, opts: &CheckOptions) -> Report {
    match Proposal::load(name, &read(name)) {
        Ok(p) => engine.check_with(&p, opts),
        Err(errors) => Report::invalid(name, None, errors),
    }
}

fn standard_opts() -> CheckOptions {
    CheckOptions {
        as_of: as_of(),
        ..Default::default()
    }
}

/// The human report of one file: every diagnostic, then a summary line.
fn human(report: &Report) -> String {
    let diags: Vec<&Diagnostic> = report.diagnostics().collect();
    let mut out = render_human(&diags, false);
    let (e, w, n) = report.counts();
    let status = if !report.errors.is_empty() {
        "invalid"
    } else if report.compliant {
        "compliant"
    } else {
        "not compliant"
    };
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}: {status} ({}, {}, {})\n",
        report.file,
        plural(e, "error"),
        plural(w, "warning"),
        plural(n, "note")
    ));
    out
}

fn render(diags: &[Diagnostic]) -> String {
    let refs: Vec<&Diagnostic> = diags.iter().collect();
    render_human(&refs, false)
}

// ------------------------------------------------------------------ examples

#[test]
fn examples() {
    insta::glob!("../policies/examples", "*.{proposal,json}", |path| {
        let name = relative(path);
        let report = check_file(&STANDARD, &name, &standard_opts());
        assert!(
            report.errors.is_empty(),
            "{name}: an example must be valid input:\n{}",
            human(&report)
        );
        insta::assert_snapshot!("example_human", human(&report));
        let json = serde_json::to_string_pretty(&RunReport::new(vec![report])).unwrap();
        insta::assert_snapshot!("example_json", json);
    });
}

/// The text and JSON form of each example say the same thing: the same rules fire for the
/// same steps with the same messages.
#[test]
fn example_forms_agree() {
    let dir = Path::new("policies/examples");
    let mut pairs = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "proposal") {
            continue;
        }
        let text = relative(&path);
        let json = text.replace(".proposal", ".json");
        if !Path::new(&json).exists() {
            continue;
        }
        pairs += 1;
        let a = check_file(&STANDARD, &text, &standard_opts());
        let b = check_file(&STANDARD, &json, &standard_opts());
        let key = |r: &Report| -> Vec<(String, Option<String>, String, Vec<String>)> {
            r.violations
                .iter()
                .map(|v| {
                    (
                        v.rule.clone(),
                        v.step.clone(),
                        v.message.clone(),
                        v.evidence.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(key(&a), key(&b), "{text} and {json} disagree");
        assert_eq!(a.compliant, b.compliant, "{text} and {json} disagree");
    }
    assert!(pairs >= 10, "only {pairs} example pairs found");
}

/// A violation's diagnostic should not carry the code of an internal error.
///
/// Known bug (reported, not fixed here): `Engine::explain` builds every violation's
/// `Diagnostic` with `Code::Internal`, so `report.diagnostics()` gives rule violations the
/// code `pactum::eval::internal` (the human output hides it behind the rule id, but a
/// library user or a SARIF writer reading `Diagnostic::code` sees it).
#[test]
fn violations_do_not_carry_the_internal_code() {
    let report = check_file(
        &STANDARD,
        "policies/examples/caspian-shield.json",
        &standard_opts(),
    );
    assert!(!report.violations.is_empty());
    for v in &report.violations {
        assert_ne!(v.diagnostic.code, Code::Internal, "{}", v.rule);
    }
}

// ------------------------------------------------------------------ corpus: expectations

/// What a corpus case must produce.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    /// Valid input: no input error.
    Ok,
    /// Exactly one diagnostic with this code, at this line and column (if it points into a
    /// file), over this exact text (if given).
    Error {
        code: String,
        at: Option<(u32, u32)>,
        token: Option<String>,
    },
}

/// Parses `ok` or `CODE [at LINE:COL [`TOKEN`]]`.
fn parse_expect(s: &str) -> Expect {
    let s = s.trim();
    if s == "ok" {
        return Expect::Ok;
    }
    let (code, rest) = s.split_once(' ').unwrap_or((s, ""));
    let rest = rest.trim();
    let (at, token) = match rest.strip_prefix("at ") {
        None => {
            assert!(rest.is_empty(), "bad expectation `{s}`");
            (None, None)
        }
        Some(loc) => {
            let (lc, token) = loc.split_once(' ').unwrap_or((loc, ""));
            let (l, c) = lc.split_once(':').unwrap();
            let token = token.trim();
            let token = (!token.is_empty()).then(|| {
                token
                    .strip_prefix('`')
                    .and_then(|t| t.strip_suffix('`'))
                    .unwrap_or_else(|| panic!("token not in backticks in `{s}`"))
                    .to_string()
            });
            (Some((l.parse().unwrap(), c.parse().unwrap())), token)
        }
    };
    assert!(
        Code::ALL.iter().any(|c| c.as_str() == code),
        "`{code}` is not a code of Code::ALL"
    );
    Expect::Error {
        code: code.to_string(),
        at,
        token,
    }
}

/// The `expect:` line of a file, if any.
fn expect_line(text: &str) -> Option<Expect> {
    text.lines()
        .take(5)
        .find_map(|l| {
            l.trim_start_matches('\u{feff}')
                .trim_start_matches("//")
                .trim()
                .strip_prefix("expect:")
                .map(str::to_string)
        })
        .map(|e| parse_expect(&e))
}

/// `// options: ...` of a file.
fn options_line(text: &str) -> Vec<String> {
    text.lines()
        .take(5)
        .filter_map(|l| l.trim_start_matches("//").trim().strip_prefix("options:"))
        .flat_map(|o| o.split_whitespace().map(str::to_string))
        .collect()
}

/// Asserts that `diags` is exactly the expected diagnostic, pointing into `file`.
fn assert_expected(case: &str, expect: &Expect, file: &str, diags: &[Diagnostic]) {
    match expect {
        Expect::Ok => assert!(
            diags.is_empty(),
            "{case}: expected no error, got:\n{}",
            render(diags)
        ),
        Expect::Error { code, at, token } => {
            assert_eq!(
                diags.len(),
                1,
                "{case}: expected exactly one diagnostic ({code}), got:\n{}",
                render(diags)
            );
            let d = &diags[0];
            assert_eq!(
                d.code.as_str(),
                code,
                "{case}: wrong code:\n{}",
                render(diags)
            );
            match at {
                None => assert!(
                    d.source.is_none(),
                    "{case}: expected a diagnostic without a location, got {:?}",
                    d.location()
                ),
                Some((line, column)) => {
                    let loc = d
                        .location()
                        .unwrap_or_else(|| panic!("{case}: the diagnostic has no location"));
                    assert_eq!(loc.file, file, "{case}: points into the wrong file");
                    assert_eq!(
                        (loc.line, loc.column),
                        (*line, *column),
                        "{case}: points at the wrong place:\n{}",
                        render(diags)
                    );
                    if let Some(token) = token {
                        let source = d.source.as_ref().unwrap();
                        // Trailing whitespace is tolerated here (a known bug, see
                        // `spans_have_no_trailing_whitespace`).
                        assert_eq!(
                            source.slice(d.span).trim_end(),
                            token,
                            "{case}: the span covers the wrong text"
                        );
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ corpus: proposals

const PROPOSALS: &str = "tests/corpus/proposals";

/// The `EXPECT` table of the JSON corpus.
fn json_expectations() -> Vec<(String, Expect)> {
    read(&format!("{PROPOSALS}/EXPECT"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (file, e) = l.split_once(':').unwrap();
            (file.trim().to_string(), parse_expect(e))
        })
        .collect()
}

fn sorted_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Every bad proposal gives exactly its one expected diagnostic, at the offending token;
/// every valid one gives none.
#[test]
fn corpus_proposals_expectations() {
    let table = json_expectations();
    let mut seen_table = Vec::new();
    let mut cases = 0;
    for path in sorted_files(PROPOSALS) {
        let name = relative(&path);
        let text = read(&name);
        if path
            .extension()
            .is_none_or(|e| e != "proposal" && e != "json")
        {
            continue;
        }
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let from_table = table.iter().find(|(f, _)| *f == file).map(|(_, e)| e);
        let from_comment = expect_line(&text);
        let expect = match (from_table, from_comment) {
            (Some(e), None) => {
                seen_table.push(file);
                e.clone()
            }
            (None, Some(e)) => e,
            (Some(_), Some(_)) => panic!("{name}: expectation both in the file and in EXPECT"),
            (None, None) => panic!("{name}: no `// expect:` line and no line in EXPECT"),
        };
        cases += 1;
        let report = check_file(&STANDARD, &name, &standard_opts());
        let diags: Vec<Diagnostic> = report.errors.iter().map(|e| e.diagnostic.clone()).collect();
        assert_expected(&name, &expect, &name, &diags);
        if expect == Expect::Ok {
            assert!(report.proposal.is_some(), "{name}: a valid file has an id");
        }
    }
    for (file, _) in &table {
        assert!(
            seen_table.contains(file),
            "{PROPOSALS}/EXPECT names `{file}`, which does not exist"
        );
    }
    assert!(cases >= 30, "only {cases} proposal cases");
}

#[test]
fn corpus_proposals_snapshots() {
    insta::glob!("corpus/proposals", "*.{proposal,json}", |path| {
        let name = relative(path);
        let report = check_file(&STANDARD, &name, &standard_opts());
        insta::assert_snapshot!("corpus_proposal", human(&report));
    });
}

/// The BOM and CRLF file is the same proposal as its plain twin would be: the BOM is not part
/// of the id, and CR is not part of any value.
#[test]
fn bom_and_crlf_are_invisible() {
    for name in [
        "tests/corpus/proposals/bom-crlf.proposal",
        "tests/corpus/proposals/bom-crlf.json",
    ] {
        let p = Proposal::load(name, &read(name)).unwrap();
        assert_eq!(p.id.node, "bom-crlf", "{name}");
        assert_eq!(
            p.title.as_ref().map(|t| t.node.as_str()),
            Some("Training with a BOM"),
            "{name}"
        );
        assert_eq!(
            p.date.as_ref().map(|d| d.node),
            Date::parse("2026-09-15").ok()
        );
        assert_eq!(p.steps.len(), 1);
        assert_eq!(p.steps[0].id.node, "t1");
    }
}

/// Arabic and Turkish text survives both forms unchanged.
#[test]
fn unicode_text_is_kept() {
    let title = "تمرين مشترك — Türkiye–Azerbaycan ortak eğitimi";
    let note = "İstanbul'da eğitim; التدريب في إسطنبول";
    for name in [
        "tests/corpus/proposals/unicode-text.proposal",
        "tests/corpus/proposals/unicode-text.json",
    ] {
        let p = Proposal::load(name, &read(name)).unwrap();
        assert_eq!(p.title.as_ref().map(|t| t.node.as_str()), Some(title));
        assert_eq!(
            p.steps[0].note.as_ref().map(|n| n.node.as_str()),
            Some(note)
        );
        let report = STANDARD.check_with(&p, &standard_opts());
        assert!(report.errors.is_empty() && report.compliant, "{name}");
    }
}

// ------------------------------------------------------------------ corpus: policies

const POLICIES: &str = "tests/corpus/policies";

/// A case folder's expectation and the file that holds it.
fn case_expectation(dir: &Path) -> (String, Expect) {
    let mut found = Vec::new();
    for path in sorted_files(dir.to_str().unwrap()) {
        if path.is_dir() {
            continue;
        }
        if let Some(e) = expect_line(&read(&relative(&path))) {
            found.push((relative(&path), e));
        }
    }
    assert_eq!(
        found.len(),
        1,
        "{}: exactly one file must hold an `expect:` line",
        dir.display()
    );
    found.pop().unwrap()
}

fn case_dirs(root: &str) -> Vec<PathBuf> {
    sorted_files(root)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
}

/// Every broken library gives exactly its one expected diagnostic, at the offending token.
#[test]
fn corpus_policies_expectations() {
    let dirs = case_dirs(POLICIES);
    assert!(dirs.len() >= 15, "only {} policy cases", dirs.len());
    for dir in dirs {
        let case = relative(&dir);
        let (file, expect) = case_expectation(&dir);
        assert_ne!(expect, Expect::Ok, "{case}: a policy case is an error");
        let diags = match Engine::load(&case) {
            Ok(_) => Vec::new(),
            Err(diags) => diags.into_vec(),
        };
        assert_expected(&case, &expect, &file, &diags);
    }
}

/// A primary span covers its token and nothing more: no trailing whitespace or line break.
///
/// Known bug (reported, not fixed here): the span of a comparison (`s.armed == caspian_sea`)
/// or of a `require each x in S` head runs on over the following whitespace to the next
/// clause, so miette draws it over two lines. `corpus_policies_expectations` tolerates the
/// trailing whitespace; run this test with `--ignored` to see the bug.
#[test]
fn spans_have_no_trailing_whitespace() {
    let mut bad = Vec::new();
    for dir in case_dirs(POLICIES) {
        let case = relative(&dir);
        for d in Engine::load(&case)
            .err()
            .map(pactum::Errors::into_vec)
            .unwrap_or_default()
        {
            // A hidden line break is whitespace, and the span is that character.
            if d.code == Code::HiddenText {
                continue;
            }
            if let Some(source) = &d.source {
                let text = source.slice(d.span);
                if text != text.trim_end() {
                    bad.push(format!("{case}: {text:?}"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "spans with trailing whitespace:\n{}",
        bad.join("\n")
    );
}

#[test]
fn corpus_policies_snapshots() {
    insta::glob!("corpus/policies", "*", |path| {
        let case = relative(path);
        // `*` also matches the base folder itself.
        if !path.is_dir() || case == POLICIES {
            return;
        }
        let text = match Engine::load(&case) {
            Ok(_) => "the library compiles\n".to_string(),
            Err(diags) => render(&diags),
        };
        insta::assert_snapshot!("corpus_policy", text);
    });
}

/// The small library the policy cases start from compiles, and works: each case is broken
/// only by its own error.
#[test]
fn corpus_policies_base_is_valid() {
    let schema = read(&format!("{POLICIES}/unknown-name/schema.policy"));
    let rules = read(&format!("{POLICIES}/unknown-name/rules.policy"))
        .replace("caspian_se.", "caspian_sea.");
    let engine = Engine::from_sources(vec![
        pactum::SourceFile::new("schema.policy", schema),
        pactum::SourceFile::new("rules.policy", rules),
    ])
    .unwrap_or_else(|d| panic!("{}", render(&d)));
    let p = Proposal::parse(
        "proposal x { date: 2026-09-15 }\nstep ex1: exercise { participants: [turkey, azerbaijan], area: caspian_sea }\n",
    )
    .unwrap();
    let report = engine.check_with(&p, &standard_opts());
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].rule, "caspian.non_littoral_forces");
    assert!(report.violations[0].message.contains("turkey"));
}

// ------------------------------------------------------------------ corpus: evaluation

const EVAL: &str = "tests/corpus/eval";

fn eval_case(dir: &Path) -> (String, Expect, Report) {
    let case = relative(dir);
    let engine =
        Engine::load(format!("{case}/lib")).unwrap_or_else(|d| panic!("{case}: {}", render(&d)));
    let name = format!("{case}/proposal.proposal");
    let text = read(&name);
    let expect = expect_line(&text).unwrap_or_else(|| panic!("{name}: no `// expect:` line"));
    let mut opts = standard_opts();
    for o in options_line(&text) {
        match o.split_once('=') {
            None if o == "no-as-of" => opts.as_of = None,
            Some(("budget", n)) => opts.budget = n.parse().unwrap(),
            _ => panic!("{name}: unknown option `{o}`"),
        }
    }
    let p = Proposal::load(&name, &text).unwrap();
    let report = engine.check_with(&p, &opts);
    (name, expect, report)
}

/// Evaluation errors: exactly one, with its code, and the proposal is not compliant (pactum
/// fails closed).
#[test]
fn corpus_eval_expectations() {
    let dirs = case_dirs(EVAL);
    assert!(dirs.len() >= 3);
    for dir in dirs {
        let (name, expect, report) = eval_case(&dir);
        let diags: Vec<Diagnostic> = report.errors.iter().map(|e| e.diagnostic.clone()).collect();
        assert_expected(&name, &expect, &name, &diags);
        assert!(
            !report.compliant,
            "{name}: an evaluation error is never compliant"
        );
        assert!(
            report.errors.iter().all(|e| e.rule.is_some()),
            "{name}: an evaluation error names its rule"
        );
    }
}

#[test]
fn corpus_eval_snapshots() {
    insta::glob!("corpus/eval", "*", |path| {
        // `*` also matches the base folder itself.
        if !path.is_dir() || relative(path) == EVAL {
            return;
        }
        let (_, _, report) = eval_case(path);
        insta::assert_snapshot!("corpus_eval", human(&report));
    });
}

// ------------------------------------------------------------------ docs

/// `docs/diagnostics.md` documents every code, each under its own heading.
#[test]
fn every_code_is_documented() {
    let doc = read("docs/diagnostics.md");
    let mut missing = Vec::new();
    for code in Code::ALL {
        let heading = format!("## `{}`", code.as_str());
        if !doc.lines().any(|l| l.trim_end() == heading) {
            missing.push(code.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "docs/diagnostics.md has no `## `CODE`` heading for: {missing:?}"
    );
}

/// Every code string in the corpus expectations exists.
#[test]
fn corpus_covers_codes() {
    let mut covered = std::collections::BTreeSet::new();
    let mut add = |e: &Expect| {
        if let Expect::Error { code, .. } = e {
            covered.insert(code.clone());
        }
    };
    for (_, e) in json_expectations() {
        add(&e);
    }
    for path in sorted_files(PROPOSALS) {
        if path.extension().is_some_and(|e| e == "proposal") {
            if let Some(e) = expect_line(&read(&relative(&path))) {
                add(&e);
            }
        }
    }
    for dir in case_dirs(POLICIES) {
        add(&case_expectation(&dir).1);
    }
    for dir in case_dirs(EVAL) {
        add(&eval_case(&dir).1);
    }
    // Codes the corpus cannot reach: reading files (the CLI tests cover them), usage, and
    // internal errors (a bug in pactum).
    let elsewhere = [
        Code::Io,
        Code::NotUtf8,
        Code::Usage,
        Code::Internal,
        Code::Violation,
        // git, for `pactum diff --old-rev`: tests/diff.rs.
        Code::GitMissing,
        Code::GitUnknownRev,
        Code::GitFailed,
        // `pactum explain`'s own errors: tests/explain.rs.
        Code::ExplainUnknownStep,
        Code::ExplainUnknownRule,
        Code::ExplainNotApplicable,
        // Too big for a corpus file: tests/robustness.rs sets small `Limits` instead.
        Code::LimitSize,
        Code::LimitSteps,
        Code::LimitString,
        // The language server's note on a lint cut short: tests/lsp.rs.
        Code::LimitLint,
    ];
    // Lint codes have their own corpus: tests/corpus/lints, checked by tests/lint_corpus.rs.
    let elsewhere: Vec<Code> = elsewhere
        .into_iter()
        .chain(
            Code::ALL
                .iter()
                .copied()
                .filter(|c| c.as_str().starts_with("pactum::lint::")),
        )
        .collect();
    let uncovered: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !elsewhere.contains(c) && !covered.contains(c.as_str()))
        .map(|c| c.as_str())
        .collect();
    assert!(uncovered.is_empty(), "no corpus case for {uncovered:?}");
}

/// One violation per distinct offending value, with a label at each place the list writes
/// it (issue 13, item 6).
#[test]
fn a_repeated_value_is_labelled_at_each_occurrence() {
    let text = "proposal p {\n  date: 2026-09-15\n}\n\nstep f1: transit_flight {\n  operator: turkey\n  route: [georgia, azerbaijan, georgia, kazakhstan, azerbaijan]\n  permits: [kazakhstan]\n  cargo: [personnel]\n}\n";
    let p = Proposal::parse_named("repeated.proposal", text).unwrap();
    let report = Engine::standard().check_with(&p, &standard_opts());
    let consent: Vec<&pactum::Violation> = report
        .violations
        .iter()
        .filter(|v| v.rule == "transit.per_flight_consent")
        .collect();
    assert_eq!(consent.len(), 2, "one per distinct state");
    for v in &consent {
        assert_eq!(v.diagnostic.also.len(), 1, "{:?}", v.diagnostic.also);
    }
    let diags: Vec<&Diagnostic> = consent.iter().map(|v| &v.diagnostic).collect();
    insta::assert_snapshot!(render_human(&diags, false));
}
