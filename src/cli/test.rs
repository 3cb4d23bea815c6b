//! `pactum test`: run a policy library's own tests.
//!
//! A library folder `DIR` keeps its tests under `DIR/tests/` (searched recursively): text
//! proposals (`.proposal`) whose comment lines say what they expect, and JSON proposals
//! (`.json`) with a sidecar `NAME.expect` file of the same lines:
//!
//! ```text
//! // expect: caspian.non_littoral_forces ex1 turkey    rule, step, offending entity
//! // expect: ots.no_command_structure ex1              rule and step: any binding
//! // expect: risk.russia.defence_schengen b1 b1        a proposal-wide rule reports its step
//! // expect: some.proposal.rule -                      `-`: a proposal-wide violation
//! // expect: nothing                                   no violation at all
//! // as-of: 2026-09-15                                 evaluation date of this test
//! ```
//!
//! Expected and actual violations are compared as sets of (rule, step, entity): an
//! expectation without an entity stands for every violation of that rule on that step.
//! Every violation counts, whatever its severity. See docs/testing.md.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{Exit, Format, color, count, emit};
use pactum::{
    CheckOptions, Code, Coverage, Date, Diagnostic, Engine, ErrorEntry, Proposal, Report,
    SourceFile, Span, did_you_mean, printable, render_human,
};

/// Arguments of `pactum test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Evaluation date of tests without an `as-of:` line, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Fail (exit 1) when a rule never fired or an `unless` exception was never taken.
    #[arg(long)]
    require_coverage: bool,
    /// A policy library folder whose tests (under DIR/tests/) to run (repeatable; default:
    /// the standard library built in, with its tests).
    #[arg(long, value_name = "DIR")]
    policies: Vec<PathBuf>,
    /// More library folders, as with `--policies`.
    #[arg(value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

/// One expected (or actual) violation: rule, step (`None`: proposal-wide), entity (`None`:
/// any, in an expectation; no `each` binding, in a violation).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Key {
    /// The rule id.
    pub rule: String,
    /// The step id.
    pub step: Option<String>,
    /// The offending entity (the `each` binding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.rule, self.step.as_deref().unwrap_or("-"))?;
        if let Some(e) = &self.entity {
            write!(f, " {e}")?;
        }
        Ok(())
    }
}

/// The outcome of one test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Actual violations are the expected ones.
    Pass,
    /// Some expected violation is missing or some violation is unexpected.
    Fail,
    /// The test could not be run: unreadable file, bad expectation, input or evaluation error.
    Invalid,
}

/// The result of one test file.
#[derive(Clone, Debug, Serialize)]
pub struct TestResult {
    /// The proposal file.
    pub file: String,
    /// The proposal id.
    pub proposal: Option<String>,
    /// pass, fail or invalid.
    pub status: Status,
    /// The expectations, as written.
    pub expected: Vec<Key>,
    /// The violations found.
    pub actual: Vec<Key>,
    /// Expectations that no violation met.
    pub missing: Vec<Key>,
    /// Violations that no expectation covers (with their messages).
    pub unexpected: Vec<Unexpected>,
    /// Input and evaluation errors.
    pub errors: Vec<ErrorEntry>,
}

/// A violation no expectation covers.
#[derive(Clone, Debug, Serialize)]
pub struct Unexpected {
    /// Which violation.
    #[serde(flatten)]
    pub key: Key,
    /// Its message.
    pub message: String,
}

