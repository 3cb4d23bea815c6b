//! Hostile and broken input: limits, deep nesting, odd encodings, fail-closed evaluation,
//! safe policy loading, and properties that no input makes pactum panic.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers report setup failures by panicking"
)]

mod common;

use pactum::Code;
use pactum::render_human;
use pactum::{CheckOptions, Diagnostic, Engine, Limits, Proposal, SourceFile};
use proptest::prelude::*;

fn codes(d: &[Diagnostic]) -> Vec<Code> {
    d.iter().map(|d| d.code).collect()
}

fn render_all(d: &[Diagnostic]) -> String {
    let refs: Vec<&Diagnostic> = d.iter().collect();
    render_human(&refs, false)
}

const STEP: &str = "step s1: exercise { participants: [turkey], area: caspian_sea }\n";

#[test]
fn size_steps_and_string_limits() {
    let small = Limits {
        max_input_bytes: 100,
        max_steps: 2,
        max_string_bytes: 16,
        ..Limits::default()
    };
    let steps: String = (0..3)
        .map(|i| STEP.replace("s1", &format!("s{i}")))
        .collect();
    let big = format!("proposal p {{}}\n{steps}");
    let e = Proposal::load_with("a.proposal", &big, &small).unwrap_err();
    assert_eq!(codes(&e), [Code::LimitSize]);
    let roomy = Limits {
        max_input_bytes: 10_000,
        ..small.clone()
    };
    let e = Proposal::load_with("a.proposal", &big, &roomy).unwrap_err();
    assert_eq!(codes(&e), [Code::LimitSteps]);
    let e = Proposal::load_with(
        "a.proposal",
        "proposal p { title: \"a very long title\" }",
        &roomy,
    )
    .unwrap_err();
    assert_eq!(codes(&e), [Code::LimitString]);
    // The policy side.
    let src = SourceFile::new("x.policy", "def x = 1\n".repeat(20));
    let e = Engine::from_sources_with(vec![src], &small).unwrap_err();
    assert_eq!(codes(&e), [Code::LimitSize]);
    render_all(&e);
}

