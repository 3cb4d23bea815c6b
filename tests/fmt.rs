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

/// The laws for one policy text that parses: idempotent, same tree, same comments.
/// Returns the formatted text.
pub fn policy_laws(name: &str, text: &str) -> String {
    try_policy_laws(name, text).unwrap_or_else(|e| panic!("{e}"))
}

/// [`policy_laws`], with the first law broken as an error.
fn try_policy_laws(name: &str, text: &str) -> Result<String, String> {
    let once = format_policy_named(name, text)
        .map_err(|e| format!("{name} parses but does not format: {e:?}"))?;
    let twice = format_policy_named(name, &once)
        .map_err(|e| format!("{name}: the formatted text does not parse: {e:?}\n{once}"))?;
    if once != twice {
        return Err(format!(
            "{name}: formatting twice differs from once\n--- input\n{text}\n--- once\n{once}\n--- twice\n{twice}"
        ));
    }
    let before = parse_policy(&SourceFile::new(name, text))
        .map_err(|e| format!("{name} does not parse: {e:?}"))?;
    let after = parse_policy(&SourceFile::new(name, once.as_str()))
        .map_err(|e| format!("{name}: the formatted text does not parse: {e:?}"))?;
    if tree(&before) != tree(&after) {
        return Err(format!("{name}: the syntax tree changed\n{once}"));
    }
    if comments(text, true) != comments(&once, true) {
        return Err(format!(
            "{name}: comments lost or moved out of order\n{once}"
        ));
    }
    Ok(once)
}

/// The laws for one proposal text that parses.
pub fn proposal_laws(name: &str, text: &str) -> String {
    let once = format_proposal_named(name, text)
        .unwrap_or_else(|e| panic!("{name} parses but does not format: {e:?}"));
    let twice = format_proposal_named(name, &once)
        .unwrap_or_else(|e| panic!("{name}: the formatted text does not parse: {e:?}\n{once}"));
    if once != twice {
        panic!(
            "{name}: formatting twice differs from once\n--- input\n{text}\n--- once\n{once}\n--- twice\n{twice}"
        );
    }
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

// ------------------------------------------------------------------ generated inputs

#[path = "reference/libgen.rs"]
#[allow(dead_code)]
mod libgen;

use proptest::prelude::*;

/// The places of a text where white space may go: after white space outside strings and
/// comments (so between two tokens), as byte offsets.
fn gaps(text: &str, blocks: bool) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i = text[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if blocks && b[i..].starts_with(b"/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            if b[i] == b' ' || b[i] == b'\n' {
                out.push(i);
            }
            i += 1;
        }
    }
    out
}

/// `text` with things inserted at some of `places` (each choice: a place, and what).
fn sprinkle(text: &str, places: &[usize], choices: &[(usize, usize)], things: &[&str]) -> String {
    if places.is_empty() {
        return text.to_string();
    }
    let mut at: Vec<(usize, &str)> = choices
        .iter()
        .map(|&(p, t)| (places[p % places.len()], things[t % things.len()]))
        .collect();
    at.sort_by_key(|&(p, _)| p);
    let mut out = String::new();
    let mut last = 0;
    for (p, thing) in at {
        out.push_str(&text[last..p]);
        out.push_str(thing);
        last = p;
    }
    out.push_str(&text[last..]);
    out
}

/// Comments and white space that may go between two tokens of a policy.
const POLICY_THINGS: &[&str] = &[
    " // a trailing comment\n",
    "\n// a comment on its own line\n",
    " /* a block */ ",
    "\n\n",
    "\n/* a block\n   on two lines */\n",
    "  ",
    "\r\n",
    " // شرح بالعربية\n",
    "\n\n\n// after blank lines\n\n",
    "/*tight*/",
    " /* at the end of a line */\n",
    "\n/* before code */ ",
];

/// Comments and line breaks that may go at the end of a line of a proposal.
const PROPOSAL_THINGS: &[&str] = &[
    " // a trailing comment",
    "\n// a comment on its own line",
    "\n",
    "\n\n// after a blank line",
    " // Türkçe açıklama",
];