/// One `unless` clause of a rule, for coverage reports.
#[derive(Clone, Debug, Serialize)]
pub struct UnlessInfo {
    /// Its position among the rule's `unless` clauses, from 1.
    pub index: usize,
    /// `file:line` of the clause.
    pub location: String,
    /// Its `because` reason, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// The `unless` clauses of every rule of an engine, by rule index (id order).
pub(crate) fn unless_clauses(engine: &Engine) -> Vec<Vec<UnlessInfo>> {
    engine
        .rules()
        .map(|r| {
            r.unless
                .iter()
                .enumerate()
                .map(|(i, u)| UnlessInfo {
                    index: i + 1,
                    location: match r.defined_at {
                        Some((src, _)) => {
                            format!("{}:{}", src.name(), src.line_col(u.span.start).line)
                        }
                        None => r.file.to_string(),
                    },
                    because: u.because.clone(),
                })
                .collect()
        })
        .collect()
}

/// Coverage of one rule over a test run.
#[derive(Clone, Debug, Serialize)]
pub struct RuleCoverage {
    /// The rule id.
    pub rule: String,
    /// Its severity.
    pub severity: pactum::Severity,
    /// Applications whose `when` held.
    pub applied: u64,
    /// Violations reported.
    pub fired: u64,
    /// Its `unless` clauses and how often each was taken.
    pub unless: Vec<UnlessCoverage>,
}

/// Coverage of one `unless` clause.
#[derive(Clone, Debug, Serialize)]
pub struct UnlessCoverage {
    /// Which clause.
    #[serde(flatten)]
    pub info: UnlessInfo,
    /// Bindings it spared.
    pub taken: u64,
}

/// Per-rule coverage rows from an engine's counts.
pub(crate) fn coverage_rows(engine: &Engine, cov: &Coverage) -> Vec<RuleCoverage> {
    let clauses = unless_clauses(engine);
    engine
        .rules()
        .enumerate()
        .map(|(i, r)| RuleCoverage {
            rule: r.id.to_string(),
            severity: r.severity,
            applied: cov.applied.get(i).copied().unwrap_or(0),
            fired: cov.fired.get(i).copied().unwrap_or(0),
            unless: clauses
                .get(i)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(k, info)| UnlessCoverage {
                    info: info.clone(),
                    taken: cov
                        .unless_taken
                        .get(i)
                        .and_then(|u| u.get(k))
                        .copied()
                        .unwrap_or(0),
                })
                .collect(),
        })
        .collect()
}

/// The tests of one library.
#[derive(Clone, Debug, Serialize)]
pub struct LibraryResult {
    /// The library folder.
    pub library: String,
    /// Errors loading the library or finding its tests.
    pub errors: Vec<ErrorEntry>,
    /// One result per test file, in path order.
    pub tests: Vec<TestResult>,
    /// Coverage per rule, in rule id order.
    pub coverage: Vec<RuleCoverage>,
    /// Rules that never fired.
    pub never_fired: Vec<String>,
    /// `unless` clauses never taken, as `RULE unless #N`.
    pub never_taken: Vec<String>,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TestSummary {
    /// Test files run.
    pub tests: usize,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Invalid (could not be run), plus libraries that could not be loaded.
    pub invalid: usize,
    /// Rules, over all libraries.
    pub rules: usize,
    /// Rules that fired at least once.
    pub rules_fired: usize,
    /// `unless` clauses.
    pub unless: usize,
    /// `unless` clauses taken at least once.
    pub unless_taken: usize,
}

/// The JSON report of `pactum test`.
#[derive(Clone, Debug, Serialize)]
pub struct TestRun {
    /// Format version: 1.
    pub version: u32,
    /// One entry per library folder.
    pub libraries: Vec<LibraryResult>,
    /// Totals.
    pub summary: TestSummary,
}

/// Runs the tests and prints the report.
pub fn run(args: &Args, out: &mut dyn std::io::Write) -> Exit {
    let as_of = match crate::cli::as_of_arg(args.as_of.as_deref()) {
        Ok(d) => d,
        Err(d) => {
            match args.format {
                Format::Human => emit(out, &render_human(&[&d], color())),
                Format::Json => {
                    let lib = LibraryResult {
                        library: "<command line>".into(),
                        errors: vec![ErrorEntry::from_diagnostic(d)],
                        tests: Vec::new(),
                        coverage: Vec::new(),
                        never_fired: Vec::new(),
                        never_taken: Vec::new(),
                    };
                    print_json(out, &finish(vec![lib]));
                }
            }
            return Exit::Invalid;
        }
    };
    let libraries: Vec<LibraryResult> = crate::cli::libraries(&args.policies, &args.dirs)
        .iter()
        .map(|l| test_library(l, as_of))
        .collect();
    let run = finish(libraries);
    match args.format {
        Format::Json => print_json(out, &run),
        Format::Human => emit(out, &human(&run, color())),
    }
    let s = &run.summary;
    if s.invalid > 0 {
        Exit::Invalid
    } else if s.failed > 0
        || (args.require_coverage && (s.rules_fired < s.rules || s.unless_taken < s.unless))
    {
        Exit::Violations
    } else {
        Exit::Ok
    }
}

fn finish(libraries: Vec<LibraryResult>) -> TestRun {
    let mut s = TestSummary::default();
    for l in &libraries {
        if !l.errors.is_empty() {
            s.invalid += 1;
        }
        for t in &l.tests {
            s.tests += 1;
            match t.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Invalid => s.invalid += 1,
            }
        }
        s.rules += l.coverage.len();
        s.rules_fired += l.coverage.iter().filter(|r| r.fired > 0).count();
        for r in &l.coverage {
            s.unless += r.unless.len();
            s.unless_taken += r.unless.iter().filter(|u| u.taken > 0).count();
        }
    }
    TestRun {
        version: 1,
        libraries,
        summary: s,
    }
}