#[test]
fn a_json_proposal_nested_200000_levels_gets_a_diagnostic() {
    let deep = format!(
        "{{\"id\": \"p\", \"steps\": [{{\"id\": \"s\", \"kind\": \"exercise\", \"participants\": {}{}}}]}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let e = Proposal::from_json(&deep).unwrap_err();
    assert!(!e.is_empty());
    render_all(&e);
    let unbalanced = "[".repeat(200_000);
    let e = Proposal::from_json(&unbalanced).unwrap_err();
    render_all(&e);
    let text = format!(
        "proposal p {{}}\nstep s: exercise {{ participants: {} }}",
        "[".repeat(200_000)
    );
    let e = Proposal::parse(&text).unwrap_err();
    render_all(&e);
}

#[test]
fn deeply_nested_policy_text_gets_a_diagnostic_not_a_stack_overflow() {
    let cases = [
        format!("def x = {}true{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("def x = {}true", "any a in [b]: ".repeat(20_000)),
        format!(
            "def x = {}true{}",
            "if true then ".repeat(20_000),
            " else true".repeat(20_000)
        ),
        format!(
            "type T = {}int{}",
            "set<".repeat(50_000),
            ">".repeat(50_000)
        ),
        format!("def x = a{}", ".b".repeat(100_000)),
        format!("def x = a{}", " | a".repeat(100_000)),
        format!("def x = [{}]", "[".repeat(100_000)),
        format!("rule r {{ message \"{{{}}}\" }}", "(".repeat(100_000)),
    ];
    for (i, text) in cases.iter().enumerate() {
        let e = Engine::from_sources(vec![SourceFile::new("x.policy", text.as_str())])
            .map(|_| ())
            .unwrap_err();
        assert!(!e.is_empty(), "case {i}");
        render_all(&e);
    }
}

/// `Limits::max_policy_nesting` is checked before pest parses: the first bracket past it is
/// the diagnostic, brackets in comments and strings do not count, and an embedder can
/// raise or lower it.
#[test]
fn brackets_deeper_than_the_limit_are_refused_before_parsing() {
    let limit = Limits::default().max_policy_nesting as usize;
    let nested = |d: usize| format!("def x = {}true{}", "(".repeat(d), ")".repeat(d));
    let load = |text: &str, limits: &Limits| {
        Engine::from_sources_with(vec![SourceFile::new("x.policy", text)], limits)
            .map(|_| ())
            .err()
            .map(pactum::Errors::into_vec)
            .unwrap_or_default()
    };
    let e = load(&nested(limit + 1), &Limits::default());
    assert_eq!(codes(&e), [Code::LimitNesting]);
    let at = "def x = ".len() + limit;
    assert_eq!(
        (e[0].span.start as usize, e[0].span.end as usize),
        (at, at + 1),
        "{e:#?}"
    );
    assert!(
        e[0].message.contains("brackets nest more than 256 deep"),
        "{}",
        e[0].message
    );
    // in a comment or a string, brackets are text
    let quiet = format!(
        "// {}\nrule r {{ message \"{}\" }}",
        "(".repeat(1000),
        "[".repeat(1000)
    );
    assert!(!codes(&load(&quiet, &Limits::default())).contains(&Code::LimitNesting));
    // a lower limit refuses what the default accepts
    let low = Limits {
        max_policy_nesting: 3,
        ..Limits::default()
    };
    assert!(load(&nested(3), &low).is_empty());
    assert_eq!(codes(&load(&nested(4), &low)), [Code::LimitNesting]);
}

#[test]
fn long_chains_are_accepted_and_dropped_without_recursion() {
    // 100,000 operands: balanced into a tree 17 levels deep, so compiling, evaluating and
    // dropping it never recurse deeply.
    let mut text = std::fs::read_to_string("policies/schema.policy").unwrap();
    text.push_str(&std::fs::read_to_string("policies/world.policy").unwrap());
    text.push_str(&std::fs::read_to_string("policies/instruments.policy").unwrap());
    let chain = vec!["s.armed"; 100_000].join(" && ");
    text.push_str(&format!(
        "rule long.chain {{ severity error on exercise as s forbid {chain} message \"m\" }}\n"
    ));
    let nots = "!".repeat(100_001);
    text.push_str(&format!(
        "rule long.nots {{ severity error on exercise as s forbid {nots}s.armed message \"m\" }}\n"
    ));
    let e = Engine::from_sources(vec![SourceFile::new("x.policy", text)])
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let p = Proposal::parse(&format!("proposal p {{}}\n{STEP}")).unwrap();
    let r = e.check(&p);
    let rules: Vec<&str> = r.violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["long.chain"]);
}

#[test]
fn diagnostics_never_panic_on_odd_text() {
    let texts = [
        "",
        "\u{feff}",
        "\u{feff}proposal p {\r\n  title: \"تركيا\"\r\n}\r\nstep s: exercise {\r\n\tparticipants: [türkiye]\r\n}",
        "proposal p { title: \"Türkiye–Azərbaycan\" }\nstep s: exercise { participants: [تركيا] }",
        "proposal p {",
        "proposal p {}\nstep s: exercise { participants: [turkey], area: \"بحر قزوين",
        "\t\t\tproposal",
        "{\"id\": \"ğ\", \"steps\": [ {\"id\": \"ş\", \"kind\": \"exercise\", \"participants\": [\"تركيا\"]} ]}",
        "{\"id\": \"p\", \"steps\": [",
    ];
    let engine = Engine::standard();
    for t in texts {
        for name in ["x.proposal", "x.json"] {
            match Proposal::load(name, t) {
                Ok(p) => {
                    let r = engine.check(&p);
                    let d: Vec<&Diagnostic> = r.diagnostics().collect();
                    render_human(&d, false);
                }
                Err(e) => {
                    render_all(&e);
                }
            }
        }
    }
    // Spans past the end or inside a multi-byte character are clamped.
    let src = SourceFile::new("x", "تركيا\r\n");
    for (a, b) in [(1, 3), (0, 100), (50, 60), (11, 11), (3, 2)] {
        let d = Diagnostic::error(Code::Internal, "m", &src, pactum::Span::new(a, b), "l");
        render_all(&[d]);
    }
}

fn fail_closed(rules: &str, steps: &str, opts: &CheckOptions) -> pactum::Report {
    let mut text = std::fs::read_to_string("policies/schema.policy").unwrap();
    text.push_str(&std::fs::read_to_string("policies/world.policy").unwrap());
    text.push_str(&std::fs::read_to_string("policies/instruments.policy").unwrap());
    text.push_str(rules);
    let e = Engine::from_sources(vec![SourceFile::new("x.policy", text)])
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let p = Proposal::parse(&format!("proposal p {{}}\n{steps}")).unwrap();
    e.check_with(&p, opts)
}

#[test]
fn every_evaluation_error_makes_the_proposal_non_compliant() {
    let cases: [(&str, &str, CheckOptions, Code); 3] = [
        (
            "rule needs.host { severity warning on exercise as s forbid s.host == turkey message \"m\" }",
            STEP,
            CheckOptions::default(),
            Code::AbsentAttribute,
        ),
        (
            "rule needs.date { severity note on exercise as s forbid s.date > 2020-01-01 message \"m\" }",
            STEP,
            CheckOptions {
                as_of: None,
                ..CheckOptions::default()
            },
            Code::NoDate,
        ),
        (
            "rule busy { severity note on exercise as s forbid any a in s.participants: any b in csto.members: a == b message \"m\" }",
            STEP,
            // (`csto.members` changes over time: it is read on a date)
            CheckOptions {
                budget: 2,
                as_of: pactum::Date::parse("2026-01-01").ok(),
                ..CheckOptions::default()
            },
            Code::Budget,
        ),
    ];
    for (rules, steps, opts, code) in cases {
        let r = fail_closed(rules, steps, &opts);
        assert!(!r.compliant, "{code:?}");
        assert_eq!(r.errors.len(), 1, "{code:?}");
        let e = &r.errors[0];
        assert_eq!(e.code, code.as_str());
        assert!(
            e.message.contains("rule `"),
            "names the rule: {}",
            e.message
        );
        assert!(e.message.contains("s1"), "names the step: {}", e.message);
        assert!(e.rule.is_some());
    }
}

#[cfg(unix)]
#[test]
fn a_policy_library_cannot_read_outside_its_root() {
    let base = std::env::temp_dir().join(format!("pactum-links-{}", std::process::id()));
    let root = base.join("lib");
    let outside = base.join("outside");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("a.policy"), "entity State {}\n").unwrap();
    std::fs::write(outside.join("secret.policy"), "entity Secret {}\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.policy"), root.join("b.policy")).unwrap();
    let e = Engine::load(&root).unwrap_err();
    assert_eq!(codes(&e), [Code::LibraryPath]);
    assert!(e[0].message.contains("outside the policy library"));
    std::fs::remove_file(root.join("b.policy")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("dir")).unwrap();
    let e = Engine::load(&root).unwrap_err();
    assert_eq!(codes(&e), [Code::LibraryPath]);
    std::fs::remove_file(root.join("dir")).unwrap();
    // A link that stays inside the root is fine.
    std::os::unix::fs::symlink(root.join("a.policy"), root.join("c.policy")).unwrap_or(());
    std::fs::write(root.join("a.policy"), "entity State {}\n").unwrap();
    std::fs::remove_file(root.join("c.policy")).unwrap();
    assert!(Engine::load(&root).is_ok());
    let _ = std::fs::remove_dir_all(&base);
}

