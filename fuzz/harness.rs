//! What each fuzz target does with one input. Shared by the fuzz targets
//! (fuzz/fuzz_targets/*.rs, built by cargo-fuzz) and by tests/fuzz_regressions.rs (built by
//! `cargo test`, which replays the seed corpus and every crash found), so that the two cannot
//! drift apart and CI notices when an API change breaks the fuzz targets.
//!
//! Every function panics when pactum panics or breaks an invariant; that is a crash for the
//! fuzzer and a failure for the test.

use pactum::{Engine, Limits, Proposal, SourceFile};
use pactum::{Report, render_human};

/// The limits `policy_parse` compiles with: the defaults but for the expansion limit, which
/// is 50 times smaller. An input that reaches the default limit (a million nodes) costs
/// about 110 ms to compile; the same input meets this one in about 2 ms, through the same
/// code, so such inputs no longer slow the fuzzer down.
pub fn policy_limits() -> Limits {
    Limits {
        max_compiled_nodes: 20_000,
        ..Limits::default()
    }
}

/// A policy library of one file: parse and compile it, and render its first diagnostics.
pub fn policy_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let sources = vec![SourceFile::new("f.policy", text.as_ref())];
    match Engine::from_sources_with(sources, &policy_limits()) {
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

/// The formatter: a policy (or, if it starts with `proposal`, a proposal) that parses
/// formats to a text that parses and formats to itself; one that does not parse gives
/// diagnostics.
pub fn fmt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let proposal = text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .starts_with("proposal");
    let format = if proposal {
        pactum::fmt::format_proposal
    } else {
        pactum::fmt::format_policy
    };
    match format(&text) {
        Ok(once) => {
            let twice = format(&once);
            assert!(twice.is_ok(), "the formatted text parses: {twice:?}");
            assert_eq!(Ok(once), twice, "formatting is idempotent");
        }
        Err(diags) => assert!(!diags.into_vec().is_empty(), "a failed parse says why"),
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

// ------------------------------------------------------------------ cli_walk

/// A folder tree for `pactum check`, decoded from a fuzz input by [`decode_tree`].
#[derive(Debug)]
pub struct Tree {
    /// `--format`.
    pub format: &'static str,
    /// `--follow`.
    pub follow: bool,
    /// Whether the first file is also given as a PATH (read as the user asked).
    pub first_file_as_path: bool,
    /// What to create, in order; `dirs` indexes are into the root (0) and the folders.
    pub entries: Vec<Entry>,
}

/// One thing to create in a [`Tree`].
#[derive(Debug)]
pub struct Entry {
    /// Index of the folder it goes in: 0 is the root, n the n-th folder entry.
    pub parent: usize,
    /// The file name's bytes (no `/`, no NUL; not `.` or `..`).
    pub name: Vec<u8>,
    /// What it is.
    pub kind: EntryKind,
}

/// What an [`Entry`] is.
#[derive(Debug)]
pub enum EntryKind {
    /// A file whose content is this.
    File(Vec<u8>),
    /// A folder.
    Dir,
    /// A symbolic link to this (relative) target.
    Link(Vec<u8>),
}

const FORMATS: [&str; 5] = ["human", "json", "sarif", "github", "junit"];

/// A name from fuzz bytes: `/` becomes `_`, at most 40 bytes, never empty, `.` or `..`.
fn file_name(bytes: &[u8]) -> Vec<u8> {
    let mut name: Vec<u8> = bytes
        .iter()
        .take(40)
        .map(|&b| if b == b'/' { b'_' } else { b })
        .collect();
    if name.is_empty() || name == b"." || name == b".." {
        name = b"e".to_vec();
    }
    name
}

/// A string literal of the text form holding `s` with only `"`, `\` and line feeds escaped:
/// every other character (ESC, BEL, bidi controls, ...) stays raw, for the parser to judge.
fn text_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A proposal about `name`: its id, a step id and an unknown participant all carry the
/// name's characters, so that every message that quotes them quotes hostile text.
fn proposal_about(name: &[u8], json: bool, shape: u8) -> Vec<u8> {
    let id = String::from_utf8_lossy(name);
    match (shape % 3, json) {
        // The raw name as the whole file: mostly a syntax error quoting it.
        (0, _) => name.to_vec(),
        (1, false) => format!(
            "proposal {id} {{ date: 2026-09-15 }}\nstep {id}: exercise {{ participants: [turkey, {id}], area: caspian_sea }}\n",
            id = text_literal(&id)
        )
        .into_bytes(),
        (1, true) => {
            let q = serde_json::Value::String(id.into_owned()).to_string();
            format!(
                "{{\"id\": {q}, \"date\": \"2026-09-15\", \"steps\": [{{\"id\": {q}, \"kind\": \"exercise\", \"participants\": [\"turkey\", {q}], \"area\": \"caspian_sea\", {q}: 1}}]}}"
            )
            .into_bytes()
        }
        // A valid, violating proposal: the name reaches the report as the file name only.
        _ => b"proposal p { date: 2026-09-15 }\nstep b1: base { host: uzbekistan, operators: [russia] }\n"
            .to_vec(),
    }
}

/// Decodes a fuzz input into a tree. Byte 0: the format (bits 0-2, modulo 5), `--follow`
/// (bit 3), the first file also given as a PATH (bit 4). Then records separated by NUL, at
/// most 24: a record's first byte gives the kind (bits 0-1: text proposal, JSON proposal,
/// folder, link) and the folder it goes in (the rest, modulo the folders so far, the root
/// first); for a file or link the second byte picks the content or target; the remaining
/// bytes are the name (files and links get a `.proposal` or `.json` extension, in upper
/// case when bit 2 of the second byte is set).
pub fn decode_tree(data: &[u8]) -> Tree {
    let head = data.first().copied().unwrap_or(0);
    let mut tree = Tree {
        format: FORMATS
            .get(usize::from(head & 7) % FORMATS.len())
            .copied()
            .unwrap_or("human"),
        follow: head & 8 != 0,
        first_file_as_path: head & 16 != 0,
        entries: Vec::new(),
    };
    let mut dirs = 1;
    let mut taken: std::collections::BTreeSet<(usize, Vec<u8>)> = Default::default();
    for record in data
        .get(1..)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .take(24)
    {
        let Some((&op, rest)) = record.split_first() else {
            continue;
        };
        let parent = usize::from(op >> 2) % dirs;
        let (pick, rest) = rest.split_first().map_or((0, rest), |(&p, r)| (p, r));
        let (name, kind) = match op & 3 {
            3 => {
                let target: &[u8] = match pick % 5 {
                    0 => b".",
                    1 => b"..",
                    2 => b"../..",
                    3 => b"missing.proposal",
                    // the first file created in the root, if any
                    _ => tree
                        .entries
                        .iter()
                        .find(|e| e.parent == 0 && matches!(e.kind, EntryKind::File(_)))
                        .map_or(b"none", |e| e.name.as_slice()),
                };
                let mut name = file_name(rest);
                name.extend_from_slice(b".proposal");
                (name, EntryKind::Link(target.to_vec()))
            }
            2 => {
                dirs += 1;
                // a folder takes its name from every byte after the op
                (
                    file_name(record.get(1..).unwrap_or_default()),
                    EntryKind::Dir,
                )
            }
            kind => {
                let json = kind == 1;
                let mut name = file_name(rest);
                let content = proposal_about(&name, json, pick);
                let ext: &[u8] = match (json, pick & 4 != 0) {
                    (false, false) => b".proposal",
                    (false, true) => b".PROPOSAL",
                    (true, false) => b".json",
                    (true, true) => b".JSON",
                };
                name.extend_from_slice(ext);
                (name, EntryKind::File(content))
            }
        };
        if !taken.insert((parent, name.clone())) {
            if matches!(kind, EntryKind::Dir) {
                dirs -= 1;
            }
            continue;
        }
        tree.entries.push(Entry { parent, name, kind });
    }
    tree
}

/// The library `cli_walk` checks with (`--policies`), kept small: compiling it is most of a
/// run's cost (the standard library would take 4 ms). Its messages quote step ids and
/// entities, as the standard library's do.
const LIBRARY: &str = r#"entity State { name: string }
entity Area { name: string }
step exercise { participants: set<State> area: Area }
step base { host: State operators: set<State> }
fact russia: State { name: "Russia" }
fact turkey: State { name: "Türkiye" }
fact uzbekistan: State { name: "Uzbekistan" }
fact caspian_sea: Area { name: "Caspian Sea" }
rule caspian.exercise {
  severity error on exercise as s forbid s.area == caspian_sea
  message "exercise {s.id} in the Caspian Sea" help "hold it elsewhere"
}
rule foreign.bases {
  severity warning on base as s forbid russia in s.operators
  message "base {s.id} on {s.host} run by Russia" help "leave Russia out"
}
"#;

/// The folder `tree` is built in, under the scratch folder `root`.
fn tree_root(root: &std::path::Path) -> std::path::PathBuf {
    root.join("in")
}

/// Writes the library under `root` (`root/lib`, which [`cli_args`] passes as `--policies`)
/// and returns its folder.
pub fn build_library(root: &std::path::Path) -> std::path::PathBuf {
    let lib = root.join("lib");
    let made = std::fs::create_dir_all(&lib)
        .and_then(|()| std::fs::write(lib.join("fuzz.policy"), LIBRARY));
    assert!(made.is_ok(), "the scratch folder can be written: {made:?}");
    lib
}

/// Creates `tree` under `root` (beside the library of [`build_library`]), replacing the
/// tree an earlier call made there. Entries that cannot be made (a name the file system
/// refuses) are left out.
pub fn build_tree(tree: &Tree, root: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let _ = std::fs::remove_dir_all(tree_root(root));
    let made = std::fs::create_dir_all(tree_root(root));
    assert!(made.is_ok(), "the scratch folder can be written: {made:?}");
    let mut dirs = vec![tree_root(root)];
    for e in &tree.entries {
        let Some(parent) = dirs.get(e.parent) else {
            continue;
        };
        let path = parent.join(std::ffi::OsStr::from_bytes(&e.name));
        match &e.kind {
            EntryKind::File(content) => {
                let _ = std::fs::write(&path, content);
            }
            EntryKind::Dir => {
                let _ = std::fs::create_dir(&path);
                dirs.push(path);
            }
            EntryKind::Link(target) => {
                let _ = std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &path);
            }
        }
    }
}

/// The command line that checks `tree` built under `root` with the library (the program's
/// name first).
pub fn cli_args(tree: &Tree, root: &std::path::Path) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt as _;
    let mut args: Vec<std::ffi::OsString> = ["pactum", "check", "--as-of", "2026-11-29"]
        .iter()
        .map(Into::into)
        .collect();
    args.push("--policies".into());
    args.push(root.join("lib").into());
    let root = &tree_root(root);
    args.push("--format".into());
    args.push(tree.format.into());
    if tree.follow {
        args.push("--follow".into());
    }
    if tree.first_file_as_path {
        if let Some(e) = tree
            .entries
            .iter()
            .find(|e| e.parent == 0 && matches!(e.kind, EntryKind::File(_)))
        {
            args.push(root.join(std::ffi::OsStr::from_bytes(&e.name)).into());
        }
    }
    args.push(root.into());
    args
}