fn print_json(out: &mut dyn std::io::Write, run: &TestRun) {
    let text = crate::cli::to_json(run);
    emit(out, &format!("{text}\n"));
}

/// Runs every test of the library in `dir`.
/// Where a library's test files are read from.
enum TestFiles {
    /// Under the library's folder, whose canonical path is `root`: nothing outside it is read.
    Disk { root: PathBuf },
    /// The standard library's, built into the binary.
    Embedded,
}

impl TestFiles {
    /// The embedded tests, each under its name in reports (`<std>/tests/caspian.proposal`).
    fn embedded() -> impl Iterator<Item = (PathBuf, &'static str)> {
        crate::STANDARD_TESTS.iter().map(|(name, text)| {
            let name = name.strip_prefix("policies/").unwrap_or(name);
            (Path::new("<std>").join(name), *text)
        })
    }

    /// The text of a test file (or of its `.expect` file).
    fn read(&self, path: &Path) -> Result<String, Diagnostic> {
        match self {
            TestFiles::Disk { root } => read_text(path, root),
            TestFiles::Embedded => TestFiles::embedded()
                .find(|(p, _)| p == path)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| Diagnostic::bare(Code::Io, format!("no file `{}`", path.display()))),
        }
    }

    /// Whether a file is there (to tell a missing `.expect` from an unreadable one).
    fn exists(&self, path: &Path) -> bool {
        match self {
            TestFiles::Disk { .. } => path.exists(),
            TestFiles::Embedded => TestFiles::embedded().any(|(p, _)| p == path),
        }
    }
}

pub fn test_library(library: &crate::cli::Library, as_of: Date) -> LibraryResult {
    let name = library.name();
    let mut result = LibraryResult {
        library: name.clone(),
        errors: Vec::new(),
        tests: Vec::new(),
        coverage: Vec::new(),
        never_fired: Vec::new(),
        never_taken: Vec::new(),
    };
    let engine = match library.load() {
        Ok(e) => e,
        Err(errors) => {
            result.errors = errors
                .into_iter()
                .map(ErrorEntry::from_diagnostic)
                .collect();
            return result;
        }
    };
    let (tests_dir, source, mut files) = match library {
        crate::cli::Library::Dir(dir) => {
            let mut files = Vec::new();
            let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            collect(&dir.join("tests"), &root, &mut files, 0);
            (dir.join("tests"), TestFiles::Disk { root }, files)
        }
        crate::cli::Library::Standard => {
            let files = TestFiles::embedded()
                .map(|(p, _)| p)
                .filter(|p| crate::cli::is_proposal(p))
                .collect();
            (PathBuf::from("<std>/tests"), TestFiles::Embedded, files)
        }
    };
    files.sort();
    if files.is_empty() {
        result.errors.push(ErrorEntry::from_diagnostic(
            Diagnostic::bare(
                Code::Usage,
                format!("no tests in `{}`", tests_dir.display()),
            )
            .with_help("add `.proposal` files with `// expect: RULE STEP` lines (or `// expect: nothing`) under the library's tests/ folder; see docs/testing.md"),
        ));
    }
    let mut cov = Coverage::new(&engine);
    for f in &files {
        result
            .tests
            .push(run_test(&engine, f, &source, as_of, &mut cov));
    }
    result.coverage = coverage_rows(&engine, &cov);
    for r in &result.coverage {
        if r.fired == 0 {
            result.never_fired.push(r.rule.clone());
        }
        for u in &r.unless {
            if u.taken == 0 {
                result
                    .never_taken
                    .push(format!("{} unless #{}", r.rule, u.info.index));
            }
        }
    }
    result
}