/// Proptest cases: 64 by default, `PROPTEST_CASES=100000` for a long run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

const POLICY_TOKENS: &[&str] = &[
    "entity",
    "State",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ":",
    ",",
    "?",
    "=",
    "set",
    "list",
    "int",
    "string",
    "date",
    "bool",
    "enum",
    "type",
    "|",
    "step",
    "fact",
    "def",
    "rule",
    "a.b",
    "severity",
    "error",
    "warning",
    "cite",
    "on",
    "as",
    "s",
    "when",
    "forbid",
    "require",
    "each",
    "in",
    "not",
    "where",
    "unless",
    "because",
    "message",
    "help",
    "label",
    "\"{s}\"",
    "\"x\"",
    "\"{\"",
    "any",
    "all",
    "x",
    ".",
    "&&",
    "||",
    "!",
    "==",
    "!=",
    "<=",
    "has",
    "is",
    "match",
    "=>",
    "_",
    "if",
    "then",
    "else",
    "count",
    "in_force",
    "steps",
    "as_of",
    "42",
    "2026-02-30",
    "2026-01-01",
    "true",
    "-",
    "&",
    "proposal",
    "\n",
    " ",
    "//c\n",
    "تركيا",
    "é",
];

const PROPOSAL_TOKENS: &[&str] = &[
    "proposal",
    "p",
    "{",
    "}",
    "title",
    ":",
    "\"t\"",
    "date",
    "2026-09-15",
    "2026-02-30",
    "step",
    "s1",
    "s2",
    "exercise",
    "base",
    "transit_flight",
    "participants",
    "[",
    "]",
    "turkey",
    "kazakstan",
    "caspian_sea",
    ",",
    "area",
    "armed",
    "true",
    "host",
    "operators",
    "route",
    "cargo",
    "munitions",
    "permits",
    "note",
    "\"ş\"",
    "1",
    "-9999999999999999999999",
    "\n",
    " ",
    "//x\n",
    "\u{feff}",
    "\r\n",
];