/// What may not appear in output: C0 controls but line feed (tab, too: a proposal's tab
/// would show as one, and none of pactum's formats writes tabs), DEL, and, as UTF-8, the
/// C1 controls, the bidirectional controls and the line and paragraph separators; and a
/// line that a CI system would take for a workflow command but pactum's own annotations.
pub fn hazards(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut found = Vec::new();
    for (i, c) in text.char_indices() {
        let bad = match c {
            '\n' => false,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
            c => c.is_control(),
        };
        if bad {
            let before = text.get(..i).unwrap_or_default();
            let from = before.char_indices().rev().nth(30).map_or(0, |(j, _)| j);
            found.push(format!(
                "{:?} after {:?}",
                c,
                before.get(from..).unwrap_or_default()
            ));
        }
    }
    for line in text.lines() {
        if line.starts_with("::")
            && !line.starts_with("::error file=")
            && !line.starts_with("::warning file=")
            && !line.starts_with("::notice file=")
        {
            found.push(format!("a line that reads as a workflow command: {line:?}"));
        }
    }
    found
}

/// The output of checking a tree: an exit code of the contract, no hazard, and the format's
/// syntax (JSON and SARIF parse; JUnit is an XML document).
pub fn check_cli_output(tree: &Tree, stdout: &[u8], exit: i32) {
    assert!((0..=2).contains(&exit), "exit code {exit}");
    let found = hazards(stdout);
    assert!(found.is_empty(), "{}: {found:#?}", tree.format);
    assert!(std::str::from_utf8(stdout).is_ok(), "the output is UTF-8");
    match tree.format {
        "json" | "sarif" => {
            let v: Result<serde_json::Value, _> = serde_json::from_slice(stdout);
            assert!(v.is_ok(), "{} output parses: {v:?}", tree.format);
        }
        "junit" => assert!(stdout.starts_with(b"<?xml"), "a JUnit document"),
        _ => {}
    }
}

/// `pactum lint` on a library of one file (the input), with a small budget per question so
/// that each input stays fast: it must answer (findings, `undecided` ones included), never
/// hang or panic, and every finding must carry a lint code and render.
pub fn lint(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // The same limits as `policy_parse`: an input that reaches the default expansion limit
    // would spend 110 ms compiling before the linter starts.
    let sources = vec![SourceFile::new("f.policy", text.as_ref())];
    let Ok(engine) = Engine::from_sources_with(sources, &policy_limits()) else {
        return;
    };
    // Small budgets keep each input fast (a question's unsatisfiable core alone asks one
    // question per condition): past them, questions are `undecided` and the lint is cut
    // short, paths that a fuzzer should reach too.
    let opts = pactum::lint::LintOptions {
        budget: 300,
        total_budget: Some(200),
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