/// Whether `path` resolves (links followed) to a place inside `root`; else why not.
fn inside(path: &Path, root: &Path) -> Result<(), Diagnostic> {
    if let Err(e) = std::fs::symlink_metadata(path) {
        return Err(Diagnostic::bare(
            Code::Io,
            format!(
                "cannot read `{}`: {e}",
                printable(&path.display().to_string())
            ),
        ));
    }
    match std::fs::canonicalize(path) {
        Ok(real) if real.starts_with(root) => Ok(()),
        _ => Err(Diagnostic::bare(
            Code::LibraryPath,
            format!(
                "`{}` is a link that leads outside the policy library (or nowhere)",
                printable(&path.display().to_string())
            ),
        )
        .with_help(
            "a library's tests must be files under its own folder; copy the file in instead",
        )),
    }
}

/// The test files under `dir` (`.proposal` and `.json`, in any case). A link is a test
/// like any file: reading it checks that it stays inside the library `root` (one that
/// leads out is an invalid test, and its target is never read); links to folders are not
/// walked (their files are read by their own path), unless they lead out, which is an
/// invalid test too.
fn collect(dir: &Path, root: &Path, out: &mut Vec<PathBuf>, depth: u32) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    if depth > 64 {
        return;
    }
    for p in entries.filter_map(Result::ok).map(|e| e.path()) {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let is_test = crate::cli::is_proposal(&p);
        if meta.file_type().is_symlink() {
            if is_test || (p.is_dir() && inside(&p, root).is_err()) {
                out.push(p);
            }
        } else if meta.is_dir() {
            collect(&p, root, out, depth + 1);
        } else if is_test {
            out.push(p);
        }
    }
}

/// What a test file says about itself.
#[derive(Debug, Default)]
struct Expectations {
    keys: Vec<Key>,
    /// `expect: nothing` was given.
    nothing: bool,
    as_of: Option<Date>,
    /// Where each expectation was written (for errors).
    spans: Vec<Span>,
}

/// Reads `expect:` and `as-of:` lines (with or without a leading `//`).
fn expectations(src: &SourceFile, errors: &mut Vec<Diagnostic>) -> Expectations {
    let mut out = Expectations::default();
    let mut offset = 0usize;
    for line in src.text().split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        let body = trimmed.strip_prefix("//").map_or(trimmed, str::trim_start);
        let lead = line.len() - line.trim_start().len() + (trimmed.len() - body.len());
        let span = Span::new(start + lead, start + lead + body.len());
        if let Some(rest) = body.strip_prefix("expect:") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.as_slice() {
                ["nothing"] => out.nothing = true,
                [rule, step] | [rule, step, _] => {
                    out.keys.push(Key {
                        rule: (*rule).to_string(),
                        step: (*step != "-").then(|| (*step).to_string()),
                        entity: words.get(2).map(|e| (*e).to_string()),
                    });
                    out.spans.push(span);
                }
                _ => errors.push(
                    Diagnostic::error(
                        Code::Usage,
                        "malformed expectation",
                        src,
                        span,
                        "expected `expect: RULE STEP [ENTITY]` or `expect: nothing`",
                    )
                    .with_help("write the rule id, the step id (`-` for a proposal-wide violation) and optionally the offending entity"),
                ),
            }
        } else if let Some(rest) = body.strip_prefix("as-of:") {
            match Date::parse(rest.trim()) {
                Ok(d) => out.as_of = Some(d),
                Err(_) => errors.push(
                    Diagnostic::error(
                        Code::Usage,
                        "malformed `as-of:` line",
                        src,
                        span,
                        "not a date",
                    )
                    .with_help("write `as-of: YYYY-MM-DD`"),
                ),
            }
        }
    }
    if out.nothing && !out.keys.is_empty() {
        errors.push(
            Diagnostic::error(
                Code::Usage,
                "`expect: nothing` together with expected violations",
                src,
                out.spans.first().copied().unwrap_or_default(),
                "this expects a violation",
            )
            .with_help("remove `expect: nothing`, or the other `expect:` lines"),
        );
    }
    if !out.nothing && out.keys.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::bare(
                Code::Usage,
                format!("test `{}` says nothing about what it expects", src.name()),
            )
            .with_help("add `// expect: RULE STEP [ENTITY]` lines, or `// expect: nothing` for a proposal that must pass (JSON tests: in a `NAME.expect` file beside it)"),
        );
    }
    out
}