fn shaped(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(tokens), 0..60).prop_map(|ts| ts.join(" "))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let engine = Engine::standard();
        for name in ["x.proposal", "x.json"] {
            if let Ok(p) = Proposal::load(name, &text) {
                let r = engine.check(&p);
                render_human(&r.diagnostics().collect::<Vec<_>>(), false);
            }
        }
        let _ = Engine::from_sources(vec![SourceFile::new("x.policy", text.as_ref())]);
    }

    #[test]
    fn grammar_shaped_policies_never_panic(text in shaped(POLICY_TOKENS)) {
        match Engine::from_sources(vec![SourceFile::new("x.policy", text.as_str())]) {
            Ok(_) => {}
            Err(e) => { render_all(&e); }
        }
    }

    #[test]
    fn grammar_shaped_proposals_never_panic_nor_pass_when_invalid(text in shaped(PROPOSAL_TOKENS)) {
        let engine = Engine::standard();
        match Proposal::parse(&text) {
            Ok(p) => {
                let r = engine.check(&p);
                render_human(&r.diagnostics().collect::<Vec<_>>(), false);
                // Every report is either compliant with no errors, or says why not.
                prop_assert!(r.compliant || !r.errors.is_empty() || !r.violations.is_empty());
            }
            Err(e) => { prop_assert!(!e.is_empty()); render_all(&e); }
        }
    }
}

/// Every nesting construct, just under and just over the default depth, compiled and checked
/// on a 2 MiB thread (the default for spawned threads): a diagnostic or a result, never a
/// stack overflow, in debug builds too.
#[test]
fn nesting_at_the_limit_fits_a_small_thread_stack() {
    let depth = Limits::default().max_expr_depth as usize;
    let shapes: Vec<Box<dyn Fn(usize) -> String + Send>> = vec![
        Box::new(|d| format!("{}s.armed{}", "(s.armed && ".repeat(d), ")".repeat(d))),
        Box::new(|d| format!("{}s.armed{}", "(s.armed || !".repeat(d), ")".repeat(d))),
        Box::new(|d| format!("{}true", "any a in s.participants: ".repeat(d))),
        Box::new(|d| {
            format!(
                "{}true{}",
                "if s.armed then ".repeat(d),
                " else false".repeat(d)
            )
        }),
        Box::new(|d| {
            format!(
                "{}true{}",
                "match s { exercise => ".repeat(d),
                " }".repeat(d)
            )
        }),
        Box::new(|d| {
            format!(
                "count({}s.participants{}) > 0",
                "(s.participants | ".repeat(d),
                ")".repeat(d)
            )
        }),
        Box::new(|d| format!("{}s.armed{}", "f(".repeat(d), ")".repeat(d))),
    ];
    for (i, shape) in shapes.into_iter().enumerate() {
        for d in [depth / 2, depth - 1, depth, depth + 1, depth * 4] {
            let rule = shape(d);
            let worker = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    let text = format!(
                        "entity State {{}}\nfact x: State {{}}\nstep exercise {{ participants: set<State>, armed: bool = true }}\n\
                         def f(v) = v\nrule deep {{ severity error on exercise as s forbid {rule} message \"m\" }}\n"
                    );
                    match Engine::from_sources(vec![SourceFile::new("x.policy", text)]) {
                        Ok(engine) => {
                            let p = Proposal::parse("proposal p {}\nstep s: exercise { participants: [x] }").unwrap();
                            let r = engine.check(&p);
                            render_human(&r.diagnostics().collect::<Vec<_>>(), false);
                        }
                        Err(e) => {
                            assert!(!e.is_empty());
                            render_all(&e);
                        }
                    }
                })
                .unwrap();
            assert!(worker.join().is_ok(), "shape {i} at depth {d}");
        }
    }
}

#[test]
fn an_engine_shared_by_8_threads_gives_the_sequential_results() {
    let engine = std::sync::Arc::new(Engine::standard());
    let mut files: Vec<String> = std::fs::read_dir("policies/examples")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let proposals: Vec<Proposal> = files
        .iter()
        .map(|f| Proposal::load(f, &std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let proposals = std::sync::Arc::new(proposals);
    let opts = common::opts();
    let sequential: Vec<String> = proposals
        .iter()
        .map(|p| serde_json::to_string(&engine.check_with(p, &opts)).unwrap())
        .collect();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (engine, proposals, opts) = (engine.clone(), proposals.clone(), opts.clone());
            std::thread::spawn(move || {
                // Each thread walks the proposals from a different starting point.
                let n = proposals.len();
                let mut out = vec![String::new(); n];
                for k in 0..n {
                    let i = (k + t * 3) % n;
                    out[i] =
                        serde_json::to_string(&engine.check_with(&proposals[i], &opts)).unwrap();
                }
                out
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), sequential);
    }
}