fn engine_for_proposals() -> &'static pactum::Engine {
    static E: std::sync::OnceLock<pactum::Engine> = std::sync::OnceLock::new();
    E.get_or_init(pactum::Engine::standard)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(300)
    ))]

    /// Generated libraries, with comments and white space between random tokens.
    #[test]
    fn generated_policies_format_lawfully(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        choices in proptest::collection::vec((any::<usize>(), any::<usize>()), 0..12),
    ) {
        let library = libgen::library(&bytes);
        let places = gaps(&library, true);
        let text = sprinkle(&library, &places, &choices, POLICY_THINGS);
        // `not  in` is one token: a comment inside it does not parse
        prop_assume!(parse_policy(&SourceFile::new("g.policy", text.as_str())).is_ok());
        let once = policy_laws("g.policy", &text);
        // and formatting the formatted text gives it back
        prop_assert_eq!(format_policy_named("g.policy", &once).unwrap(), once);
    }

    /// Generated proposals of the standard library, with comments at the ends of random
    /// lines and on lines of their own.
    #[test]
    fn generated_proposals_format_lawfully(
        p in pactum::testing::proposals(engine_for_proposals()),
        choices in proptest::collection::vec((any::<usize>(), any::<usize>()), 0..10),
    ) {
        let plain = p.to_text();
        // one printer: the canonical text form is formatted already
        prop_assert_eq!(format_proposal_named("g.proposal", &plain).unwrap(), plain.clone());
        // line ends, and the places inside lists (after `[` and commas) where a line may end
        let mut places: Vec<usize> = plain.match_indices('\n').map(|(i, _)| i).collect();
        places.extend(plain.match_indices("[").map(|(i, _)| i + 1));
        places.extend(plain.match_indices(", ").map(|(i, _)| i + 1));
        places.retain(|&i| !inside_string(&plain, i));
        places.sort_unstable();
        let things: Vec<&str> = PROPOSAL_THINGS.to_vec();
        let mut text = String::new();
        let mut last = 0;
        let mut at: Vec<(usize, &str)> = choices
            .iter()
            .map(|&(p, t)| (places[p % places.len()], things[t % things.len()]))
            .collect();
        at.sort_by_key(|&(p, _)| p);
        for (p, thing) in at {
            text.push_str(&plain[last..p]);
            text.push_str(thing);
            // a comment ends its line: inside a list, a line break follows
            if !plain[p..].starts_with('\n') && thing.contains("//") {
                text.push('\n');
            }
            last = p;
        }
        text.push_str(&plain[last..]);
        prop_assume!(Proposal::parse_named("g.proposal", &text).is_ok());
        proposal_laws("g.proposal", &text);
    }
}

/// Whether byte `i` of a proposal's text is inside a string.
fn inside_string(text: &str, i: usize) -> bool {
    let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
    let mut inside = false;
    let b = text.as_bytes();
    let mut k = line_start;
    while k < i {
        match b[k] {
            b'\\' if inside => k += 1,
            b'"' => inside = !inside,
            _ => {}
        }
        k += 1;
    }
    inside
}

// ------------------------------------------------------------------ the formatting corpus

/// Every file of `tests/corpus/fmt/` (messy inputs: comments everywhere, long lists and
/// expressions, CRLF, Arabic and Turkish text), formatted: the snapshot is the result, and
/// the laws hold for each.
#[test]
fn formatting_corpus_snapshots() {
    insta::glob!("corpus/fmt", "*.{policy,proposal}", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let formatted = if name.ends_with(".policy") {
            policy_laws(&name, &text)
        } else {
            proposal_laws(&name, &text)
        };
        insta::assert_snapshot!("formatted", formatted);
    });
}

// ------------------------------------------------------------------ the command line

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A scratch folder with a messy policy, a formatted proposal, a policy that does not parse
/// and a JSON proposal.
fn project(test: &str) -> PathBuf {
    let dir = common::scratch("fmt", test);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("lib/a.policy"),
        "fact x:   State { name: \"X\" }   // x\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lib/b.proposal"),
        "proposal p {}\n\nstep t: training {\n  parties: [turkey]\n  host: turkey\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("lib/p.json"), "{ \"id\": \"p\", \"steps\": [] }").unwrap();
    std::fs::write(dir.join("bad.policy"), "rule x {\n  severity\n").unwrap();
    dir
}

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    let dir = project("check");
    let before = std::fs::read_to_string(dir.join("lib/a.policy")).unwrap();
    let out = common::pactum_in(&dir, &["fmt", "--check", "lib"]);
    assert_eq!(common::code(&out), 1, "{}", stderr(&out));
    assert_eq!(common::stdout(&out), "lib/a.policy\n");
    assert_eq!(stderr(&out), "would format 1 file, 1 unchanged\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/a.policy")).unwrap(),
        before
    );
    // a formatted file passes
    let out = common::pactum_in(&dir, &["fmt", "--check", "lib/b.proposal"]);
    assert_eq!(common::code(&out), 0);
    assert_eq!(common::stdout(&out), "");
}