/// A test or expectation file, read only if it is inside the library `root`.
fn read_text(path: &Path, root: &Path) -> Result<String, Diagnostic> {
    inside(path, root)?;
    SourceFile::read(path, pactum::Limits::default().max_input_bytes).map(|s| s.text().to_string())
}

fn invalid(
    file: &str,
    proposal: Option<String>,
    expected: Vec<Key>,
    errors: Vec<Diagnostic>,
) -> TestResult {
    TestResult {
        file: file.to_string(),
        proposal,
        status: Status::Invalid,
        expected,
        actual: Vec::new(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        errors: errors
            .into_iter()
            .map(ErrorEntry::from_diagnostic)
            .collect(),
    }
}

/// Runs one test file.
fn run_test(
    engine: &Engine,
    path: &Path,
    files: &TestFiles,
    as_of: Date,
    cov: &mut Coverage,
) -> TestResult {
    let name = path.display().to_string();
    let text = match files.read(path) {
        Ok(t) => t,
        Err(d) => return invalid(&name, None, Vec::new(), vec![d]),
    };
    let is_json = path.extension().is_some_and(|e| e == "json");
    let mut errors = Vec::new();
    let exp = if is_json {
        let side = path.with_extension("expect");
        match files.read(&side) {
            Ok(t) => expectations(&SourceFile::new(side.display().to_string(), t), &mut errors),
            Err(d) if files.exists(&side) || d.code == Code::LibraryPath => {
                errors.push(d);
                Expectations::default()
            }
            Err(_) => {
                errors.push(
                    Diagnostic::bare(
                        Code::Usage,
                        format!("JSON test `{name}` has no `{}`", side.display()),
                    )
                    .with_help("write its expectations (`expect: RULE STEP [ENTITY]` lines, or `expect: nothing`) in a file of that name"),
                );
                Expectations::default()
            }
        }
    } else {
        expectations(&SourceFile::new(name.clone(), text.clone()), &mut errors)
    };
    let proposal = match Proposal::load(&name, &text) {
        Ok(p) => p,
        Err(e) => {
            let mut e = e.into_vec();
            e.extend(errors);
            return invalid(&name, None, exp.keys, e);
        }
    };
    let pid = Some(proposal.id.node.clone());
    // Expectations must name rules of the library and steps of the proposal.
    let rules: Vec<&str> = engine.rules().map(|r| r.id).collect();
    let exp_src = if is_json {
        None
    } else {
        Some(SourceFile::new(name.clone(), text.clone()))
    };
    for (k, span) in exp.keys.iter().zip(&exp.spans) {
        let mut bad = |msg: String, help: String| {
            let d = match &exp_src {
                Some(src) => Diagnostic::error(Code::Usage, msg, src, *span, "in this expectation"),
                None => Diagnostic::bare(Code::Usage, msg),
            };
            errors.push(d.with_help(help));
        };
        if !rules.contains(&k.rule.as_str()) {
            let help = did_you_mean(&k.rule, rules.iter().copied())
                .map_or("name a rule of the library".to_string(), |h| {
                    format!("did you mean `{h}`?")
                });
            bad(format!("`{name}` expects unknown rule `{}`", k.rule), help);
        }
        if let Some(step) = &k.step {
            if proposal.step(step).is_none() {
                let steps: Vec<&str> = proposal.steps.iter().map(|s| s.id.node.as_str()).collect();
                bad(
                    format!(
                        "`{name}` expects a violation on step `{step}`, which it does not have"
                    ),
                    format!(
                        "its steps are: {}; write `-` for a proposal-wide violation",
                        steps.join(", ")
                    ),
                );
            }
        }
    }
    if !errors.is_empty() {
        return invalid(&name, pid, exp.keys, errors);
    }
    let opts = CheckOptions {
        as_of: Some(exp.as_of.unwrap_or(as_of)),
        ..CheckOptions::default()
    };
    let report = engine.check_with_coverage(&proposal, &opts, cov);
    compare(&name, &report, exp.keys)
}

/// Compares a report with the expectations.
fn compare(name: &str, report: &Report, expected: Vec<Key>) -> TestResult {
    let actual: Vec<(Key, &str)> = report
        .violations
        .iter()
        .map(|v| {
            (
                Key {
                    rule: v.rule.clone(),
                    step: v.step.clone(),
                    entity: v.binding.clone(),
                },
                v.message.as_str(),
            )
        })
        .collect();
    let covers = |e: &Key, a: &Key| {
        e.rule == a.rule && e.step == a.step && (e.entity.is_none() || e.entity == a.entity)
    };
    let missing: Vec<Key> = expected
        .iter()
        .filter(|e| !actual.iter().any(|(a, _)| covers(e, a)))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let unexpected: Vec<Unexpected> = actual
        .iter()
        .filter(|(a, _)| !expected.iter().any(|e| covers(e, a)))
        .map(|(k, m)| Unexpected {
            key: k.clone(),
            message: (*m).to_string(),
        })
        .collect();
    let status = if !report.errors.is_empty() {
        Status::Invalid
    } else if missing.is_empty() && unexpected.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    TestResult {
        file: name.to_string(),
        proposal: report.proposal.clone(),
        status,
        expected,
        actual: actual.into_iter().map(|(k, _)| k).collect(),
        missing,
        unexpected,
        errors: report.errors.clone(),
    }
}

/// The human report.
pub fn human(run: &TestRun, color: bool) -> String {
    let mut out = String::new();
    for lib in &run.libraries {
        if !lib.errors.is_empty() {
            let diags: Vec<&Diagnostic> = lib.errors.iter().map(|e| &e.diagnostic).collect();
            out.push_str(&render_human(&diags, color));
            out.push_str(&format!(
                "library `{}`: not tested ({})\n",
                printable(&lib.library),
                count(lib.errors.len() as u64, "error")
            ));
            continue;
        }
        for t in &lib.tests {
            match t.status {
                Status::Pass => out.push_str(&format!("test {} ... ok\n", printable(&t.file))),
                Status::Fail => {
                    out.push_str(&format!("test {} ... FAILED\n", printable(&t.file)));
                    for m in &t.missing {
                        out.push_str(&format!("  - missing:    {}\n", printable(&m.to_string())));
                    }
                    for u in &t.unexpected {
                        out.push_str(&format!(
                            "  + unexpected: {}\n      {}\n",
                            printable(&u.key.to_string()),
                            printable(&u.message)
                        ));
                    }
                }
                Status::Invalid => {
                    out.push_str(&format!("test {} ... INVALID\n", printable(&t.file)));
                    let diags: Vec<&Diagnostic> = t.errors.iter().map(|e| &e.diagnostic).collect();
                    out.push_str(&render_human(&diags, color));
                }
            }
        }
        let rules = lib.coverage.len();
        let fired = lib.coverage.iter().filter(|r| r.fired > 0).count();
        let unless: usize = lib.coverage.iter().map(|r| r.unless.len()).sum();
        let taken: usize = lib
            .coverage
            .iter()
            .map(|r| r.unless.iter().filter(|u| u.taken > 0).count())
            .sum();
        out.push_str(&format!(
            "\ncoverage of `{}`: {fired}/{rules} rules fired, {taken}/{unless} unless exceptions taken\n",
            lib.library
        ));
        out.push_str("  applied  fired  rule\n");
        for r in &lib.coverage {
            out.push_str(&format!("  {:>7}  {:>5}  {}\n", r.applied, r.fired, r.rule));
            for u in &r.unless {
                out.push_str(&format!(
                    "  {:>7}  {:>5}    unless #{} ({}): taken {}\n",
                    "",
                    "",
                    u.info.index,
                    u.info.location,
                    count(u.taken, "time")
                ));
            }
        }
        for r in &lib.coverage {
            if r.fired == 0 {
                out.push_str(&format!("  never fired: {}\n", r.rule));
            }
            for u in &r.unless {
                if u.taken == 0 {
                    out.push_str(&format!(
                        "  never taken: {} unless #{} ({}){}\n",
                        r.rule,
                        u.info.index,
                        u.info.location,
                        u.info
                            .because
                            .as_ref()
                            .map_or(String::new(), |b| format!(": because \"{b}\""))
                    ));
                }
            }
        }
    }
    let s = &run.summary;
    let verdict = if s.invalid > 0 || s.failed > 0 {
        "FAILED"
    } else {
        "ok"
    };
    out.push_str(&format!(
        "\ntest result: {verdict}. {} passed; {} failed; {} invalid\n",
        s.passed, s.failed, s.invalid
    ));
    out
}
