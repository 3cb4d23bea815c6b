//! Fuzzing, replayed on the stable toolchain: the seed corpus of every fuzz target, and every
//! input that once made a fuzz target fail, run through the fuzz targets' own code
//! (fuzz/harness.rs). See docs/fuzzing.md for the fuzzer and for how a crash becomes a test
//! here: a new crash is added with `#[ignore = "fuzz crash: ..."]` until it is fixed.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;
use std::sync::OnceLock;

use pactum::Engine;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::standard)
}

/// Runs one input through a fuzz target.
fn run(target: &str, data: &[u8]) {
    match target {
        "policy_parse" => harness::policy_parse(data),
        "proposal_text" => harness::proposal_text(data),
        "proposal_json" => harness::proposal_json(data),
        "check_render" => harness::check_render(engine(), data),
        "lint" => harness::lint(data),
        "fmt" => harness::fmt(data),
        other => unreachable!("no fuzz target `{other}`"),
    }
}

/// Every committed seed (fuzz/corpus/<target>/*) passes its target: the harness still
/// compiles against pactum's API and no seed crashes.
#[test]
fn seed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failed = Vec::new();
    let mut seen = 0;
    for target in [
        "policy_parse",
        "proposal_text",
        "proposal_json",
        "check_render",
        "lint",
        "fmt",
    ] {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("the seed folder is readable")
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .expect("the seed folder is readable");
        files.sort();
        assert!(!files.is_empty(), "no seeds in {}", dir.display());
        for file in files {
            let data = std::fs::read(&file).expect("the seed is readable");
            seen += 1;
            if std::panic::catch_unwind(|| run(target, &data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(seen > 0);
    assert!(failed.is_empty(), "seeds that fail: {failed:#?}");
}

/// Every seed of `cli_walk` (fuzz/corpus/cli_walk/*), through the real binary: the fuzz
/// target runs the command line in-process; here each decoded tree is built in a scratch
/// folder and `pactum check` runs on it as a user would, its output held to the same checks.
#[test]
fn cli_walk_seeds() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/cli_walk");
    let mut files: Vec<_> = std::fs::read_dir(&seeds)
        .expect("the seed folder is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "cli_walk seeds: {files:?}");
    let mut fired = false;
    for file in files {
        let data = std::fs::read(&file).expect("the seed is readable");
        let tree = harness::decode_tree(&data);
        let seed = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let root = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("cli_walk")
            .join(seed.unwrap_or_default());
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("the scratch folder can be made");
        harness::build_library(&root);
        harness::build_tree(&tree, &root);
        let args = harness::cli_args(&tree, &root);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pactum"))
            .args(args.iter().skip(1))
            .env("NO_COLOR", "1")
            .output()
            .expect("pactum runs");
        let exit = out.status.code().unwrap_or(-1);
        let shown = String::from_utf8_lossy(&out.stdout);
        let checked =
            std::panic::catch_unwind(|| harness::check_cli_output(&tree, &out.stdout, exit));
        assert!(checked.is_ok(), "{}: {tree:#?}\n{shown}", file.display());
        assert!(
            harness::hazards(&out.stderr).is_empty(),
            "{}: stderr",
            file.display()
        );
        fired |= shown.contains("foreign.bases") || shown.contains("caspian.exercise");
    }
    assert!(
        fired,
        "the harness's library compiles and its rules fire on some seed"
    );
}

// ---------------------------------------------------------------- crashes found by fuzzing
//
// One test per crash, with the minimised input (`cargo fuzz tmin`) inline; see
// docs/fuzzing.md. Marked `#[ignore = "fuzz crash: ..."]` until the bug is fixed.

/// Runs `f` on another thread and fails if it takes longer than `secs` seconds (the fuzz
/// targets' `-timeout`), so that a slow-input regression fails fast instead of hanging.
#[expect(clippy::panic, reason = "a test helper: failing is its job")]
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(e) => panic!("not done within {secs} s ({e}): the fuzz target times out"),
    }
}

/// policy_parse, timeout (found 2026-11-29 at commit 2c92158, minimised by hand from
/// `timeout-3decbd1f…`, the limit-expansion test library with two digits changed).
///
/// Seventeen definitions, each using the previous one twice, the innermost calling an unknown
/// function: 506 bytes. The compiler expands definitions at each use and reports the error
/// once per expansion, each with its own chain of "in this use of" notes (so the final dedup
/// keeps them all), and runs did-you-mean over every definition for each: 2^17 = 131,072
/// diagnostics (still at 7b3a94a). `pactum check --policies` on it (release build) takes 3
/// to 9 s, uses 200 MB and prints 68 MB; with 24 definitions, 249,988 diagnostics (the node
/// limit stops it there), 390 MB. The fuzz build: 3.5 to 15 s on it, 9 to 45 s on the
/// fuzzer's input (its limit is 10 s).
///
/// Fixed: a definition whose body fails to compile is not expanded again
/// (`Cx::failed_defs` in src/compile.rs), so the error is reported once.
#[test]
fn error_in_doubling_definitions_is_reported_once() {
    const POLICY: &str = "\
def d1(x) = d0(x) && d0(x)
def d2(x) = d1(x) && d1(x)
def d3(x) = d2(x) && d2(x)
def d4(x) = d3(x) && d3(x)
def d5(x) = d4(x) && d4(x)
def d6(x) = d5(x) && d5(x)
def d7(x) = d6(x) && d6(x)
def d8(x) = d7(x) && d7(x)
def d9(x) = d8(x) && d8(x)
def d10(x) = d9(x) && d9(x)
def d11(x) = d10(x) && d10(x)
def d12(x) = d11(x) && d11(x)
def d13(x) = d12(x) && d12(x)
def d14(x) = d13(x) && d13(x)
def d15(x) = d14(x) && d14(x)
def d16(x) = d15(x) && d15(x)
def d17(x) = d16(x) && d16(x)
rule r { forbid d17(1) }
";
    let diags = within(10, || {
        Engine::from_sources(vec![pactum::SourceFile::new("f.policy", POLICY)])
            .expect_err("`d0` is unknown")
    });
    let unknown = diags
        .iter()
        .filter(|d| d.code == pactum::Code::UnknownName)
        .count();
    assert!(
        (1..=2).contains(&unknown),
        "{unknown} unknown-name diagnostics, {} in all: want one per use of `d0` in the source",
        diags.len()
    );
    assert!(diags.len() < 10, "{} diagnostics", diags.len());
    within(10, || harness::policy_parse(POLICY.as_bytes()));
}

/// lint (and policy_parse), timeout (found 2026-12-02 by the `lint` target at commit
/// `8afa874`, `timeout-d4fa490f…`: 3 KB of nested quantifiers, unclosed brackets and names
/// such as `ifuskey`; 19 s in the fuzz build, 3.5 s in release).
///
/// The policy grammar re-parsed operands after a late failure, doubling the work at each
/// level of nesting: `if_expr` took the `if` of `ifuskey` for the keyword and parsed the rest
/// as its condition before failing and reading a name; `[a in S ...` was parsed as a filter,
/// then again as a list; `f(a in S ...` as a bare filter, then as arguments. Twenty levels
/// took 5 s; forty, days.
///
/// Fixed: keywords are whole words, and a list's or a call's first element is parsed once,
/// as an expression, a `where` after it making it a filter (`grammar/policy.pest`).
#[test]
fn nested_brackets_and_keyword_prefixes_parse_in_linear_time() {
    let nested = |open: &str, n: usize, close: &str| {
        let mut body: String = (0..n).map(|i| open.replace('#', &i.to_string())).collect();
        body.push_str(close);
        format!(
            "step deal {{ participants: set<State> }}\nentity State {{ name: string }}\nrule r {{ on deal as s forbid {body} }}\n"
        )
    };
    let cases = [
        nested("[a# in ", 40, "s.participants"),
        nested("f(a# in ", 40, "s.participants"),
        nested("count(a# in [b# in ", 20, "x"),
        nested("ifa# == 1 || (", 40, "true"),
        nested("iffy# || ", 40, "("),
        nested("[a# in s.participants where a# == ", 30, "1"),
    ];
    for policy in cases {
        let shown = policy.clone();
        let diags = within(10, move || {
            Engine::from_sources(vec![pactum::SourceFile::new("f.policy", policy.as_str())])
                .map(|_| ())
                .expect_err("unclosed or unknown")
        });
        assert!(
            !diags.is_empty() && diags.len() < 10,
            "{shown}: {} diagnostics",
            diags.len()
        );
    }
    let lint_input = nested("[a# in ", 40, "s");
    within(10, move || harness::lint(lint_input.as_bytes()));
}

/// fmt, not idempotent (found 2026-12-02 by the `fmt` target at commit `7f376d2`,
/// `crash-cc33458e…`): a byte order mark between `{` and a line comment,
/// `entity Country { \u{feff}// c\n}`. The grammar takes the mark for whitespace, the
/// formatter's comment placement did not: the first formatting kept the comment after `{`
/// on its own line's end (`{ // c` then `}`), the second moved it after `{}`.
///
/// Fixed: the formatter counts the mark as a space where it looks for the end of a line.
#[test]
fn a_byte_order_mark_before_a_comment_formats_to_a_fixed_point() {
    harness::fmt("entity Country { \u{feff}// c\n}\n".as_bytes());
    harness::fmt("entity Country {\u{feff}/* c */\n  name: string\n}\n".as_bytes());
}