#[test]
fn diff_shows_the_change_and_writes_nothing() {
    let dir = project("diff");
    let out = common::pactum_in(&dir, &["fmt", "--diff", "lib/a.policy"]);
    assert_eq!(common::code(&out), 1);
    assert_eq!(
        common::stdout(&out),
        "--- a/lib/a.policy\n+++ b/lib/a.policy\n@@ -1 +1 @@\n-fact x:   State { name: \"X\" }   // x\n+fact x: State { name: \"X\" } // x\n"
    );
    assert!(
        std::fs::read_to_string(dir.join("lib/a.policy"))
            .unwrap()
            .contains("x:   State")
    );
}

#[test]
fn files_are_rewritten_in_place_and_only_when_they_change() {
    let dir = project("write");
    let b = dir.join("lib/b.proposal");
    let mtime = std::fs::metadata(&b).unwrap().modified().unwrap();
    let out = common::pactum_in(&dir, &["fmt", "lib"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert_eq!(common::stdout(&out), "");
    assert_eq!(stderr(&out), "formatted 1 file, 1 unchanged\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/a.policy")).unwrap(),
        "fact x: State { name: \"X\" } // x\n"
    );
    assert_eq!(std::fs::metadata(&b).unwrap().modified().unwrap(), mtime);
    // no temporary file is left beside them
    let names: Vec<String> = std::fs::read_dir(dir.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // and a second run changes nothing
    let out = common::pactum_in(&dir, &["fmt", "--check", "lib"]);
    assert_eq!(common::code(&out), 0);
}

#[test]
fn a_file_that_does_not_parse_is_left_alone_and_exits_2() {
    let dir = project("bad");
    let bad = std::fs::read_to_string(dir.join("bad.policy")).unwrap();
    let out = common::pactum_in(&dir, &["fmt", "bad.policy", "lib/a.policy"]);
    assert_eq!(common::code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("pactum::parse::policy_syntax"), "{err}");
    assert!(
        err.contains("bad.policy: does not parse, not formatted"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bad.policy")).unwrap(),
        bad
    );
    // the other file was still formatted
    assert_eq!(
        std::fs::read_to_string(dir.join("lib/a.policy")).unwrap(),
        "fact x: State { name: \"X\" } // x\n"
    );
    // 2 wins over 1 with --check
    let out = common::pactum_in(&dir, &["fmt", "--check", "bad.policy"]);
    assert_eq!(common::code(&out), 2);
}

#[test]
fn json_proposals_are_skipped_with_a_note() {
    let dir = project("json");
    let out = common::pactum_in(&dir, &["fmt", "--check", "lib/p.json"]);
    assert_eq!(common::code(&out), 0);
    assert_eq!(
        stderr(&out),
        "lib/p.json: JSON proposals are not formatted, skipped\nwould format 0 files, 0 unchanged, 1 skipped\n"
    );
}

#[test]
fn standard_input_is_formatted_to_standard_output() {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"// a proposal\nproposal p {  }\nstep t: training { parties: [turkey], host: turkey }\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        common::stdout(&out),
        "// a proposal\nproposal p {}\n\nstep t: training {\n  parties: [turkey]\n  host: turkey\n}\n"
    );
}

#[test]
fn the_standard_library_and_the_examples_are_formatted() {
    let out = common::pactum(&["fmt", "--check", "policies/"]);
    assert_eq!(
        common::code(&out),
        0,
        "run `pactum fmt policies/`:\n{}{}",
        common::stdout(&out),
        stderr(&out)
    );
}

/// Brackets nested as deep as the parser allows are formatted (the printer recurses once
/// per level, its layout does not recurse).
#[test]
fn deeply_nested_expressions_are_formatted() {
    let depth = 120;
    let text = format!(
        "def d = {}true{}\ndef l = {}{}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let once = policy_laws("deep.policy", &text);
    assert!(once.contains(&"(".repeat(depth)));
}

/// The code block of docs/fmt.md after the marker `<!-- fmt: NAME -->`.
fn doc_block(doc: &str, name: &str) -> String {
    let marker = format!("<!-- fmt: {name} -->\n```text\n");
    let start = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} block"))
        + marker.len();
    let end = doc[start..].find("```\n").unwrap() + start;
    doc[start..end].to_string()
}

/// docs/fmt.md's before and after are what the binary prints, its diff too.
#[test]
fn the_examples_of_docs_fmt_md_are_real() {
    let doc = std::fs::read_to_string(common::root().join("docs/fmt.md")).unwrap();
    let before = doc_block(&doc, "before");
    let after = doc_block(&doc, "after");
    assert_eq!(policy_laws("x.policy", &before), after);
    let dir = common::scratch("fmt", "doc");
    std::fs::write(dir.join("x.policy"), &before).unwrap();
    let out = common::pactum_in(&dir, &["fmt", "--diff", "x.policy"]);
    assert_eq!(common::code(&out), 1);
    assert_eq!(common::stdout(&out), doc_block(&doc, "diff"));
    let out = common::pactum_in(&dir, &["fmt", "--check", "x.policy"]);
    assert_eq!(
        (common::code(&out), common::stdout(&out)),
        (1, "x.policy\n".into())
    );
}

// ------------------------------------------------------------------ comments at every place

/// The places between two tokens of a policy text, as byte offsets: the start of each run
/// of white space, and each place between two characters that are not both part of one
/// word (so also inside `&&` or a date: what then does not parse is skipped), outside
/// strings and comments.
fn token_boundaries(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i = text[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if b[i..].starts_with(b"/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(i);
        } else {
            let space = |c: u8| c == b' ' || c == b'\n';
            let prev = i.checked_sub(1).map(|k| b[k]);
            let here = b[i];
            match prev {
                Some(p) if space(p) && space(here) => {}
                Some(p) if word(p) && word(here) => {}
                _ => out.push(i),
            }
            i += 1;
        }
    }
    out.retain(|&i| i <= b.len() && text.is_char_boundary(i));
    out.dedup();
    out
}

/// The comments inserted at every token boundary.
const SWEEP_COMMENTS: &[&str] = &[" // @c\n", "\n// @c\n", "/* @c */", "\n/* @c */\n"];

/// The line of `text` that holds the comment `// @c` or `/* @c */` (which the sweep
/// inserts once), trimmed.
fn line_of_inserted(text: &str) -> Option<&str> {
    text.lines()
        .find(|l| l.contains("// @c") || l.contains("/* @c */"))
        .map(str::trim)
}

/// Formats `text` with `comment` inserted at each token boundary: the laws hold, and a
/// comment on a line of its own stays on a line of its own, one after code stays after
/// code. Returns the failures (at most a few of each kind are kept).
fn sweep(name: &str, text: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for at in token_boundaries(text) {
        for comment in SWEEP_COMMENTS {
            let input = format!("{}{comment}{}", &text[..at], &text[at..]);
            if parse_policy(&SourceFile::new(name, input.as_str())).is_err() {
                continue;
            }
            let once = match try_policy_laws(name, &input) {
                Ok(once) => once,
                Err(e) => {
                    // the whole text for the first failure, the first line for the others
                    let e = if failures.is_empty() {
                        e
                    } else {
                        e.lines().next().unwrap_or("").to_string()
                    };
                    failures.push(format!("{name}@{at} {comment:?}: {e}"));
                    continue;
                }
            };
            // on a line of its own: after a line break, and (a block comment) before one
            let before = text[..at].trim_end_matches(' ');
            let line_start = before.is_empty() || before.ends_with('\n');
            let own_line = (comment.starts_with('\n') || line_start)
                && (comment.contains("//")
                    || comment.ends_with('\n')
                    || text[at..].trim_start_matches(' ').starts_with('\n'));
            let line = line_of_inserted(&once).unwrap_or("");
            let alone = line == "// @c" || line == "/* @c */";
            if own_line && !alone {
                failures.push(format!(
                    "{name}@{at} {comment:?}: no longer on its own line: `{line}`"
                ));
            }
            if !own_line && alone && comment.contains("//") {
                failures.push(format!("{name}@{at} {comment:?}: now on a line of its own"));
            }
        }
    }
    failures
}

/// `// c` and `/* c */`, after code and on a line of their own, at every token boundary of
/// standard library files: the laws hold, and where a comment was on a line of its own it
/// stays so.
#[test]
fn comments_at_every_token_boundary_of_library_files() {
    let mut failures = Vec::new();
    // PACTUM_FMT_SWEEP=a.policy,b.policy sweeps other files
    let files = std::env::var("PACTUM_FMT_SWEEP")
        .unwrap_or_else(|_| "policies/transit.policy,policies/caspian.policy".into());
    for file in files.split(',') {
        let text = std::fs::read_to_string(common::root().join(file)).unwrap();
        failures.extend(sweep(file, &text));
    }
    let n = failures.len();
    failures.truncate(20);
    assert!(
        n == 0,
        "{n} failures, the first:\n{}",
        failures.join("\n\n")
    );
}
