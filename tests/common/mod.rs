//! Helpers shared by the integration tests: running the real binary, the evaluation date
//! every test pins, the example proposals, scratch folders.
//!
//! Each test crate includes this with `mod common;` and uses what it needs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "shared by many test crates, each using a part; setup failures panic"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod http;
pub mod lsp;

use pactum::{CheckOptions, Date};

/// The evaluation date every test pins (`--as-of`), so that results never depend on today.
pub const AS_OF: &str = "2026-11-29";

/// A compliant example proposal, without warnings.
pub const COMPLIANT: &str = "policies/examples/compliant-cooperation.proposal";
/// An example proposal with an error-severity violation (text form).
pub const VIOLATING: &str = "policies/examples/caspian-shield.proposal";
/// The same proposal in the JSON form.
pub const VIOLATING_JSON: &str = "policies/examples/caspian-shield.json";
/// A compliant example proposal with warnings only.
pub const WARNINGS_ONLY: &str = "policies/examples/kyrgyz-bases.proposal";
/// A JSON proposal that does not parse.
pub const MALFORMED: &str = "tests/corpus/proposals/malformed.json";
/// The example proposals.
pub const EXAMPLES: &str = "policies/examples/";
/// The corpus of invalid proposals.
pub const BAD_PROPOSALS: &str = "tests/corpus/proposals/";

/// The crate root: the binary runs there, so relative paths are the ones above.
/// The number of rules of the standard library (`rule` declarations in `policies/`).
pub fn standard_rules() -> usize {
    pactum::Engine::standard().rules().count()
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// [`AS_OF`] as a date.
pub fn as_of() -> Date {
    Date::parse(AS_OF).expect("AS_OF is a date")
}

/// Check options evaluating as of [`AS_OF`].
pub fn opts() -> CheckOptions {
    CheckOptions {
        as_of: Some(as_of()),
        ..CheckOptions::default()
    }
}

/// Runs `pactum ARGS` from the crate root, uncoloured.
pub fn pactum(args: &[&str]) -> Output {
    pactum_in(root(), args)
}

/// Runs `pactum ARGS` in `dir`, uncoloured.
pub fn pactum_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the pactum binary runs")
}

/// Runs `pactum check --as-of AS_OF ARGS`.
pub fn check(args: &[&str]) -> Output {
    let mut all = vec!["check", "--as-of", AS_OF];
    all.extend_from_slice(args);
    pactum(&all)
}

/// The exit code (a test fails if the process was killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("pactum was killed by a signal")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard output parsed as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(out)))
}

/// A fresh, empty scratch folder for one test of one test crate.
pub fn scratch(krate: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(krate)
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch folder can be made");
    dir
}

/// The errors of an input that must not parse.
pub fn errs_with<E: Into<Vec<pactum::Diagnostic>> + std::fmt::Debug>(
    parse: fn(&str) -> Result<pactum::Proposal, E>,
    text: &str,
) -> Vec<pactum::Diagnostic> {
    match parse(text) {
        Ok(p) => panic!("expected errors, got {p:#?}"),
        Err(e) => e.into(),
    }
}

/// The proposal of an input that must parse.
pub fn ok_with<E: std::fmt::Debug>(
    parse: fn(&str) -> Result<pactum::Proposal, E>,
    text: &str,
) -> pactum::Proposal {
    match parse(text) {
        Ok(p) => p,
        Err(e) => panic!("unexpected errors: {e:#?}"),
    }
}

/// Code, line and column of each error.
pub fn at(e: &[pactum::Diagnostic]) -> Vec<(pactum::Code, u32, u32)> {
    e.iter()
        .map(|d| {
            let pactum::LineCol { line, column } =
                d.source.as_ref().unwrap().line_col(d.span.start);
            (d.code, line, column)
        })
        .collect()
}
