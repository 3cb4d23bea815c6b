//! `pactum fmt` and `pactum::fmt`: the laws over every policy and proposal file of the
//! repository and over generated ones (formatting twice is formatting once; the result
//! parses to the same syntax tree or model; every comment is kept, in order), snapshots of
//! the formatting corpus (`tests/corpus/fmt/`), and the command line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::path::{Path, PathBuf};

use pactum::fmt::{format_policy_named, format_proposal_named};
use pactum::syntax::parse_policy;
use pactum::{Proposal, SourceFile};

/// Every file under `dir` whose name ends with `ext`, in path order.
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// The comments of a text, as the formatter sees them: `//` to the end of the line and
/// (`blocks`) `/* */`, outside strings; line comments without trailing spaces, CRLF as LF.
fn comments(text: &str, blocks: bool) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            out.push(text[i..end].trim_end().to_string());
            i = end;
        } else if blocks && b[i..].starts_with(b"/*") {
            let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            out.push(text[i..end].replace("\r\n", "\n"));
            i = end;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// A syntax tree without its spans: `PolicyFile`'s equality ignores the spans of names
/// and expressions, not the `span` fields of rules, facts and clauses, so the tree is
/// compared by its debug form with every span masked.
fn tree(f: &pactum::syntax::PolicyFile) -> String {
    static SPAN: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\d+\.\.\d+").unwrap());
    SPAN.replace_all(&format!("{f:?}"), "_").into_owned()
}

/// The laws for one policy text that parses: idempotent, same tree, same comments, no
/// line longer than the width unless one token makes it so. Returns the formatted text.
pub fn policy_laws(name: &str, text: &str) -> String {
    let once = format_policy_named(name, text)
        .unwrap_or_else(|e| panic!("{name} parses but does not format: {e:?}"));
    let twice = format_policy_named(name, &once)
        .unwrap_or_else(|e| panic!("{name}: the formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting twice differs from once");
    let before = parse_policy(&SourceFile::new(name, text)).unwrap();
    let after = parse_policy(&SourceFile::new(name, once.as_str())).unwrap();
    assert_eq!(
        tree(&before),
        tree(&after),
        "{name}: the syntax tree changed\n{once}"
    );
    assert_eq!(
        comments(text, true),
        comments(&once, true),
        "{name}: comments lost or moved out of order\n{once}"
    );
    once
}

/// The laws for one proposal text that parses.
pub fn proposal_laws(name: &str, text: &str) -> String {
    let once = format_proposal_named(name, text)
        .unwrap_or_else(|e| panic!("{name} parses but does not format: {e:?}"));
    let twice = format_proposal_named(name, &once)
        .unwrap_or_else(|e| panic!("{name}: the formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting twice differs from once");
    let before = Proposal::parse_named(name, text).unwrap();
    let after = Proposal::parse_named(name, &once).unwrap();
    assert_eq!(before, after, "{name}: the model changed\n{once}");
    assert_eq!(
        comments(text, false),
        comments(&once, false),
        "{name}: comments lost or moved out of order\n{once}"
    );
    once
}

fn repo_files(ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["policies", "tests/corpus", "benches", "examples", "fuzz"] {
        let d = common::root().join(dir);
        if d.is_dir() {
            files(&d, ext, &mut out);
        }
    }
    out
}

#[test]
fn every_policy_file_of_the_repository_formats_lawfully() {
    let (mut ok, mut bad) = (0, 0);
    for path in repo_files("policy") {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        match parse_policy(&SourceFile::new(name.as_str(), text.as_str())) {
            Ok(_) => {
                policy_laws(&name, &text);
                ok += 1;
            }
            Err(expected) => {
                // A file that does not parse gives the parser's own diagnostics.
                let got = format_policy_named(&name, &text).unwrap_err();
                assert_eq!(got, expected, "{name}");
                bad += 1;
            }
        }
    }
    assert!(
        ok > 100 && bad > 3,
        "{ok} policy files formatted, {bad} refused"
    );
}

#[test]
fn every_proposal_file_of_the_repository_formats_lawfully() {
    let (mut ok, mut bad) = (0, 0);
    for path in repo_files("proposal") {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        match Proposal::parse_named(&name, &text) {
            Ok(_) => {
                proposal_laws(&name, &text);
                ok += 1;
            }
            Err(expected) => {
                let got = format_proposal_named(&name, &text).unwrap_err();
                assert_eq!(got, expected, "{name}");
                bad += 1;
            }
        }
    }
    assert!(
        ok > 30 && bad > 3,
        "{ok} proposal files formatted, {bad} refused"
    );
}
